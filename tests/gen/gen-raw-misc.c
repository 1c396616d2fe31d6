/* gen-raw-misc - write small synthetic raw files in the real formats of
 * six published datasets, for data-samples/raw/ and the import tests:
 *
 *   gen-raw-misc OUTDIR [missing|shape|time]
 *
 * writes OUTDIR/yemini2021 (MAT v5, libmatio), lin2023 (MAT v5), dag2023
 * (HDF5 + NeuroPAL_labels_dict.json, json-c), leifer2023 (text),
 * flavell2023 (JSON and HDF5) and venkatachalam2024 (zip of a CSV, libzip).
 * Two worms per dataset, 600-700 samples, 8-13 neurons, labels exercising
 * the label rules.  With a second argument the first file of every dataset
 * is broken: a field left out, a wrong shape, or a non-increasing time.
 *
 * Trace values: value(w, c, k) = 10 c + 5 w + (k mod 64) / 4 for worm w
 * (0, 1) of the dataset, source column c and raw frame k: exact in float32,
 * distinct per column, so the tests can check every cell.  Output is
 * deterministic byte for byte (no time stamps anywhere). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>
#include <json.h>
#include <matio.h>
#include <zip.h>

#include "wormkit/wk_file.h"

enum brk { BREAK_NONE, BREAK_MISSING, BREAK_SHAPE, BREAK_TIME };
static enum brk breakage;
static const char *outdir;

static void die(const char *what)
{
    fprintf(stderr, "gen-raw-misc: %s\n", what);
    exit(1);
}

static double value(int w, int c, int k)
{
    return 10.0 * c + 5.0 * w + (double)(k % 64) / 4.0;
}

static char *path_of(const char *dataset, const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s/%s", outdir, dataset, name);
    return buf;
}

static void make_dir(const char *dataset, const char *sub)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s%s%s", outdir, dataset, sub ? "/" : "", sub ? sub : "");
    if (mkdir(buf, 0777) < 0 && errno != EEXIST) die("cannot make a folder");
}

/* --- MAT v5 helpers --- */

#define MAT_HEADER "MATLAB 5.0 MAT-file, written by wormkit tests/gen/gen-raw-misc"

static matvar_t *mat_string(const char *name, const char *s)
{
    size_t dims[2] = {1, strlen(s)};
    return Mat_VarCreate(name, MAT_C_CHAR, MAT_T_UINT8, 2, dims, (void *)s, 0);
}

static matvar_t *mat_doubles(const char *name, size_t rows, size_t cols, const double *v)
{
    size_t dims[2] = {rows, cols};
    return Mat_VarCreate(name, MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, (void *)v, 0);
}

static matvar_t *mat_singles(const char *name, size_t rows, size_t cols, const float *v)
{
    size_t dims[2] = {rows, cols};
    return Mat_VarCreate(name, MAT_C_SINGLE, MAT_T_SINGLE, 2, dims, (void *)v, 0);
}

static matvar_t *mat_cell(const char *name, size_t rows, size_t cols)
{
    size_t dims[2] = {rows, cols};
    return Mat_VarCreate(name, MAT_C_CELL, MAT_T_CELL, 2, dims, NULL, 0);
}

/* Numbers compressed, text not: libmatio 1.5.23 writes wrong element sizes
 * for compressed cell arrays holding an empty string followed by a longer
 * one (MAT v5 compresses each variable on its own, so both kinds mix). */
static void mat_put_as(mat_t *m, matvar_t *v, enum matio_compression compression)
{
    if (!v || Mat_VarWrite(m, v, compression) != 0) die("cannot write a MAT variable");
    Mat_VarFree(v);
}

static void mat_put_text(mat_t *m, matvar_t *v)
{
    mat_put_as(m, v, MAT_COMPRESSION_NONE);
}

static void mat_put(mat_t *m, matvar_t *v)
{
    mat_put_as(m, v, MAT_COMPRESSION_ZLIB);
}

/* --- yemini2021: one file, two worms --- */

#define Y_FRAMES 614

