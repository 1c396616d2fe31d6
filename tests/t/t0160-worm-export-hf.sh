#!/bin/sh
# worm-export --format hf: the published dataset's long table.
. "$(dirname "$0")/../lib.sh"

H='source_dataset	raw_data_file	worm	neuron	slot	is_labeled_neuron	smooth_method	interpolate_method	normalization_method	original_calcium_data	calcium_data	original_time_in_seconds	time_in_seconds	original_max_timesteps	max_timesteps'

printf 'time,AVAL,foo,AVAR\n0,1.5,2,NaN\n0.5,NaN,3,NaN\n1,0.1,4,NaN\n' >"$TMP/s.csv"
worm-import --dataset mylab -o "$TMP/s.h5" "$TMP/s.csv"
run_tool worm-export -f hf "$TMP/s.h5"
is "$rc" 0 "hf: exit 0"
printf '%s\n' "$H" >"$TMP/want"
printf 'mylab\ts.csv\tworm0\tAVAL\t53\tTrue\tnone\tnone\tnone\t[1.5,NaN,0.1]\t[1.5,NaN,0.1]\t[0,0.5,1]\t[0,0.5,1]\t3\t3\n' >>"$TMP/want"
printf 'mylab\ts.csv\tworm0\tfoo\t300\tFalse\tnone\tnone\tnone\t[2,3,4]\t[2,3,4]\t[0,0.5,1]\t[0,0.5,1]\t3\t3\n' >>"$TMP/want"
ok "never resampled: one row per present column, originals = the data" cmp -s "$out" "$TMP/want"
[ -s "$out" ] && diff "$out" "$TMP/want" | sed 's/^/# /'

run_tool worm-export -f hf --columns all "$TMP/s.h5"
is "$(tail -n +2 "$out" | wc -l | tr -d ' ')" 301 "--columns all: 301 rows"
is "$(grep -c '	AVAR	54	True	' "$out")" 1 "--columns all: the absent AVAR row"

# a homogenized recording: originals from original_traces/original_time
awk 'BEGIN { print "time,AVAL,AVAR"; for (k = 0; k < 40; k++) printf "%g,%g,%g\n", k * 0.5, k, (k % 5) - 2 }' >"$TMP/r.csv"
worm-homogenize -o "$TMP/h.h5" "$TMP/r.csv"
run_tool worm-export -f hf "$TMP/h.h5"
is "$(tail -n +2 "$out" | cut -f1-9,14,15 | tr '\t' ' ')" "$(printf 'generic r.csv worm0 AVAL 53 True moving linear zscore 40 59\ngeneric r.csv worm0 AVAR 54 True moving linear zscore 40 59')" \
    "homogenized: methods and lengths"
want_orig=$(awk 'BEGIN { s = "["; for (k = 0; k < 40; k++) s = s (k ? "," : "") k; print s "]" }')
is "$(sed -n 2p "$out" | cut -f10)" "$want_orig" "original_calcium_data: the imported AVAL"
want_otime=$(awk 'BEGIN { s = "["; for (k = 0; k < 40; k++) s = s (k ? "," : "") k * 0.5; print s "]" }')
is "$(sed -n 2p "$out" | cut -f12)" "$want_otime" "original_time_in_seconds"
worm-export "$TMP/h.h5" >"$TMP/wide"
is "$(sed -n 2p "$out" | cut -f11)" "[$(tail -n +2 "$TMP/wide" | cut -f2 | paste -sd, -)]" "calcium_data: the final AVAL trace"
is "$(sed -n 3p "$out" | cut -f11)" "[$(tail -n +2 "$TMP/wide" | cut -f3 | paste -sd, -)]" "calcium_data: the final AVAR trace"
is "$(sed -n 2p "$out" | cut -f13)" "[$(tail -n +2 "$TMP/wide" | cut -f1 | xargs -n1 printf '%.9g\n' | paste -sd, -)]" \
    "time_in_seconds: the resampled time (float32)"

# resampled by worm-resample: no originals, original lists empty
worm-import "$TMP/r.csv" | worm-resample --dt 1 >"$TMP/rs.h5"
run_tool worm-export -f hf "$TMP/rs.h5"
is "$(sed -n 2p "$out" | cut -f8,9,10,12,14,15 | tr '\t' ' ')" "linear none [] [] 40 19" \
    "resampled without originals: [] and the original_max_timesteps attribute"

expect_fail 2 "--layout with hf" worm-export -f hf -l long "$TMP/s.h5"
expect_fail 2 "--keep-nan with hf" worm-export -f hf --keep-nan "$TMP/s.h5"
expect_fail 2 "unknown format" worm-export -f parquet "$TMP/s.h5"

done_testing
