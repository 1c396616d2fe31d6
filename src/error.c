/* error.c - error codes, the log hook, and the GSL/HDF5 error bridges. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "wormkit/wk_error.h"

static const char *progname = "wormkit";
static wk_log_fn log_hook;
static void *log_userdata;
static enum wk_log_level log_level = WK_LOG_WARN;
static _Thread_local int log_muted; /* wk_file_probe_hdf5: nothing is logged */

void wk_log_mute(int muted)
{
    log_muted = muted;
}

const char *wk_strerror(int code)
{
    switch (code) {
    case WK_OK: return "success";
    case WK_ENOMEM: return "out of memory";
    case WK_EIO: return "input/output error";
    case WK_EFORMAT: return "invalid or corrupt input";
    case WK_EVERSION: return "unsupported wormkit layout version";
    case WK_EINVAL: return "invalid argument";
    case WK_EUSAGE: return "bad command-line usage";
    case WK_ENOTFOUND: return "not found";
    case WK_EHDF5: return "HDF5 library error";
    case WK_ERANGE: return "value out of range";
    case WK_EEXIST: return "already exists";
    case WK_EPIPE: return "output pipe closed";
    case WK_ENUMERIC: return "numerical failure";
    case WK_ETERMINAL: return "refusing to write binary data to a terminal";
    default: return "unknown error";
    }
}

static void default_hook(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)userdata;
    fprintf(stderr, "%s: %s\n", progname, message);
}

void wk_log_set_hook(wk_log_fn fn, void *userdata)
{
    log_hook = fn;
    log_userdata = fn ? userdata : NULL;
}

void wk_log_set_level(enum wk_log_level max_level)
{
    if (max_level < WK_LOG_ERROR) max_level = WK_LOG_ERROR;
    if (max_level > WK_LOG_DEBUG) max_level = WK_LOG_DEBUG;
    log_level = max_level;
}

enum wk_log_level wk_log_get_level(void)
{
    return log_level;
}

void wk_vlog(enum wk_log_level level, const char *fmt, va_list ap)
{
    if (level > log_level || log_muted) return;

    char small[1024];
    char *big = NULL;
    const char *message = small;
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    if (len < 0) {
        message = "(unformattable message)";
    } else if ((size_t)len >= sizeof small) {
        big = malloc((size_t)len + 1);
        if (big) { /* else print the truncated message rather than nothing */
            vsnprintf(big, (size_t)len + 1, fmt, ap2);
            message = big;
        }
    }
    va_end(ap2);

    if (log_hook)
        log_hook(level, message, log_userdata);
    else
        default_hook(level, message, NULL);
    free(big);
}

void wk_log(enum wk_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wk_vlog(level, fmt, ap);
    va_end(ap);
}

int wk_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wk_vlog(WK_LOG_ERROR, fmt, ap);
    va_end(ap);
    return code;
}

void wk_set_progname(const char *name)
{
    progname = name && *name ? name : "wormkit";
}

const char *wk_progname(void)
{
    return progname;
}

/* GSL calls its handler and then returns an error code (or NULL) to the
 * caller.  wormkit code checks those returns and logs the one message that
 * names the file and the step, so GSL's own reason is only a DEBUG detail
 * (visible with -vv); logging it as an error would print two messages for
 * one failure. */
static void gsl_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)gsl_errno;
    wk_log(WK_LOG_DEBUG, "gsl: %s (%s:%d)", reason ? reason : "unknown error", file ? file : "?", line);
}

int wk_library_init(void)
{
    static int done;
    if (done) return 0;
    gsl_set_error_handler(gsl_handler);
    if (H5open() < 0 || H5Eset_auto2(H5E_DEFAULT, NULL, NULL) < 0)
        return wk_fail(WK_EHDF5, "cannot initialise the HDF5 library");
    done = 1;
    return 0;
}

struct h5_walk {
    char desc[512];
};

/* H5E_WALK_UPWARD starts at the innermost frame, where the error was first
 * detected: it carries the most specific description. */
static herr_t innermost_frame(unsigned n, const H5E_error2_t *err, void *data)
{
    struct h5_walk *w = data;
    if (n != 0) return 0;
    if (err->desc && *err->desc) {
        snprintf(w->desc, sizeof w->desc, "%s", err->desc);
    } else {
        H5E_type_t type;
        if (H5Eget_msg(err->min_num, &type, w->desc, sizeof w->desc) < 0) w->desc[0] = '\0';
    }
    /* libhdf5's descriptions may end in a newline or a full stop: our
     * messages are one line without a final full stop */
    size_t len = strlen(w->desc);
    while (len && (w->desc[len - 1] == '\n' || w->desc[len - 1] == ' ' || w->desc[len - 1] == '.')) w->desc[--len] = '\0';
    return 0;
}

int wk_h5_fail(const char *path, const char *what)
{
    struct h5_walk w = {{0}};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_frame, &w);
    H5Eclear2(H5E_DEFAULT);

    if (!what) what = "HDF5 error";
    if (path && w.desc[0])
        wk_log(WK_LOG_ERROR, "'%s': %s: %s", path, what, w.desc);
    else if (path)
        wk_log(WK_LOG_ERROR, "'%s': %s", path, what);
    else if (w.desc[0])
        wk_log(WK_LOG_ERROR, "%s: %s", what, w.desc);
    else
        wk_log(WK_LOG_ERROR, "%s", what);
    return WK_EHDF5;
}
