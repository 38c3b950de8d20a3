/* tts_source.c -- the built-in TTS source and its cache. See tts_source.h. */
#include "sim/tts_source.h"

#include "base/git_rev.h" /* BASE_GIT_REV: generated, see Makefile.am */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anchors/equalizer.h"
#include "base/fs.h"
#include "base/hash.h"
#include "codecs/manifest.h"
#include "codecs/text.h"
#include "codecs/tts.h"
#include "sim/corpus.h"
#include "sim/datadir.h"

int sim_tts_source_used(const sim_config *cfg, sim_tts_use use)
{
    return use.speech && !*cfg->source.manifest;
}

/* The equalizer's capabilities (anchors/equalizer.h); an unknown type uses nothing. */
static const anchor_eq_info *equalizer(const sim_config *cfg)
{
    return anchor_equalizer_find(cfg->equalizer.type, NULL);
}

int sim_tts_anchors_used(const sim_config *cfg, sim_tts_use use)
{
    const anchor_eq_info *eq = equalizer(cfg);
    return use.equalized && eq && eq->uses_anchors && !*cfg->anchors.manifest;
}

int sim_tts_head_used(const sim_config *cfg, sim_tts_use use)
{
    const anchor_eq_info *eq = equalizer(cfg);
    return use.equalized && eq && eq->needs_head && !*cfg->equalizer.train_manifest;
}

/* One TTS corpus: its inputs and the keys that set them (for messages). */
typedef struct corpus_in {
    const char *text, *lines, *voices;
    const char *text_key, *lines_key, *voices_key;
} corpus_in;

static corpus_in source_in(const sim_config *cfg)
{
    return (corpus_in){cfg->source.text, cfg->source.lines, cfg->source.voices,
                       "source.text",    "source.lines",    "source.voices"};
}

static corpus_in anchors_in(const sim_config *cfg)
{
    return (corpus_in){cfg->anchors.text, cfg->anchors.lines, cfg->anchors.voices,
                       "anchors.text",    "anchors.lines",    "anchors.voices"};
}

static corpus_in head_in(const sim_config *cfg)
{
    return (corpus_in){cfg->equalizer.train_text,   cfg->equalizer.train_lines,
                       cfg->equalizer.train_voices, "equalizer.train_text",
                       "equalizer.train_lines",     "equalizer.train_voices"};
}

static base_status check_corpus(const sim_scenario *sc, const corpus_in *c, base_err *err)
{
    long a, b;
    if (sim_corpus_parse_lines(c->lines, &a, &b)) {
        const char *file;
        int line;
        sim_scenario_where(sc, c->lines_key, &file, &line);
        return base_err_set(err, BASE_EINVAL, file, line,
                            "%s must be A-B or A with 1 <= A <= B, got '%s'", c->lines_key,
                            c->lines);
    }
    FILE *f = fopen(c->text, "r");
    if (!f) {
        const char *file;
        int line;
        sim_scenario_where(sc, c->text_key, &file, &line);
        return base_err_set(err, BASE_EIO, file, line, "%s: cannot open '%s': %s", c->text_key,
                            c->text, strerror(errno));
    }
    long lines = 0;
    int ch, last = '\n';
    while ((ch = getc(f)) != EOF) {
        if (ch == '\n') lines++;
        last = ch;
    }
    if (last != '\n') lines++;
    fclose(f);
    if (lines < b) {
        const char *file;
        int line;
        sim_scenario_where(sc, c->lines_key, &file, &line);
        return base_err_set(err, BASE_ERANGE, file, line, "%s=%s, but %s has %ld lines",
                            c->lines_key, c->lines, c->text_key, lines);
    }
    codec_voice *v = NULL;
    size_t nv = 0;
    base_status st = codec_voices_read(c->voices, NULL, &v, &nv, err);
    free(v);
    if (st != BASE_OK && !*err->file) {
        const char *file;
        int line;
        sim_scenario_where(sc, c->voices_key, &file, &line);
        base_err_locate(err, file, line);
    }
    return st;
}

base_status sim_tts_source_check(const sim_scenario *sc, const sim_config *cfg, base_err *err)
{
    base_err local = BASE_ERR_INIT;
    if (!err) err = &local;
    corpus_in c = source_in(cfg);
    return check_corpus(sc, &c, err);
}

/* Same file (by real path) and overlapping line ranges: a corpus that would
 * speak evaluated sentences. */
