/* run.c -- the scenario runner: jobs (point x repeat) on a pthread pool, one
 * writer (the main thread) for HDF5, a progress bar, the summary table. See
 * run.h. */
#include "sim/run.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/output.h"
#include "sim/pipeline.h"
#include "sim/receiver.h"
#include "sim/sweep.h"
#include "sim/tts_source.h"

typedef struct job {
    size_t point, repeat;
    uint64_t seed;
    /* filled by the worker */
    int state; /* 0 waiting, 1 running, 2 done (result ready), 3 written */
    base_status st;
    base_err err;
    sim_point_metrics m;
    sim_utt_result *utts;
    size_t n_utts;
} job;

typedef struct runner {
    const sim_scenario *sc;
    const sim_sweep *sw;
    const sim_run_opts *opts;
    sim_config *cfgs;  /* one per point */
    sim_lexicons *lex; /* beam decoding's lexicons, built once, shared read-only */
    job *jobs;
    size_t n_jobs, next_job, done_jobs;
    int abort;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    /* progress (under mu) */
    size_t utts_done, utts_total;
    double err_sum, tot_sum; /* running error rate over everything decoded */
    int words;
} runner;

/* ---- one job --------------------------------------------------------------------- */

typedef struct sink_ctx {
    runner *rn;
    sim_utt_result *res;
    size_t n, cap;
    sim_metrics_config mc;
    const char *reason;
    int oom;
} sink_ctx;

static int sink(void *ctx, sim_utt *u)
{
    sink_ctx *s = ctx;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        sim_utt_result *r = realloc(s->res, cap * sizeof *r);
        if (!r) {
            s->oom = 1;
            return 1;
        }
        s->res = r;
        s->cap = cap;
    }
    s->res[s->n] = u->res; /* moves the strings */
    u->res.reference = u->res.hypothesis = NULL;
    s->n++;
    runner *rn = s->rn;
    pthread_mutex_lock(&rn->mu);
    rn->utts_done++;
    if (u->res.has_words) {
        rn->err_sum += (double)(u->res.sub + u->res.del + u->res.ins);
        rn->tot_sum += (double)u->res.ref_words;
    } else {
        rn->err_sum += (double)u->res.bit_errors;
        rn->tot_sum += (double)u->res.bits;
    }
    int abort = rn->abort;
    pthread_mutex_unlock(&rn->mu);
    if (abort) return 1;
    s->reason = sim_metrics_should_stop(s->res, s->n, &s->mc);
    return s->reason != NULL;
}

