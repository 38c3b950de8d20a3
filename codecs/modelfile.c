/* modelfile.c -- agent model files: an in-memory container of named tensors
 * and attributes, its HDF5 form through base/h5io, and the mapping onto
 * codecs/agent parameters (see modelfile.h and docs/model-format.md). */
#include "codecs/modelfile.h"

#include "codecs/agent_arch.h"

#include "codecs/vocab.h"
#include "base/h5io.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64
#define NAME_MAX_ 128
#define STR_MAX 4096 /* longest string attribute a file may hold */

/* ATTR_BAD: present in the file but unusable (an array, another type); s
 * holds why, reported only if someone asks for the key. */
typedef enum attr_kind { ATTR_STR = 1, ATTR_INT, ATTR_DOUBLE, ATTR_BAD } attr_kind;

typedef struct attr {
    char key[KEY_MAX];
    attr_kind kind;
    char *s;
    int64_t i;
    double d;
} attr;

typedef struct tensor {
    char name[NAME_MAX_];
    int rank;
    size_t shape[CODEC_MODEL_MAX_RANK];
    size_t n;
    float *data;
    int used;
} tensor;

struct codec_model {
    char *source;
    attr *attrs;
    size_t n_attrs, cap_attrs;
    tensor *t; /* sorted by name */
    size_t n_t, cap_t;
};

static const char *src(const codec_model *m)
{
    return m->source && *m->source ? m->source : NULL;
}

codec_model *codec_model_create(base_err *err)
{
    codec_model *m = calloc(1, sizeof *m);
    if (!m) base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return m;
}

void codec_model_destroy(codec_model *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n_attrs; i++) free(m->attrs[i].s);
    for (size_t i = 0; i < m->n_t; i++) free(m->t[i].data);
    free(m->attrs);
    free(m->t);
    free(m->source);
    free(m);
}

const char *codec_model_source(const codec_model *m)
{
    return m && m->source ? m->source : "";
}

/* ---- attributes ------------------------------------------------------------------ */

static attr *find_attr(const codec_model *m, const char *key)
{
    for (size_t i = 0; i < m->n_attrs; i++)
        if (!strcmp(m->attrs[i].key, key)) return &m->attrs[i];
    return NULL;
}

/* The slot for key (existing one cleared, or a new one). */
static base_status attr_slot(codec_model *m, const char *key, attr **out, base_err *err)
{
    if (!m || !key || !*key || strlen(key) >= KEY_MAX)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "bad attribute name '%s'", key ? key : "");
    attr *a = find_attr(m, key);
    if (a) {
        free(a->s);
        a->s = NULL;
        *out = a;
        return BASE_OK;
    }
    if (m->n_attrs == m->cap_attrs) {
        size_t cap = m->cap_attrs ? 2 * m->cap_attrs : 32;
        attr *n = realloc(m->attrs, cap * sizeof *n);
        if (!n) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        m->attrs = n;
        m->cap_attrs = cap;
    }
    a = &m->attrs[m->n_attrs++];
    memset(a, 0, sizeof *a);
    snprintf(a->key, sizeof a->key, "%s", key);
    *out = a;
    return BASE_OK;
}

base_status codec_model_set_str(codec_model *m, const char *key, const char *value, base_err *err)
{
    if (!value) return base_err_set(err, BASE_EINVAL, NULL, 0, "attribute '%s': NULL value", key);
    if (strlen(value) >= STR_MAX)
        return base_err_set(err, BASE_ERANGE, NULL, 0, "attribute '%s' longer than %d bytes", key,
                            STR_MAX - 1);
    char *copy = strdup(value);
    if (!copy) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    attr *a;
    base_status st = attr_slot(m, key, &a, err);
    if (st) {
        free(copy);
        return st;
    }
    a->kind = ATTR_STR;
    a->s = copy;
    return BASE_OK;
}

base_status codec_model_set_int(codec_model *m, const char *key, int64_t value, base_err *err)
{
    attr *a;
    base_status st = attr_slot(m, key, &a, err);
    if (st) return st;
    a->kind = ATTR_INT;
    a->i = value;
    return BASE_OK;
}

base_status codec_model_set_double(codec_model *m, const char *key, double value, base_err *err)
{
    attr *a;
    base_status st = attr_slot(m, key, &a, err);
    if (st) return st;
    a->kind = ATTR_DOUBLE;
    a->d = value;
    return BASE_OK;
}

