/* gen-raw-hdf5 - small synthetic raw files in the HDF5-based formats of the
 * published datasets (MATLAB v7.3 MAT-files and NWB), for the samples in
 * data-samples/raw/ and the import tests.
 *
 *   gen-raw-hdf5 --all OUTDIR              every sample, OUTDIR/<dataset>/<file>
 *   gen-raw-hdf5 [--variant V] DATASET OUT one file of DATASET
 *
 * MAT v7.3 files are written the way MATLAB writes them: a 512-byte user
 * block with the MATLAB header text, structs as groups with MATLAB_class
 * "struct" and MATLAB_fields, cells as object-reference datasets pointing
 * into "#refs#", char arrays as uint16 with MATLAB_int_decode 2, empty
 * arrays as their dimensions with MATLAB_empty 1, and every matrix stored
 * column-major (MATLAB rows x cols is HDF5 [cols][rows]).  Times of objects
 * are not recorded, so the output is the same byte for byte on every run.
 *
 * Values: worm w (from 1), neuron i (from 1), sample k (from 0) holds
 *   ((floor(k / 4) * i + 7 * w) % 97) / 8 - 6
 * except NaN for neuron 3 of worm 1 at samples 100..104; sample k is at
 * time t0 + k * dt (per dataset; nejatbakhsh2020 has no time: 4 Hz).
 *
 * Variants (for the error tests): missing-field (no traces), wrong-shape
 * (worm 2's traces lack a neuron), bad-time (worm 1: time[5] == time[4]),
 * alt-names (kato2015's NeuronNames/deltaFOverF_bc/tv), transposed
 * (traces stored neurons x time), single (one worm, fields not in cells),
 * and for nwb: rate (starting_time and rate, no timestamps).
 *
 * Generic files: "nwb" (the nejatbakhsh2020 layout plus timestamps
 * 0.5 + 0.25 k), "mat" (MAT v7.3) and "mat5" (MAT v5, written by libmatio):
 * root variables traces (T x N), labels (1 x N cell; variant char-labels: a
 * char matrix) and time (T x 1), from worm 1 of kato2015.
 *
 * Label codes: "X" a char array, "{X,Y}" a cell of char arrays (a
 * list-valued ID), "[]" an empty double, "{}" an empty cell, "#" the
 * number NaN. */
#include <hdf5.h>
#include <math.h>
#include <matio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_WORMS 3
#define MAX_NEURONS 24

struct worm {
    size_t T;
    const char *ids[MAX_NEURONS]; /* NULL-terminated label codes */
};

struct dataset {
    const char *name;      /* kato2015 */
    const char *file;      /* WT_Stim.mat */
    const char *var;       /* struct name */
    const char *ids, *traces, *time;
    double t0, dt;
    size_t n_worms;
    struct worm worms[MAX_WORMS];
};

static const struct dataset datasets[] = {
    {"kato2015", "WT_Stim.mat", "WT_Stim", "IDs", "traces", "timeVectorSeconds", 0.0, 0.375, 2,
     {{600, {"AVAL", "{AVAR,AVAL}", "[]", "VB01", "DD04", "VA10", "AVA?", "RIML", "RIML", "foo",
             "{,SMDVR}", "ASEL", NULL}},
      {610, {"AIBL", "{}", "RMEL", "URYDL", "OLQDL", "AS02", "DB01", "merge", "AVBL", "#",
             NULL}}}},
    {"nichols2017", "n2_let.mat", "n2_let", "IDs", "traces", "timeVectorSeconds", 0.25, 0.375, 2,
     {{620, {"AVAL", "AVAR", "{RIML,RIMR}", "[]", "VB01", "SMDVR", "AVA?", "AVER", "AVER", "xyz",
             NULL}},
      {600, {"ASEL", "{,,AIBL}", "RIS", "ALA", "DD04", "RMEL", "[]", "AVBL", "VA10", "RIBL",
             NULL}}}},
    {"skora2018", "WT_fasted.mat", "WT_fasted", "IDs", "traces", "timeVectorSeconds", 0.0, 0.25,
     2,
     {{640, {"RIS", "ALA", "{AVAL}", "AVAR", "DB01", "VB11", "RMEL", "RMEL", "AVB?", "{}",
             NULL}},
      {600, {"AVAL", "SABVL", "[]", "OLQDL", "URYDL", "AS02", "RIML", "merge", "AIBL", "ASEL",
             NULL}}}},
    {"kaplan2020", "Neuron2019_Data_RIShisCl.mat", "RIShisCl_Neuron2019", "neuron_ID",
     "traces_bleach_corrected", "time_vector", 0.0, 0.3125, 2,
     {{600, {"RIS", "{AVAL,AVAR}", "AVAR", "{}", "VB01", "DD04", "SMDVR", "RIBL", "RIBL",
             "RMD-", NULL}},
      {616, {"AVBL", "AVER", "ALA", "[]", "RIML", "VA10", "{,ASEL}", "AIBL", "#", "OLQDL",
             NULL}}}},
    {"uzel2022", "Uzel_WT.mat", "Uzel_WT", "IDs", "traces", "tv", 0.0, 0.3125, 2,
     {{600, {"AVAL", "AVAR", "{RIML}", "[]", "VB01", "VA10", "AVA?", "ASEL", "ASEL", "abc",
             NULL}},
      {630, {"SMDVR", "RIS", "{,AVBL}", "DD04", "DB01", "RMEL", "URYDL", "{}", "ALA", "AIBL",
             NULL}}}},
};

