/* textcode.h -- the text code of source.kind = text: a static canonical
 * Huffman code over the normalised character set, cut into fixed-size frames
 * that each hold whole characters, so a frame lost on the link loses exactly
 * its own characters.
 *
 * Where it sits: sim/kind_text.c codes the transmitter's transcript with it,
 * sends each frame's bits as raw payload through the digital link
 * (channel/digital.h chan_digital_execute_raw: sequence header, CRC, FEC,
 * modulation) and decodes what arrived.
 *
 * The code (docs/simulator.md, "Text"):
 *   alphabet  29 symbols: 0 = end of text (EOT), 1 = space, 2 = apostrophe,
 *             3..28 = 'a'..'z' (codecs/vocab.h's indices, the CTC blank's
 *             slot reused for EOT);
 *   counts    the symbols' counts in the TRAINING text, data/harvard.txt lines
 *             1-500 after codecs/text.h normalisation (one EOT per line), plus
 *             one for every symbol so each has a code (codec_textcode_counts;
 *             tests/codecs/test_textcode.c recomputes them from the file);
 *   lengths   Huffman code lengths from those counts (ties: the lower count
 *             first, then the lower symbol index), codes assigned canonically
 *             in (length, symbol) order, MSB first.
 * Framing: a text is coded as F >= 1 frames of frame_bits bits each. Whole
 * characters are packed into a frame while they fit; then EOT is written,
 * truncated to the bits left in the frame (a Huffman code is prefix-free, so
 * a truncated EOT never decodes as a character): the decoder reads codewords
 * until EOT or the frame's end. The text ends with EOT (a frame of its own
 * when the last one is full); the empty text is one frame holding EOT.
 * Receiving: a frame marked lost (its packet failed the CRC or header check)
 * contributes one word break in place of its characters, so the words on
 * either side do not merge; runs of spaces collapse (codecs/text.h).
 */
#ifndef CODEC_TEXTCODE_H
#define CODEC_TEXTCODE_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

enum { CODEC_TEXTCODE_SYMBOLS = 29, CODEC_TEXTCODE_EOT = 0, CODEC_TEXTCODE_MAX_LEN = 24 };

typedef struct codec_textcode codec_textcode;

/* The committed training counts, indexed by symbol (CODEC_TEXTCODE_SYMBOLS). */
const uint32_t *codec_textcode_counts(void);

/* The code of the committed counts (counts NULL) or of counts[29] (each >= 1).
 * BASE_EINVAL for a zero count or a code longer than CODEC_TEXTCODE_MAX_LEN. */
codec_textcode *codec_textcode_create(const uint32_t *counts, base_err *err);
void codec_textcode_destroy(codec_textcode *tc); /* NULL is a no-op */

/* Code length in bits of symbol s (0 for s out of range), and the longest. */
unsigned codec_textcode_length(const codec_textcode *tc, int s);
unsigned codec_textcode_max_length(const codec_textcode *tc);

/* Frames of frame_bits bits that text (normalised: a-z, ', space) needs. 0
 * when a character is outside the alphabet or frame_bits < the longest code. */
size_t codec_textcode_frames(const codec_textcode *tc, const char *text, size_t frame_bits);

/* Codes text into n_frames * frame_bits bits (one per byte, 0 or 1) in bits;
 * n_frames must be codec_textcode_frames(...). BASE_EINVAL otherwise. */
base_status codec_textcode_encode(const codec_textcode *tc, const char *text, size_t frame_bits,
                                  uint8_t *bits, size_t n_frames, base_err *err);

/* Decodes n_frames frames (bits as encode writes them; lost[f] != 0: frame f
 * was lost, NULL: none) into out (cap bytes, NUL-terminated, spaces
 * collapsed, trimmed). Returns the characters the whole text needs (may exceed
 * cap - 1; then out is truncated). */
size_t codec_textcode_decode(const codec_textcode *tc, const uint8_t *bits, const uint8_t *lost,
                             size_t n_frames, size_t frame_bits, char *out, size_t cap);

#endif
