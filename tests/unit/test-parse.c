/* test-parse.c - number parsing, the shared command line, exit statuses,
 * the progress bar. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wk_test.h"
#include "wk_test_msgs.h"
#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"

/* ---- capturing log messages, stdout and stderr ---- */

struct redirect {
    int fd, saved, target;
    char path[64];
};

static int redirect_begin(struct redirect *r, int target)
{
    static const char template[] = "/tmp/wk-test-parse.XXXXXX";
    memcpy(r->path, template, sizeof template);
    r->fd = mkstemp(r->path);
    if (r->fd < 0) return -1;
    fflush(stdout);
    fflush(stderr);
    r->target = target;
    r->saved = dup(target);
    dup2(r->fd, target);
    return 0;
}

/* Restore the descriptor and return what was written (static buffer). */
static const char *redirect_end(struct redirect *r)
{
    static char buf[8192];
    fflush(stdout);
    fflush(stderr);
    dup2(r->saved, r->target);
    close(r->saved);
    ssize_t n = pread(r->fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(r->fd);
    unlink(r->path);
    return buf;
}

/* ---- number parsing ---- */

static void test_parse_long(void)
{
    long v = -99;
    wk_test_msgs_capture();
    ok(wk_parse_long("42", 0, 100, "--n", &v) == 0 && v == 42, "long 42");
    ok(wk_parse_long("-7", -10, 10, "--n", &v) == 0 && v == -7, "long -7");
    ok(wk_parse_long("+5", 0, 10, "--n", &v) == 0 && v == 5, "long +5");
    ok(wk_parse_long("007", 0, 10, "--n", &v) == 0 && v == 7, "long 007 is decimal");
    ok(wk_parse_long("9223372036854775807", LONG_MIN, LONG_MAX, "--n", &v) == 0 && v == LONG_MAX, "long LONG_MAX");

    v = -99;
    wk_test_msgs_capture();
    ok(wk_parse_long("42x", 0, 100, "--window", &v) == WK_EUSAGE && v == -99, "long trailing junk rejected");
    ok(wk_test_n_msgs == 1 && strcmp(wk_test_last_msg, "invalid --window '42x'") == 0,
        "message names option and value");
    ok(wk_parse_long("", 0, 100, "--n", &v) == WK_EUSAGE, "long empty rejected");
    ok(wk_parse_long(" 5", 0, 100, "--n", &v) == WK_EUSAGE, "long leading blank rejected");
    ok(wk_parse_long("5 ", 0, 100, "--n", &v) == WK_EUSAGE, "long trailing blank rejected");
    ok(wk_parse_long("0x10", 0, 100, "--n", &v) == WK_EUSAGE, "long hex rejected");
    ok(wk_parse_long("1.5", 0, 100, "--n", &v) == WK_EUSAGE, "long fraction rejected");
    ok(wk_parse_long("-", 0, 100, "--n", &v) == WK_EUSAGE, "long lone sign rejected");
    ok(wk_parse_long(NULL, 0, 100, "--n", &v) == WK_EUSAGE, "long NULL rejected");

    wk_test_msgs_capture();
    ok(wk_parse_long("99999999999999999999", LONG_MIN, LONG_MAX, "--n", &v) == WK_EUSAGE, "long overflow rejected");
    ok(wk_parse_long("-99999999999999999999", LONG_MIN, LONG_MAX, "--n", &v) == WK_EUSAGE, "long underflow rejected");
    wk_test_msgs_capture();
    ok(wk_parse_long("0", 1, 4096, "--threads", &v) == WK_EUSAGE, "long below range rejected");
    ok(strcmp(wk_test_last_msg, "invalid --threads '0' (must be between 1 and 4096)") == 0, "range message");
    ok(wk_parse_long("4097", 1, 4096, "--threads", &v) == WK_EUSAGE, "long above range rejected");
    ok(wk_parse_long("4096", 1, 4096, "--threads", &v) == 0 && v == 4096, "long upper bound included");
    wk_test_msgs_capture();
    ok(wk_parse_long("0", 1, LONG_MAX, "--window", &v) == WK_EUSAGE &&
           strcmp(wk_test_last_msg, "invalid --window '0' (must be at least 1)") == 0, "open-ended range message");
}

static void test_parse_ulong(void)
{
    unsigned long u = 99;
    ok(wk_parse_ulong("0", ULONG_MAX, "--seed", &u) == 0 && u == 0, "ulong 0");
    ok(wk_parse_ulong("+3", ULONG_MAX, "--seed", &u) == 0 && u == 3, "ulong +3");
    ok(wk_parse_ulong("18446744073709551615", ULONG_MAX, "--seed", &u) == 0 && u == ULONG_MAX, "ulong ULONG_MAX");
    u = 99;
    wk_test_msgs_capture();
    ok(wk_parse_ulong("-1", ULONG_MAX, "--seed", &u) == WK_EUSAGE && u == 99, "ulong negative rejected");
    ok(strcmp(wk_test_last_msg, "invalid --seed '-1'") == 0, "ulong negative message");
    ok(wk_parse_ulong("-0", ULONG_MAX, "--seed", &u) == WK_EUSAGE, "ulong -0 rejected");
    ok(wk_parse_ulong(" 1", ULONG_MAX, "--seed", &u) == WK_EUSAGE, "ulong leading blank rejected");
    ok(wk_parse_ulong("18446744073709551616", ULONG_MAX, "--seed", &u) == WK_EUSAGE, "ulong overflow rejected");
    ok(wk_parse_ulong("12abc", ULONG_MAX, "--seed", &u) == WK_EUSAGE, "ulong trailing junk rejected");
    wk_test_msgs_capture();
    ok(wk_parse_ulong("11", 10, "--k", &u) == WK_EUSAGE && strcmp(wk_test_last_msg,
        "invalid --k '11' (must be at most 10)") == 0,
       "ulong range message");
}

static void test_parse_double(void)
{
    double d = -1;
    ok(wk_parse_double("0.333", 0, 10, "--dt", &d) == 0 && d == 0.333, "double 0.333");
    ok(wk_parse_double("-2.5e-3", -1, 1, "--x", &d) == 0 && d == -2.5e-3, "double exponent");
    ok(wk_parse_double("1e-400", 0, 1, "--x", &d) == 0 && d >= 0 && d < 1e-300, "double underflow accepted");
    ok(wk_parse_double(".5", 0, 1, "--x", &d) == 0 && d == 0.5, "double .5");
    d = -1;
    wk_test_msgs_capture();
    ok(wk_parse_double("nan", -HUGE_VAL, HUGE_VAL, "--x", &d) == WK_EUSAGE && d == -1, "double nan rejected");
    ok(strcmp(wk_test_last_msg, "invalid --x 'nan'") == 0, "double nan message");
    ok(wk_parse_double("inf", -HUGE_VAL, HUGE_VAL, "--x", &d) == WK_EUSAGE, "double inf rejected");
    ok(wk_parse_double("-Infinity", -HUGE_VAL, HUGE_VAL, "--x", &d) == WK_EUSAGE, "double -Infinity rejected");
    ok(wk_parse_double("1e999", -HUGE_VAL, HUGE_VAL, "--x", &d) == WK_EUSAGE, "double overflow rejected");
    ok(wk_parse_double("1.5x", 0, 10, "--x", &d) == WK_EUSAGE, "double trailing junk rejected");
    ok(wk_parse_double("", 0, 10, "--x", &d) == WK_EUSAGE, "double empty rejected");
    ok(wk_parse_double(" 1", 0, 10, "--x", &d) == WK_EUSAGE, "double leading blank rejected");
    ok(wk_parse_double("1,5", 0, 10, "--x", &d) == WK_EUSAGE, "double decimal comma rejected");
    wk_test_msgs_capture();
    ok(wk_parse_double("2", 0, 1, "--alpha", &d) == WK_EUSAGE &&
           strcmp(wk_test_last_msg, "invalid --alpha '2' (must be between 0 and 1)") == 0, "double range message");
    wk_test_msgs_capture();
    ok(wk_parse_double("0", 0.5, HUGE_VAL, "--dt", &d) == WK_EUSAGE &&
           strcmp(wk_test_last_msg, "invalid --dt '0' (must be at least 0.5)") == 0, "double open range message");
}

static void data_is(const char *s, double want, const char *what)
{
    double d = -12345;
    int rc = wk_parse_data_double(s, &d);
    ok(rc == 0 && ((isnan(want) && isnan(d)) || d == want), what);
}

static void data_rejects(const char *s, const char *what)
{
    double d = -12345;
    ok(wk_parse_data_double(s, &d) == WK_EFORMAT && d == -12345, what);
}

static void test_parse_data(void)
{
    wk_test_msgs_capture();
    data_is("1.5", 1.5, "data 1.5");
    data_is("  -2e3\t", -2000, "data blanks trimmed");
    data_is("3\r", 3, "data CR trimmed");
    data_is("", NAN, "data empty is NaN");
    data_is("   ", NAN, "data blank is NaN");
    data_is("nan", NAN, "data nan");
    data_is("NaN", NAN, "data NaN");
    data_is(" NA ", NAN, "data NA");
    data_is("0", 0, "data 0");
    data_rejects("inf", "data inf rejected");
    data_rejects("-inf", "data -inf rejected");
    data_rejects("1e999", "data overflow rejected");
    data_rejects("1.5.3", "data 1.5.3 rejected");
    data_rejects("abc", "data abc rejected");
    data_rejects("1 2", "data '1 2' rejected");
    data_rejects("N", "data N rejected");
    data_rejects("nan(1)", "data nan(1) rejected");
    data_rejects(NULL, "data NULL rejected");
    ok(wk_test_n_msgs == 0, "data parsing logs nothing");
}

/* ---- the command line ---- */

static const struct wk_tool TOOL = {
    "worm-test",
    "worm-test [options] [file...]\nworm-test --list",
    "Exercise the shared command line.",
    "  -x, --xval N         a value\n"
    "      --flag           a flag\n",
};

struct opts {
    int flag, xval, calls, fail_on_x;
};

static int handle_option(int key, const char *arg, void *ctx)
{
    struct opts *o = ctx;
    o->calls++;
    switch (key) {
    case 'F':
        o->flag = 1;
        return 0;
    case 'x':
        if (o->fail_on_x) {
            wk_cli_usage_error("bad x");
            return WK_EUSAGE;
        }
        o->xval = atoi(arg); /* test input is known-good */
        return 0;
    case 'P':
        return 0;
    default:
        return WK_EUSAGE;
    }
}

static const struct option LONGOPTS[] = {
    {"flag", no_argument, NULL, 'F'},
    {"xval", required_argument, NULL, 'x'},
    {"prob", required_argument, NULL, 'P'},
    {NULL, 0, NULL, 0},
};

#define ARGV(...) ((char *[]){"worm-test", __VA_ARGS__, NULL})
/* argc, argv for a call: ARGS("-o", "x") */
#define ARGS(...) (int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)) + 1, ARGV(__VA_ARGS__)

static int parse(struct wk_cli *cli, struct opts *o, int argc, char **argv)
{
    return wk_cli_parse(cli, &TOOL, argc, argv, "x:", LONGOPTS, handle_option, o);
}

/* Parse with stderr captured; returns the result and what was printed. */
static int parse_err(struct opts *o, int argc, char **argv, const char **err)
{
    struct wk_cli cli;
    struct redirect r;
    wk_log_set_hook(NULL, NULL);
    redirect_begin(&r, STDERR_FILENO);
    int rc = parse(&cli, o, argc, argv);
    *err = redirect_end(&r);
    return rc;
}

static void test_cli_options(void)
{
    struct wk_cli cli;
    struct opts o = {0};
    char *argv[] = {"worm-test", "in1.h5", "-o", "out.h5", "-@", "3", "--seed=42", "-v", "in2.h5",
                    "--progress", "-x", "7", "--flag", "-", NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    int first = parse(&cli, &o, argc, argv);
    ok(first == 11, "returns the index of the first operand");
    ok(cli.n_files == 3 && cli.files == argv + first, "three operands, after the options");
    ok(cli.n_files == 3 && strcmp(cli.files[0], "in1.h5") == 0 && strcmp(cli.files[1], "in2.h5") == 0 &&
           strcmp(cli.files[2], "-") == 0, "operands in order, wherever they were");
    ok(cli.output && strcmp(cli.output, "out.h5") == 0, "-o sets output");
    ok(cli.threads == 3, "-@ sets threads");
    ok(cli.seed == 42 && cli.seed_given, "--seed= sets seed");
    ok(cli.verbose == 1 && !cli.quiet && cli.progress == 1, "-v and --progress");
    ok(o.xval == 7 && o.flag == 1 && o.calls == 2, "tool options reach the callback");
    ok(wk_log_get_level() == WK_LOG_INFO, "-v sets log level INFO");
    ok(strcmp(wk_progname(), "worm-test") == 0, "progname set from the tool");
    ok(wk_cli_threads(&cli) == 3, "wk_cli_threads uses -@");

    /* Second call in the same process: getopt state must be reset. */
    struct opts o2 = {0};
    first = parse(&cli, &o2, ARGS("-q", "--xval", "9", "a.h5"));
    ok(first == 4 && cli.n_files == 1 && strcmp(cli.files[0], "a.h5") == 0, "second parse in one process");
    ok(cli.quiet && o2.xval == 9 && cli.output == NULL && cli.threads == 0, "second parse starts afresh");
    ok(cli.seed == 1 && !cli.seed_given, "seed defaults to 1");
    ok(wk_log_get_level() == WK_LOG_ERROR, "-q sets log level ERROR");
    ok(wk_cli_threads(&cli) >= 1, "wk_cli_threads defaults to the core count");

    first = parse(&cli, &o2, ARGS("-vv", "--", "-o", "x"));
    ok(first == 3 && cli.n_files == 2 && strcmp(cli.files[0], "-o") == 0 && cli.output == NULL,
       "'--' ends the options");
    ok(wk_log_get_level() == WK_LOG_DEBUG, "-vv sets log level DEBUG");

    first = parse(&cli, &o2, ARGS("--out", "o.h5", "--thr=2", "f"));
    ok(first == 4 && cli.output && strcmp(cli.output, "o.h5") == 0 && cli.threads == 2, "unambiguous prefixes accepted");
    wk_log_set_level(WK_LOG_WARN);
}

static void usage_error_is(int argc, char **argv, const char *want_line, const char *what)
{
    struct opts o = {0};
    const char *err;
    int rc = parse_err(&o, argc, argv, &err);
    char want[512];
    snprintf(want, sizeof want, "worm-test: %s\nTry 'worm-test --help' for more information.\n", want_line);
    ok(rc == WK_EUSAGE && strcmp(err, want) == 0, what);
    if (strcmp(err, want) != 0) printf("#   got: %s", err);
}

static void test_cli_errors(void)
{
    usage_error_is(ARGS("--foo"), "unrecognized option '--foo'", "unknown long option");
    usage_error_is(ARGS("a", "--foo=3", "b"), "unrecognized option '--foo=3'", "unknown long option with value");
    usage_error_is(ARGS("-k"), "invalid option -- 'k'", "unknown short option");
    usage_error_is(ARGS("-qk"), "invalid option -- 'k'", "unknown short option in a cluster");
    usage_error_is(ARGS("f", "-o"), "option requires an argument -- 'o'", "missing short argument");
    usage_error_is(ARGS("f", "--output"), "option '--output' requires an argument", "missing long argument");
    usage_error_is(ARGS("--quiet=3"), "option '--quiet' doesn't allow an argument", "argument to a flag");
    usage_error_is(ARGS("--pro", "1"), "option '--pro' is ambiguous", "ambiguous prefix");
    usage_error_is(ARGS("-@", "0", "f"), "invalid --threads '0' (must be between 1 and 4096)", "threads out of range");
    usage_error_is(ARGS("-@", "4097", "f"), "invalid --threads '4097' (must be between 1 and 4096)", "threads too many");
    usage_error_is(ARGS("--seed", "-1", "f"), "invalid --seed '-1'", "negative seed");
    usage_error_is(ARGS("-o", "", "f"), "invalid --output '' (empty file name)", "empty output name");

    struct opts o = {.fail_on_x = 1};
    const char *err;
    int rc = parse_err(&o, ARGS("-x", "1", "f"), &err);
    ok(rc == WK_EUSAGE && strcmp(err, "worm-test: bad x\nTry 'worm-test --help' for more information.\n") == 0,
       "callback usage error propagates");
}

/* A terminal on stdin: no operand means usage error (unless disabled). */
static void test_cli_no_input(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        wk_test_count++;
        printf("ok %d # skip no pseudo-terminal available\n", wk_test_count);
        if (master >= 0) close(master);
        return;
    }
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    int saved = dup(STDIN_FILENO);
    dup2(slave, STDIN_FILENO);

    struct opts o = {0};
    const char *err;
    int rc = parse_err(&o, ARGS("-q"), &err);
    ok(rc == WK_EUSAGE && strcmp(err, "worm-test: no input (give a file, or '-' for stdin)\n"
                                      "Try 'worm-test --help' for more information.\n") == 0,
       "no operand with a terminal on stdin is a usage error");
    rc = parse_err(&o, ARGS("-q", "-"), &err);
    ok(rc == 2 && err[0] == '\0', "'-' is an operand even with a terminal");
    wk_cli_needs_input = 0;
    rc = parse_err(&o, ARGS("-q"), &err);
    ok(rc == 2 && err[0] == '\0', "generator tools need no input");
    wk_cli_needs_input = 1;

    dup2(saved, STDIN_FILENO);
    close(saved);
    close(slave);
    close(master);
}

static void test_cli_help_version(void)
{
    struct wk_cli cli;
    struct opts o = {0};
    struct redirect r;

    redirect_begin(&r, STDOUT_FILENO);
    int rc = parse(&cli, &o, ARGS("a.h5", "--help", "--bogus"));
    const char *out = redirect_end(&r);
    ok(rc == WK_CLI_DONE, "--help returns WK_CLI_DONE");
    const char *head = "Usage: worm-test [options] [file...]\n"
                       "   or: worm-test --list\n"
                       "\n"
                       "Exercise the shared command line.\n"
                       "\n"
                       "Options:\n"
                       "  -x, --xval N         a value\n"
                       "      --flag           a flag\n"
                       "\n"
                       "Common options:\n"
                       "  -o, --output FILE   write to FILE (default: stdout); FILE is written atomically\n";
    ok(strncmp(out, head, strlen(head)) == 0, "help starts with usage, summary, options");
    if (strncmp(out, head, strlen(head)) != 0) printf("# got:\n%s", out);
    const char *tail = "  -V, --version       show version information and exit\n\nSee worm-test(1) for details.\n";
    size_t n = strlen(out), nt = strlen(tail);
    ok(n > nt && strcmp(out + n - nt, tail) == 0, "help ends with the man page pointer");

    static const struct wk_tool BARE = {"worm-bare", "worm-bare [options]", "Bare tool.", ""};
    redirect_begin(&r, STDOUT_FILENO);
    rc = wk_cli_parse(&cli, &BARE, ARGS("-h"), NULL, NULL, NULL, NULL);
    out = redirect_end(&r);
    const char *bare = "Usage: worm-bare [options]\n\nBare tool.\n\nCommon options:\n";
    ok(rc == WK_CLI_DONE && strncmp(out, bare, strlen(bare)) == 0,
       "no tool options: no Options block");

    redirect_begin(&r, STDOUT_FILENO);
    rc = parse(&cli, &o, ARGS("-V"));
    out = redirect_end(&r);
    ok(rc == WK_CLI_DONE, "-V returns WK_CLI_DONE");
    char first_line[128];
    snprintf(first_line, sizeof first_line, "worm-test (wormkit %s)\nHDF5 1.", WK_VERSION);
    ok(strncmp(out, first_line, strlen(first_line)) == 0, "version line then HDF5");
    ok(strstr(out, "\nFFTW 3.") && strstr(out, "\nGSL 2.") && strstr(out, "\nzlib 1."), "FFTW, GSL, zlib versions");
    ok(strcmp(wk_version(), WK_VERSION) == 0, "wk_version is WK_VERSION");
}

/* ---- exit statuses (in a child: wk_cli_exit closes stdout) ---- */

enum out_kind { OUT_FILE, OUT_CLOSED_PIPE, OUT_FULL };

static int exit_status(int rc, enum out_kind kind, const char *write, const char **err)
{
    struct redirect r;
    redirect_begin(&r, STDERR_FILENO);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = -1;
        if (kind == OUT_CLOSED_PIPE) {
            int p[2];
            if (pipe(p) != 0) _exit(99);
            close(p[0]);
            fd = p[1];
            signal(SIGPIPE, SIG_IGN);
        } else {
            fd = open(kind == OUT_FULL ? "/dev/full" : "/dev/null", O_WRONLY);
        }
        dup2(fd, STDOUT_FILENO);
        wk_set_progname("worm-test");
        wk_log_set_hook(NULL, NULL);
        if (write) fputs(write, stdout);
        _exit(wk_cli_exit(rc));
    }
    int status = -1;
    waitpid(pid, &status, 0);
    *err = redirect_end(&r);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cli_exit(void)
{
    const char *err;
    ok(exit_status(0, OUT_FILE, "data", &err) == 0 && !*err, "0 exits 0");
    ok(exit_status(WK_CLI_DONE, OUT_FILE, NULL, &err) == 0, "WK_CLI_DONE exits 0");
    ok(exit_status(WK_EUSAGE, OUT_FILE, NULL, &err) == 2, "WK_EUSAGE exits 2");
    ok(exit_status(WK_EFORMAT, OUT_FILE, NULL, &err) == 1, "WK_EFORMAT exits 1");
    ok(exit_status(WK_EHDF5, OUT_FILE, NULL, &err) == 1, "WK_EHDF5 exits 1");
    ok(exit_status(WK_EPIPE, OUT_CLOSED_PIPE, "data", &err) == 1 && !*err, "WK_EPIPE exits 1 quietly");
    ok(exit_status(0, OUT_CLOSED_PIPE, "data", &err) == 1 && !*err, "closed pipe at flush exits 1 quietly");
    int st = exit_status(0, OUT_FULL, "data", &err);
    ok(st == 1 && strcmp(err, "worm-test: write error: No space left on device\n") == 0, "full disk reported");
    if (strcmp(err, "worm-test: write error: No space left on device\n") != 0) printf("#   got: %s", err);
}

/* ---- progress ---- */

static void test_progress(void)
{
    struct wk_cli cli = {0};
    struct redirect r;
    cli.progress = 1;
    redirect_begin(&r, STDERR_FILENO);
    struct wk_progress *p = wk_progress_start(&cli, "fit", 10, "iter");
    wk_progress_update(p, 5);
    wk_progress_update(p, 6); /* within 0.2 s of the first: not drawn */
    wk_progress_finish(p);
    const char *err = redirect_end(&r);
    ok(strncmp(err, "\rfit  50% ", 10) == 0, "first update drawn: label and percentage");
    ok(strstr(err, " iter/s ETA ") != NULL, "rate and ETA");
    ok(strstr(err, "\rfit  60% ") != NULL, "finish draws the final state");
    size_t n = strlen(err);
    ok(n > 15 && strcmp(err + n - 15, "iter/s in 0:00\n") == 0, "final line ends with elapsed time and newline");
    ok(strchr(err, '\n') == err + n - 1, "only the final line ends with a newline");

    cli.quiet = 1;
    redirect_begin(&r, STDERR_FILENO);
    p = wk_progress_start(&cli, "fit", 10, "iter");
    ok(p != NULL, "quiet progress still allocates");
    wk_progress_update(p, 5);
    wk_progress_finish(p);
    err = redirect_end(&r);
    ok(*err == '\0', "-q silences the progress bar");

    cli.quiet = 0;
    cli.progress = 0;
    redirect_begin(&r, STDERR_FILENO);
    p = wk_progress_start(&cli, "fit", 10, "iter");
    wk_progress_update(p, 5);
    wk_progress_finish(p);
    err = redirect_end(&r);
    ok(*err == '\0', "no bar when stderr is not a terminal");
    wk_progress_update(NULL, 1);
    wk_progress_finish(NULL);
    ok(1, "NULL progress is a no-op");
}

int main(void)
{
    struct redirect r;
    wk_set_progname("worm-test");
    redirect_begin(&r, STDERR_FILENO); /* the "Try ..." lines of usage errors */
    test_parse_long();
    test_parse_ulong();
    test_parse_double();
    const char *err = redirect_end(&r);
    const char *hint = "Try 'worm-test --help' for more information.\n";
    ok(strncmp(err, hint, strlen(hint)) == 0,
       "usage errors add the --help hint on stderr");
    test_parse_data();
    wk_log_set_hook(NULL, NULL);
    wk_cli_needs_input = 0; /* stdin may be a terminal when run by hand */
    test_cli_options();
    test_cli_errors();
    test_cli_help_version();
    wk_cli_needs_input = 1;
    test_cli_no_input();
    test_cli_exit();
    test_progress();
    return wk_test_done();
}
