/* test-simulate.c - the worm-simulate "traces" model: determinism, state
 * statistics, columns, missing samples, and the written file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

static int n_logged;
static char last_message[512];

static void count_hook(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)userdata;
    n_logged++;
    snprintf(last_message, sizeof last_message, "%s", message);
}

static struct wk_recording *simulate_worm(const struct wk_sim_traces *p, unsigned long seed, size_t w,
                                          size_t *unlabeled_neuron)
{
    struct wk_sim_traces_truth *truth = NULL;
    struct wk_recording *rec = NULL;
    if (wk_sim_traces_truth_alloc(&truth, p, seed) == 0)
        wk_sim_traces_worm(&rec, unlabeled_neuron, p, truth, seed, w);
    wk_sim_traces_truth_free(truth);
    return rec;
}

static int same_traces(const struct wk_recording *a, const struct wk_recording *b)
{
    return a && b && a->T == b->T && a->C == b->C &&
           memcmp(a->traces, b->traces, a->T * a->C * sizeof *a->traces) == 0 &&
           memcmp(a->time, b->time, a->T * sizeof *a->time) == 0;
}

static void test_determinism(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    p.samples = 200;
    p.missing = 0.1;
    struct wk_recording *a = simulate_worm(&p, 7, 1, NULL);
    struct wk_recording *b = simulate_worm(&p, 7, 1, NULL);
    struct wk_recording *c = simulate_worm(&p, 8, 1, NULL);
    struct wk_recording *d = simulate_worm(&p, 7, 0, NULL);
    ok(a && b && c && d, "simulate four worms");
    ok(same_traces(a, b), "same seed, same worm: identical traces and times");
    ok(a && c && !same_traces(a, c), "different seed: different traces");
    ok(a && d && !same_traces(a, d), "different worm of the same run: different traces");
    struct wk_array *sa = a ? wk_recording_array(a, "truth_state") : NULL;
    struct wk_array *sb = b ? wk_recording_array(b, "truth_state") : NULL;
    ok(sa && sb && memcmp(sa->data, sb->data, 200 * sizeof(float)) == 0, "same seed: identical states");
    wk_recording_free(a);
    wk_recording_free(b);
    wk_recording_free(c);
    wk_recording_free(d);

    ok(wk_sim_stream_seed(1, 0) != wk_sim_stream_seed(1, 1), "streams of one seed differ");
    ok(wk_sim_stream_seed(1, 1) != wk_sim_stream_seed(2, 1), "same stream of two seeds differ");
    ok(wk_sim_stream_seed(5, 3) == wk_sim_stream_seed(5, 3), "stream seed is a function");
}

static void test_layout(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    p.samples = 50;
    size_t unl[5];
    struct wk_recording *r = simulate_worm(&p, 1, 1, unl);
    ok(r != NULL, "default worm simulated");
    if (!r) return;
    ok(strcmp(r->id, "sim2") == 0, "id of worm index 1 is sim2");
    ok(strcmp(r->dataset, "simulated") == 0, "dataset attribute");
    ok(strcmp(r->source_file, "worm-simulate") == 0, "source_file attribute");
    ok(r->worm == 2, "worm attribute is 1-based");
    near(r->dt, 1.0 / 3.0, 0, "dt is 1/3");
    ok(r->T == 50 && r->C == 305, "T = 50, C = 300 + 5");
    near(r->time[0], 0.0, 0, "time starts at 0");
    near(r->time[3], 1.0, 1e-15, "time[3] = 1 s");
    near(r->time[49], 49.0 / 3.0, 1e-12, "time[49] = 49/3 s");
    ok(strcmp(r->label[300], "unk1") == 0 && strcmp(r->label[304], "unk5") == 0, "extra labels unk1..unk5");
    ok(strcmp(r->label[0], "ADAL") == 0, "canonical label 0 is ADAL");

    size_t canonical = 0, extra = 0;
    for (size_t c = 0; c < r->C; c++) {
        if (!r->present[c]) continue;
        if (c < WK_ATLAS_SIZE) canonical++;
        else extra++;
    }
    ok(canonical == 40, "exactly 40 labeled canonical columns");
    ok(extra == 5, "exactly 5 extra columns");

    int absent_nan = 1;
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++)
        if (!r->present[c])
            for (size_t t = 0; t < r->T; t++) absent_nan &= isnan(r->traces[t * r->C + c]);
    ok(absent_nan, "absent canonical columns are NaN");

    int unl_ok = 1;
    for (size_t j = 0; j < 5; j++) {
        unl_ok &= unl[j] < WK_ATLAS_SIZE && !r->present[unl[j]];
        for (size_t k = 0; k < j; k++) unl_ok &= unl[j] != unl[k];
    }
    ok(unl_ok, "unlabeled neurons are distinct atlas neurons not labeled in the worm");

    struct wk_array *s = wk_recording_array(r, "truth_state");
    ok(s && s->rank == 1 && s->dims[0] == 50, "truth_state is float32[T]");
    int states_ok = s != NULL;
    for (size_t t = 0; s && t < 50; t++) states_ok &= s->data[t] == 0 || s->data[t] == 1 || s->data[t] == 2;
    ok(states_ok, "truth_state values are 0, 1 or 2");
    wk_recording_free(r);
}

static void test_truth(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    struct wk_sim_traces_truth *t = NULL;
    ok(wk_sim_traces_truth_alloc(&t, &p, 3) == 0 && t, "truth allocated");
    if (!t) return;
    size_t active = 0;
    int inactive_zero = 1, active_nonzero = 1;
    for (size_t i = 0; i < WK_ATLAS_SIZE; i++) {
        active += t->active[i];
        for (size_t k = 0; k < 3; k++) {
            double m = t->state_mean[k * WK_ATLAS_SIZE + i];
            if (t->active[i]) active_nonzero &= m != 0;
            else inactive_zero &= m == 0;
        }
    }
    ok(active == 150, "active = 0.5: 150 active neurons");
    ok(inactive_zero, "inactive neurons have mean 0 in every state");
    ok(active_nonzero, "active neurons have nonzero means");
    ok(t->pool_size == 60, "pool of labeled neurons is 1.5 N = 60");
    int increasing = 1;
    for (size_t i = 1; i < t->pool_size; i++) increasing &= t->pool[i] > t->pool[i - 1];
    ok(increasing, "pool is increasing");
    wk_sim_traces_truth_free(t);
}

/* Labeled sets of two worms differ but overlap. */
static void test_overlap(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    p.samples = 10;
    struct wk_recording *a = simulate_worm(&p, 1, 0, NULL), *b = simulate_worm(&p, 1, 1, NULL);
    ok(a && b, "two worms");
    if (!a || !b) goto done;
    size_t both = 0, only_a = 0;
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) {
        both += a->present[c] && b->present[c];
        only_a += a->present[c] && !b->present[c];
    }
    ok(both > 0 && only_a > 0, "labeled sets overlap and differ");
