/* worm-connectome - structural connectomes on the 300-neuron atlas: import
 * the published annotations, combine them, export them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"

static const struct wk_tool TOOL = {
    "worm-connectome",
    "worm-connectome import --source ID [options] [file [file2]]\n"
    "worm-connectome consensus --id NAME [options] [file...]\n"
    "worm-connectome export [options] [file]",
    "Import a published connectome into the wormkit layout (/connectomes/ID/chem\n"
    "and gap, 300 x 300 on the canonical atlas), combine several into a\n"
    "consensus, or export one as an edge list, dense TSV matrix or NPY.\n"
    "Sources: white1986_whole white1986_n2u white1986_jsh white1986_jse\n"
    "witvliet2020_7 witvliet2020_8 (pre,post,type,synapses), varshney2011,\n"
    "openworm, cook2019 (chemical + gap grids), randi2023 (values + q-values).",
    "import:\n"
    "      --source ID        source format and id (see above; required)\n"
    "      --gap FILE         cook2019: the gap-junction grid (or a second operand)\n"
    "      --qvalues FILE     randi2023: the q-value grid (or a second operand)\n"
    "      --q-max X          randi2023: keep values with q < X (default 0.05)\n"
    "  -i, --id NAME          connectome id (default: the source id)\n"
    "  -r, --report FILE      write the dropped labels (label, records) as TSV\n"
    "  -a, --append FILE      add to an existing wormkit file (atomically)\n"
    "consensus:\n"
    "  -i, --id NAME          id of the consensus connectome (required)\n"
    "      --sources ID,...   combine these connectome ids (default: all that\n"
    "                         are not consensuses themselves)\n"
    "  -a, --append FILE      add to an existing wormkit file (atomically)\n"
    "export:\n"
    "  -i, --id ID            the connectome (default: the file's only one)\n"
    "  -f, --format FMT       edges, chem, gap, chem_count, gap_count, chem_spread\n"
    "                         or gap_spread (default edges)\n"
    "      --npy              write the matrix as NumPy .npy (float32) instead of TSV\n",
};

enum { OPT_SOURCE = 256, OPT_GAP, OPT_QVALUES, OPT_Q_MAX, OPT_SOURCES, OPT_NPY };
enum command { CMD_IMPORT, CMD_CONSENSUS, CMD_EXPORT };

struct opts {
    const char *source, *gap, *qvalues, *id, *report, *append, *sources, *format;
    double q_max;
    int q_max_given, npy;
};

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    switch (key) {
    case OPT_SOURCE: o->source = arg; return 0;
    case OPT_GAP: o->gap = arg; return 0;
    case OPT_QVALUES: o->qvalues = arg; return 0;
    case OPT_Q_MAX:
        o->q_max_given = 1;
        return wk_parse_double(arg, 0, 1, "--q-max", &o->q_max);
    case 'i': o->id = arg; return 0;
    case 'r': o->report = arg; return 0;
    case 'a': o->append = arg; return 0;
    case OPT_SOURCES: o->sources = arg; return 0;
    case 'f': o->format = arg; return 0;
    case OPT_NPY: o->npy = 1; return 0;
    default: return WK_EUSAGE;
    }
}

static int usage(const char *problem)
{
    wk_cli_usage_error("%s", problem);
    return WK_EUSAGE;
}

static int parse_command(const char *word, enum command *cmd)
{
    static const char *const names[] = {"import", "consensus", "export"};
    for (int i = 0; i < 3; i++)
        if (strcmp(word, names[i]) == 0) {
            *cmd = (enum command)i;
            return 0;
        }
    wk_cli_usage_error("unknown command '%s' (import, consensus or export)", word);
    return WK_EUSAGE;
}

static int known_format(const char *f)
{
    static const char *const formats[] = {"edges", "chem", "gap", "chem_count", "gap_count",
                                          "chem_spread", "gap_spread"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(f, formats[i]) == 0) return 1;
    return 0;
}

/* Options that belong to another command are usage errors. */
static int check_usage(enum command cmd, const struct opts *o, const struct wk_cli *cli)
{
    int is_import = cmd == CMD_IMPORT, is_export = cmd == CMD_EXPORT;
    if (!is_import && (o->source || o->gap || o->qvalues || o->q_max_given || o->report))
        return usage("--source, --gap, --qvalues, --q-max and --report belong to 'import'");
    if (cmd != CMD_CONSENSUS && o->sources) return usage("--sources belongs to 'consensus'");
    if (!is_export && (o->format || o->npy)) return usage("--format and --npy belong to 'export'");
    if (is_export && o->append) return usage("--append belongs to 'import' and 'consensus'");
    if (is_import && !o->source) return usage("import needs --source ID");
    if (cmd == CMD_CONSENSUS && !o->id) return usage("consensus needs --id NAME");
    if (o->append && cli->output) return usage("give -o or --append, not both");
    if (o->id && !wk_connectome_id_valid(o->id)) return usage("invalid --id (empty, or holds '/')");
    if (is_export && o->format && !known_format(o->format))
        return usage("invalid --format (edges, chem, gap, chem_count, gap_count, chem_spread or gap_spread)");
    if (is_export && o->npy && (!o->format || strcmp(o->format, "edges") == 0))
        return usage("--npy writes a matrix: give --format chem, gap, ...");
    return 0;
}

