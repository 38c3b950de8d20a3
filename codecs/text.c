/* text.c -- text normalisation for scoring and training; rules in text.h. */
#include "codecs/text.h"

#include <stdlib.h>
#include <string.h>

static const char *const digit_names[10] = {"zero", "one", "two",   "three", "four",
                                            "five", "six", "seven", "eight", "nine"};

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length in bytes of the apostrophe at s (ASCII ' or UTF-8 U+2019), else 0. */
static size_t apostrophe_len(const unsigned char *s)
{
    if (s[0] == '\'') return 1;
    if (s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0x99) return 3;
    return 0;
}

int codec_text_is_symbol(int c)
{
    return (c >= 'a' && c <= 'z') || c == '\'' || c == ' ';
}

base_status codec_text_normalise(const char *in, char **out, base_err *err)
{
    if (!in || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_text_normalise: NULL");
    *out = NULL;
    /* Worst case is a string of digits: "d" -> " seven " (7 bytes each). */
    size_t len = strlen(in);
    char *o = malloc(7 * len + 1);
    if (!o) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory normalising text");
    size_t k = 0;
    int pending_space = 0; /* a word break seen since the last symbol written */
    const unsigned char *s = (const unsigned char *)in;
    while (*s) {
        unsigned char c = *s;
        size_t al = apostrophe_len(s);
        if (is_alpha(c)) {
            if (pending_space && k > 0) o[k++] = ' ';
            pending_space = 0;
            o[k++] = (char)(c | 0x20);
            s++;
        } else if (c >= '0' && c <= '9') {
            if (k > 0) o[k++] = ' ';
            const char *w = digit_names[c - '0'];
            size_t wl = strlen(w);
            memcpy(o + k, w, wl);
            k += wl;
            pending_space = 1;
            s++;
        } else if (al) {
            /* Keep only inside a word: letter before (no break) and letter after. */
            if (k > 0 && !pending_space && is_alpha((unsigned char)o[k - 1]) && is_alpha(s[al]))
                o[k++] = '\'';
            s += al;
        } else if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
                   c == '\f') {
            pending_space = 1;
            s++;
        } else {
            s++; /* punctuation and other non-ASCII bytes vanish without a break */
        }
    }
    o[k] = 0;
    *out = o;
    return BASE_OK;
}
