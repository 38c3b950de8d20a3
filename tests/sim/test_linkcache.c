/* test_linkcache.c -- the run's anchor links (sim/linkcache): the key names
 * every field of the link's configuration (anchor_link_config_key); one build
 * per key, shared while in use and kept up to `keep` idle links (the least
 * recently released freed first); a failed build not kept; concurrent
 * acquires of a missing key build it once. Then through the semantic
 * pipeline with the run's resources: the points of an SNR sweep share one
 * link, a sweep over anchors.count or equalizer.type and another repeat's
 * seed get their own, and sharing changes no figure of a run. */
#include "anchors/link.h"
#include "base/hash.h"
#include "base/rng.h"
#include "codecs/audio.h"
#include "sim/linkcache.h"
#include "sim/pipe_semantic.h"
#include "sim/pipeline.h"
#include "sim/resources.h"
#include "sim/run.h"
#include "sim/sweep.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- toy links: agents whose "encoders" draw latents from the audio path ---------- */

typedef struct toy {
    size_t dim;
    uint64_t salt;
} toy;

static base_status toy_encode(void *ctx, const char *path, float **z, int *t, base_err *err)
{
    toy *g = ctx;
    uint64_t h = base_hash_str(BASE_HASH_INIT, path);
    base_rng r;
    base_rng_init(&r, h, g->salt, base_rng_component("test.linkcache"));
    *t = 8 + (int)(h % 5);
    *z = malloc((size_t)*t * g->dim * sizeof **z);
    if (!*z) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < (size_t)*t * g->dim; i++)
        (*z)[i] = (float)(base_rng_uniform(&r) * 2.0 - 1.0);
    return BASE_OK;
}

typedef struct build_ctx {
    const char *manifest; /* NULL: the build fails */
    int64_t k;
    int builds;   /* calls, counted under the test's own lock */
    int sleep_ms; /* inside the build: lets a concurrent acquire arrive */
    pthread_mutex_t mu;
} build_ctx;

static anchor_link *toy_build(void *ctx, base_err *err)
{
    build_ctx *b = ctx;
    pthread_mutex_lock(&b->mu);
    b->builds++;
    pthread_mutex_unlock(&b->mu);
    if (b->sleep_ms) usleep((useconds_t)b->sleep_ms * 1000);
    if (!b->manifest) {
        base_err_set(err, BASE_EIO, "nope.tsv", 0, "toy build failure");
        return NULL;
    }
    toy tx = {6, 1}, rx = {5, 2};
    anchor_link_side st = {tx.dim, NULL, &tx, toy_encode, NULL};
    anchor_link_side sr = {rx.dim, NULL, &rx, toy_encode, NULL};
    anchor_link_config c = {0};
    c.equalizer = "ridge";
    c.selection = "random";
    c.psi = "cosine";
    c.count = b->k;
    c.members = 1;
    c.utterances = 100;
    c.manifest = b->manifest;
    c.ridge_lambda = 1e-3;
    c.seed = 7;
    return anchor_link_create(&c, &st, &sr, err);
}

static const char *toy_manifest(void)
{
    return test_write_file("toy.tsv", "u0\tu0.wav\tsome words\nu1\tu1.wav\tmore words\n"
                                      "u2\tu2.wav\tother words\nu3\tu3.wav\tlast words\n");
}

static build_ctx toy_ctx(const char *manifest, int64_t k)
{
    build_ctx b;
    memset(&b, 0, sizeof b);
    b.manifest = manifest;
    b.k = k;
    pthread_mutex_init(&b.mu, NULL);
    return b;
}

/* ---- the key ---------------------------------------------------------------------- */

static anchor_link_config key_base(void)
{
    anchor_link_config c = {0};
    c.equalizer = "relative";
    c.selection = "kmeans";
    c.psi = "cosine";
    c.count = 64;
    c.members = 4;
    c.utterances = 60;
    c.manifest = "anchors.tsv";
    c.ridge_lambda = 1e-3;
    c.train_manifest = "train.tsv";
    c.train_utterances = 600;
    c.head_steps = 3000;
    c.head_noise = 0.1;
    c.head_snr_db = "none";
    c.packet_frames = 8;
    c.mlp_hidden = 32;
    c.mlp_epochs = 2000;
    c.cache = "semsim-cache";
    c.seed = 1;
    c.rx_model = "B.h5";
    return c;
}

/* Every field changes the key; the same configuration gives the same key; a
 * NULL string is not "". */
