/* worm-affinity - instantaneous pairwise affinities of neuron traces, as a
 * pair x time x worm tensor. */
#include <stdlib.h>

#include "wormkit/wk_affinity.h"
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-affinity",
    "worm-affinity [options] [file...]",
    "Compute the affinity of every pair of neurons at every time point of every\n"
    "recording and write them as one tensor (pair x time x worm) under\n"
    "/results/affinity of a new wormkit file (stdout or -o).",
    "  -f, --family NAME    derivative (default) or correlation\n"
    "      --variant NAME   derivative family: product (default), sign or gauss\n"
    "      --sigma X        gauss variant: kernel width in spread units (1)\n"
    "  -w, --window N       correlation family: window in samples (10)\n"
    "  -a, --all-neurons    use all 300 atlas neurons, not only those present in\n"
    "                       at least one recording\n",
};

enum { OPT_VARIANT = 256, OPT_SIGMA };

struct opts {
    struct wk_affinity_opts aff;
    int all_neurons;
};

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    switch (key) {
    case 'f': return wk_affinity_set_option(&o->aff, "family", arg);
    case OPT_VARIANT: return wk_affinity_set_option(&o->aff, "variant", arg);
    case OPT_SIGMA: return wk_affinity_set_option(&o->aff, "sigma", arg);
    case 'w': return wk_affinity_set_option(&o->aff, "window", arg);
    case 'a': o->all_neurons = 1; return 0;
    default: return WK_EUSAGE;
    }
}

static int run(const struct wk_cli *cli, const struct opts *o)
{
    size_t n = cli->n_files ? (size_t)cli->n_files : 1;
    struct wk_file **in = calloc(n, sizeof *in);
    struct wk_affinity_input *input = NULL;
    struct wk_file *out = NULL;
    if (!in) return wk_fail(WK_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) rc = wk_file_open(&in[i], cli->n_files ? cli->files[i] : "-");
    if (!rc) rc = wk_affinity_input_read(&input, in, n, &o->aff, o->all_neurons);
    if (!rc) rc = wk_file_create(&out, cli->output ? cli->output : "-");
    for (size_t i = 0; i < n && !rc; i++) rc = wk_file_copy_history(out, in[i]);
    if (!rc) rc = wk_affinity_input_write(out, input);
    if (out) {
        if (rc) wk_file_abort(out);
        else rc = wk_file_commit(out);
    }
    wk_affinity_input_free(input);
    for (size_t i = 0; i < n; i++) wk_file_close(in[i]);
    free(in);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"family", required_argument, 0, 'f'},
        {"variant", required_argument, 0, OPT_VARIANT},
        {"sigma", required_argument, 0, OPT_SIGMA},
        {"window", required_argument, 0, 'w'},
        {"all-neurons", no_argument, 0, 'a'},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts o = {.all_neurons = 0};
    wk_affinity_opts_init(&o.aff);
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "f:w:a", longopts, handle_option, &o);
    if (rc >= 0 && rc != WK_CLI_DONE) {
        wk_cli_threads(&cli);
        rc = run(&cli, &o);
    }
    return wk_cli_exit(rc);
}
