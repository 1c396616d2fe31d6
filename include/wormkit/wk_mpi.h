/* wk_mpi.h - optional MPI (the `make MPI=1` build).  In the default build
 * every function works as a job of one rank, so callers never need #ifdef.
 *
 * Rules the model tools follow: every rank runs the same code; only rank 0
 * reads or writes user files unless stated; collective calls are made by
 * every rank in the same order; a failure on any rank is made known to all
 * with wk_mpi_agree_error() before anyone writes. */
#ifndef WK_MPI_H
#define WK_MPI_H

#include <stddef.h>
#include <stdint.h>

int wk_mpi_enabled(void);                 /* 1 in the MPI build, else 0 */
int wk_mpi_init(int *argc, char ***argv); /* 0, or WK_EIO if MPI_Init failed */
void wk_mpi_finalize(void);
int wk_mpi_rank(void);                    /* 0 without MPI */
int wk_mpi_size(void);                    /* 1 without MPI */

/* Contiguous share [*first, *first + *count) of n items for this rank:
 * the first n % size ranks get one item more. */
void wk_mpi_share(size_t n, size_t *first, size_t *count);
/* The same for rank `rank` of `size` ranks. */
void wk_mpi_share_of(size_t n, int size, int rank, size_t *first, size_t *count);

void wk_mpi_barrier(void);
/* Every rank gets root's bytes. */
int wk_mpi_bcast(void *buf, size_t bytes, int root);
/* Exact, order-free sums (integer addition is associative, so the result
 * is the same bytes for any number of ranks). */
int wk_mpi_allreduce_sum_i64(int64_t *buf, size_t n);
int wk_mpi_allreduce_max_double(double *buf, size_t n);
int wk_mpi_allreduce_max_int(int *buf, size_t n);
/* The most negative (worst) of the ranks' return codes, on every rank. */
int wk_mpi_agree_error(int rc);
/* Root gets each rank's `bytes` (may differ per rank) concatenated in rank
 * order into recv (root only; counts[r] = bytes of rank r, on root). */
int wk_mpi_gather_bytes(const void *send, size_t bytes, void *recv, const size_t *counts, int root);
/* Every rank gets everyone's bytes, concatenated in rank order. */
int wk_mpi_allgather_bytes(const void *send, size_t bytes, void *recv, const size_t *counts);
/* Point to point, for streaming results to rank 0. */
int wk_mpi_send_bytes(const void *buf, size_t bytes, int dest, int tag);
int wk_mpi_recv_bytes(void *buf, size_t bytes, int source, int tag);

#endif
