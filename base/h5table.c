/* h5table.c -- compound tables, arrays and dimension scales (see h5table.h).
 *
 * The second half of the HDF5 wrapper (base/h5io.c holds files, tensors and
 * attributes). Types are built from the caller's column descriptors on every
 * call: tables are written a row at a time at most, so this costs nothing
 * next to the write, and no HDF5 ids outlive a call. */
#include "base/h5table.h"

#include <hdf5_hl.h>
#include <stdlib.h>

#include "base/h5io_priv.h"

/* The HDF5 type of one column or array element (a new id, or -1). */
static hid_t elem_type(base_h5_type type, size_t size)
{
    hid_t t = H5I_INVALID_HID;
    switch (type) {
    case BASE_H5_F64:
        return H5Tcopy(H5T_NATIVE_DOUBLE);
    case BASE_H5_I64:
        return H5Tcopy(H5T_NATIVE_INT64);
    case BASE_H5_STR:
        if (size == 0) return H5I_INVALID_HID;
        t = H5Tcopy(H5T_C_S1);
        if (t >= 0 && H5Tset_size(t, size) < 0) goto bad;
        return t;
    case BASE_H5_VSTR:
        t = H5Tcopy(H5T_C_S1);
        if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0))
            goto bad;
        return t;
    }
    return H5I_INVALID_HID;
bad:
    H5Tclose(t);
    return H5I_INVALID_HID;
}

/* The compound row type of t (a new id), or an error. */
static base_status row_type(base_h5 *h, const base_h5_table *t, int allow_vstr, hid_t *out,
                            base_err *err)
{
    *out = H5I_INVALID_HID;
    if (!t || !t->cols || !t->n_cols || !t->row_size)
        return base_err_set(err, BASE_EINVAL, base_h5_path(h), 0, "table without columns");
    base_status st = BASE_OK;
    hid_t rt = H5Tcreate(H5T_COMPOUND, t->row_size);
    if (rt < 0) return base_h5i_fail(h, err, BASE_EINTERNAL, "cannot build a row type");
    for (size_t i = 0; i < t->n_cols && !st; i++) {
        const base_h5_col *c = &t->cols[i];
        if (!c->name || (c->type == BASE_H5_VSTR && !allow_vstr)) {
            st = base_err_set(err, BASE_EINVAL, base_h5_path(h), 0, "column %zu: %s", i,
                              c->name ? "variable-length strings cannot be read back" : "no name");
            break;
        }
        hid_t ct = elem_type(c->type, c->size);
        if (ct < 0 || H5Tinsert(rt, c->name, c->offset, ct) < 0)
            st = base_h5i_fail(h, err, BASE_EINVAL, "column %s does not fit the row", c->name);
        base_h5i_close(h, ct, "a column type", &st, err);
    }
    if (st)
        H5Tclose(rt);
    else
        *out = rt;
    return st;
}

/* Open dataset name (BASE_ENOTFOUND when missing). */
static base_status open_dataset(base_h5 *h, const char *name, hid_t *out, base_err *err)
{
    *out = H5I_INVALID_HID;
    if (!base_h5i_path_exists(h->file, name))
        return base_err_set(err, BASE_ENOTFOUND, h->path, 0, "%s missing", name);
    *out = H5Dopen2(h->file, name, H5P_DEFAULT);
    if (*out < 0) return base_h5i_fail(h, err, BASE_EFORMAT, "cannot open %s", name);
    return BASE_OK;
}

/* Create dataset name of type ft and the given shape (chunk > 0: 1-D,
 * unlimited, chunked) and write data (memory type ft) unless it is empty. */
