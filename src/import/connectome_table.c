/* connectome_table.c - connectomes as long tables, one synapse type between
 * two neurons per row: the White/Witvliet processed files (pre, post, type,
 * synapses), Varshney's NeuronConnect (Neuron 1, Neuron 2, Type, Nbr) and
 * OpenWorm's neuron tables (Origin, Target, Type, Number of Connections). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import/connectome_internal.h"
#include "wormkit/wk_error.h"

enum { TYPE_IGNORED = -1, TYPE_UNKNOWN = -2 };

struct type_name {
    const char *name;
    int kind; /* WK_CONN_CHEM, WK_CONN_GAP or TYPE_IGNORED */
};

static const struct type_name long_types[] = {
    {"chemical", WK_CONN_CHEM}, {"electrical", WK_CONN_GAP}, {NULL, 0}};
static const struct type_name varshney_types[] = {
    {"Sp", WK_CONN_CHEM}, {"EJ", WK_CONN_GAP},   {"S", TYPE_IGNORED},
    {"R", TYPE_IGNORED},  {"Rp", TYPE_IGNORED},  {"NMJ", TYPE_IGNORED}, {NULL, 0}};
static const struct type_name openworm_types[] = {
    {"Send", WK_CONN_CHEM}, {"GapJunction", WK_CONN_GAP}, {NULL, 0}};

struct table_layout {
    const char *column[4]; /* pre, post, type, weight */
    const struct type_name *types;
    const char *expected;  /* for the unknown-type message */
};

static const struct table_layout layouts[] = {
    [WK_CONNECTOME_LONG] = {{"pre", "post", "type", "synapses"}, long_types,
                            "chemical or electrical"},
    [WK_CONNECTOME_VARSHNEY] = {{"Neuron 1", "Neuron 2", "Type", "Nbr"}, varshney_types,
                                "EJ, Sp, S, R, Rp or NMJ"},
    [WK_CONNECTOME_OPENWORM] = {{"Origin", "Target", "Type", "Number of Connections"},
                                openworm_types, "GapJunction or Send"},
};

enum { COL_PRE, COL_POST, COL_TYPE, COL_WEIGHT };

/* Type names compare case-insensitively ("sp" and "Sp" are one type). */
static int type_kind(const struct type_name *types, const char *s)
{
    for (const struct type_name *t = types; t->name; t++)
        if (strcasecmp(t->name, s) == 0) return t->kind;
    return TYPE_UNKNOWN;
}

/* Column positions from the header record (names compared ignoring case). */
static int find_columns(const struct wk_conn_text *t, const struct table_layout *L, size_t col[4])
{
    for (int k = 0; k < 4; k++) {
        size_t i;
        for (i = 0; i < t->n_fields; i++)
            if (strcasecmp(t->fields[i], L->column[k]) == 0) break;
        if (i == t->n_fields)
            return wk_fail(WK_EFORMAT, "'%s': line %ld: no column '%s'", t->name, t->line,
                           L->column[k]);
        col[k] = i;
    }
    return 0;
}

/* The non-atlas labels of one row, each counted once for the row. */
static int check_labels(struct wk_conn_builder *b, const char *pre, const char *post, int idx[2])
{
    int rc = wk_conn_builder_label(b, pre, 1, &idx[0]);
    if (rc < 0) return rc;
    if (strcmp(pre, post) == 0) {
        idx[1] = idx[0];
        return 0;
    }
    return wk_conn_builder_label(b, post, 1, &idx[1]);
}

static int read_row(struct wk_conn_builder *b, const struct wk_conn_text *t,
                    const struct table_layout *L, const size_t col[4])
{
    for (int k = 0; k < 4; k++)
        if (col[k] >= t->n_fields)
            return wk_fail(WK_EFORMAT, "'%s': line %ld: missing field '%s'", t->name, t->line,
                           L->column[k]);
    const char *pre = t->fields[col[COL_PRE]], *post = t->fields[col[COL_POST]];
    const char *type = t->fields[col[COL_TYPE]];
    int kind = type_kind(L->types, type);
    if (kind == TYPE_IGNORED) return 0;
    if (kind == TYPE_UNKNOWN)
        return wk_fail(WK_EFORMAT, "'%s': line %ld, %s: unknown synapse type '%s' (expected %s)",
                       t->name, t->line, L->column[COL_TYPE], type, L->expected);
    for (int k = COL_PRE; k <= COL_POST; k++)
        if (!t->fields[col[k]][0])
            return wk_fail(WK_EFORMAT, "'%s': line %ld, %s: empty label", t->name, t->line,
                           L->column[k]);
    double w;
    int rc = wk_conn_parse_weight(t->fields[col[COL_WEIGHT]], &w, t, L->column[COL_WEIGHT]);
    if (rc < 0) return rc;
    int idx[2];
    if ((rc = check_labels(b, pre, post, idx)) < 0) return rc;
    if (idx[0] < 0 || idx[1] < 0) return 0;
    wk_conn_builder_add(b, (enum wk_conn_kind)kind, idx[0], idx[1], w);
    return 0;
}

int wk_conn_read_table(struct wk_conn_builder *b, enum wk_connectome_format format,
                       const char *path)
{
    const struct table_layout *L = &layouts[format];
    struct wk_conn_text *t;
    int rc = wk_conn_text_open(&t, path);
    if (rc < 0) return rc;
    size_t col[4];
    rc = wk_conn_text_next(t);
    if (rc == 0) rc = wk_fail(WK_EFORMAT, "'%s': no header line", t->name);
    if (rc > 0) rc = find_columns(t, L, col);
    while (rc >= 0 && (rc = wk_conn_text_next(t)) > 0) rc = read_row(b, t, L, col);
    wk_conn_text_free(t);
    return rc < 0 ? rc : 0;
}
