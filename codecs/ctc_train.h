/* ctc_train.h -- the one CTC training loop, shared by agents (codecs/train)
 * and the relative equalizer's heads (anchors/relhead_train).
 *
 * The loop owns what every CTC model trains with: AdamW state (codecs/optim),
 * the per-parameter weight-decay and frozen masks, one gradient slot per item
 * of a batch, the worker pool (base/pool) that fills them, the fixed-order
 * reduction and the optimiser step. What differs is the caller's, as hooks:
 * which items make a step (batching), one item's forward/CTC/backward, when to
 * stop, and what to do after a step (logging, dev metric, checkpoints).
 *
 * Determinism: an item writes only its own gradient slot, loss and status
 * (and the caller's scratch of the worker running it); the slots of the items
 * that succeeded are summed in batch order. A run therefore gives
 * bit-identical weights for any number of threads. OpenBLAS is set to one
 * thread inside the loop (the workers are the parallelism).
 *
 *   codec_ctc_train *t = codec_ctc_train_create(&cfg, err);
 *   codec_ctc_train_masks(t, agent, trainable);     decay / frozen from the agent
 *   codec_ctc_train_run(t, &step, total, &hooks, err);
 *   codec_ctc_train_destroy(t);
 */
#ifndef CODECS_CTC_TRAIN_H
#define CODECS_CTC_TRAIN_H

#include "codecs/agent.h"
#include "codecs/optim.h"
#include "base/status.h"

#include <stddef.h>

typedef struct codec_ctc_train codec_ctc_train;

typedef struct codec_ctc_train_config {
    float *params; /* (nfloats) the model's flat parameter buffer, updated in place */
    size_t nfloats;
    int max_batch;            /* items per step, at most (gradient slots) */
    int threads;              /* workers, 1..64 */
    codec_optim_config optim; /* total_steps set; checked by create */
} codec_ctc_train_config;

/* What the after hook sees of the step just taken. */
typedef struct codec_ctc_train_step {
    long step;         /* 0-based index of the step taken */
    const size_t *idx; /* (n) the items, as the batch hook gave them */
    int n;
    const double *loss; /* (n) CTC loss per item (0 where status is not OK) */
    const int *status;  /* (n) base_status per item */
    double gnorm;       /* gradient norm before clipping */
} codec_ctc_train_step;

typedef struct codec_ctc_train_hooks {
    void *ctx;
    /* The n items of step (indices into the caller's data; n <= max_batch). */
    void (*batch)(void *ctx, long step, const size_t **idx, int *n);
    /* One item: forward, CTC loss scaled by 1/n, backward adding into grad
     * (nfloats, zeroed). Runs on worker `worker` (0..threads-1); writes only
     * grad, *loss and that worker's scratch. Not OK: the item is left out. */
    base_status (*item)(void *ctx, int worker, long step, int j, int n, size_t idx, float *grad,
                        double *loss);
    /* Polled before each step (may be NULL): non-zero stops the run there. */
    int (*stop)(void *ctx, long step);
    /* After each step (may be NULL): logging, evaluation, checkpoints. Not OK
     * ends the run with that status. */
    base_status (*after)(void *ctx, const codec_ctc_train_step *s, base_err *err);
} codec_ctc_train_hooks;

codec_ctc_train *codec_ctc_train_create(const codec_ctc_train_config *c, base_err *err);
void codec_ctc_train_destroy(codec_ctc_train *t);

/* Sets the weight-decay and frozen masks from a's parameter table: tensor i
 * decays as codec_agent_param_decays says and is trained when
 * codec_agent_param_trainable says so and trainable(name) (NULL: all) agrees.
 * a's flat buffer must be the loop's. Returns the number of trained floats. */
size_t codec_ctc_train_masks(codec_ctc_train *t, const codec_agent *a,
                             int (*trainable)(const char *name));

/* Adam's first (which = 0) and second (1) moments, (nfloats): for
 * checkpoints to save and restore. */
float *codec_ctc_train_moment(codec_ctc_train *t, int which);

/* Runs steps *step .. total-1 (or until the stop hook says so), updating
 * *step to the next step to take. */
base_status codec_ctc_train_run(codec_ctc_train *t, long *step, long total,
                                const codec_ctc_train_hooks *h, base_err *err);

#endif
