/* fuzz_audio.c -- libFuzzer harness for audio loading: the input bytes are
 * written to a temporary file and read with codec_audio_read at 16 kHz
 * (libsndfile, header bounds, downmix, resampling). Any input must give an
 * error or samples: no crash, hang, leak or sanitizer report.
 * Seeds: tests/fuzz/corpus/audio/ (short WAVs at several rates and formats). */
#include "codecs/audio.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz_audio.%ld.wav", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    base_err err = BASE_ERR_INIT;
    float *x = NULL;
    size_t n = 0;
    codec_audio_read(path, 16000, &x, &n, &err);
    free(x);
    remove(path);
    return 0;
}
