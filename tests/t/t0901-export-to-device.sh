#!/bin/sh
# Text outputs (-o) onto a device are written in place, never renamed over:
# /dev/full must stay a device, /dev/null must keep working.
. "$(dirname "$0")/../lib.sh"

worm-simulate traces -w 1 -T 50 -n 5 -u 0 -o "$TMP/in.h5"
[ -c /dev/full ] || { skip "no /dev/full"; done_testing; }
expect_fail 1 "export to /dev/full" worm-export -o /dev/full "$TMP/in.h5"
ok "/dev/full is still a character device" test -c /dev/full
ok "the message names /dev/full" grep -q "/dev/full" "$err"
run_tool worm-export -o /dev/null "$TMP/in.h5"
is "$rc" 0 "export to /dev/null exits 0"
ok "/dev/null is still a character device" test -c /dev/null
run_tool worm-info -o /dev/null "$TMP/in.h5"
is "$rc" 0 "worm-info -o /dev/null exits 0"
done_testing
