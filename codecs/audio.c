/* audio.c -- audio file reading (libsndfile), resampling (liquid-dsp
 * msresamp_rrrf) and 16-bit WAV writing; see audio.h. */
#include "codecs/audio.h"

#include <errno.h>
#include <liquid/liquid.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Frames read from libsndfile per call while downmixing. */
#define READ_BLOCK 4096

static float clip1(float v)
{
    if (v > 1.0f) return 1.0f;
    if (v < -1.0f) return -1.0f;
    if (v != v) return 0.0f; /* NaN from a corrupt float file */
    return v;
}

/* Read all frames of an open file, averaging channels. *x malloc'd. */
static base_status read_mono(SNDFILE *sf, const SF_INFO *info, const char *path, float **x,
                             size_t *n, base_err *err)
{
    base_status st = BASE_OK;
    int ch = info->channels;
    float *buf = malloc(sizeof *buf * (size_t)READ_BLOCK * (size_t)ch);
    /* the header's frame count only sizes the first allocation (capped: a lying
     * header costs no memory) */
    size_t cap = info->frames > 0 && info->frames < (1 << 22) ? (size_t)info->frames : READ_BLOCK,
           len = 0;
    float *out = malloc(sizeof *out * cap);
    if (!buf || !out) {
        st = base_err_set(err, BASE_ENOMEM, path, 0, "out of memory reading audio");
        goto fail;
    }
    for (;;) {
        sf_count_t got = sf_readf_float(sf, buf, READ_BLOCK);
        if (got <= 0) break;
        if (len + (size_t)got > (size_t)info->samplerate * CODEC_AUDIO_MAX_SECONDS) {
            st = base_err_set(err, BASE_ERANGE, path, 0, "audio file longer than %d s",
                              CODEC_AUDIO_MAX_SECONDS);
            goto fail;
        }
        if (len + (size_t)got > cap) {
            size_t ncap = 2 * cap + (size_t)got;
            float *t = realloc(out, sizeof *out * ncap);
            if (!t) {
                st = base_err_set(err, BASE_ENOMEM, path, 0, "out of memory reading audio");
                goto fail;
            }
            out = t;
            cap = ncap;
        }
        for (sf_count_t i = 0; i < got; i++) {
            float s = 0;
            for (int c = 0; c < ch; c++) s += buf[i * ch + c];
            out[len++] = s / (float)ch;
        }
    }
    if (sf_error(sf) != SF_ERR_NO_ERROR) {
        st = base_err_set(err, BASE_EIO, path, 0, "read failed: %s", sf_strerror(sf));
        goto fail;
    }
    if (len == 0) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "audio file has no samples");
        goto fail;
    }
    free(buf);
    *x = out;
    *n = len;
    return BASE_OK;
fail:
    free(buf);
    free(out);
    return st;
}

/* The header's fields against what the reader and the resampler can honour. */
static base_status check_header(const SF_INFO *info, const char *path, base_err *err)
{
    if (info->channels < 1 || info->channels > CODEC_AUDIO_MAX_CHANNELS)
        return base_err_set(err, BASE_ERANGE, path, 0,
                            "audio file header says %d channels, expected 1..%d", info->channels,
                            CODEC_AUDIO_MAX_CHANNELS);
    if (info->samplerate < CODEC_AUDIO_MIN_RATE || info->samplerate > CODEC_AUDIO_MAX_RATE)
        return base_err_set(err, BASE_ERANGE, path, 0,
                            "audio file header says %d Hz, expected %d..%d Hz", info->samplerate,
                            CODEC_AUDIO_MIN_RATE, CODEC_AUDIO_MAX_RATE);
    if (info->frames < 0 || info->frames > (sf_count_t)info->samplerate * CODEC_AUDIO_MAX_SECONDS)
        return base_err_set(err, BASE_ERANGE, path, 0,
                            "audio file header says %lld frames (more than %d s at %d Hz)",
                            (long long)info->frames, CODEC_AUDIO_MAX_SECONDS, info->samplerate);
    return BASE_OK;
}

static base_status resample_with(codec_audio_reader *rd, const float *in, size_t n, int rate_in,
                                 int rate_out, float **out, size_t *nout, base_err *err);

base_status codec_audio_read(const char *path, int rate, float **x, size_t *n, base_err *err)
{
    return codec_audio_reader_read(NULL, path, rate, x, n, err);
}

