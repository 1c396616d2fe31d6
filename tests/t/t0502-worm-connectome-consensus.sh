#!/bin/sh
# worm-connectome consensus: mean of the nonzero chemical weights, mean of
# the gap weights (each source once per pair), counts and spreads (std,
# divisor n) on hand-made connectomes; --sources; earlier consensuses left
# out; --append into an input; history carried over.
. "$(dirname "$0")/../lib.sh"

printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,2\nAVAL,AVBL,chemical,5\nAVAR,AVBL,electrical,1\n' >"$TMP/a.csv"
printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,4\nAVBL,AVAR,electrical,3\nADAL,ADAL,electrical,6\nAVBR,AVAL,chemical,1\n' >"$TMP/b.csv"
printf 'pre,post,type,synapses\nAVAL,AVAR,chemical,3\n' >"$TMP/c.csv"

worm-connectome import --source white1986_whole --id a -o "$TMP/ab.h5" "$TMP/a.csv"
worm-connectome import --source witvliet2020_7 --id b --append "$TMP/ab.h5" "$TMP/b.csv"
worm-connectome import --source witvliet2020_8 --id c -o "$TMP/c.h5" "$TMP/c.csv"

run_tool worm-connectome consensus --id ab -o "$TMP/cons.h5" "$TMP/ab.h5"
is "$rc" 0 "consensus of two: exit 0"
is "$(worm-connectome export "$TMP/cons.h5")" "$(printf 'pre\tpost\tchem\tgap\tchem_count\tgap_count\tchem_spread\tgap_spread
ADAL\tADAL\t0\t6\t0\t1\t0\t0
AVAL\tAVAR\t3\t0\t2\t0\t1\t0
AVAL\tAVBL\t5\t0\t1\t0\t0\t0
AVAR\tAVBL\t0\t2\t0\t2\t0\t1
AVBL\tAVAR\t0\t2\t0\t2\t0\t1
AVBR\tAVAL\t1\t0\t1\t0\t0\t0')" "consensus of two: means over sources with the edge, counts, std"
is "$(h5dump -a /connectomes/ab/sources "$TMP/cons.h5" | grep '(0)' | tr -d ' ')" '(0):"a,b"' "sources attribute"
is "$(h5dump -a /connectomes/ab/n_sources "$TMP/cons.h5" | grep '(0)' | tr -d ' ')" '(0):2' "n_sources attribute"
is "$(h5dump -a /connectomes/ab/spread "$TMP/cons.h5" | grep '(0)' | tr -d ' ')" '(0):"std"' "spread attribute"
is "$(h5dump -d /connectomes/ab/chem_count -H "$TMP/cons.h5" | grep -c 'H5T_STD_I32LE')" 1 "chem_count stored as int32"
ok "history of the inputs carried over" sh -c "h5dump -a /history '$TMP/cons.h5' | grep -q 'import --source witvliet2020_7'"

# three sources over two files, AVAL->AVAR = 2, 4, 3: mean 3, std sqrt(2/3)
run_tool worm-connectome consensus --id abc -o "$TMP/cons3.h5" "$TMP/ab.h5" "$TMP/c.h5"
is "$rc" 0 "consensus over two files: exit 0"
is "$(worm-connectome export "$TMP/cons3.h5" | grep '^AVAL	AVAR')" "$(printf 'AVAL\tAVAR\t3\t0\t3\t0\t0.8164966\t0')" \
    "consensus of three: mean 3, count 3, std sqrt(2/3)"

# --sources picks ids; --append into one of the inputs; an earlier
# consensus is not an input by default
run_tool worm-connectome consensus --id bc --sources b,c --append "$TMP/ab.h5" "$TMP/ab.h5" "$TMP/c.h5"
is "$rc" 0 "--sources b,c --append into an input: exit 0"
is "$(worm-connectome export --id bc "$TMP/ab.h5" | grep '^AVAL	AVAR' | cut -f3,5)" "$(printf '3.5\t2')" "--sources: only b and c"
is "$(worm-connectome export --id bc "$TMP/ab.h5" | grep -c '^AVAL	AVBL')" 0 "--sources: a left out"
run_tool worm-connectome consensus --id all -o "$TMP/all.h5" "$TMP/ab.h5"
is "$(h5dump -a /connectomes/all/sources "$TMP/all.h5" | grep '(0)' | tr -d ' ')" '(0):"a,b"' \
    "default: the earlier consensus bc is not combined again"

expect_fail 1 "--sources with an unknown id" worm-connectome consensus --id x --sources a,zz -o "$TMP/bad.h5" "$TMP/ab.h5"
ok "no message without the id" grep -q "'zz'" "$err"
ok "no output file on error" test ! -e "$TMP/bad.h5"
expect_fail 1 "a consensus id already present" worm-connectome consensus --id a --append "$TMP/ab.h5" "$TMP/ab.h5"
ok "message names the id" grep -q '/connectomes/a already exists' "$err"
expect_fail 2 "consensus without --id" worm-connectome consensus "$TMP/ab.h5"
expect_fail 2 "--sources with an empty id" worm-connectome consensus --id x --sources a,,b "$TMP/ab.h5"

done_testing
