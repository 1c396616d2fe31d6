/* glm_mstep.c - the M-step of the switching GLM: the expected complete-data
 * log-likelihood with its analytic gradients, Fisher scoring per neuron
 * (default) and Adam (the reference schedule). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "glm_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

static size_t max_len(const struct wk_glm_data *d)
{
    size_t T = 1;
    for (size_t i = 0; i < d->n; i++)
        if (d->seq[i].T > T) T = d->seq[i].T;
    return T;
}

/* Rows of bins per call of wk_glm_obs_block in state_pass. */
#define PASS_ROWS 256

/* One state's share of the data term: values val [N] (may be NULL),
 * bias gradient gb [N],
 * weight gradient gW [N][N] (may be NULL), Fisher weights wt [sum T][N]
 * (may be NULL; 0 where the posterior is below WK_GLM_FISHER_SKIP). */
static int state_pass(double *val, double *gb, double *gW, double *wt, const struct wk_glm_model *m,
                      const double *W, const struct wk_glm_data *d, const double *gamma, size_t s)
{
    size_t N = m->N, S = m->S, Tm = max_len(d), off = 0;
    double *u = wk_malloc_array(2 * Tm * N + 2 * PASS_ROWS * N, sizeof *u);
    if (!u) return WK_ENOMEM;
    double *D = u + Tm * N, *v = D + Tm * N, *w = v + PASS_ROWS * N;
    for (size_t i = 0; i < d->n; i++) {
        const struct wk_glm_seq *q = d->seq + i;
        wk_glm_drive(u, m, q, s, W);
        for (size_t t0 = 0; t0 < q->T; t0 += PASS_ROWS) {
            size_t nt = q->T - t0 < PASS_ROWS ? q->T - t0 : PASS_ROWS;
            /* the derivatives land in D, then get their posterior weight */
            wk_glm_obs_block(val ? v : NULL, D + t0 * N, w, m->obs, q->x + t0 * N, u + t0 * N, m->var, nt, N);
            for (size_t t = t0; t < t0 + nt; t++) {
                double g = gamma[(off + t) * S + s], *Drow = D + t * N;
                double *wrow = wt ? wt + (off + t) * N : NULL;
                const double *vr = v + (t - t0) * N, *wr = w + (t - t0) * N;
                if (g < WK_GLM_GAMMA_SKIP) {
                    memset(Drow, 0, N * sizeof *Drow);
                    if (wrow) memset(wrow, 0, N * sizeof *wrow);
                    continue;
                }
                if (val)
#pragma omp simd
                    for (size_t n = 0; n < N; n++) val[n] += g * vr[n];
#pragma omp simd
                for (size_t n = 0; n < N; n++) {
                    Drow[n] *= g;
                    gb[n] += Drow[n];
                }
                if (wrow && g < WK_GLM_FISHER_SKIP) memset(wrow, 0, N * sizeof *wrow);
                else if (wrow)
#pragma omp simd
                    for (size_t n = 0; n < N; n++) wrow[n] = g * wr[n];
            }
        }
        if (gW && q->T)
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)N, (int)q->T, 1.0, D, (int)N, q->c,
                        (int)N, 1.0, gW, (int)N);
        off += q->T;
    }
    free(u);
    return 0;
}

/* The data term: per-neuron values, gradients, Fisher weights wt
 * [S][sum T][N] (any of gW, gb, wt may be NULL). */
static int data_pass(double *value_n, double *gW, double *gb, double *wt, const struct wk_glm_model *m,
                     const double *W, const struct wk_glm_data *d, const double *gamma)
{
    size_t S = m->S, N = m->N, NN = N * N, Tall = wk_glm_data_samples(d);
    double *val = wk_calloc(2 * S * N + 1, sizeof *val);
    if (!val) return WK_ENOMEM;
    double *gbs = val + S * N;
    if (gW) memset(gW, 0, S * NN * sizeof *gW);
    int rc = 0;
#pragma omp parallel for schedule(dynamic) reduction(min : rc) if (S * Tall * N > WK_GLM_PARALLEL_MIN)
    for (size_t s = 0; s < S; s++) {
        int r = state_pass(value_n ? val + s * N : NULL, gbs + s * N, gW ? gW + s * NN : NULL,
                           wt ? wt + s * Tall * N : NULL, m, W, d, gamma, s);
        if (r < rc) rc = r;
    }
    for (size_t n = 0; n < N; n++) {
        double v = 0, g = 0;
        for (size_t s = 0; s < S; s++) {
            v += val[s * N + n];
            g += gbs[s * N + n];
        }
        if (value_n) value_n[n] = v;
        if (gb) gb[n] = g;
    }
    if (gW) wk_glm_zero_self(m, gW);
    free(val);
    return rc;
}

/* data_pass without values from the E-step's terms at W (d1 and the
 * weights wt [sum T][S][N], unweighted), in place: d1 becomes the weighted
 * derivatives, wt the Fisher weights with the skip rules of state_pass. */
static int weigh_terms(double *gW, double *gb, double *d1, double *wt, const struct wk_glm_model *m,
                       const struct wk_glm_data *d, const double *gamma)
{
    size_t S = m->S, N = m->N, NN = N * N, SN = S * N, Tall = wk_glm_data_samples(d);
    double *gbv = wk_calloc(SN + 1, sizeof *gbv);
    if (!gbv) return WK_ENOMEM;
    /* one sweep through memory in its order (a pass per state would stride
     * across the rows of the other states) */
    for (size_t t = 0; t < Tall; t++)
        for (size_t s = 0; s < S; s++) {
            double g = gamma[t * S + s], *Drow = d1 + t * SN + s * N, *wrow = wt + t * SN + s * N, *gbr = gbv + s * N;
            if (g < WK_GLM_GAMMA_SKIP) {
                memset(Drow, 0, N * sizeof *Drow);
                memset(wrow, 0, N * sizeof *wrow);
                continue;
            }
#pragma omp simd
            for (size_t n = 0; n < N; n++) {
                Drow[n] *= g;
                gbr[n] += Drow[n];
            }
            if (g < WK_GLM_FISHER_SKIP) memset(wrow, 0, N * sizeof *wrow);
            else
#pragma omp simd
                for (size_t n = 0; n < N; n++) wrow[n] *= g;
        }
    memset(gW, 0, S * NN * sizeof *gW);
#pragma omp parallel for schedule(dynamic) if (S * Tall * N > WK_GLM_PARALLEL_MIN)
    for (size_t s = 0; s < S; s++) {
        size_t off = 0;
        for (size_t i = 0; i < d->n; i++) {
            const struct wk_glm_seq *q = d->seq + i;
            if (q->T)
                cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)N, (int)q->T, 1.0,
                            d1 + off * SN + s * N, (int)SN, q->c, (int)N, 1.0, gW + s * NN, (int)N);
            off += q->T;
        }
    }
    for (size_t n = 0; n < N; n++) {
        double g = 0;
        for (size_t s = 0; s < S; s++) g += gbv[s * N + n];
        gb[n] = g;
    }
    wk_glm_zero_self(m, gW);
    free(gbv);
    return 0;
}

