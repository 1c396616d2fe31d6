# tests/lib.sh - TAP helpers for the tool tests in tests/t/.
# Sourced by each tNNNN-<tool>-<what>.sh.  Provides:
#   ok COND_CMD... "description"   (use: ok "desc" cmd args...)
#   is GOT WANT "description"
#   run_tool NAME ARGS...          runs a tool, stdout to $out, stderr to $err, status in $rc
#   expect_fail STATUS "desc" tool args...  status, exactly one stderr line naming the tool
#   run_mpi NP tool args...        runs an MPI-build tool on NP ranks ($WK_MPI_BIN), like run_tool
#   have_mpi                       true when the MPI build and mpirun are there
#   done_testing
# $WK_BIN (built tools), $WK_TOP (source tree), $TMP (scratch, removed at exit).

set -u
WK_TOP=${WK_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
WK_BIN=${WK_BIN:-$WK_TOP/build/bin}
PATH=$WK_BIN:$PATH
export PATH LC_ALL=C
SAMPLES=$WK_TOP/data-samples
SHARED=${WK_SHARED:-$WK_TOP/../shared}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wk-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
out=$TMP/stdout
err=$TMP/stderr
rc=0
_n=0
_failed=0

ok() {
    _desc=$1; shift
    _n=$((_n + 1))
    if "$@" >/dev/null 2>&1; then
        echo "ok $_n - $_desc"
    else
        echo "not ok $_n - $_desc"
        _failed=$((_failed + 1))
    fi
}

is() {
    _n=$((_n + 1))
    if [ "$1" = "$2" ]; then
        echo "ok $_n - $3"
    else
        echo "not ok $_n - $3"
        printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
        _failed=$((_failed + 1))
    fi
}

skip() {
    _n=$((_n + 1))
    echo "ok $_n # skip $1"
}

run_tool() {
    rc=0
    "$@" >"$out" 2>"$err" </dev/null || rc=$?
}

# run_in FILE tool args...: like run_tool with stdin from FILE.
run_in() {
    _in=$1; shift
    rc=0
    "$@" >"$out" 2>"$err" <"$_in" || rc=$?
}

# expect_fail STATUS DESC tool args... (stdin from /dev/null unless STDIN_FILE set)
expect_fail() {
    _want=$1; _desc=$2; shift 2
    rc=0
    "$@" >"$out" 2>"$err" <"${STDIN_FILE:-/dev/null}" || rc=$?
    is "$rc" "$_want" "$_desc: exit $_want"
    is "$(wc -l <"$err" | tr -d ' ')" "$( [ "$_want" = 2 ] && echo 2 || echo 1)" "$_desc: one message on stderr"
    _n=$((_n + 1))
    if grep -q "^$1: " "$err"; then echo "ok $_n - $_desc: message starts with '$1: '"
    else echo "not ok $_n - $_desc: message starts with '$1: '"; sed 's/^/#   /' "$err"; _failed=$((_failed + 1)); fi
}

# The MPI build of the tools (make check builds it into build-mpi/ when
# mpicc and mpirun exist); empty when absent, and MPI tests skip.
WK_MPI_BIN=${WK_MPI_BIN:-}
have_mpi() {
    [ -n "$WK_MPI_BIN" ] && [ -x "$WK_MPI_BIN/worm-ntf" ] && command -v mpirun >/dev/null 2>&1
}

# run_mpi goes through tests/mpirun (environment for root and ASan); a test
# that starts mpirun itself (in the background, say) uses "$MPIRUN" too.
MPIRUN=$WK_TOP/tests/mpirun
run_mpi() {
    _np=$1; shift
    _tool=$1; shift
    rc=0
    "$MPIRUN" -np "$_np" "$WK_MPI_BIN/$_tool" "$@" >"$out" 2>"$err" </dev/null || rc=$?
}

done_testing() {
    echo "1..$_n"
    [ "$_failed" -eq 0 ]
    exit $?
}
