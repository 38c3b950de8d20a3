/* h5seal.c -- sealed HDF5 files: an integrity header in the HDF5 user block,
 * checked with plain stdio before libhdf5 parses a byte of the file (see
 * base_h5_create_sealed in h5io.h and docs/model-format.md).
 *
 * The first BASE_H5_SEAL_BLOCK bytes of a sealed file are HDF5's user block,
 * which the library skips. semsim fills it, after the file is closed and
 * before it is renamed into place, with ASCII text padded with NULs:
 *
 *   SEMSIM-SEALED-HDF5 1\n
 *   tag semsim-agent\n
 *   bytes 3923468\n
 *   fnv1a64 0123456789abcdef\n
 *
 * bytes is the length of everything after the block, fnv1a64 its FNV-1a hash
 * (base/hash.h). The reader regenerates the block from the expected tag and
 * the bytes it finds and compares all of it, so nothing in the header is
 * parsed except to word the error.
 */
#include "base/h5io_priv.h"
#include "base/hash.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEAL_MAGIC "SEMSIM-SEALED-HDF5 1\n"
#define SEAL_TAG_MAX 64

static const unsigned char hdf5_sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

static int tag_ok(const char *tag)
{
    if (!tag || !*tag || strlen(tag) >= SEAL_TAG_MAX) return 0;
    for (const char *p = tag; *p; p++)
        if (*p <= ' ' || *p > '~') return 0;
    return 1;
}

/* The block for tag, n bytes after it, hash h. */
static void seal_format(unsigned char *blk, const char *tag, unsigned long long n, uint64_t h)
{
    memset(blk, 0, BASE_H5_SEAL_BLOCK);
    snprintf((char *)blk, BASE_H5_SEAL_BLOCK, SEAL_MAGIC "tag %s\nbytes %llu\nfnv1a64 %016llx\n",
             tag, n, (unsigned long long)h);
}

/* Hash and count the rest of f (positioned after the block). */
static int hash_rest(FILE *f, uint64_t *h, unsigned long long *n)
{
    unsigned char buf[65536];
    size_t k;
    *h = BASE_HASH_INIT;
    *n = 0;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        *h = base_hash_bytes(*h, buf, k);
        *n += k;
    }
    return ferror(f) ? -1 : 0;
}

base_status base_h5i_seal_write(const char *file, const char *tag, const char *path, base_err *err)
{
    FILE *f = fopen(file, "r+b");
    if (!f)
        return base_err_set(err, BASE_EIO, path, 0, "cannot reopen %s: %s", file, strerror(errno));
    base_status st = BASE_OK;
    unsigned char blk[BASE_H5_SEAL_BLOCK];
    uint64_t h;
    unsigned long long n;
    if (fseek(f, BASE_H5_SEAL_BLOCK, SEEK_SET) != 0 || hash_rest(f, &h, &n) != 0) {
        st = base_err_set(err, BASE_EIO, path, 0, "cannot read back %s", file);
        goto fail;
    }
    seal_format(blk, tag, n, h);
    if (fseek(f, 0, SEEK_SET) != 0 || fwrite(blk, 1, sizeof blk, f) != sizeof blk || fflush(f) != 0)
        st = base_err_set(err, BASE_EIO, path, 0, "cannot write the integrity header: %s",
                          strerror(errno));
fail:
    if (fclose(f) != 0 && !st)
        st = base_err_set(err, BASE_EIO, path, 0, "cannot close %s (disk full?)", file);
    return st;
}

