/* h5names.c -- the HDF5 wrapper's links (see h5io.h): whether a path
 * exists, deleting a link, making a group, and listing a group's links or an
 * object's attributes. */
#define _GNU_SOURCE /* strdup */
#include "base/h5io_priv.h"

#include <stdlib.h>
#include <string.h>

static const char *objname(const char *obj)
{
    return obj && *obj ? obj : "/";
}

/* ---- links ------------------------------------------------------------------- */

int base_h5_exists(base_h5 *h, const char *path)
{
    if (!h || !path || !*path) return 0;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    int yes = base_h5i_path_exists(h->file, path);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return yes;
}

base_status base_h5_delete(base_h5 *h, const char *path, base_err *err)
{
    base_status st = base_h5i_check_write(h, path, err);
    if (st) return st;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (!base_h5i_path_exists(h->file, path))
        st = base_err_set(err, BASE_ENOTFOUND, h->path, 0, "%s missing", path);
    else if (H5Ldelete(h->file, path, H5P_DEFAULT) < 0)
        st = base_h5i_fail(h, err, BASE_EIO, "cannot delete %s", path);
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}

base_status base_h5_create_group(base_h5 *h, const char *path, base_err *err)
{
    base_status st = base_h5i_check_write(h, path, err);
    if (st) return st;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (base_h5i_path_exists(h->file, path)) {
        st = base_err_set(err, BASE_EEXIST, h->path, 0, "%s exists", path);
    } else {
        hid_t lcpl = base_h5i_lcpl(0);
        hid_t g = H5Gcreate2(h->file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0) st = base_h5i_fail(h, err, BASE_EIO, "cannot create group %s", path);
        base_h5i_close(h, g, path, &st, err);
        base_h5i_close(h, lcpl, "a property list", &st, err);
    }
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
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
    char *d = strdup(name);
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
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    hid_t o = base_h5i_open_obj(h, obj, 0);
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
            st = base_h5i_fail(h, err, BASE_EFORMAT, "cannot list %s", objname(obj));
        base_h5i_close(h, o, objname(obj), &st, err);
    }
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
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
