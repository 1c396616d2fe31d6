/* fuzz-import.c - the dataset readers of the worm-import registry other
 * than csv/tsv/h5 (which have their own targets).  The input's own
 * signature picks the readers, as a user's file would (this target skips
 * HDF5 inputs: fuzz-import-h5, this file built with FUZZ_IMPORT_HDF5,
 * reads every input as HDF5, because libhdf5 1.10 itself still crashes on
 * some damaged files and would stop the other readers' runs):
 *   HDF5 (at byte 0 or 512)  MAT v7.3 (kato2015, nichols2017, skora2018,
 *                            kaplan2020, uzel2022, mat), NWB
 *                            (nejatbakhsh2020, nwb), dag2023 (beside a
 *                            valid labels dictionary), flavell2023 (.h5)
 *   MAT v5 header            mat, yemini2021, lin2023
 *   zip ("PK")               venkatachalam2024
 *   JSON ('{' or '[')        flavell2023 (.json), and dag2023's labels
 *                            dictionary beside a valid data file
 *   anything else            leifer2023: {i}_gcamp.txt, then _labels.txt
 *                            and _t.txt after the first and second form
 *                            feed (each the same bytes when absent)
 * Each reader sees the input under the file name it expects, in a private
 * folder of links to one input file. */
#include <sys/stat.h>

#include "fuzz.h"

#include "wormkit/wk_import.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A valid dag2023 dictionary (data-samples/raw/dag2023) for HDF5 inputs. */
static const char DAG_DICT[] =
    "{\"2022-01-01-01\":[{\"3\":{\"label\":\"AVA?\",\"confidence\":4},\"1\":{\"label\":\"AVA?\","
    "\"confidence\":4},\"5\":{\"label\":\"ASHL\",\"confidence\":4},\"7\":{\"label\":\"VB02\","
    "\"confidence\":4},\"10\":{\"label\":\"\",\"confidence\":4},\"12\":{\"label\":[\"\",\"URXL\"]}},[]]}";
#define DAG_DATA_SAMPLE "data-samples/raw/dag2023/swf702_with_id/2022-01-01-01-data.h5"

enum family { HDF5, MAT5, ZIP, JSON, TEXT };

static const struct {
    enum family family;
    const char *format, *name;
} readers[] = {
    {HDF5, "kato2015", "WT_Stim.mat"},
    {HDF5, "nichols2017", "n2_let.mat"},
    {HDF5, "skora2018", "WT_fasted.mat"},
    {HDF5, "kaplan2020", "Neuron2019_Data_RIShisCl.mat"},
    {HDF5, "uzel2022", "Uzel_WT.mat"},
    {HDF5, "mat", "any.mat"},
    {HDF5, "nejatbakhsh2020", "sub-1_ses-1_ophys.nwb"},
    {HDF5, "nwb", "any.nwb"},
    {HDF5, "dag2023", "h5/2022-01-01-01-data.h5"},
    {HDF5, "flavell2023", "2022-03-02-01.h5"},
    {MAT5, "mat", "any.mat"},
    {MAT5, "yemini2021", "Head_Activity_OH1.mat"},
    {MAT5, "lin2023", "worm01.mat"},
    {ZIP, "venkatachalam2024", "worm_a.zip"},
    {JSON, "flavell2023", "2022-03-01-01.json"},
    {JSON, "dag2023", "json/2022-01-01-01-data.h5"},
    {TEXT, "leifer2023", "0_gcamp.txt"},
};

static char work_dir[200];
static unsigned char *dag_sample;
static size_t dag_sample_size;

static void in_dir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", work_dir, name);
}

static void write_file(const char *name, const void *data, size_t size)
{
    char path[400];
    in_dir(path, sizeof path, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) {
        perror(path);
        abort();
    }
}

static void link_to(const char *name, const char *target)
{
    char path[400];
    in_dir(path, sizeof path, name);
    unlink(path);
    if (symlink(target, path) != 0) {
        perror(path);
        abort();
    }
}

