/* test-plot.c - the plotting layer: formats, colormaps, ranges, ticks,
 * and pixels of rendered heatmaps and line plots read back from PNG. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot_internal.h"
#include "wk_test.h"
#include "wormkit/wk_plot.h"
#include "wormkit/wormkit.h"

static char dir[64];

#define is_str(got, want) ok(strcmp((got), (want)) == 0, "tick label " want)

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static void test_formats(void)
{
    enum wk_plot_format f = WK_PLOT_SVG;
    ok(wk_plot_format_parse("PNG", &f) == 0 && f == WK_PLOT_PNG, "format png (any case)");
    ok(wk_plot_format_parse("svg", &f) == 0 && f == WK_PLOT_SVG, "format svg");
    ok(wk_plot_format_parse("jpg", &f) == WK_EINVAL, "format jpg refused");
    ok(wk_plot_format_from_path("out/fig.v2.png", &f) == 0 && f == WK_PLOT_PNG, "extension .png");
    ok(wk_plot_format_from_path("a.b/fig.SVG", &f) == 0 && f == WK_PLOT_SVG, "extension .SVG");
    ok(wk_plot_format_from_path("a.png/fig", &f) == WK_EINVAL, "no extension in the last component");
    enum wk_plot_cmap c = WK_PLOT_CMAP_AUTO;
    ok(wk_plot_cmap_parse("diverging", &c) == 0 && c == WK_PLOT_CMAP_DIVERGING, "cmap diverging");
    ok(wk_plot_cmap_parse("jet", &c) == WK_EINVAL, "cmap jet refused");
}

static void test_colormaps(void)
{
    double rgb[3];
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 0, rgb);
    near(rgb[0], 0.267004, 1e-9, "viridis(0) r");
    near(rgb[2], 0.329415, 1e-9, "viridis(0) b");
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 1, rgb);
    near(rgb[0], 0.993248, 1e-9, "viridis(1) r");
    near(rgb[1], 0.906157, 1e-9, "viridis(1) g");
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 2, rgb);
    near(rgb[1], 0.906157, 1e-9, "viridis clamps above 1");
    /* matplotlib's viridis entry 128 (0.127568, 0.566949, 0.550556) */
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 128 / 255.0, rgb);
    near(rgb[0], 0.127568, 1e-9, "viridis(128/255) r");
    near(rgb[1], 0.566949, 1e-9, "viridis(128/255) g");
    /* halfway between entries 0 and 8 */
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 4 / 255.0, rgb);
    near(rgb[2], (0.329415 + 0.375715) / 2, 1e-9, "viridis interpolates linearly");
    wk_plot_cmap_rgb(WK_PLOT_CMAP_DIVERGING, 0.5, rgb);
    near(rgb[0], 0xf7 / 255.0, 1e-9, "diverging(0.5) is RdBu's white f7f7f7");
    wk_plot_cmap_rgb(WK_PLOT_CMAP_DIVERGING, 0, rgb);
    near(rgb[2], 0x61 / 255.0, 1e-9, "diverging(0) is dark blue 053061");
    wk_plot_cmap_rgb(WK_PLOT_CMAP_DIVERGING, 1, rgb);
    near(rgb[0], 0x67 / 255.0, 1e-9, "diverging(1) is dark red 67001f");
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, wk_nan(), rgb);
    ok(rgb[0] == rgb[1] && rgb[1] == rgb[2] && rgb[0] > 0.7, "NaN is a light neutral grey beside viridis");
    wk_plot_cmap_rgb(WK_PLOT_CMAP_DIVERGING, wk_nan(), rgb);
    ok(rgb[0] == rgb[2] && rgb[0] < 0.7, "NaN is a darker grey beside RdBu's white");
}

static void test_range(void)
{
    double lo, hi;
    const double a[] = {2, 1, NAN, 3, INFINITY};
    ok(wk_plot_range(&lo, &hi, a, 5, 0, 0) == 0 && lo == 1 && hi == 3, "range: min..max of finite values");
    const double b[] = {-1, 0.5, 2};
    wk_plot_range(&lo, &hi, b, 3, 0, 1);
    ok(lo == -2 && hi == 2, "diverging range symmetric around 0");
    const double c[] = {5, 5};
    wk_plot_range(&lo, &hi, c, 2, 0, 0);
    ok(lo == 4 && hi == 6, "constant values widened by 1");
    const double d[] = {0, NAN};
    wk_plot_range(&lo, &hi, d, 2, 0, 0);
    ok(lo == 0 && hi == 1, "all zero: 0..1");
    double e[101];
    for (int i = 0; i <= 100; i++) e[i] = 100 - i;
    wk_plot_range(&lo, &hi, e, 101, 1, 0);
    near(lo, 1, 1e-12, "robust: 1st percentile");
    near(hi, 99, 1e-12, "robust: 99th percentile");
    wk_plot_range(&lo, &hi, e, 0, 0, 0);
    ok(lo == 0 && hi == 1, "no values: 0..1");
}

