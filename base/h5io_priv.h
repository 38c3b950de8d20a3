/* h5io_priv.h -- what the two halves of the HDF5 wrapper share (base/h5io.c:
 * files, tensors, attributes, listing; base/h5table.c: compound tables,
 * arrays, dimension scales). Internal to base/h5*.c: nothing else includes it,
 * so hdf5.h stays inside the wrapper. */
#ifndef BASE_H5IO_PRIV_H
#define BASE_H5IO_PRIV_H

#include <hdf5.h>

#include "base/h5io.h"

struct base_h5 {
    hid_t file;
    char *path;    /* what the caller named */
    char *partial; /* PATH.partial when writing, else NULL */
    int failed;    /* a write failed: close must not commit */
    char *seal;    /* sealed file's tag (base/h5seal.c), else NULL */
};

/* Create PATH.partial with a user block of userblock bytes (0: none). */
base_status base_h5i_create(const char *path, size_t userblock, base_h5 **out, base_err *err);

/* Fill the user block of a closed sealed partial file (base/h5seal.c). */
base_status base_h5i_seal_write(const char *file, const char *tag, const char *path, base_err *err);

/* The calling thread's automatic error printing, switched off between begin
 * and end and restored afterwards. */
typedef struct base_h5i_quiet {
    H5E_auto2_t func;
    void *data;
} base_h5i_quiet;
void base_h5i_quiet_begin(base_h5i_quiet *q);
void base_h5i_quiet_end(const base_h5i_quiet *q);

/* Error naming the file, with HDF5's most specific reason appended; marks a
 * file open for writing as failed (close will not commit it). */
base_status base_h5i_fail(base_h5 *h, base_err *err, base_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Close any HDF5 id (dataset, group, type, space, attribute, property list,
 * object); a negative id is skipped. When the close fails and *st is still
 * BASE_OK, *st becomes a BASE_EIO error naming what. On a path that has
 * already failed, plain H5?close calls are fine: the first error is the one
 * reported. */
void base_h5i_close(base_h5 *h, hid_t id, const char *what, base_status *st, base_err *err);

/* Whether every component of path exists (H5Lexists alone fails on a missing
 * intermediate group). */
int base_h5i_path_exists(hid_t file, const char *path);

/* A link-creation list that makes missing groups on the way; utf8 also marks
 * the new link names UTF-8 (model files do; results files never did). */
hid_t base_h5i_lcpl(int utf8);

/* Open obj ("/" or a group path) for attributes, creating the group (and
 * its parents) when create. */
hid_t base_h5i_open_obj(base_h5 *h, const char *obj, int create);

/* Argument checks shared by writers: h open for writing, name usable. */
base_status base_h5i_check_write(base_h5 *h, const char *name, base_err *err);

#endif
