/* fuzz-h5matrix.c - the plain HDF5 matrix reader (src/import/h5matrix.c)
 * in each orientation. */
#include "fuzz.h"

#include "wormkit/wk_import.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static int sink(struct wk_import_table *t, void *ctx)
{
    (void)ctx;
    wk_import_table_free(t);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "h5matrix", ".h5");
    static const enum wk_import_orientation orientations[] = {
        WK_IMPORT_AUTO_ORIENTATION, WK_IMPORT_NEURONS_BY_TIME};
    for (size_t i = 0; i < sizeof orientations / sizeof orientations[0]; i++) {
        struct wk_import_options o;
        wk_import_options_init(&o);
        o.orientation = orientations[i];
        fuzz_begin();
        int rc = wk_import_read_h5matrix(path, &o, sink, NULL);
        fuzz_end(rc, "wk_import_read_h5matrix");
        if (rc < 0 && i == 0) break; /* not an HDF5 matrix file at all */
    }
    fuzz_check_hdf5_ids("h5matrix reader");
    return 0;
}
