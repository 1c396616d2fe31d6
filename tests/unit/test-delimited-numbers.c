/* test-delimited-numbers.c - the CSV reader's number parsing (a fast path
 * for plain decimals, strtod for the rest) gives exactly strtod's double,
 * bit for bit, on edge strings and on random decimals of every length and
 * exponent; NaN, inf, empty and garbage cells behave as before. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

static const struct wk_delim_options CSV = {',', 1, NULL, 0, NAN};

static int read_text(struct wk_import_table **t, const char *text)
{
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    if (!fp) return -100;
    int rc = wk_delim_read(t, fp, "n.csv", &CSV);
    fclose(fp);
    return rc;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* One row "s,1": the time column keeps the parsed double. */
static int parses_as_strtod(const char *s)
{
    char text[256];
    struct wk_import_table *t = NULL;
    double want = strtod(s, NULL);
    snprintf(text, sizeof text, "time,a\n%s,1\n", s);
    int good = read_text(&t, text) == 0 && t && same_bits(t->time[0], want);
    if (!good) printf("#   '%s': want %a\n", s, want);
    wk_import_table_free(t);
    return good;
}

static void test_edges(void)
{
    static const char *const edges[] = {
        "0", "-0", "+0", "0.0", "-0.0", "00000", "1", "-1", "+1", ".5", "5.", "-.5", "+.5", "1.e5",
        "0.1", "0.2", "0.3", "0.333", "1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324",
        "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993", "900719925474099.3",
        "123456789012345678901234567890", "0.000000000000000000000000000001", "1e22", "1e23", "1e-22",
        "1e-23", "9007199254740991e22", "9007199254740991e-22", "9007199254740991e23", "1E5", "1e+05",
        "1e-0005", "3.14159265358979323846", "2.718281828459045", "0.1e1", "100e-2", "1.000000000000000000001",
        "8.589973e9", "4503599627370497.5", "1e0", "0e0", "0e99999", "-0e-99999", "123.456e-10", "0.6",
        "1.5", "7e-10", "-1234.5678",
    };
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        char what[96];
        snprintf(what, sizeof what, "'%s' parses to strtod's double", edges[i]);
        ok(parses_as_strtod(edges[i]), what);
    }
}

/* A random plain decimal: up to 20 digits around an optional point, an
 * optional exponent of -40..40, an optional sign. */
static void random_decimal(char *buf, size_t size, unsigned *seed)
{
    size_t n = 0;
    int digits = 1 + rand_r(seed) % 20, point = rand_r(seed) % (digits + 2) - 1;
    if (rand_r(seed) % 4 == 0) buf[n++] = rand_r(seed) % 2 ? '-' : '+';
    for (int i = 0; i < digits; i++) {
        if (i == point) buf[n++] = '.';
        buf[n++] = (char)('0' + rand_r(seed) % 10);
    }
    if (rand_r(seed) % 3 == 0) n += (size_t)snprintf(buf + n, size - n, "e%d", rand_r(seed) % 81 - 40);
    buf[n] = '\0';
}

static int compare_times(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* 20000 random decimals, one table: sorted by value (strictly increasing
 * times), each time bit-equal to strtod. */
static void test_random(void)
{
    enum { N = 20000, LEN = 48 };
    char(*strings)[LEN] = malloc(N * sizeof *strings);
    double(*order)[2] = malloc(N * sizeof *order);
    char *text = malloc((size_t)N * (2 * LEN + 2) + 16);
    unsigned seed = 12345;
    size_t n = 0, at, bad = 0;
    for (size_t i = 0; i < N; i++) {
        random_decimal(strings[i], LEN, &seed);
        order[i][0] = strtod(strings[i], NULL);
        order[i][1] = (double)i;
    }
    qsort(order, N, sizeof *order, compare_times);
    at = (size_t)sprintf(text, "time,a\n");
    for (size_t i = 0; i < N; i++) {
        if (i > 0 && !(order[i][0] > order[i - 1][0])) continue; /* equal values: one of them */
        const char *s = strings[(size_t)order[i][1]];
        at += (size_t)sprintf(text + at, "%s,1\n", s);
        order[n][0] = order[i][0];
        order[n++][1] = order[i][1];
    }
    struct wk_import_table *t = NULL;
    ok(read_text(&t, text) == 0 && t && t->T == n, "random decimals: one table of the distinct values");
    for (size_t i = 0; t && i < n; i++) {
        if (!same_bits(t->time[i], order[i][0]) && bad++ < 5)
            printf("#   '%s': got %a, want %a\n", strings[(size_t)order[i][1]], t->time[i], order[i][0]);
    }
    ok(t && bad == 0, "random decimals: every time bit-equal to strtod");
    ok(n > N / 2, "random decimals: most of them distinct");
    wk_import_table_free(t);
    free(strings);
    free(order);
    free(text);
}

static void test_not_plain(void)
{
    struct wk_import_table *t = NULL;
    ok(read_text(&t, "time,a,b,c,d,e,f\n0,nan,NaN,,NA,n/a, 0x10 \n") == 0 && t, "nan, NaN, empty, NA, n/a, hex");
    ok(t && isnan(t->values[0]) && isnan(t->values[1]) && isnan(t->values[2]) && isnan(t->values[3]) &&
           isnan(t->values[4]),
       "nan, NaN, empty, NA and n/a cells are NaN");
    ok(t && t->values[5] == 16.0f, "a hexadecimal cell is still read by strtod (0x10 = 16)");
    wk_import_table_free(t);
    t = NULL;
    ok(read_text(&t, "time,a\n0,inf\n") == WK_EFORMAT && !t, "inf: refused (not a finite float32)");
    ok(read_text(&t, "time,a\n0,1e\n") == WK_EFORMAT && !t, "'1e': refused (not a number)");
    ok(read_text(&t, "time,a\n0,1.2.3\n") == WK_EFORMAT && !t, "'1.2.3': refused");
    ok(read_text(&t, "time,a\n0,--1\n") == WK_EFORMAT && !t, "'--1': refused");
    ok(read_text(&t, "time,a\n0,1e5x\n") == WK_EFORMAT && !t, "'1e5x': refused");
    ok(read_text(&t, "time,a\n0,1e400\n") == WK_EFORMAT && !t, "'1e400': refused (overflow)");
    ok(read_text(&t, "time,a\n.,1\n") == WK_EFORMAT && !t, "time '.': refused");
}

static void quiet(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)message;
    (void)userdata;
}

int main(void)
{
    wk_library_init();
    wk_log_set_hook(quiet, NULL);
    test_edges();
    test_random();
    test_not_plain();
    return wk_test_done();
}