/* nejatbakhsh2020: one worm per NWB file; labels as NeuronIDs/labels. */
struct nwb_sample {
    const char *file;
    size_t T, N;
    const char *labels[MAX_NEURONS];
};

static const struct nwb_sample nwb_samples[] = {
    {"sub-20190924-01_ses-20190924_ophys.nwb", 600, 12,
     {"AVAL", "AVAR", "", "VB01", "RIML", "RIML", "AVA?", "foo", "SMDVR", "ASEL", "DD04",
      "merge"}},
    {"sub-20190924-02_ses-20190924_ophys.nwb", 620, 10,
     {"AIBL", "RMEL", "", "URYDL", "OLQDL", "AS02", "VA10", "AVBL", "RIS", "ALA"}},
};

static double value(size_t w, size_t i, size_t k)
{
    if (w == 1 && i == 3 && k >= 100 && k < 105) return NAN;
    return (double)((k / 4 * i + 7 * w) % 97) / 8.0 - 6.0;
}

static void die(const char *what)
{
    fprintf(stderr, "gen-raw-hdf5: %s\n", what);
    exit(1);
}

static void check(herr_t rc, const char *what)
{
    if (rc < 0) die(what);
}

/* The HDF5 1.10 object format: compact groups and headers keep the tiny
 * samples small (the earliest format spends kilobytes per object). */
static hid_t file_access(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110), "format bounds");
    return fapl;
}

/* --- MATLAB v7.3 writer --- */

struct mat {
    hid_t file, refs;
    unsigned next_ref;
};

static hid_t dataset_plist(int rank, const hsize_t *dims, size_t bytes)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    check(H5Pset_obj_track_times(dcpl, 0), "track times");
    if (bytes > 256) { /* MATLAB compresses all but tiny arrays */
        check(H5Pset_chunk(dcpl, rank, dims), "chunk");
        check(H5Pset_deflate(dcpl, 3), "deflate");
    }
    return dcpl;
}

static void attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    check(H5Tset_size(type, strlen(value)), "string size");
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    check(H5Awrite(a, type, value), "attribute");
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
}

static void attr_scalar(hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    check(H5Awrite(a, mtype, v), "attribute");
    H5Aclose(a);
    H5Sclose(space);
}

static hid_t make_dataset(hid_t loc, const char *name, hid_t ftype, int rank, const hsize_t *dims,
                          size_t bytes)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = dataset_plist(rank, dims, bytes);
    hid_t d = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) die("dataset");
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

/* MATLAB rows x cols doubles given column-major. */
static void mat_double(hid_t loc, const char *name, size_t rows, size_t cols, const double *v)
{
    hsize_t dims[2] = {cols, rows};
    hid_t d = make_dataset(loc, name, H5T_IEEE_F64LE, 2, dims, rows * cols * 8);
    check(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), "write");
    attr_string(d, "MATLAB_class", "double");
    H5Dclose(d);
}

