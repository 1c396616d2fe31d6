/* fuzz-h5layout.c - the wormkit HDF5 layout reader (src/file.c,
 * src/recording.c, src/h5util.c, src/connectome.c): open a file image,
 * read its history, every recording and every connectome. */
#include "fuzz.h"

#include "wormkit/wk_connectome.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_recording.h"
#include "wormkit/wk_util.h"

#define MAX_OBJECTS 8

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static void read_recordings(const struct wk_file *f)
{
    char **ids = NULL;
    size_t n = 0;
    fuzz_begin();
    int rc = wk_file_recording_ids(f, &ids, &n);
    fuzz_end(rc, "wk_file_recording_ids");
    if (rc < 0) return;
    for (size_t i = 0; i < n && i < MAX_OBJECTS; i++) {
        struct wk_recording *rec = NULL;
        fuzz_begin();
        rc = wk_recording_read(f, ids[i], &rec);
        fuzz_end(rc, "wk_recording_read");
        if (rc >= 0) {
            fuzz_begin();
            rc = wk_recording_validate(rec, wk_file_name(f));
            fuzz_end(rc, "wk_recording_validate");
        }
        wk_recording_free(rec);
    }
    wk_strv_free(ids, n);
}

static void read_connectomes(const struct wk_file *f)
{
    char **ids = NULL;
    size_t n = 0;
    fuzz_begin();
    int rc = wk_connectome_ids(f, &ids, &n);
    fuzz_end(rc, "wk_connectome_ids");
    if (rc < 0) return;
    for (size_t i = 0; i < n && i < MAX_OBJECTS; i++) {
        struct wk_connectome *c = NULL;
        fuzz_begin();
        rc = wk_connectome_read(f, ids[i], &c);
        fuzz_end(rc, "wk_connectome_read");
        wk_connectome_free(c);
    }
    wk_strv_free(ids, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, "layout", ".h5");
    struct wk_file *f = NULL;
    fuzz_begin();
    int rc = wk_file_open(&f, path);
    fuzz_end(rc, "wk_file_open");
    if (rc < 0) {
        fuzz_check_hdf5_ids("wk_file_open");
        return 0;
    }
    char **lines = NULL;
    size_t n = 0;
    fuzz_begin();
    rc = wk_file_history(f, &lines, &n);
    fuzz_end(rc, "wk_file_history");
    if (rc >= 0) wk_strv_free(lines, n);
    read_recordings(f);
    read_connectomes(f);
    wk_file_close(f);
    fuzz_check_hdf5_ids("layout reader");
    return 0;
}
