/* test_pipe_semantic.c -- source.kind = semantic end to end with tiny random
 * agents (sim/pipe_semantic via sim_run): manifest audio -> tx encoder ->
 * analog or digital link -> rx decoder -> greedy CTC -> scoring. The agents
 * are untrained, so the figures are checked for consistency (counts, NaN
 * where they do not apply, determinism across -j), not for quality. */
#include "codecs/agent.h"
#include "codecs/audio.h"
#include "codecs/frontend.h"
#include "codecs/modelfile.h"
#include "sim/run.h"
#include "tests/testutil.h"

#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];

static void save_agent(const char *name, int d, uint64_t seed)
{
    codec_agent_config c = codec_agent_config_default();
    c.d = d;
    c.width = 16;
    c.stride = 2;
    c.kernel0 = 3;
    c.kernel = 3;
    c.enc_depth = 1;
    c.dec_depth = 1;
    c.dilation_max = 1;
    c.dropout = 0;
    codec_agent *a = NULL;
    sim_err e = SIM_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&a, &c, seed, &e), SIM_OK);
    codec_model *m = codec_model_create(&e);
    codec_melspec_config fe;
    codec_frontend_default(&fe);
    CU_ASSERT_EQUAL_FATAL(codec_frontend_to_model(&fe, m, &e), SIM_OK);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    sim_status st = codec_agent_save(a, m, path, &e);
    if (st) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(st, SIM_OK);
    codec_model_destroy(m);
    codec_agent_destroy(a);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    save_agent("a.h5", 8, 1);
    save_agent("b.h5", 8, 2);
    save_agent("c.h5", 12, 3);
    static const char *const text[] = {"the cat sat", "a dog ran home", "stop"};
    char path[600];
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    FILE *man = fopen(path, "w");
    CU_ASSERT_FATAL(man != NULL);
    for (int i = 0; i < 3; i++) {
        size_t n = 16000 * (size_t)(i + 1) / 2;
        float *x = malloc(n * sizeof *x);
        for (size_t k = 0; k < n; k++)
            x[k] =
                0.3f * sinf(0.05f * (float)k * (float)(i + 1)) + 0.01f * (float)((k * 7919) % 13);
        char wav[64];
        snprintf(wav, sizeof wav, "u%d.wav", i);
        snprintf(path, sizeof path, "%s/%s", dir, wav);
        CU_ASSERT_EQUAL_FATAL(codec_audio_write_wav(path, x, n, 16000, NULL), SIM_OK);
        free(x);
        fprintf(man, "spk_%d\t%s\t%s\n", i, wav, text[i]);
    }
    fclose(man);
}

static sim_scenario *scenario(const char *extra)
{
    char path[600];
    snprintf(path, sizeof path, "%s/sem.ini", dir);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "[scenario]\nutterances = 10\n[source]\nkind = semantic\nmanifest = manifest.tsv\n"
            "[tx]\nmodel = a.h5\n[rx]\nmodel = b.h5\ndecoder = greedy\n"
            "[link]\nmode = analog\nframes_per_packet = 8\n[channel]\nmodel = awgn\n"
            "[sweep]\nchannel.snr_db = 0,30\n%s",
            extra);
    fclose(f);
    sim_err e = SIM_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(path, &e);
    if (!sc) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    return sc;
}

typedef struct row_t {
    double utt, words, wer, cer, ber, cosine, sym, lat;
} row_t;

static size_t read_summary(const char *path, row_t *rows, size_t cap, unsigned char **raw,
                           size_t *rawsize)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t ds = H5Dopen2(f, "summary", H5P_DEFAULT), sp = H5Dget_space(ds), ft = H5Dget_type(ds);
    size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
    CU_ASSERT_FATAL(n <= cap);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(row_t));
    H5Tinsert(t, "utterances", HOFFSET(row_t, utt), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "ref_words", HOFFSET(row_t, words), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "wer", HOFFSET(row_t, wer), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "cer", HOFFSET(row_t, cer), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "ber", HOFFSET(row_t, ber), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "cosine", HOFFSET(row_t, cosine), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "sym_per_s", HOFFSET(row_t, sym), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "latency_mean_s", HOFFSET(row_t, lat), H5T_NATIVE_DOUBLE);
    CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    *rawsize = H5Tget_size(ft) * n;
    *raw = malloc(*rawsize + 1);
    CU_ASSERT(H5Dread(ds, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, *raw) >= 0);
    H5Tclose(t);
    H5Tclose(ft);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(f);
    return n;
}

