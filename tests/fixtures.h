/* fixtures.h -- test inputs and checks several test programs share (part of
 * tests/libtestutil.a, next to testutil.h):
 *   - random matrices for the anchors/ tests: Gaussian fills from a named
 *     stream, random orthogonal matrices, affine maps between latent spaces;
 *   - a tiny random agent model file (codecs/, sim/ tests), and the folder of
 *     three agents with a manifest and an anchor corpus the semantic-kind
 *     tests share;
 *   - loading a scenario from text, running it, reading named /summary
 *     columns of its results file and comparing whole tables byte for byte
 *     (sim/ pipeline tests);
 *   - a small TTS speech corpus made by `semsim corpus`.
 * Failures inside a fixture are CUnit assertions (FATAL where the test cannot
 * go on). */
#ifndef TESTS_FIXTURES_H
#define TESTS_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "base/h5io.h"
#include "codecs/modelfile.h"
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

/* The same, saved as dir/name. */
void test_save_tiny_agent_in(const char *dir, const char *name, int d, uint64_t seed);

/* m's tensors (params/NAME, each write asserted) and architecture attributes
 * (the int keys, family, vocab, arch.dropout = 0.1) written into h through
 * h5io, as a writer other than codec_model_save would (no seal): the caller
 * adds format, format_version and anything else. */
void test_write_model_parts(base_h5 *h, const codec_model *m);

/* The semantic-kind set-up in dir: tiny agents a.h5 (d 8, seed 1), b.h5
 * (d 8, seed 2) and c.h5 (d 12, seed 3); manifest.tsv, 3 utterances of 0.5,
 * 1 and 1.5 s (ids spk_0..2: "the cat sat", "a dog ran home", "stop"); and
 * anchors.tsv, an anchor corpus of other sentences, 2, 3 and 4 s (anc_0..2).
 * Audio: TEST_SIGNAL_RIPPLE (testutil_audio.h), variant 1 for the anchors. */
void test_make_semantic_dir(const char *dir);

/* Writes text to dir/name and loads it as a scenario; NULL (the error printed
 * as file:line: message, and in e) when it does not load. */
sim_scenario *test_load_scenario(const char *dir, const char *name, const char *text, base_err *e);

/* text, loaded as dir/name (it must load), fails validation (the error
 * printed) with a one-line message holding needle, at name:line. */
void test_assert_invalid(const char *dir, const char *name, const char *text, const char *needle,
                         int line);

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

/* The bytes of dataset name of the HDF5 file path, read in its file type
 * (fixed-size members compare byte for byte; variable-length ones are
 * reclaimed, their pointers left dangling in the buffer), malloc'd with room
 * for one more element; *n elements of *size bytes. */
unsigned char *test_table_bytes(const char *path, const char *name, size_t *n, size_t *size);

/* Datasets name of files a and b are the same bytes: asserts the same row
 * count, the same row size and, when both hold, the same bytes (printing the
 * first row that differs). Returns a's row count. */
size_t test_assert_same_table(const char *a, const char *b, const char *name);

/* The same check without assertions: 1 when equal (else prints which). */
int test_same_table(const char *a, const char *b, const char *name);

/* `semsim corpus` (in process) of three Harvard sentences in the voice
 * "flite slt" into test_tmpdir()/speech, once per test program; the path of
 * its manifest into man (n bytes). The command must succeed. */
void test_make_speech_corpus(char *man, size_t n);

#endif
