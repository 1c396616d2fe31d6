/* ntf_pass.c - streaming GEMM-shaped passes over a P x T x W tensor (the
 * MTTKRPs of NTF).  The tensor is visited block by block (one worm, nt
 * rows of time), always in the same order; inside a block the work is
 * split into fixed-size chunks whose outputs are independent or summed in
 * chunk order, so results do not depend on the thread count.  A pass
 * visits this MPI rank's worms only; what it sums over worms is formed
 * worm by worm and added along the worm tree of ntf_tree.c, so results do
 * not depend on the number of ranks either, and dense and callback
 * tensors (the same products per worm and chunk) give the same bits.  The
 * fused pass (dense tensors, one rank) does the work of pass_left and
 * pass_right in one read of the tensor, product for product.  The
 * GEMM-shaped products run in ntf_kernel.c (float32 chunks read directly,
 * each sum in a fixed order). */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ntf_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_util.h"

#define BLOCK_ELEMS ((size_t)1 << 19) /* doubles per block: 4 MiB */
/* Pairs per chunk (the products of both passes, the partial products summed
 * over pairs): as many as keep a chunk of the float tensor (all times and
 * worms) within FUSE_BYTES, so the fused pass reads it from memory once;
 * CHUNK_BIG when not even CHUNK_MIN pairs fit (no fused pass then: pass_left
 * keeps smaller products, LEFT_CHUNK_BIG pairs, more of them to share). */
#define FUSE_BYTES ((size_t)8 << 20)
#define CHUNK_MIN 32
#define CHUNK_MAX 512
#define CHUNK_BIG 4096
#define LEFT_CHUNK_BIG 512
/* Partial products over pairs are summed in chunk order within at most
 * NTF_SLABS slabs of consecutive chunks, then slab by slab: the fused pass
 * gives each slab to one thread. */
#define NTF_SLABS 8

static size_t pair_chunk(size_t T, size_t W)
{
    double fit = (double)FUSE_BYTES / (4.0 * (double)T * (double)W);
    if (fit < CHUNK_MIN) return CHUNK_BIG;
    if (fit >= CHUNK_MAX) return CHUNK_MAX;
    return (size_t)fit / 16 * 16;
}

int ntf_pass_init(struct ntf_pass *ps, const struct wk_ntf_tensor *X, size_t kmax)
{
    memset(ps, 0, sizeof *ps);
    ps->X = X;
    ps->P = X->P;
    ps->T = X->T;
    ps->W = X->W;
    wk_mpi_share(X->W, &ps->w0, &ps->wn);
    size_t nt = BLOCK_ELEMS / X->P;
    if (nt < 1) nt = 1;
    if (nt > X->T) nt = X->T;
    ps->nt_max = nt;
    ps->chunk = pair_chunk(X->T, X->W);
    ps->nchunks = (X->P + ps->chunk - 1) / ps->chunk;
    ps->nslab = ps->nchunks < NTF_SLABS ? ps->nchunks : NTF_SLABS;
    ps->lchunk = ps->chunk == CHUNK_BIG ? LEFT_CHUNK_BIG : ps->chunk;
    ps->nlchunks = (X->P + ps->lchunk - 1) / ps->lchunk;
    ps->partial_size = ps->nchunks * nt * kmax;
    ps->block = wk_malloc_array(nt * X->P, sizeof *ps->block);
    ps->row_obs = wk_malloc_array(nt, sizeof *ps->row_obs);
    ps->row_miss = wk_malloc_array(nt, sizeof *ps->row_miss);
    ps->row_neg = wk_malloc_array(nt, sizeof *ps->row_neg);
    ps->partial = wk_malloc_array(ps->partial_size, sizeof *ps->partial);
    ps->mchunk = wk_malloc_array(ps->nlchunks, sizeof *ps->mchunk);
    ps->lt = wk_malloc_array(X->P * kmax, sizeof *ps->lt);
    int rc = ntf_tree_init(&ps->sum, X->P * kmax, X->W);
    if (!rc) rc = ntf_tree_init(&ps->scal, 2, X->W);
    if (rc || !ps->block || !ps->row_obs || !ps->row_miss || !ps->row_neg || !ps->partial || !ps->mchunk || !ps->lt) {
        ntf_pass_free(ps);
        return WK_ENOMEM;
    }
    return 0;
}

