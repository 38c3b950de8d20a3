/* linkcache.c -- the run's shared anchor links: a list of (key, link, users)
 * under one lock, with "being built" entries other jobs wait on and the
 * least recently released idle links freed beyond `keep`. See linkcache.h. */
#include "sim/linkcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *next;
    char *key;
    anchor_link *link; /* NULL while being built */
    size_t users;      /* acquires not yet released */
    size_t idle_since; /* when users fell to 0: the release counter's value */
} entry;

struct sim_linkcache {
    pthread_mutex_t lock;
    pthread_cond_t done; /* an entry was built or dropped */
    entry *head;
    size_t releases; /* counts releases: the idle entries' order */
    sim_linkcache_stats st;
};

sim_linkcache *sim_linkcache_create(size_t keep, base_err *err)
{
    sim_linkcache *c = calloc(1, sizeof *c);
    if (!c) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->done, NULL);
    c->st.keep = keep;
    return c;
}

void sim_linkcache_destroy(sim_linkcache *c)
{
    if (!c) return;
    for (entry *e = c->head, *n; e; e = n) {
        n = e->next;
        anchor_link_destroy(e->link);
        free(e->key);
        free(e);
    }
    pthread_cond_destroy(&c->done);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void sim_linkcache_grow_keep(sim_linkcache *c, size_t keep)
{
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    if (keep > c->st.keep) c->st.keep = keep;
    pthread_mutex_unlock(&c->lock);
}

/* The link to the entry of key (or to the list's end). Under the lock. */
static entry **slot_of(sim_linkcache *c, const char *key)
{
    entry **p = &c->head;
    while (*p && strcmp((*p)->key, key)) p = &(*p)->next;
    return p;
}

/* The link to entry e. Under the lock. */
static entry **link_of(sim_linkcache *c, const entry *e)
{
    entry **p = &c->head;
    while (*p != e) p = &(*p)->next;
    return p;
}

/* Unlinks and frees e and its link. Under the lock. */
static void drop(sim_linkcache *c, entry *e)
{
    *link_of(c, e) = e->next;
    anchor_link_destroy(e->link);
    free(e->key);
    free(e);
    c->st.held--;
    pthread_cond_broadcast(&c->done);
}

base_status sim_linkcache_acquire(sim_linkcache *c, const char *key, sim_linkcache_build_fn build,
                                  void *ctx, const anchor_link **link, base_err *err)
{
    *link = NULL;
    if (!c) {
        anchor_link *l = build(ctx, err);
        *link = l;
        return l ? BASE_OK : err && err->code ? err->code : BASE_EINTERNAL;
    }
    pthread_mutex_lock(&c->lock);
    entry *e;
    while ((e = *slot_of(c, key)) && !e->link) { /* being built by another job */
        c->st.waits++;
        pthread_cond_wait(&c->done, &c->lock);
    }
    if (e) {
        c->st.hits++;
        e->users++;
        *link = e->link;
        pthread_mutex_unlock(&c->lock);
        return BASE_OK;
    }
    /* missing: this job builds it; others asking meanwhile wait */
    e = calloc(1, sizeof *e);
    char *k = strdup(key);
    if (!e || !k) {
        pthread_mutex_unlock(&c->lock);
        free(e);
        free(k);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    e->key = k;
    e->users = 1;
    *slot_of(c, key) = e;
    c->st.builds++;
    if (++c->st.held > c->st.peak_held) c->st.peak_held = c->st.held;
    pthread_mutex_unlock(&c->lock);

    anchor_link *l = build(ctx, err);

    pthread_mutex_lock(&c->lock);
    if (!l) { /* not kept: the waiters build it themselves */
        drop(c, e);
        pthread_mutex_unlock(&c->lock);
        return err && err->code ? err->code : BASE_EINTERNAL;
    }
    e->link = l;
    *link = l;
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->lock);
    return BASE_OK;
}

/* Frees the least recently released idle entries beyond keep. Under the lock. */
static void trim(sim_linkcache *c)
{
    for (;;) {
        size_t idle = 0;
        entry *oldest = NULL;
        for (entry *e = c->head; e; e = e->next)
            if (e->link && !e->users) {
                idle++;
                if (!oldest || e->idle_since < oldest->idle_since) oldest = e;
            }
        if (idle <= c->st.keep) return;
        drop(c, oldest);
        c->st.evicted++;
    }
}

void sim_linkcache_release(sim_linkcache *c, const anchor_link *link)
{
    if (!link) return;
    if (!c) {
        anchor_link_destroy((anchor_link *)link); /* acquire built it for this caller alone */
        return;
    }
    pthread_mutex_lock(&c->lock);
    entry *e = c->head;
    while (e && e->link != link) e = e->next;
    if (e && e->users && !--e->users) {
        e->idle_since = ++c->releases;
        trim(c);
    }
    pthread_mutex_unlock(&c->lock);
}

sim_linkcache_stats sim_linkcache_get_stats(sim_linkcache *c)
{
    sim_linkcache_stats s = {0};
    if (!c) return s;
    pthread_mutex_lock(&c->lock);
    s = c->st;
    pthread_mutex_unlock(&c->lock);
    return s;
}
