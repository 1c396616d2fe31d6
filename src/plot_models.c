/* plot_models.c - figures of model results: brain states over time
 * (worm-glm, worm-bicluster), posterior similarity matrices
 * (worm-bicluster) and per-state matrices (adjacency of a rank-3 dataset).
 * Layouts: worm-glm writes /results/glm (neurons, recordings, W [S][N][N],
 * sequences/<id>/gamma [T][S] and viterbi [T]); worm-bicluster writes
 * /results/bicluster (neuron_label, chain<c>/xi [draws][T], summary/
 * psm_neurons, psm_time, neuron_dahl, state_dahl; see worm-bicluster(1)). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "wormkit/wk_atlas.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_util.h"

#define GLM "/results/glm"
#define BIC "/results/bicluster"
#define MAX_STATES 64

static int exists(hid_t h, const char *path)
{
    return wk_h5_exists(h, path);
}

/* ------------------------------------------------------------ states */

struct states {
    size_t T, S;
    double *prob;      /* [S * T]: P(state s at t) */
    double *estimate;  /* [T]: 1-based state of the point estimate */
    double *time;      /* [T] or NULL (bins) */
    char *title;
    const char *estimate_name;
};

static void states_free(struct states *s)
{
    free(s->prob);
    free(s->estimate);
    free(s->time);
    free(s->title);
}

static int choose_sequence(hid_t h, const char *file, const char *wanted, char **id)
{
    char **ids;
    size_t n;
    int rc = wk_h5_read_strings(h, GLM "/recordings", file, &n, &ids);
    if (rc < 0) return rc;
    if (wanted) {
        rc = WK_ENOTFOUND;
        for (size_t i = 0; i < n && rc; i++)
            if (strcmp(ids[i], wanted) == 0) rc = 0;
        if (rc) wk_log(WK_LOG_ERROR, "'%s': no recording '%s' in " GLM "/recordings", file, wanted);
        else rc = (*id = wk_strdup(wanted)) ? 0 : WK_ENOMEM;
    } else if (n == 1) {
        rc = (*id = wk_strdup(ids[0])) ? 0 : WK_ENOMEM;
    } else {
        rc = wk_fail(WK_EINVAL, "'%s': %zu recordings; choose one with --recording ID (first: '%s')", file, n,
                     n ? ids[0] : "");
    }
    wk_strv_free(ids, n);
    return rc;
}

/* The recording's time axis when the file holds it with T samples. */
static void read_time(hid_t h, const char *file, const char *id, size_t T, double **time)
{
    char path[512];
    int rank;
    size_t dims[4];
    snprintf(path, sizeof path, "/recordings/%s/time", id);
    *time = NULL;
    if (exists(h, path) != 1) return;
    if (wk_h5_read_double(h, path, file, &rank, dims, time) == 0 && (rank != 1 || dims[0] != T)) {
        free(*time);
        *time = NULL;
    }
}

static int states_glm(struct states *s, hid_t h, const char *file, const char *wanted)
{
    char *id = NULL, path[512];
    double *gamma = NULL, *path_v = NULL;
    int rank_g = 0, rank_v = 0;
    size_t dg[4], dv[4];
    int rc = choose_sequence(h, file, wanted, &id);
    if (rc == 0) {
        snprintf(path, sizeof path, GLM "/sequences/%s/gamma", id);
        rc = plot_check_dataset(h, file, path);
        if (rc == 0) rc = wk_h5_read_double(h, path, file, &rank_g, dg, &gamma);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, GLM "/sequences/%s/viterbi", id);
        rc = plot_check_dataset(h, file, path);
        if (rc == 0) rc = wk_h5_read_double(h, path, file, &rank_v, dv, &path_v);
    }
    if (rc == 0 && (rank_g != 2 || rank_v != 1 || dv[0] != dg[0] || dg[0] == 0 || dg[1] == 0))
        rc = wk_fail(WK_EFORMAT, "'%s': " GLM "/sequences/%s: gamma and viterbi shapes do not match", file, id);
    if (rc == 0) {
        s->T = dg[0];
        s->S = dg[1];
        s->prob = wk_malloc_array(s->S * s->T, sizeof *s->prob);
        if (!s->prob) rc = WK_ENOMEM;
    }
    if (rc == 0) {
        for (size_t t = 0; t < s->T; t++) {
            for (size_t k = 0; k < s->S; k++) s->prob[k * s->T + t] = gamma[t * s->S + k];
            path_v[t] += 1;
        }
        s->estimate = path_v;
        path_v = NULL;
        read_time(h, file, id, s->T, &s->time);
        s->title = plot_strdupf("worm-glm states of %s%s", id, "");
        s->estimate_name = "Viterbi path";
        if (!s->title) rc = WK_ENOMEM;
    }
    free(id);
    free(gamma);
    free(path_v);
    return rc;
}

