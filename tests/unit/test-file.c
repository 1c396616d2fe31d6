/* test-file.c - wormkit files: create/open/commit/abort/update, stdin and
 * stdout images, history, reproducible bytes, the wk_h5_* helpers and the
 * messages of bad inputs. */
#define _XOPEN_SOURCE 700 /* posix_openpt, for the terminal test */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"
#include "wk_test_msgs.h"

static char dir[256];

static const char *tmp(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;

    *len = 0;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size + 1);
        if (buf && fread(buf, 1, (size_t)size, fp) == (size_t)size)
            *len = (size_t)size;
    }
    fclose(fp);
    return buf;
}

static int spit(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    int ok_ = fp && fwrite(data, 1, len, fp) == len;
    if (fp && fclose(fp) != 0)
        ok_ = 0;
    return ok_;
}

static int same_bytes(const char *a, const char *b)
{
    size_t la, lb;
    unsigned char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* Names in dir starting with prefix. */
static int count_prefixed(const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

/* A committed file holding /data (float[2][3]) = 10*base + i. */
static int make_file(const char *path, float base)
{
    struct wk_file *f;
    float v[6];
    size_t dims[2] = {2, 3};
    int rc = wk_file_create(&f, path);

    if (rc < 0)
        return rc;
    for (int i = 0; i < 6; i++)
        v[i] = 10 * base + (float)i;
    rc = wk_h5_write_float(wk_file_hid(f), "data", 2, dims, v);
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    return wk_file_commit(f);
}

/* The value of /data[0][0] of a wormkit file, or NaN. */
static double first_value(const char *path)
{
    struct wk_file *f;
    float *v;
    size_t dims[4];
    int rank;
    double x = NAN;

    if (wk_file_open(&f, path) < 0)
        return NAN;
    if (wk_h5_read_float(wk_file_hid(f), "data", wk_file_name(f), &rank, dims, &v) == 0) {
        x = v[0];
        free(v);
    }
    wk_file_close(f);
    return x;
}

static void set_command(const char *a, const char *b)
{
    char *argv[2] = {(char *)a, (char *)b};
    wk_history_set_command(b ? 2 : 1, argv);
}

/* --- tests --- */

static void test_create_and_open(void)
{
    const char *p = tmp("basic.h5");
    struct wk_file *f;
    char *format = NULL, **names = NULL;
    long version = 0;
    size_t n = 0;
    int atlas_ok = 1;

    ok(make_file(p, 1) == 0, "create and commit a named file");
    ok(wk_file_open(&f, p) == 0, "open it");
    ok(strcmp(wk_file_name(f), p) == 0, "the file is named by its path");
    ok(wk_h5_get_attr_string(wk_file_hid(f), "wormkit_format", &format) == 0 && strcmp(format, "wormkit-h5") == 0,
       "wormkit_format is wormkit-h5");
    ok(wk_h5_get_attr_long(wk_file_hid(f), "wormkit_version", &version) == 0 && version == 1, "wormkit_version is 1");
    ok(wk_h5_read_strings(wk_file_hid(f), "/atlas/neurons", wk_file_name(f), &n, &names) == 0 && n == 300,
       "/atlas/neurons holds 300 names");
    for (size_t k = 0; k < n; k++)
        atlas_ok &= strcmp(names[k], wk_atlas_name(k)) == 0;
    ok(atlas_ok, "in atlas order");
    ok(strcmp(wk_h5_file_name(wk_file_hid(f)), p) == 0, "wk_h5_file_name maps the id to the path");
    free(format);
    wk_strv_free(names, n);
    wk_file_close(f);
    near(first_value(p), 10.0, 0, "data written and read back");
    ok(count_prefixed(".basic.h5.") == 0, "no temporary file left");
    wk_file_close(NULL);
}

static void test_output_mode(void)
{
    const char *p = tmp("mode.h5");
    struct stat st;
    mode_t mask = umask(022);

    ok(make_file(p, 1) == 0 && stat(p, &st) == 0 && (st.st_mode & 0777) == 0644,
       "output files get 0666 minus the umask, not mkstemp's 0600");
    umask(mask);
}

static void test_atomic_replace(void)
{
    const char *p = tmp("atomic.h5"), *saved = tmp("atomic-saved.h5");
    struct wk_file *f;
    size_t len;
    unsigned char *orig;

    ok(make_file(p, 1) == 0, "an existing output");
    orig = slurp(p, &len);
    ok(orig && spit(saved, orig, len), "saved a copy");
    free(orig);

    ok(wk_file_create(&f, p) == 0, "start replacing it");
    ok(count_prefixed(".atomic.h5.") == 1, "work goes to a temporary file beside it");
    ok(same_bytes(p, saved), "the original is untouched while writing");
    wk_file_abort(f);
    ok(same_bytes(p, saved), "abort leaves the original untouched");
    ok(count_prefixed(".atomic.h5.") == 0, "abort removes the temporary file");

    ok(make_file(p, 2) == 0, "a second run commits");
    near(first_value(p), 20.0, 0, "commit replaced the contents");
    ok(count_prefixed(".atomic.h5.") == 0, "no temporary file after commit");
}

static void test_create_errors(void)
{
    struct wk_file *f = (struct wk_file *)1;
    char want[600];

    wk_test_msgs_capture();
    ok(wk_file_create(&f, tmp("nodir/x.h5")) == WK_EIO && f == NULL, "missing output folder: WK_EIO");
    snprintf(want, sizeof want, "cannot create '%s/nodir/x.h5': No such file or directory", dir);
    ok(wk_test_one_msg(want), "message names the output and strerror");

    wk_test_msgs_capture();
    ok(wk_file_create(&f, dir) == WK_EIO, "a folder as output: WK_EIO");
    snprintf(want, sizeof want, "cannot create '%s': Is a directory", dir);
    ok(wk_test_one_msg(want), "message says it is a directory");
}

static void test_open_errors(void)
{
    struct wk_file *f = (struct wk_file *)1;
    char want[600];
    const char *p;
    unsigned char *buf;
    size_t len;

    wk_test_msgs_capture();
    p = tmp("missing.h5");
    ok(wk_file_open(&f, p) == WK_EIO && f == NULL, "missing file: WK_EIO");
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", p);
    ok(wk_test_one_msg(want), "missing file message");

    wk_test_msgs_capture();
    p = tmp("text.h5");
    spit(p, "time,AVAL\n0,1\n", 14);
    ok(wk_file_open(&f, p) == WK_EFORMAT, "text file: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': not an HDF5 file", p);
    ok(wk_test_one_msg(want), "not an HDF5 file message");

    wk_test_msgs_capture();
    p = tmp("empty.h5");
    spit(p, "", 0);
    ok(wk_file_open(&f, p) == WK_EFORMAT, "empty file: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': empty file (expected a wormkit HDF5 file)", p);
    ok(wk_test_one_msg(want), "empty file message");

    wk_test_msgs_capture();
    ok(wk_file_open(&f, dir) == WK_EIO, "a folder: WK_EIO");
    snprintf(want, sizeof want, "cannot open '%s': Is a directory", dir);
    ok(wk_test_one_msg(want), "folder message");

    make_file(tmp("whole.h5"), 1);
    buf = slurp(tmp("whole.h5"), &len);
    p = tmp("truncated.h5");
    spit(p, buf, len / 2);
    free(buf);
    wk_test_msgs_capture();
    ok(wk_file_open(&f, p) == WK_EFORMAT, "truncated file: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': truncated or corrupt HDF5 file", p);
    ok(wk_test_one_msg(want), "truncated file message");
}

/* A plain HDF5 file, optionally with wormkit root attributes. */
static void make_plain_hdf5(const char *path, const char *format, long version, hsize_t userblock)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    hid_t fid;

    if (userblock)
        H5Pset_userblock(fcpl, userblock);
    fid = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    if (format)
        wk_h5_set_attr_string(fid, "wormkit_format", format);
    if (version)
        wk_h5_set_attr_long(fid, "wormkit_version", version);
    H5Fclose(fid);
    H5Pclose(fcpl);
}

static void test_not_wormkit(void)
{
    struct wk_file *f;
    char want[600];
    const char *p;

    p = tmp("plain.h5");
    make_plain_hdf5(p, NULL, 0, 0);
    wk_test_msgs_capture();
    ok(wk_file_open(&f, p) == WK_EFORMAT, "plain HDF5: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': not a wormkit file (no wormkit_format attribute)", p);
    ok(wk_test_one_msg(want), "no wormkit_format message");
    ok(wk_file_open_hdf5(&f, p) == 0, "wk_file_open_hdf5 opens it");
    wk_file_close(f);

    p = tmp("other.h5");
    make_plain_hdf5(p, "netcdf", 1, 0);
    wk_test_msgs_capture();
    ok(wk_file_open(&f, p) == WK_EFORMAT, "other format: WK_EFORMAT");
    snprintf(want, sizeof want, "'%s': not a wormkit file (wormkit_format is 'netcdf')", p);
    ok(wk_test_one_msg(want), "wrong wormkit_format message");

    p = tmp("v2.h5");
    make_plain_hdf5(p, "wormkit-h5", 2, 0);
    wk_test_msgs_capture();
    ok(wk_file_open(&f, p) == WK_EVERSION, "layout version 2: WK_EVERSION");
    snprintf(want, sizeof want, "'%s': wormkit layout version 2 is not supported (this is version 1)", p);
    ok(wk_test_one_msg(want), "version message");

    p = tmp("userblock.h5");
    make_plain_hdf5(p, "wormkit-h5", 1, 512);
    wk_test_msgs_capture();
    ok(wk_file_open(&f, p) == 0 && wk_test_n_msgs == 0, "a file with a 512-byte user block opens");
    wk_file_close(f);
}

/* Runs fn with stdin read from path. */
static int with_stdin(const char *path, int (*fn)(void *), void *arg)
{
    int saved = dup(STDIN_FILENO), rc;

    if (!freopen(path, "rb", stdin) || fileno(stdin) != STDIN_FILENO)
        return -100;
    rc = fn(arg);
    dup2(saved, STDIN_FILENO);
    close(saved);
    clearerr(stdin);
    return rc;
}

static int read_stdin_value(void *arg)
{
    struct wk_file *f;
    float *v;
    int rank, rc = wk_file_open(&f, "-");

    if (rc < 0)
        return rc;
    rc = strcmp(wk_file_name(f), "stdin") == 0 ? 0 : -101;
    if (rc == 0) {
        size_t dims[4];
        rc = wk_h5_read_float(wk_file_hid(f), "data", wk_file_name(f), &rank, dims, &v);
    }
    if (rc == 0) {
        *(double *)arg = v[5];
        free(v);
    }
    wk_file_close(f);
    return rc;
}

static int open_stdin(void *arg)
{
    struct wk_file *f;
    int rc = wk_file_open(&f, arg);
    wk_file_close(f);
    return rc;
}

static void test_stdin(void)
{
    double v = 0;
    const char *p = tmp("stdin.h5");

    make_file(p, 3);
    ok(with_stdin(p, read_stdin_value, &v) == 0, "open a file image from stdin");
    near(v, 35.0, 0, "data read from the image");

    wk_test_msgs_capture();
    ok(with_stdin(tmp("empty.h5"), open_stdin, "-") == WK_EFORMAT, "empty stdin: WK_EFORMAT");
    ok(wk_test_one_msg("'stdin': empty input (expected a wormkit HDF5 file)"), "empty stdin message");

    wk_test_msgs_capture();
    ok(with_stdin(tmp("text.h5"), open_stdin, NULL) == WK_EFORMAT, "text on stdin: WK_EFORMAT");
    ok(wk_test_one_msg("'stdin': not an HDF5 file"), "not HDF5 stdin message");

    wk_test_msgs_capture();
    ok(with_stdin(tmp("truncated.h5"), open_stdin, "-") == WK_EFORMAT, "truncated stdin: WK_EFORMAT");
    ok(wk_test_one_msg("'stdin': truncated or corrupt HDF5 file"), "truncated stdin message");

    wk_test_msgs_capture();
    ok(with_stdin(tmp("v2.h5"), open_stdin, "-") == WK_EVERSION, "version 2 on stdin: WK_EVERSION");
    ok(wk_test_one_msg("'stdin': wormkit layout version 2 is not supported (this is version 1)"), "version message");
}

/* Runs fn with stdout going to fd. */
static int with_stdout_fd(int fd, int (*fn)(void *), void *arg)
{
    int saved = dup(STDOUT_FILENO), rc;

    fflush(stdout);
    dup2(fd, STDOUT_FILENO);
    rc = fn(arg);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

static int with_stdout(const char *path, int (*fn)(void *), void *arg)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc;
    if (fd < 0)
        return -100;
    rc = with_stdout_fd(fd, fn, arg);
    close(fd);
    return rc;
}

static int write_stdout(void *arg)
{
    struct wk_file *f;
    float v[300];
    size_t n = 300;
    int rc = wk_file_create(&f, "-");

    if (rc < 0)
        return rc;
    for (int i = 0; i < 300; i++)
        v[i] = (float)i / 8;
    rc = strcmp(wk_file_name(f), "stdout") == 0 ? 0 : -101;
    if (rc == 0)
        rc = wk_h5_write_float(wk_file_hid(f), arg ? (const char *)arg : "data", 1, &n, v);
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    return wk_file_commit(f);
}

static void test_stdout(void)
{
    const char *p = tmp("stdout.h5");
    struct wk_file *f;
    float *v = NULL;
    size_t dims[4];
    int rank, fds[2];

    ok(with_stdout(p, write_stdout, NULL) == 0, "write an in-memory file to stdout");
    ok(wk_file_open(&f, p) == 0, "the image is a wormkit file");
    ok(wk_h5_read_float(wk_file_hid(f), "data", wk_file_name(f), &rank, dims, &v) == 0 && rank == 1 &&
           dims[0] == 300 && v[299] == 299.0f / 8,
       "with the data written");
    free(v);
    wk_file_close(f);

    /* A reader that went away: WK_EPIPE, quietly. */
    signal(SIGPIPE, SIG_IGN);
    wk_test_msgs_capture();
    if (pipe(fds) == 0) {
        close(fds[0]);
        ok(with_stdout_fd(fds[1], write_stdout, NULL) == WK_EPIPE && wk_test_n_msgs == 0,
            "closed pipe: WK_EPIPE, no message");
        close(fds[1]);
    }

    {
        int master = posix_openpt(O_RDWR | O_NOCTTY), slave = -1;
        if (master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0)
            slave = open(ptsname(master), O_RDWR | O_NOCTTY);
        if (slave >= 0) {
            wk_test_msgs_capture();
            ok(with_stdout_fd(slave, write_stdout, NULL) == WK_ETERMINAL, "stdout on a terminal: WK_ETERMINAL");
            ok(wk_test_one_msg("refusing to write HDF5 to a terminal (use -o FILE or a pipe)"), "terminal message");
            close(slave);
        } else {
            ok(1, "# skip no pseudo-terminal");
            ok(1, "# skip no pseudo-terminal");
        }
        if (master >= 0)
            close(master);
    }
}

/* Update from stdin to stdout (stdin set up by with_stdin). */
static int update_stdio(void *arg)
{
    struct wk_file *f;
    int rc = wk_file_update(&f, "-");

    if (rc < 0)
        return rc;
    rc = wk_h5_set_attr_string(wk_file_hid(f), "note", "piped");
    if (rc < 0) {
        wk_file_abort(f);
        return rc;
    }
    (void)arg;
    return wk_file_commit(f);
}

static int update_to_stdout(void *arg)
{
    return with_stdout(arg, update_stdio, NULL);
}

static void test_update_stream(void)
{
    const char *in = tmp("pipe-in.h5"), *out = tmp("pipe-out.h5");
    struct wk_file *f;
    char *note = NULL, **lines = NULL;
    size_t n = 0;

    make_file(in, 6);
    ok(with_stdin(in, update_to_stdout, (void *)out) == 0, "update from stdin to stdout");
    ok(wk_file_open(&f, out) == 0, "the output is a wormkit file");
    ok(wk_h5_get_attr_string(wk_file_hid(f), "note", &note) == 0 && strcmp(note, "piped") == 0, "with the change");
    ok(wk_file_history(f, &lines, &n) == 0 && n == 2, "and the input's history plus one line");
    free(note);
    wk_strv_free(lines, n);
    wk_file_close(f);
    near(first_value(out), 60.0, 0, "and the input's data");
}

/* Unseekable named inputs (FIFOs, process substitution) are read whole. */
static void test_fifo(void)
{
    const char *src = tmp("fifo-src.h5"), *fifo = tmp("fifo");
    size_t len;
    unsigned char *bytes;
    pid_t pid;

    make_file(src, 7);
    bytes = slurp(src, &len);
    if (mkfifo(fifo, 0600) != 0 || !bytes) {
        ok(1, "# skip no FIFO");
        free(bytes);
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        FILE *fp = fopen(fifo, "wb");
        if (fp) {
            fwrite(bytes, 1, len, fp);
            fclose(fp);
        }
        _exit(0);
    }
    near(first_value(fifo), 70.0, 0, "a FIFO opens as a wormkit file");
    waitpid(pid, NULL, 0);
    free(bytes);
}

static void test_history(void)
{
    const char *a = tmp("hist-a.h5"), *b = tmp("hist-b.h5"), *c = tmp("hist-c.h5");
    struct wk_file *fa, *fb, *out;
    char **lines = NULL;
    size_t n = 0;
    const char *la = "worm-import x.mat (wormkit 0.1.0, 2023-11-14T22:13:20Z)";
    const char *lb = "worm-smooth (wormkit 0.1.0, 2023-11-14T22:13:20Z)";
    const char *lc = "worm-cat a b (wormkit 0.1.0, 2023-11-14T22:13:20Z)";

    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    ok(strcmp(wk_version(), "0.1.0") == 0, "version used in the expected lines");

    set_command("worm-import", "x.mat");
    make_file(a, 1);
    ok(wk_file_open(&fa, a) == 0 && wk_file_history(fa, &lines, &n) == 0 && n == 1 && strcmp(lines[0], la) == 0,
       "one history line: command, version, SOURCE_DATE_EPOCH time");
    wk_strv_free(lines, n);

    set_command("worm-smooth", NULL);
    wk_file_create(&out, b);
    ok(wk_file_copy_history(out, fa) == 0, "copy history of an input");
    ok(wk_file_commit(out) == 0, "commit");
    ok(wk_file_open(&fb, b) == 0 && wk_file_history(fb, &lines, &n) == 0 && n == 2 && strcmp(lines[0], la) == 0 &&
           strcmp(lines[1], lb) == 0,
       "input's line, then this run's");
    wk_strv_free(lines, n);

    {
        char *argv[3] = {"worm-cat", "a", "b"};
        wk_history_set_command(3, argv);
    }
    wk_file_create(&out, c);
    ok(wk_file_copy_history(out, fa) == 0 && wk_file_copy_history(out, fb) == 0, "copy two histories");
    wk_file_commit(out);
    wk_file_close(fa);
    wk_file_close(fb);
    ok(wk_file_open(&fa, c) == 0 && wk_file_history(fa, &lines, &n) == 0 && n == 3 && strcmp(lines[0], la) == 0 &&
           strcmp(lines[1], lb) == 0 && strcmp(lines[2], lc) == 0,
       "shared lines appear once, in input order");
    wk_strv_free(lines, n);
    wk_file_close(fa);
    unsetenv("SOURCE_DATE_EPOCH");
}

static void test_reproducible(void)
{
    const char *a = tmp("same-a.h5"), *b = tmp("same-b.h5");
    const char *sa = tmp("same-stdout-a.h5"), *sb = tmp("same-stdout-b.h5");
    size_t len;
    unsigned char *img;
    uint32_t t0, t1;
    int stamped = 0;

    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    set_command("worm-test", NULL);
    t0 = (uint32_t)time(NULL);
    ok(make_file(a, 4) == 0 && make_file(b, 4) == 0, "the same content written twice");
    ok(same_bytes(a, b), "named files: identical bytes");
    ok(with_stdout(sa, write_stdout, NULL) == 0 && with_stdout(sb, write_stdout, NULL) == 0,
       "the same content written twice to stdout");
    ok(same_bytes(sa, sb), "stdout images: identical bytes");
    t1 = (uint32_t)time(NULL);
    /* HDF5 object timestamps are 32-bit seconds: none may appear. */
    img = slurp(a, &len);
    for (size_t i = 0; img && i + 4 <= len; i++) {
        uint32_t v = (uint32_t)img[i] | (uint32_t)img[i + 1] << 8 | (uint32_t)img[i + 2] << 16 |
                     (uint32_t)img[i + 3] << 24;
        stamped |= v >= t0 - 2 && v <= t1 + 2;
    }
    ok(img && !stamped, "no timestamps in the file");
    free(img);
    unsetenv("SOURCE_DATE_EPOCH");
}

static void test_update(void)
{
    const char *p = tmp("update.h5"), *saved = tmp("update-saved.h5");
    struct wk_file *f;
    char **lines = NULL, *s = NULL;
    size_t n = 0, len;
    unsigned char *orig;

    set_command("worm-first", NULL);
    make_file(p, 5);
    orig = slurp(p, &len);
    spit(saved, orig, len);
    free(orig);

    set_command("worm-annotate", NULL);
    ok(wk_file_update(&f, p) == 0, "update an existing file");
    ok(count_prefixed(".update.h5.") == 1, "changes go to a temporary copy");
    wk_h5_set_attr_string(wk_file_hid(f), "note", "abandoned");
    wk_file_abort(f);
    ok(same_bytes(p, saved) && count_prefixed(".update.h5.") == 0, "abort: original untouched, copy removed");

    ok(wk_file_update(&f, p) == 0, "update again");
    ok(wk_h5_set_attr_string(wk_file_hid(f), "note", "kept") == 0, "change it");
    ok(wk_file_commit(f) == 0, "commit the update");
    ok(wk_file_open(&f, p) == 0, "reopen");
    ok(wk_h5_get_attr_string(wk_file_hid(f), "note", &s) == 0 && strcmp(s, "kept") == 0, "the change is there");
    free(s);
    near(first_value(p), 50.0, 0, "the old data is kept");
    ok(wk_file_history(f, &lines, &n) == 0 && n == 2 && strncmp(lines[0], "worm-first (", 12) == 0 &&
           strncmp(lines[1], "worm-annotate (", 15) == 0,
       "history: old line then the update's");
    wk_strv_free(lines, n);
    wk_file_close(f);

    ok(wk_file_update(&f, tmp("update-new.h5")) == 0 && wk_file_commit(f) == 0, "update of a missing file creates it");
    ok(wk_file_open(&f, tmp("update-new.h5")) == 0, "which is a wormkit file");
    wk_file_close(f);

    wk_test_msgs_capture();
    ok(wk_file_update(&f, tmp("text.h5")) == WK_EFORMAT && wk_test_n_msgs == 1, "update refuses a non-HDF5 file");
}

static void test_copy_group(void)
{
    struct wk_file *src, *dst;
    const char *ps = tmp("copy-src.h5"), *pd = tmp("copy-dst.h5");
    size_t dims[2] = {2, 2}, rd[4];
    float m[4] = {1, 2, 3, 4}, *v = NULL;
    double x = 0;
    int rank;
    hid_t g;
    char want[600];

    wk_file_create(&src, ps);
    wk_h5_ensure_group(wk_file_hid(src), "/results/glm", &g);
    wk_h5_set_attr_double(g, "states", 4);
    wk_h5_write_float(g, "w", 2, dims, m);
    H5Gclose(g);
    wk_file_commit(src);

    wk_file_open(&src, ps);
    wk_file_create(&dst, pd);
    ok(wk_file_copy_group(dst, src, "/connectomes") == 0, "a group the input lacks: nothing to do");
    ok(wk_file_copy_group(dst, src, "/results") == 0, "copy /results");
    wk_test_msgs_capture();
    ok(wk_file_copy_group(dst, src, "/results") == WK_EEXIST, "copying it again: WK_EEXIST");
    snprintf(want, sizeof want, "'%s': /results/glm: already exists", pd);
    ok(wk_test_one_msg(want), "already exists message");
    wk_file_commit(dst);
    wk_file_close(src);

    wk_file_open(&dst, pd);
    ok(wk_h5_read_float(wk_file_hid(dst), "/results/glm/w", NULL, &rank, rd, &v) == 0 && rank == 2 && v[3] == 4,
       "datasets copied");
    g = H5Gopen2(wk_file_hid(dst), "/results/glm", H5P_DEFAULT);
    ok(wk_h5_get_attr_double(g, "states", &x) == 0 && x == 4, "attributes copied");
    H5Gclose(g);
    free(v);
    wk_file_close(dst);
}

/* Regression: H5Ocopy of HDF5 1.10 crashed on a group with more than 8
 * attributes, one a variable-length string (dense attribute storage). */
static void test_copy_many_attributes(void)
{
    struct wk_file *src, *dst;
    const char *ps = tmp("many-src.h5"), *pd = tmp("many-dst.h5");
    char key[16], *s = NULL;
    double x = 0;
    hid_t g;

    wk_file_create(&src, ps);
    wk_h5_ensure_group(wk_file_hid(src), "/results/sim/r1", &g);
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "a%02d", i);
        if (i % 2)
            wk_h5_set_attr_string(g, key, "some text");
        else
            wk_h5_set_attr_double(g, key, i);
    }
    H5Gclose(g);
    wk_file_commit(src);

    wk_file_open(&src, ps);
    wk_file_create(&dst, pd);
    ok(wk_file_copy_group(dst, src, "/results") == 0, "copy a group with 20 attributes");
    wk_file_commit(dst);
    wk_file_close(src);
    wk_file_open(&dst, pd);
    g = H5Gopen2(wk_file_hid(dst), "/results/sim/r1", H5P_DEFAULT);
    ok(wk_h5_get_attr_double(g, "a18", &x) == 0 && x == 18, "20 attributes: numbers copied");
    ok(wk_h5_get_attr_string(g, "a19", &s) == 0 && strcmp(s, "some text") == 0, "20 attributes: strings copied");
    free(s);
    H5Gclose(g);
    wk_file_close(dst);
}

