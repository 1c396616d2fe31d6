/* worm-export - wormkit recordings out to TSV/CSV tables (wide or long) or NPY. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-export",
    "worm-export [options] [file...]",
    "Write the traces of wormkit recordings as a TSV or CSV table (wide: one\n"
    "column per neuron; long: one row per neuron and sample), as a NumPy\n"
    ".npy matrix (samples x columns, float32), or as the long table of the\n"
    "published homogenized dataset (hf: one row per neuron, arrays as lists).",
    "  -f, --format FMT       tsv, csv, npy or hf (default tsv)\n"
    "  -l, --layout LAYOUT    wide or long (default wide; tsv and csv only)\n"
    "  -r, --recording ID     export only recording ID (repeatable)\n"
    "      --columns WHICH    present or all (default present: columns holding data)\n"
    "      --keep-nan         long layout: also write rows whose value is NaN\n"
    "      --labels FILE      npy: write the column labels to FILE, one per line\n",
};

enum { OPT_COLUMNS = 256, OPT_KEEP_NAN, OPT_LABELS };

struct opts {
    struct wk_export_options o;
    int layout_given;
    const char **ids;
    size_t n_ids;
};

static int choose(const char *option, const char *arg, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(arg, names[i]) == 0) {
            *out = i;
            return 0;
        }
    char list[128] = "";
    for (int i = 0; names[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i == 0 ? "" : names[i + 1] ? ", " : " or ", names[i]);
    wk_cli_usage_error("invalid %s '%s' (%s)", option, arg, list);
    return WK_EUSAGE;
}

static int handle_option(int key, const char *arg, void *ctx)
{
    static const char *const formats[] = {"tsv", "csv", "npy", "hf", NULL};
    static const char *const layouts[] = {"wide", "long", NULL};
    static const char *const columns[] = {"present", "all", NULL};
    struct opts *opts = ctx;
    int v = 0, rc;
    switch (key) {
    case 'f':
        if ((rc = choose("--format", arg, formats, &v)) == 0) opts->o.format = (enum wk_export_format)v;
        return rc;
    case 'l':
        if ((rc = choose("--layout", arg, layouts, &v)) == 0) opts->o.layout = (enum wk_export_layout)v;
        opts->layout_given = 1;
        return rc;
    case 'r':
        opts->ids[opts->n_ids++] = arg; /* points into argv */
        return 0;
    case OPT_COLUMNS:
        if ((rc = choose("--columns", arg, columns, &v)) == 0) opts->o.all_columns = v;
        return rc;
    case OPT_KEEP_NAN: opts->o.keep_nan = 1; return 0;
    case OPT_LABELS:
        if (!*arg) {
            wk_cli_usage_error("invalid --labels '' (empty file name)");
            return WK_EUSAGE;
        }
        opts->o.labels_path = arg;
        return 0;
    default: return WK_EUSAGE;
    }
}

static int check_usage(const struct opts *opts)
{
    const struct wk_export_options *o = &opts->o;
    const char *problem = NULL;
    if (o->format == WK_EXPORT_NPY && opts->layout_given)
        problem = "--layout applies to tsv and csv, not npy";
    else if (o->format == WK_EXPORT_HF && opts->layout_given)
        problem = "--layout applies to tsv and csv, not hf";
    else if (o->labels_path && o->format != WK_EXPORT_NPY)
        problem = "--labels applies to --format npy";
    else if (o->keep_nan && (o->format == WK_EXPORT_NPY || o->format == WK_EXPORT_HF ||
                             o->layout != WK_EXPORT_LONG))
        problem = "--keep-nan applies to --layout long";
    if (!problem) return 0;
    wk_cli_usage_error("%s", problem);
    return WK_EUSAGE;
}

static int run(const struct opts *opts, const struct wk_cli *cli, char *const *paths, size_t n)
{
    struct wk_export_output *out;
    int rc = wk_export_output_open(&out, cli->output, opts->o.format == WK_EXPORT_NPY);
    if (rc < 0) return rc;
    if ((rc = wk_export_files(out, paths, n, &opts->o)) < 0) {
        wk_export_output_abort(out);
        return rc;
    }
    return wk_export_output_commit(out);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'},
        {"layout", required_argument, 0, 'l'},
        {"recording", required_argument, 0, 'r'},
        {"columns", required_argument, 0, OPT_COLUMNS},
        {"keep-nan", no_argument, 0, OPT_KEEP_NAN},
        {"labels", required_argument, 0, OPT_LABELS},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts opts = {.layout_given = 0};
    wk_export_options_init(&opts.o);
    opts.ids = calloc((size_t)argc + 1, sizeof *opts.ids); /* at most one id per argument */
    if (!opts.ids) return wk_cli_exit(wk_fail(WK_ENOMEM, "out of memory"));
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "f:l:r:", longopts, handle_option, &opts);
    int rc = first < 0 || first == WK_CLI_DONE ? first : check_usage(&opts);
    if (rc == 0) {
        size_t n;
        char *const *paths = wk_cli_inputs(&cli, &n);
        opts.o.recordings = opts.ids;
        opts.o.n_recordings = opts.n_ids;
        rc = run(&opts, &cli, paths, n);
    }
    free(opts.ids);
    return wk_cli_exit(rc);
}