void ntf_pass_free(struct ntf_pass *ps)
{
    free(ps->block);
    free(ps->row_obs);
    free(ps->row_miss);
    free(ps->row_neg);
    free(ps->partial);
    free(ps->mchunk);
    free(ps->lt);
    ps->lt = NULL;
    free(ps->mcw);
    free(ps->slabs);
    free(ps->copy);
    free(ps->copy_miss);
    ps->copy = NULL;
    ps->copy_miss = NULL;
    ps->mcw = ps->slabs = NULL;
    ps->slabs_size = 0;
    ntf_tree_free(&ps->sum);
    ntf_tree_free(&ps->scal);
    ps->block = ps->row_obs = ps->row_miss = ps->partial = ps->mchunk = NULL;
    ps->row_neg = NULL;
}

size_t *ntf_share_counts(size_t W, size_t unit)
{
    size_t n = (size_t)wk_mpi_size();
    size_t *c = wk_malloc_array(n, sizeof *c);
    if (!c) return NULL;
    for (size_t r = 0; r < n; r++) c[r] = (W / n + (r < W % n ? 1 : 0)) * unit;
    return c;
}

/* Push one worm's scalars (observed, imputed sums of squares). */
static void push_scalars(struct ntf_pass *ps, size_t w, double obs, double miss)
{
    double *s = ntf_tree_slot(&ps->scal);
    s[0] = obs;
    s[1] = miss;
    ntf_tree_commit(&ps->scal, w);
}

/* After every local worm: agree on errors, then every rank gets the totals
 * of the scalars in ps->obs, ps->miss. */
static int finish_scalars(struct ntf_pass *ps, int rc)
{
    rc = wk_mpi_agree_error(rc);
    if (rc) return rc;
    double tot[2];
    rc = ntf_tree_total(&ps->scal, tot);
    ps->obs = tot[0];
    ps->miss = tot[1];
    return rc;
}

static void dense_block(const struct wk_ntf_tensor *X, size_t w, size_t t0, size_t nt, double *block)
{
    long n = (long)nt;
#pragma omp parallel for schedule(static) if ((double)n * X->P > WK_OMP_MIN_WORK)
    for (long k = 0; k < n; k++) {
        size_t off = (w * X->T + t0 + (size_t)k) * X->P;
        const float *src = X->data + off;
        double *dst = block + (size_t)k * X->P;
        if (X->mask) {
            const unsigned char *mk = X->mask + off;
            for (size_t p = 0; p < X->P; p++) dst[p] = mk[p] ? (double)src[p] : NAN;
        } else {
            for (size_t p = 0; p < X->P; p++) dst[p] = src[p];
        }
    }
}

static int raw_block(struct ntf_pass *ps, size_t w, size_t t0, size_t nt)
{
    const struct wk_ntf_tensor *X = ps->X;
    if (X->block) return X->block(X->ctx, w, t0, nt, ps->block);
    dense_block(X, w, t0, nt, ps->block);
    return 0;
}

/* 1 when x[0..n-1] holds a NaN or an infinity: x * 0 is NaN exactly for
 * those; four sums keep the additions independent (no -ffast-math). */
static int has_nonfinite(const double *x, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * 0.0;
        s1 += x[i + 1] * 0.0;
        s2 += x[i + 2] * 0.0;
        s3 += x[i + 3] * 0.0;
    }
    for (; i < n; i++) s0 += x[i] * 0.0;
    return isnan(s0 + s1 + s2 + s3);
}

/* Sum of squares of the finite entries, and the first negative one. */
static double row_stats(const double *row, size_t P, long *neg)
{
    double obs = 0;
    *neg = -1;
    for (size_t p = 0; p < P; p++) {
        double v = row[p];
        if (!isfinite(v)) continue;
        obs += v * v;
        if (v < 0 && *neg < 0) *neg = (long)p;
    }
    return obs;
}

/* Replace the missing entries seg[0..n-1] (pairs p0 .. p0+n-1 of time t,
 * worm w) by the model (or 0); returns the sum of squares of the values put
 * in. */
static double impute_segment(double *seg, size_t p0, size_t n, size_t t, size_t w,
                             const struct ntf_factors *f)
{
    double bc[WK_NTF_MAX_RANK], miss = 0;
    size_t R = f ? f->R : 0;
    for (size_t r = 0; r < R; r++) bc[r] = f->B[t * R + r] * f->C[w * R + r];
    for (size_t i = 0; i < n; i++) {
        if (isfinite(seg[i])) continue;
        double m = 0;
        for (size_t r = 0; r < R; r++) m += f->A[(p0 + i) * R + r] * bc[r];
        seg[i] = m;
        miss += m * m;
    }
    return miss;
}

