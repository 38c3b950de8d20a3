/* h5io.c -- HDF5 wrapper for tensors and attributes (see h5io.h).
 *
 * Every public function brackets its HDF5 calls with quiet_begin/quiet_end:
 * HDF5 would otherwise print its whole error stack to stderr on the first
 * failed call (a missing attribute, a non-HDF5 file). We save the calling
 * thread's handler, switch it off, and restore it, and instead read the most
 * specific message from the error stack into the base_err.
 */
#include "base/h5io.h"

#include <hdf5.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct base_h5 {
    hid_t file;
    char *path;    /* what the caller named */
    char *partial; /* PATH.partial when writing, else NULL */
    int failed;    /* a write failed: close must not commit */
};

typedef struct quiet {
    H5E_auto2_t func;
    void *data;
} quiet;

static void quiet_begin(quiet *q)
{
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const quiet *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

static herr_t first_error_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    if (n == 0) {
        if (e->desc && e->desc[0])
            snprintf(buf, 200, "%s", e->desc);
        else if (H5Eget_msg(e->min_num, NULL, buf, 200) < 0)
            buf[0] = 0;
    }
    return 0;
}

/* The most specific message on the thread's HDF5 error stack ("" if none),
 * then clear the stack so the next error starts fresh. */
static const char *hdf5_detail(char *buf)
{
    buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error_cb, buf);
    H5Eclear2(H5E_DEFAULT);
    return buf;
}

/* Error naming the file, with HDF5's reason appended when it has one. */
static base_status h5_fail(base_h5 *h, base_err *err, base_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static base_status h5_fail(base_h5 *h, base_err *err, base_status code, const char *fmt, ...)
{
    char what[BASE_ERR_MSG], detail[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    hdf5_detail(detail);
    if (h && h->partial) h->failed = 1;
    if (detail[0])
        return base_err_set(err, code, h ? h->path : NULL, 0, "%s (HDF5: %s)", what, detail);
    return base_err_set(err, code, h ? h->path : NULL, 0, "%s", what);
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void handle_free(base_h5 *h)
{
    if (!h) return;
    free(h->path);
    free(h->partial);
    free(h);
}

static base_status handle_new(const char *path, int writing, base_h5 **out, base_err *err)
{
    base_h5 *h = calloc(1, sizeof *h);
    if (!h) return base_err_set(err, BASE_ENOMEM, path, 0, "out of memory");
    h->file = H5I_INVALID_HID;
    h->path = dupstr(path);
    if (writing) {
        size_t n = strlen(path) + sizeof ".partial";
        h->partial = malloc(n);
        if (h->partial) snprintf(h->partial, n, "%s.partial", path);
    }
    if (!h->path || (writing && !h->partial)) {
        handle_free(h);
        return base_err_set(err, BASE_ENOMEM, path, 0, "out of memory");
    }
    *out = h;
    return BASE_OK;
}

static hid_t fapl_strong(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0) H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    return fapl;
}

/* The end of create and open: drop the property list and the quiet bracket, then hand
 * over h, or free it and return st (the h5_fail status) when the file did not open. */
static base_status open_finish(base_h5 *h, hid_t fapl, const quiet *q, base_status st,
                               base_h5 **out)
{
    H5Pclose(fapl);
    quiet_end(q);
    if (h->file < 0) {
        handle_free(h);
        return st;
    }
    *out = h;
    return BASE_OK;
}

base_status base_h5_create(const char *path, base_h5 **out, base_err *err)
{
    if (!path || !*path || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "no file name");
    *out = NULL;
    base_h5 *h = NULL;
    base_status st = handle_new(path, 1, &h, err);
    if (st) return st;
    quiet q;
    quiet_begin(&q);
    hid_t fapl = fapl_strong();
    h->file = H5Fcreate(h->partial, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (h->file < 0) /* before any other HDF5 call, which would clear the error stack */
        st = h5_fail(h, err, BASE_EIO, "cannot create %s", h->partial);
    return open_finish(h, fapl, &q, st, out);
}

base_status base_h5_open(const char *path, base_h5 **out, base_err *err)
{
    if (!path || !*path || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "no file name");
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return base_err_set(err, BASE_EIO, path, 0, "cannot open: %s", strerror(errno));
    if (!S_ISREG(sb.st_mode)) return base_err_set(err, BASE_EIO, path, 0, "not a regular file");
    base_h5 *h = NULL;
    base_status st = handle_new(path, 0, &h, err);
    if (st) return st;
    quiet q;
    quiet_begin(&q);
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        quiet_end(&q);
        handle_free(h);
        return base_err_set(err, BASE_EFORMAT, path, 0, "not an HDF5 file");
    }
    hid_t fapl = fapl_strong();
    h->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (h->file < 0)
        st = h5_fail(h, err, BASE_EFORMAT, "unreadable HDF5 file (truncated or corrupt)");
    return open_finish(h, fapl, &q, st, out);
}

const char *base_h5_path(const base_h5 *h)
{
    return h ? h->path : "";
}

base_status base_h5_close(base_h5 *h, base_err *err)
{
    if (!h) return BASE_OK;
    base_status st = BASE_OK;
    quiet q;
    quiet_begin(&q);
    if (h->file >= 0 && H5Fclose(h->file) < 0)
        st = h5_fail(h, err, BASE_EIO, "cannot close (disk full?)");
    quiet_end(&q);
    if (h->partial) {
        if (!st && h->failed)
            st = base_err_set(err, BASE_EIO, h->path, 0, "not written: an earlier write failed");
        if (!st && rename(h->partial, h->path) != 0)
            st = base_err_set(err, BASE_EIO, h->path, 0, "cannot rename %s: %s", h->partial,
                              strerror(errno));
        if (st) remove(h->partial);
    }
    handle_free(h);
    return st;
}

void base_h5_discard(base_h5 *h)
{
    if (!h) return;
    quiet q;
    quiet_begin(&q);
    if (h->file >= 0) H5Fclose(h->file);
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    if (h->partial) remove(h->partial);
    handle_free(h);
}

/* ---- paths --------------------------------------------------------------- */

/* Whether every component of path exists (H5Lexists fails, rather than
 * returning 0, when an intermediate group is missing). */
static int path_exists(hid_t file, const char *path)
{
    if (!strcmp(path, "/") || !*path) return 1;
    char buf[1024];
    if (strlen(path) >= sizeof buf) return 0;
    strcpy(buf, path);
    for (char *p = buf + (buf[0] == '/');; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            htri_t e = H5Lexists(file, buf, H5P_DEFAULT);
            if (e <= 0) return 0;
            if (!c) return 1;
            *p = c;
        }
    }
}

static int valid_name(const char *name)
{
    return name && *name && strlen(name) < 1000;
}

/* A link-creation list that makes missing groups on the way. */
static hid_t lcpl_intermediate(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0) {
        H5Pset_create_intermediate_group(lcpl, 1);
        H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    }
    return lcpl;
}

