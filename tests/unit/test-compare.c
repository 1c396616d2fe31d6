/* test-compare.c - comparison metrics against hand-computed values:
 * precision/recall/F1, average precision (with ties), Spearman with ties,
 * a functional matrix scored against a small connectome, matrix readers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wk_test.h"
#include "wk_test_msgs.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_compare.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

#define N WK_CONNECTOME_N

static char dir[] = "/tmp/wk-test-compare.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char paths[8][512];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, 512, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (fp) {
        fputs(text, fp);
        fclose(fp);
    }
    return path;
}

static size_t at(const char *pre, const char *post)
{
    return (size_t)wk_atlas_index(pre) * N + (size_t)wk_atlas_index(post);
}

static double metric(const struct wk_compare_result *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->metric[i].name, name) == 0) return r->metric[i].value;
    printf("# no metric %s\n", name);
    return -999;
}

static void test_prf(void)
{
    struct wk_compare_counts c = {3, 1, 2, 10};
    double p, r, f;
    wk_compare_prf(&c, &p, &r, &f);
    near(p, 0.75, 1e-15, "prf: precision 3/4");
    near(r, 0.6, 1e-15, "prf: recall 3/5");
    near(f, 2.0 / 3.0, 1e-15, "prf: f1 2pr/(p+r)");
    struct wk_compare_counts none = {0, 0, 4, 5};
    wk_compare_prf(&none, &p, &r, &f);
    ok(isnan(p) && r == 0 && isnan(f), "prf: no prediction: precision NaN, recall 0");
    struct wk_compare_counts wrong = {0, 2, 3, 1};
    wk_compare_prf(&wrong, &p, &r, &f);
    ok(p == 0 && r == 0 && f == 0, "prf: all wrong: f1 0");
}

static void test_average_precision(void)
{
    const double s1[] = {0.9, 0.8, 0.7, 0.6, 0.5};
    const unsigned char t1[] = {1, 0, 1, 0, 1};
    double ap;
    ok(wk_compare_average_precision(&ap, s1, t1, 5) == 0, "ap: runs");
    near(ap, 34.0 / 45.0, 1e-15, "ap: 1/3 (1 + 2/3 + 3/5) = 34/45");
    const double s2[] = {0.9, 0.5, 0.5, 0.1};
    const unsigned char t2[] = {0, 1, 0, 1};
    wk_compare_average_precision(&ap, s2, t2, 4);
    near(ap, 5.0 / 12.0, 1e-15, "ap: tied scores enter together (5/12)");
    const unsigned char t3[] = {0, 0, 0, 0};
    wk_compare_average_precision(&ap, s2, t3, 4);
    ok(isnan(ap), "ap: no positive -> NaN");
    const double s4[] = {0.2, 0.9, 0.4};
    const unsigned char t4[] = {0, 1, 1};
    wk_compare_average_precision(&ap, s4, t4, 3);
    near(ap, 1, 0, "ap: perfect ranking -> 1");
}

static void test_spearman(void)
{
    const double x[] = {1, 2, 2, 3, 4}, y[] = {10, 20, 30, 30, 50};
    double rho;
    ok(wk_compare_spearman(&rho, x, y, 5) == 0, "spearman: runs");
    near(rho, 35.0 / 38.0, 1e-15, "spearman: ties by average ranks (35/38)");
    const double z[] = {5, 4, 3, 2, 1};
    wk_compare_spearman(&rho, x, z, 5);
    near(rho, -9.5 / sqrt(95.0), 1e-15, "spearman: decreasing with a tie");
    const double c[] = {2, 2, 2, 2, 2};
    wk_compare_spearman(&rho, x, c, 5);
    ok(isnan(rho), "spearman: constant side -> NaN");
    wk_compare_spearman(&rho, x, y, 1);
    ok(isnan(rho), "spearman: one pair -> NaN");
}

static struct wk_connectome *small_connectome(void)
{
    struct wk_connectome *c = wk_connectome_alloc();
    if (!c) return NULL;
    c->chem[at("AVAL", "AVAR")] = 3;
    c->chem[at("AVAR", "AVBL")] = 1;
    c->chem[at("AVBR", "AVAL")] = 5;
    c->gap[at("AVBL", "AVBR")] = c->gap[at("AVBR", "AVBL")] = 2;
    return c;
}

/* Rows are presynaptic; ADAL is in the atlas but has no edge in the
 * connectome, XYZ is not in the atlas: both are left out. */