static void test_ticks(void)
{
    double t[WK_PLOT_MAX_TICKS], step;
    size_t n = wk_plot_ticks(t, &step, 0, 1, 6);
    ok(n == 6 && step == 0.2 && t[0] == 0 && fabs(t[5] - 1) < 1e-12, "0..1: 0, 0.2, ..., 1");
    n = wk_plot_ticks(t, &step, 0, 300, 6);
    ok(n == 4 && step == 100 && t[3] == 300, "0..300: 0, 100, 200, 300");
    n = wk_plot_ticks(t, &step, -2.2, 2.2, 11);
    ok(n == 9 && step == 0.5 && t[0] == -2 && t[4] == 0, "-2.2..2.2: -2, -1.5, ..., 2 with an exact 0");
    n = wk_plot_ticks(t, &step, 0.86, 0.97, 8);
    ok(n == 6 && fabs(step - 0.02) < 1e-15 && fabs(t[0] - 0.86) < 1e-12, "0.86..0.97: step 0.02");
    n = wk_plot_ticks(t, &step, 0.11, 0.19, 3);
    ok(n >= 2 && n <= 3, "a narrow range still gets at least 2 ticks");
    n = wk_plot_ticks(t, &step, 0, 1000, 40);
    ok(n <= WK_PLOT_MAX_TICKS, "never more than WK_PLOT_MAX_TICKS");
    n = wk_plot_ticks(t, &step, 3, 3, 5);
    ok(n == 1 && t[0] == 3, "empty range: one tick");
    char buf[32];
    wk_plot_format_tick(buf, sizeof buf, 0.25, 0.05);
    is_str(buf, "0.25");
    wk_plot_format_tick(buf, sizeof buf, 10, 5);
    is_str(buf, "10");
    wk_plot_format_tick(buf, sizeof buf, -0.5, 0.5);
    is_str(buf, "-0.5");
    wk_plot_format_tick(buf, sizeof buf, 0.75, 0.25);
    is_str(buf, "0.75");
    wk_plot_format_tick(buf, sizeof buf, -1e-17, 0.1);
    is_str(buf, "0.0");
    wk_plot_format_tick(buf, sizeof buf, 2e6, 1e6);
    is_str(buf, "2e+06");
}

/* r, g, b (0..255) of pixel (x, y) of a PNG file. */
static int png_pixel(const char *path, int x, int y, int *r, int *g, int *b, int *w, int *h)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return -1;
    }
    *w = cairo_image_surface_get_width(s);
    *h = cairo_image_surface_get_height(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned px = *(const unsigned *)(const void *)(d + y * stride + x * 4);
    *r = (int)((px >> 16) & 0xff);
    *g = (int)((px >> 8) & 0xff);
    *b = (int)(px & 0xff);
    cairo_surface_destroy(s);
    return 0;
}

static int rgb_close(int r, int g, int b, const double want[3])
{
    return abs(r - (int)lround(want[0] * 255)) <= 1 && abs(g - (int)lround(want[1] * 255)) <= 1 &&
           abs(b - (int)lround(want[2] * 255)) <= 1;
}

