/* tts.c -- in-process espeak-ng / flite synthesis and the voices-file parser.
 *
 * Process layout (see tts.h for why): the process that calls
 * codec_tts_create initialises both engines and never synthesises. The first
 * synthesis with a voice starts a "zygote" for it: a forked process that only
 * selects the voice (espeak-ng loads its dictionary here, ~10 ms, which is
 * why it is done once per voice and not per utterance) and then waits for
 * requests on a socket. For every request the zygote forks a short-lived
 * worker that synthesises from the zygote's untouched state, sends the 16-bit
 * samples back and exits; the zygote relays them to the caller. Every
 * utterance thus starts from the state "engines initialised + voice selected",
 * whatever was synthesised before.
 */
#include "codecs/tts.h"

#include "base/hash.h"

#include "codecs/audio.h"
#include "codecs/text.h"

#include <errno.h>
#include <espeak-ng/speak_lib.h>
#include <fcntl.h>
#include <flite/flite.h>
#include <flite/flite_version.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* flite's voice registration functions (one per linked voice library). */
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);

#define ENGINE_ESPEAK "espeak-ng"
#define ENGINE_FLITE "flite"
#define N_FLITE 4
#define MAX_ZYGOTES 64
#define MAX_TEXT (1 << 20) /* bytes of one utterance's text */
#define MAX_SAMPLES ((uint64_t)1 << 30)

static const char *const flite_names[N_FLITE] = {"slt", "kal16", "rms", "awb"};

/* A running per-voice zygote. */
typedef struct zygote {
    codec_voice v;
    pid_t pid;
    int fd; /* socket to it: requests out, results in */
} zygote;

struct codec_tts {
    int espeak_rate;            /* espeak-ng's output rate (22050)             */
    cst_voice *flite[N_FLITE];  /* registered once, indexed as flite_names      */
    codec_resampler *rs_espeak; /* espeak_rate -> CODEC_TTS_RATE                */
    pid_t owner;                /* the process the zygotes below belong to      */
    zygote z[MAX_ZYGOTES];
    size_t nz;
};

/* Caller -> zygote: header, then len bytes of text. */
typedef struct request {
    uint32_t len;
    uint32_t pad_;
    double rate, pitch_st;
} request;

/* Zygote -> caller: header, then n int16 samples at `rate` Hz. */
typedef struct result {
    int32_t status; /* base_status */
    int32_t rate;
    uint64_t n;
} result;

/* Growable 16-bit sample buffer (worker side). */
typedef struct pcm_buf {
    short *x;
    size_t n, cap;
    int oom;
} pcm_buf;

static int flite_index(const char *name)
{
    for (int i = 0; i < N_FLITE; i++)
        if (!strcmp(name, flite_names[i])) return i;
    return -1;
}

static int is_engine(const char *e)
{
    return !strcmp(e, ENGINE_ESPEAK) || !strcmp(e, ENGINE_FLITE);
}

/* Identifier of this utterance for flite's srand: FNV-1a (base/hash) over the
 * voice, the text and the options, so the seed is a function of the request
 * only. It starts from SEED_BASIS, not FNV's basis (a digit short of it): kept
 * as it was, because the synthesized audio (and the TTS cache) depend on it. */
#define SEED_BASIS 1469598103934665603ull