static const char *functional_tsv =
    "neuron\tAVAL\tAVAR\tAVBL\tAVBR\tADAL\tXYZ\n"
    "AVAR\t-0.2\t0\t0.6\t0.05\t1\t1\n"
    "AVAL\t9\t0.8\t0.1\tNaN\t1\t1\n"
    "AVBL\t0\t0.65\t0\t0.7\t1\t1\n"
    "AVBR\t0.9\t0\t0.4\t0\t1\t1\n"
    "ADAL\t1\t1\t1\t1\t1\t1\n"
    "XYZ\t1\t1\t1\t1\t1\t1\n";

static void test_connectome(void)
{
    struct wk_connectome *c = small_connectome();
    struct wk_compare_matrix *m = NULL;
    const char *f = write_file("f.tsv", functional_tsv);
    ok(wk_compare_matrix_read(&m, f) == 0 && m && m->n == 6, "connectome: matrix read");
    if (!c || !m) return;
    near(m->w[1 * 6 + 0], -0.2, 0, "matrix: rows placed by name");

    struct wk_compare_options o;
    wk_compare_options_init(&o);
    o.threshold = 0.5;
    struct wk_compare_result r;
    wk_compare_result_init(&r);
    ok(wk_compare_connectome(&r, m, c, &o) == 0, "directed any: runs");
    near(metric(&r, "neurons"), 4, 0, "directed any: 4 shared neurons");
    near(metric(&r, "pairs"), 11, 0, "directed any: 11 pairs (diagonal and NaN left out)");
    near(metric(&r, "structural_edges"), 5, 0, "directed any: 5 structural edges");
    near(metric(&r, "predicted_edges"), 5, 0, "directed any: 5 predicted");
    near(metric(&r, "true_positives"), 4, 0, "directed any: 4 true positives");
    near(metric(&r, "precision"), 0.8, 1e-15, "directed any: precision");
    near(metric(&r, "recall"), 0.8, 1e-15, "directed any: recall");
    near(metric(&r, "f1"), 0.8, 1e-15, "directed any: f1");
    near(metric(&r, "average_precision"), 0.76 + 1.0 / 6.0, 1e-15, "directed any: AP");
    near(metric(&r, "spearman"), 8 / sqrt(95), 1e-15, "directed any: spearman (tie in weights)");
    near(metric(&r, "spearman_pairs"), 5, 0, "directed any: spearman pairs");

    o.undirected = 1;
    wk_compare_result_init(&r);
    wk_compare_connectome(&r, m, c, &o);
    near(metric(&r, "pairs"), 6, 0, "undirected: 6 pairs");
    near(metric(&r, "structural_edges"), 4, 0, "undirected: 4 edges");
    near(metric(&r, "f1"), 1, 0, "undirected: f1");
    near(metric(&r, "average_precision"), 1, 0, "undirected: AP");
    near(metric(&r, "spearman"), 1, 1e-15, "undirected: spearman");

    o.undirected = 0;
    o.edges = WK_COMPARE_CHEM;
    wk_compare_result_init(&r);
    wk_compare_connectome(&r, m, c, &o);
    near(metric(&r, "precision"), 0.6, 1e-15, "chem: precision 3/5");
    near(metric(&r, "recall"), 1, 0, "chem: recall");
    near(metric(&r, "f1"), 0.75, 1e-15, "chem: f1");

    o.edges = WK_COMPARE_GAP;
    wk_compare_result_init(&r);
    wk_compare_connectome(&r, m, c, &o);
    near(metric(&r, "precision"), 0.2, 1e-15, "gap: precision 1/5");
    near(metric(&r, "recall"), 0.5, 1e-15, "gap: recall 1/2");
    near(metric(&r, "f1"), 2.0 / 7.0, 1e-15, "gap: f1");

    o.edges = WK_COMPARE_ANY;
    o.threshold = 10;
    wk_compare_result_init(&r);
    wk_compare_connectome(&r, m, c, &o);
    ok(isnan(metric(&r, "precision")) && metric(&r, "recall") == 0,
       "threshold above all: precision NaN, recall 0");

    wk_compare_matrix_transpose(m);
    near(m->w[0 * 6 + 1], -0.2, 0, "transpose");

    FILE *fp = tmpfile();
    struct wk_compare_result small;
    wk_compare_result_init(&small);
    wk_compare_result_add(&small, "a", 0.5);
    wk_compare_result_add(&small, "b", NAN);
    wk_compare_result_add(&small, "c", 12);
    wk_compare_result_write(fp, "tmp", &small);
    rewind(fp);
    char buf[128] = {0};
    size_t got = fread(buf, 1, sizeof buf - 1, fp);
    ok(got > 0 && strcmp(buf, "metric\tvalue\na\t0.5\nb\tnan\nc\t12\n") == 0, "result table");
    fclose(fp);
    wk_compare_matrix_free(m);
    wk_connectome_free(c);
}