/* Open obj ("/" or a group path) for attributes, creating it when create. */
static hid_t open_obj(base_h5 *h, const char *obj, int create)
{
    if (!obj || !*obj || !strcmp(obj, "/")) return H5Oopen(h->file, "/", H5P_DEFAULT);
    if (path_exists(h->file, obj)) return H5Oopen(h->file, obj, H5P_DEFAULT);
    if (!create) return H5I_INVALID_HID;
    hid_t lcpl = lcpl_intermediate();
    hid_t g = H5Gcreate2(h->file, obj, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    return g;
}

static const char *objname(const char *obj)
{
    return obj && *obj ? obj : "/";
}

/* ---- tensors --------------------------------------------------------------- */

base_status base_h5_write_tensor(base_h5 *h, const char *name, int rank, const size_t *shape,
                                 const float *data, base_err *err)
{
    if (!h || !h->partial)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "file not open for writing");
    if (!valid_name(name)) return base_err_set(err, BASE_EINVAL, h->path, 0, "bad tensor name");
    if (rank < 1 || rank > BASE_H5_MAX_RANK || !shape || !data)
        return base_err_set(err, BASE_EINVAL, h->path, 0, "tensor %s: rank %d not in 1..%d", name,
                            rank, BASE_H5_MAX_RANK);
    hsize_t dims[BASE_H5_MAX_RANK];
    for (int i = 0; i < rank; i++) {
        if (shape[i] == 0)
            return base_err_set(err, BASE_EINVAL, h->path, 0, "tensor %s: dimension %d is 0", name,
                                i);
        dims[i] = shape[i];
    }
    base_status st = BASE_OK;
    quiet q;
    quiet_begin(&q);
    if (path_exists(h->file, name)) {
        H5Eclear2(H5E_DEFAULT);
        quiet_end(&q);
        return base_err_set(err, BASE_EEXIST, h->path, 0, "tensor %s written twice", name);
    }
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = lcpl_intermediate();
    hid_t ds = space < 0 ? H5I_INVALID_HID
                         : H5Dcreate2(h->file, name, H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT,
                                      H5P_DEFAULT);
    if (ds < 0)
        st = h5_fail(h, err, BASE_EIO, "cannot create tensor %s", name);
    else if (H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        st = h5_fail(h, err, BASE_EIO, "cannot write tensor %s", name);
    if (ds >= 0) H5Dclose(ds);
    if (lcpl >= 0) H5Pclose(lcpl);
    if (space >= 0) H5Sclose(space);
    quiet_end(&q);
    return st;
}

int base_h5_has_tensor(base_h5 *h, const char *name)
{
    if (!h || !valid_name(name)) return 0;
    quiet q;
    quiet_begin(&q);
    int yes = 0;
    if (path_exists(h->file, name)) {
        hid_t o = H5Oopen(h->file, name, H5P_DEFAULT);
        if (o >= 0) {
            yes = H5Iget_type(o) == H5I_DATASET;
            H5Oclose(o);
        }
    }
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    return yes;
}

/* Open dataset name and check it is a float tensor of rank 1..4. */
static base_status open_tensor(base_h5 *h, const char *name, hid_t *ds_out, int *rank,
                               size_t *shape, base_err *err)
{
    *ds_out = H5I_INVALID_HID;
    if (!path_exists(h->file, name))
        return base_err_set(err, BASE_ENOTFOUND, h->path, 0, "tensor %s missing", name);
    hid_t o = H5Oopen(h->file, name, H5P_DEFAULT);
    if (o < 0) return h5_fail(h, err, BASE_EFORMAT, "cannot open %s", name);
    if (H5Iget_type(o) != H5I_DATASET) {
        H5Oclose(o);
        return base_err_set(err, BASE_EFORMAT, h->path, 0, "%s is not a dataset", name);
    }
    hid_t ds = o;
    hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
    base_status st = BASE_OK;
    int r = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (type < 0 || space < 0 || r < 0) {
        st = h5_fail(h, err, BASE_EFORMAT, "cannot read the type of %s", name);
    } else if (H5Tget_class(type) != H5T_FLOAT) {
        st = base_err_set(err, BASE_EFORMAT, h->path, 0,
                          "tensor %s is not floating point (store it as float32)", name);
    } else if (r < 1 || r > BASE_H5_MAX_RANK) {
        st = base_err_set(err, BASE_EFORMAT, h->path, 0, "tensor %s has rank %d, not 1..%d", name,
                          r, BASE_H5_MAX_RANK);
    } else {
        hsize_t dims[BASE_H5_MAX_RANK];
        H5Sget_simple_extent_dims(space, dims, NULL);
        for (int i = 0; i < r; i++) shape[i] = (size_t)dims[i];
        *rank = r;
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (st)
        H5Dclose(ds);
    else
        *ds_out = ds;
    return st;
}

base_status base_h5_tensor_shape(base_h5 *h, const char *name, int *rank, size_t *shape,
                                 base_err *err)
{
    if (!h || !valid_name(name) || !rank || !shape)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "bad arguments");
    quiet q;
    quiet_begin(&q);
    hid_t ds;
    base_status st = open_tensor(h, name, &ds, rank, shape, err);
    if (!st) H5Dclose(ds);
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    return st;
}

base_status base_h5_read_tensor(base_h5 *h, const char *name, float *data, size_t n, base_err *err)
{
    if (!h || !valid_name(name) || !data)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "bad arguments");
    quiet q;
    quiet_begin(&q);
    hid_t ds;
    int rank = 0;
    size_t shape[BASE_H5_MAX_RANK];
    base_status st = open_tensor(h, name, &ds, &rank, shape, err);
    if (!st) {
        size_t total = 1;
        for (int i = 0; i < rank; i++) total *= shape[i];
        if (total != n)
            st = base_err_set(err, BASE_EFORMAT, h->path, 0,
                              "tensor %s has %zu values, expected %zu", name, total, n);
        else if (H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
            st = h5_fail(h, err, BASE_EFORMAT, "cannot read tensor %s (truncated file?)", name);
        H5Dclose(ds);
    }
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    return st;
}

/* ---- attributes -------------------------------------------------------------- */

static base_status write_attr(base_h5 *h, const char *obj, const char *name, hid_t ftype,
                              hid_t mtype, const void *value, base_err *err)
{
    if (!h || !h->partial)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "file not open for writing");
    if (!valid_name(name)) return base_err_set(err, BASE_EINVAL, h->path, 0, "bad attribute name");
    base_status st = BASE_OK;
    hid_t o = open_obj(h, obj, 1);
    if (o < 0) return h5_fail(h, err, BASE_EIO, "cannot create group %s", objname(obj));
    if (H5Aexists(o, name) > 0) H5Adelete(o, name);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, mtype, value) < 0)
        st = h5_fail(h, err, BASE_EIO, "cannot write attribute %s on %s", name, objname(obj));
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    H5Oclose(o);
    return st;
}

