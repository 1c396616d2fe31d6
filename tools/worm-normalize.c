/* worm-normalize - z-score every trace of wormkit files. */
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-normalize",
    "worm-normalize [options] [file...]",
    "Normalize the traces of every recording neuron by neuron and write one\n"
    "wormkit file (stdout or -o).  Other arrays keep their units.",
    "  -m, --method NAME    zscore (default: over the whole recording) or causal\n"
    "                       (running mean and variance over samples 0..t)\n"
    "      --zscore         same as --method zscore\n"
    "      --causal         same as --method causal\n"
    "  -l, --level N        deflate level of the output, 0 (none) to 9\n"
    "                       (default 1; 0 when writing into a pipe)\n",
};

enum { OPT_ZSCORE = 256, OPT_CAUSAL };

static int handle_option(int key, const char *arg, void *ctx)
{
    enum wk_normalize_method *method = ctx;
    switch (key) {
    case 'l': return wk_h5_deflate_level_option(arg);
    case 'm':
        if (wk_normalize_method_from_name(arg, method) == 0) return 0;
        wk_cli_usage_error("invalid --method '%s' (zscore or causal)", arg);
        return WK_EUSAGE;
    case OPT_ZSCORE: *method = WK_NORMALIZE_ZSCORE; return 0;
    case OPT_CAUSAL: *method = WK_NORMALIZE_CAUSAL; return 0;
    default: return WK_EUSAGE;
    }
}

static int normalize_one(struct wk_recording *rec, const char *file, void *ctx)
{
    return wk_normalize_recording(rec, *(enum wk_normalize_method *)ctx, file);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"level", required_argument, 0, 'l'},
        {"method", required_argument, 0, 'm'},
        {"zscore", no_argument, 0, OPT_ZSCORE},
        {"causal", no_argument, 0, OPT_CAUSAL},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    enum wk_normalize_method method = WK_NORMALIZE_ZSCORE;
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "m:l:", longopts, handle_option, &method);
    if (rc < 0 || rc == WK_CLI_DONE) return wk_cli_exit(rc);
    return wk_cli_exit(wk_signal_filter(&cli, normalize_one, &method));
}
