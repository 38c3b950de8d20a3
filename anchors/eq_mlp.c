/* eq_mlp.c -- the two-layer MLP equalizer: standardisation, a full-batch
 * AdamW fit on the anchor pairs, and the map (see eq_mlp.h). Parameters,
 * gradients and Adam moments each live in one flat buffer (W1, b1, W2, b2). */
#include "anchors/eq_mlp.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"

#define MLP_SLOPE 0.1f /* leaky ReLU slope for v < 0 */
#define MLP_DECAY 1e-4 /* decoupled weight decay on W1, W2 */
#define MLP_MAX_H 4096
enum { MLP_BLOCK = 8192 }; /* floats of the apply's stack block */

struct anchor_eq_mlp {
    size_t dt, dr, h;
    float *p;             /* W1 (H,d_tx), b1 (H), W2 (d_rx,H), b2 (d_rx) */
    float *mu_tx, *mu_rx; /* (d_tx), (d_rx) */
    float sd_tx, sd_rx;
    double loss;
};

void anchor_eq_mlp_config_default(anchor_eq_mlp_config *cfg)
{
    cfg->hidden = 32;
    cfg->epochs = 2000;
    cfg->lr = 1e-2;
    cfg->seed = 1;
}

/* Mean (d) and RMS spread about it of the rows of a (k,d). */
static float moments(const float *a, size_t k, size_t d, float *mu)
{
    double ss = 0;
    for (size_t c = 0; c < d; c++) {
        double s = 0;
        for (size_t i = 0; i < k; i++) s += a[i * d + c];
        mu[c] = (float)(s / (double)k);
    }
    for (size_t i = 0; i < k; i++)
        for (size_t c = 0; c < d; c++) {
            double t = (double)a[i * d + c] - mu[c];
            ss += t * t;
        }
    double sd = sqrt(ss / (double)(k * d));
    return sd > 1e-12 ? (float)sd : 1.0f;
}

/* Forward over n standardised rows u (n,d_tx): z (n,H) pre-activations, a (n,H)
 * activations, y (n,d_rx) outputs (standardised). */
static void forward(const anchor_eq_mlp *m, const float *u, size_t n, float *z, float *a, float *y)
{
    const size_t h = m->h, dt = m->dt, dr = m->dr;
    const float *w1 = m->p, *b1 = w1 + h * dt, *w2 = b1 + h, *b2 = w2 + dr * h;
    for (size_t i = 0; i < n; i++) memcpy(z + i * h, b1, h * sizeof *z);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)h, (int)dt, 1.0f, u, (int)dt,
                w1, (int)dt, 1.0f, z, (int)h);
    for (size_t i = 0; i < n * h; i++) a[i] = z[i] > 0 ? z[i] : MLP_SLOPE * z[i];
    for (size_t i = 0; i < n; i++) memcpy(y + i * dr, b2, dr * sizeof *y);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)dr, (int)h, 1.0f, a, (int)h,
                w2, (int)h, 1.0f, y, (int)dr);
}

typedef struct fit_ws {
    float *u, *t, *z, *a, *y, *g, *mo, *ve; /* data, activations, gradient, Adam moments */
} fit_ws;