static base_status create_write(base_h5 *h, const char *name, hid_t ft, int rank,
                                const hsize_t *dims, size_t chunk, const void *data, base_err *err)
{
    if (base_h5i_path_exists(h->file, name))
        return base_err_set(err, BASE_EEXIST, h->path, 0, "%s exists", name);
    base_status st = BASE_OK;
    hsize_t maxd[1] = {H5S_UNLIMITED}, cdims[1] = {chunk};
    hid_t space = H5Screate_simple(rank, dims, chunk ? maxd : NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), lcpl = base_h5i_lcpl(0);
    hid_t ds = H5I_INVALID_HID;
    if (space < 0 || dcpl < 0 || lcpl < 0 || (chunk && H5Pset_chunk(dcpl, 1, cdims) < 0))
        st = base_h5i_fail(h, err, BASE_EINTERNAL, "cannot set up %s", name);
    else if ((ds = H5Dcreate2(h->file, name, ft, space, lcpl, chunk ? dcpl : H5P_DEFAULT,
                              H5P_DEFAULT)) < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot create %s", name);
    else if (H5Sget_simple_extent_npoints(space) > 0) {
        /* a type-conversion buffer the size of the data (at least 64 KiB): HDF5's
         * default zero-fills 2 MiB for every write that converts (variable-length
         * strings do), which made a results file's per-row tables cost ms each */
        size_t need = (size_t)H5Sget_simple_extent_npoints(space) * H5Tget_size(ft);
        hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
        if (dxpl >= 0) H5Pset_buffer(dxpl, need < 65536 ? 65536 : need, NULL, NULL);
        if (H5Dwrite(ds, ft, H5S_ALL, H5S_ALL, dxpl >= 0 ? dxpl : H5P_DEFAULT, data) < 0)
            st = base_h5i_fail(h, err, BASE_EIO, "cannot write %s", name);
        base_h5i_close(h, dxpl, "a property list", &st, err);
    }
    base_h5i_close(h, ds, name, &st, err);
    base_h5i_close(h, lcpl, "a property list", &st, err);
    base_h5i_close(h, dcpl, "a property list", &st, err);
    base_h5i_close(h, space, "a dataspace", &st, err);
    return st;
}

base_status base_h5_table_create(base_h5 *h, const char *name, const base_h5_table *t, size_t chunk,
                                 const void *rows, size_t n, base_err *err)
{
    base_status st = base_h5i_check_write(h, name, err);
    if (st) return st;
    if (n && !rows) return base_err_set(err, BASE_EINVAL, h->path, 0, "%s: no rows", name);
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t rt;
    hsize_t dims[1] = {n};
    if (!(st = row_type(h, t, 1, &rt, err))) {
        st = create_write(h, name, rt, 1, dims, chunk, rows, err);
        base_h5i_close(h, rt, "a row type", &st, err);
    }
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

/* Rows of open dataset ds into *n. */
static base_status extent(base_h5 *h, hid_t ds, const char *name, size_t *n, base_err *err)
{
    base_status st = BASE_OK;
    hid_t space = H5Dget_space(ds);
    hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (np < 0) st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot read the size of %s", name);
    base_h5i_close(h, space, "a dataspace", &st, err);
    *n = np < 0 ? 0 : (size_t)np;
    return st;
}

base_status base_h5_table_append(base_h5 *h, const char *name, const base_h5_table *t,
                                 const void *rows, size_t n, base_err *err)
{
    base_status st = base_h5i_check_write(h, name, err);
    if (st) return st;
    if (!n) return BASE_OK;
    if (!rows) return base_err_set(err, BASE_EINVAL, h->path, 0, "%s: no rows", name);
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t rt = H5I_INVALID_HID, ds = H5I_INVALID_HID, fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
    size_t len = 0;
    if ((st = row_type(h, t, 1, &rt, err)) || (st = open_dataset(h, name, &ds, err)) ||
        (st = extent(h, ds, name, &len, err)))
        goto done;
    hsize_t size[1] = {len + n}, start[1] = {len}, count[1] = {n};
    if (H5Dset_extent(ds, size) < 0 || (fs = H5Dget_space(ds)) < 0 ||
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (ms = H5Screate_simple(1, count, NULL)) < 0 ||
        H5Dwrite(ds, rt, ms, fs, H5P_DEFAULT, rows) < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot append to %s", name);
done:
    base_h5i_close(h, ms, "a dataspace", &st, err);
    base_h5i_close(h, fs, "a dataspace", &st, err);
    base_h5i_close(h, ds, name, &st, err);
    base_h5i_close(h, rt, "a row type", &st, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_table_len(base_h5 *h, const char *name, size_t *n, base_err *err)
{
    if (!h || !name || !n) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t ds;
    base_status st = open_dataset(h, name, &ds, err);
    if (!st) st = extent(h, ds, name, n, err);
    base_h5i_close(h, ds, name, &st, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

/* HDF5 fills a member missing from the file with nothing and says nothing:
 * check every requested column is there, by name. */
static base_status has_columns(base_h5 *h, hid_t ds, const char *name, const base_h5_table *t,
                               base_err *err)
{
    base_status st = BASE_OK;
    hid_t ft = H5Dget_type(ds);
    if (ft < 0 || H5Tget_class(ft) != H5T_COMPOUND)
        st = base_err_set(err, BASE_EFORMAT, h->path, 0, "%s is not a table", name);
    for (size_t i = 0; !st && i < t->n_cols; i++)
        if (H5Tget_member_index(ft, t->cols[i].name) < 0)
            st = base_err_set(err, BASE_EFORMAT, h->path, 0, "%s has no column %s", name,
                              t->cols[i].name);
    base_h5i_close(h, ft, "a type", &st, err);
    return st;
}

base_status base_h5_table_read(base_h5 *h, const char *name, const base_h5_table *t, void *rows,
                               size_t n, base_err *err)
{
    if (!h || !name || (n && !rows))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t rt = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    size_t len = 0;
    base_status st;
    if ((st = row_type(h, t, 0, &rt, err)) || (st = open_dataset(h, name, &ds, err)) ||
        (st = extent(h, ds, name, &len, err)))
        goto done;
    if ((st = has_columns(h, ds, name, t, err))) goto done;
    if (len != n)
        st = base_err_set(err, BASE_EFORMAT, h->path, 0, "%s has %zu rows, expected %zu", name, len,
                          n);
    else if (n && H5Dread(ds, rt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)
        st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot read %s", name);
done:
    base_h5i_close(h, ds, name, &st, err);
    base_h5i_close(h, rt, "a row type", &st, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

/* ---- arrays and dimension scales ------------------------------------------------ */

base_status base_h5_write_array(base_h5 *h, const char *name, base_h5_type type, int rank,
                                const size_t *shape, const void *data, base_err *err)
{
    base_status st = base_h5i_check_write(h, name, err);
    if (st) return st;
    if (rank < 1 || rank > BASE_H5_MAX_ARRAY_RANK || !shape || !data || type == BASE_H5_STR)
        return base_err_set(err, BASE_EINVAL, h->path, 0, "array %s: bad rank, type or data", name);
    hsize_t dims[BASE_H5_MAX_ARRAY_RANK];
    for (int i = 0; i < rank; i++) dims[i] = shape[i];
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t t = elem_type(type, 0);
    if (t < 0)
        st = base_h5i_fail(h, err, BASE_EINVAL, "array %s: bad element type", name);
    else
        st = create_write(h, name, t, rank, dims, 0, data, err);
    base_h5i_close(h, t, "a type", &st, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

/* Open datasets a and (when b) b, then run H5DSset_scale / H5DSattach_scale. */
static base_status scale_op(base_h5 *h, const char *a, const char *b, const char *dim_name,
                            unsigned dim, base_err *err)
{
    base_status st = base_h5i_check_write(h, a, err);
    if (st) return st;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t da = H5I_INVALID_HID, db = H5I_INVALID_HID;
    if (!(st = open_dataset(h, a, &da, err)) && (!b || !(st = open_dataset(h, b, &db, err)))) {
        herr_t r = b ? H5DSattach_scale(da, db, dim) : H5DSset_scale(da, dim_name);
        if (r < 0)
            st = b ? base_h5i_fail(h, err, BASE_EIO, "cannot attach scale %s to %s", b, a)
                   : base_h5i_fail(h, err, BASE_EIO, "cannot make %s a dimension scale", a);
    }
    base_h5i_close(h, db, b ? b : "", &st, err);
    base_h5i_close(h, da, a, &st, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_set_scale(base_h5 *h, const char *name, const char *dim_name, base_err *err)
{
    if (!dim_name) return base_err_set(err, BASE_EINVAL, base_h5_path(h), 0, "no scale name");
    return scale_op(h, name, NULL, dim_name, 0, err);
}

base_status base_h5_attach_scale(base_h5 *h, const char *name, const char *scale, unsigned dim,
                                 base_err *err)
{
    if (!scale) return base_err_set(err, BASE_EINVAL, base_h5_path(h), 0, "no scale");
    return scale_op(h, name, scale, NULL, dim, err);
}
