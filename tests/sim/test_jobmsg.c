/* test_jobmsg.c -- a job's result survives the MPI message format bit for
 * bit (metrics, utterances with and without texts, an error), and a
 * truncated, extended or foreign message is refused, never half-read. */
#include "sim/jobmsg.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

/* A result with every kind of field set. */
static void sample(sim_job_result *r)
{
    memset(r, 0, sizeof *r);
    sim_point_metrics_nan(&r->m);
    r->m.utterances = 3;
    r->m.wer = 0.25;
    r->m.ber = -0.0;
    r->m.cosine = 1.0 / 3.0;
    strcpy(r->m.status, "min_word_errors");
    r->n_utts = 3;
    r->utts = calloc(3, sizeof *r->utts);
    for (size_t i = 0; i < 3; i++) {
        sim_utt_result *u = &r->utts[i];
        snprintf(u->id, sizeof u->id, "utt_%zu", i);
        u->index = i;
        u->user = 7;
        u->has_words = 1;
        u->ref_words = 10 + (long)i;
        u->sub = (long)i;
        u->bits = 1ull << 40;
        u->latency_s = NAN;
        u->cosine = 0.1 * (double)i;
    }
    r->utts[0].reference = dup("the birch canoe");
    r->utts[0].hypothesis = dup("");      /* empty, not NULL */
    r->utts[1].reference = dup("a b\nc"); /* any bytes */
    r->n_voices = 2;
    r->voices = calloc(2, sizeof *r->voices);
    strcpy(r->voices[0].voice, "espeak-en-us");
    strcpy(r->voices[1].voice, "flite-slt");
    r->voices[0].wer = 0.5;
    r->voices[1].utterances = 2;
    r->voices[1].wer_ci_high = NAN;
}

static void test_round_trip(void)
{
    sim_job_result a, b;
    sample(&a);
    unsigned char *buf = NULL;
    size_t len = 0;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(sim_jobmsg_pack(42, &a, &buf, &len, &e), BASE_OK);
    int64_t job = -5;
    CU_ASSERT_EQUAL_FATAL(sim_jobmsg_unpack(buf, len, &job, &b, &e), BASE_OK);
    CU_ASSERT_EQUAL(job, 42);
    CU_ASSERT_EQUAL(b.st, BASE_OK);
    CU_ASSERT(memcmp(&a.m, &b.m, sizeof a.m) == 0);
    CU_ASSERT_EQUAL_FATAL(b.n_utts, 3);
    for (size_t i = 0; i < 3; i++) {
        sim_utt_result x = a.utts[i], y = b.utts[i];
        CU_ASSERT((x.reference == NULL) == (y.reference == NULL));
        CU_ASSERT((x.hypothesis == NULL) == (y.hypothesis == NULL));
        if (x.reference && y.reference) CU_ASSERT_STRING_EQUAL(x.reference, y.reference);
        if (x.hypothesis && y.hypothesis) CU_ASSERT_STRING_EQUAL(x.hypothesis, y.hypothesis);
        x.reference = x.hypothesis = y.reference = y.hypothesis = NULL;
        CU_ASSERT(memcmp(&x, &y, sizeof x) == 0);
    }
    CU_ASSERT_EQUAL_FATAL(b.n_voices, 2); /* the /voices rows travel too */
    CU_ASSERT(memcmp(a.voices, b.voices, 2 * sizeof *a.voices) == 0);
    sim_job_result_clear(&b);
    /* every shorter prefix is refused and leaves nothing to free */
    for (size_t n = 0; n < len; n++) {
        sim_job_result c;
        CU_ASSERT_EQUAL(sim_jobmsg_unpack(buf, n, &job, &c, &e), BASE_EFORMAT);
        CU_ASSERT_PTR_NULL(c.utts);
    }
    /* trailing bytes, a flipped magic, an unknown section tag */
    unsigned char *big = malloc(len + 12);
    memcpy(big, buf, len);
    memset(big + len, 0, 12);
    CU_ASSERT_EQUAL(sim_jobmsg_unpack(big, len + 12, &job, &b, &e), BASE_EFORMAT);
    big[0] ^= 1;
    CU_ASSERT_EQUAL(sim_jobmsg_unpack(big, len, &job, &b, &e), BASE_EFORMAT);
    big[0] ^= 1;
    big[12] = 'Z'; /* the first section's tag (after magic and job) */
    CU_ASSERT_EQUAL(sim_jobmsg_unpack(big, len, &job, &b, &e), BASE_EFORMAT);
    free(big);
    free(buf);
    sim_job_result_clear(&a);
}

static void test_error_and_empty(void)
{
    sim_job_result a, b;
    memset(&a, 0, sizeof a);
    base_err e = BASE_ERR_INIT;
    a.st = base_err_set(&a.err, BASE_EIO, "models/B.h5", 3, "cannot read");
    unsigned char *buf = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(sim_jobmsg_pack(-1, &a, &buf, &len, &e), BASE_OK);
    int64_t job = 0;
    CU_ASSERT_EQUAL_FATAL(sim_jobmsg_unpack(buf, len, &job, &b, &e), BASE_OK);
    CU_ASSERT_EQUAL(job, -1);
    CU_ASSERT_EQUAL(b.st, BASE_EIO);
    CU_ASSERT_STRING_EQUAL(b.err.msg, "cannot read");
    CU_ASSERT_STRING_EQUAL(b.err.file, "models/B.h5");
    CU_ASSERT_EQUAL(b.err.line, 3);
    CU_ASSERT_EQUAL(b.n_utts, 0);
    sim_job_result_clear(&b);
    sim_job_result_clear(NULL);
    free(buf);
}

int main(void)
{
    static const test_case cases[] = {
        {"round trip bit for bit; damaged messages refused", test_round_trip},
        {"an error and no utterances", test_error_and_empty},
        {NULL, NULL},
    };
    return test_main("jobmsg", cases);
}