/* Operands after the command; none means stdin unless it is a terminal. */
static int operands(const struct wk_cli *cli, char ***files, size_t *n, size_t max)
{
    static char dash[] = "-";
    static char *stdin_only[] = {dash};
    *files = cli->files + 1;
    *n = (size_t)cli->n_files - 1;
    if (*n > max) return usage("too many files");
    if (*n > 0) return 0;
    if (isatty(STDIN_FILENO)) return usage("no input (give a file, or '-' for stdin)");
    *files = stdin_only;
    *n = 1;
    return 0;
}

/* The output wormkit file: -o FILE, --append FILE, or stdout. */
static int open_output(struct wk_file **f, const struct wk_cli *cli, const struct opts *o)
{
    if (o->append) return wk_file_update(f, o->append);
    return wk_file_create(f, cli->output ? cli->output : "-");
}

static int write_report(struct wk_export_output **out, const char *path,
                        const struct wk_connectome_dropped *d)
{
    *out = NULL;
    if (!path) return 0;
    int rc = wk_export_output_open(out, path, 0);
    if (rc < 0) return rc;
    if ((rc = wk_connectome_dropped_write(wk_export_output_fp(*out), path, d)) < 0) {
        wk_export_output_abort(*out);
        *out = NULL;
    }
    return rc;
}

static int run_import(const struct wk_cli *cli, const struct opts *o)
{
    char **files;
    size_t n;
    int rc = operands(cli, &files, &n, 2);
    if (rc < 0) return rc;
    if (n > 1 && (o->gap || o->qvalues))
        return usage("give the second file as an operand or an option, not both");
    if (o->gap && o->qvalues) return usage("--gap is for cook2019, --qvalues for randi2023");
    struct wk_connectome_import_options io;
    wk_connectome_import_options_init(&io);
    io.source = o->source;
    io.file = files[0];
    io.second = n > 1 ? files[1] : o->gap ? o->gap : o->qvalues;
    if (o->q_max_given) io.q_max = o->q_max;
    io.id = o->id;

    struct wk_connectome *c;
    struct wk_connectome_dropped *d;
    if ((rc = wk_connectome_import(&c, &d, &io)) < 0) return rc;
    wk_log(WK_LOG_INFO, "'%s': %ld label(s) outside the atlas dropped", c->source_file, c->dropped_labels);
    struct wk_export_output *report;
    struct wk_file *f = NULL;
    rc = write_report(&report, o->report, d);
    if (rc >= 0) rc = open_output(&f, cli, o);
    if (rc >= 0) rc = wk_connectome_write(f, c);
    if (rc >= 0) {
        rc = wk_file_commit(f); /* frees f, also on failure */
        f = NULL;
    }
    if (rc >= 0 && report) {
        rc = wk_export_output_commit(report);
        report = NULL;
    }
    wk_file_abort(f);
    wk_export_output_abort(report);
    wk_connectome_free(c);
    wk_connectome_dropped_free(d);
    return rc;
}

