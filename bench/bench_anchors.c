/* bench_anchors.c -- speed of anchors/ (make bench).
 *
 * Prints one machine-readable line per case:
 *   bench_anchors blas_core=NAME openblas_coretype_env=VALUE threads=N
 *   bench_anchors case=project psi=P K=64 d=64 block=N frames_per_s=X
 *   bench_anchors case=relinv_decode psi=P K=64 d=64 block=N frames_per_s=X
 *   bench_anchors case=select method=M N=.. K=.. d=.. sec=X
 *   bench_anchors case=metric name=M N=2000 d=64 sec=X
 *   bench_anchors case=quality sel=S eq=E K=.. acc=X cos=X mrr=X foscttm=X hs_bits=B hs_reals=R
 * The quality cases run the whole anchors/ chain on a constructed pair of agents
 * (docs/anchors.md, "Constructed end-to-end check"): 40 clusters in a 16-D
 * semantic space z, transmitter latents tanh(z Wa) (d 32), receiver latents
 * tanh(z Wb) (d 48), 4000 candidate frames, 2000 held-out frames; acc is the
 * receiver's nearest-own-prototype accuracy on the equalized frames.
 * Every kernel is checked by tests/anchors before it is timed here.
 */
#include "anchors/equalizer.h"
#include "anchors/metrics.h"
#include "anchors/relative.h"
#include "anchors/select.h"
#include "base/rng.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const double MIN_SEC = 0.5;

static float *gaussian(size_t n, uint64_t seed)
{
    float *x = malloc(n * sizeof *x);
    if (!x) return NULL;
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component("bench.anchors"));
    base_rng_normal_fill(&r, x, n, 1.0f);
    return x;
}

static int bench_project(anchor_psi psi, size_t block)
{
    enum { K = 64, D = 64 };
    float *a = gaussian(K * D, 1), *x = gaussian(block * D, 2), *r = malloc(block * K * sizeof *r);
    base_err e = BASE_ERR_INIT;
    anchor_relative *q = anchor_relative_create(a, K, D, psi, &e);
    if (!q || !x || !r) {
        fprintf(stderr, "bench_anchors: project: %s\n", e.msg);
        return 1;
    }
    double t0 = now(), t, frames = 0;
    do {
        for (int i = 0; i < 20; i++) {
            if (anchor_relative_execute(q, x, block, r, &e)) return 1;
            frames += (double)block;
        }
        t = now() - t0;
    } while (t < MIN_SEC);
    printf("bench_anchors case=project psi=%s K=%d d=%d block=%zu frames_per_s=%.4g\n",
           anchor_psi_name(psi), K, D, block, frames / t);
    anchor_relative_destroy(q);
    free(a), free(x), free(r);
    return 0;
}

static int bench_relinv(anchor_psi psi, size_t block)
{
    enum { K = 64, D = 64 };
    float *a = gaussian(K * D, 3), *x = gaussian(block * D, 4);
    float *s = malloc(block * K * sizeof *s), *y = malloc(block * D * sizeof *y);
    anchor_equalizer_config cfg;
    anchor_equalizer_config_default(&cfg);
    cfg.type = ANCHOR_EQ_RELATIVE_INVERSE;
    cfg.psi = psi;
    base_err e = BASE_ERR_INIT;
    anchor_equalizer *q = anchor_equalizer_create(&cfg, a, a, K, D, D, &e);
    if (!q || !s || !y || anchor_equalizer_encode(q, x, block, s, &e)) {
        fprintf(stderr, "bench_anchors: relinv: %s\n", e.msg);
        return 1;
    }
    double t0 = now(), t, frames = 0;
    do {
        for (int i = 0; i < 20; i++) {
            if (anchor_equalizer_decode(q, s, block, y, &e)) return 1;
            frames += (double)block;
        }
        t = now() - t0;
    } while (t < MIN_SEC);
    printf("bench_anchors case=relinv_decode psi=%s K=%d d=%d block=%zu frames_per_s=%.4g\n",
           anchor_psi_name(psi), K, D, block, frames / t);
    anchor_equalizer_destroy(q);
    free(a), free(x), free(s), free(y);
    return 0;
}

