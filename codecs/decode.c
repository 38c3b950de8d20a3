/* decode.c -- CTC greedy decoding and lexicon/LM prefix beam search (see
 * decode.h for the scoring rule, the references and the threading rules).
 *
 * Data structures:
 *   lexicon  character trie of the dictionary, built with an edge hash
 *            (node, char) -> child, then laid out breadth-first so each node
 *            is 12 bytes (child mask, first child, word) and its children are
 *            contiguous. ~125k words give ~330k nodes (4 MB).
 *   prefixes a tree per utterance: each prefix node stores its parent, its
 *            last character, its children as a sibling list, and everything
 *            that depends only on the text (the partial word's lexicon node,
 *            the two-word LM history, the accumulated alpha*LM + beta*words
 *            score). Extending a prefix by a character finds or creates the
 *            child, so equal prefixes are the same node and merge by id. A
 *            prefix's children are a block of V ids, made the first time the
 *            prefix is extended (a sibling list cost a scan per extension).
 *   frame    candidates of the next frame are found through a per-node stamp
 *            (node.stamp == frame -> node.slot), with no hashing.
 */
#include "codecs/decode.h"

#include "codecs/vocab.h"

#include <sphinxbase/err.h>
#include <sphinxbase/logmath.h>
#include <sphinxbase/ngram_model.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define V CODEC_VOCAB_SIZE
#define NO_WORD (-1)
#define LEX_OOV (-1)  /* partial word that left the lexicon */
#define LEX_NONE (-2) /* no lexicon: nothing is tracked */
#define EDGE_EMPTY UINT32_MAX

/* ---- greedy ---------------------------------------------------------------------------- */

/* Appends class k to a transcript being built: spaces only between words. */
static void put_char(char *out, size_t cap, size_t *n, int *pending_space, int k)
{
    if (k == CODEC_VOCAB_SPACE) {
        if (*n > 0) *pending_space = 1;
        return;
    }
    if (*pending_space) {
        if (*n + 1 < cap) out[*n] = ' ';
        (*n)++;
        *pending_space = 0;
    }
    if (*n + 1 < cap) out[*n] = codec_vocab_char(k);
    (*n)++;
}

static void finish_string(char *out, size_t cap, size_t n)
{
    if (cap) out[n < cap ? n : cap - 1] = 0;
}

size_t codec_decode_greedy(const float *logp, int t, int v, char *out, size_t cap)
{
    size_t n = 0;
    int pending = 0, prev = -1;
    if (!logp || v != V || t < 0) t = 0;
    for (int i = 0; i < t; i++) {
        const float *row = logp + (size_t)i * V;
        int best = 0;
        for (int k = 1; k < V; k++)
            if (row[k] > row[best]) best = k;
        if (best != prev && best != CODEC_VOCAB_BLANK) put_char(out, cap, &n, &pending, best);
        prev = best;
    }
    finish_string(out, cap, n);
    return n;
}

/* ---- lexicon ----------------------------------------------------------------------------- */

/* A trie node after building: mask bit c set when child c exists; the
 * children are stored contiguously from `first` in character order, so child
 * c is first + popcount(mask & ((1 << c) - 1)). One 12-byte read decides an
 * extension (most beam extensions are rejected by the mask alone). */
typedef struct lnode {
    uint32_t mask;
    int32_t first;
    int32_t word; /* word index or NO_WORD */
} lnode;

struct codec_lexicon {
    char *lm_path;      /* "" = no LM */
    lnode *trie;        /* the trie after building, children contiguous (BFS order) */
    int32_t *node_word; /* while building: per node, word index or NO_WORD */
    size_t n_nodes, cap_nodes;
    uint32_t *ekey; /* edge table: key = node << 5 | char, EDGE_EMPTY = free */
    int32_t *eval;
    size_t emask, n_edges;
    int32_t *word_wid; /* per word: LM id, or -1 if the LM lacks it */
    float *word_uni;   /* per word: ln P_unigram, -inf if the LM lacks it (building only) */
    float *la;         /* per trie node: best ln P_unigram of a word below it, -inf if none */
    size_t n_words, cap_words;
    int32_t bos, eos; /* LM ids of <s> and </s> (-1 without LM) */
    /* LM handles of destroyed decoders, lent to the next codec_beam_create
     * (loading one costs ~0.2 s; a run creates decoders per job). The only
     * mutable part of a lexicon, behind its own lock. */
    pthread_mutex_t pool_lock;
    struct lm_handle *pool;
    size_t n_pool, cap_pool;
};

typedef struct lm_handle {
    ngram_model_t *lm;
    logmath_t *lmath;
} lm_handle;

static inline uint32_t edge_hash(uint32_t key)
{
    return (key * 2654435761u) ^ (key >> 15);
}

static inline int32_t lex_child(const codec_lexicon *lx, int32_t node, int c)
{
    const lnode *n = &lx->trie[node];
    if (!(n->mask >> c & 1u)) return -1;
    return n->first + __builtin_popcount(n->mask & ((1u << c) - 1u));
}

