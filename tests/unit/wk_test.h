/* wk_test.h - minimal TAP output for unit tests.
 *
 *   int main(void) { ok(1 + 1 == 2, "sum"); near(x, 1.0, 1e-12, "x"); return wk_test_done(); }
 *
 * The plan is printed at the end ("1..N"); the exit status is 0 only when
 * every assertion passed. */
#ifndef WK_TEST_H
#define WK_TEST_H

#include <math.h>
#include <stdio.h>

static int wk_test_count, wk_test_failed;

static void wk_test_report(int pass, const char *file, int line, const char *what)
{
    wk_test_count++;
    if (!pass) wk_test_failed++;
    printf("%sok %d - %s\n", pass ? "" : "not ", wk_test_count, what);
    if (!pass) printf("#   failed at %s:%d\n", file, line);
    fflush(stdout);
}

#define ok(cond, what) wk_test_report(!!(cond), __FILE__, __LINE__, (what))

/* |got - want| <= tol (NaN equals NaN). */
#define near(got, want, tol, what)                                                   \
    do {                                                                             \
        double g_ = (double)(got), w_ = (double)(want);                              \
        int p_ = (isnan(g_) && isnan(w_)) || fabs(g_ - w_) <= (double)(tol);         \
        if (!p_) printf("#   got %.17g, want %.17g (tol %g)\n", g_, w_, (double)(tol)); \
        wk_test_report(p_, __FILE__, __LINE__, (what));                              \
    } while (0)

static int wk_test_done(void)
{
    printf("1..%d\n", wk_test_count);
    return wk_test_failed ? 1 : 0;
}

#endif
