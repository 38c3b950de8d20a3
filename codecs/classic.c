/* classic.c -- Codec2 and Opus baselines (see classic.h). */
#include "codecs/classic.h"

#include <codec2/codec2.h>
#include <errno.h>
#include <liquid/liquid.h>
#include <math.h>
#include <opus/opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum family { FAM_CODEC2, FAM_OPUS };

struct codec_classic {
    char name[32];
    enum family fam;
    int c2mode;          /* codec2 mode constant */
    int kbps;            /* opus bit rate */
    size_t frame_bits;   /* payload bits per frame */
    size_t frame_bytes;  /* bytes per frame in the payload buffer */
    size_t frame16;      /* samples per frame at 16 kHz */
    short *pcm;          /* (frame16) scratch: 8 kHz codec2 frame or 16 kHz opus frame */
    float *f16;          /* (frame16) scratch */
    uint8_t *last;       /* (frame_bytes) last good frame, codec2 concealment */
    resamp2_rrrf decim;  /* 16 -> 8 kHz */
    resamp2_rrrf interp; /* 8 -> 16 kHz */
    OpusEncoder *oenc;
    OpusDecoder *odec;
};

static short to_pcm(float v)
{
    float s = v * 32767.0f;
    if (s > 32767.0f) s = 32767.0f;
    if (s < -32768.0f) s = -32768.0f;
    return (short)lrintf(s);
}

static int parse_name(codec_classic *q, const char *name)
{
    if (!strcmp(name, "codec2-3200"))
        q->c2mode = CODEC2_MODE_3200;
    else if (!strcmp(name, "codec2-1200"))
        q->c2mode = CODEC2_MODE_1200;
    else if (!strcmp(name, "codec2-700c"))
        q->c2mode = CODEC2_MODE_700C;
    else if (!strncmp(name, "opus-", 5)) {
        char *end;
        long k = strtol(name + 5, &end, 10);
        if (*end || end == name + 5 || k < 6 || k > 64) return -1;
        q->fam = FAM_OPUS;
        q->kbps = (int)k;
        return 0;
    } else
        return -1;
    q->fam = FAM_CODEC2;
    return 0;
}

codec_classic *codec_classic_create(const char *name, base_err *err)
{
    if (!name) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "codec name is NULL");
        return NULL;
    }
    codec_classic *q = calloc(1, sizeof *q);
    if (!q) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    snprintf(q->name, sizeof q->name, "%s", name);
    if (parse_name(q, name)) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "unknown codec '%s' (codec2-3200, codec2-1200, codec2-700c, opus-6..opus-64)",
                     name);
        goto fail;
    }
    if (q->fam == FAM_CODEC2) {
        struct CODEC2 *c2 = codec2_create(q->c2mode);
        if (!c2) {
            base_err_set(err, BASE_EUNSUPPORTED, NULL, 0, "libcodec2 lacks mode %s", name);
            goto fail;
        }
        q->frame_bits = (size_t)codec2_bits_per_frame(c2);
        q->frame16 = 2 * (size_t)codec2_samples_per_frame(c2);
        codec2_destroy(c2);
        q->frame_bytes = (q->frame_bits + 7) / 8;
        /* 2:1 half-band filters, 60 dB stop-band attenuation. */
        q->decim = resamp2_rrrf_create(12, 0.0f, 60.0f);
        q->interp = resamp2_rrrf_create(12, 0.0f, 60.0f);
        if (!q->decim || !q->interp) {
            base_err_set(err, BASE_EINTERNAL, NULL, 0, "liquid-dsp resamp2 create failed");
            goto fail;
        }
    } else {
        int e1, e2;
        q->frame16 = 320; /* 20 ms */
        q->frame_bytes = (size_t)q->kbps * 1000 / 8 / 50;
        q->frame_bits = 8 * q->frame_bytes;
        q->oenc = opus_encoder_create(16000, 1, OPUS_APPLICATION_VOIP, &e1);
        q->odec = opus_decoder_create(16000, 1, &e2);
        if (e1 != OPUS_OK || e2 != OPUS_OK) {
            base_err_set(err, BASE_EINTERNAL, NULL, 0, "opus: %s",
                         opus_strerror(e1 != OPUS_OK ? e1 : e2));
            goto fail;
        }
        if (opus_encoder_ctl(q->oenc, OPUS_SET_BITRATE(q->kbps * 1000)) != OPUS_OK ||
            opus_encoder_ctl(q->oenc, OPUS_SET_VBR(0)) != OPUS_OK) {
            base_err_set(err, BASE_EINTERNAL, NULL, 0, "opus: cannot set CBR %d kbit/s", q->kbps);
            goto fail;
        }
    }
    q->pcm = calloc(q->frame16, sizeof *q->pcm);
    q->f16 = calloc(q->frame16, sizeof *q->f16);
    q->last = calloc(q->frame_bytes, 1);
    if (!q->pcm || !q->f16 || !q->last) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    return q;
