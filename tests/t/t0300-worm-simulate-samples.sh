#!/bin/sh
# data-samples/generate.sh regenerates every committed sample byte for byte,
# so the samples cannot drift from the tools silently.
. "$(dirname "$0")/../lib.sh"

for t in worm-simulate worm-export worm-info; do
    if [ ! -x "$WK_BIN/$t" ]; then
        skip "$t not built"
        done_testing
    fi
done

run_tool sh "$SAMPLES/generate.sh" "$TMP/gen"
is "$rc" 0 "generate.sh succeeds"
is "$(cat "$err")" "" "generate.sh: nothing on stderr"

# every generated file is committed and identical
(cd "$TMP/gen" && find . -type f | sort) >"$TMP/generated"
ok "generate.sh makes files" test -s "$TMP/generated"
while read -r f; do
    f=${f#./}
    if [ -f "$SAMPLES/$f" ]; then
        ok "$f regenerates byte for byte" cmp -s "$TMP/gen/$f" "$SAMPLES/$f"
    else
        ok "$f is committed" false
    fi
done <"$TMP/generated"

# twice in a row gives the same bytes whatever the output folder
run_tool sh "$SAMPLES/generate.sh" "$TMP/gen2"
ok "a second run in another folder gives the same files" diff -r "$TMP/gen" "$TMP/gen2"

# the samples are what data-samples/README says
is "$(worm-info -f tsv "$SAMPLES/worms.h5" | cut -f1-3 | tr '\t\n' ' ')" \
    "id dataset samples sim1 simulated 900 sim2 simulated 900 sim3 simulated 900 " \
    "worms.h5: 3 simulated worms of 900 samples"
ok "worms.h5 passes worm-info --check" worm-info --check "$SAMPLES/worms.h5"
for w in 1 2; do
    f=$SAMPLES/csv/worm$w.csv
    is "$(head -n 1 "$f" | cut -d, -f1)" "time" "worm$w.csv: first column is time"
    is "$(awk -F, 'END { print NR }' "$f")" 201 "worm$w.csv: header and 200 samples"
    is "$(head -n 1 "$f" | awk -F, '{ print NF }')" 8 "worm$w.csv: time and 7 neurons"
    ok "worm$w.csv: some NaN cells" grep -q NaN "$f"
done

# small enough to commit
total=0
for f in $(cd "$SAMPLES" && find . -type f ! -name '*.sh' ! -name README); do
    size=$(wc -c <"$SAMPLES/$f" | tr -d ' ')
    total=$((total + size))
done
ok "samples total under 2 MB ($total bytes)" test "$total" -lt 2097152
done_testing