/* One full-batch step at learning rate lr (step s, 0-based): returns the loss. */
static double step(anchor_eq_mlp *m, fit_ws *w, size_t k, long s, double lr)
{
    const size_t h = m->h, dt = m->dt, dr = m->dr, np = h * dt + h + dr * h + dr;
    float *gw1 = w->g, *gb1 = gw1 + h * dt, *gw2 = gb1 + h, *gb2 = gw2 + dr * h;
    const float *w2 = m->p + h * dt + h;
    forward(m, w->u, k, w->z, w->a, w->y);
    double loss = 0;
    const float sc = 2.0f / (float)(k * dr);
    for (size_t i = 0; i < k * dr; i++) {
        float e = w->y[i] - w->t[i];
        loss += (double)e * e;
        w->y[i] = sc * e; /* dL/dy */
    }
    loss /= (double)(k * dr);
    /* dW2 (d_rx,H) = dY^T A; db2 = column sums of dY */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)dr, (int)h, (int)k, 1.0f, w->y,
                (int)dr, w->a, (int)h, 0.0f, gw2, (int)h);
    for (size_t c = 0; c < dr; c++) {
        double acc = 0;
        for (size_t i = 0; i < k; i++) acc += w->y[i * dr + c];
        gb2[c] = (float)acc;
    }
    /* dZ = (dY W2) * g'(Z), into a */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)k, (int)h, (int)dr, 1.0f, w->y,
                (int)dr, w2, (int)h, 0.0f, w->a, (int)h);
    for (size_t i = 0; i < k * h; i++)
        if (!(w->z[i] > 0)) w->a[i] *= MLP_SLOPE;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)h, (int)dt, (int)k, 1.0f, w->a,
                (int)h, w->u, (int)dt, 0.0f, gw1, (int)dt);
    for (size_t c = 0; c < h; c++) {
        double acc = 0;
        for (size_t i = 0; i < k; i++) acc += w->a[i * h + c];
        gb1[c] = (float)acc;
    }
    /* AdamW, bias-corrected; decay on the weight matrices only */
    const double b1 = 0.9, b2 = 0.999, c1 = 1 - pow(b1, (double)(s + 1)),
                 c2 = 1 - pow(b2, (double)(s + 1));
    for (size_t i = 0; i < np; i++) {
        int is_w = i < h * dt || (i >= h * dt + h && i < h * dt + h + dr * h);
        w->mo[i] = (float)(b1 * w->mo[i] + (1 - b1) * w->g[i]);
        w->ve[i] = (float)(b2 * w->ve[i] + (1 - b2) * (double)w->g[i] * w->g[i]);
        double upd = (w->mo[i] / c1) / (sqrt(w->ve[i] / c2) + 1e-8);
        if (is_w) upd += MLP_DECAY * m->p[i];
        m->p[i] -= (float)(lr * upd);
    }
    return loss;
}

static base_status fit(anchor_eq_mlp *m, const anchor_eq_mlp_config *cfg, const float *a_tx,
                       const float *a_rx, size_t k, base_err *err)
{
    const size_t h = m->h, dt = m->dt, dr = m->dr, np = h * dt + h + dr * h + dr;
    fit_ws w;
    w.u = malloc(k * dt * sizeof *w.u);
    w.t = malloc(k * dr * sizeof *w.t);
    w.z = malloc(k * h * sizeof *w.z);
    w.a = malloc(k * h * sizeof *w.a);
    w.y = malloc(k * dr * sizeof *w.y);
    w.g = malloc(np * sizeof *w.g);
    w.mo = calloc(np, sizeof *w.mo);
    w.ve = calloc(np, sizeof *w.ve);
    base_status st = BASE_OK;
    if (!w.u || !w.t || !w.z || !w.a || !w.y || !w.g || !w.mo || !w.ve) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < k; i++) {
        for (size_t c = 0; c < dt; c++)
            w.u[i * dt + c] = (a_tx[i * dt + c] - m->mu_tx[c]) / m->sd_tx;
        for (size_t c = 0; c < dr; c++)
            w.t[i * dr + c] = (a_rx[i * dr + c] - m->mu_rx[c]) / m->sd_rx;
    }
    base_rng r;
    base_rng_init(&r, cfg->seed, 0, base_rng_component("anchors.eq.mlp"));
    base_rng_normal_fill(&r, m->p, h * dt, (float)sqrt(2.0 / (double)dt));
    base_rng_normal_fill(&r, m->p + h * dt + h, dr * h, (float)sqrt(1.0 / (double)h));
    for (long s = 0; s < cfg->epochs; s++) {
        /* cosine decay to a tenth of the peak */
        double lr = cfg->lr * (0.1 + 0.9 * 0.5 * (1 + cos(M_PI * (double)s / (double)cfg->epochs)));
        step(m, &w, k, s, lr);
    }
    /* the loss of the final map */
    forward(m, w.u, k, w.z, w.a, w.y);
    double loss = 0;
    for (size_t i = 0; i < k * dr; i++) loss += (double)(w.y[i] - w.t[i]) * (w.y[i] - w.t[i]);
    m->loss = loss / (double)(k * dr);
