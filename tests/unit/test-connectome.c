/* test-connectome.c - every source format from small hand-made files with
 * exact expected entries; consensus; HDF5 round trip; export; bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wk_test.h"
#include "wk_test_msgs.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_connectome.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

#define N WK_CONNECTOME_N

static char dir[] = "/tmp/wk-test-connectome.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char paths[16][512];
    static int next;
    char *path = paths[next++ % 16];
    snprintf(path, 512, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) return path;
    fputs(text, fp);
    fclose(fp);
    return path;
}

static size_t at(const char *pre, const char *post)
{
    int i = wk_atlas_index(pre), j = wk_atlas_index(post);
    if (i < 0 || j < 0) {
        printf("# bad test label %s or %s\n", pre, post);
        return 0;
    }
    return (size_t)i * N + (size_t)j;
}

static double sum(const float *m)
{
    double s = 0;
    for (size_t i = 0; i < (size_t)N * N; i++) s += m[i];
    return s;
}

static size_t nonzero(const float *m)
{
    size_t k = 0;
    for (size_t i = 0; i < (size_t)N * N; i++) k += m[i] != 0;
    return k;
}

static int symmetric(const float *m)
{
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            if (m[i * N + j] != m[j * N + i]) return 0;
    return 1;
}

static struct wk_connectome *import2(const char *source, const char *file, const char *second,
                                     struct wk_connectome_dropped **dropped)
{
    struct wk_connectome_import_options o;
    wk_connectome_import_options_init(&o);
    o.source = source;
    o.file = file;
    o.second = second;
    struct wk_connectome *c = NULL;
    int rc = wk_connectome_import(&c, dropped, &o);
    if (rc < 0) printf("# import %s failed: %s\n", source, wk_test_last_msg);
    return c;
}

static long dropped_records(const struct wk_connectome_dropped *d, const char *label)
{
    for (size_t i = 0; d && i < d->n; i++)
        if (strcmp(d->label[i], label) == 0) return d->records[i];
    return -1;
}

static void test_long(void)
{
    const char *f = write_file("white.csv",
                               "pre,post,type,synapses\n"
                               "AVAL,AVAR,chemical,3\n"
                               "AVAL,AVAR,chemical,7\n"      /* duplicate: first kept */
                               "AVAL,AVAL,chemical,2\n"      /* chemical self pair */
                               "AVBL,AVBR,electrical,2\n"
                               "AVBR,AVBL,electrical,5\n"    /* both directions: mean 3.5 */
                               "ADAL,ADAL,electrical,4\n"    /* gap self pair: once */
                               "AVAL,BWM-DR04,chemical,5\n"  /* muscle */
                               "CEPshDL,AVAR,electrical,1\n" /* glia */
                               "CEPshDL,AVAL,chemical,2\n"
                               "AVAR,AVAL,chemical,0\n"      /* zero */
                               "AVAR,AVBL,chemical,\n"       /* empty */
                               "AVAR,AVBR,chemical,NaN\n"    /* NaN */
                               "ADAR,ADEL,Chemical,1.5");   /* no final newline */
    struct wk_connectome_dropped *d = NULL;
    struct wk_connectome *c = import2("white1986_jse", f, NULL, &d);
    ok(c != NULL, "long: imports");
    if (!c) return;
    near(c->chem[at("AVAL", "AVAR")], 3, 0, "long: duplicated chemical row, first kept");
    near(c->chem[at("AVAL", "AVAL")], 2, 0, "long: chemical self pair");
    near(c->chem[at("ADAR", "ADEL")], 1.5, 0, "long: type compared ignoring case");
    near(c->chem[at("AVAR", "AVAL")], 0, 0, "long: zero weight dropped, chemical directed");
    near(c->gap[at("AVBL", "AVBR")], 3.5, 0, "long: gap listed both ways -> mean");
    near(c->gap[at("AVBR", "AVBL")], 3.5, 0, "long: gap symmetric");
    near(c->gap[at("ADAL", "ADAL")], 4, 0, "long: gap self pair counted once");
    near(sum(c->chem), 6.5, 0, "long: sum chem");
    near(sum(c->gap), 11, 0, "long: sum gap");
    ok(nonzero(c->chem) == 3 && nonzero(c->gap) == 3, "long: edge counts");
    ok(c->dropped_labels == 2, "long: two labels dropped");
    ok(d && d->n == 2 && strcmp(d->label[0], "BWM-DR04") == 0, "long: dropped labels sorted");
    ok(dropped_records(d, "BWM-DR04") == 1 && dropped_records(d, "CEPshDL") == 2,
       "long: rows dropped per label");
    ok(strcmp(c->id, "white1986_jse") == 0 && strcmp(c->source, "white1986_jse") == 0 &&
           strcmp(c->source_file, f) == 0,
       "long: id, source, source_file");
    wk_connectome_free(c);
    wk_connectome_dropped_free(d);
}

