/* bench_decode.c -- speed of the CTC decoders (codecs/decode) in times real
 * time on one core, on synthetic posteriors of the dev sentences (Harvard
 * lists 51-60, data/harvard.txt lines 501-600).
 *
 * The posteriors imitate a CTC model's: each character gets one peaked frame
 * (true class probability drawn in [0.35, 0.995], one random rival class
 * taking part of the rest, so greedy is sometimes wrong), followed by blank
 * frames; at "50 fps" a character spans 3.5 frames on average (about 14
 * characters per second of speech), at "25 fps" 1.75. Speech duration is
 * frames / fps. Also printed: greedy and beam WER on these posteriors (a sanity
 * figure only; real figures come from `semsim eval`).
 *
 * Times are this thread's CPU time (one core, independent of other load on
 * the machine); beam_xrt_wall is the same from the wall clock.
 * Output: one `key=value` line per figure. */
#include "codecs/decode.h"
#include "codecs/text.h"
#include "codecs/vocab.h"
#include "base/rng.h"
#include "codecs/align.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define V CODEC_VOCAB_SIZE
#define MAXF 4096

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* CPU time of this thread: "one core" figures that do not depend on how busy
 * the machine is (the wall-clock figure is printed too). */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void frame(float *row, int k, double p, int rival, double r)
{
    double rest = (1 - p - r) / (V - 2);
    for (int j = 0; j < V; j++) row[j] = (float)log(rest);
    row[k] = (float)log(p);
    row[rival] = (float)log(r + rest);
}

/* Posteriors of text at ~fps frames per second; returns T. */
static int synth(const char *text, int fps, base_rng *r, float *lp)
{
    int t = 0, prev = -1;
    for (const char *c = text; *c && t < MAXF - 8; c++) {
        int k = codec_vocab_index((unsigned char)*c);
        if (k < 0) continue;
        /* blanks before this character: 50 fps -> 2 or 3; 25 fps -> 0 or 1 (1 if repeat) */
        int nb = fps >= 50 ? 2 + (int)base_rng_below(r, 2) : (int)base_rng_below(r, 2);
        if (k == prev && nb == 0) nb = 1;
        for (int i = 0; i < nb; i++, t++)
            frame(lp + (size_t)t * V, 0, 0.7 + 0.299 * base_rng_uniform(r),
                  1 + (int)base_rng_below(r, V - 1), 0.0);
        double p = 0.35 + 0.645 * base_rng_uniform(r);
        int rival = 1 + (int)base_rng_below(r, V - 1);
        if (rival == k) rival = rival == 1 ? 2 : rival - 1;
        frame(lp + (size_t)t * V, k, p, rival, (1 - p) * 0.9 * base_rng_uniform(r));
        t++;
        prev = k;
    }
    return t;
}

int main(void)
{
    char path[1024];
    const char *srcdir = getenv("SEMSIM_SRCDIR");
    snprintf(path, sizeof path, "%s/data/harvard.txt", srcdir ? srcdir : SEMSIM_SRCDIR);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_decode: cannot open %s\n", path);
        return 1;
    }
    static char lines[100][256];
    char buf[512];
    int n = 0;
    for (int ln = 1; fgets(buf, sizeof buf, f) && n < 100; ln++) {
        if (ln < 501) continue;
        char *norm = NULL;
        buf[strcspn(buf, "\r\n")] = 0;
        if (codec_text_normalise(buf, &norm, NULL)) continue;
        snprintf(lines[n++], sizeof lines[0], "%s", norm);
        free(norm);
    }
    fclose(f);

    base_err e = BASE_ERR_INIT;
    double t0 = now();
    codec_lexicon *lex = NULL;
    if (codec_lexicon_create(&lex, NULL, NULL, &e)) {
        fprintf(stderr, "bench_decode: %s: %s\n", e.file, e.msg);
        return 1;
    }
    double t1 = now();
    codec_beam *bm = NULL;
    if (codec_beam_create(&bm, lex, NULL, &e)) {
        fprintf(stderr, "bench_decode: %s\n", e.msg);
        return 1;
    }
    double t2 = now();
    printf("sentences=%d\n", n);
    printf("lexicon_words=%zu\n", codec_lexicon_size(lex));
    printf("lexicon_load_s=%.3f\n", t1 - t0);
    printf("beam_create_s=%.3f\n", t2 - t1);
    codec_beam_config cfg = codec_beam_config_default();
    printf("beam=%d lm_weight=%.2f word_bonus=%.2f prune=%.1f\n", cfg.beam, cfg.lm_weight,
           cfg.word_bonus, cfg.prune);

    static float lp[MAXF * V];
    static const int rates[] = {50, 25};
    /* the default width first, then the neighbours */
    int widths[3] = {cfg.beam, cfg.beam / 2 > 0 ? cfg.beam / 2 : 1, cfg.beam * 2};
    for (int wi = 0; wi < 3; wi++) {
        codec_beam_config bc = cfg;
        bc.beam = widths[wi];
        if (codec_beam_set_config(bm, &bc, &e)) {
            fprintf(stderr, "bench_decode: %s\n", e.msg);
            return 1;
        }
        for (int ri = 0; ri < 2; ri++) {
            int fps = rates[ri], bw = widths[wi];
            base_rng r;
            base_rng_init(&r, 1, (uint64_t)fps, base_rng_component("bench.decode"));
            codec_align_counts gsum = {0}, bsum = {0};
            double tg = 0, tb = 0, tbw = 0;
            long frames = 0;
            char out[1024];
            for (int i = 0; i < n; i++) {
                int t = synth(lines[i], fps, &r, lp);
                frames += t;
                double a = cpu();
                codec_decode_greedy(lp, t, V, out, sizeof out);
                tg += cpu() - a;
                codec_align_counts c;
                codec_align_words(lines[i], out, &c, NULL);
                codec_align_add(&gsum, &c);
                a = cpu();
                double aw = now();
                if (codec_beam_decode(bm, lp, t, V, out, sizeof out, NULL, NULL, &e)) {
                    fprintf(stderr, "bench_decode: %s\n", e.msg);
                    return 1;
                }
                tb += cpu() - a;
                tbw += now() - aw;
                codec_align_words(lines[i], out, &c, NULL);
                codec_align_add(&bsum, &c);
            }
            double speech = (double)frames / fps;
            if (wi == 0) {
                printf("fps=%d frames=%ld speech_s=%.1f\n", fps, frames, speech);
                printf("fps=%d greedy_xrt=%.0f synthetic_greedy_wer=%.4f\n", fps, speech / tg,
                       codec_align_rate(&gsum));
            }
            printf("beam=%d fps=%d beam_cpu_s=%.3f beam_xrt=%.1f beam_ms_per_speech_s=%.3f\n", bw,
                   fps, tb, speech / tb, 1e3 * tb / speech);
            printf("beam=%d fps=%d beam_wall_s=%.3f beam_xrt_wall=%.1f\n", bw, fps, tbw,
                   speech / tbw);
            printf("beam=%d fps=%d synthetic_beam_wer=%.4f\n", bw, fps, codec_align_rate(&bsum));
        }
    }
    codec_beam_destroy(bm);
    codec_lexicon_destroy(lex);
    return 0;
}