static void test_key(void)
{
    anchor_link_config base = key_base();
    char *k0 = anchor_link_config_key(&base), *k1 = anchor_link_config_key(&base);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(k1);
    CU_ASSERT_STRING_EQUAL(k0, k1);
    free(k1);
    anchor_link_config v[21];
    for (int i = 0; i < 21; i++) v[i] = base;
    v[0].equalizer = "ridge";
    v[1].selection = "fps";
    v[2].psi = "inner";
    v[3].count = 32;
    v[4].members = 5;
    v[5].utterances = 61;
    v[6].manifest = "other.tsv";
    v[7].ridge_lambda = 1e-2;
    v[8].train_manifest = "t2.tsv";
    v[9].train_utterances = 599;
    v[10].head_steps = 3001;
    v[11].head_noise = 0.1000000001;
    v[12].head_snr_db = "10";
    v[13].packet_frames = 4;
    v[14].mlp_hidden = 33;
    v[15].mlp_epochs = 2001;
    v[16].cache = "c2";
    v[17].seed = 2;
    v[18].rx_model = "C.h5";
    v[19].head_snr_db = NULL; /* NULL and "" are told apart */
    v[20].cache = "";
    for (int i = 0; i < 21; i++) {
        char *k = anchor_link_config_key(&v[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(k);
        if (!strcmp(k, k0)) fprintf(stderr, "  field %d does not change the key\n", i);
        CU_ASSERT(strcmp(k, k0) != 0);
        free(k);
    }
    anchor_link_config a = base, b = base;
    a.head_snr_db = NULL;
    b.head_snr_db = "";
    char *ka = anchor_link_config_key(&a), *kb = anchor_link_config_key(&b);
    CU_ASSERT(ka && kb && strcmp(ka, kb) != 0);
    free(ka);
    free(kb);
    /* a long path is kept whole: two paths differing only at the end differ */
    char p1[3000], p2[3000];
    memset(p1, 'a', sizeof p1 - 2);
    p1[sizeof p1 - 2] = '1';
    p1[sizeof p1 - 1] = 0;
    memcpy(p2, p1, sizeof p2);
    p2[sizeof p2 - 2] = '2';
    a = base, b = base;
    a.manifest = p1;
    b.manifest = p2;
    ka = anchor_link_config_key(&a);
    kb = anchor_link_config_key(&b);
    CU_ASSERT(ka && kb && strcmp(ka, kb) != 0);
    free(ka);
    free(kb);
    free(k0);
    CU_ASSERT_PTR_NULL(anchor_link_config_key(NULL));
}

/* ---- the cache -------------------------------------------------------------------- */

/* One build per key: a second acquire gets the same link; another key its own. */
static void test_share(void)
{
    base_err e = BASE_ERR_INIT;
    sim_linkcache *c = sim_linkcache_create(4, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    build_ctx b = toy_ctx(toy_manifest(), 4);
    const anchor_link *l1 = NULL, *l2 = NULL, *l3 = NULL;
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "k4", toy_build, &b, &l1, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "k4", toy_build, &b, &l2, &e), BASE_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l1);
    CU_ASSERT_PTR_EQUAL(l1, l2);
    CU_ASSERT_EQUAL(b.builds, 1);
    CU_ASSERT_EQUAL(anchor_link_k(l1), 4);
    build_ctx b3 = toy_ctx(toy_manifest(), 3);
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "k3", toy_build, &b3, &l3, &e), BASE_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l3);
    CU_ASSERT(l3 != l1);
    CU_ASSERT_EQUAL(anchor_link_k(l3), 3);
    sim_linkcache_stats s = sim_linkcache_get_stats(c);
    CU_ASSERT_EQUAL(s.builds, 2);
    CU_ASSERT_EQUAL(s.hits, 1);
    CU_ASSERT_EQUAL(s.held, 2);
    sim_linkcache_release(c, l1);
    sim_linkcache_release(c, l2);
    sim_linkcache_release(c, l3);
    /* idle links stay: acquiring again builds nothing */
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "k4", toy_build, &b, &l1, &e), BASE_OK);
    CU_ASSERT_EQUAL(b.builds, 1);
    sim_linkcache_release(c, l1);
    s = sim_linkcache_get_stats(c);
    CU_ASSERT_EQUAL(s.held, 2);
    CU_ASSERT_EQUAL(s.evicted, 0);
    sim_linkcache_destroy(c);
    sim_linkcache_destroy(NULL);
    /* no cache: every acquire builds, release frees (LeakSanitizer checks it) */
    CU_ASSERT_EQUAL(sim_linkcache_acquire(NULL, "k4", toy_build, &b, &l1, &e), BASE_OK);
    CU_ASSERT_PTR_NOT_NULL(l1);
    CU_ASSERT_EQUAL(b.builds, 2);
    sim_linkcache_release(NULL, l1);
    sim_linkcache_release(NULL, NULL);
}