static void mat_empty(hid_t loc, const char *name, const char *cls)
{
    hsize_t dims[1] = {2};
    unsigned long long zero[2] = {0, 0};
    unsigned char one = 1;
    hid_t d = make_dataset(loc, name, H5T_STD_U64LE, 1, dims, 16);
    check(H5Dwrite(d, H5T_NATIVE_ULLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero), "write");
    attr_string(d, "MATLAB_class", cls);
    attr_scalar(d, "MATLAB_empty", H5T_STD_U8LE, H5T_NATIVE_UCHAR, &one);
    H5Dclose(d);
}

static void mat_char(hid_t loc, const char *name, const char *s)
{
    size_t n = strlen(s);
    if (n == 0) {
        mat_empty(loc, name, "char");
        return;
    }
    unsigned short u[64];
    for (size_t i = 0; i < n && i < 64; i++) u[i] = (unsigned char)s[i];
    hsize_t dims[2] = {n, 1};
    int decode = 2;
    hid_t d = make_dataset(loc, name, H5T_STD_U16LE, 2, dims, 2 * n);
    check(H5Dwrite(d, H5T_NATIVE_USHORT, H5S_ALL, H5S_ALL, H5P_DEFAULT, u), "write");
    attr_string(d, "MATLAB_class", "char");
    attr_scalar(d, "MATLAB_int_decode", H5T_STD_I32LE, H5T_NATIVE_INT, &decode);
    H5Dclose(d);
}

/* Names in #refs# as MATLAB makes them: a..z, A..Z, 0..9, then longer. */
static void ref_name(char *buf, unsigned k)
{
    static const char digits[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = digits[k % 62];
        k /= 62;
    } while (k > 0);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

/* A new object name in #refs# and the reference to it once written. */
static void next_ref(struct mat *m, char *name)
{
    ref_name(name, m->next_ref++);
}

static void make_ref(struct mat *m, const char *name, hobj_ref_t *ref)
{
    char path[64];
    snprintf(path, sizeof path, "/#refs#/%s", name);
    check(H5Rcreate(ref, m->file, path, H5R_OBJECT, -1), "reference");
}

/* A 1 x n cell of already written #refs# objects. */
static void mat_cell(hid_t loc, const char *name, size_t n, const hobj_ref_t *refs)
{
    if (n == 0) {
        mat_empty(loc, name, "cell");
        return;
    }
    hsize_t dims[2] = {n, 1};
    hid_t d = make_dataset(loc, name, H5T_STD_REF_OBJ, 2, dims, 0);
    check(H5Dwrite(d, H5T_STD_REF_OBJ, H5S_ALL, H5S_ALL, H5P_DEFAULT, refs), "write");
    attr_string(d, "MATLAB_class", "cell");
    H5Dclose(d);
}

/* One label code (see the header) as a #refs# object. */
static void mat_label(struct mat *m, const char *code, hobj_ref_t *ref)
{
    char name[16];
    if (code[0] == '{') {
        hobj_ref_t parts[8];
        size_t n = 0;
        const char *p = code + 1;
        while (*p && *p != '}' && n < 8) {
            size_t len = strcspn(p, ",}");
            char part[32];
            snprintf(part, sizeof part, "%.*s", (int)len, p);
            char pname[16];
            next_ref(m, pname);
            mat_char(m->refs, pname, part);
            make_ref(m, pname, &parts[n++]);
            p += len;
            if (*p == ',') p++;
        }
        next_ref(m, name);
        mat_cell(m->refs, name, n, parts);
    } else if (strcmp(code, "[]") == 0) {
        next_ref(m, name);
        mat_empty(m->refs, name, "double");
    } else if (strcmp(code, "#") == 0) {
        double nan = NAN;
        next_ref(m, name);
        mat_double(m->refs, name, 1, 1, &nan);
    } else {
        next_ref(m, name);
        mat_char(m->refs, name, code);
    }
    make_ref(m, name, ref);
}

static hid_t group_plist(void)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    check(H5Pset_obj_track_times(gcpl, 0), "track times");
    return gcpl;
}