static base_status check_overlap(const sim_scenario *sc, const sim_config *cfg, const corpus_in *c,
                                 base_err *err)
{
    if (*cfg->source.manifest) return BASE_OK; /* a manifest source: checked after synthesis */
    char p1[PATH_MAX], p2[PATH_MAX];
    if (!realpath(c->text, p1) || !realpath(cfg->source.text, p2) || strcmp(p1, p2)) return BASE_OK;
    long a1, b1, a2, b2;
    if (sim_corpus_parse_lines(c->lines, &a1, &b1) ||
        sim_corpus_parse_lines(cfg->source.lines, &a2, &b2) || b1 < a2 || b2 < a1)
        return BASE_OK;
    const char *file;
    int line;
    sim_scenario_where(sc, c->lines_key, &file, &line);
    return base_err_set(err, BASE_EINVAL, file, line,
                        "%s=%s overlaps source.lines=%s of the same text: the corpus would contain "
                        "evaluated sentences (test-set leakage); choose training lines",
                        c->lines_key, c->lines, cfg->source.lines);
}

base_status sim_tts_corpora_check(const sim_scenario *sc, const sim_config *cfg, sim_tts_use use,
                                  base_err *err)
{
    base_err local = BASE_ERR_INIT;
    if (!err) err = &local;
    base_status st = BASE_OK;
    if (sim_tts_anchors_used(cfg, use)) {
        corpus_in c = anchors_in(cfg);
        if ((st = check_corpus(sc, &c, err)) != BASE_OK ||
            (st = check_overlap(sc, cfg, &c, err)) != BASE_OK)
            return st;
    }
    if (sim_tts_head_used(cfg, use)) {
        corpus_in c = head_in(cfg);
        if ((st = check_corpus(sc, &c, err)) != BASE_OK ||
            (st = check_overlap(sc, cfg, &c, err)) != BASE_OK)
            return st;
    }
    return st;
}

/* The corpus configuration of (text, lines, voices), as synthesis uses it. */
static base_status corpus_config(const char *text, const char *lines, const char *voices,
                                 sim_corpus_config *cc, base_err *err)
{
    long a, b;
    if (sim_corpus_parse_lines(lines, &a, &b))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "line range must be A-B, got '%s'", lines);
    *cc = (sim_corpus_config){text, a, b, voices, NULL, 1, (codec_tts_opts)CODEC_TTS_OPTS_DEFAULT,
                              NULL};
    return BASE_OK;
}

/* CACHE/<key> of a corpus (key: sim_corpus_key_make, the content of the
 * selected lines and voices, engine versions, rate, format). */
static base_status entry_dir(const sim_corpus_config *cc, const char *cache, char *dir, size_t cap,
                             sim_corpus_key *key, base_err *err)
{
    base_status st = sim_corpus_key_make(cc, key, err);
    if (st != BASE_OK) return st;
    sim_datadir dd; /* default root: the build tree's cache/tts, or the user's cache */
    sim_datadir_find(&dd);
    const char *root = cache && *cache ? cache : dd.tts_cache;
    if (snprintf(dir, cap, "%s/%016llx%016llx", root, (unsigned long long)key->h[0],
                 (unsigned long long)key->h[1]) >= (int)cap)
        return base_err_set(err, BASE_ERANGE, root, 0, "source.cache path too long");
    return BASE_OK;
}

base_status sim_tts_corpus_dir(const char *text, const char *lines, const char *voices,
                               const char *cache, char *dir, size_t cap, base_err *err)
{
    sim_corpus_config cc;
    sim_corpus_key key;
    base_status st = corpus_config(text, lines, voices, &cc, err);
    return st != BASE_OK ? st : entry_dir(&cc, cache, dir, cap, &key, err);
}

/* The entry's sidecar (SIM_TTS_ENTRY_INFO): what it was built from, for
 * `semsim cache list`. Informational only: the key alone decides a hit. */
