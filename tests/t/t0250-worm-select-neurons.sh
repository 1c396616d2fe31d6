#!/bin/sh
# worm-select --neurons / --labeled: glob patterns on labels, canonical
# slots kept (NaN, present 0), extra columns removed; exact values checked
# with worm-export.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
# a: 5 samples every 0.5 s; AVAL and AVAR miss one sample each, RIML full,
# FOO is not an atlas name (extra column), ADAL is empty (not present).
cat >a.csv <<'CSV'
time,AVAL,AVAR,RIML,FOO,ADAL
0,1,2,3,4,
0.5,1.5,,3.5,4.5,
1,2,2,4,5,
1.5,,2,4.5,5.5,
2,3,2,5,6,
CSV
ok "import a.csv" sh -c 'worm-import a.csv >a.h5'
tab=$(printf '\t')

run_tool sh -c "worm-select --neurons 'AV*' a.h5 | worm-export"
is "$rc" 0 "AV*: exit 0"
is "$(cat "$out")" "time${tab}AVAL${tab}AVAR
0${tab}1${tab}2
0.5${tab}1.5${tab}NaN
1${tab}2${tab}2
1.5${tab}NaN${tab}2
2${tab}3${tab}2" "AV*: AVAL and AVAR, exact values"

run_tool sh -c "worm-select -n 'AV*,RIM?' -n FOO a.h5 | worm-export | head -1"
is "$(cat "$out")" "time${tab}AVAL${tab}AVAR${tab}RIML${tab}FOO" "AV*,RIM? plus FOO (repeated option): canonical then extra"

run_tool sh -c "worm-select --neurons 'RIML, FOO' a.h5 | worm-export"
is "$(cat "$out")" "time${tab}RIML${tab}FOO
0${tab}3${tab}4
0.5${tab}3.5${tab}4.5
1${tab}4${tab}5
1.5${tab}4.5${tab}5.5
2${tab}5${tab}6" "exact names with a blank after the comma"

# The 300 canonical slots always stay; unselected extras are removed.
run_tool sh -c "worm-select --neurons AVAL a.h5 | worm-export --columns all | head -1 | tr '\t' '\n' | wc -l"
is "$(tr -d ' ' <"$out")" 301 "AVAL: time + 300 canonical columns, FOO removed"
run_tool sh -c "worm-select --neurons 'AVAL,FOO' a.h5 | worm-export --columns all | head -1 | tr '\t' '\n' | sed -n '2p;55p;301,302p' | tr '\n' ' '"
is "$(cat "$out")" "ADAL AVAL VD9 FOO " "AVAL,FOO: canonical order kept (ADAL first, VD9 last), FOO after the 300"
run_tool sh -c "worm-select --neurons AVAL a.h5 | worm-export --columns all | cut -f56 | sort -u | tr '\n' ' '"
is "$(cat "$out")" "AVAR NaN " "unselected canonical column AVAR is NaN"
run_tool sh -c "worm-select --neurons AVAL a.h5 | worm-info --format tsv | cut -f6-8 | tail -1"
is "$(cat "$out")" "1${tab}0${tab}1" "AVAL: 1 labeled, 0 unlabeled, 1 present"

run_tool sh -c "worm-select --labeled a.h5 | worm-export | head -1"
is "$(cat "$out")" "time${tab}AVAL${tab}AVAR${tab}RIML" "--labeled drops FOO"
run_tool sh -c "worm-select --labeled a.h5 | worm-info --format tsv | cut -f6-9 | tail -1"
is "$(cat "$out")" "3${tab}0${tab}3${tab}0.13333333333333333" "--labeled: 3 present, NaN fraction 2/15"
run_tool sh -c "worm-select --labeled --neurons 'A*' a.h5 | worm-export | head -1"
is "$(cat "$out")" "time${tab}AVAL${tab}AVAR" "--labeled with A*"

# The result is a valid wormkit file.
run_tool sh -c "worm-select --neurons 'AV*' a.h5 | worm-info --check"
is "$(cat "$out")" "'stdin': ok (1 recording)" "the selection passes worm-info --check"

# Errors.
expect_fail 1 "pattern matching nothing" worm-select --neurons 'AVAL,XYZ*' a.h5
is "$(cat "$err")" "worm-select: no neuron matches --neurons 'XYZ*'" "pattern matching nothing: message"
is "$(wc -c <"$out" | tr -d ' ')" 0 "pattern matching nothing: nothing on stdout"
expect_fail 1 "FOO with --labeled" worm-select --labeled --neurons FOO a.h5
is "$(cat "$err")" "worm-select: no neuron matches --neurons 'FOO'" "FOO with --labeled: message"
expect_fail 2 "empty list item" worm-select --neurons 'AVAL,,AVAR' a.h5
is "$(head -1 "$err")" "worm-select: empty name in --neurons 'AVAL,,AVAR'" "empty list item: message"
expect_fail 2 "missing argument" worm-select a.h5 --neurons

done_testing
