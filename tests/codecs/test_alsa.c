/* test_alsa.c -- the real-speech check's clips (tools/alsa-manifest.sh over
 * Debian alsa-utils' /usr/share/sounds/alsa, installed by tools/setup.sh): the
 * manifest lists the 8 spoken clips with their names as transcripts, and each
 * 48 kHz clip loads and resamples to 16 kHz (a third of the samples, same
 * duration, not silent). */
#include "codecs/audio.h"
#include "codecs/manifest.h"
#include "codecs/noise.h"
#include "codecs/text.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALSA_DIR "/usr/share/sounds/alsa"

static void test_manifest_and_resample(void)
{
    char tool[1024], out[1024], cmd[3072];
    test_srcpath(tool, sizeof tool, "tools/alsa-manifest.sh");
    snprintf(out, sizeof out, "%s/alsa.tsv", test_tmpdir());
    snprintf(cmd, sizeof cmd, "sh '%s' '%s' 2>/dev/null", tool, out);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0); /* fails when alsa-utils is missing */
    codec_manifest *m = NULL;
    base_err e = {0};
    CU_ASSERT_EQUAL_FATAL(codec_manifest_read(out, &m, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_manifest_size(m), 8u);
    int front_center = 0;
    for (size_t i = 0; i < codec_manifest_size(m); i++) {
        char *norm = NULL;
        CU_ASSERT_EQUAL(codec_text_normalise(codec_manifest_transcript(m, i), &norm, &e), BASE_OK);
        front_center += norm && !strcmp(norm, "front center");
        CU_ASSERT(norm && strlen(norm) >= 8 && strchr(norm, ' '));
        free(norm);
        const char *path = codec_manifest_audio_path(m, i);
        float *x48 = NULL, *x16 = NULL;
        size_t n48 = 0, n16 = 0;
        CU_ASSERT_EQUAL_FATAL(codec_audio_read(path, 48000, &x48, &n48, &e), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(codec_audio_read(path, 16000, &x16, &n16, &e), BASE_OK);
        CU_ASSERT(labs((long)n16 - (long)(n48 / 3)) <= 1);
        CU_ASSERT(n16 > 16000 / 2 && n16 < 16000 * 5); /* a spoken name: 0.5-5 s */
        double p48 = codec_noise_power(x48, n48), p16 = codec_noise_power(x16, n16);
        CU_ASSERT(p16 > 1e-5);
        CU_ASSERT(p16 > 0.5 * p48 && p16 < 1.5 * p48); /* speech energy is below 8 kHz */
        free(x48), free(x16);
    }
    CU_ASSERT_EQUAL(front_center, 1);
    codec_manifest_destroy(m);
    snprintf(cmd, sizeof cmd, "sh '%s' '%s.x' /nonexistent/alsa 2>/dev/null", tool, out);
    CU_ASSERT_NOT_EQUAL(system(cmd), 0);
}

static const test_case cases[] = {
    {"alsa clips: manifest, load, resample 48 -> 16 kHz", test_manifest_and_resample},
    {NULL, NULL},
};

int main(void)
{
    return test_main("alsa", cases);
}
