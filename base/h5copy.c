/* h5copy.c -- copying an object (a group with everything under it, or a
 * dataset) from one file of the HDF5 wrapper into another (H5Ocopy), for
 * `semsim merge`, which joins shard results files. See base_h5_copy in
 * h5io.h. */
#include "base/h5io_priv.h"

base_status base_h5_copy(base_h5 *src, const char *src_path, base_h5 *dst, const char *dst_path,
                         base_err *err)
{
    if (!src || !src_path || !*src_path)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "h5 copy: no source");
    base_status st = base_h5i_check_write(dst, dst_path, err);
    if (st) return st;
    base_h5i_quiet q;
    base_h5i_quiet_begin(&q);
    if (!base_h5i_path_exists(src->file, src_path)) {
        st = base_err_set(err, BASE_ENOTFOUND, src->path, 0, "%s missing", src_path);
    } else if (base_h5i_path_exists(dst->file, dst_path)) {
        st = base_err_set(err, BASE_EEXIST, dst->path, 0, "%s exists", dst_path);
    } else {
        hid_t lcpl = base_h5i_lcpl(0);
        if (H5Ocopy(src->file, src_path, dst->file, dst_path, H5P_DEFAULT, lcpl) < 0)
            st = base_h5i_fail(dst, err, BASE_EIO, "cannot copy %s from %s", src_path, src->path);
        base_h5i_close(dst, lcpl, "a property list", &st, err);
    }
    H5Eclear2(H5E_DEFAULT);
    base_h5i_quiet_end(&q);
    return st;
}
