/* kind_common.h -- what the source kinds share: a user's link configuration
 * from the scenario keys (for channel/link.h), the source manifest in the
 * point's evaluation order (sim/sample.h) and the utterance fetch from it,
 * a grow-only work buffer and the error located at a scenario key.
 *
 * Where it sits: every kind file (sim/kind_bits.c, sim/pipe_codec.c,
 * sim/pipe_semantic.c) includes this file, never sim/pipeline.h or
 * sim/kind.h, so the kinds and their dispatcher do not include each other.
 */
#ifndef SIM_KIND_COMMON_H
#define SIM_KIND_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "channel/link.h"
#include "codecs/manifest.h"
#include "sim/network.h"
#include "sim/scenario.h"

/* User uc's link (link.mode, modulation, fec, lost, quant_bits; channel.model,
 * snr_db, k_factor_db, doppler_hz, coherence; link.symbol_rate) carrying
 * values_per_packet values per packet. The strings point into cfg and uc. */
void sim_kind_link(const sim_config *cfg, const sim_user_config *uc, size_t values_per_packet,
                   chan_link_config *lc);

/* cfg's source.manifest read in the point's evaluation order (sim/sample.h:
 * balanced over voices and lines when scenario.utterances is below its size,
 * else manifest order). Every speaking kind reads its source through this. */
base_status sim_kind_manifest_read(const sim_config *cfg, codec_manifest **man, base_err *err);

/* Utterance u's entry of man as read by sim_kind_manifest_read (u->index
 * modulo the manifest's size): its audio path in *path, its id in u->res.id,
 * its speaker in u->res.voice, its transcript normalised (codecs/text.h,
 * malloc'd) in *ref. */
base_status sim_kind_utterance(const codec_manifest *man, sim_utt *u, const char **path, char **ref,
                               base_err *err);

/* Work buffer *p holding *cap elements of size bytes: realloc'd to n elements when
 * n > *cap (never shrunk), so each packet or frame reuses the previous allocation.
 * 0, or -1 when out of memory (then *p and *cap are unchanged). */
int sim_kind_grow(void **p, size_t *cap, size_t n, size_t size);

/* The digital links of a kind that sends frames of raw bits (codec frames,
 * text frames): one per user, lost frames left to the kind (lc.lost NULL), and
 * the bit buffers of one packet, sized for the largest user's block
 * (link.frames_per_packet x fbits). Open fills rl (zeroed first); close frees
 * it and is a no-op on a zeroed rl. */
typedef struct sim_raw_links {
    chan_link *link[SIM_MAX_USERS]; /* digital, raw payload bits */
    uint32_t *idx, *ridx;           /* (block) payload bits of one packet */
    uint8_t *valid;                 /* (block) */
    size_t cap_block;
} sim_raw_links;
base_status sim_raw_links_open(sim_raw_links *rl, const sim_config *cfg, size_t fbits,
                               base_err *err);
void sim_raw_links_close(sim_raw_links *rl);

/* Sets err (may be NULL) to code and the message, at the file:line of scenario
 * key `key`; returns code. */
base_status sim_kind_fail(const sim_scenario *sc, base_err *err, const char *key, base_status code,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
