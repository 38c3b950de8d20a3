/* rng.c -- xoshiro256** streams (see rng.h). */
#include "sim/base/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static void seed_from(sim_rng *r, uint64_t h)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&h);
}

void sim_rng_init(sim_rng *r, uint64_t seed, uint64_t run, uint64_t component)
{
    /* Each coordinate goes through a full SplitMix64 round before the next is
     * mixed in, so (seed, run, comp) tuples that differ anywhere give unrelated
     * states. */
    uint64_t h = seed;
    uint64_t a = splitmix64(&h);
    h = a ^ (run * 0xD1B54A32D192ED03ull);
    uint64_t b = splitmix64(&h);
    h = b ^ (component * 0x8CB92BA72F3D8DD7ull);
    seed_from(r, splitmix64(&h));
}

uint64_t sim_rng_component(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    return h;
}

void sim_rng_fork(const sim_rng *r, uint64_t k, sim_rng *child)
{
    uint64_t h = r->s[0] ^ rotl(r->s[1], 17) ^ rotl(r->s[2], 31) ^ rotl(r->s[3], 47);
    h = splitmix64(&h) ^ (k * 0xD1B54A32D192ED03ull);
    seed_from(child, splitmix64(&h));
}

uint64_t sim_rng_u64(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double sim_rng_uniform(sim_rng *r) { return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased. */
    uint64_t x = sim_rng_u64(r);
    __uint128_t m = (__uint128_t)x * n;
    uint64_t l = (uint64_t)m;
    if (l < n) {
        uint64_t t = -n % n;
        while (l < t) {
            x = sim_rng_u64(r);
            m = (__uint128_t)x * n;
            l = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Box-Muller pair: two independent N(0,1). u1 in (0,1] avoids log(0). */
static void normal_pair(sim_rng *r, double *a, double *b)
{
    double u1 = 1.0 - sim_rng_uniform(r);
    double u2 = sim_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    double th = 2.0 * M_PI * u2;
    *a = rad * cos(th);
    *b = rad * sin(th);
}

double sim_rng_normal(sim_rng *r)
{
    double a, b;
    normal_pair(r, &a, &b);
    return a;
}

float complex sim_rng_cnormal(sim_rng *r)
{
    double a, b;
    normal_pair(r, &a, &b);
    return (float)(a * M_SQRT1_2) + I * (float)(b * M_SQRT1_2);
}

void sim_rng_normal_fill(sim_rng *r, float *out, size_t n, float sigma)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        double a, b;
        normal_pair(r, &a, &b);
        out[i] = sigma * (float)a;
        out[i + 1] = sigma * (float)b;
    }
    if (i < n) out[i] = sigma * (float)sim_rng_normal(r);
}

void sim_rng_cnormal_fill(sim_rng *r, float complex *out, size_t n, float sigma)
{
    for (size_t i = 0; i < n; i++) out[i] = sigma * sim_rng_cnormal(r);
}

void sim_rng_shuffle(sim_rng *r, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)sim_rng_below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
