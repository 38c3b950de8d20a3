/* test_estimate.c -- pilot-based channel estimation and equalisation (channel/estimate):
 * LS error N0 at pilots and N0((1-t)^2+t^2) between them, LMMSE error N0/(N0+L) for a
 * constant channel, frame layout, equalisers, bad inputs. */
#include "channel/estimate.h"
#include "base/rng.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static chan_estimate *make(const chan_estimate_config *c)
{
    base_err e = BASE_ERR_INIT;
    chan_estimate *q = chan_estimate_create(c, &e);
    if (!q) fprintf(stderr, "  create: %s\n", e.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    return q;
}

/* LS over a constant known channel: error variance N0 at pilots, linear-interpolation
 * variance N0((1-t)^2 + t^2) at offset t = d/S between pilots; the reported evar agrees. */
static void test_ls_error(void)
{
    static const double n0s[] = {0.01, 0.1, 1.0};
    enum { S = 4, NF = 4 * 8 + 1, TRIALS = 20000 };
    for (size_t s = 0; s < sizeof n0s / sizeof *n0s; s++) {
        chan_estimate_config c;
        chan_estimate_config_default(&c);
        c.kind = CHAN_EST_LS;
        c.pilot_spacing = S;
        c.n0 = n0s[s];
        chan_estimate *q = make(&c);
        base_rng r;
        base_rng_init(&r, 21, s, base_rng_component("test.ls"));
        float complex data[NF], frame[NF], rx[NF], hh[NF], w[NF];
        float ev[NF];
        double se[S] = {0}, evs[S] = {0};
        size_t cnt[S] = {0};
        const float complex h = 0.6f - 0.7f * I;
        for (int t = 0; t < TRIALS; t++) {
            size_t nd = NF - chan_estimate_pilots(q, NF);
            for (size_t i = 0; i < nd; i++) data[i] = base_rng_cnormal(&r);
            /* map fills NF-1 positions; the last position is a pilot closing the frame */
            CU_ASSERT_EQUAL(chan_estimate_frame_len(q, nd), (size_t)NF - 1);
            chan_estimate_map(q, data, nd, frame);
            frame[NF - 1] = 1.0f;
            base_rng_cnormal_fill_zig(&r, w, NF, (float)sqrt(n0s[s]));
            for (size_t i = 0; i < NF; i++) rx[i] = h * frame[i] + w[i];
            CU_ASSERT_EQUAL(chan_estimate_execute(q, rx, NF, hh, ev), BASE_OK);
            for (size_t i = 0; i + 1 < NF; i++) { /* the last position is a pilot */
                float complex e = hh[i] - h;
                se[i % S] += crealf(e * conjf(e));
                evs[i % S] += ev[i];
                cnt[i % S]++;
            }
        }
        for (size_t d = 0; d < S; d++) {
            double tt = (double)d / S;
            double want = n0s[s] * ((1 - tt) * (1 - tt) + tt * tt);
            TEST_ASSERT_NEAR(se[d] / cnt[d] / want, 1.0, 0.03);
            TEST_ASSERT_NEAR(evs[d] / cnt[d] / want, 1.0, 1e-5);
        }
        chan_estimate_destroy(q);
    }
}

/* LMMSE, channel constant over the frame with h ~ CN(0,1): with L pilots of noise N0 the
 * posterior variance is N0/(N0 + L) at every position. */
static void test_lmmse_constant(void)
{
    static const struct {
        double n0;
        size_t taps;
    } t[] = {{0.1, 1}, {0.1, 4}, {1.0, 4}, {0.5, 8}};
    enum { S = 4, TRIALS = 20000 };
    for (size_t s = 0; s < sizeof t / sizeof *t; s++) {
        const size_t L = t[s].taps, NF = L * S;
        double complex corr[8 * S];
        for (size_t d = 0; d < L * S; d++) corr[d] = 1.0;
        chan_estimate_config c;
        chan_estimate_config_default(&c);
        c.kind = CHAN_EST_LMMSE;
        c.pilot_spacing = S;
        c.taps = L;
        c.n0 = t[s].n0;
        c.corr = corr;
        chan_estimate *q = make(&c);
        base_rng r;
        base_rng_init(&r, 22, s, base_rng_component("test.lmmse"));
        float complex frame[8 * S], rx[8 * S], hh[8 * S], w[8 * S], data[8 * S];
        float ev[8 * S];
        double se = 0, evs = 0;
        for (int k = 0; k < TRIALS; k++) {
            size_t nd = NF - chan_estimate_pilots(q, NF);
            for (size_t i = 0; i < nd; i++) data[i] = base_rng_cnormal(&r);
            chan_estimate_map(q, data, nd, frame);
            float complex h = base_rng_cnormal(&r);
            base_rng_cnormal_fill_zig(&r, w, NF, (float)sqrt(t[s].n0));
            for (size_t i = 0; i < NF; i++) rx[i] = h * frame[i] + w[i];
            chan_estimate_execute(q, rx, NF, hh, ev);
            for (size_t i = 0; i < NF; i++) {
                float complex e = hh[i] - h;
                se += crealf(e * conjf(e));
                evs += ev[i];
            }
        }
        double want = t[s].n0 / (t[s].n0 + (double)L);
        TEST_ASSERT_NEAR(se / (TRIALS * NF) / want, 1.0, 0.04);
        TEST_ASSERT_NEAR(evs / (TRIALS * NF) / want, 1.0, 1e-4);
        chan_estimate_destroy(q);
    }
}

/* Frame layout: map/unmap round trip, pilots where expected. */
static void test_frame_layout(void)
{
    static const struct {
        size_t S, nd, fl;
    } t[] = {{2, 1, 2}, {2, 5, 10}, {8, 7, 8}, {8, 8, 10}, {8, 512, 586}, {3, 0, 0}};
    for (size_t s = 0; s < sizeof t / sizeof *t; s++) {
        chan_estimate_config c;
        chan_estimate_config_default(&c);
        c.pilot_spacing = t[s].S;
        chan_estimate *q = make(&c);
        CU_ASSERT_EQUAL(chan_estimate_frame_len(q, t[s].nd), t[s].fl);
        float complex d[600], f[700], back[600];
        for (size_t i = 0; i < t[s].nd; i++) d[i] = (float)i + 2.0f + I;
        chan_estimate_map(q, d, t[s].nd, f);
        int pil = 1;
        for (size_t i = 0; i < t[s].fl; i += t[s].S) pil &= f[i] == 1.0f;
        CU_ASSERT(pil);
        CU_ASSERT_EQUAL(t[s].fl - chan_estimate_pilots(q, t[s].fl), t[s].nd);
        chan_estimate_unmap(q, f, t[s].fl, back);
        TEST_ASSERT_CLOSE_F((const float *)back, (const float *)d, 2 * t[s].nd, 0.0);
        chan_estimate_destroy(q);
    }
}

static void test_equalizers(void)
{
    const float complex h[3] = {0.5f + 0.5f * I, -2.0f, 0.0f};
    const float complex x[3] = {1.0f - I, 0.3f + 0.2f * I, 1.0f};
    float complex y[3], out[3];
    for (int i = 0; i < 3; i++) y[i] = h[i] * x[i];
    CU_ASSERT_EQUAL(chan_equalize(CHAN_EQ_ZF, y, h, NULL, 3, 0.1, out), BASE_OK);
    TEST_ASSERT_CLOSE_F((const float *)out, (const float *)x, 4, 1e-6);
    CU_ASSERT_EQUAL(out[2], 0.0f);
    const float ev[3] = {0.2f, 0.0f, 0.0f};
    CU_ASSERT_EQUAL(chan_equalize(CHAN_EQ_MMSE, y, h, ev, 3, 0.1, out), BASE_OK);
    /* h^* y / (|h|^2 + N0 + evar) = x |h|^2 / (|h|^2 + 0.3) for the first */
    float complex want0 = x[0] * (0.5f / (0.5f + 0.3f));
    TEST_ASSERT_NEAR(crealf(out[0]), crealf(want0), 1e-6);
    TEST_ASSERT_NEAR(cimagf(out[0]), cimagf(want0), 1e-6);
    TEST_ASSERT_NEAR(crealf(out[1]), 0.3 * 4 / 4.1, 1e-6);
    CU_ASSERT_EQUAL(chan_equalize((chan_eq_kind)5, y, h, NULL, 3, 0.1, out), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_equalize(CHAN_EQ_MMSE, y, h, NULL, 3, NAN, out), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_equalize(CHAN_EQ_ZF, NULL, h, NULL, 3, 0.1, out), BASE_EINVAL);
}

static void test_bad_inputs(void)
{
    double complex good_corr[64], bad_corr[64];
    for (int i = 0; i < 64; i++) {
        good_corr[i] = 1.0;
        bad_corr[i] = i ? 3.0 : 1.0; /* |c(d)| > c(0): not a covariance */
    }
    chan_estimate_config base;
    chan_estimate_config_default(&base);
    chan_estimate_config c[9];
    for (int i = 0; i < 9; i++) c[i] = base;
    c[0].kind = CHAN_EST_PERFECT;
    c[1].kind = (chan_est_kind)9;
    c[2].pilot_spacing = 1;
    c[3].n0 = 0.0;
    c[4].n0 = NAN;
    c[5].kind = CHAN_EST_LMMSE; /* no corr */
    c[6].kind = CHAN_EST_LMMSE, c[6].corr = good_corr, c[6].taps = 0;
    c[7].kind = CHAN_EST_LMMSE, c[7].corr = good_corr, c[7].taps = 33;
    c[8].kind = CHAN_EST_LMMSE, c[8].corr = bad_corr, c[8].n0 = 1e-3;
    for (int i = 0; i < 9; i++) {
        base_err e = BASE_ERR_INIT;
        chan_estimate *q = chan_estimate_create(&c[i], &e);
        if (q) fprintf(stderr, "  accepted bad config %d\n", i);
        CU_ASSERT_PTR_NULL(q);
        CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
        chan_estimate_destroy(q);
    }
    CU_ASSERT_PTR_NULL(chan_estimate_create(NULL, NULL));
    chan_estimate *q = make(&base);
    float complex hh[4];
    CU_ASSERT_EQUAL(chan_estimate_execute(q, NULL, 4, hh, NULL), BASE_EINVAL);
    CU_ASSERT_EQUAL(chan_estimate_execute(NULL, hh, 4, hh, NULL), BASE_EINVAL);
    chan_estimate_destroy(q);
    chan_estimate_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"LS error N0 at pilots, interpolated between", test_ls_error},
        {"LMMSE error N0/(N0+L) on a constant channel", test_lmmse_constant},
        {"frame layout", test_frame_layout},
        {"ZF and MMSE equalisers", test_equalizers},
        {"bad inputs", test_bad_inputs},
        {NULL, NULL},
    };
    return test_main("channel/estimate", cases);
}
