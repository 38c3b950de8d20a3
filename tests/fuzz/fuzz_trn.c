/* fuzz_trn.c -- libFuzzer harness for trn files (sim/score's reader and the
 * sclite-convention alignment behind it).
 *
 * Input: the reference trn text, optionally followed by a line "%%" and the
 * hypothesis trn text; without the separator the same text is both. A pair
 * that scores is summed and written as JSON and as a summary (to
 * /dev/null). Errors are expected; crashes, hangs and sanitizer reports are
 * the findings. Seed corpus: tests/fuzz/corpus/trn/. */
#include "tests/fuzz/fuzzutil.h"

#include "sim/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null_out;
    char ref[512], hyp[512];
    const uint8_t *a, *b;
    size_t na, nb;
    fuzz_split(data, size, "\n%%\n", &a, &na, &b, &nb);
    fuzz_write(fuzz_path(ref, sizeof ref, "ref.trn"), a, na);
    if (b) /* else the reference is its own hypothesis */
        fuzz_write(fuzz_path(hyp, sizeof hyp, "hyp.trn"), b, nb);
    else
        fuzz_path(hyp, sizeof hyp, "ref.trn");

    base_err err = BASE_ERR_INIT;
    sim_score *s = NULL;
    if (sim_score_read_trn(ref, hyp, &s, &err) != BASE_OK) return 0;
    if (!null_out && !(null_out = fopen("/dev/null", "w"))) abort();
    sim_score_totals t;
    sim_score_totals_get(s, &t);
    sim_score_write_json(s, null_out, 1);
    sim_score_write_summary(s, null_out, 1);
    sim_score_destroy(s);
    return 0;
}
