/* bicluster_labels_kernel.c - the per-bin passes of the neuron-label
 * update: the negative binomial log-likelihood of one neuron with its
 * gradient and curvature, over a cluster's latent block (the Laplace
 * marginal) or over a baseline row (the auxiliary cluster's q).  Bins go in
 * fixed chunks so exp and log (branch-free polynomials in place of libm)
 * vectorize; sums are kept in LANES interleaved partial sums added in
 * a fixed order, so the AVX2 and the baseline builds give the same bits. */
#include <math.h>
#include <string.h>

#include "bicluster_internal.h"
#include "vector_internal.h"

#define CHUNK 64 /* bins per chunk (a multiple of LANES) */
#define LANES 4  /* interleaved partial sums: one AVX2 vector */
#define EXP_LO -708.0 /* fast exp stays a normal number */
#define EXP_HI 709.0

WK_INLINE static double clamp_exp_arg(double x) { return x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x; }

/* Per bin of a chunk at log-means eta (clamped) with counts y: the score s
 * = dl/deta, the curvature v = -d2l/deta2 and the log-likelihood term l
 * (times the mask ok: padding bins count nothing).  lam / (r + lam) and
 * 1 / (r + lam) keep v finite for the largest rates. */
WK_INLINE static void nb_terms(double *restrict s, double *restrict v, double *restrict l, const double *restrict eta,
                               const double *restrict y, const double *restrict ok, double r)
{
    /* three loops, not one: a vector's exp and log are long chains of
     * dependent steps, and short loop bodies let the processor run several
     * vectors' chains at once (the same operations, so the same bits) */
    double lam[CHUNK], logden[CHUNK];
#pragma omp simd
    for (size_t k = 0; k < CHUNK; k++) lam[k] = wk_fast_exp(eta[k]);
#pragma omp simd
    for (size_t k = 0; k < CHUNK; k++) logden[k] = wk_fast_log(r + lam[k]);
#pragma omp simd
    for (size_t k = 0; k < CHUNK; k++) {
        double inv = 1.0 / (r + lam[k]), share = lam[k] * inv;
        s[k] = ok[k] * (r * (y[k] * inv - share));
        v[k] = ok[k] * (r * (y[k] + r) * share * inv);
        l[k] = ok[k] * (y[k] * eta[k] - (y[k] + r) * logden[k]);
    }
}

/* A partial chunk, or rows not contiguous in time: bins t0..t0+n-1 copied
 * into buf (rows a = 0..p), counts into yk, the mask into ok; bins past n
 * are padding (x 0, mask 0). */
static void gather(double (*buf)[CHUNK], double *yk, double *ok, const double *y, const double *block, size_t tstride,
                   size_t astride, size_t p, size_t t0, size_t n)
{
    for (size_t a = 0; a <= p; a++) {
        const double *b = block + a * astride + t0 * tstride;
        for (size_t k = 0; k < n; k++) buf[a][k] = b[k * tstride];
        for (size_t k = n; k < CHUNK; k++) buf[a][k] = 0.0;
    }
    for (size_t k = 0; k < CHUNK; k++) yk[k] = k < n ? y[t0 + k] : 0.0, ok[k] = k < n ? 1.0 : 0.0;
}

/* acc[lane] += f[k] * g[k] over the chunk, lane = k mod LANES. */
WK_INLINE static void lane_dot(double *restrict acc, const double *restrict f, const double *restrict g)
{
    for (size_t k = 0; k < CHUNK; k += LANES)
        for (size_t j = 0; j < LANES; j++) acc[j] += f[k + j] * g[k + j];
}

WK_INLINE static void lane_sum(double *restrict acc, const double *restrict f)
{
    for (size_t k = 0; k < CHUNK; k += LANES)
        for (size_t j = 0; j < LANES; j++) acc[j] += f[k + j];
}

static double lanes_total(const double *acc)
{
    double s = 0;
    for (size_t j = 0; j < LANES; j++) s += acc[j];
    return s;
}

