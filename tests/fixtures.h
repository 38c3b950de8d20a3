/* fixtures.h -- test inputs and checks several test programs share (part of
 * tests/libtestutil.a, next to testutil.h):
 *   - random matrices for the anchors/ tests: Gaussian fills from a named
 *     stream, random orthogonal matrices, affine maps between latent spaces;
 *   - a tiny random agent model file (codecs/, sim/ tests);
 *   - running a scenario and reading named /summary columns of its results
 *     file (sim/ pipeline tests).
 * Failures inside a fixture are CUnit assertions (FATAL where the test cannot
 * go on). */
#ifndef TESTS_FIXTURES_H
#define TESTS_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

/* x[0..n) ~ N(0, sigma^2) from the stream (seed, 0, component). */
void test_gaussian(float *x, size_t n, float sigma, uint64_t seed, const char *component);

/* q (d,d): a random orthogonal matrix, Gram-Schmidt (twice) on Gaussian rows
 * in double, from the stream (seed, 1, "test.orth"). */
void test_orthogonal(float *q, size_t d, uint64_t seed);

/* y (n,dr) = s * x (n,dt) m (dt,dr) + b (dr; NULL = no offset), in double. */
void test_affine(const float *x, size_t n, size_t dt, const float *m, size_t dr, float s,
                 const float *b, float *y);

/* A tiny untrained agent (dwconv, latent size d, width 16, stride 2, kernels
 * 3, one block each side, no dropout; the default front-end) from seed,
 * saved as a model file at path. */
void test_save_tiny_agent(const char *path, int d, uint64_t seed);
/* The same with `upsample` CTC frames per latent frame. */
void test_save_tiny_agent_up(const char *path, int d, uint64_t seed, int upsample);

/* sim_run(sc) into out with `jobs` threads (force); must succeed (the error is
 * printed). */
void test_run_scenario(const sim_scenario *sc, const char *out, int jobs);

/* The named double columns of /summary in the results file path, row by row
 * into rows (cap rows of ncol doubles: e.g. an array of structs of ncol
 * doubles, in the order of cols). Returns the row count. raw (may be NULL):
 * the whole dataset in its file type, malloc'd, *rawsize bytes (to compare
 * two runs byte for byte). */
size_t test_read_summary(const char *path, const char *const *cols, size_t ncol, void *rows,
                         size_t cap, unsigned char **raw, size_t *rawsize);

#endif
