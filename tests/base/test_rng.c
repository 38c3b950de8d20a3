/* test_rng.c -- the project's RNG streams (base/rng): reference values,
 * determinism, stream independence and moments. */
#include "base/rng.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* xoshiro256** reference: state {1,2,3,4} gives these outputs (from the
 * authors' reference C implementation). */
static void test_reference_sequence(void)
{
    base_rng r = {{1, 2, 3, 4}};
    static const uint64_t want[] = {11520ull, 0ull, 1509978240ull, 1215971899390074240ull};
    for (size_t i = 0; i < 4; i++) CU_ASSERT_EQUAL(base_rng_u64(&r), want[i]);
}

static void test_determinism(void)
{
    base_rng a, b, c;
    base_rng_init(&a, 42, 7, base_rng_component("chan.noise"));
    base_rng_init(&b, 42, 7, base_rng_component("chan.noise"));
    base_rng_init(&c, 42, 8, base_rng_component("chan.noise"));
    int same_ab = 1, same_ac = 1;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = base_rng_u64(&a), y = base_rng_u64(&b), z = base_rng_u64(&c);
        same_ab &= x == y;
        same_ac &= x == z;
    }
    CU_ASSERT(same_ab);
    CU_ASSERT(!same_ac);
}

/* Streams that differ in one coordinate are uncorrelated. */
static void test_stream_independence(void)
{
    static const uint64_t tuples[][3] = {
        {1, 0, 0}, {2, 0, 0}, {1, 1, 0}, {1, 0, 1}, {1, 0, 2}, {0, 0, 0},
    };
    enum { N = 200000, T = sizeof tuples / sizeof *tuples };
    static double x[T][N];
    for (int t = 0; t < T; t++) {
        base_rng r;
        base_rng_init(&r, tuples[t][0], tuples[t][1], tuples[t][2]);
        for (int i = 0; i < N; i++) x[t][i] = base_rng_uniform(&r) - 0.5;
    }
    for (int a = 0; a < T; a++)
        for (int b = a + 1; b < T; b++) {
            double sab = 0, saa = 0, sbb = 0;
            for (int i = 0; i < N; i++) {
                sab += x[a][i] * x[b][i];
                saa += x[a][i] * x[a][i];
                sbb += x[b][i] * x[b][i];
            }
            double rho = sab / sqrt(saa * sbb);
            /* |rho| ~ 1/sqrt(N) = 0.0022; 5 sigma */
            TEST_ASSERT_NEAR(rho, 0.0, 5.0 / sqrt(N));
        }
}

static void test_moments(void)
{
    enum { N = 400000 };
    base_rng r;
    base_rng_init(&r, 3, 0, base_rng_component("test"));
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0, cpow = 0, cre_im = 0, u = 0;
    for (int i = 0; i < N; i++) {
        double g = base_rng_normal(&r);
        m1 += g;
        m2 += g * g;
        m3 += g * g * g;
        m4 += g * g * g * g;
        float complex z = base_rng_cnormal(&r);
        cpow += crealf(z) * crealf(z) + cimagf(z) * cimagf(z);
        cre_im += crealf(z) * cimagf(z);
        u += base_rng_uniform(&r);
    }
    TEST_ASSERT_NEAR(m1 / N, 0.0, 0.01);
    TEST_ASSERT_NEAR(m2 / N, 1.0, 0.01);
    TEST_ASSERT_NEAR(m3 / N, 0.0, 0.03);
    TEST_ASSERT_NEAR(m4 / N, 3.0, 0.06);
    TEST_ASSERT_NEAR(cpow / N, 1.0, 0.01);
    TEST_ASSERT_NEAR(cre_im / N, 0.0, 0.01);
    TEST_ASSERT_NEAR(u / N, 0.5, 0.002);
}

static void test_below_and_shuffle(void)
{
    base_rng r;
    base_rng_init(&r, 9, 0, 0);
    int count[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t k = base_rng_below(&r, 7);
        CU_ASSERT_FATAL(k < 7);
        count[k]++;
    }
    for (int k = 0; k < 7; k++) TEST_ASSERT_NEAR(count[k], 10000, 500);
    size_t idx[50], seen[50] = {0};
    for (size_t i = 0; i < 50; i++) idx[i] = i;
    base_rng_shuffle(&r, idx, 50);
    int moved = 0;
    for (size_t i = 0; i < 50; i++) {
        seen[idx[i]]++;
        moved += idx[i] != i;
    }
    for (size_t i = 0; i < 50; i++) CU_ASSERT_EQUAL(seen[i], 1);
    CU_ASSERT(moved > 25);
}

static void test_fork_and_fill(void)
{
    base_rng r, c1, c2, c1b;
    base_rng_init(&r, 5, 0, 0);
    base_rng before = r;
    base_rng_fork(&r, 1, &c1);
    base_rng_fork(&r, 2, &c2);
    base_rng_fork(&r, 1, &c1b);
    CU_ASSERT(memcmp(&r, &before, sizeof r) == 0); /* fork does not advance */
    CU_ASSERT(memcmp(&c1, &c1b, sizeof c1) == 0);
    CU_ASSERT(memcmp(&c1, &c2, sizeof c1) != 0);
    float v[10001];
    float complex z[5000];
    base_rng_normal_fill(&c1, v, 10001, 2.0f);
    base_rng_cnormal_fill(&c2, z, 5000, 0.5f);
    double s2 = 0, p = 0;
    for (int i = 0; i < 10001; i++) s2 += v[i] * v[i];
    for (int i = 0; i < 5000; i++) p += crealf(z[i] * conjf(z[i]));
    TEST_ASSERT_NEAR(s2 / 10001, 4.0, 0.2);
    TEST_ASSERT_NEAR(p / 5000, 0.25, 0.015);
}

int main(void)
{
    static const test_case cases[] = {
        {"xoshiro256** reference sequence", test_reference_sequence},
        {"determinism per (seed, run, component)", test_determinism},
        {"stream independence", test_stream_independence},
        {"gaussian moments", test_moments},
        {"below and shuffle", test_below_and_shuffle},
        {"fork and fill", test_fork_and_fill},
        {NULL, NULL},
    };
    return test_main("rng", cases);
}
