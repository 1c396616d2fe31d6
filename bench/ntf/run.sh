#!/bin/sh
# bench/ntf/run.sh - NTF benchmarks of issue 7 (never part of `make check`).
#   1. time per HALS iteration on a ~1e8-entry tensor at rank 10, wormkit
#      against the baseline (tensorly's per-component MTTKRP) in the same
#      run, from the same initialisation (equal fit);
#   2. the matrix-free mode on 300 neurons (44,850 pairs) x 1000 samples x
#      100 worms at rank 10 (an 18 GB dense tensor): time per iteration and
#      peak RSS (target: under 1 GB).
# Usage: sh bench/ntf/run.sh [quick]   (quick: small sizes, a smoke test)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make -s build/libwormkit.a
out=${TMPDIR:-/tmp}/bench-ntf.$$
trap 'rm -f "$out"' EXIT
pkgs=$(sed -n 's/^PKGS *:= *//p' Makefile)   # the library's dependencies, as the Makefile links them
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -fopenmp -Iinclude \
   $(pkg-config --cflags $pkgs) bench/ntf/bench-ntf.c -o "$out" \
   build/libwormkit.a $(pkg-config --libs $pkgs) -lm
if [ "${1:-}" = quick ]; then
    "$out" dense 2000 200 25 10 5 2
    "$out" matrix-free 60 200 10 5 3
else
    "$out" dense 10000 1000 10 10 10 2       # 1e8 entries
    "$out" matrix-free 300 1000 100 10 2
fi
