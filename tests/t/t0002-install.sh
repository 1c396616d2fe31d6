#!/bin/sh
# make install / uninstall into a staging folder (DESTDIR, PREFIX).
. "$(dirname "$0")/../lib.sh"

build=$(basename "${WK_BUILD:-$WK_TOP/build}")
stage=$TMP/stage
rc=0
make -s -C "$WK_TOP" install BUILD="$build" DESTDIR="$stage" PREFIX=/opt/wk >"$out" 2>"$err" || rc=$?
is "$rc" 0 "make install exits 0"
for src in "$WK_TOP"/tools/worm-*.c; do
    t=$(basename "$src" .c)
    ok "$t installed in bin" test -x "$stage/opt/wk/bin/$t"
    ok "$t.1 installed" test -f "$stage/opt/wk/share/man/man1/$t.1"
done
ok "libwormkit.a installed" test -f "$stage/opt/wk/lib/libwormkit.a"
for h in "$WK_TOP"/include/wormkit/*.h; do
    ok "header $(basename "$h") installed" cmp -s "$h" "$stage/opt/wk/include/wormkit/$(basename "$h")"
done
ok "wormkit-h5.5 installed" test -f "$stage/opt/wk/share/man/man5/wormkit-h5.5"
ok "wormkit.7 installed" test -f "$stage/opt/wk/share/man/man7/wormkit.7"

# The installed headers and library are usable on their own.
cat >"$TMP/use.c" <<'C'
#include <wormkit/wormkit.h>
#include <stdio.h>
int main(void) { printf("%s %d\n", wk_atlas_name(0), wk_atlas_index("AVAL")); return 0; }
C
san=
case $build in *asan*) san="-fsanitize=address,undefined" ;; esac
rc=0
cc -std=c11 $san -I"$stage/opt/wk/include" $(pkg-config --cflags hdf5) "$TMP/use.c" -o "$TMP/use" \
    "$stage/opt/wk/lib/libwormkit.a" $(pkg-config --libs hdf5) -lm >"$err" 2>&1 || rc=$?
is "$rc" 0 "a program builds against the installed header and library"
[ "$rc" = 0 ] && is "$("$TMP/use")" "ADAL 53" "and runs"

rc=0
make -s -C "$WK_TOP" uninstall BUILD="$build" DESTDIR="$stage" PREFIX=/opt/wk >"$out" 2>"$err" || rc=$?
is "$rc" 0 "make uninstall exits 0"
is "$(find "$stage" -type f | wc -l | tr -d ' ')" 0 "uninstall removes every installed file"
done_testing
