/* select.c -- anchor selection (random, fps, kmeans prototypes, class prototypes),
 * per-agent anchor building, and the time-alignment / pooling helpers.
 *
 * See select.h for the contract and docs/anchors.md for the choices.
 * k-means distances use one sgemm per block of frames: |x - c|^2 =
 * |x|^2 + |c|^2 - 2<x,c>, and only |c|^2 - 2<x,c> matters for the argmin.
 */
#include "anchors/select.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

struct anchor_set {
    anchor_selection method;
    size_t k, n;
    size_t *offsets; /* (K+1) group k is idx[offsets[k] .. offsets[k+1]) */
    size_t *idx;
    int *classes; /* (K) class method only */
    int num_classes;
    uint64_t handshake_bits;
    int iterations;
};

static const char *const sel_names[] = {"random", "fps", "kmeans", "class", NULL};

const char *const *anchor_selection_names(void)
{
    return sel_names;
}

base_status anchor_selection_parse(const char *name, anchor_selection *sel, base_err *err)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, sel_names[i]) == 0) {
            *sel = (anchor_selection)i;
            return BASE_OK;
        }
    return base_err_set(err, BASE_EINVAL, NULL, 0,
                        "unknown anchors.selection '%s' (expected random, fps, kmeans or class)",
                        name ? name : "(null)");
}

const char *anchor_selection_name(anchor_selection sel)
{
    return (unsigned)sel < 4 ? sel_names[sel] : "?";
}

void anchor_select_config_default(anchor_select_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->method = ANCHOR_SEL_RANDOM;
    cfg->k = 16;
    cfg->members = 0;
    cfg->max_iter = 100;
    cfg->num_classes = 0;
}

/* Smallest b with 2^b >= n: bits to send one of n values (0 for n <= 1). */
static unsigned bits_for(uint64_t n)
{
    unsigned b = 0;
    while (b < 64 && (1ull << b) < n) b++;
    return b;
}

static int all_finite(const float *x, size_t n, size_t *at)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            *at = i;
            return 0;
        }
    return 1;
}

