/* test-export.c - NPY header bytes (as numpy 1.24 writes them), number
 * formatting, wide/long tables, NPY export, atomic output files. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

/* Expected header: prefix, the dict, `spaces` spaces and '\n' (the counts
 * below are those of numpy.lib.format, checked with numpy 1.24). */
static int header_is(const char *got, int len, const char *dict, size_t spaces, int total)
{
    char want[512];
    size_t d = strlen(dict);
    memcpy(want, "\x93NUMPY\x01\x00", 8);
    want[8] = (char)((total - 10) & 0xff);
    want[9] = (char)((total - 10) >> 8);
    memcpy(want + 10, dict, d);
    memset(want + 10 + d, ' ', spaces);
    want[10 + d + spaces] = '\n';
    return len == total && 10 + d + spaces + 1 == (size_t)total && memcmp(got, want, (size_t)total) == 0;
}

static void test_npy_header(void)
{
    char buf[512];
    size_t s32[] = {3, 2};
    int len = wk_npy_header(buf, sizeof buf, "<f4", 2, s32);
    ok(header_is(buf, len, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 58, 128),
       "npy header (3, 2): 128 bytes as numpy");
    ok(len == 128 && memcmp(buf, "\x93NUMPY\x01\x00\x76\x00{'descr'", 17) == 0,
       "magic \\x93NUMPY, version 1 0, header length 118");
    ok(len % 64 == 0 && buf[len - 1] == '\n' && buf[len - 2] == ' ', "64-byte aligned, ends in space and newline");

    size_t s7[] = {7};
    len = wk_npy_header(buf, sizeof buf, "<f4", 1, s7);
    ok(header_is(buf, len, "{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }", 60, 128),
       "npy header (7,)");
    len = wk_npy_header(buf, sizeof buf, "<f4", 0, NULL);
    ok(header_is(buf, len, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 62, 128),
       "npy header ()");
    size_t big[] = {1, 1000000000000000, 1000000000000000, 1000000000000};
    len = wk_npy_header(buf, sizeof buf, "<f4", 4, big);
    ok(header_is(buf, len,
                 "{'descr': '<f4', 'fortran_order': False, "
                 "'shape': (1, 1000000000000000, 1000000000000000, 1000000000000), }",
                 74, 192),
       "npy header with a long shape: 192 bytes (numpy's growth padding)");
    ok(wk_npy_header(buf, 64, "<f4", 2, s32) == WK_ERANGE, "buffer too small: WK_ERANGE");
    ok(wk_npy_header(buf, sizeof buf, "<f4", 5, big) == WK_ERANGE, "rank 5: WK_ERANGE");
}

static void test_npy_write(void)
{
    const float data[] = {1, 2, 3, 4, 5, 6.5f};
    size_t shape[] = {3, 2};
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    int rc = fp ? wk_npy_write(fp, "mem", 2, shape, data) : -100;
    if (fp) fclose(fp);
    /* numpy.save(np.array([[1,2],[3,4],[5,6.5]], '<f4')) data bytes */
    static const unsigned char want[24] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40,
                                           0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40,
                                           0x00, 0x00, 0xa0, 0x40, 0x00, 0x00, 0xd0, 0x40};
    ok(rc == 0 && len == 152, "npy file: 128-byte header + 24 data bytes");
    ok(buf && len == 152 && memcmp(buf + 128, want, 24) == 0, "data little-endian float32, C order");
    free(buf);
}

