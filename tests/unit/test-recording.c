/* test-recording.c - recordings: allocation, attributes and arrays, the
 * write/read round trip, listing order, validation and its messages. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"
#include "wk_test_msgs.h"

static char dir[256];

static const char *tmp(const char *name)
{
    static char paths[4][512];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

/* Values equal, NaN where NaN. */
static int same_floats(const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(a[i]) != isnan(b[i]) || (!isnan(a[i]) && a[i] != b[i]))
            return 0;
    return 1;
}

/* T samples at 0.5 s, columns 0..301; column c at sample t = c + t/4,
 * except the NaNs of missing neurons and samples. */
static struct wk_recording *sample_recording(const char *id, size_t T)
{
    struct wk_recording *rec = wk_recording_alloc(T, 302);
    float der[2 * 302];
    size_t dims[2] = {2, 302};

    if (!rec)
        return NULL;
    wk_recording_set_id(rec, id);
    wk_recording_set_dataset(rec, "kato2015");
    wk_recording_set_source(rec, "WT_Stim.mat");
    rec->worm = 3;
    rec->dt = 0.5;
    for (size_t t = 0; t < T; t++) {
        rec->time[t] = 0.5 * (double)t;
        for (size_t c = 0; c < 302; c++)
            if (c % 7 != 0)
                rec->traces[t * 302 + c] = (float)c + (float)t / 4;
    }
    if (T > 1)
        rec->traces[1 * 302 + 1] = wk_nanf(); /* a missing sample */
    wk_recording_set_label(rec, 300, "AVAL?");
    wk_recording_set_label(rec, 301, "unk-1");
    wk_recording_update_present(rec);
    wk_recording_set_attr_string(rec, "stimulus", "O2 21%-4%");
    wk_recording_set_attr_double(rec, "temperature", 21.5);
    for (size_t i = 0; i < 2 * 302; i++)
        der[i] = (float)i - 300;
    der[5] = wk_nanf();
    wk_recording_add_array(rec, "derivative_head", 2, dims, der);
    return rec;
}

static int same_recording(const struct wk_recording *a, const struct wk_recording *b)
{
    int same = strcmp(a->id, b->id) == 0 && strcmp(a->dataset, b->dataset) == 0 &&
               strcmp(a->source_file, b->source_file) == 0 && a->worm == b->worm &&
               (a->dt == b->dt || (isnan(a->dt) && isnan(b->dt))) && a->T == b->T && a->C == b->C &&
               a->n_attrs == b->n_attrs && a->n_arrays == b->n_arrays;
    if (!same)
        return 0;
    same = memcmp(a->time, b->time, a->T * sizeof *a->time) == 0 && same_floats(a->traces, b->traces, a->T * a->C) &&
           memcmp(a->present, b->present, a->C) == 0;
    for (size_t c = 0; c < a->C && same; c++)
        same = strcmp(a->label[c], b->label[c]) == 0;
    for (size_t i = 0; i < a->n_attrs && same; i++)
        same = strcmp(a->attrs[i].key, b->attrs[i].key) == 0 && !a->attrs[i].str == !b->attrs[i].str &&
               (a->attrs[i].str ? strcmp(a->attrs[i].str, b->attrs[i].str) == 0 : a->attrs[i].num == b->attrs[i].num);
    for (size_t i = 0; i < a->n_arrays && same; i++) {
        const struct wk_array *x = &a->arrays[i], *y = &b->arrays[i];
        size_t n = 1;
        same = strcmp(x->name, y->name) == 0 && x->rank == y->rank;
        for (int k = 0; k < x->rank && same; k++) {
            same = x->dims[k] == y->dims[k];
            n *= x->dims[k];
        }
        same = same && same_floats(x->data, y->data, n);
    }
    return same;
}

