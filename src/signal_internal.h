/* signal_internal.h - the worker threads of the matrix functions of
 * wk_signal.h (never installed). */
#ifndef WK_SIGNAL_INTERNAL_H
#define WK_SIGNAL_INTERNAL_H

#include <stddef.h>

/* Worker k of n handles blocks k, k + n, k + 2n, ... with scratch of its
 * own; 0 or a negative WK_E* code. */
typedef int (*wk_signal_work_fn)(void *ctx, size_t k, size_t n);

/* Runs work on as many threads as OpenMP would use (-@), at most one per
 * block, and one when samples < WK_SIGNAL_PARALLEL_MIN; worker 0 runs on
 * this thread.  Threads are started and joined here (OpenMP's pool would
 * spin between the steps, taking the cores from the chunk compressors);
 * a worker that cannot be started runs on this thread.  Returns the
 * lowest result. */
int wk_signal_run_workers(wk_signal_work_fn work, void *ctx, size_t blocks, double samples);

#endif
