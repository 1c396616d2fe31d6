#!/bin/sh
# worm-cat: recordings of every input in order, unchanged; repeated ids
# (error naming both files, or --rename to <id>.2, <id>.3); stdin once;
# histories and connectomes merged.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
cat >a.csv <<'CSV'
time,AVAL,AVAR,RIML,FOO
0,1,2,3,4
0.5,1.5,,3.5,4.5
1,2,2,4,5
CSV
cat >b.csv <<'CSV'
time,AVAL,AVBL,X1
0,1,1,1
0.25,2,,2
CSV
ok "import a and b" sh -c 'worm-import a.csv >a.h5 && worm-import --dataset lab2 b.csv >b.h5'
tab=$(printf '\t')
ids() { worm-info --format tsv "$@" | sed 1d | cut -f1 | tr '\n' ' '; }

run_tool worm-cat a.h5 b.h5 -o ab.h5
is "$rc" 0 "a + b: exit 0"
is "$(ids ab.h5)" "a b " "a + b: in input order"
is "$(worm-cat b.h5 a.h5 | ids)" "b a " "b + a: in input order"
is "$(worm-info --format tsv ab.h5 | sed 1d)" "$(worm-info --format tsv a.h5 b.h5 | sed 1d)" "recordings unchanged (same summaries)"
is "$(worm-select -r b ab.h5 | worm-export)" "$(worm-export b.h5)" "recording b unchanged (same values)"
is "$(worm-info --history ab.h5 | sed 's/ (wormkit .*//' | tr '\n' '|')" \
    "worm-import a.csv|worm-import --dataset lab2 b.csv|worm-cat a.h5 b.h5 -o ab.h5|" "histories merged in input order"
run_tool worm-info --check ab.h5
is "$(cat "$out")" "'ab.h5': ok (2 recordings)" "the merged file passes --check"

# stdin, once, anywhere in the list.
run_in b.h5 worm-cat a.h5 -
is "$rc" 0 "a + stdin: exit 0"
is "$(ids "$out")" "a b " "a + stdin"
run_in a.h5 worm-cat
is "$(ids "$out")" "a " "no operand: stdin"
expect_fail 2 "stdin twice" worm-cat - a.h5 -
is "$(head -1 "$err")" "worm-cat: stdin ('-') can be read only once" "stdin twice: message"

# Repeated ids.
cp a.h5 a2.h5
expect_fail 1 "repeated id" worm-cat a.h5 b.h5 a2.h5
is "$(cat "$err")" "worm-cat: 'a2.h5': recording 'a' already comes from 'a.h5' (use --rename)" "repeated id: names both files"
is "$(wc -c <"$out" | tr -d ' ')" 0 "repeated id: nothing on stdout"
ok "repeated id: no output file" sh -c '! worm-cat a.h5 a2.h5 -o no.h5 2>/dev/null && [ ! -e no.h5 ]'
run_tool worm-cat --rename a.h5 b.h5 a2.h5 a.h5 -o renamed.h5
is "$rc" 0 "--rename: exit 0"
is "$(ids renamed.h5)" "a b a.2 a.3 " "--rename: a, b, a.2, a.3"
is "$(worm-select -r a.3 renamed.h5 | worm-export)" "$(worm-export a.h5)" "--rename: a.3 holds a's values"
run_tool worm-info --check renamed.h5
is "$(cat "$out")" "'renamed.h5': ok (4 recordings)" "--rename: the result passes --check"
is "$(worm-cat --rename renamed.h5 a.h5 | ids)" "a b a.2 a.3 a.4 " "--rename: first free suffix"
run_tool sh -c 'worm-cat -v --rename a.h5 a2.h5 >/dev/null'
is "$(cat "$err")" "worm-cat: 'a2.h5': recording 'a' renamed to 'a.2'" "-v reports the renaming"

# Connectomes: copied; the same connectome twice is an error.
helper=${WK_BUILD:-$WK_TOP/build}/tests/test-info
if [ -x "$helper" ] && "$helper" --write-broken . >/dev/null 2>&1; then
    run_tool worm-cat a.h5 good.h5 -o withc.h5
    is "$rc" 0 "a + good.h5 (with a connectome): exit 0"
    is "$(ids withc.h5)" "a r1 r2 " "a + good.h5: recordings"
    run_tool worm-info --check withc.h5
    is "$(cat "$out")" "'withc.h5': ok (3 recordings)" "a + good.h5: connectome copied and valid"
    expect_fail 1 "connectome twice" worm-cat --rename good.h5 good.h5
    is "$(cat "$err")" "worm-cat: 'good.h5': /connectomes/c1: already copied from an earlier input" "connectome twice: message"
else
    for i in 1 2 3 4 5 6 7; do skip "test-info not built"; done
fi

# Bad usage and bad input.
expect_fail 2 "unknown option" worm-cat --bogus a.h5
printf 'not hdf5\n' >text.h5
expect_fail 1 "not HDF5" worm-cat a.h5 text.h5
is "$(cat "$err")" "worm-cat: 'text.h5': not an HDF5 file" "not HDF5: message"
STDIN_FILE=/dev/null expect_fail 1 "empty stdin" worm-cat -
expect_fail 1 "missing file" worm-cat a.h5 missing.h5

done_testing
