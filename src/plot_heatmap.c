/* plot_heatmap.c - heatmaps with named axes and a colour bar. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define BAR_GAP 16.0
#define BAR_WIDTH 16.0
#define MARKS_HEIGHT 10.0
#define PANEL_TITLE_SIZE 14.0

/* Cells [*a, *b) covered by pixel px of npx pixels spanning n cells. */
static void pixel_cells(size_t px, size_t npx, size_t n, size_t *a, size_t *b)
{
    *a = (px * n + npx - 1) / npx;
    *b = ((px + 1) * n + npx - 1) / npx;
    if (*b <= *a) *a = *b - 1;
}

static uint32_t pack_rgb(const double rgb[3])
{
    uint32_t r = (uint32_t)lround(rgb[0] * 255), g = (uint32_t)lround(rgb[1] * 255),
             b = (uint32_t)lround(rgb[2] * 255);
    return (r << 16) | (g << 8) | b;
}

/* An RGB24 image of w x h pixels, or NULL (logged). */
static cairo_surface_t *image_alloc(int w, int h, unsigned char **data, int *stride)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        wk_log(WK_LOG_ERROR, "out of memory for a %dx%d image", w, h);
        return NULL;
    }
    cairo_surface_flush(img);
    *data = cairo_image_surface_get_data(img);
    *stride = cairo_image_surface_get_stride(img);
    return img;
}

static void paint_image(cairo_t *cr, cairo_surface_t *img, double x, double y)
{
    cairo_surface_mark_dirty(img);
    cairo_save(cr);
    cairo_set_source_surface(cr, img, x, y);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
}

static double cell_mean(const struct wk_plot_heatmap *h, size_t r0, size_t r1, size_t c0, size_t c1)
{
    double sum = 0;
    size_t n = 0;
    for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++) {
            double v = h->z[r * h->cols + c];
            if (isfinite(v)) {
                sum += v;
                n++;
            }
        }
    return n ? sum / (double)n : wk_nan();
}

static int draw_cells(cairo_t *cr, const struct wk_plot_heatmap *h, struct wk_plot_rect c,
                      enum wk_plot_cmap cmap, double lo, double hi)
{
    int w = (int)c.w, ht = (int)c.h, stride;
    unsigned char *data;
    cairo_surface_t *img = image_alloc(w, ht, &data, &stride);
    if (!img) return WK_ENOMEM;
    for (int py = 0; py < ht; py++) {
        size_t r0, r1;
        pixel_cells((size_t)py, (size_t)ht, h->rows, &r0, &r1);
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)py * (size_t)stride);
        for (int px = 0; px < w; px++) {
            size_t c0, c1;
            pixel_cells((size_t)px, (size_t)w, h->cols, &c0, &c1);
            double v = cell_mean(h, r0, r1, c0, c1), rgb[3];
            wk_plot_cmap_rgb(cmap, isnan(v) ? v : (v - lo) / (hi - lo), rgb);
            row[px] = pack_rgb(rgb);
        }
    }
    paint_image(cr, img, c.x, c.y);
    cairo_surface_destroy(img);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, c.x - 0.5, c.y - 0.5, c.w + 1, c.h + 1);
    cairo_stroke(cr);
    return 0;
}

static int draw_marks(cairo_t *cr, const struct wk_plot_heatmap *h, struct wk_plot_rect c)
{
    double y = c.y - MARKS_HEIGHT - 4;
    int w = (int)c.w;
    cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
    cairo_rectangle(cr, c.x, y, c.w, MARKS_HEIGHT);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.85, 0.33, 0.1);
    for (int px = 0; px < w; px++) {
        size_t c0, c1;
        pixel_cells((size_t)px, (size_t)w, h->cols, &c0, &c1);
        int on = 0;
        for (size_t k = c0; k < c1; k++) on |= h->marks[k] != 0 && !isnan(h->marks[k]);
        if (on) cairo_rectangle(cr, c.x + px, y, 1, MARKS_HEIGHT);
    }
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    plot_text(cr, h->marks_label ? h->marks_label : "marks", c.x - 4, y + MARKS_HEIGHT / 2, PLOT_TICK_SIZE - 1, 0,
              1, 0.5, 0);
    return 0;
}