static void run_ok(sim_scenario *sc, const char *out, int jobs)
{
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.jobs = jobs;
    o.force = 1;
    sim_err e = SIM_ERR_INIT;
    sim_status st = sim_run(sc, &o, &e);
    if (st) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_EQUAL_FATAL(st, SIM_OK);
}

static void test_analog(void)
{
    setup();
    sim_scenario *sc = scenario("");
    CU_ASSERT_FATAL(sc != NULL);
    char a[600], b[600];
    snprintf(a, sizeof a, "%s/an1.h5", dir);
    snprintf(b, sizeof b, "%s/an2.h5", dir);
    run_ok(sc, a, 1);
    run_ok(sc, b, 2);
    row_t r[4];
    unsigned char *ra, *rb;
    size_t sa, sb;
    CU_ASSERT_EQUAL_FATAL(read_summary(a, r, 4, &ra, &sa), 2);
    row_t r2[4];
    CU_ASSERT_EQUAL_FATAL(read_summary(b, r2, 4, &rb, &sb), 2);
    CU_ASSERT(sa == sb && !memcmp(ra, rb, sa)); /* -j 1 == -j 2 */
    free(ra);
    free(rb);
    for (int i = 0; i < 2; i++) {
        TEST_ASSERT_NEAR(r[i].utt, 3, 0); /* the manifest caps utterances */
        TEST_ASSERT_NEAR(r[i].words, 3 + 4 + 1, 0);
        CU_ASSERT(isfinite(r[i].wer) && r[i].wer >= 0);
        CU_ASSERT(isfinite(r[i].cer));
        CU_ASSERT(isnan(r[i].ber)); /* analog link */
        CU_ASSERT(r[i].sym > 0 && r[i].lat > 0);
    }
    /* no equalizer: no alignment figures */
    CU_ASSERT(isnan(r[0].cosine) && isnan(r[1].cosine));
    sim_scenario_destroy(sc);
}

/* Oracle: the decoder gets the receiver's own latents through the channel, so
 * the cosine to the ideal input approaches 1 with SNR. Anchor equalizers give
 * finite alignment figures; relative-inverse sends K reals per frame. */
static void test_equalizers(void)
{
    static const char *const types[] = {"oracle", "ridge", "procrustes", "relative-inverse",
                                        "relative"};
    static const char *const selection[] = {"random", "random", "kmeans", "fps", "fps"};
    double sym[5];
    for (int t = 0; t < 5; t++) {
        char extra[1024];
        snprintf(extra, sizeof extra,
                 "[equalizer]\ntype = %s\nhead_steps = 3\ncache = %s/cache\n"
                 "[anchors]\ncount = 24\nselection = %s\n",
                 types[t], dir, selection[t]);
        sim_scenario *sc = scenario(extra);
        CU_ASSERT_FATAL(sc != NULL);
        char out[600];
        snprintf(out, sizeof out, "%s/eq%d.h5", dir, t);
        run_ok(sc, out, 2);
        row_t r[4];
        unsigned char *raw;
        size_t rs;
        CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 4, &raw, &rs), 2);
        free(raw);
        CU_ASSERT(isfinite(r[0].cosine) && isfinite(r[1].cosine));
        CU_ASSERT(r[1].cosine > r[0].cosine); /* 30 dB vs 0 dB */
        if (t == 0) CU_ASSERT(r[1].cosine > 0.99);
        CU_ASSERT(isfinite(r[0].wer));
        sym[t] = r[0].sym;
        hid_t f = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
        hid_t ds = H5Dopen2(f, "grid/cka", H5P_DEFAULT);
        double cka[2] = {NAN, NAN};
        H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, cka);
        if (t > 0) CU_ASSERT(isfinite(cka[0]) && cka[0] >= 0 && cka[0] <= 1 + 1e-9);
        H5Dclose(ds);
        H5Fclose(f);
        sim_scenario_destroy(sc);
    }
    /* d = 8 latents vs K = 24 reals per frame: three times the symbols */
    TEST_ASSERT_NEAR(sym[3] / sym[1], (24.0 * 25 + 1) / (8.0 * 25 + 1), 0.05 * sym[3] / sym[1]);
    TEST_ASSERT_NEAR(sym[4], sym[3], 0); /* relative sends the same K per frame */
    /* the relative head was trained once (both points share the anchors) and cached */
    char cache[600];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    DIR *dp = opendir(cache);
    int heads = 0;
    for (struct dirent *de; dp && (de = readdir(dp));) heads += !strncmp(de->d_name, "relhead-", 8);
    if (dp) closedir(dp);
    CU_ASSERT_EQUAL(heads, 1);
}

