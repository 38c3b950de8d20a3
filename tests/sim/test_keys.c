/* test_keys.c -- the scenario key registry (sim/keys): the keys the
 * scenarios rely on, every default passing its own check, value checks and
 * their messages, allowed values from a stage's list, storing into
 * sim_config, the list / Markdown renderings, and docs/scenario.md being
 * what tools/gen-scenario-doc.sh makes of them. */
#include "sim/keys.h"
#include "tests/testutil.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_registry(void)
{
    static const char *const contract[] = {"scenario.seed",
                                           "scenario.utterances",
                                           "source.manifest",
                                           "source.kind",
                                           "tx.model",
                                           "rx.model",
                                           "equalizer.type",
                                           "anchors.count",
                                           "anchors.selection",
                                           "anchors.psi",
                                           "channel.model",
                                           "channel.snr_db",
                                           "link.mode",
                                           "link.modulation",
                                           "link.fec",
                                           "link.quant_bits",
                                           NULL};
    for (int i = 0; contract[i]; i++) {
        const sim_key_def *k = sim_key_find(contract[i]);
        if (!k) fprintf(stderr, "  missing key %s\n", contract[i]);
        CU_ASSERT(k != NULL);
    }
    CU_ASSERT(sim_key_find("channel.nope") == NULL);
    CU_ASSERT(sim_key_count() > 40);
    /* every default passes its own check */
    for (size_t i = 0; i < sim_key_count(); i++) {
        const sim_key_def *k = sim_key_at(i);
        base_err e = BASE_ERR_INIT;
        if (sim_key_check(k, k->def, &e) != BASE_OK) fprintf(stderr, "  %s: %s\n", k->name, e.msg);
        CU_ASSERT(*k->doc);
    }
    const sim_key_def *kind = sim_key_find("source.kind");
    CU_ASSERT_EQUAL(sim_key_check(kind, "opus-6", NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_key_check(kind, "opus-", NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_key_check(kind, "opus-x", NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_key_check(kind, "semanticx", NULL), BASE_OK);
    const sim_key_def *snr = sim_key_find("channel.snr_db");
    CU_ASSERT_EQUAL(sim_key_check(snr, "-3.5", NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_key_check(snr, "nan", NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_key_check(snr, "5dB", NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(sim_key_check(sim_key_find("scenario.utterances"), "0", NULL), BASE_OK);
    CU_ASSERT_EQUAL(sim_key_check(sim_key_find("output.utterances"), "off", NULL), BASE_OK);
}

/* Check v against k and expect message want ("" for OK). */
static void expect_check(const sim_key_def *k, const char *v, const char *want)
{
    base_err e = BASE_ERR_INIT;
    base_status st = sim_key_check(k, v, &e);
    if (!*want) {
        CU_ASSERT_EQUAL(st, BASE_OK);
        return;
    }
    if (strcmp(e.msg, want)) fprintf(stderr, "\n  got:  %s\n  want: %s\n", e.msg, want);
    CU_ASSERT_NOT_EQUAL(st, BASE_OK);
    CU_ASSERT_STRING_EQUAL(e.msg, want);
}

static void test_messages(void)
{
    expect_check(sim_key_find("equalizer.type"), "nope",
                 "bad value 'nope' for equalizer.type: expected one of "
                 "none|relative|relative-inverse|ridge|procrustes|mlp|parseval|oracle");
    expect_check(sim_key_find("anchors.count"), "1.5",
                 "bad value '1.5' for anchors.count: expected an integer");
    expect_check(sim_key_find("link.quant_bits"), "17",
                 "bad value '17' for link.quant_bits: must be in 1..16");
    expect_check(sim_key_find("metrics.ci_width"), "x",
                 "bad value 'x' for metrics.ci_width: expected a finite number");
    expect_check(sim_key_find("output.utterances"), "maybe",
                 "bad value 'maybe' for output.utterances: expected true or false");
    expect_check(sim_key_find("channel.snr_db"), "1\r0",
                 "bad value '1\r0' for channel.snr_db: control character 0x0d at byte 2");
    expect_check(sim_key_find("scenario.name"), "a\x7f",
                 "bad value 'a\x7f' for scenario.name: control character 0x7f at byte 2");
    char longv[600];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = 0;
    expect_check(sim_key_find("source.text"), longv, "value for source.text is too long (max 511)");
    CU_ASSERT_EQUAL(sim_key_index("scenario.name"), 0);
    CU_ASSERT_EQUAL(sim_key_index("nope"), -1);
    CU_ASSERT_PTR_EQUAL(sim_key_at(sim_key_count()), NULL);
}

/* A stage's name table, as the anchors/channel/sim tables will provide. */
static const char *const *stage_names(void)
{
    static const char *const names[] = {"alpha", "beta", "gamma-*", NULL};
    return names;
}

static void test_values_from_stage(void)
{
    /* the literal list is ignored once a stage's table is given */
    sim_key_def k = {"stage.thing",
                     SIM_KEY_ENUM,
                     "alpha",
                     "",
                     "old|list",
                     "a key of a stage",
                     0,
                     SIM_KEY_GLOBAL,
                     0,
                     0,
                     stage_names};
    expect_check(&k, "alpha", "");
    expect_check(&k, "beta", "");
    expect_check(&k, "gamma-3", "");
    expect_check(&k, "old", "bad value 'old' for stage.thing: expected one of alpha|beta|gamma-*");
    expect_check(&k, "gamma-",
                 "bad value 'gamma-' for stage.thing: expected one of "
                 "alpha|beta|gamma-*");
    char buf[64];
    CU_ASSERT_STRING_EQUAL(sim_key_allowed(&k, ',', buf, sizeof buf), "alpha,beta,gamma-*");
    CU_ASSERT_STRING_EQUAL(sim_key_allowed(&k, '|', buf, 8), "alpha|b"); /* truncated */
    k.values = NULL;
    expect_check(&k, "list", "");
    CU_ASSERT_STRING_EQUAL(sim_key_allowed(&k, ',', buf, sizeof buf), "old,list");
    CU_ASSERT_STRING_EQUAL(sim_key_allowed(sim_key_find("channel.snr_db"), ',', buf, sizeof buf),
                           "-100..200");
}

static void test_store(void)
{
    sim_config *cfg = calloc(1, sizeof *cfg);
    sim_user_config *uc = calloc(1, sizeof *uc);
    CU_ASSERT_FATAL(cfg && uc);
    base_err e = BASE_ERR_INIT;
    const sim_key_def *seed = sim_key_find("scenario.seed"), *snr = sim_key_find("channel.snr_db");
    const sim_key_def *kind = sim_key_find("source.kind"), *out = sim_key_find("output.utterances");
    CU_ASSERT_EQUAL(seed->scope, SIM_KEY_GLOBAL);
    CU_ASSERT_EQUAL(snr->scope, SIM_KEY_USER);
    CU_ASSERT_EQUAL(sim_key_store(seed, cfg, "42", &e), BASE_OK);
    CU_ASSERT_EQUAL(cfg->scenario.seed, 42);
    CU_ASSERT_EQUAL(sim_key_store(snr, uc, "-3.5", &e), BASE_OK);
    TEST_ASSERT_NEAR(uc->channel.snr_db, -3.5, 0);
    CU_ASSERT_EQUAL(sim_key_store(kind, cfg, "bits", &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(cfg->source.kind, "bits");
    CU_ASSERT_EQUAL(sim_key_store(out, cfg, "off", &e), BASE_OK);
    CU_ASSERT_EQUAL(cfg->output.utterances, 0);
    char longv[40];
    memset(longv, 'k', sizeof longv - 1);
    longv[sizeof longv - 1] = 0; /* source.kind holds 31 characters */
    CU_ASSERT_EQUAL(sim_key_store(kind, cfg, longv, &e), BASE_ERANGE);
    free(cfg);
    free(uc);
}

/* The listings, read back through a temporary file. */
static char *render(base_status (*fn)(FILE *))
{
    FILE *f = tmpfile();
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(fn(f), BASE_OK);
    long n = ftell(f);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    CU_ASSERT_FATAL(s && fread(s, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    return s;
}

static void test_listings(void)
{
    char *list = render(sim_key_write_list), *md = render(sim_key_write_markdown);
    size_t lines = 0;
    for (char *p = list; *p; p++) lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, sim_key_count());
    CU_ASSERT(strstr(list, "channel.snr_db             double default=10") != NULL);
    CU_ASSERT(strncmp(md, "## [scenario]\n\n| key | type |", 29) == 0);
    CU_ASSERT(strstr(md, "| `link.fec` | enum | `conv27` |  | none,rep3,") != NULL);
    CU_ASSERT(strstr(md, "| `scenario.repeats` | int | `1` |  | 1..1000 |  | independent "
                         "repeats of every point, each with a seed derived from scenario.seed "
                         "(cannot be swept) |\n") != NULL);
    CU_ASSERT(strstr(md, "\n\n## [output]\n") != NULL);
    free(list);
    free(md);
}

/* Whole text of a stream (malloc'd). */
static char *slurp(FILE *f)
{
    size_t n = 0, cap = 1 << 16;
    char *s = malloc(cap);
    for (size_t r; s && (r = fread(s + n, 1, cap - n - 1, f)) > 0;) {
        n += r;
        if (n + 1 == cap) s = realloc(s, cap *= 2);
    }
    if (s) s[n] = 0;
    return s;
}

/* docs/scenario.md is what tools/gen-scenario-doc.sh makes of
 * docs/scenario.md.in and this build's registry: the docs cannot drift. */
static void test_doc_up_to_date(void)
{
    char script[1024], doc[1024], cmd[2200];
    test_srcpath(script, sizeof script, "tools/gen-scenario-doc.sh");
    test_srcpath(doc, sizeof doc, "docs/scenario.md");
    snprintf(cmd, sizeof cmd, "sh '%s' . -", script);
    FILE *p = popen(cmd, "r"), *f = fopen(doc, "r");
    CU_ASSERT_FATAL(p != NULL && f != NULL);
    char *got = slurp(p), *want = slurp(f);
    CU_ASSERT_EQUAL(pclose(p), 0);
    fclose(f);
    CU_ASSERT_FATAL(got && want);
    if (strcmp(got, want))
        fprintf(stderr, "\n  docs/scenario.md is stale: run tools/gen-scenario-doc.sh\n");
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT(strstr(got, "## [channel]") && strstr(got, "## Sweeps") && !strstr(got, "@KEYS@"));
    free(got);
    free(want);
}

int main(void)
{
    static const test_case cases[] = {
        {"registry covers CONTRACT keys", test_registry},
        {"value checks and their messages", test_messages},
        {"allowed values from a stage's table", test_values_from_stage},
        {"values stored into sim_config fields", test_store},
        {"list and Markdown renderings", test_listings},
        {"docs/scenario.md is up to date", test_doc_up_to_date},
        {NULL, NULL},
    };
    return test_main("keys", cases);
}
