/* gen-homogenize-corpus - a synthetic raw corpus with the shape of the
 * published homogenized collection, for bench/homogenize/run.sh:
 *
 *   gen-homogenize-corpus OUTDIR [WORMS [SEED]]
 *
 * writes WORMS worms (default 912) in turn as OUTDIR/csv/NNNN.csv (time
 * column + one column per neuron), OUTDIR/h5/NNNN.h5 (plain HDF5 matrix:
 * traces float32 [T][N], labels, time) and OUTDIR/leifer2023/NNNN_gcamp.txt,
 * _labels.txt, _t.txt (the leifer2023 raw format).  Per worm: T uniform in
 * 600..6000 samples, sampling interval one of 0.2, 0.25, 0.333, 0.5, 0.6 s
 * (with 1% jitter of the time stamps for the text formats), L uniform in
 * 8..190 distinct atlas neurons plus L/10 unlabeled columns, traces an
 * AR(1) process (0.98 x + N(0, 1)) with 0.1% missing samples.
 * Deterministic for a given SEED (default 1). */
#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wormkit/wormkit.h"

static const double DTS[] = {0.2, 0.25, 0.333, 0.5, 0.6};

struct worm {
    size_t T, N, L;
    double *time;
    float *x;     /* [T][N] */
    char **label; /* [N] */
};

static void die(const char *what)
{
    fprintf(stderr, "gen-homogenize-corpus: %s\n", what);
    exit(1);
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0777) < 0 && errno != EEXIST) die("cannot create a folder");
}

static void worm_make(struct worm *w, gsl_rng *r)
{
    w->T = 600 + gsl_rng_uniform_int(r, 5401);
    w->L = 8 + gsl_rng_uniform_int(r, 183);
    w->N = w->L + w->L / 10;
    double dt = DTS[gsl_rng_uniform_int(r, sizeof DTS / sizeof *DTS)];
    w->time = malloc(w->T * sizeof *w->time);
    w->x = malloc(w->T * w->N * sizeof *w->x);
    w->label = calloc(w->N, sizeof *w->label);
    if (!w->time || !w->x || !w->label) die("out of memory");
    for (size_t t = 0; t < w->T; t++) w->time[t] = (double)t * dt;
    int pick[WK_ATLAS_SIZE], all[WK_ATLAS_SIZE];
    for (int k = 0; k < WK_ATLAS_SIZE; k++) all[k] = k;
    gsl_ran_choose(r, pick, w->L, all, WK_ATLAS_SIZE, sizeof *all);
    gsl_ran_shuffle(r, pick, w->L, sizeof *pick);
    char buf[32];
    for (size_t i = 0; i < w->N; i++) {
        if (i < w->L) snprintf(buf, sizeof buf, "%s", wk_atlas_name((size_t)pick[i]));
        else snprintf(buf, sizeof buf, "unk%zu", i - w->L);
        w->label[i] = strdup(buf);
        double v = 0;
        for (size_t t = 0; t < w->T; t++) {
            v = 0.98 * v + gsl_ran_gaussian_ziggurat(r, 1.0);
            w->x[t * w->N + i] = gsl_rng_uniform(r) < 0.001 ? wk_nanf() : (float)v;
        }
    }
}

static void worm_free(struct worm *w)
{
    free(w->time);
    free(w->x);
    if (w->label) wk_strv_free(w->label, w->N);
}

static void put_value(FILE *fp, float v)
{
    if (v != v) fputs("NaN", fp);
    else fprintf(fp, "%.6g", v);
}

static void write_csv(const struct worm *w, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp) die("cannot write a csv file");
    fputs("time", fp);
    for (size_t i = 0; i < w->N; i++) fprintf(fp, ",%s", w->label[i]);
    putc('\n', fp);
    for (size_t t = 0; t < w->T; t++) {
        fprintf(fp, "%.6f", w->time[t]);
        for (size_t i = 0; i < w->N; i++) {
            putc(',', fp);
            put_value(fp, w->x[t * w->N + i]);
        }
        putc('\n', fp);
    }
    if (fclose(fp) != 0) die("write error");
}

static void write_h5(const struct worm *w, const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) die("cannot create an h5 file");
    size_t dims[2] = {w->T, w->N};
    if (wk_h5_write_float(f, "traces", 2, dims, w->x) < 0 || wk_h5_write_strings(f, "labels", w->N, w->label) < 0 ||
        wk_h5_write_double(f, "time", 1, dims, w->time) < 0)
        die("cannot write an h5 file");
    H5Fclose(f);
}

/* path = "dir/NNNN<suffix>" */
static void file_path(char *path, size_t size, const char *dir, long k, const char *suffix)
{
    int n = snprintf(path, size, "%s/%04ld%s", dir, k, suffix);
    if (n < 0 || (size_t)n >= size) die("path too long");
}

static void write_leifer(const struct worm *w, const char *dir, long k)
{
    char path[4200];
    file_path(path, sizeof path, dir, k, "_gcamp.txt");
    FILE *fp = fopen(path, "w");
    if (!fp) die("cannot write a leifer2023 file");
    for (size_t t = 0; t < w->T; t++) {
        for (size_t i = 0; i < w->N; i++) {
            if (i) putc(' ', fp);
            put_value(fp, w->x[t * w->N + i]);
        }
        putc('\n', fp);
    }
    if (fclose(fp) != 0) die("write error");
    file_path(path, sizeof path, dir, k, "_labels.txt");
    if (!(fp = fopen(path, "w"))) die("cannot write a leifer2023 file");
    for (size_t i = 0; i < w->N; i++) fprintf(fp, "%s\n", w->label[i]);
    if (fclose(fp) != 0) die("write error");
    file_path(path, sizeof path, dir, k, "_t.txt");
    if (!(fp = fopen(path, "w"))) die("cannot write a leifer2023 file");
    for (size_t t = 0; t < w->T; t++) fprintf(fp, "%.6f\n", w->time[t]);
    if (fclose(fp) != 0) die("write error");
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: gen-homogenize-corpus OUTDIR [WORMS [SEED]]\n");
        return 2;
    }
    long worms = 912, seed = 1;
    wk_library_init();
    if ((argc > 2 && wk_parse_long(argv[2], 1, 100000, "WORMS", &worms) < 0) ||
        (argc > 3 && wk_parse_long(argv[3], 0, 1L << 30, "SEED", &seed) < 0))
        return 2;
    const char *out = argv[1];
    char csv[4096], h5[4096], leifer[4096], path[4200];
    if (strlen(out) > 4000) die("OUTDIR too long");
    snprintf(csv, sizeof csv, "%s/csv", out);
    snprintf(h5, sizeof h5, "%s/h5", out);
    snprintf(leifer, sizeof leifer, "%s/leifer2023", out);
    make_dir(out);
    make_dir(csv);
    make_dir(h5);
    make_dir(leifer);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) die("out of memory");
    gsl_rng_set(r, (unsigned long)seed);
    for (long k = 0; k < worms; k++) {
        struct worm w = {0};
        worm_make(&w, r);
        switch (k % 3) {
        case 0:
            file_path(path, sizeof path, csv, k, ".csv");
            write_csv(&w, path);
            break;
        case 1:
            file_path(path, sizeof path, h5, k, ".h5");
            write_h5(&w, path);
            break;
        default:
            write_leifer(&w, leifer, k);
        }
        worm_free(&w);
    }
    gsl_rng_free(r);
    return 0;
}
