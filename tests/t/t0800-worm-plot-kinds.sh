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

# frames FILE: "x0 x1" of each black stroked rectangle wider than 100 units
# in an SVG of cairo (the panels' frames; colour bars are narrower)
frames() {
    sed -n 's/.*stroke:rgb(0%,0%,0%).* d="M \([0-9.]*\) \([0-9.]*\) L \([0-9.]*\) \2 L \3 \([0-9.]*\) L \1 \4 Z.*/\1 \3/p' "$1" |
        awk '$2 - $1 > 100'
}
# xticks FILE: one line per row of x-axis ticks (vertical marks 4 units
# long), "y: x1 x2 ...", rows by increasing y
xticks() {
    sed -n 's/.*stroke:rgb(0%,0%,0%).* d="M \([0-9.]*\) \([0-9.]*\) L \1 \([0-9.]*\) ".*/\1 \2 \3/p' "$1" |
        awk '$3 - $2 == 4 { row[$2] = row[$2] " " $1 } END { for (y in row) print y ":" row[y] }' | sort -n
}
# aligned FILE N: N panel frames with the same x0 and x1, and N rows of x
# ticks at the same x positions (panels on one shared axis)
aligned() {
    [ "$(frames "$1" | wc -l | tr -d ' ')" = "$2" ] && [ "$(frames "$1" | sort -u | wc -l | tr -d ' ')" = 1 ] &&
        [ "$(xticks "$1" | wc -l | tr -d ' ')" = "$2" ] &&
        [ "$(xticks "$1" | sed 's/^[^:]*://' | sort -u | wc -l | tr -d ' ')" = 1 ]
}
# series FILE K: the points "x y" of the K-th data line (stroke width 1.8;
# K '$': the last one)
series() {
    sed -n 's/.*stroke-width:1\.8;.* d="M \([^"]*\)".*/\1/p' "$1" | sed -n "${2}p" | tr -d 'L' |
        awk '{ for (i = 1; i < NF; i += 2) print $i, $(i + 1) }'
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
    # rank sweep: fit and stability against the rank, one point per rank
    worm-simulate ntf -w 3 -T 120 -n 10 -k 2 -s 4 -o "$TMP/ntfsim.h5" 2>"$err" &&
        worm-ntf --rank 1:4 --restarts 2 -s 1 -o "$TMP/sweep.h5" "$TMP/ntfsim.h5" 2>"$err"
    is "$?" 0 "worm-ntf rank sweep 1:4"
    check ntf-sweep sweep "$TMP/sweep.h5"
    ok "sweep: fit and stability panels aligned on the rank axis" aligned "$TMP/sweep.svg" 2
    is "$(xticks "$TMP/sweep.svg" | head -1 | awk -F: '{ print split($2, a, " ") }')" 4 "sweep: one tick per rank (integers only)"
    stab=$(h5dump -y -m '%.9g' -d /results/ntf/sweep_stability "$TMP/sweep.h5" | sed -n '/DATA {/,/}/p' | sed '1d;$d' | tr -d ' \n')
    ticks=$(xticks "$TMP/sweep.svg" | tail -1 | sed 's/^[^:]*://')
    # the last line is the stability: 4 points, at the rank ticks, higher where the value is larger
    ok "sweep: stability drawn as 4 points at the rank ticks, ordered as $stab" \
        awk -v v="$stab" -v t="$ticks" -v pts="$(series "$TMP/sweep.svg" '$' | tr '\n' ' ')" 'BEGIN {
            n = split(v, val, ","); m = split(pts, p, " "); split(t, tick, " ")
            if (n != 4 || m != 2 * n) exit 1
            for (i = 1; i <= n; i++) { x[i] = p[2 * i - 1]; y[i] = p[2 * i]; if (x[i] - tick[i] > 1 || tick[i] - x[i] > 1) exit 1 }
            for (i = 1; i <= n; i++) for (j = 1; j <= n; j++)
                if (val[i] > val[j] + 1e-3 && !(y[i] < y[j])) exit 1
        }'
    worm-ntf --rank 2:3 -s 1 -o "$TMP/sweep1.h5" "$TMP/ntfsim.h5" 2>"$err"
    run_tool worm-plot ntf-sweep -o "$TMP/sweep1.svg" "$TMP/sweep1.h5"
    is "$rc" 0 "sweep of one restart (stability NaN)"
    is "$(series "$TMP/sweep1.svg" 1 | wc -l | tr -d ' '),$(series "$TMP/sweep1.svg" 2 | wc -l | tr -d ' ')" "2,0" \
        "one restart: one fit line of 2 points, no mean line, no stability line"
    fail_sweep=$(worm-plot ntf-sweep -o "$TMP/nosweep.png" "$TMP/ntf.h5" 2>&1)
    ok "ntf-sweep of a one-rank result: exit 1, names the missing sweep" \
        sh -c "! worm-plot ntf-sweep -o '$TMP/nosweep.png' '$TMP/ntf.h5' 2>/dev/null && test ! -e '$TMP/nosweep.png'"
    case $fail_sweep in
        *"no '/results/ntf/sweep_rank' (ntf-sweep plots the result of worm-ntf --rank R1:R2)"*) ok "ntf-sweep message" true ;;
        *) ok "ntf-sweep message (got: $fail_sweep)" false ;;
    esac
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
    ok "glm states: both panels share the left edge, the right edge and the time ticks" aligned "$TMP/glm-states.svg" 2
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
    ok "bicluster states: panels aligned on one time axis" aligned "$TMP/bic-states.svg" 2
    check trace bic-loglik "$TMP/bics.h5"
    check trace bic-K --dataset /results/bicluster/chain0/K "$TMP/bics.h5"
else
    skip "worm-bicluster not built"
fi
done_testing