static unsigned utterance_seed(const codec_voice *v, const char *text, const codec_tts_opts *o)
{
    uint64_t h = SEED_BASIS;
    const char *parts[3] = {v->engine, v->name, text};
    for (int p = 0; p < 3; p++) {
        h = base_hash_str(h, parts[p]);
        h = base_hash_bytes(h, "\xff", 1); /* separator */
    }
    int64_t q[2] = {llround(o->rate * 1e6), llround(o->pitch_st * 1e6)};
    for (int p = 0; p < 2; p++) h = base_hash_u64(h, (uint64_t)q[p]);
    return (unsigned)(h ^ (h >> 32));
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        /* send + MSG_NOSIGNAL on sockets: a dead peer is an error, not SIGPIPE */
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static void wait_pid(pid_t pid, int *status)
{
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (status) *status = ws;
}

/* ---- engine work (runs only in zygotes and their workers) ------------------------ */

static int espeak_cb(short *wav, int n, espeak_EVENT *ev)
{
    pcm_buf *b = ev ? ev->user_data : NULL;
    if (!b || !wav || n <= 0) return 0;
    if (b->n + (size_t)n > b->cap) {
        size_t nc = 2 * b->cap + (size_t)n + 16384;
        short *x = realloc(b->x, sizeof *x * nc);
        if (!x) {
            b->oom = 1;
            return 1; /* abort synthesis */
        }
        b->x = x;
        b->cap = nc;
    }
    memcpy(b->x + b->n, wav, sizeof *wav * (size_t)n);
    b->n += (size_t)n;
    return 0;
}

/* Whether the `+variant` of an espeak-ng voice name is one espeak-ng has
 * (espeak_SetVoiceByName silently ignores unknown variants). */
static int espeak_variant_known(const char *name)
{
    const char *plus = strchr(name, '+');
    if (!plus) return 1;
    espeak_VOICE spec;
    memset(&spec, 0, sizeof spec);
    spec.languages = "variant";
    const espeak_VOICE **list = espeak_ListVoices(&spec);
    for (size_t i = 0; list && list[i]; i++) {
        const char *id = list[i]->identifier, *slash = id ? strrchr(id, '/') : NULL;
        if (slash && !strcmp(slash + 1, plus + 1)) return 1;
    }
    return 0;
}

/* Zygote start-up: select the voice. */
static base_status voice_select(const codec_voice *v)
{
    if (!strcmp(v->engine, ENGINE_ESPEAK)) {
        if (!espeak_variant_known(v->name) || espeak_SetVoiceByName(v->name) != EE_OK)
            return BASE_ENOTFOUND;
        return BASE_OK;
    }
    if (!strcmp(v->engine, ENGINE_FLITE))
        return flite_index(v->name) >= 0 ? BASE_OK : BASE_ENOTFOUND;
    return BASE_ENOTFOUND;
}

static base_status synth_espeak(const char *text, const codec_tts_opts *o, pcm_buf *b)
{
    if (o->rate != 1.0)
        espeak_SetParameter(espeakRATE, (int)lround(espeakRATE_NORMAL * o->rate), 0);
    if (o->pitch_st != 0.0)
        espeak_SetParameter(espeakPITCH, (int)lround(50 + 50 * o->pitch_st / 12), 0);
    espeak_SetSynthCallback(espeak_cb);
    if (espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, b) !=
            EE_OK ||
        espeak_Synchronize() != EE_OK)
        return b->oom ? BASE_ENOMEM : BASE_EINTERNAL;
    return b->oom ? BASE_ENOMEM : BASE_OK;
}

static base_status synth_flite(const codec_tts *t, const codec_voice *v, const char *text,
                               const codec_tts_opts *o, pcm_buf *b, int *rate)
{
    cst_voice *vox = t->flite[flite_index(v->name)];
    if (o->rate != 1.0) {
        float ds = flite_get_param_float(vox->features, "duration_stretch", 1.0f);
        flite_feat_set_float(vox->features, "duration_stretch", ds / (float)o->rate);
    }
    if (o->pitch_st != 0.0) {
        /* Diphone voices (kal16) take their F0 target from the voice's
         * int_f0_target_mean; clustergen voices (slt, rms, awb) from their
         * model's own mean times the f0_shift feature. Scale both. */
        float shift = (float)pow(2.0, o->pitch_st / 12.0);
        if (feat_present(vox->features, "int_f0_target_mean")) {
            float f0 = flite_get_param_float(vox->features, "int_f0_target_mean", 100.0f);
            flite_feat_set_float(vox->features, "int_f0_target_mean", f0 * shift);
        } else {
            float f = flite_get_param_float(vox->features, "f0_shift", 1.0f);
            flite_feat_set_float(vox->features, "f0_shift", f * shift);
        }
    }
    /* flite's excitation comes from libc rand(): seed it from the request so
     * the waveform is a function of (voice, text, options) only. This is the
     * project's one srand, in a process that exits right after. */
    srand(utterance_seed(v, text, o));
    cst_wave *w = flite_text_to_wave(text, vox);
    if (!w) return BASE_EINTERNAL;
    int ch = w->num_channels > 0 ? w->num_channels : 1;
    size_t n = (size_t)(w->num_samples > 0 ? w->num_samples : 0);
    b->x = malloc(sizeof *b->x * (n ? n : 1));
    if (!b->x) {
        delete_wave(w);
        return BASE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int s = 0;
        for (int c = 0; c < ch; c++) s += w->samples[i * (size_t)ch + (size_t)c];
        b->x[i] = (short)(s / ch);
    }
    b->n = n;
    *rate = w->sample_rate;
    delete_wave(w);
    return BASE_OK;
}

