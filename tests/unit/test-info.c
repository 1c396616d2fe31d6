/* test-info.c - per-recording summaries, their printed forms, and the
 * layout check on deliberately broken files.
 *
 * `test-info --write-broken DIR` only writes good.h5 and the broken files
 * into DIR (for tests/t/t0200-worm-info-check.sh) and exits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

static char last_message[1024];

static void capture(enum wk_log_level level, const char *message, void *userdata)
{
    (void)userdata;
    if (level == WK_LOG_ERROR) snprintf(last_message, sizeof last_message, "%s", message);
}

/* ---------------------------------------------------------------- numbers */

/* T 4, time 0, 0.5, 1, 2; ADAL full, ADAR 2 NaN of 4, extra FOO 1 NaN,
 * extra BAR all NaN (not present). */
static struct wk_recording *make_summary_recording(void)
{
    struct wk_recording *rec = wk_recording_alloc(4, 302);
    if (!rec) return NULL;
    wk_recording_set_id(rec, "r1");
    wk_recording_set_dataset(rec, "kato2015");
    wk_recording_set_label(rec, 300, "FOO");
    wk_recording_set_label(rec, 301, "BAR");
    static const double time[4] = {0, 0.5, 1.0, 2.0};
    for (size_t t = 0; t < 4; t++) {
        rec->time[t] = time[t];
        rec->traces[t * 302 + 0] = (float)t;
        if (t % 2) rec->traces[t * 302 + 1] = 1.0f;
        if (t != 2) rec->traces[t * 302 + 300] = -1.0f;
    }
    wk_recording_update_present(rec);
    return rec;
}

static void test_compute(void)
{
    struct wk_recording *rec = make_summary_recording();
    ok(rec != NULL, "summary recording");
    if (!rec) return;
    struct wk_info info;
    ok(wk_info_compute(&info, rec) == 0, "compute");
    ok(strcmp(info.id, "r1") == 0 && strcmp(info.dataset, "kato2015") == 0, "id and dataset");
    ok(info.samples == 4, "samples 4");
    near(info.duration, 2.0, 0, "duration 2 s");
    near(info.median_dt, 0.5, 0, "median dt 0.5 s (diffs 0.5, 0.5, 1)");
    ok(info.labeled == 2, "labeled 2 (ADAL, ADAR)");
    ok(info.unlabeled == 1, "unlabeled 1 (FOO; BAR all NaN)");
    ok(info.present == 3, "present 3");
    near(info.nan_fraction, 3.0 / 12.0, 0, "NaN fraction 3/12 (2 in ADAR, 1 in FOO)");
    wk_info_clear(&info);

    /* Nothing present: NaN fraction is NaN; one sample: duration 0, dt NaN. */
    struct wk_recording *one = wk_recording_alloc(1, 300);
    ok(one != NULL, "one-sample recording");
    if (one) {
        wk_recording_set_id(one, "one");
        ok(wk_info_compute(&info, one) == 0, "compute one sample");
        ok(info.samples == 1 && info.duration == 0.0 && isnan(info.median_dt), "one sample: 0 s, dt NaN");
        ok(info.present == 0 && isnan(info.nan_fraction), "nothing present: NaN fraction NaN");
        ok(strcmp(info.dataset, "") == 0, "empty dataset");
        wk_info_clear(&info);
    }
    wk_recording_free(one);
    wk_recording_free(rec);
    wk_info_clear(NULL);
}

static void test_format(void)
{
    enum wk_info_format f = WK_INFO_TABLE;
    ok(wk_info_parse_format(&f, "tsv") == 0 && f == WK_INFO_TSV, "tsv");
    ok(wk_info_parse_format(&f, "json") == 0 && f == WK_INFO_JSON, "json");
    ok(wk_info_parse_format(&f, "table") == 0 && f == WK_INFO_TABLE, "table");
    ok(wk_info_parse_format(&f, "TSV") == WK_EUSAGE && f == WK_INFO_TABLE, "TSV is a usage error");
    ok(strcmp(last_message, "invalid --format 'TSV' (want table, tsv or json)") == 0, "format message");
}

