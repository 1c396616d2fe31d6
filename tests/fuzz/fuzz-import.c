/* fuzz-import.c - the dataset readers of the worm-import registry other
 * than csv/tsv/h5 (which have their own targets): MAT (v5 and v7.3), NWB,
 * JSON, zip and text readers.  The input is written under the file name
 * each reader expects and read as every such format. */
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

/* File name suffix a format's reader recognizes. */
static const char *suffix_for(const char *format)
{
    static const struct {
        const char *format, *suffix;
    } names[] = {
        {"kato2015", "-WT_Stim.mat"},    {"nichols2017", "-n2_let.mat"},
        {"skora2018", "-WT_fasted.mat"}, {"kaplan2020", "-Neuron2019_Data_RIShisCl.mat"},
        {"uzel2022", "-Uzel_WT.mat"},    {"nejatbakhsh2020", "-ophys.nwb"},
        {"nwb", ".nwb"},                 {"mat", ".mat"},
        {"yemini2021", "-Head_Activity_OH1.mat"}, {"lin2023", "-worm01.mat"},
        {"dag2023", "-data.h5"},         {"leifer2023", "-0_gcamp.txt"},
        {"flavell2023", ".json"},        {"venkatachalam2024", ".zip"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].format, format) == 0) return names[i].suffix;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (const struct wk_import_format *f = wk_import_formats(); f->name; f++) {
        const char *suffix = suffix_for(f->name);
        if (!suffix) continue;
        const char *path = fuzz_file(data, size, "import", suffix);
        struct wk_import_options o;
        wk_import_options_init(&o);
        o.format = f->name;
        fuzz_begin();
        int rc = wk_import_read(path, &o, sink, NULL);
        fuzz_end(rc, f->name);
        unlink(path);
    }
    fuzz_check_hdf5_ids("import readers");
    return 0;
}
