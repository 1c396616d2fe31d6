# tests/lib-raw.sh - helpers for the tests of the published-dataset readers
# (tests/t/t0120-worm-import-*.sh), sourced after lib.sh.  The samples are
# data-samples/raw/<dataset>/ written by tests/gen/gen-raw-misc.c, whose
# trace values are value(w, c, k) = 10 c + 5 w + (k mod 64) / 4 (worm w,
# source column c, raw frame k).
#   import_ok DESC worm-import-args...   import into $TMP/out.h5 (+ $TMP/report.tsv)
#   cells_ok ID "HEADER" ROWS W VOFF T0 DT "COLS" "NANS" DESC
#       the exported wide table of recording ID: header line, row count, and
#       every cell: time = T0 + DT s for sample s; the column at position j
#       (1-based after time) holds value(W, COLS[j], s + VOFF), except NaN in
#       the NANS ranges "j:s1-s2" ("*" for every column)
#   report_is ID "orig<TAB>decision<TAB>column;..." DESC
#   broken KIND                          $TMP/KIND: the samples broken by gen-raw-misc
#   fails_naming DESC FILE FIELD worm-import-args...  exit 1, one message naming both

RAW=$SAMPLES/raw
GEN=${WK_GEN:-$WK_TOP/build/gen}

import_ok() {
    _d=$1; shift
    run_tool worm-import --report "$TMP/report.tsv" -o "$TMP/out.h5" "$@"
    is "$rc" 0 "$_d: exit 0"
    [ "$rc" = 0 ] || sed 's/^/#   /' "$err"
}

cells_ok() {
    _id=$1; _header=$2; _rows=$3
    worm-export -r "$_id" "$TMP/out.h5" >"$TMP/cells.tsv" 2>"$err" || true
    is "$(head -n 1 "$TMP/cells.tsv")" "$(printf "$_header")" "${10}: labels"
    is "$(($(wc -l <"$TMP/cells.tsv") - 1))" "$_rows" "${10}: $_rows samples"
    _bad=$(awk -F'\t' -v w="$4" -v voff="$5" -v t0="$6" -v dt="$7" -v cols="$8" -v nans="$9" '
        BEGIN { n = split(cols, c, " "); m = split(nans, na, " ") }
        NR == 1 { next }
        {
            s = NR - 2; bad = 0
            d = $1 - (t0 + dt * s); if (d * d > 1e-12) bad = 1
            if (NF != n + 1) bad = 1
            for (j = 1; j <= n; j++) {
                gap = 0
                for (q = 1; q <= m; q++) {
                    split(na[q], a, "[:-]")
                    if ((a[1] == "*" || a[1] == j) && s >= a[2] + 0 && s <= a[3] + 0) gap = 1
                }
                k = s + voff; want = 10 * c[j] + 5 * w + (k % 64) / 4
                if (gap ? $(j + 1) != "NaN" : ($(j + 1) == "NaN" || $(j + 1) + 0 != want)) bad = 1
            }
            if (bad) { errors++; if (errors <= 3) print "#   sample " s ": " $0 > "/dev/stderr" }
        }
        END { print errors + 0 }' "$TMP/cells.tsv")
    is "$_bad" 0 "${10}: every value and time"
}

report_is() {
    is "$(awk -F'\t' -v id="$1" '$1 == id { printf "%s\t%s\t%s;", $2, $3, $4 }' "$TMP/report.tsv")" \
        "$(printf "$2")" "$3"
}

broken() {
    rm -rf "$TMP/$1"
    "$GEN/gen-raw-misc" "$TMP/$1" "$1"
}

fails_naming() {
    _d=$1; _file=$2; _field=$3; shift 3
    expect_fail 1 "$_d" "$@"
    ok "$_d: names '$_file' and $_field" grep -qF "'$_file'" "$err"
    ok "$_d: names the field $_field" grep -qF "$_field" "$err"
    ok "$_d: no output file" test ! -e "$TMP/never.h5"
}

have_gen() {
    test -x "$GEN/gen-raw-misc"
}
