/* glm_run_internal.h - the worm-glm run shared by glm_run.c and
 * glm_output.c (not installed). */
#ifndef WK_GLM_RUN_INTERNAL_H
#define WK_GLM_RUN_INTERNAL_H

#include "wormkit/wk_cli.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_glm.h"
#include "wormkit/wk_recording.h"

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

struct glm_fit {
    struct wk_glm_model *m;
    struct wk_glm_trace trace;
    double train_ll, test_ll;
};

int glm_input_load(struct glm_input *in, const struct wk_cli *cli, const struct wk_glm_run *r);
void glm_input_free(struct glm_input *in);
/* Sequences of the training (0), held-out (1) or all (-1) recordings. */
int glm_input_data(struct wk_glm_data **out, const struct glm_input *in, int want_test,
                   const struct wk_glm_opts *o);
void glm_fit_clear(struct glm_fit *f);
int glm_fit_all(struct glm_fit *fits, size_t *best, const struct wk_cli *cli, const struct glm_input *in,
                const struct wk_glm_run *r);
/* The output file and the summary; fills the likelihoods of fits[best]. */
int glm_write(const struct wk_cli *cli, const struct wk_glm_run *r, const struct glm_input *in,
              struct glm_fit *fits, size_t n_fits, size_t best);

#endif
