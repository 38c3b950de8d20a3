/* equalizer.h -- receiver-side semantic channel equalizers: maps from the
 * transmitter's latent space to the receiver's, fitted on anchor pairs.
 *
 * Where it sits: between the two agents. The transmitter encodes a frame with
 * its own encoder and hands the latent x_tx (d_tx) to anchor_equalizer_encode,
 * which gives the real symbols that cross the channel (K for the relative
 * types, d_tx for the absolute ones). After the channel, the receiver calls
 * anchor_equalizer_decode and feeds the result to its own decoder (type
 * relative: the result already is its decoder's output). Both sides
 * live in one object because the simulator holds both agents; the fit uses
 * only what each side would have after the handshake. See docs/anchors.md.
 *
 * Fitted on the anchors of one anchor set built by each agent in its own space:
 * A_tx (K,d_tx), A_rx (K,d_rx), row k of both describing the same speech.
 *
 *   none              x_rx = x_tx truncated or zero-padded to d_rx (the mismatch
 *                     baseline). Sends d_tx per frame; handshake 0.
 *   relative          tx sends r = psi(x_tx, A_tx) (K per frame); the receiver runs
 *                     its relative head (anchors/relhead.h: its own decoder trained
 *                     on its own relative representations psi(z_rx, A_rx), given in
 *                     config.head) on the received R (N,K) of ONE utterance and gets
 *                     CTC log-probabilities (N,V) directly: decode's output is the
 *                     decoder's output, not a latent (out_dim = V,
 *                     anchor_equalizer_outputs_logprobs = 1). Handshake 0.
 *   relative-inverse  tx sends r = psi(x_tx, A_tx) (K per frame); the receiver
 *                     solves for its own latent (Hüttebräucker et al. 2024):
 *                     cosine     x = rho * u/|u|, u = pinv(Â_rx) r, Â_rx = unit rows
 *                                of A_rx, rho = rx_norm (see config);
 *                     cosine-centered  as cosine about the anchors' mean m_rx:
 *                                x = rho * u/|u| + m_rx, u = pinv(unit rows of A_rx - m_rx) r,
 *                                rho = rx_norm (the mean |frame - m_rx| there);
 *                     inner      x = pinv(A_rx) r;
 *                     euclidean  multilateration: with b_k = (|a_k|^2 - r_k^2)/2,
 *                                x = pinv(A_rx - 1 ā^T) b (exact for noiseless
 *                                distances when K > d_rx and the anchors span).
 *                     pinv is the SVD pseudo-inverse (singular values below
 *                     1e-6 * s_max dropped), i.e. least squares, Tikhonov-regularised
 *                     by relinv_lambda (1/s -> s/(s^2 + lambda)); with K < d_rx it
 *                     is the minimum-norm solution (latent only recovered within
 *                     the anchors' span). Handshake 0 (besides the anchor set).
 *   ridge             x_rx = (x_tx - mu_tx) W + mu_rx, W = argmin |C_tx W - C_rx|^2 +
 *                     lambda |W|^2 on the centred anchors C = A - 1 mu^T, with
 *                     lambda = ridge_lambda * |C_tx|_F^2 / d_tx (scale-free).
 *                     Sends d_tx per frame; handshake K*d_tx reals (A_tx).
 *   procrustes        orthogonal R = U V^T from the SVD U S V^T = C_tx^T C_rx, with
 *                     C_tx, C_rx centred and zero-padded to D = max(d_tx, d_rx);
 *                     x_rx = s (x_tx - mu_tx) R[:d_tx, :d_rx] + mu_rx, with isotropic
 *                     scale s = trace(S)/|C_tx|_F^2 when procrustes_scale, else 1.
 *                     When M = C_tx^T C_rx is rank-deficient (K <= D), R keeps only
 *                     the singular pairs with s_j > 1e-9 s_max (a partial isometry):
 *                     the rest of U, V is arbitrary and would not be reproducible.
 *                     Sends d_tx per frame; handshake K*d_tx reals (A_tx).
 *   mlp               a two-layer MLP x_tx -> x_rx trained on the K anchor pairs only
 *                     (anchors/eq_mlp.h; Pannacci et al. 2025's neural aligner), with
 *                     mlp_hidden units for mlp_epochs full-batch AdamW steps from seed.
 *                     Sends d_tx per frame; handshake K*d_tx reals (A_tx).
 *   parseval          the zero-shot Parseval-frame equalizer (anchors/eq_parseval.h;
 *                     Fiorellino et al. 2025, Pannacci et al. 2025): K pre-whitened
 *                     frame coefficients of x_tx on the transmitter's Parseval frame
 *                     of its anchors, synthesised with the receiver's frame. Sends K
 *                     per frame; handshake K + K(K+1)/2 reals (the whitening).
 *
 * `oracle` (the receiver's own encoder on the same audio) is not an equalizer
 * object: the simulator runs it by encoding with the receiver's agent. It still
 * has a row in the table below, so that the scenario's allowed values and every
 * capability the simulator asks about come from one place.
 *
 * The table (anchor_equalizer_find, anchor_equalizer_names): one const row per
 * type the scenario accepts, with its capabilities and its fit, encode and
 * decode functions. sim/ reads these fields and never compares names. A new
 * equalizer is one row plus its functions, a test and a line in docs/anchors.md.
 */
