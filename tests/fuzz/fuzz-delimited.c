/* fuzz-delimited.c - the CSV/TSV reader (src/import/delimited.c) with the
 * option sets worm-import uses: comma with a header, tab with a header and
 * a named time column, blank-separated without header or time. */
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

static void read_with(const uint8_t *data, size_t size, const struct wk_delim_options *o)
{
    /* fmemopen cannot open an empty buffer in every libc: use a file. */
    const char *path = fuzz_file(data, size, "delim", ".csv");
    FILE *fp = fopen(path, "rb");
    if (!fp) abort();
    struct wk_import_table *t = NULL;
    fuzz_begin();
    int rc = wk_delim_read(&t, fp, "fuzz.csv", o);
    fuzz_end(rc, "wk_delim_read");
    if (rc >= 0 && (!t || (t->T > 0 && !t->time))) abort();
    wk_import_table_free(t);
    fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wk_delim_options o = {',', 1, NULL, 0, 0.0};
    read_with(data, size, &o);
    o = (struct wk_delim_options){'\t', 1, "time", 0, 0.0};
    read_with(data, size, &o);
    o = (struct wk_delim_options){WK_DELIM_BLANKS, 0, NULL, 1, 0.25};
    read_with(data, size, &o);
    return 0;
}
