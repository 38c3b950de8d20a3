/* bench_channel.c -- throughput of the channel models and links (make bench).
 *
 * Prints one line per case, machine-readable:
 *   bench_channel case=NAME block=N sym_per_s=X ns_per_sym=Y timer=thread_cpu
 * where sym_per_s counts complex channel symbols through the link per second of CPU
 * time on one core (target for the analog link over AWGN and block Rayleigh: >= 20e6). */
#include "channel/analog.h"
#include "channel/model.h"
#include "channel/ofdm.h"
#include "base/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Thread CPU time, not wall time: the machine is shared, and the figure wanted is
 * per core, so time spent descheduled must not count. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void report(const char *name, size_t block, double syms, double sec)
{
    printf("bench_channel case=%s block=%zu sym_per_s=%.4g ns_per_sym=%.3f timer=thread_cpu\n",
           name, block, syms / sec, 1e9 * sec / syms);
}

enum { REALS = 2048, SYMS = REALS / 2 };
static const double MIN_SEC = 0.5;

static int bench_analog(const char *name, const chan_analog_config *c)
{
    base_err e = BASE_ERR_INIT;
    chan_analog *q = chan_analog_create(c, &e);
    if (!q) {
        fprintf(stderr, "bench_channel: %s: %s\n", name, e.msg);
        return 1;
    }
    static float in[REALS], out[REALS];
    base_rng r;
    base_rng_init(&r, 1, 0, base_rng_component("bench"));
    for (size_t i = 0; i < REALS; i++) in[i] = (float)base_rng_normal(&r);
    double t0 = now(), t, syms = 0;
    size_t uses;
    do {
        for (int k = 0; k < 200; k++) {
            chan_analog_execute(q, &r, in, out, REALS, &uses);
            syms += (double)uses;
        }
        t = now() - t0;
    } while (t < MIN_SEC);
    report(name, REALS, syms, t);
    chan_analog_destroy(q);
    return 0;
}

static int bench_model(const char *name, const chan_model_config *c)
{
    base_err e = BASE_ERR_INIT;
    chan_model *q = chan_model_create(c, &e);
    if (!q) {
        fprintf(stderr, "bench_channel: %s: %s\n", name, e.msg);
        return 1;
    }
    static float complex x[SYMS], y[SYMS], h[SYMS];
    base_rng r;
    base_rng_init(&r, 2, 0, base_rng_component("bench"));
    for (size_t i = 0; i < SYMS; i++) x[i] = base_rng_cnormal(&r);
    double t0 = now(), t, syms = 0;
    do {
        for (int k = 0; k < 200; k++) {
            chan_model_execute(q, &r, x, y, h, SYMS);
            syms += SYMS;
        }
        t = now() - t0;
    } while (t < MIN_SEC);
    report(name, SYMS, syms, t);
    chan_model_destroy(q);
    return 0;
}

static int bench_ofdm(const char *name, const chan_ofdm_config *c)
{
    base_err e = BASE_ERR_INIT;
    chan_ofdm *q = chan_ofdm_create(c, &e);
    if (!q) {
        fprintf(stderr, "bench_channel: %s: %s\n", name, e.msg);
        return 1;
    }
    static float complex x[SYMS], y[SYMS];
    base_rng r;
    base_rng_init(&r, 3, 0, base_rng_component("bench"));
    for (size_t i = 0; i < SYMS; i++) x[i] = base_rng_cnormal(&r);
    double t0 = now(), t, syms = 0;
    size_t uses;
    do {
        for (int k = 0; k < 50; k++) {
            chan_ofdm_execute(q, &r, x, y, NULL, SYMS, &uses);
            syms += (double)uses;
        }
        t = now() - t0;
    } while (t < MIN_SEC);
    report(name, SYMS, syms, t);
    chan_ofdm_destroy(q);
    return 0;
}

int main(void)
{
    int bad = 0;
    chan_analog_config a;
    chan_analog_config_default(&a);
    bad |= bench_analog("analog_awgn_mmse", &a);
    a.channel.kind = CHAN_RAYLEIGH;
    a.channel.coherence = 128;
    bad |= bench_analog("analog_rayleigh128_mmse", &a);
    a.eq = CHAN_EQ_ZF;
    bad |= bench_analog("analog_rayleigh128_zf", &a);
    a.eq = CHAN_EQ_MMSE;
    a.csi = CHAN_EST_LMMSE;
    bad |= bench_analog("analog_rayleigh128_lmmse8", &a);

    chan_model_config m;
    chan_model_config_default(&m);
    bad |= bench_model("model_awgn", &m);
    m.kind = CHAN_RAYLEIGH;
    bad |= bench_model("model_rayleigh128", &m);
    m.kind = CHAN_RICIAN;
    m.k_factor_db = 6;
    bad |= bench_model("model_rician128", &m);
    m.kind = CHAN_RAYLEIGH;
    m.doppler_hz = 100;
    bad |= bench_model("model_doppler100", &m);

    chan_ofdm_config o;
    chan_ofdm_config_default(&o);
    bad |= bench_ofdm("ofdm64_exp8_perfect", &o);
    o.csi = CHAN_EST_LMMSE;
    bad |= bench_ofdm("ofdm64_exp8_lmmse", &o);
    return bad;
}