/* Draws of chain<c>/xi after the burn-in, counted per bin and state. */
static int count_draws(hid_t h, const char *file, size_t T, size_t skip, double *count, size_t *draws)
{
    *draws = 0;
    for (int c = 0;; c++) {
        char path[64];
        snprintf(path, sizeof path, BIC "/chain%d/xi", c);
        int e = exists(h, path);
        if (e < 0) return e;
        if (!e) return 0;
        double *xi;
        int rank;
        size_t dims[4];
        int rc = wk_h5_read_double(h, path, file, &rank, dims, &xi);
        if (rc < 0) return rc;
        if (rank != 2 || dims[1] != T) {
            free(xi);
            return wk_fail(WK_EFORMAT, "'%s': %s: expected [draws][%zu]", file, path, T);
        }
        for (size_t d = dims[0] > skip ? skip : 0; d < dims[0]; d++) {
            for (size_t t = 0; t < T; t++) {
                double v = xi[d * T + t];
                if (v >= 0 && v < MAX_STATES) count[(size_t)v * T + t] += 1;
            }
            (*draws)++;
        }
        free(xi);
    }
}

static int states_bicluster(struct states *s, hid_t h, const char *file)
{
    double *est = NULL;
    int rank = 0;
    size_t dims[4] = {0, 0, 0, 0};
    int rc = exists(h, BIC "/summary/state_dahl");
    if (rc == 0)
        rc = wk_fail(WK_ENOTFOUND, "'%s': no " BIC "/summary (run worm-bicluster summarize first)", file);
    if (rc == 1) rc = wk_h5_read_double(h, BIC "/summary/state_dahl", file, &rank, dims, &est);
    if (rc == 0 && (rank != 1 || dims[0] == 0))
        rc = wk_fail(WK_EFORMAT, "'%s': " BIC "/summary/state_dahl: expected a 1-D array", file);
    if (rc < 0) {
        free(est);
        return rc;
    }
    s->T = dims[0];
    long burnin = 0, thin = 1;
    hid_t g = H5Gopen2(h, BIC, H5P_DEFAULT);
    if (g >= 0) {
        if (wk_h5_get_attr_long(g, "burnin", &burnin) < 0) burnin = 0;
        if (wk_h5_get_attr_long(g, "thin", &thin) < 0 || thin < 1) thin = 1;
        H5Gclose(g);
    }
    double *count = wk_calloc(MAX_STATES * s->T, sizeof *count);
    size_t draws = 0;
    rc = count ? count_draws(h, file, s->T, (size_t)(burnin > 0 ? burnin / thin : 0), count, &draws) : WK_ENOMEM;
    size_t S = 0;
    for (size_t t = 0; rc == 0 && t < s->T; t++) {
        if (est[t] >= S && est[t] < MAX_STATES) S = (size_t)est[t] + 1;
        for (size_t k = S; k < MAX_STATES; k++)
            if (count[k * s->T + t] > 0) S = k + 1;
    }
    if (rc == 0 && draws == 0) rc = wk_fail(WK_EFORMAT, "'%s': " BIC ": no draws of xi after the burn-in", file);
    if (rc == 0) {
        s->S = S;
        s->prob = count; /* rows 0..S-1 of the counts, normalized in place */
        count = NULL;
        for (size_t i = 0; i < S * s->T; i++) s->prob[i] /= (double)draws;
        for (size_t t = 0; t < s->T; t++) est[t] += 1;
        s->estimate = est;
        est = NULL;
        s->title = plot_strdupf("worm-bicluster states%s%s", "", "");
        s->estimate_name = "point estimate (Dahl)";
        if (!s->title) rc = WK_ENOMEM;
    }
    free(count);
    free(est);
    return rc;
}