int wk_glm_data_term(double *value_n, double *gW, double *gb, const struct wk_glm_model *m, const double *W,
                     const struct wk_glm_data *d, const double *gamma)
{
    return data_pass(value_n, gW, gb, NULL, m, W, d, gamma);
}

static double sum_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += v[i];
    return s;
}

int wk_glm_objective(double *value, double *gW, double *gb, const struct wk_glm_model *m,
                     const struct wk_glm_data *d, const double *gamma, const double *Wbar)
{
    double *vn = wk_calloc(m->N + 1, sizeof *vn), *mean = NULL;
    if (!vn) return WK_ENOMEM;
    int rc = data_pass(vn, gW, gb, NULL, m, m->W, d, gamma);
    double v = sum_of(vn, m->N);
    if (!rc && m->prior == WK_GLM_PRIOR_GAUSSIAN) {
        if (!Wbar) {
            mean = wk_calloc(m->N * m->N + 1, sizeof *mean);
            if (!mean) rc = WK_ENOMEM;
            else wk_glm_state_mean(mean, m);
            Wbar = mean;
        }
        if (!rc) v += wk_glm_gaussian_prior(m, m->W, Wbar, gW);
    }
    free(mean);
    free(vn);
    *value = v;
    return rc;
}

int wk_glm_onehot_objective(double *value, double *gl, double *grho, double *gpi, double *gb,
                            const struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                            const double *gumbel)
{
    size_t S = m->S, N = m->N, SNN = S * N * N;
    double *W = wk_calloc(2 * SNN + N + 1, sizeof *W);
    if (!W) return WK_ENOMEM;
    double *gW = W + SNN, *vn = gW + SNN;
    double prior = wk_glm_onehot_forward(m, gumbel, W);
    int rc = data_pass(vn, gW, gb, NULL, m, W, d, gamma);
    if (gl) memset(gl, 0, SNN * 3 * sizeof *gl);
    if (grho) memset(grho, 0, SNN * sizeof *grho);
    if (gpi) memset(gpi, 0, N * N * 3 * sizeof *gpi);
    wk_glm_onehot_backward(m, gumbel, gW, gl, grho, gpi);
    *value = sum_of(vn, N) + prior;
    free(W);
    return rc;
}

int wk_glm_update_variance(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma)
{
    size_t N = m->N, S = m->S, Tm = max_len(d), off = 0;
    double *u = wk_malloc_array(Tm * N, sizeof *u), *num = wk_calloc(2 * N + 1, sizeof *num);
    if (!u || !num) {
        free(u);
        free(num);
        return WK_ENOMEM;
    }
    double *den = num + N;
    for (size_t i = 0; i < d->n; i++) {
        const struct wk_glm_seq *q = d->seq + i;
        for (size_t s = 0; s < S; s++) {
            wk_glm_drive(u, m, q, s, m->W);
            for (size_t t = 0; t < q->T; t++) {
                double g = gamma[(off + t) * S + s];
                for (size_t n = 0; n < N; n++) {
                    double x = q->x[t * N + n], r = x - u[t * N + n];
                    if (isnan(x)) continue;
                    num[n] += g * r * r;
                    den[n] += g;
                }
            }
        }
        off += q->T;
    }
    for (size_t n = 0; n < N; n++) m->var[n] = den[n] > 0 ? fmax(num[n] / den[n], 1e-6) : 1.0;
    free(u);
    free(num);
    return 0;
}

/* ---- Fisher scoring per neuron ---- */

/* LAPACK (in OpenBLAS) through its Fortran interface; the matrices are
 * symmetric, so row-major storage is the same matrix. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda, double *b,
             const int *ldb, int *info);

/* Cholesky factor of A in place; 0 or -1 if not positive definite. */
static int cholesky(double *A, size_t n)
{
    int nn = (int)n, info = 0;
    dpotrf_("U", &nn, A, &nn, &info);
    return info == 0 ? 0 : -1;
}

/* Solve A x = b in place with the factor of cholesky(). */
static void cholesky_solve(double *x, const double *L, size_t n)
{
    int nn = (int)n, one = 1, info = 0;
    dpotrs_("U", &nn, &one, L, &nn, x, &nn, &info);
}

/* The rows of each state with a positive weight for some neuron (the
 * others add nothing to its Fisher blocks): for state s, R[s] pointers to
 * their weights (in wt [S][sum T][N]) and covariates at wrow/crow + s Tall. */
struct fisher_set {
    const double **wrow, **crow;
    size_t Tall, R[WK_GLM_MAX_STATES];
};

static void fisher_set_free(struct fisher_set *fs)
{
    free(fs->wrow);
    free(fs->crow);
    fs->wrow = fs->crow = NULL;
}

/* wt holds the weights of state s, sample t at wt + s state_step + t row_step
 * ([S][sum T][N]: Tall N and N; the E-step's [sum T][S][N]: N and S N). */
