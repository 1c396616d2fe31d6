#!/bin/sh
# worm-export: wide/long TSV and CSV, --columns, --keep-nan, --recording,
# NPY bytes and labels, errors (missing recording, several recordings for
# npy), atomic -o.
. "$(dirname "$0")/../lib.sh"

DATA=$WK_TOP/tests/data/import
worm-import -o "$TMP/one.h5" "$DATA/worm2.tsv" 2>/dev/null
worm-import -o "$TMP/two.h5" "$DATA/worm1.csv" "$DATA/worm2.tsv" 2>/dev/null
ok "inputs made with worm-import" test -s "$TMP/one.h5" -a -s "$TMP/two.h5"

run_tool worm-export --format csv --layout long "$TMP/one.h5"
printf 'recording,neuron,time,value\nworm2,AVAL,0,0.5\nworm2,AVAL,0.6,0.75\nworm2,RMDVL,0,-1\nworm2,RMDVL,0.3,-1.25\nworm2,unknown 1,0,2\nworm2,unknown 1,0.3,3.5\nworm2,unknown 1,0.6,4\n' >"$TMP/want"
ok "long csv" cmp -s "$out" "$TMP/want"
cmp -s "$out" "$TMP/want" || diff "$out" "$TMP/want" | sed 's/^/#   /'

# a csv export reads back unchanged
rc=0
worm-export -f csv "$TMP/one.h5" >"$TMP/one.csv" && worm-import "$TMP/one.csv" | worm-export -f csv >"$out" 2>"$err" || rc=$?
is "$rc" 0 "export csv | import | export csv"
ok "csv export reads back unchanged" cmp -s "$out" "$TMP/one.csv"

run_tool worm-export --layout long --keep-nan "$TMP/one.h5"
is "$(grep -c 'NaN$' "$out")" 2 "--keep-nan: the two NaN cells are written"
is "$(wc -l <"$out" | tr -d ' ')" 10 "--keep-nan: 3 neurons x 3 samples + header"

run_tool worm-export --columns all "$TMP/one.h5"
is "$(head -1 "$out" | tr '\t' '\n' | wc -l | tr -d ' ')" 302 "--columns all: time + 300 canonical + 1 extra"
is "$(head -1 "$out" | cut -f2-3)" "$(printf 'ADAL\tADAR')" "--columns all: canonical order"

run_tool worm-export --recording nope "$TMP/two.h5"
is "$rc" 1 "unknown --recording: exit 1"
is "$(cat "$err")" "worm-export: '$TMP/two.h5': no recording 'nope'" "unknown --recording: message"

# NPY: header as numpy writes it, float32 little-endian data
run_tool worm-export --format npy --labels "$TMP/labels.txt" -o "$TMP/w2.npy" "$TMP/one.h5"
is "$rc" 0 "npy export"
{
    printf "\223NUMPY\001\000v\000{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }"
    printf '%58s\n' ''
} >"$TMP/want.header"
head -c 128 "$TMP/w2.npy" >"$TMP/got.header"
ok "npy header bytes (128, as numpy)" cmp -s "$TMP/got.header" "$TMP/want.header"
is "$(wc -c <"$TMP/w2.npy" | tr -d ' ')" 164 "npy size: 128 + 3 x 3 x 4"
# row 0 = 0.5 -1 2 ; row 1 = NaN -1.25 3.5 ; row 2 = 0.75 NaN 4
is "$(tail -c 36 "$TMP/w2.npy" | od -An -tx1 -v | tr -d ' \n')" \
    "0000003f000080bf000000400000c07f0000a0bf000060400000403f0000c07f00008040" "npy data bytes"
is "$(cat "$TMP/labels.txt")" "$(printf 'AVAL\nRMDVL\nunknown 1')" "--labels: one label per line"

expect_fail 1 "npy with two recordings" worm-export --format npy -o "$TMP/x.npy" "$TMP/two.h5"
is "$(cat "$err")" "worm-export: '$TMP/two.h5': 2 recordings; npy output holds one (choose it with --recording ID)" "npy: message names the count"
ok "npy failure: no output file" test ! -e "$TMP/x.npy"
run_tool worm-export --format npy --recording worm1 -o "$TMP/x.npy" "$TMP/two.h5"
is "$(wc -c <"$TMP/x.npy" | tr -d ' ')" 208 "npy --recording worm1: 4 x 5 float32"

# several inputs, stdin
rc=0
worm-export --layout long - <"$TMP/one.h5" >"$out" 2>"$err" || rc=$?
is "$rc" 0 "stdin input"
is "$(wc -l <"$out" | tr -d ' ')" 8 "stdin: long rows"
run_tool worm-export "$TMP/one.h5" "$TMP/one.h5"
is "$(head -1 "$out" | cut -f1-2)" "$(printf 'recording\ttime')" "two inputs: recording column"
is "$(wc -l <"$out" | tr -d ' ')" 7 "two inputs: rows of both"

# -o is atomic: a failure keeps an existing file and leaves no temp file
printf 'keep me\n' >"$TMP/out.tsv"
mkdir "$TMP/d"
printf 'keep me\n' >"$TMP/d/out.tsv"
expect_fail 1 "missing input" worm-export -o "$TMP/d/out.tsv" "$TMP/missing.h5"
is "$(cat "$TMP/d/out.tsv")" "keep me" "existing output untouched"
is "$(ls -A "$TMP/d")" "out.tsv" "no temporary file left"
run_tool worm-export -o "$TMP/d/out.tsv" "$TMP/one.h5"
is "$(head -1 "$TMP/d/out.tsv")" "$(printf 'time\tAVAL\tRMDVL\tunknown 1')" "success replaces the output"
is "$(ls -A "$TMP/d")" "out.tsv" "still one file"

expect_fail 2 "--labels without npy" worm-export --labels x "$TMP/one.h5"
expect_fail 2 "--keep-nan with wide" worm-export --keep-nan "$TMP/one.h5"
expect_fail 2 "bad --layout" worm-export --layout tall "$TMP/one.h5"
is "$(head -1 "$err")" "worm-export: invalid --layout 'tall' (wide or long)" "bad --layout message"
expect_fail 2 "--layout with npy" worm-export --format npy --layout long "$TMP/one.h5"
done_testing
