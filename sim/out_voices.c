/* out_voices.c -- the /voices table of the results file. See out_voices.h. */
#include "sim/out_voices.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/h5table.h"

#define VOICE_LEN 64 /* = sim_voice_metrics.voice */

typedef struct voice_row {
    int64_t point, repeat;
    char voice[VOICE_LEN];
    double utterances, ref_words, sub, del, ins, wer, wer_ci_low, wer_ci_high, ref_chars, cer;
} voice_row;

#define D(f)                                                                                       \
    {                                                                                              \
#f, BASE_H5_F64, offsetof(voice_row, f), 0                                                 \
    }
static const base_h5_col cols[] = {
    {"point", BASE_H5_I64, offsetof(voice_row, point), 0},
    {"repeat", BASE_H5_I64, offsetof(voice_row, repeat), 0},
    {"voice", BASE_H5_STR, offsetof(voice_row, voice), VOICE_LEN},
    D(utterances),
    D(ref_words),
    D(sub),
    D(del),
    D(ins),
    D(wer),
    D(wer_ci_low),
    D(wer_ci_high),
    D(ref_chars),
    D(cer),
};
#undef D
static const base_h5_table table = {cols, sizeof cols / sizeof *cols, sizeof(voice_row)};

base_status sim_out_voices_create(base_h5 *h, base_err *err)
{
    if (base_h5_exists(h, "voices")) return BASE_OK;
    return base_h5_table_create(h, "voices", &table, 64, NULL, 0, err);
}

base_status sim_out_voices_append(base_h5 *h, int64_t point, int64_t repeat,
                                  const sim_voice_metrics *v, size_t n, base_err *err)
{
    if (!n) return BASE_OK;
    voice_row *rows = calloc(n, sizeof *rows);
    if (!rows) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        voice_row *r = &rows[i];
        r->point = point;
        r->repeat = repeat;
        snprintf(r->voice, sizeof r->voice, "%s", v[i].voice);
        r->utterances = v[i].utterances;
        r->ref_words = v[i].ref_words;
        r->sub = v[i].sub;
        r->del = v[i].del;
        r->ins = v[i].ins;
        r->wer = v[i].wer;
        r->wer_ci_low = v[i].wer_ci_low;
        r->wer_ci_high = v[i].wer_ci_high;
        r->ref_chars = v[i].ref_chars;
        r->cer = v[i].cer;
    }
    base_status st = base_h5_table_append(h, "voices", &table, rows, n, err);
    free(rows);
    return st;
}

/* All rows of /voices (malloc'd, *n of them). */
static base_status read_all(base_h5 *h, voice_row **rows, size_t *n, base_err *err)
{
    *rows = NULL;
    *n = 0;
    base_status st = base_h5_table_len(h, "voices", n, err);
    if (st) return st;
    if (!(*rows = calloc(*n + 1, sizeof **rows)))
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    return base_h5_table_read(h, "voices", &table, *rows, *n, err);
}

/* Replace /voices by the n rows given. */
static base_status rewrite(base_h5 *h, const voice_row *rows, size_t n, base_err *err)
{
    base_status st = base_h5_delete(h, "voices", err);
    return st ? st : base_h5_table_create(h, "voices", &table, 64, rows, n, err);
}

base_status sim_out_voices_keep(base_h5 *h, const int64_t *point, const int64_t *repeat, size_t n,
                                base_err *err)
{
    voice_row *rows;
    size_t nr, kept = 0;
    base_status st = read_all(h, &rows, &nr, err);
    for (size_t i = 0; !st && i < nr; i++) {
        int found = 0;
        for (size_t k = 0; k < n && !found; k++)
            found = point[k] == rows[i].point && repeat[k] == rows[i].repeat;
        if (found) rows[kept++] = rows[i];
    }
    if (!st && kept < nr) st = rewrite(h, rows, kept, err);
    free(rows);
    return st;
}

static int row_cmp(const void *a, const void *b)
{
    const voice_row *x = a, *y = b;
    if (x->point != y->point) return (x->point > y->point) - (x->point < y->point);
    if (x->repeat != y->repeat) return (x->repeat > y->repeat) - (x->repeat < y->repeat);
    return strcmp(x->voice, y->voice);
}

base_status sim_out_voices_sort(base_h5 *h, base_err *err)
{
    voice_row *rows;
    size_t n;
    base_status st = read_all(h, &rows, &n, err);
    if (!st) {
        qsort(rows, n, sizeof *rows, row_cmp);
        st = rewrite(h, rows, n, err);
    }
    free(rows);
    return st;
}

base_status sim_out_voices_copy(base_h5 *src, base_h5 *dst, base_err *err)
{
    if (!base_h5_exists(src, "voices")) return BASE_OK;
    voice_row *rows = NULL;
    size_t n = 0;
    base_status st = read_all(src, &rows, &n, err);
    if (!st && n) st = base_h5_table_append(dst, "voices", &table, rows, n, err);
    free(rows);
    return st;
}
