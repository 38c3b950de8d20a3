/* optim.h -- AdamW with a warm-up + decay learning-rate schedule and global-norm
 * gradient clipping, on flat parameter/gradient/moment buffers.
 *
 * Where it sits: the shared CTC loop (codecs/ctc_train.c) calls codec_optim_step once per batch on
 * the agent's flat buffers (codecs/agent.h). Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019, Algorithm 2 (AdamW); Kingma & Ba 2015 for the bias-corrected moments.
 */
#ifndef CODECS_OPTIM_H
#define CODECS_OPTIM_H

#include "base/status.h"

#include <stddef.h>

typedef enum codec_lr_decay { CODEC_LR_COSINE = 0, CODEC_LR_LINEAR } codec_lr_decay;

typedef struct codec_optim_config {
    float lr;           /* peak learning rate, > 0 */
    float beta1, beta2; /* in [0,1), typically 0.9, 0.98 */
    float eps;          /* > 0, e.g. 1e-8 */
    float weight_decay; /* decoupled decay per step times lr, >= 0 */
    float clip_norm;    /* clip the global gradient L2 norm to this; 0 = no clipping */
    long warmup_steps;  /* linear ramp from 0 to lr, >= 0 */
    long total_steps;   /* schedule length, > warmup_steps */
    float min_lr_ratio; /* lr at the end of the decay, as a fraction of lr, in [0,1] */
    codec_lr_decay decay;
} codec_optim_config;

/* Defaults: lr 1e-3, betas 0.9/0.98, eps 1e-8, wd 0.01, clip 5, cosine to 0.02. */
codec_optim_config codec_optim_default(long total_steps, long warmup_steps);

/* BASE_OK or BASE_EINVAL with a message naming the bad field. */
base_status codec_optim_check(const codec_optim_config *c, base_err *err);

/* Learning rate at step (0-based). */
float codec_optim_lr(const codec_optim_config *c, long step);

/* Global L2 norm of g (n floats), accumulated in double. */
double codec_optim_grad_norm(const float *g, size_t n);

/* One AdamW step at `step` (0-based; bias correction uses step+1).
 *   p, g, m, v: n floats each (parameters, gradients, first and second moments);
 *   decay_mask: n bytes or NULL; weight decay only where decay_mask[i] != 0;
 *   frozen: n bytes or NULL; parameters with frozen[i] != 0 are not touched.
 * Gradients are first scaled so their global norm is at most clip_norm.
 * Returns the gradient norm before clipping. Does not zero g. */
double codec_optim_step(const codec_optim_config *c, long step, float *p, const float *g, float *m,
                        float *v, const unsigned char *decay_mask, const unsigned char *frozen,
                        size_t n);

#endif
