#!/bin/sh
# Deflate level of the output (-l/--level, WORMKIT_DEFLATE_LEVEL): level 1
# into files, none into pipes, same values at every level, and the same
# bytes whatever the thread count (chunks are compressed in parallel).
. "$(dirname "$0")/../lib.sh"

in=$SAMPLES/worms.h5
# storage of /recordings/sim1/traces: "CHUNKED 1" (deflate level) or "CONTIGUOUS"
storage() {
    h5dump -p -H -d /recordings/sim1/traces "$1" |
        awk '/CHUNKED|CONTIGUOUS/ { layout = $1 }
            /LEVEL/ { for (i = 1; i < NF; i++) if ($i == "LEVEL") level = " " $(i + 1) }
            END { print layout level }'
}

run_tool worm-homogenize -o "$TMP/default.h5" "$in"
is "$rc" 0 "default into a file: exit 0"
is "$(storage "$TMP/default.h5")" "CHUNKED 1" "default into a file: deflate level 1"

worm-homogenize -l 6 -o "$TMP/six.h5" "$in"
is "$(storage "$TMP/six.h5")" "CHUNKED 6" "-l 6: deflate level 6"
worm-homogenize --level 0 -o "$TMP/none.h5" "$in"
is "$(storage "$TMP/none.h5")" "CONTIGUOUS" "--level 0: contiguous, not compressed"
ok "-l 0 and -l 6 hold the same values" h5diff "$TMP/none.h5" "$TMP/six.h5" /recordings /recordings
ok "-l 0 and -l 1 hold the same values" h5diff "$TMP/none.h5" "$TMP/default.h5" /recordings /recordings
ok "-l 0 is larger than -l 1" test "$(wc -c <"$TMP/none.h5")" -gt "$(wc -c <"$TMP/default.h5")"

worm-homogenize "$in" | cat >"$TMP/piped.h5"
is "$(storage "$TMP/piped.h5")" "CONTIGUOUS" "stdout into a pipe: not compressed"
worm-homogenize "$in" >"$TMP/redirected.h5"
is "$(storage "$TMP/redirected.h5")" "CHUNKED 1" "stdout redirected to a file: level 1"
worm-homogenize -l 1 "$in" | cat >"$TMP/piped1.h5"
is "$(storage "$TMP/piped1.h5")" "CHUNKED 1" "-l 1 into a pipe: level 1"
worm-smooth "$in" | worm-resample | cat >"$TMP/chain.h5"
is "$(storage "$TMP/chain.h5")" "CONTIGUOUS" "worm-smooth | worm-resample | cat: not compressed"

WORMKIT_DEFLATE_LEVEL=0 worm-homogenize -o "$TMP/env0.h5" "$in"
is "$(storage "$TMP/env0.h5")" "CONTIGUOUS" "WORMKIT_DEFLATE_LEVEL=0: not compressed"
WORMKIT_DEFLATE_LEVEL=0 worm-homogenize -l 3 -o "$TMP/env0l3.h5" "$in"
is "$(storage "$TMP/env0l3.h5")" "CHUNKED 3" "-l 3 wins over WORMKIT_DEFLATE_LEVEL"
WORMKIT_DEFLATE_LEVEL=4 worm-homogenize "$in" | cat >"$TMP/env4.h5"
is "$(storage "$TMP/env4.h5")" "CHUNKED 4" "WORMKIT_DEFLATE_LEVEL=4 into a pipe: level 4"
WORMKIT_DEFLATE_LEVEL=fast run_tool worm-homogenize -o "$TMP/envbad.h5" "$in"
is "$rc" 0 "invalid WORMKIT_DEFLATE_LEVEL: still exit 0"
is "$(cat "$err")" "worm-homogenize: ignoring WORMKIT_DEFLATE_LEVEL='fast' (not an integer from 0 to 9)" \
    "invalid WORMKIT_DEFLATE_LEVEL: one warning"
is "$(storage "$TMP/envbad.h5")" "CHUNKED 1" "invalid WORMKIT_DEFLATE_LEVEL: default level"

# same bytes with 1 and 2 threads (same output name, so the same history)
mkdir "$TMP/t1" "$TMP/t2"
(cd "$TMP/t1" && SOURCE_DATE_EPOCH=0 OMP_NUM_THREADS=1 worm-homogenize -o h.h5 "$in")
(cd "$TMP/t2" && SOURCE_DATE_EPOCH=0 OMP_NUM_THREADS=2 worm-homogenize -o h.h5 "$in")
ok "1 and 2 threads: identical files" cmp -s "$TMP/t1/h.h5" "$TMP/t2/h.h5"

for t in worm-import worm-homogenize worm-smooth worm-resample worm-normalize worm-derivative; do
    expect_fail 2 "$t -l 10" "$t" -l 10 "$in"
done
expect_fail 2 "worm-smooth --level x" worm-smooth --level x "$in"

done_testing