/* keep idle links at most; the least recently released goes first; a link in
 * use is never freed; keep 0: nothing idle stays. */
static void test_keep(void)
{
    base_err e = BASE_ERR_INIT;
    sim_linkcache *c = sim_linkcache_create(2, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    build_ctx b = toy_ctx(toy_manifest(), 2);
    const anchor_link *l[4];
    const char *keys[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(sim_linkcache_acquire(c, keys[i], toy_build, &b, &l[i], &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_linkcache_get_stats(c).held, 4);        /* all in use */
    for (int i = 0; i < 4; i++) sim_linkcache_release(c, l[i]); /* a, b idle longest */
    sim_linkcache_stats s = sim_linkcache_get_stats(c);
    CU_ASSERT_EQUAL(s.held, 2);
    CU_ASSERT_EQUAL(s.evicted, 2);
    CU_ASSERT_EQUAL(s.peak_held, 4);
    CU_ASSERT_EQUAL(b.builds, 4);
    const anchor_link *x;
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "d", toy_build, &b, &x, &e), BASE_OK);
    CU_ASSERT_EQUAL(b.builds, 4); /* kept */
    sim_linkcache_release(c, x);
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "a", toy_build, &b, &x, &e), BASE_OK);
    CU_ASSERT_EQUAL(b.builds, 5); /* freed: built again */
    sim_linkcache_release(c, x);
    sim_linkcache_destroy(c);

    c = sim_linkcache_create(0, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "a", toy_build, &b, &l[0], &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "a", toy_build, &b, &l[1], &e), BASE_OK);
    CU_ASSERT_PTR_EQUAL(l[0], l[1]); /* shared while in use */
    sim_linkcache_release(c, l[0]);
    CU_ASSERT_EQUAL(sim_linkcache_get_stats(c).held, 1);
    sim_linkcache_release(c, l[1]);
    CU_ASSERT_EQUAL(sim_linkcache_get_stats(c).held, 0);
    sim_linkcache_grow_keep(c, 1);
    CU_ASSERT_EQUAL(sim_linkcache_get_stats(c).keep, 1);
    sim_linkcache_grow_keep(c, 0); /* only raises */
    CU_ASSERT_EQUAL(sim_linkcache_get_stats(c).keep, 1);
    sim_linkcache_destroy(c);
}

/* A failed build is not kept: the next acquire builds again, with its error. */
static void test_failure(void)
{
    base_err e = BASE_ERR_INIT;
    sim_linkcache *c = sim_linkcache_create(4, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    build_ctx b = toy_ctx(NULL, 2);
    const anchor_link *l = (const anchor_link *)&b;
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "x", toy_build, &b, &l, &e), BASE_EIO);
    CU_ASSERT_PTR_NULL(l);
    CU_ASSERT_STRING_EQUAL(e.file, "nope.tsv");
    e = (base_err)BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "x", toy_build, &b, &l, &e), BASE_EIO);
    CU_ASSERT_EQUAL(b.builds, 2);
    CU_ASSERT_EQUAL(sim_linkcache_get_stats(c).held, 0);
    b.manifest = toy_manifest();
    CU_ASSERT_EQUAL(sim_linkcache_acquire(c, "x", toy_build, &b, &l, &e), BASE_OK);
    CU_ASSERT_PTR_NOT_NULL(l);
    sim_linkcache_release(c, l);
    sim_linkcache_destroy(c);
}

typedef struct racer {
    sim_linkcache *c;
    build_ctx *b;
    const anchor_link *l;
    base_status st;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    base_err e = BASE_ERR_INIT;
    r->st = sim_linkcache_acquire(r->c, "same", toy_build, r->b, &r->l, &e);
    return NULL;
}

/* Four threads ask for one missing key at once: one builds, the others wait
 * for it and get the same link. */