static double sqdist(const float *a, const float *b, size_t d)
{
    double s = 0;
    for (size_t c = 0; c < d; c++) {
        double t = (double)a[c] - b[c];
        s += t * t;
    }
    return s;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* One index per group (random, fps): offsets 0..K. */
static base_status alloc_groups(anchor_set *s, size_t total, base_err *err)
{
    s->offsets = calloc(s->k + 1, sizeof *s->offsets);
    s->idx = malloc((total ? total : 1) * sizeof *s->idx);
    if (!s->offsets || !s->idx) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return BASE_OK;
}

static base_status select_random(anchor_set *s, base_rng *rng, base_err *err)
{
    size_t *perm = malloc(s->n * sizeof *perm);
    if (!perm) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = alloc_groups(s, s->k, err);
    if (st) goto out;
    for (size_t i = 0; i < s->n; i++) perm[i] = i;
    /* partial Fisher-Yates: the first K entries are a uniform K-subset, in draw order */
    for (size_t i = 0; i < s->k; i++) {
        size_t j = i + (size_t)base_rng_below(rng, s->n - i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        s->idx[i] = perm[i];
        s->offsets[i + 1] = i + 1;
    }
    s->handshake_bits = 0; /* the receiver regenerates the draw from the shared seed */
out:
    free(perm);
    return st;
}

static base_status select_fps(anchor_set *s, const float *x, size_t d, base_err *err)
{
    const size_t n = s->n;
    double *mind = malloc(n * sizeof *mind);
    double *mean = calloc(d, sizeof *mean);
    float *meanf = malloc(d * sizeof *meanf);
    base_status st = BASE_ENOMEM;
    if (!mind || !mean || !meanf) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    if ((st = alloc_groups(s, s->k, err))) goto out;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++) mean[c] += x[i * d + c];
    for (size_t c = 0; c < d; c++) meanf[c] = (float)(mean[c] / (double)n);
    /* deterministic start: the candidate farthest from the mean (lowest index on ties) */
    size_t cur = 0;
    double best = -1;
    for (size_t i = 0; i < n; i++) {
        double t = sqdist(x + i * d, meanf, d);
        if (t > best) best = t, cur = i;
    }
    for (size_t i = 0; i < n; i++) mind[i] = INFINITY;
    for (size_t j = 0; j < s->k; j++) {
        s->idx[j] = cur;
        s->offsets[j + 1] = j + 1;
        if (j + 1 == s->k) break;
        const float *xc = x + cur * d;
        size_t next = 0;
        best = -1;
        for (size_t i = 0; i < n; i++) {
            double t = sqdist(x + i * d, xc, d);
            if (t < mind[i]) mind[i] = t;
            if (mind[i] > best) best = mind[i], next = i;
        }
        /* chosen points sit at distance 0; so do their duplicates */
        if (!(best > 0)) {
            st = base_err_set(err, BASE_ERANGE, NULL, 0,
                              "fps: only %zu distinct candidate vectors, K = %zu", j + 1, s->k);
            goto out;
        }
        cur = next;
    }
    s->handshake_bits = (uint64_t)s->k * bits_for(n);
    st = BASE_OK;
out:
    free(mind);
    free(mean);
    free(meanf);
    return st;
}

/* k-means state shared by the helpers below. */
typedef struct kmeans_work {
    const float *x;
    size_t n, d, k;
    float *c;      /* (K,d) centroids */
    float *cn;     /* (K) |c|^2 */
    float *g;      /* (B,K) block of X C^T */
    double *xn;    /* (N) |x|^2 */
    double *dist;  /* (N) |x - c_assigned|^2 */
    size_t *asg;   /* (N) cluster of each frame */
    size_t *count; /* (K) */
    double *sum;   /* (K,d) */
} kmeans_work;

enum { KM_BLOCK = 1024 };

/* Assign every frame to its nearest centroid; returns how many frames moved. */
static size_t km_assign(kmeans_work *w, int first)
{
    const size_t n = w->n, d = w->d, k = w->k;
    size_t moved = 0;
    for (size_t j = 0; j < k; j++) {
        double s = 0;
        for (size_t c = 0; c < d; c++) s += (double)w->c[j * d + c] * w->c[j * d + c];
        w->cn[j] = (float)s;
    }
    for (size_t i0 = 0; i0 < n; i0 += KM_BLOCK) {
        size_t b = n - i0 < KM_BLOCK ? n - i0 : KM_BLOCK;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)k, (int)d, 1.0f,
                    w->x + i0 * d, (int)d, w->c, (int)d, 0.0f, w->g, (int)k);
        for (size_t r = 0; r < b; r++) {
            const float *gr = w->g + r * k;
            size_t arg = 0;
            float best = w->cn[0] - 2.0f * gr[0];
            for (size_t j = 1; j < k; j++) {
                float t = w->cn[j] - 2.0f * gr[j];
                if (t < best) best = t, arg = j;
            }
            size_t i = i0 + r;
            double dd = w->xn[i] + best;
            w->dist[i] = dd > 0 ? dd : 0;
            if (first || w->asg[i] != arg) moved++;
            w->asg[i] = arg;
        }
    }
    return moved;
}

/* Give every empty cluster the frame farthest from its own centroid, taken
 * from a cluster that keeps at least one member (deterministic: lowest index
 * on ties). Needs count[] up to date. */
static void km_fix_empty(kmeans_work *w)
{
    for (size_t j = 0; j < w->k; j++) {
        if (w->count[j]) continue;
        size_t far = SIZE_MAX;
        double best = -1;
        for (size_t i = 0; i < w->n; i++)
            if (w->count[w->asg[i]] > 1 && w->dist[i] > best) best = w->dist[i], far = i;
        if (far == SIZE_MAX) continue; /* impossible when K <= N */
        w->count[w->asg[far]]--;
        w->asg[far] = j;
        w->count[j] = 1;
        w->dist[far] = 0;
        memcpy(w->c + j * w->d, w->x + far * w->d, w->d * sizeof *w->c);
    }
}

