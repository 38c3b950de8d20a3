/* sim_config.h -- sim_config: the typed configuration of one sweep point.
 *
 * Where it sits: sim_scenario_resolve (sim/scenario.c) fills it from the
 * scenario's keys (each key of the registry in sim/keys.c names the field it
 * lands in); the network, the pipelines and the runner read it. Strings are
 * the keys' texts, numbers their parsed values; per-user keys live in
 * sim_user_config, one per transmitter->receiver pair.
 */
#ifndef SIM_SIM_CONFIG_H
#define SIM_SIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define SIM_CFG_STR 512
#define SIM_MAX_USERS 16

/* What one transmitter->receiver pair uses (overridable in [user.NAME]). */
typedef struct sim_user_config {
    char name[64];
    struct {
        char model[SIM_CFG_STR];
        double device_flops;
        char decoder[16]; /* source.kind = text: how the transmitter transcribes */
        int64_t beam_width;
        char lm[SIM_CFG_STR];
    } tx;
    struct {
        char model[SIM_CFG_STR];
        char decoder[16];
        int64_t beam_width;
        double score_beam; /* nats; 0: off */
        char lm[SIM_CFG_STR];
        double device_flops;
    } rx;
    struct {
        char mode[16];
        char modulation[16];
        char fec[16];
        int64_t quant_bits;
        int64_t frames_per_packet;
        double prop_delay_s;
        char lost[16];
        char prune[16];         /* link.prune: none | blank */
        double prune_threshold; /* blank posterior at or above which a frame is pruned */
        char prune_fill[16];    /* link.prune_fill: prototype | silence */
    } link;
    struct {
        char model[16];
        double snr_db;
        double k_factor_db;
        int64_t coherence;
        double doppler_hz;
    } channel;
    /* the pair's equalizer and anchor settings (the corpora, manifests and
     * the head cache stay global: sim_config.equalizer / anchors, which also
     * hold the first user's copy of these) */
    struct {
        char type[32];
        double ridge_lambda;
        int64_t train_utterances;
        int64_t head_steps;
        double head_noise;
        char head_snr_db[32];
        int64_t mlp_hidden;
        int64_t mlp_epochs;
    } equalizer;
    struct {
        int64_t count;
        char selection[16];
        char psi[16];
        int64_t utterances;
        int64_t members;
    } anchors;
} sim_user_config;

typedef struct sim_config {
    struct {
        char name[128];
        int64_t seed;
        int64_t utterances;
        int64_t repeats;
        int64_t cache_mb; /* per-utterance cache budget, MiB (sim/ucache.h) */
    } scenario;
    struct {
        char kind[32];
        char manifest[SIM_CFG_STR];
        char text[SIM_CFG_STR];
        char lines[32];
        char voices[SIM_CFG_STR];
        char cache[SIM_CFG_STR];
        char arrival[16];
        double rate_hz;
        int64_t bits;
        int64_t frame_bits;
        double bit_rate;
        double noise_snr_db; /* +inf: clean (sim/source_noise.h) */
        char noise[16];
    } source;
    struct {
        char type[32];
        double ridge_lambda;
        char cache[SIM_CFG_STR];
        char train_manifest[SIM_CFG_STR];
        char head_pool[SIM_CFG_STR]; /* "" or a list file of the head's pool encoders */
        char train_text[SIM_CFG_STR];
        char train_lines[32];
        char train_voices[SIM_CFG_STR];
        int64_t train_utterances;
        int64_t head_steps;
        double head_noise;
        char head_snr_db[32]; /* eq19: "none", a number or a range a:b */
        int64_t mlp_hidden;   /* eq19 */
        int64_t mlp_epochs;   /* eq19 */
    } equalizer;
    struct {
        int64_t count;
        char selection[16];
        char psi[16];
        char manifest[SIM_CFG_STR];
        char text[SIM_CFG_STR];
        char lines[32];
        char voices[SIM_CFG_STR];
        int64_t utterances;
        int64_t members;
    } anchors;
    struct {
        double symbol_rate;
        char access[8];
    } medium; /* link.symbol_rate, link.access: shared by all users */
    struct {
        int64_t min_word_errors;
        int64_t min_bit_errors;
        double ci_width;
        int64_t bootstrap;
        int64_t check_every;
    } metrics;
    struct {
        char trn[SIM_CFG_STR];
        int utterances;
    } output;
    struct {
        char tts_voice[96];      /* rx.tts_voice: "ENGINE VOICE" or "none" (sim/s2s.h) */
        char model[SIM_CFG_STR]; /* score.model: the third agent */
        char decoder[16];        /* score.decoder */
        int64_t beam_width;      /* score.beam_width */
        char lm[SIM_CFG_STR];    /* score.lm */
    } s2s;
    size_t n_users;
    sim_user_config user[SIM_MAX_USERS];
} sim_config;

#endif
