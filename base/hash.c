/* hash.c -- FNV-1a, 64 bit. See hash.h. */
#include "base/hash.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FNV_PRIME 0x100000001b3ULL

uint64_t base_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

uint64_t base_hash_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return base_hash_bytes(h, b, 8);
}

uint64_t base_hash_double(uint64_t h, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return base_hash_u64(h, u);
}

uint64_t base_hash_str(uint64_t h, const char *s)
{
    return s ? base_hash_bytes(h, s, strlen(s)) : h;
}

base_status base_hash_file(uint64_t *h, const char *path, base_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return base_err_set(err, BASE_EIO, path, 0, "cannot read: %s", strerror(errno));
    unsigned char buf[65536];
    uint64_t total = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        *h = base_hash_bytes(*h, buf, got);
        total += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) return base_err_set(err, BASE_EIO, path, 0, "read error");
    *h = base_hash_u64(*h, total);
    return BASE_OK;
}
