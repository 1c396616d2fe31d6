#!/usr/bin/env python3
"""Time the reference Python pipeline (worm-data-preprocess) per worm.

    reference-driver.py REF DATASET ROOT [ROOT...]

Called by reference.sh (optional, never part of `make check`: wormkit does
not depend on Python; this file only measures the reference).

REF is a checkout of the reference; DATASET one of its neural preprocessor
names (Kato2015, ..., Leifer2023, ...); each ROOT a folder holding
DATASET/ laid out as the reference's download is.  For each ROOT the
driver builds the preprocessor the way the reference's process_data does,
with the reference's own configuration (smoothing, resampling interval,
interpolation, normalization), points its raw and processed folders at
ROOT and a scratch folder, and times one call of its preprocess().  It
prints one line per ROOT:

    DATASET<TAB>ROOT<TAB>worms<TAB>wall seconds<TAB>CPU seconds

worms is the number of worms in the pickle that preprocess() wrote; the
times cover preprocess() only (not Python's start-up, nor the imports).
One thread: the thread variables are set before numpy and torch load.

Files of a dataset's fixed file list that are absent from ROOT (a sample
holds one of the download's files) load as an empty file: no worm.
"""
import os
import sys

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "NUMEXPR_NUM_THREADS"):
    os.environ[var] = "1"

import pickle  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402


class AbsentFile(dict):
    """What an absent file of a fixed list loads as: every field empty."""

    def __missing__(self, key):
        return AbsentFile()

    def item(self):
        return 1.0

    def squeeze(self):
        return []


def import_reference(ref):
    sys.path.insert(0, os.path.abspath(ref))
    import torch
    torch.set_num_threads(1)
    from preprocess._pkg import PREPROCESS_CONFIG, StandardScaler
    from preprocess.preprocessors import _neural
    from preprocess.preprocessors._helpers import CausalNormalizer
    return PREPROCESS_CONFIG, StandardScaler, CausalNormalizer, _neural


def make_preprocessor(dataset, reference):
    config, standard_scaler, causal_normalizer, neural = reference
    cls = getattr(neural, dataset + "Preprocessor")
    transform = (causal_normalizer() if config["norm_transform"] == "causal"
                 else standard_scaler())
    smooth = config["smooth"]
    return cls(transform, smooth["method"], config["interpolate"],
               config["resample_dt"], alpha=smooth["alpha"],
               window_size=smooth["window_size"], sigma=smooth["sigma"])


def tolerate_absent_files(preprocessor):
    load = preprocessor.load_data

    def load_or_empty(file_name, *args, **kwargs):
        path = os.path.join(preprocessor.raw_data_path,
                            preprocessor.source_dataset, str(file_name))
        if isinstance(file_name, str) and not os.path.exists(path):
            return AbsentFile()
        return load(file_name, *args, **kwargs)

    preprocessor.load_data = load_or_empty


def time_one_root(dataset, root, reference):
    preprocessor = make_preprocessor(dataset, reference)
    with tempfile.TemporaryDirectory(prefix="ref-out.") as out:
        preprocessor.raw_data_path = os.path.abspath(root)
        preprocessor.processed_data_path = out
        tolerate_absent_files(preprocessor)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        preprocessor.preprocess()
        wall1, cpu1 = time.perf_counter(), time.process_time()
        with open(os.path.join(out, dataset + ".pickle"), "rb") as f:
            worms = len(pickle.load(f))
    return worms, wall1 - wall0, cpu1 - cpu0


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    ref, dataset, roots = argv[1], argv[2], argv[3:]
    reference = import_reference(ref)
    for root in roots:
        worms, wall, cpu = time_one_root(dataset, root, reference)
        print(f"{dataset}\t{root}\t{worms}\t{wall:.4f}\t{cpu:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
