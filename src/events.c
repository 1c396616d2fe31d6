/* events.c - calcium traces to event counts: threshold crossings of the
 * z-scored derivative with a refractory gap, summed over bins. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_events.h"
#include "wormkit/wk_signal.h"
#include "wormkit/wk_util.h"

void wk_events_opts_init(struct wk_events_opts *o)
{
    o->threshold = 2.0;
    o->refractory = 3;
    o->bin = 1;
    o->to_array = 0;
}

/* Mean and sample sd of the finite values of v. */
static void moments(double *mean, double *sd, const double *v, size_t n)
{
    double sum = 0, sq = 0;
    size_t k = 0;
    for (size_t t = 0; t < n; t++)
        if (isfinite(v[t])) {
            sum += v[t];
            k++;
        }
    *mean = k ? sum / (double)k : 0;
    for (size_t t = 0; t < n; t++)
        if (isfinite(v[t])) sq += (v[t] - *mean) * (v[t] - *mean);
    *sd = k > 1 ? sqrt(sq / (double)(k - 1)) : 0;
}

size_t wk_events_column(float *e, size_t estride, const float *x, size_t xstride, const double *time, size_t n,
                        double threshold, size_t refractory, double *scratch)
{
    double *col = scratch, *dz = scratch + n, mean, sd;
    for (size_t t = 0; t < n; t++) col[t] = x[t * xstride];
    wk_derivative_column(dz, col, 1, time, n);
    moments(&mean, &sd, dz, n);
    size_t events = 0, last = 0;
    int have_last = 0;
    double zp = -INFINITY;
    for (size_t t = 0; t < n; t++) {
        double z = sd > 0 && isfinite(dz[t]) ? (dz[t] - mean) / sd : -INFINITY;
        if (isnan(col[t])) {
            e[t * estride] = wk_nanf();
            zp = z;
            continue;
        }
        int hit = z >= threshold && zp < threshold && (!have_last || t - last >= refractory);
        e[t * estride] = hit ? 1.0f : 0.0f;
        if (hit) {
            events++;
            last = t;
            have_last = 1;
        }
        zp = z;
    }
    return events;
}

/* Arrays with one row per sample no longer fit the binned time axis. */
static int drop_sample_arrays(struct wk_recording *rec, size_t T)
{
    for (size_t i = rec->n_arrays; i-- > 0;)
        if (rec->arrays[i].dims[0] == T) {
            int rc = wk_recording_remove_array(rec, rec->arrays[i].name);
            if (rc) return rc;
        }
    return 0;
}

static int bin_counts(struct wk_recording *rec, const float *e, size_t bin)
{
    size_t T = rec->T, C = rec->C, B = T / bin;
    if (B < 2) return wk_fail(WK_EINVAL, "/recordings/%s: %zu samples make fewer than 2 bins of %zu", rec->id, T, bin);
    for (size_t b = 0; b < B; b++) {
        rec->time[b] = rec->time[b * bin];
        for (size_t c = 0; c < C; c++) {
            double s = 0;
            for (size_t k = 0; k < bin; k++) s += e[(b * bin + k) * C + c]; /* NaN propagates */
            rec->traces[b * C + c] = (float)s;
        }
    }
    rec->T = B;
    if (isfinite(rec->dt)) rec->dt *= (double)bin;
    return bin > 1 ? drop_sample_arrays(rec, T) : 0;
}

int wk_events_recording(struct wk_recording *rec, const struct wk_events_opts *o, const char *file)
{
    size_t T = rec->T, C = rec->C;
    if (o->to_array && o->bin > 1) return wk_fail(WK_EINVAL, "'%s': the events array needs bins of 1 sample", file);
    float *e = wk_malloc_array(T * C + 1, sizeof *e);
    double *scratch = wk_malloc_array(2 * T + 2, sizeof *scratch);
    int rc = e && scratch ? 0 : WK_ENOMEM;
    for (size_t c = 0; c < C && !rc; c++) {
        if (!rec->present[c]) {
            for (size_t t = 0; t < T; t++) e[t * C + c] = wk_nanf();
            continue;
        }
        wk_events_column(e + c, C, rec->traces + c, C, rec->time, T, o->threshold, o->refractory, scratch);
    }
    char method[160];
    snprintf(method, sizeof method, "derivative z >= %g, refractory %zu samples, bin %zu samples", o->threshold,
             o->refractory, o->bin);
    if (!rc && o->to_array) {
        size_t dims[2] = {T, C};
        rc = wk_recording_add_array(rec, "events", 2, dims, e);
    } else if (!rc) {
        rc = bin_counts(rec, e, o->bin);
        if (!rc) rc = wk_recording_set_attr_string(rec, "units", "events per bin");
    }
    if (!rc) rc = wk_recording_set_attr_string(rec, "events", method);
    free(e);
    free(scratch);
    return rc;
}