/* Get a block and replace its missing entries by the model (or 0); the
 * sums of squares of the imputed entries (and, with stats, of the observed
 * ones) are reduced in row order into ps->miss (ps->obs). */
static int fetch_block(struct ntf_pass *ps, size_t w, size_t t0, size_t nt, const struct ntf_factors *f,
                       int stats)
{
    size_t P = ps->P;
    int rc = raw_block(ps, w, t0, nt);
    if (rc) return rc;
    long n = (long)nt;
#pragma omp parallel for schedule(static) if ((double)n * P > WK_OMP_MIN_WORK)
    for (long k = 0; k < n; k++) {
        double *row = ps->block + (size_t)k * P;
        ps->row_obs[k] = stats ? row_stats(row, P, &ps->row_neg[k]) : 0;
        ps->row_miss[k] = has_nonfinite(row, P) ? impute_segment(row, 0, P, t0 + (size_t)k, w, f) : 0;
    }
    for (size_t k = 0; k < nt; k++) {
        ps->obs += ps->row_obs[k];
        ps->miss += ps->row_miss[k];
    }
    return 0;
}

static size_t block_rows(const struct ntf_pass *ps, size_t t0)
{
    return t0 + ps->nt_max <= ps->T ? ps->nt_max : ps->T - t0;
}

/* A negative observed entry of the block just fetched: logged. */
static int check_negative(const struct ntf_pass *ps, size_t w, size_t t0, size_t nt)
{
    for (size_t k = 0; k < nt; k++)
        if (ps->row_neg[k] >= 0) {
            size_t p = (size_t)ps->row_neg[k];
            return wk_fail(WK_EINVAL, "tensor entry (pair %zu, time %zu, worm %zu) is negative (%g)", p, t0 + k, w,
                           ps->block[k * ps->P + p]);
        }
    return 0;
}

int ntf_pass_stats(struct ntf_pass *ps)
{
    int rc = 0;
    ntf_tree_reset(&ps->scal, 2);
    for (size_t w = ps->w0; w < ps->w0 + ps->wn && !rc; w++) {
        ps->obs = ps->miss = 0;
        for (size_t t0 = 0; t0 < ps->T && !rc; t0 += ps->nt_max) {
            size_t nt = block_rows(ps, t0);
            rc = fetch_block(ps, w, t0, nt, NULL, 1);
            if (!rc) rc = check_negative(ps, w, t0, nt);
        }
        push_scalars(ps, w, ps->obs, ps->miss);
    }
    return finish_scalars(ps, rc);
}

/* Dense entries X[p0 .. p0+pc-1, t0 .. t0+nt-1, w] as dst[k * pc + p];
 * returns 1 when one may be missing (NaN, infinite or masked). */
static int dense_segment(const struct wk_ntf_tensor *X, size_t w, size_t t0, size_t nt, size_t p0,
                         size_t pc, double *dst)
{
    if (X->mask) {
        for (size_t k = 0; k < nt; k++) {
            size_t off = (w * X->T + t0 + k) * X->P + p0;
            const float *src = X->data + off;
            const unsigned char *mk = X->mask + off;
            double *d = dst + k * pc;
#pragma omp simd
            for (size_t p = 0; p < pc; p++) d[p] = mk[p] ? (double)src[p] : NAN;
        }
        return 1;
    }
    unsigned bad = 0; /* an all-ones exponent: NaN or infinity (an OR vectorizes) */
    for (size_t k = 0; k < nt; k++) {
        const float *src = X->data + (w * X->T + t0 + k) * X->P + p0;
        double *d = dst + k * pc;
#pragma omp simd reduction(| : bad)
        for (size_t p = 0; p < pc; p++) {
            uint32_t bits;
            memcpy(&bits, src + p, sizeof bits);
            bad |= (bits & 0x7f800000u) == 0x7f800000u;
            d[p] = src[p];
        }
    }
    return bad != 0;
}

/* The work of one pair chunk on one block, the same for dense and callback
 * tensors (only the leading dimension ld differs): impute, then
 * out[pc][k] = blk' right (first block of a worm) or += (the others),
 * each sum in time order (ntf_kernel.c): the same bits for any block. */
