/* family.h -- the agent families: how an agent's residual blocks are built.
 * A family is an enum value with one row in codecs/family.c's table (its
 * name in recipes and model files, and the block structure it selects in
 * codecs/agent.c); a third family joins with one row there plus its blocks.
 *   dwconv  depthwise-separable blocks (depthwise conv, then a 1x1 conv)
 *   conv    full convolutions (every channel to every channel)
 */
#ifndef CODECS_FAMILY_H
#define CODECS_FAMILY_H

#include "base/status.h"

#include <stddef.h>

typedef enum codec_family {
    CODEC_FAMILY_DWCONV = 0,
    CODEC_FAMILY_CONV,
    CODEC_FAMILY_COUNT
} codec_family;

/* "dwconv", "conv"; NULL for a value outside the enum. */
const char *codec_family_name(codec_family f);
/* 1 when the family's blocks are depthwise-separable. */
int codec_family_depthwise(codec_family f);
/* By name; BASE_EINVAL listing the names when s is none of them. */
base_status codec_family_parse(const char *s, codec_family *f, base_err *err);
/* The names separated by " or " ("dwconv or conv") into buf (n bytes), for messages. */
void codec_family_names(char *buf, size_t n);

#endif