static void mat_open(struct mat *m, const char *path)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    check(H5Pset_userblock(fcpl, 512), "user block");
    check(H5Pset_obj_track_times(fcpl, 0), "track times");
    hid_t fapl = file_access();
    m->file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    if (m->file < 0) die(path);
    H5Pclose(fapl);
    H5Pclose(fcpl);
    hid_t gcpl = group_plist();
    m->refs = H5Gcreate2(m->file, "#refs#", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    m->next_ref = 0;
    /* MATLAB keeps a canonical empty array as #refs#/a */
    char name[16];
    next_ref(m, name);
    mat_empty(m->refs, name, "canonical empty");
}

static void mat_close(struct mat *m, const char *path)
{
    H5Gclose(m->refs);
    check(H5Fclose(m->file), "close");
    unsigned char head[512];
    memset(head, 0, sizeof head);
    memset(head, ' ', 116);
    const char text[] = "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 "
                        "2024 HDF5 schema 1.00 .";
    memcpy(head, text, sizeof text - 1);
    head[124] = 0x00;
    head[125] = 0x02;
    head[126] = 'I';
    head[127] = 'M';
    FILE *fp = fopen(path, "r+b");
    if (!fp || fwrite(head, 1, sizeof head, fp) != sizeof head || fclose(fp) != 0) die(path);
}

static void struct_fields(hid_t g, const char *const *names, size_t n)
{
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, 1);
    hid_t vlen = H5Tvlen_create(str);
    hvl_t v[8];
    for (size_t i = 0; i < n; i++) {
        v[i].len = strlen(names[i]);
        v[i].p = (void *)names[i];
    }
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t a = H5Acreate2(g, "MATLAB_fields", vlen, space, H5P_DEFAULT, H5P_DEFAULT);
    check(H5Awrite(a, vlen, v), "fields");
    H5Aclose(a);
    H5Sclose(space);
    H5Tclose(vlen);
    H5Tclose(str);
}

/* --- one dataset's MAT-file --- */

struct options {
    const char *variant;
};

static int is(const struct options *o, const char *v)
{
    return o->variant && strcmp(o->variant, v) == 0;
}

static size_t count_ids(const struct worm *w)
{
    size_t n = 0;
    while (n < MAX_NEURONS && w->ids[n]) n++;
    return n;
}

/* A matrix as loc/name (ref NULL) or as a new #refs# object behind *ref. */
static void put_matrix(struct mat *m, hobj_ref_t *ref, hid_t loc, const char *name, size_t rows,
                       size_t cols, const double *v)
{
    if (!ref) {
        mat_double(loc, name, rows, cols, v);
        return;
    }
    char rname[16];
    next_ref(m, rname);
    mat_double(m->refs, rname, rows, cols, v);
    make_ref(m, rname, ref);
}

static void worm_traces(struct mat *m, const struct dataset *d, size_t w, const struct options *o,
                        hobj_ref_t *ref, hid_t loc, const char *name)
{
    const struct worm *wm = &d->worms[w];
    size_t T = wm->T, N = count_ids(wm);
    if (is(o, "wrong-shape") && w == 1) N--;
    double *v = malloc(T * N * sizeof *v);
    if (!v) die("out of memory");
    int transposed = is(o, "transposed");
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < T; k++) {
            /* MATLAB T x N column-major: (k, i) at i * T + k; N x T: (i, k) at k * N + i */
            size_t at = transposed ? k * N + i : i * T + k;
            v[at] = value(w + 1, i + 1, k);
        }
    put_matrix(m, ref, loc, name, transposed ? N : T, transposed ? T : N, v);
    free(v);
}

static void worm_time(struct mat *m, const struct dataset *d, size_t w, const struct options *o,
                      hobj_ref_t *ref, hid_t loc, const char *name)
{
    size_t T = d->worms[w].T;
    double *t = malloc(T * sizeof *t);
    if (!t) die("out of memory");
    for (size_t k = 0; k < T; k++) t[k] = d->t0 + (double)k * d->dt;
    if (is(o, "bad-time") && w == 0) t[5] = t[4];
    put_matrix(m, ref, loc, name, T, 1, t); /* a column, as timeVectorSeconds */
    free(t);
}

