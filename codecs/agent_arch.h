/* agent_arch.h -- the agent's architecture described once: a table of the
 * fields of codec_agent_config (name, type, offset, bounds, default, model-file
 * attribute, whether a recipe may set it, whether it shapes the decoder, and
 * whether model files may lack it) and everything done with them: defaults,
 * recipe keys (agent.NAME, codecs/recipe), bounds checks (codecs/agent),
 * hashing (the relative head's cache key, anchors/relhead), equality
 * (checkpoints, train.init) and the attributes of model files
 * (codecs/modelfile's codec_arch_save/load: family, latent_dim, stride,
 * frontend.n_mels, arch.*).
 *
 * A new field is one row in codecs/agent_arch.c (plus its member in
 * codec_agent_config). A field added after model files were shipped is
 * CODEC_ARCH_OPTIONAL: files without it load with its default, and it enters
 * hashes only when it differs from the default, so earlier keys stay valid.
 */
#ifndef CODECS_AGENT_ARCH_H
#define CODECS_AGENT_ARCH_H

#include "codecs/agent.h"
#include "base/status.h"

#include <stddef.h>
#include <stdint.h>

typedef enum codec_arch_type {
    CODEC_ARCH_FAMILY, /* codec_family, by name */
    CODEC_ARCH_INT,    /* int */
    CODEC_ARCH_REAL    /* float */
} codec_arch_type;

enum {
    CODEC_ARCH_RECIPE = 1,   /* a recipe key, agent.NAME */
    CODEC_ARCH_DECODER = 2,  /* shapes the decoder (a relative head stores it) */
    CODEC_ARCH_OPTIONAL = 4, /* may be absent from model files (then the default) */
};

typedef struct codec_arch_field {
    const char *name; /* the codec_agent_config member */
    const char *attr; /* model-file attribute; NULL: the caller writes it (vocab) */
    codec_arch_type type;
    size_t offset; /* into codec_agent_config */
    double lo, hi; /* bounds (inclusive) */
    double def;    /* default (agent A's shape); a codec_family value for FAMILY */
    unsigned flags;
} codec_arch_field;

/* The table, in hashing order. */
size_t codec_arch_count(void);
const codec_arch_field *codec_arch_at(size_t i);
/* By name; NULL when there is no such field. */
const codec_arch_field *codec_arch_find(const char *name);

/* Every field at its default. */
codec_agent_config codec_arch_default(void);

/* Sets field `name` from text, as the recipe key agent.NAME (only fields with
 * CODEC_ARCH_RECIPE). BASE_EINVAL naming agent.NAME: unknown or not settable
 * (BASE_ENOTFOUND, so the caller can say "unknown key"), not a number, out of
 * bounds. */
base_status codec_arch_set(codec_agent_config *c, const char *name, const char *value,
                           base_err *err);

/* Every field within its bounds; BASE_EINVAL naming the first that is not. */
base_status codec_arch_check(const codec_agent_config *c, base_err *err);

/* h extended with the fields (base/hash): FAMILY as its name's bytes, INT as
 * a u64, REAL as a double; OPTIONAL fields only when not at their default. */
uint64_t codec_arch_hash(uint64_t h, const codec_agent_config *c);

/* 1 when every field is equal. */
int codec_arch_equal(const codec_agent_config *a, const codec_agent_config *b);

/* A field's value as a double (FAMILY: its enum value), and setting it. */
double codec_arch_get(const codec_agent_config *c, const codec_arch_field *f);
void codec_arch_put(codec_agent_config *c, const codec_arch_field *f, double v);

#endif
