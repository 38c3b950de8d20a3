/* fs.h -- the file-system helpers every stage needs: make a folder and its
 * parents, and replace a file atomically (write NAME.tmp.PID, fsync-free
 * rename over NAME), so a reader never sees half a file and several
 * processes building the same cache entry at once each leave a whole one. */
#ifndef BASE_FS_H
#define BASE_FS_H

#include <stddef.h>

#include "base/status.h"

/* mkdir -p: dir and every missing parent (mode 0777 less the umask).
 * BASE_EIO naming the part that failed, or that exists and is not a folder. */
base_status base_fs_mkdirs(const char *dir, base_err *err);

/* 1 when path names an existing regular file (or a link to one), else 0. */
int base_fs_is_file(const char *path);

/* A temporary name beside path for an atomic replace: "PATH.tmp.PID.SEQ"
 * (seq lets one process stage several files). BASE_EINVAL when it does not
 * fit in n bytes. */
base_status base_fs_tmp_name(const char *path, unsigned seq, char *out, size_t n, base_err *err);

/* rename(tmp, path): the atomic step of a replace. On failure tmp is
 * removed and err names path. */
base_status base_fs_commit(const char *tmp, const char *path, base_err *err);

/* An exclusive advisory lock (flock) on the file lockfile, created when
 * missing: blocks until this caller holds it. Serialises threads (each call
 * opens its own descriptor), processes and MPI ranks on one machine, so one
 * of them builds a cache entry while the others wait and then find it.
 * *fd receives the descriptor to pass to base_fs_unlock. */
base_status base_fs_lock(const char *lockfile, int *fd, base_err *err);
/* Releases and closes a lock from base_fs_lock (fd < 0: no-op). */
void base_fs_unlock(int fd);

/* Writes n bytes to path atomically (a temporary beside it, then rename). */
base_status base_fs_write_atomic(const char *path, const void *data, size_t n, base_err *err);

#endif
