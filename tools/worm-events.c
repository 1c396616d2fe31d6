/* worm-events - calcium traces to event counts per bin. */
#include <string.h>

#include "wormkit/wk_events.h"
#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-events",
    "worm-events [options] [file...]",
    "Detect calcium events (upward crossings of a threshold by the z-scored\n"
    "time derivative of each trace, with a refractory gap) and replace the\n"
    "traces by event counts per bin (or add them as the array 'events'), so\n"
    "that count models such as worm-glm run on the recordings.",
    "  -z, --threshold Z      event when the z-scored derivative crosses Z\n"
    "                         upwards (default 2)\n"
    "  -r, --refractory N     samples between two events of a neuron (default 3)\n"
    "  -b, --bin N            samples per output bin (default 1)\n"
    "  -a, --array            keep the traces; write the events (bin 1) as the\n"
    "                         array 'events' [T][C]\n",
};

static int handle_option(int key, const char *arg, void *ctx)
{
    struct wk_events_opts *o = ctx;
    long v;
    switch (key) {
    case 'z': return wk_parse_double(arg, -1e6, 1e6, "--threshold", &o->threshold);
    case 'r':
        if (wk_parse_long(arg, 0, 100000000, "--refractory", &v)) return WK_EUSAGE;
        o->refractory = (size_t)v;
        return 0;
    case 'b':
        if (wk_parse_long(arg, 1, 100000000, "--bin", &v)) return WK_EUSAGE;
        o->bin = (size_t)v;
        return 0;
    case 'a': o->to_array = 1; return 0;
    default: return WK_EUSAGE;
    }
}

static int events_one(struct wk_recording *rec, const char *file, void *ctx)
{
    return wk_events_recording(rec, ctx, file);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"threshold", required_argument, 0, 'z'},
        {"refractory", required_argument, 0, 'r'},
        {"bin", required_argument, 0, 'b'},
        {"array", no_argument, 0, 'a'},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct wk_events_opts o;
    wk_events_opts_init(&o);
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "z:r:b:a", longopts, handle_option, &o);
    if (rc < 0 || rc == WK_CLI_DONE) return wk_cli_exit(rc);
    if (o.to_array && o.bin > 1) {
        wk_cli_usage_error("--array needs --bin 1");
        return wk_cli_exit(WK_EUSAGE);
    }
    return wk_cli_exit(wk_signal_filter(&cli, events_one, &o));
}