/* Worker: synthesise text and send result + samples on fd; never returns. */
static void worker_main(const codec_tts *t, const codec_voice *v, const char *text,
                        const codec_tts_opts *o, int fd)
{
    pcm_buf b = {NULL, 0, 0, 0};
    result h = {BASE_OK, t->espeak_rate, 0};
    if (!strcmp(v->engine, ENGINE_ESPEAK)) {
        h.status = synth_espeak(text, o, &b);
    } else {
        int rate = 0;
        h.status = synth_flite(t, v, text, o, &b, &rate);
        h.rate = rate;
    }
    if (h.status == BASE_OK) h.n = b.n;
    int bad = write_all(fd, &h, sizeof h) || (h.n && write_all(fd, b.x, sizeof *b.x * b.n));
    _exit(bad ? 3 : 0); /* _exit: never run atexit handlers or flush inherited stdio */
}

/* One request inside the zygote: fork a worker, collect its output, relay it
 * (or a failure result) to fd. Returns -1 when the caller is gone. */
static int zygote_serve(const codec_tts *t, const codec_voice *v, const char *text,
                        const codec_tts_opts *o, int fd)
{
    result h = {BASE_EINTERNAL, 0, 0};
    short *x = NULL;
    int gp[2];
    if (pipe(gp) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            close(gp[0]);
            close(fd);
            worker_main(t, v, text, o, gp[1]);
        }
        close(gp[1]);
        if (pid > 0) {
            result w;
            int ok = read_all(gp[0], &w, sizeof w) == 0 && w.n <= MAX_SAMPLES;
            if (ok && w.status == BASE_OK && w.n) {
                x = malloc(sizeof *x * (size_t)w.n);
                ok = x && read_all(gp[0], x, sizeof *x * (size_t)w.n) == 0;
                if (!x) w.status = BASE_ENOMEM;
            }
            int ws;
            close(gp[0]);
            wait_pid(pid, &ws);
            if (ok && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
                h = w;
            else if (!x && w.status == BASE_ENOMEM)
                h.status = BASE_ENOMEM;
        } else {
            close(gp[0]);
        }
    }
    if (h.status != BASE_OK) h.n = 0;
    int bad = write_all(fd, &h, sizeof h) || (h.n && write_all(fd, x, sizeof *x * h.n));
    free(x);
    return bad ? -1 : 0;
}

/* Zygote main loop; never returns. */
static void zygote_main(const codec_tts *t, const codec_voice *v, int fd)
{
    /* The engines print warnings (flite: unknown words; espeak-ng: mbrola
     * voices) on stdout/stderr, which belong to the caller: silence them. */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    result hello = {voice_select(v), 0, 0};
    if (write_all(fd, &hello, sizeof hello) || hello.status != BASE_OK) _exit(0);
    char *text = NULL;
    for (;;) {
        request rq;
        if (read_all(fd, &rq, sizeof rq) || rq.len > MAX_TEXT) _exit(0); /* caller gone */
        char *nt = realloc(text, (size_t)rq.len + 1);
        if (!nt || read_all(fd, nt, rq.len)) _exit(0);
        text = nt;
        text[rq.len] = 0;
        codec_tts_opts o = {rq.rate, rq.pitch_st};
        if (zygote_serve(t, v, text, &o, fd)) _exit(0);
    }
}

/* ---- caller side ------------------------------------------------------------------ */

static void zygote_stop(zygote *z, int wait)
{
    if (z->fd >= 0) close(z->fd); /* EOF makes the zygote exit */
    if (wait && z->pid > 0) wait_pid(z->pid, NULL);
    z->fd = -1;
    z->pid = 0;
}

