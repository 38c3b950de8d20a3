/* output.c -- HDF5 results: /summary rows as points finish, per-utterance
 * tables, the xarray grid, crash-safe partial file and resume. See output.h.
 * Everything goes through the HDF5 wrapper (base/h5io.h, base/h5table.h):
 * the /summary row layout is a column table built once when the file opens. */
#define _GNU_SOURCE /* qsort_r, strdup */
#include "sim/output.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fs.h"
#include "base/h5io.h"
#include "base/h5table.h"
#include "base/git_rev.h" /* BASE_GIT_REV: generated, see Makefile.am */
#include "config.h"
#include "sim/out_voices.h"

#define STATUS_LEN 32

/* Metric columns: CONTRACT.md's, in its order, then extras. */
typedef struct metric_col {
    const char *name;
    size_t offset; /* in sim_point_metrics */
} metric_col;

#define M(f)                                                                                       \
    {                                                                                              \
#f, offsetof(sim_point_metrics, f)                                                         \
    }
static const metric_col metric_cols[] = {
    M(utterances),
    M(ref_words),
    M(sub),
    M(del),
    M(ins),
    M(wer),
    M(wer_ci_low),
    M(wer_ci_high),
    M(cer),
    M(sym_per_s),
    M(handshake_sym),
    M(cosine),
    M(cka),
    M(jaccard),
    M(mrr),
    M(foscttm),
    M(ber),
    M(latency_mean_s),
    M(latency_p95_s),
    /* status goes here in the file; extras follow */
    M(ref_chars),
    M(char_errors),
    M(bits),
    M(bit_errors),
    M(ber_ci_low),
    M(ber_ci_high),
    M(packets),
    M(packet_errors),
    M(per),
    M(symbols),
    M(duration_s),
    M(bit_per_s),
    M(voices),
    M(sym_per_s_total),
    M(wer_tx_own),
    M(wer_rx_text),
};
#define N_METRICS (sizeof metric_cols / sizeof *metric_cols)
#define N_CONTRACT 19 /* columns before status */

const char *const *sim_out_metric_names(void)
{
    /* a grid, so that appending a column touches one line */
    /* clang-format off */
    static const char *const names[] = {"utterances",    "ref_words",     "sub",
                                        "del",           "ins",           "wer",
                                        "wer_ci_low",    "wer_ci_high",   "cer",
                                        "sym_per_s",     "handshake_sym", "cosine",
                                        "cka",           "jaccard",       "mrr",
                                        "foscttm",       "ber",           "latency_mean_s",
                                        "latency_p95_s", "status",        "ref_chars",
                                        "char_errors",   "bits",          "bit_errors",
                                        "ber_ci_low",    "ber_ci_high",   "packets",
                                        "packet_errors", "per",           "symbols",
                                        "duration_s",    "bit_per_s",
                                        "voices",        "sym_per_s_total", "wer_tx_own",
                                        "wer_rx_text",
                                        NULL};
    /* clang-format on */
    return names;
}

struct sim_out {
    char path[4096], partial[4200];
    base_h5 *h;
    int restarted; /* --resume found the partial file damaged and started over */
    size_t n_params;
    char **param_names;
    int *param_is_string;
    size_t *param_off;
    size_t off_point, off_repeat, off_seed, off_metric[N_METRICS], off_status;
    base_h5_col *cols; /* the /summary columns, in file order */
    base_h5_table table;
    /* rows in the file */
    size_t n_rows;
    int64_t *row_point, *row_repeat;
    size_t rows_cap;
    int failed;
};

