/* test-stop.c - the optional MPI layer as one rank, and deferred signals:
 * a first SIGTERM is only recorded, wk_file_stop_now ends the process by it
 * and removes the temporary output. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wk_test.h"
#include "wormkit/wormkit.h"

static void test_one_rank(void)
{
    size_t first = 99, count = 99;
    ok(wk_mpi_enabled() == 0, "default build has no MPI");
    ok(wk_mpi_init(NULL, NULL) == 0, "init as one rank");
    ok(wk_mpi_rank() == 0 && wk_mpi_size() == 1, "rank 0 of 1");
    wk_mpi_share(10, &first, &count);
    ok(first == 0 && count == 10, "one rank owns every item");
    static const size_t want_first[3] = {0, 4, 7}, want_count[3] = {4, 3, 3};
    int shares_ok = 1;
    for (int r = 0; r < 3; r++) {
        wk_mpi_share_of(10, 3, r, &first, &count);
        shares_ok &= first == want_first[r] && count == want_count[r];
    }
    ok(shares_ok, "10 items on 3 ranks: 4, 3, 3 in rank order");
    int64_t v[2] = {3, -4};
    ok(wk_mpi_allreduce_sum_i64(v, 2) == 0 && v[0] == 3 && v[1] == -4, "sum over one rank is the value");
    char in[4] = "abc", outb[4] = "";
    size_t counts[1] = {4};
    ok(wk_mpi_gather_bytes(in, 4, outb, counts, 0) == 0 && strcmp(outb, "abc") == 0, "gather copies");
    ok(wk_mpi_agree_error(WK_EFORMAT) == WK_EFORMAT, "agreed error is ours");
    wk_mpi_finalize();
}

/* Entries of dir whose name starts with ".out.h5." (temporary outputs). */
static int temp_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strncmp(e->d_name, ".out.h5.", 8) == 0) n++;
    if (d) closedir(d);
    return n;
}

static void test_deferred_stop(void)
{
    char dir[] = "/tmp/wk-test-stop.XXXXXX", path[64];
    ok(mkdtemp(dir) != NULL, "scratch folder");
    snprintf(path, sizeof path, "%s/out.h5", dir);
    pid_t pid = fork();
    if (pid == 0) {
        struct wk_file *f = NULL;
        wk_file_defer_signals();
        if (wk_file_create(&f, path) || wk_file_stop_requested() != 0) _exit(10);
        raise(SIGTERM);
        if (wk_file_stop_requested() != SIGTERM) _exit(11);
        if (temp_files(dir) != 1) _exit(12); /* still there: a checkpoint could be saved now */
        wk_file_stop_now();
        _exit(13);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "the run ends by the recorded SIGTERM");
    if (WIFEXITED(status)) printf("#   child exit %d\n", WEXITSTATUS(status));
    ok(temp_files(dir) == 0 && access(path, F_OK) != 0, "no temporary and no output file left");
    rmdir(dir);
}

int main(void)
{
    test_one_rank();
    test_deferred_stop();
    return wk_test_done();
}