static void gen_yemini(void)
{
    static const char *classes[] = {"AVA", "RIM", "AVG", "VB02", "XYZ", "ASH", "SMDD"};
    static const int paired[] = {1, 1, 0, 0, 0, 1, 1};
    const size_t n_classes = 7, n_files = 2;
    make_dir("yemini2021", NULL);
    mat_t *m = Mat_CreateVer(path_of("yemini2021", "Head_Activity_OH99999.mat"), MAT_HEADER,
                             MAT_FT_MAT5);
    if (!m) die("cannot create the yemini2021 file");
    double fps = breakage == BREAK_TIME ? 0 : 4;
    if (breakage != BREAK_MISSING) mat_put(m, mat_doubles("fps", 1, 1, &fps));
    matvar_t *files = mat_cell("files", 1, n_files);
    Mat_VarSetCell(files, 0, mat_string(NULL, "20190101_worm_a"));
    Mat_VarSetCell(files, 1, mat_string(NULL, "20190102_worm_b"));
    mat_put_text(m, files);
    matvar_t *neurons = mat_cell("neurons", n_classes, 1);
    matvar_t *is_l = mat_cell("is_L", n_classes, 1);
    matvar_t *traces = mat_cell("norm_traces", n_classes, 1);
    int column[2] = {0, 0}; /* next column of each worm */
    for (size_t i = 0; i < n_classes; i++) {
        size_t n = paired[i] ? 2 * n_files : n_files;
        if (breakage == BREAK_SHAPE && i == 0) n = 3;
        double mask[4];
        matvar_t *cells = mat_cell(NULL, n, 1);
        /* columns per worm follow the reader's order: L then R per class */
        for (size_t j = 0; j < n; j++) {
            size_t w = j % n_files;
            mask[j] = paired[i] ? (j < n_files ? 1 : 0) : NAN;
            int c = column[w] + (int)(j / n_files);
            float tr[Y_FRAMES];
            size_t len = Y_FRAMES;
            for (int k = 0; k < Y_FRAMES; k++) tr[k] = k < 4 ? 0.0f : (float)value((int)w, c, k);
            if (i == 1 && j == 3) len = 0; /* RIMR missing in worm 1 */
            if (i == 5 && w == 0 && j < n_files)
                for (int k = 100; k < 105; k++) tr[k] = NAN; /* ASHL of worm 0: a gap */
            Mat_VarSetCell(cells, (int)j, mat_singles(NULL, len, len ? 1 : 0, tr));
        }
        for (size_t w = 0; w < n_files; w++) column[w] += paired[i] ? 2 : 1;
        Mat_VarSetCell(neurons, (int)i, mat_string(NULL, classes[i]));
        Mat_VarSetCell(is_l, (int)i, mat_doubles(NULL, n, 1, mask));
        Mat_VarSetCell(traces, (int)i, cells);
    }
    mat_put_text(m, neurons);
    mat_put(m, is_l);
    mat_put(m, traces);
    Mat_Close(m);
}

/* --- lin2023: one file per worm --- */

#define L_ROWS 13

static void gen_lin_worm(int w, const char *name, int frames)
{
    static const double use_flag[L_ROWS] = {1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1};
    static const char *labels[L_ROWS] = {"AVAL", "AVAR", "AIBL", "DD04",  "VA10", NULL, "",
                                         "SMBDL", "merge", "AVAL", "RMD-", "URYDL", "ALA"};
    mat_t *m = Mat_CreateVer(path_of("lin2023", name), MAT_HEADER, MAT_FT_MAT5);
    if (!m) die("cannot create a lin2023 file");
    int broken = breakage != BREAK_NONE && w == 0;
    size_t rows = broken && breakage == BREAK_SHAPE ? L_ROWS - 1 : L_ROWS;
    mat_put(m, mat_doubles("use_flag", L_ROWS, 1, use_flag));
    matvar_t *ids = mat_cell("proofread_neurons", L_ROWS, 1);
    for (int i = 0; i < L_ROWS; i++) {
        if (labels[i]) {
            Mat_VarSetCell(ids, i, mat_string(NULL, labels[i]));
        } else { /* a list-valued ID: its first non-empty entry counts */
            matvar_t *list = mat_cell(NULL, 1, 2);
            Mat_VarSetCell(list, 0, mat_string(NULL, ""));
            Mat_VarSetCell(list, 1, mat_string(NULL, "RIML"));
            Mat_VarSetCell(ids, i, list);
        }
    }
    mat_put_text(m, ids);
    float *f = malloc(rows * (size_t)frames * sizeof *f); /* single: keeps the file small */
    double *t = malloc(2 * (size_t)frames * sizeof *t);
    if (!f || !t) die("out of memory");
    for (int k = 0; k < frames; k++) {
        for (size_t i = 0; i < rows; i++) f[i + (size_t)k * rows] = k == 0 ? NAN : (float)value(w, (int)i, k);
        t[2 * k] = k + 1;               /* row 1: frame numbers */
        t[2 * k + 1] = 1.0 + 0.25 * k;  /* row 2 (the last): seconds */
    }
    if (broken && breakage == BREAK_TIME) t[2 * 300 + 1] = t[2 * 299 + 1];
    mat_put(m, mat_singles("corrected_F", rows, (size_t)frames, f));
    if (!(broken && breakage == BREAK_MISSING)) {
        matvar_t *times = mat_cell("times", 1, 1);
        Mat_VarSetCell(times, 0, mat_doubles(NULL, 2, (size_t)frames, t));
        mat_put(m, times);
    }
    free(f);
    free(t);
    Mat_Close(m);
}