static void test_long_tsv(void)
{
    /* BOM, CRLF, tabs, quoted fields, a blank line, extra columns in another order */
    const char *f = write_file("witvliet.tsv",
                               "\xef\xbb\xbfsynapses\ttype\t\"post\"\tpre\tnote\r\n"
                               "4\telectrical\tAVAR\tAVAL\t\"a \"\"quoted\"\" note\"\r\n"
                               "\r\n"
                               " 6 \tchemical\t\"AVBL\"\tAVAL\t\r\n");
    struct wk_connectome *c = import2("witvliet2020_8", f, NULL, NULL);
    ok(c != NULL, "tsv: imports");
    if (!c) return;
    near(c->gap[at("AVAR", "AVAL")], 4, 0, "tsv: gap");
    near(c->chem[at("AVAL", "AVBL")], 6, 0, "tsv: chemical, blanks trimmed");
    ok(nonzero(c->chem) == 1 && nonzero(c->gap) == 2, "tsv: nothing else");
    wk_connectome_free(c);
}

static void test_varshney(void)
{
    const char *f = write_file("NeuronConnect.csv",
                               "Neuron 1,Neuron 2,Type,Nbr\n"
                               "AVAL,AVAR,Sp,4\n"
                               "AVAL,AVAR,S,9\n"   /* S ignored */
                               "AVAR,AVAL,R,4\n"   /* R ignored */
                               "AVAR,AVAL,Rp,2\n"  /* Rp ignored */
                               "AVAL,AVBL,EJ,2\n"
                               "AVBL,AVAL,EJ,4\n"  /* both directions: mean 3 */
                               "AVBR,AVBR,EJ,1\n"
                               "AVAL,NMJ,NMJ,5\n"  /* ignored, not a dropped label */
                               "AVAL,AVBR,Sp,1\n"
                               "AVAL,AVBR,Sp,8\n"  /* duplicate */
                               "DB1,dBWML1,Sp,2\n" /* muscle */
                               "AVAL,AVBL,Sp,0\n");
    struct wk_connectome_dropped *d = NULL;
    struct wk_connectome *c = import2("varshney2011", f, NULL, &d);
    ok(c != NULL, "varshney: imports");
    if (!c) return;
    near(c->chem[at("AVAL", "AVAR")], 4, 0, "varshney: Sp is chemical");
    near(c->chem[at("AVAR", "AVAL")], 0, 0, "varshney: R and Rp ignored");
    near(c->chem[at("AVAL", "AVBR")], 1, 0, "varshney: first Sp kept");
    near(c->gap[at("AVAL", "AVBL")], 3, 0, "varshney: EJ both ways -> mean");
    near(c->gap[at("AVBL", "AVAL")], 3, 0, "varshney: symmetric");
    near(c->gap[at("AVBR", "AVBR")], 1, 0, "varshney: self EJ");
    near(sum(c->chem), 5, 0, "varshney: sum chem");
    near(sum(c->gap), 7, 0, "varshney: sum gap");
    ok(c->dropped_labels == 1 && dropped_records(d, "dBWML1") == 1, "varshney: muscle dropped");
    wk_connectome_free(c);
    wk_connectome_dropped_free(d);
}

