/* metrics.c -- per-point aggregation, bootstrap confidence intervals and the
 * stopping rules. See metrics.h for the definitions. */
#define _GNU_SOURCE /* qsort_r */
#include "sim/metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "sim/score.h"

void sim_utt_result_clear(sim_utt_result *r)
{
    free(r->reference);
    free(r->hypothesis);
    memset(r, 0, sizeof *r);
}

base_status sim_utt_result_score(sim_utt_result *r, const char *ref, const char *hyp, base_err *err)
{
    codec_align_counts w, c;
    base_status st;
    if ((st = codec_align_words(ref, hyp, &w, err)) != BASE_OK ||
        (st = codec_align_chars(ref, hyp, &c, err)) != BASE_OK)
        return st;
    r->ref_words = w.ref;
    r->sub = w.sub;
    r->del = w.del;
    r->ins = w.ins;
    r->ref_chars = c.ref;
    r->char_errors = c.sub + c.del + c.ins;
    if (!(r->reference = strdup(ref)) || !(r->hypothesis = strdup(hyp)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return BASE_OK;
}

void sim_point_metrics_nan(sim_point_metrics *m)
{
    /* every field before status is a double, declared in a row */
    _Static_assert(offsetof(sim_point_metrics, status) % sizeof(double) == 0,
                   "sim_point_metrics: doubles, then status");
    double *d = &m->utterances;
    for (size_t k = 0; k < offsetof(sim_point_metrics, status) / sizeof(double); k++) d[k] = NAN;
    m->status[0] = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sim_metrics_quantile(const double *x, size_t n, double p)
{
    if (!n) return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s) return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    size_t rank = (size_t)ceil(p * (double)n); /* nearest rank, 1-based */
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    double q = s[rank - 1];
    free(s);
    return q;
}

base_status sim_metrics_bootstrap(const double *err_count, const double *tot, size_t n,
                                  size_t resamples, uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = NAN;
    double total = 0;
    for (size_t i = 0; i < n; i++) total += tot[i];
    if (!n || total <= 0 || resamples < 2) return BASE_OK;
    double *rate = malloc(resamples * sizeof *rate);
    if (!rate) return BASE_ENOMEM;
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component("metrics.bootstrap"));
    size_t used = 0;
    for (size_t b = 0; b < resamples; b++) {
        double e = 0, t = 0;
        for (size_t i = 0; i < n; i++) {
            size_t j = (size_t)base_rng_below(&r, n);
            e += err_count[j];
            t += tot[j];
        }
        if (t > 0) rate[used++] = e / t; /* a resample of only empty items has no rate */
    }
    if (used) {
        qsort(rate, used, sizeof *rate, cmp_double);
        /* percentile interval: the 2.5% and 97.5% order statistics */
        size_t ilo = (size_t)floor(0.025 * (double)(used - 1) + 0.5);
        size_t ihi = (size_t)floor(0.975 * (double)(used - 1) + 0.5);
        *lo = rate[ilo];
        *hi = rate[ihi];
    }
    free(rate);
    return BASE_OK;
}

/* Per-utterance error and total columns of the rate the CI is about. */
static base_status rate_columns(const sim_utt_result *r, size_t n, int bits, double **e, double **t)
{
    *e = malloc((n + 1) * sizeof **e);
    *t = malloc((n + 1) * sizeof **t);
    if (!*e || !*t) {
        free(*e);
        free(*t);
        return BASE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        if (bits) {
            (*e)[i] = (double)r[i].bit_errors;
            (*t)[i] = (double)r[i].bits;
        } else {
            (*e)[i] = (double)(r[i].sub + r[i].del + r[i].ins);
            (*t)[i] = (double)r[i].ref_words;
        }
    }
    return BASE_OK;
}

static base_status ci_of(const sim_utt_result *r, size_t n, int bits, const sim_metrics_config *mc,
                         double *lo, double *hi)
{
    double *e, *t;
    base_status st = rate_columns(r, n, bits, &e, &t);
    if (st != BASE_OK) return st;
    st = sim_metrics_bootstrap(e, t, n, mc->bootstrap, mc->seed, lo, hi);
    free(e);
    free(t);
    return st;
}

static int cmp_voice(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct non-empty voices among r[0..n); NaN when there is none. */
static double count_voices(const sim_utt_result *r, size_t n)
{
    const char **v = malloc((n + 1) * sizeof *v);
    if (!v) return NAN;
    size_t k = 0, d = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].voice[0]) v[k++] = r[i].voice;
    qsort(v, k, sizeof *v, cmp_voice);
    for (size_t i = 0; i < k; i++) d += i == 0 || strcmp(v[i], v[i - 1]);
    free(v);
    return k ? (double)d : NAN;
}

