/* worm-compare - score a result against a reference: a functional adjacency
 * against a structural connectome, or a model fit against simulated truth. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wormkit/wk_sbm.h"
#include "wormkit/wk_bicluster.h"
#include "wormkit/wk_glm.h"

static const struct wk_tool TOOL = {
    "worm-compare",
    "worm-compare --connectome FILE[:ID] [options] [matrix]\n"
    "worm-compare --truth TRUTH [options] [result]",
    "Score a result against a reference and print a metric<TAB>value table.\n"
    "--connectome: a functional adjacency (an N x N matrix with neuron names: a\n"
    "TSV/CSV table, or FILE:/path/to/dataset in an HDF5 file) against a\n"
    "structural connectome: precision, recall and F1 at a threshold, average\n"
    "precision, Spearman correlation of the weights.\n"
    "--truth: a model fit against the truth of the worm-simulate file it was\n"
    "fitted to, the kind told by the truth file: glm (state accuracy, weight\n"
    "MSE, held-out log-likelihood, adjacency accuracy, balanced accuracy,\n"
    "macro F1), bicluster (ARI and NMI of neurons and states, mismatched\n"
    "bins), or a node partition (NMI, ARI).",
    "  -c, --connectome FILE[:ID]  reference: connectome ID of a wormkit file\n"
    "                              (ID may be left out when the file holds one)\n"
    "  -t, --threshold X      a pair is a predicted edge when |w| > X (default 0)\n"
    "  -e, --edges WHICH      structural edges: chem, gap or any (default any)\n"
    "      --directed         score ordered pairs, rows presynaptic (default)\n"
    "      --undirected       score unordered pairs\n"
    "      --transpose        the matrix has postsynaptic rows (w[post][pre])\n"
    "      --truth TRUTH      reference: a worm-simulate glm or bicluster file\n"
    "                         (result: a worm-glm output or a summarized\n"
    "                         worm-bicluster output), or a node partition\n"
    "                         (worm-simulate sbm file, FILE:/dataset, or TSV with\n"
    "                         neuron and block columns; result: a partition)\n",
};

enum { OPT_DIRECTED = 256, OPT_UNDIRECTED, OPT_TRANSPOSE };
enum { OPT_TRUTH = 320 };

struct opts {
    const char *connectome;
    struct wk_compare_options o;
    int transpose, directed_given, undirected_given;
    const char *truth; /* --truth: shared by the model-truth modes */
};

/* One reference kind per entry: the option that selects it and the scoring
 * it runs.  New kinds (model ground truths) are new entries. */
struct mode {
    const char *option;
    const char *(*reference)(const struct opts *o);
    int (*score)(struct wk_compare_result *r, const struct wk_compare_matrix *m,
                 const struct opts *o);
    /* Modes whose input is not a matrix: score the input file itself. */
    int (*score_input)(struct wk_compare_result *r, const char *input, const struct opts *o);
};

static const char *connectome_reference(const struct opts *o)
{
    return o->connectome;
}

static int score_connectome(struct wk_compare_result *r, const struct wk_compare_matrix *m,
                            const struct opts *o)
{
    struct wk_connectome *c;
    int rc = wk_connectome_load_spec(&c, o->connectome);
    if (rc < 0) return rc;
    rc = wk_compare_connectome(r, m, c, &o->o);
    wk_connectome_free(c);
    return rc;
}

static const char *partition_reference(const struct opts *o)
{
    return wk_sbm_partition_spec(o->truth) ? o->truth : NULL;
}

static int score_partition(struct wk_compare_result *r, const char *input, const struct opts *o)
{
    return wk_sbm_compare_partitions(r, input, o->truth);
}

/* --truth SIM.h5 of worm-simulate bicluster: score a summarized
 * worm-bicluster output (neuron and state partitions). */
static const char *bicluster_reference(const struct opts *o)
{
    return wk_bicluster_truth_spec(o->truth) ? o->truth : NULL;
}

static int score_bicluster(struct wk_compare_result *r, const char *input, const struct opts *o)
{
    return wk_compare_bicluster(r, input, o->truth);
}

/* --truth SIM.h5 of worm-simulate glm: score a worm-glm result (states,
 * weights, adjacency, held-out likelihood). */
static const char *glm_reference(const struct opts *o)
{
    return wk_glm_truth_spec(o->truth) ? o->truth : NULL;
}

static int score_glm(struct wk_compare_result *r, const char *input, const struct opts *o)
{
    return wk_glm_compare(r, input, o->truth);
}