base_status base_h5_write_attr_str(base_h5 *h, const char *obj, const char *name, const char *value,
                                   base_err *err)
{
    if (!value) return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "NULL string");
    quiet q;
    quiet_begin(&q);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    base_status st = write_attr(h, obj, name, t, t, &value, err);
    H5Tclose(t);
    quiet_end(&q);
    return st;
}

/* write_attr for the public numeric writers, inside the quiet bracket. */
static base_status write_attr_quiet(base_h5 *h, const char *obj, const char *name, hid_t ftype,
                                    hid_t mtype, const void *value, base_err *err)
{
    quiet q;
    quiet_begin(&q);
    base_status st = write_attr(h, obj, name, ftype, mtype, value, err);
    quiet_end(&q);
    return st;
}

base_status base_h5_write_attr_int(base_h5 *h, const char *obj, const char *name, int64_t value,
                                   base_err *err)
{
    return write_attr_quiet(h, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value, err);
}

base_status base_h5_write_attr_double(base_h5 *h, const char *obj, const char *name, double value,
                                      base_err *err)
{
    return write_attr_quiet(h, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value, err);
}

/* Open attribute name on obj; check it holds exactly one element. */
static base_status open_attr(base_h5 *h, const char *obj, const char *name, hid_t *a_out,
                             hid_t *type_out, base_err *err)
{
    *a_out = *type_out = H5I_INVALID_HID;
    if (!valid_name(name)) return base_err_set(err, BASE_EINVAL, h->path, 0, "bad attribute name");
    hid_t o = open_obj(h, obj, 0);
    if (o < 0)
        return base_err_set(err, BASE_ENOTFOUND, h->path, 0, "group %s missing", objname(obj));
    htri_t ex = H5Aexists(o, name);
    if (ex <= 0) {
        H5Oclose(o);
        return base_err_set(err, BASE_ENOTFOUND, h->path, 0, "attribute '%s' missing on %s", name,
                            objname(obj));
    }
    hid_t a = H5Aopen(o, name, H5P_DEFAULT);
    H5Oclose(o);
    if (a < 0) return h5_fail(h, err, BASE_EFORMAT, "cannot open attribute '%s'", name);
    hid_t space = H5Aget_space(a);
    hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    if (np != 1) {
        H5Aclose(a);
        return base_err_set(err, BASE_EFORMAT, h->path, 0,
                            "attribute '%s' on %s has %lld values, expected one", name,
                            objname(obj), (long long)np);
    }
    *a_out = a;
    *type_out = H5Aget_type(a);
    return BASE_OK;
}