static void test_numbers(void)
{
    char b[WK_NUMBER_BUFSIZE];
    struct { float v; const char *want; } f[] = {
        {0.1f, "0.1"}, {1.0f / 3.0f, "0.33333334"}, {16777216.0f, "16777216"}, {-2.5f, "-2.5"},
        {1e-7f, "1e-07"}, {3.4028235e38f, "3.4028235e+38"}, {1.17549435e-38f, "1.1754944e-38"},
        {1.4e-45f, "1.4013e-45"}, {0.0f, "0"}, {-0.0f, "-0"}, {100.0f, "100"},
        {123456.7f, "123456.7"}, {16777217.0f, "16777216"}, {0.3f, "0.3"}, {2.7182817f, "2.7182817"}, {1234567.0f, "1234567"},
    };
    int all = 1;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        wk_export_format_float(b, f[i].v);
        if (strcmp(b, f[i].want) != 0) {
            printf("#   float %d: got %s want %s\n", (int)i, b, f[i].want);
            all = 0;
        }
    }
    ok(all, "float formatting: shortest round-trip, at most 9 digits");
    wk_export_format_float(b, wk_nanf());
    ok(strcmp(b, "NaN") == 0, "NaN");

    /* every float pattern drawn reads back bit-identical */
    uint32_t x = 12345;
    int round_trip = 1;
    for (int i = 0; i < 200000; i++) {
        x = x * 1664525u + 1013904223u;
        float v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v)) continue;
        wk_export_format_float(b, v);
        float back = strtof(b, NULL);
        if (memcmp(&back, &v, sizeof v) != 0) {
            printf("#   %08x -> %s\n", (unsigned)x, b);
            round_trip = 0;
            break;
        }
    }
    ok(round_trip, "200000 random float32 round-trip exactly");

    struct { double v; const char *want; } d[] = {
        {0.1, "0.1"}, {1.0 / 3.0, "0.3333333333333333"}, {0.1 + 0.2, "0.30000000000000004"},
        {2.5, "2.5"}, {1e300, "1e+300"}, {4.9406564584124654e-324, "4.94065645841247e-324"},
        {123.456, "123.456"},
    };
    all = 1;
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        wk_export_format_double(b, d[i].v);
        if (strcmp(b, d[i].want) != 0) {
            printf("#   double %d: got %s want %s\n", (int)i, b, d[i].want);
            all = 0;
        }
    }
    ok(all, "double formatting: shortest round-trip");
}

/* w1: T = 3, ADAL (NaN at t=1), AVAL, AVAR absent, extras foo, AVAL
 * (duplicate), "" (absent). */
static struct wk_recording *recording_w1(void)
{
    struct wk_recording *r = wk_recording_alloc(3, 303);
    if (!r) return NULL;
    wk_recording_set_id(r, "w1");
    const double t[] = {0, 0.5, 1};
    const float adal[] = {7, NAN, 9}, aval[] = {1, 2, 3}, foo[] = {0.1f, -2, 1e-7f}, dup[] = {4, 5, 6};
    for (size_t k = 0; k < 3; k++) {
        r->time[k] = t[k];
        r->traces[k * 303 + 0] = adal[k];
        r->traces[k * 303 + 53] = aval[k];
        r->traces[k * 303 + 300] = foo[k];
        r->traces[k * 303 + 301] = dup[k];
    }
    wk_recording_set_label(r, 300, "foo");
    wk_recording_set_label(r, 301, "AVAL");
    wk_recording_update_present(r);
    return r;
}

/* w2: T = 2, AVAR, extras "a,b", "", "". */
static struct wk_recording *recording_w2(void)
{
    struct wk_recording *r = wk_recording_alloc(2, 303);
    if (!r) return NULL;
    wk_recording_set_id(r, "w2");
    for (size_t k = 0; k < 2; k++) {
        r->time[k] = 0.25 * (double)(k + 1);
        r->traces[k * 303 + 54] = (float)(10 + k);
        r->traces[k * 303 + 300] = (float)(20 + k);
        r->traces[k * 303 + 301] = (float)(30 + k);
        r->traces[k * 303 + 302] = (float)(40 + k);
    }
    wk_recording_set_label(r, 300, "a,b");
    wk_recording_update_present(r);
    return r;
}

