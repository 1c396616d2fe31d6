#!/bin/sh
# worm-import of the MATLAB v7.3 datasets (kato2015, nichols2017, skora2018,
# kaplan2020, uzel2022) from data-samples/raw/, the generic MAT reader (v7.3
# through HDF5, v5 through libmatio), and broken variants made by
# tests/gen/gen-raw-hdf5 (missing field, wrong shape, bad time, truncated).
. "$(dirname "$0")/../lib.sh"

GEN=${WK_GEN:-$WK_TOP/build/gen}/gen-raw-hdf5
if [ ! -x "$GEN" ]; then
    skip "gen-raw-hdf5 not built (make build/gen/gen-raw-hdf5)"
    done_testing
fi
RAW=$SAMPLES/raw

# labels REPORT REC: "label:decision:column ..." of one recording's report lines.
labels() {
    awk -F'\t' -v r="$2" '$1 == r { printf "%s%s:%s:%s", sep, $2, $3, $4; sep = " " } END { print "" }' "$1"
}

# check_values H5 REPORT REC W T0 DT: every exported value and time is the
# generator's formula (gen-raw-hdf5.c): ((floor(k/4) * i + 7w) % 97) / 8 - 6,
# NaN for neuron 3 of worm 1 at samples 100..104; time t0 + k dt.  The
# report maps source neuron i to its recording column; the export lists the
# present columns in column order.  Prints the number of mismatches.
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

# dataset file id-prefix t0 dt samples-w1 samples-w2
while read -r ds file prefix t0 dt t1 t2; do
    f=$RAW/$ds/$file
    run_tool worm-import --format "$ds" --report "$TMP/$ds.tsv" -o "$TMP/$ds.h5" "$f"
    is "$rc" 0 "$ds: $file imports"
    is "$(worm-info -f tsv "$TMP/$ds.h5" | cut -f1-3 | tr '\t\n' ' ')" \
        "id dataset samples ${prefix}_w0 $ds $t1 ${prefix}_w1 $ds $t2 " "$ds: two worms, ids, samples"
    for w in 1 2; do
        is "$(check_values "$TMP/$ds.h5" "$TMP/$ds.tsv" "${prefix}_w$((w - 1))" "$w" "$t0" "$dt")" 0 \
            "$ds: worm $w: every value and time as generated"
    done
done <<'EOF'
kato2015 WT_Stim.mat kato2015_WT_Stim 0 0.375 600 610
nichols2017 n2_let.mat nichols2017_n2_let 0.25 0.375 620 600
skora2018 WT_fasted.mat skora2018_WT_fasted 0 0.25 640 600
kaplan2020 Neuron2019_Data_RIShisCl.mat kaplan2020_Neuron2019_Data_RIShisCl 0 0.3125 600 616
uzel2022 Uzel_WT.mat uzel2022_Uzel_WT 0 0.3125 600 630
EOF

# label decisions: rule 1 (lists, empty IDs) in the reader, the rest by the label rules
while read -r rec want; do
    ds=${rec%%_*}
    is "$(labels "$TMP/$ds.tsv" "$rec")" "$want" "$rec: labels, decisions, columns"
