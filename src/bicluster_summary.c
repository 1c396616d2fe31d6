/* bicluster_summary.c - worm-bicluster summarize: posterior similarity
 * matrices, Dahl and maxPEAR point estimates of both partitions, histograms
 * of K and of the number of states, trajectory means with 95% intervals,
 * split R-hat and effective sample sizes of the scalar traces, and (when
 * the file holds the simulation truth) the agreement with the truth.
 * Draws are read chain by chain in blocks, never all at once (except the
 * latent draws of one cluster slot at a time for the intervals). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bicluster_internal.h"
#include "bicluster_stream.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_partition.h"
#include "wormkit/wk_util.h"

#define MAXPEAR_LIMIT 3000 /* average linkage is O(n^3): skipped above this many items */

struct summary_in {
    hid_t group;
    const char *file;
    long chains, burnin, thin_run, first, step; /* first kept draw index, summarize thinning */
    size_t N, T, draws;                         /* draws per chain in the file */
    long kept;                                  /* kept draws per chain */
};

static int open_chain(struct wk_bc_stream *s, const struct summary_in *in, long c, const char *name, hid_t type)
{
    char path[64];
    snprintf(path, sizeof path, "chain%ld", c);
    hid_t g = H5Gopen2(in->group, path, H5P_DEFAULT);
    if (g < 0) return wk_fail(WK_EFORMAT, "'%s': /results/bicluster/%s missing", in->file, path);
    int rc = wk_bc_stream_open(s, g, name, type);
    H5Gclose(g);
    return rc;
}

/* ---- posterior similarity of labels (rows of m items) ---- */

static int similarity(double *psm, const struct summary_in *in, const char *name, size_t m, long *used)
{
    int *row = wk_malloc_array(m, sizeof(int));
    if (!row) return WK_ENOMEM;
    memset(psm, 0, m * m * sizeof(double));
    *used = 0;
    int rc = 0;
    for (long c = 0; !rc && c < in->chains; c++) {
        struct wk_bc_stream s;
        rc = open_chain(&s, in, c, name, H5T_NATIVE_INT);
        for (size_t d = (size_t)in->first; !rc && d < in->draws; d += (size_t)in->step) {
            rc = wk_bc_stream_read(&s, row, d, 1);
            for (size_t i = 0; !rc && i < m; i++)
                for (size_t j = i; j < m; j++) psm[i * m + j] += row[i] == row[j];
            (*used)++;
        }
        wk_bc_stream_close(&s);
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = i; j < m; j++) psm[i * m + j] = psm[j * m + i] = *used ? psm[i * m + j] / (double)*used : 0;
    free(row);
    return rc;
}

/* Dahl: the draw closest to the PSM in squared error. */
static int dahl(int *best, const double *psm, const struct summary_in *in, const char *name, size_t m)
{
    int *row = wk_malloc_array(m, sizeof(int));
    if (!row) return WK_ENOMEM;
    double best_loss = INFINITY;
    int rc = 0;
    for (long c = 0; !rc && c < in->chains; c++) {
        struct wk_bc_stream s;
        rc = open_chain(&s, in, c, name, H5T_NATIVE_INT);
        for (size_t d = (size_t)in->first; !rc && d < in->draws; d += (size_t)in->step) {
            rc = wk_bc_stream_read(&s, row, d, 1);
            double loss = 0;
            for (size_t i = 0; !rc && i < m; i++)
                for (size_t j = i + 1; j < m; j++) {
                    double e = (row[i] == row[j]) - psm[i * m + j];
                    loss += e * e;
                }
            if (!rc && loss < best_loss) best_loss = loss, memcpy(best, row, m * sizeof(int));
        }
        wk_bc_stream_close(&s);
    }
    free(row);
    return rc;
}

/* Posterior expected adjusted Rand (Fritsch & Ickstadt 2009) of labels. */
static double pear(const int *lab, const double *psm, size_t m)
{
    double si = 0, sp = 0, sip = 0, pairs = (double)m * (double)(m - 1) / 2;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) {
            double I = lab[i] == lab[j], p = psm[i * m + j];
            si += I, sp += p, sip += I * p;
        }
    double expected = si * sp / pairs, denom = 0.5 * (si + sp) - expected;
    return denom != 0 ? (sip - expected) / denom : 0;
}

/* maxPEAR: average linkage on 1 - PSM, cut at k = 1..ceil(m/8), keep the
 * cut with the largest PEAR. */
