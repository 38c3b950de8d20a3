/* agent_arch.c -- the agent's architecture fields, one table (see agent_arch.h). */
#include "codecs/agent_arch.h"

#include "base/hash.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF(f) offsetof(codec_agent_config, f)
#define R CODEC_ARCH_RECIPE
#define D CODEC_ARCH_DECODER
#define O CODEC_ARCH_OPTIONAL

/* Hashing order (the relative head's cache keys depend on it: append only). */
static const codec_arch_field fields[] = {
    {"family", "family", CODEC_ARCH_FAMILY, OFF(family), 0, CODEC_FAMILY_MAX - 1,
     CODEC_FAMILY_DWCONV, R | D},
    {"n_mels", "frontend.n_mels", CODEC_ARCH_INT, OFF(n_mels), 1, 512, 80, 0},
    {"vocab", NULL, CODEC_ARCH_INT, OFF(vocab), 2, 64, 29, 0},
    {"d", "latent_dim", CODEC_ARCH_INT, OFF(d), 1, 1024, 64, R},
    {"stride", "stride", CODEC_ARCH_INT, OFF(stride), 1, 8, 2, R},
    {"width", "arch.width", CODEC_ARCH_INT, OFF(width), 4, 2048, 256, R | D},
    {"kernel0", "arch.kernel0", CODEC_ARCH_INT, OFF(kernel0), 1, 31, 5, R},
    {"kernel", "arch.kernel", CODEC_ARCH_INT, OFF(kernel), 1, 31, 9, R | D},
    {"enc_depth", "arch.enc_depth", CODEC_ARCH_INT, OFF(enc_depth), 0, 64, 8, R},
    {"dec_depth", "arch.dec_depth", CODEC_ARCH_INT, OFF(dec_depth), 0, 64, 4, R | D},
    {"dilation_max", "arch.dilation_max", CODEC_ARCH_INT, OFF(dilation_max), 1, 64, 4, R | D},
    {"dropout", "arch.dropout", CODEC_ARCH_REAL, OFF(dropout), 0, 0.9, 0.1, R | D},
    {"upsample", "arch.upsample", CODEC_ARCH_INT, OFF(upsample), 1, 4, 1, R | D | O},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

#undef OFF
#undef R
#undef D
#undef O

size_t codec_arch_count(void)
{
    return N_FIELDS;
}

const codec_arch_field *codec_arch_at(size_t i)
{
    return i < N_FIELDS ? &fields[i] : NULL;
}

const codec_arch_field *codec_arch_find(const char *name)
{
    for (size_t i = 0; name && i < N_FIELDS; i++)
        if (!strcmp(fields[i].name, name)) return &fields[i];
    return NULL;
}

double codec_arch_get(const codec_agent_config *c, const codec_arch_field *f)
{
    const char *p = (const char *)c + f->offset;
    switch (f->type) {
    case CODEC_ARCH_FAMILY:
        return (double)*(const codec_family *)(const void *)p;
    case CODEC_ARCH_INT:
        return (double)*(const int *)(const void *)p;
    default:
        return (double)*(const float *)(const void *)p;
    }
}

void codec_arch_put(codec_agent_config *c, const codec_arch_field *f, double v)
{
    char *p = (char *)c + f->offset;
    switch (f->type) {
    case CODEC_ARCH_FAMILY:
        *(codec_family *)(void *)p = (codec_family)(int)v;
        break;
    case CODEC_ARCH_INT:
        *(int *)(void *)p = (int)v;
        break;
    default:
        *(float *)(void *)p = (float)v;
        break;
    }
}

codec_agent_config codec_arch_default(void)
{
    codec_agent_config c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < N_FIELDS; i++) codec_arch_put(&c, &fields[i], fields[i].def);
    return c;
}

static int in_bounds(const codec_arch_field *f, double v)
{
    return v >= f->lo && v <= f->hi; /* NaN fails */
}

static base_status bounds_error(const codec_arch_field *f, const char *pre, const char *got,
                                base_err *err)
{
    if (f->type == CODEC_ARCH_INT)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "%s%s must be an integer in %ld..%ld, got %s", pre, f->name,
                            (long)f->lo, (long)f->hi, got);
    return base_err_set(err, BASE_EINVAL, NULL, 0, "%s%s must be a number in %g..%g, got %s", pre,
                        f->name, f->lo, f->hi, got);
}

base_status codec_arch_set(codec_agent_config *c, const char *name, const char *value,
                           base_err *err)
{
    const codec_arch_field *f = codec_arch_find(name);
    if (!f || !(f->flags & CODEC_ARCH_RECIPE))
        return base_err_set(err, BASE_ENOTFOUND, NULL, 0, "unknown key '%s' in [agent]",
                            name ? name : "(null)");
    char got[96];
    snprintf(got, sizeof got, "'%s'", value ? value : "");
    if (f->type == CODEC_ARCH_FAMILY) {
        codec_family fam;
        base_err e2 = BASE_ERR_INIT;
        if (codec_family_parse(value, &fam, &e2))
            return base_err_set(err, BASE_EINVAL, NULL, 0, "agent.%s", e2.msg);
        codec_arch_put(c, f, fam);
        return BASE_OK;
    }
    char *end;
    errno = 0;
    double v = f->type == CODEC_ARCH_INT ? (double)strtol(value, &end, 10) : strtod(value, &end);
    int bad = errno || end == value || !isfinite(v);
    while (*end == ' ' || *end == '\t') end++;
    if (bad || *end || !in_bounds(f, v)) return bounds_error(f, "agent.", got, err);
    codec_arch_put(c, f, v);
    return BASE_OK;
}

base_status codec_arch_check(const codec_agent_config *c, base_err *err)
{
    if (!c) return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: NULL config");
    for (size_t i = 0; i < N_FIELDS; i++) {
        const codec_arch_field *f = &fields[i];
        double v = codec_arch_get(c, f);
        if (f->type == CODEC_ARCH_FAMILY && !codec_family_get((codec_family)(int)v)) {
            char names[256];
            codec_family_names(names, sizeof names);
            return base_err_set(err, BASE_EINVAL, NULL, 0, "agent: %s must be %s, got %d", f->name,
                                names, (int)v);
        }
        if (in_bounds(f, v)) continue;
        char got[64];
        snprintf(got, sizeof got, f->type == CODEC_ARCH_REAL ? "%g" : "%.0f", v);
        return bounds_error(f, "agent: ", got, err);
    }
    return BASE_OK;
}

uint64_t codec_arch_hash(uint64_t h, const codec_agent_config *c)
{
    for (size_t i = 0; i < N_FIELDS; i++) {
        const codec_arch_field *f = &fields[i];
        double v = codec_arch_get(c, f);
        if ((f->flags & CODEC_ARCH_OPTIONAL) && v == f->def) continue;
        switch (f->type) {
        case CODEC_ARCH_FAMILY:
            h = base_hash_str(h, codec_family_name((codec_family)(int)v));
            break;
        case CODEC_ARCH_INT:
            h = base_hash_u64(h, (uint64_t)(int64_t)v);
            break;
        default:
            h = base_hash_double(h, v);
            break;
        }
    }
    return h;
}

int codec_arch_equal(const codec_agent_config *a, const codec_agent_config *b)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (codec_arch_get(a, &fields[i]) != codec_arch_get(b, &fields[i])) return 0;
    return 1;
}