static void test_datasets(void)
{
    struct wk_file *f;
    hid_t fid, d, p;
    const char *path = tmp("datasets.h5");
    size_t big[2] = {1000, 300}, small[2] = {10, 10}, dims[4];
    hsize_t chunk[2] = {0, 0};
    float *tr = malloc(1000 * 300 * sizeof *tr), *fv = NULL;
    double dv[3] = {0.5, -1e300, NAN}, *dr = NULL;
    int iv[4] = {-7, 0, 7, 2147483647}, *ir = NULL, rank, same = 1;
    unsigned char uv[3] = {0, 1, 255}, *ur = NULL;
    char *sv[4] = {"AVAL", NULL, "\xce\xb1-neuron", ""}, **sr = NULL;
    size_t n = 0, three = 3, four = 4;

    for (size_t i = 0; i < 1000 * 300; i++)
        tr[i] = (float)i * 0.25f;
    wk_file_create(&f, path);
    fid = wk_file_hid(f);
    ok(wk_h5_write_float(fid, "big", 2, big, tr) == 0, "write float[1000][300]");
    ok(wk_h5_write_float(fid, "small", 2, small, tr) == 0, "write float[10][10]");
    ok(wk_h5_write_double(fid, "g/d", 1, &three, dv) == 0, "write double into a new group");
    ok(wk_h5_write_int(fid, "i", 1, &four, iv) == 0, "write int");
    ok(wk_h5_write_uint8(fid, "u", 1, &three, uv) == 0, "write uint8");
    ok(wk_h5_write_strings(fid, "s", 4, sv) == 0, "write strings");
    ok(wk_h5_write_float(fid, "scalar", 0, NULL, tr + 4) == 0, "write a scalar");
    wk_test_msgs_capture();
    ok(wk_h5_write_float(fid, "r5", 5, big, tr) == WK_EINVAL && wk_test_n_msgs == 1, "rank 5 refused");
    wk_file_commit(f);

    wk_file_open(&f, path);
    fid = wk_file_hid(f);
    d = H5Dopen2(fid, "big", H5P_DEFAULT);
    p = H5Dget_create_plist(d);
    ok(H5Pget_layout(p) == H5D_CHUNKED && H5Pget_chunk(p, 2, chunk) == 2 && chunk[0] == 218 && chunk[1] == 300,
       "large data: chunks of 65536/300 = 218 rows x 300");
    {
        unsigned flags;
        size_t nelmts = 0;
        ok(H5Pget_nfilters(p) == 1 && H5Pget_filter2(p, 0, &flags, &nelmts, NULL, 0, NULL, NULL) == H5Z_FILTER_DEFLATE,
           "deflate only (no shuffle)");
    }
    H5Pclose(p);
    H5Dclose(d);
    d = H5Dopen2(fid, "small", H5P_DEFAULT);
    p = H5Dget_create_plist(d);
    ok(H5Pget_layout(p) == H5D_CONTIGUOUS, "small data: contiguous");
    H5Pclose(p);
    H5Dclose(d);

    ok(wk_h5_read_float(fid, "big", NULL, &rank, dims, &fv) == 0 && rank == 2 && dims[0] == 1000 && dims[1] == 300,
       "read float[1000][300]");
    for (size_t i = 0; fv && i < 1000 * 300; i++)
        same &= fv[i] == tr[i];
    ok(same, "values identical");
    free(fv);
    ok(wk_h5_read_double(fid, "/g/d", NULL, &rank, dims, &dr) == 0 && dr[0] == 0.5 && dr[1] == -1e300 &&
           isnan(dr[2]),
       "doubles (with NaN) round trip");
    free(dr);
    ok(wk_h5_read_int(fid, "i", NULL, &rank, dims, &ir) == 0 && ir[0] == -7 && ir[3] == 2147483647, "ints round trip");
    free(ir);
    ok(wk_h5_read_uint8(fid, "u", NULL, &rank, dims, &ur) == 0 && ur[2] == 255, "uint8 round trip");
    free(ur);
    ok(wk_h5_read_double(fid, "u", NULL, &rank, dims, &dr) == 0 && dr[2] == 255.0, "uint8 read as double");
    free(dr);
    ok(wk_h5_read_float(fid, "scalar", NULL, &rank, dims, &fv) == 0 && rank == 0 && fv[0] == 1.0f, "scalar: rank 0");
    free(fv);
    ok(wk_h5_read_strings(fid, "s", NULL, &n, &sr) == 0 && n == 4 && strcmp(sr[0], "AVAL") == 0 &&
           strcmp(sr[1], "") == 0 && strcmp(sr[2], "\xce\xb1-neuron") == 0 && strcmp(sr[3], "") == 0,
       "strings round trip (NULL written as \"\", UTF-8 kept)");
    wk_strv_free(sr, n);

    wk_test_msgs_capture();
    fv = (float *)1;
    ok(wk_h5_read_float(fid, "s", "named.h5", &rank, dims, &fv) == WK_EFORMAT && fv == NULL, "strings as numbers");
    ok(wk_test_one_msg("'named.h5': /s: expected numbers"), "expected numbers message");
    wk_test_msgs_capture();
    ok(wk_h5_read_strings(fid, "/g/d", "named.h5", &n, &sr) == WK_EFORMAT, "numbers as strings");
    ok(wk_test_one_msg("'named.h5': /g/d: expected strings"), "expected strings message");
    wk_test_msgs_capture();
    ok(wk_h5_read_float(fid, "/g/nothing", "named.h5", &rank, dims, &fv) == WK_ENOTFOUND, "missing dataset");
    ok(wk_test_one_msg("'named.h5': /g/nothing: not found"), "not found message");

    ok(wk_h5_exists(fid, "/g/d") == 1 && wk_h5_exists(fid, "g") == 1 && wk_h5_exists(fid, "/g/x") == 0 &&
           wk_h5_exists(fid, "/x/y/z") == 0 && wk_h5_exists(fid, "/big/x") == 0 && wk_h5_exists(fid, "/") == 1,
       "wk_h5_exists");
    wk_file_close(f);
    free(tr);
}

