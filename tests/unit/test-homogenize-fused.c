/* test-homogenize-fused.c - wk_homogenize_recording runs the steps column
 * by column in one pass (homogenize.c); its result must have the same
 * bytes as the documented steps applied one after another through the
 * recording functions of wk_signal.h: time, traces, derivative, the
 * original arrays, present and the attributes in their order, for every
 * smoother, both resampling directions and methods, both normalizations,
 * with NaN gaps, +-inf, -0.0, constant, single-sample and all-NaN columns,
 * and for 1 and 3 threads. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wormkit/wk_homogenize.h"
#include "wk_test.h"

enum { T = 2400, EXTRA = 3, C = WK_ATLAS_SIZE + EXTRA, DATA = 45 }; /* 45 x 2400 samples: threads */

/* Column c * 7 % C of the 45 with data; the rest all NaN. */
static float value(size_t t, size_t k)
{
    float v = sinf(0.05f * (float)(t * (k + 1))) * (float)(k + 1) + 0.3f * (float)k;
    switch (k) {
    case 0: return (t > 40 && t < 90) || t < 3 ? NAN : v; /* gaps, one at the start */
    case 1: return INFINITY;                            /* no finite value */
    case 2: return t == 1200 ? 1.5f : NAN;              /* one finite sample */
    case 3: return 2.25f;                                /* constant: sd 0 */
    case 4: return t % 2 ? -0.0f : 0.0f;                 /* signed zeros */
    case 5: return t % 37 == 0 ? -INFINITY : v;          /* inf among data */
    case 6: return t > 2000 ? NAN : 3.0e38f * (t % 2 ? 1 : -1); /* near FLT_MAX, NaN tail */
    case 7: return t % 5 == 0 ? NAN : v;                 /* scattered gaps */
    default: return v;
    }
}

/* Time from 5 s: uniform steps of 0.1 s (upsample: 0.5 s), jittered on
 * odd samples when irregular (numpy's non-uniform gradient). */
static struct wk_recording *make_recording(double step, int irregular)
{
    struct wk_recording *rec = wk_recording_alloc(T, C);
    if (!rec) return NULL;
    for (size_t t = 0; t < T; t++) {
        rec->time[t] = 5.0 + step * (double)t + (irregular && t % 2 ? 0.013 * step : 0.0);
        for (size_t k = 0; k < DATA; k++) rec->traces[t * C + k * 7 % C] = value(t, k);
    }
    wk_recording_update_present(rec);
    if (wk_recording_set_id(rec, "w") < 0) {
        wk_recording_free(rec);
        return NULL;
    }
    return rec;
}

/* The steps of wk_homogenize.h, one after another. */
static int steps(struct wk_recording *rec, const struct wk_homogenize *h)
{
    double t0 = rec->time[0];
    for (size_t t = 0; t < rec->T; t++) rec->time[t] -= t0;
    int rc = wk_recording_set_attr_double(rec, "time_offset", t0);
    size_t T0 = rec->T, cells = rec->T * rec->C;
    float *orig = malloc(cells * sizeof *orig), *orig_time = malloc(T0 * sizeof *orig_time);
    if (!orig || !orig_time) rc = WK_ENOMEM;
    if (rc == 0) {
        memcpy(orig, rec->traces, cells * sizeof *orig);
        for (size_t t = 0; t < T0; t++) orig_time[t] = (float)rec->time[t];
        rc = wk_derivative_recording(rec, 0, "test");
    }
    if (rc == 0) rc = wk_smooth_recording(h->smoother, rec, "test");
    if (rc == 0) rc = wk_resample_recording(rec, h->dt, h->resample, "test");
    if (rc == 0 && !h->normalize_off) rc = wk_normalize_recording(rec, h->normalize, "test");
    if (rc == 0 && h->keep_original) {
        size_t dims[2] = {T0, rec->C};
        rc = wk_recording_adopt_array(rec, WK_ORIGINAL_TRACES, 2, dims, orig);
        orig = NULL;
        if (rc == 0) rc = wk_recording_adopt_array(rec, WK_ORIGINAL_TIME, 1, dims, orig_time);
        orig_time = NULL;
    }
    free(orig);
    free(orig_time);
    return rc;
}

static int same_attrs(const struct wk_recording *a, const struct wk_recording *b)
{
    if (a->n_attrs != b->n_attrs) return 0;
    for (size_t i = 0; i < a->n_attrs; i++) {
        const struct wk_attr *x = &a->attrs[i], *y = &b->attrs[i];
        if (strcmp(x->key, y->key) != 0 || !x->str != !y->str) return 0;
        if (x->str ? strcmp(x->str, y->str) != 0 : memcmp(&x->num, &y->num, sizeof x->num) != 0) return 0;
    }
    return 1;
}

static int same_arrays(const struct wk_recording *a, const struct wk_recording *b)
{
    if (a->n_arrays != b->n_arrays) return 0;
    for (size_t i = 0; i < a->n_arrays; i++) {
        const struct wk_array *x = &a->arrays[i], *y = &b->arrays[i];
        size_t n = 1;
        if (strcmp(x->name, y->name) != 0 || x->rank != y->rank) return 0;
        for (int d = 0; d < x->rank; d++) {
            if (x->dims[d] != y->dims[d]) return 0;
            n *= x->dims[d];
        }
        if (memcmp(x->data, y->data, n * sizeof *x->data) != 0) return 0;
    }
    return 1;
}

