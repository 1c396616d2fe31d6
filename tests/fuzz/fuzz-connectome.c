/* fuzz-connectome.c - every connectome source format (src/import/
 * connectome_*.c): the input is read as each source.  Two-file formats
 * (cook2019, randi2023) take the part after the first form feed as their
 * second file, or the same bytes when there is none. */
#include "fuzz.h"

#include "wormkit/wk_connectome.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

/* One source per format is enough: sources of a format share the parser. */
static int first_of_format(const struct wk_connectome_source *all, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (all[j].format == all[k].format) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *ff = memchr(data, '\f', size);
    size_t first_len = ff ? (size_t)(ff - data) : size;
    char first[256], second[256];
    snprintf(first, sizeof first, "%s", fuzz_file(data, first_len, "con1", ".csv"));
    if (ff) snprintf(second, sizeof second, "%s", fuzz_file(ff + 1, size - first_len - 1, "con2", ".csv"));
    else snprintf(second, sizeof second, "%s", first);

    const struct wk_connectome_source *all = wk_connectome_sources();
    for (size_t k = 0; all[k].id; k++) {
        if (!first_of_format(all, k)) continue;
        struct wk_connectome_import_options o;
        wk_connectome_import_options_init(&o);
        o.source = all[k].id;
        o.file = first;
        if (wk_connectome_format_two_files(all[k].format)) o.second = second;
        struct wk_connectome *c = NULL;
        struct wk_connectome_dropped *d = NULL;
        fuzz_begin();
        int rc = wk_connectome_import(&c, &d, &o);
        fuzz_end(rc, "wk_connectome_import");
        wk_connectome_free(c);
        wk_connectome_dropped_free(d);
    }
    return 0;
}
