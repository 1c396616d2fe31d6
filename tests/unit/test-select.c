/* test-select.c - selection logic: patterns, comma lists, time ranges,
 * column and sample cuts, unique ids. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"
#include "wk_test_msgs.h"

static void test_match(void)
{
    ok(wk_select_match("AV*", "AVAL") == 1, "AV* matches AVAL");
    ok(wk_select_match("AV*", "RIML") == 0, "AV* does not match RIML");
    ok(wk_select_match("RIM?", "RIML") == 1, "RIM? matches RIML");
    ok(wk_select_match("RIM?", "RIM") == 0, "RIM? does not match RIM");
    ok(wk_select_match("RIM?", "RIMLR") == 0, "RIM? does not match RIMLR");
    ok(wk_select_match("AVAL", "AVAL") == 1, "exact name");
    ok(wk_select_match("ava*", "AVAL") == 0, "case-sensitive");
    ok(wk_select_match("AS[1-3]", "AS2") == 1, "bracket range");
    ok(wk_select_match("AS[1-3]", "AS4") == 0, "bracket range excludes");
    ok(wk_select_match("rec[1]", "rec[1]") == 1, "a name with brackets equals itself");
    ok(wk_select_match("rec[1]", "rec1") == 1, "and still works as a pattern");
    ok(wk_select_match("*", "") == 1, "* matches an empty label");
    char *v[] = {"RIM?", "AV*", "AVAL"};
    ok(wk_select_match_any(v, 3, "AVAL") == 1, "first matching pattern index");
    ok(wk_select_match_any(v, 3, "ADAL") == -1, "no match: -1");
    ok(wk_select_match_any(v, 0, "AVAL") == -1, "empty list: -1");
}

static void test_lists(void)
{
    char **items = NULL;
    size_t n = 0;
    ok(wk_select_add_list(&items, &n, "AVAL, AVAR ,RIM?", "--neurons") == 0, "list parses");
    ok(n == 3, "three items");
    ok(n == 3 && strcmp(items[0], "AVAL") == 0 && strcmp(items[1], "AVAR") == 0 &&
           strcmp(items[2], "RIM?") == 0,
       "items trimmed, in order");
    ok(wk_select_add_list(&items, &n, "AS*", "--neurons") == 0 && n == 4 && strcmp(items[3], "AS*") == 0,
       "a second option appends");
    ok(wk_select_add_list(&items, &n, "a,,b", "--neurons") == WK_EUSAGE, "empty item is a usage error");
    ok(strcmp(wk_test_last_msg, "empty name in --neurons 'a,,b'") == 0, "empty item message");
    ok(wk_select_add_list(&items, &n, "", "--recording") == WK_EUSAGE, "empty list is a usage error");
    ok(wk_select_add_list(&items, &n, "a, ", "--recording") == WK_EUSAGE, "trailing comma is a usage error");
    ok(strcmp(wk_test_last_msg, "empty name in --recording 'a, '") == 0, "trailing comma message");
    wk_strv_free(items, n);
}

static void test_time_parse(void)
{
    struct wk_select s;
    wk_select_init(&s);
    ok(s.has_time == 0 && isinf(s.t_start) && s.t_start < 0 && isinf(s.t_end) && s.t_end > 0,
       "init: open range, no --time");
    ok(wk_select_parse_time(&s, "10:20") == 0, "10:20 parses");
    ok(s.has_time == 1 && s.t_start == 10.0 && s.t_end == 20.0, "10:20 values");
    ok(s.time_text && strcmp(s.time_text, "10:20") == 0, "text kept for messages");
    ok(wk_select_parse_time(&s, ":5") == 0 && isinf(s.t_start) && s.t_start < 0 && s.t_end == 5.0,
       ":5 is open at the start");
    ok(wk_select_parse_time(&s, "2.5:") == 0 && s.t_start == 2.5 && isinf(s.t_end), "2.5: is open at the end");
    ok(wk_select_parse_time(&s, "-1e1:1e-1") == 0 && s.t_start == -10.0 && s.t_end == 0.1, "exponents, sign");
    ok(wk_select_parse_time(&s, ":") == 0 && isinf(s.t_start) && isinf(s.t_end), ": keeps everything");
    ok(wk_select_parse_time(&s, "5") == WK_EUSAGE, "no colon: usage error");
    ok(strcmp(wk_test_last_msg, "invalid --time value '5' (want START:END in seconds)") == 0, "no colon message");
    ok(wk_select_parse_time(&s, "5:3") == WK_EUSAGE, "start after end: usage error");
    ok(strcmp(wk_test_last_msg, "invalid --time value '5:3' (start must be before end)") == 0,
       "start after end message");
    ok(wk_select_parse_time(&s, "5:5") == WK_EUSAGE, "empty range: usage error");
    ok(wk_select_parse_time(&s, "a:3") == WK_EUSAGE, "bad start: usage error");
    ok(strcmp(wk_test_last_msg, "invalid --time start 'a'") == 0, "bad start message");
    ok(wk_select_parse_time(&s, "1:2x") == WK_EUSAGE, "bad end: usage error");
    ok(strcmp(wk_test_last_msg, "invalid --time end '2x'") == 0, "bad end message");
    ok(wk_select_parse_time(&s, "1:2:3") == WK_EUSAGE, "two colons: usage error");
    ok(wk_select_parse_time(&s, "nan:3") == WK_EUSAGE, "NaN start: usage error");
    ok(wk_select_parse_time(&s, "0:inf") == WK_EUSAGE, "inf end: usage error");
    ok(s.t_start == -INFINITY && s.t_end == INFINITY, "failed parses leave the last good range");
    wk_select_clear(&s);
    ok(s.time_text == NULL && s.has_time == 0, "clear resets");
    wk_select_clear(NULL);
}

static void test_time_indices(void)
{
    double time[10];
    for (int i = 0; i < 10; i++) time[i] = 0.5 * i; /* 0, 0.5, ..., 4.5 */
    struct wk_select s;
    wk_select_init(&s);
    size_t a, b;
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 0 && b == 10, "no --time: all samples");
    wk_select_parse_time(&s, "1:2");
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 2 && b == 4, "1:2 -> samples 2..3 (start inclusive, end exclusive)");
    wk_select_parse_time(&s, "1.2:2.01");
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 3 && b == 5, "1.2:2.01 -> samples 3..4");
    wk_select_parse_time(&s, ":0.1");
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 0 && b == 1, ":0.1 -> sample 0");
    wk_select_parse_time(&s, "4.5:");
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 9 && b == 10, "4.5: -> last sample");
    wk_select_parse_time(&s, "100:");
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 10 && b == 10, "after the end: empty");
    wk_select_parse_time(&s, ":0");
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 0 && b == 0, "before the start: empty");
    wk_select_parse_time(&s, "0.6:0.9");
    wk_select_time_indices(&a, &b, &s, time, 10);
    ok(a == 2 && b == 2, "between two samples: empty");
    wk_select_clear(&s);
}

