/* ntf.c - non-negative CP by HALS or multiplicative updates over a
 * streamed, possibly masked tensor (algorithm in wk_ntf.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "ntf_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wk_util.h"

#define MU_EPS 1e-30 /* keeps 0/0 out of the multiplicative update */
#define EXACT_ERROR_BELOW 1e-4

void wk_ntf_tensor_dense(struct wk_ntf_tensor *X, const float *data, const unsigned char *mask,
                         size_t P, size_t T, size_t W)
{
    memset(X, 0, sizeof *X);
    X->P = P;
    X->T = T;
    X->W = W;
    X->data = data;
    X->mask = mask;
}

void wk_ntf_tensor_callback(struct wk_ntf_tensor *X, wk_ntf_block_fn fn, void *ctx, size_t P,
                            size_t T, size_t W)
{
    memset(X, 0, sizeof *X);
    X->P = P;
    X->T = T;
    X->W = W;
    X->block = fn;
    X->ctx = ctx;
}

void wk_ntf_opts_init(struct wk_ntf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rank = 1;
    o->method = WK_NTF_HALS;
    o->init = WK_NTF_INIT_RANDOM;
    o->max_iter = WK_NTF_MAX_ITER;
    o->tol = -1;
    o->restarts = 1;
    o->power_iter = WK_NTF_POWER_ITER;
}

int wk_ntf_opts_check(const struct wk_ntf_opts *o)
{
    if (o->rank < 1 || o->rank > WK_NTF_MAX_RANK)
        return wk_fail(WK_EINVAL, "rank must be between 1 and %d (got %zu)", WK_NTF_MAX_RANK, o->rank);
    if (o->method != WK_NTF_HALS && o->method != WK_NTF_MU)
        return wk_fail(WK_EINVAL, "unknown ntf method %d", (int)o->method);
    if (o->init != WK_NTF_INIT_RANDOM && o->init != WK_NTF_INIT_SVD)
        return wk_fail(WK_EINVAL, "unknown ntf initialisation %d", (int)o->init);
    if (o->max_iter < 0) return wk_fail(WK_EINVAL, "maximum iterations must be >= 0 (got %d)", o->max_iter);
    if (o->restarts < 1) return wk_fail(WK_EINVAL, "restarts must be >= 1 (got %d)", o->restarts);
    if (o->power_iter < 0) return wk_fail(WK_EINVAL, "power iterations must be >= 0 (got %d)", o->power_iter);
    if (isnan(o->tol)) return wk_fail(WK_EINVAL, "tolerance is NaN");
    return 0;
}

int wk_ntf_method_from_name(const char *name, enum wk_ntf_method *out)
{
    if (strcmp(name, "hals") == 0) *out = WK_NTF_HALS;
    else if (strcmp(name, "mu") == 0) *out = WK_NTF_MU;
    else return WK_EINVAL;
    return 0;
}

int wk_ntf_init_from_name(const char *name, enum wk_ntf_init *out)
{
    if (strcmp(name, "random") == 0) *out = WK_NTF_INIT_RANDOM;
    else if (strcmp(name, "svd") == 0) *out = WK_NTF_INIT_SVD;
    else return WK_EINVAL;
    return 0;
}

const char *wk_ntf_method_name(enum wk_ntf_method m)
{
    return m == WK_NTF_MU ? "mu" : "hals";
}

const char *wk_ntf_init_name(enum wk_ntf_init i)
{
    return i == WK_NTF_INIT_SVD ? "svd" : "random";
}

/* ---- models ---- */

