/* bench_melspec.c -- throughput of the log-mel front-end (codecs/melspec) on
 * one thread, in multiples of real time (seconds of 16 kHz audio processed
 * per second). Built by `make bench` only. Prints one machine-readable line
 * per configuration:
 *   bench=melspec variant=NAME audio_s=A reps=R frames=F wall_s=W cpu_s=C
 *   xrt_wall=A*R/W xrt_cpu=A*R/C us_per_frame=...
 * xrt_cpu uses this thread's CPU time, so it is not skewed by other load on
 * the machine; xrt_wall is what a user would see. */
#include "codecs/melspec.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run(const char *variant, int normalize, const float *x, size_t n, double min_s)
{
    codec_melspec_config c;
    codec_melspec_config_default(&c);
    c.normalize = normalize;
    base_err err = BASE_ERR_INIT;
    codec_melspec *q = codec_melspec_create(&c, &err);
    codec_melspec_work *w = q ? codec_melspec_work_create(q, &err) : NULL;
    size_t T = q ? codec_melspec_frames(q, n) : 0;
    float *y = malloc((T ? T : 1) * (size_t)c.n_mels * sizeof *y);
    if (!q || !w || !y) {
        fprintf(stderr, "bench_melspec: %s\n", err.msg[0] ? err.msg : "out of memory");
        return 1;
    }
    codec_melspec_execute(q, w, x, n, y, NULL, NULL); /* warm up */
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_THREAD_CPUTIME_ID), w1;
    long reps = 0;
    double sink = 0;
    do {
        if (codec_melspec_execute(q, w, x, n, y, NULL, &err)) {
            fprintf(stderr, "bench_melspec: %s\n", err.msg);
            return 1;
        }
        sink += y[reps % (T * (size_t)c.n_mels)];
        reps++;
        w1 = now(CLOCK_MONOTONIC);
    } while (w1 - w0 < min_s);
    double c1 = now(CLOCK_THREAD_CPUTIME_ID);
    double audio = (double)n / c.sample_rate, wall = w1 - w0, cpu = c1 - c0;
    printf("bench=melspec variant=%s n_fft=%d n_mels=%d audio_s=%.1f reps=%ld frames=%zu "
           "wall_s=%.3f cpu_s=%.3f xrt_wall=%.0f xrt_cpu=%.0f us_per_frame=%.3f check=%.3g\n",
           variant, c.n_fft, c.n_mels, audio, reps, T, wall, cpu, audio * reps / wall,
           audio * reps / cpu, 1e6 * cpu / ((double)reps * (double)T), sink / (double)reps);
    codec_melspec_work_destroy(w);
    codec_melspec_destroy(q);
    free(y);
    return 0;
}

int main(int argc, char **argv)
{
    double min_s = argc > 1 ? atof(argv[1]) : 2.0; /* seconds per variant */
    enum { N = 60 * 16000 };
    float *x = malloc(N * sizeof *x);
    if (!x) return 1;
    uint64_t s = 12345;
    for (size_t i = 0; i < N; i++) { /* chirp train plus noise: speech-like levels */
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        double t = fmod((double)i / 16000.0, 1.0);
        double u = (double)(s >> 40) / 16777216.0 - 0.5;
        x[i] = (float)(0.3 * sin(2 * M_PI * (100.0 * t + 3450.0 * t * t)) + 0.01 * u);
    }
    int rc = run("default", 0, x, N, min_s) || run("normalize", 1, x, N, min_s);
    free(x);
    return rc;
}
