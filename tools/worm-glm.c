/* worm-glm - switching generalized linear models with none / Gaussian /
 * one-hot connectivity priors: brain states and, per state, who drives whom. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wk_glm.h"
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-glm",
    "worm-glm [options] [file...]",
    "Fit a hidden-Markov switching GLM to event counts (from worm-events or\n"
    "worm-simulate glm; every recording is a sequence) and write, per state,\n"
    "the coupling weights W, the signed adjacency and the transitions, and per\n"
    "recording the state posteriors and Viterbi path, under /results/glm of a\n"
    "new wormkit file.",
    "  -k, --states S[:S2]    hidden states, or a range chosen by held-out\n"
    "                         log-likelihood (default 3)\n"
    "  -p, --prior NAME       none, gaussian or onehot (default none)\n"
    "      --obs NAME         poisson (default), bernoulli or gaussian\n"
    "      --array NAME       read the counts from this [T][C] array of each\n"
    "                         recording instead of its traces\n"
    "  -L, --lags L           history kernel length in bins (default 5)\n"
    "      --decay B          kernel decay rate (default 1)\n"
    "      --span X           kernel span; bin width X/L (default 5)\n"
    "      --no-self          no self-coupling (W[n][n] = 0)\n"
    "  -e, --epochs N         EM iterations (default 10)\n"
    "      --mstep NAME       newton (Fisher scoring, default) or adam\n"
    "      --newton N         Fisher-scoring iterations per epoch (default 1)\n"
    "      --steps N          Adam steps per epoch (adam) or per Fisher\n"
    "                         iteration (newton, onehot prior) (default 50)\n"
    "      --lr X             Adam learning rate (default 0.01)\n"
    "      --onehot-lr X      Adam rate on the local quadratic model (newton,\n"
    "                         onehot prior) (default 0.03)\n"
    "      --tol X            stop when an epoch gains less than X relative\n"
    "                         log-likelihood (default 1e-7; 0 never)\n"
    "      --sigma X          gaussian prior sd (default 1/3)\n"
    "      --temperature X    Concrete temperature of the onehot prior (0.2)\n"
    "      --init-scale X     sd of the random initial weights (default 0.1)\n"
    "      --prior-connectome FILE[:ID]  onehot prior from a structural connectome\n"
    "  -t, --test ID          hold recording ID out of training (repeatable)\n"
    "      --test-fraction F  hold out the last fraction F of the recordings\n"
    "  -r, --restarts N       fits from N initialisations per number of states;\n"
    "                         the best by held-out (else training) log-\n"
    "                         likelihood is kept (default 1)\n"
    "      --checkpoint FILE  save the run every --checkpoint-every epochs and\n"
    "                         on SIGTERM/SIGINT; resume from FILE if it exists\n"
    "      --checkpoint-every N  epochs between checkpoints (default 1)\n"
    "      --truth FILE       score against worm-simulate glm truth in FILE\n"
    "      --summary FILE     also write a metric<TAB>value summary ('-': stdout)\n",
};

enum {
    OPT_OBS = 256, OPT_ARRAY, OPT_DECAY, OPT_SPAN, OPT_NO_SELF, OPT_MSTEP, OPT_NEWTON, OPT_STEPS, OPT_LR,
    OPT_ONEHOT_LR, OPT_TOL, OPT_SIGMA, OPT_TEMPERATURE, OPT_INIT_SCALE, OPT_PRIOR_CONNECTOME, OPT_TEST_FRACTION,
    OPT_CHECKPOINT, OPT_CHECKPOINT_EVERY, OPT_TRUTH, OPT_SUMMARY
};

#define MAX_TEST 4096

struct opts {
    struct wk_glm_run run;
    char *test[MAX_TEST];
};

static int parse_states(struct wk_glm_run *r, const char *arg)
{
    long lo, hi;
    const char *colon = strchr(arg, ':');
    if (!colon) {
        if (wk_parse_long(arg, 1, WK_GLM_MAX_STATES, "--states", &lo)) return WK_EUSAGE;
        hi = lo;
    } else {
        char first[32];
        size_t n = (size_t)(colon - arg);
        if (n == 0 || n >= sizeof first) {
            wk_cli_usage_error("invalid --states range '%s'", arg);
            return WK_EUSAGE;
        }
        memcpy(first, arg, n);
        first[n] = '\0';
        if (wk_parse_long(first, 1, WK_GLM_MAX_STATES, "--states", &lo) ||
            wk_parse_long(colon + 1, 1, WK_GLM_MAX_STATES, "--states", &hi))
            return WK_EUSAGE;
        if (hi < lo) {
            wk_cli_usage_error("invalid --states range '%s' (end before start)", arg);
            return WK_EUSAGE;
        }
    }
    r->states_min = (size_t)lo;
    r->states_max = (size_t)hi;
    return 0;
}

static int pick(const char *arg, const char *const *names, int n, const char *what, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = i;
            return 0;
        }
    wk_cli_usage_error("unknown %s '%s'", what, arg);
    return WK_EUSAGE;
}

static int size_opt(const char *arg, long lo, long hi, const char *what, size_t *out)
{
    long v;
    if (wk_parse_long(arg, lo, hi, what, &v)) return WK_EUSAGE;
    *out = (size_t)v;
    return 0;
}

static int handle_option(int key, const char *arg, void *ctx)
{
    static const char *const priors[] = {"none", "gaussian", "onehot"};
    static const char *const obs[] = {"poisson", "bernoulli", "gaussian"};
    static const char *const msteps[] = {"newton", "adam"};
    struct opts *o = ctx;
    struct wk_glm_run *r = &o->run;
    struct wk_glm_opts *f = &r->fit;
    int v, rc;
    switch (key) {
    case 'k': return parse_states(r, arg);
    case 'p':
        if ((rc = pick(arg, priors, 3, "prior (none, gaussian or onehot)", &v))) return rc;
        f->prior = (enum wk_glm_prior)v;
        return 0;
    case OPT_OBS:
        if ((rc = pick(arg, obs, 3, "observation model (poisson, bernoulli or gaussian)", &v))) return rc;
        f->obs = (enum wk_glm_obs)v;
        return 0;
    case OPT_MSTEP:
        if ((rc = pick(arg, msteps, 2, "M-step (newton or adam)", &v))) return rc;
        f->mstep = (enum wk_glm_mstep)v;
        return 0;
    case OPT_ARRAY: r->array = arg; return 0;
    case 'L': return size_opt(arg, 1, WK_GLM_MAX_LAGS, "--lags", &f->lags);
    case OPT_DECAY: return wk_parse_double(arg, 0, 1e6, "--decay", &f->decay);
    case OPT_SPAN: return wk_parse_double(arg, 1e-9, 1e9, "--span", &f->span);
    case OPT_NO_SELF: f->self = 0; return 0;
    case 'e': return size_opt(arg, 0, 1000000, "--epochs", &f->epochs);
    case OPT_NEWTON: return size_opt(arg, 1, 1000, "--newton", &f->newton);
    case OPT_STEPS: return size_opt(arg, 0, 1000000, "--steps", &f->steps);
    case OPT_LR: return wk_parse_double(arg, 1e-12, 1e3, "--lr", &f->lr);
    case OPT_ONEHOT_LR: return wk_parse_double(arg, 1e-12, 1e3, "--onehot-lr", &f->onehot_lr);
    case OPT_TOL: return wk_parse_double(arg, 0, 1, "--tol", &f->tol);
    case OPT_SIGMA: return wk_parse_double(arg, 1e-9, 1e9, "--sigma", &f->sigma);
    case OPT_TEMPERATURE: return wk_parse_double(arg, 1e-3, 1e3, "--temperature", &f->tau);
    case OPT_INIT_SCALE: return wk_parse_double(arg, 0, 1e3, "--init-scale", &f->init_scale);
    case OPT_PRIOR_CONNECTOME: r->prior_connectome = arg; return 0;
    case 't':
        if (r->n_test >= MAX_TEST) {
            wk_cli_usage_error("too many --test options (at most %d)", MAX_TEST);
            return WK_EUSAGE;
        }
        o->test[r->n_test++] = (char *)arg;
        return 0;
    case OPT_TEST_FRACTION: return wk_parse_double(arg, 0, 0.99, "--test-fraction", &r->test_fraction);
    case 'r': return size_opt(arg, 1, 100000, "--restarts", &r->restarts);
    case OPT_CHECKPOINT: r->checkpoint = arg; return 0;
    case OPT_CHECKPOINT_EVERY: return size_opt(arg, 1, 1000000, "--checkpoint-every", &r->checkpoint_every);
    case OPT_TRUTH: r->truth = arg; return 0;
    case OPT_SUMMARY: r->summary = arg; return 0;
    default: return WK_EUSAGE;
    }
}

static int check(const struct opts *o, const struct wk_cli *cli)
{
    const struct wk_glm_run *r = &o->run;
    const char *problem = NULL;
    if (r->prior_connectome && r->fit.prior != WK_GLM_PRIOR_ONEHOT) problem = "--prior-connectome needs --prior onehot";
    else if (r->summary && strcmp(r->summary, "-") == 0 && !cli->output)
        problem = "--summary - needs -o FILE (stdout carries the wormkit file)";
    if (!problem) return 0;
    wk_cli_usage_error("%s", problem);
    return WK_EUSAGE;
}

/* Every MPI rank parses the same options, but only rank 0 prints usage
 * errors, --help and --version; all ranks then agree on the outcome. */