done <<'EOF'
kato2015_WT_Stim_w0 AVAL:canonical:53 AVAR:canonical:54 :unlabeled:300 VB01:canonical:270 DD04:canonical:105 VA10:canonical:259 AVA?:unlabeled:301 RIML:canonical:197 RIML:duplicate:302 foo:unlabeled:303 SMDVR:canonical:245 ASEL:canonical:39
kato2015_WT_Stim_w1 AIBL:canonical:12 :unlabeled:300 RMEL:canonical:212 URYDL:canonical:254 OLQDL:canonical:151 AS02:canonical:31 DB01:canonical:95 merge:unlabeled:301 AVBL:canonical:55 :unlabeled:302
nichols2017_n2_let_w0 AVAL:canonical:53 AVAR:canonical:54 RIML:canonical:197 :unlabeled:300 VB01:canonical:270 SMDVR:canonical:245 AVA?:unlabeled:301 AVER:canonical:60 AVER:duplicate:302 xyz:unlabeled:303
nichols2017_n2_let_w1 ASEL:canonical:39 AIBL:canonical:12 RIS:canonical:202 ALA:canonical:22 DD04:canonical:105 RMEL:canonical:212 :unlabeled:300 AVBL:canonical:55 VA10:canonical:259 RIBL:canonical:187
skora2018_WT_fasted_w0 RIS:canonical:202 ALA:canonical:22 AVAL:canonical:53 AVAR:canonical:54 DB01:canonical:95 VB11:canonical:272 RMEL:canonical:212 RMEL:duplicate:300 AVB?:unlabeled:301 :unlabeled:302
skora2018_WT_fasted_w1 AVAL:canonical:53 SABVL:canonical:226 :unlabeled:300 OLQDL:canonical:151 URYDL:canonical:254 AS02:canonical:31 RIML:canonical:197 merge:unlabeled:301 AIBL:canonical:12 ASEL:canonical:39
kaplan2020_Neuron2019_Data_RIShisCl_w0 RIS:canonical:202 AVAL:canonical:53 AVAR:canonical:54 :unlabeled:300 VB01:canonical:270 DD04:canonical:105 SMDVR:canonical:245 RIBL:canonical:187 RIBL:duplicate:301 RMD-:unlabeled:302
kaplan2020_Neuron2019_Data_RIShisCl_w1 AVBL:canonical:55 AVER:canonical:60 ALA:canonical:22 :unlabeled:300 RIML:canonical:197 VA10:canonical:259 ASEL:canonical:39 AIBL:canonical:12 :unlabeled:301 OLQDL:canonical:151
uzel2022_Uzel_WT_w0 AVAL:canonical:53 AVAR:canonical:54 RIML:canonical:197 :unlabeled:300 VB01:canonical:270 VA10:canonical:259 AVA?:unlabeled:301 ASEL:canonical:39 ASEL:duplicate:302 abc:unlabeled:303
uzel2022_Uzel_WT_w1 SMDVR:canonical:245 RIS:canonical:202 AVBL:canonical:55 DD04:canonical:105 DB01:canonical:95 RMEL:canonical:212 URYDL:canonical:254 :unlabeled:300 ALA:canonical:22 AIBL:canonical:12
EOF

# the exported header: canonical columns in atlas order, then the extras' original text
is "$(worm-export -r kato2015_WT_Stim_w0 "$TMP/kato2015.h5" | head -n 1 | tr '\t' ' ')" \
    "time ASEL AVAL AVAR DD4 RIML SMDVR VA10 VB1  AVA? RIML foo" "kato2015 worm 1: exported columns"
if command -v h5dump >/dev/null 2>&1; then
    is "$(h5dump -a /recordings/kato2015_WT_Stim_w1/source_file "$TMP/kato2015.h5" | grep -c '"WT_Stim.mat"')" 1 \
        "source_file attribute"
    is "$(h5dump -a /recordings/kato2015_WT_Stim_w1/dt "$TMP/kato2015.h5" | grep '(0)' | tr -d ' ')" "(0):0.375" \
        "dt attribute"
    is "$(h5dump -a /recordings/kato2015_WT_Stim_w1/worm "$TMP/kato2015.h5" | grep '(0)' | tr -d ' ')" "(0):1" \
        "worm attribute: the index within the file"
else
    skip "h5dump not installed"
    skip "h5dump not installed"
    skip "h5dump not installed"
fi

# variants of kato2015 that must read the same as the sample
worm-export "$TMP/kato2015.h5" >"$TMP/kato.tsv"
rc=0
worm-import --dataset kato2015 "$RAW/kato2015/WT_Stim.mat" | worm-export >"$out" || rc=$?
is "$rc" 0 "--dataset kato2015 selects the reader"
ok "--dataset: same table as --format" cmp -s "$out" "$TMP/kato.tsv"
for v in alt-names transposed; do
    "$GEN" --variant "$v" kato2015 "$TMP/WT_Stim.mat"
    rc=0
    worm-import --format kato2015 "$TMP/WT_Stim.mat" | worm-export >"$out" 2>"$err" || rc=$?
    is "$rc" 0 "kato2015 $v: imports"
    ok "kato2015 $v: same table as the sample" cmp -s "$out" "$TMP/kato.tsv"
done
"$GEN" --variant single kato2015 "$TMP/WT_Stim.mat"
run_tool worm-import --format kato2015 -o "$TMP/single.h5" "$TMP/WT_Stim.mat"
is "$(worm-info -f tsv "$TMP/single.h5" | cut -f1 | tail -n +2)" "kato2015_WT_Stim" "fields not in cells: one worm"
is "$(worm-export "$TMP/single.h5" | md5sum)" "$(worm-export -r kato2015_WT_Stim_w0 "$TMP/kato2015.h5" | md5sum)" \
    "fields not in cells: worm 1's table"
