/* mpi.c - the optional MPI layer; without WK_MPI a job of one rank. */
#include "wormkit/wk_mpi.h"
#include "wormkit/wk_error.h"

#include <limits.h>
#include <string.h>

#ifdef WK_MPI
#include <mpi.h>

/* MPI counts are int: large messages go in chunks. */
#define CHUNK ((size_t)1 << 30)

static int started;

int wk_mpi_enabled(void) { return 1; }

int wk_mpi_init(int *argc, char ***argv)
{
    int already = 0;
    MPI_Initialized(&already);
    if (already) return 0;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) return wk_fail(WK_EIO, "MPI_Init failed");
    started = 1;
    return 0;
}

void wk_mpi_finalize(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (started && !done) MPI_Finalize();
    started = 0;
}

static int initialized(void)
{
    int on = 0, off = 0;
    MPI_Initialized(&on);
    MPI_Finalized(&off);
    return on && !off;
}

int wk_mpi_rank(void)
{
    int r = 0;
    if (initialized()) MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int wk_mpi_size(void)
{
    int s = 1;
    if (initialized()) MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

void wk_mpi_barrier(void)
{
    if (initialized()) MPI_Barrier(MPI_COMM_WORLD);
}

static int check(int mpi_rc, const char *what)
{
    return mpi_rc == MPI_SUCCESS ? 0 : wk_fail(WK_EIO, "MPI %s failed", what);
}

int wk_mpi_bcast(void *buf, size_t bytes, int root)
{
    if (!initialized()) return 0;
    for (size_t at = 0; at < bytes; at += CHUNK) {
        size_t n = bytes - at < CHUNK ? bytes - at : CHUNK;
        if (check(MPI_Bcast((char *)buf + at, (int)n, MPI_BYTE, root, MPI_COMM_WORLD), "broadcast")) return WK_EIO;
    }
    return 0;
}

static int allreduce(void *buf, size_t n, size_t elem, MPI_Datatype type, MPI_Op op)
{
    if (!initialized()) return 0;
    size_t step = CHUNK / elem;
    for (size_t at = 0; at < n; at += step) {
        size_t k = n - at < step ? n - at : step;
        if (check(MPI_Allreduce(MPI_IN_PLACE, (char *)buf + at * elem, (int)k, type, op, MPI_COMM_WORLD), "all-reduce"))
            return WK_EIO;
    }
    return 0;
}

int wk_mpi_allreduce_sum_i64(int64_t *buf, size_t n) { return allreduce(buf, n, sizeof *buf, MPI_INT64_T, MPI_SUM); }
int wk_mpi_allreduce_max_double(double *buf, size_t n) { return allreduce(buf, n, sizeof *buf, MPI_DOUBLE, MPI_MAX); }
int wk_mpi_allreduce_max_int(int *buf, size_t n) { return allreduce(buf, n, sizeof *buf, MPI_INT, MPI_MAX); }

int wk_mpi_agree_error(int rc)
{
    int worst = rc;
    if (initialized() && MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return rc ? rc : WK_EIO;
    return worst;
}

/* Byte counts and displacements as MPI ints, for messages under 2 GiB. */
static int int_layout(const size_t *counts, int size, int *icounts, int *displs)
{
    size_t at = 0;
    for (int r = 0; r < size; r++) {
        if (counts[r] > INT_MAX || at > INT_MAX) return wk_fail(WK_ERANGE, "MPI gather of more than 2 GiB");
        icounts[r] = (int)counts[r];
        displs[r] = (int)at;
        at += counts[r];
    }
    return 0;
}

int wk_mpi_gather_bytes(const void *send, size_t bytes, void *recv, const size_t *counts, int root)
{
    if (!initialized()) {
        if (bytes) memmove(recv, send, bytes);
        return 0;
    }
    int size = wk_mpi_size(), rank = wk_mpi_rank();
    if (bytes > INT_MAX) return wk_fail(WK_ERANGE, "MPI gather of more than 2 GiB");
    int icounts[size], displs[size];
    if (rank == root && int_layout(counts, size, icounts, displs)) return WK_ERANGE;
    return check(MPI_Gatherv(send, (int)bytes, MPI_BYTE, recv, icounts, displs, MPI_BYTE, root, MPI_COMM_WORLD),
                 "gather");
}

int wk_mpi_allgather_bytes(const void *send, size_t bytes, void *recv, const size_t *counts)
{
    if (!initialized()) {
        if (bytes) memmove(recv, send, bytes);
        return 0;
    }
    int size = wk_mpi_size();
    int icounts[size], displs[size];
    if (int_layout(counts, size, icounts, displs)) return WK_ERANGE;
    return check(MPI_Allgatherv(send, (int)bytes, MPI_BYTE, recv, icounts, displs, MPI_BYTE, MPI_COMM_WORLD),
                 "all-gather");
}

int wk_mpi_send_bytes(const void *buf, size_t bytes, int dest, int tag)
{
    for (size_t at = 0; at < bytes; at += CHUNK) {
        size_t n = bytes - at < CHUNK ? bytes - at : CHUNK;
        if (check(MPI_Send((const char *)buf + at, (int)n, MPI_BYTE, dest, tag, MPI_COMM_WORLD), "send")) return WK_EIO;
    }
    return 0;
}

int wk_mpi_recv_bytes(void *buf, size_t bytes, int source, int tag)
{
    for (size_t at = 0; at < bytes; at += CHUNK) {
        size_t n = bytes - at < CHUNK ? bytes - at : CHUNK;
        if (check(MPI_Recv((char *)buf + at, (int)n, MPI_BYTE, source, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "receive"))
            return WK_EIO;
    }
    return 0;
}

#else /* one rank */

int wk_mpi_enabled(void) { return 0; }
int wk_mpi_init(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }
void wk_mpi_finalize(void) {}
int wk_mpi_rank(void) { return 0; }
int wk_mpi_size(void) { return 1; }
void wk_mpi_barrier(void) {}
int wk_mpi_bcast(void *buf, size_t bytes, int root) { (void)buf; (void)bytes; (void)root; return 0; }
int wk_mpi_allreduce_sum_i64(int64_t *buf, size_t n) { (void)buf; (void)n; return 0; }
int wk_mpi_allreduce_max_double(double *buf, size_t n) { (void)buf; (void)n; return 0; }
int wk_mpi_allreduce_max_int(int *buf, size_t n) { (void)buf; (void)n; return 0; }
int wk_mpi_agree_error(int rc) { return rc; }

int wk_mpi_gather_bytes(const void *send, size_t bytes, void *recv, const size_t *counts, int root)
{
    (void)counts; (void)root;
    if (bytes) memmove(recv, send, bytes);
    return 0;
}

int wk_mpi_allgather_bytes(const void *send, size_t bytes, void *recv, const size_t *counts)
{
    (void)counts;
    if (bytes) memmove(recv, send, bytes);
    return 0;
}

int wk_mpi_send_bytes(const void *buf, size_t bytes, int dest, int tag)
{
    (void)buf; (void)bytes; (void)dest; (void)tag;
    return wk_fail(WK_EINVAL, "no MPI: nothing to send to");
}

int wk_mpi_recv_bytes(void *buf, size_t bytes, int source, int tag)
{
    (void)buf; (void)bytes; (void)source; (void)tag;
    return wk_fail(WK_EINVAL, "no MPI: nothing to receive from");
}

#endif

void wk_mpi_share_of(size_t n, int size, int rank, size_t *first, size_t *count)
{
    size_t s = size > 0 ? (size_t)size : 1, r = rank > 0 ? (size_t)rank : 0;
    size_t base = n / s, extra = n % s;
    *count = base + (r < extra);
    *first = r * base + (r < extra ? r : extra);
}

void wk_mpi_share(size_t n, size_t *first, size_t *count)
{
    wk_mpi_share_of(n, wk_mpi_size(), wk_mpi_rank(), first, count);
}
