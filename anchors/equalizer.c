/* equalizer.c -- none / relative / relative-inverse / ridge / procrustes equalizers,
 * and the table's rows of mlp (anchors/eq_mlp.c) and parseval (anchors/eq_parseval.c).
 *
 * See equalizer.h for the maps. Every fit runs in double through LAPACKE's SVD
 * (the anchor matrices are small: K x d with K, d in the hundreds) and is
 * stored in float; execute paths are sgemm plus row loops and allocate nothing
 * (the relative types work through fixed blocks on the stack), except the
 * relative head's decode, which needs a sequence workspace (anchors/relhead.h).
 */
#include "anchors/equalizer.h"

#include "anchors/eq_mlp.h"
#include "anchors/eq_parseval.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct anchor_equalizer {
    anchor_equalizer_config cfg;
    const anchor_eq_info *row; /* the table's row of cfg.type */
    size_t k, d_tx, d_rx;
    anchor_relative *rel_tx; /* relative types: the transmitter's projection */
    float *p;                /* (d_rx,K) pseudo-inverse, relative-inverse */
    float *c;                /* (d_rx) euclidean: P (|a|^2 / 2); cosine-centered: anchors' mean */
    float *w;                /* (d_tx,d_rx) ridge, procrustes */
    float *bias;             /* (d_rx) mu_rx - mu_tx W */
    float rho;               /* cosine: restored norm */
    anchor_eq_mlp *mlp;      /* mlp */
    anchor_eq_parseval *pf;  /* parseval */
    size_t rank;
    uint64_t handshake;
};

/* Rows per stack block: blocks of ANCHOR_EQ_MAX_K floats. */
enum { EQ_BLOCK = ANCHOR_EQ_MAX_K };

/* The table (below, after the per-type functions) lists every type the
 * scenario accepts; rows 0..ANCHOR_EQ_TYPES-1 are in anchor_eq_type order. */
enum { EQ_ROWS = ANCHOR_EQ_TYPES + 1 };
static const anchor_eq_info eq_table[EQ_ROWS];

base_status anchor_eq_type_parse(const char *name, anchor_eq_type *type, base_err *err)
{
    for (int i = 0; name && i < EQ_ROWS; i++)
        if (strcmp(name, eq_table[i].name) == 0 && !eq_table[i].is_oracle) {
            *type = eq_table[i].type;
            return BASE_OK;
        }
    return base_err_set(err, BASE_EINVAL, NULL, 0,
                        "unknown equalizer.type '%s' for anchors/ (expected none, relative, "
                        "relative-inverse, ridge, procrustes, mlp or parseval; oracle is run by "
                        "the simulator)",
                        name ? name : "(null)");
}

const char *anchor_eq_type_name(anchor_eq_type type)
{
    return (unsigned)type < ANCHOR_EQ_TYPES ? eq_table[type].name : "?";
}

void anchor_equalizer_config_default(anchor_equalizer_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->type = ANCHOR_EQ_NONE;
    cfg->psi = ANCHOR_PSI_COSINE;
    cfg->ridge_lambda = 1e-3;
    cfg->relinv_lambda = 0.1;
    cfg->rx_norm = 0;
    cfg->procrustes_scale = 1;
    cfg->head = NULL;
    cfg->mlp_hidden = 32;
    cfg->mlp_epochs = 2000;
    cfg->parseval_lambda = 0.1;
    cfg->seed = 1;
}

double anchor_mean_norm(const float *x, size_t n, size_t d)
{
    if (!x || n == 0) return 0;
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t c = 0; c < d; c++) s += (double)x[i * d + c] * x[i * d + c];
        acc += sqrt(s);
    }
    return acc / (double)n;
}

/* Thin SVD of m (rows,cols) row-major (destroyed): u (rows,r), s (r), vt (r,cols),
 * r = min(rows,cols). */
static base_status svd(double *m, size_t rows, size_t cols, double *u, double *s, double *vt,
                       base_err *err)
{
    size_t r = rows < cols ? rows : cols;
    double *superb = malloc((r > 1 ? r - 1 : 1) * sizeof *superb);
    if (!superb) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    lapack_int info =
        LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', (lapack_int)rows, (lapack_int)cols, m,
                       (lapack_int)cols, s, u, (lapack_int)r, vt, (lapack_int)cols, superb);
    free(superb);
    if (info != 0)
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "LAPACKE_dgesvd failed (info %d)",
                            (int)info);
    return BASE_OK;
}

