/* output.c -- HDF5 results: /summary rows as points finish, per-utterance
 * tables, the xarray grid, crash-safe partial file and resume. See output.h.
 * This and base/h5io.c are the only files that include hdf5.h. */
#define _GNU_SOURCE /* qsort_r */
#include "sim/output.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

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
};
#define N_METRICS (sizeof metric_cols / sizeof *metric_cols)
#define N_CONTRACT 19 /* columns before status */

const char *const *sim_out_metric_names(void)
{
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
                                        "duration_s",    "bit_per_s",     NULL};
    return names;
}

struct sim_out {
    char path[4096], partial[4200];
    hid_t file, row_type, str_type, status_type;
    size_t row_size;
    size_t n_params;
    char **param_names;
    int *param_is_string;
    size_t *param_off;
    size_t off_point, off_repeat, off_seed, off_metric[N_METRICS], off_status;
    /* rows in the file */
    size_t n_rows;
    int64_t *row_point, *row_repeat;
    size_t rows_cap;
    int failed;
};

/* HDF5 prints its error stack by default; we turn errors into base_err instead
 * and restore the caller's handler afterwards (h5io does the same). */
typedef struct h5quiet {
    H5E_auto2_t fn;
    void *data;
} h5quiet;
static h5quiet quiet_on(void)
{
    h5quiet q;
    H5Eget_auto2(H5E_DEFAULT, &q.fn, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}
static void quiet_off(h5quiet q)
{
    H5Eset_auto2(H5E_DEFAULT, q.fn, q.data);
}

static base_status h5fail(sim_out *o, base_err *err, const char *what)
{
    if (o) o->failed = 1;
    return base_err_set(err, BASE_EIO, o ? o->path : NULL, 0, "HDF5: %s failed", what);
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
    if (o->row_type > 0) H5Tclose(o->row_type);
    if (o->str_type > 0) H5Tclose(o->str_type);
    if (o->status_type > 0) H5Tclose(o->status_type);
    if (o->file > 0) H5Fclose(o->file);
    for (size_t i = 0; i < o->n_params; i++) free(o->param_names ? o->param_names[i] : NULL);
    free(o->param_names);
    free(o->param_is_string);
    free(o->param_off);
    free(o->row_point);
    free(o->row_repeat);
    free(o);
}

/* Compound row type: params, point, repeat, seed, metrics (status after the
 * CONTRACT ones). Offsets are packed in declaration order. */
static int build_row_type(sim_out *o)
{
    size_t off = 0;
    o->str_type = H5Tcopy(H5T_C_S1);
    o->status_type = H5Tcopy(H5T_C_S1);
    if (o->str_type < 0 || o->status_type < 0 || H5Tset_size(o->str_type, SIM_OUT_STR) < 0 ||
        H5Tset_size(o->status_type, STATUS_LEN) < 0)
        return 0;
    for (size_t i = 0; i < o->n_params; i++) {
        o->param_off[i] = off;
        off += o->param_is_string[i] ? SIM_OUT_STR : sizeof(double);
    }
    o->off_point = off, off += 8;
    o->off_repeat = off, off += 8;
    o->off_seed = off, off += 8;
    for (size_t m = 0; m < N_METRICS; m++) {
        if (m == N_CONTRACT) o->off_status = off, off += STATUS_LEN;
        o->off_metric[m] = off, off += sizeof(double);
    }
    o->row_size = off;
    o->row_type = H5Tcreate(H5T_COMPOUND, off);
    if (o->row_type < 0) return 0;
    for (size_t i = 0; i < o->n_params; i++)
        if (H5Tinsert(o->row_type, o->param_names[i], o->param_off[i],
                      o->param_is_string[i] ? o->str_type : H5T_NATIVE_DOUBLE) < 0)
            return 0;
    if (H5Tinsert(o->row_type, "point", o->off_point, H5T_NATIVE_INT64) < 0 ||
        H5Tinsert(o->row_type, "repeat", o->off_repeat, H5T_NATIVE_INT64) < 0 ||
        H5Tinsert(o->row_type, "seed", o->off_seed, H5T_NATIVE_INT64) < 0)
        return 0;
    for (size_t m = 0; m < N_METRICS; m++) {
        if (m == N_CONTRACT && H5Tinsert(o->row_type, "status", o->off_status, o->status_type) < 0)
            return 0;
        if (H5Tinsert(o->row_type, metric_cols[m].name, o->off_metric[m], H5T_NATIVE_DOUBLE) < 0)
            return 0;
    }
    return 1;
}

static int create_summary(sim_out *o, size_t n, const void *rows)
{
    hsize_t dims[1] = {n}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {64};
    hid_t space = H5Screate_simple(1, dims, maxd);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    int ok = space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 1, chunk) >= 0;
    hid_t ds =
        ok ? H5Dcreate2(o->file, "summary", o->row_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT)
           : -1;
    ok = ds >= 0;
    if (ok && n && H5Dwrite(ds, o->row_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) ok = 0;
    if (ds >= 0) H5Dclose(ds);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    return ok;
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

static int set_attr_str(hid_t file, const char *name, const char *v)
{
    return H5LTset_attribute_string(file, "/", name, v) >= 0;
}
static int set_attr_i64(hid_t file, const char *name, int64_t v)
{
    long long x = v;
    return H5LTset_attribute_long_long(file, "/", name, &x, 1) >= 0;
}

static char *get_attr_str(hid_t file, const char *name)
{
    H5T_class_t cls;
    size_t size;
    hsize_t dims[2];
    int rank;
    if (H5LTget_attribute_ndims(file, "/", name, &rank) < 0) return NULL;
    if (H5LTget_attribute_info(file, "/", name, dims, &cls, &size) < 0 || cls != H5T_STRING)
        return NULL;
    char *buf = calloc(1, size + 1);
    if (buf && H5LTget_attribute_string(file, "/", name, buf) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Resume: read (point, repeat) of existing rows; drop /points groups without a row. */
static base_status load_rows(sim_out *o, base_err *err)
{
    hid_t ds = H5Dopen2(o->file, "summary", H5P_DEFAULT);
    if (ds < 0)
        return base_err_set(err, BASE_EFORMAT, o->partial, 0, "no /summary table to resume");
    hid_t space = H5Dget_space(ds);
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    typedef struct {
        int64_t point, repeat;
    } pr;
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(pr));
    H5Tinsert(t, "point", HOFFSET(pr, point), H5T_NATIVE_INT64);
    H5Tinsert(t, "repeat", HOFFSET(pr, repeat), H5T_NATIVE_INT64);
    pr *rows = n > 0 ? malloc((size_t)n * sizeof *rows) : NULL;
    int ok =
        n >= 0 && (n == 0 || (rows && H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0));
    for (hssize_t i = 0; ok && i < n; i++) ok = remember_row(o, rows[i].point, rows[i].repeat);
    free(rows);
    H5Tclose(t);
    if (space >= 0) H5Sclose(space);
    H5Dclose(ds);
    if (!ok)
        return base_err_set(err, BASE_EFORMAT, o->partial, 0, "cannot read /summary to resume");
    return BASE_OK;
}

static void drop_orphans(sim_out *o, size_t repeats_hint)
{
    (void)repeats_hint;
    hid_t g = H5Gopen2(o->file, "points", H5P_DEFAULT);
    if (g < 0) return;
    H5G_info_t info;
    if (H5Gget_info(g, &info) >= 0) {
        /* collect names first: deleting while iterating by index shifts indices */
        char(*names)[64] = calloc(info.nlinks + 1, sizeof *names);
        size_t nn = 0;
        for (hsize_t i = 0; names && i < info.nlinks; i++) {
            char name[64];
            if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                                   H5P_DEFAULT) < 0)
                continue;
            hid_t pg = H5Gopen2(g, name, H5P_DEFAULT);
            long long point = -1, repeat = -1;
            if (pg >= 0) {
                H5LTget_attribute_long_long(pg, ".", "point", &point);
                H5LTget_attribute_long_long(pg, ".", "repeat", &repeat);
                H5Gclose(pg);
            }
            int found = 0;
            for (size_t r = 0; r < o->n_rows && !found; r++)
                found = o->row_point[r] == point && o->row_repeat[r] == repeat;
            if (!found) snprintf(names[nn++], 64, "%s", name);
        }
        for (size_t i = 0; i < nn; i++) H5Ldelete(g, names[i], H5P_DEFAULT);
        free(names);
    }
    H5Gclose(g);
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
    h5quiet q = quiet_on();
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
    if (!build_row_type(o)) {
        st = h5fail(o, err, "building the /summary row type");
        goto fail;
    }
    int resumed = 0;
    if ((flags & SIM_OUT_RESUME) && file_exists(o->partial)) {
        o->file = H5Fopen(o->partial, H5F_ACC_RDWR, H5P_DEFAULT);
        if (o->file < 0) {
            st = base_err_set(err, BASE_EFORMAT, o->partial, 0,
                              "cannot be reopened (damaged?); run without --resume to start over");
            goto fail;
        }
        char *text = get_attr_str(o->file, "scenario");
        int same = text && lay->scenario_text && !strcmp(text, lay->scenario_text);
        free(text);
        if (!same) {
            st = base_err_set(err, BASE_EEXIST, o->partial, 0,
                              "was written for a different scenario (or --set/--sweep); run "
                              "without --resume to start over");
            goto fail;
        }
        if ((st = load_rows(o, err)) != BASE_OK) goto fail;
        drop_orphans(o, 0);
        resumed = 1;
    }
    if (!resumed) {
        o->file = H5Fcreate(o->partial, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        if (o->file < 0) {
            st = base_err_set(err, BASE_EIO, o->partial, 0, "cannot create: %s", strerror(errno));
            goto fail;
        }
        char now[32], seed[32];
        iso_time(now, sizeof now);
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)lay->seed);
        if (!create_summary(o, 0, NULL) ||
            !set_attr_str(o->file, "semsim_version", PACKAGE_VERSION) ||
            !set_attr_str(o->file, "git_revision", SEMSIM_GIT_REV) ||
            !set_attr_str(o->file, "scenario", lay->scenario_text ? lay->scenario_text : "") ||
            !set_attr_str(o->file, "scenario_file", lay->scenario_file ? lay->scenario_file : "") ||
            !set_attr_i64(o->file, "seed", (int64_t)lay->seed) ||
            !set_attr_str(o->file, "start_time", now) || !set_attr_i64(o->file, "complete", 0)) {
            st = h5fail(o, err, "initialising the file");
            goto fail;
        }
        H5Fflush(o->file, H5F_SCOPE_GLOBAL);
    }
    quiet_off(q);
    *out = o;
    return BASE_OK;
nomem:
    st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
fail:
    out_free(o);
    quiet_off(q);
    return st;
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

static hid_t utt_type(hid_t str_type)
{
    hid_t vstr = H5Tcopy(H5T_C_S1), t = H5Tcreate(H5T_COMPOUND, sizeof(utt_row));
    H5Tset_size(vstr, H5T_VARIABLE);
    H5Tset_cset(vstr, H5T_CSET_UTF8);
#define I(f) H5Tinsert(t, #f, HOFFSET(utt_row, f), H5T_NATIVE_INT64)
#define D(f) H5Tinsert(t, #f, HOFFSET(utt_row, f), H5T_NATIVE_DOUBLE)
    H5Tinsert(t, "id", HOFFSET(utt_row, id), str_type);
    I(index), I(user);
    H5Tinsert(t, "reference", HOFFSET(utt_row, reference), vstr);
    H5Tinsert(t, "hypothesis", HOFFSET(utt_row, hypothesis), vstr);
    I(ref_words), I(sub), I(del), I(ins), I(errors), I(ref_chars), I(char_errors);
    I(bits), I(bit_errors), I(packets), I(packet_errors);
    D(duration_s), D(symbols), D(arrival_s), D(done_s), D(latency_s), D(cosine);
#undef I
#undef D
    H5Tclose(vstr);
    return t;
}

static int write_utterances(sim_out *o, hid_t group, const sim_utt_result *u, size_t n)
{
    utt_row *rows = calloc(n + 1, sizeof *rows);
    if (!rows) return 0;
    for (size_t i = 0; i < n; i++) {
        utt_row *r = &rows[i];
        snprintf(r->id, sizeof r->id, "%s", u[i].id);
        r->index = (int64_t)u[i].index;
        r->user = (int64_t)u[i].user;
        r->reference = u[i].reference ? u[i].reference : "";
        r->hypothesis = u[i].hypothesis ? u[i].hypothesis : "";
        r->ref_words = u[i].ref_words;
        r->sub = u[i].sub;
        r->del = u[i].del;
        r->ins = u[i].ins;
        r->errors = u[i].sub + u[i].del + u[i].ins;
        r->ref_chars = u[i].ref_chars;
        r->char_errors = u[i].char_errors;
        r->bits = (int64_t)u[i].bits;
        r->bit_errors = (int64_t)u[i].bit_errors;
        r->packets = (int64_t)u[i].packets;
        r->packet_errors = (int64_t)u[i].packet_errors;
        r->duration_s = u[i].duration_s;
        r->symbols = u[i].symbols;
        r->arrival_s = u[i].arrival_s;
        r->done_s = u[i].done_s;
        r->latency_s = u[i].latency_s;
        r->cosine = u[i].cosine;
    }
    hid_t t = utt_type(o->str_type);
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t ds = H5Dcreate2(group, "utterances", t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ok =
        t >= 0 && ds >= 0 && (n == 0 || H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    if (ds >= 0) H5Dclose(ds);
    if (space >= 0) H5Sclose(space);
    if (t >= 0) H5Tclose(t);
    free(rows);
    return ok;
}

base_status sim_out_write(sim_out *o, size_t point, size_t repeat, size_t repeats, uint64_t seed,
                          const char *const *param_values, const sim_point_metrics *m,
                          const sim_utt_result *utts, size_t n_utts, base_err *err)
{
    if (!o || o->failed) return base_err_set(err, BASE_EINVAL, NULL, 0, "output is not open");
    h5quiet q = quiet_on();
    base_status st = BASE_OK;
    unsigned char *row = calloc(1, o->row_size);
    hid_t grp = -1, ds = -1, fs = -1, ms = -1;
    if (!row) {
        quiet_off(q);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
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
    int64_t p = (int64_t)point, r = (int64_t)repeat, s = (int64_t)seed;
    memcpy(row + o->off_point, &p, 8);
    memcpy(row + o->off_repeat, &r, 8);
    memcpy(row + o->off_seed, &s, 8);
    for (size_t k = 0; k < N_METRICS; k++)
        memcpy(row + o->off_metric[k], (const char *)m + metric_cols[k].offset, sizeof(double));
    snprintf((char *)row + o->off_status, STATUS_LEN, "%s", m->status);

    /* the per-utterance table first: a kill between the two leaves a group
     * without a row, which resume removes */
    char name[64];
    snprintf(name, sizeof name, "points/%04zu", point * repeats + repeat);
    if (utts) {
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        if (H5Lexists(o->file, "points", H5P_DEFAULT) > 0 &&
            H5Lexists(o->file, name, H5P_DEFAULT) > 0)
            H5Ldelete(o->file, name, H5P_DEFAULT);
        grp = H5Gcreate2(o->file, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Pclose(lcpl);
        long long a[3] = {p, r, s};
        if (grp < 0 || H5LTset_attribute_long_long(grp, ".", "point", &a[0], 1) < 0 ||
            H5LTset_attribute_long_long(grp, ".", "repeat", &a[1], 1) < 0 ||
            H5LTset_attribute_long_long(grp, ".", "seed", &a[2], 1) < 0 ||
            !write_utterances(o, grp, utts, n_utts)) {
            st = h5fail(o, err, "writing /points");
            goto done;
        }
    }
    ds = H5Dopen2(o->file, "summary", H5P_DEFAULT);
    hsize_t newsize[1] = {o->n_rows + 1}, start[1] = {o->n_rows}, count[1] = {1};
    if (ds < 0 || H5Dset_extent(ds, newsize) < 0 || (fs = H5Dget_space(ds)) < 0 ||
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        (ms = H5Screate_simple(1, count, NULL)) < 0 ||
        H5Dwrite(ds, o->row_type, ms, fs, H5P_DEFAULT, row) < 0) {
        st = h5fail(o, err, "appending to /summary");
        goto done;
    }
    if (!remember_row(o, p, r)) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto done;
    }
done:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (ds >= 0) H5Dclose(ds);
    if (grp >= 0) H5Gclose(grp);
    if (st == BASE_OK && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0) st = h5fail(o, err, "flush");
    free(row);
    quiet_off(q);
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

static hid_t make_scale(hid_t grid, const char *name, const sim_scenario *sc, size_t axis,
                        size_t len, int is_repeat)
{
    hsize_t dims[1] = {len};
    hid_t space = H5Screate_simple(1, dims, NULL), ds = -1;
    if (space < 0) return -1;
    const sim_key_def *k = is_repeat ? NULL : sim_key_find(sim_scenario_axis_key(sc, axis));
    if (is_repeat) {
        int64_t *v = malloc(len * sizeof *v);
        for (size_t j = 0; v && j < len; j++) v[j] = (int64_t)j;
        ds = v ? H5Dcreate2(grid, name, H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT)
               : -1;
        if (ds >= 0) H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        free(v);
    } else if (k && (k->type == SIM_KEY_INT || k->type == SIM_KEY_DOUBLE)) {
        double *v = malloc(len * sizeof *v);
        for (size_t j = 0; v && j < len; j++)
            v[j] = strtod(sim_scenario_axis_value(sc, axis, j), NULL);
        ds = v ? H5Dcreate2(grid, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT,
                            H5P_DEFAULT)
               : -1;
        if (ds >= 0) H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        free(v);
    } else {
        /* text coordinates as variable-length UTF-8, which xarray reads as str */
        const char **v = malloc(len * sizeof *v);
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        for (size_t j = 0; v && j < len; j++) v[j] = sim_scenario_axis_value(sc, axis, j);
        ds = v ? H5Dcreate2(grid, name, t, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
        if (ds >= 0) H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
        H5Tclose(t);
        free(v);
    }
    H5Sclose(space);
    return ds;
}

/* /grid: metrics as (dims..., repeat) arrays with dimension scales. */
static int write_grid(sim_out *o, const sim_sweep *sw, const sim_scenario *sc, size_t repeats,
                      const unsigned char *rows, size_t n)
{
    size_t nd = sim_sweep_ndims(sw), cells = sim_sweep_cells(sw), npts = sim_sweep_count(sw);
    hid_t grid = H5Gcreate2(o->file, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (grid < 0) return 0;
    int ok = 1;
    hid_t *scales = calloc(nd + 1, sizeof *scales);
    hsize_t *dims = calloc(nd + 1, sizeof *dims);
    long *row_of = malloc((npts * repeats + 1) * sizeof *row_of);
    double *buf = malloc((cells * repeats + 1) * sizeof *buf);
    if (!scales || !dims || !row_of || !buf) ok = 0;
    for (size_t i = 0; ok && i < npts * repeats; i++) row_of[i] = -1;
    for (size_t i = 0; ok && i < n; i++) {
        int64_t p, r;
        memcpy(&p, rows + i * o->row_size + o->off_point, 8);
        memcpy(&r, rows + i * o->row_size + o->off_repeat, 8);
        if (p >= 0 && (size_t)p < npts && r >= 0 && (size_t)r < repeats)
            row_of[(size_t)p * repeats + (size_t)r] = (long)i;
    }
    /* scales: one per dimension (named by its first axis), then repeat */
    for (size_t d = 0; ok && d < nd; d++) {
        size_t axes[64];
        size_t na = sim_sweep_dim_axes(sw, d, axes, 64);
        dims[d] = sim_sweep_dim_len(sw, d);
        scales[d] = make_scale(grid, sim_scenario_axis_key(sc, axes[0]), sc, axes[0], dims[d], 0);
        if (scales[d] < 0 || H5DSset_scale(scales[d], sim_scenario_axis_key(sc, axes[0])) < 0)
            ok = 0;
        for (size_t a = 1; ok && a < na && a < 64; a++) { /* zipped companions: coordinates */
            hid_t c = make_scale(grid, sim_scenario_axis_key(sc, axes[a]), sc, axes[a], dims[d], 0);
            if (c < 0 || H5DSattach_scale(c, scales[d], 0) < 0) ok = 0;
            if (c >= 0) H5Dclose(c);
        }
    }
    if (ok) {
        dims[nd] = repeats;
        scales[nd] = make_scale(grid, "repeat", sc, 0, repeats, 1);
        if (scales[nd] < 0 || H5DSset_scale(scales[nd], "repeat") < 0) ok = 0;
    }
    hid_t space = ok ? H5Screate_simple((int)nd + 1, dims, NULL) : -1;
    for (size_t m = 0; ok && m < N_METRICS; m++) {
        for (size_t c = 0; c < cells; c++) {
            long p = sim_sweep_cell_point(sw, c);
            for (size_t r = 0; r < repeats; r++) {
                long i = p < 0 ? -1 : row_of[(size_t)p * repeats + r];
                double v = NAN;
                if (i >= 0) memcpy(&v, rows + (size_t)i * o->row_size + o->off_metric[m], 8);
                buf[c * repeats + r] = v;
            }
        }
        hid_t ds = H5Dcreate2(grid, metric_cols[m].name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT,
                              H5P_DEFAULT, H5P_DEFAULT);
        if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            ok = 0;
        for (size_t d = 0; ok && d <= nd; d++)
            if (H5DSattach_scale(ds, scales[d], (unsigned)d) < 0) ok = 0;
        if (ds >= 0) H5Dclose(ds);
    }
    if (space >= 0) H5Sclose(space);
    for (size_t d = 0; scales && d <= nd; d++)
        if (scales[d] > 0) H5Dclose(scales[d]);
    free(scales);
    free(dims);
    free(row_of);
    free(buf);
    H5Gclose(grid);
    return ok;
}

base_status sim_out_finish(sim_out *o, const sim_sweep *sw, size_t repeats, base_err *err)
{
    if (!o) return base_err_set(err, BASE_EINVAL, NULL, 0, "output is not open");
    if (o->failed) {
        out_free(o);
        return base_err_set(err, BASE_EIO, NULL, 0, "output had a write error");
    }
    h5quiet q = quiet_on();
    base_status st = BASE_OK;
    unsigned char *rows = NULL;
    size_t n = o->n_rows;
    hid_t ds = H5Dopen2(o->file, "summary", H5P_DEFAULT);
    rows = malloc(n * o->row_size + 1);
    if (ds < 0 || !rows ||
        (n && H5Dread(ds, o->row_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)) {
        if (ds >= 0) H5Dclose(ds);
        st = h5fail(o, err, "reading /summary");
        goto fail;
    }
    H5Dclose(ds);
    sort_ctx sc = {o->off_point, o->off_repeat, o->row_size};
    qsort_r(rows, n, o->row_size, row_cmp, &sc);
    if (H5Ldelete(o->file, "summary", H5P_DEFAULT) < 0 || !create_summary(o, n, rows)) {
        st = h5fail(o, err, "rewriting /summary");
        goto fail;
    }
    if (H5Lexists(o->file, "grid", H5P_DEFAULT) > 0) H5Ldelete(o->file, "grid", H5P_DEFAULT);
    if (sw && !write_grid(o, sw, sim_sweep_scenario(sw), repeats, rows, n)) {
        st = h5fail(o, err, "writing /grid");
        goto fail;
    }
    char now[32];
    iso_time(now, sizeof now);
    if (!set_attr_str(o->file, "end_time", now) || !set_attr_i64(o->file, "complete", 1)) {
        st = h5fail(o, err, "writing attributes");
        goto fail;
    }
    if (H5Fclose(o->file) < 0) {
        o->file = -1;
        st = h5fail(o, err, "closing the file");
        goto fail;
    }
    o->file = -1;
    if (rename(o->partial, o->path) != 0) {
        st = base_err_set(err, BASE_EIO, o->path, 0, "cannot rename %s: %s", o->partial,
                          strerror(errno));
        goto fail;
    }
fail:
    free(rows);
    out_free(o);
    quiet_off(q);
    return st;
}

void sim_out_close(sim_out *o)
{
    if (!o) return;
    h5quiet q = quiet_on();
    out_free(o);
    quiet_off(q);
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
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return base_err_set(err, BASE_EIO, dir, 0, "cannot create folder: %s", strerror(errno));
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