static const double ones[CHUNK] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

/* Lane sums of a pass over some bins: log-likelihood, gradient (p) and
 * negative Hessian (p x p, lower triangle). */
struct lanes {
    double l[LANES], g[WK_BC_MAX_P][LANES], h[WK_BC_MAX_P * WK_BC_MAX_P][LANES];
};

/* The clones are static and called through plain functions (clang's
 * target_clones wants internal linkage).  Bins t_begin..t_end-1, t_begin
 * a multiple of CHUNK. */
WK_VECTOR_CLONES static void laplace_segment(struct lanes *acc, const double *y, size_t t_begin, size_t t_end,
                                             double d, double r, const double *block, size_t tstride, size_t astride,
                                             size_t p, const double *cv)
{
    double buf[WK_BC_MAX_P + 1][CHUNK], ybuf[CHUNK], okbuf[CHUNK];
    double eta[CHUNK], s[CHUNK], v[CHUNK], l[CHUNK], sx[CHUNK];
    const double *x[WK_BC_MAX_P + 1], *yk, *ok;
    memset(acc->l, 0, sizeof acc->l);
    memset(acc->g, 0, p * sizeof acc->g[0]);
    memset(acc->h, 0, p * p * sizeof acc->h[0]);
    for (size_t t0 = t_begin; t0 < t_end; t0 += CHUNK) {
        size_t n = t_end - t0 < CHUNK ? t_end - t0 : CHUNK;
        if (tstride == 1 && n == CHUNK) { /* rows read in place */
            for (size_t a = 0; a <= p; a++) x[a] = block + a * astride + t0;
            yk = y + t0, ok = ones;
        } else {
            gather(buf, ybuf, okbuf, y, block, tstride, astride, p, t0, n);
            for (size_t a = 0; a <= p; a++) x[a] = buf[a];
            yk = ybuf, ok = okbuf;
        }
        const double *x0 = x[0];
#pragma omp simd
        for (size_t k = 0; k < CHUNK; k++) eta[k] = d + x0[k];
        for (size_t a = 1; a <= p; a++) {
            const double c = cv[a - 1], *xa = x[a];
#pragma omp simd
            for (size_t k = 0; k < CHUNK; k++) eta[k] += c * xa[k];
        }
#pragma omp simd
        for (size_t k = 0; k < CHUNK; k++) eta[k] = clamp_exp_arg(eta[k]);
        nb_terms(s, v, l, eta, yk, ok, r);
        lane_sum(acc->l, l);
        for (size_t a = 0; a < p; a++) {
            const double *xa = x[1 + a];
            lane_dot(acc->g[a], s, xa);
#pragma omp simd
            for (size_t k = 0; k < CHUNK; k++) sx[k] = v[k] * xa[k];
            for (size_t b = 0; b <= a; b++) lane_dot(acc->h[a * p + b], sx, x[1 + b]);
        }
    }
}

/* Gradient of log p(y | d + m, r) + log G0(m) and the curvature v of the
 * likelihood part, per bin; m_0 ~ N(0, 1), steps of precision prec. */
WK_VECTOR_CLONES static void aux_terms(double *grad, double *v, const double *y, const double *m, size_t T, double d,
                                       double r, double prec)
{
    double eta[CHUNK];
    for (size_t t0 = 0; t0 < T; t0 += CHUNK) {
        size_t n = T - t0;
        if (n > CHUNK) n = CHUNK;
        const double *mm = m + t0, *yy = y + t0;
        double *g = grad + t0, *vv = v + t0;
        /* the clamp in a loop of its own, so both loops vectorize */
#pragma omp simd
        for (size_t k = 0; k < n; k++) eta[k] = clamp_exp_arg(d + mm[k]);
#pragma omp simd
        for (size_t k = 0; k < n; k++) {
            double lam = wk_fast_exp(eta[k]), inv = 1.0 / (r + lam), share = lam * inv;
            g[k] = r * (yy[k] * inv - share);
            vv[k] = r * (yy[k] + r) * share * inv;
        }
    }
    /* the random walk's pull on each bin from its neighbours */
    grad[0] -= m[0];
    if (T < 2) return;
    grad[0] -= prec * (m[0] - m[1]);
#pragma omp simd
    for (size_t t = 1; t < T - 1; t++) grad[t] -= prec * (m[t] - m[t - 1]) + prec * (m[t] - m[t + 1]);
    grad[T - 1] -= prec * (m[T - 1] - m[T - 2]);
}