static void km_counts(kmeans_work *w)
{
    memset(w->count, 0, w->k * sizeof *w->count);
    for (size_t i = 0; i < w->n; i++) w->count[w->asg[i]]++;
}

static void km_update(kmeans_work *w)
{
    const size_t d = w->d;
    km_counts(w);
    km_fix_empty(w);
    memset(w->sum, 0, w->k * d * sizeof *w->sum);
    for (size_t i = 0; i < w->n; i++)
        for (size_t c = 0; c < d; c++) w->sum[w->asg[i] * d + c] += w->x[i * d + c];
    for (size_t j = 0; j < w->k; j++)
        for (size_t c = 0; c < d; c++)
            w->c[j * d + c] = (float)(w->sum[j * d + c] / (double)w->count[j]);
}

/* k-means++ seeding (Arthur & Vassilvitskii 2007): first centre uniform, each
 * next one drawn with probability proportional to D^2 (squared distance to the
 * nearest centre chosen so far). */
static base_status km_seed(kmeans_work *w, base_rng *rng, base_err *err)
{
    const size_t n = w->n, d = w->d;
    double *d2 = w->dist; /* reused as D^2 */
    size_t cur = (size_t)base_rng_below(rng, n);
    for (size_t i = 0; i < n; i++) d2[i] = INFINITY;
    for (size_t j = 0; j < w->k; j++) {
        memcpy(w->c + j * d, w->x + cur * d, d * sizeof *w->c);
        if (j + 1 == w->k) break;
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            double t = sqdist(w->x + i * d, w->x + cur * d, d);
            if (t < d2[i]) d2[i] = t;
            total += d2[i];
        }
        if (!(total > 0))
            return base_err_set(err, BASE_ERANGE, NULL, 0,
                                "kmeans: only %zu distinct candidate vectors, K = %zu", j + 1,
                                w->k);
        double u = base_rng_uniform(rng) * total, acc = 0;
        size_t pick = SIZE_MAX, last = 0;
        for (size_t i = 0; i < n; i++) {
            if (!(d2[i] > 0)) continue;
            last = i;
            acc += d2[i];
            if (acc > u) {
                pick = i;
                break;
            }
        }
        cur = pick == SIZE_MAX ? last : pick; /* rounding left u at the very end */
    }
    return BASE_OK;
}

