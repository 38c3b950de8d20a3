/* test_relhead_file.c -- the relative head's cache key and cache
 * (anchors/relhead_file.c): the key follows the CONTENT of the receiver's
 * model file and of the training manifest (its text and every audio file it
 * lists), never their paths; every training setting enters it; a manifest
 * edited in place gives a newly trained head, not the cached one; each cached
 * head has a sidecar saying what it was built from; save/load keep every
 * training setting.
 *
 * The receiver is a tiny random agent and the training data synthetic latents
 * (as in test_relhead.c); the "audio" files are only hashed, never decoded. */
#include "anchors/relhead.h"
#include "codecs/vocab.h"
#include "tests/testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { D = 6, K = 8, NU = 4, MAXT = 48 };

static const char *const texts[NU] = {"cab", "a bad deed", "ace", "fade"};

typedef struct fixture {
    codec_agent *rx;
    float a_rx[K * D];
    float z[NU][MAXT * D];
    int t[NU];
    const float *zp[NU];
    char model[600], manifest[600], dir[512];
    int fetched; /* fetch calls: 1 per head trained */
} fixture;

/* A fresh folder under the test's tmpdir with a model file, two "audio" files
 * and a manifest listing them (relative paths). */
static void make_fixture(fixture *f, const char *name)
{
    memset(f, 0, sizeof *f);
    codec_agent_config c = codec_agent_config_default();
    c.n_mels = 4, c.d = D, c.width = 16, c.kernel0 = 1, c.kernel = 3, c.stride = 1;
    c.enc_depth = 0, c.dec_depth = 1, c.dilation_max = 1, c.dropout = 0;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&f->rx, &c, 5, NULL), BASE_OK);
    base_rng r;
    base_rng_init(&r, 77, 0, 0);
    for (int i = 0; i < K * D; i++) f->a_rx[i] = (float)base_rng_normal(&r);
    for (int u = 0; u < NU; u++) {
        f->t[u] = 12 + 4 * u;
        for (int i = 0; i < f->t[u] * D; i++) f->z[u][i] = (float)base_rng_normal(&r);
        f->zp[u] = f->z[u];
    }
    snprintf(f->dir, sizeof f->dir, "%s/%s", test_tmpdir(), name);
    mkdir(f->dir, 0777);
    char p[600];
    snprintf(f->model, sizeof f->model, "%s/rx.h5", f->dir);
    test_put(f->model, "model bytes v1");
    snprintf(p, sizeof p, "%s/a.wav", f->dir);
    test_put(p, "RIFF audio one");
    snprintf(p, sizeof p, "%s/b.wav", f->dir);
    test_put(p, "RIFF audio two");
    snprintf(f->manifest, sizeof f->manifest, "%s/manifest.tsv", f->dir);
    test_put(f->manifest, "s_a\ta.wav\tcab\ns_b\tb.wav\ta bad deed\n");
}

static void free_fixture(fixture *f)
{
    codec_agent_destroy(f->rx);
}

static anchor_relhead_spec spec_of(const fixture *f)
{
    anchor_relhead_spec s = {f->rx, f->a_rx, K,   ANCHOR_PSI_COSINE, 0x1234, 0x5678, NULL,
                             NULL,  0,       NULL};
    s.rx_file = f->model;
    s.train_manifest = f->manifest;
    return s;
}

static anchor_relhead_config recipe(const char *cache)
{
    anchor_relhead_config c;
    anchor_relhead_config_default(&c);
    c.steps = 3, c.batch = 2, c.warmup = 1, c.threads = 1, c.noise = 0;
    if (cache) snprintf(c.cache_dir, sizeof c.cache_dir, "%s", cache);
    return c;
}

static uint64_t key_of(const fixture *f, const anchor_relhead_config *c)
{
    anchor_relhead_spec s = spec_of(f);
    uint64_t k = 0;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, c, &k, &e), BASE_OK);
    if (e.code) fprintf(stderr, "  key: %s\n", e.msg);
    return k;
}

static base_status fetch(void *ctx, anchor_relhead_data *d, base_err *err)
{
    (void)err;
    fixture *f = ctx;
    f->fetched++;
    *d = (anchor_relhead_data){NU, f->zp, f->t, texts, NULL, NULL};
    return BASE_OK;
}

/* The same bytes at the same path: the same key; other bytes at that path: a
 * new key; the same bytes elsewhere: the same key (paths are not hashed). */