static void test_openworm(void)
{
    const char *f = write_file("CElegansNeuronTables.csv",
                               "Origin,Target,Type,Number of Connections,Neurotransmitter\n"
                               "AVAL,AVAR,Send,2,Glutamate\n"
                               "AVAL,AVAR,Send,5,Glutamate\n"
                               "AVBL,AVBR,GapJunction,3,Generic_GJ\n"
                               "AVBR,AVBL,GapJunction,1,Generic_GJ\n"
                               "ADAL,RIPL,Send,1,\"Acetylcholine, Glutamate\"\n"
                               "ADAL,MVL01,Send,4,Glutamate\n"
                               "ADAL,ADAR,GapJunction,,Generic_GJ\n");
    struct wk_connectome_dropped *d = NULL;
    struct wk_connectome *c = import2("openworm", f, NULL, &d);
    ok(c != NULL, "openworm: imports");
    if (!c) return;
    near(c->chem[at("AVAL", "AVAR")], 2, 0, "openworm: Send, first kept");
    near(c->chem[at("ADAL", "RIPL")], 1, 0, "openworm: quoted field with a comma");
    near(c->gap[at("AVBR", "AVBL")], 2, 0, "openworm: GapJunction mean");
    near(sum(c->gap), 4, 0, "openworm: empty weight dropped");
    ok(c->dropped_labels == 1 && dropped_records(d, "MVL01") == 1, "openworm: muscle dropped");
    wk_connectome_free(c);
    wk_connectome_dropped_free(d);
}

static void test_cook(void)
{
    const char *chem = write_file("cook_chem.csv",
                                  ",,,PHARYNX,,BODY WALL MUSCLES,\n"
                                  ",,,,,,\n"
                                  ",,,AVAL,AVAR,BWM-DL01,ADAL\n"
                                  "NEURONS,,AVAL,1,,3,0\n"
                                  ",,AVAR,2,5,,\n"
                                  ",,CEPshDL,4,4,,\n"
                                  ",,ADAL,,,,7\n"
                                  ",,,9,9,9,9\n"); /* a totals row without a label */
    const char *gap = write_file("cook_gap.csv",
                                 "\"\",AVAL,AVAR,ADAL\n"
                                 "AVAL,,2,\n"
                                 "AVAR,4,,\n"
                                 "ADAL,,,1\n");
    struct wk_connectome_dropped *d = NULL;
    struct wk_connectome *c = import2("cook2019", chem, gap, &d);
    ok(c != NULL, "cook: imports");
    if (!c) return;
    near(c->chem[at("AVAL", "AVAL")], 1, 0, "cook: self pair");
    near(c->chem[at("AVAR", "AVAL")], 2, 0, "cook: row is presynaptic");
    near(c->chem[at("AVAL", "AVAR")], 0, 0, "cook: empty cell");
    near(c->chem[at("AVAR", "AVAR")], 5, 0, "cook: AVAR->AVAR");
    near(c->chem[at("ADAL", "ADAL")], 7, 0, "cook: ADAL->ADAL");
    near(sum(c->chem), 15, 0, "cook: sum chem (totals row ignored)");
    near(c->gap[at("AVAL", "AVAR")], 3, 0, "cook: gap listed both ways -> mean");
    near(c->gap[at("AVAR", "AVAL")], 3, 0, "cook: gap symmetric");
    near(c->gap[at("ADAL", "ADAL")], 1, 0, "cook: gap self pair");
    near(sum(c->gap), 7, 0, "cook: sum gap");
    ok(c->dropped_labels == 2 && dropped_records(d, "BWM-DL01") == 1 &&
           dropped_records(d, "CEPshDL") == 2,
       "cook: dropped labels and their non-empty cells");
    ok(strcmp(c->second_file, gap) == 0, "cook: second file recorded");
    wk_connectome_free(c);
    wk_connectome_dropped_free(d);
}

