/* test-mpi.c - the wk_mpi layer on any number of ranks (make check runs
 * the MPI build of this test under mpirun with 1, 2 and 3 ranks, see
 * tests/t/t0003-mpi-layer.sh; the default build runs it as one rank).
 * Every rank checks; rank 0 prints the agreed result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wk_test.h"
#include "wormkit/wormkit.h"

static int rank, size;

/* 1 when the check passed on every rank. */
static int all(int pass)
{
    int failed = !pass;
    wk_mpi_allreduce_max_int(&failed, 1);
    return !failed;
}

static void check(int pass, const char *what)
{
    pass = all(pass);
    if (rank == 0) ok(pass, what);
}

static void test_share(void)
{
    size_t n = 10, first, count, total = (size_t)0, expect_first = 0;
    wk_mpi_share(n, &first, &count);
    for (int r = 0; r < rank; r++) expect_first += n / (size_t)size + ((size_t)r < n % (size_t)size);
    int64_t c = (int64_t)count;
    wk_mpi_allreduce_sum_i64(&c, 1);
    total = (size_t)c;
    check(first == expect_first && total == n, "shares are contiguous, in rank order, and cover every item");
}

static void test_reductions(void)
{
    int64_t v[2] = {rank + 1, -(int64_t)rank};
    wk_mpi_allreduce_sum_i64(v, 2);
    check(v[0] == (int64_t)size * (size + 1) / 2 && v[1] == -(int64_t)size * (size - 1) / 2, "integer sum over ranks");
    double d = rank == size - 1 ? 2.5 : -1.0;
    wk_mpi_allreduce_max_double(&d, 1);
    check(d == 2.5, "maximum over ranks");
    int rc = wk_mpi_agree_error(rank == size - 1 ? WK_EFORMAT : 0);
    check(rc == WK_EFORMAT, "an error on the last rank is known to all");
}

static void test_gather(void)
{
    size_t mine = (size_t)rank + 1, total = (size_t)size * (size + 1) / 2;
    size_t *counts = malloc((size_t)size * sizeof *counts);
    char *send = malloc(mine), *recv = malloc(total), *want = malloc(total);
    for (int r = 0, at = 0; r < size; r++) {
        counts[r] = (size_t)r + 1;
        for (int i = 0; i <= r; i++) want[at++] = (char)('a' + r);
    }
    memset(send, 'a' + rank, mine);
    memset(recv, 0, total);
    wk_mpi_allgather_bytes(send, mine, recv, counts);
    check(memcmp(recv, want, total) == 0, "all-gather concatenates in rank order");
    memset(recv, 0, total);
    wk_mpi_gather_bytes(send, mine, recv, counts, 0);
    check(rank != 0 || memcmp(recv, want, total) == 0, "gather to rank 0 concatenates in rank order");
    char word[8] = "";
    if (rank == 0) strcpy(word, "worm");
    wk_mpi_bcast(word, sizeof word, 0);
    check(strcmp(word, "worm") == 0, "broadcast from rank 0");
    free(counts), free(send), free(recv), free(want);
}

int main(int argc, char **argv)
{
    if (wk_mpi_init(&argc, &argv)) return 1;
    rank = wk_mpi_rank();
    size = wk_mpi_size();
    test_share();
    test_reductions();
    test_gather();
    int rc = rank == 0 ? wk_test_done() : 0;
    wk_mpi_finalize();
    return rc;
}