static base_status select_kmeans(anchor_set *s, const anchor_select_config *cfg, const float *x,
                                 size_t d, base_rng *rng, base_err *err)
{
    const size_t n = s->n, k = s->k;
    kmeans_work w = {.x = x, .n = n, .d = d, .k = k};
    size_t bsz = n < KM_BLOCK ? n : KM_BLOCK;
    base_status st = BASE_ENOMEM;
    w.c = malloc(k * d * sizeof *w.c);
    w.cn = malloc(k * sizeof *w.cn);
    w.g = malloc(bsz * k * sizeof *w.g);
    w.xn = malloc(n * sizeof *w.xn);
    w.dist = malloc(n * sizeof *w.dist);
    w.asg = malloc(n * sizeof *w.asg);
    w.count = malloc(k * sizeof *w.count);
    w.sum = malloc(k * d * sizeof *w.sum);
    if (!w.c || !w.cn || !w.g || !w.xn || !w.dist || !w.asg || !w.count || !w.sum) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "kmeans: out of memory (N = %zu, K = %zu)", n, k);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        double t = 0;
        for (size_t c = 0; c < d; c++) t += (double)x[i * d + c] * x[i * d + c];
        w.xn[i] = t;
    }
    if ((st = km_seed(&w, rng, err))) goto out;
    km_assign(&w, 1);
    int it = 0;
    int max_iter = cfg->max_iter > 0 ? cfg->max_iter : 100;
    while (it < max_iter) {
        km_update(&w);
        it++;
        if (km_assign(&w, 0) == 0) break;
    }
    km_counts(&w);
    km_fix_empty(&w); /* the last assignment may have emptied a cluster */
    s->iterations = it;

    /* groups: members of each cluster, ascending; optionally M drawn at random */
    size_t total = 0;
    for (size_t j = 0; j < k; j++)
        total += cfg->members && w.count[j] > cfg->members ? cfg->members : w.count[j];
    if ((st = alloc_groups(s, total, err))) goto out;
    size_t *fill = calloc(k, sizeof *fill);
    size_t *start = malloc(k * sizeof *start);
    size_t *all = malloc(n * sizeof *all);
    if (!fill || !start || !all) {
        free(fill), free(start), free(all);
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "kmeans: out of memory");
        goto out;
    }
    /* bucket all frames by cluster (ascending index inside each bucket) */
    for (size_t j = 0, acc = 0; j < k; j++) start[j] = acc, acc += w.count[j];
    for (size_t i = 0; i < n; i++) all[start[w.asg[i]] + fill[w.asg[i]]++] = i;
    size_t pos = 0;
    int all_single = 1;
    for (size_t j = 0; j < k; j++) {
        size_t *b = all + start[j], m = w.count[j];
        if (cfg->members && m > cfg->members) {
            for (size_t i = 0; i < cfg->members; i++) { /* partial Fisher-Yates */
                size_t r = i + (size_t)base_rng_below(rng, m - i);
                size_t t = b[i];
                b[i] = b[r];
                b[r] = t;
            }
            m = cfg->members;
            qsort(b, m, sizeof *b, cmp_size);
        }
        memcpy(s->idx + pos, b, m * sizeof *b);
        pos += m;
        s->offsets[j + 1] = pos;
        if (m != 1) all_single = 0;
    }
    free(fill), free(start), free(all);
    s->handshake_bits =
        (uint64_t)total * bits_for(n) + (all_single ? 0 : (uint64_t)k * bits_for((uint64_t)n + 1));
    st = BASE_OK;
out:
    free(w.c), free(w.cn), free(w.g), free(w.xn), free(w.dist), free(w.asg), free(w.count);
    free(w.sum);
    return st;
}

size_t anchor_class_count(const int *labels, size_t n, int num_classes)
{
    if (!labels || num_classes <= 0) return 0;
    unsigned char *seen = calloc((size_t)num_classes, 1);
    if (!seen) return 0;
    size_t present = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= 0 && labels[i] < num_classes && !seen[labels[i]]) {
            seen[labels[i]] = 1;
            present++;
        }
    free(seen);
    return present;
}

static base_status select_class(anchor_set *s, const int *labels, int num_classes, base_err *err)
{
    size_t *cnt = calloc((size_t)num_classes, sizeof *cnt);
    if (!cnt) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = BASE_OK;
    size_t present = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (labels[i] < 0) continue;
        if (labels[i] >= num_classes) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0, "label %d of frame %zu is >= classes %d",
                              labels[i], i, num_classes);
            goto out;
        }
        if (cnt[labels[i]]++ == 0) present++;
    }
    if (s->k > present) {
        st = base_err_set(err, BASE_ERANGE, NULL, 0,
                          "class anchors: K = %zu but only %zu classes have labelled frames", s->k,
                          present);
        goto out;
    }
    s->classes = malloc(s->k * sizeof *s->classes);
    if (!s->classes) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    /* the K classes with the most frames (lowest id on ties), then in id order */
    for (size_t j = 0; j < s->k; j++) {
        int arg = -1;
        for (int c = 0; c < num_classes; c++)
            if (cnt[c] && (arg < 0 || cnt[c] > cnt[arg])) arg = c;
        cnt[arg] = 0;
        s->classes[j] = arg;
    }
    for (size_t a = 1; a < s->k; a++) /* insertion sort, K is small */
        for (size_t b = a; b > 0 && s->classes[b - 1] > s->classes[b]; b--) {
            int t = s->classes[b];
            s->classes[b] = s->classes[b - 1];
            s->classes[b - 1] = t;
        }
    /* Both agents align the same transcripts, so the present classes agree;
     * a subset must be named. */
    s->handshake_bits = s->k == present ? 0 : (uint64_t)s->k * bits_for((uint64_t)num_classes);