int codec_model_has_attr(const codec_model *m, const char *key)
{
    return m && key && find_attr(m, key) != NULL;
}

size_t codec_model_attr_count(const codec_model *m)
{
    return m ? m->n_attrs : 0;
}

const char *codec_model_attr_key(const codec_model *m, size_t i)
{
    return m && i < m->n_attrs ? m->attrs[i].key : NULL;
}

codec_model_attr_kind codec_model_attr_kind_of(const codec_model *m, size_t i)
{
    if (!m || i >= m->n_attrs) return (codec_model_attr_kind)0;
    switch (m->attrs[i].kind) {
    case ATTR_STR:
        return CODEC_MODEL_ATTR_STR;
    case ATTR_INT:
        return CODEC_MODEL_ATTR_INT;
    case ATTR_DOUBLE:
        return CODEC_MODEL_ATTR_DOUBLE;
    default:
        return CODEC_MODEL_ATTR_BAD;
    }
}

base_status codec_model_set_source(codec_model *m, const char *path, base_err *err)
{
    if (!m || !path) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    char *s = strdup(path);
    if (!s) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    free(m->source);
    m->source = s;
    return BASE_OK;
}

static const char *kind_name(attr_kind k)
{
    return k == ATTR_STR      ? "a string"
           : k == ATTR_INT    ? "an integer"
           : k == ATTR_DOUBLE ? "a floating-point number"
                              : "unreadable";
}

static base_status get_attr(const codec_model *m, const char *key, attr_kind want, const attr **out,
                            base_err *err)
{
    if (!m || !key) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    const attr *a = find_attr(m, key);
    if (!a) return base_err_set(err, BASE_ENOTFOUND, src(m), 0, "attribute '%s' missing", key);
    if (a->kind == ATTR_BAD) return base_err_set(err, BASE_EFORMAT, src(m), 0, "%s", a->s);
    int ok = a->kind == want || (want == ATTR_DOUBLE && a->kind == ATTR_INT);
    if (!ok)
        return base_err_set(err, BASE_EFORMAT, src(m), 0, "attribute '%s' is %s, expected %s", key,
                            kind_name(a->kind), kind_name(want));
    *out = a;
    return BASE_OK;
}

base_status codec_model_get_str(const codec_model *m, const char *key, const char **value,
                                base_err *err)
{
    const attr *a;
    base_status st = get_attr(m, key, ATTR_STR, &a, err);
    if (st) return st;
    *value = a->s;
    return BASE_OK;
}

base_status codec_model_get_int(const codec_model *m, const char *key, int64_t min, int64_t max,
                                int64_t *value, base_err *err)
{
    const attr *a;
    base_status st = get_attr(m, key, ATTR_INT, &a, err);
    if (st) return st;
    if (a->i < min || a->i > max)
        return base_err_set(err, BASE_ERANGE, src(m), 0,
                            "attribute '%s' is %" PRId64 ", expected %" PRId64 "..%" PRId64, key,
                            a->i, min, max);
    *value = a->i;
    return BASE_OK;
}

base_status codec_model_get_double(const codec_model *m, const char *key, double min, double max,
                                   double *value, base_err *err)
{
    const attr *a;
    base_status st = get_attr(m, key, ATTR_DOUBLE, &a, err);
    if (st) return st;
    double v = a->kind == ATTR_INT ? (double)a->i : a->d;
    if (!(v >= min && v <= max)) /* also rejects NaN */
        return base_err_set(err, BASE_ERANGE, src(m), 0, "attribute '%s' is %g, expected %g..%g",
                            key, v, min, max);
    *value = v;
    return BASE_OK;
}

/* ---- tensors ----------------------------------------------------------------------- */

static const char *shape_str(char *buf, size_t n, int rank, const size_t *shape)
{
    size_t k = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%zu", i ? "," : "", shape[i]);
    if (k < n) snprintf(buf + k, n - k, ")");
    return buf;
}

