/* worm-import - raw recordings (published datasets, CSV/TSV tables, HDF5,
 * NWB and MAT files) into one wormkit file. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wormkit/wk_impute.h"

static const struct wk_tool TOOL = {
    "worm-import",
    "worm-import [options] [file...]",
    "Read neuron traces from the raw files of published datasets, CSV/TSV tables,\n"
    "HDF5, NWB or MAT files (a folder: every file of that format in it) and write\n"
    "one wormkit file holding one recording per worm.  Labels that are atlas\n"
    "names go to their canonical columns; others to extra columns 300 and up.",
    "  -f, --format FMT       csv, tsv, h5 or another reader of worm-import(1)\n"
    "                         (default: from the extension: .csv, .tsv/.txt/.tab,\n"
    "                         .h5/.hdf5/.he5, ...); needed for stdin\n"
    "      --dataset NAME     dataset attribute of the recordings (default: the\n"
    "                         reader's, or generic); a published dataset's name\n"
    "                         (kato2015, ...) also selects its reader\n"
    "      --id ID            recording id for a single input (default: file stem)\n"
    "      --report FILE      write each column's label decision as TSV to FILE\n"
    "      --time-column NAME csv/tsv: the time column (default: the first column,\n"
    "                         named time, t or time_s)\n"
    "      --no-time          the input has no time column: time = k * dt\n"
    "      --dt SECONDS       sampling interval, with --no-time\n"
    "      --traces PATH      h5: the traces matrix (default traces)\n"
    "      --labels PATH      h5: the label strings (default labels)\n"
    "      --time PATH        h5: the time vector in seconds (default time)\n"
    "      --neurons-by-time  h5: the matrix is neurons x time\n"
    "      --time-by-neurons  h5: the matrix is time x neurons (default: this, unless\n"
    "                         only the transpose fits the labels)\n"
    "      --min-samples N    skip a worm with fewer than N samples (default 600\n"
    "                         for the published datasets, else 0 = off)\n"
    "      --min-labeled N    skip a worm with fewer than N canonical neurons\n"
    "                         (default 1 for the published datasets, else 0 = off)\n"
    "      --impute METHOD    fill missing samples: none (default), linear or\n"
    "                         iterative (round-robin ridge regression)\n"
    "      --drop-long-gaps F reject a neuron whose longest NaN run exceeds F * T\n"
    "      --drop-linear F    after imputation, reject a neuron whose 50-sample\n"
    "                         windows are exactly linear in more than F of them\n"
    "      --reference-filters  the reference's per-dataset choices for the options\n"
    "                         not given: --impute iterative for nejatbakhsh2020,\n"
    "                         yemini2021, lin2023, venkatachalam2024, leifer2023;\n"
    "                         leifer2023 also --drop-long-gaps 0.05 and\n"
    "                         --drop-linear 0.001\n"
    "  -l, --level N          deflate level of the output, 0 (none) to 9\n"
    "                         (default 1; 0 when writing into a pipe)\n",
};

enum {
    OPT_DATASET = 256, OPT_ID, OPT_REPORT, OPT_TIME_COLUMN, OPT_NO_TIME, OPT_DT,
    OPT_TRACES, OPT_LABELS, OPT_TIME, OPT_NEURONS_BY_TIME, OPT_TIME_BY_NEURONS,
    OPT_MIN_SAMPLES, OPT_MIN_LABELED, OPT_IMPUTE, OPT_DROP_LONG_GAPS, OPT_DROP_LINEAR,
    OPT_REFERENCE_FILTERS
};

struct opts {
    struct wk_import_options import;
    struct wk_import_run run;
    const char *report;
};

static int set_impute(struct wk_import_run *r, const char *arg)
{
    enum wk_impute_method m;
    if (wk_impute_method_from_name(arg, &m) == 0) {
        r->impute = (int)m;
        return 0;
    }
    wk_cli_usage_error("invalid --impute '%s' (none, linear or iterative)", arg);
    return WK_EUSAGE;
}

static int set_format(struct wk_import_options *o, const char *arg)
{
    if (wk_import_format_find(arg)) {
        o->format = arg;
        return 0;
    }
    char known[512] = "";
    size_t used = 0;
    for (const struct wk_import_format *f = wk_import_formats(); f->name && used < sizeof known; f++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", used ? ", " : "", f->name);
    wk_cli_usage_error("invalid --format '%s' (known: %s)", arg, known);
    return WK_EUSAGE;
}

static int non_empty(const char *option, const char *arg, const char **out)
{
    if (!*arg) {
        wk_cli_usage_error("invalid %s '' (empty)", option);
        return WK_EUSAGE;
    }
    *out = arg;
    return 0;
}

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *opts = ctx;
    struct wk_import_options *o = &opts->import;
    switch (key) {
    case 'f': return set_format(o, arg);
    case OPT_DATASET: return non_empty("--dataset", arg, &o->dataset);
    case OPT_ID: return non_empty("--id", arg, &o->id);
    case OPT_REPORT: return non_empty("--report", arg, &opts->report);
    case OPT_TIME_COLUMN: return non_empty("--time-column", arg, &o->time_column);
    case OPT_NO_TIME: o->no_time = 1; return 0;
    case OPT_DT: return wk_parse_double(arg, 1e-9, 1e9, "--dt", &o->dt);
    case OPT_TRACES: return non_empty("--traces", arg, &o->traces_path);
    case OPT_LABELS: return non_empty("--labels", arg, &o->labels_path);
    case OPT_TIME: return non_empty("--time", arg, &o->time_path);
    case OPT_NEURONS_BY_TIME: o->orientation = WK_IMPORT_NEURONS_BY_TIME; return 0;
    case OPT_TIME_BY_NEURONS: o->orientation = WK_IMPORT_TIME_BY_NEURONS; return 0;
    case OPT_MIN_SAMPLES: return wk_parse_long(arg, 0, LONG_MAX, "--min-samples", &opts->run.min_samples);
    case OPT_MIN_LABELED: return wk_parse_long(arg, 0, LONG_MAX, "--min-labeled", &opts->run.min_labeled);
    case OPT_IMPUTE: return set_impute(&opts->run, arg);
    case OPT_DROP_LONG_GAPS: return wk_parse_double(arg, 0, 1, "--drop-long-gaps", &opts->run.drop_long_gaps);
    case OPT_DROP_LINEAR: return wk_parse_double(arg, 0, 1, "--drop-linear", &opts->run.drop_linear);
    case OPT_REFERENCE_FILTERS: opts->run.reference_filters = 1; return 0;
    case 'l': return wk_h5_deflate_level_option(arg);
    default: return WK_EUSAGE;
    }
}

static int usage_error(const char *message)
{
    wk_cli_usage_error("%s", message);
    return WK_EUSAGE;
}

static int is_stdout(const char *path)
{
    return !path || strcmp(path, "-") == 0;
}

static int check_usage(const struct opts *opts, const struct wk_cli *cli, char *const *paths,
                       size_t n)
{
    const struct wk_import_options *o = &opts->import;
    if (o->no_time && isnan(o->dt)) return usage_error("--no-time needs --dt");
    if (!o->no_time && !isnan(o->dt)) return usage_error("--dt needs --no-time (the input has a time column)");
    if (o->no_time && o->time_column) return usage_error("--no-time and --time-column exclude each other");
    if (o->id && n > 1) return usage_error("--id names one recording; give one input");
    if (opts->report && strcmp(opts->report, "-") == 0 && is_stdout(cli->output))
        return usage_error("--report - needs -o FILE (stdout carries the wormkit file)");
    for (size_t i = 0; i < n; i++)
        if (strcmp(paths[i], "-") == 0 && !o->format && !(o->dataset && wk_import_format_find(o->dataset)))
            return usage_error("reading stdin needs --format");
    return 0;
}

struct import_job {
    struct opts *opts;
    char *const *paths;
    size_t n;
};

static int fill(struct wk_file *out, FILE *report, const char *report_name, void *ctx)
{
    const struct import_job *job = ctx;
    return wk_import_run_files(out, report, report_name, job->paths, job->n, &job->opts->import,
                               &job->opts->run);
}

static int run(struct opts *opts, const struct wk_cli *cli, char *const *paths, size_t n)
{
    struct import_job job = {opts, paths, n};
    return wk_import_write_outputs(cli->output, opts->report, fill, &job);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"level", required_argument, 0, 'l'},
        {"format", required_argument, 0, 'f'},
        {"dataset", required_argument, 0, OPT_DATASET},
        {"id", required_argument, 0, OPT_ID},
        {"report", required_argument, 0, OPT_REPORT},
        {"time-column", required_argument, 0, OPT_TIME_COLUMN},
        {"no-time", no_argument, 0, OPT_NO_TIME},
        {"dt", required_argument, 0, OPT_DT},
        {"traces", required_argument, 0, OPT_TRACES},
        {"labels", required_argument, 0, OPT_LABELS},
        {"time", required_argument, 0, OPT_TIME},
        {"neurons-by-time", no_argument, 0, OPT_NEURONS_BY_TIME},
        {"time-by-neurons", no_argument, 0, OPT_TIME_BY_NEURONS},
        {"min-samples", required_argument, 0, OPT_MIN_SAMPLES},
        {"min-labeled", required_argument, 0, OPT_MIN_LABELED},
        {"impute", required_argument, 0, OPT_IMPUTE},
        {"drop-long-gaps", required_argument, 0, OPT_DROP_LONG_GAPS},
        {"drop-linear", required_argument, 0, OPT_DROP_LINEAR},
        {"reference-filters", no_argument, 0, OPT_REFERENCE_FILTERS},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts opts = {.report = NULL};
    wk_import_options_init(&opts.import);
    wk_import_run_init(&opts.run);
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "f:l:", longopts, handle_option, &opts);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);

    size_t n;
    char *const *paths = wk_cli_inputs(&cli, &n);
    int rc = check_usage(&opts, &cli, paths, n);
    if (rc == 0) rc = run(&opts, &cli, paths, n);
    return wk_cli_exit(rc);
}