/* p (cols,rows) = pinv(m (rows,cols)); m destroyed. Singular values below
 * 1e-6 * s_max are treated as zero. With lambda_rel > 0 the inverse is
 * Tikhonov-regularised: 1/s_j becomes s_j/(s_j^2 + lambda), lambda =
 * lambda_rel * mean(s_j^2). Returns the rank kept in *rank. */
static base_status pinv(double *m, size_t rows, size_t cols, double lambda_rel, float *p,
                        size_t *rank, base_err *err)
{
    size_t r = rows < cols ? rows : cols;
    double *u = malloc(rows * r * sizeof *u), *s = malloc(r * sizeof *s);
    double *vt = malloc(r * cols * sizeof *vt);
    base_status st = BASE_ENOMEM;
    if (!u || !s || !vt) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    if ((st = svd(m, rows, cols, u, s, vt, err))) goto out;
    double cut = 1e-6 * s[0];
    size_t kept = 0;
    double ss = 0;
    for (size_t j = 0; j < r; j++) kept += s[j] > cut && s[j] > 0, ss += s[j] * s[j];
    double lambda = lambda_rel * ss / (double)r;
    /* filter factors: 1/s_j (plain least squares) or s_j/(s_j^2 + lambda) */
    for (size_t j = 0; j < kept; j++) s[j] = s[j] / (s[j] * s[j] + lambda);
    /* P[c][k] = sum_j vt[j][c] u[k][j] f_j over the kept j */
    for (size_t c = 0; c < cols; c++)
        for (size_t kk = 0; kk < rows; kk++) {
            double acc = 0;
            for (size_t j = 0; j < kept; j++) acc += vt[j * cols + c] * u[kk * r + j] * s[j];
            p[c * rows + kk] = (float)acc;
        }
    *rank = kept;
    st = BASE_OK;
out:
    free(u), free(s), free(vt);
    return st;
}

/* Centre a (K,d) float into out (K,ld) double (columns >= d left zero); mu (d). */
static void centre(const float *a, size_t k, size_t d, size_t ld, double *out, double *mu)
{
    for (size_t c = 0; c < d; c++) {
        double s = 0;
        for (size_t j = 0; j < k; j++) s += a[j * d + c];
        mu[c] = s / (double)k;
    }
    memset(out, 0, k * ld * sizeof *out);
    for (size_t j = 0; j < k; j++)
        for (size_t c = 0; c < d; c++) out[j * ld + c] = a[j * d + c] - mu[c];
}

