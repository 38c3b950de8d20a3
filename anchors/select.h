/* select.h -- choosing K anchors from candidate latent frames, and building
 * each agent's anchor latents from that choice.
 *
 * Where it sits: before any relative projection (anchors/relative.h) or
 * equalizer fit (anchors/equalizer.h), both agents must hold anchor latents
 * that describe the same speech. The candidates are the latent frames of a
 * shared anchor corpus (each agent encodes it with its own encoder), made
 * frame-synchronous with anchor_resample_linear, or utterance-level vectors
 * from anchor_pool_mean.
 *
 * Selection is done once, by the transmitter, on ITS candidates (N,d_tx). The
 * result is an anchor_set: K groups of candidate indices (or K class ids).
 * Each agent then calls anchor_set_build on its OWN candidates to get its
 * anchors (K,d): anchor k = mean of its own latents of group k.
 *
 *   random  K distinct indices drawn uniformly (partial Fisher-Yates) from a
 *           stream both agents seed identically: nothing is sent.
 *   fps     farthest-point sampling (Gonzalez 1985) in the transmitter's space,
 *           Euclidean distance; starts at the candidate farthest from the
 *           candidates' mean. The K indices are sent once.
 *   kmeans  the paper's prototypes (Hüttebräucker et al. 2024): k-means++
 *           seeding (Arthur & Vassilvitskii 2007) from the rng, Lloyd iterations,
 *           each anchor the mean of all, or `members` random, members of one
 *           cluster. The member indices (and group sizes) are sent once.
 *   class   per-class prototypes: each agent labels its own frames (CTC forced
 *           alignment against the shared transcripts), anchor c = mean of the
 *           frames labelled c. No index exchange; the class ids only when K is
 *           less than the classes present.
 *
 * Handshake bits (anchor_set_handshake_bits), with b = ceil(log2 N):
 *   random 0; fps K*b; kmeans (total members)*b + K*ceil(log2(N+1)) for the
 *   group sizes (0 extra when every group has one member); class 0 when all
 *   present classes are used, else K*ceil(log2 C).
 * See docs/anchors.md.
 */
#ifndef ANCHOR_SELECT_H
#define ANCHOR_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "base/status.h"

typedef enum anchor_selection {
    ANCHOR_SEL_RANDOM = 0,
    ANCHOR_SEL_FPS,
    ANCHOR_SEL_KMEANS,
    ANCHOR_SEL_CLASS,
} anchor_selection;

/* "random" | "fps" | "kmeans" | "class" -> method; BASE_EINVAL otherwise. */
base_status anchor_selection_parse(const char *name, anchor_selection *sel, base_err *err);
const char *anchor_selection_name(anchor_selection sel);
/* Every anchors.selection, NULL-terminated, in enum order: the scenario key's allowed values. */
const char *const *anchor_selection_names(void);

typedef struct anchor_select_config {
    anchor_selection method;
    size_t k;        /* anchors wanted, 1 <= K <= candidates (classes present for class) */
    size_t members;  /* kmeans: members averaged per anchor, 0 = all of the cluster */
    int max_iter;    /* kmeans: Lloyd iterations at most (stops earlier when no frame moves) */
    int num_classes; /* class: labels are in [0, num_classes); negative labels are ignored */
} anchor_select_config;

/* method random, k 16, members 0, max_iter 100, num_classes 0. */
void anchor_select_config_default(anchor_select_config *cfg);

typedef struct anchor_set anchor_set;

/* Select K anchors from the transmitter's N candidates.
 *   x (N,d)     candidate latents (needed by fps, kmeans; may be NULL otherwise)
 *   labels (N)  per-candidate class, for class only (may be NULL otherwise)
 *   rng         random and kmeans draw from it (advanced); unused by fps, class
 * Errors (NULL, err filled): K == 0; K > N; K > classes present (class);
 * K greater than the number of distinct candidate vectors (fps, kmeans);
 * a non-finite x; NULL inputs the method needs; num_classes <= 0 or a label
 * >= num_classes (class).
 * kmeans empty clusters: a cluster left empty by an assignment step takes the
 * frame farthest from its own centroid (from a cluster with > 1 member), so
 * every returned group is non-empty. */
anchor_set *anchor_set_select(const anchor_select_config *cfg, const float *x, size_t n, size_t d,
                              const int *labels, base_rng *rng, base_err *err);

/* Build this agent's anchors A (K,d) from its own candidates.
 * Index methods (random, fps, kmeans): x (N,d) must have the same N as the
 * selection (frame-synchronous candidates); anchor k = mean of rows in group k.
 * class: x (n,d) and labels (n) are this agent's own frames and alignment, any n;
 * anchor k = mean of frames labelled class_k; BASE_ENOTFOUND when this agent has
 * no frame of a selected class. BASE_EINVAL on a non-finite x or a size mismatch. */
base_status anchor_set_build(const anchor_set *s, const float *x, size_t n, size_t d,
                             const int *labels, float *anchors, base_err *err);

size_t anchor_set_count(const anchor_set *s);      /* K */
size_t anchor_set_candidates(const anchor_set *s); /* N the selection saw */
anchor_selection anchor_set_method(const anchor_set *s);
/* Group k's candidate indices (ascending for kmeans, one index for random/fps):
 * returns its size and sets *idx. Class sets have no index groups (returns 0). */
size_t anchor_set_group(const anchor_set *s, size_t k, const size_t **idx);
/* Class id of anchor k (class method), -1 otherwise. */
int anchor_set_class(const anchor_set *s, size_t k);
/* Bits the transmitter sends once so the receiver can build its anchors (above). */
uint64_t anchor_set_handshake_bits(const anchor_set *s);
/* kmeans: Lloyd iterations run (0 for other methods). */
int anchor_set_iterations(const anchor_set *s);
/* FNV-1a hash of (method, K, N, groups or class ids): a cache key for anchor
 * sets (e.g. relative heads trained for one set). */
uint64_t anchor_set_hash(const anchor_set *s);
void anchor_set_destroy(anchor_set *s);

/* Number of classes with at least one label in labels (n) over [0, num_classes). */
size_t anchor_class_count(const int *labels, size_t n, int num_classes);

/* Time alignment of candidate frames between agents with different frame rates.
 * x (t1,d) -> y (t2,d) by linear interpolation, both sequences spanning the same
 * duration with frames at their centres: output frame j samples input position
 *     p = (j + 0.5) * t1 / t2 - 0.5, clamped to [0, t1 - 1],
 * y_j = (1 - f) x_floor(p) + f x_floor(p)+1, f = p - floor(p). t2 == t1 copies.
 * BASE_EINVAL when t1, t2 or d is 0 or a pointer is NULL. x and y must not overlap. */
base_status anchor_resample_linear(const float *x, size_t t1, size_t d, float *y, size_t t2,
                                   base_err *err);

/* Utterance-level vector: out (d) = mean over the t frames of x (t,d). t > 0. */
base_status anchor_pool_mean(const float *x, size_t t, size_t d, float *out, base_err *err);

#endif
