/* test-import-mat73 - the MATLAB v7.3 helpers (src/import/matlab.c) and a
 * dataset reader on a tiny file written here the way MATLAB writes it. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import/matlab_internal.h"
#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_import.h"
#include "wormkit/wk_util.h"

static char last_message[512];

static void capture(enum wk_log_level level, const char *message, void *data)
{
    (void)data;
    if (level == WK_LOG_ERROR) snprintf(last_message, sizeof last_message, "%s", message);
}

/* --- a tiny MATLAB v7.3 writer --- */

static void attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, strlen(value));
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, type, value);
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
}

/* MATLAB rows x cols, given column-major. */
static void put_double(hid_t loc, const char *name, size_t rows, size_t cols, const double *v)
{
    hsize_t dims[2] = {cols, rows};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    attr_string(d, "MATLAB_class", "double");
    H5Dclose(d);
    H5Sclose(space);
}

/* A char array of `rows` rows of equal length (column-major UTF-16). */
static void put_chars(hid_t loc, const char *name, size_t rows, size_t cols, const unsigned short *u)
{
    hsize_t dims[2] = {cols, rows};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_STD_U16LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_USHORT, H5S_ALL, H5S_ALL, H5P_DEFAULT, u);
    attr_string(d, "MATLAB_class", "char");
    H5Dclose(d);
    H5Sclose(space);
}

static void put_string(hid_t loc, const char *name, const char *s)
{
    unsigned short u[32];
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) u[i] = (unsigned char)s[i];
    put_chars(loc, name, 1, n, u);
}

static void put_empty(hid_t loc, const char *name, const char *cls)
{
    hsize_t dims[1] = {2};
    unsigned long long zero[2] = {0, 0};
    unsigned char one = 1;
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero);
    attr_string(d, "MATLAB_class", cls);
    hid_t s1 = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(d, "MATLAB_empty", H5T_STD_U8LE, s1, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_UCHAR, &one);
    H5Aclose(a);
    H5Sclose(s1);
    H5Dclose(d);
    H5Sclose(space);
}

/* A 1 x n cell of the objects /#refs#/<names[i]>. */
static void put_cell(hid_t file, hid_t loc, const char *name, size_t n, const char *const *names)
{
    hobj_ref_t refs[16];
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "/#refs#/%s", names[i]);
        H5Rcreate(&refs[i], file, path, H5R_OBJECT, -1);
    }
    hsize_t dims[2] = {n, 1};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_STD_REF_OBJ, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs);
    attr_string(d, "MATLAB_class", "cell");
    H5Dclose(d);
    H5Sclose(space);
}

static void write_header(const char *path)
{
    unsigned char head[128];
    memset(head, ' ', sizeof head);
    memcpy(head, "MATLAB 7.3 MAT-file", 19);
    head[124] = 0x00;
    head[125] = 0x02;
    head[126] = 'I';
    head[127] = 'M';
    FILE *fp = fopen(path, "r+b");
    if (fp) {
        fwrite(head, 1, sizeof head, fp);
        fclose(fp);
    }
}

/* mini.mat: struct "mini" with IDs {{'AVAL'; ...}}, traces {3 x 2},
 * timeVectorSeconds {[0.5 1 1.5]}: one worm in cells. */
