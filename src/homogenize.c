/* homogenize.c - the reference recipe on one recording (wk_homogenize.h). */
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_homogenize.h"
#include "wormkit/wk_util.h"

void wk_homogenize_init(struct wk_homogenize *h)
{
    memset(h, 0, sizeof *h);
    h->dt = WK_RESAMPLE_DT;
    h->resample = WK_RESAMPLE_LINEAR;
    h->normalize = WK_NORMALIZE_ZSCORE;
    h->keep_original = 1;
}

static int shift_time(struct wk_recording *rec)
{
    double t0 = rec->T ? rec->time[0] : 0.0;
    for (size_t t = 0; t < rec->T; t++) rec->time[t] -= t0;
    return wk_recording_set_attr_double(rec, "time_offset", t0);
}

/* Copies of the traces and of the time (as float32) before the steps. */
static int save_original(float **traces, float **time, const struct wk_recording *rec)
{
    size_t cells;
    *traces = NULL;
    *time = NULL;
    if (wk_size_mul(&cells, rec->T, rec->C) < 0)
        return wk_fail(WK_ERANGE, "recording '%s' is too large", rec->id);
    *traces = wk_malloc_array(cells, sizeof **traces);
    *time = wk_malloc_array(rec->T, sizeof **time);
    if (!*traces || !*time) return WK_ENOMEM;
    memcpy(*traces, rec->traces, cells * sizeof **traces);
    for (size_t t = 0; t < rec->T; t++) (*time)[t] = (float)rec->time[t];
    return 0;
}

int wk_homogenize_recording(struct wk_recording *rec, const char *file, void *ctx)
{
    const struct wk_homogenize *h = ctx;
    float *orig_traces = NULL, *orig_time = NULL;
    size_t T0 = rec->T;
    int rc = shift_time(rec);
    if (rc == 0 && h->keep_original) rc = save_original(&orig_traces, &orig_time, rec);
    if (rc == 0) rc = wk_derivative_recording(rec, 0, file);
    if (rc == 0) rc = wk_smooth_recording(h->smoother, rec, file);
    if (rc == 0) rc = wk_resample_recording(rec, h->dt, h->resample, file);
    if (rc == 0 && !h->normalize_off) rc = wk_normalize_recording(rec, h->normalize, file);
    if (rc == 0 && h->keep_original) {
        size_t dims[2] = {T0, rec->C};
        rc = wk_recording_adopt_array(rec, WK_ORIGINAL_TRACES, 2, dims, orig_traces);
        orig_traces = NULL;
        if (rc == 0) rc = wk_recording_adopt_array(rec, WK_ORIGINAL_TIME, 1, dims, orig_time);
        orig_time = NULL;
    }
    free(orig_traces);
    free(orig_time);
    return rc;
}

static int homogenize_recordings(struct wk_file *out, const struct wk_file *in, const struct wk_homogenize *h,
                                 size_t *written)
{
    char **ids = NULL;
    size_t n = 0;
    int rc = wk_file_recording_ids(in, &ids, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct wk_recording *rec = NULL;
        rc = wk_recording_read(in, ids[i], &rec);
        if (rc == 0) rc = wk_homogenize_recording(rec, wk_file_name(in), (void *)h);
        if (rc == 0) rc = wk_recording_write(out, rec);
        if (rc == 0) (*written)++;
        wk_recording_free(rec);
    }
    wk_strv_free(ids, n);
    return rc;
}

int wk_homogenize_wormkit_input(struct wk_file *out, const char *path, const struct wk_homogenize *h,
                                size_t *written)
{
    struct wk_file *in = NULL;
    int rc = wk_file_open(&in, path);
    if (rc == 0) rc = wk_file_copy_history(out, in);
    if (rc == 0) rc = homogenize_recordings(out, in, h, written);
    if (rc == 0) rc = wk_file_copy_group(out, in, "/connectomes");
    if (rc == 0) rc = wk_file_copy_group(out, in, "/results");
    wk_file_close(in);
    return rc;
}
