/* h5table.h -- compound tables, plain arrays and dimension scales in a file of
 * the HDF5 wrapper (base/h5io.h).
 *
 * A table is a 1-D dataset of compound rows described by column descriptors:
 * each column has a name, a type and the byte offset of its value in the
 * caller's row struct. The file stores the rows with exactly that layout
 * (native numbers, fixed-length strings of the given size, variable-length
 * UTF-8 strings held as const char * in the row), so h5py and the C API read
 * the columns by name. A table created extendible (chunk > 0) grows by
 * appending rows; reading may name a subset of the columns.
 *
 * Arrays are N-d datasets of one column type; dimension scales make them
 * coordinates for xarray/netCDF readers (HDF5's H5DS convention).
 *
 * Names follow h5io.h's path rules; writing creates missing parent groups.
 * Every function returns BASE_OK or a base_status error naming the file.
 */
#ifndef BASE_H5TABLE_H
#define BASE_H5TABLE_H

#include <stddef.h>

#include "base/h5io.h"

typedef enum base_h5_type {
    BASE_H5_F64 = 1, /* double                                              */
    BASE_H5_I64,     /* int64_t                                             */
    BASE_H5_STR,     /* char[size]: fixed-length ASCII, NUL-terminated      */
    BASE_H5_VSTR     /* const char *: variable-length UTF-8 (NULL not allowed) */
} base_h5_type;

typedef struct base_h5_col {
    const char *name;
    base_h5_type type;
    size_t offset; /* byte offset of the value in a row                     */
    size_t size;   /* BASE_H5_STR: bytes (including the NUL); else ignored  */
} base_h5_col;

/* Columns in file order, and the size of one row in bytes. */
typedef struct base_h5_table {
    const base_h5_col *cols;
    size_t n_cols;
    size_t row_size;
} base_h5_table;

/* Create table name holding the n rows at rows (n may be 0; rows may then be
 * NULL). chunk > 0: extendible, stored in chunks of that many rows; 0: fixed
 * size. BASE_EEXIST if name exists. */
base_status base_h5_table_create(base_h5 *h, const char *name, const base_h5_table *t, size_t chunk,
                                 const void *rows, size_t n, base_err *err);

/* Append n rows at the end of an extendible table. */
base_status base_h5_table_append(base_h5 *h, const char *name, const base_h5_table *t,
                                 const void *rows, size_t n, base_err *err);

/* Number of rows of table name (BASE_ENOTFOUND if missing). */
base_status base_h5_table_len(base_h5 *h, const char *name, size_t *n, base_err *err);

/* Read all n rows (n must equal the table's length) into rows, laid out as t
 * says; t may list a subset of the file's columns, matched by name (a
 * column the file lacks is BASE_EFORMAT).
 * BASE_VSTR columns are not supported here (BASE_EINVAL). */
base_status base_h5_table_read(base_h5 *h, const char *name, const base_h5_table *t, void *rows,
                               size_t n, base_err *err);

#define BASE_H5_MAX_ARRAY_RANK 32

/* Write an N-d array (rank 1..BASE_H5_MAX_ARRAY_RANK, row-major) of doubles
 * (BASE_H5_F64), int64_t (BASE_H5_I64) or const char * (BASE_H5_VSTR). */
base_status base_h5_write_array(base_h5 *h, const char *name, base_h5_type type, int rank,
                                const size_t *shape, const void *data, base_err *err);

/* Make dataset name a dimension scale called dim_name (H5DSset_scale). */
base_status base_h5_set_scale(base_h5 *h, const char *name, const char *dim_name, base_err *err);

/* Attach dimension scale scale to dimension dim of dataset name. */
base_status base_h5_attach_scale(base_h5 *h, const char *name, const char *scale, unsigned dim,
                                 base_err *err);

#endif
