/* worm-cat - merge wormkit files into one. */
#include <stdio.h>

#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-cat",
    "worm-cat [options] file...",
    "Merge wormkit files into one: recordings in input order, connectomes,\n"
    "results and histories of every input.  '-' reads stdin (once).",
    "      --rename         rename a repeated recording id to <id>.2, <id>.3, ...\n"
    "                       (default: a repeated id is an error)\n",
};

enum { OPT_RENAME = 256 };

static int handle_option(int key, const char *arg, void *ctx)
{
    (void)arg;
    struct wk_select *sel = ctx;
    if (key != OPT_RENAME) return WK_EUSAGE;
    sel->rename = 1;
    return 0;
}

static int merge_inputs(const struct wk_cli *cli, struct wk_select_run *run)
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
    if (rc < 0) {
        wk_file_abort(out);
        return rc;
    }
    return wk_file_commit(out);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rename", no_argument, 0, OPT_RENAME},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct wk_select sel;
    wk_select_init(&sel);
    int rc = wk_cli_parse(&cli, &TOOL, argc, argv, "", longopts, handle_option, &sel);
    if (rc >= 0 && rc != WK_CLI_DONE) rc = wk_select_check_inputs(cli.files, cli.n_files);
    if (rc >= 0 && rc != WK_CLI_DONE) {
        struct wk_select_run *run = wk_select_run_alloc(&sel);
        rc = run ? merge_inputs(&cli, run) : WK_ENOMEM;
        wk_select_run_free(run);
    }
    wk_select_clear(&sel);
    return wk_cli_exit(rc);
}
