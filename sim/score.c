/* score.c -- trn scoring by sclite's convention (see score.h); the
 * alignment itself is codecs/align. */
#include "sim/score.h"

#include "base/hash.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* sclite's whitespace (the token separators of codecs/align) */
static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- id index: open addressing, keys are caller-owned strings -------------- */

typedef struct id_index {
    size_t cap; /* power of two, 0 when empty */
    size_t n;
    const char **key;
    size_t *val;
} id_index;

static uint64_t hash_str(const char *s)
{
    return base_hash_str(BASE_HASH_INIT, s); /* FNV-1a */
}

static int idx_find(const id_index *x, const char *key, size_t *val)
{
    if (!x->cap) return 0;
    for (size_t i = hash_str(key) & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
        if (!x->key[i]) return 0;
        if (!strcmp(x->key[i], key)) {
            if (val) *val = x->val[i];
            return 1;
        }
    }
}

static void idx_insert_new(id_index *x, const char *key, size_t val)
{
    size_t i = hash_str(key) & (x->cap - 1);
    while (x->key[i]) i = (i + 1) & (x->cap - 1);
    x->key[i] = key;
    x->val[i] = val;
    x->n++;
}

/* Insert key (which must not be present); grows to keep load <= 1/2. */
static base_status idx_put(id_index *x, const char *key, size_t val)
{
    if (2 * (x->n + 1) > x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 64;
        id_index y = {cap, 0, calloc(cap, sizeof *y.key), malloc(cap * sizeof *y.val)};
        if (!y.key || !y.val) {
            free(y.key);
            free(y.val);
            return BASE_ENOMEM;
        }
        for (size_t i = 0; i < x->cap; i++)
            if (x->key[i]) idx_insert_new(&y, x->key[i], x->val[i]);
        free(x->key);
        free(x->val);
        *x = y;
    }
    idx_insert_new(x, key, val);
    return BASE_OK;
}

static void idx_free(id_index *x)
{
    free(x->key);
    free(x->val);
    memset(x, 0, sizeof *x);
}

/* ---- scored set ------------------------------------------------------------ */

struct sim_score {
    sim_score_utt *utt; /* utt[i].id is malloc'd and owned here */
    size_t n, cap;
    id_index ids;
};

sim_score *sim_score_create(base_err *err)
{
    sim_score *s = calloc(1, sizeof *s);
    if (!s) base_err_set(err, BASE_ENOMEM, NULL, 0, "score: out of memory");
    return s;
}

void sim_score_destroy(sim_score *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free((char *)s->utt[i].id);
    free(s->utt);
    idx_free(&s->ids);
    free(s);
}

base_status sim_score_add(sim_score *s, const char *id, const char *ref, const char *hyp,
                          base_err *err)
{
    if (!s || !id || !id[0]) return base_err_set(err, BASE_EINVAL, NULL, 0, "score: empty id");
    if (idx_find(&s->ids, id, NULL))
        return base_err_set(err, BASE_EEXIST, NULL, 0, "duplicate utterance id '%s'", id);
    sim_score_utt u = {NULL, hyp != NULL, {0}, {0}};
    base_status st = codec_align_words(ref, hyp, &u.words, err);
    if (st) return st;
    if ((st = codec_align_chars(ref, hyp, &u.chars, err))) return st;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        sim_score_utt *p = realloc(s->utt, cap * sizeof *p);
        if (!p) return base_err_set(err, BASE_ENOMEM, NULL, 0, "score: out of memory");
        s->utt = p;
        s->cap = cap;
    }
    char *copy = strdup(id);
    if (!copy) return base_err_set(err, BASE_ENOMEM, NULL, 0, "score: out of memory");
    if (idx_put(&s->ids, copy, s->n)) {
        free(copy);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "score: out of memory");
    }
    u.id = copy;
    s->utt[s->n++] = u;
    return BASE_OK;
}

size_t sim_score_count(const sim_score *s)
{
    return s ? s->n : 0;
}

const sim_score_utt *sim_score_utt_at(const sim_score *s, size_t i)
{
    return (s && i < s->n) ? &s->utt[i] : NULL;
}

void sim_score_totals_get(const sim_score *s, sim_score_totals *t)
{
    memset(t, 0, sizeof *t);
    if (!s) return;
    t->utterances = s->n;
    for (size_t i = 0; i < s->n; i++) {
        const sim_score_utt *u = &s->utt[i];
        t->missing_hyp += !u->has_hyp;
        t->sent_err += codec_align_errors(&u->words) > 0;
        codec_align_add(&t->words, &u->words);
        codec_align_add(&t->chars, &u->chars);
    }
}

/* ---- trn files ------------------------------------------------------------- */

typedef struct trn_line {
    char *buf;  /* the line, split in place: text then id */
    char *text; /* transcript (points into buf)          */
    char *id;   /* id without parentheses (into buf)     */
    int line;   /* 1-based line number                   */
} trn_line;

