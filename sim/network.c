/* network.c -- source, transmitter, packetiser, medium, receiver and sink as
 * event handlers on a sim_event_queue. See network.h for the model. */
#include "sim/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "sim/event.h"

typedef struct ring {
    size_t *buf;
    size_t head, n, cap;
} ring;

static int ring_push(ring *r, size_t v)
{
    if (r->n == r->cap) return 0;
    r->buf[(r->head + r->n++) % r->cap] = v;
    return 1;
}

static size_t ring_pop(ring *r)
{
    size_t v = r->buf[r->head];
    r->head = (r->head + 1) % r->cap;
    r->n--;
    return v;
}

typedef struct server {
    int busy;
    double rate; /* symbols/s */
} server;

typedef struct user_state {
    size_t next_k;    /* next utterance number of this user */
    base_rng arrival; /* Poisson gaps */
    ring txq, linkq, rxq;
    int tx_busy, rx_busy;
    server fdma; /* FDMA: this user's own band */
} user_state;

struct sim_net {
    sim_net_config cfg;
    sim_payload_ops ops;
    sim_sink_fn sink;
    void *sink_ctx;
    sim_event_queue *q;
    sim_utt *utts;
    user_state *users;
    server tdma;
    size_t rr; /* TDMA: user whose turn is next */
    uint64_t events;
};

/* Handler payloads: the user or the utterance index. */
#define PAY(x) ((sim_payload){.z = (x)})

static base_status ev_arrival(sim_event_queue *q, void *ent, sim_payload p, base_err *err);
static base_status ev_encoded(sim_event_queue *q, void *ent, sim_payload p, base_err *err);
static base_status ev_air_done(sim_event_queue *q, void *ent, sim_payload p, base_err *err);
static base_status ev_packet_rx(sim_event_queue *q, void *ent, sim_payload p, base_err *err);
static base_status ev_decoded(sim_event_queue *q, void *ent, sim_payload p, base_err *err);

static int64_t compute_ns(double flops, double speed)
{
    return speed > 0 ? sim_event_ns(flops / speed) : 0;
}

/* Exponential gap of user us's Poisson arrival process. */
static int64_t poisson_gap_ns(const sim_net *n, user_state *us)
{
    return sim_event_ns(-log1p(-base_rng_uniform(&us->arrival)) / n->cfg.rate_hz);
}

void sim_net_config_from(const sim_config *cfg, uint64_t seed, sim_net_config *nc)
{
    memset(nc, 0, sizeof *nc);
    nc->n_users = cfg->n_users;
    nc->max_utterances = (size_t)cfg->scenario.utterances;
    nc->poisson = !strcmp(cfg->source.arrival, "poisson");
    nc->rate_hz = cfg->source.rate_hz;
    nc->symbol_rate = cfg->medium.symbol_rate;
    nc->fdma = !strcmp(cfg->medium.access, "fdma");
    nc->seed = seed;
    for (size_t u = 0; u < cfg->n_users; u++) {
        nc->user[u].tx_flops = cfg->user[u].tx.device_flops;
        nc->user[u].rx_flops = cfg->user[u].rx.device_flops;
        nc->user[u].frames_per_packet = (size_t)cfg->user[u].link.frames_per_packet;
        nc->user[u].prop_delay_s = cfg->user[u].link.prop_delay_s;
    }
}

sim_net *sim_net_create(const sim_net_config *cfg, const sim_payload_ops *ops, sim_sink_fn sink,
                        void *sink_ctx, base_err *err)
{
    sim_net *n = NULL;
    if (!cfg || !ops || !ops->encode || !ops->transmit || !ops->decode || !sink) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "network: NULL argument");
        return NULL;
    }
    if (cfg->n_users < 1 || cfg->n_users > SIM_MAX_USERS || cfg->max_utterances < 1 ||
        !(cfg->symbol_rate > 0) || (cfg->poisson && !(cfg->rate_hz > 0))) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "network: need 1..%d users, >= 1 utterance, symbol rate > 0 and a Poisson "
                     "rate > 0",
                     SIM_MAX_USERS);
        return NULL;
    }
    for (size_t u = 0; u < cfg->n_users; u++)
        if (cfg->user[u].frames_per_packet < 1 || !(cfg->user[u].prop_delay_s >= 0) ||
            !(cfg->user[u].tx_flops >= 0) || !(cfg->user[u].rx_flops >= 0)) {
            base_err_set(err, BASE_EINVAL, NULL, 0, "network: bad settings for user %zu", u);
            return NULL;
        }
    if (!(n = calloc(1, sizeof *n))) goto nomem;
    n->cfg = *cfg;
    n->ops = *ops;
    n->sink = sink;
    n->sink_ctx = sink_ctx;
    size_t per_user = (cfg->max_utterances + cfg->n_users - 1) / cfg->n_users;
    n->utts = calloc(cfg->max_utterances, sizeof *n->utts);
    n->users = calloc(cfg->n_users, sizeof *n->users);
    n->q = sim_event_queue_create(4 * cfg->n_users + 16, err);
    if (!n->utts || !n->users || !n->q) goto nomem;
    for (size_t u = 0; u < cfg->n_users; u++) {
        user_state *us = &n->users[u];
        ring *rs[3] = {&us->txq, &us->linkq, &us->rxq};
        for (int i = 0; i < 3; i++) {
            rs[i]->cap = per_user;
            if (!(rs[i]->buf = malloc(per_user * sizeof *rs[i]->buf))) goto nomem;
        }
        base_rng_init(&us->arrival, cfg->seed, u, base_rng_component("sim.arrival"));
        us->fdma.rate = cfg->symbol_rate / (double)cfg->n_users;
    }
    n->tdma.rate = cfg->symbol_rate;
    return n;