static base_status fit_relative_inverse(anchor_equalizer *q, const float *a_rx, base_err *err)
{
    const size_t k = q->k, d = q->d_rx;
    double *m = malloc(k * d * sizeof *m), *mu = malloc(d * sizeof *mu);
    base_status st = BASE_ENOMEM;
    q->p = malloc(d * k * sizeof *q->p);
    if (!m || !mu || !q->p) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    const int cos_like =
        q->cfg.psi == ANCHOR_PSI_COSINE || q->cfg.psi == ANCHOR_PSI_COSINE_CENTERED;
    if (q->cfg.psi == ANCHOR_PSI_EUCLIDEAN || q->cfg.psi == ANCHOR_PSI_COSINE_CENTERED) {
        /* multilateration: subtracting the mean equation removes |x|^2;
         * cosine-centered: the anchors about their own mean */
        centre(a_rx, k, d, d, m, mu);
    } else {
        for (size_t i = 0; i < k * d; i++) m[i] = a_rx[i];
    }
    if (q->cfg.psi != ANCHOR_PSI_EUCLIDEAN) {
        for (size_t j = 0; j < k; j++) {
            double s = 0;
            for (size_t c = 0; c < d; c++) s += m[j * d + c] * m[j * d + c];
            if (cos_like && !(s > 0)) {
                st = base_err_set(err, BASE_EINVAL, NULL, 0,
                                  "receiver anchor %zu is the zero vector: cosine psi is "
                                  "undefined for it",
                                  j);
                goto out;
            }
            double inv = cos_like ? 1.0 / sqrt(s) : 1.0;
            for (size_t c = 0; c < d; c++) m[j * d + c] *= inv;
        }
    }
    if ((st = pinv(m, k, d, q->cfg.relinv_lambda, q->p, &q->rank, err))) goto out;
    if (q->cfg.psi == ANCHOR_PSI_EUCLIDEAN) {
        q->c = malloc(d * sizeof *q->c);
        if (!q->c) {
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            goto out;
        }
        for (size_t c = 0; c < d; c++) {
            double acc = 0;
            for (size_t j = 0; j < k; j++) {
                double s = 0;
                for (size_t e = 0; e < d; e++) s += (double)a_rx[j * d + e] * a_rx[j * d + e];
                acc += (double)q->p[c * k + j] * 0.5 * s;
            }
            q->c[c] = (float)acc;
        }
    }
    if (q->cfg.psi == ANCHOR_PSI_COSINE)
        q->rho = (float)(q->cfg.rx_norm > 0 ? q->cfg.rx_norm : anchor_mean_norm(a_rx, k, d));
    if (q->cfg.psi == ANCHOR_PSI_COSINE_CENTERED) {
        /* x = rho u/|u| + mu: the direction from the centroid, the mean norm about it */
        double r = 0;
        for (size_t j = 0; j < k; j++) {
            double s = 0;
            for (size_t c = 0; c < d; c++) s += m[j * d + c] * m[j * d + c];
            r += sqrt(s);
        }
        q->c = malloc(d * sizeof *q->c);
        if (!q->c) {
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            goto out;
        }
        for (size_t c = 0; c < d; c++) q->c[c] = (float)mu[c];
        q->rho = (float)(q->cfg.rx_norm > 0 ? q->cfg.rx_norm : r / (double)k);
    }
    st = BASE_OK;
out:
    free(m), free(mu);
    return st;
}

/* ridge and procrustes both end as x W + bias. */
static base_status fit_linear(anchor_equalizer *q, const float *a_tx, const float *a_rx,
                              base_err *err)
{
    const size_t k = q->k, dt = q->d_tx, dr = q->d_rx;
    const size_t dd = dt > dr ? dt : dr;
    const int procrustes = q->cfg.type == ANCHOR_EQ_PROCRUSTES;
    const size_t lt = procrustes ? dd : dt, lr = procrustes ? dd : dr; /* padded widths */
    const size_t r = procrustes ? dd : (k < dt ? k : dt);
    double *ct = malloc(k * lt * sizeof *ct), *cr = malloc(k * lr * sizeof *cr);
    double *mut = malloc(dt * sizeof *mut), *mur = malloc(dr * sizeof *mur);
    double *u = malloc((procrustes ? dd * dd : k * r) * sizeof *u), *s = malloc(r * sizeof *s);
    double *vt = malloc(r * (procrustes ? dd : dt) * sizeof *vt);
    double *t = malloc((procrustes ? dd * dd : r * dr) * sizeof *t);
    double *wd = malloc(dd * dd * sizeof *wd);
    base_status st = BASE_ENOMEM;
    q->w = malloc(dt * dr * sizeof *q->w);
    q->bias = malloc(dr * sizeof *q->bias);
    if (!ct || !cr || !mut || !mur || !u || !s || !vt || !t || !wd || !q->w || !q->bias) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    centre(a_tx, k, dt, lt, ct, mut);
    centre(a_rx, k, dr, lr, cr, mur);
    double fro = 0;
    for (size_t i = 0; i < k * lt; i++) fro += ct[i] * ct[i];
    if (procrustes) {
        /* M (D,D) = C_tx^T C_rx; R = U V^T (Schoenemann 1966) */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)dd, (int)dd, (int)k, 1.0, ct,
                    (int)dd, cr, (int)dd, 0.0, t, (int)dd);
        if ((st = svd(t, dd, dd, u, s, vt, err))) goto out;
        /* With K <= D, M is rank-deficient and the singular vectors of its null
         * space are arbitrary: two programs fitting the same anchors got different
         * ones (and different results). R keeps only the numerically non-zero part,
         * R = sum_{s_j > 1e-9 s_max} u_j v_j^T, a partial isometry that maps unseen
         * directions to 0. */
        size_t kept = 0;
        while (kept < dd && s[kept] > 1e-9 * s[0]) kept++;
        memset(wd, 0, dd * dd * sizeof *wd);
        if (kept)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)dd, (int)dd, (int)kept, 1.0,
                        u, (int)dd, vt, (int)dd, 0.0, wd, (int)dd);
        q->rank = kept;
        double scale = 1;
        if (q->cfg.procrustes_scale) {
            double tr = 0;
            for (size_t j = 0; j < dd; j++) tr += s[j];
            scale = fro > 0 ? tr / fro : 0;
        }
        for (size_t i = 0; i < dt; i++)
            for (size_t j = 0; j < dr; j++) q->w[i * dr + j] = (float)(scale * wd[i * dd + j]);
    } else {
        /* W = V diag(s/(s^2+lambda)) U^T C_rx, from the SVD C_tx = U S V^T */
        double lambda = q->cfg.ridge_lambda * fro / (double)dt;
        if ((st = svd(ct, k, dt, u, s, vt, err))) goto out;
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)r, (int)dr, (int)k, 1.0, u,
                    (int)r, cr, (int)dr, 0.0, t, (int)dr);
        for (size_t j = 0; j < r; j++) {
            double f = s[j] * s[j] + lambda > 0 ? s[j] / (s[j] * s[j] + lambda) : 0;
            for (size_t c = 0; c < dr; c++) t[j * dr + c] *= f;
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)dt, (int)dr, (int)r, 1.0, vt,
                    (int)dt, t, (int)dr, 0.0, wd, (int)dr);
        for (size_t i = 0; i < dt * dr; i++) q->w[i] = (float)wd[i];
    }
    for (size_t j = 0; j < dr; j++) {
        double b = mur[j];
        for (size_t i = 0; i < dt; i++) b -= mut[i] * q->w[i * dr + j];
        q->bias[j] = (float)b;
    }
    q->handshake = (uint64_t)k * dt;
    st = BASE_OK;
