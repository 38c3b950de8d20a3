/* optim.c -- AdamW, learning-rate schedule, gradient clipping (see optim.h). */
#include "codecs/optim.h"

#include <math.h>

codec_optim_config codec_optim_default(long total_steps, long warmup_steps)
{
    codec_optim_config c = {
        .lr = 1e-3f,
        .beta1 = 0.9f,
        .beta2 = 0.98f,
        .eps = 1e-8f,
        .weight_decay = 0.01f,
        .clip_norm = 5.0f,
        .warmup_steps = warmup_steps,
        .total_steps = total_steps,
        .min_lr_ratio = 0.02f,
        .decay = CODEC_LR_COSINE,
    };
    return c;
}

base_status codec_optim_check(const codec_optim_config *c, base_err *err)
{
    if (!c) return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: NULL config");
    if (!(c->lr > 0) || !isfinite(c->lr))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: lr must be > 0, got %g", c->lr);
    if (!(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: betas must be in [0,1)");
    if (!(c->eps > 0)) return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: eps must be > 0");
    if (!(c->weight_decay >= 0))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: weight_decay must be >= 0");
    if (!(c->clip_norm >= 0))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: clip_norm must be >= 0");
    if (c->warmup_steps < 0 || c->total_steps <= c->warmup_steps)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "optimiser: need 0 <= warmup_steps (%ld) < total_steps (%ld)",
                            c->warmup_steps, c->total_steps);
    if (!(c->min_lr_ratio >= 0 && c->min_lr_ratio <= 1))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: min_lr_ratio must be in [0,1]");
    if (c->decay != CODEC_LR_COSINE && c->decay != CODEC_LR_LINEAR)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "optimiser: unknown decay");
    return BASE_OK;
}

float codec_optim_lr(const codec_optim_config *c, long step)
{
    if (step < c->warmup_steps) return c->lr * (float)(step + 1) / (float)c->warmup_steps;
    double span = (double)(c->total_steps - c->warmup_steps);
    double f = (double)(step - c->warmup_steps) / span;
    if (f > 1) f = 1;
    double shape = c->decay == CODEC_LR_COSINE ? 0.5 * (1.0 + cos(M_PI * f)) : 1.0 - f;
    double r = c->min_lr_ratio + (1.0 - c->min_lr_ratio) * shape;
    return (float)(c->lr * r);
}

double codec_optim_grad_norm(const float *g, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)g[i] * g[i];
    return sqrt(s);
}

double codec_optim_step(const codec_optim_config *c, long step, float *p, const float *g, float *m,
                        float *v, const unsigned char *decay_mask, const unsigned char *frozen,
                        size_t n)
{
    double norm = codec_optim_grad_norm(g, n);
    float gscale = 1.0f;
    if (c->clip_norm > 0 && norm > c->clip_norm) gscale = (float)(c->clip_norm / norm);
    if (!isfinite(norm)) return norm; /* skip a step with a non-finite gradient */
    float lr = codec_optim_lr(c, step);
    double bc1 = 1.0 - pow(c->beta1, (double)(step + 1));
    double bc2 = 1.0 - pow(c->beta2, (double)(step + 1));
    float b1 = c->beta1, b2 = c->beta2;
    for (size_t i = 0; i < n; i++) {
        if (frozen && frozen[i]) continue;
        float gi = g[i] * gscale;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        float mhat = (float)(m[i] / bc1), vhat = (float)(v[i] / bc2);
        float upd = mhat / (sqrtf(vhat) + c->eps);
        if (!decay_mask || decay_mask[i]) upd += c->weight_decay * p[i];
        p[i] -= lr * upd;
    }
    return norm;
}
