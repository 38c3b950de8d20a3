/* fuzz_audio.c -- libFuzzer harness for audio loading: the input bytes are
 * written to a temporary file and read with a codec_audio_reader (libsndfile,
 * header bounds, downmix, resampling), the way a run reads its source. Any
 * input must give an error or samples: no crash, hang, leak or sanitizer
 * report.
 *
 * The target rate is 16 kHz (what semsim's front-end asks for), or, with
 * SEMSIM_FUZZ_AUDIO_RATE=native in the environment, the file's own rate when
 * its header has one the reader accepts. The reader lives across inputs, so
 * a rate pair's resampler is planned once (~16-30 ms) and then reset and
 * reused, as in a run; the native mode skips resampling and covers header
 * parsing, bounds and downmixing faster still.
 * Seeds: tests/fuzz/corpus/audio/ (short WAVs at several rates and formats). */
#include "codecs/audio.h"

#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The file's sample rate when libsndfile opens it and the rate is one
 * codec_audio_read accepts, else 16000. */
static int native_rate(const char *path)
{
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf) return 16000;
    sf_close(sf);
    if (info.samplerate < CODEC_AUDIO_MIN_RATE || info.samplerate > CODEC_AUDIO_MAX_RATE)
        return 16000;
    return info.samplerate;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    static int native = -1;
    static codec_audio_reader *rd; /* one for the process (a run keeps one per worker) */
    if (native < 0) {
        const char *m = getenv("SEMSIM_FUZZ_AUDIO_RATE");
        native = m && !strcmp(m, "native");
    }
    if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz_audio.%ld.wav", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    base_err err = BASE_ERR_INIT;
    if (!rd && codec_audio_reader_create(&rd, &err)) return 0;
    float *x = NULL;
    size_t n = 0;
    codec_audio_reader_read(rd, path, native ? native_rate(path) : 16000, &x, &n, &err);
    free(x);
    remove(path);
    return 0;
}
