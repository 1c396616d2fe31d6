/* fuzz-parse.c - numeric option parsing (src/cli.c wk_parse_*): a value
 * accepted is within its bounds, a value refused is reported. */
#include <math.h>

#include "fuzz.h"

#include "wormkit/wk_cli.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    long l;
    fuzz_begin();
    int rc = wk_parse_long(s, -1000, 1000000, "--n", &l);
    fuzz_end(rc, "wk_parse_long");
    if (rc >= 0 && (l < -1000 || l > 1000000)) abort();

    unsigned long ul;
    fuzz_begin();
    rc = wk_parse_ulong(s, 4096, "--size", &ul);
    fuzz_end(rc, "wk_parse_ulong");
    if (rc >= 0 && ul > 4096) abort();

    double d;
    fuzz_begin();
    rc = wk_parse_double(s, -1.0, 1e6, "--dt", &d);
    fuzz_end(rc, "wk_parse_double");
    if (rc >= 0 && !(d >= -1.0 && d <= 1e6)) abort();

    fuzz_begin();
    rc = wk_parse_double(s, -INFINITY, INFINITY, "--x", &d);
    fuzz_end(rc, "wk_parse_double");
    if (rc >= 0 && isnan(d)) abort();

    rc = wk_parse_data_double(s, &d); /* silent by design */
    if (rc < 0 && rc != WK_EFORMAT) abort();
    free(s);
    return 0;
}