static int maxpear(int *best, const double *psm, size_t m)
{
    double *dist = wk_malloc_array(m * m, sizeof(double));
    size_t *size = wk_malloc_array(m, sizeof(size_t));
    int *lab = wk_malloc_array(m, sizeof(int)), *active = wk_malloc_array(m, sizeof(int));
    int rc = dist && size && lab && active ? 0 : WK_ENOMEM;
    size_t kmax = (m + 7) / 8;
    double best_score = -INFINITY;
    if (!rc) {
        for (size_t i = 0; i < m * m; i++) dist[i] = 1 - psm[i];
        for (size_t i = 0; i < m; i++) size[i] = 1, lab[i] = (int)i, active[i] = 1;
    }
    for (size_t clusters = m; !rc && clusters >= 1; clusters--) {
        if (clusters <= kmax) {
            double score = pear(lab, psm, m);
            if (score > best_score) best_score = score, memcpy(best, lab, m * sizeof(int));
        }
        if (clusters == 1) break;
        size_t a = 0, b = 0;
        double low = INFINITY;
        for (size_t i = 0; i < m; i++) {
            if (!active[i]) continue;
            for (size_t j = i + 1; j < m; j++)
                if (active[j] && dist[i * m + j] < low) low = dist[i * m + j], a = i, b = j;
        }
        for (size_t k = 0; k < m; k++) {
            if (!active[k] || k == a || k == b) continue;
            double v = (dist[a * m + k] * (double)size[a] + dist[b * m + k] * (double)size[b]) /
                       (double)(size[a] + size[b]);
            dist[a * m + k] = dist[k * m + a] = v;
        }
        size[a] += size[b];
        active[b] = 0;
        for (size_t i = 0; i < m; i++)
            if (lab[i] == (int)b) lab[i] = (int)a;
    }
    /* compact labels */
    if (!rc) {
        int *code = lab; /* reuse as map from old to new */
        for (size_t i = 0; i < m; i++) code[i] = -1;
        int next = 0;
        for (size_t i = 0; i < m; i++) {
            if (code[best[i]] < 0) code[best[i]] = next++;
            best[i] = code[best[i]];
        }
    }
    free(dist), free(size), free(lab), free(active);
    return rc;
}

/* ---- scalar traces: histogram, split R-hat, ESS ---- */

static int read_trace(double *x, const struct summary_in *in, long c, const char *name)
{
    struct wk_bc_stream s;
    int is_int = strcmp(name, "loglik") != 0;
    int rc = open_chain(&s, in, c, name, is_int ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE);
    long k = 0;
    for (size_t d = (size_t)in->first; !rc && d < in->draws; d += (size_t)in->step) {
        if (is_int) {
            int v;
            rc = wk_bc_stream_read(&s, &v, d, 1);
            x[k++] = v;
        } else {
            rc = wk_bc_stream_read(&s, &x[k++], d, 1);
        }
    }
    wk_bc_stream_close(&s);
    return rc;
}

/* Split R-hat and ESS (Gelman et al., BDA3 ch. 11) of m sequences of n. */
static void rhat_ess(const double *x, size_t m, size_t n, double *rhat, double *ess)
{
    *rhat = *ess = NAN;
    if (n < 4) return;
    size_t h = n / 2, M = 2 * m;
    double *mean = calloc(M, sizeof(double)), *var = calloc(M, sizeof(double));
    if (!mean || !var) {
        free(mean), free(var);
        return;
    }
    for (size_t s = 0; s < M; s++) {
        const double *q = x + (s / 2) * n + (s % 2) * (n - h);
        for (size_t t = 0; t < h; t++) mean[s] += q[t] / (double)h;
        for (size_t t = 0; t < h; t++) var[s] += (q[t] - mean[s]) * (q[t] - mean[s]) / (double)(h - 1);
    }
    double grand = 0, W = 0, B = 0;
    for (size_t s = 0; s < M; s++) grand += mean[s] / (double)M, W += var[s] / (double)M;
    for (size_t s = 0; s < M; s++) B += (mean[s] - grand) * (mean[s] - grand) * (double)h / (double)(M - 1);
    double vplus = (double)(h - 1) / (double)h * W + B / (double)h;
    if (!(W > 0)) {
        *rhat = B > 0 ? INFINITY : 1.0;
        *ess = B > 0 ? 1.0 : (double)(M * h);
        free(mean), free(var);
        return;
    }
    *rhat = sqrt(vplus / W);
    /* autocorrelations combined over the sequences; Geyer's initial positive sum of pairs */
    double sum = 0, prev_pair = INFINITY;
    for (size_t lag = 1; lag + 1 < h; lag += 2) {
        double rho[2];
        for (int k = 0; k < 2; k++) {
            size_t L = lag + (size_t)k;
            double v = 0;
            for (size_t s = 0; s < M; s++) {
                const double *q = x + (s / 2) * n + (s % 2) * (n - h);
                for (size_t t = 0; t + L < h; t++) v += (q[t] - mean[s]) * (q[t + L] - mean[s]);
            }
            v /= (double)(M * h);
            rho[k] = 1 - (W - v) / vplus;
        }
        double pair = rho[0] + rho[1];
        if (pair < 0) break;
        if (pair > prev_pair) pair = prev_pair;
        sum += pair;
        prev_pair = pair;
    }
    double tau = 1 + 2 * sum;
    *ess = (double)(M * h) / (tau > 1e-9 ? tau : 1e-9);
    free(mean), free(var);
}