static base_status write_info(const char *dir, const corpus_in *c, const char *what,
                              const sim_corpus_key *key, base_err *err)
{
    char text[PATH_MAX], voices[PATH_MAX], path[SIM_CFG_STR + 32], stamp[32], buf[4 * PATH_MAX];
    if (!realpath(c->text, text)) snprintf(text, sizeof text, "%s", c->text);
    if (!realpath(c->voices, voices)) snprintf(voices, sizeof voices, "%s", c->voices);
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    const char *tb = strrchr(text, '/'), *vb = strrchr(voices, '/');
    int n =
        snprintf(buf, sizeof buf,
                 "kind = tts\nkey = %016llx%016llx\nformat = %s\ncode = semsim %s (git %s)\n"
                 "created = %s\nwhat = %s\ntext = %s\nlines = %s\nvoices = %s\n"
                 "engines = %s\nrate_hz = %d\nutterances = %zu\n"
                 "from = %s lines %s x %s (%zu lines x %zu voices); %s\n",
                 (unsigned long long)key->h[0], (unsigned long long)key->h[1], SIM_CORPUS_FORMAT,
                 PACKAGE_VERSION, BASE_GIT_REV, stamp, what, text, c->lines, voices, key->engines,
                 CODEC_TTS_RATE, key->lines * key->voices, tb ? tb + 1 : text, c->lines,
                 vb ? vb + 1 : voices, key->lines, key->voices, key->engines);
    snprintf(path, sizeof path, "%s/%s", dir, SIM_TTS_ENTRY_INFO);
    return base_fs_write_atomic(path, buf, n > 0 && (size_t)n < sizeof buf ? (size_t)n : 0, err);
}

base_status sim_tts_source_dir(const sim_config *cfg, char *dir, size_t cap, base_err *err)
{
    return sim_tts_corpus_dir(cfg->source.text, cfg->source.lines, cfg->source.voices,
                              cfg->source.cache, dir, cap, err);
}

/* Registers this process as a user of the entry (SIM_TTS_ENTRY_USERS/PID@HOST,
 * empty), so that `semsim cache clear` keeps the entry while this process may
 * still read its WAVs, and forgets this host's users that have exited. Call
 * under the entry's lock. Best effort: a cache the process cannot write to is
 * used unregistered. */
static void mark_user(const char *dir, const base_log *log)
{
    char users[SIM_CFG_STR], host[256], path[SIM_CFG_STR + 320];
    snprintf(users, sizeof users, "%s/%s", dir, SIM_TTS_ENTRY_USERS);
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    snprintf(path, sizeof path, "%s/%ld@%s", users, (long)getpid(), host);
    base_err e = BASE_ERR_INIT;
    FILE *f = base_fs_mkdirs(users, &e) == BASE_OK ? fopen(path, "w") : NULL;
    if (f)
        fclose(f);
    else
        base_log_debug(log, "TTS cache: cannot register as a user of %s", dir);
    /* forget this host's users that have exited, so the folder does not grow */
    DIR *d = opendir(users);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        const char *at = strchr(de->d_name, '@');
        long pid = strtol(de->d_name, NULL, 10);
        if (!at || strcmp(at + 1, host) || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno == EPERM)
            continue;
        snprintf(path, sizeof path, "%s/%s", users, de->d_name);
        unlink(path);
    }
    if (d) closedir(d);
}

/* Synthesise corpus c into the cache (unless complete) and write its
 * manifest path to manifest (SIM_CFG_STR bytes). Under the entry's lock:
 * build it when missing, then register this process as its user. */
