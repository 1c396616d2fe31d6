/* atlas.c - the 300 canonical neurons of the homogenized dataset atlas.
 *
 * Generated from shared/data/neurons300.txt (CANL/CANR excluded, plain
 * lexicographic order, i.e. sorted by strcmp; tests/unit/test-atlas.c checks
 * both) with
 *   awk '{printf "%s\"%s\",", (NR % 10 == 1 ? (NR > 1 ? "\n    " : "    ") : " "), $0}
 *        END {print ""}' neurons300.txt
 * Canonical column k of every recording is wk_atlas_name(k). */
#include <stdlib.h>
#include <string.h>

#include "wormkit/wk_atlas.h"

static const char *const atlas_names[WK_ATLAS_SIZE] = {
    "ADAL", "ADAR", "ADEL", "ADER", "ADFL", "ADFR", "ADLL", "ADLR", "AFDL", "AFDR",
    "AIAL", "AIAR", "AIBL", "AIBR", "AIML", "AIMR", "AINL", "AINR", "AIYL", "AIYR",
    "AIZL", "AIZR", "ALA", "ALML", "ALMR", "ALNL", "ALNR", "AQR", "AS1", "AS10",
    "AS11", "AS2", "AS3", "AS4", "AS5", "AS6", "AS7", "AS8", "AS9", "ASEL",
    "ASER", "ASGL", "ASGR", "ASHL", "ASHR", "ASIL", "ASIR", "ASJL", "ASJR", "ASKL",
    "ASKR", "AUAL", "AUAR", "AVAL", "AVAR", "AVBL", "AVBR", "AVDL", "AVDR", "AVEL",
    "AVER", "AVFL", "AVFR", "AVG", "AVHL", "AVHR", "AVJL", "AVJR", "AVKL", "AVKR",
    "AVL", "AVM", "AWAL", "AWAR", "AWBL", "AWBR", "AWCL", "AWCR", "BAGL", "BAGR",
    "BDUL", "BDUR", "CEPDL", "CEPDR", "CEPVL", "CEPVR", "DA1", "DA2", "DA3", "DA4",
    "DA5", "DA6", "DA7", "DA8", "DA9", "DB1", "DB2", "DB3", "DB4", "DB5",
    "DB6", "DB7", "DD1", "DD2", "DD3", "DD4", "DD5", "DD6", "DVA", "DVB",
    "DVC", "FLPL", "FLPR", "HSNL", "HSNR", "I1L", "I1R", "I2L", "I2R", "I3",
    "I4", "I5", "I6", "IL1DL", "IL1DR", "IL1L", "IL1R", "IL1VL", "IL1VR", "IL2DL",
    "IL2DR", "IL2L", "IL2R", "IL2VL", "IL2VR", "LUAL", "LUAR", "M1", "M2L", "M2R",
    "M3L", "M3R", "M4", "M5", "MCL", "MCR", "MI", "NSML", "NSMR", "OLLL",
    "OLLR", "OLQDL", "OLQDR", "OLQVL", "OLQVR", "PDA", "PDB", "PDEL", "PDER", "PHAL",
    "PHAR", "PHBL", "PHBR", "PHCL", "PHCR", "PLML", "PLMR", "PLNL", "PLNR", "PQR",
    "PVCL", "PVCR", "PVDL", "PVDR", "PVM", "PVNL", "PVNR", "PVPL", "PVPR", "PVQL",
    "PVQR", "PVR", "PVT", "PVWL", "PVWR", "RIAL", "RIAR", "RIBL", "RIBR", "RICL",
    "RICR", "RID", "RIFL", "RIFR", "RIGL", "RIGR", "RIH", "RIML", "RIMR", "RIPL",
    "RIPR", "RIR", "RIS", "RIVL", "RIVR", "RMDDL", "RMDDR", "RMDL", "RMDR", "RMDVL",
    "RMDVR", "RMED", "RMEL", "RMER", "RMEV", "RMFL", "RMFR", "RMGL", "RMGR", "RMHL",
    "RMHR", "SAADL", "SAADR", "SAAVL", "SAAVR", "SABD", "SABVL", "SABVR", "SDQL", "SDQR",
    "SIADL", "SIADR", "SIAVL", "SIAVR", "SIBDL", "SIBDR", "SIBVL", "SIBVR", "SMBDL", "SMBDR",
    "SMBVL", "SMBVR", "SMDDL", "SMDDR", "SMDVL", "SMDVR", "URADL", "URADR", "URAVL", "URAVR",
    "URBL", "URBR", "URXL", "URXR", "URYDL", "URYDR", "URYVL", "URYVR", "VA1", "VA10",
    "VA11", "VA12", "VA2", "VA3", "VA4", "VA5", "VA6", "VA7", "VA8", "VA9",
    "VB1", "VB10", "VB11", "VB2", "VB3", "VB4", "VB5", "VB6", "VB7", "VB8",
    "VB9", "VC1", "VC2", "VC3", "VC4", "VC5", "VC6", "VD1", "VD10", "VD11",
    "VD12", "VD13", "VD2", "VD3", "VD4", "VD5", "VD6", "VD7", "VD8", "VD9",
};

const char *wk_atlas_name(size_t k)
{
    return k < WK_ATLAS_SIZE ? atlas_names[k] : NULL;
}

static int compare_name(const void *key, const void *element)
{
    return strcmp((const char *)key, *(const char *const *)element);
}

int wk_atlas_index(const char *name)
{
    if (!name) return -1;
    const char *const *found =
        bsearch(name, atlas_names, WK_ATLAS_SIZE, sizeof atlas_names[0], compare_name);
    return found ? (int)(found - atlas_names) : -1;
}
