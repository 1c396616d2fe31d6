/* worm-ntf - non-negative tensor factorization of pairwise affinities
 * (dynamic functional connectome components). */
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wk_ntf.h"
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-ntf",
    "worm-ntf [options] --rank R[:R2] [file...]",
    "Factorize a pair x time x worm affinity tensor (from worm-affinity, or\n"
    "computed from recordings) by non-negative CP and write each component's\n"
    "pair, time and worm factors under /results/ntf of a new wormkit file.",
    "  -r, --rank R[:R2]    rank, or a range of ranks to sweep (required)\n"
    "  -m, --method NAME    hals (default) or mu (multiplicative updates)\n"
    "  -i, --init NAME      random (default) or svd (NNDSVD from a randomized SVD)\n"
    "      --max-iter N     maximum iterations (100)\n"
    "      --tol X          stop when the relative error changes by less than X\n"
    "                       (1e-7 hals, 1e-6 mu)\n"
    "      --restarts N     fits from N initialisations, keep the best (1)\n"
    "      --from-traces    matrix-free: recompute the affinities from the\n"
    "                       recordings at every pass, never hold the tensor\n"
    "      --summary FILE   also write a TSV summary of the components\n"
    "      --top N          pairs and worms listed per component (5)\n"
    "  -f, --family NAME    affinities of recording inputs: derivative or\n"
    "                       correlation (see worm-affinity)\n"
    "      --variant NAME   product, sign or gauss\n"
    "      --sigma X        gauss variant width (1)\n"
    "  -w, --window N       correlation window in samples (10)\n"
    "  -a, --all-neurons    pairs of all 300 atlas neurons\n"
    "      --checkpoint FILE\n"
    "                       save the run to FILE every N iterations, and stop\n"
    "                       after saving on SIGTERM/SIGINT; resume from FILE\n"
    "                       if it exists; FILE is removed after a successful run\n"
    "      --checkpoint-every N\n"
    "                       iterations between checkpoints (10)\n"
    "\n"
    "Under mpirun (the MPI build) --from-traces spreads the worms across the\n"
    "ranks, each reading only its own; the output is the same bytes for any\n"
    "number of ranks.\n",
};

enum {
    OPT_MAX_ITER = 256, OPT_TOL, OPT_RESTARTS, OPT_FROM_TRACES, OPT_SUMMARY, OPT_TOP, OPT_VARIANT, OPT_SIGMA,
    OPT_CHECKPOINT, OPT_CHECKPOINT_EVERY
};

struct opts {
    struct wk_ntf_run run;
    struct wk_affinity_opts aff;
    int rank_given;
};

