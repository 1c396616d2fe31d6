#!/bin/sh
# Output safety: a full device or a full file system gives exit 1, one
# message, no partial file under the requested name and a previous file left
# untouched; a reader that closes the pipe ends the writer quietly; SIGTERM
# and SIGINT during a long write remove the temporary file (.<name>.XXXXXX)
# and leave a previous output as it was.
. "$(dirname "$0")/../lib.sh"

small=$TMP/small
trap 'umount "$small" 2>/dev/null; rm -rf "$TMP"' EXIT

sample=$SAMPLES/worms.h5

# no_temp DIR NAME: no temporary file of NAME is left in DIR.
no_temp() {
    ! ls -a "$1" | grep -q "^\.$2\."
}

# --- /dev/full ---
# full_device DESC WANT tool args...: stdout to /dev/full; exit 1, one message.
full_device() {
    _d=$1; _m=$2; shift 2
    rc=0
    "$@" >/dev/full 2>"$err" </dev/null || rc=$?
    is "$rc" 1 "$_d: exit 1"
    is "$(cat "$err")" "$_m" "$_d: one message"
}
full_device "worm-export to a full device" \
    "worm-export: 'stdout': write error: No space left on device" worm-export "$sample"
full_device "worm-info to a full device" \
    "worm-info: 'stdout': write error: No space left on device" worm-info "$sample"
full_device "worm-simulate (HDF5 on stdout) to a full device" \
    "worm-simulate: cannot write 'stdout': No space left on device" worm-simulate traces -w 1 -T 50
# (-o /dev/full is only tried with worm-simulate: as root, an output that is
# renamed over its target would replace the device node.)
expect_fail 1 "worm-simulate -o /dev/full" worm-simulate traces -w 1 -T 50 -o /dev/full
ok "/dev/full is still a character device" test -c /dev/full

# --- a full file system (a 64 KiB tmpfs, when this user may mount one) ---
mkdir "$small"
if mount -t tmpfs -o size=64k tmpfs "$small" 2>/dev/null; then
    echo precious >"$small/out.h5"
    # (libhdf5's description of the failed write holds a newline: count the
    # messages, not the lines.)
    run_tool worm-simulate traces -w 2 -T 2000 -o "$small/out.h5"
    is "$rc" 1 "worm-simulate -o on a full file system: exit 1 (no crash)"
    is "$(grep -c '^worm-simulate: ' "$err")" 1 "worm-simulate -o on a full file system: one message"
    ok "worm-simulate -o on a full file system: names the file" \
        grep -q "^worm-simulate: '$small/out.h5': " "$err"
    is "$(cat "$small/out.h5")" precious "full file system: the previous file is untouched"
    ok "full file system: no temporary file" no_temp "$small" out.h5
    expect_fail 1 "worm-export -o on a full file system" worm-export -o "$small/out.tsv" "$sample"
    ok "full file system: no partial text output" test ! -e "$small/out.tsv"
    ok "full file system: no temporary text file" no_temp "$small" out.tsv
    umount "$small"
else
    skip "cannot mount a small tmpfs (needs root): full file system not tested"
fi

# --- a reader that closes the pipe ---
for t in worm-export; do
    rc=0
    { "$t" "$sample" 2>"$err"; echo $? >"$TMP/rc"; } | head -c 10 >/dev/null
    is "$(cat "$TMP/rc")" 1 "$t | head -c 10: exit 1"
    is "$(cat "$err")" "" "$t | head -c 10: nothing on stderr"
done
{ worm-simulate traces -w 2 -T 5000 2>"$err"; echo $? >"$TMP/rc"; } | head -c 10 >/dev/null
is "$(cat "$TMP/rc")" 1 "worm-simulate | head -c 10: exit 1"
is "$(cat "$err")" "" "worm-simulate | head -c 10: nothing on stderr"

# --- signals during a long write ---
# interrupt SIG: start a long worm-simulate over a previous out.h5 (with the
# signal's default action: background jobs of sh ignore SIGINT), wait for
# its temporary file, send SIG, and check what is left.
interrupt() {
    d=$TMP/sig-$1
    mkdir "$d"
    echo precious >"$d/out.h5"
    perl -e '$SIG{INT} = $SIG{TERM} = "DEFAULT"; exec @ARGV or exit 127' \
        worm-simulate traces -w 4 -T 200000 -o "$d/out.h5" 2>"$d/err" &
    pid=$!
    i=0
    while [ $i -lt 200 ] && ! ls -a "$d" | grep -q '^\.out\.h5\.'; do
        sleep 0.05
        i=$((i + 1))
    done
    ok "SIG$1: the temporary file appeared" sh -c 'ls -a "$1" | grep -q "^\.out\.h5\."' sh "$d"
    kill -s "$1" "$pid"
    src=0
    wait "$pid" || src=$?
    ok "SIG$1: killed by the signal (status $src)" test "$src" -gt 128
    is "$(cat "$d/out.h5")" precious "SIG$1: the previous out.h5 is untouched"
    ok "SIG$1: no temporary file left" no_temp "$d" out.h5
}
if command -v perl >/dev/null 2>&1; then
    interrupt TERM
    interrupt INT
else
    skip "perl not found: signals not tested"
fi

done_testing