static const struct mode modes[] = {
    {"--connectome", connectome_reference, score_connectome, NULL},
    {"--truth", partition_reference, NULL, score_partition},
    {"--truth", bicluster_reference, NULL, score_bicluster},
    {"--truth", glm_reference, NULL, score_glm},
};
#define N_MODES (sizeof modes / sizeof modes[0])

static int handle_option(int key, const char *arg, void *ctx)
{
    static const char *const edges[] = {"any", "chem", "gap"};
    struct opts *o = ctx;
    switch (key) {
    case 'c': o->connectome = arg; return 0;
    case 't': return wk_parse_double(arg, 0, HUGE_VAL, "--threshold", &o->o.threshold);
    case 'e':
        for (int i = 0; i < 3; i++)
            if (strcmp(arg, edges[i]) == 0) {
                o->o.edges = (enum wk_compare_edges)i;
                return 0;
            }
        wk_cli_usage_error("invalid --edges '%s' (chem, gap or any)", arg);
        return WK_EUSAGE;
    case OPT_DIRECTED: o->directed_given = 1; o->o.undirected = 0; return 0;
    case OPT_UNDIRECTED: o->undirected_given = 1; o->o.undirected = 1; return 0;
    case OPT_TRANSPOSE: o->transpose = 1; return 0;
    case OPT_TRUTH: o->truth = arg; return 0;
    default: return WK_EUSAGE;
    }
}

static int choose_mode(const struct opts *o, const struct wk_cli *cli, const struct mode **chosen)
{
    *chosen = NULL;
    for (size_t i = 0; i < N_MODES; i++) {
        if (!modes[i].reference(o)) continue;
        if (*chosen) {
            wk_cli_usage_error("give one reference, not %s and %s", (*chosen)->option, modes[i].option);
            return WK_EUSAGE;
        }
        *chosen = &modes[i];
    }
    if (!*chosen && o->truth && !o->connectome) return wk_compare_truth_missing(o->truth);
    const char *problem = !*chosen                                  ? "no reference (give --connectome FILE[:ID] or --truth FILE)"
                          : o->directed_given && o->undirected_given ? "give --directed or --undirected, not both"
                          : cli->n_files > 1                         ? "one matrix at a time"
                                                                     : NULL;
    if (!problem) return 0;
    wk_cli_usage_error("%s", problem);
    return WK_EUSAGE;
}

static int write_result(const struct wk_compare_result *r, const struct wk_cli *cli)
{
    struct wk_export_output *out = NULL;
    int rc = wk_export_output_open(&out, cli->output, 0);
    if (rc < 0) return rc;
    rc = wk_compare_result_write(wk_export_output_fp(out), wk_export_output_name(out), r);
    if (rc < 0) {
        wk_export_output_abort(out);
        return rc;
    }
    return wk_export_output_commit(out);
}

static int run(const struct mode *mode, const struct opts *o, const struct wk_cli *cli)
{
    if (mode->score_input) {
        struct wk_compare_result pr;
        wk_compare_result_init(&pr);
        int prc = mode->score_input(&pr, cli->n_files ? cli->files[0] : "-", o);
        return prc < 0 ? prc : write_result(&pr, cli);
    }
    struct wk_compare_matrix *m;
    int rc = wk_compare_matrix_read(&m, cli->n_files ? cli->files[0] : "-");
    if (rc < 0) return rc;
    if (o->transpose) wk_compare_matrix_transpose(m);
    struct wk_compare_result r;
    wk_compare_result_init(&r);
    struct wk_export_output *out = NULL;
    rc = mode->score(&r, m, o);
    wk_compare_matrix_free(m);
    if (rc >= 0) rc = wk_export_output_open(&out, cli->output, 0);
    if (rc < 0) return rc;
    rc = wk_compare_result_write(wk_export_output_fp(out), wk_export_output_name(out), &r);
    if (rc < 0) {
        wk_export_output_abort(out);
        return rc;
    }
    return wk_export_output_commit(out);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"connectome", required_argument, 0, 'c'},
        {"threshold", required_argument, 0, 't'},
        {"edges", required_argument, 0, 'e'},
        {"directed", no_argument, 0, OPT_DIRECTED},
        {"undirected", no_argument, 0, OPT_UNDIRECTED},
        {"transpose", no_argument, 0, OPT_TRANSPOSE},
        {"truth", required_argument, 0, OPT_TRUTH},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts o;
    memset(&o, 0, sizeof o);
    wk_compare_options_init(&o.o);
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "c:t:e:", longopts, handle_option, &o);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);
    const struct mode *mode;
    int rc = choose_mode(&o, &cli, &mode);
    if (rc == 0) rc = run(mode, &o, &cli);
    return wk_cli_exit(rc);
}