static void test_alloc(void)
{
    struct wk_recording *rec;
    int nan_ok = 1, labels_ok = 1;

    wk_test_msgs_capture();
    ok(wk_recording_alloc(0, 300) == NULL && wk_test_n_msgs == 1, "T = 0 refused");
    wk_test_msgs_capture();
    ok(wk_recording_alloc(10, 299) == NULL && wk_test_one_msg("a recording needs at least 300 columns, not 299"),
       "C < 300 refused");
    wk_test_msgs_capture();
    ok(wk_recording_alloc((size_t)1 << 40, 300) == NULL && wk_test_n_msgs == 1,
        "absurd size refused before allocating");

    rec = wk_recording_alloc(4, 302);
    ok(rec && rec->T == 4 && rec->C == 302, "alloc 4 x 302");
    for (size_t i = 0; rec && i < 4 * 302; i++)
        nan_ok &= isnan(rec->traces[i]);
    ok(nan_ok, "traces are NaN");
    for (size_t c = 0; rec && c < 300; c++)
        labels_ok &= strcmp(rec->label[c], wk_atlas_name(c)) == 0;
    ok(labels_ok && strcmp(rec->label[300], "") == 0 && strcmp(rec->label[301], "") == 0,
       "canonical labels, extra labels empty");
    ok(rec->present[0] == 0 && rec->present[301] == 0 && rec->time[3] == 0, "present 0, time 0");
    ok(isnan(rec->dt) && rec->worm == -1 && strcmp(rec->id, "") == 0 && strcmp(rec->dataset, "") == 0 &&
           strcmp(rec->source_file, "") == 0,
       "unknown scalars");
    wk_recording_free(rec);
    wk_recording_free(NULL);
}

static void test_fields(void)
{
    struct wk_recording *rec = sample_recording("w1", 5), *copy;
    const struct wk_attr *a;
    size_t dims1[1] = {3};
    float v[3] = {1, 2, 3};

    ok(rec != NULL, "sample recording");
    ok(rec->present[0] == 0 && rec->present[1] == 1 && rec->present[7] == 0 && rec->present[300] == 1 && rec->present[301] == 0,
       "present: columns with any finite value");
    near(wk_recording_median_dt(rec), 0.5, 0, "median dt");
    rec->time[4] = 10;
    near(wk_recording_median_dt(rec), 0.5, 0, "median dt ignores one long gap");

    a = wk_recording_attr(rec, "temperature");
    ok(a && !a->str && a->num == 21.5, "number attribute");
    ok(wk_recording_set_attr_string(rec, "temperature", "warm") == 0 && rec->n_attrs == 2 &&
           strcmp(wk_recording_attr(rec, "temperature")->str, "warm") == 0,
       "set replaces an existing key");
    wk_test_msgs_capture();
    ok(wk_recording_set_attr_double(rec, "dt", 1) == WK_EINVAL && wk_test_n_msgs == 1, "standard names are not extras");
    ok(wk_recording_attr(rec, "absent") == NULL, "absent attribute: NULL");

    ok(wk_recording_add_array(rec, "derivative_head", 1, dims1, v) == 0 && rec->n_arrays == 1 &&
           wk_recording_array(rec, "derivative_head")->rank == 1 && wk_recording_array(rec, "derivative_head")->data[2] == 3,
       "add replaces an array of the same name");
    wk_test_msgs_capture();
    ok(wk_recording_add_array(rec, "traces", 1, dims1, v) == WK_EINVAL && wk_test_n_msgs == 1,
        "standard dataset names refused");
    ok(wk_recording_add_array(rec, "a/b", 1, dims1, v) == WK_EINVAL, "names with '/' refused");
    ok(wk_recording_add_array(rec, "x", 5, dims1, v) == WK_EINVAL, "rank 5 refused");
    ok(wk_recording_set_label(rec, 302, "x") == WK_EINVAL, "label column out of range");

    copy = wk_recording_dup(rec);
    ok(copy && same_recording(rec, copy) && copy->traces != rec->traces && copy->label[0] != rec->label[0],
       "dup is a deep, equal copy");
    ok(wk_recording_remove_array(copy, "derivative_head") == 0 && copy->n_arrays == 0 && rec->n_arrays == 1,
       "remove an array (from the copy only)");
    ok(wk_recording_remove_array(copy, "derivative_head") == WK_ENOTFOUND, "remove a missing array");
    wk_recording_free(copy);
    wk_recording_free(rec);
}

