/* test_ucache.c -- the run's per-utterance cache (sim/ucache): a value is
 * computed once and handed out as copies; a failed fill leaves nothing; the
 * budget keeps what fits and hands out the rest uncached; budget 0 and NULL
 * always compute; threads asking for the same key at once compute it once and
 * all get the same bytes; the resources own one and set its budget. */
#include "base/pool.h"
#include "sim/resources.h"
#include "sim/ucache.h"
#include "tests/testutil.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct filler {
    atomic_int calls;
    int fail;     /* 1: return BASE_EIO */
    size_t bytes; /* value size */
    int slow_us;  /* sleep inside fill (so other threads arrive meanwhile) */
} filler;

static base_status fill(void *ctx, void **val, size_t *bytes, base_err *err)
{
    filler *f = ctx;
    int k = atomic_fetch_add(&f->calls, 1);
    if (f->slow_us) usleep((useconds_t)f->slow_us);
    if (f->fail) return base_err_set(err, BASE_EIO, "x.wav", 0, "cannot read");
    unsigned char *v = malloc(f->bytes ? f->bytes : 1);
    if (!v) return BASE_ENOMEM;
    for (size_t i = 0; i < f->bytes; i++) v[i] = (unsigned char)(i * 7 + 3);
    (void)k;
    *val = v;
    *bytes = f->bytes;
    return BASE_OK;
}

static void check_bytes(const unsigned char *v, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= v[i] == (unsigned char)(i * 7 + 3);
    CU_ASSERT(ok);
}