static base_status read_attr_str(base_h5 *h, const char *obj, const char *name, char *buf, size_t n,
                                 base_err *err)
{
    hid_t a, t;
    base_status st = open_attr(h, obj, name, &a, &t, err);
    if (st) return st;
    if (H5Tget_class(t) != H5T_STRING) {
        st = base_err_set(err, BASE_EFORMAT, h->path, 0, "attribute '%s' on %s is not a string",
                          name, objname(obj));
        goto done;
    }
    char *s = NULL;
    int vlen = H5Tis_variable_str(t) > 0;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(t)); /* HDF5 will not convert UTF-8 <-> ASCII */
    size_t fixed = vlen ? 0 : H5Tget_size(t);
    if (vlen) {
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Aread(a, mt, &s) < 0 || !s) {
            st = h5_fail(h, err, BASE_EFORMAT, "cannot read attribute '%s'", name);
            H5Tclose(mt);
            goto done;
        }
    } else {
        s = calloc(fixed + 1, 1);
        H5Tset_size(mt, fixed + 1);
        H5Tset_strpad(mt, H5T_STR_NULLTERM);
        if (!s || H5Aread(a, mt, s) < 0) {
            st = s ? h5_fail(h, err, BASE_EFORMAT, "cannot read attribute '%s'", name)
                   : base_err_set(err, BASE_ENOMEM, h->path, 0, "out of memory");
            free(s);
            H5Tclose(mt);
            goto done;
        }
    }
    size_t len = strlen(s);
    if (len + 1 > n)
        st = base_err_set(err, BASE_ERANGE, h->path, 0,
                          "attribute '%s' on %s is too long (%zu bytes, at most %zu)", name,
                          objname(obj), len, n ? n - 1 : 0);
    else
        memcpy(buf, s, len + 1);
    if (vlen)
        H5free_memory(s);
    else
        free(s);
    H5Tclose(mt);
