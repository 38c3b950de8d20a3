/* cmd_corpus.c -- `semsim corpus`: synthesise a text x voices corpus.
 *
 *   semsim corpus --text FILE [--lines A-B] --voices FILE -o DIR [-j N]
 *                 [--rate F] [--pitch ST] [--quiet]
 *
 * Speech-in front door (CONTRACT.md): every selected line of the text file is
 * spoken by every voice of the voices file with the in-process TTS
 * (codecs/tts), giving DIR/TAG/TAG_LNNNN.wav (16 kHz mono 16-bit PCM; TAG is
 * the sanitised voice, e.g. espeak-en-us-m3, NNNN the 1-based line of the text
 * file) and DIR/manifest.tsv listing them voice by voice, in voices-file
 * order, then line order. The ids contain one underscore (sclite's spk_utt).
 * TRANSCRIPT is the text line as written (blanks at both ends trimmed, tabs
 * made spaces); consumers normalise it with codec_text_normalise.
 *
 * Re-runs are byte-identical and skip WAVs that exist (a WAV is written to a
 * .tmp file and renamed, so an existing one is complete). TTS engines are
 * process-global, so -j N runs N worker processes; worker k makes jobs
 * k, k+N, ... and reports each one to the parent through a pipe; the parent
 * prints progress on stderr and writes the manifest once all jobs succeeded.
 */
#include "sim/cmd.h"

#include "codecs/audio.h"
#include "codecs/manifest.h"
#include "codecs/text.h"
#include "codecs/tts.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS_PROC 64

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
    sim_err err;
} corpus_msg;

enum { MSG_MADE = 1, MSG_SKIPPED, MSG_ERROR };

typedef struct corpus_text {
    char **text; /* selected lines, as written, trimmed */
    int *lineno; /* their 1-based line numbers */
    size_t n;
} corpus_text;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: semsim corpus --text FILE [--lines A-B] --voices FILE -o DIR [-j N]\n"
            "                     [--rate F] [--pitch ST] [--quiet]\n"
            "\n"
            "Speaks every selected line of the text FILE with every voice of the voices\n"
            "FILE (lines `ENGINE VOICE`, engines espeak-ng and flite, # comments), in\n"
            "process, and writes 16 kHz mono 16-bit WAVs DIR/TAG/TAG_LNNNN.wav plus\n"
            "DIR/manifest.tsv (ID<TAB>AUDIO<TAB>TRANSCRIPT). A re-run gives byte-identical\n"
            "files and skips WAVs that already exist.\n"
            "\n"
            "  --text FILE     one sentence per line\n"
            "  --lines A-B     1-based inclusive range of lines (default: all; `A` = one line)\n"
            "  --voices FILE   voices file (see data/voices-train.txt)\n"
            "  -o, --output DIR  output folder (created if missing)\n"
            "  -j, --jobs N    worker processes (default 1, at most %d)\n"
            "  --rate F        speaking-rate factor, 0.5..2 (default 1)\n"
            "  --pitch ST      pitch offset in semitones, -12..12 (default 0)\n"
            "  -q, --quiet     no progress on stderr\n"
            "  -h, --help      this text\n",
            MAX_JOBS_PROC);
}

static int fail_err(const sim_err *e)
{
    char buf[SIM_ERR_MSG + SIM_ERR_FILE + 32];
    fprintf(stderr, "semsim: %s\n", sim_err_format(e, buf, sizeof buf));
    return SIM_EXIT_FAIL;
}

static int usage_error(const char *what)
{
    fprintf(stderr, "semsim corpus: %s\n", what);
    usage(stderr);
    return SIM_EXIT_USAGE;
}

/* "A-B" or "A" with 1 <= A <= B. */
static int parse_lines(const char *s, long *a, long *b)
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

