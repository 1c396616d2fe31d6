/* sbm_run.c - the worm-sbm run: read the graphs, fit each component (in
 * parallel, one RNG stream per component), write /results/sbm and the TSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_export.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_sbm.h"
#include "wormkit/wk_simulate.h"
#include "wormkit/wk_util.h"

#define SBM_GROUP "/results/sbm"

static int fit_one(struct wk_sbm_result **r, struct wk_sbm_graph **g, const struct wk_sbm_input *in, size_t k,
                   const struct wk_sbm_opts *o, unsigned long seed, const char *what)
{
    char label[256];
    snprintf(label, sizeof label, "'%s': component %d", what, in->component[k]);
    int rc = wk_sbm_graph_from_matrix(g, in->matrices[k], in->n, o->weights, label);
    if (rc < 0) return rc;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) return wk_fail(WK_ENOMEM, "out of memory (random number generator)");
    gsl_rng_set(rng, wk_sim_stream_seed(seed, (unsigned long)in->component[k]));
    rc = wk_sbm_fit(r, *g, o, rng);
    gsl_rng_free(rng);
    return rc;
}

static int write_h5(const struct wk_cli *cli, const struct wk_sbm_run *run, const struct wk_sbm_input *in,
                    struct wk_sbm_result *const *res, struct wk_sbm_graph *const *g, const char *source)
{
    struct wk_file *f;
    int rc = wk_file_create(&f, cli->output);
    if (rc < 0) return rc;
    if (in->file) rc = wk_file_copy_history(f, in->file);
    if (rc == 0 && in->file) rc = wk_file_copy_group(f, in->file, "/results/ntf");
    hid_t grp = -1;
    if (rc == 0) rc = wk_h5_ensure_group(wk_file_hid(f), SBM_GROUP, &grp);
    const struct wk_sbm_opts *o = &run->fit;
    static const char *const degree[] = {"auto", "plain", "dc"};
    if (rc == 0) rc = wk_h5_set_attr_string(grp, "method", o->method == WK_SBM_METHOD_LOUVAIN ? "louvain" : "sbm");
    if (rc == 0) rc = wk_h5_set_attr_string(grp, "weights", wk_sbm_weights_name(o->weights));
    if (rc == 0) rc = wk_h5_set_attr_string(grp, "degree", degree[o->degree]);
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "nested", o->nested);
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "sweeps", o->sweeps);
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "seed", (long)cli->seed);
    if (rc == 0) rc = wk_h5_set_attr_string(grp, "source", source);
    if (rc == 0) rc = wk_h5_set_attr_long(grp, "components", (long)in->n_graphs);
    for (size_t k = 0; rc == 0 && k < in->n_graphs; k++)
        rc = wk_sbm_write_result(grp, res[k], g[k], in->names, in->component[k], o);
    if (grp >= 0) H5Gclose(grp);
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    return wk_file_commit(f);
}

/* The TSV written but not committed (committed after the HDF5 output). */
static int write_tsv(struct wk_export_output **out, const char *path, const struct wk_sbm_input *in,
                     struct wk_sbm_result *const *res)
{
    int rc = wk_export_output_open(out, path, 0);
    if (rc < 0) return rc;
    for (size_t k = 0; rc == 0 && k < in->n_graphs; k++)
        rc = wk_sbm_write_tsv(wk_export_output_fp(*out), res[k], in->names, in->component[k], k == 0);
    if (rc < 0) {
        wk_export_output_abort(*out);
        *out = NULL;
    }
    return rc;
}

int wk_sbm_run(const struct wk_cli *cli, const struct wk_sbm_run *run)
{
    const char *spec = cli->n_files ? cli->files[0] : "-";
    struct wk_sbm_input *in;
    int rc = wk_sbm_input_read(&in, spec, run->rank, run->component);
    if (rc < 0) return rc;
    const char *what = in->file ? wk_file_name(in->file) : spec;
    size_t K = in->n_graphs;
    struct wk_sbm_result **res = wk_calloc(K, sizeof *res);
    struct wk_sbm_graph **g = wk_calloc(K, sizeof *g);
    int *rcs = wk_calloc(K, sizeof *rcs);
    if (!res || !g || !rcs) rc = wk_fail(WK_ENOMEM, "out of memory");
    wk_cli_threads(cli);
    if (rc == 0) {
        /* components are independent, each with its own RNG stream: the
         * result does not depend on the number of threads */
#pragma omp parallel for schedule(dynamic, 1)
        for (long k = 0; k < (long)K; k++)
            rcs[k] = fit_one(&res[k], &g[k], in, (size_t)k, &run->fit, cli->seed, what);
        for (size_t k = 0; k < K && rc == 0; k++) rc = rcs[k];
    }
    struct wk_export_output *tsv = NULL;
    if (rc == 0 && run->tsv) rc = write_tsv(&tsv, run->tsv, in, res);
    if (rc == 0) rc = write_h5(cli, run, in, res, g, in->from_ntf ? "ntf" : "matrix");
    if (tsv) {
        if (rc == 0) rc = wk_export_output_commit(tsv);
        else wk_export_output_abort(tsv);
    }
    for (size_t k = 0; k < K && res && g; k++) {
        wk_sbm_result_free(res[k]);
        wk_sbm_graph_free(g[k]);
    }
    free(res);
    free(g);
    free(rcs);
    wk_sbm_input_free(in);
    return rc;
}
