/* h5io.c -- HDF5 wrapper for tensors and attributes (see h5io.h).
 *
 * Every public function brackets its HDF5 calls with quiet_begin/quiet_end:
 * HDF5 would otherwise print its whole error stack to stderr on the first
 * failed call (a missing attribute, a non-HDF5 file). We save the calling
 * thread's handler, switch it off, and restore it, and instead read the most
 * specific message from the error stack into the base_err.
 */
#include "base/h5io_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void base_h5i_quiet_begin(base_h5i_quiet *q)
{
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void base_h5i_quiet_end(const base_h5i_quiet *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

static herr_t first_error_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    char *buf = data;
    if (n == 0) {
        /* A failed system call's record carries a timestamp, descriptor and
         * buffer address after the OS's own message: keep that message. */
        const char *os = e->desc ? strstr(e->desc, "error message = '") : NULL;
        if (os) {
            os += strlen("error message = '");
            snprintf(buf, 200, "%.*s", (int)strcspn(os, "'"), os);
        } else if (e->desc && e->desc[0])
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
base_status base_h5i_fail(base_h5 *h, base_err *err, base_status code, const char *fmt, ...)
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
    free(h->seal);
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
static base_status open_finish(base_h5 *h, hid_t fapl, const base_h5i_quiet *q, base_status st,
                               base_h5 **out)
{
    base_h5i_close(h, fapl, "a property list", &st, NULL);
    base_h5i_quiet_end(q);
    if (st && h->file >= 0) H5Fclose(h->file); /* already failing: the first error counts */
    if (st || h->file < 0) {
        handle_free(h);
        return st;
    }
    *out = h;
    return BASE_OK;
}

base_status base_h5i_create(const char *path, size_t userblock, base_h5 **out, base_err *err)
{
    if (!path || !*path || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "no file name");
    *out = NULL;
    base_h5 *h = NULL;
    base_status st = handle_new(path, 1, &h, err);
    if (st) return st;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t fapl = fapl_strong();
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl < 0 || (userblock && H5Pset_userblock(fcpl, (hsize_t)userblock) < 0))
        st = base_h5i_fail(h, err, BASE_EINTERNAL, "cannot set up a user block");
    else
        h->file = H5Fcreate(h->partial, H5F_ACC_TRUNC, fcpl, fapl);
    if (!st && h->file < 0) /* before any other HDF5 call, which would clear the error stack */
        st = base_h5i_fail(h, err, BASE_EIO, "cannot create %s", h->partial);
    base_h5i_close(h, fcpl, "a property list", &st, NULL);
    return open_finish(h, fapl, &q, st, out);
}

base_status base_h5_create(const char *path, base_h5 **out, base_err *err)
{
    return base_h5i_create(path, 0, out, err);
}

base_status base_h5_resume(const char *path, base_h5 **out, base_err *err)
{
    if (!path || !*path || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "no file name");
    *out = NULL;
    base_h5 *h = NULL;
    base_status st = handle_new(path, 1, &h, err);
    if (st) return st;
    struct stat sb;
    if (stat(h->partial, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = base_err_set(err, BASE_ENOTFOUND, h->partial, 0, "no partial file to resume");
        handle_free(h);
        return st;
    }
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t fapl = fapl_strong();
    h->file = H5Fopen(h->partial, H5F_ACC_RDWR, fapl);
    if (h->file < 0)
        st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot reopen %s (damaged?)", h->partial);
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
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        base_h5i_quiet_end(&q);
        handle_free(h);
        return base_err_set(err, BASE_EFORMAT, path, 0, "not an HDF5 file");
    }
    hid_t fapl = fapl_strong();
    h->file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (h->file < 0)
        st = base_h5i_fail(h, err, BASE_EFORMAT, "unreadable HDF5 file (truncated or corrupt)");
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
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (h->file >= 0 && H5Fclose(h->file) < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot close (disk full?)");
    base_h5i_quiet_end(&q);
    if (h->partial) {
        if (!st && h->failed)
            st = base_err_set(err, BASE_EIO, h->path, 0, "not written: an earlier write failed");
        if (!st && h->seal) st = base_h5i_seal_write(h->partial, h->seal, h->path, err);
        if (!st && rename(h->partial, h->path) != 0)
            st = base_err_set(err, BASE_EIO, h->path, 0, "cannot rename %s: %s", h->partial,
                              strerror(errno));
        if (st) remove(h->partial);
    }
    handle_free(h);
    return st;
}

base_status base_h5_flush(base_h5 *h, base_err *err)
{
    if (!h || h->file < 0) return base_err_set(err, BASE_EINVAL, NULL, 0, "file not open");
    base_status st = BASE_OK;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (H5Fflush(h->file, H5F_SCOPE_GLOBAL) < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot flush (disk full?)");
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_close_partial(base_h5 *h, base_err *err)
{
    if (!h) return BASE_OK;
    base_status st = BASE_OK;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (h->file >= 0 && H5Fclose(h->file) < 0) {
        h->file = H5I_INVALID_HID;
        st = base_h5i_fail(h, err, BASE_EIO, "cannot close %s (disk full?)",
                           h->partial ? h->partial : h->path);
    }
    base_h5i_quiet_end(&q);
    handle_free(h);
    return st;
}

void base_h5_discard(base_h5 *h)
{
    if (!h) return;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (h->file >= 0) H5Fclose(h->file); /* unchecked on purpose: the file is thrown away */
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    if (h->partial) remove(h->partial);
    handle_free(h);
}

/* ---- paths --------------------------------------------------------------- */

/* Whether every component of path exists (H5Lexists fails, rather than
 * returning 0, when an intermediate group is missing). */
int base_h5i_path_exists(hid_t file, const char *path)
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

hid_t base_h5i_lcpl(int utf8)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0) {
        H5Pset_create_intermediate_group(lcpl, 1);
        if (utf8) H5Pset_char_encoding(lcpl, H5T_CSET_UTF8);
    }
    return lcpl;
}

void base_h5i_close(base_h5 *h, hid_t id, const char *what, base_status *st, base_err *err)
{
    if (id < 0) return;
    herr_t r;
    switch (H5Iget_type(id)) {
    case H5I_DATASET:
        r = H5Dclose(id);
        break;
    case H5I_GROUP:
        r = H5Gclose(id);
        break;
    case H5I_DATATYPE:
        r = H5Tclose(id);
        break;
    case H5I_DATASPACE:
        r = H5Sclose(id);
        break;
    case H5I_ATTR:
        r = H5Aclose(id);
        break;
    case H5I_GENPROP_LST:
        r = H5Pclose(id);
        break;
    default:
        r = H5Oclose(id);
        break;
    }
    if (r < 0 && *st == BASE_OK)
        *st = base_h5i_fail(h, err, BASE_EIO, "cannot close %s (disk full?)", what);
}

base_status base_h5i_check_write(base_h5 *h, const char *name, base_err *err)
{
    if (!h || !h->partial)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "file not open for writing");
    if (!valid_name(name)) return base_err_set(err, BASE_EINVAL, h->path, 0, "bad object name");
    return BASE_OK;
}

hid_t base_h5i_open_obj(base_h5 *h, const char *obj, int create)
{
    if (!obj || !*obj || !strcmp(obj, "/")) return H5Oopen(h->file, "/", H5P_DEFAULT);
    if (base_h5i_path_exists(h->file, obj)) return H5Oopen(h->file, obj, H5P_DEFAULT);
    if (!create) return H5I_INVALID_HID;
    hid_t lcpl = base_h5i_lcpl(1);
    hid_t g = H5Gcreate2(h->file, obj, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    base_status st = BASE_OK;
    base_h5i_close(h, lcpl, "a property list", &st, NULL);
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
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (base_h5i_path_exists(h->file, name)) {
        H5Eclear2(H5E_DEFAULT);
        base_h5i_quiet_end(&q);
        return base_err_set(err, BASE_EEXIST, h->path, 0, "tensor %s written twice", name);
    }
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = base_h5i_lcpl(1);
    /* no modification times in the object headers: the same tensors give the same
     * bytes whenever they are written (model and head files are hashed as cache keys) */
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl >= 0) H5Pset_obj_track_times(dcpl, 0);
    hid_t ds = space < 0 || dcpl < 0
                   ? H5I_INVALID_HID
                   : H5Dcreate2(h->file, name, H5T_IEEE_F32LE, space, lcpl, dcpl, H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (ds < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot create tensor %s", name);
    else if (H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot write tensor %s", name);
    base_h5i_close(h, ds, name, &st, err);
    base_h5i_close(h, lcpl, "a property list", &st, err);
    base_h5i_close(h, space, "a dataspace", &st, err);
    base_h5i_quiet_end(&q);
    return st;
}

int base_h5_has_tensor(base_h5 *h, const char *name)
{
    if (!h || !valid_name(name)) return 0;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    int yes = 0;
    if (base_h5i_path_exists(h->file, name)) {
        hid_t o = H5Oopen(h->file, name, H5P_DEFAULT);
        if (o >= 0) {
            yes = H5Iget_type(o) == H5I_DATASET;
            H5Oclose(o);
        }
    }
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return yes;
}

/* Open dataset name and check it is a float tensor of rank 1..4. */
static base_status open_tensor(base_h5 *h, const char *name, hid_t *ds_out, int *rank,
                               size_t *shape, base_err *err)
{
    *ds_out = H5I_INVALID_HID;
    if (!base_h5i_path_exists(h->file, name))
        return base_err_set(err, BASE_ENOTFOUND, h->path, 0, "tensor %s missing", name);
    hid_t o = H5Oopen(h->file, name, H5P_DEFAULT);
    if (o < 0) return base_h5i_fail(h, err, BASE_EFORMAT, "cannot open %s", name);
    if (H5Iget_type(o) != H5I_DATASET) {
        H5Oclose(o);
        return base_err_set(err, BASE_EFORMAT, h->path, 0, "%s is not a dataset", name);
    }
    hid_t ds = o;
    hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
    base_status st = BASE_OK;
    int r = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (type < 0 || space < 0 || r < 0) {
        st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot read the type of %s", name);
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
    base_h5i_close(h, type, "a type", &st, err);
    base_h5i_close(h, space, "a dataspace", &st, err);
    if (st)
        base_h5i_close(h, ds, name, &st, err);
    else
        *ds_out = ds;
    return st;
}

base_status base_h5_tensor_shape(base_h5 *h, const char *name, int *rank, size_t *shape,
                                 base_err *err)
{
    if (!h || !valid_name(name) || !rank || !shape)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "bad arguments");
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t ds;
    base_status st = open_tensor(h, name, &ds, rank, shape, err);
    if (!st) base_h5i_close(h, ds, name, &st, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_read_tensor(base_h5 *h, const char *name, float *data, size_t n, base_err *err)
{
    if (!h || !valid_name(name) || !data)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "bad arguments");
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
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
            st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot read tensor %s (truncated file?)",
                               name);
        base_h5i_close(h, ds, name, &st, err);
    }
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

/* ---- attributes -------------------------------------------------------------- */

/* Write attribute name on obj with file type ftype; space_len 0 makes it a
 * scalar, 1 a one-element array (what H5LT's numeric setters write). */
static base_status write_attr(base_h5 *h, const char *obj, const char *name, hid_t ftype,
                              hid_t mtype, int space_len, const void *value, base_err *err)
{
    if (!h || !h->partial)
        return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "file not open for writing");
    if (!valid_name(name)) return base_err_set(err, BASE_EINVAL, h->path, 0, "bad attribute name");
    base_status st = BASE_OK;
    hid_t o = base_h5i_open_obj(h, obj, 1);
    if (o < 0) return base_h5i_fail(h, err, BASE_EIO, "cannot create group %s", objname(obj));
    if (H5Aexists(o, name) > 0 && H5Adelete(o, name) < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot replace attribute %s on %s", name,
                           objname(obj));
    hsize_t one[1] = {1};
    hid_t space = space_len ? H5Screate_simple(1, one, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = st ? H5I_INVALID_HID : H5Acreate2(o, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (!st && (a < 0 || H5Awrite(a, mtype, value) < 0))
        st = base_h5i_fail(h, err, BASE_EIO, "cannot write attribute %s on %s", name, objname(obj));
    base_h5i_close(h, a, name, &st, err);
    base_h5i_close(h, space, "a dataspace", &st, err);
    base_h5i_close(h, o, objname(obj), &st, err);
    return st;
}

/* String attribute: variable-length UTF-8 (fixed 0) or fixed-length ASCII of
 * strlen + 1 bytes, NUL-terminated (fixed 1, what H5LTset_attribute_string
 * writes). */
static base_status write_attr_string(base_h5 *h, const char *obj, const char *name,
                                     const char *value, int fixed, base_err *err)
{
    if (!value) return base_err_set(err, BASE_EINVAL, h ? h->path : NULL, 0, "NULL string");
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    base_status st = BASE_OK;
    hid_t t = H5Tcopy(H5T_C_S1);
    if (fixed) {
        H5Tset_size(t, strlen(value) + 1);
        H5Tset_strpad(t, H5T_STR_NULLTERM);
        st = write_attr(h, obj, name, t, t, 0, value, err);
    } else {
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        st = write_attr(h, obj, name, t, t, 0, &value, err);
    }
    base_h5i_close(h, t, "a string type", &st, err);
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_write_attr_str(base_h5 *h, const char *obj, const char *name, const char *value,
                                   base_err *err)
{
    return write_attr_string(h, obj, name, value, 0, err);
}

base_status base_h5_write_attr_str_fixed(base_h5 *h, const char *obj, const char *name,
                                         const char *value, base_err *err)
{
    return write_attr_string(h, obj, name, value, 1, err);
}

/* write_attr for the public numeric writers, inside the quiet bracket. */
static base_status write_attr_quiet(base_h5 *h, const char *obj, const char *name, hid_t ftype,
                                    hid_t mtype, int space_len, const void *value, base_err *err)
{
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    base_status st = write_attr(h, obj, name, ftype, mtype, space_len, value, err);
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_write_attr_int(base_h5 *h, const char *obj, const char *name, int64_t value,
                                   base_err *err)
{
    return write_attr_quiet(h, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, &value, err);
}

base_status base_h5_write_attr_int1(base_h5 *h, const char *obj, const char *name, int64_t value,
                                    base_err *err)
{
    long long v = value;
    return write_attr_quiet(h, obj, name, H5T_NATIVE_LLONG, H5T_NATIVE_LLONG, 1, &v, err);
}

base_status base_h5_write_attr_double(base_h5 *h, const char *obj, const char *name, double value,
                                      base_err *err)
{
    return write_attr_quiet(h, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &value, err);
}

/* Open attribute name on obj; check it holds exactly one element. */
static base_status open_attr(base_h5 *h, const char *obj, const char *name, hid_t *a_out,
                             hid_t *type_out, base_err *err)
{
    *a_out = *type_out = H5I_INVALID_HID;
    if (!valid_name(name)) return base_err_set(err, BASE_EINVAL, h->path, 0, "bad attribute name");
    hid_t o = base_h5i_open_obj(h, obj, 0);
    if (o < 0)
        return base_err_set(err, BASE_ENOTFOUND, h->path, 0, "group %s missing", objname(obj));
    htri_t ex = H5Aexists(o, name);
    if (ex <= 0) {
        H5Oclose(o);
        return base_err_set(err, BASE_ENOTFOUND, h->path, 0, "attribute '%s' missing on %s", name,
                            objname(obj));
    }
    hid_t a = H5Aopen(o, name, H5P_DEFAULT);
    base_status st = BASE_OK;
    if (a < 0) st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot open attribute '%s'", name);
    base_h5i_close(h, o, objname(obj), &st, err);
    if (st) {
        if (a >= 0) H5Aclose(a); /* already failing */
        return st;
    }
    hid_t space = H5Aget_space(a);
    hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    base_h5i_close(h, space, "a dataspace", &st, err);
    if (!st && np != 1)
        st = base_err_set(err, BASE_EFORMAT, h->path, 0,
                          "attribute '%s' on %s has %lld values, expected one", name, objname(obj),
                          (long long)np);
    if (st) {
        H5Aclose(a); /* already failing: the first error is the one reported */
        return st;
    }
    *a_out = a;
    *type_out = H5Aget_type(a);
    return BASE_OK;
}

/* Read a string attribute (fixed- or variable-length) into a malloc'd copy. */
static base_status read_attr_str(base_h5 *h, const char *obj, const char *name, char **out,
                                 base_err *err)
{
    hid_t a, t;
    *out = NULL;
    base_status st = open_attr(h, obj, name, &a, &t, err);
    if (st) return st;
    if (H5Tget_class(t) != H5T_STRING) {
        st = base_err_set(err, BASE_EFORMAT, h->path, 0, "attribute '%s' on %s is not a string",
                          name, objname(obj));
        goto done;
    }
    int vlen = H5Tis_variable_str(t) > 0;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(t)); /* HDF5 will not convert UTF-8 <-> ASCII */
    if (vlen) {
        char *v = NULL;
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Aread(a, mt, &v) < 0 || !v) {
            st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot read attribute '%s'", name);
        } else {
            *out = dupstr(v);
            H5free_memory(v);
            if (!*out) st = base_err_set(err, BASE_ENOMEM, h->path, 0, "out of memory");
        }
    } else {
        size_t fixed = H5Tget_size(t);
        char *v = calloc(fixed + 1, 1);
        H5Tset_size(mt, fixed + 1);
        H5Tset_strpad(mt, H5T_STR_NULLTERM);
        if (!v)
            st = base_err_set(err, BASE_ENOMEM, h->path, 0, "out of memory");
        else if (H5Aread(a, mt, v) < 0)
            st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot read attribute '%s'", name);
        if (st)
            free(v);
        else
            *out = v;
    }
    base_h5i_close(h, mt, "a string type", &st, err);
done:
    base_h5i_close(h, t, "a type", &st, err);
    base_h5i_close(h, a, name, &st, err);
    if (st) {
        free(*out);
        *out = NULL;
    }
    return st;
}

base_status base_h5_read_attr_strdup(base_h5 *h, const char *obj, const char *name, char **out,
                                     base_err *err)
{
    if (!h || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    base_status st = read_attr_str(h, obj, name, out, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_read_attr_str(base_h5 *h, const char *obj, const char *name, char *buf,
                                  size_t n, base_err *err)
{
    if (!h || !buf || !n) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    char *s = NULL;
    base_status st = base_h5_read_attr_strdup(h, obj, name, &s, err);
    if (st) return st;
    size_t len = strlen(s);
    if (len + 1 > n)
        st = base_err_set(err, BASE_ERANGE, h->path, 0,
                          "attribute '%s' on %s is too long (%zu bytes, at most %zu)", name,
                          objname(obj), len, n - 1);
    else
        memcpy(buf, s, len + 1);
    free(s);
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
        st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot read attribute '%s' (value out of range?)",
                           name);
    base_h5i_close(h, t, "a type", &st, err);
    base_h5i_close(h, a, name, &st, err);
    return st;
}

/* read_attr_num for the public readers: argument check and the quiet bracket. */
static base_status read_attr_num_quiet(base_h5 *h, const char *obj, const char *name, hid_t mtype,
                                       int want_int, void *value, base_err *err)
{
    if (!h || !value) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    base_status st = read_attr_num(h, obj, name, mtype, want_int, value, err);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
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
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    base_h5_attr_kind k = BASE_H5_ATTR_MISSING;
    hid_t o = base_h5i_open_obj(h, obj, 0);
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
    base_h5i_quiet_end(&q);
    return k;
}

void base_h5_process_init(void)
{
    H5dont_atexit();
}
