#!/bin/sh
# Every tool: --help and --version on stdout with exit 0, the --help
# synopsis equal to the man page SYNOPSIS, bad usage exit 2 with the
# message and a "Try" line on stderr.
. "$(dirname "$0")/../lib.sh"

# SYNOPSIS lines of a man page, roff font escapes removed.
man_synopsis() {
    sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$1" | sed '1d;$d' | grep -v '^\.' |
        sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\&//g' -e 's/[[:space:]]*$//'
}

# Usage lines of --help: "Usage: X" then "   or: X".
help_synopsis() {
    sed -n -e 's/^Usage: //p' -e 's/^   or: //p' "$1" | sed 's/[[:space:]]*$//'
}

tools=$(cd "$WK_TOP/tools" && ls worm-*.c | sed 's/\.c$//')
for t in $tools; do
    if [ ! -x "$WK_BIN/$t" ]; then skip "$t not built"; continue; fi
    run_tool "$t" --help
    is "$rc" 0 "$t --help exits 0"
    ok "$t --help prints Usage on stdout" grep -q "^Usage: $t" "$out"
    is "$(wc -c <"$err" | tr -d ' ')" 0 "$t --help: nothing on stderr"
    help_synopsis "$out" >"$TMP/help.syn"
    man="$WK_TOP/man/man1/$t.1"
    if [ -f "$man" ]; then
        man_synopsis "$man" >"$TMP/man.syn"
        ok "$t: man SYNOPSIS matches --help" cmp -s "$TMP/help.syn" "$TMP/man.syn"
        cmp -s "$TMP/help.syn" "$TMP/man.syn" || diff "$TMP/help.syn" "$TMP/man.syn" | sed 's/^/#   /'
        for s in NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
            ok "$t.1 has section $s" grep -q "^\.SH \"\{0,1\}$s\"\{0,1\}$" "$man"
        done
    else
        ok "$t has a man page" false
    fi

    run_tool "$t" --version
    is "$rc" 0 "$t --version exits 0"
    ok "$t --version names wormkit" grep -q "^$t (wormkit [0-9]" "$out"
    ok "$t --version names HDF5" grep -q "^HDF5 [0-9]" "$out"

    run_tool "$t" --no-such-option
    is "$rc" 2 "$t: unknown option exits 2"
    is "$(wc -l <"$err" | tr -d ' ')" 2 "$t: unknown option: message and Try line"
    ok "$t: message names the tool" grep -q "^$t: " "$err"
    ok "$t: Try line" grep -q "^Try '$t --help' for more information\.$" "$err"
    is "$(wc -c <"$out" | tr -d ' ')" 0 "$t: unknown option: nothing on stdout"
done
done_testing