static char *print_to_string(const struct wk_info_list *list, enum wk_info_format fmt)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    if (!fp) return NULL;
    wk_info_list_print(fp, list, fmt);
    fclose(fp);
    return buf;
}

static void set_row(struct wk_info *r, const char *id, const char *dataset, size_t T, double duration,
                    double dt, size_t labeled, size_t unlabeled, double nan_fraction)
{
    r->id = wk_strdup(id);
    r->dataset = wk_strdup(dataset);
    r->samples = T;
    r->duration = duration;
    r->median_dt = dt;
    r->labeled = labeled;
    r->unlabeled = unlabeled;
    r->present = labeled + unlabeled;
    r->nan_fraction = nan_fraction;
}

static void test_print(void)
{
    struct wk_info_list list = {0};
    list.rows = calloc(3, sizeof *list.rows);
    list.cap = 3;
    char *s = print_to_string(&list, WK_INFO_JSON);
    ok(s && strcmp(s, "[]\n") == 0, "json: empty list");
    free(s);
    s = print_to_string(&list, WK_INFO_TSV);
    ok(s && strcmp(s, "id\tdataset\tsamples\tduration_s\tmedian_dt_s\tlabeled\tunlabeled\tpresent\tnan_fraction\n") == 0,
       "tsv: header only");
    free(s);

    set_row(&list.rows[0], "r1", "kato2015", 3137, 1045.3333333333333, 1.0 / 3.0, 107, 22, 0.0125);
    set_row(&list.rows[1], "worm_two", "", 1, 0.0, wk_nan(), 0, 0, wk_nan());
    set_row(&list.rows[2], "q", "a\"b\\c\td", 10, 0.9, 0.1, 1, 0, 0.0);
    list.n = 3;

    s = print_to_string(&list, WK_INFO_TABLE);
    const char *table =
        "id        dataset   samples  duration_s  median_dt_s  labeled  unlabeled  present  nan_fraction\n"
        "r1        kato2015     3137    1045.333       0.3333      107         22      129        0.0125\n"
        "worm_two  -               1       0.000          nan        0          0        0           nan\n"
        "q         a\"b\\c d        10       0.900          0.1        1          0        1        0.0000\n";
    ok(s && strcmp(s, table) == 0, "table: aligned columns, exact text");
    if (s && strcmp(s, table) != 0) printf("# got:\n%s", s);
    free(s);

    s = print_to_string(&list, WK_INFO_TSV);
    const char *tsv = "id\tdataset\tsamples\tduration_s\tmedian_dt_s\tlabeled\tunlabeled\tpresent\tnan_fraction\n"
                      "r1\tkato2015\t3137\t1045.3333333333333\t0.3333333333333333\t107\t22\t129\t0.0125\n"
                      "worm_two\t\t1\t0\tnan\t0\t0\t0\tnan\n"
                      "q\ta\"b\\c d\t10\t0.9\t0.1\t1\t0\t1\t0\n";
    ok(s && strcmp(s, tsv) == 0, "tsv: exact text, shortest round-trip numbers");
    if (s && strcmp(s, tsv) != 0) printf("# got:\n%s", s);
    free(s);

    s = print_to_string(&list, WK_INFO_JSON);
    const char *json =
        "[\n"
        "  {\"id\": \"r1\", \"dataset\": \"kato2015\", \"samples\": 3137, \"duration_s\": 1045.3333333333333, "
        "\"median_dt_s\": 0.3333333333333333, \"labeled\": 107, \"unlabeled\": 22, \"present\": 129, "
        "\"nan_fraction\": 0.0125},\n"
        "  {\"id\": \"worm_two\", \"dataset\": \"\", \"samples\": 1, \"duration_s\": 0, \"median_dt_s\": null, "
        "\"labeled\": 0, \"unlabeled\": 0, \"present\": 0, \"nan_fraction\": null},\n"
        "  {\"id\": \"q\", \"dataset\": \"a\\\"b\\\\c\\td\", \"samples\": 10, \"duration_s\": 0.9, "
        "\"median_dt_s\": 0.1, \"labeled\": 1, \"unlabeled\": 0, \"present\": 1, \"nan_fraction\": 0}\n"
        "]\n";
    ok(s && strcmp(s, json) == 0, "json: exact text, escapes, null for NaN");
    if (s && strcmp(s, json) != 0) printf("# got:\n%s", s);
    free(s);
    wk_info_list_clear(&list);
    ok(list.rows == NULL && list.n == 0, "list cleared");
}

