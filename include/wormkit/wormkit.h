/* wormkit.h - umbrella header of libwormkit. */
#ifndef WORMKIT_H
#define WORMKIT_H

#include "wk_error.h"
#include "wk_util.h"
#include "wk_atlas.h"
#include "wk_file.h"
#include "wk_mpi.h"
#include "wk_recording.h"
#include "wk_cli.h"
#include "wk_simulate.h"
#include "wk_labels.h"
#include "wk_import.h"
#include "wk_export.h"
#include "wk_select.h"
#include "wk_info.h"
#include "wk_signal.h"
#include "wk_connectome.h"
#include "wk_compare.h"
#include "wk_partition.h"
#include "wk_impute.h"
#include "wk_homogenize.h"
#include "wk_events.h"
#include "wk_glm.h"
#include "wk_pg.h"
#include "wk_rng.h"
#include "wk_bicluster.h"
#include "wk_affinity.h"
#include "wk_ntf.h"
#include "wk_sbm.h"
#include "wk_plot.h"

#endif
