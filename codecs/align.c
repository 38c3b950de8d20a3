/* align.c -- sclite-compatible WER/CER alignment (see align.h).
 *
 * The aligner keeps only two rows of the DP matrix: every cell picks exactly
 * one predecessor by sclite's fixed rule, so the path that sclite's back-trace
 * would follow from the final cell is the chain of those choices, and its
 * S/D/I counts can be carried forward in the cells instead of back-tracked.
 */
#include "codecs/align.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* sclite's weights (sctk word.c, wwd_WORD) */
enum { COST_SUB = 4, COST_DEL = 3, COST_INS = 3 };

/* ---- tokens and alignment -------------------------------------------------- */

typedef struct tok {
    const char *p;
    size_t len;
} tok;

typedef struct cell {
    long cost, sub, del, ins;
} cell;

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int tok_equal(tok a, tok b)
{
    if (a.len != b.len) return 0;
    for (size_t i = 0; i < a.len; i++)
        if (ascii_lower((unsigned char)a.p[i]) != ascii_lower((unsigned char)b.p[i])) return 0;
    return 1;
}

/* Split s into tokens (words, or single bytes when chars != 0, skipping '-').
 * With out == NULL only counts. */
static size_t tokenize(const char *s, int chars, tok *out)
{
    size_t n = 0;
    if (!s) return 0;
    for (const char *p = s; *p;) {
        if (is_space((unsigned char)*p)) {
            p++;
            continue;
        }
        if (chars) {
            if (*p != '-') {
                if (out) out[n] = (tok){p, 1};
                n++;
            }
            p++;
            continue;
        }
        const char *start = p;
        while (*p && !is_space((unsigned char)*p)) p++;
        if (out) out[n] = (tok){start, (size_t)(p - start)};
        n++;
    }
    return n;
}

/* sclite's cell rule: diagonal if <= both, else deletion if < insertion, else insertion. */
static void align_tokens(const tok *r, size_t n, const tok *h, size_t m, cell *prev, cell *cur,
                         codec_align_counts *out)
{
    prev[0] = (cell){0, 0, 0, 0};
    for (size_t b = 1; b <= m; b++) {
        prev[b] = prev[b - 1];
        prev[b].cost += COST_INS;
        prev[b].ins++;
    }
    for (size_t a = 1; a <= n; a++) {
        cur[0] = prev[0];
        cur[0].cost += COST_DEL;
        cur[0].del++;
        for (size_t b = 1; b <= m; b++) {
            int same = tok_equal(r[a - 1], h[b - 1]);
            long c_sub = prev[b - 1].cost + (same ? 0 : COST_SUB);
            long c_del = prev[b].cost + COST_DEL;
            long c_ins = cur[b - 1].cost + COST_INS;
            cell c;
            if (c_sub <= c_del && c_sub <= c_ins) {
                c = prev[b - 1];
                c.cost = c_sub;
                c.sub += !same;
            } else if (c_del < c_ins) {
                c = prev[b];
                c.cost = c_del;
                c.del++;
            } else {
                c = cur[b - 1];
                c.cost = c_ins;
                c.ins++;
            }
            cur[b] = c;
        }
        cell *t = prev;
        prev = cur;
        cur = t;
    }
    out->ref = (long)n;
    out->sub = prev[m].sub;
    out->del = prev[m].del;
    out->ins = prev[m].ins;
    out->corr = out->ref - out->sub - out->del;
}

static base_status align(const char *ref, const char *hyp, int chars, codec_align_counts *out,
                         base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "align: NULL output");
    memset(out, 0, sizeof *out);
    size_t n = tokenize(ref, chars, NULL), m = tokenize(hyp, chars, NULL);
    if ((double)n * (double)m > CODEC_ALIGN_MAX_CELLS)
        return base_err_set(err, BASE_ERANGE, NULL, 0,
                            "too long to align: %zu reference x %zu hypothesis %s (at most %.0f "
                            "pairs, e.g. 20000 x 20000)",
                            n, m, chars ? "characters" : "words", CODEC_ALIGN_MAX_CELLS);
    /* one block: n + m tokens, then two DP rows of m + 1 cells */
    size_t bytes = (n + m) * sizeof(tok) + 2 * (m + 1) * sizeof(cell);
    void *mem = malloc(bytes);
    if (!mem)
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "align: out of memory (%zu bytes)", bytes);
    cell *rows = mem;
    tok *r = (tok *)(rows + 2 * (m + 1));
    tok *h = r + n;
    tokenize(ref, chars, r);
    tokenize(hyp, chars, h);
    align_tokens(r, n, h, m, rows, rows + m + 1, out);
    free(mem);
    return BASE_OK;
}

base_status codec_align_words(const char *ref, const char *hyp, codec_align_counts *out,
                              base_err *err)
{
    return align(ref, hyp, 0, out, err);
}

base_status codec_align_chars(const char *ref, const char *hyp, codec_align_counts *out,
                              base_err *err)
{
    return align(ref, hyp, 1, out, err);
}

long codec_align_errors(const codec_align_counts *c)
{
    return c->sub + c->del + c->ins;
}

double codec_align_rate(const codec_align_counts *c)
{
    long e = codec_align_errors(c);
    if (c->ref == 0) return e == 0 ? 0.0 : INFINITY;
    return (double)e / (double)c->ref;
}

void codec_align_add(codec_align_counts *sum, const codec_align_counts *c)
{
    sum->ref += c->ref;
    sum->corr += c->corr;
    sum->sub += c->sub;
    sum->del += c->del;
    sum->ins += c->ins;
}
