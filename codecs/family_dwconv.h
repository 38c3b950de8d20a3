/* family_dwconv.h -- the "dwconv" agent family: depthwise-separable residual
 * blocks, a row of codecs/family.c's table (see family.h for the operations).
 *   branch(x) = GELU(pointwise(LN(depthwise_k,dil(x))))     x (T,C)
 * Tensors: dw.w (k,C), dw.b (C), ln.g (C), ln.b (C), pw.w (C,C), pw.b (C).
 */
#ifndef CODECS_FAMILY_DWCONV_H
#define CODECS_FAMILY_DWCONV_H

#include "codecs/family.h"

extern const codec_family_ops codec_family_dwconv;

#endif