/* A failed HDF5 call leaves the object unusable for further writes. */
static base_status mark(sim_out *o, base_status st)
{
    if (st) o->failed = 1;
    return st;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void iso_time(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void out_free(sim_out *o)
{
    if (!o) return;
    for (size_t i = 0; i < o->n_params; i++) free(o->param_names ? o->param_names[i] : NULL);
    free(o->param_names);
    free(o->param_is_string);
    free(o->param_off);
    free(o->cols);
    free(o->row_point);
    free(o->row_repeat);
    free(o);
}

/* Close the file keeping PATH.partial (checked), then free o. */
static base_status out_close(sim_out *o, base_err *err)
{
    if (!o) return BASE_OK;
    base_status st = base_h5_close_partial(o->h, err);
    o->h = NULL;
    out_free(o);
    return st;
}

static void add_col(sim_out *o, const char *name, base_h5_type type, size_t *off, size_t size)
{
    o->cols[o->table.n_cols++] = (base_h5_col){name, type, *off, size};
    *off += size;
}

/* The /summary columns: params, point, repeat, seed, metrics (status after
 * the CONTRACT ones). Offsets are packed in declaration order. */
static int build_columns(sim_out *o)
{
    size_t off = 0;
    o->cols = calloc(o->n_params + 4 + N_METRICS, sizeof *o->cols);
    if (!o->cols) return 0;
    for (size_t i = 0; i < o->n_params; i++) {
        o->param_off[i] = off;
        if (o->param_is_string[i])
            add_col(o, o->param_names[i], BASE_H5_STR, &off, SIM_OUT_STR);
        else
            add_col(o, o->param_names[i], BASE_H5_F64, &off, sizeof(double));
    }
    o->off_point = off, add_col(o, "point", BASE_H5_I64, &off, 8);
    o->off_repeat = off, add_col(o, "repeat", BASE_H5_I64, &off, 8);
    o->off_seed = off, add_col(o, "seed", BASE_H5_I64, &off, 8);
    for (size_t m = 0; m < N_METRICS; m++) {
        if (m == N_CONTRACT)
            o->off_status = off, add_col(o, "status", BASE_H5_STR, &off, STATUS_LEN);
        o->off_metric[m] = off, add_col(o, metric_cols[m].name, BASE_H5_F64, &off, sizeof(double));
    }
    o->table.cols = o->cols;
    o->table.row_size = off;
    return 1;
}

static int remember_row(sim_out *o, int64_t point, int64_t repeat)
{
    if (o->n_rows == o->rows_cap) {
        size_t cap = o->rows_cap ? 2 * o->rows_cap : 64;
        int64_t *p = realloc(o->row_point, cap * sizeof *p);
        if (!p) return 0;
        o->row_point = p;
        int64_t *r = realloc(o->row_repeat, cap * sizeof *r);
        if (!r) return 0;
        o->row_repeat = r;
        o->rows_cap = cap;
    }
    o->row_point[o->n_rows] = point;
    o->row_repeat[o->n_rows] = repeat;
    o->n_rows++;
    return 1;
}

/* Resume: read (point, repeat) of existing rows. */
static base_status load_rows(sim_out *o, base_err *err)
{
    typedef struct {
        int64_t point, repeat;
    } pr;
    static const base_h5_col cols[] = {{"point", BASE_H5_I64, offsetof(pr, point), 0},
                                       {"repeat", BASE_H5_I64, offsetof(pr, repeat), 0}};
    const base_h5_table t = {cols, 2, sizeof(pr)};
    size_t n = 0;
    if (base_h5_table_len(o->h, "summary", &n, NULL))
        return base_err_set(err, BASE_EFORMAT, o->partial, 0, "no /summary table to resume");
    pr *rows = malloc((n + 1) * sizeof *rows);
    int ok = rows && !base_h5_table_read(o->h, "summary", &t, rows, n, NULL);
    for (size_t i = 0; ok && i < n; i++) ok = remember_row(o, rows[i].point, rows[i].repeat);
    free(rows);
    if (!ok)
        return base_err_set(err, BASE_EFORMAT, o->partial, 0, "cannot read /summary to resume");
    return BASE_OK;
}

/* Resume: remove /points groups without a /summary row (a kill mid-point). */
static base_status drop_orphans(sim_out *o, base_err *err)
{
    if (!base_h5_exists(o->h, "points")) return BASE_OK;
    char **names = NULL;
    size_t n = 0;
    base_status st = base_h5_list(o->h, "points", &names, NULL, &n, err);
    for (size_t i = 0; !st && i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "points/%s", names[i]);
        int64_t point = -1, repeat = -1;
        base_h5_read_attr_int(o->h, path, "point", &point, NULL);
        base_h5_read_attr_int(o->h, path, "repeat", &repeat, NULL);
        int found = 0;
        for (size_t r = 0; r < o->n_rows && !found; r++)
            found = o->row_point[r] == point && o->row_repeat[r] == repeat;
        if (!found) st = base_h5_delete(o->h, path, err);
    }
    base_h5_names_free(names, n);
    return st;
}

/* Reopen PATH.partial of the same scenario and take over its rows. */
static base_status open_resume(sim_out *o, const sim_out_layout *lay, base_err *err)
{
    if (base_h5_resume(o->path, &o->h, NULL))
        return base_err_set(err, BASE_EFORMAT, o->partial, 0,
                            "cannot be reopened (damaged?); run without --resume to start over");
    char *text = NULL;
    base_h5_read_attr_strdup(o->h, "/", "scenario", &text, NULL);
    int same = text && lay->scenario_text && !strcmp(text, lay->scenario_text);
    free(text);
    if (!same)
        return base_err_set(err, BASE_EEXIST, o->partial, 0,
                            "was written for a different scenario (or --set/--sweep); run "
                            "without --resume to start over");
    int64_t shard = 0, shards = 0; /* a shard's partial file resumes only as that shard */
    base_h5_read_attr_int(o->h, "/", "shard", &shard, NULL);
    base_h5_read_attr_int(o->h, "/", "shards", &shards, NULL);
    if ((size_t)shards != (lay->shards > 1 ? lay->shards : 0) ||
        (shards > 1 && (size_t)shard != lay->shard))
        return base_err_set(err, BASE_EEXIST, o->partial, 0,
                            "was written for another --shard; run without --resume to start over");
    base_status st = load_rows(o, err);
    if (!st) st = drop_orphans(o, err);
    if (!st) st = sim_out_voices_create(o->h, err);
    if (!st) st = sim_out_voices_keep(o->h, o->row_point, o->row_repeat, o->n_rows, err);
    return st;
}

/* Create PATH.partial: an empty /summary and the root attributes. */
static base_status open_new(sim_out *o, const sim_out_layout *lay, base_err *err)
{
    base_status st = base_h5_create(o->path, &o->h, err);
    if (st) return st;
    char now[32];
    iso_time(now, sizeof now);
    const char *text = lay->scenario_text ? lay->scenario_text : "";
    const char *file = lay->scenario_file ? lay->scenario_file : "";
    if ((st = base_h5_table_create(o->h, "summary", &o->table, 64, NULL, 0, err)) ||
        (st = sim_out_voices_create(o->h, err)) ||
        (st = base_h5_write_attr_str_fixed(o->h, "/", "semsim_version", PACKAGE_VERSION, err)) ||
        (st = base_h5_write_attr_str_fixed(o->h, "/", "git_revision", BASE_GIT_REV, err)) ||
        (st = base_h5_write_attr_str_fixed(o->h, "/", "scenario", text, err)) ||
        (st = base_h5_write_attr_str_fixed(o->h, "/", "scenario_file", file, err)) ||
        (st = base_h5_write_attr_int1(o->h, "/", "seed", (int64_t)lay->seed, err)) ||
        (st = base_h5_write_attr_str_fixed(o->h, "/", "start_time", now, err)) ||
        (st = base_h5_write_attr_int1(o->h, "/", "complete", 0, err)))
        return st;
    if (lay->shards > 1 && /* what semsim merge checks and rebuilds the scenario from */
        ((st = base_h5_write_attr_int1(o->h, "/", "shard", (int64_t)lay->shard, err)) ||
         (st = base_h5_write_attr_int1(o->h, "/", "shards", (int64_t)lay->shards, err)) ||
         (st = base_h5_write_attr_int1(o->h, "/", "points", (int64_t)lay->points, err)) ||
         (st = base_h5_write_attr_int1(o->h, "/", "repeats", (int64_t)lay->repeats, err)) ||
         (st = base_h5_write_attr_str_fixed(o->h, "/", "overrides",
                                            lay->overrides ? lay->overrides : "", err))))
        return st;
    return base_h5_flush(o->h, err);
}

base_status sim_out_open(const char *path, const sim_out_layout *lay, unsigned flags, sim_out **out,
                         base_err *err)
{
    *out = NULL;
    if (!path || !*path || !lay) return base_err_set(err, BASE_EINVAL, NULL, 0, "output: no path");
    if (strlen(path) >= 4096)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "output path too long");
    if (file_exists(path) && !(flags & SIM_OUT_FORCE))
        return base_err_set(err, BASE_EEXIST, path, 0, "exists; use --force to overwrite it");
    sim_out *o = calloc(1, sizeof *o);
    if (!o) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = BASE_OK;
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->partial, sizeof o->partial, "%s.partial", path);
    o->n_params = lay->n_params;
    o->param_names = calloc(lay->n_params + 1, sizeof *o->param_names);
    o->param_is_string = calloc(lay->n_params + 1, sizeof *o->param_is_string);
    o->param_off = calloc(lay->n_params + 1, sizeof *o->param_off);
    if (!o->param_names || !o->param_is_string || !o->param_off) goto nomem;
    for (size_t i = 0; i < lay->n_params; i++) {
        if (!(o->param_names[i] = strdup(lay->param_names[i]))) goto nomem;
        o->param_is_string[i] = lay->param_is_string[i];
    }
    if (!build_columns(o)) goto nomem;
    if ((flags & SIM_OUT_RESUME) && file_exists(o->partial)) {
        st = open_resume(o, lay, err);
        if (st == BASE_EFORMAT) {
            /* damaged (a run killed while HDF5 was writing): nothing in it can be
             * trusted, so start over; sim_out_restarted tells the caller */
            char partial[sizeof o->partial];
            snprintf(partial, sizeof partial, "%s", o->partial);
            out_close(o, NULL);
            remove(partial);
            if (err) *err = (base_err)BASE_ERR_INIT;
            st = sim_out_open(path, lay, flags & ~(unsigned)SIM_OUT_RESUME, out, err);
            if (st == BASE_OK) (*out)->restarted = 1;
            return st;
        }
    } else {
        st = open_new(o, lay, err);
    }
    if (st) goto fail;
    *out = o;
    return BASE_OK;