static void worm_ids(struct mat *m, const struct worm *wm, hobj_ref_t *ref, hid_t loc,
                     const char *name)
{
    size_t n = count_ids(wm);
    hobj_ref_t refs[MAX_NEURONS];
    for (size_t i = 0; i < n; i++) mat_label(m, wm->ids[i], &refs[i]);
    if (!ref) {
        mat_cell(loc, name, n, refs);
        return;
    }
    char rname[16];
    next_ref(m, rname);
    mat_cell(m->refs, rname, n, refs);
    make_ref(m, rname, ref);
}

static void write_mat(const struct dataset *d, const char *path, const struct options *o)
{
    struct mat m;
    mat_open(&m, path);
    const char *ids = d->ids, *traces = d->traces, *time = d->time;
    if (is(o, "alt-names")) {
        ids = "NeuronNames";
        traces = "deltaFOverF_bc";
        time = "tv";
    }
    hid_t gcpl = group_plist();
    hid_t g = H5Gcreate2(m.file, d->var, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) die("struct");
    attr_string(g, "MATLAB_class", "struct");
    int with_traces = !is(o, "missing-field");
    if (with_traces)
        struct_fields(g, (const char *const[]){ids, traces, time}, 3);
    else
        struct_fields(g, (const char *const[]){ids, time}, 2);
    size_t W = is(o, "single") ? 1 : d->n_worms;
    if (is(o, "single")) {
        worm_ids(&m, &d->worms[0], NULL, g, ids);
        worm_traces(&m, d, 0, o, NULL, g, traces);
        worm_time(&m, d, 0, o, NULL, g, time);
    } else {
        hobj_ref_t r_ids[MAX_WORMS], r_traces[MAX_WORMS], r_time[MAX_WORMS];
        for (size_t w = 0; w < W; w++) {
            worm_ids(&m, &d->worms[w], &r_ids[w], 0, NULL);
            if (with_traces) worm_traces(&m, d, w, o, &r_traces[w], 0, NULL);
            worm_time(&m, d, w, o, &r_time[w], 0, NULL);
        }
        mat_cell(g, ids, W, r_ids);
        if (with_traces) mat_cell(g, traces, W, r_traces);
        mat_cell(g, time, W, r_time);
    }
    H5Gclose(g);
    mat_close(&m, path);
}

/* --- NWB --- */

static hid_t nwb_group(hid_t loc, const char *name, const char *type)
{
    hid_t gcpl = group_plist();
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) die(name);
    if (type) {
        attr_string(g, "neurodata_type", type);
        attr_string(g, "namespace", "core");
    }
    return g;
}

static void nwb_strings(hid_t loc, const char *name, size_t n, const char *const *s)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hsize_t dims[1] = {n};
    hid_t d = make_dataset(loc, name, type, 1, dims, 0);
    check(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, s), "write");
    H5Dclose(d);
    H5Tclose(type);
}

static void nwb_scalar_double(hid_t loc, const char *name, double v)
{
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t dcpl = dataset_plist(0, NULL, 0);
    hid_t d = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    check(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v), "write");
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Dclose(d);
}

/* The series' data (T x N float32, time-major as NWB wants) and time. */
static void nwb_series(hid_t series, size_t worm, size_t T, size_t N, const struct options *o)
{
    float *v = malloc(T * N * sizeof *v);
    if (!v) die("out of memory");
    for (size_t k = 0; k < T; k++)
        for (size_t i = 0; i < N; i++) v[k * N + i] = (float)value(worm, i + 1, k);
    hsize_t dims[2] = {T, N};
    if (!is(o, "missing-field")) {
        hid_t d = make_dataset(series, "data", H5T_IEEE_F32LE, 2, dims, T * N * 4);
        check(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), "write");
        attr_string(d, "unit", "n.a.");
        H5Dclose(d);
    }
    free(v);
}

static void nwb_time(hid_t series, size_t T, const struct options *o)
{
    if (is(o, "rate")) {
        nwb_scalar_double(series, "starting_time", 0.5);
        hid_t d = H5Dopen2(series, "starting_time", H5P_DEFAULT);
        double rate = 4.0;
        attr_scalar(d, "rate", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &rate);
        attr_string(d, "unit", "seconds");
        H5Dclose(d);
        return;
    }
    double *t = malloc(T * sizeof *t);
    if (!t) die("out of memory");
    for (size_t k = 0; k < T; k++) t[k] = 0.5 + 0.25 * (double)k;
    if (is(o, "bad-time")) t[5] = t[4];
    hsize_t dims[1] = {T};
    hid_t d = make_dataset(series, "timestamps", H5T_IEEE_F64LE, 1, dims, T * 8);
    check(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t), "write");
    H5Dclose(d);
    free(t);
}

