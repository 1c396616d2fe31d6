/* plot.c - the plotting layer: formats, colormaps, ticks, the canvas. */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <cairo-svg.h>
#include <dlfcn.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plot_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_util.h"

/* ---- formats ---- */

int wk_plot_format_parse(const char *name, enum wk_plot_format *fmt)
{
    if (name && strcasecmp(name, "svg") == 0) *fmt = WK_PLOT_SVG;
    else if (name && strcasecmp(name, "png") == 0) *fmt = WK_PLOT_PNG;
    else return WK_EINVAL;
    return 0;
}

int wk_plot_format_from_path(const char *path, enum wk_plot_format *fmt)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    const char *dot = path ? strrchr(slash ? slash : path, '.') : NULL;
    if (dot && wk_plot_format_parse(dot + 1, fmt) == 0) return 0;
    return wk_fail(WK_EINVAL, "'%s': unknown figure format (name ends in .svg or .png, or give --format)",
                   path ? path : "stdout");
}

/* ---- colormaps ---- */

struct cmap_entry {
    double pos; /* 0..1 */
    double rgb[3];
};

/* matplotlib's viridis (van der Walt & Smith), entries 0, 8, ..., 248, 255
 * of its 256; linear interpolation between them is visually identical. */
#define V(i, r, g, b) {(i) / 255.0, {r, g, b}}
static const struct cmap_entry viridis[] = {
    V(0, 0.267004, 0.004874, 0.329415),   V(8, 0.277018, 0.050344, 0.375715),
    V(16, 0.282327, 0.094955, 0.417331),  V(24, 0.282884, 0.135920, 0.453427),
    V(32, 0.278826, 0.175490, 0.483397),  V(40, 0.270595, 0.214069, 0.507052),
    V(48, 0.258965, 0.251537, 0.524736),  V(56, 0.244972, 0.287675, 0.537260),
    V(64, 0.229739, 0.322361, 0.545706),  V(72, 0.214298, 0.355619, 0.551184),
    V(80, 0.199430, 0.387607, 0.554642),  V(88, 0.185556, 0.418570, 0.556753),
    V(96, 0.172719, 0.448791, 0.557885),  V(104, 0.160665, 0.478540, 0.558115),
    V(112, 0.149039, 0.508051, 0.557250), V(120, 0.137770, 0.537492, 0.554906),
    V(128, 0.127568, 0.566949, 0.550556), V(136, 0.120565, 0.596422, 0.543611),
    V(144, 0.120638, 0.625828, 0.533488), V(152, 0.132268, 0.655014, 0.519661),
    V(160, 0.157851, 0.683765, 0.501686), V(168, 0.196571, 0.711827, 0.479221),
    V(176, 0.246070, 0.738910, 0.452024), V(184, 0.304148, 0.764704, 0.419943),
    V(192, 0.369214, 0.788888, 0.382914), V(200, 0.440137, 0.811138, 0.340967),
    V(208, 0.515992, 0.831158, 0.294279), V(216, 0.595839, 0.848717, 0.243329),
    V(224, 0.678489, 0.863742, 0.189503), V(232, 0.762373, 0.876424, 0.137064),
    V(240, 0.845561, 0.887322, 0.099702), V(248, 0.926106, 0.897330, 0.104071),
    V(255, 0.993248, 0.906157, 0.143936),
};
#undef V

/* ColorBrewer RdBu (11 classes), reversed: negative blue, positive red. */
#define H(i, rgb) {(i) / 10.0, {((rgb) >> 16) / 255.0, (((rgb) >> 8) & 0xff) / 255.0, ((rgb) & 0xff) / 255.0}}
static const struct cmap_entry rdbu[] = {
    H(0, 0x053061), H(1, 0x2166ac), H(2, 0x4393c3), H(3, 0x92c5de), H(4, 0xd1e5f0), H(5, 0xf7f7f7),
    H(6, 0xfddbc7), H(7, 0xf4a582), H(8, 0xd6604d), H(9, 0xb2182b), H(10, 0x67001f),
};
#undef H

int wk_plot_cmap_parse(const char *name, enum wk_plot_cmap *cmap)
{
    static const char *const names[] = {"auto", "viridis", "diverging"};
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *cmap = (enum wk_plot_cmap)i;
            return 0;
        }
    return WK_EINVAL;
}