enum { T = 6, C = 303 };
enum { ADAL = 0, AVAL = 53, AVAR = 54, RIML = 197, FOO = 300, AVX = 301, BAR = 302 };

static float value(size_t t, size_t c)
{
    return (float)c + (float)t / 10.0f;
}

/* time 0..5 s; finite columns: ADAL, AVAL, RIML, FOO, AVX, BAR at every
 * sample, AVAR at t = 0 only.  Arrays: derivative [T][C] = 2 * traces,
 * stim [T] = t, w [2][3] = 0..5. */
static struct wk_recording *make_recording(void)
{
    struct wk_recording *rec = wk_recording_alloc(T, C);
    if (!rec) return NULL;
    wk_recording_set_id(rec, "r1");
    wk_recording_set_dataset(rec, "test");
    wk_recording_set_source(rec, "r1.csv");
    wk_recording_set_label(rec, FOO, "FOO");
    wk_recording_set_label(rec, AVX, "AVX");
    wk_recording_set_label(rec, BAR, "BAR");
    wk_recording_set_attr_string(rec, "stimulus", "O2 21%/4%");
    wk_recording_set_attr_double(rec, "temperature", 20.5);
    rec->worm = 3;
    rec->dt = 1.0;
    static const size_t full[] = {ADAL, AVAL, RIML, FOO, AVX, BAR};
    for (size_t t = 0; t < T; t++) {
        rec->time[t] = (double)t;
        for (size_t k = 0; k < sizeof full / sizeof full[0]; k++) rec->traces[t * C + full[k]] = value(t, full[k]);
    }
    rec->traces[AVAR] = value(0, AVAR);
    wk_recording_update_present(rec);
    float *deriv = malloc(sizeof(float) * T * C);
    float stim[T], w[6];
    for (size_t i = 0; deriv && i < (size_t)T * C; i++) deriv[i] = 2 * rec->traces[i];
    for (size_t t = 0; t < T; t++) stim[t] = (float)t;
    for (size_t i = 0; i < 6; i++) w[i] = (float)i;
    size_t d2[2] = {T, C}, d1[1] = {T}, dw[2] = {2, 3};
    wk_recording_add_array(rec, "derivative", 2, d2, deriv);
    wk_recording_add_array(rec, "stim", 1, d1, stim);
    wk_recording_add_array(rec, "w", 2, dw, w);
    free(deriv);
    return rec;
}

