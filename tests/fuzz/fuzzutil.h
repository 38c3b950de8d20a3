/* fuzzutil.h -- what the text harnesses (tests/fuzz/fuzz_*.c) share: a
 * private scratch folder, writing fuzz bytes to a file in it, and splitting
 * one input into two files at a separator line.
 *
 * The parsers under test read paths, not buffers, so each execution writes
 * its input to files in one folder per process (under /dev/shm when it is
 * writable, for speed; else $TMPDIR or /tmp), removed at exit. Header-only,
 * static functions: a harness is one translation unit, built either with
 * libFuzzer (tools/fuzz.sh) or with tests/fuzz/replay_main.c (make check). */
#ifndef TESTS_FUZZ_FUZZUTIL_H
#define TESTS_FUZZ_FUZZUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir_path[256];

static inline int fuzz_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static inline void fuzz_cleanup(void)
{
    if (fuzz_dir_path[0]) nftw(fuzz_dir_path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The process's scratch folder (created on first use; aborts if it cannot be:
 * a harness that cannot write its input tests nothing). */
static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path[0]) {
        const char *base = getenv("TMPDIR");
        if (access("/dev/shm", W_OK) == 0) base = "/dev/shm";
        if (!base || !*base) base = "/tmp";
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/semsim-fuzz-XXXXXX", base);
        if (!mkdtemp(fuzz_dir_path)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_cleanup);
    }
    return fuzz_dir_path;
}

/* dir/name into buf (n bytes). */
static inline const char *fuzz_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", fuzz_dir(), name);
    return buf;
}

/* Write len bytes to path (replacing it); aborts on failure. */
static inline void fuzz_write(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Split data at the first occurrence of sep: *a gets the part before it,
 * *b the part after (b NULL, nb 0 when sep does not occur). */
static inline void fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **a,
                              size_t *na, const uint8_t **b, size_t *nb)
{
    size_t ns = strlen(sep);
    const uint8_t *at = size >= ns ? memmem(data, size, sep, ns) : NULL;
    *a = data;
    *na = at ? (size_t)(at - data) : size;
    *b = at ? at + ns : NULL;
    *nb = at ? size - (size_t)(at - data) - ns : 0;
}

#endif