done:
    H5Tclose(t);
    H5Aclose(a);
    return st;
}

base_status base_h5_read_attr_str(base_h5 *h, const char *obj, const char *name, char *buf,
                                  size_t n, base_err *err)
{
    if (!h || !buf || !n) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    quiet q;
    quiet_begin(&q);
    base_status st = read_attr_str(h, obj, name, buf, n, err);
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    return st;
}

/* Read a numeric attribute converted to mtype; want_int rejects floats. */
static base_status read_attr_num(base_h5 *h, const char *obj, const char *name, hid_t mtype,
                                 int want_int, void *value, base_err *err)
{
    hid_t a, t;
    base_status st = open_attr(h, obj, name, &a, &t, err);
    if (st) return st;
    H5T_class_t c = H5Tget_class(t);
    if (c != H5T_INTEGER && (want_int || c != H5T_FLOAT))
        st = base_err_set(err, BASE_EFORMAT, h->path, 0, "attribute '%s' on %s is not %s", name,
                          objname(obj), want_int ? "an integer" : "a number");
    else if (H5Aread(a, mtype, value) < 0)
        st =
            h5_fail(h, err, BASE_EFORMAT, "cannot read attribute '%s' (value out of range?)", name);
    H5Tclose(t);
    H5Aclose(a);
    return st;
}

/* read_attr_num for the public readers: argument check and the quiet bracket. */
static base_status read_attr_num_quiet(base_h5 *h, const char *obj, const char *name, hid_t mtype,
                                       int want_int, void *value, base_err *err)
{
    if (!h || !value) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    quiet q;
    quiet_begin(&q);
    base_status st = read_attr_num(h, obj, name, mtype, want_int, value, err);
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    return st;
}

base_status base_h5_read_attr_int(base_h5 *h, const char *obj, const char *name, int64_t *value,
                                  base_err *err)
{
    return read_attr_num_quiet(h, obj, name, H5T_NATIVE_INT64, 1, value, err);
}

base_status base_h5_read_attr_double(base_h5 *h, const char *obj, const char *name, double *value,
                                     base_err *err)
{
    return read_attr_num_quiet(h, obj, name, H5T_NATIVE_DOUBLE, 0, value, err);
}

base_h5_attr_kind base_h5_attr_kind_of(base_h5 *h, const char *obj, const char *name)
{
    if (!h || !valid_name(name)) return BASE_H5_ATTR_MISSING;
    quiet q;
    quiet_begin(&q);
    base_h5_attr_kind k = BASE_H5_ATTR_MISSING;
    hid_t o = open_obj(h, obj, 0);
    if (o >= 0) {
        if (H5Aexists(o, name) > 0) {
            hid_t a = H5Aopen(o, name, H5P_DEFAULT);
            hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
            H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
            k = c == H5T_STRING    ? BASE_H5_ATTR_STRING
                : c == H5T_INTEGER ? BASE_H5_ATTR_INT
                : c == H5T_FLOAT   ? BASE_H5_ATTR_FLOAT
                                   : BASE_H5_ATTR_OTHER;
            if (t >= 0) H5Tclose(t);
            if (a >= 0) H5Aclose(a);
        }
        H5Oclose(o);
    }
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    return k;
}