static void test_key_follows_model_bytes(void)
{
    fixture f;
    make_fixture(&f, "model");
    anchor_relhead_config c = recipe(NULL);
    uint64_t k0 = key_of(&f, &c);
    CU_ASSERT_EQUAL(key_of(&f, &c), k0);
    test_put(f.model, "model bytes v2"); /* same length, same path, other bytes */
    uint64_t k1 = key_of(&f, &c);
    CU_ASSERT_NOT_EQUAL(k1, k0);
    test_put(f.model, "model bytes v1");
    CU_ASSERT_EQUAL(key_of(&f, &c), k0);
    char moved[520];
    snprintf(moved, sizeof moved, "%.500s/moved.h5", f.dir);
    CU_ASSERT_EQUAL(rename(f.model, moved), 0);
    snprintf(f.model, sizeof f.model, "%s", moved);
    CU_ASSERT_EQUAL(key_of(&f, &c), k0);
    /* a missing model file is an error naming it */
    anchor_relhead_spec s = spec_of(&f);
    s.rx_file = "/nonexistent/rx.h5";
    uint64_t k;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &k, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, "/nonexistent/rx.h5");
    free_fixture(&f);
}

/* The manifest's text and each listed audio file's bytes enter the key. */
static void test_key_follows_manifest_content(void)
{
    fixture f;
    make_fixture(&f, "manifest");
    anchor_relhead_config c = recipe(NULL);
    uint64_t k0 = key_of(&f, &c);
    test_put(f.manifest, "s_a\ta.wav\tcab\ns_b\tb.wav\ta bad deeds\n"); /* a transcript */
    uint64_t k1 = key_of(&f, &c);
    CU_ASSERT_NOT_EQUAL(k1, k0);
    test_put(f.manifest, "s_a\ta.wav\tcab\n"); /* a line dropped */
    uint64_t k2 = key_of(&f, &c);
    CU_ASSERT_NOT_EQUAL(k2, k0);
    CU_ASSERT_NOT_EQUAL(k2, k1);
    test_put(f.manifest, "s_a\ta.wav\tcab\ns_b\tb.wav\ta bad deed\n");
    CU_ASSERT_EQUAL(key_of(&f, &c), k0);
    char p[600];
    snprintf(p, sizeof p, "%s/b.wav", f.dir);
    test_put(p, "RIFF audio TWO"); /* an audio file's bytes, manifest unchanged */
    CU_ASSERT_NOT_EQUAL(key_of(&f, &c), k0);
    test_put(p, "RIFF audio two");
    CU_ASSERT_EQUAL(key_of(&f, &c), k0);
    /* the manifest without a model file, and neither: still keys, all different */
    anchor_relhead_spec s = spec_of(&f);
    uint64_t ka, kb;
    s.rx_file = NULL;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &ka, NULL), BASE_OK);
    s.train_manifest = NULL;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &kb, NULL), BASE_OK);
    CU_ASSERT_NOT_EQUAL(ka, k0);
    CU_ASSERT_NOT_EQUAL(kb, ka);
    free_fixture(&f);
}

/* Every training setting changes the key; the thread count and logging do not. */
static void test_key_follows_every_setting(void)
{
    fixture f;
    make_fixture(&f, "settings");
    anchor_relhead_config c = recipe(NULL), m[10];
    uint64_t k0 = key_of(&f, &c);
    for (int i = 0; i < 10; i++) m[i] = c;
    m[0].seed++, m[1].steps++, m[2].batch++, m[3].lr *= 2, m[4].warmup++;
    m[5].weight_decay += 0.5f, m[6].clip += 1, m[7].dropout = 0.25f, m[8].ls_lambda *= 2;
    m[9].noise = 0.1f;
    for (int i = 0; i < 10; i++) {
        uint64_t k = key_of(&f, &m[i]);
        if (k == k0) fprintf(stderr, "  setting %d does not change the key\n", i);
        CU_ASSERT_NOT_EQUAL(k, k0);
    }
    anchor_relhead_config same = c;
    same.threads = 2, same.log_every = 1;
    snprintf(same.cache_dir, sizeof same.cache_dir, "elsewhere");
    CU_ASSERT_EQUAL(key_of(&f, &same), k0);
    free_fixture(&f);
}

/* Heads in a cache folder: relhead-KEY.h5 files. */
static int count_heads(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += !strncmp(de->d_name, "relhead-", 8) && strstr(de->d_name, ".h5") &&
             !strstr(de->d_name, ".lock");
    closedir(d);
    return n;
}

static int file_has(const char *path, const char *needle)
{
    char buf[16384];
    FILE *fp = fopen(path, "r");
    if (!fp) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    return strstr(buf, needle) != NULL;
}

/* The case: the training manifest edited IN PLACE (same path) gives a
 * newly trained head, not the cached one; undoing the edit finds the first. */