static int bench_select(anchor_selection method, size_t n, size_t k, size_t d)
{
    float *x = gaussian(n * d, 5);
    anchor_select_config cfg;
    anchor_select_config_default(&cfg);
    cfg.method = method;
    cfg.k = k;
    base_rng r;
    base_rng_init(&r, 1, 0, base_rng_component("anchors.select"));
    base_err e = BASE_ERR_INIT;
    double t0 = now();
    anchor_set *s = anchor_set_select(&cfg, x, n, d, NULL, &r, &e);
    double t = now() - t0;
    if (!s) {
        fprintf(stderr, "bench_anchors: select: %s\n", e.msg);
        return 1;
    }
    printf("bench_anchors case=select method=%s N=%zu K=%zu d=%zu sec=%.4f iterations=%d\n",
           anchor_selection_name(method), n, k, d, t, anchor_set_iterations(s));
    anchor_set_destroy(s);
    free(x);
    return 0;
}

static int bench_metrics(size_t n, size_t d)
{
    float *u = gaussian(n * d, 6), *v = gaussian(n * d, 7);
    base_err e = BASE_ERR_INIT;
    double x, y, t0, t;
    anchor_metrics m;
#define TIME(name, call)                                                                           \
    do {                                                                                           \
        t0 = now();                                                                                \
        if (call) {                                                                                \
            fprintf(stderr, "bench_anchors: %s: %s\n", name, e.msg);                               \
            return 1;                                                                              \
        }                                                                                          \
        t = now() - t0;                                                                            \
        printf("bench_anchors case=metric name=%s N=%zu d=%zu sec=%.4f\n", name, n, d, t);         \
    } while (0)
    TIME("cosine", anchor_metric_cosine(u, d, v, d, n, &x, &e));
    TIME("cka", anchor_metric_cka(u, d, v, d, n, &x, &e));
    TIME("jaccard10", anchor_metric_jaccard(u, d, v, d, n, 10, &x, &e));
    TIME("mrr_foscttm", anchor_metric_matching(u, d, v, d, n, &x, &y, &e));
    TIME("all", anchor_metrics_compute(u, d, v, d, n, 10, &m, &e));
#undef TIME
    free(u), free(v);
    return 0;
}

enum { QZ = 16, QT = 32, QR = 48, QC = 40, QNC = 4000, QNT = 2000 };

static void q_map(const float *z, size_t n, const float *w, size_t dout, float *out)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dout; j++) {
            double a = 0;
            for (size_t c = 0; c < QZ; c++) a += (double)z[i * QZ + c] * w[c * dout + j];
            out[i * dout + j] = tanhf((float)a);
        }
}

static double q_acc(const float *y, const float *proto, const int *lab)
{
    size_t ok = 0;
    for (size_t i = 0; i < QNT; i++) {
        size_t best = 0;
        double bd = INFINITY;
        for (size_t c = 0; c < QC; c++) {
            double d = 0;
            for (size_t k = 0; k < QR; k++) {
                double t = (double)y[i * QR + k] - proto[c * QR + k];
                d += t * t;
            }
            if (d < bd) bd = d, best = c;
        }
        ok += (int)best == lab[i];
    }
    return (double)ok / QNT;
}

