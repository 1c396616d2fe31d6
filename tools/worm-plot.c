/* worm-plot - figures (SVG, PNG) of recordings, connectomes and results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wk_plot.h"
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-plot",
    "worm-plot KIND [options] -o OUT.svg|OUT.png [file]",
    "Draw a figure of a wormkit file, a connectome or a matrix as SVG or PNG.\n"
    "KIND is one of:\n"
    "  traces     heatmap of neurons x time of one recording (present neurons,\n"
    "             canonical order, stimulus marks when the recording has them)\n"
    "  adjacency  a connectome (chem or gap), an N x N result dataset or a TSV\n"
    "             matrix; --compare draws a second matrix beside it\n"
    "  trace      a 1-D dataset per iteration (an objective, an error)\n"
    "  ntf        the components of worm-ntf: time, worm and neuron-pair factors\n"
    "  ntf-sweep  the rank sweep of worm-ntf --rank R1:R2: fit error and\n"
    "             stability across restarts against the rank, to choose R\n"
    "  states     posterior state probabilities over time and the Viterbi path\n"
    "             (worm-glm) or the point estimate (worm-bicluster)\n"
    "  psm        posterior similarity matrices of worm-bicluster, neurons\n"
    "             ordered by the point estimate",
    "  -f, --format FMT       svg or png (default: from the extension of -o)\n"
    "  -r, --recording ID     traces, states (worm-glm): the recording (needed when\n"
    "                         the file has several)\n"
    "  -d, --dataset PATH     adjacency: a square dataset (/connectomes/ID/gap, ...)\n"
    "                         or a stack [S][N][N] (/results/glm/W: one per state);\n"
    "                         trace: the 1-D dataset; ntf: the model group,\n"
    "                         ntf-sweep: the sweep's group (default /results/ntf)\n"
    "      --order HOW        traces: canonical (default) or clustered (correlated\n"
    "                         neurons together)\n"
    "  -c, --compare M        adjacency: second matrix, FILE or FILE:/dataset, on\n"
    "                         the neurons the two share\n"
    "  -t, --title TEXT       figure title\n"
    "      --cmap NAME        auto, viridis or diverging (default auto: diverging\n"
    "                         when values have both signs)\n"
    "      --range LO:HI      colour range (default: data range; traces: 1st to\n"
    "                         99th percentile)\n"
    "      --all-neurons      adjacency: also neurons without any weight\n"
    "  -k, --components N     ntf: at most N components (default 8)\n"
    "      --width PX         figure width (default depends on KIND)\n"
    "      --height PX        figure height\n",
};

enum { OPT_CMAP = 256, OPT_RANGE, OPT_ALL, OPT_WIDTH, OPT_HEIGHT, OPT_ORDER };

struct opts {
    struct wk_plot_options plot;
    int format_given;
};

static int parse_range(const char *arg, struct wk_plot_options *o)
{
    char *copy = strdup(arg);
    if (!copy) return WK_ENOMEM;
    /* the separator is the first ':' after the first character ("-1:1") */
    char *colon = copy[0] ? strchr(copy + 1, ':') : NULL;
    int rc = WK_EUSAGE;
    if (colon) {
        *colon = '\0';
        rc = wk_parse_double(copy, -HUGE_VAL, HUGE_VAL, "--range low", &o->zmin);
        if (rc == 0) rc = wk_parse_double(colon + 1, -HUGE_VAL, HUGE_VAL, "--range high", &o->zmax);
        if (rc == 0 && !(o->zmax > o->zmin)) {
            wk_cli_usage_error("invalid --range '%s' (LO must be below HI)", arg);
            rc = WK_EUSAGE;
        }
    } else {
        wk_cli_usage_error("invalid --range '%s' (LO:HI)", arg);
    }
    free(copy);
    return rc;
}

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *x = ctx;
    struct wk_plot_options *o = &x->plot;
    long n;
    int rc;
    switch (key) {
    case 'f':
        if (wk_plot_format_parse(arg, &o->format) == 0) {
            x->format_given = 1;
            return 0;
        }
        wk_cli_usage_error("invalid --format '%s' (svg or png)", arg);
        return WK_EUSAGE;
    case 'r': o->recording = arg; return 0;
    case 'd': o->dataset = arg; return 0;
    case 'c': o->compare = arg; return 0;
    case 't': o->title = arg; return 0;
    case OPT_CMAP:
        if (wk_plot_cmap_parse(arg, &o->cmap) == 0) return 0;
        wk_cli_usage_error("invalid --cmap '%s' (auto, viridis or diverging)", arg);
        return WK_EUSAGE;
    case OPT_RANGE: return parse_range(arg, o);
    case OPT_ALL: o->all_neurons = 1; return 0;
    case OPT_ORDER:
        if (strcmp(arg, "canonical") == 0 || strcmp(arg, "clustered") == 0) {
            o->clustered = arg[1] == 'l';
            return 0;
        }
        wk_cli_usage_error("invalid --order '%s' (canonical or clustered)", arg);
        return WK_EUSAGE;
    case 'k':
        rc = wk_parse_long(arg, 1, 256, "--components", &n);
        o->components = (size_t)n;
        return rc;
    case OPT_WIDTH: return wk_parse_double(arg, 100, 20000, "--width", &o->width);
    case OPT_HEIGHT: return wk_parse_double(arg, 100, 20000, "--height", &o->height);
    default: return WK_EUSAGE;
    }
}