static int write_all(const char *path, struct wk_recording **recs, size_t n)
{
    struct wk_file *f;
    int rc = wk_file_create(&f, path);

    for (size_t i = 0; i < n && rc == 0; i++)
        rc = wk_recording_write(f, recs[i]);
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    return wk_file_commit(f);
}

static void test_round_trip(void)
{
    const char *p = tmp("round.h5");
    struct wk_recording *recs[3] = {sample_recording("zeta", 40), sample_recording("alpha", 3),
                                    sample_recording("mid", 1)};
    struct wk_recording *back = NULL;
    struct wk_file *f;
    char **ids = NULL;
    size_t n = 0;
    char want[600];

    recs[1]->dt = wk_nan();
    recs[1]->worm = -1;
    ok(write_all(p, recs, 3) == 0, "write three recordings");
    ok(wk_file_open(&f, p) == 0, "open");
    ok(wk_file_recording_ids(f, &ids, &n) == 0 && n == 3 && strcmp(ids[0], "zeta") == 0 &&
           strcmp(ids[1], "alpha") == 0 && strcmp(ids[2], "mid") == 0,
       "ids in the order written, not by name");
    wk_strv_free(ids, n);
    ok(wk_file_has_recording(f, "alpha") == 1 && wk_file_has_recording(f, "beta") == 0 &&
           wk_file_has_recording(f, "a/b") == 0,
       "has_recording");
    for (int i = 0; i < 3; i++) {
        ok(wk_recording_read(f, recs[i]->id, &back) == 0, "read back");
        ok(back && same_recording(recs[i], back), "identical: ids, attrs, traces with NaN, labels, arrays");
        wk_recording_free(back);
        back = NULL;
    }
    wk_test_msgs_capture();
    ok(wk_recording_read(f, "beta", &back) == WK_ENOTFOUND && back == NULL, "missing id: WK_ENOTFOUND");
    snprintf(want, sizeof want, "'%s': no recording 'beta'", p);
    ok(wk_test_one_msg(want), "missing id message");
    wk_file_close(f);

    ok(wk_file_create(&f, tmp("exists.h5")) == 0 && wk_recording_write(f, recs[1]) == 0, "write alpha");
    wk_test_msgs_capture();
    ok(wk_recording_write(f, recs[1]) == WK_EEXIST, "again: WK_EEXIST");
    snprintf(want, sizeof want, "'%s': recording 'alpha' already exists", tmp("exists.h5"));
    ok(wk_test_one_msg(want), "already exists message");
    wk_recording_set_id(recs[2], "a/b");
    wk_test_msgs_capture();
    ok(wk_recording_write(f, recs[2]) == WK_EINVAL && wk_test_n_msgs == 1, "an id with '/' refused");
    wk_file_abort(f);
    for (int i = 0; i < 3; i++)
        wk_recording_free(recs[i]);
}

static void test_no_recordings(void)
{
    struct wk_file *f;
    char **ids = (char **)1;
    size_t n = 9;

    wk_file_create(&f, tmp("none.h5"));
    wk_file_commit(f);
    ok(wk_file_open(&f, tmp("none.h5")) == 0 && wk_file_recording_ids(f, &ids, &n) == 0 && n == 0 && ids == NULL,
       "a file without /recordings has no recordings");
    wk_file_close(f);
}

