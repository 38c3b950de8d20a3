/* textcode.c -- static canonical Huffman code over the normalised character
 * set, framed so a lost frame loses only its characters. See textcode.h. */
#include "codecs/textcode.h"

#include <stdlib.h>
#include <string.h>

#include "codecs/vocab.h"

#define NS CODEC_TEXTCODE_SYMBOLS

/* data/harvard.txt lines 1-500 (the training split), normalised by
 * codecs/text.h: EOT (one per line), space, apostrophe, 'a'..'z'. The +1 per
 * symbol is added in create. tests/codecs/test_textcode.c recomputes these. */
static const uint32_t train_counts[NS] = {500,  3450, 11,   1192, 239, 433, 653, 2106, 389, 296,
                                          1135, 820,  24,   236,  672, 267, 830, 1069, 326, 11,
                                          927,  1070, 1596, 379,  105, 413, 20,  211,  30};

struct codec_textcode {
    unsigned len[NS];                           /* code length of each symbol */
    uint32_t code[NS];                          /* canonical code, the low len[s] bits, MSB first */
    unsigned max_len;                           /* longest code */
    int sorted[NS];                             /* symbols in (length, symbol) order */
    uint32_t first[CODEC_TEXTCODE_MAX_LEN + 1]; /* first code of each length */
    unsigned count[CODEC_TEXTCODE_MAX_LEN + 1]; /* codes of each length */
    unsigned offset[CODEC_TEXTCODE_MAX_LEN + 1]; /* index into sorted */
};

const uint32_t *codec_textcode_counts(void)
{
    return train_counts;
}

/* Huffman code lengths: repeatedly join the two lightest nodes (ties: the
 * node made first, leaves in symbol order before any join). */
static void huffman_lengths(const uint64_t *w0, unsigned *len)
{
    uint64_t w[2 * NS];
    int parent[2 * NS], alive[2 * NS];
    int n = NS;
    for (int i = 0; i < NS; i++) {
        w[i] = w0[i];
        alive[i] = 1;
        parent[i] = -1;
    }
    for (int joins = 0; joins < NS - 1; joins++) {
        int a = -1, b = -1;
        for (int i = 0; i < n; i++) {
            if (!alive[i]) continue;
            if (a < 0 || w[i] < w[a]) {
                b = a;
                a = i;
            } else if (b < 0 || w[i] < w[b])
                b = i;
        }
        w[n] = w[a] + w[b];
        alive[n] = 1;
        parent[n] = -1;
        alive[a] = alive[b] = 0;
        parent[a] = parent[b] = n;
        n++;
    }
    for (int s = 0; s < NS; s++) {
        unsigned d = 0;
        for (int i = s; parent[i] >= 0; i = parent[i]) d++;
        len[s] = d;
    }
}

codec_textcode *codec_textcode_create(const uint32_t *counts, base_err *err)
{
    uint64_t w[NS];
    for (int s = 0; s < NS; s++) {
        if (counts && !counts[s]) {
            base_err_set(err, BASE_EINVAL, NULL, 0, "text code: symbol %d has count 0", s);
            return NULL;
        }
        w[s] = counts ? counts[s] : (uint64_t)train_counts[s] + 1;
    }
    codec_textcode *tc = calloc(1, sizeof *tc);
    if (!tc) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    huffman_lengths(w, tc->len);
    for (int s = 0; s < NS; s++) {
        if (tc->len[s] > CODEC_TEXTCODE_MAX_LEN) {
            base_err_set(err, BASE_EINVAL, NULL, 0, "text code: a code is longer than %d bits",
                         CODEC_TEXTCODE_MAX_LEN);
            goto fail;
        }
        if (tc->len[s] > tc->max_len) tc->max_len = tc->len[s];
    }
    /* canonical codes in (length, symbol) order */
    unsigned k = 0;
    for (unsigned l = 1; l <= tc->max_len; l++)
        for (int s = 0; s < NS; s++)
            if (tc->len[s] == l) tc->sorted[k++] = s;
    uint32_t code = 0;
    unsigned prev = tc->len[tc->sorted[0]];
    for (unsigned i = 0; i < NS; i++) {
        int s = tc->sorted[i];
        code <<= tc->len[s] - prev;
        prev = tc->len[s];
        if (!tc->count[prev]) {
            tc->first[prev] = code;
            tc->offset[prev] = i;
        }
        tc->count[prev]++;
        tc->code[s] = code++;
    }
    return tc;
fail:
    codec_textcode_destroy(tc);
    return NULL;
}

void codec_textcode_destroy(codec_textcode *tc)
{
    free(tc);
}