/* The point estimate as steps: state k over the whole of bin t, the bins
 * of the heatmap above (equal widths over xlo .. xhi), so that each level
 * sits under its cells.  x, y: [2 T]. */
static void estimate_steps(const struct states *s, double xlo, double xhi, double *x, double *y)
{
    double w = (xhi - xlo) / (double)s->T;
    for (size_t t = 0; t < s->T; t++) {
        x[2 * t] = xlo + w * (double)t;
        x[2 * t + 1] = xlo + w * (double)(t + 1);
        y[2 * t] = y[2 * t + 1] = s->estimate[t];
    }
}

/* Probabilities (heatmap) over the estimate (steps), on one time axis: both
 * panels get the larger of their left margins and of their right margins,
 * so their data areas and ticks line up. */
static int draw_state_panels(struct wk_plot *p, const struct states *s, char *const *names)
{
    const char *xlabel = s->time ? "time (s)" : "time bin";
    double x0 = s->time ? s->time[0] : 1, x1 = s->time ? s->time[s->T - 1] : (double)s->T;
    struct wk_plot_heatmap hm = {
        .rows = s->S, .cols = s->T, .z = s->prob, .row_names = names, .x0 = x0, .x1 = x1,
        .title = "posterior probability of each state", .xlabel = xlabel, .zlabel = "probability",
        .cmap = WK_PLOT_CMAP_VIRIDIS, .zmin = 0, .zmax = 1,
    };
    double xlo, xhi;
    plot_heatmap_xrange(&hm, &xlo, &xhi);
    double *x = wk_malloc_array(2 * s->T, sizeof *x), *y = wk_malloc_array(2 * s->T, sizeof *y);
    int rc = x && y ? 0 : WK_ENOMEM;
    if (rc == 0) {
        estimate_steps(s, xlo, xhi, x, y);
        struct wk_plot_series se = {2 * s->T, x, y, NULL};
        struct wk_plot_lines l = {1, &se, s->estimate_name, xlabel, "state", 0, NULL, 0};
        struct plot_lines_style style = {NULL, 0, 0, 1};
        struct wk_plot_rect top = wk_plot_panel(p, 0, 1, 0, 2), bottom = wk_plot_panel(p, 0, 1, 1, 2);
        double hl, hr, ll, lr;
        plot_heatmap_margins(p, top, &hm, &hl, &hr);
        plot_lines_margins(p, bottom, &l, &style, &ll, &lr);
        struct plot_xlayout shared = plot_xlayout_make(top, fmax(hl, ll), fmax(hr, lr), xlo, xhi);
        style.x = &shared;
        rc = plot_heatmap_at(p, top, &hm, &shared, NULL);
        if (rc == 0) rc = plot_lines_styled(p, bottom, &l, &style, NULL);
    }
    free(x);
    free(y);
    return rc;
}

static int draw_states(const struct states *s, const struct wk_plot_options *o)
{
    char **names = wk_calloc(s->S, sizeof *names);
    int rc = names ? 0 : WK_ENOMEM;
    for (size_t k = 0; k < s->S && rc == 0; k++) {
        char buf[32];
        snprintf(buf, sizeof buf, "state %zu", k + 1);
        if (!(names[k] = wk_strdup(buf))) rc = WK_ENOMEM;
    }
    struct wk_plot *p = NULL;
    if (rc == 0) rc = plot_figure_open(&p, o, 1100, 200 + 26 * (double)s->S + 260, s->title);
    if (rc == 0) rc = plot_figure_close(p, draw_state_panels(p, s, names));
    if (names) wk_strv_free(names, s->S);
    return rc;
}

