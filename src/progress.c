/* progress.c - a one-line progress bar on stderr: "fit  42% 1234 iter/s ETA 0:12".
 * Call from one thread (the one driving the loop). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "wormkit/wk_cli.h"
#include "wormkit/wk_util.h"

#define REDRAW_INTERVAL 0.2 /* seconds: at most ~5 redraws a second */

struct wk_progress {
    int enabled;
    char *label, *unit;
    double total, done;
    double start, last_draw;
    int drawn;    /* something was printed */
    int last_len; /* length of the previous line, to blank its tail */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct wk_progress *wk_progress_start(const struct wk_cli *cli, const char *label, double total, const char *unit)
{
    struct wk_progress *p = wk_calloc(1, sizeof *p);
    if (!p) return NULL;
    p->enabled = !(cli && cli->quiet) && (isatty(STDERR_FILENO) || (cli && cli->progress));
    if (!p->enabled) return p;
    p->label = wk_strdup(label ? label : "");
    p->unit = wk_strdup(unit ? unit : "");
    if (!p->label || !p->unit) {
        p->enabled = 0; /* a progress bar is not worth failing a run for */
        return p;
    }
    p->total = total;
    p->start = p->last_draw = now_seconds();
    return p;
}

static void format_duration(char *buf, size_t size, double seconds)
{
    if (!(seconds >= 0) || seconds > 359999) {
        snprintf(buf, size, "--:--");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
}

static void format_rate(char *buf, size_t size, double rate)
{
    if (rate >= 100)
        snprintf(buf, size, "%.0f", rate);
    else if (rate >= 10)
        snprintf(buf, size, "%.1f", rate);
    else
        snprintf(buf, size, "%.2f", rate);
}

static void draw(struct wk_progress *p, double now, int final)
{
    double elapsed = now - p->start;
    /* A rate measured over a few microseconds means nothing: wait a little. */
    int rate_known = final ? elapsed > 0 : elapsed >= REDRAW_INTERVAL;
    double rate = rate_known ? p->done / elapsed : 0;
    char rate_s[32], time_s[32], line[512];
    if (rate_known)
        format_rate(rate_s, sizeof rate_s, rate);
    else
        snprintf(rate_s, sizeof rate_s, "--");
    if (final)
        format_duration(time_s, sizeof time_s, elapsed);
    else
        format_duration(time_s, sizeof time_s, rate > 0 ? (p->total - p->done) / rate : -1);

    int len;
    if (p->total > 0) {
        double frac = p->done / p->total;
        int percent = frac <= 0 ? 0 : frac >= 1 ? 100 : (int)(100 * frac);
        len = snprintf(line, sizeof line, "%s %3d%% %s %s/s %s %s", p->label, percent, rate_s,
                       p->unit, final ? "in" : "ETA", time_s);
    } else { /* unknown total: count and rate only */
        len = snprintf(line, sizeof line, "%s %.0f %s %s %s/s", p->label, p->done, p->unit, rate_s, p->unit);
    }
    if (len < 0) return;
    if (len >= (int)sizeof line) len = (int)sizeof line - 1;
    if (p->last_len > len) /* blank the longer previous line first */
        fprintf(stderr, "\r%*s", p->last_len, "");
    fprintf(stderr, "\r%s%s", line, final ? "\n" : "");
    fflush(stderr);
    p->last_len = len;
    p->last_draw = now;
    p->drawn = 1;
}

void wk_progress_update(struct wk_progress *p, double done)
{
    if (!p || !p->enabled) return;
    p->done = done;
    double now = now_seconds();
    if (!p->drawn || now - p->last_draw >= REDRAW_INTERVAL) draw(p, now, 0);
}

void wk_progress_finish(struct wk_progress *p)
{
    if (!p) return;
    if (p->enabled) draw(p, now_seconds(), 1);
    free(p->label);
    free(p->unit);
    free(p);
}
