/* bench_event.c -- speed of the discrete-event core and of the event network.
 * Prints machine-readable lines `name value unit`:
 *   event_queue_rate   events scheduled+run per second with a 1000-event
 *                      pending set (random times, many ties)
 *   network_utt_rate   utterances per second through source -> tx ->
 *                      packetiser -> TDMA medium -> rx -> sink with trivial
 *                      payload callbacks (4 users, 8 packets per utterance):
 *                      the simulator's own overhead per utterance. */
#include "base/rng.h"
#include "sim/event.h"
#include "sim/network.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct chain {
    base_rng r;
    uint64_t left;
} chain;

/* each event schedules one more at a random delay until the budget is spent */
static base_status hop(sim_event_queue *q, void *ent, sim_payload p, base_err *err)
{
    (void)p, (void)err;
    chain *c = ent;
    if (!c->left) return BASE_OK;
    c->left--;
    return sim_event_schedule_in(q, (int64_t)base_rng_below(&c->r, 1000), hop, c, (sim_payload){0});
}

static base_status f_encode(void *ctx, sim_utt *u, base_err *err)
{
    (void)ctx, (void)err;
    u->n_frames = 32;
    u->encode_flops = 1e6;
    u->decode_flops = 1e6;
    u->res.duration_s = 1.0;
    return BASE_OK;
}
static base_status f_transmit(void *ctx, sim_utt *u, size_t p, size_t f0, size_t nf, size_t *uses,
                              base_err *err)
{
    (void)ctx, (void)u, (void)p, (void)f0, (void)err;
    *uses = nf * 100;
    return BASE_OK;
}
static base_status f_decode(void *ctx, sim_utt *u, base_err *err)
{
    (void)ctx, (void)u, (void)err;
    return BASE_OK;
}
static int f_sink(void *ctx, sim_utt *u)
{
    (void)u;
    (*(size_t *)ctx)++;
    return 0;
}

int main(void)
{
    /* queue */
    const uint64_t N = 4000000;
    sim_event_queue *q = sim_event_queue_create(2048, NULL);
    chain c;
    base_rng_init(&c.r, 1, 0, base_rng_component("bench.event"));
    c.left = N;
    for (int i = 0; i < 1000; i++) sim_event_schedule(q, i, hop, &c, (sim_payload){0});
    double t0 = now();
    uint64_t ran = 0;
    sim_event_run(q, INT64_MAX, &ran, NULL);
    double dt = now() - t0;
    printf("event_queue_rate %.3e events/s\n", (double)ran / dt);
    sim_event_queue_destroy(q);

    /* network */
    sim_net_config nc;
    memset(&nc, 0, sizeof nc);
    nc.n_users = 4;
    nc.max_utterances = 200000;
    nc.symbol_rate = 1e6;
    nc.seed = 1;
    for (int u = 0; u < 4; u++) {
        nc.user[u].tx_flops = nc.user[u].rx_flops = 1e9;
        nc.user[u].frames_per_packet = 4;
        nc.user[u].prop_delay_s = 1e-4;
    }
    size_t done = 0;
    sim_payload_ops ops = {NULL, f_encode, f_transmit, f_decode, NULL};
    sim_net *n = sim_net_create(&nc, &ops, f_sink, &done, NULL);
    t0 = now();
    sim_net_run(n, NULL);
    dt = now() - t0;
    printf("network_utt_rate %.3e utterances/s (%llu events, %zu utterances)\n", (double)done / dt,
           (unsigned long long)sim_net_events(n), done);
    sim_net_destroy(n);
    return 0;
}