int plot_states(const char *input, const struct wk_plot_options *o)
{
    struct wk_file *f;
    struct states s;
    memset(&s, 0, sizeof s);
    int rc = wk_file_open(&f, input);
    if (rc < 0) return rc;
    const char *file = wk_file_name(f);
    hid_t h = wk_file_hid(f);
    int glm = exists(h, GLM "/sequences"), bic = glm == 0 ? exists(h, BIC) : 0;
    if (glm < 0 || bic < 0) rc = glm < 0 ? glm : bic;
    else if (glm) rc = states_glm(&s, h, file, o->recording);
    else if (bic) rc = states_bicluster(&s, h, file);
    else rc = wk_fail(WK_ENOTFOUND, "'%s': no state results (states plots worm-glm or worm-bicluster results)", file);
    wk_file_close(f);
    if (rc == 0) rc = draw_states(&s, o);
    states_free(&s);
    return rc;
}

/* ------------------------------------------------------------ psm */

struct order_item {
    double key;
    size_t index;
};

static int cmp_order(const void *a, const void *b)
{
    const struct order_item *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

int plot_psm(const char *input, const struct wk_plot_options *o)
{
    struct wk_file *f;
    double *psm = NULL, *dahl = NULL, *psm_t = NULL, *z = NULL;
    char **names = NULL, **shown = NULL;
    size_t n_names = 0, dp[4], dd[4], dt[4];
    int rp = 0, rd = 0, rt = 0;
    struct order_item *ord = NULL;
    int rc = wk_file_open(&f, input);
    if (rc < 0) return rc;
    const char *file = wk_file_name(f);
    hid_t h = wk_file_hid(f);
    int e = exists(h, BIC "/summary/psm_neurons");
    if (e < 0) rc = e;
    else if (!e)
        rc = wk_fail(WK_ENOTFOUND, "'%s': no " BIC "/summary/psm_neurons (psm plots the results of worm-bicluster "
                     "summarize)", file);
    if (rc == 0) rc = wk_h5_read_double(h, BIC "/summary/psm_neurons", file, &rp, dp, &psm);
    if (rc == 0) rc = plot_check_dataset(h, file, BIC "/summary/neuron_dahl");
    if (rc == 0) rc = wk_h5_read_double(h, BIC "/summary/neuron_dahl", file, &rd, dd, &dahl);
    if (rc == 0) rc = plot_check_dataset(h, file, BIC "/neuron_label");
    if (rc == 0) rc = wk_h5_read_strings(h, BIC "/neuron_label", file, &n_names, &names);
    if (rc == 0 && (rp != 2 || dp[0] != dp[1] || rd != 1 || dd[0] != dp[0] || n_names != dp[0] || !n_names))
        rc = wk_fail(WK_EFORMAT, "'%s': " BIC ": psm_neurons, neuron_dahl and neuron_label shapes do not match", file);
    if (rc == 0 && exists(h, BIC "/summary/psm_time") == 1) {
        rc = wk_h5_read_double(h, BIC "/summary/psm_time", file, &rt, dt, &psm_t);
        if (rc == 0 && (rt != 2 || dt[0] != dt[1] || !dt[0]))
            rc = wk_fail(WK_EFORMAT, "'%s': " BIC "/summary/psm_time: not a square matrix", file);
    }
    wk_file_close(f);
    size_t N = n_names;
    if (rc == 0) {
        ord = wk_calloc(N, sizeof *ord);
        z = wk_malloc_array(N * N, sizeof *z);
        shown = wk_calloc(N, sizeof *shown);
        if (!ord || !z || !shown) rc = WK_ENOMEM;
    }
    if (rc == 0) {
        /* neurons grouped by their cluster in the point estimate */
        for (size_t i = 0; i < N; i++) ord[i] = (struct order_item){dahl[i], i};
        qsort(ord, N, sizeof *ord, cmp_order);
        for (size_t r = 0; r < N; r++) {
            shown[r] = names[ord[r].index];
            for (size_t c = 0; c < N; c++) z[r * N + c] = psm[ord[r].index * N + ord[c].index];
        }
        size_t panels = psm_t ? 2 : 1;
        double cells = fmax(320, fmin(800, (double)N * 14));
        struct wk_plot *p = NULL;
        rc = plot_figure_open(&p, o, (cells + 260) * (double)panels, cells + 230,
                              "worm-bicluster posterior similarity");
        if (rc == 0) {
            struct wk_plot_heatmap hn = {
                .rows = N, .cols = N, .z = z, .row_names = shown, .col_names = shown,
                .title = "neurons, ordered by the point estimate", .zlabel = "P(same cluster)",
                .cmap = WK_PLOT_CMAP_VIRIDIS, .zmin = 0, .zmax = 1,
            };
            rc = wk_plot_heatmap(p, wk_plot_panel(p, 0, panels, 0, 1), &hn, NULL);
            if (rc == 0 && psm_t) {
                struct wk_plot_heatmap ht = {
                    .rows = dt[0], .cols = dt[0], .z = psm_t, .x0 = 1, .x1 = (double)dt[0],
                    .title = "time bins", .xlabel = "time bin", .ylabel = "time bin", .zlabel = "P(same state)",
                    .cmap = WK_PLOT_CMAP_VIRIDIS, .zmin = 0, .zmax = 1,
                };
                rc = wk_plot_heatmap(p, wk_plot_panel(p, 1, panels, 0, 1), &ht, NULL);
            }
            rc = plot_figure_close(p, rc);
        }
    }
    free(psm);
    free(dahl);
    free(psm_t);
    free(z);
    free(ord);
    free(shown);
    if (names) wk_strv_free(names, n_names);
    return rc;
}

/* ------------------------------------------------------------ stacks */

static int stack_names(hid_t h, const char *file, const char *dataset, size_t N, char ***names)
{
    char path[512];
    const char *slash = strrchr(dataset, '/');
    int len = (int)(slash - dataset);
    *names = NULL;
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%.*s/%s", len, dataset, k ? "label" : "neurons");
        if (exists(h, path) != 1) continue;
        size_t n;
        int rc = wk_h5_read_strings(h, path, file, &n, names);
        if (rc < 0) return rc;
        if (n == N) return 0;
        wk_strv_free(*names, n);
        return wk_fail(WK_EFORMAT, "'%s': %s: %zu names for %zu neurons", file, path, n, N);
    }
    if (N != WK_ATLAS_SIZE)
        return wk_fail(WK_EFORMAT, "'%s': %s: no neuron names beside it (a 'neurons' dataset)", file, dataset);
    *names = wk_calloc(N, sizeof **names);
    if (!*names) return WK_ENOMEM;
    for (size_t i = 0; i < N; i++)
        if (!((*names)[i] = wk_strdup(wk_atlas_name(i)))) return WK_ENOMEM;
    return 0;
}