#ifndef ANCHOR_EQUALIZER_H
#define ANCHOR_EQUALIZER_H

#include <stddef.h>
#include <stdint.h>

#include "anchors/relative.h"
#include "anchors/relhead.h"
#include "base/status.h"

typedef enum anchor_eq_type {
    ANCHOR_EQ_NONE = 0,
    ANCHOR_EQ_RELATIVE,
    ANCHOR_EQ_RELATIVE_INVERSE,
    ANCHOR_EQ_RIDGE,
    ANCHOR_EQ_PROCRUSTES,
    ANCHOR_EQ_MLP,
    ANCHOR_EQ_PARSEVAL,
} anchor_eq_type;
#define ANCHOR_EQ_TYPES 7 /* equalizer objects; the table also has oracle */

/* "none" | "relative" | "relative-inverse" | "ridge" | "procrustes" | "mlp" | "parseval" -> type.
 * "oracle" and anything else: BASE_EINVAL (oracle is handled by the simulator). */
base_status anchor_eq_type_parse(const char *name, anchor_eq_type *type, base_err *err);
const char *anchor_eq_type_name(anchor_eq_type type);

typedef struct anchor_equalizer_config {
    anchor_eq_type type;
    anchor_psi psi;             /* relative types: psi of the relative projection */
    double ridge_lambda;        /* ridge: lambda relative to |C_tx|_F^2/d_tx; default 1e-3 */
    double relinv_lambda;       /* relative-inverse: Tikhonov lambda relative to the mean squared
                                 * singular value of the receiver's anchor matrix. Default 0.1:
                                 * plain least squares (0, the paper's) blows up near K = d_rx
                                 * (docs/anchors.md has the measurement) */
    double rx_norm;             /* relative-inverse, cosine: norm given to every recovered
                                 * latent; <= 0 means the mean row norm of A_rx (cosine-centered:
                                 * norms about the anchors' mean, of frames and rows alike). Callers
                                 * should pass the mean norm of the receiver's own anchor
                                 * FRAMES (anchor_mean_norm), since averaged anchors are shorter. */
    int procrustes_scale;       /* procrustes: 1 fits the isotropic scale s, 0 keeps s = 1 */
    const anchor_relhead *head; /* relative: the receiver's trained head (anchor_relhead_get),
                                 * borrowed: it must outlive the equalizer. Its K, psi and
                                 * anchors must be those of create's A_rx */
    size_t mlp_hidden;          /* mlp: hidden units H, 1..4096 (default 32) */
    long mlp_epochs;            /* mlp: full-batch AdamW steps (default 2000) */
    double parseval_lambda;     /* parseval: whitening ridge relative to tr(C)/K (default 0.1) */
    uint64_t seed;              /* mlp: initial weights (default 1) */
} anchor_equalizer_config;

/* none, cosine, ridge_lambda 1e-3, relinv_lambda 0.1, rx_norm 0, procrustes_scale 1, head NULL,
 * mlp_hidden 32, mlp_epochs 2000, parseval_lambda 0.1, seed 1. */
void anchor_equalizer_config_default(anchor_equalizer_config *cfg);

typedef struct anchor_equalizer anchor_equalizer;

/* What decode hands the receiver. */
typedef enum anchor_eq_output {
    ANCHOR_EQ_OUT_LATENT = 0, /* a latent (N,d_rx) for the receiver's own decoder */
    ANCHOR_EQ_OUT_LOGPROBS,   /* CTC log-probabilities from the receiver's relative head; the
                               * alignment figures then compare relative symbols (N,K) */
} anchor_eq_output;

/* What crosses the channel per frame. */
typedef enum anchor_eq_symbols {
    ANCHOR_EQ_SYM_LATENT = 0, /* the encoder's latent: d_tx reals (oracle: d_rx) */
    ANCHOR_EQ_SYM_RELATIVE,   /* relative symbols psi(x, A_tx): K reals */
    ANCHOR_EQ_SYM_FRAME,      /* K reals of another anchor-based code (parseval: frame
                               * coefficients) */
} anchor_eq_symbols;