out:
    free(ct), free(cr), free(mut), free(mur), free(u), free(s), free(vt), free(t), free(wd);
    return st;
}

/* The head must read exactly the relative representation this fit describes. */
static base_status check_head(const anchor_equalizer_config *cfg, const float *a_rx, size_t k,
                              size_t d_rx, base_err *err)
{
    const anchor_relhead *h = cfg->head;
    if (!h)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "equalizer 'relative' needs the receiver's trained head "
                            "(anchor_relhead_get) in config.head");
    if (anchor_relhead_k(h) != k || anchor_relhead_in_dim(h) != d_rx)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relative head was trained for K = %zu, d_rx = %zu; the anchors "
                            "give K = %zu, d_rx = %zu",
                            anchor_relhead_k(h), anchor_relhead_in_dim(h), k, d_rx);
    if (anchor_relhead_psi(h) != cfg->psi)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relative head was trained with psi %s, the equalizer uses %s",
                            anchor_psi_name(anchor_relhead_psi(h)), anchor_psi_name(cfg->psi));
    if (memcmp(anchor_relhead_anchors(h), a_rx, k * d_rx * sizeof *a_rx))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "relative head was trained on other receiver anchors than A_rx");
    return BASE_OK;
}

static int finite_all(const float *x, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            *at = i;
            return 0;
        }
    return 1;
}

/* ---- per-type fit, encode and decode (the table's functions) ---------- */

/* relative: the transmitter's projection; the receiver's head is trained elsewhere. */
static base_status fit_relative(anchor_equalizer *q, const float *a_tx, const float *a_rx,
                                base_err *err)
{
    (void)a_rx;
    q->rel_tx = anchor_relative_create(a_tx, q->k, q->d_tx, q->cfg.psi, err);
    return q->rel_tx ? BASE_OK : (err && err->code ? err->code : BASE_EINVAL);
}

static base_status fit_relinv(anchor_equalizer *q, const float *a_tx, const float *a_rx,
                              base_err *err)
{
    base_status st = fit_relative(q, a_tx, a_rx, err);
    return st != BASE_OK ? st : fit_relative_inverse(q, a_rx, err);
}