static int by_index(const void *a, const void *b)
{
    const sim_utt_result *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

static void run_job(runner *rn, job *jb)
{
    const sim_config *cfg = &rn->cfgs[jb->point];
    base_err *err = &jb->err;
    sink_ctx s;
    memset(&s, 0, sizeof s);
    s.rn = rn;
    s.mc.max_utterances = (size_t)cfg->scenario.utterances;
    s.mc.min_word_errors = (uint64_t)cfg->metrics.min_word_errors;
    s.mc.min_bit_errors = (uint64_t)cfg->metrics.min_bit_errors;
    s.mc.ci_width = cfg->metrics.ci_width;
    s.mc.bootstrap = (size_t)cfg->metrics.bootstrap;
    s.mc.check_every = (size_t)cfg->metrics.check_every;
    s.mc.seed = jb->seed;
    sim_pipeline *p = sim_pipeline_create(cfg, jb->seed, rn->lex, err);
    sim_net *net = NULL;
    if (!p) {
        jb->st = err->code ? err->code : BASE_EINTERNAL;
        goto out;
    }
    sim_payload_ops ops;
    sim_pipeline_ops(p, &ops);
    sim_net_config nc;
    sim_net_config_from(cfg, jb->seed, &nc);
    size_t avail = sim_pipeline_available(p); /* a manifest holds so many utterances */
    if (avail < nc.max_utterances) nc.max_utterances = s.mc.max_utterances = avail;
    if (!(net = sim_net_create(&nc, &ops, sink, &s, err))) {
        jb->st = err->code ? err->code : BASE_EINTERNAL;
        goto out;
    }
    jb->st = sim_net_run(net, err);
    if (jb->st == BASE_OK && s.oom)
        jb->st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (jb->st != BASE_OK) goto out;
    qsort(s.res, s.n, sizeof *s.res, by_index);
    sim_point_metrics_nan(&jb->m);
    jb->st = sim_metrics_aggregate(s.res, s.n, &s.mc,
                                   s.n ? (s.reason ? s.reason : "max_utterances") : "no_utterances",
                                   &jb->m, err);
    /* after aggregate: the pipeline may override cosine (NaN without an equalizer) */
    if (jb->st == BASE_OK) sim_pipeline_point_metrics(p, &jb->m);
out:
    sim_net_destroy(net);
    sim_pipeline_destroy(p);
    if (jb->st == BASE_OK) {
        jb->utts = s.res;
        jb->n_utts = s.n;
    } else {
        for (size_t i = 0; i < s.n; i++) sim_utt_result_clear(&s.res[i]);
        free(s.res);
    }
}

static void *worker(void *arg)
{
    runner *rn = arg;
    pthread_mutex_lock(&rn->mu);
    for (;;) {
        while (rn->next_job < rn->n_jobs && rn->jobs[rn->next_job].state != 0) rn->next_job++;
        if (rn->abort || rn->next_job >= rn->n_jobs) break;
        job *jb = &rn->jobs[rn->next_job++];
        jb->state = 1;
        pthread_mutex_unlock(&rn->mu);
        run_job(rn, jb);
        pthread_mutex_lock(&rn->mu);
        jb->state = 2;
        pthread_cond_broadcast(&rn->cv);
    }
    pthread_mutex_unlock(&rn->mu);
    return NULL;
}

/* ---- progress and table ------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void draw_progress(runner *rn, double t0, size_t written, size_t total)
{
    double el = now_s() - t0;
    double frac = rn->utts_total ? (double)rn->utts_done / (double)rn->utts_total : 0;
    double pfrac = total ? (double)written / (double)total : 1;
    if (pfrac > frac) frac = pfrac;
    char eta[32] = "--:--";
    if (frac > 0.01 && frac < 1) {
        int s = (int)(el / frac - el);
        snprintf(eta, sizeof eta, "%02d:%02d", s / 60, s % 60);
    }
    int width = 24, fill = (int)(frac * width + 0.5);
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double rate = rn->tot_sum > 0 ? rn->err_sum / rn->tot_sum : NAN;
    fprintf(stderr, "\r[%s] points %zu/%zu  utterances %zu  ETA %s  %s %.3g   ", bar, written,
            total, rn->utts_done, eta, rn->words ? "WER" : "BER", rate);
    fflush(stderr);
}

static void print_table(FILE *out, const sim_sweep *sw, const job *jobs, size_t n, int words,
                        size_t resumed)
{
    size_t nk = sim_sweep_nkeys(sw);
    const char *const *keys = sim_sweep_keys(sw);
    fprintf(out, "%5s %3s", "point", "rep");
    for (size_t k = 0; k < nk; k++) fprintf(out, " %14s", keys[k]);
    if (words)
        fprintf(out, " %6s %8s %8s %17s %8s", "utts", "words", "WER", "95% CI", "CER");
    else
        fprintf(out, " %6s %10s %10s %21s %8s", "blocks", "bits", "BER", "95% CI", "PER");
    fprintf(out, " %10s %10s %10s %s\n", "sym/s", "lat_mean", "lat_p95", "status");
    for (size_t i = 0; i < n; i++) {
        const job *j = &jobs[i];
        if (j->state != 3 || j->st != BASE_OK) continue;
        const sim_point_metrics *m = &j->m;
        fprintf(out, "%5zu %3zu", j->point, j->repeat);
        const char *const *v = sim_sweep_values(sw, j->point);
        for (size_t k = 0; k < nk; k++) fprintf(out, " %14s", v[k]);
        if (words)
            fprintf(out, " %6.0f %8.0f %7.2f%% [%6.2f%%,%6.2f%%] %7.2f%%", m->utterances,
                    m->ref_words, 100 * m->wer, 100 * m->wer_ci_low, 100 * m->wer_ci_high,
                    100 * m->cer);
        else
            fprintf(out, " %6.0f %10.0f %10.3e [%9.3e,%9.3e] %8.4f", m->utterances, m->bits, m->ber,
                    m->ber_ci_low, m->ber_ci_high, m->per);
        fprintf(out, " %10.4g %10.4g %10.4g %s\n", m->sym_per_s, m->latency_mean_s,
                m->latency_p95_s, m->status);
    }
    if (resumed)
        fprintf(out, "(%zu row%s kept from the interrupted run are in the file, not shown)\n",
                resumed, resumed == 1 ? "" : "s");
}

/* ---- the run ---------------------------------------------------------------------- */

/* Resolve and check every point; cfgs (npoints) is filled. */
static base_status check_points(const sim_scenario *sc, const sim_sweep *sw, sim_config *cfgs,
                                base_err *err)
{
    for (size_t p = 0; p < sim_sweep_count(sw); p++) {
        base_status st = sim_sweep_config(sw, p, &cfgs[p], err);
        if (st == BASE_OK) st = sim_pipeline_check(sc, &cfgs[p], err);
        if (st != BASE_OK) {
            if (!*err->file) base_err_locate(err, sim_scenario_path(sc), 0);
            return st;
        }
    }
    return BASE_OK;
}

base_status sim_run_validate(const sim_scenario *sc, size_t *points, base_err *err)
{
    sim_sweep *sw = sim_sweep_create(sc, err);
    if (!sw) return err->code;
    size_t n = sim_sweep_count(sw);
    sim_config *cfgs = malloc((n + 1) * sizeof *cfgs);
    base_status st = cfgs ? check_points(sc, sw, cfgs, err)
                          : base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (st == BASE_OK && n == 0)
        st = base_err_set(err, BASE_EINVAL, sim_scenario_path(sc), 0,
                          "the constraints skip every sweep point");
    if (points) *points = n;
    free(cfgs);
    sim_sweep_destroy(sw);
    return st;
}

base_status sim_run(const sim_scenario *sc, const sim_run_opts *opts, base_err *err)
{
    /* Parallelism is over jobs: each worker is one core's worth of work, and a
     * multi-threaded BLAS would make the figures depend on timing (its thread
     * count changes the summation order), so BLAS runs single-threaded, as in
     * `semsim eval` and `semsim train`. */
    openblas_set_num_threads(1);
    base_status st = BASE_OK;
    runner rn;
    memset(&rn, 0, sizeof rn);
    pthread_mutex_init(&rn.mu, NULL);
    pthread_cond_init(&rn.cv, NULL);
    sim_out *out = NULL;
    char *text = NULL;
    const char **pnames = NULL, **pvals = NULL;
    int *pstr = NULL;
    pthread_t *threads = NULL;
    size_t n_threads = 0, resumed = 0;

    sim_sweep *sw = sim_sweep_create(sc, err);
    if (!sw) {
        st = err->code;
        goto done;
    }
    rn.sc = sc;
    rn.sw = sw;
    rn.opts = opts;
    size_t np = sim_sweep_count(sw);
    if (!np) {
        st = base_err_set(err, BASE_EINVAL, sim_scenario_path(sc), 0,
                          "the constraints skip every sweep point");
        goto done;
    }
    rn.cfgs = malloc(np * sizeof *rn.cfgs);
    if (!rn.cfgs) goto nomem;
    if ((st = check_points(sc, sw, rn.cfgs, err)) != BASE_OK) goto done;
    size_t repeats = (size_t)rn.cfgs[0].scenario.repeats;
    rn.words = sim_pipeline_counts_words(&rn.cfgs[0]);
    if (opts->dry_run) {
        st = sim_sweep_write_list(sw, opts->list ? opts->list : stdout, err);
        goto done;
    }
    /* the built-in TTS source: synthesise (or find cached) once, here, before any
     * thread starts and before the output is touched */
    base_log tts_log = opts->log ? *opts->log : (base_log){BASE_LOG_WARN, NULL};
    if (opts->progress && tts_log.level < BASE_LOG_INFO) tts_log.level = BASE_LOG_INFO;
    for (size_t p = 0; p < np; p++)
        if ((st = sim_tts_source_prepare(&rn.cfgs[p], opts->jobs, &tts_log, err)) != BASE_OK)
            goto done;
    /* the lexicons (cmudict trie + LM word ids) once per run, not per job */
    if ((st = sim_lexicons_create(&rn.lex, rn.cfgs, np, err)) != BASE_OK) goto done;

    /* /summary parameter columns: keys set or swept, in registry order */
    size_t nset = sim_scenario_set_keys(sc, NULL, 0);
    pnames = calloc(nset + 1, sizeof *pnames);
    pvals = calloc(nset + 1, sizeof *pvals);
    pstr = calloc(nset + 1, sizeof *pstr);
    if (!pnames || !pvals || !pstr) goto nomem;
    sim_scenario_set_keys(sc, pnames, nset);
    for (size_t i = 0; i < nset; i++) {
        const sim_key_def *k = sim_key_find(pnames[i]);
        pstr[i] = !(k->type == SIM_KEY_INT || k->type == SIM_KEY_DOUBLE);
    }
    if (!(text = sim_scenario_text(sc))) goto nomem;
    sim_out_layout lay = {
        nset, pnames, pstr, text, sim_scenario_path(sc), (uint64_t)rn.cfgs[0].scenario.seed};
    unsigned flags = (opts->force ? SIM_OUT_FORCE : 0) | (opts->resume ? SIM_OUT_RESUME : 0);
    if ((st = sim_out_open(opts->out_path, &lay, flags, &out, err)) != BASE_OK) goto done;
    resumed = sim_out_rows(out);

    /* jobs */
    rn.n_jobs = np * repeats;
    rn.jobs = calloc(rn.n_jobs + 1, sizeof *rn.jobs);
    if (!rn.jobs) goto nomem;
    size_t n_pending = 0;
    for (size_t p = 0; p < np; p++)
        for (size_t r = 0; r < repeats; r++) {
            job *jb = &rn.jobs[p * repeats + r];
            jb->point = p;
            jb->repeat = r;
            jb->seed = sim_sweep_seed((uint64_t)rn.cfgs[p].scenario.seed, r);
            if (sim_out_has(out, p, r)) {
                jb->state = 4; /* kept from the partial file */
            } else {
                n_pending++;
                rn.utts_total += (size_t)rn.cfgs[p].scenario.utterances;
            }
        }
    const char *trn =
        opts->trn_dir ? opts->trn_dir : (*rn.cfgs[0].output.trn ? rn.cfgs[0].output.trn : NULL);
    int per_utt = rn.cfgs[0].output.utterances;

    n_threads = (size_t)(opts->jobs > 0 ? opts->jobs : 1);
    if (n_threads > n_pending) n_threads = n_pending ? n_pending : 1;
    threads = calloc(n_threads, sizeof *threads);
    if (!threads) goto nomem;
    size_t started = 0;
    for (; started < n_threads; started++)
        if (pthread_create(&threads[started], NULL, worker, &rn) != 0) break;
    if (!started) {
        st = base_err_set(err, BASE_EINTERNAL, NULL, 0, "cannot start worker threads");
        goto done;
    }
    n_threads = started;

    /* the writer loop: write finished rows as they come */
    double t0 = now_s();
    size_t written = 0, session_rows = 0;
    pthread_mutex_lock(&rn.mu);
    while (written < n_pending && st == BASE_OK) {
        job *ready = NULL;
        for (size_t i = 0; i < rn.n_jobs && !ready; i++)
            if (rn.jobs[i].state == 2) ready = &rn.jobs[i];
        if (!ready) {
            if (opts->progress) draw_progress(&rn, t0, written, n_pending);
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200000000L;
            if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
            pthread_cond_timedwait(&rn.cv, &rn.mu, &ts);
            continue;
        }
        ready->state = 3;
        pthread_mutex_unlock(&rn.mu);
        if (ready->st != BASE_OK) {
            *err = ready->err;
            st = ready->st;
        } else {
            const char *const *keys = sim_sweep_keys(sw), *const *vals =
                                                              sim_sweep_values(sw, ready->point);
            for (size_t i = 0; i < nset; i++) {
                pvals[i] = sim_scenario_get(sc, pnames[i]);
                for (size_t k = 0; k < sim_sweep_nkeys(sw); k++)
                    if (!strcmp(keys[k], pnames[i])) pvals[i] = vals[k];
            }
            st = sim_out_write(out, ready->point, ready->repeat, repeats, ready->seed, pvals,
                               &ready->m, per_utt ? ready->utts : NULL, ready->n_utts, err);
            if (st == BASE_OK && trn)
                st = sim_out_write_trn(trn, ready->point * repeats + ready->repeat, ready->utts,
                                       ready->n_utts, err);
            /* keep only the metrics for the table */
            for (size_t i = 0; i < ready->n_utts; i++) sim_utt_result_clear(&ready->utts[i]);
            free(ready->utts);
            ready->utts = NULL;
            ready->n_utts = 0;
            if (opts->kill_after_rows && ++session_rows >= opts->kill_after_rows) raise(SIGKILL);
        }
        pthread_mutex_lock(&rn.mu);
        written++;
        if (st != BASE_OK) rn.abort = 1;
    }
    rn.abort = st != BASE_OK;
    pthread_mutex_unlock(&rn.mu);
    for (size_t i = 0; i < n_threads; i++) pthread_join(threads[i], NULL);
    n_threads = 0;
    if (opts->progress) {
        draw_progress(&rn, t0, written, n_pending);
        fputc('\n', stderr);
    }
    if (st != BASE_OK) goto done; /* the partial file stays for --resume */
    st = sim_out_finish(out, sw, repeats, err);
    out = NULL;
    if (st == BASE_OK && opts->table)
        print_table(opts->table, sw, rn.jobs, rn.n_jobs, rn.words, resumed);
    goto done;
nomem:
    st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
done:
    for (size_t i = 0; i < n_threads; i++) pthread_join(threads[i], NULL);
    base_status cst = sim_out_close(out, st ? NULL : err); /* checked close */
    if (!st) st = cst;
    for (size_t i = 0; rn.jobs && i < rn.n_jobs; i++) {
        for (size_t u = 0; u < rn.jobs[i].n_utts && rn.jobs[i].utts; u++)
            sim_utt_result_clear(&rn.jobs[i].utts[u]);
        free(rn.jobs[i].utts);
    }
    free(rn.jobs);
    free(threads);
    free(rn.cfgs);
    sim_lexicons_destroy(rn.lex);
    free(text);
    free(pnames);
    free(pvals);
    free(pstr);
    sim_sweep_destroy(sw);
    pthread_cond_destroy(&rn.cv);
    pthread_mutex_destroy(&rn.mu);
    return st;
}
