#!/bin/sh
# worm-import of NWB files: nejatbakhsh2020 (data-samples/raw/nejatbakhsh2020,
# one worm per file, 4 Hz) and generic RoiResponseSeries (timestamps, or
# starting_time + rate), with broken variants made by tests/gen/gen-raw-hdf5.
. "$(dirname "$0")/../lib.sh"

GEN=${WK_GEN:-$WK_TOP/build/gen}/gen-raw-hdf5
if [ ! -x "$GEN" ]; then
    skip "gen-raw-hdf5 not built (make build/gen/gen-raw-hdf5)"
    done_testing
fi
RAW=$SAMPLES/raw/nejatbakhsh2020
F1=sub-20190924-01_ses-20190924_ophys
F2=sub-20190924-02_ses-20190924_ophys
SERIES=processing/CalciumActivity/SignalRawFluor/SignalCalciumImResponseSeries

labels() {
    awk -F'\t' -v r="$2" '$1 == r { printf "%s%s:%s:%s", sep, $2, $3, $4; sep = " " } END { print "" }' "$1"
}

# check_values H5 REPORT REC W T0 DT: as in t0110 (the formula of gen-raw-hdf5.c).
check_values() {
    awk -F'\t' -v r="$3" '$1 == r { i++; print $4, i }' "$2" | sort -n | awk '{ print $2 }' >"$TMP/order"
    worm-export -r "$3" "$1" | awk -F'\t' -v w="$4" -v t0="$5" -v dt="$6" -v order="$TMP/order" '
        BEGIN { while ((getline line < order) > 0) idx[++n] = line }
        NR == 1 { if (NF != n + 1) bad++; next }
        {
            k = NR - 2
            if ($1 + 0 != t0 + k * dt) bad++
            for (j = 2; j <= NF; j++) {
                i = idx[j - 1]
                if (w == 1 && i == 3 && k >= 100 && k < 105) { if ($j != "NaN") bad++; continue }
                want = ((int(k / 4) * i + 7 * w) % 97) / 8 - 6
                if ($j == "NaN" || $j + 0 != want) bad++
            }
        }
        END { print bad + 0 }'
}

run_tool worm-import --format nejatbakhsh2020 --report "$TMP/n.tsv" -o "$TMP/n.h5" "$RAW/$F1.nwb" "$RAW/$F2.nwb"
is "$rc" 0 "nejatbakhsh2020: two files import"
is "$(worm-info -f tsv "$TMP/n.h5" | cut -f1-3,5 | tr '\t\n' ' ')" \
    "id dataset samples median_dt_s nejatbakhsh2020_$F1 nejatbakhsh2020 600 0.25 nejatbakhsh2020_$F2 nejatbakhsh2020 620 0.25 " \
    "nejatbakhsh2020: ids, samples, 4 Hz"
is "$(labels "$TMP/n.tsv" "nejatbakhsh2020_$F1")" \
    "AVAL:canonical:53 AVAR:canonical:54 :unlabeled:300 VB01:canonical:270 RIML:canonical:197 RIML:duplicate:301 AVA?:unlabeled:302 foo:unlabeled:303 SMDVR:canonical:245 ASEL:canonical:39 DD04:canonical:105 merge:unlabeled:304" \
    "nejatbakhsh2020 file 1: labels, decisions, columns"
is "$(labels "$TMP/n.tsv" "nejatbakhsh2020_$F2")" \
    "AIBL:canonical:12 RMEL:canonical:212 :unlabeled:300 URYDL:canonical:254 OLQDL:canonical:151 AS02:canonical:31 VA10:canonical:259 AVBL:canonical:55 RIS:canonical:202 ALA:canonical:22" \
    "nejatbakhsh2020 file 2: labels, decisions, columns"
is "$(check_values "$TMP/n.h5" "$TMP/n.tsv" "nejatbakhsh2020_$F1" 1 0 0.25)" 0 "file 1: every value, time k/4"
is "$(check_values "$TMP/n.h5" "$TMP/n.tsv" "nejatbakhsh2020_$F2" 2 0 0.25)" 0 "file 2: every value, time k/4"
is "$(worm-export -r "nejatbakhsh2020_$F1" "$TMP/n.h5" | head -n 1 | tr '\t' ' ')" \
    "time ASEL AVAL AVAR DD4 RIML SMDVR VB1  RIML AVA? foo merge" "file 1: exported columns"

run_tool worm-import --format nejatbakhsh2020 -o "$TMP/dir.h5" "$RAW"
is "$(worm-export "$TMP/dir.h5" | md5sum)" "$(worm-export "$TMP/n.h5" | md5sum)" \
    "nejatbakhsh2020: the folder gives the same recordings as its files"

