/* safetensors.h -- agent model files as safetensors, the exchange format of
 * PyTorch and friends (`semsim export` / `semsim import`, docs/pytorch.md).
 *
 * Where it sits: a converter between the in-memory model container of
 * codecs/modelfile (named float tensors + attributes) and the bytes of a
 * safetensors file. It knows nothing of architectures: whoever imports maps
 * the container onto an agent (codec_agent_from_model) to check names and
 * shapes, exactly as for an HDF5 model file.
 *
 * The format (https://github.com/huggingface/safetensors):
 *   8 bytes    N, the header length, unsigned little-endian
 *   N bytes    a JSON object (UTF-8; semsim pads it with spaces to a multiple of 8):
 *                "__metadata__": {string: string, ...}
 *                "NAME": {"dtype": "F32", "shape": [d0, ...], "data_offsets": [b, e]}
 *   the rest   the tensors' bytes, row-major little-endian; tensor NAME is
 *              bytes [b, e) of this data section.
 * Every attribute of the model travels in __metadata__ under its model-file
 * key (family, latent_dim, stride, vocab, arch.*, frontend.*, format,
 * format_version, training metadata ...), as text: integers in decimal,
 * doubles with the fewest digits that read back to the same double.
 * "semsim.types" holds a JSON object key -> "str" | "int" | "double" so that
 * the reverse is exact; a file without it (written by hand, e.g. from
 * PyTorch) gets each value's type from its text: an integer, else a number,
 * else a string.
 *
 * Reading checks (each failure one message naming the file): the header
 * length (at least 2 bytes, at most CODEC_SAFETENSORS_MAX_HEADER, inside the
 * file), the JSON (valid UTF-8, strict, an object), each tensor's entry
 * (dtype, shape of rank 1..4 with positive dimensions, offsets whose span is
 * the shape's size), and that the tensors cover the data section exactly:
 * no overlap, no gap, nothing past the end and nothing left over. Tensors of
 * dtype F32 are read as they are; F16, BF16 and F64 are converted to float32
 * (F64 rounded to nearest); any other dtype is refused.
 */
#ifndef CODECS_SAFETENSORS_H
#define CODECS_SAFETENSORS_H

#include "codecs/modelfile.h"
#include "base/status.h"

#include <stddef.h>

#define CODEC_SAFETENSORS_MAX_HEADER (100u << 20)  /* bytes, as the reference reader */
#define CODEC_SAFETENSORS_MAX_FILE (1024ul << 20)  /* bytes: far above any agent */
#define CODEC_SAFETENSORS_TYPES_KEY "semsim.types" /* the metadata key of the type map */

/* The bytes of m as a safetensors file: every tensor as F32 (in m's name
 * order) and every readable attribute in __metadata__ plus the type map.
 * *out is malloc'd (caller frees), *n its length. BASE_EINVAL when an
 * attribute is called "semsim.types" or "__metadata__" is a tensor's name. */
base_status codec_safetensors_encode(const codec_model *m, unsigned char **out, size_t *n,
                                     base_err *err);

/* Writes codec_safetensors_encode(m) to path (atomically: base/fs). */
base_status codec_safetensors_save(const codec_model *m, const char *path, base_err *err);

/* A model container from the bytes buf[0..n) of a safetensors file; errors
 * name `name` (the file). *out is NULL on failure; its source is name. */
base_status codec_safetensors_decode(const unsigned char *buf, size_t n, const char *name,
                                     codec_model **out, base_err *err);

/* Reads path (at most CODEC_SAFETENSORS_MAX_FILE bytes) and decodes it. */
base_status codec_safetensors_load(const char *path, codec_model **out, base_err *err);

#endif
