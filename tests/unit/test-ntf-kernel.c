/* test-ntf-kernel.c - the products of an NTF pass (ntf_kernel.c) against a
 * plain double reference, on every instruction-set path: odd sizes (pairs
 * and ranks not multiples of the vector width, ranks 1 .. 12 and blocks of
 * ranks above), float32 and double inputs, accumulation; both paths give
 * the same bits, also through a whole fit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "ntf_internal.h"
#include "wk_test.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_ntf.h"

#define LD_PAD 3 /* rows of x longer than the segment */

struct problem {
    size_t np, nt, k, ld;
    float *xf;
    double *xd, *R, *L, *Lt;
};

static void problem_init(struct problem *pb, size_t np, size_t nt, size_t k, gsl_rng *rng)
{
    pb->np = np;
    pb->nt = nt;
    pb->k = k;
    pb->ld = np + LD_PAD;
    pb->xf = malloc(nt * pb->ld * sizeof *pb->xf);
    pb->xd = malloc(nt * pb->ld * sizeof *pb->xd);
    pb->R = malloc(nt * k * sizeof *pb->R);
    pb->L = malloc(np * k * sizeof *pb->L);
    pb->Lt = malloc(k * np * sizeof *pb->Lt);
    for (size_t i = 0; i < nt * pb->ld; i++) {
        pb->xf[i] = (float)gsl_rng_uniform(rng);
        pb->xd[i] = pb->xf[i];
    }
    for (size_t i = 0; i < nt * k; i++) pb->R[i] = gsl_rng_uniform(rng) - 0.25;
    for (size_t i = 0; i < np * k; i++) pb->L[i] = gsl_rng_uniform(rng) - 0.25;
    ntf_kernel_transpose(pb->Lt, np, pb->L, np, k);
}

static void problem_free(struct problem *pb)
{
    free(pb->xf);
    free(pb->xd);
    free(pb->R);
    free(pb->L);
    free(pb->Lt);
}

/* Largest |got - want| / sum |terms| of the left product (out [np][k]). */
static double left_error(const struct problem *pb, const double *out, const double *start)
{
    double worst = 0;
    for (size_t p = 0; p < pb->np; p++)
        for (size_t j = 0; j < pb->k; j++) {
            double s = start ? start[p * pb->k + j] : 0, mag = fabs(s);
            for (size_t t = 0; t < pb->nt; t++) {
                double term = pb->xd[t * pb->ld + p] * pb->R[t * pb->k + j];
                s += term;
                mag += fabs(term);
            }
            double e = mag > 0 ? fabs(out[p * pb->k + j] - s) / mag : fabs(out[p * pb->k + j]);
            if (e > worst) worst = e;
        }
    return worst;
}

/* The same for the right product (out [nt][k]). */
static double right_error(const struct problem *pb, const double *out, const double *start)
{
    double worst = 0;
    for (size_t t = 0; t < pb->nt; t++)
        for (size_t j = 0; j < pb->k; j++) {
            double s = start ? start[t * pb->k + j] : 0, mag = fabs(s);
            for (size_t p = 0; p < pb->np; p++) {
                double term = pb->xd[t * pb->ld + p] * pb->L[p * pb->k + j];
                s += term;
                mag += fabs(term);
            }
            double e = mag > 0 ? fabs(out[t * pb->k + j] - s) / mag : fabs(out[t * pb->k + j]);
            if (e > worst) worst = e;
        }
    return worst;
}

static const char *path_name(int path)
{
    return path == NTF_KERNEL_AVX2 ? "avx2" : "portable";
}

/* One problem on the current path: the four products against the
 * reference, float32 = double bitwise, accumulation; outputs in got[4]
 * (left, right, left accumulated, right accumulated) for the comparison
 * between paths. */
static int check_problem(const struct problem *pb, double *got[4], double *err)
{
    size_t np = pb->np, nt = pb->nt, k = pb->k, nl = np * k, nr = nt * k;
    double *ld = malloc(nl * sizeof *ld), *rd = malloc(nr * sizeof *rd);
    double *start_l = malloc(nl * sizeof *start_l), *start_r = malloc(nr * sizeof *start_r);
    int same = 1;
    ntf_kernel_left_f(got[0], pb->xf, pb->ld, np, nt, pb->R, k, 0);
    ntf_kernel_left_d(ld, pb->xd, pb->ld, np, nt, pb->R, k, 0);
    same &= memcmp(got[0], ld, nl * sizeof *ld) == 0;
    ntf_kernel_right_f(got[1], pb->xf, pb->ld, nt, np, pb->Lt, np, k, 0);
    ntf_kernel_right_d(rd, pb->xd, pb->ld, nt, np, pb->Lt, np, k, 0);
    same &= memcmp(got[1], rd, nr * sizeof *rd) == 0;
    *err = fmax(left_error(pb, got[0], NULL), right_error(pb, got[1], NULL));

    /* accumulation: the left product over the first rows, then the rest
     * added to it, is the one-call product to the last bit */
    size_t split = nt / 2;
    ntf_kernel_left_f(got[2], pb->xf, pb->ld, np, split, pb->R, k, 0);
    ntf_kernel_left_f(got[2], pb->xf + split * pb->ld, pb->ld, np, nt - split, pb->R + split * k, k, 1);
    same &= memcmp(got[2], got[0], nl * sizeof *ld) == 0;
    for (size_t i = 0; i < nl; i++) start_l[i] = got[2][i] = 0.5 + (double)i;
    ntf_kernel_left_d(got[2], pb->xd, pb->ld, np, nt, pb->R, k, 1);
    for (size_t i = 0; i < nr; i++) start_r[i] = got[3][i] = 1.5 - (double)i;
    ntf_kernel_right_f(got[3], pb->xf, pb->ld, nt, np, pb->Lt, np, k, 1);
    for (size_t i = 0; i < nr; i++) same &= got[3][i] == start_r[i] + rd[i];
    *err = fmax(*err, fmax(left_error(pb, got[2], start_l), right_error(pb, got[3], start_r)));
    free(ld);
    free(rd);
    free(start_l);
    free(start_r);
    return same;
}

