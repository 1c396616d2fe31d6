#!/bin/sh
# worm-select --recording / --dataset: which recordings are kept (in input
# order), unmatched items, several inputs, -o, connectomes passed through,
# history kept, and the pipe round trip import | select | info.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
cat >a.csv <<'CSV'
time,AVAL,AVAR,RIML,FOO
0,1,2,3,4
0.5,1.5,,3.5,4.5
1,2,2,4,5
1.5,,2,4.5,5.5
2,3,2,5,6
CSV
cat >b.csv <<'CSV'
time,AVAL,AVBL,X1,X2
0,1,1,1,1
0.25,2,,2,2
0.75,3,3,,3
CSV
cp b.csv c.csv
ok "import a, b, c" sh -c 'worm-import a.csv b.csv >ab.h5 && worm-import --dataset lab2 c.csv >c.h5'
tab=$(printf '\t')
ids() { worm-info --format tsv "$@" | sed 1d | cut -f1 | tr '\n' ' '; }

is "$(worm-select --recording b ab.h5 | ids)" "b " "--recording b"
is "$(worm-select -r 'b,a' ab.h5 | ids)" "a b " "--recording b,a: input order kept"
is "$(worm-select -r '?' ab.h5 c.h5 | ids)" "a b c " "pattern over two inputs"
is "$(worm-select --dataset lab2 ab.h5 c.h5 | ids)" "c " "--dataset lab2"
is "$(worm-select -d generic -d 'lab*' ab.h5 c.h5 | ids)" "a b c " "two --dataset options add up"
is "$(worm-select -r b -d generic ab.h5 c.h5 | ids)" "b " "--recording and --dataset both apply"
is "$(worm-select ab.h5 c.h5 | ids)" "a b c " "no filter: everything"

# The pipe round trip with exact numbers.
run_tool sh -c "worm-import a.csv b.csv | worm-select --neurons 'AV*,RIM?' --time 0:1 | worm-info --format tsv"
is "$(cat "$out")" "id${tab}dataset${tab}samples${tab}duration_s${tab}median_dt_s${tab}labeled${tab}unlabeled${tab}present${tab}nan_fraction
a${tab}generic${tab}2${tab}0.5${tab}0.5${tab}3${tab}0${tab}3${tab}0.16666666666666666
b${tab}generic${tab}3${tab}0.75${tab}0.375${tab}2${tab}0${tab}2${tab}0.16666666666666666" "import | select | info"

# -o writes the file; the history holds the import and the select lines.
run_tool worm-select -r a -o sel.h5 ab.h5
is "$rc" 0 "-o: exit 0"
is "$(wc -c <"$out" | tr -d ' ')" 0 "-o: nothing on stdout"
is "$(ids sel.h5)" "a " "-o: the file holds a"
is "$(worm-info --history sel.h5 | sed 's/ (wormkit .*//' | tr '\n' '|')" "worm-import a.csv b.csv|worm-select -r a -o sel.h5 ab.h5|" "history: import then select"
is "$(worm-select ab.h5 c.h5 | worm-info --history | cut -d' ' -f1 | tr '\n' ' ')" "worm-import worm-import worm-select " "history of two inputs"

# Connectomes and results pass through.
helper=${WK_BUILD:-$WK_TOP/build}/tests/test-info
if [ -x "$helper" ] && "$helper" --write-broken . >/dev/null 2>&1; then
    run_tool sh -c "worm-select -r r2 good.h5 | worm-info --check"
    is "$(cat "$out")" "'stdin': ok (1 recording)" "connectome kept and valid"
    run_tool sh -c "worm-select -r r2 good.h5 >g.h5 && h5dump -H -d /connectomes/c1/gap g.h5"
    ok "connectome /connectomes/c1/gap copied" grep -q 'SIMPLE { ( 300, 300 ) / ( 300, 300 ) }' "$out"
else
    skip "test-info not built"
    skip "test-info not built"
fi

# Errors: nothing written, one message.
expect_fail 1 "unknown recording" worm-select --recording a,x ab.h5
is "$(cat "$err")" "worm-select: no recording matches --recording 'x'" "unknown recording: message"
is "$(wc -c <"$out" | tr -d ' ')" 0 "unknown recording: nothing on stdout"
expect_fail 1 "unknown dataset" worm-select --dataset kato2015 ab.h5
is "$(cat "$err")" "worm-select: no recording matches --dataset 'kato2015'" "unknown dataset: message"
expect_fail 1 "recording filtered out by dataset" worm-select -r a -d lab2 ab.h5 c.h5
is "$(cat "$err")" "worm-select: no recording matches --recording 'a'" "filtered out: message"
ok "no output file on error" sh -c '! worm-select -r x -o none.h5 ab.h5 2>/dev/null && [ ! -e none.h5 ]'
ok "an existing output file is left alone on error" sh -c 'cp sel.h5 keep.h5 && ! worm-select -r x -o keep.h5 ab.h5 2>/dev/null && cmp -s sel.h5 keep.h5'

# The same id from two inputs.
expect_fail 1 "repeated id" worm-select ab.h5 ab.h5
is "$(cat "$err")" "worm-select: 'ab.h5': recording 'a' already comes from 'ab.h5' (use --rename)" "repeated id: message"
is "$(worm-select --rename -r a ab.h5 ab.h5 | ids)" "a a.2 " "--rename"

# Bad usage and bad input.
expect_fail 2 "unknown option" worm-select --bogus ab.h5
expect_fail 2 "stdin twice" worm-select - -
is "$(head -1 "$err")" "worm-select: stdin ('-') can be read only once" "stdin twice: message"
expect_fail 1 "empty stdin" worm-select
printf 'not hdf5\n' >text.h5
expect_fail 1 "not HDF5" worm-select text.h5
is "$(cat "$err")" "worm-select: 'text.h5': not an HDF5 file" "not HDF5: message"

done_testing
