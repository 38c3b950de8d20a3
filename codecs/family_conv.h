/* family_conv.h -- the "conv" agent family: residual blocks of full
 * convolutions (every channel to every channel), a row of codecs/family.c's
 * table (see family.h for the operations).
 *   branch(x) = GELU(LN(conv_k,dil(x)))     x (T,C), a C x C x k conv
 * Tensors: conv.w (C,k*C), conv.b (C), ln.g (C), ln.b (C).
 * Inference runs codec_nn_conv1d_infer, with Winograd-transformed kernels once
 * the agent is frozen (codec_nn_conv1d_infer_weights).
 */
#ifndef CODECS_FAMILY_CONV_H
#define CODECS_FAMILY_CONV_H

#include "codecs/family.h"

extern const codec_family_ops codec_family_conv;

#endif
