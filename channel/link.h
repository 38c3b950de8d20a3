/* link.h -- the one link builder: a link described by names and numbers (as a
 * scenario states it) -> the chan_* configs and objects a source kind sends
 * through.
 *
 * Where it sits: channel/ owns the names of its models, modems, codes and
 * lost-packet policies (chan_*_names); every kind in sim/ fills one
 * chan_link_config from its scenario keys and builds its link here, so the
 * mapping is written once. An unknown name is an error (BASE_ENOTFOUND), never
 * a silent default.
 *
 *   mode = analog   chan_analog (MMSE, perfect CSI), max_reals = values_per_packet
 *   mode = digital  chan_digital: quant_bits per value, values_per_packet values
 *                   per packet (one block per packet), fec, modulation, lost
 *   the bit driver  chan_link_bits_config: fec, modulation and the channel for
 *                   chan_bits_run (the caller sets the block size and targets)
 * The channel: model, snr_db (Es/N0 per complex symbol, dB), k_factor_db,
 * doppler_hz, symbol_rate (complex symbols/s) and coherence (symbols per
 * fading coefficient; 0 = one realisation per packet: the kinds reset the
 * link before each packet).
 */
#ifndef CHAN_LINK_H
#define CHAN_LINK_H

#include <stddef.h>

#include "base/status.h"
#include "channel/analog.h"
#include "channel/digital.h"
#include "channel/model.h"

typedef struct chan_link_config {
    const char *mode;         /* "analog" or "digital" (chan_link_mode_names) */
    const char *modulation;   /* digital: chan_modem_names() */
    const char *fec;          /* digital: chan_fec_names() */
    const char *lost;         /* digital: chan_loss_policy_names(); NULL = the default (zero) */
    const char *model;        /* chan_model_names() */
    unsigned quant_bits;      /* digital: bits per value, 1..16 (1: raw payload bits) */
    size_t values_per_packet; /* reals (analog, digital) or payload bits (raw) per packet */
    double snr_db;            /* Es/N0 per complex symbol, dB */
    double k_factor_db;       /* Rician K, dB */
    double doppler_hz;        /* > 0: time-selective fading */
    double symbol_rate;       /* complex symbols per second */
    long long coherence;      /* symbols per fading coefficient; <= 0: one per packet */
} chan_link_config;

/* digital, qpsk, conv27, lost NULL, awgn 10 dB, K 0 dB, no Doppler, 1e6
 * symbols/s, coherence 0, 8 bits per value, 64 values per packet. */
void chan_link_config_default(chan_link_config *c);

/* "analog", "digital", NULL. */
const char *const *chan_link_mode_names(void);

/* The channel model of c (names resolved; coherence 0 -> one coefficient for
 * any packet). BASE_ENOTFOUND for an unknown model name. */
base_status chan_link_model_config(const chan_link_config *c, chan_model_config *mc, base_err *err);
/* chan_digital's config: block_len = values_per_packet = c->values_per_packet. */
base_status chan_link_digital_config(const chan_link_config *c, chan_digital_config *dc,
                                     base_err *err);
/* chan_analog's config: max_reals = c->values_per_packet. */
base_status chan_link_analog_config(const chan_link_config *c, chan_analog_config *ac,
                                    base_err *err);
/* The bit driver's fec, modulation and channel (other fields at their defaults). */
base_status chan_link_bits_config(const chan_link_config *c, chan_bits_config *bc, base_err *err);

/* An analog or a digital link, as c->mode says. NULL and err on a bad name or
 * value. */
typedef struct chan_link chan_link;
chan_link *chan_link_create(const chan_link_config *c, base_err *err);
void chan_link_destroy(chan_link *l); /* NULL is a no-op */
/* The link's object: exactly one of them is non-NULL. */
chan_analog *chan_link_analog(chan_link *l);
chan_digital *chan_link_digital(chan_link *l);

#endif