/* Start a zygote for v: BASE_ENOTFOUND when the engine lacks the voice. */
static base_status zygote_start(codec_tts *t, const codec_voice *v, zygote *z, base_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "TTS: socketpair failed: %s",
                            strerror(errno));
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "TTS: fork failed: %s", strerror(errno));
    }
    if (pid == 0) {
        /* Drop the other zygotes' sockets so they see EOF when the caller
         * closes them, whatever happens to this process. */
        for (size_t i = 0; i < t->nz; i++) close(t->z[i].fd);
        close(sv[0]);
        zygote_main(t, v, sv[1]);
    }
    close(sv[1]);
    z->v = *v;
    z->pid = pid;
    z->fd = sv[0];
    result hello;
    if (read_all(z->fd, &hello, sizeof hello)) hello.status = BASE_EINTERNAL;
    if (hello.status == BASE_OK) return BASE_OK;
    zygote_stop(z, 1);
    if (hello.status == BASE_ENOTFOUND)
        return base_err_set(err, BASE_ENOTFOUND, NULL, 0, "unknown %s voice '%s'", v->engine,
                            v->name);
    return base_err_set(err, BASE_EINTERNAL, NULL, 0, "TTS: the %s %s process failed to start",
                        v->engine, v->name);
}

/* The zygotes in t were inherited from another process (fork after use):
 * they are that process's; close our copies and start afresh. */
static void adopt(codec_tts *t)
{
    if (t->owner == getpid()) return;
    for (size_t i = 0; i < t->nz; i++) close(t->z[i].fd);
    t->nz = 0;
    t->owner = getpid();
}

base_status codec_tts_create(codec_tts **out, base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_tts_create: NULL");
    *out = NULL;
    codec_tts *t = calloc(1, sizeof *t);
    if (!t) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory creating TTS");
    t->owner = getpid();
    /* DONT_EXIT: without it espeak-ng calls exit() when its data is missing. */
    t->espeak_rate =
        espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
    if (t->espeak_rate <= 0) {
        free(t);
        return base_err_set(err, BASE_EINTERNAL, NULL, 0,
                            "espeak-ng failed to initialise (espeak-ng-data installed?)");
    }
    base_status st = codec_resampler_create(t->espeak_rate, CODEC_TTS_RATE, &t->rs_espeak, err);
    if (st != BASE_OK) {
        free(t);
        return st;
    }
    flite_init();
    cst_voice *(*reg[N_FLITE])(const char *) = {register_cmu_us_slt, register_cmu_us_kal16,
                                                register_cmu_us_rms, register_cmu_us_awb};
    for (int i = 0; i < N_FLITE; i++) {
        t->flite[i] = reg[i](NULL);
        if (!t->flite[i]) {
            codec_tts_destroy(t);
            return base_err_set(err, BASE_EINTERNAL, NULL, 0, "flite voice %s failed to register",
                                flite_names[i]);
        }
    }
    *out = t;
    return BASE_OK;
}

const char *codec_tts_engine_version(const char *engine)
{
    if (!engine) return NULL;
    if (!strcmp(engine, ENGINE_ESPEAK)) return espeak_Info(NULL);
    if (!strcmp(engine, ENGINE_FLITE)) return FLITE_PROJECT_VERSION;
    return NULL;
}

void codec_tts_destroy(codec_tts *t)
{
    if (!t) return;
    int mine = t->owner == getpid();
    for (size_t i = 0; i < t->nz; i++) zygote_stop(&t->z[i], mine);
    codec_resampler_destroy(t->rs_espeak);
    /* espeak-ng is not terminated: espeak_Terminate followed by a later
     * espeak_Initialize hangs (REFERENCES.md), and the process exits soon. */
    free(t);
}

base_status codec_tts_voice_check(codec_tts *t, const codec_voice *v, base_err *err)
{
    if (!t || !v) return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_tts_voice_check: NULL");
    if (!is_engine(v->engine))
        return base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                            "unknown TTS engine '%s' (known: espeak-ng, flite)", v->engine);
    if (!strcmp(v->engine, ENGINE_FLITE)) {
        if (flite_index(v->name) >= 0) return BASE_OK;
        return base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                            "unknown flite voice '%s' (known: slt, kal16, rms, awb)", v->name);
    }
    /* A throw-away zygote: selecting the voice there keeps this process's
     * engine state untouched (and starts no long-lived process that later
     * forked workers would inherit). */
    adopt(t);
    zygote z = {*v, 0, -1};
    base_status st = zygote_start(t, v, &z, err);
    if (st == BASE_OK) zygote_stop(&z, 1);
    return st;
}