/* Child lookup in the build-time edge hash. */
static int32_t build_child(const codec_lexicon *lx, int32_t node, int c)
{
    uint32_t key = (uint32_t)node << 5 | (uint32_t)c;
    for (size_t i = edge_hash(key) & lx->emask;; i = (i + 1) & lx->emask) {
        if (lx->ekey[i] == key) return lx->eval[i];
        if (lx->ekey[i] == EDGE_EMPTY) return -1;
    }
}

static int edge_table_alloc(codec_lexicon *lx, size_t cap)
{
    lx->ekey = malloc(cap * sizeof *lx->ekey);
    lx->eval = malloc(cap * sizeof *lx->eval);
    if (!lx->ekey || !lx->eval) return -1;
    memset(lx->ekey, 0xff, cap * sizeof *lx->ekey);
    lx->emask = cap - 1;
    return 0;
}

static void edge_put(codec_lexicon *lx, uint32_t key, int32_t val)
{
    size_t i = edge_hash(key) & lx->emask;
    while (lx->ekey[i] != EDGE_EMPTY) i = (i + 1) & lx->emask;
    lx->ekey[i] = key;
    lx->eval[i] = val;
}

static int edge_grow(codec_lexicon *lx)
{
    uint32_t *ok = lx->ekey;
    int32_t *ov = lx->eval;
    size_t ocap = lx->emask + 1;
    if (edge_table_alloc(lx, 2 * ocap)) {
        free(lx->ekey);
        free(lx->eval);
        lx->ekey = ok;
        lx->eval = ov;
        lx->emask = ocap - 1;
        return -1;
    }
    for (size_t i = 0; i < ocap; i++)
        if (ok[i] != EDGE_EMPTY) edge_put(lx, ok[i], ov[i]);
    free(ok);
    free(ov);
    return 0;
}

static int32_t lex_new_node(codec_lexicon *lx)
{
    if (lx->n_nodes == lx->cap_nodes) {
        size_t cap = lx->cap_nodes ? 2 * lx->cap_nodes : 1 << 16;
        int32_t *n = realloc(lx->node_word, cap * sizeof *n);
        if (!n) return -1;
        lx->node_word = n;
        lx->cap_nodes = cap;
    }
    lx->node_word[lx->n_nodes] = NO_WORD;
    return (int32_t)lx->n_nodes++;
}

/* Insert word (vocabulary indices k[0..n)); returns its word index, or -1 on OOM. */
static int32_t lex_insert(codec_lexicon *lx, const int *k, size_t n, int *is_new)
{
    int32_t node = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t ch = build_child(lx, node, k[i]);
        if (ch < 0) {
            if (2 * (lx->n_edges + 1) > lx->emask + 1 && edge_grow(lx)) return -1;
            ch = lex_new_node(lx);
            if (ch < 0) return -1;
            edge_put(lx, (uint32_t)node << 5 | (uint32_t)k[i], ch);
            lx->n_edges++;
        }
        node = ch;
    }
    *is_new = lx->node_word[node] == NO_WORD;
    if (*is_new) {
        if (lx->n_words == lx->cap_words) {
            size_t cap = lx->cap_words ? 2 * lx->cap_words : 1 << 16;
            int32_t *w = realloc(lx->word_wid, cap * sizeof *w);
            if (!w) return -1;
            lx->word_wid = w;
            float *u = realloc(lx->word_uni, cap * sizeof *u);
            if (!u) return -1;
            lx->word_uni = u;
            lx->cap_words = cap;
        }
        lx->word_wid[lx->n_words] = -1;
        lx->word_uni[lx->n_words] = -INFINITY;
        lx->node_word[node] = (int32_t)lx->n_words++;
    }
    return lx->node_word[node];
}

/* Dictionary entry -> vocabulary indices. Returns the length, or 0 to skip
 * the entry (empty, or a character outside a-z and apostrophe). The word is
 * also written lower-cased to word (for the LM lookup). */
static size_t dict_word(char *word, int *k, size_t cap)
{
    char *paren = strchr(word, '(');
    if (paren && paren != word && word[strlen(word) - 1] == ')') *paren = 0; /* word(2) */
    size_t n = 0;
    for (char *p = word; *p; p++) {
        *p = (char)tolower((unsigned char)*p);
        int c = codec_vocab_index((unsigned char)*p);
        if (c <= CODEC_VOCAB_SPACE || n == cap) return 0;
        k[n++] = c;
    }
    return n;
}

/* Renumber the nodes in breadth-first order into lx->trie (children of a
 * node become contiguous) and drop the build-time hash. */
