#!/bin/sh
# Every tool that reads wormkit files refuses bad input the same way: a
# text file, a truncated HDF5 file, an HDF5 file that is not wormkit, a
# wormkit file of layout version 2, empty stdin, a missing file.  Each gives
# exit status 1, exactly one line on stderr starting with the tool's name and
# naming the file (or stdin), and with -o no output and no temporary file.
. "$(dirname "$0")/../lib.sh"

# Tools that read wormkit files; tools not built yet are skipped.
readers="worm-info worm-select worm-export worm-cat worm-smooth worm-derivative
worm-resample worm-normalize worm-homogenize worm-events worm-glm worm-bicluster
worm-affinity worm-ntf worm-sbm worm-compare worm-connectome worm-plot"

# The arguments that make TOOL read the wormkit file $1 (options a tool
# requires, the option that names the file for tools whose operand is not it).
args_for() {
    case $t in
    worm-resample) echo "--dt 0.5 $1" ;;
    worm-ntf) echo "--rank 2 $1" ;;
    worm-compare) echo "--connectome $1 $in/matrix.tsv" ;;
    worm-connectome) echo "export $1" ;;
    worm-plot) echo "traces --format svg $1" ;;
    *) echo "$1" ;;
    esac
}

helper=${WK_BUILD:-$WK_TOP/build}/tests/test-bad-version
in=$TMP/in
mkdir "$in"

# A valid wormkit file: simulated if possible, else the committed sample.
if [ -x "$WK_BIN/worm-simulate" ]; then
    worm-simulate traces -w 2 -T 200 -n 20 -u 2 -o "$in/valid.h5"
else
    cp "$SAMPLES/worms.h5" "$in/valid.h5"
fi
ok "a valid wormkit file to start from" test -s "$in/valid.h5"

printf 'time,AVAL\n0,1.5\n' >"$in/text.h5"
size=$(wc -c <"$in/valid.h5" | tr -d ' ')
head -c $((size / 2)) "$in/valid.h5" >"$in/truncated.h5"
if command -v h5copy >/dev/null 2>&1; then
    h5copy -i "$in/valid.h5" -o "$in/plain.h5" -s /atlas -d /atlas
fi
if [ -x "$helper" ]; then
    "$helper" "$in/valid.h5" "$in/version2.h5" 2
fi
: >"$in/empty"

printf '\tAVAL\tAVAR\nAVAL\t0\t1\nAVAR\t1\t0\n' >"$in/matrix.tsv"

# check DESC NAME_IN_MESSAGE FILE: run $t on FILE with -o into a clean folder
check() {
    _desc="$t: $1"; _name=$2
    _od=$TMP/out.$_n
    mkdir "$_od"
    # shellcheck disable=SC2046
    expect_fail 1 "$_desc" "$t" -o "$_od/out.h5" $(args_for "$3")
    ok "$_desc: message names $_name" grep -q -F "$_name" "$err"
    is "$(ls -A "$_od")" "" "$_desc: no output and no temporary file"
    rm -rf "$_od"
}

for t in $readers; do
    if [ ! -x "$WK_BIN/$t" ]; then
        skip "$t not built"
        continue
    fi
    check "text file" "'$in/text.h5'" "$in/text.h5"
    ok "$t: text file: says not HDF5" grep -q "not an HDF5 file" "$err"
    check "truncated HDF5 file" "'$in/truncated.h5'" "$in/truncated.h5"
    if [ -f "$in/plain.h5" ]; then
        check "HDF5 file that is not wormkit" "'$in/plain.h5'" "$in/plain.h5"
        ok "$t: plain HDF5: says not a wormkit file" grep -q "not a wormkit file" "$err"
    else
        skip "$t: h5copy not installed"
    fi
    if [ -f "$in/version2.h5" ]; then
        check "wormkit_version 2" "'$in/version2.h5'" "$in/version2.h5"
        ok "$t: version 2: names the version" grep -q "version 2" "$err"
    else
        skip "$t: test-bad-version helper not built"
    fi
    STDIN_FILE=$in/empty
    check "empty stdin" "stdin" -
    unset STDIN_FILE
    check "missing file" "'$in/no-such-file.h5'" "$in/no-such-file.h5"
done

# Valid outputs are HDF5 that h5dump reads.
if command -v h5dump >/dev/null 2>&1; then
    for t in worm-select worm-cat; do
        if [ ! -x "$WK_BIN/$t" ]; then skip "$t not built"; continue; fi
        run_tool "$t" -o "$TMP/$t.h5" "$in/valid.h5"
        is "$rc" 0 "$t writes a valid file"
        ok "$t: output readable by h5dump -H" h5dump -H "$TMP/$t.h5"
    done
    if [ -x "$WK_BIN/worm-simulate" ]; then
        ok "worm-simulate output readable by h5dump -H" h5dump -H "$in/valid.h5"
    fi
else
    skip "h5dump not installed"
fi

# A pipe between two tools.
if [ -x "$WK_BIN/worm-simulate" ] && [ -x "$WK_BIN/worm-info" ]; then
    worm-simulate traces -T 30 | worm-info >"$out" 2>"$err"
    is "$?" 0 "worm-simulate traces | worm-info exits 0"
    is "$(grep -c '^sim[123] ' "$out")" 3 "worm-info lists the three simulated recordings"
    is "$(wc -c <"$err" | tr -d ' ')" 0 "nothing on stderr"
else
    skip "worm-simulate or worm-info not built"
fi
done_testing
