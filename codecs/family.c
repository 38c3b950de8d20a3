/* family.c -- the agent families' table (see family.h): one row per family,
 * each a codec_family_ops defined in its codecs/family_NAME.c. */
#include "codecs/family.h"

#include "codecs/family_conv.h"
#include "codecs/family_dwconv.h"

#include <stdio.h>
#include <string.h>

/* Row i is codec_family i; the first two are fixed (CODEC_FAMILY_DWCONV,
 * CODEC_FAMILY_CONV), new families append. */
static const codec_family_ops *const families[] = {
    &codec_family_dwconv,
    &codec_family_conv,
};
#define N_FAMILIES ((int)(sizeof families / sizeof families[0]))

_Static_assert(N_FAMILIES <= CODEC_FAMILY_MAX, "raise CODEC_FAMILY_MAX");

int codec_family_count(void)
{
    return N_FAMILIES;
}

const codec_family_ops *codec_family_get(codec_family f)
{
    return (unsigned)f < (unsigned)N_FAMILIES ? families[f] : NULL;
}

const char *codec_family_name(codec_family f)
{
    const codec_family_ops *o = codec_family_get(f);
    return o ? o->name : NULL;
}

void codec_family_names(char *buf, size_t n)
{
    size_t k = 0;
    if (n) buf[0] = 0;
    for (int i = 0; i < N_FAMILIES && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? " or " : "", families[i]->name);
}

base_status codec_family_parse(const char *s, codec_family *f, base_err *err)
{
    for (int i = 0; s && i < N_FAMILIES; i++)
        if (!strcmp(s, families[i]->name)) {
            *f = (codec_family)i;
            return BASE_OK;
        }
    char names[256];
    codec_family_names(names, sizeof names);
    return base_err_set(err, BASE_EINVAL, NULL, 0, "family must be %s, got '%s'", names,
                        s ? s : "(null)");
}
