/* test_link.c -- the anchor link (anchors/link) with toy agents whose
 * "encoders" draw latents from the audio path, and the equalizer table
 * (anchors/equalizer.h): every row complete, names and find, the handshake
 * count (the equalizer's share is K x d_tx reals for ridge, none for
 * relative-inverse), determinism, and bad configurations. */
#include "anchors/link.h"
#include "anchors/select.h"
#include "base/hash.h"
#include "base/rng.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A toy agent: latents of width dim, 8..12 frames, drawn from (path, salt). */
typedef struct toy {
    size_t dim;
    uint64_t salt;
    int calls;
    int fail_at; /* encode fails on this call (1-based); 0 never */
} toy;

static base_status toy_encode(void *ctx, const char *path, float **z, int *t, base_err *err)
{
    toy *g = ctx;
    if (++g->calls == g->fail_at) return base_err_set(err, BASE_EIO, path, 0, "toy failure");
    uint64_t h = base_hash_str(BASE_HASH_INIT, path);
    base_rng r;
    base_rng_init(&r, h, g->salt, base_rng_component("test.link"));
    *t = 8 + (int)(h % 5);
    *z = malloc((size_t)*t * g->dim * sizeof **z);
    if (!*z) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < (size_t)*t * g->dim; i++)
        (*z)[i] = (float)(base_rng_uniform(&r) * 2.0 - 1.0);
    return BASE_OK;
}

static anchor_link_side side(toy *g)
{
    return (anchor_link_side){g->dim, NULL, g, toy_encode, NULL};
}

static char manifest[256];

/* Six utterances; the audio is never read (the toy encoders use the path). */
static int write_manifest(void)
{
    snprintf(manifest, sizeof manifest, "/tmp/test_link_%ld.tsv", (long)getpid());
    FILE *f = fopen(manifest, "w");
    if (!f) return -1;
    for (int i = 0; i < 6; i++) fprintf(f, "u%d\tu%d.wav\tsome words %d\n", i, i, i);
    return fclose(f);
}

static anchor_link_config config(const char *eq, int64_t k)
{
    anchor_link_config c = {0};
    c.equalizer = eq;
    c.selection = "random";
    c.psi = "cosine";
    c.count = k;
    c.members = 1;
    c.utterances = 100;
    c.manifest = manifest;
    c.ridge_lambda = 1e-3;
    c.seed = 7;
    return c;
}

static void test_table(void)
{
    const char *const *names = anchor_equalizer_names();
    size_t n = 0;
    for (const anchor_eq_info *r; (r = anchor_equalizer_row(n)); n++) {
        CU_ASSERT_PTR_NOT_NULL(r->name);
        CU_ASSERT_PTR_NOT_NULL(r->summary);
        CU_ASSERT_PTR_NOT_NULL_FATAL(names[n]);
        CU_ASSERT_STRING_EQUAL(names[n], r->name);
        CU_ASSERT_PTR_EQUAL(anchor_equalizer_find(r->name, NULL), r);
        if (r->is_oracle) { /* run by the simulator: no functions, no anchors */
            CU_ASSERT(!r->uses_anchors && !r->needs_head && !r->fit && !r->encode && !r->decode);
            continue;
        }
        CU_ASSERT(r->encode != NULL && r->decode != NULL);
        CU_ASSERT(!r->uses_anchors || r->fit != NULL);
        CU_ASSERT(!r->needs_head || (r->uses_anchors && r->output == ANCHOR_EQ_OUT_LOGPROBS));
        CU_ASSERT(r->output != ANCHOR_EQ_OUT_LOGPROBS || r->needs_head);
        CU_ASSERT(r->uses_anchors || r->symbols == ANCHOR_EQ_SYM_LATENT);
        CU_ASSERT_STRING_EQUAL(anchor_eq_type_name(r->type), r->name);
    }
    CU_ASSERT_PTR_NULL(names[n]);
    /* every type the scenario accepts */
    const char *want[] = {"oracle", "none",       "relative", "relative-inverse",
                          "ridge",  "procrustes", "mlp",      "parseval"};
    for (size_t i = 0; i < 8; i++) CU_ASSERT_PTR_NOT_NULL(anchor_equalizer_find(want[i], NULL));
    CU_ASSERT_EQUAL(n, 8);
    CU_ASSERT(anchor_equalizer_find("oracle", NULL)->is_oracle);
    CU_ASSERT(!anchor_equalizer_find("none", NULL)->maps_to_rx);
    CU_ASSERT(anchor_equalizer_find("relative", NULL)->needs_head);
    /* an unknown name: an error listing every name */
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(anchor_equalizer_find("bogus", &e));
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    CU_ASSERT(strstr(e.msg, "bogus") != NULL);
    for (size_t i = 0; names[i]; i++) CU_ASSERT(strstr(e.msg, names[i]) != NULL);
    CU_ASSERT_PTR_NULL(anchor_equalizer_find(NULL, NULL));
    /* selections and psi: NULL-terminated, and each parses */
    const char *const *sel = anchor_selection_names();
    size_t ns = 0;
    for (; sel[ns]; ns++) {
        anchor_selection s;
        CU_ASSERT_EQUAL(anchor_selection_parse(sel[ns], &s, NULL), BASE_OK);
        CU_ASSERT_STRING_EQUAL(anchor_selection_name(s), sel[ns]);
    }
    CU_ASSERT_EQUAL(ns, 4);
    const char *const *psi = anchor_psi_names();
    size_t np = 0;
    for (; psi[np]; np++) {
        anchor_psi p;
        CU_ASSERT_EQUAL(anchor_psi_parse(psi[np], &p, NULL), BASE_OK);
        CU_ASSERT_STRING_EQUAL(anchor_psi_name(p), psi[np]);
    }
    CU_ASSERT_EQUAL(np, ANCHOR_PSI_COUNT);
}

