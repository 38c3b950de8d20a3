/* testutil_audio.h -- synthetic speech-like audio for the tests: a few fixed
 * 16 kHz signals and a manifest.tsv of WAV files made from them (the sim/
 * pipeline tests that feed manifest audio to tiny agents or classic codecs).
 * The signals are exact formulas: a test's utterances are the same bytes on
 * every run. Part of tests/libtestutil.a; failures are CUnit assertions
 * (FATAL where the test cannot go on). */
#ifndef TESTS_TESTUTIL_AUDIO_H
#define TESTS_TESTUTIL_AUDIO_H

#include <stddef.h>

/* Utterance i's signal, t = k / 16000 s: */
typedef enum test_signal {
    /* 0.3 sin(2 pi 2 t) sin(2 pi f0 t), f0 = 110 + 50 i Hz: a tone with a 2 Hz beat */
    TEST_SIGNAL_AM,
    /* voiced-like: 0.2 env (h1 + 0.5 h2 + 0.25 h5) of f0 = 120 + 40 i Hz, with
     * env = 0.5 + 0.5 sin(2 pi 3 t) */
    TEST_SIGNAL_HARMONIC,
    /* 0.3 sin(0.05 k (i + 1 + variant)) + 0.01 ((7919 k) mod 13): a tone with a ripple */
    TEST_SIGNAL_RIPPLE,
    /* 0.3 sin(0.05 k (i + 1)) in 0.25 s bursts, 0.25 s of silence between them */
    TEST_SIGNAL_BURSTS,
} test_signal;

/* x[0..n) = signal s of utterance i (variant: see TEST_SIGNAL_RIPPLE; the
 * others ignore it). */
void test_signal_fill(float *x, size_t n, test_signal s, int i, int variant);

/* count utterances of one signal: utterance i is len[i] samples at 16 kHz in
 * WAV_PREFIX<i>.wav, listed as ID_PREFIX<i> with transcript text[i]. */
typedef struct test_utts {
    test_signal signal;
    int variant;
    const char *id_prefix;
    const char *wav_prefix;
    size_t count;
    const size_t *len;
    const char *const *text;
} test_utts;

/* Writes u's WAV files into dir and the manifest dir/name listing them
 * (ID \t WAV \t TEXT, one line each, WAV relative to dir). */
void test_write_manifest(const char *dir, const char *name, const test_utts *u);

#endif
