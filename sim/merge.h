/* merge.h -- `semsim merge`: join the shard files of one run (`semsim run
 * --shard I/N`, one per job-array task) into the file an unsharded run
 * writes: /summary rows in (point, repeat) order, every /points group, /grid.
 *
 * Refused, naming the file: a file that is not a complete shard file, shards
 * of different scenarios (the resolved scenario text differs) or of a
 * different N, a shard given twice or a row in two files, a shard missing.
 * The scenario is rebuilt from the shard's scenario_file and overrides
 * attributes (for the /summary columns and /grid) and must give the same
 * resolved text: run merge where the shards ran (relative paths). OUT is
 * written as OUT.partial and renamed when complete; an existing OUT is never
 * replaced without force. On an error nothing is left behind. */
#ifndef SIM_MERGE_H
#define SIM_MERGE_H

#include <stddef.h>

#include "base/status.h"

/* Merge the n shard files paths into out_path; *rows receives the row count. */
base_status sim_merge(const char *const *paths, size_t n, const char *out_path, int force,
                      size_t *rows, base_err *err);

#endif
