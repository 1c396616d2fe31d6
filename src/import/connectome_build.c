/* connectome_build.c - the processing rules applied while records arrive:
 * atlas labels only (others counted), zero/NaN weights dropped, first
 * chemical weight of a directed pair kept, gap junctions averaged over the
 * listings of the unordered pair. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import/connectome_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_util.h"

#define N WK_CONNECTOME_N

int wk_conn_builder_init(struct wk_conn_builder *b)
{
    memset(b, 0, sizeof *b);
    b->c = wk_connectome_alloc();
    b->chem_seen = wk_calloc((size_t)N * N, sizeof *b->chem_seen);
    b->gap_sum = wk_calloc((size_t)N * N, sizeof *b->gap_sum);
    b->gap_n = wk_calloc((size_t)N * N, sizeof *b->gap_n);
    b->dropped = calloc(1, sizeof *b->dropped);
    if (!b->c || !b->chem_seen || !b->gap_sum || !b->gap_n || !b->dropped) {
        wk_conn_builder_clear(b);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    return 0;
}

void wk_conn_builder_clear(struct wk_conn_builder *b)
{
    wk_connectome_free(b->c);
    free(b->chem_seen);
    free(b->gap_sum);
    free(b->gap_n);
    wk_connectome_dropped_free(b->dropped);
    memset(b, 0, sizeof *b);
}

static int add_dropped(struct wk_connectome_dropped *d, const char *label, long records)
{
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->label[i], label) == 0) {
            d->records[i] += records;
            return 0;
        }
    }
    char **labels = wk_realloc_array(d->label, d->n + 1, sizeof *labels);
    if (!labels) return WK_ENOMEM;
    d->label = labels;
    long *records_v = wk_realloc_array(d->records, d->n + 1, sizeof *records_v);
    if (!records_v) return WK_ENOMEM;
    d->records = records_v;
    if (!(d->label[d->n] = wk_strdup(label))) return WK_ENOMEM;
    d->records[d->n++] = records;
    return 0;
}

int wk_conn_builder_label(struct wk_conn_builder *b, const char *label, long records, int *index)
{
    *index = wk_atlas_index(label);
    if (*index >= 0) return 0;
    if (add_dropped(b->dropped, label, records) < 0) return wk_fail(WK_ENOMEM, "out of memory");
    return 0;
}

void wk_conn_builder_add(struct wk_conn_builder *b, enum wk_conn_kind kind, int pre, int post,
                         double weight)
{
    if (isnan(weight) || weight == 0) return;
    if (kind == WK_CONN_CHEM) {
        size_t at = (size_t)pre * N + (size_t)post;
        if (b->chem_seen[at]) return;
        b->chem_seen[at] = 1;
        b->c->chem[at] = (float)weight;
        return;
    }
    int lo = pre < post ? pre : post, hi = pre < post ? post : pre;
    size_t at = (size_t)lo * N + (size_t)hi;
    b->gap_sum[at] += weight;
    b->gap_n[at]++;
}

static int compare_labels(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort the dropped labels, carrying their counts along. */
static int sort_dropped(struct wk_connectome_dropped *d)
{
    if (d->n < 2) return 0;
    char **sorted = wk_malloc_array(d->n, sizeof *sorted);
    long *records = wk_malloc_array(d->n, sizeof *records);
    if (!sorted || !records) {
        free(sorted);
        free(records);
        return WK_ENOMEM;
    }
    memcpy(sorted, d->label, d->n * sizeof *sorted);
    qsort(sorted, d->n, sizeof *sorted, compare_labels);
    for (size_t i = 0; i < d->n; i++)
        for (size_t j = 0; j < d->n; j++)
            if (d->label[j] == sorted[i]) records[i] = d->records[j];
    free(d->label);
    free(d->records);
    d->label = sorted;
    d->records = records;
    return 0;
}

int wk_conn_builder_finish(struct wk_conn_builder *b, struct wk_connectome **c,
                           struct wk_connectome_dropped **dropped)
{
    for (size_t i = 0; i < N; i++) {
        for (size_t j = i; j < N; j++) {
            size_t at = i * N + j;
            if (b->gap_n[at] == 0) continue;
            float mean = (float)(b->gap_sum[at] / b->gap_n[at]);
            b->c->gap[at] = mean;
            b->c->gap[j * N + i] = mean;
        }
    }
    if (sort_dropped(b->dropped) < 0) return wk_fail(WK_ENOMEM, "out of memory");
    b->c->dropped_labels = (long)b->dropped->n;
    *c = b->c;
    b->c = NULL;
    if (dropped) {
        *dropped = b->dropped;
        b->dropped = NULL;
    }
    return 0;
}
