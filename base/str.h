/* str.h -- the string helpers the readers share (base/ini, sim/scenario,
 * sim/sweepspec): bounded copy and in-place trim. */
#ifndef BASE_STR_H
#define BASE_STR_H

#include <stddef.h>

/* Copies src (NULL: "") into dst of n > 0 bytes, truncated to n - 1 bytes and
 * always terminated. */
void base_str_copy(char *dst, size_t n, const char *src);

/* Removes leading and trailing white space (isspace) from s, in place. */
void base_str_trim(char *s);

#endif