/* The colour bar right of the cells; returns its width with labels. */
static double colour_bar(cairo_t *cr, struct wk_plot_rect c, enum wk_plot_cmap cmap, double lo, double hi,
                         const char *zlabel, int with_nan, int draw)
{
    double ticks[WK_PLOT_MAX_TICKS], step;
    size_t n = wk_plot_ticks(ticks, &step, lo, hi, (size_t)fmax(2, fmin(11, c.h / 40)));
    double x = c.x + c.w + BAR_GAP, labels = 0;
    char buf[64];
    for (size_t i = 0; i < n; i++) {
        wk_plot_format_tick(buf, sizeof buf, ticks[i], step);
        labels = fmax(labels, plot_text_width(cr, buf, PLOT_TICK_SIZE, 0));
    }
    double width = BAR_GAP + BAR_WIDTH + PLOT_TICK_LEN + 3 + labels;
    if (zlabel && *zlabel) width += 6 + PLOT_LABEL_SIZE * 1.3;
    if (!draw) return width;
    double bar_h = with_nan ? c.h - 2 * BAR_WIDTH : c.h;
    if (bar_h < 20) bar_h = c.h, with_nan = 0;
    int stride;
    unsigned char *data;
    cairo_surface_t *img = image_alloc((int)BAR_WIDTH, (int)bar_h, &data, &stride);
    if (!img) return width;
    for (int py = 0; py < (int)bar_h; py++) {
        double rgb[3];
        wk_plot_cmap_rgb(cmap, 1 - (py + 0.5) / (int)bar_h, rgb);
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)py * (size_t)stride);
        for (int px = 0; px < (int)BAR_WIDTH; px++) row[px] = pack_rgb(rgb);
    }
    paint_image(cr, img, x, c.y);
    cairo_surface_destroy(img);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, x - 0.5, c.y - 0.5, BAR_WIDTH + 1, (int)bar_h + 1);
    cairo_stroke(cr);
    for (size_t i = 0; i < n; i++) {
        double y = c.y + (int)bar_h - (ticks[i] - lo) / (hi - lo) * (int)bar_h;
        plot_hline(cr, x + BAR_WIDTH, x + BAR_WIDTH + PLOT_TICK_LEN, y);
        wk_plot_format_tick(buf, sizeof buf, ticks[i], step);
        plot_text(cr, buf, x + BAR_WIDTH + PLOT_TICK_LEN + 3, y, PLOT_TICK_SIZE, 0, 0, 0.5, 0);
    }
    if (with_nan) {
        double rgb[3], y = c.y + c.h - BAR_WIDTH;
        wk_plot_cmap_rgb(cmap, wk_nan(), rgb);
        plot_set_rgb(cr, rgb);
        cairo_rectangle(cr, x, y, BAR_WIDTH, BAR_WIDTH);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_rectangle(cr, x - 0.5, y - 0.5, BAR_WIDTH + 1, BAR_WIDTH + 1);
        cairo_stroke(cr);
        plot_text(cr, "NaN", x + BAR_WIDTH + PLOT_TICK_LEN + 3, y + BAR_WIDTH / 2, PLOT_TICK_SIZE, 0, 0, 0.5, 0);
    }
    if (zlabel && *zlabel)
        plot_text(cr, zlabel, c.x + c.w + width, c.y + c.h / 2, PLOT_LABEL_SIZE, 0, 0.5, 1, -M_PI / 2);
    return width;
}

/* Numeric x axis range: the outer edges of the first and last column. */
void plot_heatmap_xrange(const struct wk_plot_heatmap *h, double *lo, double *hi)
{
    double half = h->cols > 1 ? 0.5 * (h->x1 - h->x0) / (double)(h->cols - 1) : 0.5;
    *lo = h->x0 - half;
    *hi = h->x1 + half;
    if (!(*hi > *lo)) {
        *lo = h->x0 - 0.5;
        *hi = h->x0 + 0.5;
    }
}