/* Absolute types send the transmitter's latent as it is. */
static base_status encode_copy(const anchor_equalizer *q, const float *x_tx, size_t n, float *s,
                               base_err *err)
{
    size_t at;
    if (!finite_all(x_tx, n * q->d_tx, &at))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "frame %zu, component %zu is not finite",
                            at / q->d_tx, at % q->d_tx);
    memcpy(s, x_tx, n * q->d_tx * sizeof *s);
    return BASE_OK;
}

static base_status encode_relative(const anchor_equalizer *q, const float *x_tx, size_t n, float *s,
                                   base_err *err)
{
    return anchor_relative_execute(q->rel_tx, x_tx, n, s, err);
}

/* none: truncate or zero-pad to d_rx. */
static base_status decode_none(const anchor_equalizer *q, const float *s, size_t n, float *out,
                               base_err *err)
{
    (void)err;
    const size_t dr = q->d_rx, dt = q->d_tx, m = dt < dr ? dt : dr;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + i * dr, s + i * dt, m * sizeof *out);
        memset(out + i * dr + m, 0, (dr - m) * sizeof *out);
    }
    return BASE_OK;
}

/* Relative-inverse decode of n rows (n * K <= EQ_BLOCK), scratch EQ_BLOCK floats. */
static void relinv_block(const anchor_equalizer *q, const float *s, size_t n, float *out,
                         float *scratch)
{
    const size_t k = q->k, d = q->d_rx;
    const float *in = s;
    float beta = 0.0f, alpha = 1.0f;
    if (q->cfg.psi == ANCHOR_PSI_EUCLIDEAN) {
        /* x = P (|a|^2 - r o r)/2 = c - P (r o r)/2 */
        for (size_t i = 0; i < n * k; i++) scratch[i] = s[i] * s[i];
        for (size_t i = 0; i < n; i++) memcpy(out + i * d, q->c, d * sizeof *out);
        in = scratch;
        alpha = -0.5f;
        beta = 1.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)k, alpha, in, (int)k,
                q->p, (int)k, beta, out, (int)d);
    if (q->cfg.psi == ANCHOR_PSI_COSINE || q->cfg.psi == ANCHOR_PSI_COSINE_CENTERED)
        for (size_t i = 0; i < n; i++) {
            float *o = out + i * d;
            double ss = 0;
            for (size_t c = 0; c < d; c++) ss += (double)o[c] * o[c];
            float g = ss > 0 ? (float)(q->rho / sqrt(ss)) : 0.0f;
            for (size_t c = 0; c < d; c++) o[c] *= g;
            if (q->cfg.psi == ANCHOR_PSI_COSINE_CENTERED)
                for (size_t c = 0; c < d; c++) o[c] += q->c[c];
        }
}

static base_status decode_relinv(const anchor_equalizer *q, const float *s, size_t n, float *out,
                                 base_err *err)
{
    (void)err;
    float scratch[EQ_BLOCK];
    size_t rows = EQ_BLOCK / q->k;
    for (size_t i0 = 0; i0 < n; i0 += rows) {
        size_t b = n - i0 < rows ? n - i0 : rows;
        relinv_block(q, s + i0 * q->k, b, out + i0 * q->d_rx, scratch);
    }
    return BASE_OK;
}

/* relative: the receiver's head reads one utterance's relative symbols. */
static base_status decode_head(const anchor_equalizer *q, const float *s, size_t n, float *out,
                               base_err *err)
{
    if (n > INT32_MAX)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "%zu frames in one utterance", n);
    anchor_relhead_ws *ws = anchor_relhead_ws_create(q->cfg.head, (int)n, err);
    if (!ws) return err ? err->code : BASE_ENOMEM;
    base_status st = anchor_relhead_decode(q->cfg.head, ws, s, (int)n, out, err);
    anchor_relhead_ws_destroy(ws);
    return st;
}

/* ridge, procrustes: x W + bias. */
static base_status decode_linear(const anchor_equalizer *q, const float *s, size_t n, float *out,
                                 base_err *err)
{
    (void)err;
    const size_t dr = q->d_rx, dt = q->d_tx;
    for (size_t i = 0; i < n; i++) memcpy(out + i * dr, q->bias, dr * sizeof *out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)dr, (int)dt, 1.0f, s,
                (int)dt, q->w, (int)dr, 1.0f, out, (int)dr);
    return BASE_OK;
}