static base_status prepare_corpus(const corpus_in *c, const char *cache, const char *what, int jobs,
                                  const base_log *log, char *manifest, base_err *err)
{
    char dir[SIM_CFG_STR - 32], lock[SIM_CFG_STR];
    sim_corpus_config cc;
    sim_corpus_key key;
    base_status st = corpus_config(c->text, c->lines, c->voices, &cc, err);
    if (st == BASE_OK) st = entry_dir(&cc, cache, dir, sizeof dir, &key, err);
    if (st != BASE_OK) return st;
    char path[SIM_CFG_STR];
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    snprintf(lock, sizeof lock, "%s.lock", dir);
    int have = base_fs_is_file(path), fd = -1;
    char *slash = strrchr(dir, '/');
    *slash = 0; /* the cache root */
    st = base_fs_mkdirs(dir, err);
    *slash = '/';
    if (st == BASE_OK) st = base_fs_lock(lock, &fd, err);
    if (st != BASE_OK) {
        if (!have) return st;
        fd = -1; /* a complete entry in a cache we cannot write to: read it as it is */
    } else {
        if (!base_fs_is_file(path)) { /* another process may have made it meanwhile */
            base_log_info(log, "TTS %s: synthesising %s lines %ld-%ld x voices of %s into %s", what,
                          c->text, cc.first, cc.last, c->voices, dir);
            cc.dir = dir;
            cc.jobs = jobs < 1 ? 1 : jobs > SIM_CORPUS_MAX_JOBS ? SIM_CORPUS_MAX_JOBS : jobs;
            cc.log = log;
            st = sim_corpus_make(&cc, NULL, err);
            if (st == BASE_OK) st = write_info(dir, c, what, &key, err);
        }
        if (st == BASE_OK) mark_user(dir, log);
        base_fs_unlock(fd);
        if (st != BASE_OK) return st;
    }
    snprintf(manifest, SIM_CFG_STR, "%s", path);
    return BASE_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Leakage guard: no utterance of the corpus manifest may share its id or its
 * normalised transcript with an utterance of the evaluated manifest. */
static base_status check_leak(const char *eval_path, const char *corpus_path, const char *what,
                              base_err *err)
{
    codec_manifest *ev = NULL, *co = NULL;
    char **keys = NULL, *norm = NULL;
    size_t n = 0;
    base_status st = codec_manifest_read(eval_path, &ev, err);
    if (st == BASE_OK) st = codec_manifest_read(corpus_path, &co, err);
    if (st != BASE_OK) goto out;
    size_t ne = codec_manifest_size(ev);
    /* ids and transcripts in one sorted table, tagged so an id never matches a transcript */
    if (!(keys = calloc(2 * ne + 1, sizeof *keys))) goto nomem;
    for (size_t i = 0; i < ne; i++) {
        const char *id = codec_manifest_id(ev, i);
        if ((st = codec_text_normalise(codec_manifest_transcript(ev, i), &norm, err)) != BASE_OK)
            goto out;
        size_t li = strlen(id) + 3, lt = strlen(norm) + 3;
        if (!(keys[n] = malloc(li)) || !(keys[n + 1] = malloc(lt))) {
            n += keys[n] != NULL;
            goto nomem;
        }
        snprintf(keys[n++], li, "i:%s", id);
        snprintf(keys[n++], lt, "t:%s", norm);
        free(norm);
        norm = NULL;
    }
    qsort(keys, n, sizeof *keys, cmp_str);
    char probe[SIM_CFG_STR];
    for (size_t i = 0; i < codec_manifest_size(co); i++) {
        const char *id = codec_manifest_id(co, i);
        snprintf(probe, sizeof probe, "i:%s", id);
        const char *pp = probe;
        int hit = bsearch(&pp, keys, n, sizeof *keys, cmp_str) != NULL;
        if (!hit) {
            if ((st = codec_text_normalise(codec_manifest_transcript(co, i), &norm, err)) !=
                BASE_OK)
                goto out;
            snprintf(probe, sizeof probe, "t:%s", norm);
            free(norm);
            norm = NULL;
            hit = bsearch(&pp, keys, n, sizeof *keys, cmp_str) != NULL;
        }
        if (hit) {
            st = base_err_set(err, BASE_EINVAL, corpus_path, 0,
                              "the %s's utterance %s is also evaluated (same id or sentence as in "
                              "%s): test-set leakage; choose other lines",
                              what, id, eval_path);
            goto out;
        }
    }
    goto out;
nomem:
    st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
out:
    for (size_t i = 0; keys && i < n; i++) free(keys[i]);
    free(keys);
    free(norm);
    codec_manifest_destroy(ev);
    codec_manifest_destroy(co);
    return st;
}

base_status sim_tts_source_prepare(sim_config *cfg, sim_tts_use use, int jobs, const base_log *log,
                                   base_err *err)
{
    base_status st;
    if (sim_tts_source_used(cfg, use)) {
        corpus_in c = source_in(cfg);
        if ((st = prepare_corpus(&c, cfg->source.cache, "source", jobs, log, cfg->source.manifest,
                                 err)) != BASE_OK)
            return st;
    }
    if (sim_tts_anchors_used(cfg, use)) {
        corpus_in c = anchors_in(cfg);
        if ((st = prepare_corpus(&c, cfg->source.cache, "anchor corpus", jobs, log,
                                 cfg->anchors.manifest, err)) != BASE_OK ||
            (st = check_leak(cfg->source.manifest, cfg->anchors.manifest, "anchor corpus", err)) !=
                BASE_OK)
            return st;
    }
    if (sim_tts_head_used(cfg, use)) {
        corpus_in c = head_in(cfg);
        if ((st = prepare_corpus(&c, cfg->source.cache, "relative-head corpus", jobs, log,
                                 cfg->equalizer.train_manifest, err)) != BASE_OK ||
            (st = check_leak(cfg->source.manifest, cfg->equalizer.train_manifest,
                             "relative-head corpus", err)) != BASE_OK)
            return st;
    }
    return BASE_OK;
}
