/* wk_atlas.h - the 300 canonical neurons (homogenized dataset atlas). */
#ifndef WK_ATLAS_H
#define WK_ATLAS_H

#include <stddef.h>

#define WK_ATLAS_SIZE 300

/* Name of canonical column k (0 <= k < WK_ATLAS_SIZE), else NULL. */
const char *wk_atlas_name(size_t k);

/* Canonical column of an exact (case-sensitive) name, or -1. */
int wk_atlas_index(const char *name);

#endif