static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return (errno || end == s || *end) ? -1 : 0;
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
static sim_status text_read(const char *path, long a, long b, corpus_text *t, sim_err *err)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) return sim_err_set(err, SIM_EIO, path, 0, "cannot open text: %s", strerror(errno));
    sim_status st = SIM_OK;
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
        if ((st = codec_text_normalise(s, &norm, err)) != SIM_OK) goto fail;
        if (!norm[0]) {
            st = sim_err_set(err, SIM_EFORMAT, path, (int)lineno, "line has nothing to speak");
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
        st = sim_err_set(err, SIM_EIO, path, 0, "read failed: %s", strerror(errno));
        goto fail;
    }
    if (b > 0 && lineno < b) {
        st = sim_err_set(err, SIM_ERANGE, path, 0, "--lines %ld-%ld, but the file has %ld lines", a,
                         b, lineno);
        goto fail;
    }
    if (t->n == 0) {
        st = sim_err_set(err, SIM_EFORMAT, path, 0, "no text lines selected");
        goto fail;
    }
    fclose(f);
    free(line);
    free(norm);
    return SIM_OK;
nomem:
    st = sim_err_set(err, SIM_ENOMEM, path, (int)lineno, "out of memory");
fail:
    fclose(f);
    free(line);
    free(norm);
    text_free(t);
    return st;
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
            struct stat sb;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return sim_err_set(err, SIM_EIO, buf, 0, "cannot create folder: %s",
                                   strerror(errno));
            if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
                return sim_err_set(err, SIM_EIO, buf, 0, "exists and is not a folder");
            *p = c;
            if (!c) break;
        }
    }
    return SIM_OK;
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
    sim_status st = codec_tts_synth(tts, &v[j->voice], t->text[j->line], o, &x, &n, &m->err);
    if (st == SIM_OK) st = codec_audio_write_wav(path, x, n, CODEC_TTS_RATE, &m->err);
    free(x);
    m->kind = st == SIM_OK ? MSG_MADE : MSG_ERROR;
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