static int lex_compact(codec_lexicon *lx)
{
    size_t n = lx->n_nodes;
    int32_t *queue = malloc(n * sizeof *queue);
    lx->trie = malloc(n * sizeof *lx->trie);
    if (!queue || !lx->trie) {
        free(queue);
        return -1;
    }
    size_t head = 0, tail = 1;
    queue[0] = 0;
    while (head < tail) {
        int32_t old = queue[head];
        lnode *t = &lx->trie[head];
        t->mask = 0;
        t->first = (int32_t)tail;
        t->word = lx->node_word[old];
        for (int c = 0; c < V; c++) {
            int32_t ch = build_child(lx, old, c);
            if (ch < 0) continue;
            t->mask |= 1u << c;
            queue[tail++] = ch;
        }
        head++;
    }
    free(queue);
    /* look-ahead: children come after their parent in BFS order, so one
     * backward sweep sees every subtree before its root */
    lx->la = malloc(n * sizeof *lx->la);
    if (!lx->la) return -1;
    for (size_t i = n; i-- > 0;) {
        const lnode *t = &lx->trie[i];
        float best = t->word != NO_WORD ? lx->word_uni[t->word] : -INFINITY;
        int nk = __builtin_popcount(t->mask);
        for (int k = 0; k < nk; k++)
            if (lx->la[t->first + k] > best) best = lx->la[t->first + k];
        lx->la[i] = best;
    }
    free(lx->ekey);
    free(lx->eval);
    free(lx->node_word);
    lx->ekey = NULL;
    lx->eval = NULL;
    lx->node_word = NULL;
    return 0;
}

static void lm_close(ngram_model_t *lm, logmath_t *lmath);

void codec_lexicon_destroy(codec_lexicon *lx)
{
    if (!lx) return;
    for (size_t i = 0; i < lx->n_pool; i++) lm_close(lx->pool[i].lm, lx->pool[i].lmath);
    free(lx->pool);
    pthread_mutex_destroy(&lx->pool_lock);
    free(lx->lm_path);
    free(lx->trie);
    free(lx->node_word);
    free(lx->ekey);
    free(lx->eval);
    free(lx->word_wid);
    free(lx->word_uni);
    free(lx->la);
    free(lx);
}

/* Load the LM at path with its own logmath (caller frees both). */
/* sphinxbase keeps process-wide state on its loading path (the log stream
 * set by err_set_logfp, dtoa's caches when parsing an ARPA file), and the
 * simulator builds decoders inside parallel jobs: every load and free goes
 * through this one lock. Scoring needs no lock: it touches only its own
 * handle. This is the only mutable static in the module. */
static pthread_mutex_t sphinx_lock = PTHREAD_MUTEX_INITIALIZER;

static void lm_close(ngram_model_t *lm, logmath_t *lmath)
{
    pthread_mutex_lock(&sphinx_lock);
    if (lm) ngram_model_free(lm);
    if (lmath) logmath_free(lmath);
    pthread_mutex_unlock(&sphinx_lock);
}

static base_status lm_open(const char *path, ngram_model_t **lm, logmath_t **lmath, base_err *err)
{
    *lm = NULL;
    *lmath = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return base_err_set(err, BASE_EIO, path, 0, "cannot open: %s", strerror(errno));
    fclose(f);
    pthread_mutex_lock(&sphinx_lock);
    /* sphinxbase would print INFO lines on every load (process-global stream) */
    err_set_logfp(NULL);
    *lmath = logmath_init(1.0001, 0, 0);
    if (*lmath) *lm = ngram_model_read(NULL, path, NGRAM_AUTO, *lmath);
    pthread_mutex_unlock(&sphinx_lock);
    if (!*lmath) return base_err_set(err, BASE_ENOMEM, path, 0, "logmath_init failed");
    if (!*lm) {
        lm_close(NULL, *lmath);
        *lmath = NULL;
        return base_err_set(err, BASE_EFORMAT, path, 0,
                            "not a language model sphinxbase can read (ARPA, DMP or lm.bin)");
    }
    return BASE_OK;
}