static void interpolate(const struct cmap_entry *e, size_t n, double t, double rgb[3])
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    size_t k = 0;
    while (k + 2 < n && t > e[k + 1].pos) k++;
    double f = (t - e[k].pos) / (e[k + 1].pos - e[k].pos);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    for (int i = 0; i < 3; i++) rgb[i] = e[k].rgb[i] + f * (e[k + 1].rgb[i] - e[k].rgb[i]);
}

void wk_plot_cmap_rgb(enum wk_plot_cmap cmap, double t, double rgb[3])
{
    if (isnan(t)) {
        /* light grey beside viridis' dark and bright ends; darker beside RdBu's white */
        double g = cmap == WK_PLOT_CMAP_DIVERGING ? 0.55 : 0.82;
        rgb[0] = rgb[1] = rgb[2] = g;
        return;
    }
    if (cmap == WK_PLOT_CMAP_DIVERGING) interpolate(rdbu, sizeof rdbu / sizeof rdbu[0], t, rgb);
    else interpolate(viridis, sizeof viridis / sizeof viridis[0], t, rgb);
}

/* Linear-interpolated quantile of sorted v[n]. */
static double quantile(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    if (i + 1 >= n) return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

int wk_plot_range(double *lo, double *hi, const double *z, size_t n, int robust, int diverging)
{
    double *v = wk_malloc_array(n ? n : 1, sizeof *v);
    if (!v) return WK_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(z[i])) v[m++] = z[i];
    double a = 0, b = 0;
    if (m) {
        wk_sort_doubles(v, m);
        a = robust ? quantile(v, m, 0.01) : v[0];
        b = robust ? quantile(v, m, 0.99) : v[m - 1];
    }
    free(v);
    if (diverging) {
        double r = fmax(fabs(a), fabs(b));
        a = -r;
        b = r;
    }
    if (!(b > a)) {
        if (a == 0) b = 1;
        else {
            double c = a;
            a = c - 1;
            b = c + 1;
        }
    }
    *lo = a;
    *hi = b;
    return 0;
}

/* ---- row order ---- */

static double pair_correlation(const double *a, const double *b, size_t n)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i])) continue;
        sa += a[i], sb += b[i], saa += a[i] * a[i], sbb += b[i] * b[i], sab += a[i] * b[i];
        m++;
    }
    if (m < 2) return 0;
    double cov = sab - sa * sb / (double)m, va = saa - sa * sa / (double)m, vb = sbb - sb * sb / (double)m;
    return va > 0 && vb > 0 ? cov / sqrt(va * vb) : 0;
}

struct loading {
    double v;
    size_t row;
};

static int cmp_loading(const void *a, const void *b)
{
    const struct loading *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

int wk_plot_seriate(size_t *order, const double *x, size_t rows, size_t cols)
{
    double *r = wk_malloc_array(rows * rows + 2 * rows + 1, sizeof *r);
    struct loading *l = wk_calloc(rows + 1, sizeof *l);
    if (!r || !l) {
        free(r);
        free(l);
        return WK_ENOMEM;
    }
    double *v = r + rows * rows, *w = v + rows;
    for (size_t i = 0; i < rows; i++) {
        r[i * rows + i] = 2; /* correlation 1, shifted by +1 so that power iteration finds the top */
        for (size_t j = 0; j < i; j++)
            r[i * rows + j] = r[j * rows + i] = pair_correlation(x + i * cols, x + j * cols, cols);
        v[i] = 1 + 1e-3 * (double)i; /* not orthogonal to the leading vector */
    }
    for (int it = 0; it < 300; it++) {
        double norm = 0;
        for (size_t i = 0; i < rows; i++) {
            double s = 0;
            for (size_t j = 0; j < rows; j++) s += r[i * rows + j] * v[j];
            w[i] = s;
            norm += s * s;
        }
        norm = sqrt(norm);
        for (size_t i = 0; i < rows; i++) v[i] = norm > 0 ? w[i] / norm : 0;
    }
    double sign = rows && v[0] > 0 ? -1 : 1; /* row 0 sorts first */
    for (size_t i = 0; i < rows; i++) l[i] = (struct loading){sign * v[i], i};
    qsort(l, rows, sizeof *l, cmp_loading);
    for (size_t i = 0; i < rows; i++) order[i] = l[i].row;
    free(r);
    free(l);
    return 0;
}

/* ---- ticks ---- */

static size_t count_ticks(double lo, double hi, double s, double *first)
{
    *first = ceil(lo / s - 1e-9);
    double last = floor(hi / s + 1e-9);
    return last >= *first ? (size_t)(last - *first + 1) : 0;
}

size_t wk_plot_ticks(double *ticks, double *step, double lo, double hi, size_t max_ticks)
{
    if (max_ticks > WK_PLOT_MAX_TICKS) max_ticks = WK_PLOT_MAX_TICKS;
    if (max_ticks < 2) max_ticks = 2;
    *step = 0;
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi)) {
        ticks[0] = lo;
        return isfinite(lo) ? 1 : 0;
    }
    /* steps 1, 5, 2, 1 x 10^e from one >= the span downwards: keep the
     * finest one that gives at most max_ticks ticks (and at least 2) */
    static const double mult[] = {5, 2, 1};
    double e = ceil(log10(hi - lo)), best = 0, first;
    for (int k = -1; k < 3 * 30; k++) {
        double s = k < 0 ? pow(10, e) : mult[k % 3] * pow(10, e - 1 - k / 3);
        size_t n = count_ticks(lo, hi, s, &first);
        if (n > max_ticks) break;
        if (n >= 2) best = s;
    }
    if (best == 0) { /* no nice step fits: the two ends */
        ticks[0] = lo;
        ticks[1] = hi;
        *step = hi - lo;
        return 2;
    }
    size_t n = count_ticks(lo, hi, best, &first);
    for (size_t i = 0; i < n; i++) {
        double t = (first + (double)i) * best;
        ticks[i] = fabs(t) < best * 1e-9 ? 0 : t;
    }
    *step = best;
    return n;
}

