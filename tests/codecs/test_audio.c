/* test_audio.c -- codecs/audio: WAV round trip, stereo downmix, resampling
 * (frequency, level, alignment, reuse) and bad input. */
#include "codecs/audio.h"
#include "tests/testutil.h"

#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write frames (interleaved, ch channels) with libsndfile directly. */
static void write_raw(const char *path, const float *x, size_t frames, int ch, int rate, int format)
{
    SF_INFO info = {0};
    info.samplerate = rate;
    info.channels = ch;
    info.format = format;
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
    CU_ASSERT_EQUAL(sf_writef_float(sf, x, (sf_count_t)frames), (sf_count_t)frames);
    sf_close(sf);
}

static float *sine(size_t n, double f, double rate, double amp)
{
    float *x = malloc(sizeof *x * n);
    for (size_t i = 0; i < n; i++) x[i] = (float)(amp * sin(2 * M_PI * f * (double)i / rate));
    return x;
}

/* Amplitude of the f Hz component of x (least-squares fit of sin and cos). */
static double tone_amp(const float *x, size_t n, double f, double rate)
{
    double s = 0, c = 0;
    for (size_t i = 0; i < n; i++) {
        s += x[i] * sin(2 * M_PI * f * (double)i / rate);
        c += x[i] * cos(2 * M_PI * f * (double)i / rate);
    }
    return 2 * sqrt(s * s + c * c) / (double)n;
}