base_status codec_lexicon_create(codec_lexicon **out, const char *dict_path, const char *lm_path,
                                 base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    if (!dict_path) dict_path = CODEC_DECODE_DICT;
    if (!lm_path) lm_path = CODEC_DECODE_LM;

    base_status st = BASE_OK;
    ngram_model_t *lm = NULL;
    logmath_t *lmath = NULL;
    char *line = NULL;
    size_t line_cap = 0;
    FILE *f = NULL;
    codec_lexicon *lx = calloc(1, sizeof *lx);
    if (lx) pthread_mutex_init(&lx->pool_lock, NULL);
    if (!lx || !(lx->lm_path = strdup(lm_path)) || edge_table_alloc(lx, 1 << 20) ||
        lex_new_node(lx) != 0) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    lx->bos = lx->eos = -1;
    if (*lm_path) {
        st = lm_open(lm_path, &lm, &lmath, err);
        if (st) goto fail;
        lx->bos = ngram_wid(lm, "<s>");
        lx->eos = ngram_wid(lm, "</s>");
    }
    f = fopen(dict_path, "r");
    if (!f) {
        st = base_err_set(err, BASE_EIO, dict_path, 0, "cannot open: %s", strerror(errno));
        goto fail;
    }
    int k[256];
    while (getline(&line, &line_cap, f) > 0) {
        char *w = strtok(line, " \t\r\n");
        if (!w || *w == '#' || (w[0] == ';' && w[1] == ';')) continue;
        size_t n = dict_word(w, k, sizeof k / sizeof *k);
        if (!n) continue;
        int is_new = 0;
        int32_t wi = lex_insert(lx, k, n, &is_new);
        if (wi < 0) {
            st = base_err_set(err, BASE_ENOMEM, dict_path, 0, "out of memory");
            goto fail;
        }
        if (is_new && lm) {
            int32_t wid = ngram_wid(lm, w);
            lx->word_wid[wi] = wid == ngram_unknown_wid(lm) ? -1 : wid;
            if (wid != ngram_unknown_wid(lm)) {
                int32 n_used;
                lx->word_uni[wi] =
                    (float)logmath_log_to_ln(lmath, ngram_ng_score(lm, wid, NULL, 0, &n_used));
            }
        }
    }
    if (ferror(f)) {
        st = base_err_set(err, BASE_EIO, dict_path, 0, "read error");
        goto fail;
    }
    if (lx->n_words == 0) {
        st = base_err_set(err, BASE_EFORMAT, dict_path, 0,
                          "no usable word (expected `WORD PHONES`)");
        goto fail;
    }
    fclose(f);
    f = NULL;
    if (lex_compact(lx)) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    free(line);
    lm_close(lm, lmath);
    *out = lx;
    return BASE_OK;
fail:
    if (f) fclose(f);
    free(line);
    lm_close(lm, lmath);
    codec_lexicon_destroy(lx);
    return st;
}

size_t codec_lexicon_size(const codec_lexicon *lx)
{
    return lx ? lx->n_words : 0;
}

const char *codec_lexicon_lm_path(const codec_lexicon *lx)
{
    return lx ? lx->lm_path : "";
}

int codec_lexicon_contains(const codec_lexicon *lx, const char *word)
{
    if (!lx || !word || !*word) return 0;
    int32_t node = 0;
    for (const char *p = word; *p && node >= 0; p++) {
        int c = codec_vocab_index((unsigned char)*p);
        if (c <= CODEC_VOCAB_SPACE || isupper((unsigned char)*p)) return 0;
        node = lex_child(lx, node, c);
    }
    return node >= 0 && lx->trie[node].word != NO_WORD;
}

/* ---- beam search ---------------------------------------------------------------------------- */

typedef struct pnode {
    int32_t parent;
    int32_t kids;   /* block of V child ids in codec_beam.kids, or -1 before the first extension */
    int32_t lex;    /* lexicon node of the partial word, LEX_OOV or LEX_NONE */
    int32_t h1, h2; /* LM history, most recent first; -1 = none / unknown */
    int32_t stamp;  /* frame in which slot is valid */
    int32_t slot;   /* candidate index in that frame */
    int16_t wlen;   /* characters in the partial word */
    int8_t ch;      /* last character (vocabulary index), 0 for the root */
    double text;    /* alpha * log P_lm + beta * words + OOV penalties so far */
    float la;       /* look-ahead of the partial word: alpha * its best unigram */
} pnode;

typedef struct cand {
    int32_t id;
    double pb, pnb, score;
} cand;

#define CACHE_BITS 16

typedef struct lm_cache_entry {
    int32_t w, h1, h2;
    float lnp;
} lm_cache_entry;

struct codec_beam {
    const codec_lexicon *lex;
    codec_beam_config cfg;
    ngram_model_t *lm; /* own handle: scoring mutates the model's history cache */
    logmath_t *lmath;
    lm_cache_entry *cache; /* direct-mapped memo of LM scores */
    pnode *nodes;
    size_t n_nodes, cap_nodes;
    int32_t *kids; /* blocks of V child ids (-1 = not created yet), one per extended prefix */
    size_t n_kids, cap_kids;
    cand *beam, *next; /* beam: cfg.beam entries; next: beam * V candidates */
    size_t cap_beam;
};

codec_beam_config codec_beam_config_default(void)
{
    codec_beam_config c = {
        .beam = CODEC_BEAM_DEFAULT_WIDTH,
        .lm_weight = CODEC_BEAM_DEFAULT_LM_WEIGHT,
        .word_bonus = CODEC_BEAM_DEFAULT_WORD_BONUS,
        .prune = 10.0f,
        .allow_oov = 1,
        .oov_penalty = -4.0f,
        .oov_char_penalty = -2.5f,
        .unk_logp = -20.0f,
        .lookahead = 1,
        .score_beam = CODEC_BEAM_DEFAULT_SCORE_BEAM,
    };
    return c;
}

