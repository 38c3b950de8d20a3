/* bench_digital.c -- throughput of the digital link chain (make bench).
 *
 * Prints one line per case, machine-readable:
 *   bench_digital case=NAME info_bits_per_s=X sym_per_s=Y ns_per_info_bit=Z timer=thread_cpu
 * info bits are the payload bits delivered (random bits for the bit-level driver,
 * quantised value bits for the link); sym_per_s counts complex channel uses. Timed on
 * thread CPU time (one core; time spent descheduled on the shared machine excluded). */
#include "channel/digital.h"
#include "channel/fec.h"
#include "base/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static const double MIN_SEC = 0.5;

static void report(const char *name, double bits, double syms, double sec)
{
    printf("bench_digital case=%s info_bits_per_s=%.4g sym_per_s=%.4g ns_per_info_bit=%.2f "
           "timer=thread_cpu\n",
           name, bits / sec, syms / sec, 1e9 * sec / bits);
}

/* The bit-level driver: random bits -> FEC -> modem -> AWGN -> LLR -> decoder. */
static int bench_bits(const char *name, chan_fec_kind fec, chan_mod_kind mod, double ebn0_db)
{
    chan_bits_config c;
    chan_bits_config_default(&c);
    c.fec = fec;
    c.modulation = mod;
    c.block_bytes = 128;
    c.channel.kind = CHAN_AWGN;
    c.ebn0_db = ebn0_db;
    c.max_blocks = 100;
    c.target_block_errors = 0;
    base_rng r;
    base_rng_init(&r, 1, 0, base_rng_component("bench"));
    double t0 = now(), t, bits = 0, syms = 0, errs = 0;
    uint64_t run = 0;
    do {
        chan_bits_result res;
        base_err e = BASE_ERR_INIT;
        base_rng rr;
        base_rng_fork(&r, run++, &rr);
        if (chan_bits_run(&c, &rr, &res, &e) != BASE_OK) {
            fprintf(stderr, "bench_digital: %s: %s\n", name, e.msg);
            return 1;
        }
        bits += (double)res.bits;
        syms += (double)res.channel_uses;
        errs += (double)res.bit_errors;
        t = now() - t0;
    } while (t < MIN_SEC);
    report(name, bits, syms, t);
    printf("bench_digital case=%s ebn0_db=%.1f ber=%.3g bits=%.0f\n", name, ebn0_db, errs / bits,
           bits);
    return 0;
}

/* The full link on a block of reals. */
static int bench_link(const char *name, const chan_digital_config *cfg)
{
    base_err e = BASE_ERR_INIT;
    chan_digital *q = chan_digital_create(cfg, &e);
    if (!q) {
        fprintf(stderr, "bench_digital: %s: %s\n", name, e.msg);
        return 1;
    }
    size_t n = cfg->block_len;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    base_rng r;
    base_rng_init(&r, 2, 0, base_rng_component("bench"));
    for (size_t i = 0; i < n; i++) x[i] = (float)base_rng_normal(&r);
    double t0 = now(), t, bits = 0, syms = 0;
    do {
        for (int k = 0; k < 20; k++) {
            chan_digital_stats s;
            chan_digital_execute(q, &r, x, y, NULL, n, &s);
            bits += (double)s.info_bits;
            syms += (double)s.channel_uses;
        }
        t = now() - t0;
    } while (t < MIN_SEC);
    report(name, bits, syms, t);
    free(x);
    free(y);
    chan_digital_destroy(q);
    return 0;
}

/* The Viterbi decoder alone (libfec), noiseless soft input. */
static int bench_viterbi(void)
{
    chan_fec *q = chan_fec_create(CHAN_FEC_CONV27, 128, NULL);
    if (!q) return 1;
    size_t c = chan_fec_coded_bits(q);
    uint8_t msg[128], out[128], *bits = malloc(c);
    for (int i = 0; i < 128; i++) msg[i] = (uint8_t)(i * 77 + 3);
    chan_fec_encode(q, msg, bits);
    for (size_t i = 0; i < c; i++) bits[i] = bits[i] ? 200 : 56;
    double t0 = now(), t, n = 0;
    do {
        for (int k = 0; k < 200; k++) chan_fec_decode(q, bits, out), n += 1024;
        t = now() - t0;
    } while (t < MIN_SEC);
    report("viterbi27_decode_only", n, n * (double)c / 1024.0 / 2.0,
           t); /* QPSK-equivalent symbols */
    free(bits);
    chan_fec_destroy(q);
    return 0;
}

int main(void)
{
    int bad = 0;
    bad |= bench_bits("bits_qpsk_conv27_awgn", CHAN_FEC_CONV27, CHAN_MOD_QPSK, 4.0);
    bad |= bench_bits("bits_qpsk_conv27p34_awgn", CHAN_FEC_CONV27P34, CHAN_MOD_QPSK, 6.0);
    bad |= bench_bits("bits_16qam_hamming74_awgn", CHAN_FEC_HAMMING74, CHAN_MOD_QAM16, 8.0);
    bad |= bench_bits("bits_qpsk_none_awgn", CHAN_FEC_NONE, CHAN_MOD_QPSK, 8.0);
    bad |= bench_viterbi();

    chan_digital_config d;
    chan_digital_config_default(&d);
    d.block_len = 256; /* 8 packets of 32 8-bit values, CRC-16, 16-bit header */
    bad |= bench_link("link_qpsk_conv27_awgn10", &d);
    d.channel.kind = CHAN_RAYLEIGH;
    d.channel.coherence = 128;
    bad |= bench_link("link_qpsk_conv27_rayleigh128", &d);
    return bad;
}
