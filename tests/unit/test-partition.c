/* Partition metrics and the assignment against hand-computed values. */
#include <stdlib.h>

#include "wormkit/wk_error.h"
#include "wormkit/wk_partition.h"
#include "wk_test.h"

static void test_ari(void)
{
    int a[] = {0, 0, 0, 1, 1, 1}, b[] = {5, 5, 5, 9, 9, 9}, c[] = {0, 0, 1, 1, 2, 2};
    int one[] = {3, 3, 3, 3, 3, 3};

    near(wk_partition_ari(a, b, 6), 1.0, 1e-15, "ari: same partition under other labels");
    /* contingency a x c: [[2,1,0],[0,1,2]]: sum_ij=2, sum_a=6, sum_b=3, total=15,
     * expected=6*3/15=1.2, max=4.5: (2-1.2)/(4.5-1.2) = 0.8/3.3 */
    near(wk_partition_ari(a, c, 6), 0.8 / 3.3, 1e-15, "ari: hand-computed value");
    near(wk_partition_ari(one, one, 6), 1.0, 0, "ari: both one block");
    /* one block vs a: sum_ij=6, sum_a(one)=15, sum_b=6, expected=6, max=10.5: 0 */
    near(wk_partition_ari(one, a, 6), 0.0, 1e-15, "ari: one block vs two blocks is 0");
    ok(isnan(wk_partition_ari(a, b, 1)), "ari: NaN for a single item");
}

static void test_nmi(void)
{
    int a[] = {0, 0, 1, 1}, b[] = {1, 1, 0, 0}, c[] = {0, 1, 0, 1}, d[] = {0, 0, 1, 2};
    int one[] = {7, 7, 7, 7};

    near(wk_partition_nmi(a, b, 4), 1.0, 1e-15, "nmi: relabelled copy is 1");
    near(wk_partition_nmi(a, c, 4), 0.0, 1e-15, "nmi: independent halves are 0");
    /* I(a;d) = H(a) = log 2; H(d) = 1.5 log 2: 1/sqrt(1.5) */
    near(wk_partition_nmi(a, d, 4), 1.0 / sqrt(1.5), 1e-15, "nmi: refinement, hand-computed");
    near(wk_partition_nmi(one, one, 4), 1.0, 0, "nmi: both one block");
    near(wk_partition_nmi(one, a, 4), 0.0, 0, "nmi: one block vs two");
}

static void test_hungarian(void)
{
    /* Optimum 1 + 2 + 2 = 5 (rows 0,1,2 -> columns 1,0,2) found by
     * enumerating the 6 permutations by hand. */
    double cost[] = {4, 1, 3,
                     2, 0, 5,
                     3, 2, 2};
    int as[3] = {-1, -1, -1};
    double rect[] = {9, 1, 9, 9,
                     9, 9, 9, 2};
    int ar[2];

    ok(wk_hungarian(as, cost, 3, 3) == 0, "hungarian: square runs");
    ok(as[0] == 1 && as[1] == 0 && as[2] == 2, "hungarian: optimal assignment");
    ok(wk_hungarian(ar, rect, 2, 4) == 0 && ar[0] == 1 && ar[1] == 3, "hungarian: rectangular");
    ok(wk_hungarian(ar, rect, 4, 2) == WK_EINVAL, "hungarian: more rows than columns refused");
}

static void test_match(void)
{
    int truth[] = {0, 0, 0, 1, 1, 2, 2, 2};
    int est[] = {2, 2, 1, 0, 0, 1, 1, 1};
    int map[3];

    /* est 2->0 (2 hits), 0->1 (2 hits), 1->2 (3 hits): 7 of 8 */
    near(wk_partition_match(map, truth, est, 8, 3), 7.0 / 8, 1e-15, "match: accuracy after relabelling");
    ok(map[2] == 0 && map[0] == 1 && map[1] == 2, "match: the label map");
}

static void test_purity(void)
{
    /* true block 1 split over est labels 1 and 2: one-to-one matching counts
     * one half wrong (and est 3, a second label of block 0), purity none */
    int truth[] = {0, 0, 0, 1, 1, 1, 1, 0};
    int est[] = {0, 0, 3, 1, 1, 2, 2, 0};
    int map[4];
    near(wk_partition_match(map, truth, est, 8, 4), 5.0 / 8, 1e-15, "purity case: one-to-one counts the split");
    near(wk_partition_purity(truth, est, 8, 4), 1.0, 1e-15, "purity: a split block is not wrong");
    int mixed[] = {0, 0, 0, 0, 1, 1, 0, 0};
    near(wk_partition_purity(truth, mixed, 8, 2), 6.0 / 8, 1e-15, "purity: each label votes for its majority");
    int bad[] = {0, 5};
    ok(isnan(wk_partition_purity(truth, bad, 2, 2)), "purity: a label outside 0..k-1 gives NaN");
}

int main(void)
{
    test_ari();
    test_nmi();
    test_hungarian();
    test_match();
    test_purity();
    return wk_test_done();
}
