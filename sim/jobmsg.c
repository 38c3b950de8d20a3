/* jobmsg.c -- a job's result as a flat message for the MPI transport
 * (see jobmsg.h). Layout, native byte order (all ranks run one binary):
 *
 *   magic u32 "SJM1" | job i64 | then sections until the end:
 *   tag u32 | length u64 | bytes
 *     'S' status: i32 code, base_err (whole)
 *     'M' metrics: sim_point_metrics (whole)
 *     'U' utterances: u64 count, then per utterance sim_utt_result with its
 *         pointers zeroed, u64 length + bytes of reference, of hypothesis
 *         (length UINT64_MAX: NULL)
 */
#include "sim/jobmsg.h"

#include <stdlib.h>
#include <string.h>

#define MAGIC 0x314d4a53u /* "SJM1" */
#define NO_STR UINT64_MAX

typedef struct wbuf {
    unsigned char *p;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *b, const void *src, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u32(wbuf *b, uint32_t v)
{
    put(b, &v, sizeof v);
}

static void put_u64(wbuf *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

static void put_str(wbuf *b, const char *s)
{
    if (!s) {
        put_u64(b, NO_STR);
        return;
    }
    size_t n = strlen(s);
    put_u64(b, n);
    put(b, s, n);
}

/* Section header with a length placeholder; returns where the length goes. */
static size_t section_begin(wbuf *b, uint32_t tag)
{
    put_u32(b, tag);
    size_t at = b->n;
    put_u64(b, 0);
    return at;
}

static void section_end(wbuf *b, size_t at)
{
    if (b->oom) return;
    uint64_t len = b->n - at - sizeof(uint64_t);
    memcpy(b->p + at, &len, sizeof len);
}

void sim_job_result_clear(sim_job_result *r)
{
    if (!r) return;
    for (size_t i = 0; r->utts && i < r->n_utts; i++) sim_utt_result_clear(&r->utts[i]);
    free(r->utts);
    r->utts = NULL;
    r->n_utts = 0;
    free(r->voices);
    r->voices = NULL;
    r->n_voices = 0;
}

base_status sim_jobmsg_pack(int64_t job, const sim_job_result *r, unsigned char **buf, size_t *len,
                            base_err *err)
{
    wbuf b = {0};
    put_u32(&b, MAGIC);
    put(&b, &job, sizeof job);
    size_t at = section_begin(&b, 'S');
    int32_t code = (int32_t)r->st;
    put(&b, &code, sizeof code);
    put(&b, &r->err, sizeof r->err);
    section_end(&b, at);
    at = section_begin(&b, 'M');
    put(&b, &r->m, sizeof r->m);
    section_end(&b, at);
    at = section_begin(&b, 'U');
    put_u64(&b, r->n_utts);
    for (size_t i = 0; i < r->n_utts; i++) {
        sim_utt_result u = r->utts[i];
        u.reference = u.hypothesis = NULL;
        put(&b, &u, sizeof u);
        put_str(&b, r->utts[i].reference);
        put_str(&b, r->utts[i].hypothesis);
    }
    section_end(&b, at);
    at = section_begin(&b, 'V'); /* the /voices rows: fixed-size records */
    put_u64(&b, r->n_voices);
    if (r->n_voices) put(&b, r->voices, r->n_voices * sizeof *r->voices);
    section_end(&b, at);
    /* a new section goes here, and its case in unpack */
    if (b.oom) {
        free(b.p);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    *buf = b.p;
    *len = b.n;
    return BASE_OK;
}

typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
} rbuf;

static int get(rbuf *b, void *dst, size_t n)
{
    if (n > b->n - b->at) return 0;
    memcpy(dst, b->p + b->at, n);
    b->at += n;
    return 1;
}

/* A string: 1 ok (*s malloc'd or NULL), 0 malformed or out of memory. */
static int get_str(rbuf *b, char **s)
{
    uint64_t n;
    *s = NULL;
    if (!get(b, &n, sizeof n)) return 0;
    if (n == NO_STR) return 1;
    if (n > b->n - b->at || !(*s = malloc((size_t)n + 1))) return 0;
    memcpy(*s, b->p + b->at, (size_t)n);
    (*s)[n] = 0;
    b->at += (size_t)n;
    return 1;
}

static int get_utts(rbuf *b, sim_job_result *r)
{
    uint64_t n;
    if (!get(b, &n, sizeof n) || n > (b->n - b->at) / sizeof(sim_utt_result)) return 0;
    if (!(r->utts = calloc((size_t)n + 1, sizeof *r->utts))) return 0;
    for (size_t i = 0; i < n; i++) {
        sim_utt_result *u = &r->utts[i];
        if (!get(b, u, sizeof *u)) return 0;
        u->reference = u->hypothesis = NULL;
        r->n_utts = i + 1;
        if (!get_str(b, &u->reference) || !get_str(b, &u->hypothesis)) return 0;
    }
    return 1;
}

static int get_voices(rbuf *b, sim_job_result *r)
{
    uint64_t n;
    if (!get(b, &n, sizeof n) || n > (b->n - b->at) / sizeof(sim_voice_metrics)) return 0;
    if (!(r->voices = calloc((size_t)n + 1, sizeof *r->voices))) return 0;
    if (!get(b, r->voices, (size_t)n * sizeof *r->voices)) return 0;
    r->n_voices = (size_t)n;
    for (size_t i = 0; i < r->n_voices; i++) r->voices[i].voice[sizeof r->voices[i].voice - 1] = 0;
    return 1;
}

base_status sim_jobmsg_unpack(const unsigned char *buf, size_t len, int64_t *job, sim_job_result *r,
                              base_err *err)
{
    memset(r, 0, sizeof *r);
    rbuf b = {buf, len, 0};
    uint32_t magic = 0;
    int ok = get(&b, &magic, sizeof magic) && magic == MAGIC && get(&b, job, sizeof *job);
    int seen = 0;
    while (ok && b.at < b.n) {
        uint32_t tag;
        uint64_t slen;
        ok = get(&b, &tag, sizeof tag) && get(&b, &slen, sizeof slen) && slen <= b.n - b.at;
        if (!ok) break;
        rbuf s = {b.p + b.at, (size_t)slen, 0};
        b.at += (size_t)slen;
        int32_t code = 0;
        switch (tag) {
        case 'S':
            ok = get(&s, &code, sizeof code) && get(&s, &r->err, sizeof r->err);
            r->st = (base_status)code;
            r->err.msg[sizeof r->err.msg - 1] = 0;
            r->err.file[sizeof r->err.file - 1] = 0;
            seen |= 1;
            break;
        case 'M':
            ok = get(&s, &r->m, sizeof r->m);
            r->m.status[sizeof r->m.status - 1] = 0;
            seen |= 2;
            break;
        case 'U':
            ok = get_utts(&s, r);
            seen |= 4;
            break;
        case 'V':
            ok = get_voices(&s, r);
            seen |= 8;
            break;
        default:
            ok = 0;
        }
        ok = ok && s.at == s.n;
    }
    if (ok && seen == 15) return BASE_OK;
    sim_job_result_clear(r);
    return base_err_set(err, BASE_EFORMAT, NULL, 0, "malformed job result message (%zu bytes)",
                        len);
}