/* nejatbakhsh2020 layout: processing/CalciumActivity/SignalRawFluor/
 * SignalCalciumImResponseSeries (data, no time: 4 Hz) and
 * processing/CalciumActivity/NeuronIDs/labels.  The generic variant
 * ("nwb") also writes timestamps (or starting_time + rate). */
static void write_nwb(const struct nwb_sample *s, size_t worm, const char *path,
                      const struct options *o, int with_time)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    check(H5Pset_obj_track_times(fcpl, 0), "track times");
    hid_t fapl = file_access();
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fapl);
    H5Pclose(fcpl);
    if (f < 0) die(path);
    attr_string(f, "neurodata_type", "NWBFile");
    attr_string(f, "namespace", "core");
    attr_string(f, "nwb_version", "2.6.0");
    hid_t processing = nwb_group(f, "processing", NULL);
    hid_t ca = nwb_group(processing, "CalciumActivity", "ProcessingModule");
    hid_t fluor = nwb_group(ca, "SignalRawFluor", "Fluorescence");
    hid_t series = nwb_group(fluor, "SignalCalciumImResponseSeries", "RoiResponseSeries");
    size_t N = s->N;
    nwb_series(series, worm, s->T, N, o);
    if (with_time) nwb_time(series, s->T, o);
    hid_t ids = nwb_group(ca, "NeuronIDs", "SegmentationLabels");
    size_t n_labels = is(o, "wrong-shape") ? N - 1 : N;
    nwb_strings(ids, "labels", n_labels, s->labels);
    H5Gclose(ids);
    H5Gclose(series);
    H5Gclose(fluor);
    H5Gclose(ca);
    H5Gclose(processing);
    check(H5Fclose(f), "close");
}

/* --- generic MAT-files: root variables traces, labels, time --- */

static void write_mat73_flat(const struct dataset *d, const char *path, const struct options *o)
{
    struct mat m;
    mat_open(&m, path);
    const struct worm *wm = &d->worms[0];
    size_t T = wm->T;
    worm_traces(&m, d, 0, o, NULL, m.file, "traces");
    worm_time(&m, d, 0, o, NULL, m.file, "time");
    worm_ids(&m, wm, NULL, m.file, "labels");
    (void)T;
    mat_close(&m, path);
}