static void gen_lin(void)
{
    make_dir("lin2023", NULL);
    gen_lin_worm(0, "worm01.mat", 640);
    gen_lin_worm(1, "worm02.mat", 610);
}

/* --- HDF5 helpers --- */

static hid_t h5_create(const char *path)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0) die("HDF5 property list");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    if (f < 0) die("cannot create an HDF5 file");
    return f;
}

static void h5_floats(hid_t f, const char *name, size_t rows, size_t cols, const float *v)
{
    size_t dims[2] = {rows, cols};
    if (wk_h5_write_float(f, name, 2, dims, v) < 0) die("cannot write an HDF5 dataset");
}

static void h5_doubles(hid_t f, const char *name, size_t n, const double *v)
{
    if (wk_h5_write_double(f, name, 1, &n, v) < 0) die("cannot write an HDF5 dataset");
}

static void h5_group(hid_t f, const char *name)
{
    hid_t g;
    if (wk_h5_ensure_group(f, name, &g) < 0) die("cannot make an HDF5 group");
    H5Gclose(g);
}

/* --- JSON helpers --- */

static void json_write(struct json_object *o, const char *path)
{
    if (json_object_to_file_ext(path, o, JSON_C_TO_STRING_PLAIN) < 0) die("cannot write JSON");
    json_object_put(o);
}

static struct json_object *label_entry(const char *label)
{
    struct json_object *e = json_object_new_object();
    json_object_object_add(e, "label", json_object_new_string(label));
    json_object_object_add(e, "confidence", json_object_new_int(4));
    return e;
}

/* --- dag2023 --- */

static void gen_dag_file(const char *name, int w, size_t T, size_t N)
{
    hid_t f = h5_create(path_of("dag2023", name));
    float *v = malloc(T * N * sizeof *v);
    double *t = malloc((T + 2) * sizeof *t);
    if (!v || !t) die("out of memory");
    for (size_t k = 0; k < T; k++)
        for (size_t i = 0; i < N; i++) v[k * N + i] = (float)value(w, (int)i, (int)k);
    for (size_t k = 0; k < T + 2; k++) t[k] = 100.0 + 0.625 * (double)k; /* 2 more than traces */
    int broken = breakage != BREAK_NONE && w == 0;
    if (broken && breakage == BREAK_TIME) t[200] = t[199];
    h5_group(f, "gcamp");
    h5_group(f, "timing");
    h5_floats(f, "gcamp/traces_array_F_F20", T, N, v);
    if (!(broken && breakage == BREAK_MISSING))
        h5_doubles(f, "timing/timestamp_confocal", broken && breakage == BREAK_SHAPE ? T - 10 : T + 2, t);
    H5Fclose(f);
    free(v);
    free(t);
}

static void gen_dag(void)
{
    make_dir("dag2023", NULL);
    make_dir("dag2023", "swf702_with_id");
    make_dir("dag2023", "swf415_no_id");
    gen_dag_file("swf702_with_id/2022-01-01-01-data.h5", 0, 650, 12);
    gen_dag_file("swf702_with_id/2022-01-02-03-data.h5", 1, 620, 10);
    gen_dag_file("swf415_no_id/2022-02-01-01-data.h5", 1, 8, 2);

    /* the published layout: file key -> [labels, extra], labels in the
     * order the reference resolves "AVA?" (column 3 first) */
    struct json_object *first = json_object_new_object();
    json_object_object_add(first, "3", label_entry("AVA?"));
    json_object_object_add(first, "1", label_entry("AVA?"));
    json_object_object_add(first, "5", label_entry("ASHL"));
    json_object_object_add(first, "7", label_entry("VB02"));
    json_object_object_add(first, "8", label_entry("FOO"));
    json_object_object_add(first, "10", label_entry(""));
    struct json_object *listed = json_object_new_object();
    struct json_object *names = json_object_new_array();
    json_object_array_add(names, json_object_new_string(""));
    json_object_array_add(names, json_object_new_string("URXL"));
    json_object_object_add(listed, "label", names);
    json_object_object_add(first, "12", listed);
    struct json_object *pair = json_object_new_array();
    json_object_array_add(pair, first);
    json_object_array_add(pair, json_object_new_array());
    /* the plain layout: file key -> labels */
    struct json_object *second = json_object_new_object();
    json_object_object_add(second, "2", label_entry("RIML"));
    json_object_object_add(second, "4", label_entry("AVA?"));
    json_object_object_add(second, "6", label_entry("SMDVR"));
    struct json_object *root = json_object_new_object();
    json_object_object_add(root, "2022-01-01-01", pair);
    json_object_object_add(root, "2022-01-02-03", second);
    json_write(root, path_of("dag2023", "NeuroPAL_labels_dict.json"));
}

