/* worm-sbm - communities of neurons by a weighted stochastic block model
 * (minimum description length, nested), or Louvain as a baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wormkit/wk_sbm.h"

static const struct wk_tool TOOL = {
    "worm-sbm",
    "worm-sbm [options] [file]",
    "Split the neurons of each worm-ntf component (f_a_matrix), or of one weighted\n"
    "matrix (TSV/CSV with neuron names, or FILE:/path/to/dataset), into communities\n"
    "with a weighted stochastic block model chosen by minimum description length:\n"
    "block labels per neuron at each level of the hierarchy, written to\n"
    "/results/sbm of a new wormkit file.",
    "  -m, --method M         sbm or louvain (default sbm)\n"
    "  -w, --weights W        edge weight model: exponential, normal or none\n"
    "                         (default exponential)\n"
    "  -d, --degree D         auto (fit both, keep the shorter description),\n"
    "                         plain or dc (degree-corrected) (default auto)\n"
    "      --flat             no hierarchy: level 0 only\n"
    "  -n, --sweeps N         merge-split MCMC sweeps (default 40)\n"
    "  -k, --component K      only component K (1-based) of a worm-ntf model\n"
    "  -r, --rank R           the rank-R model of a worm-ntf rank sweep\n"
    "  -t, --tsv FILE         also write component, level, neuron, block as TSV\n"
    "                         (\"-\" = stdout, then -o is needed)\n",
};

enum { OPT_FLAT = 256 };

static int handle_option(int key, const char *arg, void *ctx)
{
    struct wk_sbm_run *run = ctx;
    long v;
    switch (key) {
    case 'm':
        if (wk_sbm_method_from_name(arg, &run->fit.method) == 0) return 0;
        wk_cli_usage_error("invalid --method '%s' (sbm or louvain)", arg);
        return WK_EUSAGE;
    case 'w':
        if (wk_sbm_weights_from_name(arg, &run->fit.weights) == 0) return 0;
        wk_cli_usage_error("invalid --weights '%s' (exponential, normal or none)", arg);
        return WK_EUSAGE;
    case 'd':
        if (wk_sbm_degree_from_name(arg, &run->fit.degree) == 0) return 0;
        wk_cli_usage_error("invalid --degree '%s' (auto, plain or dc)", arg);
        return WK_EUSAGE;
    case OPT_FLAT: run->fit.nested = 0; return 0;
    case 'n':
        if (wk_parse_long(arg, 0, 100000, "--sweeps", &v)) return WK_EUSAGE;
        run->fit.sweeps = (int)v;
        return 0;
    case 'k':
        if (wk_parse_long(arg, 1, 1000000, "--component", &v)) return WK_EUSAGE;
        run->component = (int)v;
        return 0;
    case 'r': return wk_parse_long(arg, 1, 1000000, "--rank", &run->rank) ? WK_EUSAGE : 0;
    case 't': run->tsv = arg; return 0;
    default: return WK_EUSAGE;
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"method", required_argument, 0, 'm'},
        {"weights", required_argument, 0, 'w'},
        {"degree", required_argument, 0, 'd'},
        {"flat", no_argument, 0, OPT_FLAT},
        {"sweeps", required_argument, 0, 'n'},
        {"component", required_argument, 0, 'k'},
        {"rank", required_argument, 0, 'r'},
        {"tsv", required_argument, 0, 't'},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct wk_sbm_run run;
    memset(&run, 0, sizeof run);
    wk_sbm_opts_init(&run.fit);
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "m:w:d:n:k:r:t:", longopts, handle_option, &run);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);
    if (cli.n_files > 1) {
        wk_cli_usage_error("one input at a time");
        return wk_cli_exit(WK_EUSAGE);
    }
    if (run.tsv && strcmp(run.tsv, "-") == 0 && (!cli.output || strcmp(cli.output, "-") == 0)) {
        wk_cli_usage_error("--tsv - writes to stdout: give the wormkit output with -o FILE");
        return wk_cli_exit(WK_EUSAGE);
    }
    return wk_cli_exit(wk_sbm_run(&cli, &run));
}