/* Binary search; returns index or -(insertion point)-1. */
static long search(const codec_model *m, const char *name)
{
    size_t lo = 0, hi = m->n_t;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(m->t[mid].name, name);
        if (!c) return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

static base_status check_shape_arg(const char *name, int rank, const size_t *shape, size_t *n,
                                   base_err *err)
{
    if (rank < 1 || rank > CODEC_MODEL_MAX_RANK || !shape)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "tensor %s: rank %d not in 1..%d", name,
                            rank, CODEC_MODEL_MAX_RANK);
    size_t total = 1;
    for (int i = 0; i < rank; i++) {
        if (shape[i] == 0 || shape[i] > ((size_t)1 << 31))
            return base_err_set(err, BASE_EINVAL, NULL, 0, "tensor %s: dimension %d is %zu", name,
                                i, shape[i]);
        total *= shape[i];
    }
    if (total > ((size_t)1 << 31))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "tensor %s: %zu values is too many", name,
                            total);
    *n = total;
    return BASE_OK;
}

/* Insert an empty tensor slot (data allocated, uninitialised). */
static base_status tensor_insert(codec_model *m, const char *name, int rank, const size_t *shape,
                                 tensor **out, base_err *err)
{
    if (!m || !name || !*name || strlen(name) >= NAME_MAX_ || strchr(name, '/'))
        return base_err_set(err, BASE_EINVAL, src(m), 0, "bad tensor name '%s'", name ? name : "");
    size_t n;
    base_status st = check_shape_arg(name, rank, shape, &n, err);
    if (st) return st;
    long pos = search(m, name);
    if (pos >= 0) return base_err_set(err, BASE_EEXIST, src(m), 0, "tensor %s added twice", name);
    size_t at = (size_t)(-pos - 1);
    if (m->n_t == m->cap_t) {
        size_t cap = m->cap_t ? 2 * m->cap_t : 64;
        tensor *nt = realloc(m->t, cap * sizeof *nt);
        if (!nt) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        m->t = nt;
        m->cap_t = cap;
    }
    float *data = malloc(n * sizeof *data);
    if (!data) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory (tensor %s)", name);
    memmove(&m->t[at + 1], &m->t[at], (m->n_t - at) * sizeof *m->t);
    m->n_t++;
    tensor *t = &m->t[at];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->rank = rank;
    for (int i = 0; i < rank; i++) t->shape[i] = shape[i];
    t->n = n;
    t->data = data;
    *out = t;
    return BASE_OK;
}

base_status codec_model_add_tensor(codec_model *m, const char *name, int rank, const size_t *shape,
                                   const float *data, base_err *err)
{
    if (!data) return base_err_set(err, BASE_EINVAL, NULL, 0, "tensor %s: no data", name);
    tensor *t;
    base_status st = tensor_insert(m, name, rank, shape, &t, err);
    if (st) return st;
    memcpy(t->data, data, t->n * sizeof *data);
    return BASE_OK;
}

base_status codec_model_get_tensor(codec_model *m, const char *name, int rank, const size_t *shape,
                                   float *dst, base_err *err)
{
    if (!m || !name || !dst) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    size_t n;
    base_status st = check_shape_arg(name, rank, shape, &n, err);
    if (st) return st;
    long pos = search(m, name);
    if (pos < 0) return base_err_set(err, BASE_ENOTFOUND, src(m), 0, "tensor %s missing", name);
    tensor *t = &m->t[pos];
    int same = t->rank == rank;
    for (int i = 0; same && i < rank; i++) same = t->shape[i] == shape[i];
    if (!same) {
        char have[96], want[96];
        return base_err_set(err, BASE_EFORMAT, src(m), 0, "tensor %s has shape %s, expected %s",
                            name, shape_str(have, sizeof have, t->rank, t->shape),
                            shape_str(want, sizeof want, rank, shape));
    }
    memcpy(dst, t->data, n * sizeof *dst);
    t->used = 1;
    return BASE_OK;
}

size_t codec_model_tensor_count(const codec_model *m)
{
    return m ? m->n_t : 0;
}

long codec_model_tensor_find(const codec_model *m, const char *name)
{
    if (!m || !name) return -1;
    long pos = search(m, name);
    return pos >= 0 ? pos : -1;
}

const char *codec_model_tensor_name(const codec_model *m, size_t i)
{
    return m && i < m->n_t ? m->t[i].name : NULL;
}