base_status sim_metrics_aggregate(const sim_utt_result *r, size_t n, const sim_metrics_config *mc,
                                  const char *status, sim_point_metrics *m, base_err *err)
{
    int words = 0, bits = 0;
    double ref = 0, sub = 0, del = 0, ins = 0, rc = 0, ce = 0, nb = 0, be = 0, pk = 0, pe = 0;
    double sym = 0, dur = 0, cos_sum = 0, rxe = 0;
    size_t cos_n = 0;
    int rx_text = 0;
    double *lat = malloc((n + 1) * sizeof *lat);
    if (!lat) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        words |= r[i].has_words;
        bits |= r[i].has_bits;
        ref += (double)r[i].ref_words;
        sub += (double)r[i].sub;
        del += (double)r[i].del;
        ins += (double)r[i].ins;
        rc += (double)r[i].ref_chars;
        ce += (double)r[i].char_errors;
        nb += (double)r[i].bits;
        be += (double)r[i].bit_errors;
        pk += (double)r[i].packets;
        pe += (double)r[i].packet_errors;
        sym += r[i].symbols;
        dur += r[i].duration_s;
        lat[i] = r[i].latency_s;
        rx_text |= r[i].has_rx_text;
        rxe += (double)r[i].rx_text_errors;
        if (isfinite(r[i].cosine)) {
            cos_sum += r[i].cosine;
            cos_n++;
        }
    }
    m->utterances = (double)n;
    m->sym_per_s = dur > 0 ? sym / dur : NAN;
    m->symbols = sym;
    m->duration_s = dur;
    if (words) {
        m->ref_words = ref;
        m->sub = sub;
        m->del = del;
        m->ins = ins;
        m->wer = ref > 0 ? (sub + del + ins) / ref : NAN;
        if (rx_text) m->wer_rx_text = ref > 0 ? rxe / ref : NAN;
        m->ref_chars = rc;
        m->char_errors = ce;
        m->cer = rc > 0 ? ce / rc : NAN;
        if (ci_of(r, n, 0, mc, &m->wer_ci_low, &m->wer_ci_high) != BASE_OK) goto nomem;
    }
    if (bits) {
        m->bits = nb;
        m->bit_errors = be;
        m->ber = nb > 0 ? be / nb : NAN;
        m->packets = pk;
        m->packet_errors = pe;
        m->per = pk > 0 ? pe / pk : NAN;
        m->bit_per_s = dur > 0 ? nb / dur : NAN;
        if (ci_of(r, n, 1, mc, &m->ber_ci_low, &m->ber_ci_high) != BASE_OK) goto nomem;
    }
    m->cosine = cos_n ? cos_sum / (double)cos_n : NAN;
    m->voices = count_voices(r, n);
    if (n) {
        double s = 0;
        for (size_t i = 0; i < n; i++) s += lat[i];
        m->latency_mean_s = s / (double)n;
        m->latency_p95_s = sim_metrics_quantile(lat, n, 0.95);
    }
    snprintf(m->status, sizeof m->status, "%s", status ? status : "");
    free(lat);
    return BASE_OK;
nomem:
    free(lat);
    return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
}

void sim_metrics_totals(sim_point_metrics *m)
{
    m->sym_per_s_total =
        isnan(m->sym_per_s) ? NAN : m->sym_per_s + m->handshake_sym / m->duration_s;
}

/* Result indices (word-scored, with a voice) sorted by (voice, index). */
static int cmp_by_voice(const void *a, const void *b, void *ctx)
{
    const sim_utt_result *r = ctx;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(r[i].voice, r[j].voice);
    return c ? c : (i > j) - (i < j);
}