static void test_digital_and_oracle(void)
{
    sim_scenario *sc = scenario("");
    CU_ASSERT_FATAL(sc != NULL);
    sim_err e = SIM_ERR_INIT;
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "link.mode", "digital", "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "equalizer.type", "oracle", "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "tx.model", "c.h5", "--set", 0, &e), SIM_OK);
    /* --set paths are relative to the current folder: give it the full path */
    char c[600];
    snprintf(c, sizeof c, "%s/c.h5", dir);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "tx.model", c, "--set", 0, &e), SIM_OK);
    char out[600];
    snprintf(out, sizeof out, "%s/dig.h5", dir);
    run_ok(sc, out, 2);
    row_t r[4];
    unsigned char *raw;
    size_t rs;
    CU_ASSERT_EQUAL_FATAL(read_summary(out, r, 4, &raw, &rs), 2);
    free(raw);
    CU_ASSERT(isfinite(r[0].ber) && isfinite(r[1].ber));
    CU_ASSERT(r[0].ber > r[1].ber); /* 0 dB vs 30 dB */
    TEST_ASSERT_NEAR(r[1].ber, 0, 0);
    sim_scenario_destroy(sc);
}

static void test_validation(void)
{
    sim_scenario *sc = scenario("");
    CU_ASSERT_FATAL(sc != NULL);
    sim_err e = SIM_ERR_INIT;
    size_t pts;
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), SIM_OK);
    char c[600];
    snprintf(c, sizeof c, "%s/c.h5", dir);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "rx.model", c, "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), SIM_OK); /* none: d 8 -> 12 zero-padded */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "equalizer.type", "relative", "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.count", "2000", "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), SIM_ERANGE); /* K > the head's limit */
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.count", "16", "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "equalizer.type", "ridge", "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "anchors.selection", "class", "--set", 0, &e), SIM_OK);
    CU_ASSERT_EQUAL(sim_run_validate(sc, &pts, &e), SIM_EUNSUPPORTED);
    CU_ASSERT(strstr(e.msg, "anchors.selection=class") != NULL);
    sim_scenario_destroy(sc);
    /* a model file that is not a model: error names the scenario line */
    sc = scenario("");
    char bad[600];
    snprintf(bad, sizeof bad, "%s/manifest.tsv", dir);
    CU_ASSERT_EQUAL(sim_scenario_set(sc, "tx.model", bad, "--set", 0, &e), SIM_OK);
    CU_ASSERT_NOT_EQUAL(sim_run_validate(sc, &pts, &e), SIM_OK);
    sim_scenario_destroy(sc);
}

int main(void)
{
    static const test_case cases[] = {
        {"analog link, -j 1 == -j 2", test_analog},
        {"digital link and oracle", test_digital_and_oracle},
        {"equalizers: oracle, ridge, procrustes, relative-inverse, relative", test_equalizers},
        {"validation", test_validation},
        {NULL, NULL},
    };
    return test_main("pipe_semantic", cases);
}
