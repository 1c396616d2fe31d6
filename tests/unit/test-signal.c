/* test-signal.c - the signal steps on whole recordings: arrays that follow
 * time, attributes, present, and errors naming the file and the field. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wormkit.h"

static int n_logged;
static char last_log[512];
static void count_log(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)userdata;
    n_logged++;
    snprintf(last_log, sizeof last_log, "%s", message);
}

/* T samples 1 s apart; column 0 = 2t + 1, column 1 = t^2, the rest NaN;
 * arrays: "derivative" [T][C], "stim" [T], "meta" [3]. */
static struct wk_recording *make_recording(size_t T)
{
    struct wk_recording *rec = wk_recording_alloc(T, WK_ATLAS_SIZE);
    if (!rec) return NULL;
    wk_recording_set_id(rec, "r");
    float *d = calloc(T * rec->C, sizeof *d), stim[64], meta[3] = {7, 8, 9};
    for (size_t t = 0; t < T; t++) {
        rec->time[t] = (double)t;
        rec->traces[t * rec->C] = (float)(2.0 * t + 1);
        rec->traces[t * rec->C + 1] = (float)(t * t);
        d[t * rec->C] = 2;
        stim[t] = (float)t;
    }
    rec->present[0] = rec->present[1] = 1;
    rec->dt = 1;
    size_t dd[2] = {T, rec->C}, ds[1] = {T}, dm[1] = {3};
    wk_recording_add_array(rec, "derivative", 2, dd, d);
    wk_recording_add_array(rec, "stim", 1, ds, stim);
    wk_recording_add_array(rec, "meta", 1, dm, meta);
    free(d);
    return rec;
}

static double attr_num(const struct wk_recording *rec, const char *key)
{
    const struct wk_attr *a = wk_recording_attr(rec, key);
    return a && !a->str ? a->num : NAN;
}

static int attr_is(const struct wk_recording *rec, const char *key, const char *value)
{
    const struct wk_attr *a = wk_recording_attr(rec, key);
    return a && a->str && strcmp(a->str, value) == 0;
}

static void test_resample_recording(void)
{
    struct wk_recording *rec = make_recording(20);
    ok(wk_resample_recording(rec, 0.5, WK_RESAMPLE_LINEAR, "x.h5") == 0, "resample a recording");
    ok(rec->T == 38 && rec->time[37] == 18.5, "time is the new grid 0 .. 18.5");
    ok(rec->traces[3 * rec->C] == 4 && rec->traces[37 * rec->C] == 38, "traces resampled (2t + 1)");
    near(rec->traces[3 * rec->C + 1], 2.5, 0, "t^2 at 1.5: linear between 1 and 4");
    ok(isnan(rec->traces[5 * rec->C + 2]) && rec->present[0] && rec->present[1] && !rec->present[2],
       "absent columns stay NaN, present kept");
    const struct wk_array *d = wk_recording_array(rec, "derivative");
    ok(d && d->dims[0] == 38 && d->dims[1] == rec->C && d->data[37 * rec->C] == 2, "derivative [T][C] resampled");
    const struct wk_array *s = wk_recording_array(rec, "stim");
    ok(s && s->dims[0] == 38 && s->data[3] == 1.5f, "rank-1 array indexed by time resampled");
    const struct wk_array *m = wk_recording_array(rec, "meta");
    ok(m && m->dims[0] == 3 && m->data[2] == 9, "array not indexed by time unchanged");
    ok(rec->dt == 0.5, "dt set");
    ok(attr_is(rec, "interpolate_method", "linear"), "interpolate_method attribute");
    ok(attr_num(rec, "original_dt") == 1 && attr_num(rec, "original_max_timesteps") == 20,
       "original_dt and original_max_timesteps");
    ok(wk_resample_recording(rec, 3, WK_RESAMPLE_SINC, "x.h5") == 0, "resample again (sinc)");
    ok(attr_num(rec, "original_max_timesteps") == 20 && attr_num(rec, "original_dt") == 1,
       "original_* keep describing the raw recording");
    ok(attr_is(rec, "interpolate_method", "sinc"), "interpolate_method updated");
    wk_recording_free(rec);

    rec = make_recording(2);
    rec->time[1] = 0.1;
    n_logged = 0;
    ok(wk_resample_recording(rec, 1, WK_RESAMPLE_LINEAR, "x.h5") == WK_EINVAL, "too short is WK_EINVAL");
    ok(n_logged == 1 && strstr(last_log, "'x.h5': /recordings/r/time: ") == last_log,
       "one message naming the file and the field");
    ok(rec->T == 2 && rec->time[1] == 0.1, "a failed resampling leaves the recording whole");
    wk_recording_free(rec);
}

static void test_smooth_derivative_normalize(void)
{
    struct wk_recording *rec = make_recording(10);
    struct wk_smooth_params p;
    wk_smooth_params_init(&p);
    p.window = 2; /* made 3: 2 trailing samples */
    struct wk_smoother *s = wk_smoother_alloc(&p);
    rec->arrays[0].data[5 * rec->C] = 4; /* derivative column 0: ... 2 4 2 ... */
    ok(wk_smooth_recording(s, rec, "x.h5") == 0, "smooth a recording");
    near(rec->traces[5 * rec->C], 10, 0, "traces smoothed: mean(9, 11)");
    near(rec->arrays[0].data[6 * rec->C], 3, 0, "derivative array smoothed too: mean(4, 2)");
    near(rec->arrays[1].data[5], 5, 0, "other arrays untouched");
    ok(attr_is(rec, "smooth_method", "moving") && attr_num(rec, "smooth_window") == 3,
       "smooth_method and the odd window used");
    wk_smoother_free(s);
    wk_recording_free(rec);

    rec = make_recording(5);
    ok(wk_derivative_recording(rec, 0, "x.h5") == 0, "derivative of a recording");
    const struct wk_array *d = wk_recording_array(rec, "derivative");
    ok(d && d->data[0] == 2 && d->data[4 * rec->C + 1] == 7 && d->data[2 * rec->C + 1] == 4,
       "derivative array: 2 for 2t+1; t^2: 4 inside, 7 at the end");
    ok(rec->traces[2 * rec->C + 1] == 4, "traces unchanged");
    ok(wk_derivative_recording(rec, 1, "x.h5") == 0, "derivative --replace");
    ok(rec->traces[2 * rec->C + 1] == 4 && !wk_recording_array(rec, "derivative"),
       "--replace: traces hold the derivative; the stale array is gone");
    ok(attr_num(rec, "traces_derivative") == 1, "traces_derivative attribute");

    ok(wk_normalize_recording(rec, WK_NORMALIZE_ZSCORE, "x.h5") == 0, "normalize a recording");
    near(rec->traces[0], 0, 0, "constant derivative column -> 0");
    ok(attr_is(rec, "normalization_method", "zscore"), "normalization_method attribute");
    wk_recording_free(rec);
}

int main(void)
{
    wk_log_set_hook(count_log, NULL);
    test_resample_recording();
    test_smooth_derivative_normalize();
    return wk_test_done();
}