done:
    wk_recording_free(a);
    wk_recording_free(b);
}

/* Mean length (seconds) of the complete state runs (first and last excluded). */
static double mean_dwell(const struct wk_recording *r, size_t *n_runs)
{
    const float *s = wk_recording_array(r, "truth_state")->data;
    double total = 0, start = -1;
    size_t runs = 0;
    for (size_t t = 1; t < r->T; t++) {
        if (s[t] == s[t - 1]) continue;
        if (start >= 0) {
            total += r->time[t] - start;
            runs++;
        }
        start = r->time[t];
    }
    *n_runs = runs;
    return runs ? total / (double)runs : 0;
}

static void test_dwell(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    p.samples = 30000; /* ~10000 s, ~500 runs */
    p.neurons = 1;
    p.unlabeled = 0;
    size_t runs;
    struct wk_recording *r = simulate_worm(&p, 11, 0, NULL);
    ok(r != NULL, "long run simulated");
    if (r) {
        double d = mean_dwell(r, &runs);
        printf("# mean dwell %.2f s over %zu runs\n", d, runs);
        ok(runs > 300, "hundreds of state runs");
        ok(fabs(d - 20) <= 0.25 * 20, "mean dwell within 25% of 20 s");
        wk_recording_free(r);
    }

    p.dwell = 5;
    p.jitter = 0.5;
    r = simulate_worm(&p, 12, 0, NULL);
    if (r) {
        double d = mean_dwell(r, &runs);
        printf("# jittered: mean dwell %.2f s over %zu runs\n", d, runs);
        ok(fabs(d - 5) <= 0.25 * 5, "jittered time: mean dwell within 25% of 5 s");
        int increasing = 1;
        double lo = INFINITY, hi = 0;
        for (size_t t = 1; t < r->T; t++) {
            double h = r->time[t] - r->time[t - 1];
            increasing &= h > 0;
            lo = fmin(lo, h);
            hi = fmax(hi, h);
        }
        ok(increasing && lo >= 0.5 / 3 - 1e-12 && hi <= 1.5 / 3 + 1e-12, "jittered intervals in dt*(1 +- 0.5)");
        ok(hi - lo > 0.3 / 3, "jittered intervals vary");
        near(r->dt, 1.0 / 3.0, 0, "dt attribute stays nominal");
        wk_recording_free(r);
    } else {
        ok(0, "jittered run simulated");
    }

    p.states = 1;
    p.jitter = 0;
    p.samples = 1000;
    r = simulate_worm(&p, 13, 0, NULL);
    int constant = r != NULL;
    for (size_t t = 0; r && t < r->T; t++) constant &= wk_recording_array(r, "truth_state")->data[t] == 0;
    ok(constant, "one state: truth_state all 0");
    wk_recording_free(r);
}

