/* wk_error.h - error codes, messages and the log hook of libwormkit. */
#ifndef WK_ERROR_H
#define WK_ERROR_H

#include <stdarg.h>

/* Library functions return 0 on success or one of these negative codes.
 * The function that detects a problem logs one message naming the file and
 * the field; callers only propagate the code. */
enum wk_errcode {
    WK_OK = 0,
    WK_ENOMEM = -1,    /* out of memory */
    WK_EIO = -2,       /* system I/O error (errno-based message logged) */
    WK_EFORMAT = -3,   /* input is not in the expected format or is corrupt */
    WK_EVERSION = -4,  /* unsupported wormkit layout version */
    WK_EINVAL = -5,    /* invalid argument or value */
    WK_EUSAGE = -6,    /* bad command-line usage (exit status 2) */
    WK_ENOTFOUND = -7, /* named object (recording, field, neuron) not found */
    WK_EHDF5 = -8,     /* HDF5 library failure */
    WK_ERANGE = -9,    /* size or value out of the supported range */
    WK_EEXIST = -10,   /* object already exists */
    WK_EPIPE = -11,    /* output pipe closed by the reader */
    WK_ENUMERIC = -12, /* numerical failure (GSL error, no convergence) */
    WK_ETERMINAL = -13 /* refusing to write binary data to a terminal */
};

/* Short description of an error code ("out of memory", ...). */
const char *wk_strerror(int code);

enum wk_log_level { WK_LOG_ERROR = 0, WK_LOG_WARN = 1, WK_LOG_INFO = 2, WK_LOG_DEBUG = 3 };

/* A log hook receives the fully formatted message (no program name, no
 * newline).  The default hook prints "<progname>: <message>\n" on stderr. */
typedef void (*wk_log_fn)(enum wk_log_level level, const char *message, void *userdata);

void wk_log_set_hook(wk_log_fn fn, void *userdata); /* NULL restores the default */
void wk_log_set_level(enum wk_log_level max_level); /* default WK_LOG_WARN */
enum wk_log_level wk_log_get_level(void);

void wk_log(enum wk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wk_vlog(enum wk_log_level level, const char *fmt, va_list ap);

/* Convenience: log at WK_LOG_ERROR and return code (so `return wk_fail(WK_EFORMAT, ...)`). */
int wk_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Program name used by the default hook and usage messages ("worm-info"). */
void wk_set_progname(const char *name);
const char *wk_progname(void);

/* Switch off GSL's abort handler and HDF5's automatic error printing and
 * route both through wk_log.  Idempotent; called by wk_cli_start(). */
int wk_library_init(void);

/* Log the innermost message of the current HDF5 error stack as
 * "'<path>': <what>: <hdf5 detail>" and return WK_EHDF5. */
int wk_h5_fail(const char *path, const char *what);

#endif