static int fisher_set_build(struct fisher_set *fs, const double *wt, const struct wk_glm_data *d, size_t S,
                            size_t state_step, size_t row_step)
{
    size_t N = d->N, Tall = wk_glm_data_samples(d);
    fs->Tall = Tall;
    fs->wrow = wk_malloc_array(S * Tall + 1, sizeof *fs->wrow);
    fs->crow = wk_malloc_array(S * Tall + 1, sizeof *fs->crow);
    if (!fs->wrow || !fs->crow) {
        fisher_set_free(fs);
        return WK_ENOMEM;
    }
    for (size_t s = 0; s < S; s++) fs->R[s] = 0;
    /* sample by sample, the states inside: memory in its order in either layout */
    size_t at = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct wk_glm_seq *q = d->seq + i;
        for (size_t t = 0; t < q->T; t++, at++)
            for (size_t s = 0; s < S; s++) {
                const double *w = wt + s * state_step + at * row_step;
                int any = 0;
                for (size_t n = 0; n < N; n++) any |= w[n] > 0;
                if (!any) continue;
                fs->wrow[s * Tall + fs->R[s]] = w;
                fs->crow[s * Tall + fs->R[s]++] = q->c + t * N;
            }
    }
    return 0;
}

/* Fisher blocks of neuron n, H [S][N+1][N+1] (last row and column: bias),
 * from the rows of fs; B is scratch [sum T][N+1]. */
static void neuron_fisher(double *H, double *B, const struct fisher_set *fs, size_t N, size_t S, size_t n)
{
    size_t N1 = N + 1;
    for (size_t s = 0; s < S; s++) {
        const double *const *wrow = fs->wrow + s * fs->Tall, *const *crow = fs->crow + s * fs->Tall;
        size_t r = 0;
        for (size_t k = 0; k < fs->R[s]; k++) {
            double w = wrow[k][n];
            if (!(w > 0)) continue;
            double sq = sqrt(w), *row = B + r * N1;
            for (size_t j = 0; j < N; j++) row[j] = sq * crow[k][j];
            row[N] = sq;
            r++;
        }
        double *Hs = H + s * N1 * N1;
        memset(Hs, 0, N1 * N1 * sizeof *Hs);
        if (r) cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)N1, (int)r, 1.0, B, (int)N1, 0.0, Hs, (int)N1);
        for (size_t a = 0; a < N1; a++)
            for (size_t b = 0; b < a; b++) Hs[a * N1 + b] = Hs[b * N1 + a];
    }
}

/* Every neuron's Fisher blocks at once, Hall [N][S][N1][N1] in the layout
 * of neuron_fisher: state by state, the packed outer products of
 * z_t = (c_t, 1) of the state's rows times the weights of all neurons, in
 * one GEMM per chunk of rows and block of FISHER_COLS packed columns.  A
 * state's rows are those with a positive weight (posterior at least
 * WK_GLM_FISHER_SKIP), so the work follows the posterior mass rather than
 * S times the samples.  A block's columns are summed chunk after chunk by
 * one thread (static schedule), so the sums do not depend on the number of
 * threads. */
#define FISHER_CHUNK 256
#define FISHER_COLS 128

/* The packed columns c0 .. c0+nc-1 as runs (a, b0, len) of products
 * z_a z_b, b = b0 .. b0+len-1, in seg [3 (nc + 1)]; returns their number. */
static size_t fisher_runs(unsigned *seg, size_t N1, size_t c0, size_t nc)
{
    size_t nseg = 0, row0 = 0; /* row0: packed index of (a, a) */
    for (size_t a = 0; a < N1; row0 += N1 - a, a++) {
        size_t lo = c0 > row0 ? c0 : row0, hi = c0 + nc < row0 + N1 - a ? c0 + nc : row0 + N1 - a;
        if (lo >= hi) continue;
        seg[3 * nseg] = (unsigned)a;
        seg[3 * nseg + 1] = (unsigned)(a + lo - row0);
        seg[3 * nseg + 2] = (unsigned)(hi - lo);
        nseg++;
    }
    return nseg;
}

/* One chunk's products for the columns of runs seg, by column: PT [nc][nr]
 * from the coordinates ZT [N1][nr] (a column's loop runs over the rows, so
 * it vectorizes), then their GEMM with the chunk's weights Wc [nr][N] into
 * C [N][nc], added to Hp [N][ntri].  The chunk's sums are single precision
 * (twice the speed of the GEMM; the blocks are the curvature of the
 * M-step, whose gradient stays exact), their total over chunks double. */
static void fisher_chunk_block(double *Hp, float *PT, float *C, const float *ZT, const float *Wc, size_t nr,
                               const unsigned *seg, size_t nseg, size_t c0, size_t nc, size_t N)
{
    size_t N1 = N + 1, ntri = N1 * (N1 + 1) / 2;
    float *pc = PT;
    for (size_t k = 0; k < nseg; k++) {
        const float *za = ZT + seg[3 * k] * nr;
        for (size_t j = 0; j < seg[3 * k + 2]; j++, pc += nr) {
            const float *zb = ZT + (seg[3 * k + 1] + j) * nr;
#pragma omp simd
            for (size_t r = 0; r < nr; r++) pc[r] = za[r] * zb[r];
        }
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)N, (int)nc, (int)nr, 1.0f, Wc, (int)N, PT, (int)nr,
                0.0f, C, (int)nc);
    for (size_t n = 0; n < N; n++) {
        double *h = Hp + n * ntri + c0;
        const float *cn = C + n * nc;
#pragma omp simd
        for (size_t k = 0; k < nc; k++) h[k] += cn[k];
    }
}

/* The weights of a chunk's rows, Wc [nr][N] (negative: 0), and their
 * covariates z = (c, 1) by coordinate, ZT [N1][nr]. */
static void fisher_chunk_weights(float *Wc, float *ZT, const double *const *wrow, const double *const *crow,
                                 size_t nr, size_t N)
{
    for (size_t k = 0; k < nr; k++)
        for (size_t n = 0; n < N; n++) Wc[k * N + n] = wrow[k][n] > 0 ? (float)wrow[k][n] : 0.0f;
    for (size_t k = 0; k < nr; k++)
        for (size_t a = 0; a < N; a++) ZT[a * nr + k] = (float)crow[k][a];
    for (size_t k = 0; k < nr; k++) ZT[N * nr + k] = 1;
}

