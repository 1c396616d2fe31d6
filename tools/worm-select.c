/* worm-select - keep some recordings, neurons and a time range. */
#include <stdio.h>

#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-select",
    "worm-select [options] [file...]",
    "Keep the chosen recordings, neurons and time range of wormkit files and\n"
    "write them as one wormkit file (stdout or -o).",
    "  -r, --recording IDS  keep these recordings (comma-separated ids or glob\n"
    "                       patterns; repeatable)\n"
    "  -d, --dataset NAMES  keep the recordings of these datasets (repeatable)\n"
    "  -n, --neurons LIST   keep these neurons: comma-separated names or glob\n"
    "                       patterns such as 'AV*,RIM?' (repeatable); other\n"
    "                       canonical columns become NaN, other extra columns go\n"
    "  -l, --labeled        keep the 300 canonical columns only\n"
    "  -t, --time START:END keep samples with START <= time < END (seconds;\n"
    "                       either side may be left out)\n"
    "      --rename         rename a repeated recording id to <id>.2, <id>.3, ...\n",
};

enum { OPT_RENAME = 256 };

static int handle_option(int key, const char *arg, void *ctx)
{
    struct wk_select *sel = ctx;
    switch (key) {
    case 'r': return wk_select_add_list(&sel->recordings, &sel->n_recordings, arg, "--recording");
    case 'd': return wk_select_add_list(&sel->datasets, &sel->n_datasets, arg, "--dataset");
    case 'n': return wk_select_add_list(&sel->neurons, &sel->n_neurons, arg, "--neurons");
    case 'l': sel->labeled = 1; return 0;
    case 't': return wk_select_parse_time(sel, arg);
    case OPT_RENAME: sel->rename = 1; return 0;
    default: return WK_EUSAGE;
    }
}

static int select_inputs(const struct wk_cli *cli, struct wk_select_run *run)
{
    struct wk_file *out = NULL;
    int rc = wk_file_create(&out, cli->output ? cli->output : "-");
    if (rc < 0) return rc;
    int n = cli->n_files ? cli->n_files : 1;
    for (int i = 0; rc == 0 && i < n; i++) {
        struct wk_file *in = NULL;
        rc = wk_file_open(&in, cli->n_files ? cli->files[i] : "-");
        if (rc == 0) rc = wk_select_run_file(run, out, in);
        wk_file_close(in);
    }
    if (rc == 0) rc = wk_select_run_finish(run);
    if (rc < 0) {
        wk_file_abort(out);
        return rc;
    }
    return wk_file_commit(out);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"recording", required_argument, 0, 'r'},
        {"dataset", required_argument, 0, 'd'},
        {"neurons", required_argument, 0, 'n'},
        {"labeled", no_argument, 0, 'l'},
        {"time", required_argument, 0, 't'},
        {"rename", no_argument, 0, OPT_RENAME},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct wk_select sel;
    wk_select_init(&sel);
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "r:d:n:lt:", longopts, handle_option, &sel);
    if (rc >= 0 && rc != WK_CLI_DONE) rc = wk_select_check_inputs(cli.files, cli.n_files);
    if (rc >= 0 && rc != WK_CLI_DONE) {
        struct wk_select_run *run = wk_select_run_alloc(&sel);
        rc = run ? select_inputs(&cli, run) : WK_ENOMEM;
        wk_select_run_free(run);
    }
    wk_select_clear(&sel);
    return wk_cli_exit(rc);
}