static void write_mini(const char *path, int bad_time)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_userblock(fcpl, 512);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    hid_t refs = H5Gcreate2(f, "#refs#", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    /* IDs of the worm: {'', 'VB01'} (a list: its first non-empty entry), [] */
    put_empty(refs, "e0", "char");
    put_string(refs, "e1", "VB01");
    put_cell(f, refs, "id1", 2, (const char *const[]){"e0", "e1"});
    put_empty(refs, "id2", "double");
    put_cell(f, refs, "ids", 2, (const char *const[]){"id1", "id2"});
    /* traces: MATLAB [1 2; 3 4; 5 6] (3 samples x 2 neurons), column-major */
    double tr[6] = {1, 3, 5, 2, 4, 6};
    put_double(refs, "tr", 3, 2, tr);
    double tv[3] = {0.5, 1.0, bad_time ? 1.0 : 1.5};
    put_double(refs, "tv", 3, 1, tv);
    hid_t g = H5Gcreate2(f, "mini", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    attr_string(g, "MATLAB_class", "struct");
    put_cell(f, g, "IDs", 1, (const char *const[]){"ids"});
    put_cell(f, g, "traces", 1, (const char *const[]){"tr"});
    put_cell(f, g, "timeVectorSeconds", 1, (const char *const[]){"tv"});
    /* helpers' own cases */
    unsigned short utf[3] = {'A', 0xE9, 'B'};
    put_chars(refs, "utf", 1, 3, utf);
    /* a 2 x 4 char matrix "AVAL" / "RIS " */
    unsigned short cm[8] = {'A', 'R', 'V', 'I', 'A', 'S', 'L', ' '};
    put_chars(refs, "cm", 2, 4, cm);
    double nan = NAN;
    put_double(refs, "nan", 1, 1, &nan);
    H5Gclose(g);
    H5Gclose(refs);
    H5Fclose(f);
    write_header(path);
}

struct collected {
    size_t n;
    struct wk_import_table *t[4];
};

static int collect(struct wk_import_table *t, void *ctx)
{
    struct collected *c = ctx;
    if (c->n < 4) {
        c->t[c->n++] = t;
        return 0;
    }
    wk_import_table_free(t);
    return 0;
}

static void test_helpers(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    ok(f >= 0, "mini.mat opens");
    ok(wk_mat_is_v73(path) == 1, "a v7.3 header is recognized");

    hid_t o;
    struct wk_mat_matrix m;
    ok(wk_mat73_open(&o, f, "#refs#/tr") == WK_ENOTFOUND, "open takes one name, not a path");
    hid_t refs = H5Gopen2(f, "#refs#", H5P_DEFAULT);
    ok(wk_mat73_open(&o, refs, "tr") == 0, "open a variable");
    ok(wk_mat73_read_matrix(&m, o, "mini.mat", "tr") == 0, "read a matrix");
    ok(m.rows == 3 && m.cols == 2, "MATLAB shape 3 x 2 from HDF5 [2][3]");
    near(m.data[1 * 3 + 0], 2, 0, "column-major: (1, 2) is 2");
    near(m.data[0 * 3 + 2], 5, 0, "column-major: (3, 1) is 5");

    /* table from it: time x neurons with 2 labels and 3 times */
    char **labels = wk_calloc(2, sizeof *labels);
    labels[0] = wk_strdup("A");
    labels[1] = wk_strdup("B");
    double time[3] = {0, 1, 2};
    struct wk_mat_parts p = {"mini.mat", "tr", "ids", "tv", WK_IMPORT_AUTO_ORIENTATION, wk_nan()};
    struct wk_import_table *t = NULL;
    ok(wk_mat_make_table(&t, &m, labels, 2, time, 3, &p) == 0, "make a table");
    ok(t && t->T == 3 && t->N == 2, "table 3 samples x 2 neurons");
    if (t) {
        near(t->values[0 * 2 + 1], 2, 0, "sample 1, neuron 2");
        near(t->values[2 * 2 + 0], 5, 0, "sample 3, neuron 1");
        ok(strcmp(t->labels[1], "B") == 0, "labels taken over");
    }
    wk_import_table_free(t);
    /* the same matrix read as neurons x time: 3 labels, 2 times */
    labels = wk_calloc(3, sizeof *labels);
    for (int i = 0; i < 3; i++) labels[i] = wk_strdup("x");
    ok(wk_mat_make_table(&t, &m, labels, 3, time, 2, &p) == 0, "transposed when only that fits");
    ok(t && t->T == 2 && t->N == 3, "table 2 samples x 3 neurons");
    if (t) near(t->values[1 * 3 + 2], 6, 0, "transposed: sample 2, neuron 3");
    wk_import_table_free(t);
    labels = wk_calloc(4, sizeof *labels);
    for (int i = 0; i < 4; i++) labels[i] = wk_strdup("x");
    ok(wk_mat_make_table(&t, &m, labels, 4, time, 3, &p) == WK_EFORMAT, "no orientation fits");
    ok(strcmp(last_message, "'mini.mat': tr is 3 x 2 (time x neurons: 2 neurons) but ids has 4 entries") == 0,
       "shape message");
    wk_mat_matrix_clear(&m);
    H5Oclose(o);

    char *s = NULL;
    ok(wk_mat73_open(&o, refs, "utf") == 0 && wk_mat73_read_label(&s, o, "mini.mat", "utf") == 0,
       "read text");
    ok(s && strcmp(s, "A\xC3\xA9" "B") == 0, "UTF-16 to UTF-8");
    free(s);
    H5Oclose(o);

    char **v = NULL;
    size_t n = 0;
    ok(wk_mat73_open(&o, refs, "cm") == 0 && wk_mat73_read_labels(&v, &n, o, "mini.mat", "cm") == 0,
       "char matrix labels");
    ok(n == 2 && strcmp(v[0], "AVAL") == 0 && strcmp(v[1], "RIS") == 0, "one label per row, trimmed");
    wk_strv_free(v, n);
    H5Oclose(o);

    ok(wk_mat73_open(&o, refs, "ids") == 0 && wk_mat73_read_labels(&v, &n, o, "mini.mat", "ids") == 0,
       "cell of IDs");
    ok(n == 2 && strcmp(v[0], "VB01") == 0 && strcmp(v[1], "") == 0,
       "rule 1: first non-empty entry of a list; an empty ID is no label");
    wk_strv_free(v, n);
    H5Oclose(o);

    ok(wk_mat73_open(&o, refs, "nan") == 0 && wk_mat73_read_label(&s, o, "mini.mat", "nan") == 0,
       "a number as ID");
    ok(s && s[0] == '\0', "a number is no label");
    free(s);
    ok(wk_mat73_read_cell(&(struct wk_mat73_cell){0, 0, 0, 0, NULL}, o, "mini.mat", "x{2}") == WK_EFORMAT,
       "a number is not a cell");
    ok(strcmp(last_message, "'mini.mat': x{2}: expected a cell array, found a numeric array") == 0,
       "cell message");
    H5Oclose(o);
    H5Gclose(refs);
    H5Fclose(f);
}

static void test_reader(const char *path, const char *bad)
{
    struct wk_import_options o;
    wk_import_options_init(&o);
    struct collected c = {0, {NULL}};
    /* the struct is not named after the file: the only struct is read */
    ok(wk_import_read_kato2015(path, &o, collect, &c) == 0, "kato2015 reader on mini.mat");
    ok(c.n == 1, "one worm");
    if (c.n == 1) {
        struct wk_import_table *t = c.t[0];
        ok(t->T == 3 && t->N == 2, "3 samples x 2 neurons");
        near(t->time[2], 1.5, 0, "time");
        near(t->values[1 * 2 + 1], 4, 0, "value (2, 2)");
        ok(strcmp(t->labels[0], "VB01") == 0 && strcmp(t->labels[1], "") == 0, "source labels");
        ok(t->canonical != NULL, "canonical names set");
        ok(strcmp(t->dataset, "kato2015") == 0, "dataset");
        ok(strncmp(t->name, "kato2015_", 9) == 0 && strstr(t->name, "_w0") != NULL, "name");
        ok(t->worm == 0, "worm index within the file");
    }
    for (size_t i = 0; i < c.n; i++) wk_import_table_free(c.t[i]);
    c.n = 0;
    char want[512];
    ok(wk_import_read_uzel2022(bad, &o, collect, &c) == WK_ENOTFOUND, "uzel2022: no tv field");
    snprintf(want, sizeof want, "'%s': mini/tv: missing", bad);
    ok(strcmp(last_message, want) == 0, "uzel2022 reads tv, not timeVectorSeconds");
    ok(wk_import_read_kato2015(bad, &o, collect, &c) == WK_EFORMAT, "kato2015: non-increasing time");
    snprintf(want, sizeof want, "'%s': mini/timeVectorSeconds{1}[2]: time not strictly increasing (1 after 1)",
             bad);
    ok(strcmp(last_message, want) == 0, "time message");
    ok(c.n == 0, "no table");
    for (size_t i = 0; i < c.n; i++) wk_import_table_free(c.t[i]);
}

/* An int32 matrix whose type claims 1056 bits of precision in its 4 bytes
 * (a damaged version-1 header, as fuzzing made one): libhdf5 1.10 smashed
 * its stack converting it to double; now refused before the read. */
static void test_number_bits(const char *path)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_userblock(fcpl, 512);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    hsize_t dims[2] = {2, 3};
    int v[6] = {1, 2, 3, 4, 5, 6};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, "q", H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    attr_string(d, "MATLAB_class", "int32");
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(f);
    H5Pclose(fcpl);

    /* the datatype message: version 1, fixed-point, signed; 4 bytes; offset 0, precision 32 */
    static const unsigned char int32_le[] = {0x10, 0x08, 0, 0, 4, 0, 0, 0, 0, 0, 32, 0};
    FILE *fp = fopen(path, "r+b");
    unsigned char buf[8192];
    size_t n = fp ? fread(buf, 1, sizeof buf, fp) : 0, patched = 0;
    for (size_t i = 0; i + sizeof int32_le <= n; i++)
        if (memcmp(buf + i, int32_le, sizeof int32_le) == 0) {
            buf[i + 10] = 0x20, buf[i + 11] = 0x04; /* precision 1056 */
            patched++;
        }
    if (fp) {
        rewind(fp);
        fwrite(buf, 1, n, fp);
        fclose(fp);
    }
    ok(patched == 1, "the int32 type message patched once");
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    d = H5Dopen2(f, "q", H5P_DEFAULT);
    struct wk_mat_matrix m;
    last_message[0] = '\0';
    ok(wk_mat73_read_matrix(&m, d, "bits.mat", "q") == WK_EFORMAT &&
           strcmp(last_message, "'bits.mat': q: corrupt number type (bit fields outside its 4 bytes)") == 0,
       "a number type with bit fields outside its bytes: refused before the read");
    if (m.data) free(m.data);
    H5Dclose(d);
    H5Fclose(f);
}

int main(void)
{
    wk_library_init();
    wk_log_set_hook(capture, NULL);
    char path[] = "/tmp/wk-mat73-XXXXXX";
    int fd = mkstemp(path);
    char bad[] = "/tmp/wk-mat73-bad-XXXXXX";
    int fd2 = mkstemp(bad);
    ok(fd >= 0 && fd2 >= 0, "temporary files");
    if (fd >= 0) close(fd);
    if (fd2 >= 0) close(fd2);
    write_mini(path, 0);
    write_mini(bad, 1);
    test_helpers(path);
    test_reader(path, bad);
    test_number_bits(bad);
    ok(wk_mat_is_v73("/nonexistent/file.mat") == 0, "missing file is not v7.3");
    unlink(path);
    unlink(bad);
    return wk_test_done();
}
