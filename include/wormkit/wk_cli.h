/* wk_cli.h - the command line shared by every wormkit tool.
 *
 * A tool's main() looks like:
 *
 *   static const struct wk_tool TOOL = {
 *       "worm-info",
 *       "worm-info [options] [file...]",          (one synopsis line per form)
 *       "Print one line per recording of each wormkit file.",
 *       "  -f, --format FMT     table, tsv or json (default table)\n"
 *       "      --check          validate the layout; exit 1 at the first problem\n"
 *   };
 *   int main(int argc, char **argv) {
 *       struct wk_cli cli;
 *       struct opts o = {...};
 *       static const struct option longopts[] = {{"format", required_argument, 0, 'f'}, ..., {0,0,0,0}};
 *       int first = wk_cli_parse(&cli, &TOOL, argc, argv, "f:", longopts, handle_option, &o);
 *       if (first < 0 || first == WK_CLI_DONE) return wk_cli_exit(first);
 *       ... work; rc = library calls ...
 *       return wk_cli_exit(rc);
 *   }
 *
 * Common options (defined once here): -o/--output FILE, -@/--threads N,
 * -s/--seed N, -q/--quiet, -v/--verbose, --progress, -h/--help, -V/--version.
 * A tool's own short options must not use the letters o @ s q v h V.
 */
#ifndef WK_CLI_H
#define WK_CLI_H

#include <getopt.h>
#include <stddef.h>

#define WK_CLI_DONE 0x7fffffff /* --help or --version was handled: exit 0 */

struct wk_tool {
    const char *name;     /* "worm-info" */
    const char *synopsis; /* newline-separated forms, each starting with name */
    const char *summary;  /* one or a few lines */
    const char *options;  /* the tool's own options, pre-formatted help lines */
};

struct wk_cli {
    const char *output;   /* -o; NULL means stdout */
    int threads;          /* -@; 0 means all cores */
    unsigned long seed;   /* -s; default 1 */
    int seed_given;
    int quiet, verbose, progress;
    char **files;         /* operands (points into argv) */
    int n_files;          /* 0 means stdin, when stdin is not a terminal */
};

/* Called by wk_cli_parse for each tool-specific option: return 0, or
 * WK_EUSAGE after reporting with wk_cli_usage_error(). */
typedef int (*wk_cli_option_fn)(int key, const char *arg, void *ctx);

/* Initialise the library (wk_library_init), set the program name, record
 * the command line for history, ignore SIGPIPE, install temp-file cleanup,
 * then parse.  Returns the index of the first operand (also stored in
 * cli->files/n_files), WK_CLI_DONE after --help/--version, or WK_EUSAGE
 * after printing one line and "Try '<tool> --help' for more information."
 * on stderr.  When no operand is given and stdin is a terminal, prints the
 * usage to stderr and returns WK_EUSAGE, unless `needs_input` is 0. */
int wk_cli_parse(struct wk_cli *cli, const struct wk_tool *tool, int argc, char **argv,
                 const char *shortopts, const struct option *longopts,
                 wk_cli_option_fn fn, void *ctx);
extern int wk_cli_needs_input; /* default 1; set 0 before wk_cli_parse for generator tools */

/* The input operands, or the single "-" (stdin) when there are none;
 * *n gets their number. */
char *const *wk_cli_inputs(const struct wk_cli *cli, size_t *n);

/* Print "<prog>: <message>\nTry '<prog> --help' for more information." */
void wk_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Full --help text to stdout. */
void wk_cli_print_help(const struct wk_tool *tool);
/* --version text: "worm-x (wormkit X.Y.Z)" then library versions. */
void wk_cli_print_version(const struct wk_tool *tool);

/* Map a result to an exit status (0, 1 for errors, 2 for WK_EUSAGE,
 * 1 quietly for WK_EPIPE), after checking that stdout flushes and closes
 * (a failure there is reported and gives 1). */
int wk_cli_exit(int rc);

/* Number of threads to use (cli->threads or all cores); also sets OpenMP's. */
int wk_cli_threads(const struct wk_cli *cli);

/* Strict number parsing for option values: the whole string must be a
 * number in [lo, hi]; otherwise report "invalid <what> '<s>'" as a usage
 * error and return WK_EUSAGE. */
int wk_parse_long(const char *s, long lo, long hi, const char *what, long *out);
int wk_parse_ulong(const char *s, unsigned long hi, const char *what, unsigned long *out);
int wk_parse_double(const char *s, double lo, double hi, const char *what, double *out);
/* Plain parsers for data (no logging): 0 or WK_EFORMAT. Leading/trailing
 * blanks allowed; "nan"/"NaN"/"" handled by wk_parse_data_double (NaN). */
int wk_parse_data_double(const char *s, double *out);

/* Progress bar on stderr: shown when stderr is a terminal or --progress,
 * never with -q.  Prints label, percentage, rate and ETA, at most ~5
 * times a second. */
struct wk_progress;
struct wk_progress *wk_progress_start(const struct wk_cli *cli, const char *label, double total, const char *unit);
void wk_progress_update(struct wk_progress *p, double done);
void wk_progress_finish(struct wk_progress *p); /* NULL is a no-op */

/* wormkit version string, e.g. "0.1.0". */
const char *wk_version(void);

#endif
