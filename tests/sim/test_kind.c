/* test_kind.c -- the kind table (sim/kind) and its dispatcher (sim/pipeline):
 * every row has all its callbacks, the names listed are the rows' in order,
 * families match by prefix, an unknown kind is an error at check and create,
 * and the bits row runs a packet (the same bits twice for the same seed). */
#include "sim/kind.h"
#include "sim/kind_common.h"
#include "sim/pipeline.h"
#include "sim/resources.h"
#include "tests/testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void test_rows_complete(void)
{
    CU_ASSERT(sim_kind_count() >= 6);
    const char *const *names = sim_kind_names();
    size_t i = 0;
    for (; i < sim_kind_count(); i++) {
        const sim_kind *k = sim_kind_at(i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(k);
        CU_ASSERT_PTR_NOT_NULL_FATAL(names[i]);
        CU_ASSERT_STRING_EQUAL(k->name, names[i]);
        CU_ASSERT(k->counts_words == 0 || k->counts_words == 1);
        /* prepare may be NULL (nothing shared); every other callback is required */
        CU_ASSERT_PTR_NOT_NULL(k->check);
        CU_ASSERT_PTR_NOT_NULL(k->create);
        CU_ASSERT_PTR_NOT_NULL(k->ops);
        CU_ASSERT_PTR_NOT_NULL(k->available);
        CU_ASSERT_PTR_NOT_NULL(k->point_metrics);
        CU_ASSERT_PTR_NOT_NULL(k->destroy);
        CU_ASSERT_PTR_EQUAL(
            sim_kind_find(k->name[strlen(k->name) - 1] == '*' ? "opus-12" : k->name), k);
    }
    CU_ASSERT_PTR_NULL(names[i]);
    CU_ASSERT_PTR_NULL(sim_kind_at(i));
    /* the values `semsim validate` lists for source.kind */
    static const char *const want[] = {"semantic",    "bits",   "codec2-3200", "codec2-1200",
                                       "codec2-700c", "opus-*", "text"};
    for (size_t j = 0; j < sizeof want / sizeof *want; j++)
        CU_ASSERT_STRING_EQUAL(names[j], want[j]);
}

static void test_find(void)
{
    CU_ASSERT_PTR_NOT_NULL(sim_kind_find("semantic"));
    CU_ASSERT_EQUAL(sim_kind_find("bits")->counts_words, 0);
    CU_ASSERT_EQUAL(sim_kind_find("semantic")->counts_words, 1);
    CU_ASSERT_EQUAL(sim_kind_find("codec2-700c")->counts_words, 1);
    CU_ASSERT_EQUAL(sim_kind_find("text")->counts_words, 1);
    CU_ASSERT_EQUAL(sim_kind_find("text")->equalized, 0);
    CU_ASSERT_STRING_EQUAL(sim_kind_find("opus-64")->name, "opus-*");
    CU_ASSERT_PTR_NULL(sim_kind_find("nope"));
    CU_ASSERT_PTR_NULL(sim_kind_find("codec2-9999"));
    CU_ASSERT_PTR_NULL(sim_kind_find("opus"));
    CU_ASSERT_PTR_NULL(sim_kind_find("bit"));
    CU_ASSERT_PTR_NULL(sim_kind_find("semantic2"));
    CU_ASSERT_PTR_NULL(sim_kind_find(""));
    CU_ASSERT_PTR_NULL(sim_kind_find(NULL));
}

/* A resolved config of an empty scenario with source.kind = kind. */
static int config(sim_scenario *sc, const char *kind, sim_config *cfg)
{
    base_err e = BASE_ERR_INIT;
    const char *keys[] = {"source.kind"}, *vals[] = {kind};
    if (sim_scenario_resolve(sc, keys, vals, 0, cfg, &e) != BASE_OK) return -1;
    snprintf(cfg->source.kind, sizeof cfg->source.kind, "%s", kind);
    return 0;
}

static void test_unknown_kind(void)
{
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_create(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(config(sc, "warp", &cfg), 0);
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_pipeline_check(sc, &cfg, &e), BASE_EUNSUPPORTED);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "warp"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "opus-*")); /* says what is allowed */
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(sim_pipeline_create(&cfg, 1, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EUNSUPPORTED);
    sim_resources *res = sim_resources_create(NULL);
    CU_ASSERT_EQUAL(sim_pipeline_prepare(&cfg, res, NULL), BASE_EUNSUPPORTED);
    CU_ASSERT_EQUAL(sim_resources_agents(res), 0);
    sim_resources_destroy(res);
    sim_pipeline_destroy(NULL);
    sim_scenario_destroy(sc);
}