/* ------------------------------------------------------------ broken files */

static int write_connectome(hid_t fid, const char *id, int symmetric)
{
    char path[64];
    snprintf(path, sizeof path, "/connectomes/%s", id);
    hid_t g;
    int rc = wk_h5_ensure_group(fid, path, &g);
    if (rc < 0) return rc;
    float *m = calloc(300 * 300, sizeof *m);
    if (!m) {
        H5Gclose(g);
        return WK_ENOMEM;
    }
    size_t dims[2] = {300, 300};
    m[0 * 300 + 1] = 3.0f;
    rc = wk_h5_write_float(g, "chem", 2, dims, m);
    m[0 * 300 + 1] = 1.0f;
    m[1 * 300 + 0] = symmetric ? 1.0f : 2.0f;
    if (rc == 0) rc = wk_h5_write_float(g, "gap", 2, dims, m);
    free(m);
    H5Gclose(g);
    return rc;
}

/* r1: T 5, time 0..1 step 0.25, dt 0.25, ADAL and extra FOO full;
 * r2: T 3, time 0, 1, 2, dt NaN, AVAL full; connectome c1. */
static int write_good(const char *path)
{
    struct wk_file *f = NULL;
    int rc = wk_file_create(&f, path);
    if (rc < 0) return rc;
    struct wk_recording *r1 = wk_recording_alloc(5, 301), *r2 = wk_recording_alloc(3, 300);
    if (!r1 || !r2) rc = WK_ENOMEM;
    if (rc == 0) {
        wk_recording_set_id(r1, "r1");
        wk_recording_set_dataset(r1, "test");
        wk_recording_set_label(r1, 300, "FOO");
        r1->dt = 0.25;
        for (size_t t = 0; t < 5; t++) {
            r1->time[t] = 0.25 * (double)t;
            r1->traces[t * 301 + 0] = (float)t;
            r1->traces[t * 301 + 300] = 1.0f;
        }
        wk_recording_update_present(r1);
        wk_recording_set_id(r2, "r2");
        for (size_t t = 0; t < 3; t++) {
            r2->time[t] = (double)t;
            r2->traces[t * 300 + 53] = 2.0f;
        }
        wk_recording_update_present(r2);
        rc = wk_recording_write(f, r1);
    }
    if (rc == 0) rc = wk_recording_write(f, r2);
    if (rc == 0) rc = write_connectome(wk_file_hid(f), "c1", 1);
    wk_recording_free(r1);
    wk_recording_free(r2);
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    return wk_file_commit(f);
}

static int set_dt(hid_t fid, double dt)
{
    hid_t g = H5Gopen2(fid, "/recordings/r1", H5P_DEFAULT);
    if (g < 0) return WK_EHDF5;
    if (H5Aexists(g, "dt") > 0) H5Adelete(g, "dt");
    int rc = wk_h5_set_attr_double(g, "dt", dt);
    H5Gclose(g);
    return rc;
}

static int bad_dt(hid_t fid) { return set_dt(fid, 0.3); }
static int close_dt(hid_t fid) { return set_dt(fid, 0.2502); }
static int negative_dt(hid_t fid) { return set_dt(fid, -0.25); }

