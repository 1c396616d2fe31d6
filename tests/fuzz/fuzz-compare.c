/* fuzz-compare.c - worm-compare's matrix readers (src/compare.c): a text
 * table, or an HDF5 file holding a square matrix "/w" (with names). */
#include "fuzz.h"

#include "wormkit/wk_compare.h"

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
    fuzz_check_hdf5_ids("matrix readers");
    return 0;
}