out:
    free(w.u), free(w.t), free(w.z), free(w.a), free(w.y), free(w.g), free(w.mo), free(w.ve);
    return st;
}

anchor_eq_mlp *anchor_eq_mlp_create(const anchor_eq_mlp_config *cfg, const float *a_tx,
                                    const float *a_rx, size_t k, size_t d_tx, size_t d_rx,
                                    base_err *err)
{
    if (!cfg || !a_tx || !a_rx || k == 0 || d_tx == 0 || d_rx == 0) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "mlp: needs a config and anchors A_tx (K,d_tx), A_rx (K,d_rx)");
        return NULL;
    }
    if (cfg->hidden < 1 || cfg->hidden > MLP_MAX_H || cfg->epochs < 1 || cfg->epochs > 1000000 ||
        !(cfg->lr > 0) || !isfinite(cfg->lr)) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "mlp: hidden must be 1..%d, epochs 1..1000000 and lr > 0 (got %zu, %ld, %g)",
                     MLP_MAX_H, cfg->hidden, cfg->epochs, cfg->lr);
        return NULL;
    }
    if (d_tx + 2 * cfg->hidden > MLP_BLOCK) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "mlp: d_tx + 2 * hidden must be <= %d", MLP_BLOCK);
        return NULL;
    }
    const size_t h = cfg->hidden, np = h * d_tx + h + d_rx * h + d_rx;
    anchor_eq_mlp *m = calloc(1, sizeof *m);
    if (!m) goto nomem;
    m->dt = d_tx, m->dr = d_rx, m->h = h;
    m->p = calloc(np, sizeof *m->p);
    m->mu_tx = malloc(d_tx * sizeof *m->mu_tx);
    m->mu_rx = malloc(d_rx * sizeof *m->mu_rx);
    if (!m->p || !m->mu_tx || !m->mu_rx) goto nomem;
    m->sd_tx = moments(a_tx, k, d_tx, m->mu_tx);
    m->sd_rx = moments(a_rx, k, d_rx, m->mu_rx);
    if (fit(m, cfg, a_tx, a_rx, k, err) != BASE_OK) goto fail;
    return m;
nomem:
    base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    anchor_eq_mlp_destroy(m);
    return NULL;
}

void anchor_eq_mlp_destroy(anchor_eq_mlp *m)
{
    if (!m) return;
    free(m->p), free(m->mu_tx), free(m->mu_rx);
    free(m);
}

void anchor_eq_mlp_apply(const anchor_eq_mlp *m, const float *x_tx, size_t n, float *x_rx)
{
    float blk[MLP_BLOCK];
    const size_t dt = m->dt, dr = m->dr, h = m->h;
    /* per row: u (d_tx), then z and a share the H floats (a computed in place) */
    const size_t rows = MLP_BLOCK / (dt + 2 * h); /* >= 1: create checks it */
    for (size_t i0 = 0; i0 < n; i0 += rows) {
        size_t b = n - i0 < rows ? n - i0 : rows;
        float *u = blk, *z = u + b * dt, *a = z + b * h;
        for (size_t i = 0; i < b; i++)
            for (size_t c = 0; c < dt; c++)
                u[i * dt + c] = (x_tx[(i0 + i) * dt + c] - m->mu_tx[c]) / m->sd_tx;
        float *y = x_rx + i0 * dr;
        forward(m, u, b, z, a, y);
        for (size_t i = 0; i < b; i++)
            for (size_t c = 0; c < dr; c++) y[i * dr + c] = m->mu_rx[c] + m->sd_rx * y[i * dr + c];
    }
}

double anchor_eq_mlp_train_loss(const anchor_eq_mlp *m)
{
    return m ? m->loss : NAN;
}
