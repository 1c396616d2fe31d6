/* glm_run_internal.h - the worm-glm run shared by glm_run.c, glm_fit.c,
 * glm_checkpoint.c and glm_output.c (not installed). */
#ifndef WK_GLM_RUN_INTERNAL_H
#define WK_GLM_RUN_INTERNAL_H

#include "wormkit/wk_cli.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_glm.h"
#include "wormkit/wk_recording.h"

/* On MPI ranks other than 0 only n, N, T, x, test, n_test and neuron are
 * filled (received from rank 0). */
struct glm_input {
    size_t n_files;
    struct wk_file **files;      /* kept open for their history */
    size_t n;                    /* recordings, in input order */
    struct wk_recording **rec;
    float **x;                   /* [n][T][N] */
    size_t *T;
    unsigned char *test;         /* [n] 1 = held out */
    size_t n_test;
    size_t N;                    /* neurons */
    size_t *neuron;              /* [N] column of each neuron */
    char **names;                /* [N] */
};

/* Fit k of the grid: states states_min + k / restarts, restart k % restarts. */
struct glm_fit {
    size_t S, restart;
    struct wk_glm_opts o;        /* the options of this fit (its seed) */
    struct wk_glm_model *m;      /* NULL where the fit is not held */
    struct wk_glm_trace trace;
    size_t epoch;                /* epochs done */
    int converged, done;
    double train_ll, test_ll;    /* marginal log-likelihoods of the final model */
};

int glm_input_load(struct glm_input *in, const struct wk_cli *cli, const struct wk_glm_run *r);
void glm_input_free(struct glm_input *in);
/* Sequences of the training (0), held-out (1) or all (-1) recordings. */
int glm_input_data(struct wk_glm_data **out, const struct glm_input *in, int want_test,
                   const struct wk_glm_opts *o);
void glm_fit_clear(struct glm_fit *f);
/* The output file and the summary; fills the likelihoods of fits[best]. */
int glm_write(const struct wk_cli *cli, const struct wk_glm_run *r, const struct glm_input *in,
              struct glm_fit *fits, size_t n_fits, size_t best);

/* The checkpoint key of a fit's data and options (glm_fit.c). */
unsigned long glm_fit_key(size_t S, size_t N, const struct wk_glm_data *d, const struct wk_glm_opts *o);

/* ---- the run checkpoint (glm_checkpoint.c) ----
 * The state of one fit as a record of doubles (exact for the integers it
 * holds): k, S, epoch, converged, trace length n, parameter count p, then
 * the trace [n] and the parameters [p] (W, bias, var, logp0, logP, and for
 * the one-hot prior logit, rho, pilogit).  Records travel between MPI
 * ranks and make up the checkpoint file. */
enum { GLM_RECORD_HEAD = 6 };
size_t glm_state_size(size_t S, size_t N, int onehot);
size_t glm_record_size(const struct glm_fit *f);
void glm_record_pack(double *rec, size_t k, const struct glm_fit *f);
/* Fill f (its S and o set) from rec: allocates f->m and the trace. */
int glm_record_unpack(struct glm_fit *f, const double *rec, size_t N);
/* Write the records (concatenated, n_rec of them) as the checkpoint of a
 * run of n_fits fits; atomically (temp file and rename). */
int glm_checkpoint_write(const char *path, unsigned long key, size_t n_fits, const double *recs, size_t len);
/* Read the records of a checkpoint: 0 (*recs NULL and *len 0 when the file
 * does not exist) or an error naming the file.  Each record is checked
 * against the grid (fit k holds states_of[k] states, N neurons, the prior
 * of onehot, at most `epochs` epochs). */
int glm_checkpoint_read(double **recs, size_t *len, const char *path, unsigned long key, size_t n_fits,
                        const size_t *states_of, size_t N, int onehot, size_t epochs);

#endif