nomem:
    st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    out_close(o, NULL); /* the first error is the one to report */
    return st;
}

int sim_out_restarted(const sim_out *o)
{
    return o && o->restarted;
}

size_t sim_out_rows(const sim_out *o)
{
    return o->n_rows;
}

int sim_out_has(const sim_out *o, size_t point, size_t repeat)
{
    for (size_t r = 0; r < o->n_rows; r++)
        if (o->row_point[r] == (int64_t)point && o->row_repeat[r] == (int64_t)repeat) return 1;
    return 0;
}

/* The per-utterance table row. */
typedef struct utt_row {
    char id[SIM_OUT_STR];
    int64_t index, user;
    const char *reference, *hypothesis;
    int64_t ref_words, sub, del, ins, errors, ref_chars, char_errors;
    int64_t bits, bit_errors, packets, packet_errors;
    double duration_s, symbols, arrival_s, done_s, latency_s, cosine;
} utt_row;

#define I(f)                                                                                       \
    {                                                                                              \
#f, BASE_H5_I64, offsetof(utt_row, f), 0                                                   \
    }
#define D(f)                                                                                       \
    {                                                                                              \
#f, BASE_H5_F64, offsetof(utt_row, f), 0                                                   \
    }
static const base_h5_col utt_cols[] = {
    {"id", BASE_H5_STR, offsetof(utt_row, id), SIM_OUT_STR},
    I(index),
    I(user),
    {"reference", BASE_H5_VSTR, offsetof(utt_row, reference), 0},
    {"hypothesis", BASE_H5_VSTR, offsetof(utt_row, hypothesis), 0},
    I(ref_words),
    I(sub),
    I(del),
    I(ins),
    I(errors),
    I(ref_chars),
    I(char_errors),
    I(bits),
    I(bit_errors),
    I(packets),
    I(packet_errors),
    D(duration_s),
    D(symbols),
    D(arrival_s),
    D(done_s),
    D(latency_s),
    D(cosine),
};
#undef I
#undef D

