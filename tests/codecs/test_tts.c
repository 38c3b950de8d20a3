/* test_tts.c -- codecs/tts: deterministic in-process synthesis with one
 * espeak-ng and one flite voice (same text in different orders gives the
 * same samples), perturbation, voice checks and the voices-file parser. */
#include "codecs/tts.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static codec_tts *tts; /* engines are process-global: one per test program */

static codec_tts *get_tts(void)
{
    if (!tts) CU_ASSERT_EQUAL_FATAL(codec_tts_create(&tts, NULL), BASE_OK);
    return tts;
}

static const char *const A = "The birch canoe slid on the smooth planks.";
static const char *const B = "Glue the sheet to the dark blue background.";

typedef struct clip {
    float *x;
    size_t n;
} clip;

static clip say(const char *engine, const char *name, const char *text, const codec_tts_opts *o)
{
    codec_voice v = {{0}, {0}, 0};
    snprintf(v.engine, sizeof v.engine, "%s", engine);
    snprintf(v.name, sizeof v.name, "%s", name);
    clip c = {NULL, 0};
    base_err e = BASE_ERR_INIT;
    base_status st = codec_tts_synth(get_tts(), &v, text, o, &c.x, &c.n, &e);
    if (st) fprintf(stderr, "  %s %s: %s\n", engine, name, e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    return c;
}

static int same(clip a, clip b)
{
    return a.n == b.n && !memcmp(a.x, b.x, sizeof *a.x * a.n);
}

/* Plausible speech: 1..8 s at 16 kHz, in [-1, 1], not silent. */
static void check_speech(clip c)
{
    CU_ASSERT(c.n > CODEC_TTS_RATE && c.n < 8 * CODEC_TTS_RATE);
    double peak = 0, e = 0;
    for (size_t i = 0; i < c.n; i++) {
        peak = fmax(peak, fabs(c.x[i]));
        e += (double)c.x[i] * c.x[i];
    }
    CU_ASSERT(peak <= 1.0 && peak > 0.05);
    CU_ASSERT(sqrt(e / (double)c.n) > 0.005);
}

/* A, B, A: the second A is identical to the first although B came between. */
static void determinism(const char *engine, const char *name)
{
    clip a1 = say(engine, name, A, NULL), b = say(engine, name, B, NULL);
    clip a2 = say(engine, name, A, NULL);
    check_speech(a1);
    check_speech(b);
    CU_ASSERT(same(a1, a2));
    CU_ASSERT(!same(a1, b));
    /* another voice of the other engine in between changes nothing either */
    clip o = strcmp(engine, "flite") ? say("flite", "kal16", B, NULL)
                                     : say("espeak-ng", "en-us+f3", B, NULL);
    clip a3 = say(engine, name, A, NULL);
    CU_ASSERT(same(a1, a3));
    free(a1.x);
    free(a2.x);
    free(a3.x);
    free(b.x);
    free(o.x);
}

static void test_espeak_deterministic(void)
{
    determinism("espeak-ng", "en-us+m3");
}
static void test_flite_deterministic(void)
{
    determinism("flite", "slt");
}

/* Median F0 (Hz) of the voiced 40 ms frames of a 16 kHz clip, by
 * autocorrelation over 60..400 Hz; a coarse estimate for ratios only. */
static double median_f0(clip c)
{
    enum { N = 640, HOP = 160, LO = 16000 / 400, HI = 16000 / 60 };
    double *f = malloc(sizeof *f * (c.n / HOP + 1));
    size_t k = 0;
    for (size_t s = 0; s + N + HI < c.n; s += HOP) {
        double e = 0;
        for (int i = 0; i < N; i++) e += (double)c.x[s + i] * c.x[s + i];
        if (e / N < 0.02 * 0.02) continue;
        int best = LO;
        double bv = -1;
        for (int lag = LO; lag < HI; lag++) {
            double a = 0;
            for (int i = 0; i < N; i++) a += (double)c.x[s + i] * c.x[s + i + lag];
            if (a > bv) bv = a, best = lag;
        }
        if (bv > 0.4 * e) f[k++] = 16000.0 / best;
    }
    for (size_t i = 1; i < k; i++) /* insertion sort: k is small */
        for (size_t j = i; j > 0 && f[j - 1] > f[j]; j--) {
            double t = f[j];
            f[j] = f[j - 1];
            f[j - 1] = t;
        }
    double m = k ? f[k / 2] : 0;
    free(f);
    return m;
}

/* Faster speech is shorter; a pitch offset changes the waveform, not the length much. */
static void test_perturbation(void)
{
    static const char *const voices[][2] = {{"espeak-ng", "en-us"}, {"flite", "slt"}};
    for (int k = 0; k < 2; k++) {
        codec_tts_opts fast = {1.5, 0}, high = {1.0, 4};
        clip base = say(voices[k][0], voices[k][1], A, NULL);
        clip f = say(voices[k][0], voices[k][1], A, &fast);
        clip h = say(voices[k][0], voices[k][1], A, &high);
        clip f2 = say(voices[k][0], voices[k][1], A, &fast);
        if (!((double)f.n < 0.85 * (double)base.n))
            fprintf(stderr, "  %s: rate 1.5 gives %zu samples vs %zu\n", voices[k][1], f.n, base.n);
        CU_ASSERT((double)f.n < 0.85 * (double)base.n);
        CU_ASSERT(!same(h, base));
        CU_ASSERT(same(f, f2));
        check_speech(h);
        if (k == 1) { /* flite slt follows the offset: +4 st is x1.26 */
            double r = median_f0(h) / median_f0(base);
            if (!(r > 1.15 && r < 1.40)) fprintf(stderr, "  slt +4 st: F0 ratio %.3f\n", r);
            CU_ASSERT(r > 1.15 && r < 1.40);
        }
        free(base.x);
        free(f.x);
        free(h.x);
        free(f2.x);
    }
}

static void test_bad_voice_and_options(void)
{
    static const struct {
        const char *engine, *name;
    } bad[] = {{"espeak-ng", "no-such-voice"},
               {"espeak-ng", "en-us+nosuchvariant"},
               {"espeak-ng", "mb-en1"},
               {"flite", "kal"},
               {"festival", "kal16"}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        codec_voice v = {{0}, {0}, 0};
        snprintf(v.engine, sizeof v.engine, "%s", bad[k].engine);
        snprintf(v.name, sizeof v.name, "%s", bad[k].name);
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL(codec_tts_voice_check(get_tts(), &v, &e), BASE_ENOTFOUND);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[k].engine));
        float *x = NULL;
        size_t n = 0;
        CU_ASSERT_EQUAL(codec_tts_synth(get_tts(), &v, A, NULL, &x, &n, &e), BASE_ENOTFOUND);
        CU_ASSERT_PTR_NULL(x);
    }
    codec_voice v = {"espeak-ng", "en-us", 0};
    CU_ASSERT_EQUAL(codec_tts_voice_check(get_tts(), &v, NULL), BASE_OK);
    float *x = NULL;
    size_t n = 0;
    codec_tts_opts o = {3.0, 0};
    CU_ASSERT_EQUAL(codec_tts_synth(get_tts(), &v, A, &o, &x, &n, NULL), BASE_ERANGE);
    o = (codec_tts_opts){1.0, -13};
    CU_ASSERT_EQUAL(codec_tts_synth(get_tts(), &v, A, &o, &x, &n, NULL), BASE_ERANGE);
    CU_ASSERT_EQUAL(codec_tts_synth(get_tts(), &v, "", NULL, &x, &n, NULL), BASE_EFORMAT);
    CU_ASSERT_EQUAL(codec_tts_synth(get_tts(), &v, NULL, NULL, &x, &n, NULL), BASE_EINVAL);
    codec_tts_destroy(NULL);
}