int codec_model_tensor_shape(const codec_model *m, size_t i, size_t *shape)
{
    if (!m || i >= m->n_t) return 0;
    for (int k = 0; k < m->t[i].rank; k++) shape[k] = m->t[i].shape[k];
    return m->t[i].rank;
}

const float *codec_model_tensor_data(const codec_model *m, size_t i)
{
    return m && i < m->n_t ? m->t[i].data : NULL;
}

base_status codec_model_check_all_used(const codec_model *m, base_err *err)
{
    if (!m) return base_err_set(err, BASE_EINVAL, NULL, 0, "no model");
    for (size_t i = 0; i < m->n_t; i++)
        if (!m->t[i].used)
            return base_err_set(err, BASE_EFORMAT, src(m), 0,
                                "tensor %s is not part of this architecture", m->t[i].name);
    return BASE_OK;
}

/* ---- files ------------------------------------------------------------------------------ */

#define PARAMS "params"

base_status codec_model_save(const codec_model *m, const char *path, base_err *err)
{
    if (!m || !path) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    base_h5 *h = NULL;
    base_status st = base_h5_create_sealed(path, CODEC_MODEL_FORMAT, &h, err);
    if (st) return st;
    st = base_h5_write_attr_str_fixed(h, "/", "format", CODEC_MODEL_FORMAT, err);
    if (!st) st = base_h5_write_attr_int(h, "/", "format_version", CODEC_MODEL_FORMAT_VERSION, err);
    for (size_t i = 0; !st && i < m->n_attrs; i++) {
        const attr *a = &m->attrs[i];
        if (!strcmp(a->key, "format") || !strcmp(a->key, "format_version")) continue;
        if (a->kind == ATTR_BAD) continue;
        if (a->kind == ATTR_STR)
            st = base_h5_write_attr_str_fixed(h, "/", a->key, a->s, err);
        else if (a->kind == ATTR_INT)
            st = base_h5_write_attr_int(h, "/", a->key, a->i, err);
        else
            st = base_h5_write_attr_double(h, "/", a->key, a->d, err);
    }
    char name[NAME_MAX_ + 16];
    for (size_t i = 0; !st && i < m->n_t; i++) {
        snprintf(name, sizeof name, PARAMS "/%s", m->t[i].name);
        st = base_h5_write_tensor(h, name, m->t[i].rank, m->t[i].shape, m->t[i].data, err);
    }
    if (st) {
        base_h5_discard(h);
        return st;
    }
    return base_h5_close(h, err);
}

/* Read every root attribute of h into m (format/format_version included). */
static base_status load_attrs(base_h5 *h, codec_model *m, base_err *err)
{
    char **names = NULL;
    size_t n = 0;
    base_status st = base_h5_list_attrs(h, "/", &names, &n, err);
    if (st) return st;
    char *buf = malloc(STR_MAX);
    if (!buf) st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; !st && i < n; i++) {
        const char *k = names[i];
        if (strlen(k) >= KEY_MAX) {
            st = base_err_set(err, BASE_EFORMAT, m->source, 0,
                              "attribute name '%.40s...' is longer than %d bytes", k, KEY_MAX - 1);
            break;
        }
        /* An attribute semsim cannot read (an array, a compound, a too-long
         * string) is kept as "bad": harmless metadata unless it is a key
         * the loader needs, which then reports why. */
        base_err aerr = BASE_ERR_INIT;
        base_status ast = BASE_OK;
        switch (base_h5_attr_kind_of(h, "/", k)) {
        case BASE_H5_ATTR_STRING:
            ast = base_h5_read_attr_str(h, "/", k, buf, STR_MAX, &aerr);
            if (!ast) st = codec_model_set_str(m, k, buf, err);
            break;
        case BASE_H5_ATTR_INT: {
            int64_t v;
            ast = base_h5_read_attr_int(h, "/", k, &v, &aerr);
            if (!ast) st = codec_model_set_int(m, k, v, err);
            break;
        }
        case BASE_H5_ATTR_FLOAT: {
            double v;
            ast = base_h5_read_attr_double(h, "/", k, &v, &aerr);
            if (!ast) st = codec_model_set_double(m, k, v, err);
            break;
        }
        default:
            ast = base_err_set(&aerr, BASE_EFORMAT, NULL, 0,
                               "attribute '%s' is not a string, integer or float", k);
        }
        if (ast == BASE_ENOMEM) st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        if (ast && !st) {
            attr *a;
            st = attr_slot(m, k, &a, err);
            if (!st) {
                a->kind = ATTR_BAD;
                a->s = strdup(aerr.msg[0] ? aerr.msg : "unreadable");
                if (!a->s) st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
            }
        }
    }
    free(buf);
    base_h5_names_free(names, n);
    return st;
}

