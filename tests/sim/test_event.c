/* test_event.c -- the discrete-event core (sim/event): time order, ties in
 * insertion order, stop, time limit, handler errors and bad input. */
#include "sim/event.h"
#include "base/rng.h"
#include "tests/testutil.h"

#include <stdint.h>
#include <stdlib.h>

typedef struct trace {
    int64_t t[4096];
    int64_t tag[4096];
    size_t n;
    size_t stop_after; /* call sim_event_stop after this many events (0: never) */
} trace;

static base_status record(sim_event_queue *q, void *entity, sim_payload p, base_err *err)
{
    (void)err;
    trace *tr = entity;
    tr->t[tr->n] = sim_event_now(q);
    tr->tag[tr->n] = p.i;
    tr->n++;
    if (tr->stop_after && tr->n == tr->stop_after) sim_event_stop(q);
    return BASE_OK;
}

/* Random times: events come out sorted by time, ties by insertion order. */
static void test_order_and_ties(void)
{
    sim_event_queue *q = sim_event_queue_create(4, NULL); /* small: forces growth */
    CU_ASSERT_FATAL(q != NULL);
    static trace tr;
    tr.n = 0;
    tr.stop_after = 0;
    base_rng r;
    base_rng_init(&r, 1, 0, base_rng_component("test.event"));
    enum { N = 3000 };
    static int64_t when[N];
    for (int i = 0; i < N; i++) {
        when[i] = (int64_t)base_rng_below(&r, 50); /* many ties */
        CU_ASSERT_EQUAL(sim_event_schedule(q, when[i], record, &tr, (sim_payload){.i = i}),
                        BASE_OK);
    }
    CU_ASSERT_EQUAL(sim_event_pending(q), N);
    uint64_t ran = 0;
    CU_ASSERT_EQUAL(sim_event_run(q, INT64_MAX, &ran, NULL), BASE_OK);
    CU_ASSERT_EQUAL(ran, N);
    CU_ASSERT_EQUAL_FATAL(tr.n, N);
    int sorted = 1;
    for (size_t i = 0; i < tr.n; i++) {
        CU_ASSERT_EQUAL(tr.t[i], when[tr.tag[i]]);
        if (i && (tr.t[i] < tr.t[i - 1] || (tr.t[i] == tr.t[i - 1] && tr.tag[i] < tr.tag[i - 1])))
            sorted = 0;
    }
    CU_ASSERT(sorted);
    CU_ASSERT_EQUAL(sim_event_pending(q), 0);
    sim_event_queue_destroy(q);
}

/* Ties: events scheduled at the same time from inside a handler run after the
 * ones already queued for that time. */
static base_status chain(sim_event_queue *q, void *entity, sim_payload p, base_err *err)
{
    record(q, entity, p, err);
    if (p.i < 3) return sim_event_schedule_in(q, 0, chain, entity, (sim_payload){.i = p.i + 10});
    return BASE_OK;
}

static void test_ties_from_handlers(void)
{
    sim_event_queue *q = sim_event_queue_create(0, NULL);
    static trace tr;
    tr.n = 0;
    tr.stop_after = 0;
    for (int i = 0; i < 4; i++) sim_event_schedule(q, 100, chain, &tr, (sim_payload){.i = i});
    CU_ASSERT_EQUAL(sim_event_run(q, INT64_MAX, NULL, NULL), BASE_OK);
    static const int64_t want[] = {0, 1, 2, 3, 10, 11, 12};
    CU_ASSERT_EQUAL_FATAL(tr.n, 7);
    for (size_t i = 0; i < 7; i++) CU_ASSERT_EQUAL(tr.tag[i], want[i]);
    sim_event_queue_destroy(q);
}

static void test_stop_and_time_limit(void)
{
    sim_event_queue *q = sim_event_queue_create(8, NULL);
    static trace tr;
    tr.n = 0;
    tr.stop_after = 3;
    for (int i = 0; i < 10; i++) sim_event_schedule(q, i * 10, record, &tr, (sim_payload){.i = i});
    uint64_t ran = 0;
    CU_ASSERT_EQUAL(sim_event_run(q, INT64_MAX, &ran, NULL), BASE_OK);
    CU_ASSERT_EQUAL(ran, 3);
    CU_ASSERT(sim_event_stopped(q));
    CU_ASSERT_EQUAL(sim_event_now(q), 20);
    CU_ASSERT_EQUAL(sim_event_pending(q), 7);
    /* resume with a time limit: runs events at 30..50 only */
    tr.stop_after = 0;
    CU_ASSERT_EQUAL(sim_event_run(q, 55, &ran, NULL), BASE_OK);
    CU_ASSERT_EQUAL(ran, 3);
    CU_ASSERT_EQUAL(sim_event_now(q), 50);
    CU_ASSERT_EQUAL(sim_event_pending(q), 4);
    /* scheduling in the past is refused */
    CU_ASSERT_EQUAL(sim_event_schedule(q, 49, record, &tr, (sim_payload){0}), BASE_EINVAL);
    CU_ASSERT_EQUAL(sim_event_schedule_in(q, -1, record, &tr, (sim_payload){0}), BASE_EINVAL);
    CU_ASSERT_EQUAL(sim_event_schedule(q, 60, NULL, &tr, (sim_payload){0}), BASE_EINVAL);
    sim_event_queue_reset(q);
    CU_ASSERT_EQUAL(sim_event_pending(q), 0);
    CU_ASSERT_EQUAL(sim_event_now(q), 0);
    sim_event_queue_destroy(q);
    sim_event_queue_destroy(NULL);
}

static base_status fail_at_two(sim_event_queue *q, void *entity, sim_payload p, base_err *err)
{
    record(q, entity, p, err);
    if (p.i == 2) return base_err_set(err, BASE_EIO, NULL, 0, "handler failed");
    return BASE_OK;
}

static void test_handler_error(void)
{
    sim_event_queue *q = sim_event_queue_create(8, NULL);
    static trace tr;
    tr.n = 0;
    tr.stop_after = 0;
    for (int i = 0; i < 5; i++) sim_event_schedule(q, i, fail_at_two, &tr, (sim_payload){.i = i});
    base_err e = BASE_ERR_INIT;
    uint64_t ran = 0;
    CU_ASSERT_EQUAL(sim_event_run(q, INT64_MAX, &ran, &e), BASE_EIO);
    CU_ASSERT_EQUAL(ran, 3);
    CU_ASSERT_EQUAL(e.code, BASE_EIO);
    CU_ASSERT_EQUAL(sim_event_run(NULL, 0, NULL, &e), BASE_EINVAL);
    sim_event_queue_destroy(q);
}

static void test_ns(void)
{
    CU_ASSERT_EQUAL(sim_event_ns(1.5), 1500000000LL);
    CU_ASSERT_EQUAL(sim_event_ns(1e-9 * 0.6), 1);
    CU_ASSERT_EQUAL(sim_event_ns(-2.0), 0);
    CU_ASSERT_EQUAL(sim_event_ns(0.0 / 0.0), 0);
    CU_ASSERT_EQUAL(sim_event_ns(1e300), INT64_MAX / 4);
}

int main(void)
{
    static const test_case cases[] = {
        {"time order, ties by insertion", test_order_and_ties},
        {"ties scheduled from handlers", test_ties_from_handlers},
        {"stop and time limit", test_stop_and_time_limit},
        {"handler error aborts run", test_handler_error},
        {"seconds to ns", test_ns},
        {NULL, NULL},
    };
    return test_main("event", cases);
}