/* In a long run the trace of an active neuron averages to its state mean
 * once the state has lasted well beyond tau + decay. */
static void test_state_means(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    p.samples = 30000;
    p.neurons = 10;
    p.unlabeled = 3;
    p.active = 1;
    struct wk_sim_traces_truth *truth = NULL;
    struct wk_recording *r = NULL;
    size_t unl[3];
    if (wk_sim_traces_truth_alloc(&truth, &p, 5) == 0) wk_sim_traces_worm(&r, unl, &p, truth, 5, 0);
    ok(r != NULL, "state-mean run simulated");
    if (!r) {
        wk_sim_traces_truth_free(truth);
        return;
    }
    const float *s = wk_recording_array(r, "truth_state")->data;
    double worst = 0;
    for (size_t c = 0; c < r->C; c++) {
        if (!r->present[c]) continue;
        size_t neuron = c < WK_ATLAS_SIZE ? c : unl[c - WK_ATLAS_SIZE];
        for (size_t k = 0; k < p.states; k++) {
            double sum = 0;
            size_t n = 0, since = 0;
            for (size_t t = 1; t < r->T; t++) {
                since = s[t] == s[t - 1] ? since + 1 : 0;
                if (s[t] == (float)k && since > 30) { /* 10 s in the state */
                    sum += r->traces[t * r->C + c];
                    n++;
                }
            }
            double err = fabs(sum / (double)n - truth->state_mean[k * WK_ATLAS_SIZE + neuron]);
            if (err > worst) worst = err;
        }
    }
    printf("# worst |mean - state mean| = %.4f\n", worst);
    ok(worst < 0.1, "trace means per state match the state means within 0.1 (extra columns too)");
    wk_recording_free(r);
    wk_sim_traces_truth_free(truth);
}

