/* worm-bicluster - Bayesian bi-clustering of neurons and time bins of spike
 * counts by MCMC (and summaries of the draws). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wormkit/wk_bicluster.h"

static const struct wk_tool TOOL = {
    "worm-bicluster",
    "worm-bicluster [options] [file]\n"
    "worm-bicluster summarize [options] [file]",
    "Cluster neurons by shared latent dynamics and time bins into states with\n"
    "their own linear dynamics (numbers of both inferred), from spike counts in\n"
    "a recording's traces, by Gibbs sampling; draws are streamed to\n"
    "/results/bicluster.  'summarize' adds posterior similarity matrices, point\n"
    "estimates, histograms, trajectory intervals and R-hat/ESS.",
    "  -n, --iterations N     iterations per chain (default 1000)\n"
    "  -b, --burnin N         iterations discarded by summaries (default 25%)\n"
    "  -t, --thin N           keep every N-th iteration (default 1)\n"
    "  -c, --chains N         independent chains, in parallel threads and, in the\n"
    "                         MPI build, spread over the ranks (default 1)\n"
    "  -p, --latent-dim P     latent factors per neuron cluster (default 2)\n"
    "  -L, --states L         truncation of the sticky HDP-HMM (default 10)\n"
    "  -k, --init-clusters K[,K...]  clusters at the start (default: by the\n"
    "                         eigengap of a subspace-clustering affinity, at most\n"
    "                         8); with several, chain c starts from the (c mod n)-th\n"
    "  -r, --recording ID     recording to analyse (default the first)\n"
    "      --poisson          Poisson observations (NB with dispersion 100)\n"
    "      --alpha A          HDP-HMM transition concentration (default 5)\n"
    "      --gamma G          HDP-HMM top-level concentration (default 5)\n"
    "      --kappa K          HDP-HMM self-transition bias (default 10)\n"
    "      --rk R             MFM prior K ~ Geometric(R) (default 0.2)\n"
    "      --mfm-gamma G      MFM weights ~ Dirichlet(G) (default 1)\n"
    "      --split-merge N    split-merge attempts per iteration (default 0)\n"
    "      --collapsed-states also draw the states bin by bin with the latents\n"
    "                         integrated out (mixes far better, costs more)\n"
    "      --save-params      also stream d, c, r and the latent trajectories\n"
    "      --checkpoint FILE  save the chains there (also at the end and on\n"
    "                         SIGTERM/SIGINT, then exit 128+signal) and resume\n"
    "                         from it when it exists\n"
    "      --checkpoint-every N  iterations between checkpoints (default 100)\n",
};

enum { OPT_POISSON = 256, OPT_ALPHA, OPT_GAMMA, OPT_KAPPA, OPT_RK, OPT_MFM_GAMMA, OPT_SPLIT_MERGE, OPT_COLLAPSED, OPT_SAVE, OPT_CHECKPOINT, OPT_EVERY };

static int int_option(const char *arg, long lo, long hi, const char *what, int *out)
{
    long v;
    if (wk_parse_long(arg, lo, hi, what, &v) < 0) return WK_EUSAGE;
    *out = (int)v;
    return 0;
}

/* -k K[,K...]: chain c starts from the (c mod n)-th of the n values */
static int init_clusters_option(const char *arg, struct wk_bicluster_options *o)
{
    o->n_init_clusters = 0;
    for (const char *s = arg;; s++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char item[16];
        long v;
        if (o->n_init_clusters == WK_BICLUSTER_MAX_STARTS || len >= sizeof item) {
            wk_cli_usage_error("invalid --init-clusters '%s' (at most %d counts between 1 and 64, comma-separated)",
                               arg, WK_BICLUSTER_MAX_STARTS);
            return WK_EUSAGE;
        }
        memcpy(item, s, len);
        item[len] = '\0';
        if (wk_parse_long(item, 1, 64, "--init-clusters", &v) < 0) return WK_EUSAGE;
        o->init_clusters[o->n_init_clusters++] = (int)v;
        if (!comma) return 0;
        s = comma;
    }
}

static int handle_option(int key, const char *arg, void *ctx)
{
    struct wk_bicluster_options *o = ctx;
    switch (key) {
    case 'n': return wk_parse_long(arg, 1, 1000000000L, "--iterations", &o->iterations);
    case 'b': return wk_parse_long(arg, 0, 1000000000L, "--burnin", &o->burnin);
    case 't': return wk_parse_long(arg, 1, 1000000000L, "--thin", &o->thin);
    case 'c': return int_option(arg, 1, 1024, "--chains", &o->chains);
    case 'p': return int_option(arg, 0, 7, "--latent-dim", &o->latent_dim);
    case 'L': return int_option(arg, 1, 200, "--states", &o->states);
    case 'k': return init_clusters_option(arg, o);
    case 'r': o->recording = arg; return 0;
    case OPT_POISSON: o->poisson = 1; return 0;
    case OPT_ALPHA: return wk_parse_double(arg, 1e-6, 1e6, "--alpha", &o->alpha);
    case OPT_GAMMA: return wk_parse_double(arg, 1e-6, 1e6, "--gamma", &o->gamma);
    case OPT_KAPPA: return wk_parse_double(arg, 0, 1e6, "--kappa", &o->kappa);
    case OPT_RK: return wk_parse_double(arg, 1e-6, 1 - 1e-6, "--rk", &o->r_k);
    case OPT_MFM_GAMMA: return wk_parse_double(arg, 1e-6, 1e6, "--mfm-gamma", &o->mfm_gamma);
    case OPT_SPLIT_MERGE: return int_option(arg, 0, 1000, "--split-merge", &o->split_merge);
    case OPT_COLLAPSED: o->collapsed_states = 1; return 0;
    case OPT_SAVE: o->save_params = 1; return 0;
    case OPT_CHECKPOINT: o->checkpoint = arg; return 0;
    case OPT_EVERY: return wk_parse_long(arg, 1, 1000000000L, "--checkpoint-every", &o->checkpoint_every);
    default: return WK_EUSAGE;
    }
}

