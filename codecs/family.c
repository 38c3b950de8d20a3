/* family.c -- the agent families' table (see family.h). */
#include "codecs/family.h"

#include <stdio.h>
#include <string.h>

typedef struct family_row {
    const char *name;
    int depthwise;
} family_row;

/* One row per codec_family, in enum order. */
static const family_row families[CODEC_FAMILY_COUNT] = {
    [CODEC_FAMILY_DWCONV] = {"dwconv", 1},
    [CODEC_FAMILY_CONV] = {"conv", 0},
};

const char *codec_family_name(codec_family f)
{
    return (unsigned)f < CODEC_FAMILY_COUNT ? families[f].name : NULL;
}

int codec_family_depthwise(codec_family f)
{
    return (unsigned)f < CODEC_FAMILY_COUNT && families[f].depthwise;
}

void codec_family_names(char *buf, size_t n)
{
    size_t k = 0;
    if (n) buf[0] = 0;
    for (int i = 0; i < CODEC_FAMILY_COUNT && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? " or " : "", families[i].name);
}

base_status codec_family_parse(const char *s, codec_family *f, base_err *err)
{
    for (int i = 0; s && i < CODEC_FAMILY_COUNT; i++)
        if (!strcmp(s, families[i].name)) {
            *f = (codec_family)i;
            return BASE_OK;
        }
    char names[128];
    codec_family_names(names, sizeof names);
    return base_err_set(err, BASE_EINVAL, NULL, 0, "family must be %s, got '%s'", names,
                        s ? s : "(null)");
}
