/* bench_anchors.c -- speed of anchors/ (make bench).
 *
 * Prints one machine-readable line per case:
 *   bench_anchors blas_core=NAME openblas_coretype_env=VALUE threads=N
 *   bench_anchors case=project psi=P K=64 d=64 block=N frames_per_s=X
 *   bench_anchors case=relinv_decode psi=P K=64 d=64 block=N frames_per_s=X
 *   bench_anchors case=select method=M N=.. K=.. d=.. sec=X
 *   bench_anchors case=metric name=M N=2000 d=64 sec=X
 * Every kernel is checked by tests/anchors before it is timed here.
 */
#include "anchors/equalizer.h"
#include "anchors/metrics.h"
#include "anchors/relative.h"
#include "anchors/select.h"
#include "sim/base/rng.h"

#include <cblas.h>
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
    sim_rng r;
    sim_rng_init(&r, seed, 0, sim_rng_component("bench.anchors"));
    sim_rng_normal_fill(&r, x, n, 1.0f);
    return x;
}

static int bench_project(anchor_psi psi, size_t block)
{
    enum { K = 64, D = 64 };
    float *a = gaussian(K * D, 1), *x = gaussian(block * D, 2), *r = malloc(block * K * sizeof *r);
    sim_err e = SIM_ERR_INIT;
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
    sim_err e = SIM_ERR_INIT;
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
    sim_rng r;
    sim_rng_init(&r, 1, 0, sim_rng_component("anchors.select"));
    sim_err e = SIM_ERR_INIT;
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
    sim_err e = SIM_ERR_INIT;
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
    return bad;
}