static base_status check_config(const codec_beam_config *c, base_err *err)
{
    if (c->beam < 1 || c->beam > 100000)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "beam width must be 1..100000, got %d",
                            c->beam);
    if (!isfinite(c->lm_weight) || c->lm_weight < 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "LM weight must be >= 0, got %g",
                            c->lm_weight);
    if (!isfinite(c->word_bonus))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "word bonus must be finite");
    if (!(c->prune > 0))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "prune must be > 0, got %g", c->prune);
    if (!(c->score_beam > 0))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "score beam must be > 0, got %g",
                            c->score_beam);
    if (!(c->oov_penalty <= 0) || !(c->oov_char_penalty <= 0) || !(c->unk_logp <= 0) ||
        isinf(c->unk_logp) || isinf(c->oov_penalty) || isinf(c->oov_char_penalty))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "oov_penalty, oov_char_penalty and unk_logp must be finite and <= 0");
    return BASE_OK;
}

static base_status beam_alloc(codec_beam *b, size_t width)
{
    if (width <= b->cap_beam) return BASE_OK;
    cand *nb = realloc(b->beam, width * sizeof *nb);
    if (!nb) return BASE_ENOMEM;
    b->beam = nb;
    cand *nn = realloc(b->next, width * (V + 1) * sizeof *nn);
    if (!nn) return BASE_ENOMEM;
    b->next = nn;
    b->cap_beam = width;
    return BASE_OK;
}

/* Lends a pooled LM handle of lex (1) or says there is none (0). The lexicon
 * is shared const; its pool is the one part behind a lock. */
static int lm_borrow(const codec_lexicon *lex, ngram_model_t **lm, logmath_t **lmath)
{
    codec_lexicon *lx = (codec_lexicon *)lex;
    int got = 0;
    pthread_mutex_lock(&lx->pool_lock);
    if (lx->n_pool) {
        lx->n_pool--;
        *lm = lx->pool[lx->n_pool].lm;
        *lmath = lx->pool[lx->n_pool].lmath;
        got = 1;
    }
    pthread_mutex_unlock(&lx->pool_lock);
    return got;
}

/* Gives a decoder's LM handle back to lex's pool (closed when the pool cannot grow). */
static void lm_return(const codec_lexicon *lex, ngram_model_t *lm, logmath_t *lmath)
{
    codec_lexicon *lx = (codec_lexicon *)lex;
    int kept = 0;
    pthread_mutex_lock(&lx->pool_lock);
    if (lx->n_pool == lx->cap_pool) {
        size_t c = lx->cap_pool ? 2 * lx->cap_pool : 4;
        lm_handle *q = realloc(lx->pool, c * sizeof *q);
        if (q) {
            lx->pool = q;
            lx->cap_pool = c;
        }
    }
    if (lx->n_pool < lx->cap_pool) {
        lx->pool[lx->n_pool++] = (lm_handle){lm, lmath};
        kept = 1;
    }
    pthread_mutex_unlock(&lx->pool_lock);
    if (!kept) lm_close(lm, lmath);
}

void codec_beam_destroy(codec_beam *b)
{
    if (!b) return;
    if (b->lm && b->lex)
        lm_return(b->lex, b->lm, b->lmath);
    else
        lm_close(b->lm, b->lmath);
    free(b->cache);
    free(b->nodes);
    free(b->kids);
    free(b->beam);
    free(b->next);
    free(b);
}

base_status codec_beam_create(codec_beam **out, const codec_lexicon *lex,
                              const codec_beam_config *cfg, base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    *out = NULL;
    codec_beam_config c = cfg ? *cfg : codec_beam_config_default();
    base_status st = check_config(&c, err);
    if (st) return st;
    codec_beam *b = calloc(1, sizeof *b);
    if (!b) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    b->lex = lex;
    b->cfg = c;
    b->cap_nodes = 4096;
    b->nodes = malloc(b->cap_nodes * sizeof *b->nodes);
    b->cache = malloc(sizeof *b->cache << CACHE_BITS);
    if (!b->nodes || !b->cache || beam_alloc(b, (size_t)c.beam)) {
        st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < (size_t)1 << CACHE_BITS; i++) b->cache[i].w = INT32_MIN;
    if (lex && lex->lm_path[0] && !lm_borrow(lex, &b->lm, &b->lmath)) {
        st = lm_open(lex->lm_path, &b->lm, &b->lmath, err);
        if (st) goto fail;
    }
    *out = b;
    return BASE_OK;
fail:
    codec_beam_destroy(b);
    return st;
}

base_status codec_beam_set_config(codec_beam *b, const codec_beam_config *cfg, base_err *err)
{
    if (!b || !cfg) return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    base_status st = check_config(cfg, err);
    if (st) return st;
    if (beam_alloc(b, (size_t)cfg->beam))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    b->cfg = *cfg;
    return BASE_OK;
}

static inline double log_add(double a, double b)
{
    if (a < b) {
        double t = a;
        a = b;
        b = t;
    }
    if (b == -INFINITY) return a;
    return a + log1p(exp(b - a));
}

