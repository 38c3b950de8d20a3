/* test_sample.c -- sim/sample: the evaluation order of a source's utterances.
 * With n below the source's size it takes every voice evenly (also voices of
 * unequal sizes), distinct lines spread over the range (TTS-like: every voice
 * speaks every line), utterances spread within each speaker (LibriSpeech-like:
 * every speaker has their own lines); it is a permutation, deterministic from
 * the seed, nested (fewer utterances = a prefix), manifest order when n >= N;
 * the cover figures; sim_sample_apply reorders the manifest. */
#include "sim/sample.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* V voices x L lines, voice by voice as `semsim corpus` writes them
 * (VOICE/VOICE_Lnnnn.wav, lines 501...). */
static codec_manifest *parallel(size_t V, size_t L)
{
    codec_manifest *m = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_create(NULL, &m, &e), BASE_OK);
    for (size_t v = 0; v < V; v++)
        for (size_t l = 0; l < L; l++) {
            char id[64], audio[96], text[64];
            snprintf(id, sizeof id, "voice%zu_L%04zu", v, 501 + l);
            snprintf(audio, sizeof audio, "voice%zu/%s.wav", v, id);
            snprintf(text, sizeof text, "Sentence number %zu.", 501 + l);
            CU_ASSERT_EQUAL_FATAL(codec_manifest_add(m, id, audio, text, &e), BASE_OK);
        }
    return m;
}

/* Speakers with their own lines: speaker s has sizes[s] utterances. */
static codec_manifest *disjoint(const size_t *sizes, size_t S)
{
    codec_manifest *m = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_create(NULL, &m, &e), BASE_OK);
    for (size_t s = 0; s < S; s++)
        for (size_t u = 0; u < sizes[s]; u++) {
            char id[64], audio[96], text[64];
            snprintf(id, sizeof id, "%zu-1-%04zu", s, u);
            snprintf(audio, sizeof audio, "spk%zu/1/%s.flac", s, id);
            snprintf(text, sizeof text, "speaker %zu says thing %zu", s, u);
            CU_ASSERT_EQUAL_FATAL(codec_manifest_add(m, id, audio, text, &e), BASE_OK);
        }
    return m;
}

static size_t *order_of(const codec_manifest *m, size_t n, uint64_t seed)
{
    size_t N = codec_manifest_size(m);
    size_t *o = malloc((N + 1) * sizeof *o);
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(sim_sample_order(m, n, seed, o, &e), BASE_OK);
    /* always a permutation */
    unsigned char *seen = calloc(N + 1, 1);
    for (size_t k = 0; k < N; k++) {
        CU_ASSERT_FATAL(o[k] < N && !seen[o[k]]);
        seen[o[k]] = 1;
    }
    free(seen);
    return o;
}

/* TTS-like: n < N covers every voice evenly with distinct, spread lines. */
static void test_parallel_balanced(void)
{
    const size_t V = 3, L = 90;
    codec_manifest *m = parallel(V, L);
    static const size_t ns[] = {6, 30, 89, 90, 180, 269};
    for (size_t c = 0; c < 10 * sizeof ns / sizeof *ns; c++) {
        size_t n = ns[c % (sizeof ns / sizeof *ns)];
        size_t *o = order_of(m, n, 1 + c / (sizeof ns / sizeof *ns)); /* seeds 1..10 */
        size_t per_voice[3] = {0}, uses[90] = {0};
        for (size_t k = 0; k < n; k++) {
            per_voice[o[k] / L]++;
            uses[o[k] % L]++;
        }
        /* every voice n/V, rounded either way */
        for (size_t v = 0; v < V; v++) {
            if (per_voice[v] < n / V || per_voice[v] > (n + V - 1) / V)
                fprintf(stderr, "  n=%zu: voice %zu has %zu\n", n, v, per_voice[v]);
            CU_ASSERT(per_voice[v] >= n / V && per_voice[v] <= (n + V - 1) / V);
        }
        /* lines as even as can be: each used floor(n/L) or ceil(n/L) times */
        size_t lo = SIZE_MAX, hi = 0;
        for (size_t l = 0; l < L; l++) {
            lo = uses[l] < lo ? uses[l] : lo;
            hi = uses[l] > hi ? uses[l] : hi;
        }
        CU_ASSERT(lo >= n / L && hi <= (n + L - 1) / L);
        /* spread: no gap between chosen lines wider than 3 L / n (n < L) */
        if (n < L) {
            size_t last = SIZE_MAX, first = SIZE_MAX, gap = 0;
            for (size_t l = 0; l < L; l++)
                if (uses[l]) {
                    if (last != SIZE_MAX && l - last > gap) gap = l - last;
                    if (first == SIZE_MAX) first = l;
                    last = l;
                }
            if (L - last + first > gap) gap = L - last + first; /* around the circle */
            if (gap > 3 * L / n) fprintf(stderr, "  n=%zu: a gap of %zu lines\n", n, gap);
            CU_ASSERT(gap <= 3 * L / n);
        }
        free(o);
    }
    codec_manifest_destroy(m);
}

