#!/bin/sh
# worm-info: table, tsv and json summaries of a known small file (whole
# text compared), stdin, --history, bad usage and bad input.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
# a: 5 samples every 0.5 s; AVAL and AVAR miss one sample each, RIML full,
# FOO is not an atlas name (extra column), ADAL is empty (not present).
cat >a.csv <<'CSV'
time,AVAL,AVAR,RIML,FOO,ADAL
0,1,2,3,4,
0.5,1.5,,3.5,4.5,
1,2,2,4,5,
1.5,,2,4.5,5.5,
2,3,2,5,6,
CSV
# b: 3 samples at 0, 0.25, 0.75 s (median step 0.375); two extra columns.
cat >b.csv <<'CSV'
time,AVAL,AVBL,X1,X2
0,1,1,1,1
0.25,2,,2,2
0.75,3,3,,3
CSV
ok "import a.csv" sh -c 'worm-import a.csv >a.h5'
ok "import b.csv" sh -c 'worm-import --dataset lab2 b.csv >b.h5'

run_tool worm-info a.h5 b.h5
is "$rc" 0 "table: exit 0"
is "$(cat "$out")" "id  dataset  samples  duration_s  median_dt_s  labeled  unlabeled  present  nan_fraction
a   generic        5       2.000          0.5        3          1        4        0.1000
b   lab2           3       0.750        0.375        2          2        4        0.1667" "table: exact text"
is "$(wc -c <"$err" | tr -d ' ')" 0 "table: nothing on stderr"

tab=$(printf '\t')
run_tool worm-info --format tsv a.h5 b.h5
is "$rc" 0 "tsv: exit 0"
is "$(cat "$out")" "id${tab}dataset${tab}samples${tab}duration_s${tab}median_dt_s${tab}labeled${tab}unlabeled${tab}present${tab}nan_fraction
a${tab}generic${tab}5${tab}2${tab}0.5${tab}3${tab}1${tab}4${tab}0.1
b${tab}lab2${tab}3${tab}0.75${tab}0.375${tab}2${tab}2${tab}4${tab}0.16666666666666666" "tsv: exact text"

run_tool worm-info -f json a.h5 b.h5
is "$rc" 0 "json: exit 0"
is "$(cat "$out")" '[
  {"id": "a", "dataset": "generic", "samples": 5, "duration_s": 2, "median_dt_s": 0.5, "labeled": 3, "unlabeled": 1, "present": 4, "nan_fraction": 0.1},
  {"id": "b", "dataset": "lab2", "samples": 3, "duration_s": 0.75, "median_dt_s": 0.375, "labeled": 2, "unlabeled": 2, "present": 4, "nan_fraction": 0.16666666666666666}
]' "json: exact text"
if command -v jq >/dev/null 2>&1; then
    is "$(jq -r '.[1].samples' "$out")" 3 "json: jq reads it"
else
    skip "jq not installed"
fi

# -o writes the text to a file (atomically: nothing on error).
tsv_want=$(worm-info --format tsv a.h5 b.h5)
run_tool worm-info --format tsv -o info.tsv a.h5 b.h5
is "$rc" 0 "-o: exit 0"
is "$(wc -c <"$out" | tr -d ' ')" 0 "-o: nothing on stdout"
is "$(cat info.tsv)" "$tsv_want" "-o: the file holds the tsv"
ok "-o: no file on error" sh -c '! worm-info -o none.txt a.h5 missing.h5 2>/dev/null && [ ! -e none.txt ]'

# stdin, as the end of a pipe; "-" among files.
run_in b.h5 worm-info --format tsv
is "$(sed -n 2p "$out")" "b${tab}lab2${tab}3${tab}0.75${tab}0.375${tab}2${tab}2${tab}4${tab}0.16666666666666666" "stdin: the row of b"
run_in b.h5 worm-info --format tsv a.h5 -
is "$(cut -f1 "$out" | tr '\n' ' ')" "id a b " "file then stdin, in order"

# A file with two recordings: one row each, in writing order.
run_tool sh -c 'worm-import a.csv b.csv | worm-info --format tsv | cut -f1,3'
is "$(cat "$out")" "id${tab}samples
a${tab}5
b${tab}3" "two recordings in one file"

# History: one line per tool run.
run_tool worm-info --history a.h5
is "$rc" 0 "history: exit 0"
is "$(wc -l <"$out" | tr -d ' ')" 1 "history: one line"
ok "history: the import command line" grep -q '^worm-import a\.csv (wormkit [0-9.]*, [0-9T:-]*Z)$' "$out"
run_tool sh -c 'worm-select --neurons AVAL a.h5 | worm-info --history'
is "$(wc -l <"$out" | tr -d ' ')" 2 "history after worm-select: two lines"
ok "history: the select line comes last" sh -c "sed -n 2p '$out' | grep -q '^worm-select --neurons AVAL a.h5 ('"
run_tool worm-info --history a.h5 b.h5
is "$(sed -n '1p;3p' "$out" | tr '\n' '|')" "==> a.h5 <==|==> b.h5 <==|" "history of two files: headers"

# Bad usage: exit 2, message and Try line.
expect_fail 2 "unknown --format" worm-info --format xml a.h5
is "$(head -1 "$err")" "worm-info: invalid --format 'xml' (want table, tsv or json)" "unknown --format: message"
expect_fail 2 "--check with --history" worm-info --check --history a.h5
is "$(head -1 "$err")" "worm-info: --check and --history cannot be combined" "--check with --history: message"
expect_fail 2 "unknown option" worm-info --bogus a.h5

# Bad input: exit 1, one line naming the file.
printf 'time,AVAL\n0,1\n' >text.h5
expect_fail 1 "not HDF5" worm-info text.h5
ok "not HDF5: names the file" grep -q "'text.h5'" "$err"
is "$(wc -c <"$out" | tr -d ' ')" 0 "not HDF5: nothing on stdout"
STDIN_FILE=/dev/null expect_fail 1 "empty stdin" worm-info
expect_fail 1 "missing file" worm-info no-such.h5
ok "missing file: names the file" grep -q "'no-such.h5'" "$err"
# A bad file after a good one: no partial table.
expect_fail 1 "good then bad" worm-info a.h5 text.h5
is "$(wc -c <"$out" | tr -d ' ')" 0 "good then bad: nothing on stdout"

done_testing