cp "$RAW/kato2015/WT_Stim.mat" "$TMP/renamed.mat"
run_tool worm-import --format kato2015 -o "$TMP/renamed.h5" "$TMP/renamed.mat"
is "$(worm-info -f tsv "$TMP/renamed.h5" | cut -f1 | tail -n +2 | tr '\n' ' ')" \
    "kato2015_renamed_w0 kato2015_renamed_w1 " "struct not named after the file: the only struct is read"
rc=0
worm-import --format kato2015 - <"$RAW/kato2015/WT_Stim.mat" >"$TMP/stdin.h5" || rc=$?
is "$rc" 0 "kato2015 from stdin"
is "$(worm-info -f tsv "$TMP/stdin.h5" | cut -f1 | tail -n +2 | tr '\n' ' ')" \
    "kato2015_stdin_w0 kato2015_stdin_w1 " "stdin: recording ids"
worm-export "$TMP/stdin.h5" | cut -f2- >"$out"
cut -f2- "$TMP/kato.tsv" >"$TMP/kato.body"
ok "stdin: same values" cmp -s "$out" "$TMP/kato.body"

# a folder stands for its .mat files, in name order
mkdir -p "$TMP/dir" "$TMP/empty"
cp "$RAW/kato2015/WT_Stim.mat" "$TMP/dir/WT_Stim.mat"
cp "$RAW/kato2015/WT_Stim.mat" "$TMP/dir/WT_NoStim.mat"
run_tool worm-import --format kato2015 -o "$TMP/dir.h5" "$TMP/dir"
is "$(worm-info -f tsv "$TMP/dir.h5" | cut -f1 | tail -n +2 | tr '\n' ' ')" \
    "kato2015_WT_NoStim_w0 kato2015_WT_NoStim_w1 kato2015_WT_Stim_w0 kato2015_WT_Stim_w1 " \
    "folder: every .mat file, in name order"
expect_fail 1 "folder without .mat files" worm-import --format kato2015 "$TMP/empty"
is "$(cat "$err")" "worm-import: '$TMP/empty': no .mat file in the folder" "empty folder message"

# broken files: exit 1, one message naming the file and the field
# (kato2015 names the other field name it accepts)
while read -r ds name message; do
    "$GEN" --variant missing-field "$ds" "$TMP/$name"
    expect_fail 1 "$ds: missing traces" worm-import --format "$ds" -o "$TMP/x.h5" "$TMP/$name"
    is "$(cat "$err")" "worm-import: '$TMP/$name': $message" "$ds: missing field message"
done <<'EOF'
kato2015 WT_Stim.mat WT_Stim/traces: missing (nor deltaFOverF_bc)
nichols2017 n2_let.mat n2_let/traces: missing
skora2018 WT_fasted.mat WT_fasted/traces: missing
kaplan2020 Neuron2019_Data_RIShisCl.mat RIShisCl_Neuron2019/traces_bleach_corrected: missing
uzel2022 Uzel_WT.mat Uzel_WT/traces: missing
EOF
ok "no output file after a failure" test ! -e "$TMP/x.h5"

"$GEN" --variant wrong-shape kato2015 "$TMP/WT_Stim.mat"
expect_fail 1 "wrong shape" worm-import --format kato2015 -o "$TMP/x.h5" "$TMP/WT_Stim.mat"
is "$(cat "$err")" "worm-import: '$TMP/WT_Stim.mat': WT_Stim/traces{2} is 610 x 9 (time x neurons: 9 neurons) but WT_Stim/IDs{2} has 10 entries" \
    "wrong shape message"
ok "no partial output (worm 1 was fine)" test ! -e "$TMP/x.h5"

"$GEN" --variant bad-time uzel2022 "$TMP/Uzel_WT.mat"
expect_fail 1 "non-increasing time" worm-import --format uzel2022 "$TMP/Uzel_WT.mat"
is "$(cat "$err")" "worm-import: '$TMP/Uzel_WT.mat': Uzel_WT/tv{1}[5]: time not strictly increasing (1.25 after 1.25)" \
    "non-increasing time message"