static double left_chunk(double *blk, size_t ld, size_t nt, size_t p0, size_t pc, size_t w, size_t t0,
                         const double *right, size_t k, double *out, const struct ntf_factors *f,
                         int may_miss)
{
    double miss = 0;
    for (size_t i = 0; may_miss && i < nt; i++) {
        double *seg = blk + i * ld;
        if (has_nonfinite(seg, pc)) miss += impute_segment(seg, p0, pc, t0 + i, w, f);
    }
    ntf_kernel_left_d(out, blk, ld, pc, nt, right, k, t0 != 0);
    return miss;
}

static size_t chunk_len(size_t P, size_t chunk, size_t c)
{
    size_t p0 = c * chunk;
    return p0 + chunk <= P ? chunk : P - p0;
}

/* Dense tensors, one worm: each pair chunk visits the worm's blocks in
 * order into its own rows of out (no full-block conversion). */
static int left_dense(struct ntf_pass *ps, size_t w, const double *KR, size_t k, double *out,
                      const struct ntf_factors *f, size_t nchunks)
{
    size_t P = ps->P, T = ps->T;
    int failed = 0;
#pragma omp parallel if ((double)P * (double)T * (double)k > WK_OMP_MIN_WORK)
    {
        double *buf = wk_malloc_array(ps->nt_max * ps->lchunk, sizeof *buf);
        if (!buf) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long c = 0; c < (long)nchunks; c++) {
            if (!buf) continue;
            size_t p0 = (size_t)c * ps->lchunk, pc = chunk_len(P, ps->lchunk, (size_t)c);
            double m = 0;
            for (size_t t0 = 0; t0 < T; t0 += ps->nt_max) {
                size_t nt = block_rows(ps, t0);
                int may_miss = dense_segment(ps->X, w, t0, nt, p0, pc, buf);
                m += left_chunk(buf, pc, nt, p0, pc, w, t0, KR + t0 * k, k, out + p0 * k, f, may_miss);
            }
            ps->mchunk[c] = m;
        }
        free(buf);
    }
    return failed ? WK_ENOMEM : 0;
}

static int left_callback(struct ntf_pass *ps, size_t w, const double *KR, size_t k, double *out,
                         const struct ntf_factors *f, size_t nchunks)
{
    size_t P = ps->P, T = ps->T;
    for (size_t c = 0; c < nchunks; c++) ps->mchunk[c] = 0;
    for (size_t t0 = 0; t0 < T; t0 += ps->nt_max) {
        size_t nt = block_rows(ps, t0);
        int rc = raw_block(ps, w, t0, nt);
        if (rc) return rc;
        const double *right = KR + t0 * k;
#pragma omp parallel for schedule(static) if ((double)nt * P * k > WK_OMP_MIN_WORK)
        for (long c = 0; c < (long)nchunks; c++) {
            size_t p0 = (size_t)c * ps->lchunk, pc = chunk_len(P, ps->lchunk, (size_t)c);
            ps->mchunk[c] += left_chunk(ps->block + p0, P, nt, p0, pc, w, t0, right, k, out + p0 * k, f, 1);
        }
    }
    return 0;
}

int ntf_pass_left(struct ntf_pass *ps, const double *KR, size_t k, double *out,
                  const struct ntf_factors *f)
{
    size_t P = ps->P, T = ps->T;
    size_t nchunks = ps->nlchunks;
    int rc = 0;
    ntf_tree_reset(&ps->sum, P * k);
    ntf_tree_reset(&ps->scal, 2);
    for (size_t w = ps->w0; w < ps->w0 + ps->wn && !rc; w++) {
        double *slot = ntf_tree_slot(&ps->sum);
        const double *kr = KR + (w - ps->w0) * T * k;
        rc = ps->X->block ? left_callback(ps, w, kr, k, slot, f, nchunks) : left_dense(ps, w, kr, k, slot, f, nchunks);
        if (rc) break;
        ntf_tree_commit(&ps->sum, w);
        double miss = 0;
        for (size_t c = 0; c < nchunks; c++) miss += ps->mchunk[c]; /* chunk order: thread-independent */
        push_scalars(ps, w, 0, miss);
    }
    rc = finish_scalars(ps, rc);
    if (!rc) rc = ntf_tree_total(&ps->sum, out);
    return rc;
}

/* partial (+)= blk[:, chunk c] L[chunk c, :] for one chunk (imputed first),
 * from Lt = L' (rows ldl apart, from pair p0). */