struct wk_ntf_model *wk_ntf_model_alloc(size_t R, size_t P, size_t T, size_t W)
{
    if (R < 1 || R > WK_NTF_MAX_RANK) {
        wk_log(WK_LOG_ERROR, "rank must be between 1 and %d (got %zu)", WK_NTF_MAX_RANK, R);
        return NULL;
    }
    struct wk_ntf_model *m = wk_calloc(1, sizeof *m);
    if (!m) return NULL;
    m->R = R;
    m->P = P;
    m->T = T;
    m->W = W;
    m->A = wk_calloc(P * R, sizeof *m->A); /* sizes bounded by the tensor's */
    m->B = wk_calloc(T * R, sizeof *m->B);
    m->C = wk_calloc(W * R, sizeof *m->C);
    m->lambda = wk_calloc(R, sizeof *m->lambda);
    if (!m->A || !m->B || !m->C || !m->lambda) {
        wk_ntf_model_free(m);
        return NULL;
    }
    for (size_t r = 0; r < R; r++) m->lambda[r] = 1;
    return m;
}

void wk_ntf_model_free(struct wk_ntf_model *m)
{
    if (!m) return;
    free(m->A);
    free(m->B);
    free(m->C);
    free(m->lambda);
    free(m->trace);
    free(m);
}

struct wk_ntf_model *wk_ntf_model_dup(const struct wk_ntf_model *m)
{
    struct wk_ntf_model *d = wk_ntf_model_alloc(m->R, m->P, m->T, m->W);
    if (!d) return NULL;
    memcpy(d->A, m->A, m->P * m->R * sizeof *d->A);
    memcpy(d->B, m->B, m->T * m->R * sizeof *d->B);
    memcpy(d->C, m->C, m->W * m->R * sizeof *d->C);
    memcpy(d->lambda, m->lambda, m->R * sizeof *d->lambda);
    d->error = m->error;
    d->iterations = m->iterations;
    d->converged = m->converged;
    if (m->n_trace) {
        d->trace = wk_malloc_array(m->n_trace, sizeof *d->trace);
        if (!d->trace) {
            wk_ntf_model_free(d);
            return NULL;
        }
        memcpy(d->trace, m->trace, m->n_trace * sizeof *d->trace);
        d->n_trace = m->n_trace;
    }
    return d;
}

static double column_norm(const double *F, size_t n, size_t R, size_t r)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += F[i * R + r] * F[i * R + r];
    return sqrt(s);
}

static void scale_column(double *F, size_t n, size_t R, size_t r, double s)
{
    for (size_t i = 0; i < n; i++) F[i * R + r] *= s;
}

/* Move column `from` of F to position `to` via a permutation applied by copy. */
static void permute_columns(double *F, size_t n, size_t R, const size_t *order, double *tmp)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t r = 0; r < R; r++) tmp[r] = F[i * R + order[r]];
        memcpy(F + i * R, tmp, R * sizeof *tmp);
    }
}

