/* worm-resample - resample every recording of wormkit files to one interval. */
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-resample",
    "worm-resample [options] [file...]",
    "Resample every recording to the sampling interval DT: traces and every\n"
    "array indexed by time; write one wormkit file (stdout or -o).",
    "  -d, --dt S           new sampling interval in seconds (default 0.333)\n"
    "  -m, --method NAME    linear (default: the reference's linear upsampling\n"
    "                       and block-mean downsampling) or sinc (windowed sinc,\n"
    "                       anti-aliased when downsampling)\n"
    "  -l, --level N        deflate level of the output, 0 (none) to 9\n"
    "                       (default 1; 0 when writing into a pipe)\n",
};

struct opts {
    double dt;
    enum wk_resample_method method;
};

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    switch (key) {
    case 'l':
        return wk_h5_deflate_level_option(arg);
    case 'd':
        if (wk_parse_double(arg, 0, 1e9, "--dt", &o->dt) < 0) return WK_EUSAGE;
        if (o->dt > 0) return 0;
        wk_cli_usage_error("invalid --dt '%s' (must be positive)", arg);
        return WK_EUSAGE;
    case 'm':
        if (wk_resample_method_from_name(arg, &o->method) == 0) return 0;
        wk_cli_usage_error("invalid --method '%s' (linear or sinc)", arg);
        return WK_EUSAGE;
    default:
        return WK_EUSAGE;
    }
}

static int resample_one(struct wk_recording *rec, const char *file, void *ctx)
{
    const struct opts *o = ctx;
    return wk_resample_recording(rec, o->dt, o->method, file);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"level", required_argument, 0, 'l'},
        {"dt", required_argument, 0, 'd'},
        {"method", required_argument, 0, 'm'},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts o = {WK_RESAMPLE_DT, WK_RESAMPLE_LINEAR};
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "d:m:l:", longopts, handle_option, &o);
    if (rc < 0 || rc == WK_CLI_DONE) return wk_cli_exit(rc);
    return wk_cli_exit(wk_signal_filter(&cli, resample_one, &o));
}
