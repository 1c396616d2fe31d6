/* fuzz-import-h5.c - the HDF5-based dataset readers (MAT v7.3: kato2015,
 * nichols2017, skora2018, kaplan2020, uzel2022, mat; NWB: nejatbakhsh2020,
 * nwb; dag2023; flavell2023 .h5): every input is read as an HDF5 file by
 * each of them.  The same code as fuzz-import.c, which skips HDF5 inputs. */
#define FUZZ_IMPORT_HDF5 1
#include "fuzz-import.c"
