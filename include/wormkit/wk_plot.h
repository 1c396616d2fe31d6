/* wk_plot.h - figures of recordings, connectomes and results (worm-plot).
 *
 * Two layers:
 *  - a small plotting layer on cairo: a canvas writing SVG (cairo's SVG
 *    surface) or PNG (its image surface) atomically, heatmaps with a colour
 *    bar, line and bar plots, nice ticks, colormaps;
 *  - plot kinds: each reads one kind of input (a recording, a matrix, a
 *    result group) and draws one figure.  A kind is one entry of the table
 *    in src/plot_kinds.c and one function; new results (worm-glm,
 *    worm-bicluster, worm-sbm) are new entries.
 *
 * Coordinates are in pixels (PNG) or points (SVG), origin top left. */
#ifndef WK_PLOT_H
#define WK_PLOT_H

#include <stddef.h>

/* ---- formats and colormaps ---- */

enum wk_plot_format { WK_PLOT_SVG = 0, WK_PLOT_PNG = 1 };

/* "svg" or "png" (case-insensitive); WK_EINVAL (not logged) otherwise. */
int wk_plot_format_parse(const char *name, enum wk_plot_format *fmt);
/* From the extension of path (.svg, .png, any case); WK_EINVAL (logged,
 * naming the file) when there is none or it is unknown. */
int wk_plot_format_from_path(const char *path, enum wk_plot_format *fmt);

enum wk_plot_cmap {
    WK_PLOT_CMAP_AUTO = 0,      /* diverging when the data have both signs, else viridis */
    WK_PLOT_CMAP_VIRIDIS = 1,   /* perceptually uniform, sequential */
    WK_PLOT_CMAP_DIVERGING = 2  /* blue - white - red (ColorBrewer RdBu), 0 in the middle */
};
/* "auto", "viridis" or "diverging"; WK_EINVAL (not logged) otherwise. */
int wk_plot_cmap_parse(const char *name, enum wk_plot_cmap *cmap);
/* Colour at t in [0, 1] (clamped) as r, g, b in [0, 1]; NaN gives the
 * colormap's neutral "missing" grey.  AUTO is taken as viridis. */
void wk_plot_cmap_rgb(enum wk_plot_cmap cmap, double t, double rgb[3]);

/* Colour range of n values (NaN and infinities skipped): min..max, or the
 * 1st..99th percentiles when robust; symmetric around 0 (-m..m, m the
 * largest magnitude of that range) when diverging.  A degenerate range is
 * widened (v-1..v+1, or 0..1 for v = 0).  0, or WK_ENOMEM. */
int wk_plot_range(double *lo, double *hi, const double *z, size_t n, int robust, int diverging);

/* Row order that puts similar rows together (for a clustered heatmap):
 * rows sorted by their loading on the leading eigenvector of the row
 * correlation matrix (pairwise-complete columns; an undefined correlation
 * counts as 0), ties by row index; the sign is chosen so that row 0's
 * group comes first.  Deterministic.  0 or WK_ENOMEM. */
int wk_plot_seriate(size_t *order, const double *x, size_t rows, size_t cols);

/* ---- ticks ---- */

#define WK_PLOT_MAX_TICKS 32

/* Tick values at multiples of a nice step (1, 2 or 5 x 10^k) inside
 * [lo, hi], at most max_ticks (<= WK_PLOT_MAX_TICKS) of them, at least 2
 * when lo < hi.  Returns the count; *step receives the step. */
size_t wk_plot_ticks(double *ticks, double *step, double lo, double hi, size_t max_ticks);
/* Label of a tick: as many decimals as the step needs ("0.25", "10",
 * "-0.5"), scientific notation ("1e+06") for very large or small steps. */
void wk_plot_format_tick(char *buf, size_t size, double v, double step);

/* ---- canvas ---- */

struct wk_plot; /* opaque */

struct wk_plot_rect {
    double x, y, w, h;
};

/* Open a figure of width x height (each 100..20000) written to path ("-":
 * stdout, refused on a terminal) as fmt.  The file is written to a
 * temporary name and renamed by wk_plot_commit. */
int wk_plot_open(struct wk_plot **out, const char *path, enum wk_plot_format fmt, double width,
                 double height);
/* Render, write and rename; always frees p. */
int wk_plot_commit(struct wk_plot *p);
/* Give up: nothing is left under the output name.  NULL is a no-op. */
void wk_plot_abort(struct wk_plot *p);