/* ---- listing ------------------------------------------------------------------- */

typedef struct name_list {
    char **names;
    base_h5_kind *kinds;
    size_t count, cap;
    int oom;
} name_list;

static int list_push(name_list *l, const char *name, base_h5_kind kind)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **n = realloc(l->names, cap * sizeof *n);
        if (!n) return -1;
        l->names = n;
        base_h5_kind *k = realloc(l->kinds, cap * sizeof *k);
        if (!k) return -1;
        l->kinds = k;
        l->cap = cap;
    }
    char *d = dupstr(name);
    if (!d) return -1;
    l->names[l->count] = d;
    l->kinds[l->count] = kind;
    l->count++;
    return 0;
}

/* list_push for the iteration callbacks: on running out of memory, mark the list and
 * return -1, which stops the iteration. */
static herr_t list_push_cb(name_list *l, const char *name, base_h5_kind kind)
{
    if (list_push(l, name, kind)) {
        l->oom = 1;
        return -1;
    }
    return 0;
}

static herr_t link_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    name_list *l = data;
    base_h5_kind kind = BASE_H5_OTHER;
    if (info->type == H5L_TYPE_HARD) {
        hid_t o = H5Oopen(g, name, H5P_DEFAULT);
        if (o >= 0) {
            H5I_type_t t = H5Iget_type(o);
            kind = t == H5I_GROUP     ? BASE_H5_GROUP
                   : t == H5I_DATASET ? BASE_H5_DATASET
                                      : BASE_H5_OTHER;
            H5Oclose(o);
        }
    }
    return list_push_cb(l, name, kind);
}

static herr_t attr_cb(hid_t o, const char *name, const H5A_info_t *info, void *data)
{
    (void)o;
    (void)info;
    name_list *l = data;
    return list_push_cb(l, name, BASE_H5_OTHER);
}

void base_h5_names_free(char **names, size_t count)
{
    if (!names) return;
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
}

static base_status list_common(base_h5 *h, const char *obj, int attrs, char ***names,
                               base_h5_kind **kinds, size_t *count, base_err *err)
{
    if (!h || !names || !count) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *names = NULL;
    *count = 0;
    if (kinds) *kinds = NULL;
    name_list l = {0};
    base_status st = BASE_OK;
    quiet q;
    quiet_begin(&q);
    hid_t o = open_obj(h, obj, 0);
    if (o < 0) {
        st = base_err_set(err, BASE_ENOTFOUND, h->path, 0, "group %s missing", objname(obj));
    } else {
        hsize_t idx = 0;
        herr_t r = attrs ? H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, &idx, attr_cb, &l)
                         : (H5Iget_type(o) == H5I_GROUP
                                ? H5Literate(o, H5_INDEX_NAME, H5_ITER_INC, &idx, link_cb, &l)
                                : -2);
        if (l.oom)
            st = base_err_set(err, BASE_ENOMEM, h->path, 0, "out of memory");
        else if (r == -2)
            st = base_err_set(err, BASE_EFORMAT, h->path, 0, "%s is not a group", objname(obj));
        else if (r < 0)
            st = h5_fail(h, err, BASE_EFORMAT, "cannot list %s", objname(obj));
        H5Oclose(o);
    }
    H5Eclear2(H5E_DEFAULT);
    quiet_end(&q);
    if (st) {
        base_h5_names_free(l.names, l.count);
        free(l.kinds);
        return st;
    }
    *names = l.names;
    *count = l.count;
    if (kinds)
        *kinds = l.kinds;
    else
        free(l.kinds);
    return BASE_OK;
}

base_status base_h5_list(base_h5 *h, const char *obj, char ***names, base_h5_kind **kinds,
                         size_t *count, base_err *err)
{
    return list_common(h, obj, 0, names, kinds, count, err);
}

base_status base_h5_list_attrs(base_h5 *h, const char *obj, char ***names, size_t *count,
                               base_err *err)
{
    return list_common(h, obj, 1, names, NULL, count, err);
}
