/* eq_mlp.h -- the two-layer MLP equalizer (equalizer.type = mlp), fitted on
 * anchor pairs only.
 *
 * Where it sits: one row of the equalizer table (anchors/equalizer.c); this
 * module holds its fit and its map. The neural aligner Pannacci et al. 2025
 * compare with linear and Parseval-frame ones ("Semantic Channel Equalization
 * Strategies for Deep Joint Source-Channel Coding", arXiv:2510.04674, sec. III:
 * a small MLP, one hidden layer with a PReLU-type nonlinearity, trained with
 * Adam on MSE between the mapped transmitter latents and the receiver's):
 *
 *   x_rx = mu_rx + sd_rx * (W2 g(W1 u + b1) + b2),  u = (x_tx - mu_tx) / sd_tx,
 *   g(v) = max(v, 0.1 v) (a leaky ReLU with a fixed slope),
 *   W1 (H,d_tx), W2 (d_rx,H); mu, sd the anchors' mean and RMS spread per side.
 *
 * Fit: full-batch AdamW (lr, beta 0.9/0.999, decoupled weight decay 1e-4 on
 * the weights) for `epochs` steps on the K anchor pairs, MSE on the
 * standardised targets. Initial weights N(0, 2/d_tx) and N(0, 1/H), biases 0,
 * from the RNG stream (seed, 0, "anchors.eq.mlp"). One thread, sums in a fixed
 * order: a seed gives the same map on any number of workers. The transmitter
 * sends its latent (d_tx reals per frame); the receiver needs the transmitter's
 * anchor latents for the fit (handshake K*d_tx reals, as ridge).
 */
#ifndef ANCHOR_EQ_MLP_H
#define ANCHOR_EQ_MLP_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

typedef struct anchor_eq_mlp_config {
    size_t hidden; /* H, 1..4096 (default 32) */
    long epochs;   /* full-batch optimiser steps, 1..1000000 (default 2000) */
    double lr;     /* peak Adam learning rate (default 1e-2) */
    uint64_t seed; /* initial weights */
} anchor_eq_mlp_config;

void anchor_eq_mlp_config_default(anchor_eq_mlp_config *cfg);

typedef struct anchor_eq_mlp anchor_eq_mlp;

/* Trains on the K pairs A_tx (K,d_tx) -> A_rx (K,d_rx) (finite, row-major).
 * NULL with err filled on bad arguments or out of memory. */
anchor_eq_mlp *anchor_eq_mlp_create(const anchor_eq_mlp_config *cfg, const float *a_tx,
                                    const float *a_rx, size_t k, size_t d_tx, size_t d_rx,
                                    base_err *err);
void anchor_eq_mlp_destroy(anchor_eq_mlp *m);

/* x_tx (N,d_tx) -> x_rx (N,d_rx). Allocates nothing (stack blocks). */
void anchor_eq_mlp_apply(const anchor_eq_mlp *m, const float *x_tx, size_t n, float *x_rx);

/* Mean squared error on the standardised anchor targets after the fit. */
double anchor_eq_mlp_train_loss(const anchor_eq_mlp *m);

#endif