out:
    free(cnt);
    return st;
}

anchor_set *anchor_set_select(const anchor_select_config *cfg, const float *x, size_t n, size_t d,
                              const int *labels, base_rng *rng, base_err *err)
{
    anchor_set *s = NULL;
    size_t at;
    if (!cfg) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "anchor selection config is NULL");
        return NULL;
    }
    if (cfg->k == 0) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "anchors.count K must be > 0");
        return NULL;
    }
    if (cfg->k > n) {
        base_err_set(err, BASE_ERANGE, NULL, 0, "anchors.count K = %zu exceeds the %zu candidates",
                     cfg->k, n);
        return NULL;
    }
    int need_x = cfg->method == ANCHOR_SEL_FPS || cfg->method == ANCHOR_SEL_KMEANS;
    int need_rng = cfg->method == ANCHOR_SEL_RANDOM || cfg->method == ANCHOR_SEL_KMEANS;
    if ((unsigned)cfg->method >= 4) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "unknown selection method %d", (int)cfg->method);
        return NULL;
    }
    if (need_x && (!x || d == 0)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "%s selection needs the candidate latents (N,d)",
                     sel_names[cfg->method]);
        return NULL;
    }
    if (need_x && !all_finite(x, n * d, &at)) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "candidate %zu, component %zu is not finite",
                     at / d, at % d);
        return NULL;
    }
    if (need_rng && !rng) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "%s selection needs an rng",
                     sel_names[cfg->method]);
        return NULL;
    }
    if (cfg->method == ANCHOR_SEL_CLASS && (!labels || cfg->num_classes <= 0)) {
        base_err_set(err, BASE_EINVAL, NULL, 0,
                     "class selection needs per-frame labels and num_classes > 0");
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    s->method = cfg->method;
    s->k = cfg->k;
    s->n = n;
    s->num_classes = cfg->num_classes;
    base_status st = BASE_OK;
    switch (cfg->method) {
    case ANCHOR_SEL_RANDOM:
        st = select_random(s, rng, err);
        break;
    case ANCHOR_SEL_FPS:
        st = select_fps(s, x, d, err);
        break;
    case ANCHOR_SEL_KMEANS:
        st = select_kmeans(s, cfg, x, d, rng, err);
        break;
    case ANCHOR_SEL_CLASS:
        st = select_class(s, labels, cfg->num_classes, err);
        break;
    }
    if (st) goto fail;
    return s;
fail:
    anchor_set_destroy(s);
    return NULL;
}

base_status anchor_set_build(const anchor_set *s, const float *x, size_t n, size_t d,
                             const int *labels, float *anchors, base_err *err)
{
    size_t at;
    if (!s || !x || !anchors || d == 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "anchor build: NULL input or d == 0");
    if (!all_finite(x, n * d, &at))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "frame %zu, component %zu is not finite",
                            at / d, at % d);
    double *acc = malloc(d * sizeof *acc);
    if (!acc) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = BASE_OK;
    if (s->method == ANCHOR_SEL_CLASS) {
        if (!labels) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0, "class anchors need this agent's labels");
            goto out;
        }
        for (size_t j = 0; j < s->k; j++) {
            size_t m = 0;
            memset(acc, 0, d * sizeof *acc);
            for (size_t i = 0; i < n; i++)
                if (labels[i] == s->classes[j]) {
                    for (size_t c = 0; c < d; c++) acc[c] += x[i * d + c];
                    m++;
                }
            if (!m) {
                st = base_err_set(err, BASE_ENOTFOUND, NULL, 0,
                                  "class anchors: no frame of this agent is labelled %d",
                                  s->classes[j]);
                goto out;
            }
            for (size_t c = 0; c < d; c++) anchors[j * d + c] = (float)(acc[c] / (double)m);
        }
    } else {
        if (n != s->n) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0,
                              "anchor build: %zu candidates, but the selection was made on %zu "
                              "(resample to frame-synchronous candidates first)",
                              n, s->n);
            goto out;
        }
        for (size_t j = 0; j < s->k; j++) {
            size_t a = s->offsets[j], b = s->offsets[j + 1];
            memset(acc, 0, d * sizeof *acc);
            for (size_t m = a; m < b; m++)
                for (size_t c = 0; c < d; c++) acc[c] += x[s->idx[m] * d + c];
            for (size_t c = 0; c < d; c++) anchors[j * d + c] = (float)(acc[c] / (double)(b - a));
        }
    }
