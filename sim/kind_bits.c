/* kind_bits.c -- source.kind = bits: random bits over the bit driver. See
 * kind_bits.h. */
#include "sim/kind_bits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "channel/digital.h"
#include "channel/link.h"
#include "sim/kind_common.h"

struct sim_bits {
    sim_config cfg;
    uint64_t seed;
    chan_bits_config bits[SIM_MAX_USERS]; /* per user */
};

base_status sim_bits_check(const sim_scenario *sc, const sim_config *cfg, base_err *err)
{
    for (size_t u = 0; u < cfg->n_users; u++) {
        const sim_user_config *uc = &cfg->user[u];
        if (strcmp(uc->link.mode, "digital"))
            return sim_kind_fail(sc, err, "link.mode", BASE_EINVAL,
                                 "source.kind=bits needs link.mode=digital (user %s has %s)",
                                 uc->name, uc->link.mode);
        if (uc->channel.doppler_hz > 0 && uc->channel.doppler_hz >= cfg->medium.symbol_rate / 2)
            return sim_kind_fail(sc, err, "channel.doppler_hz", BASE_ERANGE,
                                 "channel.doppler_hz must be below link.symbol_rate/2");
    }
    if (cfg->source.frame_bits % 8)
        return sim_kind_fail(sc, err, "source.frame_bits", BASE_EINVAL,
                             "source.frame_bits must be a multiple of 8 (one FEC codeword of "
                             "whole bytes)");
    if (cfg->source.bits % cfg->source.frame_bits)
        return sim_kind_fail(sc, err, "source.bits", BASE_EINVAL,
                             "source.bits must be a multiple of source.frame_bits");
    return BASE_OK;
}

sim_bits *sim_bits_create(const sim_config *cfg, uint64_t seed, base_err *err)
{
    sim_bits *b = calloc(1, sizeof *b);
    if (!b) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    b->cfg = *cfg;
    b->seed = seed;
    for (size_t u = 0; u < b->cfg.n_users; u++) {
        chan_link_config lc;
        sim_kind_link(&b->cfg, &b->cfg.user[u], 0, &lc);
        chan_bits_config *bc = &b->bits[u];
        if (chan_link_bits_config(&lc, bc, err) != BASE_OK) goto fail;
        bc->block_bytes = (size_t)b->cfg.source.frame_bits / 8;
        bc->interleave_depth = 1;
        bc->ebn0_db = NAN;
        bc->target_bit_errors = 0;
        bc->target_block_errors = 0;
    }
    return b;
fail:
    sim_bits_destroy(b);
    return NULL;
}

void sim_bits_destroy(sim_bits *b)
{
    free(b);
}

static base_status encode(void *ctx, sim_utt *u, base_err *err)
{
    (void)err;
    sim_bits *b = ctx;
    u->n_frames = (size_t)(b->cfg.source.bits / b->cfg.source.frame_bits);
    u->encode_flops = 0;
    u->decode_flops = 0;
    u->res.duration_s = (double)b->cfg.source.bits / b->cfg.source.bit_rate;
    u->res.has_bits = 1;
    snprintf(u->res.id, sizeof u->res.id, "bits_%06zu", u->index);
    return BASE_OK;
}

static base_status transmit(void *ctx, sim_utt *u, size_t pk, size_t f0, size_t nf, size_t *uses,
                            base_err *err)
{
    (void)f0;
    sim_bits *b = ctx;
    chan_bits_config bc = b->bits[u->user];
    bc.max_blocks = nf;
    base_rng utt, r;
    base_rng_init(&utt, b->seed, u->index, base_rng_component("sim.bits.packet"));
    base_rng_fork(&utt, pk, &r);
    chan_bits_result res;
    base_status st = chan_bits_run(&bc, &r, &res, err);
    if (st != BASE_OK) return st;
    u->res.bits += res.bits;
    u->res.bit_errors += res.bit_errors;
    u->res.packets++;
    u->res.packet_errors += res.block_errors > 0;
    *uses = (size_t)res.channel_uses;
    return BASE_OK;
}

static base_status decode(void *ctx, sim_utt *u, base_err *err)
{
    (void)ctx, (void)u, (void)err; /* the bit driver decoded each packet already */
    return BASE_OK;
}

void sim_bits_ops(sim_bits *b, sim_payload_ops *ops)
{
    memset(ops, 0, sizeof *ops);
    ops->ctx = b;
    ops->encode = encode;
    ops->transmit = transmit;
    ops->decode = decode;
    ops->release = NULL;
}