/* --- flavell2023: one JSON and one HDF5 worm --- */

static void gen_flavell_json(void)
{
    const int T = 610, N = 8, w = 0;
    int broken = breakage != BREAK_NONE;
    struct json_object *root = json_object_new_object();
    struct json_object *time = json_object_new_array();
    for (int k = 0; k < T; k++)
        json_object_array_add(time, json_object_new_double(broken && breakage == BREAK_TIME && k == 5
                                                               ? 10.0
                                                               : 10.0 + 0.5 * k));
    struct json_object *traces = json_object_new_array();
    for (int i = 0; i < N; i++) {
        struct json_object *row = json_object_new_array();
        int len = broken && breakage == BREAK_SHAPE && i == 2 ? T - 1 : T;
        for (int k = 0; k < len; k++)
            json_object_array_add(row, i == 3 && k == 100 ? NULL /* null: missing */
                                                         : json_object_new_double(value(w, i, k)));
        json_object_array_add(traces, row);
    }
    struct json_object *labeled = json_object_new_object();
    json_object_object_add(labeled, "2", label_entry("AVA?"));
    json_object_object_add(labeled, "5", label_entry("AVA?"));
    json_object_object_add(labeled, "1", label_entry("RIML"));
    json_object_object_add(labeled, "7", label_entry("VB02"));
    json_object_object_add(labeled, "8", label_entry("NOTANEURON"));
    json_object_object_add(root, "timestamp_confocal", time);
    if (!(broken && breakage == BREAK_MISSING))
        json_object_object_add(root, "trace_array", traces);
    else
        json_object_put(traces);
    json_object_object_add(root, "labeled", labeled);
    json_write(root, path_of("flavell2023", "2022-03-01-01.json"));
}

static void gen_flavell_h5(void)
{
    const size_t T = 630, N = 9;
    const int w = 1;
    hid_t f = h5_create(path_of("flavell2023", "2022-03-02-01.h5"));
    float *v = malloc(T * N * sizeof *v);
    double *t = malloc(T * sizeof *t);
    if (!v || !t) die("out of memory");
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < T; k++) v[i * T + k] = (float)value(w, (int)i, (int)k);
    for (size_t k = 0; k < T; k++) t[k] = 3.0 + 0.5 * (double)k;
    h5_doubles(f, "timestamp_confocal", T, t);
    h5_floats(f, "trace_array", N, T, v);
    static const char *const entries[][2] = {{"1", "AVA?"}, {"9", "AVA?"}, {"4", "ASHR"}};
    for (size_t e = 0; e < 3; e++) {
        char name[64];
        snprintf(name, sizeof name, "labeled/%s", entries[e][0]);
        h5_group(f, name);
        snprintf(name, sizeof name, "labeled/%s/label", entries[e][0]);
        char *label = (char *)entries[e][1];
        if (wk_h5_write_strings(f, name, 1, &label) < 0) die("cannot write a label");
    }
    H5Fclose(f);
    free(v);
    free(t);
}

static void gen_flavell(void)
{
    make_dir("flavell2023", NULL);
    gen_flavell_json();
    gen_flavell_h5();
}

/* --- leifer2023: {i}_gcamp.txt, {i}_labels.txt, {i}_t.txt --- */

static FILE *open_out(const char *dataset, const char *name)
{
    FILE *fp = fopen(path_of(dataset, name), "w");
    if (!fp) die("cannot write a text file");
    return fp;
}

