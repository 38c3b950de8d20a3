/* safetensors.c -- model containers to and from safetensors bytes (see
 * safetensors.h). json-c builds and parses the header; this file only lays
 * out and checks the bytes around it. */
#include "codecs/safetensors.h"

#include "base/fs.h"

#include <json-c/json.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META "__metadata__"

/* ---- little-endian bytes ---------------------------------------------------------- */

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(u >> (8 * i));
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* IEEE half -> float (exact: every half is a float). */
static float half_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0x1f) return bits_f32(sign | 0x7f800000u | m << 13);
    if (e) return bits_f32(sign | (e + 112) << 23 | m << 13);
    float v = (float)m * (1.0f / 16777216.0f); /* subnormal: m * 2^-24 */
    return sign ? -v : v;
}

typedef enum dtype { DT_F32, DT_F16, DT_BF16, DT_F64 } dtype;
static const struct {
    const char *name;
    size_t bytes;
} dtypes[] = {{"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F64", 8}};

static float read_elem(const unsigned char *p, dtype t)
{
    switch (t) {
    case DT_F16:
        return half_f32((uint16_t)(p[0] | p[1] << 8));
    case DT_BF16:
        return bits_f32((uint32_t)(p[0] | p[1] << 8) << 16);
    case DT_F64: {
        uint64_t u = get_u64(p);
        double d;
        memcpy(&d, &u, 8);
        return (float)d;
    }
    default:
        return bits_f32((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                        (uint32_t)p[3] << 24);
    }
}

/* ---- writing -------------------------------------------------------------------------- */

/* The shortest of %.15g..%.17g that reads back as v. */
static void fmt_double(char *buf, size_t n, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v || isnan(v)) return;
    }
}

static base_status add_str(json_object *o, const char *k, const char *v, base_err *err)
{
    json_object *s = json_object_new_string(v);
    if (!s || json_object_object_add(o, k, s)) {
        json_object_put(s);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    return BASE_OK;
}

/* __metadata__ (every readable attribute as text) and the type map. */
static base_status build_meta(const codec_model *m, json_object *meta, base_err *err)
{
    json_object *types = json_object_new_object();
    if (!types) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = BASE_OK;
    char buf[64];
    for (size_t i = 0; !st && i < codec_model_attr_count(m); i++) {
        const char *k = codec_model_attr_key(m, i), *v = buf, *type;
        if (!strcmp(k, CODEC_SAFETENSORS_TYPES_KEY)) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0,
                              "attribute '" CODEC_SAFETENSORS_TYPES_KEY "' is reserved");
            break;
        }
        switch (codec_model_attr_kind_of(m, i)) {
        case CODEC_MODEL_ATTR_STR:
            st = codec_model_get_str(m, k, &v, err);
            type = "str";
            break;
        case CODEC_MODEL_ATTR_INT: {
            int64_t x = 0;
            st = codec_model_get_int(m, k, INT64_MIN, INT64_MAX, &x, err);
            snprintf(buf, sizeof buf, "%" PRId64, x);
            type = "int";
            break;
        }
        case CODEC_MODEL_ATTR_DOUBLE: {
            double x = 0;
            st = codec_model_get_double(m, k, -INFINITY, INFINITY, &x, err);
            if (st == BASE_ERANGE) { /* NaN fails the range: read it anyway */
                base_err_clear(err);
                st = BASE_OK;
                x = NAN;
            }
            fmt_double(buf, sizeof buf, x);
            type = "double";
            break;
        }
        default:
            continue; /* unreadable in the source file: nothing to carry */
        }
        if (!st) st = add_str(meta, k, v, err);
        if (!st) st = add_str(types, k, type, err);
    }
    const char *t = st ? NULL : json_object_to_json_string_ext(types, JSON_C_TO_STRING_PLAIN);
    if (!st && !t) st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    if (!st) st = add_str(meta, CODEC_SAFETENSORS_TYPES_KEY, t, err);
    json_object_put(types);
    return st;
}