static void utt_fill(utt_row *r, const sim_utt_result *u)
{
    snprintf(r->id, sizeof r->id, "%s", u->id);
    r->index = (int64_t)u->index;
    r->user = (int64_t)u->user;
    r->reference = u->reference ? u->reference : "";
    r->hypothesis = u->hypothesis ? u->hypothesis : "";
    r->ref_words = u->ref_words;
    r->sub = u->sub;
    r->del = u->del;
    r->ins = u->ins;
    r->errors = u->sub + u->del + u->ins;
    r->ref_chars = u->ref_chars;
    r->char_errors = u->char_errors;
    r->bits = (int64_t)u->bits;
    r->bit_errors = (int64_t)u->bit_errors;
    r->packets = (int64_t)u->packets;
    r->packet_errors = (int64_t)u->packet_errors;
    r->duration_s = u->duration_s;
    r->symbols = u->symbols;
    r->arrival_s = u->arrival_s;
    r->done_s = u->done_s;
    r->latency_s = u->latency_s;
    r->cosine = u->cosine;
}

/* /points/NNNN: the attributes point, repeat, seed and the utterances table
 * (an older group of the same name, left by an interrupted run, is replaced). */
static base_status write_point(sim_out *o, const char *group, const int64_t prs[3],
                               const sim_utt_result *u, size_t n, base_err *err)
{
    static const base_h5_table t = {utt_cols, sizeof utt_cols / sizeof *utt_cols, sizeof(utt_row)};
    base_status st = BASE_OK;
    char name[96];
    snprintf(name, sizeof name, "%s/utterances", group);
    utt_row *rows = calloc(n + 1, sizeof *rows);
    if (!rows) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++) utt_fill(&rows[i], &u[i]);
    if (base_h5_exists(o->h, group)) st = base_h5_delete(o->h, group, err);
    if (!st) st = base_h5_create_group(o->h, group, err);
    if (!st) st = base_h5_write_attr_int1(o->h, group, "point", prs[0], err);
    if (!st) st = base_h5_write_attr_int1(o->h, group, "repeat", prs[1], err);
    if (!st) st = base_h5_write_attr_int1(o->h, group, "seed", prs[2], err);
    if (!st) st = base_h5_table_create(o->h, name, &t, 0, rows, n, err);
    free(rows);
    return st;
}