static int trace_summaries(hid_t out, const struct summary_in *in)
{
    static const char *const names[3] = {"K", "n_states", "loglik"};
    size_t m = (size_t)in->chains, n = (size_t)in->kept;
    double *x = wk_malloc_array(m * n + 1, sizeof(double));
    double rhat[3], ess[3];
    int rc = x ? 0 : WK_ENOMEM;
    for (int k = 0; !rc && k < 3; k++) {
        for (long c = 0; !rc && c < in->chains; c++) rc = read_trace(x + (size_t)c * n, in, c, names[k]);
        if (rc) break;
        rhat_ess(x, m, n, &rhat[k], &ess[k]);
        if (k < 2) { /* histogram of an integer trace */
            int top = 0;
            for (size_t q = 0; q < m * n; q++)
                if ((int)x[q] > top) top = (int)x[q];
            int *count = wk_calloc((size_t)top + 1, sizeof(int));
            if (!count) { rc = WK_ENOMEM; break; }
            for (size_t q = 0; q < m * n; q++) count[(int)x[q]]++;
            char name[32];
            snprintf(name, sizeof name, "%s_histogram", names[k]);
            size_t dims[1] = {(size_t)top + 1};
            rc = wk_h5_write_int(out, name, 1, dims, count);
            free(count);
        }
    }
    if (!rc) {
        size_t d3[1] = {3};
        char *tn[3] = {"K", "n_states", "loglik"};
        rc = wk_h5_write_strings(out, "trace_names", 3, tn);
        if (!rc) rc = wk_h5_write_double(out, "rhat", 1, d3, rhat);
        if (!rc) rc = wk_h5_write_double(out, "ess", 1, d3, ess);
    }
    free(x);
    return rc;
}

/* ---- trajectories: mean and 95% interval per cluster slot ---- */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static int trajectories(hid_t out, const struct summary_in *in)
{
    struct wk_bc_stream s;
    char path[32];
    snprintf(path, sizeof path, "chain0/latent");
    if (wk_h5_exists(in->group, path) <= 0) return 0;
    int rc = open_chain(&s, in, 0, "latent", H5T_NATIVE_FLOAT);
    if (rc < 0) return rc;
    size_t kout = s.dims[1], P = s.dims[2], T = s.dims[3], cell = P * T;
    wk_bc_stream_close(&s);
    size_t total = (size_t)in->chains * (size_t)in->kept;
    float *slab = wk_malloc_array(total * cell + 1, sizeof(float)), *buf = wk_malloc_array(kout * cell, sizeof(float));
    float *res = wk_malloc_array(3 * kout * cell, sizeof(float)), *vals = wk_malloc_array(total + 1, sizeof(float));
    rc = slab && buf && res && vals ? 0 : WK_ENOMEM;
    for (size_t k = 0; !rc && k < kout; k++) {
        size_t q = 0;
        for (long c = 0; !rc && c < in->chains; c++) {
            rc = open_chain(&s, in, c, "latent", H5T_NATIVE_FLOAT);
            for (size_t d = (size_t)in->first; !rc && d < in->draws; d += (size_t)in->step, q++) {
                rc = wk_bc_stream_read(&s, buf, d, 1);
                memcpy(slab + q * cell, buf + k * cell, cell * sizeof(float));
            }
            wk_bc_stream_close(&s);
        }
        for (size_t e = 0; !rc && e < cell; e++) {
            size_t nv = 0;
            double sum = 0;
            for (size_t d = 0; d < q; d++) {
                float v = slab[d * cell + e];
                if (!isnan(v)) vals[nv++] = v, sum += v;
            }
            float *m = res + k * cell + e, *lo = res + (kout + k) * cell + e, *hi = res + (2 * kout + k) * cell + e;
            if (nv == 0) {
                *m = *lo = *hi = wk_nanf();
                continue;
            }
            qsort(vals, nv, sizeof(float), cmp_float);
            *m = (float)(sum / (double)nv);
            *lo = vals[(size_t)floor(0.025 * (double)(nv - 1))];
            *hi = vals[(size_t)ceil(0.975 * (double)(nv - 1))];
        }
    }
    size_t dims[3] = {kout, P, T};
    if (!rc) rc = wk_h5_write_float(out, "latent_mean", 3, dims, res);
    if (!rc) rc = wk_h5_write_float(out, "latent_lo", 3, dims, res + kout * cell);
    if (!rc) rc = wk_h5_write_float(out, "latent_hi", 3, dims, res + 2 * kout * cell);
    free(slab), free(buf), free(res), free(vals);
    return rc;
}