static base_status add_tensor_entry(json_object *root, const char *name, int rank,
                                    const size_t *shape, uint64_t begin, uint64_t end,
                                    base_err *err)
{
    json_object *e = json_object_new_object(), *sh = json_object_new_array(),
                *off = json_object_new_array();
    int bad = !e || !sh || !off;
    for (int d = 0; !bad && d < rank; d++)
        bad = json_object_array_add(sh, json_object_new_int64((int64_t)shape[d]));
    bad = bad || json_object_array_add(off, json_object_new_int64((int64_t)begin)) ||
          json_object_array_add(off, json_object_new_int64((int64_t)end));
    if (!bad) bad = add_str(e, "dtype", "F32", err) != BASE_OK;
    if (!bad) {
        bad = json_object_object_add(e, "shape", sh);
        sh = NULL;
    }
    if (!bad) {
        bad = json_object_object_add(e, "data_offsets", off);
        off = NULL;
    }
    if (!bad) {
        bad = json_object_object_add(root, name, e);
        e = NULL;
    }
    json_object_put(sh);
    json_object_put(off);
    json_object_put(e);
    return bad ? base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory") : BASE_OK;
}

base_status codec_safetensors_encode(const codec_model *m, unsigned char **out, size_t *n,
                                     base_err *err)
{
    if (!m || !out || !n) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    *n = 0;
    base_status st = BASE_OK;
    unsigned char *buf = NULL;
    json_object *root = json_object_new_object(), *meta = json_object_new_object();
    if (!root || !meta || json_object_object_add(root, META, meta)) {
        json_object_put(meta);
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    if ((st = build_meta(m, meta, err))) goto fail;
    size_t nt = codec_model_tensor_count(m);
    uint64_t pos = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t shape[CODEC_MODEL_MAX_RANK], count = 1;
        const char *name = codec_model_tensor_name(m, i);
        int rank = codec_model_tensor_shape(m, i, shape);
        if (!strcmp(name, META)) {
            st = base_err_set(err, BASE_EINVAL, NULL, 0, "a tensor is called '" META "'");
            goto fail;
        }
        for (int d = 0; d < rank; d++) count *= shape[d];
        if ((st = add_tensor_entry(root, name, rank, shape, pos, pos + 4 * count, err))) goto fail;
        pos += 4 * count;
    }
    const char *js = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!js) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    size_t hl = strlen(js), padded = (hl + 7) / 8 * 8, total = 8 + padded + (size_t)pos;
    if (!(buf = malloc(total))) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    put_u64(buf, padded);
    memcpy(buf + 8, js, hl);
    memset(buf + 8 + hl, ' ', padded - hl);
    unsigned char *p = buf + 8 + padded;
    for (size_t i = 0; i < nt; i++) {
        size_t shape[CODEC_MODEL_MAX_RANK], count = 1;
        int rank = codec_model_tensor_shape(m, i, shape);
        for (int d = 0; d < rank; d++) count *= shape[d];
        const float *x = codec_model_tensor_data(m, i);
        for (size_t j = 0; j < count; j++, p += 4) put_f32(p, x[j]);
    }
    json_object_put(root);
    *out = buf;
    *n = total;
    return BASE_OK;
fail:
    json_object_put(root);
    free(buf);
    return st;
}

base_status codec_safetensors_save(const codec_model *m, const char *path, base_err *err)
{
    unsigned char *buf = NULL;
    size_t n = 0;
    base_status st = codec_safetensors_encode(m, &buf, &n, err);
    if (!st) st = base_fs_write_atomic(path, buf, n, err);
    free(buf);
    return st;
}

/* ---- reading -------------------------------------------------------------------------- */

typedef struct span {
    uint64_t begin, end;
    const char *name;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* A JSON array of non-negative integers (at most max of them) into v. */
static int int_array(json_object *a, uint64_t *v, size_t max, size_t *len)
{
    if (!json_object_is_type(a, json_type_array)) return 0;
    size_t n = json_object_array_length(a);
    if (n > max) return 0;
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(a, i);
        if (!json_object_is_type(x, json_type_int)) return 0;
        errno = 0;
        int64_t s = json_object_get_int64(x);
        if (s < 0) return 0;
        v[i] = s == INT64_MAX ? json_object_get_uint64(x) : (uint64_t)s;
    }
    *len = n;
    return 1;
}

/* One tensor entry: checks it and adds the tensor (converted to float32) to m;
 * its byte span into *sp. */