static base_status check_format(const codec_model *m, int sealed, base_err *err)
{
    const attr *f = find_attr(m, "format");
    if (!f)
        return base_err_set(err, BASE_EFORMAT, m->source, 0,
                            "not a semsim model file (root attribute 'format' missing)");
    if (f->kind != ATTR_STR || strcmp(f->s, CODEC_MODEL_FORMAT))
        return base_err_set(err, BASE_EFORMAT, m->source, 0,
                            "attribute 'format' is '%s', expected '" CODEC_MODEL_FORMAT "'",
                            f->kind == ATTR_STR ? f->s : "(not a string)");
    const attr *v = find_attr(m, "format_version");
    if (!v)
        return base_err_set(err, BASE_EFORMAT, m->source, 0, "attribute 'format_version' missing");
    if (v->kind != ATTR_INT)
        return base_err_set(err, BASE_EFORMAT, m->source, 0,
                            "attribute 'format_version' is %s, expected an integer",
                            kind_name(v->kind));
    /* a sealed file is this version; an unsealed one (codec_model_load_unsealed)
     * may be an older one */
    if (v->i != CODEC_MODEL_FORMAT_VERSION && (sealed || v->i != 1))
        return base_err_set(err, BASE_EUNSUPPORTED, m->source, 0,
                            "format_version %" PRId64 " is not supported (this build reads %d)",
                            v->i, CODEC_MODEL_FORMAT_VERSION);
    return BASE_OK;
}

static base_status load_tensors(base_h5 *h, codec_model *m, base_err *err)
{
    char **names = NULL;
    base_h5_kind *kinds = NULL;
    size_t n = 0;
    base_status st = base_h5_list(h, PARAMS, &names, &kinds, &n, err);
    if (st == BASE_ENOTFOUND)
        return base_err_set(err, BASE_EFORMAT, m->source, 0, "group /" PARAMS " missing");
    if (st) return st;
    char path[NAME_MAX_ + 16];
    for (size_t i = 0; !st && i < n; i++) {
        if (kinds[i] != BASE_H5_DATASET) {
            st = base_err_set(err, BASE_EFORMAT, m->source, 0, "/" PARAMS "/%s is not a tensor",
                              names[i]);
            break;
        }
        if (strlen(names[i]) >= NAME_MAX_) {
            st = base_err_set(err, BASE_EFORMAT, m->source, 0, "tensor name '%.40s...' too long",
                              names[i]);
            break;
        }
        snprintf(path, sizeof path, PARAMS "/%s", names[i]);
        int rank;
        size_t shape[BASE_H5_MAX_RANK];
        tensor *t;
        st = base_h5_tensor_shape(h, path, &rank, shape, err);
        if (!st) st = tensor_insert(m, names[i], rank, shape, &t, err);
        if (!st) st = base_h5_read_tensor(h, path, t->data, t->n, err);
    }
    base_h5_names_free(names, n);
    free(kinds);
    return st;
}

/* A file without the integrity header: say how to convert it. */
static base_status unsealed_hint(const char *path, base_err *err)
{
    return base_err_set(err, BASE_EUNSUPPORTED, path, 0,
                        "model file without an integrity header (format_version 1, or written by "
                        "another tool); if you trust it, convert it with `semsim-seal %s`",
                        path);
}

