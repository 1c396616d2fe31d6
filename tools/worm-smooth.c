/* worm-smooth - smooth every trace of wormkit files over time. */
#include <float.h>
#include <limits.h>
#include <math.h>

#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-smooth",
    "worm-smooth [options] [file...]",
    "Smooth the traces (and the derivative array, when present) of every\n"
    "recording, neuron by neuron, and write one wormkit file (stdout or -o).\n"
    "The causal methods use the current and past samples only.",
    "  -m, --method NAME    moving (default), gaussian, exponential (causal),\n"
    "                       zero-phase (non-causal Gaussian through FFTW) or none\n"
    "  -w, --window N       moving-average window in samples (default 15; an even\n"
    "                       N is made odd: N//2 + 1 trailing samples are averaged)\n"
    "      --sigma S        Gaussian standard deviation in samples (default 5)\n"
    "  -a, --alpha A        exponential weight of the new sample, 0 < A <= 1\n"
    "                       (default 0.5)\n"
    "  -l, --level N        deflate level of the output, 0 (none) to 9\n"
    "                       (default 1; 0 when writing into a pipe)\n",
};

enum { OPT_SIGMA = 256 };

static int handle_option(int key, const char *arg, void *ctx)
{
    struct wk_smooth_params *p = ctx;
    switch (key) {
    case 'l':
        return wk_h5_deflate_level_option(arg);
    case 'm':
        if (wk_smooth_method_from_name(arg, &p->method) == 0) return 0;
        wk_cli_usage_error("invalid --method '%s' (moving, gaussian, exponential, zero-phase or none)", arg);
        return WK_EUSAGE;
    case 'w':
        return wk_parse_long(arg, 1, INT_MAX, "--window", &p->window);
    case OPT_SIGMA:
        if (wk_parse_double(arg, 0, 1e6, "--sigma", &p->sigma) < 0) return WK_EUSAGE;
        if (p->sigma > 0) return 0;
        wk_cli_usage_error("invalid --sigma '%s' (must be positive)", arg);
        return WK_EUSAGE;
    case 'a':
        if (wk_parse_double(arg, 0, 1, "--alpha", &p->alpha) < 0) return WK_EUSAGE;
        if (p->alpha > 0) return 0;
        wk_cli_usage_error("invalid --alpha '%s' (must be in (0, 1])", arg);
        return WK_EUSAGE;
    default:
        return WK_EUSAGE;
    }
}

static int smooth_one(struct wk_recording *rec, const char *file, void *ctx)
{
    return wk_smooth_recording(ctx, rec, file);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"level", required_argument, 0, 'l'},
        {"method", required_argument, 0, 'm'},
        {"window", required_argument, 0, 'w'},
        {"sigma", required_argument, 0, OPT_SIGMA},
        {"alpha", required_argument, 0, 'a'},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct wk_smooth_params params;
    wk_smooth_params_init(&params);
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "m:w:a:l:", longopts, handle_option, &params);
    if (rc < 0 || rc == WK_CLI_DONE) return wk_cli_exit(rc);
    struct wk_smoother *smoother = wk_smoother_alloc(&params);
    rc = smoother ? wk_signal_filter(&cli, smooth_one, smoother) : WK_ENOMEM;
    wk_smoother_free(smoother);
    return wk_cli_exit(rc);
}
