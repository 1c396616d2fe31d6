#!/bin/sh
# worm-homogenize equals the pipe of the single tools (same values, exactly)
# and keeps the original traces and time for the hf export.
. "$(dirname "$0")/../lib.sh"

# 300 samples at 0.25 s from time T0: two canonical, one duplicate, one
# unlabeled column, a few NaN.
make_csv() {
    awk -v t0="$2" 'BEGIN { print "time,AVAL,AVAR,AVAL,foo"
        for (k = 0; k < 300; k++)
            printf "%g,%g,%s,%g,%g\n", t0 + k * 0.25, sin(k / 10) + (k % 7) / 20, (k % 50 == 3) ? "NaN" : sprintf("%g", cos(k / 7)),
                (k % 13) / 3, (k * 37 % 101) / 50 }' >"$1"
}
make_csv "$TMP/w.csv" 0
make_csv "$TMP/late.csv" 12.5

# dump DATASET of recording ID in FILE with full precision
dump() { h5dump -m '%.17g' -d "/recordings/$2/$3" "$1" | tail -n +3; }

run_tool worm-homogenize -o "$TMP/h.h5" "$TMP/w.csv"
is "$rc" 0 "worm-homogenize: exit 0"
worm-import "$TMP/w.csv" | worm-derivative | worm-smooth --method moving --window 15 |
    worm-resample --dt 0.333 | worm-normalize --method zscore >"$TMP/p.h5"
for d in traces derivative time label present; do
    dump "$TMP/h.h5" w $d >"$TMP/a"
    dump "$TMP/p.h5" w $d >"$TMP/b"
    ok "$d equals the pipe's" cmp -s "$TMP/a" "$TMP/b"
done
ok "the dump is not empty" test "$(wc -l <"$TMP/a")" -gt 3

attr() { h5dump -a "/recordings/$2/$3" "$1" | sed -n 's/^ *(0): //p' | tr -d '"'; }
is "$(attr "$TMP/h.h5" w smooth_method) $(attr "$TMP/h.h5" w smooth_window)" "moving 15" "smooth attributes"
is "$(attr "$TMP/h.h5" w interpolate_method) $(attr "$TMP/h.h5" w normalization_method)" "linear zscore" \
    "resampling and normalization attributes"
is "$(attr "$TMP/h.h5" w dt) $(attr "$TMP/h.h5" w original_max_timesteps)" "0.333 300" "dt and original length"

# the originals: the imported traces and time, [300][302] and [300]
worm-import -o "$TMP/raw.h5" "$TMP/w.csv"
h5dump -m '%.9g' -d /recordings/w/traces "$TMP/raw.h5" | tail -n +4 >"$TMP/a"
h5dump -m '%.9g' -d /recordings/w/original_traces "$TMP/h.h5" | tail -n +4 >"$TMP/b"
ok "original_traces equals the imported traces" cmp -s "$TMP/a" "$TMP/b"
is "$(h5dump -H -d /recordings/w/original_traces "$TMP/h.h5" | grep -o 'SIMPLE { ( [0-9, ]* )')" \
    "SIMPLE { ( 300, 302 )" "original_traces is [T0][C]"
is "$(h5dump -m '%.9g' -d /recordings/w/original_time -s 299 -c 1 "$TMP/h.h5" | sed -n 's/^ *(299): //p')" \
    "74.75" "original_time holds the imported time"

# step 1: time shifted to start at 0; otherwise as the pipe on the shifted input
run_tool worm-homogenize -o "$TMP/late.h5" "$TMP/late.csv"
is "$(attr "$TMP/late.h5" late time_offset)" "12.5" "time_offset attribute"
dump "$TMP/late.h5" late time >"$TMP/a"
dump "$TMP/h.h5" w time >"$TMP/b"
ok "shifted input: time from 0" cmp -s "$TMP/a" "$TMP/b"
dump "$TMP/late.h5" late traces >"$TMP/a"
dump "$TMP/h.h5" w traces >"$TMP/b"
ok "shifted input: same traces" cmp -s "$TMP/a" "$TMP/b"

# other parameters go to the same library steps
run_tool worm-homogenize --smooth exponential --alpha 0.3 --dt 0.5 --normalize causal --no-original \
    -o "$TMP/h2.h5" "$TMP/w.csv"
worm-import "$TMP/w.csv" | worm-derivative | worm-smooth --method exponential --alpha 0.3 |
    worm-resample --dt 0.5 | worm-normalize --method causal >"$TMP/p2.h5"
dump "$TMP/h2.h5" w traces >"$TMP/a"
dump "$TMP/p2.h5" w traces >"$TMP/b"
ok "exponential, dt 0.5, causal: traces equal the pipe's" cmp -s "$TMP/a" "$TMP/b"
ok "--no-original: no original_traces" sh -c "! h5dump -H -d /recordings/w/original_traces '$TMP/h2.h5' >/dev/null 2>&1"

# a wormkit file as input (stdin, or a .h5 file): the same steps
worm-import "$TMP/w.csv" >"$TMP/imported.h5"
run_in "$TMP/imported.h5" worm-homogenize -o "$TMP/f.h5"
is "$rc" 0 "wormkit file on stdin: exit 0"
for d in traces derivative time original_traces; do
    dump "$TMP/f.h5" w $d >"$TMP/a"
    dump "$TMP/h.h5" w $d >"$TMP/b"
    ok "wormkit input: $d as from the raw file" cmp -s "$TMP/a" "$TMP/b"
done
run_tool worm-homogenize -o "$TMP/f2.h5" "$TMP/imported.h5" "$TMP/late.csv"
is "$rc:$(worm-info -f tsv "$TMP/f2.h5" | tail -n +2 | cut -f1 | tr '\n' ' ')" "0:w late " "a wormkit file and a raw file, in order"

# streaming several inputs and stdin
run_in "$TMP/w.csv" worm-homogenize -f csv --id x
is "$rc" 2 "--id is not an option of worm-homogenize"
run_in "$TMP/w.csv" worm-homogenize -f csv -o "$TMP/s.h5"
is "$rc:$(worm-info -f tsv "$TMP/s.h5" | tail -n +2 | cut -f1,3)" "$(printf '0:stdin\t224')" "stdin with -f csv"

done_testing
