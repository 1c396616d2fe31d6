/* test-delimited.c - the CSV/TSV reader: parsed values, NaN cells, CRLF, BOM,
 * quoted headers, comments, each error with its exact message; and the
 * shared import steps (uniform dt, placement into a recording). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

static char logged[4096];
static int n_logged;

static void capture(enum wk_log_level level, const char *message, void *userdata)
{
    (void)userdata;
    if (level != WK_LOG_ERROR) return;
    n_logged++;
    snprintf(logged, sizeof logged, "%s", message);
}

/* Parse text as a stream named name; on error the table is NULL. */
static int parse(struct wk_import_table **t, const char *text, const char *name,
                 const struct wk_delim_options *o)
{
    n_logged = 0;
    logged[0] = '\0';
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    if (!fp) return -100;
    int rc = wk_delim_read(t, fp, name, o);
    fclose(fp);
    return rc;
}

static const struct wk_delim_options CSV = {',', 1, NULL, 0, NAN};
static const struct wk_delim_options TSV = {'\t', 1, NULL, 0, NAN};

static int label_is(const struct wk_import_table *t, size_t i, const char *want)
{
    return t && i < t->N && strcmp(t->labels[i], want) == 0;
}

static void test_basic_csv(void)
{
    struct wk_import_table *t = NULL;
    int rc = parse(&t, "time,AVAL,AVAR,foo\n"
                       "0,1.5,-2,3\n"
                       "0.5,,NaN,NA\n"
                       "1, 2.25 ,1e-3,-0\n", "a.csv", &CSV);
    ok(rc == 0 && t, "basic csv parses");
    if (!t) return;
    ok(t->T == 3 && t->N == 3, "3 samples, 3 neurons");
    ok(label_is(t, 0, "AVAL") && label_is(t, 1, "AVAR") && label_is(t, 2, "foo"), "labels");
    near(t->time[0], 0.0, 0, "time[0]");
    near(t->time[1], 0.5, 0, "time[1]");
    near(t->time[2], 1.0, 0, "time[2]");
    ok(t->values[0] == 1.5f && t->values[1] == -2.0f && t->values[2] == 3.0f, "row 0 exact");
    ok(isnan(t->values[3]) && isnan(t->values[4]) && isnan(t->values[5]), "empty, NaN, NA -> NaN");
    ok(t->values[6] == 2.25f && t->values[7] == 1e-3f && t->values[8] == 0.0f, "row 2 exact (blanks trimmed)");
    ok(signbit(t->values[8]), "-0 keeps its sign");
    ok(isnan(t->dt) && t->worm == -1 && !t->name && !t->canonical && !t->keep, "table defaults");
    wk_import_table_free(t);
}

static void test_crlf_bom_quotes_comments(void)
{
    struct wk_import_table *t = NULL;
    int rc = parse(&t, "\xEF\xBB\xBF# exported by a microscope\r\n"
                       "\"time\",\"AVAL\",\"A,B\",\"say \"\"hi\"\"\"\r\n"
                       "0,1,2,3\r\n"
                       "# a comment between rows\r\n"
                       "\r\n"
                       "0.25,\"4\",5,6\r\n", "b.csv", &CSV);
    ok(rc == 0 && t, "BOM, CRLF, quotes, comments, blank line");
    if (!t) return;
    ok(t->T == 2 && t->N == 3, "2 samples, 3 neurons");
    ok(label_is(t, 0, "AVAL") && label_is(t, 1, "A,B") && label_is(t, 2, "say \"hi\""),
       "quoted header fields unquoted");
    ok(t->time[1] == 0.25 && t->values[3] == 4.0f && t->values[5] == 6.0f, "values after CRLF");
    wk_import_table_free(t);

    rc = parse(&t, "\xEF\xBB\xBFtime,AVAL\n0,1\n", "c.csv", &CSV);
    ok(rc == 0 && t && label_is(t, 0, "AVAL"), "BOM directly before the header");
    wk_import_table_free(t);
}