/* ln P(w | h1 h2) from the LM (h1 most recent; -1 ends the history). */
static double lm_lnp(codec_beam *b, int32_t w, int32_t h1, int32_t h2)
{
    if (h1 < 0) h2 = -1;
    uint32_t key = (uint32_t)w * 2654435761u ^ (uint32_t)h1 * 40503u ^ (uint32_t)h2 * 97u;
    lm_cache_entry *e = &b->cache[(key ^ (key >> 16)) & ((1u << CACHE_BITS) - 1)];
    if (e->w == w && e->h1 == h1 && e->h2 == h2) return e->lnp;
    int32_t hist[2] = {h1, h2};
    int32 n_used;
    int n_hist = h1 < 0 ? 0 : h2 < 0 ? 1 : 2;
    int32 s = ngram_ng_score(b->lm, w, hist, n_hist, &n_used);
    double lnp = logmath_log_to_ln(b->lmath, s);
    e->w = w;
    e->h1 = h1;
    e->h2 = h2;
    e->lnp = (float)lnp;
    return e->lnp; /* the cached precision, so a hit and a miss give the same score */
}

/* Score of completing the partial word of node p: returns 0 and sets *add
 * (the text score increment) and the new history, or -1 when the word is
 * not allowed. */
static int word_end(codec_beam *b, const pnode *p, double *add, int32_t *h1, int32_t *h2)
{
    const codec_lexicon *lx = b->lex;
    const codec_beam_config *c = &b->cfg;
    int32_t word = p->lex >= 0 ? lx->trie[p->lex].word : NO_WORD;
    double lnp;
    int32_t wid = -1;
    if (word != NO_WORD) {
        wid = lx->word_wid[word];
        if (!b->lm)
            lnp = 0;
        else if (wid >= 0)
            lnp = lm_lnp(b, wid, p->h1, p->h2);
        else
            lnp = c->unk_logp;
        *add = c->lm_weight * lnp + c->word_bonus;
    } else {
        if (!c->allow_oov) return -1;
        *add = c->lm_weight * (b->lm ? c->unk_logp : 0) + c->word_bonus + c->oov_penalty;
    }
    *h1 = wid;
    *h2 = wid >= 0 ? p->h1 : -1;
    return 0;
}

/* Room for `more` new prefixes and `blocks` new child blocks. */
static base_status nodes_reserve(codec_beam *b, size_t more, size_t blocks)
{
    if (b->n_nodes + more > b->cap_nodes) {
        size_t cap = b->cap_nodes;
        while (cap < b->n_nodes + more) cap *= 2;
        pnode *n = realloc(b->nodes, cap * sizeof *n);
        if (!n) return BASE_ENOMEM;
        b->nodes = n;
        b->cap_nodes = cap;
    }
    if (b->n_kids + blocks > b->cap_kids) {
        size_t cap = b->cap_kids ? b->cap_kids : 256;
        while (cap < b->n_kids + blocks) cap *= 2;
        int32_t *k = realloc(b->kids, cap * V * sizeof *k);
        if (!k) return BASE_ENOMEM;
        b->kids = k;
        b->cap_kids = cap;
    }
    return BASE_OK;
}

/* Child of prefix id by character c (found or created), or -1 when the
 * lexicon forbids it. Capacity was reserved by the caller. */
static int32_t extend(codec_beam *b, int32_t id, int c)
{
    pnode *p = &b->nodes[id];
    if (p->kids < 0) {
        p->kids = (int32_t)b->n_kids++;
        int32_t *blk = b->kids + (size_t)p->kids * V;
        for (int k = 0; k < V; k++) blk[k] = -1;
    }
    int32_t *slot = b->kids + (size_t)p->kids * V + c;
    if (*slot >= 0) return *slot;
    pnode q = {.parent = id,
               .kids = -1,
               .stamp = -1,
               .ch = (int8_t)c,
               .lex = p->lex,
               .h1 = p->h1,
               .h2 = p->h2,
               .text = p->text,
               .la = p->la,
               .wlen = (int16_t)(p->wlen + 1)};
    if (q.wlen > 4096) q.wlen = 4096;
    if (b->lex) {
        const codec_beam_config *cf = &b->cfg;
        int la = cf->lookahead && b->lm;
        if (c == CODEC_VOCAB_SPACE) {
            double add;
            if (word_end(b, p, &add, &q.h1, &q.h2)) return -1;
            q.text += add;
            q.lex = 0;
            q.wlen = 0;
            q.la = 0;
        } else if (p->lex >= 0) {
            q.lex = lex_child(b->lex, p->lex, c);
            if (q.lex >= 0) {
                float u = b->lex->la[q.lex];
                q.la = la ? cf->lm_weight * (u > cf->unk_logp ? u : cf->unk_logp) : 0;
            } else {
                if (!cf->allow_oov) return -1;
                /* charge the characters spelled so far, as if OOV from the start */
                q.lex = LEX_OOV;
                q.text += cf->oov_char_penalty * q.wlen;
                q.la = la ? cf->lm_weight * cf->unk_logp + cf->oov_penalty : 0;
            }
        } else if (p->lex == LEX_OOV) {
            q.text += cf->oov_char_penalty;
        }
    }
    int32_t nid = (int32_t)b->n_nodes++;
    b->nodes[nid] = q;
    *slot = nid;
    return nid;
}