nomem:
    sim_net_destroy(n);
    base_err_set(err, BASE_ENOMEM, NULL, 0, "network: out of memory");
    return NULL;
}

static void release_live(sim_net *n)
{
    for (size_t i = 0; i < n->cfg.max_utterances; i++) {
        sim_utt *u = &n->utts[i];
        if (!u->live) continue;
        if (n->ops.release) n->ops.release(n->ops.ctx, u);
        sim_utt_result_clear(&u->res);
        u->live = 0;
    }
}

void sim_net_destroy(sim_net *n)
{
    if (!n) return;
    if (n->utts) release_live(n);
    if (n->users)
        for (size_t u = 0; u < n->cfg.n_users; u++) {
            free(n->users[u].txq.buf);
            free(n->users[u].linkq.buf);
            free(n->users[u].rxq.buf);
        }
    free(n->users);
    free(n->utts);
    sim_event_queue_destroy(n->q);
    free(n);
}

/* ---- transmitter ------------------------------------------------------------------ */

static base_status tx_start(sim_net *n, size_t user)
{
    user_state *us = &n->users[user];
    if (us->tx_busy || !us->txq.n) return BASE_OK;
    size_t i = ring_pop(&us->txq);
    us->tx_busy = 1;
    return sim_event_schedule_in(n->q,
                                 compute_ns(n->utts[i].encode_flops, n->cfg.user[user].tx_flops),
                                 ev_encoded, n, PAY(i));
}

static base_status ev_arrival(sim_event_queue *q, void *ent, sim_payload p, base_err *err)
{
    sim_net *n = ent;
    size_t user = p.z;
    user_state *us = &n->users[user];
    size_t index = us->next_k * n->cfg.n_users + user;
    if (index >= n->cfg.max_utterances) return BASE_OK; /* this source is exhausted */
    us->next_k++;
    sim_utt *u = &n->utts[index];
    memset(u, 0, sizeof *u);
    u->index = index;
    u->user = user;
    u->t_arrival_ns = sim_event_now(q);
    u->res.index = index;
    u->res.user = user;
    u->res.cosine = NAN;
    u->live = 1;
    base_status st = n->ops.encode(n->ops.ctx, u, err);
    if (st != BASE_OK) return st;
    if (u->n_frames < 1)
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "utterance %zu has no frames", index);
    u->n_packets = (u->n_frames + n->cfg.user[user].frames_per_packet - 1) /
                   n->cfg.user[user].frames_per_packet;
    if (!ring_push(&us->txq, index))
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "tx queue full");
    if ((st = tx_start(n, user)) != BASE_OK) return st;
    int64_t gap = n->cfg.poisson ? poisson_gap_ns(n, us) : sim_event_ns(u->res.duration_s);
    return sim_event_schedule_in(q, gap, ev_arrival, n, PAY(user));
}

/* ---- medium -------------------------------------------------------------------- */

/* Put the next packet of user's head utterance on the air on server s. */
static base_status send_packet(sim_net *n, size_t user, server *s, base_err *err)
{
    user_state *us = &n->users[user];
    sim_utt *u = &n->utts[us->linkq.buf[us->linkq.head]];
    size_t fpp = n->cfg.user[user].frames_per_packet, pk = u->next_packet++;
    size_t f0 = pk * fpp, nf = u->n_frames - f0 < fpp ? u->n_frames - f0 : fpp;
    size_t uses = 0;
    base_status st = n->ops.transmit(n->ops.ctx, u, pk, f0, nf, &uses, err);
    if (st != BASE_OK) return st;
    u->res.symbols += (double)uses;
    if (u->next_packet == u->n_packets) ring_pop(&us->linkq);
    int64_t air = sim_event_ns((double)uses / s->rate);
    s->busy = 1;
    if ((st = sim_event_schedule_in(n->q, air, ev_air_done, n, PAY(user))) != BASE_OK) return st;
    int64_t prop = sim_event_ns(n->cfg.user[user].prop_delay_s);
    return sim_event_schedule_in(n->q, air + prop, ev_packet_rx, n, PAY(u->index));
}

