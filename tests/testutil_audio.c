/* testutil_audio.c -- synthetic speech-like WAVs and manifests for the tests
 * (see testutil_audio.h). */
#include "tests/testutil_audio.h"

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "codecs/audio.h"

void test_signal_fill(float *x, size_t n, test_signal s, int i, int variant)
{
    for (size_t k = 0; k < n; k++) {
        float t = (float)k / 16000.0f;
        switch (s) {
        case TEST_SIGNAL_AM: {
            float f0 = 110.0f + 50.0f * (float)i;
            x[k] = 0.3f * sinf(6.28318f * 2.0f * t) * sinf(6.28318f * f0 * t);
            break;
        }
        case TEST_SIGNAL_HARMONIC: {
            float f0 = 120.0f + 40.0f * (float)i;
            float env = 0.5f + 0.5f * sinf(6.28318f * 3.0f * t);
            x[k] = 0.2f * env *
                   (sinf(6.28318f * f0 * t) + 0.5f * sinf(6.28318f * 2 * f0 * t) +
                    0.25f * sinf(6.28318f * 5 * f0 * t));
            break;
        }
        case TEST_SIGNAL_RIPPLE:
            x[k] = 0.3f * sinf(0.05f * (float)k * (float)(i + 1 + variant)) +
                   0.01f * (float)((k * 7919) % 13);
            break;
        case TEST_SIGNAL_BURSTS:
            x[k] = ((k / 4000) % 2 ? 0.0f : 0.3f) * sinf(0.05f * (float)k * (float)(i + 1));
            break;
        }
    }
}

void test_write_manifest(const char *dir, const char *name, const test_utts *u)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *man = fopen(path, "w");
    CU_ASSERT_FATAL(man != NULL);
    for (size_t i = 0; i < u->count; i++) {
        size_t n = u->len[i];
        float *x = malloc(n * sizeof *x);
        test_signal_fill(x, n, u->signal, (int)i, u->variant);
        char wav[256];
        snprintf(wav, sizeof wav, "%s%zu.wav", u->wav_prefix, i);
        snprintf(path, sizeof path, "%s/%s", dir, wav);
        CU_ASSERT_EQUAL_FATAL(codec_audio_write_wav(path, x, n, 16000, NULL), BASE_OK);
        free(x);
        fprintf(man, "%s%zu\t%s\t%s\n", u->id_prefix, i, wav, u->text[i]);
    }
    fclose(man);
}