/* sum of log x[k] over positive normal x (lane sums, as above). */
WK_VECTOR_CLONES static double log_sum(const double *x, size_t n)
{
    double acc[LANES] = {0}, tail = 0;
    size_t full = n - n % LANES;
    for (size_t k = 0; k < full; k += LANES)
        for (size_t j = 0; j < LANES; j++) acc[j] += wk_fast_log(x[k + j]);
    for (size_t k = full; k < n; k++) tail += wk_fast_log(x[k]);
    return lanes_total(acc) + tail;
}

/* A pass is cut into segments fixed by T alone: of SEGMENT_BINS bins, or
 * MAX_SEGMENTS equal ones from LONG_CHUNKS chunks on (16 balance the
 * threads far better than 5 of 1,024 bins at T 5000); their lane sums are
 * added in segment order, so the result is the same whichever threads ran
 * them. */
#define SEGMENT_BINS (16 * CHUNK)
#define MAX_SEGMENTS 16
#define LONG_CHUNKS (4 * MAX_SEGMENTS)

static void lanes_add(struct lanes *to, const struct lanes *from, size_t p)
{
    for (size_t j = 0; j < LANES; j++) to->l[j] += from->l[j];
    for (size_t a = 0; a < p; a++)
        for (size_t j = 0; j < LANES; j++) to->g[a][j] += from->g[a][j];
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++)
            for (size_t j = 0; j < LANES; j++) to->h[a * p + b][j] += from->h[a * p + b][j];
}

double wk_bc_laplace_pass(const double *y, size_t T, double d, double r, const double *block, size_t tstride,
                          size_t astride, size_t p, const double *cv, double *grad, double *negh, int threads)
{
    size_t chunks = (T + CHUNK - 1) / CHUNK, per = SEGMENT_BINS / CHUNK;
    if (chunks >= LONG_CHUNKS) per = (chunks + MAX_SEGMENTS - 1) / MAX_SEGMENTS;
    size_t nseg = chunks ? (chunks + per - 1) / per : 1;
    struct lanes seg[MAX_SEGMENTS];
#pragma omp parallel for schedule(static) num_threads(threads > 1 ? threads : 1) if (threads > 1 && nseg > 1)
    for (size_t k = 0; k < nseg; k++) {
        size_t begin = k * per * CHUNK, end = begin + per * CHUNK < T ? begin + per * CHUNK : T;
        laplace_segment(&seg[k], y, begin, end, d, r, block, tstride, astride, p, cv);
    }
    for (size_t k = 1; k < nseg; k++) lanes_add(&seg[0], &seg[k], p);
    double ll = lanes_total(seg[0].l);
    for (size_t a = 0; a < p; a++) {
        grad[a] = lanes_total(seg[0].g[a]) - cv[a];
        for (size_t b = 0; b <= a; b++) negh[a * p + b] = negh[b * p + a] = lanes_total(seg[0].h[a * p + b]);
        negh[a * p + a] += 1.0;
        ll -= 0.5 * cv[a] * cv[a];
    }
    return ll;
}

void wk_bc_aux_terms(double *grad, double *v, const double *y, const double *m, size_t T, double d, double r,
                     double prec)
{
    aux_terms(grad, v, y, m, T, d, r, prec);
}

double wk_bc_log_sum(const double *x, size_t n) { return log_sum(x, n); }