base_status codec_audio_reader_read(codec_audio_reader *rd, const char *path, int rate, float **x,
                                    size_t *n, base_err *err)
{
    if (x) *x = NULL;
    if (n) *n = 0;
    if (!path || !x || !n || rate <= 0)
        return base_err_set(err, BASE_EINVAL, path, 0, "codec_audio_read: bad arguments");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return base_err_set(err, BASE_EIO, path, 0, "cannot open audio: %s", strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return base_err_set(err, BASE_EIO, path, 0, "is a directory, not an audio file");
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return base_err_set(err, BASE_EIO, path, 0, "cannot open audio: %s", strerror(errno));
    fclose(probe);

    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return base_err_set(err, BASE_EFORMAT, path, 0, "not an audio file libsndfile reads: %s",
                            sf_strerror(NULL));
    base_status st = check_header(&info, path, err);
    if (st) {
        sf_close(sf);
        return st;
    }
    float *mono = NULL;
    size_t len = 0;
    st = read_mono(sf, &info, path, &mono, &len, err);
    sf_close(sf);
    if (st != BASE_OK) return st;

    if (info.samplerate != rate) {
        float *rs = NULL;
        size_t nrs = 0;
        st = resample_with(rd, mono, len, info.samplerate, rate, &rs, &nrs, err);
        free(mono);
        if (st != BASE_OK) {
            base_err_locate(err, path, 0);
            return st;
        }
        mono = rs;
        len = nrs;
    }
    for (size_t i = 0; i < len; i++) mono[i] = clip1(mono[i]);
    *x = mono;
    *n = len;
    return BASE_OK;
}

/* Samples fed to liquid per call in codec_resampler_execute. */
#define RS_BLOCK 4096

struct codec_resampler {
    msresamp_rrrf q;
    double ratio; /* rate_out / rate_in */
    size_t skip;  /* output samples of filter delay to drop */
    size_t pad;   /* zeros fed after the input to flush the filter */
    float zeros[RS_BLOCK];
    float *buf; /* RS_BLOCK*ratio + margin output samples of one call */
    size_t buf_cap;
};

/* Output delay of r's filter: position of the impulse response's peak
 * (parabolic interpolation) minus the impulse's ideal position. Sets skip. */
static int measure_delay(codec_resampler *r, double guess)
{
    size_t i0 = (size_t)ceil(guess) + 8, nin = i0 + 2 * (size_t)ceil(guess) + 64;
    if (nin > RS_BLOCK) return -1;
    memset(r->zeros, 0, sizeof r->zeros);
    r->zeros[i0] = 1.0f;
    unsigned ny = 0;
    msresamp_rrrf_reset(r->q);
    int bad = msresamp_rrrf_get_num_output(r->q, (unsigned)nin) > r->buf_cap ||
              msresamp_rrrf_execute(r->q, r->zeros, (unsigned)nin, r->buf, &ny) != LIQUID_OK;
    r->zeros[i0] = 0.0f;
    if (bad || ny < 3) return -1;
    unsigned k = 1;
    for (unsigned i = 1; i + 1 < ny; i++)
        if (r->buf[i] > r->buf[k]) k = i;
    double a = r->buf[k - 1], b = r->buf[k], c = r->buf[k + 1], den = a - 2 * b + c;
    double peak = k + (den != 0 ? 0.5 * (a - c) / den : 0.0);
    double d = peak - (double)i0 * r->ratio;
    r->skip = d > 0 ? (size_t)lround(d) : 0;
    return 0;
}

base_status codec_resampler_create(int rate_in, int rate_out, codec_resampler **out, base_err *err)
{
    if (!out || rate_in <= 0 || rate_out <= 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "resampler: bad rates %d -> %d Hz", rate_in,
                            rate_out);
    *out = NULL;
    if (rate_in < CODEC_AUDIO_MIN_RATE || rate_in > CODEC_AUDIO_MAX_RATE ||
        rate_out < CODEC_AUDIO_MIN_RATE || rate_out > CODEC_AUDIO_MAX_RATE)
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "resampler: %d -> %d Hz is outside %d..%d Hz", rate_in, rate_out,
                            CODEC_AUDIO_MIN_RATE, CODEC_AUDIO_MAX_RATE);
    codec_resampler *r = calloc(1, sizeof *r);
    if (!r) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory planning resampler");
    r->ratio = (double)rate_out / (double)rate_in;
    r->q = msresamp_rrrf_create((float)r->ratio, CODEC_AUDIO_RESAMPLE_AS);
    if (!r->q) {
        free(r);
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "msresamp_rrrf_create failed");
    }
    r->buf_cap = (size_t)ceil(RS_BLOCK * r->ratio) + 64;
    r->buf = malloc(sizeof *r->buf * r->buf_cap);
    if (!r->buf) {
        codec_resampler_destroy(r);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory planning resampler");
    }
    /* liquid 1.5's msresamp_rrrf_get_delay is only a rough guide (22050 ->
     * 16000 reports 7 and the impulse response peaks 5.4 output samples
     * late; 2x reports 7 and peaks 14 late), so measure the delay once with
     * an impulse. Afterwards the signal is followed by `pad` zeros so its
     * tail comes out, and `skip` output samples of delay are dropped. */
    double guess = msresamp_rrrf_get_delay(r->q);
    r->pad = (size_t)ceil(guess) + 16;
    if (measure_delay(r, guess) != 0) {
        codec_resampler_destroy(r);
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "resampler delay measurement failed");
    }
    *out = r;
    return BASE_OK;
}

