/* ucache.c -- the run's per-utterance cache: a chained hash table of
 * immutable values under one lock, with "being computed" entries that other
 * workers wait on. See ucache.h. */
#include "sim/ucache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

#define N_BUCKETS 4096 /* a power of two; chains stay short for runs of ~10^5 utterances */

typedef struct entry {
    struct entry *next;
    char *key;
    void *val; /* NULL while being computed */
    size_t bytes;
    int ready;
} entry;

struct sim_ucache {
    pthread_mutex_t lock;
    pthread_cond_t done; /* an entry became ready or was dropped */
    entry *bucket[N_BUCKETS];
    size_t budget, used;
    sim_ucache_stats st;
};

sim_ucache *sim_ucache_create(size_t budget_bytes, base_err *err)
{
    sim_ucache *c = calloc(1, sizeof *c);
    if (!c) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->done, NULL);
    c->budget = budget_bytes;
    return c;
}

void sim_ucache_destroy(sim_ucache *c)
{
    if (!c) return;
    for (size_t b = 0; b < N_BUCKETS; b++)
        for (entry *e = c->bucket[b], *n; e; e = n) {
            n = e->next;
            free(e->key);
            free(e->val);
            free(e);
        }
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void sim_ucache_grow_budget(sim_ucache *c, size_t budget_bytes)
{
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    if (budget_bytes > c->budget) c->budget = budget_bytes;
    pthread_mutex_unlock(&c->lock);
}

static entry **slot_of(sim_ucache *c, const char *key)
{
    uint64_t h = base_hash_str(BASE_HASH_INIT, key);
    entry **p = &c->bucket[h & (N_BUCKETS - 1)];
    while (*p && strcmp((*p)->key, key)) p = &(*p)->next;
    return p; /* the matching entry's link, or the chain's end */
}

/* Unlinks and frees e (its value is the caller's). Under the lock. */
static void drop(sim_ucache *c, entry *e)
{
    entry **p = slot_of(c, e->key);
    *p = e->next;
    free(e->key);
    free(e);
    pthread_cond_broadcast(&c->done);
}

static base_status copy_out(const void *src, size_t bytes, void **val, size_t *n, base_err *err)
{
    *val = malloc(bytes ? bytes : 1);
    if (!*val) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    memcpy(*val, src, bytes);
    *n = bytes;
    return BASE_OK;
}

base_status sim_ucache_get(sim_ucache *c, const char *key, sim_ucache_fill_fn fill, void *ctx,
                           void **val, size_t *bytes, base_err *err)
{
    *val = NULL;
    *bytes = 0;
    if (!c || !c->budget) return fill(ctx, val, bytes, err);
    size_t klen = strlen(key) + 1;
    pthread_mutex_lock(&c->lock);
    entry *e;
    for (;;) {
        e = *slot_of(c, key);
        if (!e) break;
        if (e->ready) { /* immutable and never freed before destroy: copy outside the lock */
            c->st.hits++;
            pthread_mutex_unlock(&c->lock);
            return copy_out(e->val, e->bytes, val, bytes, err);
        }
        c->st.waits++;
        pthread_cond_wait(&c->done, &c->lock);
    }
    /* missing: this thread computes it; others asking meanwhile wait */
    c->st.misses++;
    e = calloc(1, sizeof *e);
    char *k = malloc(klen);
    if (!e || !k) {
        pthread_mutex_unlock(&c->lock);
        free(e);
        free(k);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    memcpy(k, key, klen);
    e->key = k;
    *slot_of(c, key) = e;
    pthread_mutex_unlock(&c->lock);

    void *v = NULL;
    size_t n = 0;
    base_status st = fill(ctx, &v, &n, err);

    pthread_mutex_lock(&c->lock);
    size_t cost = n + klen + sizeof *e;
    if (st != BASE_OK || c->used + cost > c->budget) {
        if (st == BASE_OK) c->st.not_kept++;
        drop(c, e);
        pthread_mutex_unlock(&c->lock);
        if (st != BASE_OK) {
            free(v);
            return st;
        }
        *val = v; /* computed, handed out, not kept */
        *bytes = n;
        return BASE_OK;
    }
    e->val = v;
    e->bytes = n;
    e->ready = 1;
    c->used += cost;
    c->st.entries++;
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->lock);
    return copy_out(v, n, val, bytes, err);
}

sim_ucache_stats sim_ucache_get_stats(sim_ucache *c)
{
    sim_ucache_stats s = {0};
    if (!c) return s;
    pthread_mutex_lock(&c->lock);
    s = c->st;
    s.bytes = c->used;
    s.budget = c->budget;
    pthread_mutex_unlock(&c->lock);
    return s;
}