struct layout {
    double left, right, top, bottom;
};

static double label_space(const char *label)
{
    return label && *label ? PLOT_LABEL_SIZE * 1.3 + 6 : 0;
}

static struct wk_plot_rect cells_rect(struct wk_plot_rect a, const struct layout *m)
{
    struct wk_plot_rect c;
    c.x = ceil(a.x + m->left);
    c.y = ceil(a.y + m->top);
    c.w = floor(a.x + a.w - m->right) - c.x;
    c.h = floor(a.y + a.h - m->bottom) - c.y;
    return c;
}

static double names_extent(cairo_t *cr, char *const *names, size_t n, double length)
{
    double size;
    size_t step;
    plot_names_fit(n, length, &size, &step);
    return plot_text_max_width(cr, names, n, size) + 6;
}

/* Everything a heatmap needs before drawing: row names (numbers when none
 * are given), colours, x range and margins. */
struct heat {
    char **numbers;
    char *const *row_names;
    enum wk_plot_cmap cmap;
    double lo, hi, xlo, xhi;
    int has_nan;
    struct layout m;
};

static void heat_release(struct heat *k, size_t rows)
{
    if (k->numbers) wk_strv_free(k->numbers, rows);
    k->numbers = NULL;
}

static int heat_row_numbers(struct heat *k, size_t rows)
{
    k->numbers = wk_calloc(rows, sizeof *k->numbers);
    if (!k->numbers) return WK_ENOMEM;
    for (size_t r = 0; r < rows; r++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", r + 1);
        if (!(k->numbers[r] = wk_strdup(buf))) return WK_ENOMEM;
    }
    return 0;
}

static int heat_prepare(cairo_t *cr, struct wk_plot_rect area, const struct wk_plot_heatmap *h, struct heat *k)
{
    memset(k, 0, sizeof *k);
    if (h->rows == 0 || h->cols == 0) return wk_fail(WK_EINVAL, "nothing to plot (empty matrix)");
    k->row_names = h->row_names;
    if (!k->row_names) {
        int rc = heat_row_numbers(k, h->rows);
        if (rc < 0) return rc;
        k->row_names = k->numbers;
    }
    k->cmap = h->cmap;
    k->lo = h->zmin;
    k->hi = h->zmax;
    int has_neg = 0, has_pos = 0;
    for (size_t i = 0; i < h->rows * h->cols; i++) {
        has_neg |= h->z[i] < 0;
        has_pos |= h->z[i] > 0;
        k->has_nan |= !isfinite(h->z[i]);
    }
    if (k->cmap == WK_PLOT_CMAP_AUTO) k->cmap = has_neg && has_pos ? WK_PLOT_CMAP_DIVERGING : WK_PLOT_CMAP_VIRIDIS;
    if (isnan(k->lo) || isnan(k->hi) || !(k->hi > k->lo)) {
        double a, b;
        int rc = wk_plot_range(&a, &b, h->z, h->rows * h->cols, 0, k->cmap == WK_PLOT_CMAP_DIVERGING);
        if (rc < 0) return rc;
        if (isnan(k->lo) || !(k->hi > k->lo)) k->lo = a;
        if (isnan(k->hi) || !(k->hi > k->lo)) k->hi = b;
        if (!(k->hi > k->lo)) k->hi = k->lo + 1;
    }
    k->xlo = 0;
    k->xhi = 1;
    if (!h->col_names) plot_heatmap_xrange(h, &k->xlo, &k->xhi);

    struct layout *m = &k->m;
    if (h->title && *h->title) m->top += PANEL_TITLE_SIZE * 1.3 + 6;
    if (h->marks) m->top += MARKS_HEIGHT + 8;
    m->top += 2;
    m->right = colour_bar(cr, (struct wk_plot_rect){0, 0, 0, area.h}, k->cmap, k->lo, k->hi, h->zlabel, k->has_nan, 0);
    /* Names shrink with the cells: size the margins from a first estimate. */
    m->left = PLOT_NAME_MAX * 6 + label_space(h->ylabel);
    m->bottom = h->col_names ? PLOT_NAME_MAX * 6 + label_space(h->xlabel)
                             : PLOT_TICK_SIZE * 1.2 + PLOT_TICK_LEN + 4 + label_space(h->xlabel);
    for (int pass = 0; pass < 2; pass++) {
        struct wk_plot_rect c = cells_rect(area, m);
        m->left = names_extent(cr, k->row_names, h->rows, c.h) + label_space(h->ylabel);
        if (h->marks)
            m->left = fmax(m->left, plot_text_width(cr, h->marks_label ? h->marks_label : "marks", PLOT_TICK_SIZE - 1, 0) + 6);
        if (h->col_names) m->bottom = names_extent(cr, h->col_names, h->cols, c.w) + label_space(h->xlabel);
    }
    return 0;
}

