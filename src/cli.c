/* cli.c - the command line shared by every wormkit tool. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fftw3.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <zlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "wormkit/wk_cli.h"
#include "wormkit/wk_error.h"
#include "wormkit/wk_file.h"
#include "wormkit/wk_mpi.h"

#ifndef WK_VERSION
#define WK_VERSION "unknown"
#endif

#define MAX_THREADS 4096
#define OPT_PROGRESS 0x10001 /* long-only option: outside the char range */

int wk_cli_needs_input = 1;

const char *wk_version(void)
{
    return WK_VERSION;
}

/* Under mpirun every rank parses the same command line: only rank 0
 * explains a usage error, so the user reads it once. */
void wk_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    if (wk_mpi_rank() != 0) return;
    va_start(ap, fmt);
    wk_vlog(WK_LOG_ERROR, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", wk_progname());
}

/* ---- number parsing ---- */

static int report_invalid(const char *what, const char *s)
{
    wk_cli_usage_error("invalid %s '%s'", what, s);
    return WK_EUSAGE;
}

/* The whole string must be the number: no leading blanks (strto* would skip
 * them), no trailing characters, not empty. */
static int starts_like_number(const char *s)
{
    return s && *s && !isspace((unsigned char)*s);
}

int wk_parse_long(const char *s, long lo, long hi, const char *what, long *out)
{
    if (!starts_like_number(s)) return report_invalid(what, s ? s : "");
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end) return report_invalid(what, s);
    if (errno == ERANGE || v < lo || v > hi) {
        if (hi == LONG_MAX)
            wk_cli_usage_error("invalid %s '%s' (must be at least %ld)", what, s, lo);
        else if (lo == LONG_MIN)
            wk_cli_usage_error("invalid %s '%s' (must be at most %ld)", what, s, hi);
        else
            wk_cli_usage_error("invalid %s '%s' (must be between %ld and %ld)", what, s, lo, hi);
        return WK_EUSAGE;
    }
    *out = v;
    return 0;
}

int wk_parse_ulong(const char *s, unsigned long hi, const char *what, unsigned long *out)
{
    /* strtoul accepts "-1" and wraps it to ULONG_MAX: refuse any sign but '+'. */
    if (!starts_like_number(s) || *s == '-') return report_invalid(what, s ? s : "");
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end) return report_invalid(what, s);
    if (errno == ERANGE || v > hi) {
        wk_cli_usage_error("invalid %s '%s' (must be at most %lu)", what, s, hi);
        return WK_EUSAGE;
    }
    *out = v;
    return 0;
}

/* strtod of the whole of [s, s+len): 0, or -1 when not a number, or 1 when
 * it overflows.  Underflow to a tiny or zero value is accepted. */
static int strict_strtod(const char *s, size_t len, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || (size_t)(end - s) != len) return -1;
    if (!isfinite(v)) return -1; /* "inf", "nan", "nan(...)" */
    if (errno == ERANGE && fabs(v) > DBL_MIN) return 1;
    *out = v;
    return 0;
}

int wk_parse_double(const char *s, double lo, double hi, const char *what, double *out)
{
    if (!starts_like_number(s)) return report_invalid(what, s ? s : "");
    double v;
    int r = strict_strtod(s, strlen(s), &v);
    if (r < 0) return report_invalid(what, s);
    if (r > 0 || v < lo || v > hi) {
        if (isinf(hi) && isinf(lo))
            wk_cli_usage_error("invalid %s '%s' (out of range)", what, s);
        else if (isinf(hi))
            wk_cli_usage_error("invalid %s '%s' (must be at least %g)", what, s, lo);
        else if (isinf(lo))
            wk_cli_usage_error("invalid %s '%s' (must be at most %g)", what, s, hi);
        else
            wk_cli_usage_error("invalid %s '%s' (must be between %g and %g)", what, s, lo, hi);
        return WK_EUSAGE;
    }
    *out = v;
    return 0;
}

int wk_parse_data_double(const char *s, double *out)
{
    if (!s) return WK_EFORMAT;
    while (isspace((unsigned char)*s)) s++;
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1])) len--;

    if (len == 0 || (len == 3 && strncasecmp(s, "nan", 3) == 0) || (len == 2 && strncmp(s, "NA", 2) == 0)) {
        *out = NAN;
        return 0;
    }
    double v;
    if (strict_strtod(s, len, &v) != 0) return WK_EFORMAT;
    *out = v;
    return 0;
}

/* ---- help and version ---- */

static void print_block(FILE *f, const char *text)
{
    size_t n = strlen(text);
    fputs(text, f);
    if (n > 0 && text[n - 1] != '\n') fputc('\n', f);
}

