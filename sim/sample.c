/* sample.c -- the balanced evaluation order of a source's utterances over
 * voices and lines. See sample.h for the rule. */
#define _GNU_SOURCE /* qsort_r */
#include "sim/sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/rng.h"
#include "codecs/text.h"

#define NONE ((size_t)-1)
#define INV_PHI 0.61803398874989484820 /* 1 / golden ratio */

/* ---- labels: voice and line ids by first appearance -------------------------------- */

/* Open-addressing table string -> id (the strings belong to the caller). */
typedef struct intern {
    const char **key; /* (n) the distinct strings, by id */
    size_t *slot;     /* (nslot) id or NONE */
    size_t n, nslot;
} intern;

static int intern_init(intern *t, size_t cap)
{
    t->n = 0;
    t->nslot = 64;
    while (t->nslot < 2 * cap + 2) t->nslot *= 2;
    t->key = malloc((cap + 1) * sizeof *t->key);
    t->slot = malloc(t->nslot * sizeof *t->slot);
    if (!t->key || !t->slot) return -1;
    for (size_t i = 0; i < t->nslot; i++) t->slot[i] = NONE;
    return 0;
}

static void intern_free(intern *t)
{
    free(t->key);
    free(t->slot);
}

/* The id of s, a new one (t->n) on its first appearance. Capacity was given at init. */
static size_t intern_id(intern *t, const char *s)
{
    size_t mask = t->nslot - 1, i = (size_t)base_hash_str(BASE_HASH_INIT, s) & mask;
    while (t->slot[i] != NONE && strcmp(t->key[t->slot[i]], s)) i = (i + 1) & mask;
    if (t->slot[i] == NONE) {
        t->key[t->n] = s;
        t->slot[i] = t->n++;
    }
    return t->slot[i];
}

typedef struct labels {
    size_t n, nv, nl;
    size_t *voice, *line; /* (n) ids */
} labels;

static void labels_free(labels *lb)
{
    free(lb->voice);
    free(lb->line);
}

/* Voice ids from the speakers, line ids from the normalised transcripts. */
static base_status labels_make(const codec_manifest *man, labels *lb, base_err *err)
{
    size_t n = codec_manifest_size(man);
    memset(lb, 0, sizeof *lb);
    lb->n = n;
    intern tv = {0}, tl = {0};
    char **norm = calloc(n + 1, sizeof *norm);
    lb->voice = malloc((n + 1) * sizeof *lb->voice);
    lb->line = malloc((n + 1) * sizeof *lb->line);
    base_status st = BASE_OK;
    if (!norm || !lb->voice || !lb->line || intern_init(&tv, n) || intern_init(&tl, n)) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if ((st = codec_text_normalise(codec_manifest_transcript(man, i), &norm[i], err)))
            goto fail;
        lb->voice[i] = intern_id(&tv, codec_manifest_speaker(man, i));
        lb->line[i] = intern_id(&tl, norm[i]);
    }
    lb->nv = tv.n;
    lb->nl = tl.n;
fail:
    for (size_t i = 0; norm && i < n; i++) free(norm[i]);
    free(norm);
    intern_free(&tv);
    intern_free(&tl);
    if (st) labels_free(lb);
    return st;
}

/* ---- the balanced order -------------------------------------------------------------- */

typedef struct picker {
    const labels *lb;
    size_t *first, *members; /* voice v's entries: members[first[v] .. first[v+1]), line order */
    double *q;               /* (n) an entry's quantile within its voice */
    size_t *left;            /* (nv) entries of the voice not yet taken */
    size_t *size;            /* (nv) entries of the voice */
    size_t *used;            /* (nl) times a line was taken */
    unsigned char *taken;    /* (n) */
} picker;

static void picker_free(picker *p)
{
    free(p->first);
    free(p->members);
    free(p->q);
    free(p->left);
    free(p->size);
    free(p->used);
    free(p->taken);
}

/* Entries by (voice, line, manifest index). */
static int by_voice_line(const void *a, const void *b, void *ctx)
{
    const labels *lb = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (lb->voice[i] != lb->voice[j]) return lb->voice[i] < lb->voice[j] ? -1 : 1;
    if (lb->line[i] != lb->line[j]) return lb->line[i] < lb->line[j] ? -1 : 1;
    return (i > j) - (i < j);
}

static int picker_init(picker *p, const labels *lb)
{
    size_t n = lb->n, nv = lb->nv;
    memset(p, 0, sizeof *p);
    p->lb = lb;
    p->first = calloc(nv + 1, sizeof *p->first);
    p->members = malloc((n + 1) * sizeof *p->members);
    p->q = malloc((n + 1) * sizeof *p->q);
    p->left = calloc(nv + 1, sizeof *p->left);
    p->size = calloc(nv + 1, sizeof *p->size);
    p->used = calloc(lb->nl + 1, sizeof *p->used);
    p->taken = calloc(n + 1, 1);
    if (!p->first || !p->members || !p->q || !p->left || !p->size || !p->used || !p->taken)
        return -1;
    for (size_t i = 0; i < n; i++) {
        p->members[i] = i;
        p->left[lb->voice[i]]++;
    }
    qsort_r(p->members, n, sizeof *p->members, by_voice_line, (void *)lb);
    for (size_t v = 0; v < nv; v++) p->first[v + 1] = p->first[v] + p->left[v];
    memcpy(p->size, p->left, nv * sizeof *p->size);
    for (size_t v = 0; v < nv; v++)
        for (size_t k = p->first[v]; k < p->first[v + 1]; k++)
            p->q[p->members[k]] = ((double)(k - p->first[v]) + 0.5) / (double)p->left[v];
    return 0;
}