static int fisher_all(double *Hall, const struct fisher_set *fs, size_t N, size_t S)
{
    size_t N1 = N + 1, ntri = N1 * (N1 + 1) / 2, Tall = fs->Tall, work = 0;
    const size_t *R = fs->R;
    size_t blocks = (ntri + FISHER_COLS - 1) / FISHER_COLS;
    double *Hp = wk_calloc(S * N * ntri + 1, sizeof *Hp);
    int rc = Hp ? 0 : WK_ENOMEM;
    for (size_t s = 0; s < S; s++) work += R[s];
    const int alloc_rc = rc;
#pragma omp parallel reduction(min : rc) if (!alloc_rc && work * N * N > WK_GLM_PARALLEL_MIN)
    {
        float *Wc = wk_malloc_array(FISHER_CHUNK * (N + FISHER_COLS + N1) + N * FISHER_COLS, sizeof *Wc);
        unsigned *seg = wk_malloc_array(3 * (FISHER_COLS + 1), sizeof *seg);
        int r = alloc_rc ? alloc_rc : Wc && seg ? 0 : WK_ENOMEM;
        float *PT = Wc ? Wc + FISHER_CHUNK * N : NULL, *ZT = PT ? PT + FISHER_CHUNK * FISHER_COLS : NULL;
        float *C = ZT ? ZT + FISHER_CHUNK * N1 : NULL;
        /* every thread meets every chunk's loop (a worksharing construct) */
        for (size_t s = 0; s < S; s++)
            for (size_t r0 = 0; r0 < R[s]; r0 += FISHER_CHUNK) {
                size_t nr = R[s] - r0 < FISHER_CHUNK ? R[s] - r0 : FISHER_CHUNK;
                if (!r) fisher_chunk_weights(Wc, ZT, fs->wrow + s * Tall + r0, fs->crow + s * Tall + r0, nr, N);
#pragma omp for schedule(static) nowait
                for (size_t blk = 0; blk < blocks; blk++) {
                    if (r) continue;
                    size_t c0 = blk * FISHER_COLS, nc = ntri - c0 < FISHER_COLS ? ntri - c0 : FISHER_COLS;
                    size_t nseg = fisher_runs(seg, N1, c0, nc);
                    fisher_chunk_block(Hp + s * N * ntri, PT, C, ZT, Wc, nr, seg, nseg, c0, nc, N);
                }
            }
        free(Wc);
        free(seg);
        if (r < rc) rc = r;
    }
    for (size_t n = 0; n < N && !rc; n++)
        for (size_t s = 0; s < S; s++) {
            const double *hp = Hp + (s * N + n) * ntri;
            double *H = Hall + (n * S + s) * N1 * N1;
            for (size_t a = 0; a < N1; a++)
                for (size_t b = a; b < N1; b++) H[a * N1 + b] = H[b * N1 + a] = *hp++;
        }
    free(Hp);
    return rc;
}

/* Batch the Fisher blocks when they all fit in this many doubles. */
#define FISHER_ALL_MAX ((size_t)8 << 20)

static double *fisher_all_alloc(int *rc, const struct fisher_set *fs, size_t N, size_t S)
{
    size_t N1 = N + 1;
    *rc = 0;
    if (S * N * N1 * N1 > FISHER_ALL_MAX) return NULL;
    double *Hall = wk_malloc_array(S * N * N1 * N1 + 1, sizeof *Hall);
    if (!Hall) {
        *rc = WK_ENOMEM;
        return NULL;
    }
    *rc = fisher_all(Hall, fs, N, S);
    if (*rc) {
        free(Hall);
        return NULL;
    }
    return Hall;
}

#define MAX_STEP 5.0

/* The Fisher-scoring direction of neuron n: delta [S][N] for the weights
 * then delta[S*N] for the bias (arrow system solved by Schur complement).
 * g [S][N] and gbias are the gradients (prior included); prec is the prior
 * precision added to the weight blocks.  F is scratch [N][N]. */
static int neuron_direction(double *delta, const double *H, const double *g, double gbias, double prec,
                            const struct wk_glm_model *m, size_t n, double *F, double *cvec)
{
    size_t S = m->S, N = m->N, N1 = N + 1;
    double hbb = 0, num = gbias, den = 0;
    for (size_t s = 0; s < S; s++) {
        const double *Hs = H + s * N1 * N1;
        double *a = delta + s * N, *c = cvec + s * N, trace = 0;
        hbb += Hs[N * N1 + N];
        for (size_t i = 0; i < N; i++) trace += Hs[i * N1 + i];
        for (double ridge = 1e-9 * (1 + trace / (double)N);; ridge *= 100) {
            for (size_t i = 0; i < N; i++)
                for (size_t j = 0; j < N; j++) F[i * N + j] = Hs[i * N1 + j] + (i == j ? prec + ridge : 0);
            if (!m->self)
                for (size_t j = 0; j < N; j++) F[n * N + j] = F[j * N + n] = (j == n);
            if (cholesky(F, N) == 0) break;
            if (ridge > 1e12) return -1;
        }
        for (size_t i = 0; i < N; i++) {
            a[i] = g[s * N + i];
            c[i] = Hs[i * N1 + N];
        }
        if (!m->self) a[n] = c[n] = 0;
        cholesky_solve(a, F, N);
        cholesky_solve(c, F, N);
        for (size_t i = 0; i < N; i++) {
            num -= Hs[i * N1 + N] * a[i];
            den += Hs[i * N1 + N] * c[i];
        }
    }
    double schur = hbb - den, db = schur > 1e-12 * (1 + hbb) ? num / schur : 0;
    for (size_t s = 0; s < S; s++)
        for (size_t i = 0; i < N; i++) delta[s * N + i] -= cvec[s * N + i] * db;
    delta[S * N] = db;
    double big = 0;
    for (size_t i = 0; i <= S * N; i++) big = fmax(big, fabs(delta[i]));
    if (big > MAX_STEP)
        for (size_t i = 0; i <= S * N; i++) delta[i] *= MAX_STEP / big;
    return 0;
}