static void test_products(void)
{
    static const size_t ranks[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 25};
    size_t nr = sizeof ranks / sizeof *ranks;
    int paths[2], npath = 0;
    paths[npath++] = NTF_KERNEL_PORTABLE;
    if (ntf_kernel_force(NTF_KERNEL_AVX2) == 0) paths[npath++] = NTF_KERNEL_AVX2;
    else printf("# no AVX2 on this processor: portable path only\n");
    ok(ntf_kernel_force(7) == WK_EINVAL, "an unknown kernel path is refused");
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 5);
    for (size_t ir = 0; ir < nr; ir++) {
        size_t k = ranks[ir], np = 37 + 2 * ir, nt = 11 + ir;
        struct problem pb;
        problem_init(&pb, np, nt, k, rng);
        double *got[2][4];
        int bits_equal = 1;
        for (int ip = 0; ip < npath; ip++) {
            char what[160];
            for (int i = 0; i < 4; i++) got[ip][i] = malloc((np > nt ? np : nt) * k * sizeof(double));
            ntf_kernel_force(paths[ip]);
            double err;
            int same = check_problem(&pb, got[ip], &err);
            snprintf(what, sizeof what, "%s, rank %zu, %zu pairs x %zu times: products to 1e-12 relative (%.2g)",
                     path_name(paths[ip]), k, np, nt, err);
            ok(err <= 1e-12, what);
            snprintf(what, sizeof what,
                     "%s, rank %zu: float32 = double input and split rows = one call, bitwise; accumulation adds",
                     path_name(paths[ip]), k);
            ok(same, what);
        }
        for (int i = 0; npath == 2 && i < 4; i++)
            bits_equal &= memcmp(got[0][i], got[1][i], (i % 2 ? nt : np) * k * sizeof(double)) == 0;
        if (npath == 2) {
            char what[120];
            snprintf(what, sizeof what, "rank %zu: the portable and avx2 paths give the same bits", k);
            ok(bits_equal, what);
        }
        for (int ip = 0; ip < npath; ip++)
            for (int i = 0; i < 4; i++) free(got[ip][i]);
        problem_free(&pb);
    }
    ntf_kernel_force(-1);
    ok(ntf_kernel_path() == paths[npath - 1], "unforced, the kernels run on the processor's best path");
    gsl_rng_free(rng);
}

/* A whole fit (fused pass, then the two-pass evaluation) on each path. */
static void test_fit_paths(void)
{
    if (ntf_kernel_force(NTF_KERNEL_AVX2) != 0) {
        printf("# no AVX2 on this processor: one path only\n");
        return;
    }
    size_t P = 301, T = 23, W = 3;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 9);
    float *X;
    struct wk_ntf_model *truth, *fit[2] = {NULL, NULL};
    ok(wk_ntf_planted(&X, &truth, P, T, W, 3, 0.4, 0.05, rng) == 0, "planted 301 x 23 x 3 tensor");
    X[5 * P + 7] = NAN; /* one chunk with a missing entry */
    struct wk_ntf_tensor tensor;
    wk_ntf_tensor_dense(&tensor, X, NULL, P, T, W);
    struct wk_ntf_opts o;
    wk_ntf_opts_init(&o);
    o.rank = 3;
    o.max_iter = 6;
    o.tol = 0;
    for (int path = 0; path < 2; path++) {
        ntf_kernel_force(path);
        ok(wk_ntf_fit(&fit[path], NULL, &tensor, &o, 4) == 0, path ? "fit on the avx2 path" : "fit on the portable path");
    }
    ntf_kernel_force(-1);
    ok(fit[0] && fit[1] && fit[0]->error == fit[1]->error &&
           memcmp(fit[0]->A, fit[1]->A, P * 3 * sizeof(double)) == 0 &&
           memcmp(fit[0]->B, fit[1]->B, T * 3 * sizeof(double)) == 0 &&
           memcmp(fit[0]->C, fit[1]->C, W * 3 * sizeof(double)) == 0,
       "portable and avx2 paths: the same factors and error, bitwise");
    wk_ntf_model_free(fit[0]);
    wk_ntf_model_free(fit[1]);
    wk_ntf_model_free(truth);
    free(X);
    gsl_rng_free(rng);
}

int main(void)
{
    test_products();
    test_fit_paths();
    return wk_test_done();
}
