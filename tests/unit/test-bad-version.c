/* test-bad-version.c - wk_file_open refuses wormkit files of another layout
 * version or without the format attribute, with one message naming the file.
 *
 * Also the helper of tests/t/t0010-bad-hdf5-input.sh:
 *   test-bad-version SRC DST VERSION    copy SRC to DST, set wormkit_version
 * (no HDF5 command-line tool can change an attribute in place). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wormkit/wormkit.h"
#include "wk_test.h"

static int copy_file(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    FILE *out = in ? fopen(dst, "wb") : NULL;
    char buf[65536];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) rc = -1;
    if (in && ferror(in)) rc = -1;
    if (in) fclose(in);
    if (out && fclose(out) != 0) rc = -1;
    return rc;
}

/* Overwrite (or, with name_to_delete, remove) a root attribute of an HDF5 file. */
static int edit_root(const char *path, long version, const char *name_to_delete)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) return -1;
    int rc;
    if (name_to_delete) {
        rc = H5Adelete(f, name_to_delete) < 0 ? -1 : 0;
    } else {
        hid_t a = H5Aopen(f, "wormkit_version", H5P_DEFAULT);
        rc = a >= 0 && H5Awrite(a, H5T_NATIVE_LONG, &version) >= 0 ? 0 : -1;
        if (a >= 0) H5Aclose(a);
    }
    if (H5Fclose(f) < 0) rc = -1;
    return rc;
}

static int helper(const char *src, const char *dst, const char *version_text)
{
    char *end;
    long version = strtol(version_text, &end, 10);
    if (end == version_text || *end) {
        fprintf(stderr, "test-bad-version: invalid version '%s'\n", version_text);
        return 2;
    }
    if (copy_file(src, dst) != 0 || edit_root(dst, version, NULL) != 0) {
        fprintf(stderr, "test-bad-version: cannot make '%s' from '%s'\n", dst, src);
        return 1;
    }
    return 0;
}

static int n_logged;
static char last_message[512];

static void hook(enum wk_log_level level, const char *message, void *userdata)
{
    (void)level;
    (void)userdata;
    n_logged++;
    snprintf(last_message, sizeof last_message, "%s", message);
}

/* Open path expecting failure code want; one message naming path and containing what. */
static void expect_refused(const char *path, int want, const char *what, const char *desc)
{
    struct wk_file *f = NULL;
    char text[256];
    n_logged = 0;
    last_message[0] = '\0';
    int rc = wk_file_open(&f, path);
    snprintf(text, sizeof text, "%s: refused with %s", desc, wk_strerror(want));
    ok(rc == want && f == NULL, text);
    snprintf(text, sizeof text, "%s: one message", desc);
    ok(n_logged == 1, text);
    snprintf(text, sizeof text, "%s: message names the file and says '%s'", desc, what);
    ok(strstr(last_message, path) != NULL && strstr(last_message, what) != NULL, text);
    if (n_logged != 1 || !strstr(last_message, what)) printf("#   message: %s\n", last_message);
    wk_file_close(f);
}

int main(int argc, char **argv)
{
    if (argc == 4) return helper(argv[1], argv[2], argv[3]);
    if (argc != 1) {
        fprintf(stderr, "usage: test-bad-version [SRC DST VERSION]\n");
        return 2;
    }
    wk_library_init();

    char dir[] = "/tmp/wk-test-version-XXXXXX";
    ok(mkdtemp(dir) != NULL, "temporary folder");
    char good[64], v2[64], v0[64], noformat[64];
    snprintf(good, sizeof good, "%s/good.h5", dir);
    snprintf(v2, sizeof v2, "%s/v2.h5", dir);
    snprintf(v0, sizeof v0, "%s/v0.h5", dir);
    snprintf(noformat, sizeof noformat, "%s/noformat.h5", dir);

    struct wk_file *f = NULL;
    int rc = wk_file_create(&f, good);
    if (rc == 0) rc = wk_file_commit(f);
    ok(rc == 0, "create an empty wormkit file");

    struct wk_file *in = NULL;
    ok(wk_file_open(&in, good) == 0, "it opens");
    wk_file_close(in);

    ok(helper(good, v2, "2") == 0, "helper makes a version 2 copy");
    ok(helper(good, v0, "0") == 0, "helper makes a version 0 copy");
    ok(copy_file(good, noformat) == 0 && edit_root(noformat, 0, "wormkit_format") == 0,
       "copy without wormkit_format");

    wk_log_set_hook(hook, NULL);
    expect_refused(v2, WK_EVERSION, "version 2", "version 2");
    expect_refused(v0, WK_EVERSION, "version 0", "version 0");
    expect_refused(noformat, WK_EFORMAT, "not a wormkit file", "no wormkit_format");
    wk_log_set_hook(NULL, NULL);

    ok(helper(v2, good, "1") == 0 && wk_file_open(&in, good) == 0, "set back to 1, it opens again");
    wk_file_close(in);

    unlink(good);
    unlink(v2);
    unlink(v0);
    unlink(noformat);
    rmdir(dir);
    return wk_test_done();
}