/* ---- agreement with the simulation truth, when present ---- */

static int truth_agreement(hid_t out, hid_t root, const char *file, const char *recording, const int *neurons,
                           const int *states, size_t N, size_t T)
{
    char path[256];
    snprintf(path, sizeof path, "/results/simulate/%s/neuron_cluster", recording);
    if (wk_h5_exists(root, path) <= 0) return 0;
    int rank, *tz = NULL, *ts = NULL;
    size_t dz[4], ds[4];
    int rc = wk_h5_read_int(root, path, file, &rank, dz, &tz);
    snprintf(path, sizeof path, "/results/simulate/%s/state", recording);
    if (!rc) rc = wk_h5_read_int(root, path, file, &rank, ds, &ts);
    if (!rc && (dz[0] != N || ds[0] != T)) rc = wk_fail(WK_EFORMAT, "'%s': truth does not match the draws", file);
    if (!rc) {
        int map[WK_BC_MAX_K * 8];
        size_t k = 0;
        for (size_t t = 0; t < T; t++) {
            if ((size_t)ts[t] + 1 > k) k = (size_t)ts[t] + 1;
            if ((size_t)states[t] + 1 > k) k = (size_t)states[t] + 1;
        }
        double acc = k <= WK_BC_MAX_K * 8 ? wk_partition_match(map, ts, states, T, k) : NAN;
        rc = wk_h5_set_attr_double(out, "truth_ari_neurons", wk_partition_ari(tz, neurons, N));
        if (!rc) rc = wk_h5_set_attr_double(out, "truth_ari_states", wk_partition_ari(ts, states, T));
        if (!rc) rc = wk_h5_set_attr_long(out, "truth_state_mismatches", (long)llround((1 - acc) * (double)T));
        double purity = k <= WK_BC_MAX_K * 8 ? wk_partition_purity(ts, states, T, k) : NAN;
        if (!rc)
            rc = wk_h5_set_attr_long(out, "truth_state_majority_mismatches", (long)llround((1 - purity) * (double)T));
    }
    free(tz), free(ts);
    return rc;
}

static int read_header(struct summary_in *in, hid_t root, const char *file, long burnin, long thin)
{
    in->file = file;
    in->group = H5Gopen2(root, "/results/bicluster", H5P_DEFAULT);
    if (in->group < 0) return wk_fail(WK_EFORMAT, "'%s': no /results/bicluster (not a worm-bicluster output)", file);
    long run_burnin;
    int rc = wk_h5_get_attr_long(in->group, "chains", &in->chains);
    if (!rc) rc = wk_h5_get_attr_long(in->group, "burnin", &run_burnin);
    if (!rc) rc = wk_h5_get_attr_long(in->group, "thin", &in->thin_run);
    if (rc < 0 || in->chains < 1 || in->thin_run < 1)
        return wk_fail(WK_EFORMAT, "'%s': /results/bicluster: attributes chains, burnin, thin missing", file);
    in->burnin = burnin >= 0 ? burnin : run_burnin;
    in->step = thin > 0 ? thin : 1;
    struct wk_bc_stream s;
    rc = open_chain(&s, in, 0, "z", H5T_NATIVE_INT);
    if (rc < 0) return rc;
    in->draws = s.dims[0];
    in->N = s.dims[1];
    wk_bc_stream_close(&s);
    rc = open_chain(&s, in, 0, "xi", H5T_NATIVE_INT);
    if (rc < 0) return rc;
    in->T = s.dims[1];
    wk_bc_stream_close(&s);
    /* draw d is iteration (d + 1) * thin_run; keep iterations > burnin */
    in->first = in->burnin / in->thin_run;
    if ((size_t)in->first >= in->draws)
        return wk_fail(WK_EINVAL, "'%s': no draws after the burn-in of %ld iterations", file, in->burnin);
    in->kept = ((long)in->draws - in->first + in->step - 1) / in->step;
    return 0;
}