void codec_resampler_destroy(codec_resampler *r)
{
    if (!r) return;
    if (r->q) msresamp_rrrf_destroy(r->q);
    free(r->buf);
    free(r);
}

size_t codec_resampler_output_len(const codec_resampler *r, size_t n)
{
    if (!r || n == 0) return 0;
    size_t m = (size_t)llround((double)n * r->ratio);
    return m ? m : 1;
}

base_status codec_resampler_execute(codec_resampler *r, const float *in, size_t n, float *out,
                                    base_err *err)
{
    if (!r || (!in && n) || (!out && n))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_resampler_execute: NULL");
    if (n > ((size_t)1 << 31))
        return base_err_set(err, BASE_ERANGE, NULL, 0, "resample: %zu samples is too long", n);
    size_t want = codec_resampler_output_len(r, n), got = 0, seen = 0;
    msresamp_rrrf_reset(r->q);
    /* Input, then r->pad zeros, in blocks; keep outputs skip..skip+want. */
    for (size_t pos = 0; pos < n + r->pad && got < want;) {
        size_t k;
        const float *src;
        if (pos < n) {
            k = n - pos < RS_BLOCK ? n - pos : RS_BLOCK;
            src = in + pos;
        } else {
            k = n + r->pad - pos < RS_BLOCK ? n + r->pad - pos : RS_BLOCK;
            src = r->zeros;
        }
        unsigned ny = 0;
        if (msresamp_rrrf_get_num_output(r->q, (unsigned)k) > r->buf_cap ||
            msresamp_rrrf_execute(r->q, (float *)src, (unsigned)k, r->buf, &ny) != LIQUID_OK)
            return base_err_set(err, BASE_EINTERNAL, NULL, 0, "msresamp_rrrf_execute failed");
        for (unsigned i = 0; i < ny && got < want; i++, seen++)
            if (seen >= r->skip) out[got++] = r->buf[i];
        pos += k;
    }
    for (; got < want; got++) out[got] = 0.0f; /* only if the filter came up short */
    return BASE_OK;
}

base_status codec_audio_resample(const float *in, size_t n, int rate_in, int rate_out, float **out,
                                 size_t *nout, base_err *err)
{
    if (!out || !nout || (!in && n) || rate_in <= 0 || rate_out <= 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "codec_audio_resample: bad arguments (rates %d -> %d Hz)", rate_in,
                            rate_out);
    *out = NULL;
    *nout = 0;
    if (n == 0) return BASE_OK;
    if (rate_in == rate_out) {
        float *y = malloc(sizeof *y * n);
        if (!y) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory resampling");
        memcpy(y, in, sizeof *y * n);
        *out = y;
        *nout = n;
        return BASE_OK;
    }
    codec_resampler *r = NULL;
    base_status st = codec_resampler_create(rate_in, rate_out, &r, err);
    if (st != BASE_OK) return st;
    size_t m = codec_resampler_output_len(r, n);
    float *y = malloc(sizeof *y * m);
    if (!y) {
        codec_resampler_destroy(r);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory resampling");
    }
    st = codec_resampler_execute(r, in, n, y, err);
    codec_resampler_destroy(r);
    if (st != BASE_OK) {
        free(y);
        return st;
    }
    *out = y;
    *nout = m;
    return BASE_OK;
}