static int parse_rank(struct opts *o, const char *arg)
{
    long lo, hi;
    const char *colon = strchr(arg, ':');
    if (!colon) {
        if (wk_parse_long(arg, 1, WK_NTF_MAX_RANK, "rank", &lo)) return WK_EUSAGE;
        hi = lo;
    } else {
        char first[32];
        size_t n = (size_t)(colon - arg);
        if (n == 0 || n >= sizeof first) {
            wk_cli_usage_error("invalid rank range '%s'", arg);
            return WK_EUSAGE;
        }
        memcpy(first, arg, n);
        first[n] = '\0';
        if (wk_parse_long(first, 1, WK_NTF_MAX_RANK, "rank", &lo) ||
            wk_parse_long(colon + 1, 1, WK_NTF_MAX_RANK, "rank", &hi))
            return WK_EUSAGE;
        if (hi < lo) {
            wk_cli_usage_error("invalid rank range '%s' (end before start)", arg);
            return WK_EUSAGE;
        }
    }
    o->run.rank_min = (size_t)lo;
    o->run.rank_max = (size_t)hi;
    o->rank_given = 1;
    return 0;
}

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    long n;
    switch (key) {
    case 'r': return parse_rank(o, arg);
    case 'm':
        if (wk_ntf_method_from_name(arg, &o->run.fit.method)) {
            wk_cli_usage_error("unknown method '%s' (hals or mu)", arg);
            return WK_EUSAGE;
        }
        return 0;
    case 'i':
        if (wk_ntf_init_from_name(arg, &o->run.fit.init)) {
            wk_cli_usage_error("unknown initialisation '%s' (random or svd)", arg);
            return WK_EUSAGE;
        }
        return 0;
    case OPT_MAX_ITER:
        if (wk_parse_long(arg, 0, 100000000, "maximum iterations", &n)) return WK_EUSAGE;
        o->run.fit.max_iter = (int)n;
        return 0;
    case OPT_TOL: return wk_parse_double(arg, 0, 1, "tolerance", &o->run.fit.tol);
    case OPT_RESTARTS:
        if (wk_parse_long(arg, 1, 100000, "restarts", &n)) return WK_EUSAGE;
        o->run.fit.restarts = (int)n;
        return 0;
    case OPT_FROM_TRACES: o->run.from_traces = 1; return 0;
    case OPT_SUMMARY: o->run.summary = arg; return 0;
    case OPT_TOP:
        if (wk_parse_long(arg, 1, 100000, "top", &n)) return WK_EUSAGE;
        o->run.top = (size_t)n;
        return 0;
    case 'f': return wk_affinity_set_option(&o->aff, "family", arg);
    case OPT_VARIANT: return wk_affinity_set_option(&o->aff, "variant", arg);
    case OPT_SIGMA: return wk_affinity_set_option(&o->aff, "sigma", arg);
    case 'w': return wk_affinity_set_option(&o->aff, "window", arg);
    case 'a': o->run.all_neurons = 1; return 0;
    case OPT_CHECKPOINT: o->run.checkpoint = arg; return 0;
    case OPT_CHECKPOINT_EVERY:
        if (wk_parse_long(arg, 1, 100000000, "checkpoint interval", &n)) return WK_EUSAGE;
        o->run.checkpoint_every = (int)n;
        return 0;
    default: return WK_EUSAGE;
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rank", required_argument, 0, 'r'},
        {"method", required_argument, 0, 'm'},
        {"init", required_argument, 0, 'i'},
        {"max-iter", required_argument, 0, OPT_MAX_ITER},
        {"tol", required_argument, 0, OPT_TOL},
        {"restarts", required_argument, 0, OPT_RESTARTS},
        {"from-traces", no_argument, 0, OPT_FROM_TRACES},
        {"summary", required_argument, 0, OPT_SUMMARY},
        {"top", required_argument, 0, OPT_TOP},
        {"family", required_argument, 0, 'f'},
        {"variant", required_argument, 0, OPT_VARIANT},
        {"sigma", required_argument, 0, OPT_SIGMA},
        {"window", required_argument, 0, 'w'},
        {"all-neurons", no_argument, 0, 'a'},
        {"checkpoint", required_argument, 0, OPT_CHECKPOINT},
        {"checkpoint-every", required_argument, 0, OPT_CHECKPOINT_EVERY},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts o;
    int rc = wk_mpi_init(&argc, &argv);
    if (rc) return wk_cli_exit(rc);
    memset(&o, 0, sizeof o);
    o.run.checkpoint_every = WK_NTF_CHECKPOINT_EVERY;
    wk_ntf_opts_init(&o.run.fit);
    wk_affinity_opts_init(&o.aff);
    o.run.aff = &o.aff;
    o.run.top = 5;
    rc = wk_cli_parse(&cli, &TOOL, argc, argv, "r:m:i:f:w:a", longopts, handle_option, &o);
    if (rc >= 0 && rc != WK_CLI_DONE && !o.rank_given) {
        wk_cli_usage_error("missing --rank");
        rc = WK_EUSAGE;
    }
    if (rc >= 0 && rc != WK_CLI_DONE && o.run.summary && strcmp(o.run.summary, "-") == 0 && !cli.output) {
        wk_cli_usage_error("--summary - needs -o FILE (stdout carries the wormkit file)");
        rc = WK_EUSAGE;
    }
    if (rc >= 0 && rc != WK_CLI_DONE) {
        wk_cli_threads(&cli);
        if (o.run.checkpoint) wk_file_defer_signals();
        rc = wk_ntf_run(&cli, &o.run);
        if (rc == WK_NTF_STOPPED) { /* checkpoint saved: end by the signal */
            wk_mpi_finalize();
            wk_file_stop_now();
        }
    }
    wk_mpi_finalize();
    return wk_cli_exit(rc);
}
