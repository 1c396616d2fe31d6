#!/bin/sh
# generate.sh - regenerate every committed sample of data-samples/ from the
# built tools, deterministically and byte for byte.
#
#   sh data-samples/generate.sh [OUTDIR]
#
# WK_BIN names the folder of the built tools (default: build/bin of this
# tree); OUTDIR defaults to this folder.  SOURCE_DATE_EPOCH=0 fixes the time
# in the history lines; tools run by bare name from OUTDIR and write
# relative names, so the history (the command lines) does not depend on
# where the tree or the output lives.  tests/t/t0300-worm-simulate-samples.sh
# regenerates into a temporary folder and compares with the committed files.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
WK_BIN=${WK_BIN:-$here/../build/bin}
WK_BIN=$(cd "$WK_BIN" && pwd)
out=${1:-$here}
mkdir -p "$out/csv"
out=$(cd "$out" && pwd)

PATH=$WK_BIN:$PATH
SOURCE_DATE_EPOCH=0
LC_ALL=C
export PATH SOURCE_DATE_EPOCH LC_ALL
cd "$out"

# worms.h5: 3 simulated worms, 900 samples (300 s at 3 Hz) each, 3 brain
# states; truth in /recordings/simN/truth_state and /results/simulate/simN.
# 15 labeled neurons: noisy float32 values do not compress, so each
# value costs about its 4 bytes; the samples must stay small.
worm-simulate traces --worms 3 --samples 900 --neurons 15 --unlabeled 2 \
    --missing 0.01 --seed 1 -o worms.h5

# csv/worm1.csv, csv/worm2.csv: one simulated worm each (200 samples), wide
# CSV (time, then one column per neuron), a few NaN cells from short gaps.
worm-simulate traces --worms 2 --samples 200 --neurons 6 --unlabeled 1 \
    --missing 0.02 --seed 2 -o csv/sim2.h5
for w in 1 2; do
    worm-export --format csv --recording "sim$w" -o "csv/worm$w.csv" csv/sim2.h5
done
rm -f csv/sim2.h5

# raw/{kato2015,nichols2017,skora2018,kaplan2020,uzel2022}/*.mat (MATLAB v7.3)
# and raw/nejatbakhsh2020/*.nwb: synthetic raw files in the real formats,
# written by tests/gen/gen-raw-hdf5.c (its header documents the values and labels).
"${WK_GEN:-$WK_BIN/../gen}/gen-raw-hdf5" --all raw

# raw/{yemini2021,lin2023}/*.mat (MAT v5), raw/dag2023/ (HDF5 + JSON),
# raw/leifer2023/*.txt, raw/flavell2023/ (JSON, HDF5), raw/venkatachalam2024/*.zip:
# written by tests/gen/gen-raw-misc.c (its header documents the values and labels).
"${WK_GEN:-$WK_BIN/../gen}/gen-raw-misc" raw
