/* run.c -- the scenario runner: what the jobs share loaded once
 * (sim/resources.h), jobs (point x repeat) on the worker pool (base/pool.h),
 * one writer (the main thread) for HDF5, a progress bar, the summary table;
 * under MPI, rank 0 hands out the jobs and the other ranks send their results
 * back (sim/mpi.h, sim/jobmsg.h). See run.h. */
#include "sim/run.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/pool.h"
#include "sim/cover.h"
#include "sim/jobmsg.h"
#include "sim/mpi.h"
#include "sim/metrics.h"
#include "sim/network.h"
#include "sim/kind.h"
#include "sim/output.h"
#include "sim/pipeline.h"
#include "sim/resources.h"
#include "sim/s2s.h"
#include "sim/sweep.h"
#include "sim/tts_source.h"

typedef struct job {
    size_t point, repeat;
    uint64_t seed;
    /* 0 waiting, 1 running, 2 done (result ready), 3 written, 4 kept from the
     * partial file, 5 another shard's; on an MPI worker 6 = result sent */
    int state;
    sim_job_result res; /* filled by whoever ran the job */
} job;

/* MPI message tags: a worker's result (or first request), rank 0's reply
 * (the next job's index, or -1: no more). */
enum { TAG_RESULT = 1, TAG_REPLY = 2 };

typedef struct runner {
    const sim_scenario *sc;
    sim_sweep *sw;
    const sim_run_opts *opts;
    sim_config *cfgs; /* (np) one per point */
    size_t np, repeats;
    sim_resources *res; /* agents, front-end plans, lexicons: loaded once, shared read-only */
    job *jobs;          /* (n_jobs) point-major */
    size_t n_jobs;
    size_t *pending;        /* (n_pending) indices of the jobs to run, handed out in order */
    size_t n_pending, next; /* next: how many were handed out (under mu) */
    /* MPI: rank, ranks, requests each rank keeps open (jobs + 1) */
    int rank, ranks;
    size_t slots;
    size_t *assigned, n_assigned; /* a worker rank: jobs rank 0 gave it, in order */
    size_t slots_closed;          /* a worker rank: replies "no more" received */
    /* the output (main thread only) */
    sim_out *out;
    char *text;
    const char **pnames, **pvals; /* (nset) /summary parameter columns and one row's values */
    int *pstr;
    size_t nset, resumed, written, session_rows;
    double t0;               /* when the writer started (progress) */
    double write_s, serve_s; /* the writer's own time: rows written, MPI results served */
    size_t served;
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
    sim_job_result *res = &jb->res;
    base_err *err = &res->err;
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
    sim_pipeline *p = sim_pipeline_create(cfg, jb->seed, rn->res, err);
    sim_net *net = NULL;
    if (!p) {
        res->st = err->code ? err->code : BASE_EINTERNAL;
        goto out;
    }
    if ((res->st = sim_pipeline_set_wav(p, rn->opts->wav_dir, jb->point, jb->repeat, err)) !=
        BASE_OK)
        goto out;
    sim_payload_ops ops;
    sim_pipeline_ops(p, &ops);
    sim_net_config nc;
    sim_net_config_from(cfg, jb->seed, &nc);
    size_t avail = sim_pipeline_available(p); /* a manifest holds so many utterances */
    if (avail < nc.max_utterances) nc.max_utterances = s.mc.max_utterances = avail;
    if (!(net = sim_net_create(&nc, &ops, sink, &s, err))) {
        res->st = err->code ? err->code : BASE_EINTERNAL;
        goto out;
    }
    res->st = sim_net_run(net, err);
    if (res->st == BASE_OK && s.oom)
        res->st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (res->st != BASE_OK) goto out;
    qsort(s.res, s.n, sizeof *s.res, by_index);
    sim_point_metrics_nan(&res->m);
    res->st = sim_metrics_aggregate(
        s.res, s.n, &s.mc, s.n ? (s.reason ? s.reason : "max_utterances") : "no_utterances",
        &res->m, err);
    /* after aggregate: the pipeline may override cosine (NaN without an equalizer) */
    if (res->st == BASE_OK) sim_pipeline_point_metrics(p, &res->m);
    if (res->st == BASE_OK) {
        sim_metrics_totals(&res->m);
        res->st = sim_metrics_by_voice(s.res, s.n, &s.mc, &res->voices, &res->n_voices, err);
    }
out:
    sim_net_destroy(net);
    sim_pipeline_destroy(p);
    if (res->st == BASE_OK) {
        res->utts = s.res;
        res->n_utts = s.n;
    } else {
        for (size_t i = 0; i < s.n; i++) sim_utt_result_clear(&s.res[i]);
        free(s.res);
    }
}

