/* fuzz_safetensors.c -- libFuzzer harness for the safetensors importer
 * (codecs/safetensors, what `semsim import` reads). The bytes are decoded
 * from memory; a file that decodes is mapped onto an agent and a front-end
 * as `semsim import` does, then encoded again, and that encoding must decode
 * to the same tensors (a round trip that differs aborts). Errors are
 * expected; crashes, hangs, sanitizer reports and round-trip mismatches are
 * the findings. Seed corpus: tests/fuzz/corpus/safetensors/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/agent.h"
#include "codecs/frontend.h"
#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "codecs/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* decode(encode(m)) holds m's tensors bit for bit. */
static void round_trip(const codec_model *m)
{
    unsigned char *buf = NULL;
    size_t n = 0;
    codec_model *back = NULL;
    if (codec_safetensors_encode(m, &buf, &n, NULL) != BASE_OK) {
        free(buf);
        return; /* e.g. a reserved attribute name: refused, not a finding */
    }
    if (codec_safetensors_decode(buf, n, "again", &back, NULL) != BASE_OK) abort();
    size_t nt = codec_model_tensor_count(m);
    if (codec_model_tensor_count(back) != nt) abort();
    for (size_t i = 0; i < nt; i++) {
        size_t sa[CODEC_MODEL_MAX_RANK], sb[CODEC_MODEL_MAX_RANK], count = 1;
        int ra = codec_model_tensor_shape(m, i, sa);
        if (codec_model_tensor_shape(back, i, sb) != ra || memcmp(sa, sb, ra * sizeof *sa)) abort();
        for (int d = 0; d < ra; d++) count *= sa[d];
        if (memcmp(codec_model_tensor_data(m, i), codec_model_tensor_data(back, i),
                   count * sizeof(float)))
            abort();
    }
    codec_model_destroy(back);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    base_err err = BASE_ERR_INIT;
    codec_model *m = NULL;
    if (codec_safetensors_decode(data, size, "fuzz.safetensors", &m, &err) == BASE_OK) {
        round_trip(m);
        codec_agent *a = NULL;
        codec_melspec_config fe;
        if (codec_agent_from_model(m, &a, &err) == BASE_OK)
            (void)codec_frontend_from_model(m, &fe, &err);
        codec_agent_destroy(a);
    }
    codec_model_destroy(m);
    return 0;
}
