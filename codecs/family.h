/* family.h -- the agent families: how an agent's residual blocks are built.
 *
 * A family is a row of block operations in codecs/family.c's table: its name
 * in recipes and model files, the block's parameter tensors, and the
 * functions codecs/agent.c calls for one residual block (init, forward with a
 * cache for backward, backward, the inference path and its frozen weights,
 * scratch sizes). codecs/agent.c keeps the stem, the stacking, the output
 * layers and the shared machinery (dropout, the residual sum, workspaces) and
 * never asks which family it runs. Rows:
 *   dwconv  depthwise-separable blocks (codecs/family_dwconv.h)
 *   conv    full convolutions (codecs/family_conv.h)
 * A new family is one file pair codecs/family_NAME.{c,h} defining its
 * codec_family_ops plus one row in codecs/family.c.
 *
 * One block, for all families (T = latent frames, C = width, k = kernel,
 * dil = this block's dilation):
 *   y = x + Dropout(branch(x))        x, y (T,C); the agent does the sum and dropout
 * the family computes branch (T,C) and its gradient.
 */
#ifndef CODECS_FAMILY_H
#define CODECS_FAMILY_H

#include "base/rng.h"
#include "base/status.h"

#include <stddef.h>

/* A family is an index into the table, 0..codec_family_count()-1. The two
 * shipped families keep fixed indices (tests and benches name them); a new
 * family needs no value here: look it up by name (codec_family_parse). */
typedef enum codec_family {
    CODEC_FAMILY_DWCONV = 0,
    CODEC_FAMILY_CONV = 1,
    CODEC_FAMILY_MAX = 16 /* capacity of the table: indices are below it */
} codec_family;

#define CODEC_FAMILY_MAX_TENSORS 8 /* parameter tensors per block */

/* One parameter tensor of a block: its name after the block's prefix
 * ("dw.w" -> "enc.block3.dw.w"), shape (ndim 1 or 2, row-major) and whether
 * weight decay applies. All block tensors are trainable. */
typedef struct codec_family_tensor {
    const char *suffix;
    int ndim;
    int shape[2];
    int decays;
} codec_family_tensor;

/* The operations of one family's residual block. w[] are the block's
 * parameter tensors and g[] their gradients, in the order tensors() gives.
 * Every size is in floats. */
typedef struct codec_family_ops {
    const char *name; /* in recipes and model files ("dwconv") */
    /* Fills t[0..n) with the block's tensors for width C and kernel k; returns
     * n (1..CODEC_FAMILY_MAX_TENSORS). Their order is the model-file layout. */
    int (*tensors)(codec_family_tensor t[CODEC_FAMILY_MAX_TENSORS], int C, int k);
    /* Initial weights of one block of a stack of `depth` blocks, drawn from r
     * (biases are already zero). */
    void (*init)(float *const w[], int C, int k, int depth, base_rng *r);
    /* Floats of the activation cache forward keeps for backward, for T frames. */
    size_t (*cache_floats)(int T, int C, int k);
    /* branch (T,C) <- branch(x (T,C)), caching what backward needs in cache
     * (cache_floats). keep = 0 is inference: nothing need be kept, and the
     * family may use scratch (infer_scratch_floats for this dil) and frozen
     * (its freeze output, or NULL when it has none or the agent is not frozen). */
    void (*forward)(float *branch, float *cache, float *scratch, const float *frozen,
                    const float *x, const float *const w[], int T, int C, int k, int dil, int keep);
    /* On entry s1 (T,C) holds d loss/d branch; ACCUMULATES parameter gradients
     * into g[] and d loss/d x into dx (T,C). s1, s2 (T,C) and scratch
     * (backward_scratch_floats) are clobbered. cache and x are those of the
     * last forward with keep = 1. */
    void (*backward)(float *dx, float *const g[], float *s1, float *s2, float *scratch,
                     const float *cache, const float *x, const float *const w[], int T, int C,
                     int k, int dil);
    /* Scratch of backward, for T frames. */
    size_t (*backward_scratch_floats)(int T, int C, int k);
    /* Scratch of the inference path (keep = 0) for T frames at dilation dil. */
    size_t (*infer_scratch_floats)(int T, int C, int k, int dil);
    /* Floats of a block's frozen (inference-transformed) weights; 0: none. */
    size_t (*frozen_floats)(int C, int k);
    /* frozen (frozen_floats) <- the transform of w[]; called only when frozen_floats > 0. */
    void (*freeze)(float *frozen, const float *const w[], int C, int k);
} codec_family_ops;

/* The number of rows. */
int codec_family_count(void);
/* The row of f; NULL for an index without one. */
const codec_family_ops *codec_family_get(codec_family f);
/* "dwconv", "conv"; NULL for an index without a row. */
const char *codec_family_name(codec_family f);
/* By name; BASE_EINVAL listing the names when s is none of them. */
base_status codec_family_parse(const char *s, codec_family *f, base_err *err);
/* The names separated by " or " ("dwconv or conv") into buf (n bytes), for messages. */
void codec_family_names(char *buf, size_t n);

#endif