static void test_randi(void)
{
    const char *values = write_file("randi_values.csv",
                                    ",AVAL,AVAR,AVBL\n"
                                    "AVAL,0.5,0.2,nan\n"
                                    "AVAR,-0.3,,0.1\n"
                                    "AVBL,0.4,0.9,0\n");
    const char *q = write_file("randi_q.csv", /* columns in another order */
                               ",AVAR,AVAL,AVBL\n"
                               "AVAL,0.01,0.2,0.5\n"
                               "AVAR,0.04,0.001,\n"
                               "AVBL,0.05,0.049,0.01\n");
    struct wk_connectome *c = import2("randi2023", values, q, NULL);
    ok(c != NULL, "randi: imports");
    if (!c) return;
    near(c->chem[at("AVAL", "AVAR")], 0.2f, 0, "randi: q 0.01 kept");
    near(c->chem[at("AVAL", "AVAL")], 0, 0, "randi: q 0.2 dropped");
    near(c->chem[at("AVAR", "AVAL")], -0.3f, 0, "randi: negative value kept");
    near(c->chem[at("AVAR", "AVBL")], 0, 0, "randi: missing q dropped");
    near(c->chem[at("AVBL", "AVAL")], 0.4f, 0, "randi: q 0.049 kept");
    near(c->chem[at("AVBL", "AVAR")], 0, 0, "randi: q 0.05 is not < 0.05");
    ok(nonzero(c->chem) == 3 && nonzero(c->gap) == 0, "randi: three edges, no gap");
    near(c->q_max, 0.05, 0, "randi: q_max recorded");
    wk_connectome_free(c);

    struct wk_connectome_import_options o;
    wk_connectome_import_options_init(&o);
    o.source = "randi2023";
    o.file = values;
    o.second = q;
    o.q_max = 0.1;
    o.id = "randi_q10";
    ok(wk_connectome_import(&c, NULL, &o) == 0, "randi: --q-max 0.1");
    if (!c) return;
    near(c->chem[at("AVBL", "AVAR")], 0.9f, 0, "randi: q 0.05 kept below 0.1");
    ok(strcmp(c->id, "randi_q10") == 0 && strcmp(c->source, "randi2023") == 0, "randi: own id");
    wk_connectome_free(c);
}

/* A bad input fails with `want`, one message containing both strings. */
static void bad(const char *what, int want, const char *source, const char *file,
                const char *second, const char *needle1, const char *needle2)
{
    struct wk_connectome_import_options o;
    wk_connectome_import_options_init(&o);
    o.source = source;
    o.file = file;
    o.second = second;
    struct wk_connectome *c = (struct wk_connectome *)1;
    wk_test_n_msgs = 0;
    wk_test_last_msg[0] = '\0';
    int rc = wk_connectome_import(&c, NULL, &o);
    char desc[256];
    snprintf(desc, sizeof desc, "bad input: %s: code", what);
    ok(rc == want && c == NULL, desc);
    snprintf(desc, sizeof desc, "bad input: %s: one message naming file and field", what);
    int named = strstr(wk_test_last_msg, needle1) && (!needle2 || strstr(wk_test_last_msg, needle2));
    ok(wk_test_n_msgs == 1 && named, desc);
    if (getenv("SHOWMSG")) printf("#   msg: %s\n", wk_test_last_msg);
    if (!named || wk_test_n_msgs != 1) printf("#   %d messages, last: %s\n", wk_test_n_msgs, wk_test_last_msg);
}