/* Why blk (read from a file of the right shape) is not the block expected. */
static base_status seal_mismatch(const char *path, const unsigned char *blk,
                                 const unsigned char *want, const char *tag, unsigned long long n,
                                 base_err *err)
{
    char got[BASE_H5_SEAL_BLOCK + 1];
    memcpy(got, blk, BASE_H5_SEAL_BLOCK);
    got[BASE_H5_SEAL_BLOCK] = 0;
    const char *t = got + strlen(SEAL_MAGIC);
    size_t tl = strlen(tag);
    if (strncmp(t, "tag ", 4) || strncmp(t + 4, tag, tl) || t[4 + tl] != '\n') {
        if (!strncmp(t, "tag ", 4)) {
            size_t k = strcspn(t + 4, "\n");
            int printable = k < SEAL_TAG_MAX;
            for (size_t i = 0; printable && i < k; i++)
                printable = t[4 + i] > ' ' && t[4 + i] <= '~';
            if (printable)
                return base_err_set(err, BASE_EFORMAT, path, 0,
                                    "is a sealed '%.*s' file, expected '%s'", (int)k, t + 4, tag);
        }
        return base_err_set(err, BASE_EFORMAT, path, 0,
                            "file is corrupt (integrity header damaged)");
    }
    const char *b = t + 5 + tl;
    char line[64];
    snprintf(line, sizeof line, "bytes %llu\n", n);
    if (strncmp(b, line, strlen(line))) {
        char *end;
        errno = 0;
        unsigned long long said = strncmp(b, "bytes ", 6) ? 0 : strtoull(b + 6, &end, 10);
        if (said && !errno && *end == '\n' && said > n)
            return base_err_set(err, BASE_EFORMAT, path, 0,
                                "file is corrupt (truncated: %llu of %llu bytes)",
                                n + BASE_H5_SEAL_BLOCK, said + BASE_H5_SEAL_BLOCK);
        return base_err_set(err, BASE_EFORMAT, path, 0,
                            "file is corrupt (length does not match its integrity header)");
    }
    if (memcmp(blk, want, BASE_H5_SEAL_BLOCK) && !strncmp(b + strlen(line), "fnv1a64 ", 8))
        return base_err_set(err, BASE_EFORMAT, path, 0, "file is corrupt (checksum mismatch)");
    return base_err_set(err, BASE_EFORMAT, path, 0, "file is corrupt (integrity header damaged)");
}

base_status base_h5_check_seal(const char *path, const char *tag, base_err *err)
{
    if (!path || !*path) return base_err_set(err, BASE_EINVAL, NULL, 0, "no file name");
    if (!tag_ok(tag)) return base_err_set(err, BASE_EINVAL, path, 0, "bad seal tag");
    FILE *f = fopen(path, "rb");
    if (!f) return base_err_set(err, BASE_EIO, path, 0, "cannot open: %s", strerror(errno));
    base_status st = BASE_OK;
    unsigned char blk[BASE_H5_SEAL_BLOCK], want[BASE_H5_SEAL_BLOCK];
    size_t k = fread(blk, 1, sizeof blk, f);
    if (k >= sizeof hdf5_sig && !memcmp(blk, hdf5_sig, sizeof hdf5_sig)) {
        st = base_err_set(err, BASE_EUNSUPPORTED, path, 0,
                          "HDF5 file without semsim's integrity header (written by an older "
                          "semsim or another tool)");
        goto out;
    }
    if (k < strlen(SEAL_MAGIC) || memcmp(blk, SEAL_MAGIC, strlen(SEAL_MAGIC))) {
        st = ferror(f) ? base_err_set(err, BASE_EIO, path, 0, "cannot read: %s", strerror(errno))
                       : base_err_set(err, BASE_EFORMAT, path, 0,
                                      "not an HDF5 file with semsim's integrity header");
        goto out;
    }
    if (k < sizeof blk) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "file is corrupt (truncated: %zu bytes)", k);
        goto out;
    }
    uint64_t h;
    unsigned long long n;
    if (hash_rest(f, &h, &n) != 0) {
        st = base_err_set(err, BASE_EIO, path, 0, "cannot read: %s", strerror(errno));
        goto out;
    }
    seal_format(want, tag, n, h);
    if (memcmp(blk, want, sizeof blk)) st = seal_mismatch(path, blk, want, tag, n, err);
out:
    fclose(f);
    return st;
}

base_status base_h5_create_sealed(const char *path, const char *tag, base_h5 **out, base_err *err)
{
    if (!tag_ok(tag)) return base_err_set(err, BASE_EINVAL, path, 0, "bad seal tag");
    base_status st = base_h5i_create(path, BASE_H5_SEAL_BLOCK, out, err);
    if (st) return st;
    (*out)->seal = strdup(tag);
    if (!(*out)->seal) {
        base_h5_discard(*out);
        *out = NULL;
        return base_err_set(err, BASE_ENOMEM, path, 0, "out of memory");
    }
    return BASE_OK;
}

base_status base_h5_open_sealed(const char *path, const char *tag, base_h5 **out, base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    base_status st = base_h5_check_seal(path, tag, err);
    if (st) return st;
    return base_h5_open(path, out, err);
}