/* One /summary row in the file's layout. */
static void summary_fill(const sim_out *o, unsigned char *row, const int64_t prs[3],
                         const char *const *param_values, const sim_point_metrics *m)
{
    for (size_t i = 0; i < o->n_params; i++) {
        if (o->param_is_string[i]) {
            snprintf((char *)row + o->param_off[i], SIM_OUT_STR, "%s", param_values[i]);
        } else {
            char *end;
            double v = strtod(param_values[i], &end);
            if (end == param_values[i]) v = NAN;
            memcpy(row + o->param_off[i], &v, sizeof v);
        }
    }
    memcpy(row + o->off_point, &prs[0], 8);
    memcpy(row + o->off_repeat, &prs[1], 8);
    memcpy(row + o->off_seed, &prs[2], 8);
    for (size_t k = 0; k < N_METRICS; k++)
        memcpy(row + o->off_metric[k], (const char *)m + metric_cols[k].offset, sizeof(double));
    snprintf((char *)row + o->off_status, STATUS_LEN, "%s", m->status);
}

base_status sim_out_write(sim_out *o, size_t point, size_t repeat, size_t repeats, uint64_t seed,
                          const char *const *param_values, const sim_point_metrics *m,
                          const sim_utt_result *utts, size_t n_utts,
                          const sim_voice_metrics *voices, size_t n_voices, base_err *err)
{
    if (!o || o->failed) return base_err_set(err, BASE_EINVAL, NULL, 0, "output is not open");
    base_status st = BASE_OK;
    unsigned char *row = calloc(1, o->table.row_size);
    if (!row) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    const int64_t prs[3] = {(int64_t)point, (int64_t)repeat, (int64_t)seed};
    summary_fill(o, row, prs, param_values, m);
    /* the per-utterance table first: a kill between the two leaves a group
     * without a row, which resume removes */
    char group[64];
    snprintf(group, sizeof group, "points/%04zu", point * repeats + repeat);
    if (utts) st = mark(o, write_point(o, group, prs, utts, n_utts, err));
    if (!st) st = mark(o, sim_out_voices_append(o->h, prs[0], prs[1], voices, n_voices, err));
    if (!st) st = mark(o, base_h5_table_append(o->h, "summary", &o->table, row, 1, err));
    if (!st && !remember_row(o, prs[0], prs[1]))
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (!st) st = mark(o, base_h5_flush(o->h, err));
    free(row);
    return st;
}