/* mlp: a two-layer MLP on the anchor pairs (anchors/eq_mlp.h). */
static base_status fit_mlp(anchor_equalizer *q, const float *a_tx, const float *a_rx, base_err *err)
{
    anchor_eq_mlp_config mc;
    anchor_eq_mlp_config_default(&mc);
    mc.hidden = q->cfg.mlp_hidden;
    mc.epochs = q->cfg.mlp_epochs;
    mc.seed = q->cfg.seed;
    if (!(q->mlp = anchor_eq_mlp_create(&mc, a_tx, a_rx, q->k, q->d_tx, q->d_rx, err)))
        return err && err->code ? err->code : BASE_EINVAL;
    q->handshake = (uint64_t)q->k * q->d_tx; /* the receiver fits on A_tx, as ridge */
    return BASE_OK;
}

static base_status decode_mlp(const anchor_equalizer *q, const float *s, size_t n, float *out,
                              base_err *err)
{
    (void)err;
    anchor_eq_mlp_apply(q->mlp, s, n, out);
    return BASE_OK;
}

/* parseval: Parseval frames of each side's anchors (anchors/eq_parseval.h). */
static base_status fit_parseval(anchor_equalizer *q, const float *a_tx, const float *a_rx,
                                base_err *err)
{
    if (!(q->pf = anchor_eq_parseval_create(a_tx, a_rx, q->k, q->d_tx, q->d_rx,
                                            q->cfg.parseval_lambda, err)))
        return err && err->code ? err->code : BASE_EINVAL;
    q->rank = anchor_eq_parseval_rank(q->pf);
    q->handshake = anchor_eq_parseval_handshake(q->pf);
    return BASE_OK;
}

static base_status encode_parseval(const anchor_equalizer *q, const float *x_tx, size_t n, float *s,
                                   base_err *err)
{
    size_t at;
    if (!finite_all(x_tx, n * q->d_tx, &at))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "frame %zu, component %zu is not finite",
                            at / q->d_tx, at % q->d_tx);
    anchor_eq_parseval_encode(q->pf, x_tx, n, s);
    return BASE_OK;
}

static base_status decode_parseval(const anchor_equalizer *q, const float *s, size_t n, float *out,
                                   base_err *err)
{
    (void)err;
    anchor_eq_parseval_decode(q->pf, s, n, out);
    return BASE_OK;
}

/* ---- the table --------------------------------------------------------- */

/* name, type, uses_anchors, needs_head, is_oracle, maps_to_rx, output, symbols,
 * fit, encode, decode, summary */
static const anchor_eq_info eq_table[EQ_ROWS] = {
    {"none", ANCHOR_EQ_NONE, 0, 0, 0, 0, ANCHOR_EQ_OUT_LATENT, ANCHOR_EQ_SYM_LATENT, NULL,
     encode_copy, decode_none, "the tx latent truncated or zero-padded to d_rx (baseline)"},
    {"relative", ANCHOR_EQ_RELATIVE, 1, 1, 0, 1, ANCHOR_EQ_OUT_LOGPROBS, ANCHOR_EQ_SYM_RELATIVE,
     fit_relative, encode_relative, decode_head,
     "relative symbols psi(x, A_tx); the receiver's relative head decodes them"},
    {"relative-inverse", ANCHOR_EQ_RELATIVE_INVERSE, 1, 0, 0, 1, ANCHOR_EQ_OUT_LATENT,
     ANCHOR_EQ_SYM_RELATIVE, fit_relinv, encode_relative, decode_relinv,
     "relative symbols; the receiver solves for its own latent"},
    {"ridge", ANCHOR_EQ_RIDGE, 1, 0, 0, 1, ANCHOR_EQ_OUT_LATENT, ANCHOR_EQ_SYM_LATENT, fit_linear,
     encode_copy, decode_linear, "ridge regression tx -> rx on the anchor pairs"},
    {"procrustes", ANCHOR_EQ_PROCRUSTES, 1, 0, 0, 1, ANCHOR_EQ_OUT_LATENT, ANCHOR_EQ_SYM_LATENT,
     fit_linear, encode_copy, decode_linear, "orthogonal Procrustes tx -> rx on the anchor pairs"},
    {"mlp", ANCHOR_EQ_MLP, 1, 0, 0, 1, ANCHOR_EQ_OUT_LATENT, ANCHOR_EQ_SYM_LATENT, fit_mlp,
     encode_copy, decode_mlp, "a two-layer MLP tx -> rx trained on the anchor pairs only"},
    {"parseval", ANCHOR_EQ_PARSEVAL, 1, 0, 0, 1, ANCHOR_EQ_OUT_LATENT, ANCHOR_EQ_SYM_FRAME,
     fit_parseval, encode_parseval, decode_parseval,
     "zero-shot Parseval-frame equalizer: whitened frame coefficients on the anchors"},
    {"oracle", ANCHOR_EQ_NONE, 0, 0, 1, 1, ANCHOR_EQ_OUT_LATENT, ANCHOR_EQ_SYM_LATENT, NULL, NULL,
     NULL, "the receiver's own encoder on the same audio (an upper bound; run by the simulator)"},
};