/* One voice's entry from the results idx[0..k). */
static base_status voice_entry(const sim_utt_result *r, const size_t *idx, size_t k,
                               const sim_metrics_config *mc, sim_voice_metrics *v)
{
    double ref = 0, sub = 0, del = 0, ins = 0, rc = 0, ce = 0;
    double *e = malloc((k + 1) * sizeof *e), *t = malloc((k + 1) * sizeof *t);
    if (!e || !t) {
        free(e);
        free(t);
        return BASE_ENOMEM;
    }
    for (size_t j = 0; j < k; j++) {
        const sim_utt_result *u = &r[idx[j]];
        ref += (double)u->ref_words;
        sub += (double)u->sub;
        del += (double)u->del;
        ins += (double)u->ins;
        rc += (double)u->ref_chars;
        ce += (double)u->char_errors;
        e[j] = (double)(u->sub + u->del + u->ins);
        t[j] = (double)u->ref_words;
    }
    memset(v, 0, sizeof *v);
    snprintf(v->voice, sizeof v->voice, "%s", r[idx[0]].voice);
    v->utterances = (double)k;
    v->ref_words = ref;
    v->sub = sub;
    v->del = del;
    v->ins = ins;
    v->wer = ref > 0 ? (sub + del + ins) / ref : NAN;
    v->ref_chars = rc;
    v->cer = rc > 0 ? ce / rc : NAN;
    base_status st =
        sim_metrics_bootstrap(e, t, k, mc->bootstrap, mc->seed, &v->wer_ci_low, &v->wer_ci_high);
    free(e);
    free(t);
    return st;
}

base_status sim_metrics_by_voice(const sim_utt_result *r, size_t n, const sim_metrics_config *mc,
                                 sim_voice_metrics **out, size_t *nv, base_err *err)
{
    *out = NULL;
    *nv = 0;
    size_t *idx = malloc((n + 1) * sizeof *idx), k = 0;
    if (!idx) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (r[i].has_words && r[i].voice[0]) idx[k++] = i;
    qsort_r(idx, k, sizeof *idx, cmp_by_voice, (void *)r);
    size_t groups = 0;
    for (size_t j = 0; j < k; j++) groups += j == 0 || strcmp(r[idx[j]].voice, r[idx[j - 1]].voice);
    sim_voice_metrics *v = groups ? calloc(groups, sizeof *v) : NULL;
    base_status st = groups && !v ? BASE_ENOMEM : BASE_OK;
    for (size_t j = 0, g = 0; !st && j < k; g++) {
        size_t end = j + 1;
        while (end < k && !strcmp(r[idx[end]].voice, r[idx[j]].voice)) end++;
        st = voice_entry(r, idx + j, end - j, mc, &v[g]);
        j = end;
    }
    free(idx);
    if (st) {
        free(v);
        return base_err_set(err, st, NULL, 0, "out of memory");
    }
    *out = v;
    *nv = groups;
    return BASE_OK;
}

const char *sim_metrics_should_stop(const sim_utt_result *r, size_t n, const sim_metrics_config *mc)
{
    if (n >= mc->max_utterances) return "max_utterances";
    if (!n || n % (mc->check_every ? mc->check_every : 1)) return NULL;
    uint64_t we = 0, be = 0;
    int words = 0;
    for (size_t i = 0; i < n; i++) {
        we += (uint64_t)(r[i].sub + r[i].del + r[i].ins);
        be += r[i].bit_errors;
        words |= r[i].has_words;
    }
    if (mc->min_word_errors && words && we >= mc->min_word_errors) return "min_word_errors";
    if (mc->min_bit_errors && !words && be >= mc->min_bit_errors) return "min_bit_errors";
    if (mc->ci_width > 0) {
        double lo, hi;
        if (ci_of(r, n, !words, mc, &lo, &hi) == BASE_OK && isfinite(lo) && isfinite(hi) &&
            hi - lo < mc->ci_width)
            return "ci_width";
    }
    return NULL;
}