static void test_concurrent(void)
{
    base_err e = BASE_ERR_INIT;
    sim_linkcache *c = sim_linkcache_create(1, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    build_ctx b = toy_ctx(toy_manifest(), 3);
    b.sleep_ms = 200;
    racer r[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (racer){c, &b, NULL, BASE_EINTERNAL};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, race, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CU_ASSERT_EQUAL(b.builds, 1);
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(r[i].st, BASE_OK);
        CU_ASSERT_PTR_EQUAL(r[i].l, r[0].l);
    }
    sim_linkcache_stats s = sim_linkcache_get_stats(c);
    CU_ASSERT_EQUAL(s.builds, 1);
    CU_ASSERT_EQUAL(s.hits, 3);
    for (int i = 0; i < 4; i++) sim_linkcache_release(c, r[i].l);
    CU_ASSERT_EQUAL(sim_linkcache_get_stats(c).held, 1);
    sim_linkcache_destroy(c);
}

/* ---- through the semantic pipeline ------------------------------------------------ */

static char dir[512];

/* name.tsv: n synthetic utterances (tone + ramp, 1..2 s), ids tag_i. */
static void write_audio_manifest(const char *name, const char *tag, int n)
{
    static const char *const text[] = {"the cat sat",  "a dog ran home",   "stop here",
                                       "we were away", "she sells shells", "pack my box"};
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *man = fopen(path, "w");
    CU_ASSERT_FATAL(man != NULL);
    for (int i = 0; i < n; i++) {
        size_t len = (size_t)(16000 * (1.0 + 0.2 * i));
        float *x = malloc(len * sizeof *x);
        CU_ASSERT_FATAL(x != NULL);
        for (size_t k = 0; k < len; k++)
            x[k] = 0.3f * sinf(0.03f * (float)k * (float)(i + 1 + (*tag == 'a'))) +
                   0.01f * (float)((k * 7919) % 13);
        snprintf(path, sizeof path, "%s/%s%d.wav", dir, tag, i);
        CU_ASSERT_EQUAL_FATAL(codec_audio_write_wav(path, x, len, 16000, NULL), BASE_OK);
        free(x);
        fprintf(man, "%s_%d\t%s%d.wav\t%s\n", tag, i, tag, i, text[i % 6]);
    }
    fclose(man);
}

static void setup(void)
{
    if (*dir) return;
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    char path[700];
    snprintf(path, sizeof path, "%s/a.h5", dir);
    test_save_tiny_agent(path, 8, 1);
    snprintf(path, sizeof path, "%s/b.h5", dir);
    test_save_tiny_agent(path, 8, 2);
    write_audio_manifest("manifest.tsv", "spk", 3);
    write_audio_manifest("anchors.tsv", "anc", 6);
}

/* The scenario: A -> B, greedy, an anchor equalizer, extra keys and a sweep. */
static sim_scenario *scenario(const char *extra)
{
    setup();
    char path[700];
    snprintf(path, sizeof path, "%s/lc.ini", dir);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f,
            "[scenario]\nutterances = 3\n[source]\nkind = semantic\nmanifest = manifest.tsv\n"
            "[tx]\nmodel = a.h5\n[rx]\nmodel = b.h5\ndecoder = greedy\n"
            "[link]\nmode = analog\nframes_per_packet = 8\n[channel]\nmodel = awgn\n"
            "[equalizer]\ntype = ridge\n"
            "[anchors]\ncount = 6\nselection = kmeans\nmanifest = anchors.tsv\n%s",
            extra);
    fclose(f);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(path, &e);
    if (!sc) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    return sc;
}

/* Creates and destroys one pipeline per point of the scenario's sweep, one
 * after the other (seeds[p] each), in one run's resources; returns the link
 * cache's counters. */