static void test_heatmap(void)
{
    char path[128];
    path_in(path, sizeof path, "heat.png");
    static const double z[] = {0, 1, NAN, 0.5, 2, 1.5};
    char *rows[] = {"AVAL", "AVAR"}, *cols[] = {"A", "B", "C"};
    struct wk_plot_heatmap h = {
        .rows = 2, .cols = 3, .z = z, .row_names = rows, .col_names = cols, .title = "t", .xlabel = "x",
        .ylabel = "y", .zlabel = "z (units)", .cmap = WK_PLOT_CMAP_VIRIDIS, .zmin = 0, .zmax = 2,
    };
    struct wk_plot *p;
    struct wk_plot_rect c = {0, 0, 0, 0};
    ok(wk_plot_open(&p, path, WK_PLOT_PNG, 640, 400) == 0, "open a PNG figure");
    wk_plot_title(p, "heatmap test");
    ok(wk_plot_heatmap(p, wk_plot_panel(p, 0, 1, 0, 1), &h, &c) == 0, "heatmap drawn");
    ok(wk_plot_commit(p) == 0, "PNG committed");
    ok(c.w > 100 && c.h > 100 && c.x == floor(c.x) && c.w == floor(c.w), "cells on whole pixels");
    int pass = 1, w = 0, ht = 0;
    for (size_t r = 0; r < 2; r++)
        for (size_t k = 0; k < 3; k++) {
            int x = (int)(c.x + floor(((double)k + 0.5) * c.w / 3)), y = (int)(c.y + floor(((double)r + 0.5) * c.h / 2));
            int R, G, B;
            double want[3];
            wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, z[r * 3 + k] / 2, want);
            if (png_pixel(path, x, y, &R, &G, &B, &w, &ht) < 0 || !rgb_close(R, G, B, want)) {
                printf("#   cell %zu,%zu: got %d %d %d\n", r, k, R, G, B);
                pass = 0;
            }
        }
    ok(pass, "each cell has its colormap colour, NaN the neutral grey");
    ok(w == 640 && ht == 400, "PNG has the requested size");
    /* stimulus marks: a strip above the cells, coloured where marks != 0 */
    static const double marks[] = {1, 0, NAN};
    h.marks = marks;
    h.marks_label = "stimulus";
    ok(wk_plot_open(&p, path, WK_PLOT_PNG, 640, 400) == 0 && wk_plot_heatmap(p, wk_plot_panel(p, 0, 1, 0, 1), &h, &c) == 0 &&
       wk_plot_commit(p) == 0, "heatmap with marks drawn");
    int R0, G0, B0, R2, G2, B2, R, G, B;
    int y = (int)c.y - 9, x0 = (int)(c.x + c.w / 6), x2 = (int)(c.x + 5 * c.w / 6);
    png_pixel(path, x0, y, &R0, &G0, &B0, &w, &ht);
    png_pixel(path, x2, y, &R2, &G2, &B2, &w, &ht);
    static const double orange[3] = {0.85, 0.33, 0.1}, light[3] = {0.93, 0.93, 0.93};
    ok(rgb_close(R0, G0, B0, orange), "mark on: orange strip over the first column");
    ok(rgb_close(R2, G2, B2, light), "mark off (NaN): light grey strip");
    double want0[3];
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 0, want0);
    ok(png_pixel(path, x0, (int)(c.y + c.h / 4), &R, &G, &B, &w, &ht) == 0 && rgb_close(R, G, B, want0),
       "cells still drawn below the marks");
    h.marks = NULL;
    /* square matrix: square cells */
    static const double sq[] = {1, 2, 3, 4};
    struct wk_plot_heatmap hs = {.rows = 2, .cols = 2, .z = sq, .row_names = rows, .col_names = rows,
                                 .zmin = NAN, .zmax = NAN};
    ok(wk_plot_open(&p, path, WK_PLOT_PNG, 800, 400) == 0 && wk_plot_heatmap(p, wk_plot_panel(p, 0, 1, 0, 1), &hs, &c) == 0,
       "square heatmap drawn");
    ok(c.w == c.h, "square matrix has square cells");
    wk_plot_abort(p);
}

static void test_many_cells(void)
{
    /* more columns than pixels: a pixel shows the mean of its cells */
    enum { COLS = 4000 };
    static double z[COLS];
    for (size_t k = 0; k < COLS; k++) z[k] = (double)(k % 2); /* mean 0.5 */
    struct wk_plot_heatmap h = {.rows = 1, .cols = COLS, .z = z, .x0 = 0, .x1 = 100, .cmap = WK_PLOT_CMAP_VIRIDIS,
                                .zmin = 0, .zmax = 1};
    char path[128];
    path_in(path, sizeof path, "many.png");
    struct wk_plot *p;
    struct wk_plot_rect c;
    int ok_open = wk_plot_open(&p, path, WK_PLOT_PNG, 500, 200) == 0;
    ok(ok_open && wk_plot_heatmap(p, wk_plot_panel(p, 0, 1, 0, 1), &h, &c) == 0 && wk_plot_commit(p) == 0,
       "4000-column heatmap drawn");
    /* each pixel covers 9 or 10 alternating 0/1 cells: a mean in 0.4..0.6
     * (sampling one cell would give the colour of 0 or of 1) */
    int R, G, B, w, ht;
    double low[3], high[3];
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 0.4, low);
    wk_plot_cmap_rgb(WK_PLOT_CMAP_VIRIDIS, 0.6, high);
    int pass = 1;
    for (int k = 0; k < 20; k++) {
        int x = (int)(c.x + c.w * (k + 0.5) / 20);
        pass &= png_pixel(path, x, (int)(c.y + c.h / 2), &R, &G, &B, &w, &ht) == 0 && G >= lround(low[1] * 255) &&
                G <= lround(high[1] * 255);
    }
    ok(pass, "pixels average the cells they cover");
}