static void test_manifest_edit_retrains(void)
{
    fixture f;
    make_fixture(&f, "edit");
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", f.dir);
    anchor_relhead_config c = recipe(cache);
    anchor_relhead_spec s = spec_of(&f);
    anchor_relhead_result r;
    base_err e = BASE_ERR_INIT;
    anchor_relhead *h = anchor_relhead_get(&s, fetch, &f, &c, NULL, &r, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(r.cache_hit, 0);
    uint64_t k0 = r.key;
    anchor_relhead_destroy(h);
    /* the sidecar says what the head was built from */
    char side[700], hex[20];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)k0);
    snprintf(side, sizeof side, "%s/relhead-%s.txt", cache, hex);
    CU_ASSERT(file_has(side, "kind = relative-head\n"));
    CU_ASSERT(file_has(side, hex));
    CU_ASSERT(file_has(side, "train_utterances_listed = 2\n"));
    CU_ASSERT(file_has(side, "manifest.tsv"));
    CU_ASSERT(file_has(side, "rx.h5"));
    CU_ASSERT(file_has(side, "train.steps = 3\n"));
    /* unchanged: a hit */
    h = anchor_relhead_get(&s, fetch, &f, &c, NULL, &r, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(r.cache_hit, 1);
    CU_ASSERT_EQUAL(f.fetched, 1);
    anchor_relhead_destroy(h);
    /* drop a line of the manifest, same path: trained again, a second entry */
    test_put(f.manifest, "s_a\ta.wav\tcab\n");
    h = anchor_relhead_get(&s, fetch, &f, &c, NULL, &r, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(r.cache_hit, 0);
    CU_ASSERT_NOT_EQUAL(r.key, k0);
    CU_ASSERT_EQUAL(f.fetched, 2);
    CU_ASSERT_EQUAL(count_heads(cache), 2);
    anchor_relhead_destroy(h);
    /* the model file's bytes changed in place: trained again */
    test_put(f.model, "model bytes v9");
    h = anchor_relhead_get(&s, fetch, &f, &c, NULL, &r, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(r.cache_hit, 0);
    CU_ASSERT_EQUAL(count_heads(cache), 3);
    anchor_relhead_destroy(h);
    /* both edits undone: the first head again, from the cache */
    test_put(f.manifest, "s_a\ta.wav\tcab\ns_b\tb.wav\ta bad deed\n");
    test_put(f.model, "model bytes v1");
    h = anchor_relhead_get(&s, fetch, &f, &c, NULL, &r, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    CU_ASSERT_EQUAL(r.cache_hit, 1);
    CU_ASSERT_EQUAL(r.key, k0);
    CU_ASSERT_EQUAL(f.fetched, 3);
    anchor_relhead_destroy(h);
    free_fixture(&f);
}

/* A saved head, loaded, saves the same training settings (the table drives
 * both), and a missing manifest file is an error naming it. */
static void test_save_load_settings(void)
{
    fixture f;
    make_fixture(&f, "saveload");
    anchor_relhead_config c = recipe(NULL);
    c.seed = 12345, c.lr = 2e-3f, c.clip = 3, c.ls_lambda = 0.25, c.noise = 0.125f;
    anchor_relhead_spec s = spec_of(&f);
    anchor_relhead_data d = {NU, f.zp, f.t, texts, NULL, NULL};
    base_err e = BASE_ERR_INIT;
    anchor_relhead *h = anchor_relhead_train(&s, &d, &c, NULL, NULL, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    char p1[600], p2[600];
    snprintf(p1, sizeof p1, "%s/h1.h5", f.dir);
    snprintf(p2, sizeof p2, "%s/h2.h5", f.dir);
    CU_ASSERT_EQUAL(anchor_relhead_save(h, p1, &e), BASE_OK);
    anchor_relhead *g = anchor_relhead_load(p1, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(anchor_relhead_key_of(g), anchor_relhead_key_of(h));
    CU_ASSERT_EQUAL(anchor_relhead_save(g, p2, &e), BASE_OK);
    /* the re-saved file has the same bytes */
    FILE *a = fopen(p1, "rb"), *b = fopen(p2, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    int ca, cb, same = 1;
    do {
        ca = getc(a), cb = getc(b);
        same &= ca == cb;
    } while (ca != EOF && cb != EOF);
    fclose(a), fclose(b);
    CU_ASSERT(same);
    anchor_relhead_destroy(g);
    anchor_relhead_destroy(h);
    s.train_manifest = "/nonexistent/manifest.tsv";
    uint64_t k;
    CU_ASSERT_EQUAL(anchor_relhead_key(&s, &c, &k, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, "/nonexistent/manifest.tsv");
    free_fixture(&f);
}

int main(void)
{
    static const test_case cases[] = {
        {"key follows the model file's bytes, not its path", test_key_follows_model_bytes},
        {"key follows the manifest's text and audio bytes", test_key_follows_manifest_content},
        {"key follows every training setting", test_key_follows_every_setting},
        {"a manifest edited in place trains a new head", test_manifest_edit_retrains},
        {"save/load keep the training settings", test_save_load_settings},
        {NULL, NULL},
    };
    return test_main("relhead_file", cases);
}