/* ---- finishing --------------------------------------------------------------------- */

typedef struct sort_ctx {
    size_t off_point, off_repeat, size;
} sort_ctx;

static int row_cmp(const void *a, const void *b, void *arg)
{
    const sort_ctx *c = arg;
    int64_t pa, pb, ra, rb;
    memcpy(&pa, (const char *)a + c->off_point, 8);
    memcpy(&pb, (const char *)b + c->off_point, 8);
    memcpy(&ra, (const char *)a + c->off_repeat, 8);
    memcpy(&rb, (const char *)b + c->off_repeat, 8);
    if (pa != pb) return (pa > pb) - (pa < pb);
    return (ra > rb) - (ra < rb);
}

/* grid/NAME: one coordinate of length len (axis of the scenario, or the
 * repeat index when is_repeat). */
static base_status make_scale(sim_out *o, const char *name, const sim_scenario *sc, size_t axis,
                              size_t len, int is_repeat, base_err *err)
{
    char path[512];
    snprintf(path, sizeof path, "grid/%s", name);
    const sim_key_def *k = is_repeat ? NULL : sim_key_find(sim_scenario_axis_key(sc, axis));
    base_h5_type type = is_repeat                                                    ? BASE_H5_I64
                        : k && (k->type == SIM_KEY_INT || k->type == SIM_KEY_DOUBLE) ? BASE_H5_F64
                                                                                     : BASE_H5_VSTR;
    /* text coordinates as variable-length UTF-8, which xarray reads as str */
    void *v = malloc((len + 1) * 8);
    if (!v) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t j = 0; j < len; j++) {
        if (type == BASE_H5_I64)
            ((int64_t *)v)[j] = (int64_t)j;
        else if (type == BASE_H5_F64)
            ((double *)v)[j] = strtod(sim_scenario_axis_value(sc, axis, j), NULL);
        else
            ((const char **)v)[j] = sim_scenario_axis_value(sc, axis, j);
    }
    base_status st = base_h5_write_array(o->h, path, type, 1, &len, v, err);
    free(v);
    return st;
}

/* grid scales: one per sweep dimension (named by its first axis; zipped
 * companions become coordinates attached to it), then repeat. dims gets the
 * grid's shape, scale[d] the name of dimension d's scale. */
static base_status write_scales(sim_out *o, const sim_sweep *sw, const sim_scenario *sc,
                                size_t repeats, size_t *dims, const char **scale, base_err *err)
{
    size_t nd = sim_sweep_ndims(sw);
    base_status st = BASE_OK;
    char path[2][512];
    for (size_t d = 0; !st && d < nd; d++) {
        size_t axes[64];
        size_t na = sim_sweep_dim_axes(sw, d, axes, 64);
        dims[d] = sim_sweep_dim_len(sw, d);
        scale[d] = sim_scenario_axis_key(sc, axes[0]);
        snprintf(path[0], sizeof path[0], "grid/%s", scale[d]);
        if (!(st = make_scale(o, scale[d], sc, axes[0], dims[d], 0, err)))
            st = base_h5_set_scale(o->h, path[0], scale[d], err);
        for (size_t a = 1; !st && a < na && a < 64; a++) {
            const char *key = sim_scenario_axis_key(sc, axes[a]);
            snprintf(path[1], sizeof path[1], "grid/%s", key);
            if (!(st = make_scale(o, key, sc, axes[a], dims[d], 0, err)))
                st = base_h5_attach_scale(o->h, path[1], path[0], 0, err);
        }
    }
    if (st) return st;
    dims[nd] = repeats;
    scale[nd] = "repeat";
    if (!(st = make_scale(o, "repeat", sc, 0, repeats, 1, err)))
        st = base_h5_set_scale(o->h, "grid/repeat", "repeat", err);
    return st;
}