void wk_plot_format_tick(char *buf, size_t size, double v, double step)
{
    if (step > 0 && (step >= 1e5 || step < 1e-4)) {
        snprintf(buf, size, "%.3g", v);
        return;
    }
    int dec = 0;
    if (step > 0 && step < 1) {
        dec = (int)ceil(-log10(step) - 1e-9);
        /* 0.25 needs two decimals, 0.2 one */
        double scaled = step * pow(10, dec);
        if (fabs(scaled - round(scaled)) > 1e-6) dec++;
    }
    if (fabs(v) < 0.5 * pow(10, -dec)) v = 0; /* no "-0" */
    snprintf(buf, size, "%.*f", dec, v);
}

/* ---- canvas ---- */

struct wk_plot {
    enum wk_plot_format format;
    double width, height, top;
    cairo_surface_t *surface;
    cairo_t *cr;
    struct wk_export_output *out;
    int write_failed;
};

cairo_t *plot_cairo(const struct wk_plot *p)
{
    return p->cr;
}

static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int length)
{
    struct wk_plot *p = closure;
    if (p->write_failed) return CAIRO_STATUS_WRITE_ERROR;
    if (fwrite(data, 1, length, wk_export_output_fp(p->out)) != length) {
        p->write_failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static void plot_free(struct wk_plot *p)
{
    if (p->cr) cairo_destroy(p->cr);
    if (p->surface) cairo_surface_destroy(p->surface);
    free(p);
}

int wk_plot_open(struct wk_plot **out, const char *path, enum wk_plot_format fmt, double width,
                 double height)
{
    *out = NULL;
    if (!(width >= 100 && width <= 20000 && height >= 100 && height <= 20000))
        return wk_fail(WK_EINVAL, "figure size %gx%g out of range (100 to 20000)", width, height);
    struct wk_plot *p = wk_calloc(1, sizeof *p);
    if (!p) return WK_ENOMEM;
    p->format = fmt;
    p->width = round(width);
    p->height = round(height);
    p->top = PLOT_MARGIN;
    int rc = wk_export_output_open(&p->out, path, 1);
    if (rc < 0) {
        free(p);
        return rc;
    }
    if (fmt == WK_PLOT_SVG)
        p->surface = cairo_svg_surface_create_for_stream(write_stream, p, p->width, p->height);
    else
        p->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)p->width, (int)p->height);
    p->cr = cairo_create(p->surface);
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        wk_log(WK_LOG_ERROR, "'%s': cannot draw: %s", wk_export_output_name(p->out),
               cairo_status_to_string(cairo_status(p->cr)));
        wk_plot_abort(p);
        return WK_ENOMEM;
    }
    cairo_set_source_rgb(p->cr, 1, 1, 1);
    cairo_paint(p->cr);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    cairo_set_line_width(p->cr, 1);
    *out = p;
    return 0;
}

