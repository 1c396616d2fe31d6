/* worm-info - one line per recording of wormkit files; layout check; history. */
#include <stdio.h>

#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-info",
    "worm-info [options] [file...]",
    "Print one line per recording of each wormkit file: id, dataset, samples,\n"
    "duration, median time step, labeled/unlabeled/present columns and the\n"
    "NaN fraction over present columns; or check the layout, or print the history.",
    "  -f, --format FMT     table, tsv or json (default table)\n"
    "      --check          validate each file; exit 1 at the first problem\n"
    "      --history        print each file's history lines\n",
};

enum { OPT_CHECK = 256, OPT_HISTORY };

struct opts {
    enum wk_info_format format;
    int check, history;
};

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    switch (key) {
    case 'f': return wk_info_parse_format(&o->format, arg);
    case OPT_CHECK: o->check = 1; return 0;
    case OPT_HISTORY: o->history = 1; return 0;
    default: return WK_EUSAGE;
    }
}

static int check_file(FILE *out, const char *path)
{
    struct wk_file *f = NULL;
    size_t n = 0;
    int rc = wk_file_open(&f, path);
    if (rc == 0) rc = wk_info_check(f, &n);
    if (rc == 0) fprintf(out, "'%s': ok (%zu recording%s)\n", wk_file_name(f), n, n == 1 ? "" : "s");
    wk_file_close(f);
    return rc;
}

static int history_file(FILE *out, const char *path, int header)
{
    struct wk_file *f = NULL;
    int rc = wk_file_open(&f, path);
    if (rc == 0 && header) fprintf(out, "==> %s <==\n", wk_file_name(f));
    if (rc == 0) rc = wk_info_print_history(out, f);
    wk_file_close(f);
    return rc;
}

static int summarize_file(struct wk_info_list *list, const char *path)
{
    struct wk_file *f = NULL;
    int rc = wk_file_open(&f, path);
    if (rc == 0) rc = wk_info_list_add_file(list, f);
    wk_file_close(f);
    return rc;
}

static int run(const struct wk_cli *cli, const struct opts *o)
{
    struct wk_export_output *dst = NULL;
    int rc = wk_export_output_open(&dst, cli->output, 0);
    if (rc < 0) return rc;
    FILE *out = wk_export_output_fp(dst);
    int n = cli->n_files ? cli->n_files : 1;
    struct wk_info_list list = {0};
    for (int i = 0; rc == 0 && i < n; i++) {
        const char *path = cli->n_files ? cli->files[i] : "-";
        if (o->check) rc = check_file(out, path);
        else if (o->history) rc = history_file(out, path, n > 1);
        else rc = summarize_file(&list, path);
    }
    if (rc == 0 && !o->check && !o->history) wk_info_list_print(out, &list, o->format);
    wk_info_list_clear(&list);
    if (rc < 0) {
        wk_export_output_abort(dst);
        return rc;
    }
    return wk_export_output_commit(dst);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'},
        {"check", no_argument, 0, OPT_CHECK},
        {"history", no_argument, 0, OPT_HISTORY},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts o = {WK_INFO_TABLE, 0, 0};
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "f:", longopts, handle_option, &o);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);
    if (o.check && o.history) {
        wk_cli_usage_error("--check and --history cannot be combined");
        return wk_cli_exit(WK_EUSAGE);
    }
    return wk_cli_exit(run(&cli, &o));
}