static void test_missing(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    p.samples = 1000;
    p.missing = 0.2;
    struct wk_recording *r = simulate_worm(&p, 4, 2, NULL);
    ok(r != NULL, "missing run simulated");
    if (!r) return;
    int exact = 1;
    size_t total = 0, cols = 0;
    for (size_t c = 0; c < r->C; c++) {
        if (!r->present[c]) continue;
        size_t n = 0;
        for (size_t t = 0; t < r->T; t++) n += isnan(r->traces[t * r->C + c]);
        exact &= n == 200;
        total += n;
        cols++;
    }
    ok(cols == 45, "45 observed columns");
    ok(exact, "each observed column has exactly round(0.2 * 1000) NaN");
    near((double)total / (double)(cols * r->T), 0.2, 1e-12, "NaN fraction 0.2");

    /* gaps: most NaN runs are short (at most WK_SIM_MAX_GAP unless merged) */
    size_t runs = 0, short_runs = 0;
    for (size_t c = 0; c < r->C; c++) {
        if (!r->present[c]) continue;
        size_t len = 0;
        for (size_t t = 0; t <= r->T; t++) {
            if (t < r->T && isnan(r->traces[t * r->C + c])) {
                len++;
            } else if (len) {
                runs++;
                short_runs += len <= WK_SIM_MAX_GAP;
                len = 0;
            }
        }
    }
    ok(runs > 45 * 10 && short_runs * 10 >= runs * 8, "NaN comes in many short gaps");
    wk_recording_free(r);
}

static void test_bad_parameters(void)
{
    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    ok(wk_sim_traces_check(&p) == 0, "defaults are valid");
    wk_log_set_hook(count_hook, NULL);

    n_logged = 0;
    p.neurons = 300;
    p.unlabeled = 1;
    ok(wk_sim_traces_check(&p) == WK_EINVAL, "neurons + unlabeled > 300: WK_EINVAL");
    ok(n_logged == 1 && strstr(last_message, "neurons + unlabeled") != NULL, "one message naming the fields");

    wk_sim_traces_defaults(&p);
    p.dwell = 0.1;
    n_logged = 0;
    struct wk_sim_traces_truth *t = NULL;
    ok(wk_sim_traces_truth_alloc(&t, &p, 1) == WK_EINVAL && t == NULL, "dwell < dt refused");
    ok(n_logged == 1 && strstr(last_message, "dwell") != NULL, "message names dwell");

    wk_sim_traces_defaults(&p);
    p.missing = 0.95;
    ok(wk_sim_traces_check(&p) == WK_EINVAL, "missing > 0.9 refused");
    wk_sim_traces_defaults(&p);
    p.neurons = 0;
    p.unlabeled = 0;
    ok(wk_sim_traces_check(&p) == WK_EINVAL, "no columns refused");
    wk_log_set_hook(NULL, NULL);
}

static void test_models(void)
{
    size_t n = 0;
    const struct wk_sim_model *const *m = wk_sim_models(&n);
    ok(n >= 1 && strcmp(m[0]->name, "traces") == 0, "first model is traces");
    ok(wk_sim_model_find("traces") == &wk_sim_model_traces, "find traces");
    ok(wk_sim_model_find("nope") == NULL && wk_sim_model_find(NULL) == NULL, "unknown model: NULL");
    int complete = 1;
    for (size_t i = 0; i < n; i++)
        complete &= m[i]->name && m[i]->summary && m[i]->options && m[i]->params_size > 0 &&
                    m[i]->defaults && m[i]->option && m[i]->check && m[i]->run;
    ok(complete, "every model descriptor is complete");
}

