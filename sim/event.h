/* event.h -- the discrete-event core: a time-ordered queue of handler calls.
 *
 * Sits under everything in sim/ that models time (sim/network.c builds the
 * source -> transmitter -> packetiser -> link -> receiver -> sink chain on it).
 * Events are ordered by (time in integer nanoseconds, insertion sequence), as
 * libuv's timer heap does, so simultaneous events always run in the order they
 * were scheduled and a run is reproducible bit for bit. The queue is a binary
 * min-heap; scheduling and popping are O(log n).
 *
 * A handler gets the queue (to read the clock and schedule more), the entity
 * pointer it was scheduled with, and a small payload value. A handler that
 * returns non-BASE_OK aborts the run with that status. The queue is not
 * thread-safe: one queue per simulated system, one system per worker thread.
 */
#ifndef SIM_EVENT_H
#define SIM_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define SIM_NS_PER_S 1000000000LL

typedef struct sim_event_queue sim_event_queue;

/* A small value carried by an event (an index, a pointer, a number). */
typedef union sim_payload {
    int64_t i;
    size_t z;
    double d;
    void *p;
} sim_payload;

typedef base_status (*sim_event_fn)(sim_event_queue *q, void *entity, sim_payload payload,
                                    base_err *err);

/* A queue with room for `capacity` pending events (it grows when needed).
 * The clock starts at 0 ns. NULL on allocation failure (err filled). */
sim_event_queue *sim_event_queue_create(size_t capacity, base_err *err);
void sim_event_queue_destroy(sim_event_queue *q); /* NULL is a no-op */

/* Forget every pending event, reset the clock to 0, clear the stop flag. */
void sim_event_queue_reset(sim_event_queue *q);

/* Schedule fn(q, entity, payload) at absolute time t_ns. BASE_EINVAL if t_ns is
 * before the current time or fn is NULL; BASE_ENOMEM if the queue cannot grow. */
base_status sim_event_schedule(sim_event_queue *q, int64_t t_ns, sim_event_fn fn, void *entity,
                               sim_payload payload);
/* Same, delay_ns (>= 0) after the current time. */
base_status sim_event_schedule_in(sim_event_queue *q, int64_t delay_ns, sim_event_fn fn,
                                  void *entity, sim_payload payload);

/* Run events in (time, sequence) order until one of:
 *   - the queue is empty                         -> BASE_OK
 *   - sim_event_stop was called by a handler      -> BASE_OK (the stop flag stays set)
 *   - the next event is later than t_end_ns        -> BASE_OK (it stays queued; the clock
 *     stops at the last event run). Pass INT64_MAX for no time limit.
 *   - a handler returned an error                  -> that status (err filled by it)
 * *n_run (may be NULL) receives the number of events run by this call. */
base_status sim_event_run(sim_event_queue *q, int64_t t_end_ns, uint64_t *n_run, base_err *err);

/* Ask the running sim_event_run to return after the current handler. */
void sim_event_stop(sim_event_queue *q);
int sim_event_stopped(const sim_event_queue *q);

/* Current simulated time, ns (the time of the event being or last run). */
int64_t sim_event_now(const sim_event_queue *q);
/* Events pending. */
size_t sim_event_pending(const sim_event_queue *q);

/* Seconds -> nanoseconds, rounded to nearest; saturates at INT64_MAX/4 so sums
 * of a few such values cannot overflow. Negative or NaN gives 0. */
int64_t sim_event_ns(double seconds);

#endif