static void write_fixed(hid_t fid, const char *name, hid_t type, hid_t space, const void *data)
{
    hid_t d = H5Dcreate2(fid, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(d);
}

/* Strings written by other software: fixed length, NUL or space padded. */
static void test_foreign_strings(void)
{
    const char *path = tmp("fixed.h5");
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1), s;
    hsize_t n3 = 3;
    const char nul[3][6] = {"AVAL", "AVAR\0", "SMDDL"};
    const char spaces[3][6] = {"AVAL  ", "RIML  ", "a b   "};
    char **v = NULL, *one = NULL;
    size_t n = 0;

    H5Tset_size(t, 6);
    s = H5Screate_simple(1, &n3, NULL);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    write_fixed(fid, "nul", t, s, nul);
    H5Tset_strpad(t, H5T_STR_SPACEPAD);
    write_fixed(fid, "space", t, s, spaces);
    {
        hid_t sc = H5Screate(H5S_SCALAR), a;
        H5Tset_strpad(t, H5T_STR_NULLTERM);
        a = H5Acreate2(fid, "fixed", t, sc, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, "hello");
        H5Aclose(a);
        H5Sclose(sc);
    }
    ok(wk_h5_read_strings(fid, "nul", NULL, &n, &v) == 0 && n == 3 && strcmp(v[0], "AVAL") == 0 &&
           strcmp(v[1], "AVAR") == 0 && strcmp(v[2], "SMDDL") == 0,
       "fixed-length NUL-padded strings");
    wk_strv_free(v, n);
    ok(wk_h5_read_strings(fid, "space", NULL, &n, &v) == 0 && n == 3 && strcmp(v[0], "AVAL") == 0 &&
           strcmp(v[2], "a b") == 0,
       "fixed-length space-padded strings lose the padding");
    wk_strv_free(v, n);
    ok(wk_h5_get_attr_string(fid, "fixed", &one) == 0 && strcmp(one, "hello") == 0, "fixed-length string attribute");
    free(one);
    H5Sclose(s);
    H5Tclose(t);
    H5Fclose(fid);
}

