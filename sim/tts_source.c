/* tts_source.c -- the built-in TTS source and its cache. See tts_source.h. */
#include "sim/tts_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codecs/tts.h"
#include "sim/corpus.h"

#ifndef SEMSIM_BUILDDIR
#define SEMSIM_BUILDDIR "."
#endif

/* Bump when the cache layout or the synthesis changes meaning. */
#define CACHE_TAG "semsim-tts-source-1"

int sim_tts_source_used(const sim_config *cfg)
{
    const char *k = cfg->source.kind;
    return !*cfg->source.manifest && strcmp(k, "bits") != 0;
}

static sim_status fail_key(const sim_scenario *sc, sim_err *err, const char *key, sim_status code,
                           const char *fmt, const char *a, const char *b)
{
    const char *file;
    int line;
    sim_scenario_where(sc, key, &file, &line);
    return sim_err_set(err, code, file, line, fmt, a, b);
}

sim_status sim_tts_source_check(const sim_scenario *sc, const sim_config *cfg, sim_err *err)
{
    sim_err local = SIM_ERR_INIT;
    if (!err) err = &local;
    long a, b;
    if (sim_corpus_parse_lines(cfg->source.lines, &a, &b))
        return fail_key(sc, err, "source.lines", SIM_EINVAL,
                        "source.lines must be A-B or A with 1 <= A <= B, got '%s'%s",
                        cfg->source.lines, "");
    FILE *f = fopen(cfg->source.text, "r");
    if (!f)
        return fail_key(sc, err, "source.text", SIM_EIO, "source.text: cannot open '%s': %s",
                        cfg->source.text, strerror(errno));
    long lines = 0;
    int c, last = '\n';
    while ((c = getc(f)) != EOF) {
        if (c == '\n') lines++;
        last = c;
    }
    if (last != '\n') lines++;
    fclose(f);
    if (lines < b) {
        char what[64];
        snprintf(what, sizeof what, "%ld", lines);
        return fail_key(sc, err, "source.lines", SIM_ERANGE,
                        "source.lines=%s, but source.text has %s lines", cfg->source.lines, what);
    }
    codec_voice *v = NULL;
    size_t nv = 0;
    sim_status st = codec_voices_read(cfg->source.voices, NULL, &v, &nv, err);
    free(v);
    if (st != SIM_OK && !*err->file) {
        const char *file;
        int line;
        sim_scenario_where(sc, "source.voices", &file, &line);
        sim_err_locate(err, file, line);
    }
    return st;
}

/* FNV-1a 64 over a buffer, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

typedef struct key_hash {
    uint64_t h[2];
} key_hash;

static void hash_bytes(key_hash *k, const void *p, size_t n)
{
    k->h[0] = fnv(k->h[0], p, n);
    k->h[1] = fnv(k->h[1], p, n);
}

/* The file's bytes, then its length, so that (a, b) and (a+b', b'') differ. */
static sim_status hash_file(key_hash *k, const char *path, sim_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return sim_err_set(err, SIM_EIO, path, 0, "cannot open: %s", strerror(errno));
    unsigned char buf[8192];
    uint64_t total = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        hash_bytes(k, buf, got);
        total += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) return sim_err_set(err, SIM_EIO, path, 0, "read failed");
    hash_bytes(k, &total, sizeof total);
    return SIM_OK;
}

sim_status sim_tts_source_dir(const sim_config *cfg, char *dir, size_t cap, sim_err *err)
{
    long a, b;
    if (sim_corpus_parse_lines(cfg->source.lines, &a, &b))
        return sim_err_set(err, SIM_EINVAL, NULL, 0, "source.lines must be A-B, got '%s'",
                           cfg->source.lines);
    /* two FNV streams from different offset bases: 128 bits */
    key_hash k = {{0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL}};
    char range[64];
    int rl = snprintf(range, sizeof range, "%s|%ld-%ld|", CACHE_TAG, a, b);
    hash_bytes(&k, range, (size_t)rl);
    sim_status st;
    if ((st = hash_file(&k, cfg->source.text, err)) != SIM_OK ||
        (st = hash_file(&k, cfg->source.voices, err)) != SIM_OK)
        return st;
    const char *root = *cfg->source.cache ? cfg->source.cache : SEMSIM_BUILDDIR "/cache/tts";
    if (snprintf(dir, cap, "%s/%016llx%016llx", root, (unsigned long long)k.h[0],
                 (unsigned long long)k.h[1]) >= (int)cap)
        return sim_err_set(err, SIM_ERANGE, root, 0, "source.cache path too long");
    return SIM_OK;
}

static sim_status mkdir_p(const char *dir, sim_err *err)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return sim_err_set(err, SIM_EINVAL, dir, 0, "path too long");
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return sim_err_set(err, SIM_EIO, buf, 0, "cannot create folder: %s",
                                   strerror(errno));
            *p = c;
            if (!c) break;
        }
    }
    return SIM_OK;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

sim_status sim_tts_source_prepare(sim_config *cfg, int jobs, const sim_log *log, sim_err *err)
{
    if (!sim_tts_source_used(cfg)) return SIM_OK;
    char dir[SIM_CFG_STR - 16], manifest[SIM_CFG_STR], lock[SIM_CFG_STR];
    sim_status st = sim_tts_source_dir(cfg, dir, sizeof dir, err);
    if (st != SIM_OK) return st;
    snprintf(manifest, sizeof manifest, "%s/manifest.tsv", dir);
    snprintf(lock, sizeof lock, "%s.lock", dir);
    if (!exists(manifest)) {
        char *slash = strrchr(dir, '/');
        *slash = 0; /* the cache root */
        st = mkdir_p(dir, err);
        *slash = '/';
        if (st != SIM_OK) return st;
        int fd = open(lock, O_CREAT | O_RDWR, 0666);
        if (fd < 0) return sim_err_set(err, SIM_EIO, lock, 0, "cannot open: %s", strerror(errno));
        while (flock(fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                close(fd);
                return sim_err_set(err, SIM_EIO, lock, 0, "cannot lock: %s", strerror(errno));
            }
        if (!exists(manifest)) { /* another process may have made it meanwhile */
            long a, b;
            sim_corpus_parse_lines(cfg->source.lines, &a, &b);
            sim_log_info(log, "TTS source: synthesising %s lines %ld-%ld x voices of %s into %s",
                         cfg->source.text, a, b, cfg->source.voices, dir);
            sim_corpus_config cc = {cfg->source.text,
                                    a,
                                    b,
                                    cfg->source.voices,
                                    dir,
                                    jobs < 1                     ? 1
                                    : jobs > SIM_CORPUS_MAX_JOBS ? SIM_CORPUS_MAX_JOBS
                                                                 : jobs,
                                    (codec_tts_opts)CODEC_TTS_OPTS_DEFAULT,
                                    log};
            st = sim_corpus_make(&cc, NULL, err);
        }
        flock(fd, LOCK_UN);
        close(fd);
        if (st != SIM_OK) return st;
    }
    snprintf(cfg->source.manifest, sizeof cfg->source.manifest, "%s", manifest);
    return SIM_OK;
}
