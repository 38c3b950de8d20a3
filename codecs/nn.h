/* nn.h -- neural-network layers for the agents: forward and backward passes.
 *
 * Where it sits: codecs/agent.c builds the encoder and decoder from these
 * layers; codecs/train.c runs them forward and backward; anchors/ may reuse
 * them for small heads.
 *
 * Style (after Karpathy's llm.c): free functions on caller-owned float arrays,
 * one utterance at a time, activations row-major (T,C) = time-major with the
 * C channels of a frame contiguous. Every forward states what it caches for
 * its backward; every backward ACCUMULATES (+=) into the parameter gradients
 * and into the input gradient dx (dx may be NULL when the input needs no
 * gradient, e.g. the features). Nothing here allocates. Heavy products go
 * through OpenBLAS cblas_sgemm.
 */
#ifndef CODECS_NN_H
#define CODECS_NN_H

#include "base/rng.h"

#include <stddef.h>
#include <stdint.h>

/* Output length of a 1-D convolution: floor((tin + 2*pad - dil*(k-1) - 1)/stride) + 1,
 * or 0 when the input is too short. */
int codec_nn_conv1d_out_len(int tin, int k, int stride, int dil, int pad);

/* 1-D convolution by im2col + sgemm.
 *   x (Tin,Cin), w (Cout, K*Cin) laid out w[o][k*Cin + c], b (Cout) or NULL,
 *   out (Tout,Cout) with Tout = codec_nn_conv1d_out_len(Tin, K, stride, dil, pad),
 *   cols (Tout, K*Cin): the im2col matrix, filled here and kept for backward.
 * Input frame of output t, tap k: t*stride + k*dil - pad (zero outside [0,Tin)). */
void codec_nn_conv1d_forward(float *out, float *cols, const float *x, const float *w,
                             const float *b, int tin, int cin, int cout, int k, int stride, int dil,
                             int pad);
/* The same convolution for inference (nothing kept for backward), without the
 * im2col copy: stride 1 and K = 3 or 5 with scratch use Winograd F(2,K), K+1
 * sgemms of Tout/2 rows instead of K of Tout rows ((K+1)/2K of the
 * multiplications; float results within ~1e-5 relative of forward's);
 * otherwise one sgemm per tap on a strided view of x. scratch holds
 * codec_nn_conv1d_infer_scratch(Tin, Cin, Cout, K, stride, dil, pad) floats
 * (0: not needed), or is NULL for the tap-wise path. u: w transformed once
 * by codec_nn_conv1d_infer_weights (for weights that do not change), or NULL
 * to transform w in every call (which costs about as much as it saves on
 * utterances of a few seconds). */
size_t codec_nn_conv1d_infer_scratch(int tin, int cin, int cout, int k, int stride, int dil,
                                     int pad);
size_t codec_nn_conv1d_infer_weights_size(int cin, int cout, int k, int stride); /* 0: none */
void codec_nn_conv1d_infer_weights(float *u, const float *w, int cin, int cout, int k, int stride);
void codec_nn_conv1d_infer(float *out, float *scratch, const float *u, const float *x,
                           const float *w, const float *b, int tin, int cin, int cout, int k,
                           int stride, int dil, int pad);
/* dout (Tout,Cout), cols from forward; dw (Cout,K*Cin) +=, db (Cout) += (may be NULL),
 * dx (Tin,Cin) += (may be NULL). dcols (Tout,K*Cin) is scratch (needed when dx != NULL). */
void codec_nn_conv1d_backward(float *dx, float *dw, float *db, float *dcols, const float *dout,
                              const float *cols, const float *w, int tin, int cin, int cout, int k,
                              int stride, int dil, int pad);

/* Linear layer: out (T,Cout) = x (T,Cin) w^T + b, w (Cout,Cin), b (Cout) or NULL.
 * Caches nothing (backward needs x, which the caller keeps). */
void codec_nn_linear_forward(float *out, const float *x, const float *w, const float *b, int t,
                             int cin, int cout);
/* dx (T,Cin) += (may be NULL), dw (Cout,Cin) +=, db (Cout) += (may be NULL). */
void codec_nn_linear_backward(float *dx, float *dw, float *db, const float *dout, const float *x,
                              const float *w, int t, int cin, int cout);

/* Depthwise 1-D convolution, stride 1, "same" length: x, out (T,C), w (K,C) laid out
 * w[k][c], b (C) or NULL; tap k of frame t reads x[t + k*dil - pad], pad = dil*(K-1)/2.
 * Caches nothing (backward needs x). */
void codec_nn_dwconv_forward(float *out, const float *x, const float *w, const float *b, int t,
                             int c, int k, int dil);
void codec_nn_dwconv_backward(float *dx, float *dw, float *db, const float *dout, const float *x,
                              const float *w, int t, int c, int k, int dil);

/* Layer norm over the C channels of each frame (Ba, Kiros & Hinton 2016):
 * out = (x - mean)/sqrt(var + 1e-5) * g + b. x, out (T,C); g, b (C).
 * Caches mean (T) and rstd (T). */
void codec_nn_layernorm_forward(float *out, float *mean, float *rstd, const float *x,
                                const float *g, const float *b, int t, int c);
void codec_nn_layernorm_backward(float *dx, float *dg, float *db, const float *dout, const float *x,
                                 const float *mean, const float *rstd, const float *g, int t,
                                 int c);

/* GELU, tanh approximation (Hendrycks & Gimpel 2016, eq. in sec. 2), n elements.
 * out may equal nothing else; backward needs the input x. */
void codec_nn_gelu_forward(float *out, const float *x, size_t n);
void codec_nn_gelu_backward(float *dx, const float *dout, const float *x, size_t n);

/* ReLU; backward needs the input x. */
void codec_nn_relu_forward(float *out, const float *x, size_t n);
void codec_nn_relu_backward(float *dx, const float *dout, const float *x, size_t n);

/* Residual add: out = a + b (n elements). Its backward is dout added to both
 * branches' gradients, which callers do with codec_nn_add_inplace. */
void codec_nn_residual_forward(float *out, const float *a, const float *b, size_t n);
/* y += x (n elements). */
void codec_nn_add_inplace(float *y, const float *x, size_t n);

/* Inverted dropout with drop probability p in [0,1) (resolved to 1/65536):
 * mask[i] is 0 or 1/(1-p), drawn from r (p == 0 fills 1 and draws nothing); out = x * mask.
 * Cache: mask (n). out may alias x. */
void codec_nn_dropout_forward(float *out, float *mask, const float *x, size_t n, float p,
                              base_rng *r);
/* dx += dout * mask. */
void codec_nn_dropout_backward(float *dx, const float *dout, const float *mask, size_t n);

/* Log-softmax over the last axis: x, out (T,C). out may alias x. */
void codec_nn_log_softmax(float *out, const float *x, int t, int c);

#endif
