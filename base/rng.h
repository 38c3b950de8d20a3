/* rng.h -- the project's only source of randomness.
 *
 * xoshiro256** (Blackman & Vigna, 2018) with SplitMix64 seeding. State is an
 * explicit, caller-owned value: no globals, no libc rand(). Independent streams
 * are derived from (seed, run, component) so that adding a component never
 * reshuffles the draws of another, and the same seed gives the same results on
 * any number of threads (each worker derives its own stream per utterance).
 */
#ifndef BASE_RNG_H
#define BASE_RNG_H

#include <complex.h>
#include <stddef.h>
#include <stdint.h>

typedef struct base_rng {
    uint64_t s[4];
} base_rng;

/* Stream for (seed, run, component). run is e.g. sweep point x repeat x
 * utterance; component names the consumer (see base_rng_component). */
void base_rng_init(base_rng *r, uint64_t seed, uint64_t run, uint64_t component);

/* Stable 64-bit id of a component name (FNV-1a), e.g. base_rng_component("chan.noise"). */
uint64_t base_rng_component(const char *name);

/* A child stream of r for sub-component k (does not advance r). */
void base_rng_fork(const base_rng *r, uint64_t k, base_rng *child);

uint64_t base_rng_u64(base_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double base_rng_uniform(base_rng *r);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t base_rng_below(base_rng *r, uint64_t n);
/* Standard normal N(0, 1). */
double base_rng_normal(base_rng *r);
/* Circularly-symmetric complex normal CN(0, 1): E|z|^2 = 1. */
float complex base_rng_cnormal(base_rng *r);
/* out[i] = sigma * N(0,1), i < n. */
void base_rng_normal_fill(base_rng *r, float *out, size_t n, float sigma);
/* out[i] = sigma * CN(0,1) (so E|out|^2 = sigma^2), i < n. */
void base_rng_cnormal_fill(base_rng *r, float complex *out, size_t n, float sigma);
/* Standard normal N(0, 1) by the ziggurat method (Marsaglia & Tsang 2000, 256 layers):
 * about 10x faster than base_rng_normal (one u64 per draw 99% of the time). A different
 * stream of values than base_rng_normal for the same state. */
double base_rng_normal_zig(base_rng *r);
/* out[i] = sigma * CN(0,1) drawn with the ziggurat (E|out|^2 = sigma^2), i < n. */
void base_rng_cnormal_fill_zig(base_rng *r, float complex *out, size_t n, float sigma);
/* Fisher-Yates shuffle of idx[0..n). */
void base_rng_shuffle(base_rng *r, size_t *idx, size_t n);

#endif