static int slice_has_weight(const double *w, size_t S, size_t N, size_t i)
{
    for (size_t s = 0; s < S; s++)
        for (size_t k = 0; k < N; k++) {
            double a = w[s * N * N + i * N + k], b = w[s * N * N + k * N + i];
            if ((isfinite(a) && a != 0) || (isfinite(b) && b != 0)) return 1;
        }
    return 0;
}

static int draw_stack(const double *w, size_t S, size_t N, char **names, const char *dataset, const char *file,
                      const struct wk_plot_options *o)
{
    size_t *keep = wk_calloc(N, sizeof *keep), n = 0;
    char **shown = wk_calloc(N, sizeof *shown);
    double *z = NULL;
    int rc = keep && shown ? 0 : WK_ENOMEM;
    for (size_t i = 0; i < N && rc == 0; i++)
        if (o->all_neurons || slice_has_weight(w, S, N, i)) shown[n] = names[i], keep[n++] = i;
    if (rc == 0 && n == 0) rc = wk_fail(WK_EINVAL, "'%s': %s: no nonzero weight to plot", file, dataset);
    if (rc == 0 && !(z = wk_malloc_array(S * n * n, sizeof *z))) rc = WK_ENOMEM;
    if (rc == 0) {
        for (size_t s = 0; s < S; s++)
            for (size_t r = 0; r < n; r++)
                for (size_t c = 0; c < n; c++) z[s * n * n + r * n + c] = w[s * N * N + keep[r] * N + keep[c]];
        /* one colour scale for every slice, so that states compare */
        double lo = o->zmin, hi = o->zmax;
        int neg = 0, pos = 0;
        for (size_t i = 0; i < S * n * n; i++) neg |= z[i] < 0, pos |= z[i] > 0;
        enum wk_plot_cmap cmap = o->cmap != WK_PLOT_CMAP_AUTO ? o->cmap
                                 : neg && pos                 ? WK_PLOT_CMAP_DIVERGING
                                                              : WK_PLOT_CMAP_VIRIDIS;
        if (isnan(lo) || isnan(hi)) rc = wk_plot_range(&lo, &hi, z, S * n * n, 0, cmap == WK_PLOT_CMAP_DIVERGING);
        size_t cols = S < 3 ? S : 3, rows = (S + cols - 1) / cols;
        double cells = fmax(240, fmin(600, (double)n * 14));
        char *title = plot_strdupf("%s: %s", file, dataset);
        struct wk_plot *p = NULL;
        if (rc == 0 && !title) rc = WK_ENOMEM;
        if (rc == 0) rc = plot_figure_open(&p, o, (cells + 250) * (double)cols, (cells + 200) * (double)rows + 50, title);
        for (size_t s = 0; s < S && rc == 0; s++) {
            char panel[32];
            snprintf(panel, sizeof panel, "state %zu", s + 1);
            struct wk_plot_heatmap hm = {
                .rows = n, .cols = n, .z = z + s * n * n, .row_names = shown, .col_names = shown, .title = panel,
                .xlabel = "to (column)", .ylabel = "from (row)", .zlabel = "weight", .cmap = cmap, .zmin = lo,
                .zmax = hi,
            };
            rc = wk_plot_heatmap(p, wk_plot_panel(p, s % cols, cols, s / cols, rows), &hm, NULL);
        }
        if (p) rc = plot_figure_close(p, rc);
        free(title);
    }
    free(z);
    free(keep);
    free(shown);
    return rc;
}

