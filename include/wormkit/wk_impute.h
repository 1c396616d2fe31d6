/* wk_impute.h - missing samples and bad traces of raw recordings
 * (homogenize.md, "Missing samples and bad traces").
 *
 * Functions work on a row-major float32 matrix of T samples and N columns
 * (the import table: x[t * N + i]); NaN (any non-finite value) is a missing
 * sample.  A `keep` array (NULL: all columns) restricts the work to the
 * columns with keep[i] != 0; other columns are neither read nor changed.
 * Computations in double, results stored float32.  Deterministic. */
#ifndef WK_IMPUTE_H
#define WK_IMPUTE_H

#include <stddef.h>

enum wk_impute_method {
    WK_IMPUTE_NONE = 0,  /* keep NaN (wormkit default) */
    WK_IMPUTE_LINEAR,    /* linear in time between finite neighbours */
    WK_IMPUTE_ITERATIVE  /* round-robin ridge regression (the reference's IterativeImputer) */
};

#define WK_IMPUTE_MAX_ROUNDS 10 /* iterative: at most 10 rounds */
#define WK_IMPUTE_RIDGE 1e-3    /* iterative: ridge penalty relative to diag of X'X */
#define WK_IMPUTE_TOL 1e-3      /* iterative: stop when max change <= tol * max |x| */

#define WK_LINEAR_WINDOW 50   /* bad-trace filter: window length (samples) */
#define WK_LINEAR_STEP 25     /* ... and stride */

/* "none", "linear", "iterative": 0, or WK_EINVAL without logging. */
int wk_impute_method_from_name(const char *name, enum wk_impute_method *out);
const char *wk_impute_method_name(enum wk_impute_method method);

/* Linear: in each kept column, a run of missing samples between two finite
 * samples is filled by linear interpolation in time (time[T], strictly
 * increasing); missing samples before the first (after the last) finite
 * sample take its value.  Columns without a finite sample are left alone. */
void wk_impute_linear(float *x, const double *time, size_t T, size_t N, const unsigned char *keep);

/* Iterative (round-robin regression), the reference's IterativeImputer with
 * a ridge estimator:
 *   1. every missing sample of a kept column starts at its column's mean
 *      over the finite samples;
 *   2. a round visits the kept columns that have missing samples, fewest
 *      missing first (ties: column order); column j is regressed on all
 *      other kept columns with finite data plus an intercept, over the rows
 *      where j is observed, with the current values of the predictors:
 *      (A + 1e-3 diag(A)) w = b, A = Z'Z, b = Z'y, the intercept not
 *      penalized; the missing samples of j are replaced by Z w at once,
 *      so later columns of the round see them;
 *   3. at most 10 rounds; stop early after a round whose largest change of
 *      an imputed value is <= 1e-3 times the largest |value| of the data.
 * Columns without a finite sample are left alone (callers drop them).
 * With one kept column the mean fill of step 1 is the result.
 * 0, or WK_ENOMEM (logged). */
int wk_impute_iterative(float *x, size_t T, size_t N, const unsigned char *keep);

/* Longest run of consecutive missing samples of column i (0 when none). */
size_t wk_trace_longest_gap(const float *x, size_t T, size_t N, size_t i);

/* Fraction of the windows of column i that are exactly linear: windows of
 * 50 samples starting at 0, 25, 50, ... (start + 50 <= T); a window is
 * linear when its 49 successive differences, rounded to 3 decimals, are all
 * equal (a window holding a missing sample is not).  0 when T < 50. */
double wk_trace_linear_fraction(const float *x, size_t T, size_t N, size_t i);

/* 1 when every value of column i is missing. */
int wk_trace_all_missing(const float *x, size_t T, size_t N, size_t i);

#endif