static int bench_quality(void)
{
    static float zc[QNC * QZ], zt[QNT * QZ], xc[QNC * QT], yc[QNC * QR], xt[QNT * QT], yt[QNT * QR],
        yh[QNT * QR], proto[QC * QR];
    static int lc[QNC], lt[QNT];
    float ctr[QC * QZ], wa[QZ * QT], wb[QZ * QR];
    base_rng r;
    base_rng_init(&r, 7, 0, 1);
    base_rng_normal_fill(&r, ctr, QC * QZ, 1.0f);
    base_rng_normal_fill(&r, wa, QZ * QT, 0.35f);
    base_rng_normal_fill(&r, wb, QZ * QR, 0.35f);
    for (int set = 0; set < 2; set++) {
        size_t n = set ? QNT : QNC;
        float *z = set ? zt : zc;
        int *lab = set ? lt : lc;
        for (size_t i = 0; i < n; i++) {
            lab[i] = (int)base_rng_below(&r, QC);
            for (size_t k = 0; k < QZ; k++)
                z[i * QZ + k] = ctr[lab[i] * QZ + k] + 0.5f * (float)base_rng_normal(&r);
        }
    }
    q_map(zc, QNC, wa, QT, xc), q_map(zc, QNC, wb, QR, yc);
    q_map(zt, QNT, wa, QT, xt), q_map(zt, QNT, wb, QR, yt);
    int cnt[QC] = {0};
    memset(proto, 0, sizeof proto);
    for (size_t i = 0; i < QNC; i++) {
        cnt[lc[i]]++;
        for (size_t k = 0; k < QR; k++) proto[lc[i] * QR + k] += yc[i * QR + k];
    }
    for (size_t c = 0; c < QC; c++)
        for (size_t k = 0; k < QR; k++) proto[c * QR + k] /= (float)(cnt[c] ? cnt[c] : 1);
    printf("bench_anchors case=quality sel=- eq=oracle K=0 acc=%.3f\n", q_acc(yt, proto, lt));

    static const size_t ks[] = {4, 8, 16, 32, 64, 128};
    static const anchor_eq_type eqs[] = {ANCHOR_EQ_NONE, ANCHOR_EQ_RELATIVE_INVERSE,
                                         ANCHOR_EQ_RIDGE, ANCHOR_EQ_PROCRUSTES};
    for (int sel = 0; sel < 4; sel++)
        for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++) {
            size_t k = sel == ANCHOR_SEL_CLASS ? QC : ks[ki];
            if (sel == ANCHOR_SEL_CLASS && ki) break;
            anchor_select_config sc;
            anchor_select_config_default(&sc);
            sc.method = (anchor_selection)sel;
            sc.k = k;
            sc.num_classes = QC;
            base_rng rs;
            base_rng_init(&rs, 3, 0, base_rng_component("anchors.select"));
            base_err e = BASE_ERR_INIT;
            float at[128 * QT], ar[128 * QR];
            anchor_set *as = anchor_set_select(&sc, xc, QNC, QT, lc, &rs, &e);
            if (!as || anchor_set_build(as, xc, QNC, QT, lc, at, &e) ||
                anchor_set_build(as, yc, QNC, QR, lc, ar, &e)) {
                fprintf(stderr, "bench_anchors: quality: %s\n", e.msg);
                return 1;
            }
            for (int t = 0; t < 4; t++) {
                if (t == 0 && (sel || ki)) continue; /* none does not use the anchors */
                anchor_equalizer_config ec;
                anchor_equalizer_config_default(&ec);
                ec.type = eqs[t];
                ec.rx_norm = anchor_mean_norm(yc, QNC, QR);
                anchor_equalizer *q = anchor_equalizer_create(&ec, at, ar, k, QT, QR, &e);
                anchor_metrics m;
                if (!q || anchor_equalizer_execute(q, xt, QNT, yh, &e) ||
                    anchor_metrics_compute(yh, QR, yt, QR, QNT, 10, &m, &e)) {
                    fprintf(stderr, "bench_anchors: quality: %s\n", e.msg);
                    return 1;
                }
                printf("bench_anchors case=quality sel=%s eq=%s K=%zu acc=%.3f cos=%.3f mrr=%.3f "
                       "foscttm=%.3f hs_bits=%llu hs_reals=%llu\n",
                       anchor_selection_name(sc.method), anchor_eq_type_name(ec.type), k,
                       q_acc(yh, proto, lt), m.cosine, m.mrr, m.foscttm,
                       (unsigned long long)anchor_set_handshake_bits(as),
                       (unsigned long long)anchor_equalizer_handshake_symbols(q));
                anchor_equalizer_destroy(q);
            }
            anchor_set_destroy(as);
        }
    return 0;
}

int main(void)
{
    const char *env = getenv("OPENBLAS_CORETYPE");
    printf("bench_anchors blas_core=%s openblas_coretype_env=%s threads=%d\n",
           openblas_get_corename(), env ? env : "unset", openblas_get_num_threads());
    int bad = 0;
    for (int p = 0; p < 3; p++) {
        bad |= bench_project((anchor_psi)p, 4096);
        bad |= bench_project((anchor_psi)p, 100); /* about one utterance of frames */
    }
    for (int p = 0; p < 3; p++) bad |= bench_relinv((anchor_psi)p, 4096);
    bad |= bench_select(ANCHOR_SEL_RANDOM, 20000, 64, 64);
    bad |= bench_select(ANCHOR_SEL_FPS, 20000, 64, 64);
    bad |= bench_select(ANCHOR_SEL_KMEANS, 20000, 64, 64);
    bad |= bench_metrics(2000, 64);
    bad |= bench_quality();
    return bad;
}