static void test_bad(void)
{
    const char *f = write_file("no_synapses.csv", "pre,post,type,weight\nAVAL,AVAR,chemical,1\n");
    bad("missing column", WK_EFORMAT, "white1986_whole", f, NULL, "no_synapses.csv", "'synapses'");
    f = write_file("word.csv", "pre,post,type,synapses\nAVAL,AVAR,chemical,1\nAVAL,AVBL,chemical,lots\n");
    bad("non-numeric weight", WK_EFORMAT, "white1986_whole", f, NULL, "word.csv': line 3", "synapses");
    f = write_file("inf.csv", "pre,post,type,synapses\nAVAL,AVAR,chemical,inf\n");
    bad("infinite weight", WK_EFORMAT, "white1986_whole", f, NULL, "inf.csv': line 2", "synapses");
    f = write_file("type.csv", "pre,post,type,synapses\nAVAL,AVAR,chem,1\n");
    bad("unknown type", WK_EFORMAT, "white1986_n2u", f, NULL, "type.csv': line 2", "type");
    f = write_file("short.csv", "pre,post,type,synapses\nAVAL,AVAR,chemical\n");
    bad("short row", WK_EFORMAT, "white1986_jsh", f, NULL, "short.csv': line 2", "synapses");
    f = write_file("nolabel.csv", "pre,post,type,synapses\n,AVAR,chemical,1\n");
    bad("empty label", WK_EFORMAT, "white1986_jsh", f, NULL, "nolabel.csv': line 2", "pre");
    f = write_file("quote.csv", "pre,post,type,synapses\n\"AVAL,AVAR,chemical,1\n");
    bad("unterminated quote", WK_EFORMAT, "witvliet2020_7", f, NULL, "quote.csv': line 2", "quoted");
    f = write_file("empty.csv", "");
    bad("empty file", WK_EFORMAT, "witvliet2020_7", f, NULL, "empty.csv", "empty");
    f = write_file("fake.xlsx", "PK\003\004rest of a zip");
    bad("spreadsheet", WK_EFORMAT, "openworm", f, NULL, "fake.xlsx", "CSV");
    f = write_file("ok.csv", "pre,post,type,synapses\nAVAL,AVAR,chemical,1\n");
    bad("unknown source", WK_EINVAL, "white1987", f, NULL, "white1987", NULL);
    bad("missing file", WK_EIO, "white1986_whole", "/nonexistent/x.csv", NULL, "/nonexistent/x.csv", NULL);
    bad("cook needs two files", WK_EINVAL, "cook2019", f, NULL, "cook2019", "gap");
    bad("one-file source given two", WK_EINVAL, "openworm", f, f, "openworm", NULL);
    f = write_file("grid_word.csv", ",AVAL,AVAR\nAVAL,1,x\nAVAR,,\n");
    bad("grid: non-numeric cell", WK_EFORMAT, "cook2019", f, f, "grid_word.csv': line 2",
        "column 'AVAR'");
    f = write_file("grid_nolabels.csv", ",A,B\nX,1,2\n");
    bad("grid: no atlas label", WK_EFORMAT, "cook2019", f, f, "grid_nolabels.csv", "label");
}

static struct wk_connectome *hand_made(const char *id, double chem_ab, double chem_ac,
                                       double gap_bc, double gap_self)
{
    struct wk_connectome *c = wk_connectome_alloc();
    if (!c) return NULL;
    wk_connectome_set_string(&c->id, id);
    c->chem[at("AVAL", "AVAR")] = (float)chem_ab;
    c->chem[at("AVAL", "AVBL")] = (float)chem_ac;
    c->gap[at("AVAR", "AVBL")] = c->gap[at("AVBL", "AVAR")] = (float)gap_bc;
    c->gap[at("ADAL", "ADAL")] = (float)gap_self;
    return c;
}

static void test_consensus(void)
{
    struct wk_connectome *a = hand_made("a", 2, 5, 1, 0), *b = hand_made("b", 4, 0, 3, 6);
    const struct wk_connectome *in[2] = {a, b};
    struct wk_connectome *c = NULL;
    ok(wk_connectome_consensus(&c, in, 2, "both") == 0 && c, "consensus: runs");
    if (c) {
        near(c->chem[at("AVAL", "AVAR")], 3, 0, "consensus: mean of 2 and 4");
        ok(c->chem_count[at("AVAL", "AVAR")] == 2, "consensus: count 2");
        near(c->chem_spread[at("AVAL", "AVAR")], 1, 1e-7, "consensus: std of 2 and 4");
        near(c->chem[at("AVAL", "AVBL")], 5, 0, "consensus: one source, zero not averaged");
        ok(c->chem_count[at("AVAL", "AVBL")] == 1, "consensus: count 1");
        near(c->chem_spread[at("AVAL", "AVBL")], 0, 0, "consensus: spread 0 for one source");
        near(c->gap[at("AVAR", "AVBL")], 2, 0, "consensus: gap mean");
        near(c->gap[at("AVBL", "AVAR")], 2, 0, "consensus: gap symmetric");
        ok(c->gap_count[at("AVBL", "AVAR")] == 2 && c->gap_count[at("AVAR", "AVBL")] == 2,
           "consensus: gap counted once per source");
        near(c->gap[at("ADAL", "ADAL")], 6, 0, "consensus: gap self pair");
        ok(c->chem_count[at("AVAR", "AVAL")] == 0 && c->chem[at("AVAR", "AVAL")] == 0,
           "consensus: absent edge");
        ok(strcmp(c->sources, "a,b") == 0 && strcmp(c->source, "consensus") == 0,
           "consensus: sources recorded");
        ok(symmetric(c->gap) && symmetric(c->gap_spread), "consensus: gap arrays symmetric");
    }
    wk_connectome_free(c);
    ok(wk_connectome_consensus(&c, in, 0, "none") == WK_EINVAL, "consensus: nothing to combine");
    wk_connectome_free(a);
    wk_connectome_free(b);
}