int wk_plot_commit(struct wk_plot *p)
{
    cairo_status_t st = cairo_status(p->cr);
    cairo_destroy(p->cr);
    p->cr = NULL;
    if (st == CAIRO_STATUS_SUCCESS && p->format == WK_PLOT_PNG)
        st = cairo_surface_write_to_png_stream(p->surface, write_stream, p);
    cairo_surface_finish(p->surface); /* the SVG surface writes here */
    if (st == CAIRO_STATUS_SUCCESS) st = cairo_surface_status(p->surface);
    if (st != CAIRO_STATUS_SUCCESS || p->write_failed) {
        int rc = wk_export_check_stream(wk_export_output_fp(p->out), wk_export_output_name(p->out));
        if (rc == 0) rc = wk_fail(WK_EIO, "'%s': cannot write the figure: %s", wk_export_output_name(p->out),
                                  cairo_status_to_string(st));
        wk_export_output_abort(p->out);
        plot_free(p);
        return rc;
    }
    int rc = wk_export_output_commit(p->out);
    plot_free(p);
    return rc;
}

void wk_plot_abort(struct wk_plot *p)
{
    if (!p) return;
    p->write_failed = 1; /* what the SVG surface writes when destroyed is dropped */
    struct wk_export_output *out = p->out;
    plot_free(p);
    wk_export_output_abort(out);
}

void wk_plot_cleanup(void)
{
    cairo_debug_reset_static_data();
    /* fontconfig (loaded by cairo) keeps its configuration until FcFini;
     * looked up at run time as wormkit does not link fontconfig itself */
    void *fini = dlsym(RTLD_DEFAULT, "FcFini");
    if (fini) {
        void (*fn)(void);
        memcpy(&fn, &fini, sizeof fn);
        fn();
    }
}

void wk_plot_title(struct wk_plot *p, const char *title)
{
    if (!title || !*title) return;
    double size = PLOT_TITLE_SIZE + 1;
    double w = plot_text_width(p->cr, title, size, 1);
    if (w > p->width - 2 * PLOT_MARGIN) size *= (p->width - 2 * PLOT_MARGIN) / w;
    plot_text(p->cr, title, p->width / 2, PLOT_MARGIN, size, 1, 0.5, 0, 0);
    p->top = PLOT_MARGIN + size * 1.25 + 10;
}

struct wk_plot_rect wk_plot_panel(const struct wk_plot *p, size_t col, size_t ncols, size_t row,
                                  size_t nrows)
{
    ncols = ncols ? ncols : 1;
    nrows = nrows ? nrows : 1;
    double w = (p->width - 2 * PLOT_MARGIN) / (double)ncols;
    double h = (p->height - p->top - PLOT_MARGIN) / (double)nrows;
    struct wk_plot_rect r = {PLOT_MARGIN + (double)col * w, p->top + (double)row * h, w, h};
    /* gutters between panels, so one panel's labels never touch the next */
    if (col + 1 < ncols) r.w -= PLOT_GUTTER;
    if (row + 1 < nrows) r.h -= PLOT_GUTTER;
    return r;
}

/* ---- text and lines ---- */

static void set_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double plot_text_width(cairo_t *cr, const char *s, double size, int bold)
{
    cairo_text_extents_t te;
    set_font(cr, size, bold);
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

double plot_text_max_width(cairo_t *cr, char *const *s, size_t n, double size)
{
    double w = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i]) w = fmax(w, plot_text_width(cr, s[i], size, 0));
    return w;
}

void plot_text(cairo_t *cr, const char *s, double x, double y, double size, int bold, double ax,
               double ay, double angle)
{
    cairo_font_extents_t fe;
    set_font(cr, size, bold);
    cairo_font_extents(cr, &fe);
    double w = plot_text_width(cr, s, size, bold);
    double h = fe.ascent + fe.descent;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, -ax * w, -ay * h + fe.ascent);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

void plot_set_rgb(cairo_t *cr, const double rgb[3])
{
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
}

void plot_hline(cairo_t *cr, double x0, double x1, double y)
{
    y = floor(y) + 0.5;
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
}