static anchor_link *make(const anchor_link_config *c, toy *tx, toy *rx, base_err *e)
{
    anchor_link_side a = side(tx), b = side(rx);
    anchor_link *l = anchor_link_create(c, &a, &b, e);
    if (!l && e) fprintf(stderr, "  link %s: %s\n", c->equalizer, e->msg);
    return l;
}

/* Same anchor set for both (selection uses only the tx frames and the seed):
 * ridge's handshake exceeds relative-inverse's by its K x d_tx reals, two
 * reals per complex symbol. */
static void test_handshake(void)
{
    enum { K = 4, DT = 6, DR = 5 };
    toy tx = {DT, 1, 0, 0}, rx = {DR, 2, 0, 0};
    base_err e = BASE_ERR_INIT;
    anchor_link_config c = config("ridge", K);
    anchor_link *ridge = make(&c, &tx, &rx, &e);
    c.equalizer = "relative-inverse";
    anchor_link *relinv = make(&c, &tx, &rx, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ridge);
    CU_ASSERT_PTR_NOT_NULL_FATAL(relinv);
    CU_ASSERT_EQUAL(anchor_link_k(ridge), K);
    CU_ASSERT_EQUAL(anchor_link_symbols_per_frame(ridge), DT);
    CU_ASSERT_EQUAL(anchor_link_symbols_per_frame(relinv), K);
    CU_ASSERT_STRING_EQUAL(anchor_link_info(ridge)->name, "ridge");
    CU_ASSERT_PTR_NULL(anchor_link_head(ridge));
    CU_ASSERT_PTR_NULL(anchor_link_relative_rx(relinv));
    CU_ASSERT_EQUAL(anchor_equalizer_handshake_symbols(anchor_link_equalizer(ridge)), K * DT);
    double hr = anchor_link_handshake_symbols(ridge), hi = anchor_link_handshake_symbols(relinv);
    /* random selection exchanges no index bits: exactly K x d_tx reals for ridge */
    TEST_ASSERT_NEAR(hr, K * DT / 2.0, 0);
    TEST_ASSERT_NEAR(hi, 0, 0);
    /* fps sends K indices of ceil(log2 N) bits on top */
    c.selection = "fps";
    c.equalizer = "ridge";
    anchor_link *fps = make(&c, &tx, &rx, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fps);
    double hf = anchor_link_handshake_symbols(fps) - K * DT / 2.0;
    CU_ASSERT(hf > 0 && hf == floor(hf / (K / 2.0)) * (K / 2.0));
    anchor_link_destroy(fps);
    c.selection = "random";
    c.equalizer = "relative-inverse";
    /* the same config again: the same link */
    anchor_link *again = make(&c, &tx, &rx, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(again);
    TEST_ASSERT_NEAR(anchor_link_handshake_symbols(again), hi, 0);
    float x[DT] = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}, s1[K], s2[K];
    CU_ASSERT_EQUAL(anchor_equalizer_encode(anchor_link_equalizer(relinv), x, 1, s1, NULL),
                    BASE_OK);
    CU_ASSERT_EQUAL(anchor_equalizer_encode(anchor_link_equalizer(again), x, 1, s2, NULL), BASE_OK);
    CU_ASSERT_EQUAL(memcmp(s1, s2, sizeof s1), 0);
    anchor_link_destroy(again);
    anchor_link_destroy(ridge);
    anchor_link_destroy(relinv);
    anchor_link_destroy(NULL);
}

