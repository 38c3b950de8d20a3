/* network.h -- the simulated system of one sweep point, built on sim/event.
 *
 * Entities and what they model (all times in integer ns on the event clock):
 *
 *   source[u]     utterance arrivals for user u: back-to-back (the next one
 *                 arrives when the previous one's duration has elapsed) or a
 *                 Poisson process at rate_hz (exponential gaps from the RNG
 *                 stream (seed, u, "sim.arrival"), the first one after t = 0). User u's k-th
 * utterance has index k*U + u; indices >= max_utterances never arrive. tx[u]         the
 * transmitting agent, one utterance at a time (FIFO): encoding takes encode_flops / tx_flops
 * seconds. packetiser    cuts the encoded utterance into ceil(frames / N) packets of N =
 * frames_per_packet frames. medium/link   air time = channel uses / symbol rate, then propagation
 *                 delay. TDMA: one server at the full symbol rate, serving
 *                 users with queued packets round-robin, one packet per turn.
 *                 FDMA: every user has its own server at rate / U.
 *                 Each packet is one channel realisation (the pipeline gets
 *                 the packet index to derive it).
 *   rx[u]         the receiving agent decodes once the utterance's last
 *                 packet arrived, one at a time: decode_flops / rx_flops s.
 *   sink          gets every decoded utterance with its latency
 *                 (decode done - arrival) and may stop the run.
 *
 * The event layer models time only. What is sent and what comes out (the
 * "payload": encoding, the channel, decoding) is computed by callbacks the
 * pipeline provides (sim_payload_ops), called when the event happens:
 * encode at arrival, transmit when a packet goes on the air, decode when
 * decoding starts. Each callback derives its randomness from the utterance
 * index, so content does not depend on timing or thread count.
 */
#ifndef SIM_NETWORK_H
#define SIM_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "sim/metrics.h"
#include "sim/scenario.h"

/* One utterance in flight. The pipeline fills n_frames, the FLOP counts and
 * the content fields of res; the network fills the times. */
typedef struct sim_utt {
    size_t index;        /* 0-based within the point                       */
    size_t user;         /* transmitter->receiver pair                     */
    size_t n_frames;     /* set by encode: frames to send (>= 1)           */
    double encode_flops; /* set by encode                                  */
    double decode_flops; /* set by encode or decode                        */
    void *state;         /* the pipeline's per-utterance state             */
    sim_utt_result res;  /* outcome (pipeline: content; network: times)    */
    /* network bookkeeping */
    size_t n_packets, next_packet, received;
    int64_t t_arrival_ns;
    int live; /* arrived and not yet handed to the sink */
} sim_utt;

typedef struct sim_payload_ops {
    void *ctx;
    /* At arrival: prepare the utterance (set n_frames, encode_flops,
     * decode_flops, res.duration_s, res.id, ...). */
    base_status (*encode)(void *ctx, sim_utt *u, base_err *err);
    /* When packet p (frames [frame0, frame0+nframes)) goes on the air: send it
     * through the link/channel and return the complex channel uses spent. */
    base_status (*transmit)(void *ctx, sim_utt *u, size_t p, size_t frame0, size_t nframes,
                            size_t *uses, base_err *err);
    /* When decoding starts (all packets arrived): produce the outcome. */
    base_status (*decode)(void *ctx, sim_utt *u, base_err *err);
    /* Free u->state (called for every utterance that arrived, also for those
     * a stop cut off). May be NULL. */
    void (*release)(void *ctx, sim_utt *u);
} sim_payload_ops;

/* Sink: called with each decoded utterance; return 1 to stop the run. The
 * sink may move res's strings out (set them to NULL). */
typedef int (*sim_sink_fn)(void *ctx, sim_utt *u);

typedef struct sim_net_user {
    double tx_flops;          /* FLOP/s, 0 = instantaneous */
    double rx_flops;          /* FLOP/s, 0 = instantaneous */
    size_t frames_per_packet; /* >= 1 */
    double prop_delay_s;      /* >= 0 */
} sim_net_user;

typedef struct sim_net_config {
    size_t n_users;        /* 1..SIM_MAX_USERS */
    size_t max_utterances; /* >= 1 */
    int poisson;           /* 0: back-to-back arrivals */
    double rate_hz;        /* Poisson rate per user, > 0 when poisson */
    double symbol_rate;    /* complex symbols/s of the medium, > 0 */
    int fdma;              /* 0: TDMA round-robin */
    uint64_t seed;         /* arrival streams */
    sim_net_user user[SIM_MAX_USERS];
} sim_net_config;

/* The network settings of a resolved scenario config (seed given separately,
 * since repeats derive their own). */
void sim_net_config_from(const sim_config *cfg, uint64_t seed, sim_net_config *nc);

typedef struct sim_net sim_net;

sim_net *sim_net_create(const sim_net_config *cfg, const sim_payload_ops *ops, sim_sink_fn sink,
                        void *sink_ctx, base_err *err);
void sim_net_destroy(sim_net *n); /* NULL is a no-op; releases live utterances */

/* Run until every utterance was decoded or the sink asked to stop. Utterances
 * still in flight at a stop are released, not reported. */
base_status sim_net_run(sim_net *n, base_err *err);

/* Simulated time at the end of the run, s; events run. */
double sim_net_time_s(const sim_net *n);
uint64_t sim_net_events(const sim_net *n);

#endif
