/* ctc.c -- CTC loss in log space with its gradient (see ctc.h). */
#include "codecs/ctc.h"

#include <math.h>
#include <string.h>

enum { CTC_MAX_V = 64 }; /* size of the per-frame occupancy row on the stack */

static double logadd(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    if (a < b) {
        double t = a;
        a = b;
        b = t;
    }
    return a + log1p(exp(b - a));
}

size_t codec_ctc_workspace_size(int t, int l)
{
    size_t s = 2 * (size_t)l + 1;
    /* alpha and beta (T,S), and the per-frame log-sum-exp of the logits (T). */
    return 2 * (size_t)t * s + (size_t)t;
}

base_status codec_ctc_loss(double *loss, float *grad, float scale, const float *logits, int t,
                           int v, const int *labels, int l, double *work, base_err *err)
{
    if (!loss || !logits || !work || (l > 0 && !labels))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "ctc: NULL argument");
    if (t < 1 || v < 2 || v > CTC_MAX_V || l < 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "ctc: bad sizes T=%d V=%d L=%d", t, v, l);
    int need = l;
    for (int i = 0; i < l; i++) {
        if (labels[i] < 1 || labels[i] >= v)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "ctc: label %d at %d outside 1..%d",
                                labels[i], i, v - 1);
        if (i > 0 && labels[i] == labels[i - 1]) need++;
    }
    *loss = INFINITY;
    if (need > t)
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "ctc: %d frames cannot hold %d labels (%d needed with repeats)", t, l,
                            need);
    int s = 2 * l + 1;
    double *alpha = work, *beta = work + (size_t)t * s, *lse = beta + (size_t)t * s;
    /* Per-frame log-sum-exp of the logits, so log y_k(t) = logits - lse. */
    for (int i = 0; i < t; i++) {
        const float *x = logits + (size_t)i * v;
        float mx = x[0];
        for (int k = 1; k < v; k++)
            if (x[k] > mx) mx = x[k];
        double sum = 0;
        for (int k = 0; k < v; k++) sum += exp((double)x[k] - mx);
        lse[i] = mx + log(sum);
    }
#define LABEL(sidx) (((sidx)&1) ? labels[(sidx) >> 1] : 0)
#define LOGP(ti, k) ((double)logits[(size_t)(ti)*v + (k)] - lse[ti])
    /* alpha (eqs. 5-7) */
    for (int j = 0; j < s; j++) alpha[j] = -INFINITY;
    alpha[0] = LOGP(0, 0);
    if (s > 1) alpha[1] = LOGP(0, labels[0]);
    for (int i = 1; i < t; i++) {
        const double *ap = alpha + (size_t)(i - 1) * s;
        double *a = alpha + (size_t)i * s;
        for (int j = 0; j < s; j++) {
            double acc = ap[j];
            if (j >= 1) acc = logadd(acc, ap[j - 1]);
            if (j >= 2 && (j & 1) && labels[j >> 1] != labels[(j >> 1) - 1])
                acc = logadd(acc, ap[j - 2]);
            a[j] = acc == -INFINITY ? acc : acc + LOGP(i, LABEL(j));
        }
    }
    /* beta (eqs. 8-10), here including the emission at frame t */
    double *bl = beta + (size_t)(t - 1) * s;
    for (int j = 0; j < s; j++) bl[j] = -INFINITY;
    bl[s - 1] = LOGP(t - 1, 0);
    if (s > 1) bl[s - 2] = LOGP(t - 1, labels[l - 1]);
    for (int i = t - 2; i >= 0; i--) {
        const double *bn = beta + (size_t)(i + 1) * s;
        double *b = beta + (size_t)i * s;
        for (int j = 0; j < s; j++) {
            double acc = bn[j];
            if (j + 1 < s) acc = logadd(acc, bn[j + 1]);
            if (j + 2 < s && (j & 1) && labels[j >> 1] != labels[(j >> 1) + 1])
                acc = logadd(acc, bn[j + 2]);
            b[j] = acc == -INFINITY ? acc : acc + LOGP(i, LABEL(j));
        }
    }
    const double *al = alpha + (size_t)(t - 1) * s;
    double logz = al[s - 1];
    if (s > 1) logz = logadd(logz, al[s - 2]);
    if (logz == -INFINITY)
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "ctc: no alignment has non-zero probability");
    *loss = -logz;
    if (!grad) return BASE_OK;
    /* eq. 16: dL/dlogit_k(t) = y_k(t) - (1/p) sum_{s: label(s)=k} alpha_t(s) beta_t(s) / y_k(t),
     * with our beta including y_k(t) once, so alpha*beta carries y_k(t)^2 -> subtract LOGP once. */
    double occ[CTC_MAX_V];
    for (int i = 0; i < t; i++) {
        const double *a = alpha + (size_t)i * s, *b = beta + (size_t)i * s;
        float *g = grad + (size_t)i * v;
        for (int k = 0; k < v; k++) occ[k] = -INFINITY;
        for (int j = 0; j < s; j++) {
            int k = LABEL(j);
            if (a[j] == -INFINITY || b[j] == -INFINITY) continue;
            occ[k] = logadd(occ[k], a[j] + b[j] - LOGP(i, k));
        }
        for (int k = 0; k < v; k++) {
            double y = exp(LOGP(i, k));
            double post = occ[k] != -INFINITY ? exp(occ[k] - logz) : 0.0;
            g[k] += scale * (float)(y - post);
        }
    }