static int usage(const char *msg, const char *arg)
{
    wk_cli_usage_error(msg, arg);
    return WK_EUSAGE;
}

static int check_usage(struct opts *x, const struct wk_cli *cli, const struct wk_plot_kind **kind)
{
    if (cli->n_files == 0) return usage("no KIND given (traces, adjacency, trace, ntf, ntf-sweep, states, psm%s)", "");
    *kind = wk_plot_kind_find(cli->files[0]);
    if (!*kind) return usage("unknown KIND '%s' (traces, adjacency, trace, ntf, ntf-sweep, states, psm)", cli->files[0]);
    if (cli->n_files > 2) return usage("one input file at a time%s", "");
    if (cli->n_files == 1 && isatty(STDIN_FILENO)) return usage("no input file%s", "");
    if (!cli->output) return usage("no output (give -o FILE.svg or -o FILE.png)%s", "");
    x->plot.output = cli->output;
    if (x->format_given) return 0;
    const char *slash = strrchr(cli->output, '/');
    const char *dot = strrchr(slash ? slash : cli->output, '.');
    if (dot && wk_plot_format_parse(dot + 1, &x->plot.format) == 0) return 0;
    return usage("cannot tell the format of '%s' (name it .svg or .png, or give --format)", cli->output);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'},
        {"recording", required_argument, 0, 'r'},
        {"dataset", required_argument, 0, 'd'},
        {"compare", required_argument, 0, 'c'},
        {"title", required_argument, 0, 't'},
        {"cmap", required_argument, 0, OPT_CMAP},
        {"range", required_argument, 0, OPT_RANGE},
        {"all-neurons", no_argument, 0, OPT_ALL},
        {"order", required_argument, 0, OPT_ORDER},
        {"components", required_argument, 0, 'k'},
        {"width", required_argument, 0, OPT_WIDTH},
        {"height", required_argument, 0, OPT_HEIGHT},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts x;
    memset(&x, 0, sizeof x);
    wk_plot_options_init(&x.plot);
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "f:r:d:c:t:k:", longopts, handle_option, &x);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);
    const struct wk_plot_kind *kind = NULL;
    int rc = check_usage(&x, &cli, &kind);
    if (rc == 0) rc = kind->draw(cli.n_files > 1 ? cli.files[1] : "-", &x.plot);
    wk_plot_cleanup();
    return wk_cli_exit(rc);
}