static const char *const eq_names[EQ_ROWS + 1] = {"none",     "relative",   "relative-inverse",
                                                  "ridge",    "procrustes", "mlp",
                                                  "parseval", "oracle",     NULL};

const char *const *anchor_equalizer_names(void)
{
    return eq_names;
}

const anchor_eq_info *anchor_equalizer_find(const char *name, base_err *err)
{
    for (size_t i = 0; name && i < EQ_ROWS; i++)
        if (!strcmp(name, eq_table[i].name)) return &eq_table[i];
    base_err_set(err, BASE_EINVAL, NULL, 0,
                 "unknown equalizer.type '%s' (expected none, relative, relative-inverse, ridge, "
                 "procrustes, mlp, parseval or oracle)",
                 name ? name : "(null)");
    return NULL;
}

const anchor_eq_info *anchor_equalizer_row(size_t i)
{
    return i < EQ_ROWS ? &eq_table[i] : NULL;
}

/* ---- the object ---------------------------------------------------------- */

/* create's argument checks (NULL: fine; else err is filled). */
static base_status check_create(const anchor_equalizer_config *cfg, const float *a_tx,
                                const float *a_rx, size_t k, size_t d_tx, size_t d_rx,
                                base_err *err)
{
    size_t at;
    if (!cfg) return base_err_set(err, BASE_EINVAL, NULL, 0, "equalizer config is NULL");
    if ((unsigned)cfg->type >= ANCHOR_EQ_TYPES)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "unknown equalizer type %d", (int)cfg->type);
    if (k == 0) return base_err_set(err, BASE_EINVAL, NULL, 0, "anchor count K must be > 0");
    if (d_tx == 0 || d_rx == 0 || !a_tx || !a_rx)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "equalizer needs anchors A_tx (K,d_tx) and A_rx (K,d_rx) with d > 0");
    if ((unsigned)cfg->psi >= ANCHOR_PSI_COUNT)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "unknown psi %d", (int)cfg->psi);
    if (!(cfg->ridge_lambda >= 0) || !(cfg->relinv_lambda >= 0))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "ridge_lambda and relinv_lambda must be >= 0");
    const anchor_eq_info *row = &eq_table[cfg->type];
    if (row->symbols != ANCHOR_EQ_SYM_LATENT && k > ANCHOR_EQ_MAX_K)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "K = %zu exceeds %d for relative equalizers",
                            k, ANCHOR_EQ_MAX_K);
    if (!finite_all(a_tx, k * d_tx, &at) || !finite_all(a_rx, k * d_rx, &at))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "equalizer anchors hold a non-finite value");
    if (row->needs_head) return check_head(cfg, a_rx, k, d_rx, err);
    return BASE_OK;
}

anchor_equalizer *anchor_equalizer_create(const anchor_equalizer_config *cfg, const float *a_tx,
                                          const float *a_rx, size_t k, size_t d_tx, size_t d_rx,
                                          base_err *err)
{
    anchor_equalizer *q = NULL;
    if (check_create(cfg, a_tx, a_rx, k, d_tx, d_rx, err) != BASE_OK) return NULL;
    q = calloc(1, sizeof *q);
    if (!q) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    q->cfg = *cfg;
    q->row = &eq_table[cfg->type];
    q->k = k;
    q->d_tx = d_tx;
    q->d_rx = d_rx;
    if (q->row->fit && q->row->fit(q, a_tx, a_rx, err) != BASE_OK) goto fail;
    return q;
fail:
    anchor_equalizer_destroy(q);
    return NULL;
}