typedef struct trn_file {
    trn_line *v;
    size_t n, cap;
    id_index ids;
} trn_file;

static void trn_free(trn_file *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->v[i].buf);
    free(f->v);
    idx_free(&f->ids);
    memset(f, 0, sizeof *f);
}

/* Split one line into text and id. Returns 0 for a skipped line (blank or
 * ";;" comment), 1 for an utterance, -1 (err filled) for a malformed line. */
static int trn_parse_line(char *s, const char *path, int lineno, char **text, char **id,
                          base_err *err)
{
    size_t len = strlen(s);
    while (len && is_space((unsigned char)s[len - 1])) s[--len] = 0;
    const char *p = s;
    while (is_space((unsigned char)*p)) p++;
    if (!*p || (p[0] == ';' && p[1] == ';')) return 0;
    if (s[len - 1] != ')') {
        base_err_set(err, BASE_EFORMAT, path, lineno, "line does not end with an (ID)");
        return -1;
    }
    s[len - 1] = 0;
    char *open = strrchr(s, '(');
    if (!open) {
        base_err_set(err, BASE_EFORMAT, path, lineno, "line does not end with an (ID)");
        return -1;
    }
    *open = 0;
    char *i = open + 1;
    int bad = !*i;
    for (const char *q = i; *q; q++) bad |= is_space((unsigned char)*q) || *q == '(' || *q == ')';
    if (bad) {
        base_err_set(err, BASE_EFORMAT, path, lineno, "empty or malformed utterance ID '(%s)'", i);
        return -1;
    }
    /* IDs are echoed into reports and errors: no control characters (the
     * message itself shows them escaped, see base_err_format) */
    for (const unsigned char *q = (const unsigned char *)i; *q; q++)
        if (*q < 0x20 || *q == 0x7f) {
            base_err_set(err, BASE_EFORMAT, path, lineno,
                         "utterance ID '(%s)' contains control character 0x%02x", i, *q);
            return -1;
        }
    *text = s;
    *id = i;
    return 1;
}

static base_status trn_read(const char *path, trn_file *f, base_err *err)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "r");
    if (!fp) return base_err_set(err, BASE_EIO, path, 0, "cannot open: %s", strerror(errno));
    char *line = NULL;
    size_t linecap = 0;
    int lineno = 0;
    base_status st = BASE_OK;
    while (getline(&line, &linecap, fp) >= 0) {
        lineno++;
        char *buf = strdup(line), *text, *id;
        if (!buf) {
            st = base_err_set(err, BASE_ENOMEM, path, lineno, "out of memory");
            goto fail;
        }
        int r = trn_parse_line(buf, path, lineno, &text, &id, err);
        if (r <= 0) {
            free(buf);
            if (r < 0) {
                st = BASE_EFORMAT;
                goto fail;
            }
            continue;
        }
        size_t first;
        if (idx_find(&f->ids, id, &first)) {
            st = base_err_set(err, BASE_EFORMAT, path, lineno,
                              "duplicate utterance ID '%s' (first on line %d)", id,
                              f->v[first].line);
            free(buf);
            goto fail;
        }
        if (f->n == f->cap) {
            size_t cap = f->cap ? 2 * f->cap : 256;
            trn_line *v = realloc(f->v, cap * sizeof *v);
            if (!v) {
                free(buf);
                st = base_err_set(err, BASE_ENOMEM, path, lineno, "out of memory");
                goto fail;
            }
            f->v = v;
            f->cap = cap;
        }
        f->v[f->n] = (trn_line){buf, text, id, lineno};
        if (idx_put(&f->ids, id, f->n)) {
            free(buf);
            st = base_err_set(err, BASE_ENOMEM, path, lineno, "out of memory");
            goto fail;
        }
        f->n++;
    }
    if (ferror(fp)) {
        st = base_err_set(err, BASE_EIO, path, 0, "read error: %s", strerror(errno));
        goto fail;
    }
    free(line);
    fclose(fp);
    return BASE_OK;
fail:
    free(line);
    fclose(fp);
    trn_free(f);
    return st;
}

base_status sim_score_read_trn(const char *ref_path, const char *hyp_path, sim_score **out,
                               base_err *err)
{
    trn_file ref = {0}, hyp = {0};
    sim_score *s = NULL;
    base_status st;
    if (!out || !ref_path || !hyp_path)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "score: NULL argument");
    *out = NULL;
    if ((st = trn_read(ref_path, &ref, err))) goto fail;
    if ((st = trn_read(hyp_path, &hyp, err))) goto fail;
    if (ref.n == 0) {
        st = base_err_set(err, BASE_EFORMAT, ref_path, 0, "no utterances");
        goto fail;
    }
    for (size_t i = 0; i < hyp.n; i++)
        if (!idx_find(&ref.ids, hyp.v[i].id, NULL)) {
            st = base_err_set(err, BASE_ENOTFOUND, hyp_path, hyp.v[i].line,
                              "utterance ID '%s' is not in %s", hyp.v[i].id, ref_path);
            goto fail;
        }
    if (!(s = sim_score_create(err))) {
        st = BASE_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < ref.n; i++) {
        size_t j;
        const char *h = idx_find(&hyp.ids, ref.v[i].id, &j) ? hyp.v[j].text : NULL;
        if ((st = sim_score_add(s, ref.v[i].id, ref.v[i].text, h, err))) {
            base_err_locate(err, ref_path, ref.v[i].line);
            goto fail;
        }
    }
    trn_free(&ref);
    trn_free(&hyp);
    *out = s;
    return BASE_OK;
