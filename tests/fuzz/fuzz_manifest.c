/* fuzz_manifest.c -- libFuzzer harness for manifests (codecs/manifest):
 * semsim's manifest.tsv reader, and the same bytes as a LibriSpeech
 * `*.trans.txt` read by the LibriSpeech-layout reader. A manifest that loads
 * is walked through its accessors and every id is looked up again. Errors
 * are expected; crashes, hangs and sanitizer reports are the findings.
 * Seed corpus: tests/fuzz/corpus/manifest/. */
#include "tests/fuzz/fuzzutil.h"

#include <sys/stat.h>

#include "codecs/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const codec_manifest *m)
{
    size_t n = codec_manifest_size(m);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(codec_manifest_audio_path(m, i)) +
                     strlen(codec_manifest_audio_field(m, i)) +
                     strlen(codec_manifest_transcript(m, i));
        if (codec_manifest_find(m, codec_manifest_id(m, i)) != i || len == 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], dir[512];
    base_err err = BASE_ERR_INIT;
    codec_manifest *m = NULL;
    fuzz_write(fuzz_path(path, sizeof path, "manifest.tsv"), data, size);
    if (codec_manifest_read(path, &m, &err) == BASE_OK) walk(m);
    codec_manifest_destroy(m);
    m = NULL;

    fuzz_path(dir, sizeof dir, "ls");
    mkdir(dir, 0700);
    fuzz_write(fuzz_path(path, sizeof path, "ls/19-198.trans.txt"), data, size);
    if (codec_manifest_read_librispeech(dir, &m, &err) == BASE_OK) walk(m);
    codec_manifest_destroy(m);
    return 0;
}