static void test_tsv_and_blanks(void)
{
    struct wk_import_table *t = NULL;
    int rc = parse(&t, "t\tAVAL\t \tRIS\n0\t 1.5 \t\t7\n2\t-1\t8\tNaN\n", "a.tsv", &TSV);
    ok(rc == 0 && t, "tsv parses");
    if (t) {
        ok(t->N == 3 && label_is(t, 1, "") && label_is(t, 2, "RIS"), "empty header field kept as ''");
        ok(t->values[0] == 1.5f && isnan(t->values[1]) && t->values[2] == 7.0f, "tsv row 0");
        ok(t->values[3] == -1.0f && t->values[4] == 8.0f && isnan(t->values[5]), "tsv row 1");
        ok(t->time[1] == 2.0, "tsv time");
    }
    wk_import_table_free(t);

    const struct wk_delim_options blanks = {WK_DELIM_BLANKS, 0, NULL, 0, NAN};
    rc = parse(&t, "  0  1 2\n0.5\t3   4  \n", "g.txt", &blanks);
    ok(rc == 0 && t && t->T == 2 && t->N == 2, "blank-separated, no header");
    if (t)
        ok(label_is(t, 0, "") && t->time[1] == 0.5 && t->values[2] == 3.0f && t->values[3] == 4.0f,
           "blank-separated values");
    wk_import_table_free(t);

    const struct wk_delim_options blanks_header = {WK_DELIM_BLANKS, 1, NULL, 0, NAN};
    rc = parse(&t, "time \"AVA L\"  RIS\n0 \"1\" 2\n", "q.txt", &blanks_header);
    ok(rc == 0 && t && t->N == 2 && label_is(t, 0, "AVA L") && label_is(t, 1, "RIS") &&
           t->values[0] == 1.0f && t->values[1] == 2.0f,
       "blank-separated with a quoted header field");
    wk_import_table_free(t);
    {
        rc = parse(&t, "time \"a\"b\n", "q.txt", &blanks_header);
        ok(rc == WK_EFORMAT && strcmp(logged, "'q.txt': line 1: text after a closing quote") == 0,
           "blank-separated: text glued to a closing quote");
    }

    rc = parse(&t, "time_s,AVAL\n0,1\n", "x.csv", &CSV);
    ok(rc == 0 && t, "header time_s accepted");
    wk_import_table_free(t);
    rc = parse(&t, "Time,AVAL\n0,1\n", "x.csv", &CSV);
    ok(rc == 0 && t, "header Time accepted (case-insensitive)");
    wk_import_table_free(t);
}

static void test_time_options(void)
{
    struct wk_import_table *t = NULL;
    const struct wk_delim_options no_time = {',', 1, NULL, 1, 0.5};
    int rc = parse(&t, "AVAL,AVAR\n1,2\n3,4\n5,6\n", "n.csv", &no_time);
    ok(rc == 0 && t && t->T == 3 && t->N == 2, "--no-time: every column is a neuron");
    if (t) {
        near(t->time[0], 0.0, 0, "k*dt time[0]");
        near(t->time[2], 1.0, 0, "k*dt time[2]");
        ok(label_is(t, 0, "AVAL") && t->values[5] == 6.0f, "--no-time values");
    }
    wk_import_table_free(t);

    const struct wk_delim_options named = {',', 1, "sec", 0, NAN};
    rc = parse(&t, "AVAL,sec,AVAR\n1,10,2\n3,11,4\n", "s.csv", &named);
    ok(rc == 0 && t && t->N == 2 && label_is(t, 0, "AVAL") && label_is(t, 1, "AVAR"),
       "--time-column picks a column anywhere");
    if (t) ok(t->time[0] == 10 && t->time[1] == 11 && t->values[2] == 3.0f && t->values[3] == 4.0f,
              "--time-column values");
    wk_import_table_free(t);
}

/* One failing input: status, exactly one message, the message text. */
static void expect_error(const char *text, const struct wk_delim_options *o, int want_rc,
                         const char *want_msg, const char *what)
{
    static struct wk_import_table sentinel;
    struct wk_import_table *t = &sentinel; /* the reader must reset it to NULL */
    int rc = parse(&t, text, "a.csv", o);
    char desc[256];
    snprintf(desc, sizeof desc, "%s: status", what);
    ok(rc == want_rc && t == NULL, desc);
    snprintf(desc, sizeof desc, "%s: one message", what);
    ok(n_logged == 1, desc);
    snprintf(desc, sizeof desc, "%s: message text", what);
    ok(strcmp(logged, want_msg) == 0, desc);
    if (strcmp(logged, want_msg) != 0) printf("#   got:  %s\n#   want: %s\n", logged, want_msg);
}

