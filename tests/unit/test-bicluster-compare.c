/* test-bicluster-compare: a simulation run through the sampler, the
 * summary and wk_compare_bicluster; the scores must agree with the
 * summary's own truth attributes and with the partitions on file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wk_test.h"
#include "wormkit/wormkit.h"
#include "wormkit/wk_bicluster.h"

static double metric(const struct wk_compare_result *r, const char *name)
{
    for (size_t k = 0; k < r->n; k++)
        if (strcmp(r->metric[k].name, name) == 0) return r->metric[k].value;
    return NAN;
}

static double summary_attr(const char *file, const char *name)
{
    struct wk_file *f;
    double v = NAN;
    if (wk_file_open(&f, file) < 0) return v;
    hid_t g = H5Gopen2(wk_file_hid(f), "/results/bicluster/summary", H5P_DEFAULT);
    long l;
    if (g >= 0 && wk_h5_get_attr_double(g, name, &v) < 0 && wk_h5_get_attr_long(g, name, &l) == 0) v = (double)l;
    if (g >= 0) H5Gclose(g);
    wk_file_close(f);
    return v;
}

int main(void)
{
    wk_library_init();
    char dir[] = "/tmp/wk-test-bicluster.XXXXXX";
    ok(mkdtemp(dir) != NULL, "scratch folder");
    char sim[256], fit[256], sum[256];
    snprintf(sim, sizeof sim, "%s/sim.h5", dir);
    snprintf(fit, sizeof fit, "%s/fit.h5", dir);
    snprintf(sum, sizeof sum, "%s/sum.h5", dir);

    struct wk_sim_bicluster p;
    wk_sim_bicluster_defaults(&p);
    p.n_clusters = 2;
    p.cluster_size[0] = 5, p.cluster_size[1] = 4;
    p.latent_dim = 1;
    p.samples = 60;
    p.duration = 10;
    struct wk_file *f;
    int rc = wk_file_create(&f, sim);
    if (!rc) rc = wk_sim_bicluster_write(f, &p, 3);
    ok(rc == 0 && wk_file_commit(f) == 0, "simulation written");

    struct wk_bicluster_options o;
    wk_bicluster_options_init(&o);
    o.iterations = 12;
    o.latent_dim = 1;
    struct wk_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.seed = 2;
    cli.quiet = 1;
    cli.threads = 1;
    rc = wk_file_create(&f, fit);
    if (!rc) rc = wk_bicluster_run(f, sim, &o, &cli);
    ok(rc == 0 && wk_file_commit(f) == 0, "sampler output written");
    rc = wk_file_create(&f, sum);
    if (!rc) rc = wk_bicluster_summarize(f, fit, -1, 1);
    ok(rc == 0 && wk_file_commit(f) == 0, "summary written");

    struct wk_compare_result r;
    wk_compare_result_init(&r);
    ok(wk_compare_bicluster(&r, sum, sim) == 0, "compare runs");
    near(metric(&r, "neuron_ari"), summary_attr(sum, "truth_ari_neurons"), 1e-12, "neuron ARI agrees with the summary");
    near(metric(&r, "state_ari"), summary_attr(sum, "truth_ari_states"), 1e-12, "state ARI agrees with the summary");
    near(metric(&r, "state_mismatched_bins"), summary_attr(sum, "truth_state_mismatches"), 0,
         "mismatched bins agree with the summary");
    near(metric(&r, "state_majority_mismatched_bins"), summary_attr(sum, "truth_state_majority_mismatches"), 0,
         "majority-mapped mismatched bins agree with the summary");
    ok(metric(&r, "state_majority_mismatched_bins") <= metric(&r, "state_mismatched_bins"),
       "majority mapping never counts more bins wrong than one-to-one matching");
    near(metric(&r, "clusters_true"), 2, 0, "two true clusters");
    near(metric(&r, "states_true"), 2, 0, "two true states");
    near(metric(&r, "state_accuracy"), 1 - metric(&r, "state_mismatched_bins") / 60.0, 0.5 / 60,
         "state accuracy and mismatched bins agree");
    ok(metric(&r, "states_estimated") >= 1 && metric(&r, "clusters_estimated") >= 1, "estimated counts at least 1");

    wk_compare_result_init(&r);
    ok(wk_compare_bicluster(&r, fit, sim) < 0, "an unsummarized fit is refused");

    unlink(sim), unlink(fit), unlink(sum);
    rmdir(dir);
    return wk_test_done();
}