void plot_heatmap_margins(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_heatmap *h,
                          double *left, double *right)
{
    struct heat k;
    *left = *right = 0;
    if (heat_prepare(plot_cairo(p), area, h, &k) == 0) {
        *left = k.m.left;
        *right = k.m.right;
    }
    heat_release(&k, h->rows);
}

int wk_plot_heatmap(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_heatmap *h,
                    struct wk_plot_rect *cells)
{
    return plot_heatmap_at(p, area, h, NULL, cells);
}

int plot_heatmap_at(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_heatmap *h,
                    const struct plot_xlayout *x, struct wk_plot_rect *cells)
{
    cairo_t *cr = plot_cairo(p);
    struct heat k;
    int rc = heat_prepare(cr, area, h, &k);
    if (rc < 0) goto done;
    struct wk_plot_rect c = cells_rect(area, &k.m);
    if (x) {
        c.x = x->x0;
        c.w = x->x1 - x->x0;
        k.xlo = x->xlo;
        k.xhi = x->xhi;
    } else if (h->col_names && h->rows == h->cols) { /* a square matrix gets square cells */
        double side = fmin(c.w, c.h);
        c.x += floor((c.w - side) / 2);
        c.w = c.h = side;
    }
    if (c.w < 4 || c.h < 4) {
        rc = wk_fail(WK_EINVAL, "figure too small for a %zu x %zu heatmap", h->rows, h->cols);
        goto done;
    }
    if (h->title && *h->title) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        plot_text(cr, h->title, c.x + c.w / 2, area.y, PANEL_TITLE_SIZE, 1, 0.5, 0, 0);
    }
    rc = draw_cells(cr, h, c, k.cmap, k.lo, k.hi);
    if (rc < 0) goto done;
    if (h->marks) draw_marks(cr, h, c);
    plot_axis_names(cr, c, k.row_names, h->rows, 1);
    if (h->ylabel && *h->ylabel)
        plot_text(cr, h->ylabel, c.x - names_extent(cr, k.row_names, h->rows, c.h) - 4, c.y + c.h / 2,
                  PLOT_LABEL_SIZE, 0, 0.5, 1, -M_PI / 2);
    if (h->col_names) {
        plot_axis_names(cr, c, h->col_names, h->cols, 0);
        if (h->xlabel && *h->xlabel)
            plot_text(cr, h->xlabel, c.x + c.w / 2, c.y + c.h + names_extent(cr, h->col_names, h->cols, c.w) + 4,
                      PLOT_LABEL_SIZE, 0, 0.5, 0, 0);
    } else {
        plot_axis_numeric(cr, c, k.xlo, k.xhi, 0, h->xlabel, 1);
    }
    colour_bar(cr, c, k.cmap, k.lo, k.hi, h->zlabel, k.has_nan, 1);
    if (cells) *cells = c;
done:
    heat_release(&k, h->rows);
    return rc;
}