static base_status model_load(const char *path, int sealed, codec_model **out, base_err *err)
{
    if (!out || !path) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    codec_model *m = codec_model_create(err);
    if (!m) return BASE_ENOMEM;
    m->source = strdup(path);
    if (!m->source) {
        codec_model_destroy(m);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    base_h5 *h = NULL;
    base_status st = sealed ? base_h5_open_sealed(path, CODEC_MODEL_FORMAT, &h, err)
                            : base_h5_open(path, &h, err);
    if (st == BASE_EUNSUPPORTED && sealed) st = unsealed_hint(path, err);
    if (!st) st = load_attrs(h, m, err);
    if (!st) st = check_format(m, sealed, err);
    if (!st) st = load_tensors(h, m, err);
    base_status cst = base_h5_close(h, st ? NULL : err);
    if (!st) st = cst;
    if (st) {
        codec_model_destroy(m);
        return st;
    }
    *out = m;
    return BASE_OK;
}

base_status codec_model_load(const char *path, codec_model **out, base_err *err)
{
    return model_load(path, 1, out, err);
}

base_status codec_model_load_unsealed(const char *path, codec_model **out, base_err *err)
{
    return model_load(path, 0, out, err);
}

/* ---- the agent bridge ------------------------------------------------------------------------ */

static void vocab_string(char *buf)
{
    for (int i = 0; i < CODEC_VOCAB_SIZE; i++) buf[i] = codec_vocab_char(i);
    buf[CODEC_VOCAB_SIZE] = 0;
}

base_status codec_agent_to_model(const codec_agent *a, codec_model *m, base_err *err)
{
    if (!a || !m) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    const codec_agent_config *c = codec_agent_get_config(a);
    char vocab[CODEC_VOCAB_SIZE + 1];
    vocab_string(vocab);
    if (c->vocab != CODEC_VOCAB_SIZE)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent has %d output classes, expected %d",
                            c->vocab, CODEC_VOCAB_SIZE);
    base_status st = codec_arch_save(c, m, 0, err); /* family, latent_dim, ..., arch.* */
    if (!st) st = codec_model_set_str(m, "vocab", vocab, err);
    if (!st) st = codec_model_set_int(m, "param_count", (int64_t)codec_agent_num_floats(a), err);
    codec_agent *mut = (codec_agent *)a; /* param_data has no const variant; we only read */
    for (size_t i = 0; !st && i < codec_agent_param_count(a); i++) {
        int shp[CODEC_AGENT_MAX_DIMS];
        int nd = codec_agent_param_shape(a, i, shp);
        size_t shape[CODEC_AGENT_MAX_DIMS];
        for (int k = 0; k < nd; k++) shape[k] = (size_t)shp[k];
        st = codec_model_add_tensor(m, codec_agent_param_name(a, i), nd, shape,
                                    codec_agent_param_data(mut, i), err);
    }
    return st;
}

