/* test-events.c - event detection on the z-scored derivative. */
#include <math.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wk_events.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

int main(void)
{
    /* derivative 0 0 2.5 2.5 0 0 0 -2.5 -2.5 0 2.5 5; z(2.5) = 0.866, z(5) = 2.02 */
    const float x[12] = {0, 0, 0, 5, 5, 5, 5, 5, 0, 0, 0, 5};
    double t[12], scratch[24];
    float e[12];
    for (int i = 0; i < 12; i++) t[i] = i;
    size_t n = wk_events_column(e, 1, x, 1, t, 12, 0.5, 3, scratch);
    ok(n == 2 && e[2] == 1 && e[10] == 1 && e[3] == 0 && e[11] == 0, "upward crossings of z 0.5 at t = 2 and 10");
    n = wk_events_column(e, 1, x, 1, t, 12, 1.0, 3, scratch);
    ok(n == 1 && e[11] == 1, "z 1: only the last step");
    n = wk_events_column(e, 1, x, 1, t, 12, 0.5, 9, scratch);
    ok(n == 1 && e[2] == 1 && e[10] == 0, "refractory 9 drops the second event");
    const float flat[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    n = wk_events_column(e, 1, flat, 1, t, 12, -1.0, 0, scratch);
    ok(n == 0, "a constant trace has no event, whatever the threshold");
    float gap[12];
    memcpy(gap, x, sizeof gap);
    gap[5] = NAN;
    wk_events_column(e, 1, gap, 1, t, 12, 0.5, 3, scratch);
    ok(isnan(e[5]) && e[2] == 1, "a missing sample stays missing");

    /* a recording: counts in bins of 4, strided columns */
    struct wk_recording *rec = wk_recording_alloc(12, 300);
    for (int i = 0; i < 12; i++) {
        rec->time[i] = i;
        rec->traces[i * 300 + 7] = x[i];
    }
    rec->dt = 1;
    wk_recording_update_present(rec);
    struct wk_events_opts o;
    wk_events_opts_init(&o);
    o.threshold = 0.5;
    o.bin = 4;
    ok(wk_events_recording(rec, &o, "mem") == 0, "events of a recording");
    ok(rec->T == 3 && rec->traces[7] == 1 && rec->traces[300 + 7] == 0 && rec->traces[600 + 7] == 1,
       "counts per bin of 4 samples");
    near(rec->time[1], 4, 0, "bin time is its first sample's");
    near(rec->dt, 4, 0, "dt scaled by the bin");
    ok(isnan(rec->traces[8]), "absent columns stay NaN");
    wk_recording_free(rec);
    return wk_test_done();
}