/* Add probability mass to candidate id for the next frame. */
static inline void add_cand(codec_beam *b, size_t *n, int32_t frame, int32_t id, double pb,
                            double pnb)
{
    pnode *p = &b->nodes[id];
    if (p->stamp != frame) {
        p->stamp = frame;
        p->slot = (int32_t)*n;
        cand *c = &b->next[(*n)++];
        c->id = id;
        c->pb = pb;
        c->pnb = pnb;
        return;
    }
    cand *c = &b->next[p->slot];
    c->pb = log_add(c->pb, pb);
    c->pnb = log_add(c->pnb, pnb);
}

/* Whether candidate a ranks before c: score descending, then node id
 * ascending. Ids are unique within a frame, so the order is total and the
 * beam never depends on how candidates arrived. */
static inline int cand_before(const cand *a, const cand *c)
{
    return a->score > c->score || (a->score == c->score && a->id < c->id);
}

/* Moves the k best of c[0..n) (cand_before order) to c[0..k), in no
 * particular order (quickselect, median of three; 0 < k < n). */
static void partition_best(cand *c, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three to c[hi] as the pivot */
        if (cand_before(&c[mid], &c[lo])) {
            cand t = c[mid];
            c[mid] = c[lo];
            c[lo] = t;
        }
        if (cand_before(&c[hi], &c[lo])) {
            cand t = c[hi];
            c[hi] = c[lo];
            c[lo] = t;
        }
        if (cand_before(&c[mid], &c[hi])) {
            cand t = c[mid];
            c[mid] = c[hi];
            c[hi] = t;
        }
        const cand p = c[hi];
        size_t st = lo;
        for (size_t i = lo; i < hi; i++)
            if (cand_before(&c[i], &p)) {
                cand t = c[i];
                c[i] = c[st];
                c[st] = t;
                st++;
            }
        c[hi] = c[st];
        c[st] = p;
        if (st == k || st + 1 == k) return; /* c[0..st] (or c[0..st)) are the best */
        if (st > k)
            hi = st - 1;
        else
            lo = st + 1;
    }
}

/* Insertion sort of c[0..n) by cand_before (n <= the beam width). */
static void sort_best(cand *c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        cand x = c[i];
        size_t j = i;
        while (j > 0 && cand_before(&x, &c[j - 1])) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = x;
    }
}

/* Keep the best `width` of n candidates into b->beam, best first. cand_before
 * is a strict total order (ids are unique within a frame), so the set kept
 * and its order are unique: selecting with a quickselect and sorting only the
 * kept ones gives exactly what a full sort would. With a finite score beam,
 * the candidates below the best score minus it are dropped first (a rule on
 * scores alone, so the kept set stays unique). */
static size_t select_best(codec_beam *b, size_t n, size_t width, double lower)
{
    size_t m = 0;
    double top = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        cand c = b->next[i];
        c.score = log_add(c.pb, c.pnb) + b->nodes[c.id].text + b->nodes[c.id].la;
        if (c.score == -INFINITY) continue;
        if (c.score > top) top = c.score;
        b->next[m++] = c;
    }
    /* nothing below `lower` (the caller's bound: no better than the width-th
     * best) can be kept, so it is dropped before selecting, together with what
     * the score beam drops */
    double floor = lower;
    if (isfinite(b->cfg.score_beam) && top - (double)b->cfg.score_beam > floor)
        floor = top - (double)b->cfg.score_beam;
    if (floor > -INFINITY) {
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (b->next[i].score >= floor) b->next[k++] = b->next[i];
        m = k;
    }
    if (m > width) {
        partition_best(b->next, m, width);
        m = width;
    }
    sort_best(b->next, m);
    memcpy(b->beam, b->next, m * sizeof *b->beam);
    return m;
}

/* Transcript of prefix id into out (cap bytes); returns the full length. */
static size_t prefix_text(const codec_beam *b, int32_t id, char *out, size_t cap)
{
    size_t len = 0;
    for (int32_t k = id; k > 0; k = b->nodes[k].parent) len++;
    /* a trailing space (word ended, nothing after) is not part of the text */
    int32_t end = id;
    if (end > 0 && b->nodes[end].ch == CODEC_VOCAB_SPACE) {
        end = b->nodes[end].parent;
        len--;
    }
    if (cap) {
        size_t i = len;
        for (int32_t k = end; k > 0; k = b->nodes[k].parent) {
            i--;
            if (i + 1 < cap) out[i] = codec_vocab_char(b->nodes[k].ch);
        }
        out[len < cap ? len : cap - 1] = 0;
    }
    return len;
}