/* Release cairo's static caches (fonts), so that leak checkers see a clean
 * exit; call once after the last figure.  Figures may be drawn again after. */
void wk_plot_cleanup(void);

/* Figure title, centred at the top; panels then start below it. */
void wk_plot_title(struct wk_plot *p, const char *title);
/* Area of the panel in column col of ncols and row row of nrows, below the
 * title, with the figure's outer margin. */
struct wk_plot_rect wk_plot_panel(const struct wk_plot *p, size_t col, size_t ncols, size_t row,
                                  size_t nrows);

/* ---- heatmap with a colour bar ---- */

struct wk_plot_heatmap {
    size_t rows, cols;
    const double *z;              /* [rows * cols], row-major; NaN = missing (neutral grey) */
    char *const *row_names;       /* [rows], drawn where they fit; NULL: rows numbered 1.. */
    char *const *col_names;       /* [cols], drawn where they fit; NULL: numeric x axis */
    double x0, x1;                /* numeric x axis: the centres of the first and last column */
    const char *title, *xlabel, *ylabel, *zlabel; /* each may be NULL */
    enum wk_plot_cmap cmap;
    double zmin, zmax;            /* colour range; NaN: wk_plot_range(min..max) */
    const double *marks;          /* [cols] or NULL: a strip above the map, dark where nonzero */
    const char *marks_label;      /* the strip's name ("stimulus") */
};

/* Draw a heatmap, its axes and colour bar inside area (square cells when
 * col_names is given and rows == cols: a neuron x neuron matrix).  The cells occupy
 * whole pixels: *cells (when not NULL) receives their rectangle (integer
 * coordinates); cell (r, c) covers the pixels of columns
 * [x + floor(c w / cols), x + floor((c + 1) w / cols)) and rows likewise;
 * when there are more cells than pixels a pixel shows the mean of the
 * finite cells it covers.  0 or a negative WK_E* code. */
int wk_plot_heatmap(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_heatmap *h,
                    struct wk_plot_rect *cells);

/* ---- line and bar plots ---- */

struct wk_plot_series {
    size_t n;
    const double *x; /* [n]; NULL: 0, 1, ..., n - 1 */
    const double *y; /* [n]; NaN breaks the line */
    const char *name; /* legend entry, or NULL */
};

struct wk_plot_lines {
    size_t n_series;
    const struct wk_plot_series *series;
    const char *title, *xlabel, *ylabel;
    int bars;                /* draw series[0] as bars at x = 0..n-1 */
    char *const *bar_names;  /* [series[0].n] names under the bars (where they fit), or NULL */
    int y_from_zero;         /* include 0 in the y range */
};

/* Draw the series with axes, ticks and (for several named series) a
 * legend inside area; *frame (when not NULL) receives the data rectangle. */
int wk_plot_lines(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_lines *l,
                  struct wk_plot_rect *frame);

/* ---- plot kinds (worm-plot) ---- */

struct wk_plot_options {
    const char *output;         /* -o path ("-": stdout) */
    enum wk_plot_format format;
    double width, height;       /* 0: the kind's default */
    const char *recording;      /* traces: --recording ID (NULL: the file's only one) */
    const char *dataset;        /* adjacency, trace: --dataset PATH; ntf: the model group */
    const char *compare;        /* adjacency: second matrix (FILE or FILE:/dataset) */
    const char *title;          /* replaces the default title */
    enum wk_plot_cmap cmap;
    double zmin, zmax;          /* --range; NaN: automatic */
    int all_neurons;            /* adjacency: keep neurons without any weight */
    int clustered;              /* traces: rows by wk_plot_seriate, not canonical order */
    size_t components;          /* ntf: at most this many components (0: up to 8) */
};
void wk_plot_options_init(struct wk_plot_options *o);

struct wk_plot_kind {
    const char *name;     /* "traces" */
    const char *summary;  /* one line for --help */
    /* Read input (a path, "-" for stdin), draw, write o->output.  Inputs are
     * read before the output is opened: a bad input leaves no file. */
    int (*draw)(const char *input, const struct wk_plot_options *o);
};

/* The kinds, terminated by an entry with a NULL name. */
const struct wk_plot_kind *wk_plot_kinds(void);
const struct wk_plot_kind *wk_plot_kind_find(const char *name); /* NULL if unknown */

#endif
