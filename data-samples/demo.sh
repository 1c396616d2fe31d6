#!/bin/sh
# demo.sh - `make demo`: the whole wormkit pipeline on data-samples/, through
# pipes, with a short report.  Outputs and figures go to demo-out/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
WK_BIN=${WK_BIN:-$top/build/bin}
PATH=$WK_BIN:$PATH
export PATH LC_ALL=C
out=$top/demo-out
rm -rf "$out"
mkdir -p "$out"
cd "$out"
start=$(date +%s)

say() { printf '%s\n' "$*"; }
# metric FILE NAME: the value of a metric<TAB>value table
metric() { awk -F'\t' -v m="$2" '$1 == m { print $2 }' "$1"; }
round() { printf '%.3f' "$1"; }

say "== wormkit demo: data-samples/ -> demo-out/"

say ""
say "-- 1. homogenize raw files of six published formats (reference recipe)"
for d in kato2015 nichols2017 yemini2021 leifer2023 venkatachalam2024 flavell2023; do
    worm-homogenize --dataset "$d" --report "labels-$d.tsv" -o "h-$d.h5" "$here/raw/$d" 2>>skipped.log
done
worm-cat h-*.h5 -o homogenized.h5
rm -f h-*.h5
worm-info --check homogenized.h5 >/dev/null
worm-info --format tsv homogenized.h5 > homogenized.tsv
n=$(($(wc -l < homogenized.tsv) - 1))
lab=$(awk -F'\t' 'NR > 1 { s += $6 } END { print s }' homogenized.tsv)
say "$n worms at dt 0.333 s, $lab labeled neuron traces; label decisions in demo-out/labels-*.tsv"
worm-select --dataset kato2015 --neurons 'AV*,RI*,SMD*' homogenized.h5 | worm-export --layout long > kato-selected.tsv
say "kato2015 AV*/RI*/SMD* neurons: $(awk -F'\t' 'NR > 1 { print $2 }' kato-selected.tsv | sort -u | tr '\n' ' ')"
worm-select --recording sim1 "$here/worms.h5" | worm-smooth --method moving --window 15 \
    | worm-normalize --method zscore | worm-plot traces --order clustered -o traces.png

say ""
say "-- 2. connectomes: White 1986 and OpenWorm samples, functional vs structural"
worm-connectome import --source white1986_whole -o connectomes.h5 "$here/connectome/white1986_sample.csv"
worm-connectome import --source openworm --append connectomes.h5 "$here/connectome/openworm_sample.csv"
worm-connectome consensus --id consensus --append connectomes.h5 connectomes.h5
worm-compare --connectome connectomes.h5:white1986_whole "$here/connectome/functional_sample.tsv" > connectome-compare.tsv
say "functional sample vs White 1986: precision $(round "$(metric connectome-compare.tsv precision)")," \
    "recall $(round "$(metric connectome-compare.tsv recall)"), Spearman $(round "$(metric connectome-compare.tsv spearman)")"
worm-plot adjacency --compare connectomes.h5:/connectomes/white1986_whole/chem -o functional-vs-structural.png "$here/connectome/functional_sample.tsv"

say ""
say "-- 3. brain states and couplings: one-hot switching GLM on simulated counts"
worm-simulate glm -w 12 -T 1000 -n 10 -k 3 -s 3 -o glm-truth.h5
worm-glm --states 3 --prior onehot --test-fraction 0.25 -s 1 -o glm.h5 glm-truth.h5
worm-compare --truth glm-truth.h5 glm.h5 > glm-compare.tsv
say "state accuracy $(round "$(metric glm-compare.tsv state_accuracy)"), adjacency accuracy" \
    "$(round "$(metric glm-compare.tsv adjacency_accuracy)"), macro F1 $(round "$(metric glm-compare.tsv macro_f1)")"
worm-plot states --recording "$(worm-info --format tsv glm-truth.h5 | awk -F"\t" "NR == 2 { print \$1 }")" -o glm-states.png glm.h5
worm-select --neurons 'AV*' homogenized.h5 | worm-events | worm-info --format tsv > events.tsv
say "worm-events on the homogenized AV* neurons: $(($(wc -l < events.tsv) - 1)) recordings of counts"

say ""
say "-- 4. Bayesian bi-clustering (short MCMC chains from 2, 3, 4 and 6 clusters)"
worm-simulate bicluster -c 2x10 -T 300 -s 2 -o bicluster-truth.h5
# K moves slowly once the blocks settle, so chains start from several K
# (worm-bicluster(1)): one chain from the eigengap's 3 alone stays at 3
# clusters (neuron ARI 0.39); the pooled draws find the 2
worm-bicluster -n 200 -c 4 -k 2,3,4,6 -s 1 -q bicluster-truth.h5 | worm-bicluster summarize -o bicluster.h5
worm-compare --truth bicluster-truth.h5 bicluster.h5 > bicluster-compare.tsv
say "neuron ARI $(round "$(metric bicluster-compare.tsv neuron_ari)"), state ARI" \
    "$(round "$(metric bicluster-compare.tsv state_ari)"), clusters $(metric bicluster-compare.tsv clusters_estimated)" \
    "(true $(metric bicluster-compare.tsv clusters_true)) after 4 x 200 iterations"
worm-plot psm -o bicluster-psm.png bicluster.h5

say ""
say "-- 5. dynamic functional connectome: affinities -> NTF -> SBM"
worm-simulate ntf -w 4 -T 400 -n 24 -k 3 -s 4 -o ntf-truth.h5
worm-affinity ntf-truth.h5 | worm-ntf --rank 3 -s 1 --summary ntf-summary.tsv | worm-sbm -o ntf-sbm.h5
say "$(($(wc -l < ntf-summary.tsv) - 1)) components; fit: $(h5dump -d /results/ntf/error_trace ntf-sbm.h5 | awk '/\(/ { v = $NF } END { print v }')"
head -4 ntf-summary.tsv | cut -f1-4
worm-plot ntf -o ntf.png ntf-sbm.h5

end=$(date +%s)
say ""
say "figures: $(ls *.png | tr '\n' ' ')"
say "demo finished in $((end - start)) s; everything is in demo-out/"
