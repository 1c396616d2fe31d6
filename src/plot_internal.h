/* plot_internal.h - drawing helpers shared by src/plot*.c (not installed). */
#ifndef WK_PLOT_INTERNAL_H
#define WK_PLOT_INTERNAL_H

#include <cairo.h>
#include <hdf5.h>

#include "wormkit/wk_plot.h"

#define PLOT_FONT "DejaVu Sans"
#define PLOT_TITLE_SIZE 16.0
#define PLOT_LABEL_SIZE 13.0 /* axis labels */
#define PLOT_TICK_SIZE 11.0  /* tick labels */
#define PLOT_NAME_MAX 10.0   /* neuron names: largest font */
#define PLOT_NAME_MIN 6.0    /* neuron names: below this, every k-th name */
#define PLOT_MARGIN 12.0     /* around the figure */
#define PLOT_TICK_LEN 4.0
#define PLOT_GUTTER 36.0     /* between panels */

cairo_t *plot_cairo(const struct wk_plot *p);

/* Text anchored at (x, y): ax, ay in [0, 1] select which point of the text's
 * box sits there (0, 0 top left; 0.5, 0.5 centre), angle in radians
 * (counter-clockwise; -pi/2 for a vertical label read bottom to top). */
void plot_text(cairo_t *cr, const char *s, double x, double y, double size, int bold, double ax,
               double ay, double angle);
double plot_text_width(cairo_t *cr, const char *s, double size, int bold);
/* Widest of n strings. */
double plot_text_max_width(cairo_t *cr, char *const *s, size_t n, double size);

void plot_set_rgb(cairo_t *cr, const double rgb[3]);
/* Crisp 1-px line between pixel centres. */
void plot_hline(cairo_t *cr, double x0, double x1, double y);
void plot_vline(cairo_t *cr, double x, double y0, double y1);

/* A numeric axis along the bottom (vertical == 0) or left (vertical != 0)
 * edge of frame, mapping [lo, hi] onto it: ticks, tick labels and label.
 * Returns the extent (px) the labels need beside the frame. */
double plot_axis_numeric(cairo_t *cr, struct wk_plot_rect frame, double lo, double hi, int vertical,
                         const char *label, int draw);
/* The same; with integer != 0 only integer ticks (ranks, counts). */
double plot_axis_ticks(cairo_t *cr, struct wk_plot_rect frame, double lo, double hi, int vertical,
                       const char *label, int draw, int integer);
/* Names along the bottom or left edge, one per of n equal slots; names are
 * drawn where they fit (font shrinking to PLOT_NAME_MIN, then every k-th). */
void plot_axis_names(cairo_t *cr, struct wk_plot_rect frame, char *const *names, size_t n,
                     int vertical);
/* Font size and step with which n names fit in a length of px. */
void plot_names_fit(size_t n, double length, double *size, size_t *step);

/* ---- panels that share one x axis ----
 *
 * Panels stacked over one time (or rank) axis line up when each gets the
 * same data area x0 .. x1 (whole pixels) and the same axis range
 * xlo .. xhi: measure each panel's margins, take the largest, then draw
 * every panel with that layout (plot_xlayout_make). */
struct plot_xlayout {
    double x0, x1;   /* the data area, absolute */
    double xlo, xhi; /* the numeric x axis */
};

/* Room a panel needs left and right of its data area inside area. */
void plot_heatmap_margins(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_heatmap *h,
                          double *left, double *right);
/* The numeric x range of a heatmap without col_names: the outer edges of
 * its first and last column. */
void plot_heatmap_xrange(const struct wk_plot_heatmap *h, double *lo, double *hi);
/* wk_plot_heatmap with the x layout imposed (x NULL: its own). */
int plot_heatmap_at(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_heatmap *h,
                    const struct plot_xlayout *x, struct wk_plot_rect *cells);

/* Extras of a line plot (all 0: wk_plot_lines). */
struct plot_lines_style {
    const struct plot_xlayout *x; /* imposed x layout, or NULL; the frame is then drawn around the data
                                     area as a heatmap's, so stacked frames coincide */
    int markers;                  /* a dot on every finite point */
    int integer_x, integer_y;     /* ticks at integers only (ranks, states) */
};
void plot_lines_margins(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_lines *l,
                        const struct plot_lines_style *style, double *left, double *right);
int plot_lines_styled(struct wk_plot *p, struct wk_plot_rect area, const struct wk_plot_lines *l,
                      const struct plot_lines_style *style, struct wk_plot_rect *frame);

/* The common layout of panels with these margins in area (panels of one
 * column share area.x and area.w). */
struct plot_xlayout plot_xlayout_make(struct wk_plot_rect area, double left, double right, double xlo,
                                      double xhi);

/* ---- shared by the plot kinds (src/plot_kinds.c, src/plot_models.c) ---- */

/* Open o->output at the kind's default size (o->width/height win), draw
 * the title (o->title wins). */
int plot_figure_open(struct wk_plot **p, const struct wk_plot_options *o, double w, double h,
                     const char *title);
/* Commit, or abort when rc < 0; returns the result. */
int plot_figure_close(struct wk_plot *p, int rc);
/* fmt with two %s filled in, newly allocated (NULL without memory). */
char *plot_strdupf(const char *fmt, const char *a, const char *b);
/* 0 when path (absolute) exists in the file, else WK_ENOTFOUND logged as
 * "'file': no dataset 'path'". */
int plot_check_dataset(hid_t h, const char *file, const char *path);

/* Kinds of src/plot_models.c. */
int plot_states(const char *input, const struct wk_plot_options *o);
int plot_ntf_sweep(const char *input, const struct wk_plot_options *o);
int plot_psm(const char *input, const struct wk_plot_options *o);
/* adjacency of a rank-3 [S][N][N] dataset: one panel per slice */
int plot_adjacency_stack(const char *input, const char *dataset, const struct wk_plot_options *o);
/* Rank of an HDF5 file's dataset, 0 when it cannot be told. */
int plot_dataset_rank(const char *input, const char *dataset);

#endif
