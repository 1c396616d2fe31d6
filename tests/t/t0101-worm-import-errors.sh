#!/bin/sh
# worm-import on bad input: exit 1, exactly one message naming the file (and
# line/column), no output file and no temporary file left, a pre-existing
# output untouched; bad usage exits 2.
. "$(dirname "$0")/../lib.sh"

DATA=$WK_TOP/tests/data/import

# fails_cleanly DESC WANT_MESSAGE worm-import ARGS...: run with -o into an
# empty folder: exit 1, one stderr line equal to WANT_MESSAGE, folder empty.
fails_cleanly() {
    _d=$1; _m=$2; shift 2
    rm -rf "$TMP/out"; mkdir "$TMP/out"
    expect_fail 1 "$_d" "$@" -o "$TMP/out/out.h5" --report "$TMP/out/report.tsv"
    is "$(cat "$err")" "$_m" "$_d: message"
    is "$(ls -A "$TMP/out")" "" "$_d: no output, report or temporary file left"
}

fails_cleanly "non-numeric cell" \
    "worm-import: '$DATA/bad-cell.csv': line 4, column 'AVAL': not a number: 'abc'" \
    worm-import "$DATA/bad-cell.csv"
fails_cleanly "ragged row" \
    "worm-import: '$DATA/ragged.csv': line 3: expected 3 fields, found 2" \
    worm-import "$DATA/ragged.csv"
fails_cleanly "non-increasing time" \
    "worm-import: '$DATA/time-repeat.csv': line 4: time not strictly increasing (2.5 after 2.5)" \
    worm-import "$DATA/time-repeat.csv"
fails_cleanly "empty file" \
    "worm-import: '$DATA/empty.csv': empty file (no header row)" \
    worm-import "$DATA/empty.csv"
fails_cleanly "missing file" \
    "worm-import: '$TMP/missing.csv': cannot open: No such file or directory" \
    worm-import "$TMP/missing.csv"
fails_cleanly "bad second input: nothing written for the first" \
    "worm-import: '$DATA/ragged.csv': line 3: expected 3 fields, found 2" \
    worm-import "$DATA/worm1.csv" "$DATA/ragged.csv"
fails_cleanly "unknown extension" \
    "worm-import: '$TMP/x.dat': cannot tell the format from the file name; use --format" \
    worm-import "$TMP/x.dat"
fails_cleanly "time column not first" \
    "worm-import: '$DATA/no-time.csv': line 1: first column must be the time (header 'time', 't' or 'time_s'), found 'AVAL' (see --time-column and --no-time)" \
    worm-import "$DATA/no-time.csv"
mkdir -p "$TMP/a" "$TMP/b"
cp "$DATA/worm1.csv" "$TMP/a/"; cp "$DATA/worm1.csv" "$TMP/b/"
fails_cleanly "same id twice" \
    "worm-import: '$TMP/b/worm1.csv': recording id 'worm1' is already used by an earlier input (rename the file or import it separately)" \
    worm-import "$TMP/a/worm1.csv" "$TMP/b/worm1.csv"

# a failed run leaves a pre-existing output file byte for byte as it was
run_tool worm-import -o "$TMP/keep.h5" "$DATA/worm1.csv"
cp "$TMP/keep.h5" "$TMP/keep.orig"
expect_fail 1 "failure over an existing output" worm-import -o "$TMP/keep.h5" "$DATA/bad-cell.csv"
ok "existing out.h5 untouched" cmp -s "$TMP/keep.h5" "$TMP/keep.orig"
is "$(ls -A "$TMP" | grep -c '^\.')" 0 "no hidden temporary file in the folder"

# failure on stdout output: nothing on stdout
rc=0
worm-import "$DATA/bad-cell.csv" >"$out" 2>"$err" || rc=$?
is "$rc" 1 "stdout output: exit 1"
is "$(wc -c <"$out" | tr -d ' ')" 0 "stdout output: nothing written"

# bad usage: exit 2
expect_fail 2 "stdin needs --format" worm-import -
expect_fail 2 "--dt needs --no-time" worm-import --dt 0.5 "$DATA/worm1.csv"
expect_fail 2 "--no-time needs --dt" worm-import --no-time "$DATA/no-time.csv"
expect_fail 2 "--id with two inputs" worm-import --id x "$DATA/worm1.csv" "$DATA/worm2.tsv"
expect_fail 2 "unknown format" worm-import --format xls "$DATA/worm1.csv"
expect_fail 2 "bad --dt" worm-import --no-time --dt abc "$DATA/no-time.csv"
ok "bad --dt: message names the value" grep -q "invalid --dt 'abc'" "$err"

done_testing