/* 1 when both recordings hold the same bytes. */
static int same_recording(const struct wk_recording *a, const struct wk_recording *b)
{
    return a->T == b->T && a->C == b->C && memcmp(&a->dt, &b->dt, sizeof a->dt) == 0 &&
           memcmp(a->time, b->time, a->T * sizeof *a->time) == 0 &&
           memcmp(a->traces, b->traces, a->T * a->C * sizeof *a->traces) == 0 &&
           memcmp(a->present, b->present, a->C) == 0 && same_attrs(a, b) && same_arrays(a, b);
}

struct config {
    const char *name;
    enum wk_smooth_method smooth;
    double dt, step;
    int irregular;
    enum wk_resample_method resample;
    enum wk_normalize_method normalize;
    int normalize_off, keep_original;
};

static void check(const struct config *cfg)
{
    struct wk_smooth_params p;
    wk_smooth_params_init(&p);
    p.method = cfg->smooth;
    struct wk_homogenize h;
    wk_homogenize_init(&h);
    h.smoother = wk_smoother_alloc(&p);
    h.dt = cfg->dt;
    h.resample = cfg->resample;
    h.normalize = cfg->normalize;
    h.normalize_off = cfg->normalize_off;
    h.keep_original = cfg->keep_original;

    struct wk_recording *want = make_recording(cfg->step, cfg->irregular);
    int ok_steps = want && h.smoother && steps(want, &h) == 0;
    char what[160];
    for (int threads = 1; threads <= 3; threads += 2) {
        omp_set_num_threads(threads);
        struct wk_recording *got = make_recording(cfg->step, cfg->irregular);
        int rc = got ? wk_homogenize_recording(got, "test", &h) : WK_ENOMEM;
        snprintf(what, sizeof what, "%s, %d thread%s: same bytes as the steps one after another", cfg->name,
                 threads, threads > 1 ? "s" : "");
        ok(ok_steps && rc == 0 && same_recording(got, want), what);
        if (threads == 1 && rc == 0) {
            snprintf(what, sizeof what, "%s: %zu samples, derivative first, the originals kept or not", cfg->name,
                     got->T);
            ok(got->T == want->T && got->n_arrays == (cfg->keep_original ? 3u : 1u) &&
                   strcmp(got->arrays[0].name, "derivative") == 0,
               what);
        }
        wk_recording_free(got);
    }
    wk_recording_free(want);
    wk_smoother_free(h.smoother);
}

/* A signed zero in the steps' output: the z-score of the signed-zero
 * column is (x - 0) / 1, so -0.0 must survive the column pass. */
static void check_signed_zero(void)
{
    struct wk_smooth_params p;
    wk_smooth_params_init(&p);
    p.method = WK_SMOOTH_NONE;
    struct wk_homogenize h;
    wk_homogenize_init(&h);
    h.smoother = wk_smoother_alloc(&p);
    h.dt = 0.05; /* upsampling: points on samples keep their sign */
    struct wk_recording *rec = make_recording(0.1, 0);
    int rc = rec && h.smoother ? wk_homogenize_recording(rec, "test", &h) : WK_ENOMEM;
    size_t col = 4 * 7 % C, negative = 0;
    for (size_t t = 0; rc == 0 && t < rec->T; t++) negative += signbit(rec->traces[t * C + col]) != 0;
    ok(rc == 0 && negative > 0, "signed zeros: -0.0 kept where the steps keep it");
    wk_recording_free(rec);
    wk_smoother_free(h.smoother);
}

int main(void)
{
    wk_log_set_level(WK_LOG_ERROR);
    static const struct config configs[] = {
        {"moving, down 0.333 s, zscore", WK_SMOOTH_MOVING, 0.333, 0.1, 0, WK_RESAMPLE_LINEAR, WK_NORMALIZE_ZSCORE, 0,
         1},
        {"moving, irregular time", WK_SMOOTH_MOVING, 0.333, 0.1, 1, WK_RESAMPLE_LINEAR, WK_NORMALIZE_ZSCORE, 0, 1},
        {"moving, up 0.2 s, causal", WK_SMOOTH_MOVING, 0.2, 0.5, 1, WK_RESAMPLE_LINEAR, WK_NORMALIZE_CAUSAL, 0, 1},
        {"gaussian, sinc", WK_SMOOTH_GAUSSIAN, 0.333, 0.1, 1, WK_RESAMPLE_SINC, WK_NORMALIZE_ZSCORE, 0, 1},
        {"exponential, no normalization, no originals", WK_SMOOTH_EXPONENTIAL, 0.333, 0.1, 0, WK_RESAMPLE_LINEAR,
         WK_NORMALIZE_ZSCORE, 1, 0},
        {"zero-phase, up 0.05 s", WK_SMOOTH_ZEROPHASE, 0.05, 0.1, 0, WK_RESAMPLE_LINEAR, WK_NORMALIZE_ZSCORE, 0, 1},
        {"no smoothing", WK_SMOOTH_NONE, 0.333, 0.1, 1, WK_RESAMPLE_LINEAR, WK_NORMALIZE_ZSCORE, 0, 1},
    };
    for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) check(&configs[i]);
    check_signed_zero();
    return wk_test_done();
}