/* /grid: metrics as (dims..., repeat) arrays with dimension scales. */
static base_status write_grid(sim_out *o, const sim_sweep *sw, const sim_scenario *sc,
                              size_t repeats, const unsigned char *rows, size_t n, base_err *err)
{
    size_t nd = sim_sweep_ndims(sw), cells = sim_sweep_cells(sw), npts = sim_sweep_count(sw);
    size_t rs = o->table.row_size;
    if (nd + 1 > BASE_H5_MAX_ARRAY_RANK)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "too many sweep dimensions for /grid");
    base_status st = base_h5_create_group(o->h, "grid", err);
    if (st) return st;
    const char **scale = calloc(nd + 1, sizeof *scale);
    size_t *dims = calloc(nd + 1, sizeof *dims);
    long *row_of = malloc((npts * repeats + 1) * sizeof *row_of);
    double *buf = malloc((cells * repeats + 1) * sizeof *buf);
    if (!scale || !dims || !row_of || !buf) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < npts * repeats; i++) row_of[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t p, r;
        memcpy(&p, rows + i * rs + o->off_point, 8);
        memcpy(&r, rows + i * rs + o->off_repeat, 8);
        if (p >= 0 && (size_t)p < npts && r >= 0 && (size_t)r < repeats)
            row_of[(size_t)p * repeats + (size_t)r] = (long)i;
    }
    st = write_scales(o, sw, sc, repeats, dims, scale, err);
    for (size_t m = 0; !st && m < N_METRICS; m++) {
        for (size_t c = 0; c < cells; c++) {
            long p = sim_sweep_cell_point(sw, c);
            for (size_t r = 0; r < repeats; r++) {
                long i = p < 0 ? -1 : row_of[(size_t)p * repeats + r];
                double v = NAN;
                if (i >= 0) memcpy(&v, rows + (size_t)i * rs + o->off_metric[m], 8);
                buf[c * repeats + r] = v;
            }
        }
        char path[2][512];
        snprintf(path[0], sizeof path[0], "grid/%s", metric_cols[m].name);
        st = base_h5_write_array(o->h, path[0], BASE_H5_F64, (int)nd + 1, dims, buf, err);
        for (size_t d = 0; !st && d <= nd; d++) {
            snprintf(path[1], sizeof path[1], "grid/%s", scale[d]);
            st = base_h5_attach_scale(o->h, path[0], path[1], (unsigned)d, err);
        }
    }
done:
    free(scale);
    free(dims);
    free(row_of);
    free(buf);
    return st;
}

/* Sort /summary by (point, repeat) and write it again; rows gets the sorted
 * rows (malloc'd) for the grid. */
static base_status rewrite_summary(sim_out *o, unsigned char **rows_out, base_err *err)
{
    size_t n = o->n_rows, rs = o->table.row_size;
    unsigned char *rows = malloc(n * rs + 1);
    *rows_out = rows;
    if (!rows) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = base_h5_table_read(o->h, "summary", &o->table, rows, n, err);
    if (st) return st;
    sort_ctx sc = {o->off_point, o->off_repeat, rs};
    qsort_r(rows, n, rs, row_cmp, &sc);
    if ((st = base_h5_delete(o->h, "summary", err))) return st;
    return base_h5_table_create(o->h, "summary", &o->table, 64, rows, n, err);
}

base_status sim_out_finish(sim_out *o, const sim_sweep *sw, size_t repeats, base_err *err)
{
    if (!o) return base_err_set(err, BASE_EINVAL, NULL, 0, "output is not open");
    if (o->failed) {
        out_close(o, NULL);
        return base_err_set(err, BASE_EIO, NULL, 0, "output had a write error");
    }
    unsigned char *rows = NULL;
    char now[32];
    iso_time(now, sizeof now);
    base_status st = rewrite_summary(o, &rows, err);
    if (!st) st = sim_out_voices_sort(o->h, err);
    if (!st && base_h5_exists(o->h, "grid")) st = base_h5_delete(o->h, "grid", err);
    if (!st && sw) st = write_grid(o, sw, sim_sweep_scenario(sw), repeats, rows, o->n_rows, err);
    if (!st) st = base_h5_write_attr_str_fixed(o->h, "/", "end_time", now, err);
    if (!st) st = base_h5_write_attr_int1(o->h, "/", "complete", 1, err);
    free(rows);
    /* close checked; on an earlier error the first one is reported */
    base_status cst = base_h5_close_partial(o->h, st ? NULL : err);
    o->h = NULL;
    if (!st) st = cst;
    if (!st && rename(o->partial, o->path) != 0)
        st = base_err_set(err, BASE_EIO, o->path, 0, "cannot rename %s: %s", o->partial,
                          strerror(errno));
    out_free(o);
    return st;
}

