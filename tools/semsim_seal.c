/* semsim_seal.c -- semsim-seal: converts a model file that has no integrity
 * header (an older semsim's format_version 1, or one written with h5py) into
 * the current sealed format (docs/model-format.md), with identical tensors and
 * attributes. Only for files the user trusts: reading an unsealed file goes
 * through libhdf5 unchecked.
 *
 *   semsim-seal IN.h5 [OUT.h5]     (OUT defaults to IN, replaced atomically)
 */
#include "codecs/modelfile.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fprintf(stderr, "usage: semsim-seal IN.h5 [OUT.h5]\n"
                        "Rewrites a trusted model file without an integrity header (format_version "
                        "1, or written by another tool) in semsim's sealed format.\n");
        return argc == 2 ? 0 : 2;
    }
    const char *in = argv[1], *out = argc == 3 ? argv[2] : argv[1];
    base_err err = BASE_ERR_INIT;
    char buf[BASE_ERR_MSG + BASE_ERR_FILE + 16];
    codec_model *m = NULL;
    base_status st = codec_model_load_unsealed(in, &m, &err);
    if (!st) st = codec_model_save(m, out, &err);
    codec_model_destroy(m);
    if (st) {
        fprintf(stderr, "semsim-seal: %s\n", base_err_format(&err, buf, sizeof buf));
        return 1;
    }
    return 0;
}