static void right_chunk(double *blk, size_t ld, size_t nt, size_t p0, size_t pc, size_t w, size_t t0,
                        const double *Lt, size_t ldl, size_t k, double *partial, int add,
                        const struct ntf_factors *f, int may_miss)
{
    for (size_t i = 0; may_miss && i < nt; i++)
        if (has_nonfinite(blk + i * ld, pc)) impute_segment(blk + i * ld, p0, pc, t0 + i, w, f);
    ntf_kernel_right_d(partial, blk, ld, nt, pc, Lt, ldl, k, add);
}

static void add_into(double *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* The first chunk of slab s (s = nslab: one past the last chunk). */
static size_t slab_first(const struct ntf_pass *ps, size_t s)
{
    return s * ps->nchunks / ps->nslab;
}

/* dst = the sum of the chunks' partial products ([nchunks][n], summed in
 * place): in chunk order within each slab, then in slab order, as the
 * fused pass adds them. */
static void sum_partials(const struct ntf_pass *ps, double *dst, double *partial, size_t n)
{
    for (size_t s = 0; s < ps->nslab; s++) {
        double *head = partial + slab_first(ps, s) * n;
        for (size_t c = slab_first(ps, s) + 1; c < slab_first(ps, s + 1); c++) add_into(head, partial + c * n, n);
    }
    memcpy(dst, partial, n * sizeof *dst);
    for (size_t s = 1; s < ps->nslab; s++) add_into(dst, partial + slab_first(ps, s) * n, n);
}

/* Dense tensors: one parallel region over the blocks, each block's rows of
 * out written by one thread from its own buffers. */
static int right_dense(struct ntf_pass *ps, size_t k, double *out, const struct ntf_factors *f, size_t nchunks)
{
    size_t P = ps->P, T = ps->T, nb = (T + ps->nt_max - 1) / ps->nt_max;
    int failed = 0;
#pragma omp parallel if ((double)P * (double)T * (double)ps->W * (double)k > WK_OMP_MIN_WORK)
    {
        double *buf = wk_malloc_array(ps->nt_max * ps->chunk, sizeof *buf);
        double *partial = wk_malloc_array(nchunks * ps->nt_max * k, sizeof *partial);
        if (!buf || !partial) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long b = 0; b < (long)(ps->wn * nb); b++) {
            if (!buf || !partial) continue;
            size_t wl = (size_t)b / nb, w = ps->w0 + wl, t0 = ((size_t)b % nb) * ps->nt_max;
            size_t nt = block_rows(ps, t0);
            for (size_t c = 0; c < nchunks; c++) {
                size_t p0 = c * ps->chunk, pc = chunk_len(P, ps->chunk, c);
                int may_miss = dense_segment(ps->X, w, t0, nt, p0, pc, buf);
                right_chunk(buf, pc, nt, p0, pc, w, t0, ps->lt + p0, P, k, partial + c * nt * k, 0, f, may_miss);
            }
            sum_partials(ps, out + (wl * T + t0) * k, partial, nt * k);
        }
        free(buf);
        free(partial);
    }
    return failed ? WK_ENOMEM : 0;
}

static int right_callback(struct ntf_pass *ps, size_t k, double *out, const struct ntf_factors *f,
                          size_t nchunks)
{
    size_t P = ps->P, T = ps->T;
    for (size_t w = ps->w0; w < ps->w0 + ps->wn; w++)
        for (size_t t0 = 0; t0 < T; t0 += ps->nt_max) {
            size_t nt = block_rows(ps, t0);
            int rc = raw_block(ps, w, t0, nt);
            if (rc) return rc;
#pragma omp parallel for schedule(static) if ((double)nt * P * k > WK_OMP_MIN_WORK)
            for (long c = 0; c < (long)nchunks; c++) {
                size_t p0 = (size_t)c * ps->chunk, pc = chunk_len(P, ps->chunk, (size_t)c);
                right_chunk(ps->block + p0, P, nt, p0, pc, w, t0, ps->lt + p0, P, k, ps->partial + (size_t)c * nt * k,
                            0, f, 1);
            }
            sum_partials(ps, out + ((w - ps->w0) * T + t0) * k, ps->partial, nt * k);
        }
    return 0;
}