void wk_ntf_model_normalize(struct wk_ntf_model *m)
{
    size_t R = m->R;
    double lam[WK_NTF_MAX_RANK] = {0}, tmp[WK_NTF_MAX_RANK];
    size_t order[WK_NTF_MAX_RANK] = {0};
    for (size_t r = 0; r < R; r++) {
        double na = column_norm(m->A, m->P, R, r), nb = column_norm(m->B, m->T, R, r);
        double nc = column_norm(m->C, m->W, R, r);
        lam[r] = m->lambda[r] * na * nb * nc;
        if (na > 0) scale_column(m->A, m->P, R, r, 1 / na);
        if (nb > 0) scale_column(m->B, m->T, R, r, 1 / nb);
        if (nc > 0) scale_column(m->C, m->W, R, r, 1 / nc);
        order[r] = r;
    }
    /* insertion sort: stable, decreasing lambda */
    for (size_t i = 1; i < R; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && lam[order[j - 1]] < lam[v]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    permute_columns(m->A, m->P, R, order, tmp);
    permute_columns(m->B, m->T, R, order, tmp);
    permute_columns(m->C, m->W, R, order, tmp);
    for (size_t r = 0; r < R; r++) m->lambda[r] = lam[order[r]];
}

double wk_ntf_model_value(const struct wk_ntf_model *m, size_t p, size_t t, size_t w)
{
    double v = 0;
    for (size_t r = 0; r < m->R; r++)
        v += m->lambda[r] * m->A[p * m->R + r] * m->B[t * m->R + r] * m->C[w * m->R + r];
    return v;
}

/* ---- updates ---- */

/* One HALS sweep over the columns of F (n x R): for each row independently,
 * f_r <- max(0, f_r + (M_r - (F G)_r) / G_rr), columns in order. */
static void hals_update(double *F, size_t n, size_t R, const double *M, const double *G)
{
    long nn = (long)n;
#pragma omp parallel for schedule(static) if ((double)nn * R * R > WK_OMP_MIN_WORK)
    for (long i = 0; i < nn; i++) {
        double *f = F + (size_t)i * R;
        const double *mi = M + (size_t)i * R;
        for (size_t r = 0; r < R; r++) {
            double grr = G[r * R + r];
            if (!(grr > 0)) continue;
            double s = mi[r];
            for (size_t q = 0; q < R; q++) s -= f[q] * G[q * R + r];
            double v = f[r] + s / grr;
            f[r] = v > 0 ? v : 0;
        }
    }
}

/* Multiplicative update, the exact minimizer of the Lee-Seung majorizer
 * with curvature ((F G) + eps) / F: f <- f (M + eps) / ((F G) + eps). */
static void mu_update(double *F, size_t n, size_t R, const double *M, const double *G)
{
    long nn = (long)n;
#pragma omp parallel for schedule(static) if ((double)nn * R * R > WK_OMP_MIN_WORK)
    for (long i = 0; i < nn; i++) {
        double *f = F + (size_t)i * R, fg[WK_NTF_MAX_RANK];
        const double *mi = M + (size_t)i * R;
        for (size_t r = 0; r < R; r++) {
            double s = 0;
            for (size_t q = 0; q < R; q++) s += f[q] * G[q * R + r];
            fg[r] = s;
        }
        for (size_t r = 0; r < R; r++) {
            double num = mi[r] > 0 ? mi[r] : 0;
            f[r] *= (num + MU_EPS) / (fg[r] + MU_EPS);
        }
    }
}

void ntf_update_rows(enum wk_ntf_method method, double *F, size_t n, size_t R, const double *M, const double *G)
{
    if (method == WK_NTF_MU) mu_update(F, n, R, M, G);
    else hals_update(F, n, R, M, G);
}

static void hadamard(double *G, const double *X, const double *Y, size_t R)
{
    for (size_t i = 0; i < R * R; i++) G[i] = X[i] * Y[i];
}

/* Equal column norms across the three factors (the model is unchanged). */
static void rebalance(struct wk_ntf_model *m)
{
    size_t R = m->R;
    for (size_t r = 0; r < R; r++) {
        double na = column_norm(m->A, m->P, R, r), nb = column_norm(m->B, m->T, R, r);
        double nc = column_norm(m->C, m->W, R, r);
        if (!(na > 0 && nb > 0 && nc > 0)) continue;
        double g = cbrt(na * nb * nc);
        scale_column(m->A, m->P, R, r, g / na);
        scale_column(m->B, m->T, R, r, g / nb);
        scale_column(m->C, m->W, R, r, g / nc);
    }
}

/* ---- initialisation ---- */

static double model_norm2(const double *GA, const double *GB, const double *GC, size_t R)
{
    double s = 0;
    for (size_t i = 0; i < R * R; i++) s += GA[i] * GB[i] * GC[i];
    return s;
}

static void init_random(struct wk_ntf_model *m, gsl_rng *rng)
{
    size_t R = m->R;
    for (size_t i = 0; i < m->P * R; i++) m->A[i] = gsl_rng_uniform(rng);
    for (size_t i = 0; i < m->T * R; i++) m->B[i] = gsl_rng_uniform(rng);
    for (size_t i = 0; i < m->W * R; i++) m->C[i] = gsl_rng_uniform(rng);
}

/* Scale all factors so that ||model|| = sqrt(target2). */
static void scale_to(struct wk_ntf_model *m, double target2, double *GA, double *GB, double *GC)
{
    size_t R = m->R;
    ntf_gram(GA, m->A, m->P, R);
    ntf_gram(GB, m->B, m->T, R);
    ntf_gram(GC, m->C, m->W, R);
    double n2 = model_norm2(GA, GB, GC, R);
    if (!(n2 > 0) || !(target2 > 0)) return;
    double s = cbrt(sqrt(target2 / n2));
    for (size_t i = 0; i < m->P * R; i++) m->A[i] *= s;
    for (size_t i = 0; i < m->T * R; i++) m->B[i] *= s;
    for (size_t i = 0; i < m->W * R; i++) m->C[i] *= s;
}

/* ---- the fit ---- */

struct fit_work {
    double *KR, *Y, *MA, *MB, *MC, *Cown;
    double *Anext;        /* fused pass: A after this iteration's update */
    size_t w0, wn;        /* this rank's worms */
    size_t *ccounts;      /* bytes of C rows per rank */
    struct ntf_tree sumB; /* M_B over worms */
    double GA[WK_NTF_MAX_RANK * WK_NTF_MAX_RANK], GB[WK_NTF_MAX_RANK * WK_NTF_MAX_RANK];
    double GC[WK_NTF_MAX_RANK * WK_NTF_MAX_RANK], G[WK_NTF_MAX_RANK * WK_NTF_MAX_RANK];
};

static void fit_work_free(struct fit_work *fw)
{
    if (!fw) return;
    free(fw->KR);
    free(fw->Y);
    free(fw->MA);
    free(fw->Anext);
    free(fw->MB);
    free(fw->MC);
    free(fw->Cown);
    free(fw->ccounts);
    ntf_tree_free(&fw->sumB);
    free(fw);
}

/* Per-worm arrays (KR, Y) hold this rank's worms only. */
static struct fit_work *fit_work_alloc(size_t P, size_t T, size_t W, size_t R)
{
    struct fit_work *fw = wk_calloc(1, sizeof *fw);
    if (!fw) return NULL;
    wk_mpi_share(W, &fw->w0, &fw->wn);
    size_t wn = fw->wn ? fw->wn : 1;
    fw->KR = wk_malloc_array(wn * T * R, sizeof *fw->KR);
    fw->Y = wk_malloc_array(wn * T * R, sizeof *fw->Y);
    fw->MA = wk_malloc_array(P * R, sizeof *fw->MA);
    fw->Anext = wk_malloc_array(P * R, sizeof *fw->Anext);
    fw->MB = wk_malloc_array(T * R, sizeof *fw->MB);
    fw->MC = wk_malloc_array(W * R, sizeof *fw->MC);
    fw->Cown = wk_malloc_array(wn * R, sizeof *fw->Cown);
    fw->ccounts = ntf_share_counts(W, R * sizeof(double));
    int rc = ntf_tree_init(&fw->sumB, T * R, W);
    if (rc || !fw->KR || !fw->Y || !fw->MA || !fw->Anext || !fw->MB || !fw->MC || !fw->Cown || !fw->ccounts) {
        fit_work_free(fw);
        return NULL;
    }
    return fw;
}

/* KR[((w - w0) T + t) R + r] = B[t,r] C[w,r] for this rank's worms. */
static void khatri_rao(double *KR, const struct wk_ntf_model *m, size_t w0, size_t wn)
{
    size_t R = m->R;
    for (size_t wl = 0; wl < wn; wl++)
        for (size_t t = 0; t < m->T; t++)
            for (size_t r = 0; r < R; r++)
                KR[(wl * m->T + t) * R + r] = m->B[t * R + r] * m->C[(w0 + wl) * R + r];
}

static int check_tensor(const struct wk_ntf_tensor *X)
{
    if (X->P < 1 || X->T < 1 || X->W < 1)
        return wk_fail(WK_EINVAL, "empty tensor (%zu x %zu x %zu)", X->P, X->T, X->W);
    if (!X->block && !X->data) return wk_fail(WK_EINVAL, "tensor has neither data nor a block source");
    size_t n;
    if (wk_size_mul(&n, X->T, X->W) || n > ((size_t)1 << 40))
        return wk_fail(WK_ERANGE, "tensor of %zu x %zu x %zu is too large", X->P, X->T, X->W);
    return 0;
}

/* The pass at the current model: M_A and the exact masked relative error;
 * fused (ntf_pass_fused), also the next A (fw->Anext) and Y, so the
 * iteration reads the tensor once. */
static int error_pass(double *relerr, struct ntf_pass *ps, struct fit_work *fw,
                      const struct wk_ntf_model *m, double norm2, int fused, enum wk_ntf_method method)
{
    size_t R = m->R;
    khatri_rao(fw->KR, m, fw->w0, fw->wn);
    struct ntf_factors f = {R, m->A, m->B, m->C};
    ntf_gram(fw->GB, m->B, m->T, R);
    ntf_gram(fw->GC, m->C, m->W, R);
    int rc;
    if (fused) {
        hadamard(fw->G, fw->GB, fw->GC, R);
        struct ntf_fused fu = {R, fw->KR, &f, fw->Anext, fw->G, method, fw->MA, fw->Y};
        rc = ntf_pass_fused(ps, &fu);
    } else {
        rc = ntf_pass_left(ps, fw->KR, R, fw->MA, &f);
    }
    if (rc) return rc;
    ntf_gram(fw->GA, m->A, m->P, R);
    double inner = 0;
    for (size_t i = 0; i < m->P * R; i++) inner += m->A[i] * fw->MA[i];
    /* ||W(X - M)||^2 = ||X~ - M||^2 with X~ imputed by M itself */
    double e2 = norm2 + ps->miss - 2 * inner + model_norm2(fw->GA, fw->GB, fw->GC, R);
    *relerr = sqrt((e2 > 0 ? e2 : 0) / norm2);
    /* The expansion loses ~1e-16 / error to cancellation: near an exact fit
     * the residuals are summed directly (one more pass). */
    if (*relerr < EXACT_ERROR_BELOW) {
        if ((rc = ntf_pass_residual(ps, &f, NULL, &e2)) != 0) return rc;
        *relerr = sqrt(e2 / norm2);
    }
    return 0;
}

/* M_B = sum over worms of Y_w .* C_w, along the worm tree. */
static int sum_mb(struct fit_work *fw, const struct wk_ntf_model *m)
{
    size_t R = m->R, T = m->T;
    ntf_tree_reset(&fw->sumB, T * R);
    for (size_t wl = 0; wl < fw->wn; wl++) {
        double *s = ntf_tree_slot(&fw->sumB);
        const double *y = fw->Y + wl * T * R, *c = m->C + (fw->w0 + wl) * R;
        for (size_t t = 0; t < T; t++)
            for (size_t r = 0; r < R; r++) s[t * R + r] = y[t * R + r] * c[r];
        ntf_tree_commit(&fw->sumB, fw->w0 + wl);
    }
    return ntf_tree_total(&fw->sumB, fw->MB);
}

/* Update this rank's rows of C, then every rank gets all rows. */
static int update_c(struct fit_work *fw, struct wk_ntf_model *m, enum wk_ntf_method method)
{
    size_t R = m->R, T = m->T;
    for (size_t wl = 0; wl < fw->wn; wl++) {
        double *mc = fw->MC + (fw->w0 + wl) * R;
        const double *y = fw->Y + wl * T * R;
        memset(mc, 0, R * sizeof *mc);
        for (size_t t = 0; t < T; t++)
            for (size_t r = 0; r < R; r++) mc[r] += y[t * R + r] * m->B[t * R + r];
    }
    hadamard(fw->G, fw->GA, fw->GB, R);
    ntf_update_rows(method, m->C + fw->w0 * R, fw->wn, R, fw->MC + fw->w0 * R, fw->G);
    if (wk_mpi_size() == 1) return 0;
    if (fw->wn) memcpy(fw->Cown, m->C + fw->w0 * R, fw->wn * R * sizeof *fw->Cown);
    return wk_mpi_allgather_bytes(fw->Cown, fw->wn * R * sizeof *fw->Cown, m->C, fw->ccounts);
}

/* The update of A (already done by a fused pass: fw->Anext), Y from a
 * second pass otherwise, then the updates of B and C. */
static int update_pass(struct ntf_pass *ps, struct fit_work *fw, struct wk_ntf_model *m,
                       enum wk_ntf_method method, int fused)
{
    size_t R = m->R, T = m->T;
    int rc;
    if (fused) {
        memcpy(m->A, fw->Anext, m->P * R * sizeof *m->A);
    } else {
        hadamard(fw->G, fw->GB, fw->GC, R);
        ntf_update_rows(method, m->A, m->P, R, fw->MA, fw->G);
        struct ntf_factors f = {R, m->A, m->B, m->C};
        if ((rc = ntf_pass_right(ps, m->A, R, fw->Y, &f)) != 0) return rc;
    }
    ntf_gram(fw->GA, m->A, m->P, R);

    if ((rc = sum_mb(fw, m)) != 0) return rc;
    hadamard(fw->G, fw->GA, fw->GC, R);
    ntf_update_rows(method, m->B, T, R, fw->MB, fw->G);
    ntf_gram(fw->GB, m->B, T, R);

    if ((rc = update_c(fw, m, method)) != 0) return rc;
    rebalance(m);
    return 0;
}

static int init_model(struct wk_ntf_model *m, struct ntf_pass *ps, struct fit_work *fw,
                      const struct wk_ntf_opts *o, gsl_rng *rng, double norm2)
{
    if (o->init == WK_NTF_INIT_SVD) {
        int rc = ntf_init_svd(m, ps, o->power_iter, o->method == WK_NTF_MU, rng);
        if (rc) return rc;
    } else {
        init_random(m, rng);
    }
    scale_to(m, norm2, fw->GA, fw->GB, fw->GC);
    return 0;
}

/* What a fit needs besides the tensor and options: where it resumes from
 * and what it hands to on_state. */
struct fit_hooks {
    const struct wk_ntf_state *resume; /* this restart's saved state, or NULL */
    struct wk_ntf_model *const *done;  /* finished restarts */
};

static int call_on_state(const struct wk_ntf_opts *o, const struct fit_hooks *h, const struct wk_ntf_model *m,
                         gsl_rng *rng, int restart, int it)
{
    if (!o->on_state) return 0;
    struct wk_ntf_state st = {restart, it, m, h ? h->done : NULL, (const unsigned char *)gsl_rng_state(rng),
                              gsl_rng_size(rng)};
    return o->on_state(o->on_state_ctx, &st);
}

/* The factors and trace of a saved state; its iteration. */
static int resume_model(struct wk_ntf_model *m, const struct wk_ntf_state *st, int max_iter)
{
    const struct wk_ntf_model *s = st->model;
    if (s->R != m->R || s->P != m->P || s->T != m->T || s->W != m->W || st->iter < 0 || st->iter > max_iter ||
        s->n_trace != (size_t)st->iter)
        return wk_fail(WK_EINVAL, "saved ntf state does not match this fit");
    memcpy(m->A, s->A, m->P * m->R * sizeof *m->A);
    memcpy(m->B, s->B, m->T * m->R * sizeof *m->B);
    memcpy(m->C, s->C, m->W * m->R * sizeof *m->C);
    if (s->n_trace) memcpy(m->trace, s->trace, s->n_trace * sizeof *m->trace);
    return st->iter;
}

static int fit_once(struct wk_ntf_model **out, const struct wk_ntf_tensor *X, const struct wk_ntf_opts *o,
                    gsl_rng *rng, int restart, const struct fit_hooks *h)
{
    *out = NULL;
    int rc = wk_ntf_opts_check(o);
    if (!rc) rc = check_tensor(X);
    if (rc) return rc;
    ntf_blas_serial();
    size_t R = o->rank;
    double tol = o->tol >= 0 ? o->tol : (o->method == WK_NTF_MU ? WK_NTF_TOL_MU : WK_NTF_TOL_HALS);
    struct ntf_pass ps;
    size_t kmax = R + WK_NTF_OVERSAMPLE;
    struct wk_ntf_model *m = wk_ntf_model_alloc(R, X->P, X->T, X->W);
    struct fit_work *fw = fit_work_alloc(X->P, X->T, X->W, R);
    if (!m || !fw) {
        rc = WK_ENOMEM;
        goto fail_nopass;
    }
    m->trace = wk_malloc_array((size_t)o->max_iter + 1, sizeof *m->trace);
    if (!m->trace) {
        rc = WK_ENOMEM;
        goto fail_nopass;
    }
    if ((rc = ntf_pass_init(&ps, X, kmax)) != 0) goto fail_nopass;
    if ((rc = ntf_pass_stats(&ps)) != 0) goto fail;
    double norm2 = ps.obs;
    if (!(norm2 > 0)) {
        rc = wk_fail(WK_EINVAL, "tensor has no non-zero observed entry");
        goto fail;
    }
    int it = 0;
    if (h && h->resume) {
        if ((it = resume_model(m, h->resume, o->max_iter)) < 0) {
            rc = it;
            goto fail;
        }
    } else if ((rc = init_model(m, &ps, fw, o, rng, norm2)) != 0) {
        goto fail;
    }
    for (;; it++) {
        double err;
        m->n_trace = (size_t)it;
        if ((rc = call_on_state(o, h, m, rng, restart, it)) != 0) goto fail;
        /* the last evaluation needs no update: M_A alone */
        int fused = it < o->max_iter && ntf_pass_fusable(&ps, R);
        if ((rc = error_pass(&err, &ps, fw, m, norm2, fused, o->method)) != 0) goto fail;
        m->trace[it] = err;
        m->n_trace = (size_t)it + 1;
        if (o->on_iter) o->on_iter(o->on_iter_ctx, restart, it, err);
        if (it > 0 && fabs(m->trace[it - 1] - err) < tol) {
            m->converged = 1;
            break;
        }
        if (it == o->max_iter) break;
        if ((rc = update_pass(&ps, fw, m, o->method, fused)) != 0) goto fail;
    }
    m->iterations = it;
    m->error = m->trace[it];
    wk_ntf_model_normalize(m);
    ntf_pass_free(&ps);
    fit_work_free(fw);
    *out = m;
    return 0;
fail:
    ntf_pass_free(&ps);
fail_nopass:
    fit_work_free(fw);
    wk_ntf_model_free(m);
    return rc;
}

int wk_ntf_fit_once(struct wk_ntf_model **out, const struct wk_ntf_tensor *X,
                    const struct wk_ntf_opts *o, gsl_rng *rng, int restart)
{
    return fit_once(out, X, o, rng, restart, NULL);
}

/* Finished restarts and the generator of a saved state; the restart to
 * continue. */
static int resume_fit(struct wk_ntf_model **models, gsl_rng *rng, const struct wk_ntf_state *st, size_t n)
{
    if (st->restart < 0 || (size_t)st->restart >= n || st->rng_size != gsl_rng_size(rng))
        return wk_fail(WK_EINVAL, "saved ntf state does not match this fit");
    memcpy(gsl_rng_state(rng), st->rng, st->rng_size);
    for (int i = 0; i < st->restart; i++)
        if (!(models[i] = wk_ntf_model_dup(st->done[i]))) return WK_ENOMEM;
    return st->restart;
}

int wk_ntf_fit(struct wk_ntf_model **best, struct wk_ntf_model ***all, const struct wk_ntf_tensor *X,
               const struct wk_ntf_opts *o, unsigned long seed)
{
    *best = NULL;
    if (all) *all = NULL;
    int rc = wk_ntf_opts_check(o);
    if (rc) return rc;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) return wk_fail(WK_ENOMEM, "out of memory");
    gsl_rng_set(rng, seed);
    size_t n = (size_t)o->restarts;
    struct wk_ntf_model **models = wk_calloc(n, sizeof *models);
    if (!models) {
        gsl_rng_free(rng);
        return WK_ENOMEM;
    }
    size_t first = 0;
    if (o->resume) {
        int r = resume_fit(models, rng, o->resume, n);
        if (r < 0) rc = r;
        else first = (size_t)r;
    }
    for (size_t i = first; i < n && !rc; i++) {
        struct fit_hooks h = {i == first ? o->resume : NULL, models};
        rc = fit_once(&models[i], X, o, rng, (int)i, &h);
    }
    size_t ibest = 0;
    for (size_t i = 1; i < n && !rc; i++)
        if (models[i]->error < models[ibest]->error) ibest = i;
    gsl_rng_free(rng);
    if (!rc) {
        *best = all ? wk_ntf_model_dup(models[ibest]) : models[ibest];
        if (!*best) rc = WK_ENOMEM;
        if (!all) models[ibest] = NULL;
    }
    if (!rc && all) {
        *all = models;
        return 0;
    }
    for (size_t i = 0; i < n; i++) wk_ntf_model_free(models[i]);
    free(models);
    return rc;
}