fail:
    sim_score_destroy(s);
    trn_free(&ref);
    trn_free(&hyp);
    return st;
}

/* ---- output ---------------------------------------------------------------- */

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_rate(FILE *out, const codec_align_counts *c)
{
    double r = codec_align_rate(c);
    if (isfinite(r))
        fprintf(out, "%.10g", r);
    else
        fputs("null", out);
}

static void json_counts(FILE *out, const char *pre, const codec_align_counts *c)
{
    fprintf(out, "\"%scorr\": %ld, \"%ssub\": %ld, \"%sdel\": %ld, \"%sins\": %ld, \"%serr\": %ld",
            pre, c->corr, pre, c->sub, pre, c->del, pre, c->ins, pre, codec_align_errors(c));
}

base_status sim_score_write_json(const sim_score *s, FILE *out, int per_utt)
{
    sim_score_totals t;
    sim_score_totals_get(s, &t);
    fprintf(out, "{\"utterances\": %zu, \"missing_hyp\": %zu, \"sent_err\": %zu, ", t.utterances,
            t.missing_hyp, t.sent_err);
    fprintf(out, "\"ref_words\": %ld, ", t.words.ref);
    json_counts(out, "", &t.words);
    fputs(", \"wer\": ", out);
    json_rate(out, &t.words);
    fprintf(out, ", \"ref_chars\": %ld, ", t.chars.ref);
    json_counts(out, "char_", &t.chars);
    fputs(", \"cer\": ", out);
    json_rate(out, &t.chars);
    if (per_utt) {
        fputs(", \"per_utterance\": [", out);
        for (size_t i = 0; i < t.utterances; i++) {
            const sim_score_utt *u = &s->utt[i];
            fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", out);
            json_string(out, u->id);
            fprintf(out, ", \"has_hyp\": %s, \"ref_words\": %ld, ", u->has_hyp ? "true" : "false",
                    u->words.ref);
            json_counts(out, "", &u->words);
            fputs(", \"wer\": ", out);
            json_rate(out, &u->words);
            fprintf(out, ", \"ref_chars\": %ld, ", u->chars.ref);
            json_counts(out, "char_", &u->chars);
            fputs(", \"cer\": ", out);
            json_rate(out, &u->chars);
            fputc('}', out);
        }
        fputs(t.utterances ? "\n]" : "]", out);
    }
    fputs("}\n", out);
    return ferror(out) ? BASE_EIO : BASE_OK;
}

static void summary_row(FILE *out, const char *what, const codec_align_counts *c, const char *rate)
{
    double r = 100.0 * codec_align_rate(c);
    fprintf(out, "%-6s %8ld %8ld %7ld %7ld %7ld %7ld   %s ", what, c->ref, c->corr, c->sub, c->del,
            c->ins, codec_align_errors(c), rate);
    if (isfinite(r))
        fprintf(out, "%6.2f%%\n", r);
    else
        fputs("   n/a (no reference tokens)\n", out);
}

base_status sim_score_write_summary(const sim_score *s, FILE *out, int per_utt)
{
    sim_score_totals t;
    sim_score_totals_get(s, &t);
    if (per_utt) {
        fprintf(out, "%-24s %6s %5s %5s %5s %5s %8s\n", "id", "words", "sub", "del", "ins", "err",
                "wer%");
        for (size_t i = 0; i < t.utterances; i++) {
            const sim_score_utt *u = &s->utt[i];
            fprintf(out, "%-24s %6ld %5ld %5ld %5ld %5ld %8.2f%s\n", u->id, u->words.ref,
                    u->words.sub, u->words.del, u->words.ins, codec_align_errors(&u->words),
                    100.0 * codec_align_rate(&u->words), u->has_hyp ? "" : "  (no hypothesis)");
        }
        fputc('\n', out);
    }
    fprintf(out, "utterances %zu (missing hypotheses %zu, with word errors %zu)\n", t.utterances,
            t.missing_hyp, t.sent_err);
    fprintf(out, "%-6s %8s %8s %7s %7s %7s %7s\n", "", "ref", "corr", "sub", "del", "ins", "err");
    summary_row(out, "words", &t.words, "WER");
    summary_row(out, "chars", &t.chars, "CER");
    return ferror(out) ? BASE_EIO : BASE_OK;
}