static void remove_dir(void)
{
    static const char *const names[] = {
        "WT_Stim.mat", "n2_let.mat", "WT_fasted.mat", "Neuron2019_Data_RIShisCl.mat",
        "Uzel_WT.mat", "any.mat", "sub-1_ses-1_ophys.nwb", "any.nwb",
        "h5/2022-01-01-01-data.h5", "h5/NeuroPAL_labels_dict.json", "2022-03-02-01.h5",
        "Head_Activity_OH1.mat", "worm01.mat", "worm_a.zip", "2022-03-01-01.json",
        "json/2022-01-01-01-data.h5", "json/NeuroPAL_labels_dict.json", "0_gcamp.txt",
        "0_labels.txt", "0_t.txt", "input", "h5", "json"};
    char path[400];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        in_dir(path, sizeof path, names[i]);
        if (unlink(path) != 0) rmdir(path);
    }
    rmdir(work_dir);
}

static void load_dag_sample(void)
{
    FILE *fp = fopen(DAG_DATA_SAMPLE, "rb");
    if (!fp) return;
    dag_sample = malloc(1 << 20);
    if (dag_sample) dag_sample_size = fread(dag_sample, 1, 1 << 20, fp);
    fclose(fp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    const char *tmp = getenv("WK_FUZZ_TMPDIR");
    if (!tmp) tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(work_dir, sizeof work_dir, "%s/wk-fuzz-%ld-import", tmp, (long)getpid());
    char sub[400];
    if (mkdir(work_dir, 0700) != 0) {
        perror(work_dir);
        abort();
    }
    atexit(remove_dir);
    in_dir(sub, sizeof sub, "h5");
    mkdir(sub, 0700);
    in_dir(sub, sizeof sub, "json");
    mkdir(sub, 0700);
    write_file("h5/NeuroPAL_labels_dict.json", DAG_DICT, sizeof DAG_DICT - 1);
    load_dag_sample();
    if (dag_sample) write_file("json/2022-01-01-01-data.h5", dag_sample, dag_sample_size);
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        if (readers[i].family == JSON && strcmp(readers[i].format, "dag2023") == 0) continue;
        link_to(readers[i].name, strchr(readers[i].name, '/') ? "../input" : "input");
    }
    return 0;
}

#ifndef FUZZ_IMPORT_HDF5
static int starts_with(const uint8_t *data, size_t size, size_t at, const char *sig, size_t n)
{
    return size >= at + n && memcmp(data + at, sig, n) == 0;
}

static enum family family_of(const uint8_t *data, size_t size)
{
    static const char hdf5[] = "\x89HDF\r\n\x1a\n";
    if (starts_with(data, size, 0, hdf5, 8) || starts_with(data, size, 512, hdf5, 8)) return HDF5;
    if (starts_with(data, size, 0, "MATLAB 5.0", 10) || starts_with(data, size, 126, "IM", 2) ||
        starts_with(data, size, 126, "MI", 2))
        return MAT5;
    if (starts_with(data, size, 0, "PK", 2)) return ZIP;
    size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r')) i++;
    if (i < size && (data[i] == '{' || data[i] == '[')) return JSON;
    return TEXT;
}
#endif

static int sink(struct wk_import_table *t, void *ctx)
{
    (void)ctx;
    wk_import_table_free(t);
    return 0;
}

/* Leifer's three files: the parts between form feeds. */
static void write_text_parts(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"input", "0_labels.txt", "0_t.txt"};
    const uint8_t *part = data;
    size_t left = size;
    for (int k = 0; k < 3; k++) {
        const uint8_t *ff = memchr(part, '\f', left);
        size_t n = ff ? (size_t)(ff - part) : left;
        write_file(names[k], part, n);
        if (ff) {
            part = ff + 1;
            left -= n + 1;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef FUZZ_IMPORT_HDF5
    enum family family = HDF5;
#else
    enum family family = family_of(data, size);
    if (family == HDF5) return 0;
#endif
    if (family == TEXT) {
        write_text_parts(data, size);
    } else {
        write_file("input", data, size);
        if (family == JSON) write_file("json/NeuroPAL_labels_dict.json", data, size);
    }
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        if (readers[i].family != family) continue;
        if (family == JSON && strcmp(readers[i].format, "dag2023") == 0 && !dag_sample) continue;
        char path[400];
        in_dir(path, sizeof path, readers[i].name);
        struct wk_import_options o;
        wk_import_options_init(&o);
        o.format = readers[i].format;
        fuzz_begin();
        int rc = wk_import_read(path, &o, sink, NULL);
        fuzz_end(rc, readers[i].format);
    }
    fuzz_check_hdf5_ids("import readers");
    return 0;
}
