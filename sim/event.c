/* event.c -- binary min-heap of events keyed by (time ns, insertion sequence).
 * See event.h. The sequence number makes the key unique, so the order of
 * equal-time events is the order they were scheduled in, independent of the
 * heap's internal layout. */
#include "sim/event.h"

#include <math.h>
#include <stdlib.h>

typedef struct sim_event {
    int64_t t_ns;
    uint64_t seq;
    sim_event_fn fn;
    void *entity;
    sim_payload payload;
} sim_event;

struct sim_event_queue {
    sim_event *heap;
    size_t n, cap;
    uint64_t next_seq;
    int64_t now_ns;
    int stop;
};

sim_event_queue *sim_event_queue_create(size_t capacity, base_err *err)
{
    sim_event_queue *q = calloc(1, sizeof *q);
    if (!q) goto fail;
    q->cap = capacity ? capacity : 16;
    q->heap = malloc(q->cap * sizeof *q->heap);
    if (!q->heap) goto fail;
    return q;
fail:
    sim_event_queue_destroy(q);
    base_err_set(err, BASE_ENOMEM, NULL, 0, "event queue: out of memory");
    return NULL;
}

void sim_event_queue_destroy(sim_event_queue *q)
{
    if (!q) return;
    free(q->heap);
    free(q);
}

void sim_event_queue_reset(sim_event_queue *q)
{
    q->n = 0;
    q->next_seq = 0;
    q->now_ns = 0;
    q->stop = 0;
}

static int before(const sim_event *a, const sim_event *b)
{
    return a->t_ns < b->t_ns || (a->t_ns == b->t_ns && a->seq < b->seq);
}

base_status sim_event_schedule(sim_event_queue *q, int64_t t_ns, sim_event_fn fn, void *entity,
                               sim_payload payload)
{
    if (!q || !fn || t_ns < q->now_ns) return BASE_EINVAL;
    if (q->n == q->cap) {
        size_t cap = q->cap * 2;
        sim_event *h = realloc(q->heap, cap * sizeof *h);
        if (!h) return BASE_ENOMEM;
        q->heap = h;
        q->cap = cap;
    }
    sim_event ev = {t_ns, q->next_seq++, fn, entity, payload};
    size_t i = q->n++;
    while (i > 0) { /* sift up */
        size_t parent = (i - 1) / 2;
        if (!before(&ev, &q->heap[parent])) break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = ev;
    return BASE_OK;
}

base_status sim_event_schedule_in(sim_event_queue *q, int64_t delay_ns, sim_event_fn fn,
                                  void *entity, sim_payload payload)
{
    if (!q || delay_ns < 0 || delay_ns > INT64_MAX - q->now_ns) return BASE_EINVAL;
    return sim_event_schedule(q, q->now_ns + delay_ns, fn, entity, payload);
}

static sim_event pop(sim_event_queue *q)
{
    sim_event top = q->heap[0];
    sim_event last = q->heap[--q->n];
    size_t i = 0;
    for (;;) { /* sift the former last element down from the root */
        size_t c = 2 * i + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && before(&q->heap[c + 1], &q->heap[c])) c++;
        if (!before(&q->heap[c], &last)) break;
        q->heap[i] = q->heap[c];
        i = c;
    }
    if (q->n) q->heap[i] = last;
    return top;
}

base_status sim_event_run(sim_event_queue *q, int64_t t_end_ns, uint64_t *n_run, base_err *err)
{
    uint64_t count = 0;
    base_status st = BASE_OK;
    if (!q) return base_err_set(err, BASE_EINVAL, NULL, 0, "event queue is NULL");
    q->stop = 0;
    while (q->n && !q->stop && q->heap[0].t_ns <= t_end_ns) {
        sim_event ev = pop(q);
        q->now_ns = ev.t_ns;
        count++;
        st = ev.fn(q, ev.entity, ev.payload, err);
        if (st != BASE_OK) break;
    }
    if (n_run) *n_run = count;
    return st;
}

void sim_event_stop(sim_event_queue *q)
{
    q->stop = 1;
}
int sim_event_stopped(const sim_event_queue *q)
{
    return q->stop;
}
int64_t sim_event_now(const sim_event_queue *q)
{
    return q->now_ns;
}
size_t sim_event_pending(const sim_event_queue *q)
{
    return q->n;
}

int64_t sim_event_ns(double seconds)
{
    const double cap = (double)(INT64_MAX / 4);
    if (!(seconds > 0)) return 0;
    double ns = seconds * 1e9;
    if (ns >= cap) return INT64_MAX / 4;
    return (int64_t)llround(ns);
}
