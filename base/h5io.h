/* h5io.h -- the one HDF5 wrapper: files, named float32 tensors, attributes
 * and links (compound tables, arrays and dimension scales: base/h5table.h).
 *
 * Part of semsim's base. base/h5*.c are the only files that include hdf5.h:
 * model files (codecs/modelfile), the results file (sim/output) and anything
 * else that stores data go through it, so HDF5's error stack is turned into
 * base_status + base_err (naming the file) in one place. Every HDF5 close and
 * flush is checked: a failed one is an error, never ignored.
 *
 * Object paths: "/" is the root; "params" or "/params" a group; a tensor name
 * "params/enc.conv0.w" is a dataset (dots are ordinary characters in HDF5 link
 * names; '/' separates groups). Writing a tensor or an attribute creates the
 * groups on its path.
 *
 * Writing goes to PATH.partial; base_h5_close renames it to PATH only when every
 * write succeeded, so a failed or interrupted save never leaves a truncated PATH
 * or destroys an older one. base_h5_discard drops the partial file instead.
 *
 * HDF5's automatic error printing: every function here saves the calling
 * thread's automatic error handler, turns it off while it calls HDF5, and
 * restores it before returning, so no global setting leaks to other HDF5 users
 * (Debian's libhdf5 is built thread-safe, and there the handler is per thread).
 * Errors reach the caller as one message instead of HDF5's stack dump.
 *
 * Thread safety: one base_h5 handle must be used by one thread at a time.
 */
#ifndef BASE_H5IO_H
#define BASE_H5IO_H

#include "base/status.h"

#include <stddef.h>
#include <stdint.h>

#define BASE_H5_MAX_RANK 4

typedef struct base_h5 base_h5;

/* Call once at the start of main, before any other HDF5 use: HDF5 then skips
 * its atexit clean-up. semsim closes every file it opens, and checks each
 * close; after a failed close (a full disk) HDF5's own exit-time clean-up
 * would touch the failed file again and crash. */
void base_h5_process_init(void);
/* Create PATH.partial for writing (truncating an old partial file). An existing
 * PATH is left alone until base_h5_close renames over it. */
base_status base_h5_create(const char *path, base_h5 **out, base_err *err);

/* Open an existing file read-only. A missing file, a file that is not HDF5 and
 * a truncated HDF5 file each give a clear error naming PATH. */
base_status base_h5_open(const char *path, base_h5 **out, base_err *err);

/* Sealed files (base/h5seal.c): an HDF5 file whose first BASE_H5_SEAL_BLOCK
 * bytes (an HDF5 user block) hold an integrity header: a magic, the tag given
 * (a short printable word naming the file's format, e.g. "semsim-agent"), the
 * length and a 64-bit FNV-1a hash of every byte after the block.
 * create_sealed is base_h5_create plus the user block; base_h5_close fills the
 * header before it renames the file into place. open_sealed checks the header
 * with plain stdio BEFORE libhdf5 sees the file, so a damaged file never
 * reaches the library: BASE_EFORMAT "file is corrupt (checksum mismatch)",
 * "(truncated: ...)", "(integrity header damaged)", "is a sealed 'x' file,
 * expected 'y'"; BASE_EUNSUPPORTED for an HDF5 file without the header;
 * BASE_EIO when it cannot be read. check_seal is the check alone. */
#define BASE_H5_SEAL_BLOCK 512
base_status base_h5_create_sealed(const char *path, const char *tag, base_h5 **out, base_err *err);
base_status base_h5_open_sealed(const char *path, const char *tag, base_h5 **out, base_err *err);
base_status base_h5_check_seal(const char *path, const char *tag, base_err *err);

/* Close (checked). For a file opened with base_h5_create or base_h5_resume: rename PATH.partial to
 * PATH; on any failure (including an earlier failed write) the partial file is
 * removed and PATH is untouched. NULL is a no-op returning BASE_OK. */
base_status base_h5_close(base_h5 *h, base_err *err);

/* Reopen an existing PATH.partial (left by base_h5_close_partial or a killed
 * writer) for reading and writing, to carry on where it stopped. A missing
 * partial file gives BASE_ENOTFOUND; a damaged one BASE_EFORMAT. */
base_status base_h5_resume(const char *path, base_h5 **out, base_err *err);

/* Flush everything written so far to disk (BASE_EIO when that fails). */
base_status base_h5_flush(base_h5 *h, base_err *err);

/* Close without renaming: a written file stays PATH.partial (for a later
 * base_h5_resume). The close is checked; h is freed either way. NULL ok. */
base_status base_h5_close_partial(base_h5 *h, base_err *err);

/* Close without committing: a written file's PATH.partial is removed. NULL ok. */
void base_h5_discard(base_h5 *h);

/* The path the caller named (not the .partial one), for messages. */
const char *base_h5_path(const base_h5 *h);

/* Write a float32 tensor of the given rank (1..4) and shape (each > 0) under
 * name (see path rules above). Fails with BASE_EEXIST if name exists. */
base_status base_h5_write_tensor(base_h5 *h, const char *name, int rank, const size_t *shape,
                                 const float *data, base_err *err);