static void test_columns(const struct wk_recording *rec)
{
    struct wk_select s;
    wk_select_init(&s);
    unsigned char keep[C];
    size_t hits[2] = {0, 0};
    ok(wk_select_columns(keep, &s, rec, NULL) == 3, "no --neurons: all 3 extra columns kept");
    size_t all = 0;
    for (size_t c = 0; c < C; c++) all += keep[c];
    ok(all == C, "no --neurons: every column kept");
    wk_select_add_list(&s.neurons, &s.n_neurons, "AV*,FOO", "--neurons");
    ok(wk_select_columns(keep, &s, rec, hits) == 2, "AV*,FOO: 2 extra columns kept (FOO, AVX)");
    size_t canon = 0;
    for (size_t c = 0; c < WK_ATLAS_SIZE; c++) canon += keep[c];
    ok(canon == 19, "AV*: 19 canonical columns (AVAL..AVM)");
    ok(keep[AVAL] && keep[AVAR] && !keep[ADAL] && !keep[RIML], "AVAL, AVAR kept; ADAL, RIML not");
    ok(keep[FOO] && keep[AVX] && !keep[BAR], "FOO, AVX kept; BAR not");
    ok(hits[0] == 20 && hits[1] == 1, "hits: AV* 20 (19 + AVX), FOO 1");
    s.labeled = 1;
    hits[0] = hits[1] = 0;
    ok(wk_select_columns(keep, &s, rec, hits) == 0, "--labeled: no extra column");
    ok(hits[0] == 19 && hits[1] == 0, "--labeled hits: AV* 19, FOO 0");
    wk_select_clear(&s);
}

