/* ntf_tree.c - sums over worms that do not depend on how the worms are
 * split across MPI ranks.
 *
 * The total over worms 0 .. W-1 is defined by one binary tree: node
 * (level l, index i) covers worms i 2^l .. (i+1) 2^l - 1 and its value is
 * left child + right child; the total folds the maximal nodes of [0, W)
 * from the right.  Worms are pushed in order onto a stack that merges two
 * siblings as soon as both are there.  A rank holding worms [a, b) ends with
 * aligned nodes tiling [a, b); rank 0 pushes every other rank's nodes, in
 * rank (= worm) order, onto its own stack, which merges exactly the
 * siblings a single rank would have merged, so every node, and the total,
 * has the same bits for any number of ranks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntf_internal.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_util.h"

#define TREE_TAG 7301

int ntf_tree_init(struct ntf_tree *t, size_t n, size_t W)
{
    memset(t, 0, sizeof *t);
    size_t levels = 1;
    while (levels < 62 && ((size_t)1 << (levels - 1)) < W) levels++;
    t->cap = 2 * levels + 2; /* a range not starting at 0 stacks nodes on both sides */
    t->n_max = n;
    t->n = n;
    t->val = wk_malloc_array(t->cap * (n ? n : 1), sizeof *t->val);
    return t->val ? 0 : WK_ENOMEM;
}

void ntf_tree_free(struct ntf_tree *t)
{
    free(t->val);
    t->val = NULL;
}

void ntf_tree_reset(struct ntf_tree *t, size_t n)
{
    t->n = n <= t->n_max ? n : t->n_max;
    t->depth = 0;
}

double *ntf_tree_slot(struct ntf_tree *t)
{
    return t->val + t->depth * t->n;
}

static void add_into(double *dst, const double *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

void ntf_tree_push(struct ntf_tree *t, int level, uint64_t index)
{
    t->level[t->depth] = level;
    t->index[t->depth] = index;
    t->depth++;
    while (t->depth >= 2) {
        size_t a = t->depth - 2, b = t->depth - 1;
        if (t->level[a] != t->level[b] || t->index[a] % 2 != 0 || t->index[a] + 1 != t->index[b]) break;
        add_into(t->val + a * t->n, t->val + b * t->n, t->n);
        t->level[a]++;
        t->index[a] /= 2;
        t->depth--;
    }
}

void ntf_tree_commit(struct ntf_tree *t, size_t w)
{
    ntf_tree_push(t, 0, (uint64_t)w);
}

/* Every other rank sends its nodes to rank 0, which pushes them in order. */
static int gather_nodes(struct ntf_tree *t)
{
    int size = wk_mpi_size(), me = wk_mpi_rank(), rc = 0;
    int64_t hdr[1 + 2 * NTF_TREE_MAX];
    if (me != 0) {
        hdr[0] = (int64_t)t->depth;
        for (size_t i = 0; i < t->depth; i++) {
            hdr[1 + 2 * i] = t->level[i];
            hdr[2 + 2 * i] = (int64_t)t->index[i];
        }
        rc = wk_mpi_send_bytes(hdr, sizeof hdr, 0, TREE_TAG);
        for (size_t i = 0; i < t->depth && !rc; i++)
            rc = wk_mpi_send_bytes(t->val + i * t->n, t->n * sizeof *t->val, 0, TREE_TAG);
        return rc;
    }
    for (int r = 1; r < size && !rc; r++) {
        rc = wk_mpi_recv_bytes(hdr, sizeof hdr, r, TREE_TAG);
        for (int64_t i = 0; i < hdr[0] && !rc; i++) {
            if (t->depth >= t->cap) return wk_fail(WK_EINVAL, "ntf: sum tree overflow");
            rc = wk_mpi_recv_bytes(ntf_tree_slot(t), t->n * sizeof *t->val, r, TREE_TAG);
            if (!rc) ntf_tree_push(t, (int)hdr[1 + 2 * i], (uint64_t)hdr[2 + 2 * i]);
        }
    }
    return rc;
}

void ntf_tree_fold(struct ntf_tree *t, double *out)
{
    if (t->depth == 0) {
        memset(out, 0, t->n * sizeof *out);
    } else {
        memcpy(out, t->val + (t->depth - 1) * t->n, t->n * sizeof *out);
        for (size_t i = t->depth - 1; i-- > 0;) {
            const double *v = t->val + i * t->n;
            for (size_t j = 0; j < t->n; j++) out[j] = v[j] + out[j];
        }
    }
    t->depth = 0;
}

int ntf_tree_total(struct ntf_tree *t, double *out)
{
    int rc = wk_mpi_size() > 1 ? gather_nodes(t) : 0;
    if (wk_mpi_rank() == 0) ntf_tree_fold(t, out);
    if (wk_mpi_size() > 1) {
        rc = wk_mpi_agree_error(rc);
        if (!rc) rc = wk_mpi_bcast(out, t->n * sizeof *out, 0);
    }
    t->depth = 0;
    return rc;
}