static void test_errors(void)
{
    expect_error("time,AVAL,AVAR\n0,1,2\n1,1,2\n2,1,2\n3,1,2\n4,1,2\n5,abc,2\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 7, column 'AVAL': not a number: 'abc'", "non-numeric cell");
    expect_error("time,AVAL,AVAR\n0,1,2\n1,2\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 3: expected 3 fields, found 2", "ragged row (short)");
    expect_error("time,AVAL,AVAR\n0,1,2\n1,2,3,4\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 3: expected 3 fields, found 4", "ragged row (long)");
    expect_error("time,AVAL\n# c\n0,1\n0.5,1\n1,1\n1.5,1\n2,1\n2.5,1\n2.5,1\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 9: time not strictly increasing (2.5 after 2.5)", "repeated time");
    expect_error("time,AVAL\n1,1\n0.1,1\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 3: time not strictly increasing (0.1 after 1)", "decreasing time");
    expect_error("time,AVAL\n0,1\nNaN,1\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 3: time is not finite: 'NaN'", "NaN time");
    expect_error("time,AVAL\n0,1\n,1\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 3: time is not finite: ''", "empty time");
    expect_error("time,AVAL\n0,1\nx,1\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 3, column 'time': not a number: 'x'", "non-numeric time");
    expect_error("time,AVAL\n# only comments\n\n", &CSV, WK_EFORMAT, "'a.csv': no data rows",
                 "no data rows");
    expect_error("", &CSV, WK_EFORMAT, "'a.csv': empty file (no header row)", "empty file");
    expect_error("# nothing\r\n\r\n", &CSV, WK_EFORMAT, "'a.csv': empty file (no header row)",
                 "only comments");
    expect_error("0,1,2\n1,2,3\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 1: missing header row (first field '0' is a number)", "missing header");
    expect_error("AVAL,time\n1,0\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 1: first column must be the time (header 'time', 't' or 'time_s'), "
                 "found 'AVAL' (see --time-column and --no-time)", "time not first");
    expect_error("time\n0\n1\n", &CSV, WK_EFORMAT, "'a.csv': line 1: no neuron columns",
                 "no neuron columns");
    expect_error("\"time,AVAL\n0,1\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 1: unterminated quoted field", "unterminated quote");
    expect_error("\"time\"x,AVAL\n0,1\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 1: text after a closing quote", "text after quote");
    expect_error("time,AVAL\n0,1e39\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 2, column 'AVAL': not a finite float32 value: '1e39'",
                 "value beyond float32");
    expect_error("time,AVAL\n0,inf\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 2, column 'AVAL': not a number: 'inf'", "infinite value");
    expect_error("time,,AVAL\n0,1,2\n1,z,2\n", &CSV, WK_EFORMAT,
                 "'a.csv': line 3, column 2: not a number: 'z'", "unnamed column by number");
    const struct wk_delim_options named = {',', 1, "sec", 0, NAN};
    expect_error("time,AVAL\n0,1\n", &named, WK_EFORMAT, "'a.csv': line 1: no column named 'sec'",
                 "--time-column not found");
    const struct wk_delim_options bad_dt = {',', 1, NULL, 1, NAN};
    expect_error("AVAL\n1\n", &bad_dt, WK_EINVAL,
                 "'a.csv': a table without time needs a positive dt", "--no-time without dt");
}

static void test_nul_byte(void)
{
    static const char text[] = "time,AVAL\n0,1\n1\0,2\n";
    n_logged = 0;
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
    struct wk_import_table *t = NULL;
    int rc = fp ? wk_delim_read(&t, fp, "bin.csv", &CSV) : -100;
    if (fp) fclose(fp);
    ok(rc == WK_EFORMAT && !t && n_logged == 1 &&
           strcmp(logged, "'bin.csv': line 3: NUL byte (not a text file)") == 0,
       "NUL byte: not a text file");
}

