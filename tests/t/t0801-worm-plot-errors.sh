#!/bin/sh
# worm-plot: inputs of the wrong kind, missing datasets and bad usage give
# one clear message, exit 1 (2 for usage), and leave no output file.
. "$(dirname "$0")/../lib.sh"

worm-connectome import --source white1986_jse -o "$TMP/white.h5" "$SAMPLES/connectome/white1986_sample.csv" 2>"$err"
is "$?" 0 "connectome imported"

# fail STATUS DESC PATTERN ARGS...: expect_fail, the message matches, no $TMP/out.*
fail() {
    _st=$1 _d=$2 _pat=$3; shift 3
    rm -f "$TMP"/out.*
    expect_fail "$_st" "$_d" worm-plot "$@"
    ok "$_d: message says '$_pat'" grep -q -- "$_pat" "$err"
    is "$(ls "$TMP" | grep -c '^out\.' )" 0 "$_d: no output file"
}

fail 1 "adjacency of a recording file" "no matrix to plot" adjacency -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 1 "traces of a connectome file" "no recording to plot" traces -o "$TMP/out.svg" "$TMP/white.h5"
fail 1 "traces of several recordings" "choose one with --recording" traces -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 1 "traces of a missing recording" "no recording 'sim9'" traces -r sim9 -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 1 "trace of a missing dataset" "no dataset '/results/none'" trace -d /results/none -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 1 "trace without a dataset" "give --dataset PATH" trace -o "$TMP/out.svg" "$SAMPLES/worms.h5"
fail 1 "trace of a group" "/connectomes: cannot open dataset" trace -d /connectomes -o "$TMP/out.png" "$TMP/white.h5"
fail 1 "adjacency of a missing dataset" "no dataset '/connectomes/x/chem'" adjacency -d /connectomes/x/chem -o "$TMP/out.png" "$TMP/white.h5"
fail 1 "adjacency of a 1-D dataset" "not a square matrix" adjacency -d /recordings/sim1/time -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 1 "adjacency --compare with a recording file" "no matrix to plot" adjacency --compare "$SAMPLES/worms.h5" -o "$TMP/out.png" "$TMP/white.h5"
fail 1 "ntf of a file without worm-ntf results" "no '/results/ntf'" ntf -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 1 "states of a file without model results" "no state results" states -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 1 "psm of a file without worm-bicluster results" "psm_neurons" psm -o "$TMP/out.svg" "$SAMPLES/worms.h5"
if [ -x "$WK_BIN/worm-bicluster" ] && [ -x "$WK_BIN/worm-simulate" ]; then
    worm-simulate bicluster -c 2x4 -T 60 -s 1 -o "$TMP/bsim.h5" 2>"$err" &&
        worm-bicluster -n 10 -q -s 1 -o "$TMP/bic.h5" "$TMP/bsim.h5" 2>"$err"
    fail 1 "states of worm-bicluster draws without a summary" "run worm-bicluster summarize first" states -o "$TMP/out.png" "$TMP/bic.h5"
    fail 1 "psm without a summary" "psm_neurons" psm -o "$TMP/out.png" "$TMP/bic.h5"
fi
fail 1 "missing input" "cannot open" traces -o "$TMP/out.png" "$TMP/nope.h5"
printf 'not hdf5\n' >"$TMP/junk.h5"
fail 1 "traces of a text file" "'$TMP/junk.h5'" traces -o "$TMP/out.png" "$TMP/junk.h5"

fail 2 "unknown kind" "unknown KIND 'heat'" heat -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 2 "no output" "no output" traces "$SAMPLES/worms.h5"
fail 2 "unknown extension" "cannot tell the format" traces -o "$TMP/out.jpg" "$SAMPLES/worms.h5"
fail 2 "bad --format" "invalid --format 'gif'" traces -f gif -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 2 "bad --range" "invalid --range '2:1'" traces --range 2:1 -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 2 "bad --cmap" "invalid --cmap 'jet'" traces --cmap jet -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 2 "bad --width" "invalid --width '10'" traces --width 10 -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 2 "bad --order" "invalid --order 'random'" traces --order random -o "$TMP/out.png" "$SAMPLES/worms.h5"
fail 2 "two inputs" "one input file at a time" traces -o "$TMP/out.png" "$SAMPLES/worms.h5" "$TMP/white.h5"

# a failed run keeps an existing figure as it was
printf 'old figure\n' >"$TMP/keep.png"
run_tool worm-plot adjacency -o "$TMP/keep.png" "$SAMPLES/worms.h5"
is "$rc" 1 "failed run over an existing figure: exit 1"
is "$(cat "$TMP/keep.png")" "old figure" "the existing figure is untouched"
is "$(ls -A "$TMP" | grep -c '^\.\|tmp')" 0 "no temporary file left"
done_testing
