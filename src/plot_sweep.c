/* plot_sweep.c - the rank sweep of worm-ntf (--rank R1:R2): fit error and
 * stability across restarts against the rank, to choose R.  Layout (see
 * worm-ntf(1)): <group>/sweep_rank int32 [n], sweep_error (best restart),
 * sweep_error_mean (mean over restarts), sweep_stability (mean factor match
 * score between the best restart and the others; NaN with one restart),
 * float64 [n] each. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

struct sweep_data {
    size_t n;
    double *rank, *best, *mean, *stability;
};

static void sweep_data_free(struct sweep_data *d)
{
    free(d->rank);
    free(d->best);
    free(d->mean);
    free(d->stability);
}

/* group/name as a 1-D array of n values (n == 0: sets n). */
static int sweep_field(hid_t h, const char *file, const char *group, const char *name, size_t *n, double **out)
{
    char path[512];
    int rank = 0;
    size_t dims[4] = {0, 0, 0, 0};
    snprintf(path, sizeof path, "%s/%s", group, name);
    int rc = plot_check_dataset(h, file, path);
    if (rc == 0) rc = wk_h5_read_double(h, path, file, &rank, dims, out);
    if (rc == 0 && (rank != 1 || dims[0] == 0 || (*n && dims[0] != *n)))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected one value per rank of %s/sweep_rank", file, path, group);
    if (rc == 0) *n = dims[0];
    return rc;
}

static int sweep_read(struct sweep_data *d, hid_t h, const char *file, const char *group)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sweep_rank", group);
    int e = group[0] == '/' ? wk_h5_exists(h, path) : 0;
    if (e < 0) return e;
    if (!e)
        return wk_fail(WK_ENOTFOUND, "'%s': no '%s' (ntf-sweep plots the result of worm-ntf --rank R1:R2)", file,
                       path);
    int rc = sweep_field(h, file, group, "sweep_rank", &d->n, &d->rank);
    if (rc == 0) rc = sweep_field(h, file, group, "sweep_error", &d->n, &d->best);
    if (rc == 0) rc = sweep_field(h, file, group, "sweep_error_mean", &d->n, &d->mean);
    if (rc == 0) rc = sweep_field(h, file, group, "sweep_stability", &d->n, &d->stability);
    for (size_t i = 0; rc == 0 && i < d->n; i++)
        if (!isfinite(d->rank[i]) || (i > 0 && !(d->rank[i] > d->rank[i - 1])))
            rc = wk_fail(WK_EFORMAT, "'%s': %s: ranks are not increasing", file, path);
    return rc;
}

static int any_finite(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) return 1;
    return 0;
}

/* Fit over stability, both against the rank on one x axis (ranks padded by
 * half a rank, integer ticks, a dot per rank). */
static int draw_sweep(struct wk_plot *p, const struct sweep_data *d)
{
    struct wk_plot_series fit[2] = {
        {d->n, d->rank, d->best, "best restart"},
        {d->n, d->rank, d->mean, "mean over restarts"},
    };
    struct wk_plot_series stab = {d->n, d->rank, d->stability, NULL};
    int stable = any_finite(d->stability, d->n), one_restart = 1;
    for (size_t i = 0; i < d->n; i++) one_restart &= d->best[i] == d->mean[i];
    if (one_restart) fit[0].name = NULL; /* one line, no legend */
    struct wk_plot_lines lf = {one_restart ? 1 : 2, fit, "fit: relative error ||X - Xhat|| / ||X||", "rank", "relative error", 0,
                               NULL, 0};
    struct wk_plot_lines ls = {1, &stab,
                               stable ? "stability across restarts (factor match score)"
                                      : "stability across restarts: needs worm-ntf --restarts 2 or more",
                               "rank", "stability", 0, NULL, 1};
    struct plot_lines_style style = {NULL, 1, 1, 0};
    struct wk_plot_rect top = wk_plot_panel(p, 0, 1, 0, 2), bottom = wk_plot_panel(p, 0, 1, 1, 2);
    double tl, tr, bl, br;
    plot_lines_margins(p, top, &lf, &style, &tl, &tr);
    plot_lines_margins(p, bottom, &ls, &style, &bl, &br);
    struct plot_xlayout shared =
        plot_xlayout_make(top, fmax(tl, bl), fmax(tr, br), d->rank[0] - 0.5, d->rank[d->n - 1] + 0.5);
    style.x = &shared;
    int rc = plot_lines_styled(p, top, &lf, &style, NULL);
    if (rc == 0) rc = plot_lines_styled(p, bottom, &ls, &style, NULL);
    return rc;
}

int plot_ntf_sweep(const char *input, const struct wk_plot_options *o)
{
    struct wk_file *f;
    struct sweep_data d;
    memset(&d, 0, sizeof d);
    const char *group = o->dataset ? o->dataset : "/results/ntf";
    int rc = wk_file_open(&f, input);
    if (rc < 0) return rc;
    rc = sweep_read(&d, wk_file_hid(f), wk_file_name(f), group);
    wk_file_close(f);
    char *title = rc == 0 ? plot_strdupf("worm-ntf rank sweep: %s%s", group, "") : NULL;
    if (rc == 0 && !title) rc = WK_ENOMEM;
    if (rc == 0) {
        struct wk_plot *p = NULL;
        rc = plot_figure_open(&p, o, 900, 640, title);
        if (rc == 0) rc = plot_figure_close(p, draw_sweep(p, &d));
    }
    free(title);
    sweep_data_free(&d);
    return rc;
}