static void test_uniform_dt(void)
{
    const double even[] = {10.0, 10.5, 11.0, 11.5};
    near(wk_import_uniform_dt(even, 4), 0.5, 0, "uniform steps: dt = 0.5");
    const double jitter[] = {0.0, 0.1, 0.2000000001, 0.3};
    near(wk_import_uniform_dt(jitter, 4), 0.1, 1e-12, "jitter below 1e-6 relative: uniform");
    const double uneven[] = {0.0, 0.1, 0.2, 0.35};
    ok(isnan(wk_import_uniform_dt(uneven, 4)), "uneven steps: NaN");
    ok(isnan(wk_import_uniform_dt(even, 1)), "one sample: NaN");
    const double pair[] = {1.0, 1.25};
    near(wk_import_uniform_dt(pair, 2), 0.25, 0, "two samples");

    const double bad[] = {0.0, 1.0, 1.0};
    n_logged = 0;
    ok(wk_import_check_time(bad, 3, "h.h5", "/time") == WK_EFORMAT && n_logged == 1 &&
           strcmp(logged, "'h.h5': /time[2]: time not strictly increasing (1 after 1)") == 0,
       "check_time message");
    ok(wk_import_check_time(even, 4, "h.h5", "/time") == 0, "check_time accepts increasing");
}

static void test_to_recording(void)
{
    struct wk_import_table *t = NULL;
    int rc = parse(&t, "time,AVAR,x,AVAR,AVAL\n0,1,2,3,NaN\n0.5,4,5,6,NaN\n1,7,8,9,NaN\n", "r.csv",
                   &CSV);
    ok(rc == 0 && t, "table for placement");
    if (!t) return;
    struct wk_recording *rec = NULL;
    struct wk_label_map *map = NULL;
    rc = wk_import_to_recording(&rec, &map, t);
    ok(rc == 0 && rec && map, "table -> recording");
    if (rec && map) {
        ok(rec->T == 3 && rec->C == 302, "T = 3, C = 300 + 2 extras");
        ok(rec->traces[0 * 302 + 54] == 1.0f && rec->traces[2 * 302 + 54] == 7.0f, "AVAR in column 54");
        ok(rec->traces[1 * 302 + 300] == 5.0f && strcmp(rec->label[300], "x") == 0, "x in column 300");
        ok(rec->traces[2 * 302 + 301] == 9.0f && strcmp(rec->label[301], "AVAR") == 0,
           "second AVAR in column 301 with its label");
        ok(rec->present[54] == 1 && rec->present[300] == 1 && rec->present[301] == 1 &&
               rec->present[53] == 0 && rec->present[0] == 0,
           "present: columns with data only (all-NaN AVAL absent)");
        ok(isnan(rec->traces[0]) && isnan(rec->traces[53]), "other columns NaN");
        near(rec->dt, 0.5, 0, "dt from uniform time");
        near(rec->time[2], 1.0, 0, "time copied");
        ok(map->decision[2] == WK_LABEL_DUPLICATE && map->decision[3] == WK_LABEL_CANONICAL,
           "map returned");
    }
    wk_recording_free(rec);
    wk_label_map_free(map);
    wk_import_table_free(t);
}

static void test_registry(void)
{
    ok(wk_import_format_for_path("dir/a.CSV") == wk_import_format_find("csv"), ".CSV -> csv");
    ok(wk_import_format_for_path("a.txt") == wk_import_format_find("tsv"), ".txt -> tsv");
    ok(wk_import_format_for_path("a.tsv") == wk_import_format_find("tsv"), ".tsv -> tsv");
    ok(wk_import_format_for_path("x/a.hdf5") == wk_import_format_find("h5"), ".hdf5 -> h5");
    ok(wk_import_format_for_path("a.dat") == NULL && wk_import_format_for_path("csv") == NULL &&
           wk_import_format_for_path("d.csv/a") == NULL,
       "unknown extensions");
    ok(wk_import_format_for_path("a.mat") == wk_import_format_find("mat"), ".mat -> mat");
}

int main(void)
{
    wk_set_progname("test-delimited");
    wk_log_set_hook(capture, NULL);
    test_basic_csv();
    test_crlf_bom_quotes_comments();
    test_tsv_and_blanks();
    test_time_options();
    test_errors();
    test_nul_byte();
    test_uniform_dt();
    test_to_recording();
    test_registry();
    return wk_test_done();
}
