/* test_network.c -- the event network (sim/network): latencies from compute,
 * packetisation, air time and propagation; TDMA round-robin vs FDMA; Poisson
 * arrivals; the sink stopping a run; bad settings. */
#include "sim/network.h"
#include "base/rng.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct recorder {
    size_t frames;
    double duration_s, encode_flops, decode_flops;
    size_t uses_per_frame;
    size_t encoded, transmitted, decoded, released;
    size_t order[64];
    double latency[64], arrival[64];
    size_t n_done;
    size_t stop_after;
} recorder;

static base_status f_encode(void *ctx, sim_utt *u, base_err *err)
{
    (void)err;
    recorder *f = ctx;
    u->n_frames = f->frames;
    u->encode_flops = f->encode_flops;
    u->decode_flops = f->decode_flops;
    u->res.duration_s = f->duration_s;
    u->state = f; /* marks "allocated" */
    f->encoded++;
    return BASE_OK;
}
static base_status f_transmit(void *ctx, sim_utt *u, size_t p, size_t f0, size_t nf, size_t *uses,
                              base_err *err)
{
    (void)u, (void)p, (void)f0, (void)err;
    recorder *f = ctx;
    *uses = nf * f->uses_per_frame;
    f->transmitted++;
    return BASE_OK;
}
static base_status f_decode(void *ctx, sim_utt *u, base_err *err)
{
    (void)u, (void)err;
    ((recorder *)ctx)->decoded++;
    return BASE_OK;
}
static void f_release(void *ctx, sim_utt *u)
{
    if (u->state) ((recorder *)ctx)->released++;
    u->state = NULL;
}
static int f_sink(void *ctx, sim_utt *u)
{
    recorder *f = ctx;
    if (f->n_done < 64) {
        f->order[f->n_done] = u->index;
        f->latency[f->n_done] = u->res.latency_s;
        f->arrival[f->n_done] = u->res.arrival_s;
    }
    f->n_done++;
    return f->stop_after && f->n_done >= f->stop_after;
}

static const sim_payload_ops ops = {NULL, f_encode, f_transmit, f_decode, f_release};

static base_status run(recorder *f, const sim_net_config *nc, base_err *e)
{
    sim_payload_ops o = ops;
    o.ctx = f;
    sim_net *n = sim_net_create(nc, &o, f_sink, f, e);
    if (!n) return e->code;
    base_status st = sim_net_run(n, e);
    sim_net_destroy(n);
    return st;
}

static sim_net_config base(size_t users, size_t utts)
{
    sim_net_config nc;
    memset(&nc, 0, sizeof nc);
    nc.n_users = users;
    nc.max_utterances = utts;
    nc.symbol_rate = 1e6;
    nc.seed = 1;
    for (size_t u = 0; u < users; u++) {
        nc.user[u].tx_flops = 1e9;
        nc.user[u].rx_flops = 1e9;
        nc.user[u].frames_per_packet = 2;
        nc.user[u].prop_delay_s = 0.5e-3;
    }
    return nc;
}

/* One user: encode 1 s, two packets of 1 ms air each, 0.5 ms propagation,
 * decode 0.25 s: latency 1.2525 s for every back-to-back utterance. */
static void test_single_user_latency(void)
{
    recorder f = {.frames = 4,
                  .duration_s = 2.0,
                  .encode_flops = 1e9,
                  .decode_flops = 0.25e9,
                  .uses_per_frame = 500};
    sim_net_config nc = base(1, 5);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(run(&f, &nc, &e), BASE_OK);
    CU_ASSERT_EQUAL(f.n_done, 5);
    CU_ASSERT_EQUAL(f.transmitted, 10);
    CU_ASSERT_EQUAL(f.released, 5);
    for (size_t i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(f.order[i], i);
        TEST_ASSERT_NEAR(f.latency[i], 1.0 + 0.002 + 0.0005 + 0.25, 1e-9);
    }
}

/* Arrivals faster than encoding: the transmitter queue builds up. */
static void test_queueing(void)
{
    recorder f = {.frames = 1,
                  .duration_s = 0.5,
                  .encode_flops = 1e9,
                  .decode_flops = 0,
                  .uses_per_frame = 1000};
    sim_net_config nc = base(1, 4);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(run(&f, &nc, &e), BASE_OK);
    /* utterance k arrives at 0.5k, is encoded at k+1, received 1.5 ms later */
    for (size_t k = 0; k < 4; k++)
        TEST_ASSERT_NEAR(f.latency[k], (k + 1.0) - 0.5 * k + 0.0015, 1e-9);
}