static void test_hdf5(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/c.h5", dir);
    struct wk_connectome *a = hand_made("a", 2, 5, 1, 0), *b = hand_made("b", 4, 0, 3, 6);
    const struct wk_connectome *in[2] = {a, b};
    struct wk_connectome *cons = NULL;
    wk_connectome_consensus(&cons, in, 2, "both");
    wk_connectome_set_string(&a->source, "white1986_jse");
    wk_connectome_set_string(&a->source_file, "x.csv");
    a->dropped_labels = 7;
    struct wk_file *f;
    int rc = wk_file_create(&f, path);
    if (rc == 0) rc = wk_connectome_write(f, a);
    if (rc == 0) rc = wk_connectome_write(f, cons);
    wk_test_n_msgs = 0;
    ok(rc == 0 && wk_connectome_write(f, a) == WK_EEXIST && wk_test_n_msgs == 1,
       "hdf5: writing an existing id fails");
    ok(rc == 0 && wk_file_commit(f) == 0, "hdf5: written");
    struct wk_connectome *r = NULL, *rc2 = NULL;
    char **ids = NULL;
    size_t n = 0;
    rc = wk_file_open(&f, path);
    ok(rc == 0, "hdf5: reopened");
    if (rc == 0) {
        ok(wk_connectome_ids(f, &ids, &n) == 0 && n == 2 && strcmp(ids[0], "a") == 0 &&
               strcmp(ids[1], "both") == 0,
           "hdf5: ids in name order");
        ok(wk_connectome_read(f, "a", &r) == 0, "hdf5: read a");
        ok(wk_connectome_read(f, "both", &rc2) == 0, "hdf5: read consensus");
        wk_test_n_msgs = 0;
        struct wk_connectome *none = NULL;
        ok(wk_connectome_read(f, "zzz", &none) == WK_ENOTFOUND && wk_test_n_msgs == 1,
           "hdf5: missing id");
        wk_file_close(f);
    }
    if (r) {
        ok(memcmp(r->chem, a->chem, sizeof(float) * N * N) == 0 &&
               memcmp(r->gap, a->gap, sizeof(float) * N * N) == 0,
           "hdf5: matrices round trip");
        ok(strcmp(r->source, "white1986_jse") == 0 && strcmp(r->source_file, "x.csv") == 0 &&
               r->dropped_labels == 7 && r->chem_count == NULL,
           "hdf5: attributes round trip");
    }
    if (rc2) {
        ok(rc2->chem_count && rc2->chem_count[at("AVAL", "AVAR")] == 2 &&
               rc2->gap_spread[at("AVBL", "AVAR")] == 1 && strcmp(rc2->sources, "a,b") == 0,
           "hdf5: consensus arrays round trip");
    }
    wk_strv_free(ids, n);
    wk_connectome_free(r);
    wk_connectome_free(rc2);
    wk_connectome_free(cons);
    wk_connectome_free(a);
    wk_connectome_free(b);
}

static char *slurp(FILE *fp, size_t *len)
{
    fflush(fp);
    long size = ftell(fp);
    rewind(fp);
    char *buf = calloc((size_t)size + 1, 1);
    if (buf && fread(buf, 1, (size_t)size, fp) != (size_t)size) buf[0] = '\0';
    *len = (size_t)size;
    return buf;
}