static sim_linkcache_stats points(const char *extra, const uint64_t *seeds, int together)
{
    sim_linkcache_stats s = {0};
    sim_scenario *sc = scenario(extra);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
    base_err e = BASE_ERR_INIT;
    sim_sweep *sw = sim_sweep_create(sc, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    size_t n = sim_sweep_count(sw);
    CU_ASSERT_FATAL(n >= 2 && n <= 4);
    sim_config *cfg = malloc(n * sizeof *cfg);
    sim_resources *res = sim_resources_create(&e);
    CU_ASSERT_FATAL(cfg && res);
    sim_sem *sem[4] = {NULL};
    for (size_t p = 0; p < n; p++) {
        CU_ASSERT_EQUAL_FATAL(sim_sweep_config(sw, p, &cfg[p], &e), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(sim_pipeline_prepare(&cfg[p], res, &e), BASE_OK);
    }
    for (size_t p = 0; p < n; p++) {
        sem[p] = sim_sem_create(&cfg[p], seeds[p], res, &e);
        if (!sem[p]) fprintf(stderr, "  %s\n", e.msg);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sem[p]);
        if (!together) sim_sem_destroy(sem[p]), sem[p] = NULL;
    }
    for (size_t p = 0; p < n; p++) sim_sem_destroy(sem[p]);
    s = sim_linkcache_get_stats(sim_resources_linkcache(res));
    sim_resources_destroy(res);
    free(cfg);
    sim_sweep_destroy(sw);
    sim_scenario_destroy(sc);
    return s;
}

/* An SNR sweep shares one link; anchors.count, equalizer.type and the seed
 * (another repeat) each get their own; scenario.cache_mb = 0 keeps no idle
 * link (only pipelines alive at once share). */
static void test_pipeline_keys(void)
{
    const uint64_t same[] = {1, 1, 1, 1}, other[] = {1, 2};
    sim_linkcache_stats s = points("[sweep]\nchannel.snr_db = 0,10,30\n", same, 0);
    CU_ASSERT_EQUAL(s.builds, 1);
    CU_ASSERT_EQUAL(s.hits, 2);
    CU_ASSERT_EQUAL(s.keep, SIM_LINKCACHE_KEEP);
    s = points("[sweep]\nanchors.count = 4,6\nchannel.snr_db = 0,30\n", same, 0);
    CU_ASSERT_EQUAL(s.builds, 2);
    CU_ASSERT_EQUAL(s.hits, 2);
    s = points("[sweep]\nequalizer.type = ridge,procrustes\n", same, 0);
    CU_ASSERT_EQUAL(s.builds, 2);
    CU_ASSERT_EQUAL(s.hits, 0);
    s = points("[sweep]\nchannel.snr_db = 0,30\n", other, 0);
    CU_ASSERT_EQUAL(s.builds, 2);
    CU_ASSERT_EQUAL(s.hits, 0);
    s = points("[scenario]\ncache_mb = 0\n[sweep]\nchannel.snr_db = 0,30\n", same, 0);
    CU_ASSERT_EQUAL(s.builds, 2);
    CU_ASSERT_EQUAL(s.keep, 0);
    s = points("[scenario]\ncache_mb = 0\n[sweep]\nchannel.snr_db = 0,30\n", same, 1);
    CU_ASSERT_EQUAL(s.builds, 1);
    CU_ASSERT_EQUAL(s.hits, 1);
}

/* A run's figures are the same with shared links (default), without keeping
 * any (scenario.cache_mb = 0), on one thread and on two. */
static void test_run_same(void)
{
    static const char *const cols[] = {"wer", "cer", "cosine", "cka", "handshake_sym"};
    double rows[4][6][5];
    static const char *const mb[] = {"256", "0", "256", "0"};
    static const int jobs[] = {1, 1, 2, 2};
    for (int k = 0; k < 4; k++) {
        char extra[256];
        snprintf(extra, sizeof extra,
                 "[scenario]\ncache_mb = %s\n[sweep]\nanchors.count = 4,6\n"
                 "channel.snr_db = 0,10,30\n",
                 mb[k]);
        sim_scenario *sc = scenario(extra);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sc);
        char out[700];
        snprintf(out, sizeof out, "%s/run%d.h5", dir, k);
        test_run_scenario(sc, out, jobs[k]);
        CU_ASSERT_EQUAL_FATAL(test_read_summary(out, cols, 5, rows[k], 6, NULL, NULL), 6);
        sim_scenario_destroy(sc);
    }
    CU_ASSERT(isfinite(rows[0][0][0]) && isfinite(rows[0][0][2]));
    CU_ASSERT(rows[0][0][4] != rows[0][3][4]); /* K = 4 and 6 send different handshakes */
    for (int k = 1; k < 4; k++) CU_ASSERT(!memcmp(rows[k], rows[0], sizeof rows[0]));
}

int main(void)
{
    static const test_case cases[] = {{"key names every field", test_key},
                                      {"one build per key", test_share},
                                      {"idle links kept up to keep", test_keep},
                                      {"failed build not kept", test_failure},
                                      {"concurrent acquires build once", test_concurrent},
                                      {"pipeline: snr shares, anchors do not", test_pipeline_keys},
                                      {"run: sharing changes nothing", test_run_same},
                                      {NULL, NULL}};
    return test_main("linkcache", cases);
}