/* The file written by wk_sim_traces_write holds what wk_sim_traces_worm makes. */
static void test_file(void)
{
    char path[] = "/tmp/wk-test-simulate-XXXXXX";
    int fd = mkstemp(path);
    ok(fd >= 0, "temporary file name");
    if (fd < 0) return;
    close(fd);

    struct wk_sim_traces p;
    wk_sim_traces_defaults(&p);
    p.worms = 2;
    p.samples = 100;
    p.missing = 0.05;
    struct wk_file *f = NULL;
    int rc = wk_file_create(&f, path);
    if (rc == 0) {
        rc = wk_sim_traces_write(f, &p, 42);
        if (rc == 0) rc = wk_file_commit(f);
        else wk_file_abort(f);
    }
    ok(rc == 0, "write a run of two worms");

    struct wk_file *in = NULL;
    ok(wk_file_open(&in, path) == 0, "reopen it");
    char **ids = NULL;
    size_t n = 0;
    if (in && wk_file_recording_ids(in, &ids, &n) == 0)
        ok(n == 2 && strcmp(ids[0], "sim1") == 0 && strcmp(ids[1], "sim2") == 0, "recordings sim1, sim2");
    else
        ok(0, "recording ids");
    wk_strv_free(ids, n);

    struct wk_recording *got = NULL;
    size_t unl[5];
    struct wk_recording *want = simulate_worm(&p, 42, 1, unl);
    ok(in && wk_recording_read(in, "sim2", &got) == 0, "read sim2");
    ok(same_traces(got, want), "file traces equal the simulated ones");
    struct wk_array *s = got ? wk_recording_array(got, "truth_state") : NULL;
    struct wk_array *sw = want ? wk_recording_array(want, "truth_state") : NULL;
    ok(s && sw && s->dims[0] == 100 && memcmp(s->data, sw->data, 100 * sizeof(float)) == 0,
       "truth_state stored with the recording");

    hid_t h = in ? wk_file_hid(in) : -1;
    int rank = 0, *ui = NULL;
    size_t dims[4] = {0};
    float *mean = NULL;
    ok(in && wk_h5_read_float(h, "/results/simulate/sim2/state_mean", path, &rank, dims, &mean) == 0 &&
           rank == 2 && dims[0] == 3 && dims[1] == 300,
       "state_mean float32[3][300]");
    ok(in && wk_h5_read_int(h, "/results/simulate/sim2/unlabeled_neuron", path, &rank, dims, &ui) == 0 &&
           rank == 1 && dims[0] == 5 && ui && (size_t)ui[0] == unl[0] && (size_t)ui[4] == unl[4],
       "unlabeled_neuron int[5] holds the identities");
    char *model = NULL, *seed = NULL;
    double dwell = 0;
    long states = 0;
    hid_t g = in ? H5Gopen2(h, "/results/simulate/sim2", H5P_DEFAULT) : -1;
    ok(g >= 0 && wk_h5_get_attr_string(g, "model", &model) == 0 && strcmp(model, "traces") == 0,
       "model attribute");
    ok(g >= 0 && wk_h5_get_attr_string(g, "seed", &seed) == 0 && strcmp(seed, "42") == 0, "seed attribute");
    ok(g >= 0 && wk_h5_get_attr_double(g, "dwell", &dwell) == 0 && dwell == 20, "dwell attribute");
    ok(g >= 0 && wk_h5_get_attr_long(g, "states", &states) == 0 && states == 3, "states attribute");
    char *options = NULL;
    ok(g >= 0 && wk_h5_get_attr_string(g, "options", &options) == 0 &&
           strcmp(options, "--worms 2 --samples 100 --neurons 40 --unlabeled 5 --states 3 --dwell 20"
                           " --dt 0.3333333333333333 --jitter 0 --tau 2 --decay 1 --active 0.5"
                           " --process-noise 0.3 --noise 0.1 --missing 0.05 --seed 42") == 0,
       "options attribute reproduces the run");
    if (options) printf("# options: %s\n", options);
    free(options);
    H5O_info_t info;
    ok(g >= 0 && H5Oget_info2(g, &info, H5O_INFO_NUM_ATTRS) >= 0 && info.num_attrs <= 8,
       "at most 8 attributes (compact storage, see HDF5 issue #2414)");
    if (g >= 0) H5Gclose(g);
    free(model);
    free(seed);
    free(mean);
    free(ui);
    wk_recording_free(got);
    wk_recording_free(want);
    wk_file_close(in);
    unlink(path);
}

int main(void)
{
    wk_library_init();
    test_models();
    test_determinism();
    test_layout();
    test_truth();
    test_overlap();
    test_dwell();
    test_state_means();
    test_missing();
    test_bad_parameters();
    test_file();
    return wk_test_done();
}
