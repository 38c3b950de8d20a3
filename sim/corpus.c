/* corpus.c -- text x voices corpus synthesis, shared by `semsim corpus` and
 * the built-in TTS source. See corpus.h. */
#include "sim/corpus.h"

#include "base/fs.h"
#include "base/hash.h"

#include "codecs/audio.h"
#include "codecs/manifest.h"
#include "codecs/text.h"

#include <errno.h>
#include <signal.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct corpus_job {
    size_t voice; /* index into the voices */
    size_t line;  /* index into the selected lines */
    char id[96];
    char rel[192]; /* WAV path relative to DIR */
} corpus_job;

/* Worker -> parent message; smaller than PIPE_BUF so writes are atomic. */
typedef struct corpus_msg {
    int32_t kind; /* MSG_MADE, MSG_SKIPPED, MSG_ERROR */
    int32_t job;
    uint64_t samples;
    base_err err;
} corpus_msg;

enum { MSG_MADE = 1, MSG_SKIPPED, MSG_ERROR };

typedef struct corpus_text {
    char **text; /* selected lines, as written, trimmed */
    int *lineno; /* their 1-based line numbers */
    size_t n;
} corpus_text;

/* "A-B" or "A" with 1 <= A <= B. */
int sim_corpus_parse_lines(const char *s, long *a, long *b)
{
    char *end;
    errno = 0;
    *a = strtol(s, &end, 10);
    if (errno || end == s || *a < 1) return -1;
    if (!*end) {
        *b = *a;
        return 0;
    }
    if (*end != '-') return -1;
    const char *s2 = end + 1;
    *b = strtol(s2, &end, 10);
    if (errno || end == s2 || *end || *b < *a) return -1;
    return 0;
}

static void text_free(corpus_text *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->text[i]);
    free(t->text);
    free(t->lineno);
    memset(t, 0, sizeof *t);
}

/* Read lines a..b (b < 0: to the end) of path. Each must hold something
 * speakable (non-empty after codec_text_normalise). */
static base_status text_read(const char *path, long a, long b, corpus_text *t, base_err *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) return base_err_set(err, BASE_EIO, path, 0, "cannot open text: %s", strerror(errno));
    base_status st = BASE_OK;
    char *line = NULL, *norm = NULL;
    size_t lcap = 0, cap = 0;
    ssize_t len;
    long lineno = 0;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        if (lineno < a || (b > 0 && lineno > b)) continue;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        for (char *p = line; *p; p++)
            if (*p == '\t') *p = ' ';
        char *s = line;
        while (*s == ' ') s++;
        size_t n = strlen(s);
        while (n && s[n - 1] == ' ') s[--n] = 0;
        free(norm);
        norm = NULL;
        if ((st = codec_text_normalise(s, &norm, err)) != BASE_OK) goto fail;
        if (!norm[0]) {
            st = base_err_set(err, BASE_EFORMAT, path, (int)lineno, "line has nothing to speak");
            goto fail;
        }
        if (t->n == cap) {
            size_t nc = cap ? 2 * cap : 128;
            char **tx = realloc(t->text, sizeof *tx * nc);
            if (tx) t->text = tx;
            int *ln = realloc(t->lineno, sizeof *ln * nc);
            if (ln) t->lineno = ln;
            if (!tx || !ln) goto nomem;
            cap = nc;
        }
        if (!(t->text[t->n] = strdup(s))) goto nomem;
        t->lineno[t->n++] = (int)lineno;
    }
    if (ferror(f)) {
        st = base_err_set(err, BASE_EIO, path, 0, "read failed: %s", strerror(errno));
        goto fail;
    }
    if (b > 0 && lineno < b) {
        st = base_err_set(err, BASE_ERANGE, path, 0,
                          "lines %ld-%ld selected, but the file has %ld lines", a, b, lineno);
        goto fail;
    }
    if (t->n == 0) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "no text lines selected");
        goto fail;
    }
    fclose(f);
    free(line);
    free(norm);
    return BASE_OK;
nomem:
    st = base_err_set(err, BASE_ENOMEM, path, (int)lineno, "out of memory");