static void test_export(void)
{
    struct wk_connectome *a = hand_made("a", 2, 0.25, 1.5, 0);
    if (!a) return;
    FILE *fp = tmpfile();
    size_t len;
    ok(wk_connectome_write_edges(fp, "tmp", a) == 0, "export: edges written");
    char *text = slurp(fp, &len);
    ok(text && strcmp(text, "pre\tpost\tchem\tgap\n"
                            "AVAL\tAVAR\t2\t0\n"
                            "AVAL\tAVBL\t0.25\t0\n"
                            "AVAR\tAVBL\t0\t1.5\n"
                            "AVBL\tAVAR\t0\t1.5\n") == 0,
       "export: edge list exact");
    if (text && strncmp(text, "pre", 3) != 0) printf("# %s\n", text);
    free(text);
    fclose(fp);

    fp = tmpfile();
    ok(wk_connectome_write_dense(fp, "tmp", a, "gap") == 0, "export: dense written");
    text = slurp(fp, &len);
    size_t lines = 0;
    for (size_t i = 0; text && i < len; i++) lines += text[i] == '\n';
    ok(lines == N + 1 && strncmp(text, "neuron\tADAL\tADAR\t", 17) == 0, "export: dense header");
    char *row = text ? strstr(text, "\nAVAR\t") : NULL;
    int col = wk_atlas_index("AVBL");
    const char *cell = row;
    for (int k = 0; cell && k <= col; k++) cell = strchr(cell + 1, '\t');
    ok(cell && strncmp(cell, "\t1.5\t", 5) == 0, "export: dense cell AVAR,AVBL");
    free(text);
    fclose(fp);

    fp = tmpfile();
    ok(wk_connectome_write_npy(fp, "tmp", a, "chem") == 0, "export: npy written");
    text = slurp(fp, &len);
    ok(len == 128 + 4 * (size_t)N * N && memcmp(text, "\x93NUMPY", 6) == 0 &&
           strstr(text + 10, "'shape': (300, 300)") != NULL,
       "export: npy header");
    float v = 0;
    if (text && len >= 128 + 4 * (size_t)N * N) memcpy(&v, text + 128 + 4 * at("AVAL", "AVBL"), 4);
    near(v, 0.25, 0, "export: npy value");
    free(text);
    fclose(fp);

    float *m = malloc(sizeof(float) * N * N);
    wk_test_n_msgs = 0;
    ok(m && wk_connectome_matrix(m, a, "chem_count") == WK_ENOTFOUND && wk_test_n_msgs == 1,
       "export: chem_count needs a consensus");
    free(m);
    wk_connectome_free(a);
}

static void test_dropped_report(void)
{
    struct wk_connectome_dropped *d = NULL;
    const char *f = write_file("d.csv", "pre,post,type,synapses\nZZZ,AVAL,chemical,1\nAVAL,AAA,electrical,2\nZZZ,AAA,chemical,1\n");
    struct wk_connectome *c = import2("white1986_whole", f, NULL, &d);
    FILE *fp = tmpfile();
    size_t len;
    ok(d && wk_connectome_dropped_write(fp, "tmp", d) == 0, "report: written");
    char *text = slurp(fp, &len);
    ok(text && strcmp(text, "label\trecords\nAAA\t2\nZZZ\t2\n") == 0, "report: exact");
    ok(c && c->dropped_labels == 2 && nonzero(c->chem) == 0 && nonzero(c->gap) == 0,
       "report: nothing kept");
    free(text);
    fclose(fp);
    wk_connectome_free(c);
    wk_connectome_dropped_free(d);
}

static void test_sources(void)
{
    static const char *const ids[] = {"white1986_whole", "white1986_n2u", "white1986_jsh",
                                      "white1986_jse", "witvliet2020_7", "witvliet2020_8",
                                      "cook2019", "varshney2011", "openworm", "randi2023"};
    size_t found = 0;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) found += wk_connectome_source_find(ids[i]) != NULL;
    ok(found == 10, "sources: all ten ids known");
    ok(wk_connectome_source_find("White1986_whole") == NULL, "sources: ids are exact");
    ok(wk_connectome_id_valid("a_b") && !wk_connectome_id_valid("a/b") &&
           !wk_connectome_id_valid("") && !wk_connectome_id_valid(".."),
       "ids: validity");
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    wk_library_init();
    wk_test_msgs_capture();
    test_sources();
    test_long();
    test_long_tsv();
    test_varshney();
    test_openworm();
    test_cook();
    test_randi();
    test_bad();
    test_consensus();
    test_hdf5();
    test_export();
    test_dropped_report();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("# could not remove %s\n", dir);
    return wk_test_done();
}