struct newton_ws {
    double *obj, *obj_new, *gW, *gb, *wt, *delta, *alpha, *Wbar;
    double *gW2, *gb2, *wt2; /* value, gradient and weights at the trial point */
    unsigned char *done;
};

static void set_row(struct wk_glm_model *dst, const struct wk_glm_model *src, const double *delta, double alpha,
                    size_t n)
{
    size_t S = src->S, N = src->N;
    for (size_t s = 0; s < S; s++)
        for (size_t j = 0; j < N; j++) {
            size_t i = (s * N + n) * N + j;
            dst->W[i] = src->W[i] + alpha * delta[s * N + j];
        }
    dst->bias[n] = src->bias[n] + alpha * delta[S * N];
}

/* Directions of every neuron (parallel, one neuron per task). */
static int directions(struct newton_ws *ws, const struct wk_glm_model *m, const struct wk_glm_data *d)
{
    size_t S = m->S, N = m->N, N1 = N + 1, NN = N * N, Tall = wk_glm_data_samples(d);
    double prec = m->prior == WK_GLM_PRIOR_GAUSSIAN ? 1.0 / (m->sigma * m->sigma) : 0;
    struct fisher_set fs;
    int rc = fisher_set_build(&fs, ws->wt, d, S, Tall * N, N);
    if (rc) return rc;
    double *Hall = fisher_all_alloc(&rc, &fs, N, S);
    if (rc) {
        fisher_set_free(&fs);
        return rc;
    }
#pragma omp parallel reduction(min : rc) if (S * Tall * N * N > WK_GLM_PARALLEL_MIN)
    {
        double *B = Hall ? NULL : wk_malloc_array(Tall * N1, sizeof *B);
        double *H = wk_malloc_array(S * N1 * N1 + NN + 2 * S * N, sizeof *H);
        int r = (B || Hall) && H ? 0 : WK_ENOMEM;
#pragma omp for schedule(dynamic)
        for (size_t n = 0; n < N; n++) {
            if (r) continue;
            double *F = H + S * N1 * N1, *g = F + NN, *cvec = g + S * N;
            const double *Hn = Hall ? Hall + n * S * N1 * N1 : H;
            if (!Hall) neuron_fisher(H, B, &fs, N, S, n);
            for (size_t s = 0; s < S; s++)
                for (size_t j = 0; j < N; j++) g[s * N + j] = ws->gW[(s * N + n) * N + j];
            if (neuron_direction(ws->delta + n * (S * N + 1), Hn, g, ws->gb[n], prec, m, n, F, cvec))
                memset(ws->delta + n * (S * N + 1), 0, (S * N + 1) * sizeof *ws->delta);
        }
        free(B);
        free(H);
        if (r < rc) rc = r;
    }
    free(Hall);
    fisher_set_free(&fs);
    return rc;
}

/* Data term and gaussian prior per neuron, with gradients and weights when
 * gW is not NULL. */
static int evaluate(double *obj, double *gW, double *gb, double *wt, const struct wk_glm_model *m,
                    const struct wk_glm_data *d, const double *gamma, const double *Wbar)
{
    int rc = data_pass(obj, gW, gb, wt, m, m->W, d, gamma);
    if (!rc && Wbar)
        for (size_t n = 0; n < m->N; n++) obj[n] += wk_glm_gaussian_prior_row(m, m->W, Wbar, n, gW);
    return rc;
}