/* Split "a,b,c" in place into ids (empty items refused). */
static int split_ids(char *list, char ***ids, size_t *n)
{
    size_t count = 1;
    for (const char *p = list; *p; p++) count += *p == ',';
    *ids = calloc(count, sizeof **ids);
    if (!*ids) return wk_fail(WK_ENOMEM, "out of memory");
    *n = 0;
    for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) (*ids)[(*n)++] = item;
    if (*n != count) {
        free(*ids);
        *ids = NULL;
        return usage("invalid --sources (empty id)");
    }
    return 0;
}

static int run_consensus(const struct wk_cli *cli, const struct opts *o)
{
    char **files, **ids = NULL, *list = NULL;
    size_t n, n_ids = 0;
    int rc = operands(cli, &files, &n, (size_t)cli->n_files);
    if (rc >= 0 && o->sources) {
        if (!(list = wk_strdup(o->sources))) return wk_fail(WK_ENOMEM, "out of memory");
        rc = split_ids(list, &ids, &n_ids);
    }
    struct wk_file *f = NULL;
    struct wk_connectome **in = NULL, *c = NULL;
    size_t n_in = 0;
    if (rc >= 0) rc = open_output(&f, cli, o);
    if (rc >= 0) rc = wk_connectome_collect(&in, &n_in, files, n, ids, n_ids, f);
    if (rc >= 0) rc = wk_connectome_consensus(&c, (const struct wk_connectome *const *)in, n_in, o->id);
    if (rc >= 0) rc = wk_connectome_write(f, c);
    if (rc >= 0) rc = wk_file_commit(f);
    else wk_file_abort(f);
    wk_connectome_free(c);
    wk_connectome_list_free(in, n_in);
    free(ids);
    free(list);
    return rc;
}

static int run_export(const struct wk_cli *cli, const struct opts *o)
{
    char **files;
    size_t n;
    int rc = operands(cli, &files, &n, 1);
    if (rc < 0) return rc;
    const char *what = o->format ? o->format : "edges";
    float *probe = NULL;
    struct wk_connectome *c;
    if ((rc = wk_connectome_load(&c, files[0], o->id)) < 0) return rc;
    if (strcmp(what, "edges") != 0) { /* check the name before creating the output */
        probe = malloc(sizeof *probe * WK_CONNECTOME_N * WK_CONNECTOME_N);
        rc = probe ? wk_connectome_matrix(probe, c, what) : wk_fail(WK_ENOMEM, "out of memory");
        free(probe);
    }
    struct wk_export_output *out = NULL;
    if (rc >= 0) rc = wk_export_output_open(&out, cli->output, o->npy);
    if (rc >= 0) {
        FILE *fp = wk_export_output_fp(out);
        const char *name = wk_export_output_name(out);
        if (strcmp(what, "edges") == 0) rc = wk_connectome_write_edges(fp, name, c);
        else if (o->npy) rc = wk_connectome_write_npy(fp, name, c, what);
        else rc = wk_connectome_write_dense(fp, name, c, what);
        if (rc >= 0) rc = wk_export_output_commit(out);
        else wk_export_output_abort(out);
    }
    wk_connectome_free(c);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"source", required_argument, 0, OPT_SOURCE},
        {"gap", required_argument, 0, OPT_GAP},
        {"qvalues", required_argument, 0, OPT_QVALUES},
        {"q-max", required_argument, 0, OPT_Q_MAX},
        {"id", required_argument, 0, 'i'},
        {"report", required_argument, 0, 'r'},
        {"append", required_argument, 0, 'a'},
        {"sources", required_argument, 0, OPT_SOURCES},
        {"format", required_argument, 0, 'f'},
        {"npy", no_argument, 0, OPT_NPY},
        {0, 0, 0, 0},
    };
    struct wk_cli cli;
    struct opts o;
    memset(&o, 0, sizeof o);
    int first = wk_cli_parse(&cli, &TOOL, argc, argv, "i:r:a:f:", longopts, handle_option, &o);
    if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);
    enum command cmd = CMD_IMPORT;
    int rc = cli.n_files == 0 ? usage("missing command (import, consensus or export)")
                              : parse_command(cli.files[0], &cmd);
    if (rc == 0) rc = check_usage(cmd, &o, &cli);
    if (rc == 0) {
        if (cmd == CMD_IMPORT) rc = run_import(&cli, &o);
        else if (cmd == CMD_CONSENSUS) rc = run_consensus(&cli, &o);
        else rc = run_export(&cli, &o);
    }
    return wk_cli_exit(rc);
}
