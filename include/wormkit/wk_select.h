/* wk_select.h - choose recordings, neurons and a time range; merge files.
 *
 * Used by worm-select (filters) and worm-cat (no filters, several inputs).
 *
 *   struct wk_select sel;
 *   wk_select_init(&sel);
 *   wk_select_add_list(&sel.neurons, &sel.n_neurons, "AV*,RIM?", "--neurons");
 *   wk_select_parse_time(&sel, "0:120");
 *   struct wk_select_run *run = wk_select_run_alloc(&sel);
 *   for each input: wk_select_run_file(run, dst, src);
 *   rc = wk_select_run_finish(run);      (unmatched --recording/--neurons...)
 *   wk_select_run_free(run); wk_select_clear(&sel);
 *
 * Names and patterns match when they are equal or when fnmatch(3) (no
 * flags, so case-sensitive) matches the pattern against the name.
 */
#ifndef WK_SELECT_H
#define WK_SELECT_H

#include <stddef.h>
#include "wk_file.h"
#include "wk_recording.h"

/* What to keep; filled from the command line.  Empty lists keep all. */
struct wk_select {
    char **recordings;  /* --recording id patterns */
    size_t n_recordings;
    char **datasets;    /* --dataset name patterns */
    size_t n_datasets;
    char **neurons;     /* --neurons label patterns */
    size_t n_neurons;
    int labeled;        /* --labeled: drop the extra columns 300.. */
    int has_time;       /* --time given: keep t_start <= time < t_end */
    double t_start;     /* -INFINITY when open */
    double t_end;       /* +INFINITY when open */
    char *time_text;    /* the --time value as given, for messages */
    int rename;         /* rename repeated recording ids instead of failing */
};

void wk_select_init(struct wk_select *sel);
void wk_select_clear(struct wk_select *sel); /* frees the lists; NULL is a no-op */

/* Split a comma-separated list (blanks around items ignored) and append
 * the items to (*items, *n).  An empty item is a usage error reported as
 * "empty name in <option> '<list>'" (WK_EUSAGE). */
int wk_select_add_list(char ***items, size_t *n, const char *list, const char *option);

/* Parse "START:END" (seconds; either side may be empty, meaning open) into
 * sel->t_start/t_end/has_time/time_text.  Reports a usage error
 * (WK_EUSAGE) for a missing colon, a bad number or START >= END. */
int wk_select_parse_time(struct wk_select *sel, const char *text);

/* 1 when name equals pattern or fnmatch(pattern, name) matches, else 0. */
int wk_select_match(const char *pattern, const char *name);

/* Index of the first pattern of v[0..n) matching name, or -1. */
long wk_select_match_any(char *const *v, size_t n, const char *name);

/* Samples [*first, *end) of a strictly increasing time[T] that fall in
 * [t_start, t_end) (all of them when sel->has_time is 0). */
void wk_select_time_indices(size_t *first, size_t *end, const struct wk_select *sel,
                            const double *time, size_t T);

/* keep[c] = 1 for the columns of rec the selection keeps (rec->C entries).
 * When neuron_hits is not NULL, neuron_hits[i] is incremented for every
 * column that pattern sel->neurons[i] matches (and that --labeled keeps).
 * Returns the number of kept extra columns. */
size_t wk_select_columns(unsigned char *keep, const struct wk_select *sel,
                         const struct wk_recording *rec, size_t *neuron_hits);

/* A new recording holding the selected samples and columns of rec: the 300
 * canonical columns always stay (unselected ones become NaN, present 0),
 * unselected extra columns are removed, present is recomputed over the
 * kept samples.  Optional arrays shaped [T][C] are cut like traces, other
 * arrays whose first dimension is T are cut in time, the rest are copied.
 * A time range that leaves no sample is an error naming file and
 * recording (WK_EINVAL). */
int wk_select_recording(struct wk_recording **out, const struct wk_select *sel,
                        const struct wk_recording *rec, const char *file, size_t *neuron_hits);

/* First free id among "<id>", "<id>.2", "<id>.3", ... that is not in
 * taken[0..n); newly allocated in *out. */
int wk_select_unique_id(char **out, const char *id, char *const *taken, size_t n);

/* Input operands: "-" (stdin) may appear once; a second one is a usage
 * error (WK_EUSAGE). */
int wk_select_check_inputs(char *const *files, int n);

/* Bookkeeping over several inputs: which patterns matched, which ids
 * were written and from which file. */
struct wk_select_run;

struct wk_select_run *wk_select_run_alloc(const struct wk_select *sel);
void wk_select_run_free(struct wk_select_run *run);

/* Copy the selected recordings of src into dst (in src's order), then the
 * children of /connectomes and /results, then src's history lines.  A
 * recording id already written from an earlier input is an error naming
 * both files, unless sel->rename (then "<id>.2", ... is used). */
int wk_select_run_file(struct wk_select_run *run, struct wk_file *dst, const struct wk_file *src);

/* After all inputs: an error for the first --recording, --dataset or
 * --neurons item that matched nothing ("no recording matches
 * --recording 'x'").  Returns 0 or WK_ENOTFOUND. */
int wk_select_run_finish(const struct wk_select_run *run);

#endif