static int partition_summaries(hid_t sg, hid_t root, const struct summary_in *in, const char *recording)
{
    size_t N = in->N, T = in->T;
    double *psm_n = wk_malloc_array(N * N, sizeof(double)), *psm_t = wk_malloc_array(T * T, sizeof(double));
    int *zd = wk_malloc_array(N, sizeof(int)), *zp = wk_malloc_array(N, sizeof(int));
    int *xd = wk_malloc_array(T, sizeof(int)), *xp = wk_malloc_array(T, sizeof(int));
    float *f = wk_malloc_array(T * T > N * N ? T * T : N * N, sizeof(float));
    int rc = psm_n && psm_t && zd && zp && xd && xp && f ? 0 : WK_ENOMEM;
    long used = 0;
    if (!rc) rc = similarity(psm_n, in, "z", N, &used);
    if (!rc) rc = similarity(psm_t, in, "xi", T, &used);
    if (!rc) rc = dahl(zd, psm_n, in, "z", N);
    if (!rc) rc = dahl(xd, psm_t, in, "xi", T);
    if (!rc) rc = maxpear(zp, psm_n, N);
    if (!rc && T <= MAXPEAR_LIMIT) rc = maxpear(xp, psm_t, T);
    else if (!rc) memcpy(xp, xd, T * sizeof(int));
    if (!rc) {
        size_t dn[2] = {N, N}, d1[1] = {N}, d2[1] = {T};
        for (size_t q = 0; q < N * N; q++) f[q] = (float)psm_n[q];
        rc = wk_h5_write_float(sg, "psm_neurons", 2, dn, f);
        for (size_t q = 0; !rc && q < T * T; q++) f[q] = (float)psm_t[q];
        if (!rc) {
            size_t dt[2] = {T, T};
            rc = wk_h5_write_float(sg, "psm_time", 2, dt, f);
        }
        if (!rc) rc = wk_h5_write_int(sg, "neuron_dahl", 1, d1, zd);
        if (!rc) rc = wk_h5_write_int(sg, "neuron_maxpear", 1, d1, zp);
        if (!rc) rc = wk_h5_write_int(sg, "state_dahl", 1, d2, xd);
        if (!rc) rc = wk_h5_write_int(sg, "state_maxpear", 1, d2, xp);
    }
    if (!rc) rc = wk_h5_set_attr_long(sg, "draws", used);
    if (!rc) rc = wk_h5_set_attr_long(sg, "burnin", in->burnin);
    if (!rc && recording) rc = truth_agreement(sg, root, in->file, recording, zp, xp, N, T);
    free(psm_n), free(psm_t), free(zd), free(zp), free(xd), free(xp), free(f);
    return rc;
}

int wk_bicluster_summarize(struct wk_file *output, const char *input, long burnin, long thin)
{
    struct wk_file *in_file;
    int rc = wk_file_open(&in_file, input);
    if (rc < 0) return rc;
    struct summary_in in;
    memset(&in, 0, sizeof in);
    in.group = -1;
    char *recording = NULL;
    rc = wk_file_copy_history(output, in_file);
    if (!rc) rc = wk_file_copy_group(output, in_file, "/recordings");
    if (!rc) rc = wk_file_copy_group(output, in_file, "/results");
    if (!rc) rc = read_header(&in, wk_file_hid(in_file), wk_file_name(in_file), burnin, thin);
    if (!rc && wk_h5_get_attr_string(in.group, "recording", &recording) < 0) recording = NULL;
    hid_t sg = -1;
    if (!rc) {
        int e = wk_h5_exists(wk_file_hid(output), "/results/bicluster/summary");
        if (e > 0 && H5Ldelete(wk_file_hid(output), "/results/bicluster/summary", H5P_DEFAULT) < 0)
            rc = wk_h5_fail(wk_file_name(output), "/results/bicluster/summary");
    }
    if (!rc) rc = wk_h5_ensure_group(wk_file_hid(output), "/results/bicluster/summary", &sg);
    if (!rc) rc = partition_summaries(sg, wk_file_hid(in_file), &in, recording);
    if (!rc) rc = trace_summaries(sg, &in);
    if (!rc) rc = trajectories(sg, &in);
    if (sg >= 0) H5Gclose(sg);
    if (in.group >= 0) H5Gclose(in.group);
    free(recording);
    wk_file_close(in_file);
    return rc;
}