unsigned codec_textcode_length(const codec_textcode *tc, int s)
{
    return s >= 0 && s < NS ? tc->len[s] : 0;
}

unsigned codec_textcode_max_length(const codec_textcode *tc)
{
    return tc->max_len;
}

/* Symbol of a normalised character: vocab index (space, ', a-z), or -1. */
static int symbol_of(char c)
{
    int k = codec_vocab_index((unsigned char)c);
    return k >= CODEC_VOCAB_SPACE && !(c >= 'A' && c <= 'Z') ? k : -1;
}

/* Walks the framing: writes bits when out is non-NULL; returns the frames
 * used, 0 for a character outside the alphabet or frames that are too short. */
static size_t frame_walk(const codec_textcode *tc, const char *text, size_t fb, uint8_t *out,
                         size_t cap_frames)
{
    if (fb < tc->max_len) return 0;
    size_t f = 0, used = 0;
    for (const char *p = text;; p++) {
        int s = *p ? symbol_of(*p) : CODEC_TEXTCODE_EOT;
        if (s < 0) return 0;
        unsigned l = tc->len[s];
        if (used + l > fb) { /* close the frame with a (truncated) EOT */
            if (out) /* the EOT code's first bits, then zeros if the frame has room to spare */
                for (size_t i = used; i < fb; i++) {
                    size_t k = i - used, le = tc->len[CODEC_TEXTCODE_EOT];
                    out[f * fb + i] =
                        k < le ? (uint8_t)((tc->code[CODEC_TEXTCODE_EOT] >> (le - 1 - k)) & 1u) : 0;
                }
            f++;
            used = 0;
        }
        if (out && f >= cap_frames) return 0;
        if (out)
            for (unsigned i = 0; i < l; i++)
                out[f * fb + used + i] = (tc->code[s] >> (l - 1 - i)) & 1u;
        used += l;
        if (s == CODEC_TEXTCODE_EOT) break;
    }
    if (out)
        for (size_t i = used; i < fb; i++) out[f * fb + i] = 0; /* after the text's EOT */
    return f + 1;
}

size_t codec_textcode_frames(const codec_textcode *tc, const char *text, size_t frame_bits)
{
    return tc && text ? frame_walk(tc, text, frame_bits, NULL, 0) : 0;
}

base_status codec_textcode_encode(const codec_textcode *tc, const char *text, size_t frame_bits,
                                  uint8_t *bits, size_t n_frames, base_err *err)
{
    if (!tc || !text || !bits || !n_frames ||
        codec_textcode_frames(tc, text, frame_bits) != n_frames ||
        frame_walk(tc, text, frame_bits, bits, n_frames) != n_frames)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "text code: text outside the alphabet, frame_bits below the longest "
                            "code, or the wrong frame count");
    return BASE_OK;
}

/* Appends c to out (cap bytes), collapsing spaces and dropping a leading one;
 * *n counts the characters the whole text needs. */
static void put(char *out, size_t cap, size_t *n, char c)
{
    if (c == ' ' && (*n == 0 || (*n <= cap - 1 && *n > 0 && out[*n - 1] == ' '))) return;
    if (*n + 1 < cap) out[*n] = c;
    (*n)++;
}

size_t codec_textcode_decode(const codec_textcode *tc, const uint8_t *bits, const uint8_t *lost,
                             size_t n_frames, size_t frame_bits, char *out, size_t cap)
{
    size_t n = 0;
    int done = 0;
    if (!cap) return 0;
    for (size_t f = 0; f < n_frames && !done; f++) {
        if (lost && lost[f]) {
            put(out, cap, &n, ' ');
            continue;
        }
        const uint8_t *b = bits + f * frame_bits;
        uint32_t code = 0;
        unsigned l = 0;
        for (size_t i = 0; i < frame_bits; i++) {
            code = code << 1 | (b[i] & 1u);
            l++;
            if (l > tc->max_len) break; /* cannot happen for a complete code */
            if (!tc->count[l] || code - tc->first[l] >= tc->count[l] || code < tc->first[l])
                continue;
            int s = tc->sorted[tc->offset[l] + (code - tc->first[l])];
            code = 0;
            l = 0;
            if (s == CODEC_TEXTCODE_EOT) break; /* end of frame (or of the text) */
            put(out, cap, &n, codec_vocab_char(s));
        }
        if (f + 1 == n_frames) done = 1;
    }
    if (n && n <= cap - 1 && out[n - 1] == ' ') n--; /* trailing word break */
    out[n < cap ? n : cap - 1] = '\0';
    return n;
}