static base_status read_tensor(const char *name, json_object *e, const unsigned char *data,
                               uint64_t dlen, const char *file, codec_model *m, span *sp,
                               base_err *err)
{
    if (!json_object_is_type(e, json_type_object))
        return base_err_set(err, BASE_EFORMAT, file, 0, "tensor %s: entry is not an object", name);
    json_object *jd = NULL, *js = NULL, *jo = NULL;
    json_object_object_foreach(e, k, v)
    {
        (void)v;
        if (strcmp(k, "dtype") && strcmp(k, "shape") && strcmp(k, "data_offsets"))
            return base_err_set(err, BASE_EFORMAT, file, 0, "tensor %s: unknown field '%s'", name,
                                k);
    }
    if (!json_object_object_get_ex(e, "dtype", &jd) || !json_object_is_type(jd, json_type_string))
        return base_err_set(err, BASE_EFORMAT, file, 0, "tensor %s: dtype missing or not a string",
                            name);
    const char *ds = json_object_get_string(jd);
    int t = -1;
    for (int i = 0; i < (int)(sizeof dtypes / sizeof dtypes[0]); i++)
        if (!strcmp(ds, dtypes[i].name)) t = i;
    if (t < 0)
        return base_err_set(err, BASE_EUNSUPPORTED, file, 0,
                            "tensor %s has dtype %.16s; semsim reads F32 (and converts F16, BF16, "
                            "F64)",
                            name, ds);
    uint64_t dims[CODEC_MODEL_MAX_RANK + 1], off[3];
    size_t rank = 0, noff = 0;
    if (!json_object_object_get_ex(e, "shape", &js) ||
        !int_array(js, dims, CODEC_MODEL_MAX_RANK + 1, &rank))
        return base_err_set(err, BASE_EFORMAT, file, 0,
                            "tensor %s: shape missing or not a list of non-negative integers",
                            name);
    if (rank < 1 || rank > CODEC_MODEL_MAX_RANK)
        return base_err_set(err, BASE_EFORMAT, file, 0, "tensor %s has rank %zu%s, expected 1..%d",
                            name, rank, rank > CODEC_MODEL_MAX_RANK ? " or more" : "",
                            CODEC_MODEL_MAX_RANK);
    if (!json_object_object_get_ex(e, "data_offsets", &jo) || !int_array(jo, off, 3, &noff) ||
        noff != 2)
        return base_err_set(err, BASE_EFORMAT, file, 0,
                            "tensor %s: data_offsets missing or not two non-negative integers",
                            name);
    uint64_t count = 1;
    size_t shape[CODEC_MODEL_MAX_RANK];
    for (size_t d = 0; d < rank; d++) {
        if (dims[d] == 0 || dims[d] > dlen || count > dlen / dims[d])
            return base_err_set(err, BASE_EFORMAT, file, 0,
                                "tensor %s: dimension %zu is %" PRIu64
                                ", expected 1..the data size",
                                name, d, dims[d]);
        count *= dims[d];
        shape[d] = (size_t)dims[d];
    }
    uint64_t need = count * dtypes[t].bytes;
    if (off[0] > off[1] || off[1] > dlen)
        return base_err_set(err, BASE_EFORMAT, file, 0,
                            "tensor %s: data_offsets [%" PRIu64 ", %" PRIu64
                            "] lie outside the %" PRIu64 " bytes of data%s",
                            name, off[0], off[1], dlen,
                            off[0] <= off[1] ? " (a truncated file?)" : "");
    if (off[1] - off[0] != need)
        return base_err_set(err, BASE_EFORMAT, file, 0,
                            "tensor %s: data_offsets [%" PRIu64 ", %" PRIu64 "] span %" PRIu64
                            " bytes, its shape of %s needs %" PRIu64,
                            name, off[0], off[1], off[1] - off[0], dtypes[t].name, need);
    float *x = malloc((size_t)count * sizeof *x);
    if (!x) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    const unsigned char *p = data + off[0];
    for (uint64_t i = 0; i < count; i++, p += dtypes[t].bytes) x[i] = read_elem(p, (dtype)t);
    base_err e2 = BASE_ERR_INIT;
    base_status st = codec_model_add_tensor(m, name, (int)rank, shape, x, &e2);
    free(x);
    if (st == BASE_ENOMEM) return base_err_set(err, st, NULL, 0, "out of memory");
    if (st) return base_err_set(err, BASE_EFORMAT, file, 0, "tensor %.140s: %s", name, e2.msg);
    sp->begin = off[0];
    sp->end = off[1];
    sp->name = name;
    return BASE_OK;
}