/* Every rank samples; rank 0 writes the output.  With --checkpoint a
 * SIGTERM/SIGINT (on any rank) stops the run at a checkpoint and ends the
 * process by that signal, without an output. */
static int sample(const struct wk_bicluster_options *o, const struct wk_cli *cli, const char *input)
{
    struct wk_file *out = NULL;
    int rc = wk_mpi_rank() == 0 ? wk_file_create(&out, cli->output ? cli->output : "-") : 0;
    rc = wk_mpi_agree_error(rc);
    if (rc < 0) return rc;
    if (o->checkpoint) wk_file_defer_signals();
    rc = wk_bicluster_run(out, input, o, cli);
    int stop = wk_file_stop_requested();
    if (!rc) rc = wk_mpi_allreduce_max_int(&stop, 1);
    if (rc < 0 || stop) {
        wk_file_abort(out);
        if (rc < 0) return rc;
        if (!wk_file_stop_requested()) raise(stop); /* only recorded: every rank ends by the same signal */
        wk_file_stop_now();                         /* does not return */
        return WK_EIO;
    }
    if (out) rc = wk_file_commit(out);
    return wk_mpi_agree_error(rc);
}

static int summarize(const struct wk_bicluster_options *o, const struct wk_cli *cli, const char *input)
{
    if (wk_mpi_rank() != 0) return wk_mpi_agree_error(0);
    struct wk_file *out;
    int rc = wk_file_create(&out, cli->output ? cli->output : "-");
    if (!rc) rc = wk_bicluster_summarize(out, input, o->burnin, o->thin);
    if (rc < 0)
        wk_file_abort(out);
    else
        rc = wk_file_commit(out);
    return wk_mpi_agree_error(rc);
}

static int finish(int rc)
{
    wk_mpi_finalize();
    return wk_cli_exit(rc);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"iterations", required_argument, 0, 'n'}, {"burnin", required_argument, 0, 'b'},
        {"thin", required_argument, 0, 't'},       {"chains", required_argument, 0, 'c'},
        {"latent-dim", required_argument, 0, 'p'}, {"states", required_argument, 0, 'L'},
        {"init-clusters", required_argument, 0, 'k'}, {"recording", required_argument, 0, 'r'},
        {"poisson", no_argument, 0, OPT_POISSON},  {"alpha", required_argument, 0, OPT_ALPHA},
        {"gamma", required_argument, 0, OPT_GAMMA}, {"kappa", required_argument, 0, OPT_KAPPA},
        {"rk", required_argument, 0, OPT_RK},      {"mfm-gamma", required_argument, 0, OPT_MFM_GAMMA},
        {"split-merge", required_argument, 0, OPT_SPLIT_MERGE}, {"collapsed-states", no_argument, 0, OPT_COLLAPSED},
        {"save-params", no_argument, 0, OPT_SAVE}, {"checkpoint", required_argument, 0, OPT_CHECKPOINT},
        {"checkpoint-every", required_argument, 0, OPT_EVERY}, {0, 0, 0, 0},
    };
    if (wk_mpi_init(&argc, &argv) < 0) return 1;
    /* only rank 0 prints (--help, --version, output to stdout) */
    if (wk_mpi_rank() != 0 && !freopen("/dev/null", "w", stdout)) return 1;
    struct wk_cli cli;
    struct wk_bicluster_options o;
    wk_bicluster_options_init(&o);
    int is_summary = argc > 1 && strcmp(argv[1], "summarize") == 0;
    if (is_summary) wk_cli_needs_input = 0;
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "n:b:t:c:p:L:k:r:", longopts, handle_option, &o);
    if (first < 0 || first == WK_CLI_DONE) return finish(first);
    char **files = cli.files;
    int n_files = cli.n_files;
    if (is_summary) files++, n_files--;
    if (n_files > 1) {
        wk_cli_usage_error("one input file at a time");
        return finish(WK_EUSAGE);
    }
    if (is_summary && n_files == 0 && isatty(STDIN_FILENO)) {
        wk_cli_usage_error("no input file");
        return finish(WK_EUSAGE);
    }
    const char *input = n_files ? files[0] : "-";
    int rc = is_summary ? summarize(&o, &cli, input) : sample(&o, &cli, input);
    return finish(rc);
}