/* Two users sharing the medium, no compute: both arrive at t=0 with 2 packets
 * of 1000 symbols. TDMA round-robin: u0p0 u1p0 u0p1 u1p1 at 1 ms each, so
 * user 0 finishes at 3 ms and user 1 at 4 ms; FDMA (half rate each): both 4 ms. */
static void test_tdma_fdma(void)
{
    for (int fdma = 0; fdma < 2; fdma++) {
        recorder f = {.frames = 4, .duration_s = 10, .uses_per_frame = 500};
        sim_net_config nc = base(2, 2);
        nc.fdma = fdma;
        for (int u = 0; u < 2; u++) nc.user[u].tx_flops = nc.user[u].rx_flops = 0;
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL_FATAL(run(&f, &nc, &e), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(f.n_done, 2);
        double lat0 = f.order[0] == 0 ? f.latency[0] : f.latency[1];
        double lat1 = f.order[0] == 0 ? f.latency[1] : f.latency[0];
        TEST_ASSERT_NEAR(lat0, (fdma ? 0.004 : 0.003) + 0.0005, 1e-9);
        TEST_ASSERT_NEAR(lat1, 0.004 + 0.0005, 1e-9);
    }
}

/* Poisson arrivals: mean gap 1/rate; a stop from the sink releases the rest. */
static void test_poisson_and_stop(void)
{
    recorder f = {.frames = 1, .duration_s = 1, .uses_per_frame = 10, .stop_after = 30};
    sim_net_config nc = base(1, 60);
    nc.poisson = 1;
    nc.rate_hz = 100;
    nc.user[0].tx_flops = nc.user[0].rx_flops = 0;
    base_err e = BASE_ERR_INIT;
    sim_payload_ops o = ops;
    o.ctx = &f;
    sim_net *n = sim_net_create(&nc, &o, f_sink, &f, &e);
    CU_ASSERT_FATAL(n != NULL);
    CU_ASSERT_EQUAL(sim_net_run(n, &e), BASE_OK);
    CU_ASSERT_EQUAL(f.n_done, 30);
    CU_ASSERT_EQUAL(f.released, f.encoded); /* nothing leaks */
    /* 30 arrivals at rate 100/s take about 0.3 s (sd 0.055) */
    double t = sim_net_time_s(n);
    CU_ASSERT(t > 0.1 && t < 0.6);
    sim_net_destroy(n);
}

/* Poisson sources start one exponential gap after t = 0, each from its own stream
 * (seed, user, "sim.arrival"): users do not all collide in a burst at t = 0. */
static void test_poisson_first_arrival(void)
{
    recorder f = {.frames = 1, .duration_s = 1, .uses_per_frame = 10};
    sim_net_config nc = base(4, 4); /* one utterance per user: index = user */
    nc.poisson = 1;
    nc.rate_hz = 10;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(run(&f, &nc, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(f.n_done, 4);
    for (size_t k = 0; k < 4; k++) {
        size_t user = f.order[k];
        base_rng r;
        base_rng_init(&r, nc.seed, user, base_rng_component("sim.arrival"));
        double want = -log1p(-base_rng_uniform(&r)) / nc.rate_hz;
        CU_ASSERT(f.arrival[k] > 0);
        TEST_ASSERT_NEAR(f.arrival[k], want, 1e-9);
    }
}

static void test_bad_config(void)
{
    recorder f = {0};
    sim_payload_ops o = ops;
    o.ctx = &f;
    base_err e = BASE_ERR_INIT;
    sim_net_config nc = base(1, 1);
    nc.symbol_rate = 0;
    CU_ASSERT(sim_net_create(&nc, &o, f_sink, &f, &e) == NULL);
    nc = base(0, 1);
    CU_ASSERT(sim_net_create(&nc, &o, f_sink, &f, &e) == NULL);
    nc = base(1, 1);
    nc.user[0].frames_per_packet = 0;
    CU_ASSERT(sim_net_create(&nc, &o, f_sink, &f, &e) == NULL);
    nc = base(1, 1);
    nc.poisson = 1;
    CU_ASSERT(sim_net_create(&nc, &o, f_sink, &f, &e) == NULL);
    CU_ASSERT(sim_net_create(&nc, NULL, f_sink, &f, &e) == NULL);
    sim_net_destroy(NULL);
}

int main(void)
{
    static const test_case cases[] = {
        {"single user latency", test_single_user_latency},
        {"transmitter queueing", test_queueing},
        {"TDMA round-robin vs FDMA", test_tdma_fdma},
        {"Poisson arrivals and sink stop", test_poisson_and_stop},
        {"Poisson first arrival after t = 0", test_poisson_first_arrival},
        {"bad settings", test_bad_config},
        {NULL, NULL},
    };
    return test_main("network", cases);
}