/* The spans sorted must tile [0, dlen) exactly. */
static base_status check_cover(span *sp, size_t n, uint64_t dlen, const char *file, base_err *err)
{
    qsort(sp, n, sizeof *sp, span_cmp);
    uint64_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (sp[i].begin < pos)
            return base_err_set(err, BASE_EFORMAT, file, 0,
                                "tensors %.100s and %.100s overlap (bytes %" PRIu64 "..%" PRIu64
                                " and %" PRIu64 "..%" PRIu64 ")",
                                sp[i - 1].name, sp[i].name, sp[i - 1].begin, sp[i - 1].end,
                                sp[i].begin, sp[i].end);
        if (sp[i].begin > pos)
            return base_err_set(err, BASE_EFORMAT, file, 0,
                                "bytes %" PRIu64 "..%" PRIu64 " of the data belong to no tensor",
                                pos, sp[i].begin);
        pos = sp[i].end;
    }
    if (pos != dlen)
        return base_err_set(err, BASE_EFORMAT, file, 0,
                            "the data section is %" PRIu64 " bytes but the tensors end at %" PRIu64,
                            dlen, pos);
    return BASE_OK;
}

typedef enum mtype { MT_GUESS, MT_STR, MT_INT, MT_DOUBLE } mtype;

/* Stores one metadata value as an attribute of the type the type map names
 * (or the one its text suggests). */
static base_status read_meta_value(codec_model *m, const char *k, const char *v, mtype t,
                                   const char *file, base_err *err)
{
    char *end = NULL;
    base_err e2 = BASE_ERR_INIT;
    base_status st;
    if (t == MT_GUESS || t == MT_INT) {
        errno = 0;
        long long x = *v ? strtoll(v, &end, 10) : 0;
        if (*v && !*end && !errno) {
            st = codec_model_set_int(m, k, x, &e2);
            goto done;
        }
        if (t == MT_INT)
            return base_err_set(err, BASE_EFORMAT, file, 0,
                                "metadata '%.64s' is \"%.64s\", expected an integer", k, v);
    }
    if (t == MT_GUESS || t == MT_DOUBLE) {
        double x = *v ? strtod(v, &end) : 0;
        if (*v && !*end) {
            st = codec_model_set_double(m, k, x, &e2);
            goto done;
        }
        if (t == MT_DOUBLE)
            return base_err_set(err, BASE_EFORMAT, file, 0,
                                "metadata '%.64s' is \"%.64s\", expected a number", k, v);
    }
    st = codec_model_set_str(m, k, v, &e2);
done:
    if (st == BASE_ENOMEM) return base_err_set(err, st, NULL, 0, "out of memory");
    if (st) return base_err_set(err, BASE_EFORMAT, file, 0, "metadata: %s", e2.msg);
    return BASE_OK;
}

static base_status read_meta(json_object *meta, codec_model *m, const char *file, base_err *err)
{
    if (!json_object_is_type(meta, json_type_object))
        return base_err_set(err, BASE_EFORMAT, file, 0, META " is not an object");
    json_object *types = NULL, *jt;
    json_object_object_foreach(meta, k0, v0)
    {
        if (!json_object_is_type(v0, json_type_string))
            return base_err_set(err, BASE_EFORMAT, file, 0,
                                META " value of '%.64s' is not a string", k0);
    }
    if (json_object_object_get_ex(meta, CODEC_SAFETENSORS_TYPES_KEY, &jt)) {
        types = json_tokener_parse(json_object_get_string(jt));
        if (!json_object_is_type(types, json_type_object)) {
            json_object_put(types);
            return base_err_set(err, BASE_EFORMAT, file, 0,
                                "metadata '" CODEC_SAFETENSORS_TYPES_KEY
                                "' is not a JSON object of types");
        }
    }
    base_status st = BASE_OK;
    json_object_object_foreach(meta, k, v)
    {
        if (!strcmp(k, CODEC_SAFETENSORS_TYPES_KEY)) continue;
        mtype t = MT_GUESS;
        json_object *jk;
        if (types && json_object_object_get_ex(types, k, &jk)) {
            const char *ts = json_object_get_string(jk);
            t = !ts                     ? MT_GUESS
                : !strcmp(ts, "str")    ? MT_STR
                : !strcmp(ts, "int")    ? MT_INT
                : !strcmp(ts, "double") ? MT_DOUBLE
                                        : MT_GUESS;
            if (t == MT_GUESS) {
                st = base_err_set(err, BASE_EFORMAT, file, 0,
                                  "metadata '" CODEC_SAFETENSORS_TYPES_KEY
                                  "': type of '%.64s' is not str, int or double",
                                  k);
                break;
            }
        }
        if ((st = read_meta_value(m, k, json_object_get_string(v), t, file, err))) break;
    }
    json_object_put(types);
    return st;
}

