/* fs.c -- mkdir -p and atomic replace. See fs.h. */
#include "base/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static base_status make_one(const char *p, base_err *err)
{
    struct stat sb;
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
        return base_err_set(err, BASE_EIO, p, 0, "cannot create folder: %s", strerror(errno));
    if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return base_err_set(err, BASE_EIO, p, 0, "exists and is not a folder");
    return BASE_OK;
}

base_status base_fs_mkdirs(const char *dir, base_err *err)
{
    char buf[4096];
    if (!dir || !*dir) return base_err_set(err, BASE_EINVAL, NULL, 0, "empty folder name");
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return base_err_set(err, BASE_EINVAL, dir, 0, "path too long");
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        base_status st = make_one(buf, err);
        *p = '/';
        if (st != BASE_OK) return st;
    }
    return make_one(buf, err);
}

int base_fs_is_file(const char *path)
{
    struct stat sb;
    return path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

base_status base_fs_tmp_name(const char *path, unsigned seq, char *out, size_t n, base_err *err)
{
    int w = snprintf(out, n, "%s.tmp.%ld.%u", path, (long)getpid(), seq);
    if (w < 0 || (size_t)w >= n) return base_err_set(err, BASE_EINVAL, path, 0, "path too long");
    return BASE_OK;
}

base_status base_fs_commit(const char *tmp, const char *path, base_err *err)
{
    if (rename(tmp, path) == 0) return BASE_OK;
    int e = errno;
    remove(tmp);
    return base_err_set(err, BASE_EIO, path, 0, "cannot replace: %s", strerror(e));
}

base_status base_fs_lock(const char *lockfile, int *fd, base_err *err)
{
    *fd = open(lockfile, O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (*fd < 0)
        return base_err_set(err, BASE_EIO, lockfile, 0, "cannot open: %s", strerror(errno));
    while (flock(*fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            int e = errno;
            close(*fd);
            *fd = -1;
            return base_err_set(err, BASE_EIO, lockfile, 0, "cannot lock: %s", strerror(e));
        }
    return BASE_OK;
}

void base_fs_unlock(int fd)
{
    if (fd < 0) return;
    flock(fd, LOCK_UN);
    close(fd);
}

base_status base_fs_write_atomic(const char *path, const void *data, size_t n, base_err *err)
{
    char tmp[4200];
    base_status st = base_fs_tmp_name(path, 0, tmp, sizeof tmp, err);
    if (st != BASE_OK) return st;
    FILE *f = fopen(tmp, "wb");
    if (!f) return base_err_set(err, BASE_EIO, tmp, 0, "cannot write: %s", strerror(errno));
    int bad = n && fwrite(data, 1, n, f) != n;
    bad |= fclose(f) != 0;
    if (bad) {
        remove(tmp);
        return base_err_set(err, BASE_EIO, path, 0, "write error (disk full?)");
    }
    return base_fs_commit(tmp, path, err);
}