static void test_attributes(void)
{
    struct wk_file *f;
    hid_t fid;
    double d = 0;
    long l = 0;
    char *s = NULL, **v = NULL, *many[5000];
    char buf[5000][24];
    size_t n = 0;
    int all = 1;

    wk_file_create(&f, tmp("attrs.h5"));
    fid = wk_file_hid(f);
    ok(wk_h5_set_attr_double(fid, "dt", 0.25) == 0 && wk_h5_get_attr_double(fid, "dt", &d) == 0 && d == 0.25,
       "double attribute");
    ok(wk_h5_set_attr_double(fid, "dt", NAN) == 0 && wk_h5_get_attr_double(fid, "dt", &d) == 0 && isnan(d),
       "replaced, NaN kept");
    ok(wk_h5_set_attr_long(fid, "worm", -1) == 0 && wk_h5_get_attr_long(fid, "worm", &l) == 0 && l == -1,
       "long attribute");
    ok(wk_h5_get_attr_double(fid, "worm", &d) == 0 && d == -1, "an integer attribute read as double");
    ok(wk_h5_set_attr_string(fid, "s", "x y") == 0 && wk_h5_get_attr_string(fid, "s", &s) == 0 &&
           strcmp(s, "x y") == 0,
       "string attribute");
    free(s);
    wk_test_msgs_capture();
    ok(wk_h5_get_attr_double(fid, "absent", &d) == WK_ENOTFOUND && wk_test_n_msgs == 0,
        "absent: WK_ENOTFOUND, no message");
    ok(wk_h5_get_attr_long(fid, "dt", &l) == WK_EFORMAT && wk_test_n_msgs == 1, "a double is not an integer");
    wk_test_msgs_capture();
    ok(wk_h5_get_attr_double(fid, "s", &d) == WK_EFORMAT, "a string is not a number");
    ok(strstr(wk_test_last_msg, "attribute 's': expected a number") != NULL, "message names the attribute");

    /* More lines than fit in an object header (64 KiB): dense storage. */
    for (int i = 0; i < 5000; i++) {
        snprintf(buf[i], sizeof buf[i], "line %d", i);
        many[i] = buf[i];
    }
    ok(wk_h5_set_attr_strings(fid, "history", 5000, many) == 0, "a 5000-line string attribute");
    ok(wk_h5_get_attr_strings(fid, "history", &v, &n) == 0 && n == 5000, "read back");
    for (size_t i = 0; v && i < n; i++)
        all &= strcmp(v[i], buf[i]) == 0;
    ok(all, "every line");
    wk_strv_free(v, n);
    wk_file_abort(f);
}

static void test_signal_cleanup(void)
{
    pid_t pid;
    int status = 0;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct wk_file *f;
        wk_file_install_signal_cleanup();
        if (wk_file_create(&f, tmp("killed.h5")) == 0)
            raise(SIGTERM);
        _exit(3);
    }
    waitpid(pid, &status, 0);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "SIGTERM still ends the process");
    ok(count_prefixed(".killed.h5.") == 0 && count_prefixed("killed.h5") == 0, "and removes the temporary file");
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];

    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(void)
{
    const char *t = getenv("TMPDIR");

    snprintf(dir, sizeof dir, "%s/wk-test-file.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    wk_library_init();
    wk_test_msgs_capture();
    set_command("worm-test", NULL);

    test_create_and_open();
    test_output_mode();
    test_atomic_replace();
    test_create_errors();
    test_open_errors();
    test_not_wormkit();
    test_stdin();
    test_stdout();
    test_update_stream();
    test_fifo();
    test_history();
    test_reproducible();
    test_update();
    test_copy_group();
    test_copy_many_attributes();
    test_datasets();
    test_foreign_strings();
    test_attributes();
    test_signal_cleanup();

    remove_dir();
    return wk_test_done();
}