fail:
    codec_classic_destroy(q);
    return NULL;
}

void codec_classic_destroy(codec_classic *q)
{
    if (!q) return;
    if (q->decim) resamp2_rrrf_destroy(q->decim);
    if (q->interp) resamp2_rrrf_destroy(q->interp);
    if (q->oenc) opus_encoder_destroy(q->oenc);
    if (q->odec) opus_decoder_destroy(q->odec);
    free(q->pcm);
    free(q->f16);
    free(q->last);
    free(q);
}

const char *codec_classic_name(const codec_classic *q)
{
    return q->name;
}
size_t codec_classic_frame_bits(const codec_classic *q)
{
    return q->frame_bits;
}
size_t codec_classic_frame_bytes(const codec_classic *q)
{
    return q->frame_bytes;
}
size_t codec_classic_frame_samples(const codec_classic *q)
{
    return q->frame16;
}
double codec_classic_frame_seconds(const codec_classic *q)
{
    return q->frame16 / 16000.0;
}
size_t codec_classic_frames(const codec_classic *q, size_t n)
{
    return (n + q->frame16 - 1) / q->frame16;
}
double codec_classic_bitrate(const codec_classic *q)
{
    return q->frame_bits / codec_classic_frame_seconds(q);
}

/* 16 kHz frame f of x, zero-padded past n. */
static void load_frame(const codec_classic *q, const float *x, size_t n, size_t f, float *dst)
{
    size_t off = f * q->frame16;
    for (size_t i = 0; i < q->frame16; i++) dst[i] = off + i < n ? x[off + i] : 0.0f;
}

base_status codec_classic_encode(codec_classic *q, const float *x, size_t n, uint8_t *bits,
                                 base_err *err)
{
    if (!q || (!x && n) || !bits) return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL argument");
    size_t nf = codec_classic_frames(q, n);
    if (q->fam == FAM_OPUS) {
        opus_encoder_ctl(q->oenc, OPUS_RESET_STATE);
        for (size_t f = 0; f < nf; f++) {
            load_frame(q, x, n, f, q->f16);
            uint8_t *dst = bits + f * q->frame_bytes;
            opus_int32 got = opus_encode_float(q->oenc, q->f16, (int)q->frame16, dst,
                                               (opus_int32)q->frame_bytes);
            if (got < 0)
                return base_err_set(err, BASE_EINTERNAL, NULL, 0, "opus_encode: %s",
                                    opus_strerror(got));
            /* CBR packets may still come out short (e.g. on silence): pad to the
             * fixed size so every frame costs the same channel symbols. */
            if ((size_t)got < q->frame_bytes &&
                opus_packet_pad(dst, got, (opus_int32)q->frame_bytes) != OPUS_OK)
                return base_err_set(err, BASE_EINTERNAL, NULL, 0, "opus_packet_pad failed");
        }
        return BASE_OK;
    }
    /* libcodec2 has no reset: a fresh encoder per utterance keeps utterances
     * independent (the one allocation outside create, forced by the library). */
    struct CODEC2 *c2 = codec2_create(q->c2mode);
    if (!c2) return base_err_set(err, BASE_ENOMEM, NULL, 0, "codec2_create failed");
    resamp2_rrrf_reset(q->decim);
    size_t half = q->frame16 / 2;
    for (size_t f = 0; f < nf; f++) {
        load_frame(q, x, n, f, q->f16);
        for (size_t i = 0; i < half; i++) {
            float y;
            resamp2_rrrf_decim_execute(q->decim, q->f16 + 2 * i, &y);
            q->pcm[i] = to_pcm(y);
        }
        memset(bits + f * q->frame_bytes, 0, q->frame_bytes);
        codec2_encode(c2, bits + f * q->frame_bytes, q->pcm);
    }
    codec2_destroy(c2);
    return BASE_OK;
}