void plot_vline(cairo_t *cr, double x, double y0, double y1)
{
    x = floor(x) + 0.5;
    cairo_move_to(cr, x, y0);
    cairo_line_to(cr, x, y1);
    cairo_stroke(cr);
}

/* ---- axes ---- */

double plot_axis_numeric(cairo_t *cr, struct wk_plot_rect f, double lo, double hi, int vertical,
                         const char *label, int draw)
{
    return plot_axis_ticks(cr, f, lo, hi, vertical, label, draw, 0);
}

/* Keep the integer ticks of ticks[0..n-1]; returns their count. */
static size_t integer_ticks(double *ticks, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(ticks[i] - round(ticks[i])) < 1e-9) ticks[m++] = round(ticks[i]);
    return m;
}

double plot_axis_ticks(cairo_t *cr, struct wk_plot_rect f, double lo, double hi, int vertical,
                       const char *label, int draw, int integer)
{
    double ticks[WK_PLOT_MAX_TICKS], step;
    double length = vertical ? f.h : f.w;
    size_t max = (size_t)fmax(2, fmin(WK_PLOT_MAX_TICKS, length / (vertical ? 40 : 80)));
    if (integer && hi - lo < (double)max) max = (size_t)fmax(2, floor(hi - lo) + 1);
    size_t n = wk_plot_ticks(ticks, &step, lo, hi, max);
    if (integer && step < 1) {
        n = integer_ticks(ticks, n);
        for (double v = ceil(lo); n == 0 && v <= hi; v++) ticks[n++] = v; /* a range narrower than 2 */
        step = 1;
    }
    double extent = 0;
    char buf[64];
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        double u = hi > lo ? (ticks[i] - lo) / (hi - lo) : 0.5;
        wk_plot_format_tick(buf, sizeof buf, ticks[i], step);
        double tw = plot_text_width(cr, buf, PLOT_TICK_SIZE, 0);
        extent = fmax(extent, vertical ? tw : PLOT_TICK_SIZE * 1.2);
        if (!draw) continue;
        if (vertical) {
            double y = f.y + f.h - u * f.h;
            plot_hline(cr, f.x - PLOT_TICK_LEN, f.x, y);
            plot_text(cr, buf, f.x - PLOT_TICK_LEN - 3, y, PLOT_TICK_SIZE, 0, 1, 0.5, 0);
        } else {
            double x = f.x + u * f.w;
            plot_vline(cr, x, f.y + f.h, f.y + f.h + PLOT_TICK_LEN);
            plot_text(cr, buf, x, f.y + f.h + PLOT_TICK_LEN + 2, PLOT_TICK_SIZE, 0, 0.5, 0, 0);
        }
    }
    extent += PLOT_TICK_LEN + 4;
    if (label && *label) {
        if (draw) {
            if (vertical)
                plot_text(cr, label, f.x - extent - 4, f.y + f.h / 2, PLOT_LABEL_SIZE, 0, 0.5, 1, -M_PI / 2);
            else
                plot_text(cr, label, f.x + f.w / 2, f.y + f.h + extent + 4, PLOT_LABEL_SIZE, 0, 0.5, 0, 0);
        }
        extent += PLOT_LABEL_SIZE * 1.3 + 6;
    }
    return extent;
}

void plot_names_fit(size_t n, double length, double *size, size_t *step)
{
    double pitch = n ? length / (double)n : length;
    *step = 1;
    *size = fmin(PLOT_NAME_MAX, pitch * 0.85);
    if (*size >= PLOT_NAME_MIN) return;
    *size = PLOT_NAME_MIN;
    *step = (size_t)ceil(PLOT_NAME_MIN / 0.85 / pitch);
}

void plot_axis_names(cairo_t *cr, struct wk_plot_rect f, char *const *names, size_t n, int vertical)
{
    double size;
    size_t step;
    plot_names_fit(n, vertical ? f.h : f.w, &size, &step);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (size_t i = 0; i < n; i += step) {
        const char *s = names[i] ? names[i] : "";
        double mid = ((double)i + 0.5) / (double)n;
        if (vertical) plot_text(cr, s, f.x - 3, f.y + mid * f.h, size, 0, 1, 0.5, 0);
        else plot_text(cr, s, f.x + mid * f.w, f.y + f.h + 3, size, 0, 1, 0.5, -M_PI / 2);
    }
}