static void test_validate(void)
{
    struct wk_recording *rec = sample_recording("w1", 20);

    wk_test_msgs_capture();
    ok(wk_recording_validate(rec, "x.h5") == 0 && wk_test_n_msgs == 0, "a valid recording");
    rec->time[17] = rec->time[16];
    ok(wk_recording_validate(rec, "x.h5") == WK_EFORMAT, "repeated time: WK_EFORMAT");
    ok(wk_test_one_msg("'x.h5': /recordings/w1/time: not strictly increasing at sample 17"), "time message");
    rec->time[17] = 8.6;
    wk_test_msgs_capture();
    rec->time[3] = wk_nan();
    ok(wk_recording_validate(rec,
        "x.h5") == WK_EFORMAT && wk_test_one_msg("'x.h5': /recordings/w1/time: not finite at sample 3"),
       "NaN time");
    rec->time[3] = 1.5;
    wk_test_msgs_capture();
    wk_recording_set_label(rec, 5, "AVAL");
    ok(wk_recording_validate(rec, "x.h5") == WK_EFORMAT, "wrong canonical label: WK_EFORMAT");
    {
        char want[200];
        snprintf(want, sizeof want, "'x.h5': /recordings/w1/label: column 5 is 'AVAL', expected '%s'", wk_atlas_name(5));
        ok(wk_test_one_msg(want), "label message");
    }
    wk_recording_set_label(rec, 5, wk_atlas_name(5));
    rec->present[9] = 2;
    wk_test_msgs_capture();
    ok(wk_recording_validate(rec, "x.h5") == WK_EFORMAT &&
           wk_test_one_msg("'x.h5': /recordings/w1/present: column 9 is 2, expected 0 or 1"),
       "present not 0/1");
    rec->present[9] = 1;
    ok(wk_recording_validate(rec, "x.h5") == 0, "valid again");

    /* Writing validates first and leaves nothing behind. */
    {
        struct wk_file *f;
        rec->time[2] = 0;
        wk_file_create(&f, tmp("invalid.h5"));
        wk_test_msgs_capture();
        ok(wk_recording_write(f, rec) == WK_EFORMAT && wk_test_n_msgs == 1, "write refuses an invalid recording");
        ok(wk_file_has_recording(f, "w1") == 0, "nothing written");
        wk_file_abort(f);
    }
    wk_recording_free(rec);
}

/* Writes a valid recording, then lets edit() damage or extend it. */
static int make_edited(const char *path, void (*edit)(hid_t g))
{
    struct wk_recording *rec = sample_recording("w1", 6);
    struct wk_file *f;
    hid_t g;
    int rc = wk_file_create(&f, path);

    if (rc == 0)
        rc = wk_recording_write(f, rec);
    wk_recording_free(rec);
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    g = H5Gopen2(wk_file_hid(f), "/recordings/w1", H5P_DEFAULT);
    edit(g);
    H5Gclose(g);
    return wk_file_commit(f);
}

/* Reads w1 of path; the code, and the message in wk_test_last_msg. */
static int read_edited(const char *path, struct wk_recording **out)
{
    struct wk_file *f;
    int rc = wk_file_open(&f, path);

    *out = NULL;
    wk_test_msgs_capture();
    if (rc == 0)
        rc = wk_recording_read(f, "w1", out);
    wk_file_close(f);
    return rc;
}

static void edit_extras(hid_t g)
{
    size_t n = 3;
    int events[3] = {4, -2, 1000000};
    char *notes[1] = {"hello"};
    hid_t sub;

    wk_h5_write_int(g, "events", 1, &n, events);
    wk_h5_write_strings(g, "notes", 1, notes);
    wk_h5_ensure_group(g, "sub", &sub);
    H5Gclose(sub);
    wk_h5_set_attr_long(g, "stim_count", 12);
    H5Adelete(g, "dataset");
    H5Adelete(g, "worm");
    H5Adelete(g, "dt");
}