static void test_voices_file(void)
{
    char p[512];
    test_put(test_tmppath(p, sizeof p, "voices.txt"),
             "# training voices\n\nespeak-ng en-us+m3   # trailing comment\n"
             "  flite\tslt\r\nespeak-ng en-gb-x-rp\n");
    codec_voice *v = NULL;
    size_t n = 0;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_voices_read(p, get_tts(), &v, &n, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT_STRING_EQUAL(v[0].engine, "espeak-ng");
    CU_ASSERT_STRING_EQUAL(v[0].name, "en-us+m3");
    CU_ASSERT_EQUAL(v[0].line, 3);
    CU_ASSERT_STRING_EQUAL(v[1].engine, "flite");
    CU_ASSERT_STRING_EQUAL(v[1].name, "slt");
    char tag[80];
    CU_ASSERT_STRING_EQUAL(codec_voice_tag(&v[0], tag, sizeof tag), "espeak-en-us-m3");
    CU_ASSERT_STRING_EQUAL(codec_voice_tag(&v[1], tag, sizeof tag), "flite-slt");
    free(v);

    /* the shipped training list parses and every voice exists */
    CU_ASSERT_EQUAL(codec_voices_read(test_srcpath(p, sizeof p, "data/voices-train.txt"), get_tts(),
                                      &v, &n, &e),
                    BASE_OK);
    CU_ASSERT_EQUAL(n, 18);
    free(v);

    static const struct {
        const char *text;
        base_status st;
        int line;
    } bad[] = {
        {"espeak-ng en-us\nfestival kal\n", BASE_ENOTFOUND, 2},
        {"# c\nespeak-ng no-such-voice\n", BASE_ENOTFOUND, 2},
        {"flite slt\nflite kal\n", BASE_ENOTFOUND, 2},
        {"espeak-ng\n", BASE_EFORMAT, 1},
        {"espeak-ng en-us extra\n", BASE_EFORMAT, 1},
        {"flite slt\nflite slt\n", BASE_EEXIST, 2},
        {"# nothing\n\n", BASE_EFORMAT, 0},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char name[32];
        snprintf(name, sizeof name, "bad%zu.txt", k);
        test_put(test_tmppath(p, sizeof p, name), bad[k].text);
        v = (codec_voice *)&k;
        base_err_clear(&e);
        base_status st = codec_voices_read(p, get_tts(), &v, &n, &e);
        if (st != bad[k].st || e.line != bad[k].line)
            fprintf(stderr, "  case %zu: %s line %d '%s'\n", k, base_status_str(st), e.line, e.msg);
        CU_ASSERT_EQUAL(st, bad[k].st);
        CU_ASSERT_EQUAL(e.line, bad[k].line);
        CU_ASSERT_STRING_EQUAL(e.file, p);
        CU_ASSERT_PTR_NULL(v);
    }
    snprintf(p, sizeof p, "%s/missing-voices.txt", test_tmpdir());
    CU_ASSERT_EQUAL(codec_voices_read(p, NULL, &v, &n, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, p);
}

int main(void)
{
    static const test_case cases[] = {
        {"espeak-ng: same text, any order, same samples", test_espeak_deterministic},
        {"flite: same text, any order, same samples", test_flite_deterministic},
        {"rate and pitch perturbation", test_perturbation},
        {"unknown voices and bad options", test_bad_voice_and_options},
        {"voices file", test_voices_file},
        {NULL, NULL},
    };
    int rc = test_main("tts", cases);
    codec_tts_destroy(tts);
    return rc;
}