/* Whether a tensor (dataset) called name exists: 1 yes, 0 no. */
int base_h5_has_tensor(base_h5 *h, const char *name);

/* Rank and shape (shape has room for BASE_H5_MAX_RANK) of tensor name. A missing
 * name gives BASE_ENOTFOUND; a non-float dataset or rank outside 1..4 gives
 * BASE_EFORMAT. */
base_status base_h5_tensor_shape(base_h5 *h, const char *name, int *rank, size_t *shape,
                                 base_err *err);

/* Read tensor name into data, which holds n floats; n must equal the product of
 * its shape. float64 datasets are converted to float32 by HDF5; float32 data is
 * read bit-exactly. */
base_status base_h5_read_tensor(base_h5 *h, const char *name, float *data, size_t n, base_err *err);

/* Attributes on the object at obj ("/" for the root, or a group path; groups
 * are created when writing). Strings are written as variable-length UTF-8 (what
 * h5py writes for a Python str); reading accepts fixed- and variable-length
 * strings. Integers are written as int64 and read from any integer type;
 * doubles are written as float64 and read from any float or integer type.
 * Writing replaces an attribute of the same name. */
base_status base_h5_write_attr_str(base_h5 *h, const char *obj, const char *name, const char *value,
                                   base_err *err);
base_status base_h5_write_attr_int(base_h5 *h, const char *obj, const char *name, int64_t value,
                                   base_err *err);
base_status base_h5_write_attr_double(base_h5 *h, const char *obj, const char *name, double value,
                                      base_err *err);
/* The layout HDF5's high-level H5LT setters give (the results file's
 * attributes, docs/hdf5.md): a scalar fixed-length ASCII string of
 * strlen + 1 bytes, NUL-terminated; a native long long array of one element. */
base_status base_h5_write_attr_str_fixed(base_h5 *h, const char *obj, const char *name,
                                         const char *value, base_err *err);
base_status base_h5_write_attr_int1(base_h5 *h, const char *obj, const char *name, int64_t value,
                                    base_err *err);

/* Missing attribute: BASE_ENOTFOUND ("FILE: attribute 'x' missing on /").
 * Wrong type (a string where a number is expected, a float for an integer, or
 * more than one element): BASE_EFORMAT. read_attr_str writes at most n bytes
 * including the terminating NUL; a longer value gives BASE_ERANGE. */
base_status base_h5_read_attr_str(base_h5 *h, const char *obj, const char *name, char *buf,
                                  size_t n, base_err *err);
/* A string attribute of any length as a malloc'd copy (free()). */
base_status base_h5_read_attr_strdup(base_h5 *h, const char *obj, const char *name, char **out,
                                     base_err *err);
base_status base_h5_read_attr_int(base_h5 *h, const char *obj, const char *name, int64_t *value,
                                  base_err *err);
base_status base_h5_read_attr_double(base_h5 *h, const char *obj, const char *name, double *value,
                                     base_err *err);

/* What an attribute holds, for loaders that accept several types. */
typedef enum base_h5_attr_kind {
    BASE_H5_ATTR_MISSING = 0,
    BASE_H5_ATTR_STRING,
    BASE_H5_ATTR_INT,
    BASE_H5_ATTR_FLOAT,
    BASE_H5_ATTR_OTHER,
} base_h5_attr_kind;
base_h5_attr_kind base_h5_attr_kind_of(base_h5 *h, const char *obj, const char *name);

/* What a name in a listing is. */
typedef enum base_h5_kind {
    BASE_H5_GROUP = 1,
    BASE_H5_DATASET = 2,
    BASE_H5_OTHER = 3
} base_h5_kind;

/* Links. exists: 1 when every component of path exists, else 0. delete:
 * unlink path (BASE_ENOTFOUND if missing). create_group: a new group with
 * any missing parents (BASE_EEXIST if path exists). */
int base_h5_exists(base_h5 *h, const char *path);
base_status base_h5_delete(base_h5 *h, const char *path, base_err *err);
base_status base_h5_create_group(base_h5 *h, const char *path, base_err *err);

/* Names directly under group obj (links) or of its attributes, in creation-
 * independent (alphabetical) order. On success *names is a malloc'd array of
 * *count malloc'd strings (free with base_h5_names_free); kinds, when non-NULL,
 * receives a malloc'd array of base_h5_kind for base_h5_list (free()). */
base_status base_h5_list(base_h5 *h, const char *obj, char ***names, base_h5_kind **kinds,
                         size_t *count, base_err *err);
base_status base_h5_list_attrs(base_h5 *h, const char *obj, char ***names, size_t *count,
                               base_err *err);
void base_h5_names_free(char **names, size_t count);

/* Copy the object at src_path of src (a group with everything under it, or a
 * dataset, with attributes) to dst_path in dst, which is open for writing
 * (missing parent groups are made; BASE_EEXIST if dst_path exists).
 * base/h5copy.c. */
base_status base_h5_copy(base_h5 *src, const char *src_path, base_h5 *dst, const char *dst_path,
                         base_err *err);

#endif