/* The running zygote for v, started if needed. */
static base_status zygote_for(codec_tts *t, const codec_voice *v, zygote **out, base_err *err)
{
    adopt(t);
    for (size_t i = 0; i < t->nz; i++)
        if (!strcmp(t->z[i].v.engine, v->engine) && !strcmp(t->z[i].v.name, v->name)) {
            *out = &t->z[i];
            return BASE_OK;
        }
    if (t->nz == MAX_ZYGOTES) /* retire the oldest voice */
        zygote_stop(&t->z[0], 1), memmove(t->z, t->z + 1, sizeof *t->z * --t->nz);
    base_status st = zygote_start(t, v, &t->z[t->nz], err);
    if (st != BASE_OK) return st;
    *out = &t->z[t->nz++];
    return BASE_OK;
}

base_status codec_tts_synth(codec_tts *t, const codec_voice *v, const char *text,
                            const codec_tts_opts *o, float **x, size_t *n, base_err *err)
{
    if (!t || !v || !text || !x || !n)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_tts_synth: NULL argument");
    *x = NULL;
    *n = 0;
    codec_tts_opts def = CODEC_TTS_OPTS_DEFAULT;
    if (!o) o = &def;
    if (!(o->rate >= 0.5 && o->rate <= 2.0))
        return base_err_set(err, BASE_ERANGE, NULL, 0, "TTS rate factor %g outside 0.5..2",
                            o->rate);
    if (!(o->pitch_st >= -12.0 && o->pitch_st <= 12.0))
        return base_err_set(err, BASE_ERANGE, NULL, 0, "TTS pitch offset %g st outside -12..12",
                            o->pitch_st);
    if (!is_engine(v->engine))
        return base_err_set(err, BASE_ENOTFOUND, NULL, 0, "unknown TTS engine '%s'", v->engine);
    char *norm = NULL;
    base_status st = codec_text_normalise(text, &norm, err);
    if (st != BASE_OK) return st;
    int speakable = norm[0] != 0;
    free(norm);
    if (!speakable) /* espeak-ng would give a short silence, flite nothing */
        return base_err_set(err, BASE_EFORMAT, NULL, 0, "nothing to speak in \"%.60s\"", text);
    size_t len = strlen(text);
    if (len > MAX_TEXT)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "TTS text of %zu bytes is too long", len);

    zygote *z;
    st = zygote_for(t, v, &z, err);
    if (st != BASE_OK) return st;
    request rq = {(uint32_t)len, 0, o->rate, o->pitch_st};
    result h;
    short *pcm = NULL;
    float *raw = NULL;
    if (write_all(z->fd, &rq, sizeof rq) || write_all(z->fd, text, len) ||
        read_all(z->fd, &h, sizeof h) || h.n > MAX_SAMPLES) {
        st = base_err_set(err, BASE_EINTERNAL, NULL, 0, "TTS: the %s %s process died", v->engine,
                          v->name);
        goto dead;
    }
    if (h.status != BASE_OK)
        return base_err_set(err, (base_status)h.status, NULL, 0, "TTS %s %s failed: %s", v->engine,
                            v->name, base_status_str((base_status)h.status));
    if (h.n == 0)
        return base_err_set(err, BASE_EFORMAT, NULL, 0, "%s %s produced no audio for \"%.60s\"",
                            v->engine, v->name, text);
    pcm = malloc(sizeof *pcm * (size_t)h.n);
    raw = malloc(sizeof *raw * (size_t)h.n);
    if (!pcm || !raw) {
        /* the samples are still in the socket: this zygote cannot be reused */
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory reading TTS output");
        goto dead;
    }
    if (read_all(z->fd, pcm, sizeof *pcm * (size_t)h.n)) {
        st = base_err_set(err, BASE_EINTERNAL, NULL, 0, "TTS: %s %s output truncated", v->engine,
                          v->name);
        goto dead;
    }
    for (size_t i = 0; i < h.n; i++) raw[i] = pcm[i] / 32768.0f;
    free(pcm);
    pcm = NULL;
    if (h.rate == t->espeak_rate) {
        size_t m = codec_resampler_output_len(t->rs_espeak, (size_t)h.n);
        float *y = malloc(sizeof *y * m);
        st = y ? codec_resampler_execute(t->rs_espeak, raw, (size_t)h.n, y, err)
               : base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory resampling TTS output");
        free(raw);
        if (st != BASE_OK) {
            free(y);
            return st;
        }
        *x = y;
        *n = m;
    } else {
        st = codec_audio_resample(raw, (size_t)h.n, h.rate, CODEC_TTS_RATE, x, n, err);
        free(raw);
        if (st != BASE_OK) return st;
    }
    for (size_t i = 0; i < *n; i++) /* the resampler may overshoot a full-scale peak */
        (*x)[i] = (*x)[i] > 1.0f ? 1.0f : (*x)[i] < -1.0f ? -1.0f : (*x)[i];
    return BASE_OK;