base_status sim_out_close(sim_out *o, base_err *err)
{
    return out_close(o, err);
}

/* ---- semsim merge: a shard file's rows into this output ------------------------------- */

base_status sim_out_merge_file(sim_out *o, const char *path, size_t points, size_t repeats,
                               base_err *err)
{
    if (!o || o->failed) return base_err_set(err, BASE_EINVAL, NULL, 0, "output is not open");
    base_h5 *src = NULL;
    base_status st = base_h5_open(path, &src, err);
    if (st) return st;
    size_t n = 0, rs = o->table.row_size;
    unsigned char *rows = NULL;
    if (base_h5_table_len(src, "summary", &n, NULL) || !(rows = malloc(n * rs + 1)) ||
        base_h5_table_read(src, "summary", &o->table, rows, n, NULL)) {
        st = rows ? base_err_set(err, BASE_EFORMAT, path, 0,
                                 "its /summary does not have this scenario's columns")
                  : base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        n = 0;
    }
    for (size_t i = 0; !st && i < n; i++) {
        const unsigned char *row = rows + i * rs;
        int64_t p, r;
        memcpy(&p, row + o->off_point, 8);
        memcpy(&r, row + o->off_repeat, 8);
        if (p < 0 || (size_t)p >= points || r < 0 || (size_t)r >= repeats) {
            st = base_err_set(err, BASE_EFORMAT, path, 0,
                              "row point %lld repeat %lld is outside the scenario's sweep",
                              (long long)p, (long long)r);
            break;
        }
        if (sim_out_has(o, (size_t)p, (size_t)r)) {
            st = base_err_set(err, BASE_EEXIST, path, 0,
                              "duplicate row: point %lld repeat %lld is also in an earlier file",
                              (long long)p, (long long)r);
            break;
        }
        char group[64];
        snprintf(group, sizeof group, "points/%04zu", (size_t)p * repeats + (size_t)r);
        if (base_h5_exists(src, group)) st = mark(o, base_h5_copy(src, group, o->h, group, err));
        if (!st) st = mark(o, base_h5_table_append(o->h, "summary", &o->table, row, 1, err));
        if (!st && !remember_row(o, p, r))
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    free(rows);
    if (!st) st = mark(o, sim_out_voices_copy(src, o->h, err));
    base_status cst = base_h5_close(src, st ? NULL : err);
    if (!st) st = cst;
    if (!st) st = mark(o, base_h5_flush(o->h, err));
    return st;
}

/* ---- trn files ---------------------------------------------------------------------- */

static void trn_id(const char *id, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", strchr(id, '_') ? "" : "utt_", id);
}

/* Write text with newlines/parentheses flattened (they would break trn lines). */
static void trn_text(FILE *f, const char *s)
{
    for (; s && *s; s++) fputc(*s == '\n' || *s == '\r' || *s == '(' || *s == ')' ? ' ' : *s, f);
}

base_status sim_out_write_trn(const char *dir, size_t row, const sim_utt_result *utts, size_t n,
                              base_err *err)
{
    size_t with_ref = 0;
    for (size_t i = 0; i < n; i++) with_ref += utts[i].reference != NULL;
    if (!with_ref) return BASE_OK;
    base_status st = base_fs_mkdirs(dir, err);
    if (st) return st;
    char path[2][4200];
    snprintf(path[0], sizeof path[0], "%s/%04zu.ref.trn", dir, row);
    snprintf(path[1], sizeof path[1], "%s/%04zu.hyp.trn", dir, row);
    for (int w = 0; w < 2; w++) {
        FILE *f = fopen(path[w], "w");
        if (!f) return base_err_set(err, BASE_EIO, path[w], 0, "cannot write: %s", strerror(errno));
        for (size_t i = 0; i < n; i++) {
            if (!utts[i].reference) continue;
            char id[80];
            trn_id(utts[i].id, id, sizeof id);
            trn_text(f, w ? utts[i].hypothesis : utts[i].reference);
            fprintf(f, " (%s)\n", id);
        }
        if (fclose(f) != 0) return base_err_set(err, BASE_EIO, path[w], 0, "write error");
    }
    return BASE_OK;
}