fail:
    fclose(f);
    free(line);
    free(norm);
    text_free(t);
    return st;
}

/* ---- the content key (the TTS cache's entry name) -------------------------------- */

/* Both streams of k extended with n bytes at p, then n (so that "ab"+"c" and
 * "a"+"bc" differ). */
static void key_bytes(sim_corpus_key *k, const void *p, size_t n)
{
    for (int i = 0; i < 2; i++) k->h[i] = base_hash_u64(base_hash_bytes(k->h[i], p, n), n);
}

static void key_str(sim_corpus_key *k, const char *s)
{
    key_bytes(k, s, strlen(s));
}

static void key_u64(sim_corpus_key *k, uint64_t v)
{
    for (int i = 0; i < 2; i++) k->h[i] = base_hash_u64(k->h[i], v);
}

static void key_double(sim_corpus_key *k, double v)
{
    for (int i = 0; i < 2; i++) k->h[i] = base_hash_double(k->h[i], v);
}

/* The engines' versions, once per engine in first-use order, into k and
 * k->engines. */
static base_status key_engines(sim_corpus_key *k, const codec_voice *v, size_t nv,
                               const char *voices, base_err *err)
{
    size_t used = 0;
    k->engines[0] = 0;
    for (size_t i = 0; i < nv; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++) seen |= !strcmp(v[j].engine, v[i].engine);
        if (seen) continue;
        const char *ver = codec_tts_engine_version(v[i].engine);
        if (!ver)
            return base_err_set(err, BASE_ENOTFOUND, voices, v[i].line, "unknown TTS engine '%s'",
                                v[i].engine);
        key_str(k, v[i].engine);
        key_str(k, ver);
        int w = snprintf(k->engines + used, sizeof k->engines - used, "%s%s %s", used ? ", " : "",
                         v[i].engine, ver);
        if (w > 0 && (size_t)w < sizeof k->engines - used) used += (size_t)w;
    }
    return BASE_OK;
}

base_status sim_corpus_key_make(const sim_corpus_config *c, sim_corpus_key *key, base_err *err)
{
    if (!c || !c->text || !c->voices || !key)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "corpus key: NULL argument");
    if (c->first < 1 || (c->last >= 0 && c->last < c->first))
        return base_err_set(err, BASE_ERANGE, NULL, 0, "corpus key: bad line range");
    corpus_text t = {NULL, NULL, 0};
    codec_voice *v = NULL;
    size_t nv = 0;
    memset(key, 0, sizeof *key);
    key->h[0] = BASE_HASH_INIT;
    key->h[1] = 0x84222325cbf29ce4ULL; /* a second offset basis: an independent stream */
    base_status st = text_read(c->text, c->first, c->last > 0 ? c->last : -1, &t, err);
    if (st == BASE_OK) st = codec_voices_read(c->voices, NULL, &v, &nv, err);
    if (st == BASE_OK) {
        key_str(key, SIM_CORPUS_FORMAT);
        key_u64(key, CODEC_TTS_RATE);
        key_double(key, c->opts.rate);
        key_double(key, c->opts.pitch_st);
        st = key_engines(key, v, nv, c->voices, err);
    }
    if (st == BASE_OK) {
        key_u64(key, nv);
        for (size_t i = 0; i < nv; i++) key_str(key, v[i].engine), key_str(key, v[i].name);
        key_u64(key, t.n);
        for (size_t i = 0; i < t.n; i++)
            key_u64(key, (uint64_t)t.lineno[i]), key_str(key, t.text[i]);
        key->lines = t.n;
        key->voices = nv;
    }
    free(v);
    text_free(&t);
    return st;
}

/* Frames in an existing WAV, or -1 when it is not a readable audio file. */
static long long wav_frames(const char *path)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) return -1;
    sf_close(sf);
    return (long long)info.frames;
}