/* Deterministic from the seed, nested in n, manifest order for n >= N. */
static void test_seed_prefix_identity(void)
{
    codec_manifest *m = parallel(3, 30);
    size_t N = 90;
    size_t *a = order_of(m, 20, 7), *b = order_of(m, 20, 7), *c = order_of(m, 20, 8);
    size_t *big = order_of(m, 60, 7), *all = order_of(m, 90, 7), *more = order_of(m, 1000, 7);
    CU_ASSERT(!memcmp(a, b, N * sizeof *a));
    CU_ASSERT(memcmp(a, c, 20 * sizeof *a) != 0); /* another seed, another set */
    CU_ASSERT(!memcmp(a, big, 20 * sizeof *a));   /* 20 are the first 20 of 60 */
    for (size_t k = 0; k < N; k++) {
        CU_ASSERT_EQUAL(all[k], k);
        CU_ASSERT_EQUAL(more[k], k);
    }
    /* the entries after the n chosen keep manifest order */
    for (size_t k = 21; k < N; k++) CU_ASSERT(a[k] > a[k - 1]);
    free(a);
    free(b);
    free(c);
    free(big);
    free(all);
    free(more);
    codec_manifest_destroy(m);
}

/* Speakers of unequal sizes with their own lines (LibriSpeech-like). */
static void test_disjoint_speakers(void)
{
    const size_t sizes[] = {5, 40, 40, 20}, S = 4, N = 105;
    size_t start[4] = {0, 5, 45, 85};
    codec_manifest *m = disjoint(sizes, S);
    size_t n = 41;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        size_t *o = order_of(m, n, seed);
        size_t got[4] = {0}, lo_half[4] = {0};
        for (size_t k = 0; k < n; k++) {
            size_t s = o[k] < 5 ? 0 : o[k] < 45 ? 1 : o[k] < 85 ? 2 : 3;
            got[s]++;
            lo_half[s] += (o[k] - start[s]) < sizes[s] / 2;
        }
        /* the small speaker gives all 5, the others share the rest evenly */
        CU_ASSERT_EQUAL(got[0], 5);
        for (size_t s = 1; s < S; s++) CU_ASSERT(got[s] == 12);
        /* spread within each speaker: both halves of the big ones */
        for (size_t s = 1; s < S; s++) {
            if (lo_half[s] < 4 || lo_half[s] > 8)
                fprintf(stderr, "  speaker %zu: %zu of %zu in the first half\n", s, lo_half[s],
                        got[s]);
            CU_ASSERT(lo_half[s] >= 4 && lo_half[s] <= 8);
        }
        free(o);
    }
    (void)N;
    codec_manifest_destroy(m);
}

static void test_cover_and_apply(void)
{
    codec_manifest *m = parallel(3, 30);
    base_err e = BASE_ERR_INIT;
    sim_sample_cover c;
    CU_ASSERT_EQUAL(sim_sample_cover_of(m, 2, 1, &c, &e), BASE_OK);
    CU_ASSERT_EQUAL(c.utterances, 2);
    CU_ASSERT_EQUAL(c.voices, 2);
    CU_ASSERT_EQUAL(c.lines, 2);
    CU_ASSERT_EQUAL(c.source_utterances, 90);
    CU_ASSERT_EQUAL(c.source_voices, 3);
    CU_ASSERT_EQUAL(c.source_lines, 30);
    CU_ASSERT_EQUAL(sim_sample_cover_of(m, 45, 1, &c, &e), BASE_OK);
    CU_ASSERT_EQUAL(c.voices, 3);
    CU_ASSERT_EQUAL(c.lines, 30);
    CU_ASSERT_EQUAL(sim_sample_cover_of(m, 500, 1, &c, &e), BASE_OK);
    CU_ASSERT_EQUAL(c.utterances, 90);
    /* apply: entry k of the manifest is the k-th of the order */
    size_t *o = order_of(m, 10, 5);
    char want[10][64];
    for (size_t k = 0; k < 10; k++) snprintf(want[k], 64, "%s", codec_manifest_id(m, o[k]));
    CU_ASSERT_EQUAL(sim_sample_apply(m, 10, 5, &e), BASE_OK);
    for (size_t k = 0; k < 10; k++) CU_ASSERT_STRING_EQUAL(codec_manifest_id(m, k), want[k]);
    CU_ASSERT_EQUAL(codec_manifest_size(m), 90);
    free(o);
    /* one voice, every line distinct: the first n lines would be the old rule */
    codec_manifest *one = parallel(1, 40);
    size_t *p = order_of(one, 4, 1);
    size_t maxi = 0;
    for (size_t k = 0; k < 4; k++) maxi = p[k] > maxi ? p[k] : maxi;
    CU_ASSERT(maxi >= 20); /* not simply the first four */
    free(p);
    CU_ASSERT_EQUAL(sim_sample_order(NULL, 1, 1, NULL, &e), BASE_EINVAL);
    codec_manifest_destroy(one);
    codec_manifest_destroy(m);
}

int main(void)
{
    static const test_case cases[] = {
        {"every voice evenly, distinct lines spread (TTS layout)", test_parallel_balanced},
        {"same seed same order, prefixes, manifest order for n >= N", test_seed_prefix_identity},
        {"speakers of unequal sizes with their own lines", test_disjoint_speakers},
        {"cover figures and apply", test_cover_and_apply},
        {NULL, NULL},
    };
    return test_main("sample", cases);
}