#undef LABEL
#undef LOGP
    return BASE_OK;
}

size_t codec_ctc_align_workspace_size(int t, int l)
{
    size_t s = 2 * (size_t)l + 1;
    /* two rows of path scores (S each), and one back-pointer byte per (T,S) cell
     * packed into doubles */
    return 2 * s + ((size_t)t * s + sizeof(double) - 1) / sizeof(double);
}

base_status codec_ctc_align(const float *logp, int t, int v, const int *labels, int l, int *path,
                            double *score, double *work, base_err *err)
{
    if (!logp || !path || !work || (l > 0 && !labels))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "ctc align: NULL argument");
    if (t < 1 || v < 2 || l < 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "ctc align: bad sizes T=%d V=%d L=%d", t, v,
                            l);
    int need = l;
    for (int i = 0; i < l; i++) {
        if (labels[i] < 1 || labels[i] >= v)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "ctc align: label %d at %d outside 1..%d", labels[i], i, v - 1);
        if (i > 0 && labels[i] == labels[i - 1]) need++;
    }
    if (need > t)
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "ctc align: %d frames cannot hold %d labels (%d needed with repeats)",
                            t, l, need);
    int s = 2 * l + 1;
    double *prev = work, *cur = work + s;
    unsigned char *back = (unsigned char *)(work + 2 * (size_t)s); /* steps back: 0, 1 or 2 */
#define LABEL(sidx) (((sidx)&1) ? labels[(sidx) >> 1] : 0)
#define SCORE(ti, k) ((double)logp[(size_t)(ti)*v + (k)])
    for (int j = 0; j < s; j++) prev[j] = -INFINITY;
    prev[0] = SCORE(0, 0);
    if (s > 1) prev[1] = SCORE(0, labels[0]);
    memset(back, 0, (size_t)s);
    for (int i = 1; i < t; i++) {
        unsigned char *b = back + (size_t)i * s;
        for (int j = 0; j < s; j++) {
            /* the same transitions as the forward recursion (Graves et al. eq. 6) */
            double best = prev[j];
            unsigned char step = 0;
            if (j >= 1 && prev[j - 1] > best) best = prev[j - 1], step = 1;
            if (j >= 2 && (j & 1) && labels[j >> 1] != labels[(j >> 1) - 1] && prev[j - 2] > best)
                best = prev[j - 2], step = 2;
            cur[j] = best == -INFINITY ? best : best + SCORE(i, LABEL(j));
            b[j] = step;
        }
        double *tmp = prev;
        prev = cur;
        cur = tmp;
    }
    /* a path ends on the last label or the blank after it; ties go to the blank */
    int j = s - 1;
    if (s > 1 && prev[s - 2] > prev[s - 1]) j = s - 2;
    if (prev[j] == -INFINITY || isnan(prev[j]))
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "ctc align: no alignment has a finite score");
    if (score) *score = prev[j];
    for (int i = t - 1; i >= 0; i--) {
        path[i] = LABEL(j);
        if (i > 0) j -= back[(size_t)i * s + j];
    }
#undef LABEL
#undef SCORE
    return BASE_OK;
}
