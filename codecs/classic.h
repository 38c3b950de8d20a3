/* classic.h -- classic speech codecs as baselines: Codec2 and Opus.
 *
 * Pipeline position: the "existing method" branch of a scenario. Instead of the
 * agent's latents, the transmitter sends the speech itself, compressed by a
 * classic codec, over the same digital link; the receiving agent then runs its
 * own encoder and decoder on the decoded audio (source.kind = codec2-3200,
 * codec2-1200, codec2-700c, opus-N in CONTRACT.md).
 *
 * Audio in and out is 16 kHz mono float in [-1, 1]. Codec2 works at 8 kHz: the
 * object decimates/interpolates by 2 with liquid-dsp's half-band resampler.
 * Opus runs at 16 kHz, CBR, 20 ms frames.
 *
 * The payload is a sequence of frames of codec_classic_frame_bits(q) bits, each
 * stored in codec_classic_frame_bytes(q) bytes (MSB first, unused low bits of
 * the last byte zero). A frame the link lost (CRC failure) is flagged in
 * `lost`: Opus conceals it with its own packet-loss concealment; Codec2 has
 * none, so the last good frame is repeated (silence if there was none).
 *
 * Determinism: libcodec2's decoder draws random phases from a generator with
 * process-global state (codec2_rand), so the same bits would decode differently
 * depending on what the process decoded before. codec_classic_decode therefore
 * runs the Codec2 decoder in a forked child, which starts from the parent's
 * untouched generator state every time: identical output for identical bits,
 * whatever the history and the thread count. The encoders are deterministic.
 */
#ifndef CODEC_CLASSIC_H
#define CODEC_CLASSIC_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct codec_classic codec_classic;

/* name: "codec2-3200", "codec2-1200", "codec2-700c" or "opus-N" with N the
 * bit rate in kbit/s, 6..64. */
codec_classic *codec_classic_create(const char *name, base_err *err);
void codec_classic_destroy(codec_classic *q);

const char *codec_classic_name(const codec_classic *q);
/* Payload bits per frame (e.g. 64 for codec2-3200, 150 for opus-6). */
size_t codec_classic_frame_bits(const codec_classic *q);
size_t codec_classic_frame_bytes(const codec_classic *q);
/* Frame duration in seconds (0.02 or 0.04). */
double codec_classic_frame_seconds(const codec_classic *q);
/* Samples per frame at 16 kHz. */
size_t codec_classic_frame_samples(const codec_classic *q);
/* Frames needed for n samples at 16 kHz (the last one zero-padded). */
size_t codec_classic_frames(const codec_classic *q, size_t n);
/* Payload bit rate, bit/s. */
double codec_classic_bitrate(const codec_classic *q);

/* Encode x (n samples, 16 kHz) into frames: bits holds
 * codec_classic_frames(q,n) * codec_classic_frame_bytes(q) bytes.
 * Resets the encoder first, so utterances are independent. */
base_status codec_classic_encode(codec_classic *q, const float *x, size_t n, uint8_t *bits,
                                 base_err *err);

/* Decode nframes frames (lost may be NULL: none lost) into out, n samples at
 * 16 kHz (n <= nframes * frame_samples; the rest is cut). Resets the decoder
 * first. */
base_status codec_classic_decode(codec_classic *q, const uint8_t *bits, const uint8_t *lost,
                                 size_t nframes, float *out, size_t n, base_err *err);

#endif
