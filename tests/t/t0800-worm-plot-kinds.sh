#!/bin/sh
# worm-plot: every kind writes a valid SVG (parsed by xmllint) and a PNG of
# the requested size (signature and IHDR), from small inputs.
. "$(dirname "$0")/../lib.sh"

# png_size FILE: "WIDTHxHEIGHT" from the IHDR chunk, or "not a PNG".
png_size() {
    sig=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
    if [ "$sig" != "89504e470d0a1a0a" ]; then echo "not a PNG"; return; fi
    [ "$(od -An -c -j12 -N4 "$1" | tr -d ' \n')" = "IHDR" ] || { echo "no IHDR"; return; }
    set -- $(od -An -tu1 -j16 -N8 "$1")
    echo "$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 ))x$(( ($5 << 24) | ($6 << 16) | ($7 << 8) | $8 ))"
}

# svg_ok FILE W H: well-formed XML whose root is <svg> of W x H points.
svg_ok() {
    xmllint --noout "$1" &&
        [ "$(xmllint --xpath 'local-name(/*)' "$1")" = svg ] &&
        [ "$(xmllint --xpath 'string(/*/@width)' "$1")" = "${2}pt" ] &&
        [ "$(xmllint --xpath 'string(/*/@height)' "$1")" = "${3}pt" ]
}

# check KIND NAME ARGS...: the kind as PNG (640x480) and SVG (700x500).
check() {
    _kind=$1 _name=$2; shift 2
    run_tool worm-plot "$_kind" --width 640 --height 480 -o "$TMP/$_name.png" "$@"
    is "$rc" 0 "$_name: PNG exit 0"
    is "$(wc -c <"$err" | tr -d ' ')" 0 "$_name: PNG nothing on stderr"
    is "$(png_size "$TMP/$_name.png")" "640x480" "$_name: PNG signature and IHDR size"
    run_tool worm-plot "$_kind" --width 700 --height 500 -o "$TMP/$_name.svg" "$@"
    is "$rc" 0 "$_name: SVG exit 0"
    ok "$_name: SVG parses, root <svg> 700x500" svg_ok "$TMP/$_name.svg" 700 500
}

worm-connectome import --source white1986_jse -o "$TMP/white.h5" "$SAMPLES/connectome/white1986_sample.csv" 2>"$err"
is "$?" 0 "connectome imported"

check traces traces --recording sim2 "$SAMPLES/worms.h5"
check adjacency connectome "$TMP/white.h5"
check adjacency gap --dataset /connectomes/white1986_jse/gap "$TMP/white.h5"
check adjacency tsv "$SAMPLES/connectome/functional_sample.tsv"
check adjacency compare --compare "$TMP/white.h5" "$SAMPLES/connectome/functional_sample.tsv"
check trace trace1d --dataset /recordings/sim1/truth_state "$SAMPLES/worms.h5"

check traces clustered --order clustered --recording sim1 "$SAMPLES/worms.h5"

# a single-recording file needs no --recording; default sizes
worm-select --recording sim3 "$SAMPLES/worms.h5" >"$TMP/sim3.h5"
run_tool worm-plot traces -o "$TMP/one.png" "$TMP/sim3.h5"
is "$rc" 0 "traces of the only recording"
ok "default traces figure is a PNG" sh -c "od -An -tx1 -N4 '$TMP/one.png' | grep -q '89 50 4e 47'"

# stimulus marks, signed colours and stdin
run_in "$TMP/sim3.h5" worm-plot traces --cmap diverging --range -2:2 --format svg -o -
is "$rc" 0 "traces from stdin to stdout"
cp "$out" "$TMP/stdout.svg"
ok "SVG on stdout parses" xmllint --noout "$TMP/stdout.svg"

# --format wins over the name
run_tool worm-plot adjacency --format png -o "$TMP/fig.out" "$TMP/white.h5"
is "$(png_size "$TMP/fig.out")" "570x550" "--format png writes a PNG whatever the name (default size)"

# the 300 x 300 connectome with every neuron
check adjacency all300 --all-neurons "$TMP/white.h5"

if [ -x "$WK_BIN/worm-ntf" ]; then
    worm-ntf --rank 2 -s 1 -o "$TMP/ntf.h5" "$SAMPLES/worms.h5" 2>"$err"
    is "$?" 0 "worm-ntf result for the ntf figures"
    check ntf ntf "$TMP/ntf.h5"
    check trace ntf-error "$TMP/ntf.h5"
    check trace factors --dataset /results/ntf/f_t "$TMP/ntf.h5"
    if [ -x "$WK_BIN/worm-sbm" ]; then
        worm-sbm -s 1 -o "$TMP/sbm.h5" "$TMP/ntf.h5" 2>"$err"
        is "$?" 0 "worm-sbm result beside the model"
        check ntf ntf-sbm --components 1 "$TMP/sbm.h5"
    fi
else
    skip "worm-ntf not built"
fi
if [ -x "$WK_BIN/worm-glm" ] && [ -x "$WK_BIN/worm-simulate" ]; then
    worm-simulate glm -w 2 -T 200 -n 6 -k 2 -s 1 -o "$TMP/glmsim.h5" 2>"$err" &&
        worm-glm -k 2 -e 3 -q -s 1 -o "$TMP/glm.h5" "$TMP/glmsim.h5" 2>"$err"
    is "$?" 0 "worm-glm result for the states figures"
    check states glm-states --recording sim2 "$TMP/glm.h5"
    check adjacency glm-W --dataset /results/glm/W "$TMP/glm.h5"
    check trace glm-trace "$TMP/glm.h5"
else
    skip "worm-glm not built"
fi

if [ -x "$WK_BIN/worm-bicluster" ] && [ -x "$WK_BIN/worm-simulate" ]; then
    worm-simulate bicluster -c 2x4 -T 100 -s 1 -o "$TMP/bsim.h5" 2>"$err" &&
        worm-bicluster -n 30 -q -s 1 -o "$TMP/bic.h5" "$TMP/bsim.h5" 2>"$err" &&
        worm-bicluster summarize -q -o "$TMP/bics.h5" "$TMP/bic.h5" 2>"$err"
    is "$?" 0 "worm-bicluster result for the psm and states figures"
    check psm psm "$TMP/bics.h5"
    check states bic-states "$TMP/bics.h5"
    check trace bic-loglik "$TMP/bics.h5"
    check trace bic-K --dataset /results/bicluster/chain0/K "$TMP/bics.h5"
else
    skip "worm-bicluster not built"
fi
done_testing