static int set_uint8(hid_t fid, const char *path, size_t index, unsigned char value)
{
    hid_t d = H5Dopen2(fid, path, H5P_DEFAULT);
    if (d < 0) return WK_EHDF5;
    hid_t space = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    unsigned char *v = malloc((size_t)n);
    int rc = v && (size_t)n > index && H5Dread(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 ? 0 : WK_EHDF5;
    if (rc == 0) {
        v[index] = value;
        if (H5Dwrite(d, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) rc = WK_EHDF5;
    }
    free(v);
    H5Dclose(d);
    return rc;
}

static int present_without_data(hid_t fid) { return set_uint8(fid, "/recordings/r1/present", 5, 1); }
static int data_without_present(hid_t fid) { return set_uint8(fid, "/recordings/r1/present", 300, 0); }

static int bad_time(hid_t fid)
{
    double time[3] = {0, 2, 1};
    hid_t d = H5Dopen2(fid, "/recordings/r2/time", H5P_DEFAULT);
    if (d < 0) return WK_EHDF5;
    int rc = H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, time) < 0 ? WK_EHDF5 : 0;
    H5Dclose(d);
    return rc;
}

static int write_atlas(hid_t fid, size_t n, const char *replace3)
{
    if (H5Ldelete(fid, "/atlas/neurons", H5P_DEFAULT) < 0) return WK_EHDF5;
    if (n == 0) return 0;
    char *names[WK_ATLAS_SIZE];
    for (size_t k = 0; k < WK_ATLAS_SIZE; k++) names[k] = (char *)wk_atlas_name(k);
    if (replace3) names[3] = (char *)replace3;
    hid_t g = H5Gopen2(fid, "/atlas", H5P_DEFAULT);
    if (g < 0) return WK_EHDF5;
    int rc = wk_h5_write_strings(g, "neurons", n, names);
    H5Gclose(g);
    return rc;
}

static int wrong_atlas_name(hid_t fid) { return write_atlas(fid, WK_ATLAS_SIZE, "XXXX"); }
static int short_atlas(hid_t fid) { return write_atlas(fid, WK_ATLAS_SIZE - 1, NULL); }
static int no_atlas(hid_t fid) { return write_atlas(fid, 0, NULL); }

static int asymmetric_gap(hid_t fid)
{
    if (H5Ldelete(fid, "/connectomes/c1", H5P_DEFAULT) < 0) return WK_EHDF5;
    return write_connectome(fid, "c1", 0);
}

static int write_raw_chem(hid_t fid, hid_t type, hsize_t cols)
{
    if (H5Ldelete(fid, "/connectomes/c1/chem", H5P_DEFAULT) < 0) return WK_EHDF5;
    hsize_t dims[2] = {300, cols};
    hid_t space = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(fid, "/connectomes/c1/chem", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    double *zero = calloc(300 * cols, sizeof *zero);
    int rc = d >= 0 && zero && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero) >= 0 ? 0 : WK_EHDF5;
    free(zero);
    if (d >= 0) H5Dclose(d);
    H5Sclose(space);
    return rc;
}

static int chem_wrong_shape(hid_t fid) { return write_raw_chem(fid, H5T_IEEE_F32LE, 299); }
static int chem_float64(hid_t fid) { return write_raw_chem(fid, H5T_IEEE_F64LE, 300); }

static int empty_connectome(hid_t fid)
{
    return wk_h5_ensure_group(fid, "/connectomes/c2", NULL);
}

struct variant {
    const char *name;
    int (*modify)(hid_t fid);
    const char *message; /* after "'<path>': "; NULL: the file is valid */
};

/* Keep in sync with tests/t/t0200-worm-info-check.sh. */
static const struct variant VARIANTS[] = {
    {"close-dt", close_dt, NULL},
    {"bad-dt", bad_dt, "/recordings/r1/dt: 0.3 differs from the median time step 0.25 by more than 1%"},
    {"negative-dt", negative_dt, "/recordings/r1/dt: -0.25 is not positive"},
    {"present-without-data", present_without_data,
     "/recordings/r1/present: column 5 (ADFR) is 1 but traces has no finite value in it"},
    {"data-without-present", data_without_present,
     "/recordings/r1/present: column 300 (FOO) is 0 but traces has finite values in it"},
    {"bad-time", bad_time, "/recordings/r2/time"}, /* the reader's message: prefix only */
    {"wrong-atlas-name", wrong_atlas_name, "/atlas/neurons: entry 3 is 'XXXX', the atlas has 'ADER'"},
    {"short-atlas", short_atlas, "/atlas/neurons: 299 names, the atlas has 300"},
    {"no-atlas", no_atlas, "/atlas/neurons: missing"},
    {"asymmetric-gap", asymmetric_gap, "/connectomes/c1/gap: not symmetric (ADAL-ADAR 1, ADAR-ADAL 2)"},
    {"chem-wrong-shape", chem_wrong_shape, "/connectomes/c1/chem: not a float32 [300][300] array"},
    {"chem-float64", chem_float64, "/connectomes/c1/chem: not a float32 [300][300] array"},
    {"empty-connectome", empty_connectome, "/connectomes/c2: neither chem nor gap"},
};
#define N_VARIANTS (sizeof VARIANTS / sizeof VARIANTS[0])

static int write_variant(const char *dir, const struct variant *v, char *path, size_t len)
{
    snprintf(path, len, "%s/%s.h5", dir, v->name);
    int rc = write_good(path);
    if (rc < 0) return rc;
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (fid < 0) return WK_EHDF5;
    rc = v->modify(fid);
    if (H5Fclose(fid) < 0 && rc == 0) rc = WK_EHDF5;
    return rc;
}

static int write_all(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/good.h5", dir);
    int rc = write_good(path);
    for (size_t i = 0; rc == 0 && i < N_VARIANTS; i++) rc = write_variant(dir, &VARIANTS[i], path, sizeof path);
    return rc;
}

static int check_path(const char *path, size_t *n)
{
    struct wk_file *f = NULL;
    last_message[0] = '\0';
    int rc = wk_file_open(&f, path);
    if (rc == 0) rc = wk_info_check(f, n);
    wk_file_close(f);
    return rc;
}

static void test_check(void)
{
    char dir[] = "/tmp/wk-test-info.XXXXXX";
    if (!mkdtemp(dir)) {
        ok(0, "temporary folder");
        return;
    }
    char path[1024], want[2048];
    snprintf(path, sizeof path, "%s/good.h5", dir);
    ok(write_good(path) == 0, "write good.h5");
    size_t n = 0;
    ok(check_path(path, &n) == 0 && n == 2, "good.h5 passes the check, 2 recordings");
    unlink(path);
    for (size_t i = 0; i < N_VARIANTS; i++) {
        const struct variant *v = &VARIANTS[i];
        char what[256];
        snprintf(what, sizeof what, "write %s.h5", v->name);
        ok(write_variant(dir, v, path, sizeof path) == 0, what);
        int rc = check_path(path, &n);
        if (!v->message) {
            snprintf(what, sizeof what, "%s passes", v->name);
            ok(rc == 0 && n == 2, what);
        } else {
            snprintf(what, sizeof what, "%s fails with WK_EFORMAT", v->name);
            ok(rc == WK_EFORMAT, what);
            snprintf(want, sizeof want, "'%s': %s", path, v->message);
            snprintf(what, sizeof what, "%s message", v->name);
            int exact = strcmp(v->name, "bad-time") != 0;
            int match = exact ? strcmp(last_message, want) == 0 : strncmp(last_message, want, strlen(want)) == 0;
            ok(match, what);
            if (!match) printf("#   got:  %s\n#   want: %s\n", last_message, want);
        }
        unlink(path);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    wk_library_init();
    wk_history_set_command(argc, argv);
    if (argc == 3 && strcmp(argv[1], "--write-broken") == 0) return write_all(argv[2]) == 0 ? 0 : 1;
    wk_log_set_hook(capture, NULL);
    test_compute();
    test_format();
    test_print();
    test_check();
    return wk_test_done();
}