static void test_lines_and_svg(void)
{
    char path[128];
    path_in(path, sizeof path, "lines.png");
    static const double y[] = {1, 1, 1, 1};
    struct wk_plot_series s = {4, NULL, y, NULL};
    struct wk_plot_lines l = {1, &s, "flat", "iteration", "objective", 0, NULL, 0};
    struct wk_plot *p;
    struct wk_plot_rect f;
    ok(wk_plot_open(&p, path, WK_PLOT_PNG, 400, 300) == 0 && wk_plot_lines(p, wk_plot_panel(p, 0, 1, 0, 1), &l, &f) == 0 &&
       wk_plot_commit(p) == 0, "line plot drawn");
    int R, G, B, w, h;
    /* the flat line runs through the middle of the frame, in the first palette colour (blue) */
    ok(png_pixel(path, (int)(f.x + f.w / 2), (int)floor(f.y + f.h / 2), &R, &G, &B, &w, &h) == 0 && B > R + 80,
       "the series is drawn across the middle of the frame");
    ok(png_pixel(path, (int)(f.x + f.w / 2), (int)(f.y + f.h / 4), &R, &G, &B, &w, &h) == 0 && R == 255 && G == 255 &&
       B == 255, "the frame is white away from the line");

    path_in(path, sizeof path, "lines.svg");
    ok(wk_plot_open(&p, path, WK_PLOT_SVG, 400, 300) == 0 && wk_plot_lines(p, wk_plot_panel(p, 0, 1, 0, 1), &l, NULL) == 0 &&
       wk_plot_commit(p) == 0, "SVG written");
    FILE *fp = fopen(path, "r");
    char buf[8192] = "";
    size_t got = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp) fclose(fp);
    buf[got] = '\0';
    ok(strstr(buf, "<svg") && strstr(buf, "width=\"400pt\"") && strstr(buf, "height=\"300pt\""),
       "SVG root element with the requested size");

    path_in(path, sizeof path, "aborted.svg");
    ok(wk_plot_open(&p, path, WK_PLOT_SVG, 400, 300) == 0, "open another SVG");
    wk_plot_abort(p);
    ok(access(path, F_OK) != 0, "abort leaves no file");
    wk_plot_abort(NULL);
    ok(wk_plot_open(&p, path, WK_PLOT_PNG, 50, 300) == WK_EINVAL && p == NULL, "absurd size refused");
    ok(access(path, F_OK) != 0, "refused size leaves no file");
}

static void test_seriate(void)
{
    /* rows 0, 2, 4 follow sin(t), rows 1, 3, 5 follow -sin(t) (with small
     * distinct offsets and a NaN): the two groups must come out contiguous,
     * row 0's group first */
    enum { R = 6, T = 50 };
    double x[R * T];
    for (size_t r = 0; r < R; r++)
        for (size_t t = 0; t < T; t++)
            x[r * T + t] = (r % 2 ? -1 : 1) * sin(0.3 * (double)t) + 0.01 * (double)r * cos((double)(t * r));
    x[3 * T + 7] = NAN;
    size_t order[R];
    ok(wk_plot_seriate(order, x, R, T) == 0, "seriate runs");
    int first = 1, second = 1;
    for (size_t i = 0; i < 3; i++) first &= order[i] % 2 == 0, second &= order[i + 3] % 2 == 1;
    ok(first && second, "correlated rows together, row 0's group first");
    size_t again[R];
    wk_plot_seriate(again, x, R, T);
    ok(memcmp(order, again, sizeof order) == 0, "seriate is deterministic");
    size_t one;
    ok(wk_plot_seriate(&one, x, 1, T) == 0 && one == 0, "one row");
}

/* A heatmap with long row names over a line plot with short tick labels:
 * with the shared layout both data areas start and end at the same pixel
 * columns, and both frames are drawn on the same columns. */