/* Make (or skip) one job; fills m. */
static void job_run(codec_tts *tts, const codec_voice *v, const corpus_text *t,
                    const codec_tts_opts *o, const char *dir, const corpus_job *j, corpus_msg *m)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, j->rel);
    long long have = wav_frames(path);
    if (have > 0) {
        m->kind = MSG_SKIPPED;
        m->samples = (uint64_t)have;
        return;
    }
    float *x = NULL;
    size_t n = 0;
    base_status st = codec_tts_synth(tts, &v[j->voice], t->text[j->line], o, &x, &n, &m->err);
    if (st == BASE_OK) st = codec_audio_write_wav(path, x, n, CODEC_TTS_RATE, &m->err);
    free(x);
    m->kind = st == BASE_OK ? MSG_MADE : MSG_ERROR;
    m->samples = n;
}

/* Worker process k of nw: jobs k, k+nw, ...; one message per job. */
static void worker_main(codec_tts *tts, const codec_voice *v, const corpus_text *t,
                        const codec_tts_opts *o, const char *dir, const corpus_job *jobs,
                        size_t njobs, size_t k, size_t nw, int fd)
{
    for (size_t i = k; i < njobs; i += nw) {
        corpus_msg m;
        memset(&m, 0, sizeof m);
        m.job = (int32_t)i;
        job_run(tts, v, t, o, dir, &jobs[i], &m);
        if (write(fd, &m, sizeof m) != (ssize_t)sizeof m || m.kind == MSG_ERROR) {
            codec_tts_destroy(tts);
            _exit(1);
        }
    }
    codec_tts_destroy(tts); /* stops and reaps this worker's TTS processes */
    _exit(0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One job per (voice, line): ids, paths relative to dir, the voices'
 * folders and their manifest rows. */
static base_status plan_jobs(const sim_corpus_config *c, const codec_voice *v, size_t nv,
                             const corpus_text *t, codec_manifest *man, corpus_job *jobs,
                             base_err *err)
{
    base_status st = BASE_OK;
    for (size_t iv = 0; iv < nv; iv++) {
        char tag[80], sub[4096];
        codec_voice_tag(&v[iv], tag, sizeof tag);
        snprintf(sub, sizeof sub, "%s/%s", c->dir, tag);
        if ((st = base_fs_mkdirs(sub, err))) return st;
        for (size_t il = 0; il < t->n; il++) {
            corpus_job *j = &jobs[iv * t->n + il];
            j->voice = iv;
            j->line = il;
            snprintf(j->id, sizeof j->id, "%s_L%04d", tag, t->lineno[il]);
            snprintf(j->rel, sizeof j->rel, "%s/%s.wav", tag, j->id);
            if ((st = codec_manifest_add(man, j->id, j->rel, t->text[il], err))) {
                base_err_locate(err, c->voices, v[iv].line);
                return st;
            }
        }
    }
    return BASE_OK;
}

/* What the workers reported. */
typedef struct corpus_tally {
    size_t made, skipped;
    uint64_t samples;
} corpus_tally;

/* Read one message per job from fd; on the first error (or a worker dying)
 * stop reading and return it, located at the voice's line. */
static base_status collect(const sim_corpus_config *c, int fd, const codec_voice *v,
                           const corpus_job *jobs, size_t njobs, double t0, corpus_tally *tl,
                           base_err *err)
{
    size_t step = njobs / 20 ? njobs / 20 : 1;
    corpus_msg m;
    while (tl->made + tl->skipped < njobs) {
        ssize_t r = read(fd, &m, sizeof m);
        if (r < 0 && errno == EINTR) continue;
        if (r != (ssize_t)sizeof m)
            return base_err_set(err, BASE_EINTERNAL, NULL, 0, "a corpus worker died");
        if (m.kind == MSG_ERROR) {
            base_status code = m.err.code ? m.err.code : BASE_EINTERNAL;
            if (err) *err = m.err;
            base_err_locate(err, c->voices, v[jobs[m.job].voice].line);
            return code;
        }
        m.kind == MSG_MADE ? tl->made++ : tl->skipped++;
        tl->samples += m.samples;
        size_t done = tl->made + tl->skipped;
        if (done % step == 0 || done == njobs)
            base_log_info(c->log, "corpus: %zu/%zu (%zu made, %zu skipped) %.1f s", done, njobs,
                          tl->made, tl->skipped, now_s() - t0);
    }
    return BASE_OK;
}

base_status sim_corpus_make(const sim_corpus_config *c, sim_corpus_stats *stats, base_err *err)
{
    if (!c || !c->text || !c->voices || !c->dir)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "corpus: NULL argument");
    if (c->jobs < 1 || c->jobs > SIM_CORPUS_MAX_JOBS || c->first < 1 ||
        (c->last >= 0 && c->last < c->first))
        return base_err_set(err, BASE_ERANGE, NULL, 0, "corpus: bad jobs or line range");
    const char *voices_path = c->voices, *dir = c->dir;
    base_status st = BASE_OK;
    corpus_text t = {NULL, NULL, 0};
    codec_tts *tts = NULL;
    codec_voice *v = NULL;
    codec_manifest *man = NULL;
    corpus_job *jobs = NULL;
    pid_t pids[SIM_CORPUS_MAX_JOBS];
    size_t nv = 0, started = 0;
    int fd[2] = {-1, -1};
    long nw = c->jobs;
    double t0 = now_s();

    if ((st = text_read(c->text, c->first, c->last > 0 ? c->last : -1, &t, err)) ||
        (st = codec_tts_create(&tts, err)) ||
        (st = codec_voices_read(voices_path, tts, &v, &nv, err)) || (st = base_fs_mkdirs(dir, err)))
        goto done;

    for (size_t iv = 0; iv < nv && c->opts.pitch_st != 0; iv++)
        if (!strcmp(v[iv].engine, "flite") && !strcmp(v[iv].name, "rms"))
            base_log_warn(c->log, "%s:%d: flite rms ignores the pitch offset", voices_path,
                          v[iv].line);
    size_t njobs = nv * t.n;
    jobs = calloc(njobs, sizeof *jobs);
    if (!jobs) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto done;
    }
    if ((st = codec_manifest_create(dir, &man, err)) ||
        (st = plan_jobs(c, v, nv, &t, man, jobs, err)))
        goto done;

    if ((size_t)nw > njobs) nw = (long)njobs;
    if (pipe(fd) != 0) {
        st = base_err_set(err, BASE_EINTERNAL, NULL, 0, "pipe failed: %s", strerror(errno));
        goto done;
    }
    fflush(NULL);
    for (started = 0; started < (size_t)nw; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            st = base_err_set(err, BASE_EINTERNAL, NULL, 0, "fork failed: %s", strerror(errno));
            goto done;
        }
        if (pid == 0) {
            close(fd[0]);
            worker_main(tts, v, &t, &c->opts, dir, jobs, njobs, started, (size_t)nw, fd[1]);
        }
        pids[started] = pid;
    }
    close(fd[1]);
    fd[1] = -1;

    corpus_tally tl = {0, 0, 0};
    st = collect(c, fd[0], v, jobs, njobs, t0, &tl, err);
    if (st)
        for (size_t i = 0; i < started; i++) kill(pids[i], SIGTERM);
    for (size_t i = 0; i < started; i++)
        while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR) {
        }
    started = 0;
    if (st) goto done;

    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.tsv", dir);
    if ((st = codec_manifest_write(man, mpath, err))) goto done;
    base_log_info(c->log,
                  "corpus: %zu utterances (%zu voices x %zu lines), %.3f h of audio, %zu made, "
                  "%zu skipped, %.1f s -> %s",
                  njobs, nv, t.n, (double)tl.samples / CODEC_TTS_RATE / 3600.0, tl.made, tl.skipped,
                  now_s() - t0, mpath);
    if (stats) {
        stats->utterances = njobs;
        stats->voices = nv;
        stats->lines = t.n;
        stats->made = tl.made;
        stats->skipped = tl.skipped;
        stats->samples = tl.samples;
        stats->seconds = now_s() - t0;
    }
done:
    for (size_t i = 0; i < started; i++) {
        kill(pids[i], SIGTERM);
        waitpid(pids[i], NULL, 0);
    }
    if (fd[0] >= 0) close(fd[0]);
    if (fd[1] >= 0) close(fd[1]);
    codec_manifest_destroy(man);
    free(jobs);
    free(v);
    codec_tts_destroy(tts);
    text_free(&t);
    return st;
}