size_t anchor_equalizer_symbols_per_frame(const anchor_equalizer *q)
{
    return q->row->symbols != ANCHOR_EQ_SYM_LATENT ? q->k : q->d_tx;
}
size_t anchor_equalizer_out_dim(const anchor_equalizer *q)
{
    return q->row->output == ANCHOR_EQ_OUT_LOGPROBS ? anchor_relhead_out_dim(q->cfg.head) : q->d_rx;
}
int anchor_equalizer_outputs_logprobs(const anchor_equalizer *q)
{
    return q->row->output == ANCHOR_EQ_OUT_LOGPROBS;
}
const anchor_eq_info *anchor_equalizer_info(const anchor_equalizer *q)
{
    return q->row;
}
size_t anchor_equalizer_in_dim(const anchor_equalizer *q)
{
    return q->d_tx;
}
anchor_eq_type anchor_equalizer_type(const anchor_equalizer *q)
{
    return q->cfg.type;
}
uint64_t anchor_equalizer_handshake_symbols(const anchor_equalizer *q)
{
    return q->handshake;
}
size_t anchor_equalizer_rank(const anchor_equalizer *q)
{
    return q->rank;
}

base_status anchor_equalizer_encode(const anchor_equalizer *q, const float *x_tx, size_t n,
                                    float *s, base_err *err)
{
    if (!q) return base_err_set(err, BASE_EINVAL, NULL, 0, "equalizer is NULL");
    if (n == 0) return BASE_OK;
    if (!x_tx || !s) return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL frame or symbol buffer");
    return q->row->encode(q, x_tx, n, s, err);
}

base_status anchor_equalizer_decode(const anchor_equalizer *q, const float *s, size_t n,
                                    float *x_rx_hat, base_err *err)
{
    size_t at;
    if (!q) return base_err_set(err, BASE_EINVAL, NULL, 0, "equalizer is NULL");
    if (n == 0) return BASE_OK;
    if (!s || !x_rx_hat)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL symbol or output buffer");
    const size_t spf = anchor_equalizer_symbols_per_frame(q);
    if (!finite_all(s, n * spf, &at))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "received symbol %zu of frame %zu is not finite", at % spf, at / spf);
    return q->row->decode(q, s, n, x_rx_hat, err);
}

base_status anchor_equalizer_execute(const anchor_equalizer *q, const float *x_tx, size_t n,
                                     float *x_rx_hat, base_err *err)
{
    if (!q) return base_err_set(err, BASE_EINVAL, NULL, 0, "equalizer is NULL");
    /* absolute types send x_tx itself; decode checks it */
    if (q->row->symbols == ANCHOR_EQ_SYM_LATENT)
        return anchor_equalizer_decode(q, x_tx, n, x_rx_hat, err);
    if (n == 0) return BASE_OK;
    if (!x_tx || !x_rx_hat)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL frame or output buffer");
    if (q->row->needs_head) {
        /* the head reads the whole utterance at once */
        float *all = malloc(n * q->k * sizeof *all);
        if (!all) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        base_status st = anchor_relative_execute(q->rel_tx, x_tx, n, all, err);
        if (!st) st = anchor_equalizer_decode(q, all, n, x_rx_hat, err);
        free(all);
        return st;
    }
    float sym[EQ_BLOCK];
    size_t rows = EQ_BLOCK / q->k;
    for (size_t i0 = 0; i0 < n; i0 += rows) {
        size_t b = n - i0 < rows ? n - i0 : rows;
        base_status st = anchor_equalizer_encode(q, x_tx + i0 * q->d_tx, b, sym, err);
        if (st) return st;
        st = anchor_equalizer_decode(q, sym, b, x_rx_hat + i0 * q->d_rx, err);
        if (st) return st;
    }
    return BASE_OK;
}

void anchor_equalizer_destroy(anchor_equalizer *q)
{
    if (!q) return;
    anchor_relative_destroy(q->rel_tx);
    free(q->p);
    free(q->c);
    free(q->w);
    free(q->bias);
    anchor_eq_mlp_destroy(q->mlp);
    anchor_eq_parseval_destroy(q->pf);
    free(q);
}