base_status codec_agent_from_model(codec_model *m, codec_agent **out, base_err *err)
{
    if (!m || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    codec_agent_config c = codec_agent_config_default();
    const char *vocab = NULL;
    char want_vocab[CODEC_VOCAB_SIZE + 1];
    vocab_string(want_vocab);
    base_status st = codec_arch_load(m, &c, 0, err); /* the field table, bounds checked */
    if (!st) st = codec_model_get_str(m, "vocab", &vocab, err);
    if (!st && strcmp(vocab, want_vocab))
        st = base_err_set(err, BASE_EFORMAT, src(m), 0,
                          "attribute 'vocab' is \"%s\", expected \"%s\"", vocab, want_vocab);
    if (st) return st;
    c.vocab = CODEC_VOCAB_SIZE;
    base_err cerr = BASE_ERR_INIT;
    if (codec_agent_config_check(&c, &cerr))
        return base_err_set(err, BASE_EFORMAT, src(m), 0, "architecture attributes: %s", cerr.msg);
    codec_agent *a = NULL;
    st = codec_agent_create_blank(&a, &c, err); /* every tensor is read below */
    if (st) return st;
    for (size_t i = 0; !st && i < codec_agent_param_count(a); i++) {
        int shp[CODEC_AGENT_MAX_DIMS];
        int nd = codec_agent_param_shape(a, i, shp);
        size_t shape[CODEC_AGENT_MAX_DIMS];
        for (int k = 0; k < nd; k++) shape[k] = (size_t)shp[k];
        st = codec_model_get_tensor(m, codec_agent_param_name(a, i), nd, shape,
                                    codec_agent_param_data(a, i), err);
    }
    if (!st) st = codec_model_check_all_used(m, err);
    /* Non-finite weights would silently turn every output into NaN. */
    if (!st) {
        const float *p = codec_agent_params(a);
        size_t n = codec_agent_num_floats(a);
        for (size_t i = 0; i < n; i++)
            if (!isfinite(p[i])) {
                long k = 0;
                for (size_t j = 0; j < codec_agent_param_count(a); j++)
                    if (codec_agent_param_offset(a, j) <= i) k = (long)j;
                st =
                    base_err_set(err, BASE_EFORMAT, src(m), 0, "tensor %s holds a non-finite value",
                                 codec_agent_param_name(a, (size_t)k));
                break;
            }
    }
    if (st) {
        codec_agent_destroy(a);
        return st;
    }
    *out = a;
    return BASE_OK;
}

base_status codec_agent_save(const codec_agent *a, const codec_model *extra, const char *path,
                             base_err *err)
{
    codec_model *m = codec_model_create(err);
    if (!m) return BASE_ENOMEM;
    base_status st = BASE_OK;
    for (size_t i = 0; extra && !st && i < extra->n_attrs; i++) {
        const attr *x = &extra->attrs[i];
        if (x->kind == ATTR_BAD) continue;
        st = x->kind == ATTR_STR   ? codec_model_set_str(m, x->key, x->s, err)
             : x->kind == ATTR_INT ? codec_model_set_int(m, x->key, x->i, err)
                                   : codec_model_set_double(m, x->key, x->d, err);
    }
    if (!st) st = codec_agent_to_model(a, m, err); /* architecture keys win over extra */
    if (!st) st = codec_model_save(m, path, err);
    codec_model_destroy(m);
    return st;
}

base_status codec_agent_load(const char *path, codec_agent **out, codec_model **model_out,
                             base_err *err)
{
    if (model_out) *model_out = NULL;
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    codec_model *m = NULL;
    base_status st = codec_model_load(path, &m, err);
    if (!st) st = codec_agent_from_model(m, out, err);
    if (!st && model_out)
        *model_out = m;
    else
        codec_model_destroy(m);
    return st;
}

/* ---- the architecture as attributes (the field table of codecs/agent_arch.h) ---- */

static int arch_selected(const codec_arch_field *f, unsigned mask)
{
    return f->attr && (f->flags & mask) == mask;
}

base_status codec_arch_save(const codec_agent_config *c, codec_model *m, unsigned mask,
                            base_err *err)
{
    base_status st = BASE_OK;
    for (size_t i = 0; !st && i < codec_arch_count(); i++) {
        const codec_arch_field *f = codec_arch_at(i);
        if (!arch_selected(f, mask)) continue;
        double v = codec_arch_get(c, f);
        if (f->type == CODEC_ARCH_FAMILY)
            st = codec_model_set_str(m, f->attr, codec_family_name((codec_family)(int)v), err);
        else if (f->type == CODEC_ARCH_INT)
            st = codec_model_set_int(m, f->attr, (int64_t)v, err);
        else
            st = codec_model_set_double(m, f->attr, v, err);
    }
    return st;
}

base_status codec_arch_load(const codec_model *m, codec_agent_config *c, unsigned mask,
                            base_err *err)
{
    for (size_t i = 0; i < codec_arch_count(); i++) {
        const codec_arch_field *f = codec_arch_at(i);
        if (!arch_selected(f, mask)) continue;
        if ((f->flags & CODEC_ARCH_OPTIONAL) && !codec_model_has_attr(m, f->attr)) {
            codec_arch_put(c, f, f->def);
            continue;
        }
        base_status st;
        if (f->type == CODEC_ARCH_FAMILY) {
            const char *s;
            codec_family fam;
            base_err e2 = BASE_ERR_INIT;
            if ((st = codec_model_get_str(m, f->attr, &s, err))) return st;
            if (codec_family_parse(s, &fam, &e2))
                return base_err_set(err, BASE_EFORMAT, codec_model_source(m), 0,
                                    "attribute '%s': %s", f->attr, e2.msg);
            codec_arch_put(c, f, fam);
        } else if (f->type == CODEC_ARCH_INT) {
            int64_t v;
            if ((st = codec_model_get_int(m, f->attr, (int64_t)f->lo, (int64_t)f->hi, &v, err)))
                return st;
            codec_arch_put(c, f, (double)v);
        } else {
            double v;
            if ((st = codec_model_get_double(m, f->attr, f->lo, f->hi, &v, err))) return st;
            codec_arch_put(c, f, v);
        }
    }
    return BASE_OK;
}