static void edit_short_traces(hid_t g)
{
    size_t dims[2] = {5, 302};
    float *v = calloc(5 * 302, sizeof *v);
    H5Ldelete(g, "traces", H5P_DEFAULT);
    wk_h5_write_float(g, "traces", 2, dims, v);
    free(v);
}

static void edit_string_traces(hid_t g)
{
    char *s[1] = {"x"};
    H5Ldelete(g, "traces", H5P_DEFAULT);
    wk_h5_write_strings(g, "traces", 1, s);
}

static void edit_label(hid_t g)
{
    char *labels[302];
    for (size_t c = 0; c < 302; c++)
        labels[c] = (char *)(c < 300 ? wk_atlas_name(c) : "x");
    labels[0] = "AVAL";
    H5Ldelete(g, "label", H5P_DEFAULT);
    wk_h5_write_strings(g, "label", 302, labels);
}

static void edit_time(hid_t g)
{
    double t[6] = {0, 1, 2, 2, 3, 4};
    size_t n = 6;
    H5Ldelete(g, "time", H5P_DEFAULT);
    wk_h5_write_double(g, "time", 1, &n, t);
}

static void test_read_checks(void)
{
    struct wk_recording *rec;
    char want[600];
    const char *p;

    p = tmp("extras.h5");
    ok(make_edited(p, edit_extras) == 0, "a recording with foreign datasets and attributes");
    ok(read_edited(p, &rec) == 0, "reads");
    ok(rec && rec->n_arrays == 2 && strcmp(rec->arrays[1].name, "events") == 0 && rec->arrays[1].rank == 1 &&
           rec->arrays[1].data[0] == 4 && rec->arrays[1].data[1] == -2 && rec->arrays[1].data[2] == 1000000,
       "an int dataset becomes a float array, after the written ones");
    ok(wk_test_n_msgs == 2 && strstr(wk_test_last_msg, "/recordings/w1/sub: not a numeric array; dropped"),
        "non-numeric objects dropped with a warning");
    ok(rec && strcmp(rec->dataset, "") == 0 && rec->worm == -1 && isnan(rec->dt), "missing standard attributes: defaults");
    ok(rec && wk_recording_attr(rec, "stim_count") && wk_recording_attr(rec, "stim_count")->num == 12 &&
           strcmp(rec->attrs[0].key, "stimulus") == 0 && strcmp(rec->attrs[2].key, "stim_count") == 0,
       "other attributes become extras, in creation order");
    wk_recording_free(rec);

    p = tmp("short.h5");
    make_edited(p, edit_short_traces);
    ok(read_edited(p, &rec) == WK_EFORMAT && rec == NULL, "traces rows != time length: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': /recordings/w1/traces: 5 rows, expected 6 (the length of time)", p);
    ok(wk_test_one_msg(want), "shape message");

    p = tmp("strings.h5");
    make_edited(p, edit_string_traces);
    ok(read_edited(p, &rec) == WK_EFORMAT, "string traces: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': /recordings/w1/traces: expected numbers", p);
    ok(wk_test_one_msg(want), "expected numbers message");

    p = tmp("label.h5");
    make_edited(p, edit_label);
    ok(read_edited(p, &rec) == WK_EFORMAT, "wrong label in the file: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': /recordings/w1/label: column 0 is 'AVAL', expected '%s'", p, wk_atlas_name(0));
    ok(wk_test_one_msg(want), "label message");

    p = tmp("time.h5");
    make_edited(p, edit_time);
    ok(read_edited(p, &rec) == WK_EFORMAT, "repeated time in the file: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': /recordings/w1/time: not strictly increasing at sample 3", p);
    ok(wk_test_one_msg(want), "time message");
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];

    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(void)
{
    const char *t = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%s/wk-test-recording.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    wk_library_init();
    wk_test_msgs_capture();

    test_alloc();
    test_fields();
    test_round_trip();
    test_no_recordings();
    test_validate();
    test_read_checks();

    remove_dir();
    return wk_test_done();
}