/* The header's JSON (strict, UTF-8 checked) into *root. */
static base_status parse_header(const unsigned char *h, size_t hl, const char *file,
                                json_object **root, base_err *err)
{
    if (memchr(h, 0, hl))
        return base_err_set(err, BASE_EFORMAT, file, 0, "the JSON header contains a NUL byte");
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, (const char *)h, (int)hl);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    /* trailing padding may only be spaces */
    for (size_t i = used; o && je == json_tokener_success && i < hl; i++)
        if (h[i] != ' ' && h[i] != '\t' && h[i] != '\n' && h[i] != '\r')
            je = json_tokener_error_parse_unexpected;
    if (!o || je != json_tokener_success) {
        json_object_put(o);
        return base_err_set(
            err, BASE_EFORMAT, file, 0, "bad JSON header (at byte %zu: %s)", 8 + used,
            je == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(je));
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return base_err_set(err, BASE_EFORMAT, file, 0, "the JSON header is not an object");
    }
    *root = o;
    return BASE_OK;
}

base_status codec_safetensors_decode(const unsigned char *buf, size_t n, const char *name,
                                     codec_model **out, base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    const char *file = name ? name : "safetensors";
    if (!buf || n < 8)
        return base_err_set(err, BASE_EFORMAT, file, 0,
                            "not a safetensors file (%zu bytes, shorter than its 8-byte header "
                            "length)",
                            buf ? n : 0);
    uint64_t hl = get_u64(buf);
    if (hl < 2 || hl > CODEC_SAFETENSORS_MAX_HEADER || hl > n - 8)
        return base_err_set(
            err, BASE_EFORMAT, file, 0,
            "header length %" PRIu64 " is not 2..%zu (the file has %zu bytes%s)", hl,
            (size_t)(n - 8 < CODEC_SAFETENSORS_MAX_HEADER ? n - 8 : CODEC_SAFETENSORS_MAX_HEADER),
            n, hl > n - 8 ? ": truncated, or not safetensors" : "");
    json_object *root = NULL;
    span *sp = NULL;
    codec_model *m = NULL;
    base_status st = parse_header(buf + 8, (size_t)hl, file, &root, err);
    if (st) return st;
    const unsigned char *data = buf + 8 + hl;
    uint64_t dlen = n - 8 - hl;
    size_t nt = (size_t)json_object_object_length(root), k = 0;
    if (!(m = codec_model_create(err))) {
        st = BASE_ENOMEM;
        goto fail;
    }
    if ((st = codec_model_set_source(m, file, err))) goto fail;
    if (!(sp = calloc(nt ? nt : 1, sizeof *sp))) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    json_object_object_foreach(root, key, val)
    {
        if (!strcmp(key, META))
            st = read_meta(val, m, file, err);
        else
            st = read_tensor(key, val, data, dlen, file, m, &sp[k++], err);
        if (st) goto fail;
    }
    if ((st = check_cover(sp, k, dlen, file, err))) goto fail;
    free(sp);
    json_object_put(root);
    *out = m;
    return BASE_OK;
fail:
    free(sp);
    json_object_put(root);
    codec_model_destroy(m);
    return st;
}

base_status codec_safetensors_load(const char *path, codec_model **out, base_err *err)
{
    if (!path || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    unsigned char *buf = NULL;
    base_status st = BASE_OK;
    FILE *f = fopen(path, "rb");
    if (!f) return base_err_set(err, BASE_EIO, path, 0, "cannot open: %s", strerror(errno));
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        st = base_err_set(err, BASE_EIO, path, 0, "cannot read (not a regular file?)");
        goto fail;
    }
    if ((unsigned long)len > CODEC_SAFETENSORS_MAX_FILE) {
        st = base_err_set(err, BASE_EFORMAT, path, 0, "%ld bytes is more than any agent (%lu MiB)",
                          len, CODEC_SAFETENSORS_MAX_FILE >> 20);
        goto fail;
    }
    if (!(buf = malloc(len ? (size_t)len : 1))) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
        st = base_err_set(err, BASE_EIO, path, 0, "read error");
        goto fail;
    }
    st = codec_safetensors_decode(buf, (size_t)len, path, out, err);
fail:
    fclose(f);
    free(buf);
    return st;
}