static base_status medium_kick(sim_net *n, size_t user, base_err *err)
{
    if (n->cfg.fdma) {
        server *s = &n->users[user].fdma;
        if (s->busy || !n->users[user].linkq.n) return BASE_OK;
        return send_packet(n, user, s, err);
    }
    if (n->tdma.busy) return BASE_OK;
    for (size_t k = 0; k < n->cfg.n_users; k++) { /* round-robin from rr */
        size_t v = (n->rr + k) % n->cfg.n_users;
        if (!n->users[v].linkq.n) continue;
        n->rr = (v + 1) % n->cfg.n_users;
        return send_packet(n, v, &n->tdma, err);
    }
    return BASE_OK;
}

static base_status ev_encoded(sim_event_queue *q, void *ent, sim_payload p, base_err *err)
{
    (void)q;
    sim_net *n = ent;
    sim_utt *u = &n->utts[p.z];
    user_state *us = &n->users[u->user];
    us->tx_busy = 0;
    if (!ring_push(&us->linkq, u->index))
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "link queue full");
    base_status st = medium_kick(n, u->user, err);
    if (st != BASE_OK) return st;
    return tx_start(n, u->user);
}

static base_status ev_air_done(sim_event_queue *q, void *ent, sim_payload p, base_err *err)
{
    (void)q;
    sim_net *n = ent;
    if (n->cfg.fdma) {
        n->users[p.z].fdma.busy = 0;
        return medium_kick(n, p.z, err);
    }
    n->tdma.busy = 0;
    return medium_kick(n, 0, err);
}

/* ---- receiver and sink ------------------------------------------------------------ */

static base_status rx_start(sim_net *n, size_t user, base_err *err)
{
    user_state *us = &n->users[user];
    if (us->rx_busy || !us->rxq.n) return BASE_OK;
    sim_utt *u = &n->utts[ring_pop(&us->rxq)];
    us->rx_busy = 1;
    base_status st = n->ops.decode(n->ops.ctx, u, err);
    if (st != BASE_OK) return st;
    return sim_event_schedule_in(n->q, compute_ns(u->decode_flops, n->cfg.user[user].rx_flops),
                                 ev_decoded, n, PAY(u->index));
}

static base_status ev_packet_rx(sim_event_queue *q, void *ent, sim_payload p, base_err *err)
{
    (void)q;
    sim_net *n = ent;
    sim_utt *u = &n->utts[p.z];
    if (++u->received < u->n_packets) return BASE_OK;
    if (!ring_push(&n->users[u->user].rxq, u->index))
        return base_err_set(err, BASE_EINTERNAL, NULL, 0, "rx queue full");
    return rx_start(n, u->user, err);
}

static base_status ev_decoded(sim_event_queue *q, void *ent, sim_payload p, base_err *err)
{
    sim_net *n = ent;
    sim_utt *u = &n->utts[p.z];
    n->users[u->user].rx_busy = 0;
    u->res.arrival_s = (double)u->t_arrival_ns / 1e9;
    u->res.done_s = (double)sim_event_now(q) / 1e9;
    u->res.latency_s = (double)(sim_event_now(q) - u->t_arrival_ns) / 1e9;
    if (n->ops.release) n->ops.release(n->ops.ctx, u);
    u->state = NULL;
    int stop = n->sink(n->sink_ctx, u);
    sim_utt_result_clear(&u->res);
    u->live = 0;
    if (stop) {
        sim_event_stop(q);
        return BASE_OK;
    }
    return rx_start(n, u->user, err);
}

base_status sim_net_run(sim_net *n, base_err *err)
{
    base_status st;
    /* A Poisson source's first arrival is one exponential gap after t = 0 too: starting every
     * user at t = 0 would make all users collide in a burst no Poisson process produces. */
    for (size_t u = 0; u < n->cfg.n_users; u++)
        if ((st = sim_event_schedule(n->q, n->cfg.poisson ? poisson_gap_ns(n, &n->users[u]) : 0,
                                     ev_arrival, n, PAY(u))) != BASE_OK)
            return base_err_set(err, st, NULL, 0, "network: cannot schedule arrivals");
    uint64_t ran = 0;
    st = sim_event_run(n->q, INT64_MAX, &ran, err);
    n->events += ran;
    release_live(n);
    return st;
}

double sim_net_time_s(const sim_net *n)
{
    return (double)sim_event_now(n->q) / 1e9;
}
uint64_t sim_net_events(const sim_net *n)
{
    return n->events;
}