int ntf_pass_right(struct ntf_pass *ps, const double *L, size_t k, double *out,
                   const struct ntf_factors *f)
{
    size_t nchunks = ps->nchunks;
    ps->obs = ps->miss = 0;
    ntf_kernel_transpose(ps->lt, ps->P, L, ps->P, k);
    int rc = ps->X->block ? right_callback(ps, k, out, f, nchunks) : right_dense(ps, k, out, f, nchunks);
    return wk_mpi_agree_error(rc);
}

int ntf_pass_residual(struct ntf_pass *ps, const struct ntf_factors *f, const double *lambda,
                      double *resid2)
{
    size_t P = ps->P, R = f->R;
    int rc = 0;
    ntf_tree_reset(&ps->scal, 2);
    for (size_t w = ps->w0; w < ps->w0 + ps->wn && !rc; w++) {
        double total = 0;
        for (size_t t0 = 0; t0 < ps->T && !rc; t0 += ps->nt_max) {
            size_t nt = block_rows(ps, t0);
            if ((rc = raw_block(ps, w, t0, nt)) != 0) break;
            long n = (long)nt;
#pragma omp parallel for schedule(static) if ((double)n * P * R > WK_OMP_MIN_WORK)
            for (long k = 0; k < n; k++) {
                double bc[WK_NTF_MAX_RANK], s = 0;
                size_t t = t0 + (size_t)k;
                for (size_t r = 0; r < R; r++)
                    bc[r] = (lambda ? lambda[r] : 1.0) * f->B[t * R + r] * f->C[w * R + r];
                const double *row = ps->block + (size_t)k * P;
                for (size_t p = 0; p < P; p++) {
                    if (!isfinite(row[p])) continue;
                    double m = 0;
                    for (size_t r = 0; r < R; r++) m += f->A[p * R + r] * bc[r];
                    double d = row[p] - m;
                    s += d * d;
                }
                ps->row_miss[k] = s;
            }
            for (size_t k = 0; k < nt; k++) total += ps->row_miss[k];
        }
        push_scalars(ps, w, total, 0);
    }
    rc = finish_scalars(ps, rc);
    *resid2 = ps->obs;
    ps->obs = ps->miss = 0;
    return rc;
}

/* ---- the fused pass ---- */

/* The fused pass reads the tensor from a chunk-major copy (each pair
 * chunk contiguous: the row segments of a chunk of the [W][T][P] original
 * are each a page apart, too short for the prefetchers and the TLB); it
 * doubles the memory of the tensor, so it is made only when it takes at
 * most COPY_SHARE of the physical memory. */
#define COPY_SHARE 0.25

static double physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0;
}

int ntf_pass_fusable(const struct ntf_pass *ps, size_t k)
{
    if (ps->X->block || wk_mpi_size() > 1) return 0; /* every rank takes the same path */
    double tensor = 4.0 * (double)ps->P * (double)ps->T * (double)ps->W;
    double chunk = 4.0 * (double)chunk_len(ps->P, ps->chunk, 0) * (double)ps->T * (double)ps->W;
    double slabs = 8.0 * (double)ps->nslab * (double)ps->T * (double)ps->W * (double)k;
    return chunk <= (double)FUSE_BYTES && slabs <= tensor / 2 + (double)(16 << 20) &&
           (ps->copy || tensor <= COPY_SHARE * physical_memory());
}

/* 1 when x[0..n-1] holds a NaN or an infinity (an all-ones exponent). */
static int floats_nonfinite(const float *x, size_t n)
{
    unsigned bad = 0; /* an OR vectorizes */
#pragma omp simd reduction(| : bad)
    for (size_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, x + i, sizeof bits);
        bad |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    return bad != 0;
}

/* copy = X chunk by chunk: chunk c (pairs p0 .. p0+pc-1) at copy + p0 T W
 * as [W][T][pc]; masked entries NaN; copy_miss[c]: chunk c has a missing
 * entry. */
