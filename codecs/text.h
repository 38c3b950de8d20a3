/* text.h -- text normalisation for scoring and training.
 *
 * Transcripts (manifest TRANSCRIPT fields, TTS text lines, recogniser output)
 * pass through codec_text_normalise before the CTC alphabet sees them and
 * before scoring, so reference and hypothesis use the same 28 symbols:
 * 'a'-'z', apostrophe and space. The rules, applied left to right:
 *   - ASCII letters are lower-cased;
 *   - each digit 0-9 becomes its English name as a separate word
 *     ("4x4" -> "four x four"; numbers are NOT read as numbers: "42" ->
 *     "four two"). Harvard sentences contain no digits; this keeps any digit
 *     inside the alphabet instead of silently losing it;
 *   - the apostrophe ' and the typographic apostrophe U+2019 are kept as ' when
 *     between two letters ("it's"), dropped elsewhere ('quoted' -> quoted);
 *   - hyphen, tab, newline and other whitespace become a word break;
 *   - every other character (punctuation, any other non-ASCII UTF-8
 *     character) is removed without a word break ("U.S." -> "us");
 *   - runs of spaces collapse to one; leading/trailing spaces are trimmed.
 * The result may be empty. See docs/text.md.
 */
#ifndef CODEC_TEXT_H
#define CODEC_TEXT_H

#include "base/status.h"

#include <stddef.h>

/* Normalise the NUL-terminated UTF-8 string `in`. On success *out is a
 * malloc'd NUL-terminated string (caller frees). BASE_EINVAL on NULL args,
 * BASE_ENOMEM when allocation fails. */
base_status codec_text_normalise(const char *in, char **out, base_err *err);

/* Whether c is one of the normalised alphabet's symbols (a-z, ', space). */
int codec_text_is_symbol(int c);

#endif
