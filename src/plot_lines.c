/* plot_lines.c - line plots and bar plots with numeric axes. */
#include <math.h>
#include <stdio.h>

#include "plot_internal.h"
#include "wormkit/wk_error.h"

#define PANEL_TITLE_SIZE 14.0

/* Tableau 10: distinct, colour-blind-friendly enough for a few lines. */
static const double palette[][3] = {
    {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
    {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294}, {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
    {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812},
};
#define N_PALETTE (sizeof palette / sizeof palette[0])

static double series_x(const struct wk_plot_series *s, size_t i)
{
    return s->x ? s->x[i] : (double)i;
}

static void data_range(const struct wk_plot_lines *l, double *xlo, double *xhi, double *ylo, double *yhi)
{
    *xlo = *ylo = INFINITY;
    *xhi = *yhi = -INFINITY;
    for (size_t k = 0; k < l->n_series; k++) {
        const struct wk_plot_series *s = &l->series[k];
        for (size_t i = 0; i < s->n; i++) {
            double x = series_x(s, i), y = s->y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            *xlo = fmin(*xlo, x);
            *xhi = fmax(*xhi, x);
            *ylo = fmin(*ylo, y);
            *yhi = fmax(*yhi, y);
        }
    }
    if (l->bars) {
        *xlo = -0.5;
        *xhi = (double)(l->n_series ? l->series[0].n : 1) - 0.5;
    }
    if (!isfinite(*ylo)) *ylo = 0, *yhi = 1;
    if (!isfinite(*xlo)) *xlo = 0, *xhi = 1;
    if (l->y_from_zero || l->bars) *ylo = fmin(*ylo, 0), *yhi = fmax(*yhi, 0);
    if (!(*xhi > *xlo)) *xlo -= 0.5, *xhi += 0.5;
    if (!(*yhi > *ylo)) {
        double d = *ylo == 0 ? 1 : fabs(*ylo) * 0.1;
        *ylo -= d;
        *yhi += d;
    }
    double pad = 0.05 * (*yhi - *ylo);
    if (*ylo != 0 || !(l->y_from_zero || l->bars)) *ylo -= pad;
    *yhi += pad;
}

static void draw_series(cairo_t *cr, const struct wk_plot_series *s, struct wk_plot_rect f, double xlo,
                        double xhi, double ylo, double yhi, int markers)
{
    int pen = 0;
    for (size_t i = 0; i < s->n; i++) {
        double x = series_x(s, i), y = s->y[i];
        if (!isfinite(x) || !isfinite(y)) {
            pen = 0;
            continue;
        }
        double px = f.x + (x - xlo) / (xhi - xlo) * f.w, py = f.y + f.h - (y - ylo) / (yhi - ylo) * f.h;
        if (pen) cairo_line_to(cr, px, py);
        else cairo_move_to(cr, px, py);
        pen = 1;
        if (s->n == 1) cairo_arc(cr, px, py, 2.5, 0, 2 * M_PI);
    }
    cairo_stroke(cr);
    for (size_t i = 0; markers && i < s->n; i++) {
        double x = series_x(s, i), y = s->y[i];
        if (!isfinite(x) || !isfinite(y)) continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, f.x + (x - xlo) / (xhi - xlo) * f.w, f.y + f.h - (y - ylo) / (yhi - ylo) * f.h, 3.5, 0,
                  2 * M_PI);
    }
    if (markers) cairo_fill(cr);
}

static void draw_bars(cairo_t *cr, const struct wk_plot_series *s, struct wk_plot_rect f, double ylo, double yhi)
{
    double slot = f.w / (double)s->n, y0 = f.y + f.h - (0 - ylo) / (yhi - ylo) * f.h;
    for (size_t i = 0; i < s->n; i++) {
        if (!isfinite(s->y[i])) continue;
        double y = f.y + f.h - (s->y[i] - ylo) / (yhi - ylo) * f.h;
        cairo_rectangle(cr, f.x + slot * ((double)i + 0.15), fmin(y, y0), slot * 0.7, fabs(y - y0));
    }
    cairo_fill(cr);
}

static void legend(cairo_t *cr, const struct wk_plot_lines *l, struct wk_plot_rect f)
{
    double w = 0, line = PLOT_TICK_SIZE * 1.4;
    for (size_t k = 0; k < l->n_series; k++)
        if (l->series[k].name) w = fmax(w, plot_text_width(cr, l->series[k].name, PLOT_TICK_SIZE, 0));
    double x = f.x + f.w - w - 36, y = f.y + 8;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x - 6, y - 4, w + 40, line * (double)l->n_series + 8);
    cairo_fill(cr);
    for (size_t k = 0; k < l->n_series; k++) {
        double yy = y + line * ((double)k + 0.5);
        plot_set_rgb(cr, palette[k % N_PALETTE]);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x, yy);
        cairo_line_to(cr, x + 22, yy);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        plot_text(cr, l->series[k].name ? l->series[k].name : "", x + 28, yy, PLOT_TICK_SIZE, 0, 0, 0.5, 0);
    }
    cairo_set_line_width(cr, 1);
}

/* The data frame of l inside area and its axis ranges. */
struct lines_layout {
    struct wk_plot_rect f;
    double xlo, xhi, ylo, yhi;
    int names; /* bar names along the x axis */
};

