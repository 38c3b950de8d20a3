/* test_agent_arch.c -- codecs/agent_arch: the agent's field table (defaults,
 * recipe keys, bounds, hashing, equality, model-file attributes); codecs/family
 * has tests/codecs/test_family.c. */
#include "codecs/agent_arch.h"
#include "codecs/family.h"
#include "codecs/modelfile.h"
#include "base/hash.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

/* The table gives agent A's shape, and every field has a distinct name. */
static void test_defaults(void)
{
    codec_agent_config c = codec_arch_default(), d = codec_agent_config_default();
    CU_ASSERT_EQUAL(c.family, CODEC_FAMILY_DWCONV);
    CU_ASSERT_EQUAL(c.d, 64);
    CU_ASSERT_EQUAL(c.width, 256);
    CU_ASSERT_EQUAL(c.upsample, 1);
    CU_ASSERT_EQUAL(c.dropout, 0.1f);
    CU_ASSERT(codec_arch_equal(&c, &d));
    CU_ASSERT_EQUAL(codec_arch_check(&c, NULL), BASE_OK);
    for (size_t i = 0; i < codec_arch_count(); i++) {
        const codec_arch_field *f = codec_arch_at(i);
        CU_ASSERT_PTR_EQUAL(codec_arch_find(f->name), f);
        CU_ASSERT(f->def >= f->lo && f->def <= f->hi);
    }
    CU_ASSERT_PTR_NULL(codec_arch_at(codec_arch_count()));
    CU_ASSERT_PTR_NULL(codec_arch_find("depth"));
}

typedef struct set_case {
    const char *key, *value;
    base_status want;
    const char *msg; /* in the error message */
} set_case;

static void test_set(void)
{
    static const set_case cases[] = {
        {"width", "128", BASE_OK, NULL},
        {"dropout", "0.25", BASE_OK, NULL},
        {"family", "conv", BASE_OK, NULL},
        {"upsample", "2", BASE_OK, NULL},
        {"depth", "4", BASE_ENOTFOUND, "unknown key 'depth'"},  /* unknown field */
        {"vocab", "30", BASE_ENOTFOUND, "unknown key 'vocab'"}, /* not a recipe key */
        {"width", "3", BASE_EINVAL, "agent.width must be an integer in 4..2048, got '3'"},
        {"width", "4096", BASE_EINVAL, "agent.width"},
        {"width", "12x", BASE_EINVAL, "agent.width"},
        {"width", "", BASE_EINVAL, "agent.width"},
        {"dropout", "0.95", BASE_EINVAL, "agent.dropout must be a number in 0..0.9"},
        {"dropout", "nan", BASE_EINVAL, "agent.dropout"},
        {"stride", "0", BASE_EINVAL, "agent.stride"},
        {"family", "gru", BASE_EINVAL, "agent.family must be dwconv or conv, got 'gru'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const set_case *k = &cases[i];
        codec_agent_config c = codec_arch_default();
        base_err e = BASE_ERR_INIT;
        base_status st = codec_arch_set(&c, k->key, k->value, &e);
        if (st != k->want || (k->msg && !strstr(e.msg, k->msg)))
            fprintf(stderr, "  %s = '%s': got %d '%s'\n", k->key, k->value, (int)st, e.msg);
        CU_ASSERT_EQUAL(st, k->want);
        if (k->msg) CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, k->msg));
    }
    codec_agent_config c = codec_arch_default();
    CU_ASSERT_EQUAL(codec_arch_set(&c, "width", "128", NULL), BASE_OK);
    CU_ASSERT_EQUAL(c.width, 128);
    CU_ASSERT_EQUAL(codec_arch_set(&c, "family", "conv", NULL), BASE_OK);
    CU_ASSERT_EQUAL(c.family, CODEC_FAMILY_CONV);
}

static void test_check(void)
{
    codec_agent_config c = codec_arch_default();
    base_err e = BASE_ERR_INIT;
    c.kernel = 40;
    CU_ASSERT_EQUAL(codec_arch_check(&c, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "kernel must be an integer in 1..31, got 40"));
    c = codec_arch_default();
    c.family = (codec_family)codec_family_count(); /* no such row */
    CU_ASSERT_EQUAL(codec_arch_check(&c, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "family"));
    c = codec_arch_default();
    c.dropout = -0.5f;
    CU_ASSERT_EQUAL(codec_agent_config_check(&c, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "dropout"));
}

