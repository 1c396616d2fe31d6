/* worm-derivative - time derivative of every trace of wormkit files. */
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-derivative",
    "worm-derivative [options] [file...]",
    "Compute dF/dt (per second) of every trace with numpy.gradient semantics\n"
    "on the recording's time vector and store it as the array 'derivative'\n"
    "of each recording (or, with --replace, in place of the traces); write one\n"
    "wormkit file (stdout or -o).",
    "  -r, --replace        put the derivative in traces instead of the array\n"
    "                       'derivative'\n"
    "  -l, --level N        deflate level of the output, 0 (none) to 9\n"
    "                       (default 1; 0 when writing into a pipe)\n",
};

static int handle_option(int key, const char *arg, void *ctx)
{
    int *replace = ctx;
    if (key == 'l') return wk_h5_deflate_level_option(arg);
    if (key != 'r') return WK_EUSAGE;
    *replace = 1;
    return 0;
}

static int derive_one(struct wk_recording *rec, const char *file, void *ctx)
{
    return wk_derivative_recording(rec, *(int *)ctx, file);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"level", required_argument, 0, 'l'},
        {"replace", no_argument, 0, 'r'},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    int replace = 0;
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "rl:", longopts, handle_option, &replace);
    if (rc < 0 || rc == WK_CLI_DONE) return wk_cli_exit(rc);
    return wk_cli_exit(wk_signal_filter(&cli, derive_one, &replace));
}