/* One row of the equalizer table. */
typedef struct anchor_eq_info {
    const char *name;          /* the scenario's equalizer.type */
    anchor_eq_type type;       /* anchor_equalizer_create's type (oracle: unused) */
    int uses_anchors;          /* 1: needs an anchor link (anchors/link.h), its corpus and K */
    int needs_head;            /* 1: the receiver trains a relative head (its corpus, its cache) */
    int is_oracle;             /* 1: the simulator encodes with the receiver's own agent */
    int maps_to_rx;            /* 1: its output is meant to match the receiver's own encoding,
                                * so the alignment figures apply (0: none, the baseline) */
    anchor_eq_output output;   /* what decode gives */
    anchor_eq_symbols symbols; /* what encode sends */
    /* Fit on A_tx (K,d_tx), A_rx (K,d_rx) into q (its cfg, k and sizes set); NULL: nothing to fit.
     */
    base_status (*fit)(anchor_equalizer *q, const float *a_tx, const float *a_rx, base_err *err);
    /* x_tx (N,d_tx) -> s (N, symbols per frame); NULL for oracle. */
    base_status (*encode)(const anchor_equalizer *q, const float *x_tx, size_t n, float *s,
                          base_err *err);
    /* s (N, symbols per frame), finite -> (N, out_dim); NULL for oracle. */
    base_status (*decode)(const anchor_equalizer *q, const float *s, size_t n, float *out,
                          base_err *err);
    const char *summary; /* one line, for docs and messages */
} anchor_eq_info;

/* The row named name (the scenario's equalizer.type), or NULL with BASE_EINVAL
 * in err naming every type. */
const anchor_eq_info *anchor_equalizer_find(const char *name, base_err *err);
/* Row i of the table (0 <= i < rows), NULL past the end: for tests and docs. */
const anchor_eq_info *anchor_equalizer_row(size_t i);
/* Every equalizer.type, NULL-terminated, in table order: the scenario key's allowed values. */
const char *const *anchor_equalizer_names(void);

/* Fit on anchor pairs A_tx (K,d_tx), A_rx (K,d_rx), row-major. Does all the
 * linear algebra (LAPACKE SVD, in double) and allocation.
 * Errors (NULL, err filled): K == 0; d_tx or d_rx == 0; NULL anchors; a non-finite
 * anchor; unknown type or psi; K > ANCHOR_EQ_MAX_K for the relative types; a zero
 * anchor with cosine psi; ridge_lambda or relinv_lambda < 0 or NaN; type relative
 * without cfg->head, or with a head whose K, psi, d_rx or anchors differ from
 * (k, cfg->psi, d_rx, a_rx). */
anchor_equalizer *anchor_equalizer_create(const anchor_equalizer_config *cfg, const float *a_tx,
                                          const float *a_rx, size_t k, size_t d_tx, size_t d_rx,
                                          base_err *err);

/* Largest K the relative types accept (execute works through a stack block). */
#define ANCHOR_EQ_MAX_K 8192

/* Real symbols the transmitter sends per frame: K (relative and frame symbols) or d_tx. */
size_t anchor_equalizer_symbols_per_frame(const anchor_equalizer *q);
/* Width of decode's output per frame: d_rx, or for relative the receiver's
 * log-probabilities, V times its CTC frames per latent frame (anchor_relhead_out_dim). */
size_t anchor_equalizer_out_dim(const anchor_equalizer *q);
/* 1 when decode gives CTC log-probabilities (relative) instead of a latent for
 * the receiver's decoder (every other type). */
int anchor_equalizer_outputs_logprobs(const anchor_equalizer *q);
size_t anchor_equalizer_in_dim(const anchor_equalizer *q); /* d_tx */
anchor_eq_type anchor_equalizer_type(const anchor_equalizer *q);
const anchor_eq_info *anchor_equalizer_info(const anchor_equalizer *q); /* its table row */
/* Real values the transmitter sends once for the fit (ridge, procrustes: K*d_tx,
 * its anchor latents); 0 for the others. The anchor set's own handshake
 * (anchor_set_handshake_bits) is separate. */
uint64_t anchor_equalizer_handshake_symbols(const anchor_equalizer *q);
/* Numerical rank kept by the pseudo-inverse (relative-inverse), by R (procrustes) or by the
 * transmitter's frame (parseval), else 0. */
size_t anchor_equalizer_rank(const anchor_equalizer *q);

/* Transmitter side: x_tx (N,d_tx) -> s (N, symbols_per_frame). */
base_status anchor_equalizer_encode(const anchor_equalizer *q, const float *x_tx, size_t n,
                                    float *s, base_err *err);
/* Receiver side: s (N, symbols_per_frame), as received -> x_rx_hat (N,out_dim).
 * relative: the N frames are one utterance (the head is a sequence model) and
 * the output is its log-probabilities (N,V); this type allocates a head
 * workspace per call (anchor_relhead_decode with a per-thread workspace avoids it). */
base_status anchor_equalizer_decode(const anchor_equalizer *q, const float *s, size_t n,
                                    float *x_rx_hat, base_err *err);
/* encode then decode with a clean channel: x_tx (N,d_tx) -> x_rx_hat (N,out_dim)
 * (relative: one utterance, and the N*K symbols are allocated per call). */
base_status anchor_equalizer_execute(const anchor_equalizer *q, const float *x_tx, size_t n,
                                     float *x_rx_hat, base_err *err);

void anchor_equalizer_destroy(anchor_equalizer *q);

/* Mean L2 norm of the n rows of x (n,d): the norm rule for relative-inverse. 0 if n == 0. */
double anchor_mean_norm(const float *x, size_t n, size_t d);

#endif