static void write_mat5(const struct dataset *d, const char *path, const struct options *o)
{
    mat_t *mat = Mat_CreateVer(path, "MATLAB 5.0 MAT-file, written by gen-raw-hdf5", MAT_FT_MAT5);
    if (!mat) die(path);
    const struct worm *wm = &d->worms[0];
    size_t T = wm->T, N = count_ids(wm);
    double *v = malloc(T * N * sizeof *v), *t = malloc(T * sizeof *t);
    if (!v || !t) die("out of memory");
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < T; k++) v[i * T + k] = value(1, i + 1, k);
    for (size_t k = 0; k < T; k++) t[k] = d->t0 + (double)k * d->dt;
    if (is(o, "bad-time")) t[5] = t[4];
    size_t dims[2] = {T, N}, tdims[2] = {T, 1};
    matvar_t *var = Mat_VarCreate("traces", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims, v, 0);
    Mat_VarWrite(mat, var, MAT_COMPRESSION_ZLIB);
    Mat_VarFree(var);
    var = Mat_VarCreate("time", MAT_C_DOUBLE, MAT_T_DOUBLE, 2, tdims, t, 0);
    Mat_VarWrite(mat, var, MAT_COMPRESSION_ZLIB);
    Mat_VarFree(var);
    /* labels: plain text per neuron (the first entry of a list, "" for empty codes) */
    char text[MAX_NEURONS][32];
    for (size_t i = 0; i < N; i++) {
        const char *c = wm->ids[i];
        if (c[0] == '{') {
            const char *p = c + 1;
            while (*p == ',') p++;
            snprintf(text[i], sizeof text[i], "%.*s", (int)strcspn(p, ",}"), p);
        } else if (strcmp(c, "[]") == 0 || strcmp(c, "#") == 0) {
            text[i][0] = '\0';
        } else {
            snprintf(text[i], sizeof text[i], "%s", c);
        }
    }
    if (is(o, "char-labels")) {
        size_t width = 0;
        for (size_t i = 0; i < N; i++)
            if (strlen(text[i]) > width) width = strlen(text[i]);
        char *cm = malloc(N * width + 1);
        if (!cm) die("out of memory");
        for (size_t i = 0; i < N; i++)
            for (size_t c = 0; c < width; c++)
                cm[c * N + i] = c < strlen(text[i]) ? text[i][c] : ' ';
        size_t cdims[2] = {N, width};
        var = Mat_VarCreate("labels", MAT_C_CHAR, MAT_T_UINT8, 2, cdims, cm, 0);
        Mat_VarWrite(mat, var, MAT_COMPRESSION_NONE);
        Mat_VarFree(var);
        free(cm);
    } else {
        size_t cdims[2] = {1, N};
        matvar_t *cell = Mat_VarCreate("labels", MAT_C_CELL, MAT_T_CELL, 2, cdims, NULL, 0);
        for (size_t i = 0; i < N; i++) {
            size_t sdims[2] = {1, strlen(text[i])};
            matvar_t *s = Mat_VarCreate(NULL, MAT_C_CHAR, MAT_T_UINT8, 2, sdims, text[i], 0);
            Mat_VarSetCell(cell, (int)i, s);
        }
        Mat_VarWrite(mat, cell, MAT_COMPRESSION_NONE);
        Mat_VarFree(cell);
    }
    free(v);
    free(t);
    Mat_Close(mat);
}

/* --- command line --- */

static const struct dataset *find_dataset(const char *name)
{
    for (size_t i = 0; i < sizeof datasets / sizeof datasets[0]; i++)
        if (strcmp(datasets[i].name, name) == 0) return &datasets[i];
    return NULL;
}

static void write_all(const char *dir)
{
    struct options o = {NULL};
    char path[4096];
    mkdir(dir, 0777);
    for (size_t i = 0; i < sizeof datasets / sizeof datasets[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, datasets[i].name);
        mkdir(path, 0777);
        snprintf(path, sizeof path, "%s/%s/%s", dir, datasets[i].name, datasets[i].file);
        write_mat(&datasets[i], path, &o);
    }
    snprintf(path, sizeof path, "%s/nejatbakhsh2020", dir);
    mkdir(path, 0777);
    for (size_t i = 0; i < sizeof nwb_samples / sizeof nwb_samples[0]; i++) {
        snprintf(path, sizeof path, "%s/nejatbakhsh2020/%s", dir, nwb_samples[i].file);
        write_nwb(&nwb_samples[i], i + 1, path, &o, 0);
    }
}

static int usage(void)
{
    fprintf(stderr, "usage: gen-raw-hdf5 --all OUTDIR\n"
                    "       gen-raw-hdf5 [--variant V] DATASET|nwb|mat|mat5 OUTFILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (argc == 3 && strcmp(argv[1], "--all") == 0) {
        write_all(argv[2]);
        return 0;
    }
    struct options o = {NULL};
    int a = 1;
    if (argc >= 3 && strcmp(argv[1], "--variant") == 0) {
        o.variant = argv[2];
        a = 3;
    }
    if (argc - a != 2) return usage();
    const char *name = argv[a], *out = argv[a + 1];
    if (strcmp(name, "nejatbakhsh2020") == 0)
        write_nwb(&nwb_samples[0], 1, out, &o, 0);
    else if (strcmp(name, "nwb") == 0)
        write_nwb(&nwb_samples[0], 1, out, &o, 1);
    else if (strcmp(name, "mat") == 0)
        write_mat73_flat(&datasets[0], out, &o);
    else if (strcmp(name, "mat5") == 0)
        write_mat5(&datasets[0], out, &o);
    else if (find_dataset(name))
        write_mat(find_dataset(name), out, &o);
    else
        return usage();
    return 0;
}
