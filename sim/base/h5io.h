/* h5io.h -- a small HDF5 wrapper for named float32 tensors and attributes.
 *
 * Part of semsim's base. Besides sim/'s results writer this is the only place
 * that includes hdf5.h: model files (codecs/modelfile) and anything else that
 * stores tensors go through it, so HDF5's error stack is turned into sim_status
 * + sim_err (naming the file) in one place.
 *
 * Object paths: "/" is the root; "params" or "/params" a group; a tensor name
 * "params/enc.conv0.w" is a dataset (dots are ordinary characters in HDF5 link
 * names; '/' separates groups). Writing a tensor or an attribute creates the
 * groups on its path.
 *
 * Writing goes to PATH.partial; sim_h5_close renames it to PATH only when every
 * write succeeded, so a failed or interrupted save never leaves a truncated PATH
 * or destroys an older one. sim_h5_discard drops the partial file instead.
 *
 * HDF5's automatic error printing: every function here saves the calling
 * thread's automatic error handler, turns it off while it calls HDF5, and
 * restores it before returning, so no global setting leaks to other HDF5 users
 * (Debian's libhdf5 is built thread-safe, and there the handler is per thread).
 * Errors reach the caller as one message instead of HDF5's stack dump.
 *
 * Thread safety: one sim_h5 handle must be used by one thread at a time.
 */
#ifndef SIM_BASE_H5IO_H
#define SIM_BASE_H5IO_H

#include "sim/base/status.h"

#include <stddef.h>
#include <stdint.h>

#define SIM_H5_MAX_RANK 4

typedef struct sim_h5 sim_h5;

/* Create PATH.partial for writing (truncating an old partial file). An existing
 * PATH is left alone until sim_h5_close renames over it. */
sim_status sim_h5_create(const char *path, sim_h5 **out, sim_err *err);

/* Open an existing file read-only. A missing file, a file that is not HDF5 and
 * a truncated HDF5 file each give a clear error naming PATH. */
sim_status sim_h5_open(const char *path, sim_h5 **out, sim_err *err);

/* Close. For a file opened with sim_h5_create: flush and rename PATH.partial to
 * PATH; on any failure (including an earlier failed write) the partial file is
 * removed and PATH is untouched. NULL is a no-op returning SIM_OK. */
sim_status sim_h5_close(sim_h5 *h, sim_err *err);

/* Close without committing: a written file's PATH.partial is removed. NULL ok. */
void sim_h5_discard(sim_h5 *h);

/* The path the caller named (not the .partial one), for messages. */
const char *sim_h5_path(const sim_h5 *h);

/* Write a float32 tensor of the given rank (1..4) and shape (each > 0) under
 * name (see path rules above). Fails with SIM_EEXIST if name exists. */
sim_status sim_h5_write_tensor(sim_h5 *h, const char *name, int rank, const size_t *shape,
                               const float *data, sim_err *err);

/* Whether a tensor (dataset) called name exists: 1 yes, 0 no. */
int sim_h5_has_tensor(sim_h5 *h, const char *name);

/* Rank and shape (shape has room for SIM_H5_MAX_RANK) of tensor name. A missing
 * name gives SIM_ENOTFOUND; a non-float dataset or rank outside 1..4 gives
 * SIM_EFORMAT. */
sim_status sim_h5_tensor_shape(sim_h5 *h, const char *name, int *rank, size_t *shape, sim_err *err);

/* Read tensor name into data, which holds n floats; n must equal the product of
 * its shape. float64 datasets are converted to float32 by HDF5; float32 data is
 * read bit-exactly. */
sim_status sim_h5_read_tensor(sim_h5 *h, const char *name, float *data, size_t n, sim_err *err);

/* Attributes on the object at obj ("/" for the root, or a group path; groups
 * are created when writing). Strings are written as variable-length UTF-8 (what
 * h5py writes for a Python str); reading accepts fixed- and variable-length
 * strings. Integers are written as int64 and read from any integer type;
 * doubles are written as float64 and read from any float or integer type.
 * Writing replaces an attribute of the same name. */
sim_status sim_h5_write_attr_str(sim_h5 *h, const char *obj, const char *name, const char *value,
                                 sim_err *err);
sim_status sim_h5_write_attr_int(sim_h5 *h, const char *obj, const char *name, int64_t value,
                                 sim_err *err);
sim_status sim_h5_write_attr_double(sim_h5 *h, const char *obj, const char *name, double value,
                                    sim_err *err);

/* Missing attribute: SIM_ENOTFOUND ("FILE: attribute 'x' missing on /").
 * Wrong type (a string where a number is expected, a float for an integer, or
 * more than one element): SIM_EFORMAT. read_attr_str writes at most n bytes
 * including the terminating NUL; a longer value gives SIM_ERANGE. */
sim_status sim_h5_read_attr_str(sim_h5 *h, const char *obj, const char *name, char *buf, size_t n,
                                sim_err *err);
sim_status sim_h5_read_attr_int(sim_h5 *h, const char *obj, const char *name, int64_t *value,
                                sim_err *err);
sim_status sim_h5_read_attr_double(sim_h5 *h, const char *obj, const char *name, double *value,
                                   sim_err *err);

/* What an attribute holds, for loaders that accept several types. */
typedef enum sim_h5_attr_kind {
    SIM_H5_ATTR_MISSING = 0,
    SIM_H5_ATTR_STRING,
    SIM_H5_ATTR_INT,
    SIM_H5_ATTR_FLOAT,
    SIM_H5_ATTR_OTHER,
} sim_h5_attr_kind;
sim_h5_attr_kind sim_h5_attr_kind_of(sim_h5 *h, const char *obj, const char *name);

/* What a name in a listing is. */
typedef enum sim_h5_kind { SIM_H5_GROUP = 1, SIM_H5_DATASET = 2, SIM_H5_OTHER = 3 } sim_h5_kind;

/* Names directly under group obj (links) or of its attributes, in creation-
 * independent (alphabetical) order. On success *names is a malloc'd array of
 * *count malloc'd strings (free with sim_h5_names_free); kinds, when non-NULL,
 * receives a malloc'd array of sim_h5_kind for sim_h5_list (free()). */
sim_status sim_h5_list(sim_h5 *h, const char *obj, char ***names, sim_h5_kind **kinds,
                       size_t *count, sim_err *err);
sim_status sim_h5_list_attrs(sim_h5 *h, const char *obj, char ***names, size_t *count,
                             sim_err *err);
void sim_h5_names_free(char **names, size_t count);

#endif
