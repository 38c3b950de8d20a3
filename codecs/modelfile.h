/* modelfile.h -- the agent model file: a container of named float32 tensors
 * and typed attributes, stored as HDF5 (format in docs/model-format.md).
 *
 * Where it sits: `semsim train` fills a codec_model from a trained agent and
 * saves it; `semsim eval` and the simulator load it and map it back onto an
 * agent. The container itself knows nothing about architectures: it is a map
 * name -> (shape, data) plus key -> string/int/double. Whoever maps a model onto
 * its parameters asks for every tensor with the shape it expects
 * (codec_model_get_tensor), and every attribute with its allowed range; each
 * mismatch comes back as one message naming the file, e.g.
 *   model.h5: tensor enc.conv0.w has shape (64,80,5), expected (64,80,3)
 * codec_model_check_all_used then reports tensors nobody asked for (a file
 * from another architecture, or a typo in an exporter's names).
 *
 * The bridge to codecs/agent (codec_agent_save / codec_agent_load) is at the
 * end of this header.
 *
 * File layout (format "semsim-agent", version 2): a sealed HDF5 file
 * (base/h5io.h: a 512-byte user block with a checksum of the rest, checked
 * before libhdf5 parses anything); root attributes `format`, `format_version`
 * and the model's attributes (strings fixed-length); tensors in group /params.
 * Saving writes PATH.partial and renames it when complete.
 */
#ifndef CODECS_MODELFILE_H
#define CODECS_MODELFILE_H

#include "codecs/agent.h"
#include "base/status.h"

#include <stddef.h>
#include <stdint.h>

#define CODEC_MODEL_FORMAT "semsim-agent"
#define CODEC_MODEL_FORMAT_VERSION 2
#define CODEC_MODEL_MAX_RANK 4

typedef struct codec_model codec_model;

/* An empty container. NULL (err filled) when out of memory. */
codec_model *codec_model_create(base_err *err);
void codec_model_destroy(codec_model *m); /* NULL is a no-op */

/* The file this model was loaded from ("" for one built in memory); errors
 * about its content name this file. */
const char *codec_model_source(const codec_model *m);

/* ---- attributes: key -> string | int64 | double ------------------------------
 * Keys are non-empty, at most 63 bytes, and may contain dots ("arch.width").
 * Setting a key again replaces its value (and type). */
base_status codec_model_set_str(codec_model *m, const char *key, const char *value, base_err *err);
base_status codec_model_set_int(codec_model *m, const char *key, int64_t value, base_err *err);
base_status codec_model_set_double(codec_model *m, const char *key, double value, base_err *err);

/* Getters fail with one message naming the file: BASE_ENOTFOUND "attribute
 * 'stride' missing", BASE_EFORMAT "attribute 'stride' is a string, expected an
 * integer", BASE_ERANGE "attribute 'stride' is 0, expected 1..8". get_double
 * accepts an integer attribute too. The string stays owned by m. */
base_status codec_model_get_str(const codec_model *m, const char *key, const char **value,
                                base_err *err);
base_status codec_model_get_int(const codec_model *m, const char *key, int64_t min, int64_t max,
                                int64_t *value, base_err *err);
base_status codec_model_get_double(const codec_model *m, const char *key, double min, double max,
                                   double *value, base_err *err);
/* Whether key is set (1) or not (0). */
int codec_model_has_attr(const codec_model *m, const char *key);

/* Attributes in the order they were set (a loaded file: the file's order), for
 * converters that carry every attribute (codecs/safetensors): count, key of
 * attribute i (< count; NULL beyond), and its kind (0 beyond the count). An
 * unreadable attribute of a loaded file is CODEC_MODEL_ATTR_BAD. */
typedef enum codec_model_attr_kind {
    CODEC_MODEL_ATTR_STR = 1,
    CODEC_MODEL_ATTR_INT,
    CODEC_MODEL_ATTR_DOUBLE,
    CODEC_MODEL_ATTR_BAD
} codec_model_attr_kind;
size_t codec_model_attr_count(const codec_model *m);
const char *codec_model_attr_key(const codec_model *m, size_t i);
codec_model_attr_kind codec_model_attr_kind_of(const codec_model *m, size_t i);

/* Sets the file errors about m's content name (a model built from another
 * format, e.g. an imported safetensors file). */
base_status codec_model_set_source(codec_model *m, const char *path, base_err *err);

/* ---- tensors -------------------------------------------------------------------
 * Names are non-empty, at most 127 bytes, without '/' ("enc.conv0.w").
 * Shapes have rank 1..4, every dimension > 0; data is row-major float32. */