static int make_copy(struct ntf_pass *ps)
{
    const struct wk_ntf_tensor *X = ps->X;
    size_t P = ps->P, rows = ps->W * ps->T;
    ps->copy = wk_malloc_array(P * rows, sizeof *ps->copy);
    ps->copy_miss = wk_malloc_array(ps->nchunks, sizeof *ps->copy_miss);
    if (!ps->copy || !ps->copy_miss) return WK_ENOMEM;
#pragma omp parallel for schedule(static) if ((double)P * (double)rows > WK_OMP_MIN_WORK)
    for (long r = 0; r < (long)rows; r++) {
        const float *src = X->data + (size_t)r * P;
        const unsigned char *mk = X->mask ? X->mask + (size_t)r * P : NULL;
        for (size_t c = 0; c < ps->nchunks; c++) {
            size_t p0 = c * ps->chunk, pc = chunk_len(P, ps->chunk, c);
            float *dst = ps->copy + p0 * rows + (size_t)r * pc;
            if (mk) {
                for (size_t p = 0; p < pc; p++) dst[p] = mk[p0 + p] ? src[p0 + p] : NAN;
            } else {
                memcpy(dst, src + p0, pc * sizeof *dst);
            }
        }
    }
#pragma omp parallel for schedule(static) if ((double)P * (double)rows > WK_OMP_MIN_WORK)
    for (long c = 0; c < (long)ps->nchunks; c++) {
        size_t p0 = (size_t)c * ps->chunk, pc = chunk_len(P, ps->chunk, (size_t)c);
        ps->copy_miss[c] = (unsigned char)floats_nonfinite(ps->copy + p0 * rows, pc * rows);
    }
    return 0;
}

/* Chunk c of worm w in the copy: [T][pc] floats. */
static const float *copy_worm(const struct ntf_pass *ps, size_t c, size_t w)
{
    size_t p0 = c * ps->chunk, pc = chunk_len(ps->P, ps->chunk, c);
    return ps->copy + p0 * ps->W * ps->T + w * ps->T * pc;
}

/* dense_segment of chunk c from the copy: the same values, read
 * contiguously. */