static void swap(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* One Fisher-scoring iteration with step halving per neuron.  *fresh says
 * whether ws already holds the value, gradient and weights at m (the full
 * step of the previous iteration was taken by every neuron). */
static int newton_iteration(struct wk_glm_model *m, struct wk_glm_model *trial, struct newton_ws *ws,
                            const struct wk_glm_data *d, const double *gamma, int *fresh, int last)
{
    size_t S = m->S, N = m->N;
    int rc = *fresh ? 0 : evaluate(ws->obj, ws->gW, ws->gb, ws->wt, m, d, gamma, ws->Wbar);
    *fresh = 0;
    if (!rc) rc = directions(ws, m, d);
    if (rc) return rc;
    wk_glm_model_copy(trial, m);
    for (size_t n = 0; n < N; n++) {
        ws->alpha[n] = 1;
        ws->done[n] = 0;
    }
    for (int halving = 0; halving < 12; halving++) {
        for (size_t n = 0; n < N; n++)
            if (!ws->done[n]) set_row(trial, m, ws->delta + n * (S * N + 1), ws->alpha[n], n);
        int first = halving == 0 && !last; /* the gradient at the trial serves the next iteration */
        rc = evaluate(ws->obj_new, first ? ws->gW2 : NULL, first ? ws->gb2 : NULL, first ? ws->wt2 : NULL, trial, d,
                      gamma, ws->Wbar);
        if (rc) return rc;
        int pending = 0;
        for (size_t n = 0; n < N; n++) {
            if (ws->done[n]) continue;
            if (ws->obj_new[n] >= ws->obj[n] - 1e-12 * (1 + fabs(ws->obj[n]))) ws->done[n] = 1;
            else {
                ws->alpha[n] *= 0.5;
                pending = 1;
            }
        }
        if (!pending && first) {
            swap(&ws->obj, &ws->obj_new);
            swap(&ws->gW, &ws->gW2);
            swap(&ws->gb, &ws->gb2);
            swap(&ws->wt, &ws->wt2);
            *fresh = 1;
        }
        if (!pending) break;
    }
    for (size_t n = 0; n < N; n++)
        if (!ws->done[n]) set_row(trial, m, ws->delta, 0.0, n);
    wk_glm_model_copy(m, trial);
    return 0;
}

static void newton_ws_free(struct newton_ws *ws)
{
    free(ws->obj);
    free(ws->obj_new);
    free(ws->gb);
    free(ws->gb2);
    free(ws->alpha);
    free(ws->Wbar);
    free(ws->gW);
    free(ws->gW2);
    free(ws->wt);
    free(ws->wt2);
    free(ws->delta);
    free(ws->done);
}

static int newton_ws_alloc(struct newton_ws *ws, const struct wk_glm_model *m, const struct wk_glm_data *d,
                           size_t iterations)
{
    size_t S = m->S, N = m->N, NN = N * N, Tall = wk_glm_data_samples(d);
    int two = m->prior != WK_GLM_PRIOR_ONEHOT && iterations > 1; /* weights at the trial point */
    memset(ws, 0, sizeof *ws);
    ws->obj = wk_calloc(N + 1, sizeof *ws->obj);
    ws->obj_new = wk_calloc(N + 1, sizeof *ws->obj);
    ws->gb = wk_calloc(N + 1, sizeof *ws->obj);
    ws->gb2 = wk_calloc(N + 1, sizeof *ws->obj);
    ws->alpha = wk_calloc(N + 1, sizeof *ws->obj);
    ws->Wbar = wk_calloc(NN + 1, sizeof *ws->obj);
    ws->gW = wk_calloc(S * NN + 1, sizeof *ws->gW);
    ws->gW2 = wk_calloc(S * NN + 1, sizeof *ws->gW);
    ws->wt = wk_calloc(S * Tall * N + 1, sizeof *ws->wt);
    ws->wt2 = two ? wk_calloc(S * Tall * N + 1, sizeof *ws->wt) : NULL;
    ws->delta = wk_calloc(N * (S * N + 1) + 1, sizeof *ws->delta);
    ws->done = wk_calloc(N + 1, 1);
    if (!ws->obj || !ws->obj_new || !ws->gb || !ws->gb2 || !ws->alpha || !ws->Wbar || !ws->gW || !ws->gW2 ||
        !ws->wt || (two && !ws->wt2) || !ws->delta || !ws->done) {
        newton_ws_free(ws);
        return WK_ENOMEM;
    }
    return 0;
}

/* ---- one-hot prior: Adam on the local quadratic model of each row ---- */

static void adam_update(double *x, double g, double *mo, double *ve, double lr, double bc1, double bc2)
{
    *mo = 0.9 * *mo + 0.1 * g;
    *ve = 0.999 * *ve + 0.001 * g * g;
    *x += lr * (*mo / bc1) / (sqrt(*ve / bc2) + 1e-8);
}

/* Row n's share: l [S][N][3], rho [S][N], pibar logits [N][3], bias. */
struct row_adam {
    double *ml, *vl, *mr, *vr, *mp, *vp, mb, vb;
};

static void row_adam_step(struct wk_glm_model *m, struct row_adam *a, size_t n, const double *gl, const double *grho,
                          const double *gpi, double gbias, double lr, size_t step)
{
    size_t S = m->S, N = m->N;
    double bc1 = 1 - pow(0.9, (double)step), bc2 = 1 - pow(0.999, (double)step);
    for (size_t s = 0; s < S; s++)
        for (size_t j = 0; j < N; j++) {
            size_t i = (s * N + n) * N + j, r = s * N + j;
            for (size_t k = 0; k < 3; k++)
                adam_update(m->logit + 3 * i + k, gl[3 * i + k], a->ml + 3 * r + k, a->vl + 3 * r + k, lr, bc1, bc2);
            adam_update(m->rho + i, grho[i], a->mr + r, a->vr + r, lr, bc1, bc2);
        }
    for (size_t j = 0; j < N && !m->fix_pibar; j++)
        for (size_t k = 0; k < 3; k++) {
            size_t ip = 3 * (n * N + j) + k;
            adam_update(m->pilogit + ip, gpi[ip], a->mp + 3 * j + k, a->vp + 3 * j + k, lr, bc1, bc2);
        }
    adam_update(m->bias + n, gbias, &a->mb, &a->vb, lr, bc1, bc2);
    for (size_t s = 0; s < S; s++) wk_glm_clamp_logits(m->logit + 3 * ((s * N + n) * N), N);
}

/* Gradient of the quadratic model of row n at the current W (rows of
 * W0/bias0 are the expansion point): gW row [S][N] and the bias. */
static double quad_gradient(double *gWfull, const double *H, const double *G, double gb0, const double *W,
                            const double *W0, double db, size_t S, size_t N, size_t n)
{
    size_t N1 = N + 1;
    double gbias = gb0;
    for (size_t s = 0; s < S; s++) {
        const double *Hs = H + s * N1 * N1;
        const double *w = W + (s * N + n) * N, *w0 = W0 + (s * N + n) * N;
        for (size_t i = 0; i < N1; i++) {
            double v = 0;
            for (size_t j = 0; j < N; j++) v += Hs[i * N1 + j] * (w[j] - w0[j]);
            v += Hs[i * N1 + N] * db;
            if (i < N) gWfull[(s * N + n) * N + i] = G[(s * N + n) * N + i] - v;
            else gbias -= v;
        }
    }
    return gbias;
}

/* by_sample: ws->wt in the E-step's layout [sum T][S][N] (else [S][sum T][N]). */
static int onehot_rows(struct wk_glm_model *m, const struct newton_ws *ws, const struct wk_glm_data *d,
                       const double *W0, const double *b0, const struct wk_glm_opts *o, unsigned long key,
                       int by_sample)
{
    size_t S = m->S, N = m->N, N1 = N + 1, SNN = S * N * N, Tall = wk_glm_data_samples(d);
    int rc = 0;
    double *Wcur = wk_calloc(SNN + 1, sizeof *Wcur), *gWq = wk_calloc(SNN + 1, sizeof *gWq);
    double *gl = wk_calloc(3 * SNN + 1, sizeof *gl), *grho = wk_calloc(SNN + 1, sizeof *grho);
    double *gpi = wk_calloc(3 * N * N + 1, sizeof *gpi);
    if (!Wcur || !gWq || !gl || !grho || !gpi) {
        free(Wcur);
        free(gWq);
        free(gl);
        free(grho);
        free(gpi);
        return WK_ENOMEM;
    }
    struct fisher_set fs = {0};
    rc = by_sample ? fisher_set_build(&fs, ws->wt, d, S, N, S * N) : fisher_set_build(&fs, ws->wt, d, S, Tall * N, N);
    double *Hall = rc ? NULL : fisher_all_alloc(&rc, &fs, N, S);
    const int fisher_rc = rc;
#pragma omp parallel reduction(min : rc) if (!fisher_rc && S * Tall * N * N > WK_GLM_PARALLEL_MIN)
    {
        double *B = Hall || fisher_rc ? NULL : wk_malloc_array(Tall * N1, sizeof *B);
        double *Hbuf = Hall || fisher_rc ? NULL : wk_malloc_array(S * N1 * N1, sizeof *Hbuf);
        double *noise = wk_malloc_array(3 * S * N, sizeof *noise);
        double *mom = wk_calloc(2 * (4 * S * N + 3 * N) + 1, sizeof *mom);
        double *cache = wk_malloc_array(wk_glm_onehot_row_cache_len(m), sizeof *cache);
        int r = fisher_rc ? fisher_rc : (Hall || (B && Hbuf)) && noise && mom && cache ? 0 : WK_ENOMEM;
#pragma omp for schedule(dynamic)
        for (size_t n = 0; n < N; n++) {
            if (r) continue;
            struct row_adam a = {mom, mom + 3 * S * N, mom + 6 * S * N, mom + 7 * S * N, mom + 8 * S * N,
                                 mom + 8 * S * N + 3 * N, 0, 0};
            memset(mom, 0, (2 * (4 * S * N + 3 * N)) * sizeof *mom);
            const double *H = Hall ? Hall + n * S * N1 * N1 : Hbuf;
            if (!Hall) neuron_fisher(Hbuf, B, &fs, N, S, n);
            for (size_t step = 1; step <= o->steps; step++) {
                wk_glm_gumbel_fill(noise, 3 * S * N, wk_glm_key(key, n * 1000003u + step));
                wk_glm_onehot_row_sample(m, noise, n, Wcur, cache);
                double gbias = quad_gradient(gWq, H, ws->gW, ws->gb[n], Wcur, W0, m->bias[n] - b0[n], S, N, n);
                for (size_t s = 0; s < S; s++)
                    for (size_t j = 0; j < N; j++) {
                        size_t i = (s * N + n) * N + j;
                        grho[i] = 0;
                        for (int k = 0; k < 3; k++) gl[3 * i + (size_t)k] = 0;
                    }
                for (size_t j = 0; j < 3 * N; j++) gpi[3 * n * N + j] = 0;
                wk_glm_onehot_row_grad(m, cache, n, gWq, gl, grho, gpi);
                row_adam_step(m, &a, n, gl, grho, gpi, gbias, o->onehot_lr, step);
            }
        }
        free(B);
        free(Hbuf);
        free(noise);
        free(mom);
        free(cache);
        if (r < rc) rc = r;
    }
    free(Hall);
    fisher_set_free(&fs);
    free(Wcur);
    free(gWq);
    free(gl);
    free(grho);
    free(gpi);
    return rc;
}

/* terms: the E-step's observation terms at m (NULL: none), which replace
 * the first pass over the data. */
static int mstep_onehot_newton(struct wk_glm_model *m, struct newton_ws *ws, double *terms,
                               const struct wk_glm_data *d, const double *gamma, const struct wk_glm_opts *o,
                               unsigned long key)
{
    size_t SNN = m->S * m->N * m->N;
    double *W0 = wk_malloc_array(SNN + m->N + 1, sizeof *W0);
    if (!W0) return WK_ENOMEM;
    int rc = 0;
    for (size_t it = 0; !rc && it < o->newton; it++) {
        memcpy(W0, m->W, SNN * sizeof *W0);
        memcpy(W0 + SNN, m->bias, m->N * sizeof *W0);
        if (it == 0 && terms) rc = weigh_terms(ws->gW, ws->gb, terms, ws->wt, m, d, gamma);
        else rc = data_pass(NULL, ws->gW, ws->gb, ws->wt, m, m->W, d, gamma); /* the rows need no values */
        if (!rc) rc = onehot_rows(m, ws, d, W0, W0 + SNN, o, wk_glm_key(key, it), it == 0 && terms);
        wk_glm_onehot_weights(m);
    }
    free(W0);
    return rc;
}

static int newton_run(struct wk_glm_model *m, struct newton_ws *ws, double *terms, const struct wk_glm_data *d,
                      const double *gamma, const struct wk_glm_opts *o, unsigned long step_seed)
{
    if (m->prior == WK_GLM_PRIOR_ONEHOT) return mstep_onehot_newton(m, ws, terms, d, gamma, o, step_seed);
    struct wk_glm_model *trial = wk_glm_model_alloc(m->S, m->N, o);
    int rc = trial ? 0 : WK_ENOMEM;
    double *Wbar = ws->Wbar;
    if (m->prior == WK_GLM_PRIOR_GAUSSIAN) wk_glm_state_mean(ws->Wbar, m);
    else ws->Wbar = NULL;
    int fresh = 0;
    for (size_t it = 0; !rc && it < o->newton; it++)
        rc = newton_iteration(m, trial, ws, d, gamma, &fresh, it + 1 == o->newton);
    ws->Wbar = Wbar;
    wk_glm_model_free(trial);
    return rc;
}

int wk_glm_mstep_newton(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                        const struct wk_glm_opts *o, unsigned long step_seed)
{
    return wk_glm_mstep_newton_ws(m, d, gamma, o, step_seed, NULL);
}

/* The Fisher-scoring buffers kept from one epoch to the next (the weights
 * alone are S x samples x N doubles), rebuilt when the sizes change; terms
 * [samples][S][N] receives the E-step's derivatives (one-hot prior), valid
 * for the next M-step when have_terms is set. */
struct wk_glm_mstep_ws {
    struct newton_ws nw;
    double *terms;
    size_t S, N, samples, newton;
    int prior, ready, have_terms;
};

struct wk_glm_mstep_ws *wk_glm_mstep_ws_alloc(void) { return wk_calloc(1, sizeof(struct wk_glm_mstep_ws)); }

static void mstep_ws_clear(struct wk_glm_mstep_ws *ws)
{
    if (ws->ready) newton_ws_free(&ws->nw);
    free(ws->terms);
    ws->terms = NULL;
    ws->ready = ws->have_terms = 0;
}

void wk_glm_mstep_ws_free(struct wk_glm_mstep_ws *ws)
{
    if (!ws) return;
    mstep_ws_clear(ws);
    free(ws);
}

/* The buffers of keep for m, d and o. */
static int mstep_ws_ready(struct wk_glm_mstep_ws *keep, const struct wk_glm_model *m, const struct wk_glm_data *d,
                          const struct wk_glm_opts *o)
{
    size_t samples = wk_glm_data_samples(d);
    if (keep->ready && keep->S == m->S && keep->N == m->N && keep->samples == samples &&
        keep->newton == o->newton && keep->prior == (int)m->prior)
        return 0;
    mstep_ws_clear(keep);
    int rc = newton_ws_alloc(&keep->nw, m, d, o->newton);
    if (rc) return rc;
    keep->S = m->S;
    keep->N = m->N;
    keep->samples = samples;
    keep->newton = o->newton;
    keep->prior = (int)m->prior;
    keep->ready = 1;
    return 0;
}

int wk_glm_mstep_ws_terms(struct wk_glm_mstep_ws *ws, double **d1, double **w, const struct wk_glm_model *m,
                          const struct wk_glm_data *d, const struct wk_glm_opts *o)
{
    *d1 = *w = NULL;
    if (o->mstep != WK_GLM_MSTEP_NEWTON || m->prior != WK_GLM_PRIOR_ONEHOT || !o->newton) return 0;
    int rc = mstep_ws_ready(ws, m, d, o);
    if (!rc && !ws->terms) {
        ws->terms = wk_malloc_array(m->S * wk_glm_data_samples(d) * m->N + 1, sizeof *ws->terms);
        if (!ws->terms) rc = WK_ENOMEM;
    }
    if (rc) return rc;
    *d1 = ws->terms;
    *w = ws->nw.wt;
    ws->have_terms = 1;
    return 0;
}

int wk_glm_mstep_newton_ws(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                           const struct wk_glm_opts *o, unsigned long step_seed, struct wk_glm_mstep_ws *keep)
{
    if (!keep) {
        struct newton_ws local;
        int rc = newton_ws_alloc(&local, m, d, o->newton);
        if (rc) return rc;
        rc = newton_run(m, &local, NULL, d, gamma, o, step_seed);
        newton_ws_free(&local);
        return rc;
    }
    int had = keep->have_terms;
    keep->have_terms = 0;
    int rc = mstep_ws_ready(keep, m, d, o);
    if (!rc) rc = newton_run(m, &keep->nw, had && keep->ready ? keep->terms : NULL, d, gamma, o, step_seed);
    return rc;
}

/* ---- Adam on the exact objective (the reference schedule) ---- */

static int adam_plain(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                      const struct wk_glm_opts *o)
{
    size_t S = m->S, N = m->N, SNN = S * N * N, P = SNN + N;
    double *g = wk_calloc(P + 1, sizeof *g), *mo = wk_calloc(2 * P + 1, sizeof *mo);
    double *Wbar = wk_calloc(N * N + 1, sizeof *Wbar);
    int rc = g && mo && Wbar ? 0 : WK_ENOMEM;
    if (!rc) wk_glm_state_mean(Wbar, m);
    for (size_t step = 1; !rc && step <= o->steps; step++) {
        double v;
        rc = wk_glm_objective(&v, g, g + SNN, m, d, gamma, Wbar);
        double bc1 = 1 - pow(0.9, (double)step), bc2 = 1 - pow(0.999, (double)step);
        for (size_t i = 0; !rc && i < SNN; i++) adam_update(m->W + i, g[i], mo + i, mo + P + i, o->lr, bc1, bc2);
        for (size_t n = 0; !rc && n < N; n++)
            adam_update(m->bias + n, g[SNN + n], mo + SNN + n, mo + P + SNN + n, o->lr, bc1, bc2);
        wk_glm_zero_self(m, m->W);
    }
    free(g);
    free(mo);
    free(Wbar);
    return rc;
}

static int adam_onehot(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                       const struct wk_glm_opts *o, unsigned long key)
{
    size_t S = m->S, N = m->N, SNN = S * N * N, NN = N * N;
    size_t P = 3 * SNN + SNN + 3 * NN + N; /* l, rho, pibar logits, bias */
    double *g = wk_calloc(P + 1, sizeof *g), *mo = wk_calloc(2 * P + 1, sizeof *mo);
    double *noise = wk_calloc(3 * SNN + 1, sizeof *noise);
    int rc = g && mo && noise ? 0 : WK_ENOMEM;
    double *x[4] = {m->logit, m->rho, m->pilogit, m->bias};
    const size_t len[4] = {3 * SNN, SNN, 3 * NN, N};
    for (size_t step = 1; !rc && step <= o->steps; step++) {
        double v;
        wk_glm_gumbel_fill(noise, 3 * SNN, wk_glm_key(key, step));
        rc = wk_glm_onehot_objective(&v, g, g + 3 * SNN, g + 4 * SNN, g + 4 * SNN + 3 * NN, m, d, gamma, noise);
        double bc1 = 1 - pow(0.9, (double)step), bc2 = 1 - pow(0.999, (double)step);
        size_t at = 0;
        for (int b = 0; !rc && b < 4; b++)
            for (size_t i = 0; i < len[b]; i++, at++)
                if (b != 2 || !m->fix_pibar) adam_update(x[b] + i, g[at], mo + at, mo + P + at, o->lr, bc1, bc2);
        wk_glm_clamp_logits(m->logit, SNN);
    }
    wk_glm_onehot_weights(m);
    free(g);
    free(mo);
    free(noise);
    return rc;
}

int wk_glm_mstep_adam(struct wk_glm_model *m, const struct wk_glm_data *d, const double *gamma,
                      const struct wk_glm_opts *o, unsigned long step_seed)
{
    if (m->prior == WK_GLM_PRIOR_ONEHOT) return adam_onehot(m, d, gamma, o, step_seed);
    return adam_plain(m, d, gamma, o);
}