void wk_cli_print_help(const struct wk_tool *tool)
{
    const char *line = tool->synopsis ? tool->synopsis : tool->name;
    for (int first = 1; *line; first = 0) {
        size_t len = strcspn(line, "\n");
        printf("%s%.*s\n", first ? "Usage: " : "   or: ", (int)len, line);
        line += len;
        if (*line == '\n') line++;
    }
    if (tool->summary && *tool->summary) {
        fputc('\n', stdout);
        print_block(stdout, tool->summary);
    }
    fputc('\n', stdout);
    if (tool->options && *tool->options) {
        fputs("Options:\n", stdout);
        print_block(stdout, tool->options);
        fputc('\n', stdout);
    }
    fputs("Common options:\n"
          "  -o, --output FILE   write to FILE (default: stdout); FILE is written atomically\n"
          "  -@, --threads N     worker threads (default: all cores)\n"
          "  -s, --seed N        random seed (default: 1)\n"
          "  -q, --quiet         errors only; no progress bar\n"
          "  -v, --verbose       more messages on stderr\n"
          "      --progress      show a progress bar even when stderr is not a terminal\n"
          "  -h, --help          show this help and exit\n"
          "  -V, --version       show version information and exit\n"
          "\n",
          stdout);
    printf("See %s(1) for details.\n", tool->name);
}

void wk_cli_print_version(const struct wk_tool *tool)
{
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    /* fftw_version reads "fftw-3.3.10-sse2-avx": drop the redundant prefix. */
    const char *fftw = fftw_version;
    if (strncmp(fftw, "fftw-", 5) == 0) fftw += 5;
    printf("%s (wormkit %s)\n", tool->name, wk_version());
    printf("HDF5 %u.%u.%u\n", maj, min, rel);
    printf("FFTW %s\n", fftw);
    printf("GSL %s\n", gsl_version);
    printf("zlib %s\n", zlibVersion());
}

/* ---- option table ---- */

static const struct option common_longopts[] = {
    {"output", required_argument, NULL, 'o'},
    {"threads", required_argument, NULL, '@'},
    {"seed", required_argument, NULL, 's'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};
#define N_COMMON (sizeof common_longopts / sizeof common_longopts[0])
#define COMMON_SHORTOPTS "o:@:s:qvhV"

/* Tool options, then the common ones, then the terminator. */
static struct option *merge_longopts(const struct option *tool_opts)
{
    size_t n = 0;
    while (tool_opts && tool_opts[n].name) n++;
    struct option *all = calloc(n + N_COMMON + 1, sizeof *all);
    if (!all) return NULL;
    if (n) memcpy(all, tool_opts, n * sizeof *all);
    memcpy(all + n, common_longopts, sizeof common_longopts);
    return all;
}

/* ':' first so that a missing argument is told apart from an unknown option;
 * a tool's leading '+', '-' or ':' is dropped: operands may appear anywhere. */
static char *merge_shortopts(const char *tool_opts)
{
    if (!tool_opts) tool_opts = "";
    tool_opts += strspn(tool_opts, "+-:");
    size_t n = strlen(tool_opts);
    char *all = malloc(1 + n + sizeof COMMON_SHORTOPTS);
    if (!all) return NULL;
    all[0] = ':';
    memcpy(all + 1, tool_opts, n);
    memcpy(all + 1 + n, COMMON_SHORTOPTS, sizeof COMMON_SHORTOPTS);
    return all;
}

/* getopt_long is silenced (opterr = 0): say what went wrong, GNU-style. */
static int count_prefix_matches(const struct option *longopts, const char *arg)
{
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    int n = 0;
    for (const struct option *o = longopts; o->name; o++)
        if (strncmp(o->name, name, len) == 0) n++;
    return n;
}

static void report_bad_option(int c, char **argv, const struct option *longopts)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    int is_long = arg && strncmp(arg, "--", 2) == 0;
    if (c == ':') {
        if (is_long)
            wk_cli_usage_error("option '%s' requires an argument", arg);
        else
            wk_cli_usage_error("option requires an argument -- '%c'", optopt);
    } else if (is_long) {
        const char *eq = strchr(arg, '=');
        if (optopt && eq)
            wk_cli_usage_error("option '%.*s' doesn't allow an argument", (int)(eq - arg), arg);
        else if (count_prefix_matches(longopts, arg) > 1)
            wk_cli_usage_error("option '%s' is ambiguous", arg);
        else
            wk_cli_usage_error("unrecognized option '%s'", arg);
    } else if (isprint(optopt)) {
        wk_cli_usage_error("invalid option -- '%c'", optopt);
    } else {
        wk_cli_usage_error("invalid option '%s'", arg);
    }
}

static int handle_common(struct wk_cli *cli, const struct wk_tool *tool, int c, const char *arg)
{
    long threads;
    switch (c) {
    case 'o':
        if (!*arg) {
            wk_cli_usage_error("invalid --output '' (empty file name)");
            return WK_EUSAGE;
        }
        cli->output = arg;
        return 0;
    case '@':
        if (wk_parse_long(arg, 1, MAX_THREADS, "--threads", &threads) != 0) return WK_EUSAGE;
        cli->threads = (int)threads;
        return 0;
    case 's':
        if (wk_parse_ulong(arg, ULONG_MAX, "--seed", &cli->seed) != 0) return WK_EUSAGE;
        cli->seed_given = 1;
        return 0;
    case 'q':
        cli->quiet = 1;
        cli->verbose = 0;
        return 0;
    case 'v':
        cli->verbose++;
        cli->quiet = 0;
        return 0;
    case OPT_PROGRESS:
        cli->progress = 1;
        return 0;
    case 'h':
        wk_cli_print_help(tool);
        return WK_CLI_DONE;
    case 'V':
        wk_cli_print_version(tool);
        return WK_CLI_DONE;
    default:
        return 1; /* not a common option */
    }
}