/* Copy data (product of shape floats) in under name. BASE_EEXIST if present. */
base_status codec_model_add_tensor(codec_model *m, const char *name, int rank, const size_t *shape,
                                   const float *data, base_err *err);

/* Copy tensor name into dst after checking that its rank and shape equal the
 * expected ones: BASE_ENOTFOUND "tensor dec.out.w missing", BASE_EFORMAT
 * "tensor enc.conv0.w has shape (64,80,5), expected (64,80,3)". Marks the
 * tensor as used (for codec_model_check_all_used). */
base_status codec_model_get_tensor(codec_model *m, const char *name, int rank, const size_t *shape,
                                   float *dst, base_err *err);

size_t codec_model_tensor_count(const codec_model *m);
/* Index of name or -1. */
long codec_model_tensor_find(const codec_model *m, const char *name);
/* Tensor i (< count), in name order: name, rank, shape (room for 4), data. */
const char *codec_model_tensor_name(const codec_model *m, size_t i);
int codec_model_tensor_shape(const codec_model *m, size_t i, size_t *shape);
const float *codec_model_tensor_data(const codec_model *m, size_t i);

/* BASE_EFORMAT naming the first tensor never fetched with get_tensor
 * ("tensor dec.extra.w is not part of this architecture"). */
base_status codec_model_check_all_used(const codec_model *m, base_err *err);

/* ---- files ------------------------------------------------------------------------ */

/* Write m to path (via path.partial): root attributes format, format_version
 * and every attribute of m; every tensor as /params/NAME. */
base_status codec_model_save(const codec_model *m, const char *path, base_err *err);

/* Read a model file. Checks its integrity header first (a damaged or
 * truncated file: BASE_EFORMAT "file is corrupt (checksum mismatch)"; an HDF5
 * file without one, e.g. format_version 1: BASE_EUNSUPPORTED naming the
 * conversion tool), then that it is HDF5, that `format` is "semsim-agent"
 * and `format_version` is one this build reads, and that every tensor in
 * /params is a float tensor of rank 1..4; reads every root attribute that is
 * a scalar string, integer or float (others are an error). A missing file,
 * non-HDF5 or truncated file, or any of the above gives one clear error
 * naming path. */
base_status codec_model_load(const char *path, codec_model **out, base_err *err);

/* codec_model_load without the integrity check, accepting format_version 1
 * too: only for converting a file the user trusts (tools/semsim-seal). A
 * corrupted file can crash libhdf5 here. */
base_status codec_model_load_unsealed(const char *path, codec_model **out, base_err *err);

/* ---- the agent bridge (codecs/agent.h) ----------------------------------------------
 * Attributes written by codec_agent_to_model and required by
 * codec_agent_from_model (docs/model-format.md has the full table):
 *   family (str), latent_dim = d, stride, vocab = "_ 'abcdefghijklmnopqrstuvwxyz"
 *   (class i is vocab[i], '_' the CTC blank), arch.width, arch.kernel0,
 *   arch.kernel, arch.enc_depth, arch.dec_depth, arch.dilation_max,
 *   arch.dropout, frontend.n_mels; the front-end settings frontend.* are set by
 *   the caller (codec_model_set_*) and checked by whoever builds the front-end.
 * Tensors: every named parameter of the agent with its shape. */
base_status codec_agent_to_model(const codec_agent *a, codec_model *m, base_err *err);
/* Build a new agent from m (checks every attribute and tensor shape and that
 * no tensor is left over). On failure *out is NULL. */
base_status codec_agent_from_model(codec_model *m, codec_agent **out, base_err *err);

/* Convenience: to_model + save, and load + from_model. extra (may be NULL)
 * holds further attributes to store (front-end settings, training metadata):
 * its attributes are copied into the file, its tensors ignored. load returns
 * the whole container in *model_out when that is non-NULL (caller destroys),
 * so the caller can read its frontend.* attributes. */
base_status codec_agent_save(const codec_agent *a, const codec_model *extra, const char *path,
                             base_err *err);
base_status codec_agent_load(const char *path, codec_agent **out, codec_model **model_out,
                             base_err *err);

/* Writes / reads the fields with an attribute and every flag of `mask` (0:
 * all of them) as model-file attributes. Reading checks bounds (BASE_EFORMAT
 * or BASE_ERANGE naming the attribute); an absent OPTIONAL field gets its
 * default; other fields of c are left alone. */
base_status codec_arch_save(const codec_agent_config *c, codec_model *m, unsigned mask,
                            base_err *err);
base_status codec_arch_load(const codec_model *m, codec_agent_config *c, unsigned mask,
                            base_err *err);

#endif
