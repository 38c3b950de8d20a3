/* link.c -- the one link builder: names and numbers -> chan_* configs and
 * objects. See link.h. */
#include "channel/link.h"

#include <stdlib.h>
#include <string.h>

struct chan_link {
    chan_analog *analog;
    chan_digital *digital;
};

static const char *const mode_names[] = {"analog", "digital", NULL};

const char *const *chan_link_mode_names(void)
{
    return mode_names;
}

void chan_link_config_default(chan_link_config *c)
{
    memset(c, 0, sizeof *c);
    c->mode = "digital";
    c->modulation = "qpsk";
    c->fec = "conv27";
    c->lost = NULL;
    c->model = "awgn";
    c->quant_bits = 8;
    c->values_per_packet = 64;
    c->snr_db = 10.0;
    c->k_factor_db = 0.0;
    c->doppler_hz = 0.0;
    c->symbol_rate = 1e6;
    c->coherence = 0;
}

base_status chan_link_model_config(const chan_link_config *c, chan_model_config *mc, base_err *err)
{
    if (!c || !mc) return base_err_set(err, BASE_EINVAL, NULL, 0, "link: NULL argument");
    chan_model_config_default(mc);
    base_status st = chan_model_kind_from_name(c->model, &mc->kind, err);
    if (st != BASE_OK) return st;
    mc->snr_db = c->snr_db;
    mc->k_factor_db = c->k_factor_db;
    /* 0: one fading coefficient for the whole packet (the link is reset per packet) */
    mc->coherence = c->coherence > 0 ? (size_t)c->coherence : (size_t)1 << 40;
    mc->doppler_hz = c->doppler_hz;
    mc->symbol_rate = c->symbol_rate;
    return BASE_OK;
}

base_status chan_link_digital_config(const chan_link_config *c, chan_digital_config *dc,
                                     base_err *err)
{
    if (!c || !dc) return base_err_set(err, BASE_EINVAL, NULL, 0, "link: NULL argument");
    chan_digital_config_default(dc);
    dc->block_len = c->values_per_packet;
    dc->values_per_packet = c->values_per_packet;
    dc->quant_bits = c->quant_bits;
    base_status st;
    if ((st = chan_fec_kind_from_name(c->fec, &dc->fec, err)) != BASE_OK ||
        (st = chan_modem_kind_from_name(c->modulation, &dc->modulation, err)) != BASE_OK)
        return st;
    if (c->lost && (st = chan_loss_policy_from_name(c->lost, &dc->loss, err)) != BASE_OK) return st;
    return chan_link_model_config(c, &dc->channel, err);
}

base_status chan_link_analog_config(const chan_link_config *c, chan_analog_config *ac,
                                    base_err *err)
{
    if (!c || !ac) return base_err_set(err, BASE_EINVAL, NULL, 0, "link: NULL argument");
    chan_analog_config_default(ac);
    ac->max_reals = c->values_per_packet;
    return chan_link_model_config(c, &ac->channel, err);
}

base_status chan_link_bits_config(const chan_link_config *c, chan_bits_config *bc, base_err *err)
{
    if (!c || !bc) return base_err_set(err, BASE_EINVAL, NULL, 0, "link: NULL argument");
    chan_bits_config_default(bc);
    base_status st;
    if ((st = chan_fec_kind_from_name(c->fec, &bc->fec, err)) != BASE_OK ||
        (st = chan_modem_kind_from_name(c->modulation, &bc->modulation, err)) != BASE_OK)
        return st;
    return chan_link_model_config(c, &bc->channel, err);
}

chan_link *chan_link_create(const chan_link_config *c, base_err *err)
{
    if (!c || !c->mode) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "link: NULL argument");
        return NULL;
    }
    chan_link *l = calloc(1, sizeof *l);
    if (!l) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    if (!strcmp(c->mode, "analog")) {
        chan_analog_config ac;
        if (chan_link_analog_config(c, &ac, err) != BASE_OK ||
            !(l->analog = chan_analog_create(&ac, err)))
            goto fail;
    } else if (!strcmp(c->mode, "digital")) {
        chan_digital_config dc;
        if (chan_link_digital_config(c, &dc, err) != BASE_OK ||
            !(l->digital = chan_digital_create(&dc, err)))
            goto fail;
    } else {
        base_err_set(err, BASE_ENOTFOUND, NULL, 0, "unknown link mode '%s' (analog, digital)",
                     c->mode);
        goto fail;
    }
    return l;
fail:
    chan_link_destroy(l);
    return NULL;
}

void chan_link_destroy(chan_link *l)
{
    if (!l) return;
    chan_analog_destroy(l->analog);
    chan_digital_destroy(l->digital);
    free(l);
}

chan_analog *chan_link_analog(chan_link *l)
{
    return l ? l->analog : NULL;
}

chan_digital *chan_link_digital(chan_link *l)
{
    return l ? l->digital : NULL;
}