static void reset_getopt(void)
{
#ifdef __GLIBC__
    optind = 0; /* glibc: full re-initialisation, including its internal state */
#else
    optind = 1;
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    optreset = 1;
#endif
#endif
    opterr = 0;
}

static void apply_log_level(const struct wk_cli *cli)
{
    if (cli->quiet)
        wk_log_set_level(WK_LOG_ERROR);
    else if (cli->verbose >= 2)
        wk_log_set_level(WK_LOG_DEBUG);
    else if (cli->verbose == 1)
        wk_log_set_level(WK_LOG_INFO);
    else
        wk_log_set_level(WK_LOG_WARN);
}

static int parse_options(struct wk_cli *cli, const struct wk_tool *tool, int argc, char **argv,
                         const char *shortopts, const struct option *longopts,
                         wk_cli_option_fn fn, void *ctx)
{
    for (;;) {
        int c = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (c == -1) return 0;
        if (c == 0) continue; /* a tool option with a flag pointer */
        if (c == '?' || c == ':') {
            report_bad_option(c, argv, longopts);
            return WK_EUSAGE;
        }
        int rc = handle_common(cli, tool, c, optarg);
        if (rc == 1) {
            if (!fn) {
                wk_cli_usage_error("option not handled");
                return WK_EUSAGE;
            }
            rc = fn(c, optarg, ctx);
            if (rc != 0) return rc < 0 ? rc : WK_EUSAGE;
        } else if (rc != 0) {
            return rc;
        }
    }
}

int wk_cli_parse(struct wk_cli *cli, const struct wk_tool *tool, int argc, char **argv,
                 const char *shortopts, const struct option *longopts,
                 wk_cli_option_fn fn, void *ctx)
{
    memset(cli, 0, sizeof *cli);
    cli->seed = 1;

    int rc = wk_library_init();
    if (rc < 0) return rc;
    wk_set_progname(tool->name);
    wk_history_set_command(argc, argv);
    signal(SIGPIPE, SIG_IGN); /* writes then fail with EPIPE, reported quietly */
    wk_file_install_signal_cleanup();

    struct option *all_long = merge_longopts(longopts);
    char *all_short = merge_shortopts(shortopts);
    if (!all_long || !all_short) {
        free(all_long);
        free(all_short);
        return wk_fail(WK_ENOMEM, "out of memory");
    }
    reset_getopt();
    rc = parse_options(cli, tool, argc, argv, all_short, all_long, fn, ctx);
    free(all_long);
    free(all_short);
    if (rc != 0) return rc;

    apply_log_level(cli);
    cli->files = argv + optind;
    cli->n_files = argc - optind;
    if (cli->n_files == 0 && wk_cli_needs_input && isatty(STDIN_FILENO)) {
        wk_cli_usage_error("no input (give a file, or '-' for stdin)");
        return WK_EUSAGE;
    }
    return optind;
}

/* ---- exit ---- */

/* 0 when stdout was written and closed cleanly (or was never usable and
 * nothing was written to it); 1 after a write error, reported unless the
 * reader closed the pipe. */
static int close_stdout(int quiet)
{
    int had_error = ferror(stdout);
    errno = 0;
    int flush_failed = fflush(stdout) != 0;
    int err = errno;
    int close_failed = fclose(stdout) != 0;
    if (!err) err = errno;

    if (!had_error && !flush_failed && (!close_failed || err == EBADF)) return 0;
    if (!quiet && err != EPIPE) {
        if (err)
            wk_log(WK_LOG_ERROR, "write error: %s", strerror(err));
        else
            wk_log(WK_LOG_ERROR, "write error");
    }
    return 1;
}

int wk_cli_exit(int rc)
{
    /* A failed run has reported its error (a write error included): a
     * failing stdout is not reported twice. */
    int stdout_failed = close_stdout(rc < 0);
    if (rc == WK_CLI_DONE || rc >= 0) return stdout_failed ? 1 : 0;
    if (rc == WK_EUSAGE) return 2;
    return 1;
}

int wk_cli_threads(const struct wk_cli *cli)
{
    long n = cli && cli->threads > 0 ? cli->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > MAX_THREADS) n = MAX_THREADS;
#ifdef _OPENMP
    omp_set_num_threads((int)n);
#endif
    return (int)n;
}

char *const *wk_cli_inputs(const struct wk_cli *cli, size_t *n)
{
    static char dash[] = "-";
    static char *stdin_only[] = {dash};
    *n = cli->n_files > 0 ? (size_t)cli->n_files : 1;
    return cli->n_files > 0 ? cli->files : stdin_only;
}