"$GEN" --variant missing-field nejatbakhsh2020 "$TMP/m.nwb"
expect_fail 1 "nejatbakhsh2020: no data" worm-import --format nejatbakhsh2020 -o "$TMP/x.h5" "$TMP/m.nwb"
is "$(cat "$err")" "worm-import: '$TMP/m.nwb': $SERIES/data: missing" "missing data message"
ok "no output file after a failure" test ! -e "$TMP/x.h5"
"$GEN" --variant wrong-shape nejatbakhsh2020 "$TMP/w.nwb"
expect_fail 1 "nejatbakhsh2020: labels do not fit" worm-import --format nejatbakhsh2020 "$TMP/w.nwb"
is "$(cat "$err")" "worm-import: '$TMP/w.nwb': $SERIES/data is 600 x 12 (time x neurons: 12 neurons) but processing/CalciumActivity/NeuronIDs/labels has 11 entries" \
    "wrong shape message"
head -c 5000 "$RAW/$F1.nwb" >"$TMP/t.nwb"
expect_fail 1 "nejatbakhsh2020: truncated" worm-import --format nejatbakhsh2020 "$TMP/t.nwb"
ok "truncated: the message names the file" grep -q "'$TMP/t.nwb'" "$err"
expect_fail 1 "kato2015 file as NWB" worm-import --format nejatbakhsh2020 "$SAMPLES/raw/kato2015/WT_Stim.mat"
is "$(cat "$err")" "worm-import: '$SAMPLES/raw/kato2015/WT_Stim.mat': $SERIES/data: missing" "not NWB message"

# generic NWB: the first RoiResponseSeries, labels from NeuronIDs/labels,
# placed as they are; time from timestamps or starting_time + rate
"$GEN" nwb "$TMP/g.nwb"
run_tool worm-import --report "$TMP/g.tsv" -o "$TMP/g.h5" "$TMP/g.nwb"
is "$rc" 0 "nwb: imports (format from the .nwb extension)"
is "$(worm-info -f tsv "$TMP/g.h5" | cut -f1-3 | tr '\t\n' ' ')" "id dataset samples g generic 600 " "nwb: id, dataset, samples"
is "$(labels "$TMP/g.tsv" g)" \
    "AVAL:canonical:53 AVAR:canonical:54 :unlabeled:300 VB01:unlabeled:301 RIML:canonical:197 RIML:duplicate:302 AVA?:unlabeled:303 foo:unlabeled:304 SMDVR:canonical:245 ASEL:canonical:39 DD04:unlabeled:305 merge:unlabeled:306" \
    "nwb: labels placed as they are"
is "$(check_values "$TMP/g.h5" "$TMP/g.tsv" g 1 0.5 0.25)" 0 "nwb: every value, timestamps"
"$GEN" --variant rate nwb "$TMP/r.nwb"
run_tool worm-import --report "$TMP/r.tsv" -o "$TMP/r.h5" "$TMP/r.nwb"
is "$(check_values "$TMP/r.h5" "$TMP/r.tsv" r 1 0.5 0.25)" 0 "nwb: starting_time 0.5 and rate 4 Hz"
run_tool worm-import --traces "/$SERIES/data" --labels processing/CalciumActivity/NeuronIDs/labels \
    --report "$TMP/p.tsv" -o "$TMP/p.h5" "$TMP/g.nwb"
is "$(check_values "$TMP/p.h5" "$TMP/p.tsv" g 1 0.5 0.25)" 0 "nwb: --traces and --labels paths"
"$GEN" --variant bad-time nwb "$TMP/b.nwb"
expect_fail 1 "nwb: non-increasing time" worm-import "$TMP/b.nwb"
is "$(cat "$err")" "worm-import: '$TMP/b.nwb': $SERIES/timestamps[5]: time not strictly increasing (1.5 after 1.5)" \
    "nwb: time message"
expect_fail 1 "nwb: no such series" worm-import --traces processing/nope "$TMP/g.nwb"
is "$(cat "$err")" "worm-import: '$TMP/g.nwb': processing/nope: missing" "nwb: missing series message"
expect_fail 1 "nwb: no series at all" worm-import --format nwb "$SAMPLES/raw/kato2015/WT_Stim.mat"
is "$(cat "$err")" "worm-import: '$SAMPLES/raw/kato2015/WT_Stim.mat': no RoiResponseSeries under /processing or /acquisition (see --traces)" \
    "nwb: no series message"
done_testing