/* ---- exact error by direct residuals ---- */

int wk_ntf_error(double *error, const struct wk_ntf_tensor *X, const struct wk_ntf_model *m)
{
    int rc = check_tensor(X);
    if (rc) return rc;
    if (m->P != X->P || m->T != X->T || m->W != X->W)
        return wk_fail(WK_EINVAL, "model shape %zu x %zu x %zu does not match the tensor's %zu x %zu x %zu",
                       m->P, m->T, m->W, X->P, X->T, X->W);
    struct ntf_pass ps;
    if ((rc = ntf_pass_init(&ps, X, m->R)) != 0) return rc;
    struct ntf_factors f = {m->R, m->A, m->B, m->C};
    double num = 0;
    rc = ntf_pass_residual(&ps, &f, m->lambda, &num);
    if (!rc) rc = ntf_pass_stats(&ps);
    double den = ps.obs;
    ntf_pass_free(&ps);
    if (rc) return rc;
    if (!(den > 0)) return wk_fail(WK_EINVAL, "tensor has no non-zero observed entry");
    *error = sqrt(num / den);
    return 0;
}

/* ---- planted tensors ---- */

int wk_ntf_planted(float **data, struct wk_ntf_model **truth, size_t P, size_t T, size_t W, size_t R,
                   double sparsity, double noise, gsl_rng *rng)
{
    *data = NULL;
    *truth = NULL;
    if (R < 1 || R > WK_NTF_MAX_RANK || P < 1 || T < 1 || W < 1)
        return wk_fail(WK_EINVAL, "bad planted tensor shape %zu x %zu x %zu rank %zu", P, T, W, R);
    struct wk_ntf_model *m = wk_ntf_model_alloc(R, P, T, W);
    size_t n;
    if (!m || wk_size_mul(&n, P, T) || wk_size_mul(&n, n, W)) {
        wk_ntf_model_free(m);
        return m ? wk_fail(WK_ERANGE, "planted tensor too large") : WK_ENOMEM;
    }
    float *X = wk_malloc_array(n, sizeof *X);
    if (!X) {
        wk_ntf_model_free(m);
        return WK_ENOMEM;
    }
    double *F[3] = {m->A, m->B, m->C};
    const size_t len[3] = {P, T, W};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < len[k] * R; i++) {
            double u = gsl_rng_uniform(rng);
            F[k][i] = gsl_rng_uniform(rng) < sparsity ? 0.0 : u;
        }
    for (size_t w = 0; w < W; w++)
        for (size_t t = 0; t < T; t++)
            for (size_t p = 0; p < P; p++) {
                double v = wk_ntf_model_value(m, p, t, w);
                if (noise > 0) v += noise * gsl_ran_gaussian(rng, 1.0);
                X[(w * T + t) * P + p] = (float)(v > 0 ? v : 0);
            }
    wk_ntf_model_normalize(m);
    *data = X;
    *truth = m;
    return 0;
}
