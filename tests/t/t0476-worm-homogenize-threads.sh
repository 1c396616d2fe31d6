#!/bin/sh
# worm-homogenize shares the neurons of a worm among its threads (steps in
# one pass per column) and the chunks of each dataset (compression): with
# -@ 1 and -@ 2 the files must have the same bytes but for the history
# line, which records the option.  The worm is large enough for the
# threads to start (60 neurons x 2500 samples), with missing samples, a
# long gap, an all-NaN and a constant neuron.
. "$(dirname "$0")/../lib.sh"

awk 'BEGIN { printf "time"; for (i = 1; i <= 60; i++) printf ",n%d", i; print ""
    for (k = 0; k < 2500; k++) {
        printf "%g", 3 + k * 0.1 + (k % 2) * 0.002
        for (i = 1; i <= 60; i++) {
            v = sin(k / (5 + i)) * i + (k * i % 17) / 9
            if (i == 7 && k > 100 && k < 400) v = "NaN"
            else if (i == 9) v = "NaN"
            else if (i == 11) v = 2.5
            else if ((k * 31 + i * 7) % 997 == 0) v = "NaN"
            printf ",%s", v
        }
        print ""
    } }' >"$TMP/w.csv"

mkdir "$TMP/t1" "$TMP/t2"
(cd "$TMP/t1" && SOURCE_DATE_EPOCH=0 worm-homogenize -@1 -o h.h5 "$TMP/w.csv") 2>"$TMP/e1"
is "$?" 0 "-@1: exit 0"
(cd "$TMP/t2" && SOURCE_DATE_EPOCH=0 worm-homogenize -@2 -o h.h5 "$TMP/w.csv") 2>"$TMP/e2"
is "$?" 0 "-@2: exit 0"
cmp -l "$TMP/t1/h.h5" "$TMP/t2/h.h5" >"$TMP/diff" || true
is "$(cat "$TMP/diff" | wc -l | tr -d ' ')" 1 "-@1 and -@2: one byte differs"
is "$(awk '{ print $2, $3 }' "$TMP/diff")" "61 62" "that byte is the 1 of -@1 in the history line"
h5dump -a /history "$TMP/t2/h.h5" >"$TMP/hist"
ok "the history line holds -@2" grep -q -- "-@2 -o h.h5" "$TMP/hist"

# the neurons with data are present, the all-NaN one is not
T=$(h5dump -H -d /recordings/w/time "$TMP/t2/h.h5" | sed -n 's/.*SIMPLE { ( \([0-9]*\) ).*/\1/p')
is "$T" 750 "750 samples after resampling 249.9 s to 0.333 s"
present=$(h5dump -d /recordings/w/present "$TMP/t2/h.h5" | sed -n '/DATA {/,/}/p' | sed 's/([0-9]*)://g' |
    tr -c '0-9' ' ' | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s }')
is "$present" 59 "59 neurons present (60 but the all-NaN one)"

done_testing
