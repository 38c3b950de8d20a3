/* bench_nn.c -- speed of the agent network on one core: encoder + decoder
 * inference in x real time and in GFLOP/s against this core's sgemm peak
 * (dense FLOPs: 2 x the encoder's and decoder's parameters x latent frames,
 * the pipeline's compute model), and one training step (forward, CTC,
 * backward) per second of audio, all in thread CPU time. Prints key=value
 * lines and the OpenBLAS kernel.
 * Usage: bench_nn [MODEL.h5 ...]   (default: the shipped models/A.h5 .. D.h5
 * of the source tree; speed depends on the shape only, not the weights) */
#include "codecs/agent.h"
#include "codecs/ctc.h"
#include "codecs/modelfile.h"
#include "codecs/vocab.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef SEMSIM_MODELS_DIR
#define SEMSIM_MODELS_DIR "models"
#endif

/* CPU time of this thread: on a shared machine wall time measures the other
 * tenants; the loops below are single-threaded (OpenBLAS set to 1 thread). */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* One-core sgemm peak, GFLOP/s: the best of 1024^3 products over 2 s of CPU. */
static double sgemm_peak(void)
{
    enum { N = 1024 };
    float *a = malloc(sizeof(float) * N * N), *b = malloc(sizeof(float) * N * N),
          *c = malloc(sizeof(float) * N * N);
    for (size_t i = 0; i < (size_t)N * N; i++) a[i] = b[i] = (float)(i % 7) * 0.1f;
    double best = 0, start = now();
    for (int r = 0; r < 5 || now() - start < 2.0; r++) { /* best over 2 s: a shared machine */
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f, c,
                    N);
        double g = 2.0 * N * N * N / (now() - t0) / 1e9;
        if (g > best) best = g;
    }
    free(a), free(b), free(c);
    return best;
}

static double g_peak;

static int bench(const char *path)
{
    base_err e = BASE_ERR_INIT;
    codec_agent *a = NULL;
    codec_agent_ws *ws = NULL;
    enum { T = 300 }; /* 3 s of 10 ms frames */
    if (codec_agent_load(path, &a, NULL, &e) || codec_agent_freeze(a, &e) ||
        codec_agent_ws_create(&ws, a, T, &e)) {
        fprintf(stderr, "bench_nn: %s: %s\n", path, e.msg);
        codec_agent_destroy(a);
        return 1;
    }
    const codec_agent_config c = *codec_agent_get_config(a);
    size_t n = codec_agent_num_floats(a);
    float *mel = malloc(sizeof(float) * T * c.n_mels);
    base_rng r;
    base_rng_init(&r, 1, 0, 0);
    base_rng_normal_fill(&r, mel, (size_t)T * c.n_mels, 1.0f);
    int tz = codec_agent_latent_len(a, T), tc = codec_agent_ctc_len(a, tz);
    float *z = malloc(sizeof(float) * tz * c.d), *lp = malloc(sizeof(float) * tc * c.vocab);
    float *grads = calloc(n, sizeof(float)), *dl = calloc((size_t)tc * c.vocab, sizeof(float));
    double *work = malloc(sizeof(double) * codec_ctc_workspace_size(tc, 40));
    int lab[40];
    for (int i = 0; i < 40; i++) lab[i] = 3 + (i * 7) % 26;
    /* inference */
    int reps = 0;
    double t0 = now(), t1;
    do {
        codec_agent_encode(a, ws, mel, T, z, NULL);
        codec_agent_decode(a, ws, z, tz, lp, NULL);
        reps++;
        t1 = now();
    } while (t1 - t0 < 2.0);
    double infer_s = (t1 - t0) / reps;
    double enc_s;
    reps = 0, t0 = now();
    do {
        codec_agent_encode(a, ws, mel, T, z, NULL);
        reps++;
        t1 = now();
    } while (t1 - t0 < 1.0);
    enc_s = (t1 - t0) / reps;
    /* training step */
    base_rng dr;
    base_rng_init(&dr, 2, 0, 0);
    reps = 0, t0 = now();
    do {
        const float *logits;
        int tz2;
        double loss;
        codec_agent_forward_train(a, ws, mel, T, &dr, &logits, &tz2, NULL);
        tz2 = codec_agent_ctc_len(a, tz2);
        memset(dl, 0, sizeof(float) * tz2 * c.vocab);
        codec_ctc_loss(&loss, dl, 1, logits, tz2, c.vocab, lab, 40, work, NULL);
        codec_agent_backward(a, ws, dl, grads);
        reps++;
        t1 = now();
    } while (t1 - t0 < 2.0);
    double train_s = (t1 - t0) / reps;
    printf("model=%s family=%s params=%zu d=%d stride=%d width=%d upsample=%d\n", path,
           codec_family_name(c.family), n, c.d, c.stride, c.width, c.upsample);
    printf("audio_s=%.2f\n", T * 0.01);
    printf("infer_ms=%.3f infer_xrt=%.1f\n", 1e3 * infer_s, T * 0.01 / infer_s);
    printf("encode_ms=%.3f encode_xrt=%.1f\n", 1e3 * enc_s, T * 0.01 / enc_s);
    double pe = 0, pd = 0;
    for (size_t i = 0; i < codec_agent_param_count(a); i++) {
        const char *nm = codec_agent_param_name(a, i);
        double k = (double)codec_agent_param_size(a, i);
        if (!strncmp(nm, "enc.", 4)) pe += k;
        if (!strncmp(nm, "dec.", 4)) pd += k;
    }
    double gflops = 2.0 * (pe + pd) * tz / infer_s / 1e9;
    printf("infer_gflops=%.1f sgemm_peak_gflops=%.1f infer_of_peak=%.0f%%\n", gflops, g_peak,
           100 * gflops / g_peak);
    printf("train_step_ms=%.3f train_xrt=%.1f\n", 1e3 * train_s, T * 0.01 / train_s);
    free(mel), free(z), free(lp), free(grads), free(dl), free(work);
    codec_agent_ws_destroy(ws);
    codec_agent_destroy(a);
    return 0;
}

int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    printf("blas_core=%s\n", openblas_get_corename());
    g_peak = sgemm_peak();
    printf("sgemm_peak_gflops=%.1f (1 thread, 1024^3)\n", g_peak);
    static const char *shipped[] = {SEMSIM_MODELS_DIR "/A.h5", SEMSIM_MODELS_DIR "/B.h5",
                                    SEMSIM_MODELS_DIR "/C.h5", SEMSIM_MODELS_DIR "/D.h5"};
    int fails = 0;
    if (argc > 1)
        for (int i = 1; i < argc; i++) fails += bench(argv[i]);
    else
        for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) fails += bench(shipped[i]);
    return fails ? 1 : 0;
}