int sim_cmd_corpus(int argc, char **argv)
{
    static const struct option opts[] = {
        {"text", required_argument, NULL, 't'},   {"lines", required_argument, NULL, 'l'},
        {"voices", required_argument, NULL, 'v'}, {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},   {"rate", required_argument, NULL, 'r'},
        {"pitch", required_argument, NULL, 'p'},  {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *text_path = NULL, *voices_path = NULL, *dir = NULL;
    long a = 1, b = -1, nw = 1;
    int quiet = 0, c;
    codec_tts_opts o = CODEC_TTS_OPTS_DEFAULT;
    optind = 0; /* full getopt reset: tests call commands repeatedly */
    opterr = 1;
    while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            text_path = optarg;
            break;
        case 'v':
            voices_path = optarg;
            break;
        case 'o':
            dir = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'l':
            if (parse_lines(optarg, &a, &b))
                return usage_error("--lines wants A-B with 1 <= A <= B");
            break;
        case 'j': {
            char *end;
            nw = strtol(optarg, &end, 10);
            if (*end || end == optarg || nw < 1 || nw > MAX_JOBS_PROC)
                return usage_error("-j wants a number of processes, 1..64");
            break;
        }
        case 'r':
            if (parse_double(optarg, &o.rate) || !(o.rate >= 0.5 && o.rate <= 2.0))
                return usage_error("--rate wants a factor in 0.5..2");
            break;
        case 'p':
            if (parse_double(optarg, &o.pitch_st) || !(o.pitch_st >= -12 && o.pitch_st <= 12))
                return usage_error("--pitch wants semitones in -12..12");
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (optind < argc) return usage_error("unexpected argument");
    if (!text_path || !voices_path || !dir)
        return usage_error("--text, --voices and -o are required");

    sim_err err = SIM_ERR_INIT;
    int rc = SIM_EXIT_FAIL;
    corpus_text t = {NULL, NULL, 0};
    codec_tts *tts = NULL;
    codec_voice *v = NULL;
    codec_manifest *man = NULL;
    corpus_job *jobs = NULL;
    pid_t pids[MAX_JOBS_PROC];
    size_t nv = 0, started = 0;
    int fd[2] = {-1, -1};
    double t0 = now_s();

    if (text_read(text_path, a, b, &t, &err) || codec_tts_create(&tts, &err) ||
        codec_voices_read(voices_path, tts, &v, &nv, &err) || mkdir_p(dir, &err))
        goto fail_msg;

    for (size_t iv = 0; iv < nv && o.pitch_st != 0 && !quiet; iv++)
        if (!strcmp(v[iv].engine, "flite") && !strcmp(v[iv].name, "rms"))
            fprintf(stderr, "semsim: %s:%d: warning: flite rms ignores --pitch\n", voices_path,
                    v[iv].line);
    size_t njobs = nv * t.n;
    jobs = calloc(njobs, sizeof *jobs);
    if (!jobs) {
        sim_err_set(&err, SIM_ENOMEM, NULL, 0, "out of memory");
        goto fail_msg;
    }
    if (codec_manifest_create(dir, &man, &err)) goto fail_msg;
    for (size_t iv = 0; iv < nv; iv++) {
        char tag[80], sub[4096];
        codec_voice_tag(&v[iv], tag, sizeof tag);
        snprintf(sub, sizeof sub, "%s/%s", dir, tag);
        if (mkdir_p(sub, &err)) goto fail_msg;
        for (size_t il = 0; il < t.n; il++) {
            corpus_job *j = &jobs[iv * t.n + il];
            j->voice = iv;
            j->line = il;
            snprintf(j->id, sizeof j->id, "%s_L%04d", tag, t.lineno[il]);
            snprintf(j->rel, sizeof j->rel, "%s/%s.wav", tag, j->id);
            if (codec_manifest_add(man, j->id, j->rel, t.text[il], &err)) {
                sim_err_locate(&err, voices_path, v[iv].line);
                goto fail_msg;
            }
        }
    }

    if ((size_t)nw > njobs) nw = (long)njobs;
    if (pipe(fd) != 0) {
        sim_err_set(&err, SIM_EINTERNAL, NULL, 0, "pipe failed: %s", strerror(errno));
        goto fail_msg;
    }
    fflush(NULL);
    for (started = 0; started < (size_t)nw; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            sim_err_set(&err, SIM_EINTERNAL, NULL, 0, "fork failed: %s", strerror(errno));
            goto fail_msg;
        }
        if (pid == 0) {
            close(fd[0]);
            worker_main(tts, v, &t, &o, dir, jobs, njobs, started, (size_t)nw, fd[1]);
        }
        pids[started] = pid;
    }
    close(fd[1]);
    fd[1] = -1;

    size_t made = 0, skipped = 0, step = njobs / 20 ? njobs / 20 : 1;
    uint64_t samples = 0;
    corpus_msg m;
    int failed = 0;
    while (made + skipped < njobs) {
        ssize_t r = read(fd[0], &m, sizeof m);
        if (r < 0 && errno == EINTR) continue;
        if (r != (ssize_t)sizeof m) {
            sim_err_set(&err, SIM_EINTERNAL, NULL, 0, "a corpus worker died");
            failed = 1;
            break;
        }
        if (m.kind == MSG_ERROR) {
            err = m.err;
            sim_err_locate(&err, voices_path, v[jobs[m.job].voice].line);
            failed = 1;
            break;
        }
        m.kind == MSG_MADE ? made++ : skipped++;
        samples += m.samples;
        if (!quiet && ((made + skipped) % step == 0 || made + skipped == njobs))
            fprintf(stderr, "corpus: %zu/%zu (%zu made, %zu skipped) %.1f s\n", made + skipped,
                    njobs, made, skipped, now_s() - t0);
    }
    if (failed)
        for (size_t i = 0; i < started; i++) kill(pids[i], SIGTERM);
    for (size_t i = 0; i < started; i++)
        while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR) {
        }
    started = 0;
    if (failed) goto fail_msg;

    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.tsv", dir);
    if (codec_manifest_write(man, mpath, &err)) goto fail_msg;
    if (!quiet)
        fprintf(stderr,
                "corpus: %zu utterances (%zu voices x %zu lines), %.3f h of audio, %zu made, "
                "%zu skipped, %.1f s -> %s\n",
                njobs, nv, t.n, (double)samples / CODEC_TTS_RATE / 3600.0, made, skipped,
                now_s() - t0, mpath);
    rc = SIM_EXIT_OK;
    goto done;
fail_msg:
    for (size_t i = 0; i < started; i++) {
        kill(pids[i], SIGTERM);
        waitpid(pids[i], NULL, 0);
    }
    rc = fail_err(&err);
done:
    if (fd[0] >= 0) close(fd[0]);
    if (fd[1] >= 0) close(fd[1]);
    codec_manifest_destroy(man);
    free(jobs);
    free(v);
    codec_tts_destroy(tts);
    text_free(&t);
    return rc;
}