static int parse(struct wk_cli *cli, int argc, char **argv, const struct option *longopts, struct opts *o)
{
    int null = -1, out = -1, err = -1;
    if (wk_mpi_rank() > 0) {
        fflush(stdout);
        fflush(stderr);
        null = open("/dev/null", O_WRONLY);
        out = dup(STDOUT_FILENO);
        err = dup(STDERR_FILENO);
        if (null >= 0 && out >= 0 && err >= 0) {
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
    }
    int rc = wk_cli_parse(cli, &TOOL, argc, argv, "k:p:L:e:t:r:", longopts, handle_option, o);
    if (rc >= 0 && rc != WK_CLI_DONE) rc = check(o, cli);
    if (null >= 0 && out >= 0 && err >= 0) {
        fflush(stdout);
        fflush(stderr);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
    }
    if (null >= 0) close(null);
    if (out >= 0) close(out);
    if (err >= 0) close(err);
    return wk_mpi_agree_error(rc);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"states", required_argument, 0, 'k'},
        {"prior", required_argument, 0, 'p'},
        {"obs", required_argument, 0, OPT_OBS},
        {"array", required_argument, 0, OPT_ARRAY},
        {"lags", required_argument, 0, 'L'},
        {"decay", required_argument, 0, OPT_DECAY},
        {"span", required_argument, 0, OPT_SPAN},
        {"no-self", no_argument, 0, OPT_NO_SELF},
        {"epochs", required_argument, 0, 'e'},
        {"mstep", required_argument, 0, OPT_MSTEP},
        {"newton", required_argument, 0, OPT_NEWTON},
        {"steps", required_argument, 0, OPT_STEPS},
        {"lr", required_argument, 0, OPT_LR},
        {"onehot-lr", required_argument, 0, OPT_ONEHOT_LR},
        {"tol", required_argument, 0, OPT_TOL},
        {"sigma", required_argument, 0, OPT_SIGMA},
        {"temperature", required_argument, 0, OPT_TEMPERATURE},
        {"init-scale", required_argument, 0, OPT_INIT_SCALE},
        {"prior-connectome", required_argument, 0, OPT_PRIOR_CONNECTOME},
        {"test", required_argument, 0, 't'},
        {"test-fraction", required_argument, 0, OPT_TEST_FRACTION},
        {"restarts", required_argument, 0, 'r'},
        {"checkpoint", required_argument, 0, OPT_CHECKPOINT},
        {"checkpoint-every", required_argument, 0, OPT_CHECKPOINT_EVERY},
        {"truth", required_argument, 0, OPT_TRUTH},
        {"summary", required_argument, 0, OPT_SUMMARY},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    static struct opts o;
    int rc = wk_mpi_init(&argc, &argv);
    if (rc) return wk_cli_exit(rc);
    wk_glm_run_init(&o.run);
    o.run.test_ids = o.test;
    rc = parse(&cli, argc, argv, longopts, &o);
    if (rc >= 0 && rc != WK_CLI_DONE) {
        o.run.fit.seed = cli.seed;
        wk_cli_threads(&cli);
        if (o.run.checkpoint) wk_file_defer_signals();
        rc = wk_glm_run(&cli, &o.run);
        if (rc > 0) { /* stopped by a signal after saving the checkpoint */
            wk_mpi_finalize();
            wk_file_stop_now();
        }
    }
    wk_mpi_finalize();
    return wk_cli_exit(rc);
}
