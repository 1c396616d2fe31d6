/* fuzz-compare.c - worm-compare's readers: the matrix readers
 * (src/compare.c: a text table, or an HDF5 file holding a square matrix
 * "/w" with names) and, for HDF5 input, the --truth readers: the probes
 * that tell which truth a file holds, then each scoring of a result
 * against a truth, with the input as both.  The seeds corpus/compare/
 * truth-MODEL.h5 hold a small simulation and the model's result in one
 * file: worm-simulate bicluster -c 2x3 -T 40 (worm-bicluster -n 40, then
 * summarize), glm -w 2 -T 60 -n 4 -k 2 (worm-glm -k 2 -e 3), sbm -n 12 -k 2
 * (worm-sbm on its matrix), the result's /results/MODEL group added to the
 * simulation's file by h5copy. */
#include "fuzz.h"

#include "wormkit/wk_bicluster.h"
#include "wormkit/wk_compare.h"
#include "wormkit/wk_glm.h"
#include "wormkit/wk_sbm.h"

static void truth_readers(const char *path)
{
    struct wk_compare_result r;
    int rc;
    wk_sbm_partition_spec(path);
    wk_bicluster_truth_spec(path);
    wk_glm_truth_spec(path);
    wk_compare_result_init(&r);
    fuzz_begin();
    rc = wk_compare_bicluster(&r, path, path);
    fuzz_end(rc, "wk_compare_bicluster");
    wk_compare_result_init(&r);
    fuzz_begin();
    rc = wk_glm_compare(&r, path, path);
    fuzz_end(rc, "wk_glm_compare");
    wk_compare_result_init(&r);
    fuzz_begin();
    rc = wk_sbm_compare_partitions(&r, path, path);
    fuzz_end(rc, "wk_sbm_compare_partitions");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t hdf5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    int is_hdf5 = size >= 8 && memcmp(data, hdf5_signature, 8) == 0;
    const char *path = fuzz_file(data, size, "compare", is_hdf5 ? ".h5" : ".tsv");
    struct wk_compare_matrix *m = NULL;
    fuzz_begin();
    int rc = is_hdf5 ? wk_compare_matrix_read_h5(&m, path, "/w") : wk_compare_matrix_read_text(&m, path);
    fuzz_end(rc, "wk_compare_matrix_read");
    if (rc >= 0) {
        if (!m || !m->names || !m->w) abort();
        wk_compare_matrix_transpose(m);
    }
    wk_compare_matrix_free(m);
    if (is_hdf5) truth_readers(path);
    fuzz_check_hdf5_ids("matrix and truth readers");
    return 0;
}
