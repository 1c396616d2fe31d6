#!/bin/sh
# worm-select --time START:END: inclusive start, exclusive end, open sides,
# present recomputed over the kept samples, optional [T][C] arrays cut too,
# a range leaving no sample is an error naming the recording.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
# a: 5 samples every 0.5 s; AVAL and AVAR miss one sample each, RIML full,
# FOO is not an atlas name (extra column).
cat >a.csv <<'CSV'
time,AVAL,AVAR,RIML,FOO
0,1,2,3,4
0.5,1.5,,3.5,4.5
1,2,2,4,5
1.5,,2,4.5,5.5
2,3,2,5,6
CSV
ok "import a.csv" sh -c 'worm-import a.csv >a.h5'
tab=$(printf '\t')

run_tool sh -c "worm-select --time 0.5:1.5 a.h5 | worm-export"
is "$rc" 0 "0.5:1.5: exit 0"
is "$(cat "$out")" "time${tab}AVAL${tab}AVAR${tab}RIML${tab}FOO
0.5${tab}1.5${tab}NaN${tab}3.5${tab}4.5
1${tab}2${tab}2${tab}4${tab}5" "0.5:1.5: samples at 0.5 and 1 (end excluded), times kept"

run_tool sh -c "worm-select --time 1.5: a.h5 | worm-export | cut -f1 | tr '\n' ' '"
is "$(cat "$out")" "time 1.5 2 " "1.5: open end"
run_tool sh -c "worm-select -t :0.5 a.h5 | worm-export | cut -f1 | tr '\n' ' '"
is "$(cat "$out")" "time 0 " ":0.5: open start"
run_tool sh -c "worm-select --time 0.2:0.9 a.h5 | worm-export | cut -f1 | tr '\n' ' '"
is "$(cat "$out")" "time 0.5 " "0.2:0.9: between samples"
run_tool sh -c "worm-select --time 0.5:1.5 --time -1:0.6 a.h5 | worm-export | cut -f1 | tr '\n' ' '"
is "$(cat "$out")" "time 0 0.5 " "the last --time wins"

# present is recomputed: AVAR has no finite value at 0.5 s.
run_tool sh -c "worm-select --time 0.5:1 a.h5 | worm-export"
is "$(cat "$out")" "time${tab}AVAL${tab}RIML${tab}FOO
0.5${tab}1.5${tab}3.5${tab}4.5" "0.5:1: AVAR no longer present"
run_tool sh -c "worm-select --time 0.5:1 a.h5 | worm-info --format tsv | tail -1"
is "$(cat "$out")" "a${tab}generic${tab}1${tab}0${tab}nan${tab}2${tab}1${tab}3${tab}0" "0.5:1: one sample, 3 present, no NaN"
run_tool sh -c "worm-select --time 0.5:1 a.h5 | worm-info --check"
is "$(cat "$out")" "'stdin': ok (1 recording)" "0.5:1: the result passes --check"

# An optional [T][C] array is cut with the traces.
if [ -x "$WK_BIN/worm-derivative" ]; then
    ok "derivative then select" sh -c "worm-derivative a.h5 | worm-select --time 1:2 --neurons RIML -o d.h5"
    run_tool worm-info --check d.h5
    is "$(cat "$out")" "'d.h5': ok (1 recording)" "with a derivative array: still valid after the cut"
    if command -v h5dump >/dev/null 2>&1; then
        run_tool h5dump -H -d /recordings/a/derivative d.h5
        ok "derivative cut to [2][300] like traces" grep -q 'SIMPLE { ( 2, 300 ) / ( 2, 300 ) }' "$out"
    else
        skip "h5dump not installed"
    fi
else
    skip "worm-derivative not built"
fi

# Errors.
expect_fail 1 "range after the end" worm-select --time 5:6 a.h5
is "$(cat "$err")" "worm-select: 'a.h5': recording 'a': --time 5:6 leaves no sample (time runs from 0 to 2 s)" \
    "range after the end: message names file and recording"
is "$(wc -c <"$out" | tr -d ' ')" 0 "range after the end: nothing on stdout"
ok "range after the end: no output file left" sh -c '! worm-select --time 5:6 -o sel.h5 a.h5 2>/dev/null && [ ! -e sel.h5 ]'
STDIN_FILE=a.h5 expect_fail 1 "range after the end, stdin" worm-select --time :0
is "$(cat "$err")" "worm-select: 'stdin': recording 'a': --time :0 leaves no sample (time runs from 0 to 2 s)" \
    "stdin: message names stdin"

expect_fail 2 "no colon" worm-select --time 5 a.h5
is "$(head -1 "$err")" "worm-select: invalid --time value '5' (want START:END in seconds)" "no colon: message"
ok "no colon: Try line" grep -q "^Try 'worm-select --help' for more information\.$" "$err"
expect_fail 2 "bad start" worm-select --time abc:3 a.h5
is "$(head -1 "$err")" "worm-select: invalid --time start 'abc'" "bad start: message"
expect_fail 2 "bad end" worm-select --time=1:2s a.h5
is "$(head -1 "$err")" "worm-select: invalid --time end '2s'" "bad end: message"
expect_fail 2 "reversed" worm-select --time 3:1 a.h5
is "$(head -1 "$err")" "worm-select: invalid --time value '3:1' (start must be before end)" "reversed: message"

done_testing