static void test_errors(void)
{
    toy tx = {6, 1, 0, 0}, rx = {5, 2, 0, 0};
    base_err e = BASE_ERR_INIT;
    anchor_link_config c = config("none", 4);
    anchor_link_side a = side(&tx), b = side(&rx);
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, &a, &b, &e)); /* none uses no anchors */
    CU_ASSERT_EQUAL(e.code, BASE_EINVAL);
    c = config("oracle", 4);
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, &a, &b, NULL));
    c = config("ridge", 4);
    c.manifest = "";
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, &a, &b, &e));
    CU_ASSERT(strstr(e.msg, "anchors.manifest") != NULL);
    c = config("ridge", 4);
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, NULL, &b, NULL));
    c.selection = "bogus";
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, &a, &b, NULL));
    /* an agent's error comes back as it is */
    c = config("ridge", 4);
    rx.fail_at = 3;
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, &a, &b, &e));
    CU_ASSERT_EQUAL(e.code, BASE_EIO);
    CU_ASSERT(strstr(e.msg, "toy failure") != NULL);
    rx.fail_at = 0;
    /* class without the agents' decoders */
    c.selection = "class";
    c.count = 0;
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, &a, &b, NULL));
    /* more anchors than frames */
    c = config("ridge", 100000);
    CU_ASSERT_PTR_NULL(anchor_link_create(&c, &a, &b, NULL));
}

static void check_key(anchor_link_config c, base_status want, const char *key)
{
    const char *got = "unset";
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_link_config_check(&c, &got, &e), want);
    if (key) {
        CU_ASSERT(got && !strcmp(got, key));
    } else {
        CU_ASSERT_PTR_NULL(got);
    }
}

static void test_config_check(void)
{
    check_key(config("ridge", 4), BASE_OK, NULL);
    check_key(config("none", 0), BASE_OK, NULL); /* no anchors: K does not matter */
    check_key(config("oracle", -3), BASE_OK, NULL);
    check_key(config("bogus", 4), BASE_EINVAL, "equalizer.type");
    check_key(config("ridge", 0), BASE_EINVAL, "anchors.count");
    anchor_link_config c = config("relative-inverse", 0);
    c.selection = "class"; /* 0: every character present */
    check_key(c, BASE_OK, NULL);
    c.count = 40;
    check_key(c, BASE_ERANGE, "anchors.count");
    c = config("relative", ANCHOR_RELHEAD_MAX_K + 1);
    check_key(c, BASE_ERANGE, "anchors.count");
    c = config("ridge", 4);
    c.psi = "bogus";
    check_key(c, BASE_EINVAL, "anchors.psi");
    c = config("ridge", 4);
    c.selection = "bogus";
    check_key(c, BASE_EINVAL, "anchors.selection");
    c = config("ridge", 4);
    c.manifest = "/nonexistent/anchors.tsv";
    check_key(c, BASE_EIO, NULL); /* the manifest's own file */
    c = config("relative", 4);
    c.train_manifest = "/nonexistent/train.tsv";
    check_key(c, BASE_EIO, NULL);
}

int main(void)
{
    if (write_manifest()) {
        fprintf(stderr, "cannot write %s\n", manifest);
        return 1;
    }
    static const test_case cases[] = {
        {"equalizer table: rows complete, names, find", test_table},
        {"handshake: K x d_tx reals for ridge, deterministic", test_handshake},
        {"create errors", test_errors},
        {"config check names the key", test_config_check},
        {NULL, NULL},
    };
    int rc = test_main("anchors/link", cases);
    remove(manifest);
    return rc;
}
