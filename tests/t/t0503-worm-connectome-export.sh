#!/bin/sh
# worm-connectome export: dense TSV (header, row names, cells), NPY bytes,
# choosing a connectome, stdin; --append is atomic.
. "$(dirname "$0")/../lib.sh"

printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,2\nAVAL,AVBL,chemical,0.25\nAVAR,AVBL,electrical,1.5\n' >"$TMP/a.csv"
worm-connectome import --source white1986_whole --id a -o "$TMP/one.h5" "$TMP/a.csv"

# dense TSV: header, 300 rows, canonical order
run_tool worm-connectome export -f gap "$TMP/one.h5"
is "$rc" 0 "dense gap: exit 0"
is "$(wc -l <"$out" | tr -d ' ')" 301 "dense: header and 300 rows"
is "$(head -1 "$out" | cut -f1-4)" "$(printf 'neuron\tADAL\tADAR\tADEL')" "dense: header neuron + names"
is "$(head -1 "$out" | awk -F'\t' '{ print NF }')" 301 "dense: 301 columns"
col=$(head -1 "$out" | tr '\t' '\n' | grep -n '^AVBL$' | cut -d: -f1)
is "$(grep '^AVAR	' "$out" | cut -f"$col")" "1.5" "dense: gap[AVAR][AVBL]"
is "$(grep '^AVBL	' "$out" | cut -f"$(head -1 "$out" | tr '\t' '\n' | grep -n '^AVAR$' | cut -d: -f1)")" "1.5" "dense: gap symmetric"
is "$(awk -F'\t' 'NR > 1 { for (i = 2; i <= NF; i++) s += $i } END { print s }' "$out")" 3 "dense: gap sum"
run_tool worm-connectome export -f chem "$TMP/one.h5"
is "$(grep '^AVAL	' "$out" | cut -f"$col")" "0.25" "dense chem: row presynaptic"

# NPY: 128-byte header then 300 x 300 little-endian float32
run_tool worm-connectome export -f chem --npy -o "$TMP/chem.npy" "$TMP/one.h5"
is "$rc" 0 "npy: exit 0"
is "$(wc -c <"$TMP/chem.npy" | tr -d ' ')" 360128 "npy: 128 + 4 x 90000 bytes"
is "$(head -c 6 "$TMP/chem.npy" | od -An -c | tr -d ' ')" '223NUMPY' "npy: magic"
ok "npy: shape in header" sh -c "head -c 128 '$TMP/chem.npy' | grep -q \"'shape': (300, 300)\""
i=$(worm-connectome export -f chem "$TMP/one.h5" | awk -F'\t' '$1 == "AVAL" { print NR - 2 }')
j=$((col - 2))
is "$(od -An -tf4 -j $((128 + 4 * (i * 300 + j))) -N4 "$TMP/chem.npy" | tr -d ' ')" "0.25" "npy: chem[AVAL][AVBL]"

# several connectomes: --id needed
printf 'pre,post,type,synapses\nADAL,ADAR,chemical,1\n' >"$TMP/b.csv"
cp "$TMP/one.h5" "$TMP/two.h5"
worm-connectome import --source white1986_n2u --id b --append "$TMP/two.h5" "$TMP/b.csv"
expect_fail 1 "two connectomes without --id" worm-connectome export "$TMP/two.h5"
ok "message lists the ids" grep -q "2 connectomes (a, b)" "$err"
run_tool worm-connectome export --id b "$TMP/two.h5"
is "$(cat "$out")" "$(printf 'pre\tpost\tchem\tgap\nADAL\tADAR\t1\t0')" "--id picks one"
run_in "$TMP/two.h5" worm-connectome export -i b
is "$(tail -1 "$out")" "$(printf 'ADAL\tADAR\t1\t0')" "input from stdin"
expect_fail 1 "unknown id" worm-connectome export --id zz "$TMP/two.h5"
ok "message names the id" grep -q "no connectome 'zz'" "$err"
expect_fail 1 "chem_count of a non-consensus" worm-connectome export -f chem_count -o "$TMP/cc.tsv" "$TMP/one.h5"
ok "no output file" test ! -e "$TMP/cc.tsv"
expect_fail 2 "unknown format" worm-connectome export -f weights "$TMP/one.h5"
expect_fail 2 "--npy with edges" worm-connectome export --npy "$TMP/one.h5"

# --append: atomic; an id already present leaves the file as it was
cp "$TMP/two.h5" "$TMP/before.h5"
expect_fail 1 "append an existing id" worm-connectome import --source white1986_jsh --id a --append "$TMP/two.h5" "$TMP/b.csv"
ok "file unchanged after a failed append" cmp -s "$TMP/two.h5" "$TMP/before.h5"
is "$(ls -a "$TMP" | grep -c '^\.two')" 0 "no temporary file left"
expect_fail 1 "append a bad input" worm-connectome import --source white1986_jsh --id c --append "$TMP/two.h5" "$TMP/nonexistent.csv"
ok "file unchanged after a bad input" cmp -s "$TMP/two.h5" "$TMP/before.h5"

done_testing
