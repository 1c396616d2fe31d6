#!/bin/sh
# worm-import of CSV/TSV tables: every value round-trips exactly through
# worm-export, label placement and the report, recording attributes, stdin,
# --id/--dataset/--no-time/--time-column.
. "$(dirname "$0")/../lib.sh"

DATA=$WK_TOP/tests/data/import

# attr FILE RECORDING NAME: the value of a recording attribute, via h5dump.
attr() {
    h5dump -a "/recordings/$2/$3" "$1" 2>/dev/null | sed -n 's/^ *(0): *//p' | tr -d '"'
}
# attr_is FILE RECORDING NAME WANT DESC (skipped without h5dump, from hdf5-tools)
attr_is() {
    if command -v h5dump >/dev/null 2>&1; then is "$(attr "$1" "$2" "$3")" "$4" "$5"
    else skip "$5 (h5dump not installed)"; fi
}

# --- CSV, exported as wide TSV: the same numbers, NaN for empty/NA cells ---
run_tool worm-import -o "$TMP/w1.h5" --report "$TMP/report.tsv" "$DATA/worm1.csv"
is "$rc" 0 "import worm1.csv"
is "$(wc -c <"$err" | tr -d ' ')" 0 "nothing on stderr"
run_tool worm-export "$TMP/w1.h5"
is "$rc" 0 "export worm1"
printf 'time\tAVAL\tAVAR\tRIS\tfoo\tAVAL\n0\t1.5\t-2\t0.1\t3\t7\n0.5\tNaN\tNaN\t0.25\tNaN\t8\n1\t2.25\t0.001\t-0.5\t4\t9\n1.5\t1e-07\t123456.7\t16777216\t-0\t10\n' >"$TMP/want"
ok "wide TSV equals the CSV values (canonical order, then extras)" cmp -s "$out" "$TMP/want"
cmp -s "$out" "$TMP/want" || diff "$out" "$TMP/want" | sed 's/^/#   /'
printf 'recording\toriginal_label\tdecision\tcolumn\nworm1\tAVAL\tcanonical\t53\nworm1\tAVAR\tcanonical\t54\nworm1\tRIS\tcanonical\t202\nworm1\tfoo\tunlabeled\t300\nworm1\tAVAL\tduplicate\t301\n' >"$TMP/want.report"
ok "label report" cmp -s "$TMP/report.tsv" "$TMP/want.report"
attr_is "$TMP/w1.h5" worm1 dataset "generic" "dataset attribute: generic"
attr_is "$TMP/w1.h5" worm1 worm "0" "worm attribute: 0"
attr_is "$TMP/w1.h5" worm1 source_file "worm1.csv" "source_file: base name"
attr_is "$TMP/w1.h5" worm1 dt "0.5" "dt: median of uniform steps"

# --- TSV with BOM, CRLF, comments, quoted header, blank line ---
run_tool worm-import -o "$TMP/w2.h5" "$DATA/worm2.tsv"
is "$rc" 0 "import worm2.tsv"
run_tool worm-export --format csv "$TMP/w2.h5"
printf 'time,AVAL,RMDVL,unknown 1\n0,0.5,-1,2\n0.3,NaN,-1.25,3.5\n0.6,0.75,NaN,4\n' >"$TMP/want"
ok "TSV (BOM, CRLF, quotes, comments) round-trips" cmp -s "$out" "$TMP/want"
cmp -s "$out" "$TMP/want" || diff "$out" "$TMP/want" | sed 's/^/#   /'
dt=$(attr "$TMP/w2.h5" worm2 dt)
case $dt in 0.3 | 0.299999*) dt=0.3 ;; esac
if command -v h5dump >/dev/null 2>&1; then is "$dt" 0.3 "dt of 0, 0.3, 0.6 is 0.3 (steps equal within 1e-6)"
else skip "dt of worm2 (h5dump not installed)"; fi

# --- pipe round trip, long layout ---
rc=0
worm-import "$DATA/worm1.csv" | worm-export --layout long >"$out" 2>"$err" || rc=$?
is "$rc" 0 "worm-import | worm-export --layout long"
printf 'recording\tneuron\ttime\tvalue\nworm1\tAVAL\t0\t1.5\nworm1\tAVAL\t1\t2.25\nworm1\tAVAL\t1.5\t1e-07\n' >"$TMP/want"
head -4 "$out" >"$TMP/head"
ok "long rows of AVAL" cmp -s "$TMP/head" "$TMP/want"
is "$(wc -l <"$out" | tr -d ' ')" 18 "long: 17 non-NaN cells + header"
is "$(grep -c '	NaN$' "$out")" 0 "long: NaN cells skipped"

# --- two inputs: one recording each, worm index, dataset, wide with recording column ---
run_tool worm-import --dataset mylab -o "$TMP/two.h5" "$DATA/worm1.csv" "$DATA/worm2.tsv"
is "$rc" 0 "two inputs"
attr_is "$TMP/two.h5" worm2 worm "1" "second input: worm 1"
attr_is "$TMP/two.h5" worm2 dataset "mylab" "--dataset"
run_tool worm-export "$TMP/two.h5"
is "$(head -1 "$out")" "$(printf 'recording\ttime\tAVAL\tAVAR\tRIS\tRMDVL\tfoo\tAVAL\tunknown 1')" "wide header: union of columns"
is "$(sed -n 6p "$out")" "$(printf 'worm2\t0\t0.5\tNaN\tNaN\t-1\tNaN\tNaN\t2')" "wide row of worm2"
run_tool worm-export --recording worm2 "$TMP/two.h5"
is "$(head -1 "$out")" "$(printf 'time\tAVAL\tRMDVL\tunknown 1')" "--recording selects one"

# --- stdin, --id, --no-time/--dt, --time-column ---
run_in "$DATA/worm1.csv" worm-import --format csv -o "$TMP/in.h5"
is "$rc" 0 "read stdin with --format csv"
attr_is "$TMP/in.h5" stdin source_file "stdin" "stdin: id and source_file 'stdin'"
run_tool worm-import --id 'day 1/w' -o "$TMP/id.h5" "$DATA/worm1.csv"
is "$rc" 0 "--id"
attr_is "$TMP/id.h5" 'day 1_w' worm 0 "--id sanitized ('/' -> '_')"
run_tool worm-import --no-time --dt 0.25 -o "$TMP/nt.h5" "$DATA/no-time.csv"
is "$rc" 0 "--no-time --dt 0.25"
run_tool worm-export "$TMP/nt.h5"
printf 'time\tAVAL\tAVAR\n0\t1\t2\n0.25\t3\t4\n0.5\t5\t6\n' >"$TMP/want"
ok "--no-time: time = k*dt, every column a neuron" cmp -s "$out" "$TMP/want"
attr_is "$TMP/nt.h5" no-time dt "0.25" "--no-time: dt attribute"
printf 'AVAL,sec,RIS\n1,10,2\n3,10.5,4\n5,12,6\n' >"$TMP/sec.csv"
run_tool worm-import --time-column sec -o "$TMP/sec.h5" "$TMP/sec.csv"
is "$rc" 0 "--time-column sec"
run_tool worm-export "$TMP/sec.h5"
printf 'time\tAVAL\tRIS\n10\t1\t2\n10.5\t3\t4\n12\t5\t6\n' >"$TMP/want"
ok "--time-column: time read from that column" cmp -s "$out" "$TMP/want"
attr_is "$TMP/sec.h5" sec dt "nan" "irregular steps: dt NaN"

done_testing
