/* worm-homogenize - the reference recipe (import, derivative, smoothing,
 * resampling, normalization) as one command. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "wormkit/wormkit.h"
#include "wormkit/wk_homogenize.h"
#include "wormkit/wk_impute.h"

static const struct wk_tool TOOL = {
    "worm-homogenize",
    "worm-homogenize [options] [file...]",
    "Import raw recordings (as worm-import; without --format and --dataset, .h5\n"
    "files and stdin are wormkit files) and apply the reference recipe of the\n"
    "homogenized C. elegans dataset to each worm, one at a time: time from 0,\n"
    "derivative, causal smoothing (moving, 15 samples), resampling to 0.333 s\n"
    "(linear), z-score; write one wormkit file (stdout or -o) that keeps the\n"
    "original traces for worm-export --format hf.",
    "  -f, --format FMT       input format, as worm-import (default: from the\n"
    "                         extension, or --dataset)\n"
    "      --dataset NAME     dataset attribute; a published dataset's name also\n"
    "                         selects its reader\n"
    "      --report FILE      label decisions as TSV, as worm-import\n"
    "      --min-samples N    skip a worm with fewer than N samples (default 600\n"
    "                         for the published datasets, else 0 = off)\n"
    "      --min-labeled N    skip a worm with fewer than N canonical neurons\n"
    "                         (default 1 for the published datasets, else 0)\n"
    "      --impute METHOD    none (default), linear or iterative\n"
    "      --drop-long-gaps F reject a neuron whose longest NaN run exceeds F * T\n"
    "      --drop-linear F    reject a neuron with exactly linear windows in more\n"
    "                         than F of them (after imputation)\n"
    "      --reference-filters  the reference's per-dataset imputation and filters\n"
    "  -m, --smooth METHOD    moving (default), gaussian, exponential, zero-phase\n"
    "                         or none\n"
    "  -w, --window N         moving-average window (default 15)\n"
    "      --sigma S          Gaussian sigma in samples (default 5)\n"
    "  -a, --alpha A          exponential weight, 0 < A <= 1 (default 0.5)\n"
    "  -d, --dt S             resampling interval in seconds (default 0.333)\n"
    "      --interpolate NAME linear (default) or sinc\n"
    "      --normalize NAME   zscore (default), causal or none\n"
    "      --no-original      do not store original_traces and original_time\n"
    "  -l, --level N          deflate level of the output, 0 (none) to 9\n"
    "                         (default 1; 0 when writing into a pipe)\n",
};

enum {
    OPT_DATASET = 256, OPT_REPORT, OPT_MIN_SAMPLES, OPT_MIN_LABELED, OPT_IMPUTE, OPT_DROP_LONG_GAPS,
    OPT_DROP_LINEAR, OPT_REFERENCE_FILTERS, OPT_SIGMA, OPT_INTERPOLATE, OPT_NORMALIZE, OPT_NO_ORIGINAL
};

struct opts {
    struct wk_import_options import;
    struct wk_import_run run;
    struct wk_smooth_params smooth;
    struct wk_homogenize steps;
    const char *report;
};

static int usage(const char *fmt, const char *arg)
{
    wk_cli_usage_error(fmt, arg);
    return WK_EUSAGE;
}

static int import_option(struct opts *o, int key, const char *arg)
{
    enum wk_impute_method m;
    switch (key) {
    case 'f':
        if (wk_import_format_find(arg)) {
            o->import.format = arg;
            return 0;
        }
        return usage("invalid --format '%s' (see worm-import --help)", arg);
    case OPT_DATASET:
        if (!*arg) return usage("invalid --dataset '%s' (empty)", arg);
        o->import.dataset = arg;
        return 0;
    case OPT_REPORT:
        if (!*arg) return usage("invalid --report '%s' (empty)", arg);
        o->report = arg;
        return 0;
    case OPT_MIN_SAMPLES: return wk_parse_long(arg, 0, LONG_MAX, "--min-samples", &o->run.min_samples);
    case OPT_MIN_LABELED: return wk_parse_long(arg, 0, LONG_MAX, "--min-labeled", &o->run.min_labeled);
    case OPT_IMPUTE:
        if (wk_impute_method_from_name(arg, &m) < 0)
            return usage("invalid --impute '%s' (none, linear or iterative)", arg);
        o->run.impute = (int)m;
        return 0;
    case OPT_DROP_LONG_GAPS: return wk_parse_double(arg, 0, 1, "--drop-long-gaps", &o->run.drop_long_gaps);
    case OPT_DROP_LINEAR: return wk_parse_double(arg, 0, 1, "--drop-linear", &o->run.drop_linear);
    case OPT_REFERENCE_FILTERS: o->run.reference_filters = 1; return 0;
    default: return WK_EUSAGE;
    }
}

static int step_option(struct opts *o, int key, const char *arg)
{
    switch (key) {
    case 'm':
        if (wk_smooth_method_from_name(arg, &o->smooth.method) == 0) return 0;
        return usage("invalid --smooth '%s' (moving, gaussian, exponential, zero-phase or none)", arg);
    case 'w': return wk_parse_long(arg, 1, INT_MAX, "--window", &o->smooth.window);
    case OPT_SIGMA:
        if (wk_parse_double(arg, 0, 1e6, "--sigma", &o->smooth.sigma) < 0) return WK_EUSAGE;
        return o->smooth.sigma > 0 ? 0 : usage("invalid --sigma '%s' (must be positive)", arg);
    case 'a':
        if (wk_parse_double(arg, 0, 1, "--alpha", &o->smooth.alpha) < 0) return WK_EUSAGE;
        return o->smooth.alpha > 0 ? 0 : usage("invalid --alpha '%s' (must be in (0, 1])", arg);
    case 'd':
        if (wk_parse_double(arg, 0, 1e9, "--dt", &o->steps.dt) < 0) return WK_EUSAGE;
        return o->steps.dt > 0 ? 0 : usage("invalid --dt '%s' (must be positive)", arg);
    case OPT_INTERPOLATE:
        if (wk_resample_method_from_name(arg, &o->steps.resample) == 0) return 0;
        return usage("invalid --interpolate '%s' (linear or sinc)", arg);
    case OPT_NORMALIZE:
        o->steps.normalize_off = strcmp(arg, "none") == 0;
        if (o->steps.normalize_off || wk_normalize_method_from_name(arg, &o->steps.normalize) == 0) return 0;
        return usage("invalid --normalize '%s' (zscore, causal or none)", arg);
    case OPT_NO_ORIGINAL: o->steps.keep_original = 0; return 0;
    case 'l': return wk_h5_deflate_level_option(arg);
    default: return import_option(o, key, arg);
    }
}

static int handle_option(int key, const char *arg, void *ctx)
{
    return step_option(ctx, key, arg);
}

static int check_usage(const struct opts *o, const struct wk_cli *cli, char *const *paths, size_t n)
{
    if (o->report && strcmp(o->report, "-") == 0 && (!cli->output || strcmp(cli->output, "-") == 0)) {
        wk_cli_usage_error("--report - needs -o FILE (stdout carries the wormkit file)");
        return WK_EUSAGE;
    }
    size_t stdin_uses = 0;
    for (size_t i = 0; i < n; i++) stdin_uses += strcmp(paths[i], "-") == 0;
    if (stdin_uses > 1) {
        wk_cli_usage_error("stdin ('-') can be read only once");
        return WK_EUSAGE;
    }
    return 0;
}

/* Without --format and a --dataset naming a reader, stdin and .h5, .hdf5,
 * .he5 files are wormkit files (worm-homogenize then acts as a filter). */
