/* wk_events.h - calcium traces to event counts (worm-events), so that the
 * count models (worm-glm) run on wormkit recordings.
 *
 * Method, per column: the time derivative of the trace (wk_derivative_
 * column), z-scored over its finite samples; an event is an upward crossing
 * of `threshold` (z[t] >= threshold > z[t-1]) at least `refractory` samples
 * after the previous event of that column.  Counts are then summed over
 * bins of `bin` samples (the time of a bin is the time of its first
 * sample).  A missing (NaN) sample makes its bin missing.  Optional
 * arrays of the recording with one row per sample are dropped when binning.
 */
#ifndef WK_EVENTS_H
#define WK_EVENTS_H

#include <stddef.h>

#include "wk_recording.h"

struct wk_events_opts {
    double threshold;   /* z units (2) */
    size_t refractory;  /* samples between events (3) */
    size_t bin;         /* samples per output bin (1) */
    int to_array;       /* 1: array "events" [T][C] beside the traces (bin 1 only) */
};

void wk_events_opts_init(struct wk_events_opts *o);

/* Event indicator e[t] (0, 1, NaN where x is NaN) of one column of n
 * samples (x with stride, times t): returns the number of events. */
size_t wk_events_column(float *e, size_t estride, const float *x, size_t xstride, const double *time, size_t n,
                        double threshold, size_t refractory, double *scratch /* [2n] */);

/* Replace the traces of rec by event counts (or add the array "events"),
 * binning the time axis when o->bin > 1.  Records the method in the
 * attribute "events". */
int wk_events_recording(struct wk_recording *rec, const struct wk_events_opts *o, const char *file);

#endif