static void test_text_layouts(void)
{
    struct wk_compare_matrix *m = NULL;
    const char *f = write_file("nocorner.csv", "AVAL,AVAR\nAVAR,1,2\nAVAL,3,\n");
    ok(wk_compare_matrix_read(&m, f) == 0 && m && m->n == 2, "text: header without corner");
    if (m) {
        ok(m->w[0] == 3 && isnan(m->w[1]) && m->w[2] == 1 && m->w[3] == 2,
           "text: values by name, empty = NaN");
        wk_compare_matrix_free(m);
    }
    struct {
        const char *name, *text, *needle;
    } bad[] = {
        {"word.tsv", "x\tAVAL\tAVAR\nAVAL\t1\tabc\nAVAR\t1\t1\n", "line 2, column 'AVAR': not a number"},
        {"missing.tsv", "x\tAVAL\tAVAR\nAVAL\t1\t1\n", "no row for neuron 'AVAR'"},
        {"short.tsv", "x\tAVAL\tAVAR\nAVAL\t1\t1\nAVAR\t1\n", "line 3: 2 fields"},
        {"unknown.tsv", "x\tAVAL\tAVAR\nAVAL\t1\t1\nAVBL\t1\t1\n", "row 'AVBL' is not among"},
        {"twice.tsv", "x\tAVAL\tAVAL\nAVAL\t1\t1\nAVAL\t1\t1\n", "column 'AVAL' appears twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = write_file(bad[i].name, bad[i].text);
        wk_test_n_msgs = 0;
        m = NULL;
        int rc = wk_compare_matrix_read(&m, p);
        char desc[128];
        snprintf(desc, sizeof desc, "text: bad %s: one message naming file and field", bad[i].name);
        ok(rc == WK_EFORMAT && !m && wk_test_n_msgs == 1 && strstr(wk_test_last_msg, bad[i].name) &&
               strstr(wk_test_last_msg, bad[i].needle),
           desc);
        if (wk_test_n_msgs != 1 || !strstr(wk_test_last_msg, bad[i].needle)) printf("#   %s\n", wk_test_last_msg);
    }
}

static void test_h5(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/r.h5", dir);
    struct wk_file *f;
    const double w[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    const size_t dims[2] = {3, 3};
    hid_t g;
    int rc = wk_file_create(&f, path);
    if (rc == 0) rc = wk_h5_ensure_group(wk_file_hid(f), "/results/test", &g);
    if (rc == 0) {
        rc = wk_h5_write_double(g, "W", 2, dims, w);
        if (rc == 0) rc = wk_h5_write_strings(g, "neurons", 3, (char *const[]){"AVAL", "AVAR", "AVBL"});
        if (rc == 0) rc = wk_h5_write_double(g, "U", 2, dims, w);
        H5Gclose(g);
    }
    if (rc == 0) {
        rc = wk_h5_ensure_group(wk_file_hid(f), "/results/plain", &g);
        if (rc == 0) {
            rc = wk_h5_write_double(g, "V", 2, dims, w);
            H5Gclose(g);
        }
    }
    ok(rc == 0 && wk_file_commit(f) == 0, "h5: test file written");
    char spec[600];
    struct wk_compare_matrix *m = NULL;
    snprintf(spec, sizeof spec, "%s:/results/test/W", path);
    ok(wk_compare_matrix_read(&m, spec) == 0 && m && m->n == 3 && strcmp(m->names[2], "AVBL") == 0 &&
           m->w[5] == 5,
       "h5: matrix and names beside it");
    wk_compare_matrix_free(m);
    m = NULL;
    snprintf(spec, sizeof spec, "%s:/results/plain/V", path);
    wk_test_n_msgs = 0;
    ok(wk_compare_matrix_read(&m, spec) == WK_EFORMAT && wk_test_n_msgs == 1 &&
           strstr(wk_test_last_msg, "/results/plain/V") && strstr(wk_test_last_msg, "without names"),
       "h5: 3 x 3 without names refused");
    snprintf(spec, sizeof spec, "%s:/results/test/none", path);
    wk_test_n_msgs = 0;
    ok(wk_compare_matrix_read(&m, spec) == WK_ENOTFOUND && wk_test_n_msgs == 1 &&
           strstr(wk_test_last_msg, "/results/test/none"),
       "h5: missing dataset");
    wk_test_n_msgs = 0;
    ok(wk_compare_matrix_read(&m, path) == WK_EINVAL && wk_test_n_msgs == 1, "h5: file without dataset path");
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    wk_library_init();
    wk_test_msgs_capture();
    test_prf();
    test_average_precision();
    test_spearman();
    test_connectome();
    test_text_layouts();
    test_h5();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", dir);
    return wk_test_done();
}