static int is_wormkit_input(const struct opts *o, const char *path)
{
    if (o->import.format || (o->import.dataset && wk_import_format_find(o->import.dataset))) return 0;
    if (strcmp(path, "-") == 0) return 1;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    const char *ext = strrchr(base, '.');
    return ext && ext != base &&
           (strcasecmp(ext, ".h5") == 0 || strcasecmp(ext, ".hdf5") == 0 || strcasecmp(ext, ".he5") == 0);
}

/* Operands in order: runs of raw inputs go through the import, wormkit
 * files through the steps directly. */
static int process_inputs(struct opts *o, struct wk_file *out, FILE *report, const char *report_name,
                          char *const *paths, size_t n)
{
    size_t from_wormkit = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n;) {
        if (is_wormkit_input(o, paths[i])) {
            rc = wk_homogenize_wormkit_input(out, paths[i], &o->steps, &from_wormkit);
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !is_wormkit_input(o, paths[j])) j++;
        rc = wk_import_run_files(out, report, report_name, paths + i, j - i, &o->import, &o->run);
        i = j;
    }
    return rc;
}

struct homogenize_job {
    struct opts *o;
    char *const *paths;
    size_t n;
};

static int fill(struct wk_file *out, FILE *report, const char *report_name, void *ctx)
{
    const struct homogenize_job *job = ctx;
    return process_inputs(job->o, out, report, report_name, job->paths, job->n);
}

static int run(struct opts *o, const struct wk_cli *cli, char *const *paths, size_t n)
{
    struct homogenize_job job = {o, paths, n};
    return wk_import_write_outputs(cli->output, o->report, fill, &job);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"level", required_argument, 0, 'l'},
        {"format", required_argument, 0, 'f'},
        {"dataset", required_argument, 0, OPT_DATASET},
        {"report", required_argument, 0, OPT_REPORT},
        {"min-samples", required_argument, 0, OPT_MIN_SAMPLES},
        {"min-labeled", required_argument, 0, OPT_MIN_LABELED},
        {"impute", required_argument, 0, OPT_IMPUTE},
        {"drop-long-gaps", required_argument, 0, OPT_DROP_LONG_GAPS},
        {"drop-linear", required_argument, 0, OPT_DROP_LINEAR},
        {"reference-filters", no_argument, 0, OPT_REFERENCE_FILTERS},
        {"smooth", required_argument, 0, 'm'},
        {"window", required_argument, 0, 'w'},
        {"sigma", required_argument, 0, OPT_SIGMA},
        {"alpha", required_argument, 0, 'a'},
        {"dt", required_argument, 0, 'd'},
        {"interpolate", required_argument, 0, OPT_INTERPOLATE},
        {"normalize", required_argument, 0, OPT_NORMALIZE},
        {"no-original", no_argument, 0, OPT_NO_ORIGINAL},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts o = {.report = NULL};
    wk_import_options_init(&o.import);
    wk_import_run_init(&o.run);
    wk_smooth_params_init(&o.smooth);
    wk_homogenize_init(&o.steps);
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "f:m:w:a:d:l:", longopts, handle_option, &o);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);

    size_t n;
    char *const *paths = wk_cli_inputs(&cli, &n);
    int rc = check_usage(&o, &cli, paths, n);
    if (rc == 0 && !(o.steps.smoother = wk_smoother_alloc(&o.smooth))) rc = WK_EINVAL;
    if (rc == 0) {
        o.run.process = wk_homogenize_recording;
        o.run.process_ctx = &o.steps;
        rc = run(&o, &cli, paths, n);
    }
    wk_smoother_free(o.steps.smoother);
    return wk_cli_exit(rc);
}