/* A speaking kind created without a prepared source (no source.manifest)
 * says so, through the one reader every speaking kind uses. */
static void test_manifest_missing(void)
{
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_create(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(config(sc, "codec2-3200", &cfg), 0);
    cfg.source.manifest[0] = '\0';
    codec_manifest *man = NULL;
    CU_ASSERT_EQUAL(sim_kind_manifest_read(&cfg, &man, &e), BASE_EINVAL);
    CU_ASSERT_PTR_NULL(man);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no source.manifest"));
    sim_scenario_destroy(sc);
}

/* One packet of the bits row through the dispatcher, twice: same bits. */
static void test_bits_row(void)
{
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_create(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    sim_config cfg;
    CU_ASSERT_EQUAL_FATAL(config(sc, "bits", &cfg), 0);
    snprintf(cfg.user[0].link.mode, sizeof cfg.user[0].link.mode, "digital");
    snprintf(cfg.user[0].channel.model, sizeof cfg.user[0].channel.model, "awgn");
    cfg.user[0].channel.snr_db = 2;
    CU_ASSERT_EQUAL(sim_pipeline_check(sc, &cfg, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_pipeline_counts_words(&cfg), 0);
    uint64_t errors[2];
    for (int run = 0; run < 2; run++) {
        sim_pipeline *p = sim_pipeline_create(&cfg, 42, NULL, &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL(sim_pipeline_available(p), SIZE_MAX);
        sim_payload_ops ops;
        sim_pipeline_ops(p, &ops);
        sim_utt u;
        memset(&u, 0, sizeof u);
        u.index = 3;
        CU_ASSERT_EQUAL(ops.encode(ops.ctx, &u, &e), BASE_OK);
        size_t uses = 0;
        CU_ASSERT_EQUAL(ops.transmit(ops.ctx, &u, 0, 0, u.n_frames, &uses, &e), BASE_OK);
        CU_ASSERT(uses > 0);
        CU_ASSERT(u.res.bits > 0);
        errors[run] = u.res.bit_errors;
        sim_point_metrics m;
        m.handshake_sym = -1;
        sim_pipeline_point_metrics(p, &m);
        CU_ASSERT_EQUAL(m.handshake_sym, 0);
        sim_pipeline_destroy(p);
    }
    CU_ASSERT_EQUAL(errors[0], errors[1]);
    /* an unknown channel model is an error, not AWGN */
    snprintf(cfg.user[0].channel.model, sizeof cfg.user[0].channel.model, "rayleigh2");
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(sim_pipeline_create(&cfg, 42, NULL, &e));
    CU_ASSERT_EQUAL(e.code, BASE_ENOTFOUND);
    sim_scenario_destroy(sc);
}

int main(void)
{
    static const test_case cases[] = {
        {"every row complete, names in table order", test_rows_complete},
        {"find: exact names and families", test_find},
        {"an unknown kind is an error", test_unknown_kind},
        {"the bits row through the dispatcher", test_bits_row},
        {"no source.manifest: one clear error for every speaking kind", test_manifest_missing},
        {NULL, NULL},
    };
    return test_main("sim/kind", cases);
}