static void test_once_and_copies(void)
{
    base_err e = BASE_ERR_INIT;
    sim_ucache *c = sim_ucache_create(1 << 20, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    filler f = {.bytes = 1000};
    void *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    CU_ASSERT_EQUAL(sim_ucache_get(c, "k1", fill, &f, &a, &na, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_ucache_get(c, "k1", fill, &f, &b, &nb, &e), BASE_OK);
    CU_ASSERT_EQUAL(atomic_load(&f.calls), 1);
    CU_ASSERT_EQUAL(na, 1000);
    CU_ASSERT_EQUAL(nb, 1000);
    CU_ASSERT_PTR_NOT_EQUAL(a, b); /* copies the caller owns */
    check_bytes(a, na);
    check_bytes(b, nb);
    memset(a, 0, na); /* scribbling on a copy does not touch the cache */
    free(a);
    CU_ASSERT_EQUAL(sim_ucache_get(c, "k1", fill, &f, &a, &na, &e), BASE_OK);
    check_bytes(a, na);
    free(a);
    free(b);
    CU_ASSERT_EQUAL(sim_ucache_get(c, "k2", fill, &f, &a, &na, &e), BASE_OK); /* another key */
    CU_ASSERT_EQUAL(atomic_load(&f.calls), 2);
    free(a);
    sim_ucache_stats s = sim_ucache_get_stats(c);
    CU_ASSERT_EQUAL(s.entries, 2);
    CU_ASSERT_EQUAL(s.hits, 2);
    CU_ASSERT_EQUAL(s.misses, 2);
    CU_ASSERT(s.bytes >= 2000 && s.bytes <= s.budget);
    sim_ucache_destroy(c);
    sim_ucache_destroy(NULL);
}

static void test_fail_and_budget(void)
{
    base_err e = BASE_ERR_INIT;
    sim_ucache *c = sim_ucache_create(3000, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    filler bad = {.fail = 1, .bytes = 10};
    void *v = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(sim_ucache_get(c, "bad", fill, &bad, &v, &n, &e), BASE_EIO);
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_STRING_EQUAL(e.file, "x.wav");
    CU_ASSERT_EQUAL(sim_ucache_get(c, "bad", fill, &bad, &v, &n, &e), BASE_EIO); /* not kept */
    CU_ASSERT_EQUAL(atomic_load(&bad.calls), 2);
    /* 2000 bytes fit once in 3000; the second value is handed out, not kept */
    filler f = {.bytes = 2000};
    CU_ASSERT_EQUAL(sim_ucache_get(c, "a", fill, &f, &v, &n, &e), BASE_OK);
    free(v);
    CU_ASSERT_EQUAL(sim_ucache_get(c, "b", fill, &f, &v, &n, &e), BASE_OK);
    CU_ASSERT_EQUAL(n, 2000);
    check_bytes(v, n);
    free(v);
    CU_ASSERT_EQUAL(sim_ucache_get(c, "b", fill, &f, &v, &n, &e), BASE_OK);
    free(v);
    CU_ASSERT_EQUAL(atomic_load(&f.calls), 3); /* a once, b twice */
    sim_ucache_stats s = sim_ucache_get_stats(c);
    CU_ASSERT_EQUAL(s.entries, 1);
    CU_ASSERT_EQUAL(s.not_kept, 2);
    CU_ASSERT(s.bytes <= 3000);
    sim_ucache_grow_budget(c, 100); /* never lowers */
    CU_ASSERT_EQUAL(sim_ucache_get_stats(c).budget, 3000);
    sim_ucache_destroy(c);

    /* budget 0 and no cache at all: every get computes */
    filler g = {.bytes = 8};
    c = sim_ucache_create(0, &e);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(sim_ucache_get(c, "k", fill, &g, &v, &n, &e), BASE_OK);
        free(v);
        CU_ASSERT_EQUAL(sim_ucache_get(NULL, "k", fill, &g, &v, &n, &e), BASE_OK);
        check_bytes(v, n);
        free(v);
    }
    CU_ASSERT_EQUAL(atomic_load(&g.calls), 6);
    sim_ucache_destroy(c);
}

/* Four threads ask for the same four keys in turn while the fill is slow. */
typedef struct race {
    sim_ucache *c;
    filler f[4];
    void *got[16];
    size_t n[16];
    base_status st[16];
} race;

static void race_item(void *ctx, int worker, size_t item)
{
    (void)worker;
    race *r = ctx;
    char key[8];
    snprintf(key, sizeof key, "k%zu", item % 4);
    r->st[item] =
        sim_ucache_get(r->c, key, fill, &r->f[item % 4], &r->got[item], &r->n[item], NULL);
}

static void test_threads(void)
{
    base_err e = BASE_ERR_INIT;
    race r = {0};
    r.c = sim_ucache_create(1 << 20, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r.c);
    for (int k = 0; k < 4; k++) r.f[k] = (filler){.bytes = 100 + 10 * (size_t)k, .slow_us = 20000};
    base_pool *p = base_pool_start(4, 16, race_item, &r, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    base_pool_join(p);
    for (int k = 0; k < 4; k++) CU_ASSERT_EQUAL(atomic_load(&r.f[k].calls), 1);
    for (int i = 0; i < 16; i++) {
        CU_ASSERT_EQUAL(r.st[i], BASE_OK);
        CU_ASSERT_EQUAL(r.n[i], 100 + 10 * (size_t)(i % 4));
        if (r.got[i]) check_bytes(r.got[i], r.n[i]);
        free(r.got[i]);
    }
    sim_ucache_stats s = sim_ucache_get_stats(r.c);
    CU_ASSERT_EQUAL(s.misses, 4);
    CU_ASSERT_EQUAL(s.entries, 4);
    sim_ucache_destroy(r.c);
}

static void test_resources_own_one(void)
{
    base_err e = BASE_ERR_INIT;
    sim_resources *res = sim_resources_create(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    sim_ucache *c = sim_resources_ucache(res);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(sim_ucache_get_stats(c).budget, 0); /* keeps nothing until a kind asks */
    sim_resources_set_cache_mb(res, 2);
    sim_resources_set_cache_mb(res, 1);
    sim_resources_set_cache_mb(res, 0);
    CU_ASSERT_EQUAL(sim_ucache_get_stats(c).budget, (size_t)2 << 20);
    CU_ASSERT_PTR_NULL(sim_resources_ucache(NULL));
    sim_resources_set_cache_mb(NULL, 5);
    sim_resources_destroy(res);
}

int main(void)
{
    static const test_case cases[] = {
        {"computed once, handed out as copies", test_once_and_copies},
        {"failed fills and the budget", test_fail_and_budget},
        {"threads on the same keys compute once", test_threads},
        {"the resources own one", test_resources_own_one},
        {NULL, NULL},
    };
    return test_main("sim/ucache", cases);
}