static void test_wav_round_trip(void)
{
    char p[512];
    test_tmppath(p, sizeof p, "rt.wav");
    size_t n = 16000;
    float *x = sine(n, 440, 16000, 0.7);
    x[10] = 1.5f; /* clipped to 1 */
    CU_ASSERT_EQUAL_FATAL(codec_audio_write_wav(p, x, n, 16000, NULL), BASE_OK);
    char t[520];
    snprintf(t, sizeof t, "%s.tmp", p);
    CU_ASSERT(access(t, F_OK) != 0); /* the .tmp was renamed away */
    float *y = NULL;
    size_t m = 0;
    CU_ASSERT_EQUAL_FATAL(codec_audio_read(p, 16000, &y, &m, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(m, n);
    x[10] = 32767.0f / 32768.0f;
    /* 16-bit: written as round(x*32768), read back as v/32768 */
    TEST_ASSERT_CLOSE_F(x, y, n, 0.5 / 32768 + 1e-7);
    /* a 16-bit signal round-trips exactly */
    CU_ASSERT_EQUAL_FATAL(codec_audio_write_wav(p, y, n, 16000, NULL), BASE_OK);
    float *z = NULL;
    size_t mz = 0;
    CU_ASSERT_EQUAL_FATAL(codec_audio_read(p, 16000, &z, &mz, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(mz, n);
    CU_ASSERT(memcmp(y, z, sizeof *y * n) == 0);
    free(z);
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(p, SFM_READ, &info);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sf);
    CU_ASSERT_EQUAL(info.channels, 1);
    CU_ASSERT_EQUAL(info.samplerate, 16000);
    CU_ASSERT_EQUAL(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    sf_close(sf);
    free(x);
    free(y);
}

static void test_stereo_downmix(void)
{
    char p[512];
    test_tmppath(p, sizeof p, "stereo.flac");
    size_t n = 8000;
    float *st = malloc(sizeof *st * 2 * n), *want = malloc(sizeof *want * n);
    for (size_t i = 0; i < n; i++) {
        st[2 * i] = 0.5f * sinf(0.01f * (float)i);
        st[2 * i + 1] = (i % 2) ? 0.25f : -0.25f;
        want[i] = 0.5f * (st[2 * i] + st[2 * i + 1]);
    }
    write_raw(p, st, n, 2, 16000, SF_FORMAT_FLAC | SF_FORMAT_PCM_16);
    float *y = NULL;
    size_t m = 0;
    CU_ASSERT_EQUAL_FATAL(codec_audio_read(p, 16000, &y, &m, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(m, n);
    TEST_ASSERT_CLOSE_F(want, y, n, 2.0 / 32767);
    free(st);
    free(want);
    free(y);
}

/* A sine keeps its frequency and level through rate conversion, and the
 * length is round(n * out/in). */
static void test_resample_sine(void)
{
    static const struct {
        int in, out;
        double f;
    } cases[] = {{22050, 16000, 1000},
                 {44100, 16000, 3000},
                 {8000, 16000, 440},
                 {48000, 16000, 250},
                 {16000, 22050, 5000}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        size_t n = (size_t)cases[k].in; /* one second */
        float *x = sine(n, cases[k].f, cases[k].in, 0.5), *y = NULL;
        size_t m = 0;
        CU_ASSERT_EQUAL_FATAL(codec_audio_resample(x, n, cases[k].in, cases[k].out, &y, &m, NULL),
                              BASE_OK);
        CU_ASSERT_EQUAL(m, (size_t)cases[k].out);
        /* away from the edges: level of the tone, and no energy at a wrong frequency */
        size_t e = (size_t)cases[k].out / 20, len = m - 2 * e;
        double a = tone_amp(y + e, len, cases[k].f, cases[k].out);
        double off = tone_amp(y + e, len, cases[k].f * 1.1, cases[k].out);
        TEST_ASSERT_NEAR(a, 0.5, 0.01);
        CU_ASSERT(off < 0.01);
        /* timing: sample i of the output is the input at time i/out, to within
         * half an output sample (the delay is compensated in whole samples) */
        double sn = 0, cs = 0, w = 2 * M_PI * cases[k].f / cases[k].out;
        for (size_t i = e; i < m - e; i++) {
            sn += y[i] * sin(w * (double)i);
            cs += y[i] * cos(w * (double)i);
        }
        double lag = -atan2(cs, sn) / w; /* y[i] ~ sin(w (i - lag)) */
        if (fabs(lag) > 0.5)
            fprintf(stderr, "  %d->%d Hz: output lags by %.3f samples\n", cases[k].in, cases[k].out,
                    lag);
        CU_ASSERT(fabs(lag) <= 0.5);
        free(x);
        free(y);
    }
}

/* A planned resampler gives the same bytes on every call (state reset), and
 * the same as the one-shot function. */
static void test_resampler_reuse(void)
{
    codec_resampler *r = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_resampler_create(22050, 16000, &r, NULL), BASE_OK);
    size_t n = 30000, m = codec_resampler_output_len(r, n);
    float *a = sine(n, 700, 22050, 0.3), *b = sine(n / 3, 2000, 22050, 0.9);
    float *y1 = malloc(sizeof *y1 * m), *y2 = malloc(sizeof *y2 * m), *yb = NULL, *y3 = NULL;
    size_t m3 = 0;
    CU_ASSERT_EQUAL(codec_resampler_execute(r, a, n, y1, NULL), BASE_OK);
    yb = malloc(sizeof *yb * codec_resampler_output_len(r, n / 3));
    CU_ASSERT_EQUAL(codec_resampler_execute(r, b, n / 3, yb, NULL), BASE_OK);
    CU_ASSERT_EQUAL(codec_resampler_execute(r, a, n, y2, NULL), BASE_OK);
    CU_ASSERT(memcmp(y1, y2, sizeof *y1 * m) == 0);
    CU_ASSERT_EQUAL(codec_audio_resample(a, n, 22050, 16000, &y3, &m3, NULL), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(m3, m);
    CU_ASSERT(memcmp(y1, y3, sizeof *y1 * m) == 0);
    CU_ASSERT_EQUAL(codec_resampler_output_len(r, 0), 0);
    CU_ASSERT_EQUAL(codec_resampler_output_len(r, 1), 1);
    codec_resampler_destroy(r);
    codec_resampler_destroy(NULL);
    free(a);
    free(b);
    free(y1);
    free(y2);
    free(yb);
    free(y3);
}

/* A 22.05 kHz file is read at 16 kHz. */
static void test_read_resamples(void)
{
    char p[512];
    test_tmppath(p, sizeof p, "r22.wav");
    size_t n = 22050 / 2;
    float *x = sine(n, 1000, 22050, 0.5), *y = NULL;
    write_raw(p, x, n, 1, 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    size_t m = 0;
    CU_ASSERT_EQUAL_FATAL(codec_audio_read(p, 16000, &y, &m, NULL), BASE_OK);
    CU_ASSERT_EQUAL(m, 8000);
    TEST_ASSERT_NEAR(tone_amp(y + 400, m - 800, 1000, 16000), 0.5, 0.01);
    free(x);
    free(y);
}

/* A reader keeps its resampler per rate pair and gives the bytes of
 * codec_audio_read, file after file, rates interleaved; a bad file is still
 * an error naming it, and the reader goes on afterwards. */
static void test_reader_same_bytes(void)
{
    char p22[512], p8[512], p16[512];
    test_tmppath(p22, sizeof p22, "rd22.wav");
    test_tmppath(p8, sizeof p8, "rd8.wav");
    test_tmppath(p16, sizeof p16, "rd16.wav");
    float *a = sine(22050 / 3, 700, 22050, 0.4), *b = sine(8000 / 2, 300, 8000, 0.3),
          *c = sine(16000 / 4, 500, 16000, 0.2);
    write_raw(p22, a, 22050 / 3, 1, 22050, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write_raw(p8, b, 8000 / 2, 1, 8000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    write_raw(p16, c, 16000 / 4, 1, 16000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    codec_audio_reader *rd = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_audio_reader_create(&rd, NULL), BASE_OK);
    const char *order[] = {p22, p8, p22, p16, p8, p22};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        float *want = NULL, *got = NULL;
        size_t nw = 0, ng = 0;
        CU_ASSERT_EQUAL_FATAL(codec_audio_read(order[i], 16000, &want, &nw, NULL), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(codec_audio_reader_read(rd, order[i], 16000, &got, &ng, NULL),
                              BASE_OK);
        CU_ASSERT_EQUAL(ng, nw);
        CU_ASSERT(ng == nw && !memcmp(got, want, nw * sizeof *got));
        free(want);
        free(got);
    }
    base_err e = BASE_ERR_INIT;
    float *y = NULL;
    size_t m = 0;
    CU_ASSERT_EQUAL(codec_audio_reader_read(rd, "/no/such.wav", 16000, &y, &m, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, "/no/such.wav");
    CU_ASSERT_EQUAL(codec_audio_reader_read(rd, p22, 16000, &y, &m, NULL), BASE_OK);
    free(y);
    CU_ASSERT_EQUAL(codec_audio_reader_create(NULL, NULL), BASE_EINVAL);
    codec_audio_reader_destroy(rd);
    codec_audio_reader_destroy(NULL);
    free(a);
    free(b);
    free(c);
}

static void expect_err(const char *path, int rate, base_status want, const char *what)
{
    base_err e = BASE_ERR_INIT;
    float *y = (float *)&e;
    size_t m = 99;
    base_status st = codec_audio_read(path, rate, &y, &m, &e);
    if (st != want)
        fprintf(stderr, "  %s: got %s, want %s\n", what, base_status_str(st),
                base_status_str(want));
    CU_ASSERT_EQUAL(st, want);
    CU_ASSERT_PTR_NULL(y);
    CU_ASSERT_EQUAL(m, 0);
    if (path) CU_ASSERT_STRING_EQUAL(e.file, path); /* the message names the file */
    CU_ASSERT(e.msg[0] != 0);
}

static void test_bad_input(void)
{
    char p[512], q[512], r[512], s[512];
    expect_err(test_tmppath(p, sizeof p, "missing.wav"), 16000, BASE_EIO, "missing");
    FILE *f = fopen(test_tmppath(q, sizeof q, "text.wav"), "w");
    fputs("this is not audio, only text pretending to be a wav file\n", f);
    fclose(f);
    expect_err(q, 16000, BASE_EFORMAT, "not audio");
    f = fopen(test_tmppath(r, sizeof r, "empty.wav"), "w");
    fclose(f);
    expect_err(r, 16000, BASE_EFORMAT, "empty file");
    write_raw(test_tmppath(s, sizeof s, "nosamples.wav"), NULL, 0, 1, 16000,
              SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    expect_err(s, 16000, BASE_EFORMAT, "no samples");
    expect_err(test_tmpdir(), 16000, BASE_EIO, "directory");
    expect_err(q, 0, BASE_EINVAL, "rate 0");

    /* header fields out of range: refused naming the file, before resampling */
    float one[64] = {0.25f};
    static const int bad_rates[] = {1, 8, 3999, 384001, 2147483647};
    for (size_t i = 0; i < sizeof bad_rates / sizeof *bad_rates; i++) {
        /* libsndfile will not write some of these rates: patch the header */
        write_raw(test_tmppath(p, sizeof p, "rate.wav"), one, 64, 1, 16000,
                  SF_FORMAT_WAV | SF_FORMAT_PCM_16);
        FILE *g = fopen(p, "r+b");
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        unsigned char le[8];
        uint32_t v = (uint32_t)bad_rates[i], bps = v * 2u;
        for (int k = 0; k < 4; k++) le[k] = (unsigned char)(v >> (8 * k));
        for (int k = 0; k < 4; k++) le[4 + k] = (unsigned char)(bps >> (8 * k));
        fseek(g, 24, SEEK_SET); /* fmt chunk: sample rate, then byte rate */
        fwrite(le, 1, 8, g);
        fclose(g);
        base_err e2 = BASE_ERR_INIT;
        float *y2 = NULL;
        size_t m2 = 0;
        base_status st2 = codec_audio_read(p, 16000, &y2, &m2, &e2);
        CU_ASSERT(st2 == BASE_ERANGE || st2 == BASE_EFORMAT);
        CU_ASSERT_PTR_NULL(y2);
        CU_ASSERT_STRING_EQUAL(e2.file, p);
        if (st2 == BASE_ERANGE) CU_ASSERT_PTR_NOT_NULL(strstr(e2.msg, "Hz, expected 4000..384000"));
        free(y2);
    }
    /* the bounds themselves are accepted */
    write_raw(test_tmppath(p, sizeof p, "r4k.wav"), one, 64, 1, 4000,
              SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    float *y4 = NULL;
    size_t m4 = 0;
    CU_ASSERT_EQUAL(codec_audio_read(p, 16000, &y4, &m4, NULL), BASE_OK);
    CU_ASSERT_EQUAL(m4, 256);
    free(y4);
    write_raw(test_tmppath(p, sizeof p, "r384k.wav"), one, 64, 1, 384000,
              SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    CU_ASSERT_EQUAL(codec_audio_read(p, 16000, &y4, &m4, NULL), BASE_OK);
    free(y4);
    /* too many channels */
    static float many[65 * 4];
    write_raw(test_tmppath(p, sizeof p, "ch65.wav"), many, 4, 65, 16000,
              SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    expect_err(p, 16000, BASE_ERANGE, "65 channels");
    codec_resampler *rr = NULL;
    CU_ASSERT_EQUAL(codec_resampler_create(8, 16000, &rr, NULL), BASE_ERANGE);
    CU_ASSERT_EQUAL(codec_resampler_create(16000, 2147483647, &rr, NULL), BASE_ERANGE);
    CU_ASSERT_PTR_NULL(rr);

    /* unwritable target: error names it, no .tmp left behind */
    base_err e = BASE_ERR_INIT;
    float x[4] = {0};
    test_tmppath(p, sizeof p, "no/such/dir/out.wav");
    CU_ASSERT_EQUAL(codec_audio_write_wav(p, x, 4, 16000, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, p);
    CU_ASSERT_EQUAL(codec_audio_write_wav(p, x, 4, 0, NULL), BASE_EINVAL);
    float *y;
    size_t m;
    CU_ASSERT_EQUAL(codec_audio_resample(x, 4, 0, 16000, &y, &m, NULL), BASE_EINVAL);
    codec_resampler *rs = NULL;
    CU_ASSERT_EQUAL(codec_resampler_create(16000, -1, &rs, NULL), BASE_EINVAL);
    CU_ASSERT_PTR_NULL(rs);
}

int main(void)
{
    static const test_case cases[] = {
        {"wav round trip", test_wav_round_trip},
        {"stereo downmix", test_stereo_downmix},
        {"resample sine: frequency, level, phase", test_resample_sine},
        {"resampler reuse is stateless", test_resampler_reuse},
        {"read resamples to the target rate", test_read_resamples},
        {"a reader keeps resamplers, same bytes", test_reader_same_bytes},
        {"bad input", test_bad_input},
        {NULL, NULL},
    };
    return test_main("audio", cases);
}