/* Header and rows of recs written with options o. */
static char *table(const struct wk_export_options *o, struct wk_recording *const *recs, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct wk_export_plan *p = wk_export_plan_alloc(o);
    int rc = fp && p ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = wk_export_plan_add(p, recs[i]->C, recs[i]->label, recs[i]->present);
    if (rc == 0) rc = wk_export_write_header(fp, "mem", p);
    for (size_t i = 0; i < n && rc == 0; i++) rc = wk_export_write_recording(fp, "mem", p, recs[i]);
    wk_export_plan_free(p);
    if (fp) fclose(fp);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void check_text(const char *got, const char *want, const char *what)
{
    ok(got && strcmp(got, want) == 0, what);
    if (got && strcmp(got, want) != 0) printf("# got:\n%s# want:\n%s", got, want);
}

static void test_tables(void)
{
    struct wk_recording *recs[2] = {recording_w1(), recording_w2()};
    ok(recs[0] && recs[1], "test recordings");
    if (!recs[0] || !recs[1]) return;
    struct wk_export_options o;
    wk_export_options_init(&o);

    char *got = table(&o, recs, 1);
    check_text(got,
               "time\tADAL\tAVAL\tfoo\tAVAL\n"
               "0\t7\t1\t0.1\t4\n"
               "0.5\tNaN\t2\t-2\t5\n"
               "1\t9\t3\t1e-07\t6\n",
               "wide tsv, one recording: present columns, canonical then extras");
    free(got);

    o.format = WK_EXPORT_CSV;
    got = table(&o, recs + 1, 1);
    check_text(got, "time,AVAR,\"a,b\",,\n0.25,10,20,30,40\n0.5,11,21,31,41\n",
               "wide csv: labels quoted when needed, empty labels empty");
    free(got);

    o.format = WK_EXPORT_TSV;
    got = table(&o, recs, 2);
    check_text(got,
               "recording\ttime\tADAL\tAVAL\tAVAR\tfoo\tAVAL\ta,b\t\t\n"
               "w1\t0\t7\t1\tNaN\t0.1\t4\tNaN\tNaN\tNaN\n"
               "w1\t0.5\tNaN\t2\tNaN\t-2\t5\tNaN\tNaN\tNaN\n"
               "w1\t1\t9\t3\tNaN\t1e-07\t6\tNaN\tNaN\tNaN\n"
               "w2\t0.25\tNaN\tNaN\t10\tNaN\tNaN\t20\t30\t40\n"
               "w2\t0.5\tNaN\tNaN\t11\tNaN\tNaN\t21\t31\t41\n",
               "wide, two recordings: recording column, union of columns");
    free(got);

    o.layout = WK_EXPORT_LONG;
    got = table(&o, recs, 2);
    check_text(got,
               "recording\tneuron\ttime\tvalue\n"
               "w1\tADAL\t0\t7\n" "w1\tADAL\t1\t9\n"
               "w1\tAVAL\t0\t1\n" "w1\tAVAL\t0.5\t2\n" "w1\tAVAL\t1\t3\n"
               "w1\tfoo\t0\t0.1\n" "w1\tfoo\t0.5\t-2\n" "w1\tfoo\t1\t1e-07\n"
               "w1\tAVAL\t0\t4\n" "w1\tAVAL\t0.5\t5\n" "w1\tAVAL\t1\t6\n"
               "w2\tAVAR\t0.25\t10\n" "w2\tAVAR\t0.5\t11\n"
               "w2\ta,b\t0.25\t20\n" "w2\ta,b\t0.5\t21\n"
               "w2\t\t0.25\t30\n" "w2\t\t0.5\t31\n"
               "w2\t\t0.25\t40\n" "w2\t\t0.5\t41\n",
               "long: neuron-major rows, NaN skipped");
    free(got);

    o.keep_nan = 1;
    got = table(&o, recs, 1);
    ok(got && strstr(got, "w1\tADAL\t0\t7\nw1\tADAL\t0.5\tNaN\nw1\tADAL\t1\t9\n") != NULL,
       "long --keep-nan writes the NaN cell");
    free(got);

    o.layout = WK_EXPORT_WIDE;
    o.keep_nan = 0;
    o.all_columns = 1;
    got = table(&o, recs, 1);
    size_t tabs = 0;
    for (const char *c = got; c && *c && *c != '\n'; c++) tabs += *c == '\t';
    ok(got && tabs == 303 && strncmp(got, "time\tADAL\tADAR\t", 15) == 0,
       "--columns all: 300 canonical + 3 extra columns");
    free(got);

    size_t *cols = NULL, n = 0;
    ok(wk_export_columns(&cols, &n, recs[0], 0) == 0 && n == 4 && cols[0] == 0 && cols[1] == 53 &&
           cols[2] == 300 && cols[3] == 301,
       "exported columns of w1");
    free(cols);

    wk_recording_free(recs[0]);
    wk_recording_free(recs[1]);
}

static void test_npy_export(void)
{
    struct wk_recording *r = recording_w1();
    char *buf = NULL, *labels = NULL;
    size_t len = 0, llen = 0;
    FILE *fp = open_memstream(&buf, &len), *lp = open_memstream(&labels, &llen);
    int rc = r && fp && lp ? wk_export_npy(fp, "mem", r, 0, lp, "labels") : -100;
    if (fp) fclose(fp);
    if (lp) fclose(lp);
    ok(rc == 0 && len == 128 + 3 * 4 * 4, "npy export: 3 x 4 float32");
    char header[256];
    size_t shape[] = {3, 4};
    int hl = wk_npy_header(header, sizeof header, "<f4", 2, shape);
    ok(buf && hl == 128 && len >= 128 && memcmp(buf, header, 128) == 0, "npy export header (3, 4)");
    float m[12] = {0};
    if (buf && len == 176) memcpy(m, buf + 128, sizeof m);
    ok(buf && len == 176 && m[0] == 7 && m[1] == 1 && m[2] == 0.1f && m[3] == 4 && isnan(m[4]) &&
           m[8] == 9 && m[11] == 6,
       "npy export values row-major");
    check_text(labels, "ADAL\nAVAL\nfoo\nAVAL\n", "npy labels file");
    free(buf);
    free(labels);
    wk_recording_free(r);
}

static size_t dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static int file_is(const char *path, const char *want)
{
    char got[64] = "";
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    size_t n = fread(got, 1, sizeof got - 1, fp);
    fclose(fp);
    got[n] = '\0';
    return strcmp(got, want) == 0;
}

static void test_output_files(void)
{
    char dir[] = "/tmp/wk-test-export.XXXXXX";
    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "%s/out.tsv", dir);
    FILE *fp = fopen(path, "w");
    if (fp) {
        fputs("old\n", fp);
        fclose(fp);
    }
    struct wk_export_output *out = NULL;
    ok(wk_export_output_open(&out, path, 0) == 0 && out, "open a named output");
    if (out) fputs("new\n", wk_export_output_fp(out));
    ok(out && dir_entries(dir) == 2, "a temporary file beside the output while writing");
    wk_export_output_abort(out);
    ok(file_is(path, "old\n") && dir_entries(dir) == 1, "abort: old file untouched, no temp left");

    out = NULL;
    ok(wk_export_output_open(&out, path, 1) == 0 && out, "reopen");
    if (out) fputs("new\n", wk_export_output_fp(out));
    ok(out && wk_export_output_commit(out) == 0, "commit");
    ok(file_is(path, "new\n") && dir_entries(dir) == 1, "commit: replaced, no temp left");
    unlink(path);

    snprintf(path, sizeof path, "%s/no/such/dir/x.tsv", dir);
    out = NULL;
    ok(wk_export_output_open(&out, path, 0) == WK_EIO && out == NULL, "missing folder: WK_EIO");
    rmdir(dir);
}

static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
}

int main(void)
{
    wk_set_progname("test-export");
    wk_log_set_hook(quiet, NULL);
    test_npy_header();
    test_npy_write();
    test_numbers();
    test_tables();
    test_npy_export();
    test_output_files();
    return wk_test_done();
}