int plot_adjacency_stack(const char *input, const char *dataset, const struct wk_plot_options *o)
{
    struct wk_file *f;
    double *w = NULL;
    char **names = NULL;
    int rank = 0;
    size_t dims[4] = {0, 0, 0, 0};
    int rc = wk_file_open_hdf5(&f, input);
    if (rc < 0) return rc;
    const char *file = wk_file_name(f);
    hid_t h = wk_file_hid(f);
    rc = plot_check_dataset(h, file, dataset);
    if (rc == 0) rc = wk_h5_read_double(h, dataset, file, &rank, dims, &w);
    if (rc == 0 && (rank != 3 || dims[1] != dims[2] || !dims[0] || !dims[1]))
        rc = wk_fail(WK_EFORMAT, "'%s': %s: expected [states][N][N]", file, dataset);
    if (rc == 0 && dims[0] > MAX_STATES)
        rc = wk_fail(WK_ERANGE, "'%s': %s: %zu matrices (at most %d in one figure)", file, dataset, dims[0], MAX_STATES);
    if (rc == 0) rc = stack_names(h, file, dataset, dims[1], &names);
    char *file_copy = rc == 0 ? wk_strdup(file) : NULL;
    wk_file_close(f);
    if (rc == 0 && !file_copy) rc = WK_ENOMEM;
    if (rc == 0) rc = draw_stack(w, dims[0], dims[1], names, dataset, file_copy, o);
    free(file_copy);
    free(w);
    if (names) wk_strv_free(names, dims[1]);
    return rc;
}

/* Rank of dataset in the HDF5 file input, or 0 when it cannot be told
 * (the caller's reader then reports the problem). */
int plot_dataset_rank(const char *input, const char *dataset)
{
    struct wk_file *f;
    int rank = 0;
    if (!dataset || dataset[0] != '/' || wk_file_open_hdf5(&f, input) < 0) return 0;
    hid_t h = wk_file_hid(f);
    if (exists(h, dataset) == 1) {
        hid_t d = H5Dopen2(h, dataset, H5P_DEFAULT);
        if (d >= 0) {
            hid_t sp = H5Dget_space(d);
            if (sp >= 0) {
                rank = H5Sget_simple_extent_ndims(sp);
                H5Sclose(sp);
            }
            H5Dclose(d);
        }
    }
    wk_file_close(f);
    return rank > 0 ? rank : 0;
}
