/* test-error.c - error codes, the log hook, level filtering, GSL/HDF5 bridges. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_log.h>
#include <hdf5.h>

#include "wk_test.h"
#include "wormkit/wk_error.h"

static char last_message[4096];
static enum wk_log_level last_level;
static int n_messages;
static void *last_userdata;

static void capture(enum wk_log_level level, const char *message, void *userdata)
{
    n_messages++;
    last_level = level;
    last_userdata = userdata;
    snprintf(last_message, sizeof last_message, "%s", message);
}

static void reset_capture(void)
{
    n_messages = 0;
    last_message[0] = '\0';
}

/* Run fn with stderr redirected to a file; return what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
    static char buf[4096];
    char path[] = "/tmp/wk-test-error.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return buf;
}

static void log_hello(void)
{
    wk_log(WK_LOG_ERROR, "cannot read '%s'", "x.h5");
    wk_log(WK_LOG_INFO, "filtered out");
}

static hid_t open_result;
static void open_missing_file(void)
{
    open_result = H5Fopen("/nonexistent/wk-test-missing.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
}

static void test_strerror(void)
{
    int distinct = 1, named = 1;
    for (int a = WK_ETERMINAL; a <= WK_OK; a++) {
        const char *sa = wk_strerror(a);
        if (!sa || !*sa || strcmp(sa, wk_strerror(-1000)) == 0) named = 0;
        for (int b = a + 1; b <= WK_OK; b++)
            if (sa && wk_strerror(b) && strcmp(sa, wk_strerror(b)) == 0) distinct = 0;
    }
    ok(named, "every code has its own non-empty description");
    ok(distinct, "descriptions are distinct");
    ok(strcmp(wk_strerror(WK_ENOMEM), "out of memory") == 0, "WK_ENOMEM is 'out of memory'");
    ok(strcmp(wk_strerror(-1000), "unknown error") == 0, "unknown code");
    ok(strcmp(wk_strerror(5), "unknown error") == 0, "positive code is unknown");
}

static void test_hook_and_levels(void)
{
    int token;
    wk_log_set_hook(capture, &token);
    ok(wk_log_get_level() == WK_LOG_WARN, "default level is WARN");

    reset_capture();
    wk_log(WK_LOG_WARN, "'%s': field '%s' has %d values", "a.h5", "time", 3);
    ok(n_messages == 1 && strcmp(last_message, "'a.h5': field 'time' has 3 values") == 0,
       "hook receives the formatted message");
    ok(last_level == WK_LOG_WARN && last_userdata == &token, "hook receives level and userdata");

    reset_capture();
    wk_log(WK_LOG_INFO, "info");
    wk_log(WK_LOG_DEBUG, "debug");
    ok(n_messages == 0, "INFO and DEBUG filtered at WARN");
    wk_log(WK_LOG_ERROR, "error");
    ok(n_messages == 1 && last_level == WK_LOG_ERROR, "ERROR passes at WARN");

    wk_log_set_level(WK_LOG_INFO);
    reset_capture();
    wk_log(WK_LOG_INFO, "info");
    wk_log(WK_LOG_DEBUG, "debug");
    ok(n_messages == 1 && strcmp(last_message, "info") == 0, "INFO passes, DEBUG filtered at INFO");

    wk_log_set_level(WK_LOG_ERROR);
    reset_capture();
    wk_log(WK_LOG_WARN, "warn");
    ok(n_messages == 0, "WARN filtered at ERROR");
    wk_log_set_level(WK_LOG_DEBUG);
    reset_capture();
    wk_log(WK_LOG_DEBUG, "debug");
    ok(n_messages == 1, "DEBUG passes at DEBUG");
    wk_log_set_level(WK_LOG_WARN);

    reset_capture();
    ok(wk_fail(WK_EFORMAT, "'%s': bad", "f.h5") == WK_EFORMAT, "wk_fail returns its code");
    ok(n_messages == 1 && last_level == WK_LOG_ERROR && strcmp(last_message, "'f.h5': bad") == 0,
       "wk_fail logs at ERROR");

    char longer[3000];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    reset_capture();
    wk_log(WK_LOG_ERROR, "<%s>", longer);
    ok(strlen(last_message) == sizeof longer + 1 && last_message[0] == '<' &&
           last_message[sizeof longer] == '>', "long messages are not truncated");
}

static void test_default_hook(void)
{
    wk_log_set_hook(NULL, NULL);
    wk_set_progname("worm-test");
    ok(strcmp(wk_progname(), "worm-test") == 0, "progname set");
    const char *err = capture_stderr(log_hello);
    ok(err && strcmp(err, "worm-test: cannot read 'x.h5'\n") == 0, "default hook prints '<prog>: <message>'");
    wk_set_progname(NULL);
    ok(strcmp(wk_progname(), "wormkit") == 0, "NULL progname restores 'wormkit'");
    wk_set_progname("worm-test");
}

static void test_library_bridges(void)
{
    ok(wk_library_init() == 0, "wk_library_init succeeds");
    ok(wk_library_init() == 0, "wk_library_init is idempotent");
    wk_log_set_hook(capture, NULL);

    /* GSL would abort() with its default handler. */
    wk_log_set_level(WK_LOG_DEBUG);
    reset_capture();
    gsl_sf_result r;
    ok(gsl_sf_log_e(-1.0, &r) == GSL_EDOM, "GSL error returns to the caller");
    ok(n_messages == 1 && last_level == WK_LOG_DEBUG && strncmp(last_message, "gsl: ", 5) == 0,
       "GSL reason logged at DEBUG as 'gsl: ...'");
    printf("#   %s\n", last_message);
    wk_log_set_level(WK_LOG_WARN);
    reset_capture();
    ok(gsl_sf_log_e(-1.0, &r) == GSL_EDOM && n_messages == 0, "GSL reason silent at the default level");

    const char *err = capture_stderr(open_missing_file);
    ok(open_result < 0, "opening a missing file fails");
    ok(err && err[0] == '\0', "HDF5 prints nothing by itself");

    reset_capture();
    int rc = wk_h5_fail("missing.h5", "cannot open");
    ok(rc == WK_EHDF5, "wk_h5_fail returns WK_EHDF5");
    const char *prefix = "'missing.h5': cannot open: ";
    ok(n_messages == 1 && strncmp(last_message, prefix, strlen(prefix)) == 0 &&
           strlen(last_message) > strlen(prefix), "wk_h5_fail message has the HDF5 detail");
    printf("#   %s\n", last_message);
    ok(strstr(last_message, "No such file or directory") != NULL, "innermost detail names the cause");

    reset_capture();
    wk_h5_fail("x.h5", "cannot write");
    ok(strcmp(last_message, "'x.h5': cannot write") == 0, "empty error stack gives no detail");
    wk_log_set_hook(NULL, NULL);
}

int main(void)
{
    test_strerror();
    test_hook_and_levels();
    test_default_hook();
    test_library_bridges();
    return wk_test_done();
}
