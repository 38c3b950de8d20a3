/* cmd_convert.c -- `semsim export MODEL.h5 -o WEIGHTS.safetensors` and
 * `semsim import WEIGHTS.safetensors -o MODEL.h5`: an agent's model file to
 * and from safetensors (codecs/safetensors), so that agents can be trained
 * elsewhere (PyTorch: docs/pytorch.md) and brought in, or taken out.
 *
 * Both directions check what they carry the way `semsim eval` would load it:
 * the architecture (attributes, every tensor's name and shape, no tensor left
 * over: codec_agent_from_model) and the front-end settings
 * (codec_frontend_from_model). export -> import gives back the same
 * attributes and bit-identical tensors. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "codecs/agent.h"
#include "codecs/frontend.h"
#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "codecs/safetensors.h"
#include "sim/cmd.h"

static void usage_export(FILE *out)
{
    fprintf(out,
            "usage: semsim export MODEL.h5 -o WEIGHTS.safetensors\n"
            "\n"
            "Writes an agent's weights as safetensors (float32 tensors named as in the\n"
            "model file, e.g. enc.conv0.w) with its architecture, vocabulary and front-end\n"
            "settings as text in the __metadata__ map (docs/pytorch.md). The model is checked\n"
            "as `semsim eval` would load it. `semsim import` turns the file back into a\n"
            "model file with bit-identical outputs.\n");
}

static void usage_import(FILE *out)
{
    fprintf(out, "usage: semsim import WEIGHTS.safetensors -o MODEL.h5\n"
                 "\n"
                 "Writes a semsim model file from safetensors: __metadata__ must give the\n"
                 "architecture (format = semsim-agent, format_version = 1, family, latent_dim,\n"
                 "stride, vocab, arch.*, frontend.*; docs/pytorch.md), and the tensors must be\n"
                 "exactly the architecture's, by name and shape, in F32 (F16, BF16 and F64 are\n"
                 "converted). Anything else is refused with one line naming the file.\n");
}

/* Parses `IN -o OUT`; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, void (*usage)(FILE *), const char *name,
                      const char **in, const char **out)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    *in = *out = NULL;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            *out = optarg;
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            fprintf(stderr, "semsim %s: unknown or incomplete option '%s'\n", name,
                    argv[optind - 1]);
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !*out) {
        fprintf(stderr, "semsim %s: expected one input file and -o OUTPUT\n", name);
        usage(stderr);
        return SIM_EXIT_USAGE;
    }
    *in = argv[optind];
    if (!strcmp(*in, *out)) {
        fprintf(stderr, "semsim %s: the output would overwrite the input '%s'\n", name, *in);
        return SIM_EXIT_USAGE;
    }
    return -1;
}

/* m maps onto an agent and a front-end (what eval and the simulator need). */
static base_status check_agent(codec_model *m, base_err *err)
{
    codec_agent *a = NULL;
    base_status st = codec_agent_from_model(m, &a, err);
    codec_agent_destroy(a);
    codec_melspec_config fe;
    if (!st) st = codec_frontend_from_model(m, &fe, err);
    return st;
}

/* The format tags a semsim agent carries (an HDF5 model file checks its own
 * on loading; safetensors metadata is checked here). */
static base_status check_format(const codec_model *m, base_err *err)
{
    const char *file = codec_model_source(m), *f = NULL;
    int64_t v = 0;
    base_err e2 = BASE_ERR_INIT;
    if (codec_model_get_str(m, "format", &f, &e2) || strcmp(f, CODEC_MODEL_FORMAT))
        return base_err_set(err, BASE_EFORMAT, file, 0,
                            "not a semsim agent: __metadata__ needs format = \"" CODEC_MODEL_FORMAT
                            "\" (docs/pytorch.md)");
    if (codec_model_get_int(m, "format_version", 1, CODEC_MODEL_FORMAT_VERSION, &v, &e2))
        return base_err_set(err, BASE_EUNSUPPORTED, file, 0,
                            "__metadata__ needs format_version = \"%d\" (this build reads %d)",
                            CODEC_MODEL_FORMAT_VERSION, CODEC_MODEL_FORMAT_VERSION);
    return BASE_OK;
}

int sim_cmd_export(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_args(argc, argv, usage_export, "export", &in, &out);
    if (rc >= 0) return rc;
    base_err err = BASE_ERR_INIT;
    codec_model *m = NULL;
    base_status st = codec_model_load(in, &m, &err);
    if (!st) st = check_agent(m, &err);
    if (!st) st = codec_safetensors_save(m, out, &err);
    if (!st) printf("%s: %zu tensors -> %s\n", in, codec_model_tensor_count(m), out);
    codec_model_destroy(m);
    return st ? sim_cmd_fail(&err) : SIM_EXIT_OK;
}

int sim_cmd_import(int argc, char **argv)
{
    const char *in, *out;
    int rc = parse_args(argc, argv, usage_import, "import", &in, &out);
    if (rc >= 0) return rc;
    base_err err = BASE_ERR_INIT;
    codec_model *m = NULL, *back = NULL;
    base_status st = codec_safetensors_load(in, &m, &err);
    if (!st) st = check_format(m, &err);
    if (!st) st = check_agent(m, &err);
    if (!st) st = codec_model_save(m, out, &err);
    /* read back what was written, as eval will */
    if (!st) st = codec_model_load(out, &back, &err);
    if (!st) st = check_agent(back, &err);
    if (!st) printf("%s: %zu tensors -> %s\n", in, codec_model_tensor_count(m), out);
    codec_model_destroy(m);
    codec_model_destroy(back);
    return st ? sim_cmd_fail(&err) : SIM_EXIT_OK;
}