static void test_shared_axis(void)
{
    char path[128];
    path_in(path, sizeof path, "shared.png");
    static const double z[] = {0, 1, 0.5, 0.2, 0.8, 0.1, 1, 0.3};
    static const double y[] = {1, 2, 2, 1};
    char *rows[] = {"a rather long row name", "b"};
    struct wk_plot_heatmap hm = {.rows = 2, .cols = 4, .z = z, .row_names = rows, .x0 = 10, .x1 = 40,
                                 .xlabel = "time (s)", .zlabel = "p", .cmap = WK_PLOT_CMAP_VIRIDIS, .zmin = 0,
                                 .zmax = 1};
    static const double x[] = {10, 20, 30, 40};
    struct wk_plot_series se = {4, x, y, NULL};
    struct wk_plot_lines l = {1, &se, NULL, "time (s)", "y", 0, NULL, 0};
    struct wk_plot *p;
    ok(wk_plot_open(&p, path, WK_PLOT_PNG, 600, 400) == 0, "open the shared-axis figure");
    struct wk_plot_rect top = wk_plot_panel(p, 0, 1, 0, 2), bottom = wk_plot_panel(p, 0, 1, 1, 2);
    double hl, hr, ll, lr, lo, hi;
    struct plot_lines_style style = {NULL, 0, 0, 0};
    plot_heatmap_margins(p, top, &hm, &hl, &hr);
    plot_lines_margins(p, bottom, &l, &style, &ll, &lr);
    ok(hl > ll + 40 && hr > lr, "the panels alone would start and end at different x");
    plot_heatmap_xrange(&hm, &lo, &hi);
    near(lo, 5, 1e-12, "heatmap x range: outer edge of the first column");
    near(hi, 45, 1e-12, "heatmap x range: outer edge of the last column");
    struct plot_xlayout shared = plot_xlayout_make(top, fmax(hl, ll), fmax(hr, lr), lo, hi);
    style.x = &shared;
    struct wk_plot_rect c = {0, 0, 0, 0}, f = {0, 0, 0, 0};
    ok(plot_heatmap_at(p, top, &hm, &shared, &c) == 0 && plot_lines_styled(p, bottom, &l, &style, &f) == 0 &&
           wk_plot_commit(p) == 0,
       "both panels drawn with the shared layout");
    ok(c.x == f.x && c.w == f.w && c.x == shared.x0 && c.x + c.w == shared.x1, "same data area x0 .. x1");
    int R, G, B, w, h, dark = 1;
    for (int k = 0; k < 2; k++) { /* the frame column left of each data area, at its mid-height */
        struct wk_plot_rect a = k ? f : c;
        dark &= png_pixel(path, (int)a.x - 1, (int)(a.y + a.h / 2), &R, &G, &B, &w, &h) == 0 && R < 60 && G < 60 &&
                B < 60;
        dark &= png_pixel(path, (int)(a.x + a.w), (int)(a.y + a.h / 2), &R, &G, &B, &w, &h) == 0 && R < 60 &&
                G < 60 && B < 60;
    }
    ok(dark, "both frames drawn on the same pixel columns, just outside the data area");
    /* y = 2 from x = 20 to 30: under the centres of cells 2 and 3 (3/8 and
     * 5/8 of the width on the shared axis 5 .. 45; on the line's own axis
     * 10 .. 40 it would end at 2/3) */
    int y2 = (int)floor(f.y + f.h - (2 - 0.95) / 1.1 * f.h), blue = 1;
    blue &= png_pixel(path, (int)(f.x + 0.375 * f.w) + 3, y2, &R, &G, &B, &w, &h) == 0 && B > R + 80;
    blue &= png_pixel(path, (int)(f.x + 0.625 * f.w) - 3, y2, &R, &G, &B, &w, &h) == 0 && B > R + 80;
    ok(blue, "the plateau y = 2 spans the centres of cells 2 and 3");
    ok(png_pixel(path, (int)(f.x + 0.625 * f.w) + 12, y2, &R, &G, &B, &w, &h) == 0 && R == 255 && B == 255,
       "the line leaves the plateau after the centre of cell 3");
}

static void test_kinds(void)
{
    ok(wk_plot_kind_find("traces") && wk_plot_kind_find("adjacency") && wk_plot_kind_find("trace") &&
       wk_plot_kind_find("ntf"), "kinds traces, adjacency, trace, ntf");
    ok(wk_plot_kind_find("states") && wk_plot_kind_find("psm"), "kinds states, psm");
    ok(wk_plot_kind_find("ntf-sweep") != NULL, "kind ntf-sweep");
    ok(wk_plot_kind_find("nope") == NULL, "unknown kind");
    size_t n = 0;
    for (const struct wk_plot_kind *k = wk_plot_kinds(); k->name; k++) n++;
    ok(n == 7, "seven kinds in the table");
}

/* The failures provoked on purpose log a message: keep the TAP output clean. */
static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
}

int main(void)
{
    wk_log_set_hook(quiet, NULL);
    snprintf(dir, sizeof dir, "/tmp/wk-test-plot.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_formats();
    test_colormaps();
    test_range();
    test_ticks();
    test_heatmap();
    test_many_cells();
    test_lines_and_svg();
    test_shared_axis();
    test_seriate();
    test_kinds();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) return 1;
    wk_plot_cleanup();
    return wk_test_done();
}