/* The hash is the relative head's cache key: its byte layout must not move.
 * Reference: the layout hashed by hand, as anchors/relhead did before the table. */
static void test_hash(void)
{
    codec_agent_config c = codec_arch_default();
    uint64_t h = base_hash_str(BASE_HASH_INIT, "dwconv");
    const int f[] = {c.n_mels,  c.vocab,  c.d,         c.stride,    c.width,
                     c.kernel0, c.kernel, c.enc_depth, c.dec_depth, c.dilation_max};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) h = base_hash_u64(h, (uint64_t)f[i]);
    h = base_hash_double(h, c.dropout);
    CU_ASSERT_EQUAL(codec_arch_hash(BASE_HASH_INIT, &c), h);
    /* an optional field enters only when off its default */
    c.upsample = 2;
    CU_ASSERT_EQUAL(codec_arch_hash(BASE_HASH_INIT, &c), base_hash_u64(h, 2));
    codec_agent_config d = codec_arch_default();
    CU_ASSERT(!codec_arch_equal(&c, &d));
    d.upsample = 2;
    CU_ASSERT(codec_arch_equal(&c, &d));
}

static void test_model_attributes(void)
{
    codec_model *m = codec_model_create(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    codec_agent_config c = codec_arch_default(), d;
    c.family = CODEC_FAMILY_CONV, c.width = 96, c.dropout = 0.2f;
    CU_ASSERT_EQUAL(codec_arch_save(&c, m, 0, NULL), BASE_OK);
    const char *s;
    CU_ASSERT_EQUAL(codec_model_get_str(m, "family", &s, NULL), BASE_OK);
    CU_ASSERT_STRING_EQUAL(s, "conv");
    CU_ASSERT(codec_model_has_attr(m, "latent_dim"));
    CU_ASSERT(codec_model_has_attr(m, "arch.width"));
    CU_ASSERT(!codec_model_has_attr(m, "vocab")); /* the caller's */
    memset(&d, 0, sizeof d);
    d.vocab = c.vocab;
    CU_ASSERT_EQUAL(codec_arch_load(m, &d, 0, NULL), BASE_OK);
    CU_ASSERT(codec_arch_equal(&c, &d));
    codec_model_destroy(m);
    /* the decoder's fields only; an absent optional field loads as its default */
    m = codec_model_create(NULL);
    c.upsample = 3;
    CU_ASSERT_EQUAL(codec_arch_save(&c, m, CODEC_ARCH_DECODER, NULL), BASE_OK);
    CU_ASSERT(!codec_model_has_attr(m, "latent_dim"));
    CU_ASSERT(codec_model_has_attr(m, "arch.upsample"));
    codec_model_destroy(m);
    m = codec_model_create(NULL); /* a file from before arch.upsample existed */
    codec_model_set_str(m, "family", "conv", NULL);
    codec_model_set_int(m, "arch.width", 9999, NULL);
    codec_model_set_int(m, "arch.kernel", 5, NULL);
    codec_model_set_int(m, "arch.dec_depth", 2, NULL);
    codec_model_set_int(m, "arch.dilation_max", 2, NULL);
    codec_model_set_double(m, "arch.dropout", 0.1, NULL);
    d = codec_arch_default();
    d.upsample = 4;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_NOT_EQUAL(codec_arch_load(m, &d, CODEC_ARCH_DECODER, &e), BASE_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "arch.width"));
    CU_ASSERT_EQUAL(codec_model_set_int(m, "arch.width", 96, NULL), BASE_OK);
    CU_ASSERT_EQUAL(codec_arch_load(m, &d, CODEC_ARCH_DECODER, NULL), BASE_OK);
    CU_ASSERT_EQUAL(d.width, 96);
    CU_ASSERT_EQUAL(d.upsample, 1);
    CU_ASSERT_EQUAL(d.family, CODEC_FAMILY_CONV);
    codec_model_destroy(m);
}

int main(void)
{
    static const test_case cases[] = {
        {"defaults", test_defaults},
        {"recipe keys: unknown, out of bounds", test_set},
        {"bounds check", test_check},
        {"hash layout (cache keys)", test_hash},
        {"model-file attributes", test_model_attributes},
        {NULL, NULL},
    };
    return test_main("agent_arch", cases);
}