dead:
    free(pcm);
    free(raw);
    zygote_stop(z, 1);
    *z = t->z[--t->nz]; /* forget it; the next call starts a new one */
    return st;
}

/* ---- voices file ------------------------------------------------------------------ */

const char *codec_voice_tag(const codec_voice *v, char *buf, size_t cap)
{
    if (!cap) return buf;
    const char *eng = !strcmp(v->engine, ENGINE_ESPEAK) ? "espeak" : v->engine;
    snprintf(buf, cap, "%s-%s", eng, v->name);
    for (char *p = buf; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '-';
    return buf;
}

base_status codec_voices_read(const char *path, codec_tts *tts, codec_voice **out, size_t *nout,
                              base_err *err)
{
    if (!path || !out || !nout)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_voices_read: NULL argument");
    *out = NULL;
    *nout = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return base_err_set(err, BASE_EIO, path, 0, "cannot open voices file: %s", strerror(errno));
    base_status st = BASE_OK;
    codec_voice *v = NULL;
    size_t n = 0, cap = 0, lcap = 0;
    char *line = NULL;
    int lineno = 0;
    while (getline(&line, &lcap, f) >= 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *save = NULL, *fld[3];
        int k = 0;
        for (char *tok = strtok_r(line, " \t\r\n", &save); tok && k < 3;
             tok = strtok_r(NULL, " \t\r\n", &save))
            fld[k++] = tok;
        if (k == 0) continue;
        if (k != 2) {
            st = base_err_set(err, BASE_EFORMAT, path, lineno,
                              "expected `ENGINE VOICE`, got %s field%s", k == 1 ? "1" : "3 or more",
                              k == 1 ? "" : "s");
            goto fail;
        }
        codec_voice cv;
        memset(&cv, 0, sizeof cv);
        if (strlen(fld[0]) >= sizeof cv.engine || strlen(fld[1]) >= sizeof cv.name) {
            st = base_err_set(err, BASE_EFORMAT, path, lineno, "engine or voice name too long");
            goto fail;
        }
        strcpy(cv.engine, fld[0]);
        strcpy(cv.name, fld[1]);
        cv.line = lineno;
        if (strcmp(cv.engine, ENGINE_ESPEAK) && strcmp(cv.engine, ENGINE_FLITE)) {
            st = base_err_set(err, BASE_ENOTFOUND, path, lineno,
                              "unknown TTS engine '%s' (known: espeak-ng, flite)", cv.engine);
            goto fail;
        }
        for (size_t i = 0; i < n; i++)
            if (!strcmp(v[i].engine, cv.engine) && !strcmp(v[i].name, cv.name)) {
                st = base_err_set(err, BASE_EEXIST, path, lineno, "voice %s %s already on line %d",
                                  cv.engine, cv.name, v[i].line);
                goto fail;
            }
        if (tts) {
            st = codec_tts_voice_check(tts, &cv, err);
            if (st != BASE_OK) {
                base_err_locate(err, path, lineno);
                goto fail;
            }
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            codec_voice *t = realloc(v, sizeof *t * nc);
            if (!t) {
                st = base_err_set(err, BASE_ENOMEM, path, lineno, "out of memory");
                goto fail;
            }
            v = t;
            cap = nc;
        }
        v[n++] = cv;
    }
    if (n == 0) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "no voices in file");
        goto fail;
    }
    fclose(f);
    free(line);
    *out = v;
    *nout = n;
    return BASE_OK;
fail:
    fclose(f);
    free(line);
    free(v);
    return st;
}
