/* vocab.h -- the character vocabulary every agent's CTC output uses.
 *
 * Fixed for all agents, decoders and model files (V = 29):
 *   index 0      CTC blank
 *   index 1      space (word separator)
 *   index 2      apostrophe
 *   index 3..28  'a'..'z'
 * Transcripts are lower-cased and reduced to these characters before training
 * (codec_vocab_encode); the decoder maps indices back with codec_vocab_char.
 */
#ifndef CODECS_VOCAB_H
#define CODECS_VOCAB_H

#include <stddef.h>

enum {
    CODEC_VOCAB_SIZE = 29,
    CODEC_VOCAB_BLANK = 0,
    CODEC_VOCAB_SPACE = 1,
    CODEC_VOCAB_APOSTROPHE = 2,
    CODEC_VOCAB_A = 3, /* 'a'; 'z' is CODEC_VOCAB_A + 25 = 28 */
};

/* Character of index i (0 <= i < 29): ' ' for 1, '\'' for 2, 'a'..'z' for 3..28,
 * '_' for the blank; '?' for an out-of-range index. */
static inline char codec_vocab_char(int i)
{
    if (i == CODEC_VOCAB_BLANK) return '_';
    if (i == CODEC_VOCAB_SPACE) return ' ';
    if (i == CODEC_VOCAB_APOSTROPHE) return '\'';
    if (i >= CODEC_VOCAB_A && i < CODEC_VOCAB_SIZE) return (char)('a' + i - CODEC_VOCAB_A);
    return '?';
}

/* Index of character c: letters (either case) -> 3..28, '\'' -> 2, ' ' -> 1;
 * -1 for any other character (not in the vocabulary). */
static inline int codec_vocab_index(int c)
{
    if (c >= 'a' && c <= 'z') return CODEC_VOCAB_A + (c - 'a');
    if (c >= 'A' && c <= 'Z') return CODEC_VOCAB_A + (c - 'A');
    if (c == '\'') return CODEC_VOCAB_APOSTROPHE;
    if (c == ' ') return CODEC_VOCAB_SPACE;
    return -1;
}

/* Label sequence of a transcript for CTC: letters and apostrophes kept,
 * every run of other characters (spaces, punctuation, digits) becomes one space,
 * leading/trailing spaces dropped. Writes at most cap labels to out and returns
 * the number the full transcript needs (may exceed cap; then out is truncated). */
static inline size_t codec_vocab_encode(const char *text, int *out, size_t cap)
{
    size_t n = 0;
    int pending_space = 0;
    for (const char *p = text; *p; p++) {
        int k = codec_vocab_index((unsigned char)*p);
        if (k <= CODEC_VOCAB_SPACE) { /* space or other: word boundary */
            pending_space = n > 0;
            continue;
        }
        if (pending_space) {
            if (n < cap) out[n] = CODEC_VOCAB_SPACE;
            n++;
            pending_space = 0;
        }
        if (n < cap) out[n] = k;
        n++;
    }
    return n;
}

#endif