static base_status decode_opus(codec_classic *q, const uint8_t *bits, const uint8_t *lost,
                               size_t nf, float *out, size_t n, base_err *err)
{
    opus_decoder_ctl(q->odec, OPUS_RESET_STATE);
    for (size_t f = 0; f < nf; f++) {
        int is_lost = lost && lost[f];
        int got = OPUS_INVALID_PACKET;
        if (!is_lost)
            got = opus_decode_float(q->odec, bits + f * q->frame_bytes, (opus_int32)q->frame_bytes,
                                    q->f16, (int)q->frame16, 0);
        /* A frame that the CRC let through but Opus cannot parse is concealed
         * like a lost one. */
        if (got < 0) got = opus_decode_float(q->odec, NULL, 0, q->f16, (int)q->frame16, 0);
        if (got < 0) return base_err_set(err, BASE_EINTERNAL, NULL, 0, "opus PLC failed");
        size_t off = f * q->frame16;
        for (size_t i = 0; i < q->frame16 && off + i < n; i++) out[off + i] = q->f16[i];
    }
    return BASE_OK;
}

/* Runs in the forked child: decode every frame and write n floats to fd. */
static int codec2_child(codec_classic *q, const uint8_t *bits, const uint8_t *lost, size_t nf,
                        size_t n, int fd)
{
    struct CODEC2 *c2 = codec2_create(q->c2mode);
    if (!c2) return 1;
    resamp2_rrrf_reset(q->interp);
    size_t half = q->frame16 / 2, written = 0;
    int have_last = 0;
    for (size_t f = 0; f < nf && written < n; f++) {
        const uint8_t *b = bits + f * q->frame_bytes;
        if (lost && lost[f]) {
            b = have_last ? q->last : NULL;
        } else {
            memcpy(q->last, b, q->frame_bytes);
            have_last = 1;
        }
        if (b)
            codec2_decode(c2, q->pcm, b);
        else
            memset(q->pcm, 0, half * sizeof *q->pcm);
        for (size_t i = 0; i < half; i++)
            resamp2_rrrf_interp_execute(q->interp, q->pcm[i] / 32768.0f, q->f16 + 2 * i);
        size_t take = q->frame16 < n - written ? q->frame16 : n - written;
        const char *p = (const char *)q->f16;
        size_t left = take * sizeof(float);
        while (left) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return 1;
            p += w;
            left -= (size_t)w;
        }
        written += take;
    }
    codec2_destroy(c2);
    return written == n ? 0 : 1;
}

static base_status decode_codec2(codec_classic *q, const uint8_t *bits, const uint8_t *lost,
                                 size_t nf, float *out, size_t n, base_err *err)
{
    int fds[2];
    if (pipe(fds)) return base_err_set(err, BASE_EINTERNAL, NULL, 0, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        _exit(codec2_child(q, bits, lost, nf, n, fds[1]));
    }
    close(fds[1]);
    char *p = (char *)out;
    size_t left = n * sizeof(float);
    while (left) {
        ssize_t r = read(fds[0], p, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        p += r;
        left -= (size_t)r;
    }
    close(fds[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (left || !WIFEXITED(st) || WEXITSTATUS(st))
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "codec2 decoder process failed");
    return BASE_OK;
}

base_status codec_classic_decode(codec_classic *q, const uint8_t *bits, const uint8_t *lost,
                                 size_t nframes, float *out, size_t n, base_err *err)
{
    if (!q || (!bits && nframes) || (!out && n))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL argument");
    if (n > nframes * q->frame16)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "%zu samples need more than %zu frames", n,
                            nframes);
    if (!n) return BASE_OK;
    return q->fam == FAM_OPUS ? decode_opus(q, bits, lost, nframes, out, n, err)
                              : decode_codec2(q, bits, lost, nframes, out, n, err);
}