/* The next pending job to hand out, or -1 when none is left or the run is
 * aborting. Under mu. */
static long next_job(runner *rn)
{
    if (rn->abort || rn->next >= rn->n_pending) return -1;
    return (long)rn->pending[rn->next++];
}

/* A pool item of the writing process: claim the next pending job (the other
 * ranks claim from the same list) and run it. */
static void run_item(void *ctx, int worker, size_t i)
{
    (void)worker, (void)i;
    runner *rn = ctx;
    pthread_mutex_lock(&rn->mu);
    long k = next_job(rn);
    if (k >= 0) rn->jobs[k].state = 1;
    pthread_mutex_unlock(&rn->mu);
    if (k < 0) return;
    job *jb = &rn->jobs[k];
    run_job(rn, jb);
    pthread_mutex_lock(&rn->mu);
    jb->state = 2;
    pthread_cond_broadcast(&rn->cv);
    pthread_mutex_unlock(&rn->mu);
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
        if (j->state != 3 || j->res.st != BASE_OK) continue;
        const sim_point_metrics *m = &j->res.m;
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

/* Resolve and check every point, in order (the first bad point's error);
 * cfgs (npoints) is filled. res keeps the model files checked, so each
 * distinct file is loaded once per run, not once per point (a file only one
 * point names is still loaded, and its error reported, before any point
 * runs). */
static base_status check_points(const sim_scenario *sc, const sim_sweep *sw, sim_config *cfgs,
                                sim_resources *res, base_err *err)
{
    for (size_t p = 0; p < sim_sweep_count(sw); p++) {
        base_status st = sim_sweep_config(sw, p, &cfgs[p], err);
        if (st == BASE_OK) st = sim_pipeline_check_shared(sc, &cfgs[p], res, err);
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
    sim_resources *res = sim_resources_create(err); /* the models checked, once each */
    base_status st = cfgs && res ? check_points(sc, sw, cfgs, res, err)
                                 : base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (st == BASE_OK && n == 0)
        st = base_err_set(err, BASE_EINVAL, sim_scenario_path(sc), 0,
                          "the constraints skip every sweep point");
    if (points) *points = n;
    sim_resources_destroy(res);
    free(cfgs);
    sim_sweep_destroy(sw);
    return st;
}

/* What every job shares, before any worker starts: the built-in TTS source
 * (synthesised or found cached once, here, before the output is touched),
 * then the agents, front-end plans and lexicons (sim/resources.h; the agents
 * are mostly there already: the check of the points loaded them). */
static base_status prepare_shared(runner *rn, base_err *err)
{
    const sim_run_opts *opts = rn->opts;
    base_log tts_log = opts->log ? *opts->log : (base_log){BASE_LOG_WARN, NULL};
    if (opts->progress && tts_log.level < BASE_LOG_INFO) tts_log.level = BASE_LOG_INFO;
    base_status st;
    for (size_t p = 0; p < rn->np; p++) {
        const sim_kind *k = sim_kind_find(rn->cfgs[p].source.kind);
        sim_tts_use use = {.speech = k && k->counts_words, .equalized = k && k->equalized};
        if ((st = sim_tts_source_prepare(&rn->cfgs[p], use, opts->jobs, &tts_log, err)) != BASE_OK)
            return st;
    }
    for (size_t p = 0; p < rn->np; p++)
        if ((st = sim_pipeline_prepare(&rn->cfgs[p], rn->res, err)) != BASE_OK) return st;
    return BASE_OK;
}

/* /summary's parameter columns (keys set or swept, in registry order) and the
 * output file, created or reopened for --resume. */
static base_status open_output(runner *rn, base_err *err)
{
    const sim_scenario *sc = rn->sc;
    rn->nset = sim_scenario_set_keys(sc, NULL, 0);
    rn->pnames = calloc(rn->nset + 1, sizeof *rn->pnames);
    rn->pvals = calloc(rn->nset + 1, sizeof *rn->pvals);
    rn->pstr = calloc(rn->nset + 1, sizeof *rn->pstr);
    if (!rn->pnames || !rn->pvals || !rn->pstr || !(rn->text = sim_scenario_text(sc)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    sim_scenario_set_keys(sc, rn->pnames, rn->nset);
    for (size_t i = 0; i < rn->nset; i++) {
        const sim_key_def *k = sim_key_find(rn->pnames[i]);
        rn->pstr[i] = !(k->type == SIM_KEY_INT || k->type == SIM_KEY_DOUBLE);
    }
    const sim_run_opts *opts = rn->opts;
    sim_out_layout lay = {rn->nset,
                          rn->pnames,
                          rn->pstr,
                          rn->text,
                          sim_scenario_path(sc),
                          (uint64_t)rn->cfgs[0].scenario.seed,
                          opts->shards > 1 ? opts->shard : 0,
                          opts->shards > 1 ? opts->shards : 0,
                          rn->np,
                          rn->repeats,
                          opts->overrides};
    unsigned flags = (opts->force ? SIM_OUT_FORCE : 0) | (opts->resume ? SIM_OUT_RESUME : 0);
    base_status st = sim_out_open(opts->out_path, &lay, flags, &rn->out, err);
    if (st == BASE_OK && sim_out_restarted(rn->out))
        base_log_warn(opts->log, "%s.partial was damaged (killed while writing?): starting over",
                      opts->out_path);
    if (st == BASE_OK) rn->resumed = sim_out_rows(rn->out);
    return st;
}

/* One job per point x repeat; those of this shard not kept from a partial
 * file are pending. Without an output (an MPI worker rank) nothing is
 * pending here: rank 0 hands the jobs out. */
static base_status make_jobs(runner *rn, base_err *err)
{
    rn->n_jobs = rn->np * rn->repeats;
    rn->jobs = calloc(rn->n_jobs + 1, sizeof *rn->jobs);
    rn->pending = calloc(rn->n_jobs + 1, sizeof *rn->pending);
    rn->assigned = calloc(rn->n_jobs + 1, sizeof *rn->assigned);
    if (!rn->jobs || !rn->pending || !rn->assigned)
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    size_t shards = rn->opts->shards > 1 ? rn->opts->shards : 1;
    for (size_t p = 0; p < rn->np; p++)
        for (size_t r = 0; r < rn->repeats; r++) {
            size_t i = p * rn->repeats + r;
            job *jb = &rn->jobs[i];
            jb->point = p;
            jb->repeat = r;
            jb->seed = sim_sweep_seed((uint64_t)rn->cfgs[p].scenario.seed, r);
            if (i % shards != rn->opts->shard % shards) {
                jb->state = 5; /* another shard's */
            } else if (!rn->out) {
                continue; /* a worker rank */
            } else if (sim_out_has(rn->out, p, r)) {
                jb->state = 4; /* kept from the partial file */
            } else {
                rn->pending[rn->n_pending++] = i;
                rn->utts_total += (size_t)rn->cfgs[p].scenario.utterances;
            }
        }
    return BASE_OK;
}

/* A finished job's row (and trn files) into the output; then only its metrics
 * are kept, for the table. */
static base_status write_row(runner *rn, job *jb, base_err *err)
{
    if (jb->res.st != BASE_OK) {
        *err = jb->res.err;
        return jb->res.st;
    }
    const sim_sweep *sw = rn->sw;
    const char *const *keys = sim_sweep_keys(sw), *const *vals = sim_sweep_values(sw, jb->point);
    for (size_t i = 0; i < rn->nset; i++) {
        rn->pvals[i] = sim_scenario_get(rn->sc, rn->pnames[i]);
        for (size_t k = 0; k < sim_sweep_nkeys(sw); k++)
            if (!strcmp(keys[k], rn->pnames[i])) rn->pvals[i] = vals[k];
    }
    const sim_config *c0 = &rn->cfgs[0];
    const char *trn =
        rn->opts->trn_dir ? rn->opts->trn_dir : (*c0->output.trn ? c0->output.trn : NULL);
    const sim_job_result *res = &jb->res;
    base_status st = sim_out_write(rn->out, jb->point, jb->repeat, rn->repeats, jb->seed, rn->pvals,
                                   &res->m, c0->output.utterances ? res->utts : NULL, res->n_utts,
                                   res->voices, res->n_voices, err);
    if (st == BASE_OK && trn)
        st = sim_out_write_trn(trn, jb->point * rn->repeats + jb->repeat, res->utts, res->n_utts,
                               err);
    sim_job_result_clear(&jb->res);
    if (st == BASE_OK && rn->opts->kill_after_rows &&
        ++rn->session_rows >= rn->opts->kill_after_rows)
        raise(SIGKILL);
    return st;
}

/* Wait on cv up to ms milliseconds (under mu). */
static void wait_ms(runner *rn, long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += ms * 1000000L;
    while (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&rn->cv, &rn->mu, &ts);
}

/* ---- MPI: rank 0's side ------------------------------------------------------------- */

/* Rank 0 received msg from rank src: a result (job >= 0) or a first request
 * (job -1, carrying the rank's set-up status). Stores the result as a done
 * job and answers with the next job (or -1, counting the rank's closed
 * requests in closed[src]). A worker's error becomes the run's error. */
static base_status serve(runner *rn, const unsigned char *msg, size_t len, int src, size_t *closed,
                         base_err *err)
{
    int64_t k = -1;
    sim_job_result r;
    base_status st = sim_jobmsg_unpack(msg, len, &k, &r, err);
    if (st == BASE_OK && (k < -1 || k >= (int64_t)rn->n_jobs || (k >= 0 && rn->jobs[k].state != 1)))
        st = base_err_set(err, BASE_EFORMAT, NULL, 0, "rank %d sent a result for job %lld", src,
                          (long long)k);
    if (st == BASE_OK && k < 0 && r.st != BASE_OK) { /* its set-up failed */
        *err = r.err;
        char where[64];
        snprintf(where, sizeof where, "rank %d: ", src);
        size_t n = strlen(where);
        memmove(err->msg + n, err->msg, sizeof err->msg - n - 1);
        memcpy(err->msg, where, n);
        err->msg[sizeof err->msg - 1] = 0;
        st = r.st;
    }
    if (st == BASE_OK && k >= 0) {
        pthread_mutex_lock(&rn->mu);
        for (size_t u = 0; u < r.n_utts; u++) { /* progress, as a local sink counts */
            const sim_utt_result *ur = &r.utts[u];
            rn->utts_done++;
            rn->err_sum +=
                ur->has_words ? (double)(ur->sub + ur->del + ur->ins) : (double)ur->bit_errors;
            rn->tot_sum += ur->has_words ? (double)ur->ref_words : (double)ur->bits;
        }
        rn->jobs[k].res = r;
        rn->jobs[k].state = 2;
        pthread_mutex_unlock(&rn->mu);
    } else {
        sim_job_result_clear(&r);
    }
    pthread_mutex_lock(&rn->mu);
    if (st != BASE_OK) rn->abort = 1;
    long next = next_job(rn);
    if (next >= 0) rn->jobs[next].state = 1;
    pthread_mutex_unlock(&rn->mu);
    if (next < 0) closed[src]++;
    int64_t reply = next;
    base_err e2 = BASE_ERR_INIT;
    base_status sst = sim_mpi_send(rn->opts->mpi, src, TAG_REPLY, &reply, sizeof reply, &e2);
    if (st == BASE_OK && sst != BASE_OK) *err = e2, st = sst;
    return st;
}

/* 1 while some worker rank still has requests open. */
static int workers_open(const runner *rn, const size_t *closed)
{
    for (int r = 1; r < rn->ranks; r++)
        if (closed[r] < rn->slots) return 1;
    return 0;
}

/* ---- the writer ------------------------------------------------------------------------ */

/* The writing process's main thread while the jobs run: write finished rows as
 * they come (its own threads' and, under MPI, the other ranks'), answer the
 * ranks' requests, draw the progress bar; on an error, tell everyone to stop
 * (the ranks still get an answer to every request, so they finish cleanly). A
 * SIGTERM/SIGINT under MPI (mpirun stopping the job because a rank died)
 * stops at once, the finished rows kept in the partial file. */
static base_status write_rows(runner *rn, base_status st, size_t *closed, base_err *err)
{
    double t0 = rn->t0 = now_s();
    size_t written = 0, low = 0; /* jobs below low are all written or not ours */
    sim_mpi *mpi = rn->ranks > 1 ? rn->opts->mpi : NULL;
    pthread_mutex_lock(&rn->mu);
    while ((st == BASE_OK && written < rn->n_pending) || (mpi && workers_open(rn, closed))) {
        job *ready = NULL;
        while (low < rn->n_jobs && rn->jobs[low].state >= 3) low++;
        for (size_t i = low; i < rn->n_jobs && !ready && st == BASE_OK; i++)
            if (rn->jobs[i].state == 2) ready = &rn->jobs[i];
        if (ready) {
            ready->state = 3;
            pthread_mutex_unlock(&rn->mu);
            double tw = now_s();
            st = write_row(rn, ready, err);
            rn->write_s += now_s() - tw;
            pthread_mutex_lock(&rn->mu);
            rn->abort |= st != BASE_OK;
            written++;
            continue;
        }
        if (mpi) {
            unsigned char *msg = NULL;
            size_t len = 0;
            int src = 0;
            base_err e = BASE_ERR_INIT;
            pthread_mutex_unlock(&rn->mu);
            double ts = now_s();
            int got = sim_mpi_poll(mpi, -1, TAG_RESULT, &msg, &len, &src, &e);
            base_status s2 = got > 0   ? serve(rn, msg, len, src, closed, &e)
                             : got < 0 ? e.code
                                       : BASE_OK;
            if (got > 0) {
                rn->serve_s += now_s() - ts;
                rn->served++;
            }
            free(msg);
            if (s2 == BASE_OK && sim_mpi_stop_requested(mpi))
                s2 = base_err_set(&e, BASE_EINTERRUPTED, NULL, 0,
                                  "the MPI job was stopped (a rank died or was killed)");
            pthread_mutex_lock(&rn->mu);
            if (s2 != BASE_OK) {
                if (st == BASE_OK) *err = e, st = s2;
                rn->abort = 1;
                if (s2 == BASE_EINTERRUPTED || got < 0) break; /* the ranks cannot be drained */
            }
            if (got > 0) continue;
        }
        if (rn->opts->progress) draw_progress(rn, t0, written, rn->n_pending);
        wait_ms(rn, mpi ? 1 : 200);
    }
    rn->abort |= st != BASE_OK;
    pthread_mutex_unlock(&rn->mu);
    rn->written = written;
    return st;
}

/* ---- MPI: a worker rank's side ---------------------------------------------------------- */

/* A worker rank's pool item i: the i-th job rank 0 gives this rank (waits for
 * it), or nothing once rank 0 said there are no more. */
static void worker_item(void *ctx, int worker, size_t i)
{
    (void)worker;
    runner *rn = ctx;
    pthread_mutex_lock(&rn->mu);
    while (i >= rn->n_assigned && rn->slots_closed < rn->slots) pthread_cond_wait(&rn->cv, &rn->mu);
    long k = i < rn->n_assigned ? (long)rn->assigned[i] : -1;
    if (k >= 0) rn->jobs[k].state = 1;
    pthread_mutex_unlock(&rn->mu);
    if (k < 0) return;
    run_job(rn, &rn->jobs[k]);
    pthread_mutex_lock(&rn->mu);
    rn->jobs[k].state = 2;
    pthread_cond_broadcast(&rn->cv);
    pthread_mutex_unlock(&rn->mu);
}

/* Send one message to rank 0: job k's result, or (k = -1) a first request
 * carrying set-up status st/e. */
static base_status send_result(runner *rn, long k, base_status st, const base_err *e, base_err *err)
{
    sim_job_result empty;
    memset(&empty, 0, sizeof empty);
    empty.st = st;
    if (e) empty.err = *e;
    const sim_job_result *r = k >= 0 ? &rn->jobs[k].res : &empty;
    unsigned char *buf = NULL;
    size_t len = 0;
    base_status s = sim_jobmsg_pack(k, r, &buf, &len, err);
    if (s == BASE_OK) s = sim_mpi_send(rn->opts->mpi, 0, TAG_RESULT, buf, len, err);
    free(buf);
    return s;
}

/* A worker rank: open `slots` requests (carrying the set-up status), then
 * run what rank 0 hands out on the pool, sending each result back (which
 * asks for the next job), until rank 0 has closed every request. */
static base_status worker_run(runner *rn, base_status setup, const base_err *setup_err,
                              base_err *err)
{
    sim_mpi *mpi = rn->opts->mpi;
    base_status st = BASE_OK;
    size_t sent = 0, low = 0; /* assigned[< low] are all sent */
    for (size_t s = 0; s < rn->slots && st == BASE_OK; s++)
        st = send_result(rn, -1, setup, setup_err, err);
    base_pool *pool = NULL;
    if (st == BASE_OK && setup == BASE_OK) {
        int threads = rn->opts->jobs > 0 ? rn->opts->jobs : 1;
        if (!(pool = base_pool_start(threads, rn->n_jobs, worker_item, rn, err)))
            st = err && err->code ? err->code : BASE_EINTERNAL;
    }
    pthread_mutex_lock(&rn->mu);
    while (st == BASE_OK && rn->slots_closed < rn->slots) {
        long done = -1;
        while (low < rn->n_assigned && rn->jobs[rn->assigned[low]].state == 6) low++;
        for (size_t i = low; i < rn->n_assigned && done < 0; i++)
            if (rn->jobs[rn->assigned[i]].state == 2) done = (long)rn->assigned[i];
        pthread_mutex_unlock(&rn->mu);
        int busy = 0;
        if (done >= 0) { /* only this thread touches a done job */
            busy = 1;
            st = send_result(rn, done, BASE_OK, NULL, err);
            sim_job_result_clear(&rn->jobs[done].res);
            pthread_mutex_lock(&rn->mu);
            rn->jobs[done].state = 6;
            pthread_mutex_unlock(&rn->mu);
            if (st == BASE_OK && rn->opts->kill_rank == rn->rank && rn->opts->kill_after_jobs &&
                ++sent >= rn->opts->kill_after_jobs)
                raise(SIGKILL);
        }
        unsigned char *msg = NULL;
        size_t len = 0;
        int got = st == BASE_OK ? sim_mpi_poll(mpi, 0, TAG_REPLY, &msg, &len, NULL, err) : 0;
        if (got < 0) st = err->code;
        pthread_mutex_lock(&rn->mu);
        if (got > 0) {
            busy = 1;
            int64_t k = -1;
            if (len == sizeof k) memcpy(&k, msg, sizeof k);
            if (k >= 0 && k < (int64_t)rn->n_jobs)
                rn->assigned[rn->n_assigned++] = (size_t)k;
            else
                rn->slots_closed++;
            pthread_cond_broadcast(&rn->cv);
        }
        free(msg);
        if (!busy) wait_ms(rn, 1);
    }
    rn->slots_closed = rn->slots; /* the items still waiting return */
    rn->abort |= st != BASE_OK;
    pthread_cond_broadcast(&rn->cv);
    pthread_mutex_unlock(&rn->mu);
    base_pool_join(pool);
    return st != BASE_OK ? st : setup;
}

/* Frees rn; returns st, or the output's close error when st was BASE_OK
 * (a failed close is an error of the run, never ignored). */
static base_status runner_free(runner *rn, base_status st, base_err *err)
{
    base_status cst = sim_out_close(rn->out, st ? NULL : err);
    if (!st) st = cst;
    for (size_t i = 0; rn->jobs && i < rn->n_jobs; i++) sim_job_result_clear(&rn->jobs[i].res);
    free(rn->jobs);
    free(rn->pending);
    free(rn->assigned);
    free(rn->cfgs);
    sim_resources_destroy(rn->res);
    free(rn->text);
    free(rn->pnames);
    free(rn->pvals);
    free(rn->pstr);
    sim_sweep_destroy(rn->sw);
    pthread_cond_destroy(&rn->cv);
    pthread_mutex_destroy(&rn->mu);
    return st;
}

/* The sweep expanded, every point resolved and checked (cfgs filled). */
static base_status resolve_points(runner *rn, base_err *err)
{
    if (!(rn->sw = sim_sweep_create(rn->sc, err))) return err->code;
    if (!(rn->np = sim_sweep_count(rn->sw)))
        return base_err_set(err, BASE_EINVAL, sim_scenario_path(rn->sc), 0,
                            "the constraints skip every sweep point");
    if (!(rn->cfgs = malloc(rn->np * sizeof *rn->cfgs)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (!(rn->res = sim_resources_create(err))) return err && err->code ? err->code : BASE_ENOMEM;
    base_status st = check_points(rn->sc, rn->sw, rn->cfgs, rn->res, err);
    if (st != BASE_OK) return st;
    rn->repeats = (size_t)rn->cfgs[0].scenario.repeats;
    rn->words = sim_pipeline_counts_words(&rn->cfgs[0]);
    return BASE_OK;
}

/* The writing process (rank 0, or the only one): jobs on its pool and, under
 * MPI, on the other ranks; rows into the output. st is the set-up status:
 * on an error the other ranks are still answered (told to stop). */
static base_status writer_run(runner *rn, base_status st, base_err *err)
{
    const sim_run_opts *opts = rn->opts;
    size_t *closed = calloc((size_t)rn->ranks + 1, sizeof *closed);
    if (!closed && st == BASE_OK) st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (st != BASE_OK) rn->abort = 1;
    base_pool *pool = NULL;
    if (st == BASE_OK && !(pool = base_pool_start(opts->jobs > 0 ? opts->jobs : 1, rn->n_pending,
                                                  run_item, rn, err)))
        st = err && err->code ? err->code : BASE_EINTERNAL;
    if (closed && (st == BASE_OK || rn->ranks > 1)) {
        st = write_rows(rn, st, closed, err);
        base_pool_join(pool);
        if (opts->progress && rn->n_pending) {
            draw_progress(rn, rn->t0, rn->written, rn->n_pending);
            fputc('\n', stderr);
        }
    }
    free(closed);
    /* the figures of docs/cluster.md's model (bench/bench_mpi.sh reads them) */
    base_log_info(opts->log,
                  "writer: %zu rows written in %.3f s (%.4f ms a row); %zu results from other "
                  "ranks received and answered in %.3f s (%.4f ms each)",
                  rn->written, rn->write_s, rn->written ? 1e3 * rn->write_s / rn->written : 0.0,
                  rn->served, rn->serve_s, rn->served ? 1e3 * rn->serve_s / rn->served : 0.0);
    if (st == BASE_EINTERRUPTED && rn->out) {
        size_t rows = sim_out_rows(rn->out);
        char why[BASE_ERR_MSG];
        snprintf(why, sizeof why, "%s", err->msg);
        base_err_set(err, BASE_EINTERRUPTED, NULL, 0,
                     "%s; %zu finished row%s kept in %s.partial: run again with --resume", why,
                     rows, rows == 1 ? "" : "s", opts->out_path);
    }
    if (st == BASE_OK) { /* on an error the partial file stays for --resume */
        st = sim_out_finish(rn->out, rn->sw, rn->repeats, err);
        rn->out = NULL;
        if (st == BASE_OK && opts->table)
            print_table(opts->table, rn->sw, rn->jobs, rn->n_jobs, rn->words, rn->resumed);
    }
    return st;
}

base_status sim_run(const sim_scenario *sc, const sim_run_opts *opts, base_err *err)
{
    /* Parallelism is over jobs: each worker is one core's worth of work, and a
     * multi-threaded BLAS would make the figures depend on timing (its thread
     * count changes the summation order), so BLAS runs single-threaded, as in
     * `semsim eval` and `semsim train`. */
    openblas_set_num_threads(1);
    runner rn;
    memset(&rn, 0, sizeof rn);
    pthread_mutex_init(&rn.mu, NULL);
    pthread_cond_init(&rn.cv, NULL);
    rn.sc = sc;
    rn.opts = opts;
    rn.rank = sim_mpi_rank(opts->mpi);
    rn.ranks = sim_mpi_size(opts->mpi);
    rn.slots = (size_t)(opts->jobs > 0 ? opts->jobs : 1) + 1;
    if (opts->shards > 1 && opts->shard >= opts->shards)
        return runner_free(&rn,
                           base_err_set(err, BASE_EINVAL, NULL, 0, "--shard %zu/%zu: I must be < N",
                                        opts->shard, opts->shards),
                           err);
    /* every rank resolves the same points: a bad scenario fails everywhere
     * alike, before any rank waits for another */
    base_status st = resolve_points(&rn, err);
    if (st == BASE_OK && opts->dry_run) {
        if (rn.rank == 0) st = sim_sweep_write_list(rn.sw, opts->list ? opts->list : stdout, err);
        return runner_free(&rn, st, err);
    }
    if (st != BASE_OK) return runner_free(&rn, st, err);
    st = prepare_shared(&rn, err);
    if (st == BASE_OK && opts->wav_dir) st = sim_s2s_wav_root(opts->wav_dir, err); /* --wav */
    /* header: what the points' utterances cover (voices, lines) */
    if (st == BASE_OK && rn.rank == 0 && opts->table)
        st = sim_cover_write(rn.cfgs, rn.np, opts->table, err);
    if (rn.rank == 0) {
        if (st == BASE_OK) st = open_output(&rn, err);
        if (st == BASE_OK) st = make_jobs(&rn, err);
        st = writer_run(&rn, st, err);
    } else {
        base_err setup_err = BASE_ERR_INIT;
        if (st != BASE_OK) setup_err = *err;
        base_status s2 = make_jobs(&rn, st == BASE_OK ? err : &setup_err);
        if (st == BASE_OK) st = s2;
        st = worker_run(&rn, st, &setup_err, err);
    }
    return runner_free(&rn, st, err);
}