static const struct plot_lines_style no_style = {NULL, 0, 0, 0};

static void lines_layout(cairo_t *cr, struct wk_plot_rect area, const struct wk_plot_lines *l,
                         const struct plot_lines_style *st, struct lines_layout *g)
{
    data_range(l, &g->xlo, &g->xhi, &g->ylo, &g->yhi);
    if (st->x) g->xlo = st->x->xlo, g->xhi = st->x->xhi;
    double top = (l->title && *l->title ? PANEL_TITLE_SIZE * 1.3 + 8 : 0) + PLOT_TICK_SIZE / 2;
    struct wk_plot_rect f = {area.x, area.y + top, area.w, area.h - top};
    if (st->x) f.y = ceil(f.y); /* whole pixels, as a heatmap's cells */
    g->names = l->bars && l->bar_names;
    for (int pass = 0; pass < 2; pass++) {
        double left = plot_axis_ticks(cr, f, g->ylo, g->yhi, 1, l->ylabel, 0, st->integer_y);
        double bottom;
        if (g->names) {
            double size;
            size_t step;
            plot_names_fit(l->series[0].n, f.w, &size, &step);
            bottom = plot_text_max_width(cr, l->bar_names, l->series[0].n, size) + 6 +
                     (l->xlabel && *l->xlabel ? PLOT_LABEL_SIZE * 1.3 + 6 : 0);
        } else {
            bottom = plot_axis_ticks(cr, f, g->xlo, g->xhi, 0, l->xlabel, 0, st->integer_x);
        }
        if (st->x) {
            f.x = st->x->x0;
            f.w = st->x->x1 - st->x->x0;
        } else {
            f.x = floor(area.x + left);
            f.w = floor(area.x + area.w - PLOT_TICK_SIZE * 2 - f.x);
        }
        f.h = floor(area.y + area.h - bottom - f.y);
    }
    g->f = f;
}

void plot_lines_margins(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_lines *l,
                        const struct plot_lines_style *style, double *left, double *right)
{
    struct plot_lines_style own = style ? *style : no_style;
    own.x = NULL;
    struct lines_layout g;
    lines_layout(plot_cairo(p), area, l, &own, &g);
    *left = g.f.x - area.x;
    *right = area.x + area.w - (g.f.x + g.f.w);
}

int wk_plot_lines(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_lines *l,
                  struct wk_plot_rect *frame)
{
    return plot_lines_styled(p, area, l, NULL, frame);
}

int plot_lines_styled(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_lines *l,
                      const struct plot_lines_style *style, struct wk_plot_rect *frame)
{
    cairo_t *cr = plot_cairo(p);
    const struct plot_lines_style *st = style ? style : &no_style;
    if (l->n_series == 0) return wk_fail(WK_EINVAL, "nothing to plot (no series)");
    struct lines_layout g;
    lines_layout(cr, area, l, st, &g);
    struct wk_plot_rect f = g.f;
    double xlo = g.xlo, xhi = g.xhi, ylo = g.ylo, yhi = g.yhi;
    if (f.w < 10 || f.h < 10) return wk_fail(WK_EINVAL, "figure too small for a plot");
    if (l->title && *l->title) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        plot_text(cr, l->title, f.x + f.w / 2, area.y, PANEL_TITLE_SIZE, 1, 0.5, 0, 0);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (st->x) cairo_rectangle(cr, f.x - 0.5, f.y - 0.5, f.w + 1, f.h + 1);
    else cairo_rectangle(cr, f.x + 0.5, f.y + 0.5, f.w, f.h);
    cairo_stroke(cr);
    plot_axis_ticks(cr, f, ylo, yhi, 1, l->ylabel, 1, st->integer_y);
    if (g.names) {
        plot_axis_names(cr, f, l->bar_names, l->series[0].n, 0);
        if (l->xlabel && *l->xlabel)
            plot_text(cr, l->xlabel, f.x + f.w / 2, area.y + area.h, PLOT_LABEL_SIZE, 0, 0.5, 1, 0);
    } else {
        plot_axis_ticks(cr, f, xlo, xhi, 0, l->xlabel, 1, st->integer_x);
    }
    cairo_save(cr);
    cairo_rectangle(cr, f.x, f.y, f.w, f.h);
    cairo_clip(cr);
    if (ylo < 0 && yhi > 0) { /* the zero line */
        cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
        plot_hline(cr, f.x, f.x + f.w, f.y + f.h - (0 - ylo) / (yhi - ylo) * f.h);
    }
    cairo_set_line_width(cr, 1.8);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (size_t k = 0; k < l->n_series; k++) {
        plot_set_rgb(cr, palette[k % N_PALETTE]);
        if (l->bars && k == 0) draw_bars(cr, &l->series[0], f, ylo, yhi);
        else draw_series(cr, &l->series[k], f, xlo, xhi, ylo, yhi, st->markers);
    }
    cairo_restore(cr);
    cairo_set_line_width(cr, 1);
    if (l->n_series > 1 && l->series[0].name) legend(cr, l, f);
    if (frame) *frame = f;
    return 0;
}

struct plot_xlayout plot_xlayout_make(struct wk_plot_rect area, double left, double right, double xlo,
                                      double xhi)
{
    struct plot_xlayout x = {ceil(area.x + left), floor(area.x + area.w - right), xlo, xhi};
    return x;
}