base_status codec_beam_decode(codec_beam *b, const float *logp, int t, int v, char *out, size_t cap,
                              size_t *len, double *score, base_err *err)
{
    if (len) *len = 0;
    if (score) *score = -INFINITY;
    if (cap && out) out[0] = 0;
    if (!b || (!logp && t > 0) || !out || !cap || t < 0)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "bad arguments");
    if (v != V)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "decoder expects %d classes, got %d", V, v);
    for (size_t i = 0; i < (size_t)t * V; i++)
        if (isnan(logp[i]) || logp[i] == INFINITY)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "%s in log-probabilities (frame %zu)",
                                isnan(logp[i]) ? "NaN" : "+inf", i / V);
    const codec_beam_config *cfg = &b->cfg;
    size_t width = (size_t)cfg->beam;

    /* root prefix */
    b->n_nodes = 1;
    b->n_kids = 0;
    pnode *root = &b->nodes[0];
    *root = (pnode){.parent = -1,
                    .kids = -1,
                    .stamp = -1,
                    .ch = 0,
                    .lex = b->lex ? 0 : LEX_NONE,
                    .h1 = -1,
                    .h2 = -1,
                    .text = 0};
    if (b->lex && b->lm) root->h1 = b->lex->bos;
    size_t nbeam = 1;
    b->beam[0] = (cand){.id = 0, .pb = 0, .pnb = -INFINITY, .score = 0};

    int chars[V];
    for (int f = 0; f < t; f++) {
        const float *row = logp + (size_t)f * V;
        float mx = row[0];
        for (int k = 1; k < V; k++)
            if (row[k] > mx) mx = row[k];
        int nc = 0;
        for (int k = 1; k < V; k++)
            if (row[k] >= mx - cfg->prune) chars[nc++] = k;
        if (nodes_reserve(b, nbeam * (size_t)nc, nbeam))
            return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        size_t n = 0;
        /* A lower bound of the width-th best score of this frame: each of the
         * width prefixes of a full beam is again a candidate, at least with the
         * mass of its blank continuation (merging only adds mass), summed as
         * select_best sums a score, in the same order, so rounding keeps the
         * bound. */
        double lower = nbeam == width ? INFINITY : -INFINITY;
        for (size_t i = 0; i < nbeam; i++) {
            const cand bi = b->beam[i];
            int32_t id = bi.id;
            int last = b->nodes[id].ch;
            double ptot = log_add(bi.pb, bi.pnb);
            if (nbeam == width) {
                double s = ptot + row[CODEC_VOCAB_BLANK] + b->nodes[id].text + b->nodes[id].la;
                if (s < lower) lower = s;
            }
            /* blank: same prefix, now ending in blank */
            add_cand(b, &n, f, id, ptot + row[CODEC_VOCAB_BLANK], -INFINITY);
            /* the last character again without a blank: collapses into the same prefix */
            if (last > 0) add_cand(b, &n, f, id, -INFINITY, bi.pnb + row[last]);
            for (int j = 0; j < nc; j++) {
                int c = chars[j];
                if (c == CODEC_VOCAB_SPACE && (id == 0 || last == CODEC_VOCAB_SPACE)) {
                    /* a space before the first word or after a space separates
                     * nothing: it acts like a blank (its non-blank part was
                     * counted by the repeat rule above) */
                    add_cand(b, &n, f, id, (id == 0 ? ptot : bi.pb) + row[c], -INFINITY);
                    continue;
                }
                double p = (c == last ? bi.pb : ptot) + row[c];
                if (p == -INFINITY) continue;
                int32_t child = extend(b, id, c);
                if (child >= 0) add_cand(b, &n, f, child, -INFINITY, p);
            }
        }
        nbeam = select_best(b, n, width, lower);
    }

    /* end of utterance: complete the last word, add </s> */
    double best = -INFINITY;
    int32_t best_id = -1;
    for (size_t i = 0; i < nbeam; i++) {
        const cand *c = &b->beam[i];
        const pnode *p = &b->nodes[c->id];
        double s = log_add(c->pb, c->pnb) + p->text;
        int32_t h1 = p->h1, h2 = p->h2;
        if (b->lex && p->ch > CODEC_VOCAB_SPACE) {
            double add;
            if (word_end(b, p, &add, &h1, &h2)) continue;
            s += add;
        }
        if (b->lex && b->lm) s += cfg->lm_weight * lm_lnp(b, b->lex->eos, h1, h2);
        if (s > best || (s == best && best_id >= 0 && c->id < best_id)) {
            best = s;
            best_id = c->id;
        }
    }
    if (best_id < 0) return BASE_OK; /* nothing the lexicon admits */
    size_t n = prefix_text(b, best_id, out, cap);
    if (len) *len = n;
    if (score) *score = best;
    return BASE_OK;
}
