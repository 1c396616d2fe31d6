/* worm-simulate - synthetic recordings with known truth from a generative model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"

#define NAME "worm-simulate"
#define SUMMARY "Simulate whole-brain recordings with known truth from a generative MODEL."

/* The operand most likely to be the model: the first argument that is not
 * an option or the value of a common option taking one. */
static const char *model_operand(int argc, char **argv)
{
    static const char *const with_value[] = {"-o", "-@", "-s", "--output", "--threads", "--seed"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) return i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-' || a[1] == '\0') return a;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            if (strcmp(a, with_value[k]) == 0) i++;
    }
    return NULL;
}

/* Model list and every model's options, for the top-level --help. */
static char *help_text(int options)
{
    size_t n, len = 1;
    const struct wk_sim_model *const *m = wk_sim_models(&n);
    for (size_t i = 0; i < n; i++)
        len += strlen(m[i]->name) + strlen(m[i]->summary) + strlen(m[i]->options) + 64;
    len += sizeof SUMMARY + 64;
    char *text = wk_calloc(len, 1);
    if (!text) return NULL;
    size_t at = 0;
    if (!options) at += (size_t)snprintf(text + at, len - at, "%s\n\nModels:\n", SUMMARY);
    for (size_t i = 0; i < n; i++) {
        if (options)
            at += (size_t)snprintf(text + at, len - at, "%s for MODEL %s:\n%s", i ? "\n" : "", m[i]->name,
                                   m[i]->options);
        else
            at += (size_t)snprintf(text + at, len - at, "  %-10s %s\n", m[i]->name, m[i]->summary);
    }
    return text;
}

static void model_names(char *buf, size_t len)
{
    size_t n, at = 0;
    const struct wk_sim_model *const *m = wk_sim_models(&n);
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", i ? ", " : "", m[i]->name);
}

/* No model operand: --help/--version, or a usage error. */
static int without_model(int argc, char **argv)
{
    char *summary = help_text(0), *options = help_text(1);
    if (!summary || !options) {
        free(summary);
        free(options);
        return wk_cli_exit(WK_ENOMEM);
    }
    const struct wk_tool tool = {NAME, NAME " MODEL [options]", summary, options};
    struct wk_cli cli;
    int first = wk_cli_parse(&cli, &tool, argc, argv, "", NULL, NULL, NULL);
    free(summary);
    free(options);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);
    char names[256];
    model_names(names, sizeof names);
    if (cli.n_files == 0)
        wk_cli_usage_error("no model given (one of: %s)", names);
    else
        wk_cli_usage_error("unknown model '%s' (one of: %s)", cli.files[0], names);
    return wk_cli_exit(WK_EUSAGE);
}

static int simulate(const struct wk_sim_model *model, const struct wk_cli *cli, const void *params)
{
    struct wk_file *f = NULL;
    int rc = wk_file_create(&f, cli->output ? cli->output : "-");
    if (rc < 0) return rc;
    rc = model->run(f, params, cli);
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    return wk_file_commit(f);
}

int main(int argc, char **argv)
{
    const struct wk_sim_model *model = wk_sim_model_find(model_operand(argc, argv));
    wk_cli_needs_input = 0;
    if (!model) return without_model(argc, argv);

    char synopsis[128];
    snprintf(synopsis, sizeof synopsis, NAME " %s [options]", model->name);
    const struct wk_tool tool = {NAME, synopsis, model->summary, model->options};
    void *params = calloc(1, model->params_size);
    if (!params) {
        fprintf(stderr, NAME ": out of memory\n");
        return 1;
    }
    model->defaults(params);

    struct wk_cli cli;
    int rc = wk_cli_parse(&cli, &tool, argc, argv, model->shortopts, model->longopts, model->option, params);
    if (rc >= 0 && rc != WK_CLI_DONE) {
        if (cli.n_files > 1) {
            wk_cli_usage_error("unexpected operand '%s'", cli.files[1]);
            rc = WK_EUSAGE;
        } else {
            rc = model->check(params);
            if (rc == 0) rc = simulate(model, &cli, params);
        }
    }
    free(params);
    return wk_cli_exit(rc);
}