/* Voice v's pick for target tau: its untaken entry with the least-used line,
 * then nearest to tau on the circle, then the earliest. */
static size_t pick(const picker *p, size_t v, double tau)
{
    size_t best = NONE, best_used = 0;
    double best_d = 0;
    for (size_t k = p->first[v]; k < p->first[v + 1]; k++) {
        size_t i = p->members[k];
        if (p->taken[i]) continue;
        size_t u = p->used[p->lb->line[i]];
        double d = fabs(p->q[i] - tau);
        if (d > 0.5) d = 1 - d;
        if (best == NONE || u < best_used ||
            (u == best_used && (d < best_d || (d == best_d && i < best)))) {
            best = i;
            best_used = u;
            best_d = d;
        }
    }
    return best;
}

/* order[0..want) by the rounds of sample.h; then the rest in manifest order. */
static void balanced(picker *p, size_t want, uint64_t seed, size_t *order, size_t *active)
{
    const labels *lb = p->lb;
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component("sim.sample"));
    double u = base_rng_uniform(&r);
    size_t t = 0;
    while (t < want) {
        size_t na = 0;
        for (size_t v = 0; v < lb->nv; v++)
            if (p->left[v]) active[na++] = v;
        base_rng_shuffle(&r, active, na);
        for (size_t a = 0; a < na && t < want; a++, t++) {
            size_t v = active[a], k = p->size[v] - p->left[v]; /* voice v's k-th pick */
            double x = u + (double)v / (double)lb->nv + (double)k * INV_PHI;
            size_t i = pick(p, v, x - floor(x));
            p->taken[i] = 1;
            p->left[v]--;
            p->used[lb->line[i]]++;
            order[t] = i;
        }
    }
    for (size_t i = 0; i < lb->n; i++)
        if (!p->taken[i]) order[t++] = i;
}

static base_status order_from(const labels *lb, size_t n, uint64_t seed, size_t *order,
                              base_err *err)
{
    size_t N = lb->n;
    if (n >= N) {
        for (size_t i = 0; i < N; i++) order[i] = i;
        return BASE_OK;
    }
    picker p;
    memset(&p, 0, sizeof p);
    size_t *active = malloc((lb->nv + 1) * sizeof *active);
    base_status st = BASE_OK;
    if (!active || picker_init(&p, lb))
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    else
        balanced(&p, n, seed, order, active);
    picker_free(&p);
    free(active);
    return st;
}

base_status sim_sample_order(const codec_manifest *man, size_t n, uint64_t seed, size_t *order,
                             base_err *err)
{
    if (!man || (!order && codec_manifest_size(man)))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "sim_sample_order: NULL");
    labels lb;
    base_status st = labels_make(man, &lb, err);
    if (st) return st;
    st = order_from(&lb, n, seed, order, err);
    labels_free(&lb);
    return st;
}

base_status sim_sample_apply(codec_manifest *man, size_t n, uint64_t seed, base_err *err)
{
    size_t N = codec_manifest_size(man);
    if (n >= N) return BASE_OK;
    size_t *order = malloc((N + 1) * sizeof *order);
    if (!order) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = sim_sample_order(man, n, seed, order, err);
    if (!st) st = codec_manifest_permute(man, order, err);
    free(order);
    return st;
}

/* Distinct ids among ids[order[0..k)] (ids < nid). */
static size_t distinct(const size_t *ids, const size_t *order, size_t k, size_t nid,
                       unsigned char *seen)
{
    memset(seen, 0, nid + 1);
    size_t d = 0;
    for (size_t j = 0; j < k; j++)
        if (!seen[ids[order[j]]]) {
            seen[ids[order[j]]] = 1;
            d++;
        }
    return d;
}

base_status sim_sample_cover_of(const codec_manifest *man, size_t n, uint64_t seed,
                                sim_sample_cover *c, base_err *err)
{
    if (!man || !c) return base_err_set(err, BASE_EINVAL, NULL, 0, "sim_sample_cover_of: NULL");
    memset(c, 0, sizeof *c);
    labels lb;
    base_status st = labels_make(man, &lb, err);
    if (st) return st;
    size_t N = lb.n;
    size_t *order = malloc((N + 1) * sizeof *order);
    unsigned char *seen = malloc(N + 1);
    if (!order || !seen)
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    else
        st = order_from(&lb, n, seed, order, err);
    if (!st) {
        size_t k = n < N ? n : N;
        c->utterances = k;
        c->voices = distinct(lb.voice, order, k, lb.nv, seen);
        c->lines = distinct(lb.line, order, k, lb.nl, seen);
        c->source_utterances = N;
        c->source_voices = lb.nv;
        c->source_lines = lb.nl;
    }
    free(order);
    free(seen);
    labels_free(&lb);
    return st;
}
