/* wk_partition.h - comparing partitions and matching labels: adjusted Rand
 * index, normalized mutual information, and the Hungarian assignment.
 * Labels are non-negative ints (any values; not necessarily 0..K-1). */
#ifndef WK_PARTITION_H
#define WK_PARTITION_H

#include <stddef.h>

/* Adjusted Rand index (Hubert & Arabie 1985) of two labelings of n items.
 * 1 for identical partitions (also when both are a single block), ~0 for
 * independent ones.  NaN when n < 2. */
double wk_partition_ari(const int *a, const int *b, size_t n);

/* Normalized mutual information I(a;b) / sqrt(H(a) H(b)) (natural logs).
 * 1 when both partitions are a single block; 0 when exactly one is. */
double wk_partition_nmi(const int *a, const int *b, size_t n);

/* Minimum-cost assignment on an n_rows x n_cols cost matrix (row-major,
 * finite costs), n_rows <= n_cols: assignment[i] = column of row i, every
 * column used at most once.  O(n^3) (Jonker-Volgenant style shortest
 * augmenting paths).  Returns 0, WK_EINVAL or WK_ENOMEM. */
int wk_hungarian(int *assignment, const double *cost, size_t n_rows, size_t n_cols);

/* Relabel `est` (values 0..k-1) to best agree with `truth` (values 0..k-1):
 * the permutation maximizing the number of equal items; writes map[e] = t.
 * Returns the fraction of items equal after relabelling (accuracy), or NaN
 * on failure.  k is the larger of the two label counts. */
double wk_partition_match(int *map, const int *truth, const int *est, size_t n, size_t k);

/* Purity: each label of `est` (values 0..k-1) mapped to the `truth` label
 * (values 0..k-1) most of its items have, several est labels possibly to
 * the same truth label; the fraction of items equal after that mapping.
 * Unlike wk_partition_match it does not count an estimate that splits a
 * true block into several labels as wrong.  NaN on failure. */
double wk_partition_purity(const int *truth, const int *est, size_t n, size_t k);

#endif