static void gen_leifer_worm(int w, int T, int N, const char *const *labels, size_t n_labels)
{
    char name[64];
    int broken = breakage != BREAK_NONE && w == 0;
    snprintf(name, sizeof name, "%d_gcamp.txt", w);
    FILE *fp = open_out("leifer2023", name);
    for (int k = 0; k < T; k++)
        for (int i = 0; i < N; i++) {
            if (w == 0 && i == 4 && k >= 10 && k < 13)
                fputs("nan", fp);
            else
                fprintf(fp, "%.17g", value(w, i, k));
            fputc(i + 1 < N ? ' ' : '\n', fp);
        }
    fclose(fp);
    snprintf(name, sizeof name, "%d_labels.txt", w);
    fp = open_out("leifer2023", name);
    if (broken && breakage == BREAK_SHAPE) n_labels = (size_t)N - 1;
    for (size_t i = 0; i < n_labels; i++) fprintf(fp, "%s\n", labels[i]);
    fclose(fp);
    if (broken && breakage == BREAK_MISSING) return;
    snprintf(name, sizeof name, "%d_t.txt", w);
    fp = open_out("leifer2023", name);
    for (int k = 0; k < T; k++)
        fprintf(fp, "%.6e\n", broken && breakage == BREAK_TIME && k == 50 ? 0.0 : 0.25 * k);
    fclose(fp);
}

static void gen_leifer(void)
{
    static const char *const labels0[] = {"AVAL", "AVAL", "RIM", "RIM", "", "merge",
                                          "AVE",  "ASG",  "XYZ", "URYVL", "AVBL"};
    static const char *const labels1[] = {"AVAR", "RMD", "RMD", "RMD", "SMDVL", "IL2", "ADA", "AWC",
                                          "RIS"};
    make_dir("leifer2023", NULL);
    gen_leifer_worm(0, 615, 10, labels0, 11);
    gen_leifer_worm(1, 605, 9, labels1, 9);
}

/* --- venkatachalam2024: one zip holding one CSV per worm --- */

static void gen_venkatachalam_worm(int w, const char *zip_name, const char *csv_name, int T)
{
    static const char *const labels[] = {"AVAL", "AVAR", "RMD-", "VB02", "AVAL", "ASH",
                                         "RIML", "SMDDR", "AIBL", "AIBR", "URXL", "IL2DL"};
    const int N = 12, blank = 2;
    int broken = breakage != BREAK_NONE && w == 0;
    size_t cap = 1 << 20, len = 0;
    char *csv = malloc(cap);
    if (!csv) die("out of memory");
#define PUT(...) (len += (size_t)snprintf(csv + len, cap - len, __VA_ARGS__))
    PUT(",%s,worm,stimulus", broken && breakage == BREAK_MISSING ? "name" : "neuron");
    for (int k = 0; k < T + blank; k++)
        PUT(",%d", broken && breakage == BREAK_TIME && k == 40 ? 38 : k);
    PUT(",notes\n");
    for (int i = 0; i < N; i++) {
        PUT("%d,%s,%d,\"odor, 1\"", i, labels[i], w);
        int frames = broken && breakage == BREAK_SHAPE && i == 5 ? T + blank - 1 : T + blank;
        for (int k = 0; k < frames; k++) {
            if (k < blank || (i == 7 && k == 300))
                PUT(",");
            else
                PUT(",%.17g", value(w, i, k - blank));
        }
        PUT(",\n");
        if (len + 65536 > cap) die("CSV buffer too small");
    }
#undef PUT
    int err;
    zip_t *z = zip_open(path_of("venkatachalam2024", zip_name), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) die("cannot create a zip file");
    zip_source_t *src = zip_source_buffer(z, csv, len, 0);
    zip_int64_t idx = src ? zip_file_add(z, csv_name, src, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0 || zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) < 0 ||
        zip_file_set_dostime(z, (zip_uint64_t)idx, 0, (44 << 9) | (1 << 5) | 1, 0) < 0 ||
        zip_close(z) < 0)
        die("cannot write a zip file");
    free(csv);
}

static void gen_venkatachalam(void)
{
    make_dir("venkatachalam2024", NULL);
    gen_venkatachalam_worm(0, "worm_a.zip", "worm_a.csv", 620);
    gen_venkatachalam_worm(1, "worm_b.zip", "worm_b.csv", 640);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gen-raw-misc OUTDIR [missing|shape|time]\n");
        return 2;
    }
    outdir = argv[1];
    if (argc == 3) {
        if (strcmp(argv[2], "missing") == 0) breakage = BREAK_MISSING;
        else if (strcmp(argv[2], "shape") == 0) breakage = BREAK_SHAPE;
        else if (strcmp(argv[2], "time") == 0) breakage = BREAK_TIME;
        else die("the second argument is missing, shape or time");
    }
    if (mkdir(outdir, 0777) < 0 && errno != EEXIST) die("cannot make the output folder");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    gen_yemini();
    gen_lin();
    gen_dag();
    gen_flavell();
    gen_leifer();
    gen_venkatachalam();
    return 0;
}