head -c 12000 "$RAW/skora2018/WT_fasted.mat" >"$TMP/WT_fasted.mat"
expect_fail 1 "truncated file" worm-import --format skora2018 "$TMP/WT_fasted.mat"
ok "truncated: the message names the file" grep -q "'$TMP/WT_fasted.mat'" "$err"

expect_fail 1 "not HDF5" worm-import --format kato2015 "$WK_TOP/tests/data/import/worm1.csv"
is "$(cat "$err")" "worm-import: '$WK_TOP/tests/data/import/worm1.csv': not an HDF5 file" "not HDF5 message"

expect_fail 1 "no struct" worm-import --format kaplan2020 "$RAW/nejatbakhsh2020/sub-20190924-01_ses-20190924_ophys.nwb"
is "$(cat "$err")" "worm-import: '$RAW/nejatbakhsh2020/sub-20190924-01_ses-20190924_ophys.nwb': sub-20190924-01_ses-20190924_ophys: missing (no such MATLAB struct)" \
    "no struct message"

# generic MAT: v7.3 (HDF5) and v5 (libmatio), labels as a cell or a char matrix
"$GEN" mat "$TMP/g73.mat"
"$GEN" mat5 "$TMP/g5.mat"
"$GEN" --variant char-labels mat5 "$TMP/g5c.mat"
for g in g73 g5 g5c; do
    run_tool worm-import --report "$TMP/$g.tsv" -o "$TMP/$g.h5" "$TMP/$g.mat"
    is "$rc" 0 "mat $g: imports (format from the .mat extension)"
    is "$(labels "$TMP/$g.tsv" "$g")" \
        "AVAL:canonical:53 AVAR:canonical:54 :unlabeled:300 VB01:unlabeled:301 DD04:unlabeled:302 VA10:canonical:259 AVA?:unlabeled:303 RIML:canonical:197 RIML:duplicate:304 foo:unlabeled:305 SMDVR:canonical:245 ASEL:canonical:39" \
        "mat $g: labels placed as they are (generic format)"
    is "$(check_values "$TMP/$g.h5" "$TMP/$g.tsv" "$g" 1 0 0.375)" 0 "mat $g: every value and time"
    is "$(worm-info -f tsv "$TMP/$g.h5" | cut -f2 | tail -n 1)" generic "mat $g: dataset generic"
done
# an HDF5 file without the MATLAB header text is still read as v7.3
cp "$TMP/g73.mat" "$TMP/nohead.mat"
dd if=/dev/zero of="$TMP/nohead.mat" bs=128 count=1 conv=notrunc 2>/dev/null
worm-export "$TMP/g73.h5" >"$TMP/g73.table"
rc=0
worm-import --id g73 "$TMP/nohead.mat" | worm-export >"$out" || rc=$?
is "$rc" 0 "mat: HDF5 without the MATLAB header"
ok "mat: same table as with the header" cmp -s "$out" "$TMP/g73.table"
run_tool worm-import --traces nope "$TMP/g5.mat"
is "$(cat "$err")" "worm-import: '$TMP/g5.mat': nope: missing" "mat v5: missing variable"
run_tool worm-import --labels traces "$TMP/g73.mat"
is "$(cat "$err")" "worm-import: '$TMP/g73.mat': traces: expected a cell array, found a numeric array" \
    "mat v7.3: labels of the wrong class"
"$GEN" --variant bad-time mat5 "$TMP/bt.mat"
expect_fail 1 "mat v5: non-increasing time" worm-import "$TMP/bt.mat"
is "$(cat "$err")" "worm-import: '$TMP/bt.mat': time[5]: time not strictly increasing (1.5 after 1.5)" \
    "mat v5: time message"
run_tool worm-import --traces kato/traces --labels kato/IDs --time kato/timeVectorSeconds "$TMP/g73.mat"
is "$(cat "$err")" "worm-import: '$TMP/g73.mat': kato/traces: missing" "mat: struct paths that do not exist"
run_tool worm-import --format mat --traces WT_Stim/traces --labels WT_Stim/IDs \
    --time WT_Stim/timeVectorSeconds "$RAW/kato2015/WT_Stim.mat"
is "$(cat "$err")" "worm-import: '$RAW/kato2015/WT_Stim.mat': WT_Stim/traces: expected a numeric matrix, found a cell array" \
    "mat: a struct field holding cells is not a matrix"
done_testing
