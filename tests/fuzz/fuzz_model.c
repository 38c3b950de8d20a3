/* fuzz_model.c -- libFuzzer harness for the model loader: the input bytes
 * are written to a temporary file and loaded as an agent (codecs/modelfile:
 * integrity header, then HDF5, attributes, tensors, architecture) and, when
 * that succeeds, its front-end settings are read. Any input must give an
 * error or a model: no crash, hang, leak or sanitizer report.
 * Seeds: tests/fuzz/corpus/model/ (tiny valid agents). */
#include "codecs/frontend.h"
#include "codecs/modelfile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/fuzz_model.%ld.h5", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    base_err err = BASE_ERR_INIT;
    codec_agent *a = NULL;
    codec_model *m = NULL;
    if (codec_agent_load(path, &a, &m, &err) == BASE_OK) {
        codec_melspec_config fe;
        codec_frontend_from_model(m, &fe, &err);
    }
    codec_agent_destroy(a);
    codec_model_destroy(m);
    remove(path);
    return 0;
}
