/* ctc.h -- Connectionist Temporal Classification loss and its gradient.
 *
 * Where it sits: codecs/train.c puts the decoder's logits (T,V) and the
 * transcript's label sequence through it; the gradient flows back into the
 * decoder and encoder. Blank is index 0 (codecs/vocab.h).
 *
 * Graves, Fernandez, Gomez & Schmidhuber, "Connectionist Temporal
 * Classification", ICML 2006: forward-backward over the label sequence with
 * blanks interleaved (sec. 4.1, eqs. 5-10), computed in log space; the
 * gradient w.r.t. the unnormalised logits is softmax - posterior occupancy
 * (eq. 16).
 *
 * Forced alignment (codec_ctc_align): the single most probable CTC path that
 * collapses to the transcript -- the Viterbi recursion of the same lattice
 * (alpha with max in place of log-sum-exp, plus back-pointers). It gives one
 * label per frame (a character, or the blank), e.g. for per-character anchor
 * prototypes (anchors/select.h, class selection).
 */
#ifndef CODECS_CTC_H
#define CODECS_CTC_H

#include "base/status.h"

#include <stddef.h>

/* Doubles of workspace codec_ctc_loss needs for T frames and L labels. */
size_t codec_ctc_workspace_size(int t, int l);

/* Negative log-likelihood -log p(labels | logits) of one utterance.
 *   logits (T,V) unnormalised scores (log-softmax is taken here),
 *   labels (L) in 1..V-1 (no blanks), L >= 0,
 *   grad (T,V) or NULL: d loss / d logits is ADDED to it, times `scale`,
 *   work: codec_ctc_workspace_size(T, L) doubles.
 * Returns BASE_OK and *loss; BASE_ERANGE (loss = +inf, grad untouched) when no
 * alignment exists (T shorter than L plus repeated neighbours); BASE_EINVAL on a
 * bad argument (label out of range, V < 2 or V > 64, T < 1). */
base_status codec_ctc_loss(double *loss, float *grad, float scale, const float *logits, int t,
                           int v, const int *labels, int l, double *work, base_err *err);

/* Doubles of workspace codec_ctc_align needs for T frames and L labels. */
size_t codec_ctc_align_workspace_size(int t, int l);

/* Viterbi forced alignment of one utterance.
 *   logp (T,V)  per-frame scores: log-probabilities (log-softmax) or unnormalised
 *               logits -- every path visits each frame once, so a per-frame
 *               normaliser does not change which path is best,
 *   labels (L)  in 1..V-1 (no blanks), L >= 0,
 *   path (T)    out: the best path's label per frame, 0 = blank; collapsing it
 *               (merge repeats, drop blanks) gives labels exactly,
 *   score       out (nullable): the path's summed score sum_t logp[t, path[t]],
 *   work        codec_ctc_align_workspace_size(T, L) doubles.
 * Ties between equally good predecessors go to the one nearest in the lattice
 * (stay, then advance one, then skip a blank), so the result is deterministic.
 * BASE_ERANGE (path untouched) when no path exists (T shorter than L plus
 * repeated neighbours, or every path has a -inf score); BASE_EINVAL on a bad
 * argument (label out of range, V < 2, T < 1, NULL). */
base_status codec_ctc_align(const float *logp, int t, int v, const int *labels, int l, int *path,
                            double *score, double *work, base_err *err);

#endif