static void copy_segment(const struct ntf_pass *ps, size_t c, size_t w, size_t t0, size_t nt, double *dst)
{
    size_t pc = chunk_len(ps->P, ps->chunk, c);
    const float *src = copy_worm(ps, c, w) + t0 * pc;
    size_t n = nt * pc;
#pragma omp simd
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

/* Per-thread buffers of the fused pass. */
struct fuse_buffers {
    double *seg;         /* [nt_max][chunk] a converted segment (chunks with missing entries) */
    double *lt;          /* [k][chunk] the chunk's rows of A_next transposed */
    struct ntf_tree sum; /* M_A rows of one chunk, over worms */
};

static int fuse_buffers_init(struct fuse_buffers *b, const struct ntf_pass *ps, size_t k)
{
    b->seg = wk_malloc_array(ps->nt_max * ps->chunk, sizeof *b->seg);
    b->lt = wk_malloc_array(k * ps->chunk, sizeof *b->lt);
    int rc = ntf_tree_init(&b->sum, ps->chunk * k, ps->W);
    return rc || !b->seg || !b->lt ? WK_ENOMEM : 0;
}

static void fuse_buffers_free(struct fuse_buffers *b)
{
    free(b->seg);
    free(b->lt);
    ntf_tree_free(&b->sum);
}

/* M_A rows of chunk c, as ntf_pass_left forms them: per worm over the time
 * blocks, then over worms along the worm tree.  A chunk without missing
 * entries is read in float32 directly. */
static void fused_left(struct ntf_pass *ps, const struct ntf_fused *fu, size_t c, struct fuse_buffers *b)
{
    size_t T = ps->T, k = fu->k, p0 = c * ps->chunk, pc = chunk_len(ps->P, ps->chunk, c);
    ntf_tree_reset(&b->sum, pc * k);
    for (size_t w = 0; w < ps->W; w++) {
        double *slot = ntf_tree_slot(&b->sum), m = 0;
        for (size_t t0 = 0; t0 < T; t0 += ps->nt_max) {
            size_t nt = block_rows(ps, t0);
            const double *kr = fu->KR + (w * T + t0) * k;
            if (!ps->copy_miss[c]) {
                ntf_kernel_left_f(slot, copy_worm(ps, c, w) + t0 * pc, pc, pc, nt, kr, k, t0 != 0);
            } else {
                copy_segment(ps, c, w, t0, nt, b->seg);
                m += left_chunk(b->seg, pc, nt, p0, pc, w, t0, kr, k, slot, fu->f, 1);
            }
        }
        ps->mcw[c * ps->W + w] = m;
        ntf_tree_commit(&b->sum, w);
    }
    ntf_tree_fold(&b->sum, fu->MA + p0 * k);
}

/* Z (+)= X(chunk c, :, :)' A_next(chunk c), the chunk read again while it
 * is still in cache; missing entries imputed by the updated model. */
static void fused_right(struct ntf_pass *ps, const struct ntf_fused *fu, size_t c, struct fuse_buffers *b,
                        double *Z, int first)
{
    size_t T = ps->T, k = fu->k, p0 = c * ps->chunk, pc = chunk_len(ps->P, ps->chunk, c);
    struct ntf_factors next = {k, fu->A_next, fu->f->B, fu->f->C};
    ntf_kernel_transpose(b->lt, pc, fu->A_next + p0 * k, pc, k);
    for (size_t w = 0; w < ps->W; w++) {
        if (!ps->copy_miss[c]) {
            ntf_kernel_right_f(Z + w * T * k, copy_worm(ps, c, w), pc, T, pc, b->lt, pc, k, !first);
            continue;
        }
        for (size_t t0 = 0; t0 < T; t0 += ps->nt_max) {
            size_t nt = block_rows(ps, t0);
            copy_segment(ps, c, w, t0, nt, b->seg);
            right_chunk(b->seg, pc, nt, p0, pc, w, t0, b->lt, pc, k, Z + (w * T + t0) * k, !first, &next, 1);
        }
    }
}

/* One slab: each chunk's M_A rows, their update, their share of Z. */
static void fused_slab(struct ntf_pass *ps, const struct ntf_fused *fu, size_t s, struct fuse_buffers *b)
{
    size_t k = fu->k;
    double *Z = ps->slabs + s * ps->W * ps->T * k;
    for (size_t c = slab_first(ps, s); c < slab_first(ps, s + 1); c++) {
        size_t p0 = c * ps->chunk, pc = chunk_len(ps->P, ps->chunk, c);
        fused_left(ps, fu, c, b);
        memcpy(fu->A_next + p0 * k, fu->f->A + p0 * k, pc * k * sizeof *fu->A_next);
        ntf_update_rows(fu->method, fu->A_next + p0 * k, pc, k, fu->MA + p0 * k, fu->G);
        fused_right(ps, fu, c, b, Z, c == slab_first(ps, s));
    }
}

static int fused_alloc(struct ntf_pass *ps, size_t k)
{
    size_t need = ps->nslab * ps->W * ps->T * k;
    if (!ps->copy_miss && make_copy(ps)) return WK_ENOMEM;
    if (!ps->mcw) ps->mcw = wk_malloc_array(ps->nchunks * ps->W, sizeof *ps->mcw);
    if (need > ps->slabs_size) {
        free(ps->slabs);
        ps->slabs = wk_malloc_array(need, sizeof *ps->slabs);
        ps->slabs_size = ps->slabs ? need : 0;
    }
    return ps->mcw && ps->slabs ? 0 : WK_ENOMEM;
}

int ntf_pass_fused(struct ntf_pass *ps, const struct ntf_fused *fu)
{
    size_t k = fu->k, W = ps->W, zn = W * ps->T * k;
    int rc = fused_alloc(ps, k), failed = 0;
#pragma omp parallel if (!rc && (double)ps->P * (double)ps->T * (double)W * (double)k > WK_OMP_MIN_WORK)
    {
        struct fuse_buffers b;
        int mine = rc ? WK_ENOMEM : fuse_buffers_init(&b, ps, k);
        if (mine) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long s = 0; s < (long)ps->nslab; s++)
            if (!mine) fused_slab(ps, fu, (size_t)s, &b);
        if (!rc) fuse_buffers_free(&b);
    }
    if (!rc && failed) rc = WK_ENOMEM;
    if (!rc) {
        memcpy(fu->Y, ps->slabs, zn * sizeof *fu->Y);
        for (size_t s = 1; s < ps->nslab; s++) add_into(fu->Y, ps->slabs + s * zn, zn);
    }
    ntf_tree_reset(&ps->scal, 2);
    for (size_t w = 0; w < W && !rc; w++) {
        double miss = 0;
        for (size_t c = 0; c < ps->nchunks; c++) miss += ps->mcw[c * W + w]; /* chunk order, as pass_left */
        push_scalars(ps, w, 0, miss);
    }
    return finish_scalars(ps, rc);
}

void ntf_blas_serial(void)
{
    openblas_set_num_threads(1);
}

void ntf_gram(double *G, const double *F, size_t n, size_t R)
{
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)R, (int)R, (int)n, 1.0, F, (int)R, F,
                (int)R, 0.0, G, (int)R);
}