base_status codec_audio_write_wav(const char *path, const float *x, size_t n, int rate,
                                  base_err *err)
{
    if (!path || (!x && n) || rate <= 0)
        return base_err_set(err, BASE_EINVAL, path, 0, "codec_audio_write_wav: bad arguments");
    base_status st = BASE_OK;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    short *pcm = malloc(sizeof *pcm * (n ? n : 1));
    SNDFILE *sf = NULL;
    if (!tmp || !pcm) {
        st = base_err_set(err, BASE_ENOMEM, path, 0, "out of memory writing WAV");
        goto fail;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    /* Convert ourselves so the bytes do not depend on libsndfile's float
     * conversion settings. */
    for (size_t i = 0; i < n; i++) {
        /* v/32768 is how libsndfile (and our TTS) map 16-bit to float, so
         * scale by 32768: a 16-bit signal round-trips exactly. */
        long v = lrintf(clip1(x[i]) * 32768.0f);
        pcm[i] = (short)(v > 32767 ? 32767 : v);
    }

    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.samplerate = rate;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    sf = sf_open(tmp, SFM_WRITE, &info);
    if (!sf) {
        st = base_err_set(err, BASE_EIO, path, 0, "cannot write WAV: %s", sf_strerror(NULL));
        goto fail;
    }
    if (sf_write_short(sf, pcm, (sf_count_t)n) != (sf_count_t)n) {
        st = base_err_set(err, BASE_EIO, path, 0, "write failed: %s", sf_strerror(sf));
        goto fail;
    }
    if (sf_close(sf) != 0) {
        sf = NULL;
        st = base_err_set(err, BASE_EIO, path, 0, "closing WAV failed");
        goto fail;
    }
    sf = NULL;
    if (rename(tmp, path) != 0) {
        st = base_err_set(err, BASE_EIO, path, 0, "cannot rename %s: %s", tmp, strerror(errno));
        goto fail;
    }
    free(tmp);
    free(pcm);
    return BASE_OK;
fail:
    if (sf) sf_close(sf);
    if (tmp) remove(tmp);
    free(tmp);
    free(pcm);
    return st;
}

/* ---- a reader that keeps its resamplers ---------------------------------------------- */

#define READER_PAIRS 8 /* rate pairs kept; more are planned per call */

struct codec_audio_reader {
    struct {
        int in, out;
        codec_resampler *r;
    } pair[READER_PAIRS];
    size_t n;
};

base_status codec_audio_reader_create(codec_audio_reader **out, base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_audio_reader_create: NULL");
    *out = calloc(1, sizeof **out);
    return *out ? BASE_OK : base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
}

void codec_audio_reader_destroy(codec_audio_reader *rd)
{
    if (!rd) return;
    for (size_t i = 0; i < rd->n; i++) codec_resampler_destroy(rd->pair[i].r);
    free(rd);
}

/* codec_audio_resample, with rd's planned resampler of the rate pair (planned
 * and kept on first use). A resampler resets its state on every execute, so
 * the bytes are those of the one-shot path. */
static base_status resample_with(codec_audio_reader *rd, const float *in, size_t n, int rate_in,
                                 int rate_out, float **out, size_t *nout, base_err *err)
{
    if (!rd || n == 0 || rate_in == rate_out)
        return codec_audio_resample(in, n, rate_in, rate_out, out, nout, err);
    codec_resampler *r = NULL;
    for (size_t i = 0; i < rd->n && !r; i++)
        if (rd->pair[i].in == rate_in && rd->pair[i].out == rate_out) r = rd->pair[i].r;
    if (!r) {
        if (rd->n == READER_PAIRS)
            return codec_audio_resample(in, n, rate_in, rate_out, out, nout, err);
        base_status st = codec_resampler_create(rate_in, rate_out, &r, err);
        if (st != BASE_OK) return st;
        rd->pair[rd->n].in = rate_in;
        rd->pair[rd->n].out = rate_out;
        rd->pair[rd->n++].r = r;
    }
    size_t m = codec_resampler_output_len(r, n);
    float *y = malloc(sizeof *y * m);
    if (!y) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory resampling");
    base_status st = codec_resampler_execute(r, in, n, y, err);
    if (st != BASE_OK) {
        free(y);
        return st;
    }
    *out = y;
    *nout = m;
    return BASE_OK;
}