static void test_cut(const struct wk_recording *rec)
{
    struct wk_select s;
    wk_select_init(&s);
    wk_select_add_list(&s.neurons, &s.n_neurons, "AV*,FOO", "--neurons");
    wk_select_parse_time(&s, "2:5");
    struct wk_recording *r = NULL;
    ok(wk_select_recording(&r, &s, rec, "x.h5", NULL) == 0 && r, "cut succeeds");
    if (!r) {
        wk_select_clear(&s);
        return;
    }
    ok(r->T == 3 && r->C == 302, "T 3, C 302 (300 + FOO + AVX)");
    ok(r->time[0] == 2.0 && r->time[1] == 3.0 && r->time[2] == 4.0, "time values kept: 2, 3, 4");
    ok(strcmp(r->id, "r1") == 0 && strcmp(r->dataset, "test") == 0 && strcmp(r->source_file, "r1.csv") == 0 &&
           r->worm == 3 && r->dt == 1.0,
       "id, dataset, source, worm, dt copied");
    const struct wk_attr *a = wk_recording_attr(r, "stimulus");
    const struct wk_attr *b = wk_recording_attr(r, "temperature");
    ok(a && a->str && strcmp(a->str, "O2 21%/4%") == 0 && b && !b->str && b->num == 20.5, "extra attributes copied");
    ok(strcmp(r->label[300], "FOO") == 0 && strcmp(r->label[301], "AVX") == 0, "extra labels in order");
    ok(strcmp(r->label[AVAL], "AVAL") == 0, "canonical label");
    ok(r->traces[0 * 302 + AVAL] == value(2, AVAL) && r->traces[2 * 302 + AVAL] == value(4, AVAL),
       "AVAL values at t = 2 and 4");
    ok(r->traces[1 * 302 + 300] == value(3, FOO) && r->traces[2 * 302 + 301] == value(4, AVX),
       "FOO at t = 3, AVX at t = 4");
    ok(isnan(r->traces[0 * 302 + ADAL]) && isnan(r->traces[1 * 302 + RIML]), "unselected canonical columns NaN");
    ok(r->present[AVAL] == 1 && r->present[300] == 1 && r->present[301] == 1, "present: AVAL, FOO, AVX");
    ok(r->present[ADAL] == 0 && r->present[RIML] == 0, "present 0: unselected ADAL, RIML");
    ok(r->present[AVAR] == 0, "present 0: AVAR has no finite value in 2:5");
    size_t n_present = 0;
    for (size_t c = 0; c < r->C; c++) n_present += r->present[c];
    ok(n_present == 3, "3 present columns");
    const struct wk_array *d = wk_recording_array(r, "derivative");
    ok(d && d->rank == 2 && d->dims[0] == 3 && d->dims[1] == 302, "derivative cut to [3][302]");
    ok(d && d->data[1 * 302 + 300] == 2 * value(3, FOO) && isnan(d->data[0 * 302 + ADAL]) &&
           d->data[0 * 302 + AVAL] == 2 * value(2, AVAL),
       "derivative values follow the traces");
    const struct wk_array *st = wk_recording_array(r, "stim");
    ok(st && st->rank == 1 && st->dims[0] == 3 && st->data[0] == 2.0f && st->data[2] == 4.0f,
       "stim [T] cut in time: 2, 3, 4");
    const struct wk_array *w = wk_recording_array(r, "w");
    ok(w && w->rank == 2 && w->dims[0] == 2 && w->dims[1] == 3 && w->data[5] == 5.0f, "w [2][3] copied unchanged");
    ok(wk_recording_validate(r, "x.h5") == 0, "the cut recording validates");
    wk_recording_free(r);

    s.labeled = 1;
    r = NULL;
    ok(wk_select_recording(&r, &s, rec, "x.h5", NULL) == 0 && r && r->C == 300, "--labeled: C 300");
    if (r) {
        const struct wk_array *d2 = wk_recording_array(r, "derivative");
        ok(d2 && d2->dims[1] == 300, "--labeled: derivative [3][300]");
    }
    wk_recording_free(r);

    wk_select_clear(&s);
    wk_select_parse_time(&s, "10:20");
    r = NULL;
    ok(wk_select_recording(&r, &s, rec, "x.h5", NULL) == WK_EINVAL && r == NULL, "empty range: WK_EINVAL");
    ok(strcmp(wk_test_last_msg, "'x.h5': recording 'r1': --time 10:20 leaves no sample (time runs from 0 to 5 s)") == 0,
       "empty range message names file and recording");
    wk_select_clear(&s);

    /* No filter at all: an identical copy. */
    r = NULL;
    ok(wk_select_recording(&r, &s, rec, "x.h5", NULL) == 0 && r && r->T == T && r->C == C, "no filter: same shape");
    ok(r && memcmp(r->present, rec->present, C) == 0 && strcmp(r->label[BAR], "BAR") == 0, "no filter: same columns");
    int same = r != NULL;
    for (size_t i = 0; same && i < (size_t)T * C; i++)
        same = (isnan(r->traces[i]) && isnan(rec->traces[i])) || r->traces[i] == rec->traces[i];
    ok(same, "no filter: same values");
    wk_recording_free(r);
}

/* "id" -> the unique name wk_select_unique_id gives it among taken. */
static int unique_is(const char *id, const char *want)
{
    char *taken[] = {"a", "a.2", "b"};
    char *got = NULL;
    int pass = wk_select_unique_id(&got, id, taken, 3) == 0 && got && strcmp(got, want) == 0;
    free(got);
    return pass;
}

static void test_unique_id(void)
{
    ok(unique_is("c", "c"), "free id kept");
    ok(unique_is("b", "b.2"), "b -> b.2");
    ok(unique_is("a", "a.3"), "a -> a.3 (a.2 taken)");
    ok(unique_is("a.2", "a.2.2"), "a.2 -> a.2.2");
}

static void test_inputs(void)
{
    char *one[] = {"a.h5", "-", "b.h5"};
    char *two[] = {"-", "a.h5", "-"};
    ok(wk_select_check_inputs(one, 3) == 0, "stdin once is fine");
    ok(wk_select_check_inputs(two, 3) == WK_EUSAGE, "stdin twice is a usage error");
    ok(strcmp(wk_test_last_msg, "stdin ('-') can be read only once") == 0, "stdin twice message");
    ok(wk_select_check_inputs(NULL, 0) == 0, "no operand");
}

int main(void)
{
    wk_library_init();
    wk_test_msgs_capture();
    test_match();
    test_lists();
    test_time_parse();
    test_time_indices();
    struct wk_recording *rec = make_recording();
    ok(rec != NULL, "test recording");
    if (rec) {
        test_columns(rec);
        test_cut(rec);
    }
    wk_recording_free(rec);
    test_unique_id();
    test_inputs();
    return wk_test_done();
}