out:
    free(acc);
    return st;
}

size_t anchor_set_count(const anchor_set *s)
{
    return s->k;
}
size_t anchor_set_candidates(const anchor_set *s)
{
    return s->n;
}
anchor_selection anchor_set_method(const anchor_set *s)
{
    return s->method;
}
uint64_t anchor_set_handshake_bits(const anchor_set *s)
{
    return s->handshake_bits;
}
int anchor_set_iterations(const anchor_set *s)
{
    return s->iterations;
}

size_t anchor_set_group(const anchor_set *s, size_t k, const size_t **idx)
{
    if (!s->offsets || k >= s->k) {
        if (idx) *idx = NULL;
        return 0;
    }
    if (idx) *idx = s->idx + s->offsets[k];
    return s->offsets[k + 1] - s->offsets[k];
}

int anchor_set_class(const anchor_set *s, size_t k)
{
    return s->classes && k < s->k ? s->classes[k] : -1;
}

uint64_t anchor_set_hash(const anchor_set *s)
{
    uint64_t h = BASE_HASH_INIT;
    uint64_t hdr[3] = {(uint64_t)s->method, s->k, s->n};
    h = base_hash_bytes(h, hdr, sizeof hdr);
    if (s->classes) h = base_hash_bytes(h, s->classes, s->k * sizeof *s->classes);
    if (s->offsets) {
        for (size_t j = 0; j <= s->k; j++) {
            uint64_t o = s->offsets[j];
            h = base_hash_bytes(h, &o, sizeof o);
        }
        for (size_t m = 0; m < s->offsets[s->k]; m++) {
            uint64_t v = s->idx[m];
            h = base_hash_bytes(h, &v, sizeof v);
        }
    }
    return h;
}

void anchor_set_destroy(anchor_set *s)
{
    if (!s) return;
    free(s->offsets);
    free(s->idx);
    free(s->classes);
    free(s);
}

base_status anchor_resample_linear(const float *x, size_t t1, size_t d, float *y, size_t t2,
                                   base_err *err)
{
    if (!x || !y || t1 == 0 || t2 == 0 || d == 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "resample: empty sequence or NULL buffer (t1 %zu, t2 %zu, d %zu)", t1,
                            t2, d);
    if (t1 == t2) {
        memcpy(y, x, t1 * d * sizeof *y);
        return BASE_OK;
    }
    for (size_t j = 0; j < t2; j++) {
        double p = ((double)j + 0.5) * (double)t1 / (double)t2 - 0.5;
        if (p < 0) p = 0;
        if (p > (double)(t1 - 1)) p = (double)(t1 - 1);
        size_t i0 = (size_t)p;
        size_t i1 = i0 + 1 < t1 ? i0 + 1 : i0;
        float f = (float)(p - (double)i0);
        for (size_t c = 0; c < d; c++)
            y[j * d + c] = (1.0f - f) * x[i0 * d + c] + f * x[i1 * d + c];
    }
    return BASE_OK;
}

base_status anchor_pool_mean(const float *x, size_t t, size_t d, float *out, base_err *err)
{
    if (!x || !out || t == 0 || d == 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "pool: empty sequence or NULL buffer");
    for (size_t c = 0; c < d; c++) {
        double s = 0;
        for (size_t i = 0; i < t; i++) s += x[i * d + c];
        out[c] = (float)(s / (double)t);
    }
    return BASE_OK;
}
