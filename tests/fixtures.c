/* fixtures.c -- shared test inputs and checks. See fixtures.h. */
#include "tests/fixtures.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codecs/agent.h"
#include "codecs/frontend.h"
#include "codecs/modelfile.h"
#include "base/rng.h"
#include "sim/cmd.h"
#include "sim/run.h"
#include "tests/testutil.h"
#include "tests/testutil_audio.h"

void test_gaussian(float *x, size_t n, float sigma, uint64_t seed, const char *component)
{
    base_rng r;
    base_rng_init(&r, seed, 0, base_rng_component(component));
    base_rng_normal_fill(&r, x, n, sigma);
}

void test_orthogonal(float *q, size_t d, uint64_t seed)
{
    double *m = malloc(d * d * sizeof *m);
    base_rng r;
    base_rng_init(&r, seed, 1, base_rng_component("test.orth"));
    for (size_t i = 0; i < d * d; i++) m[i] = base_rng_normal(&r);
    for (size_t i = 0; i < d; i++) {
        for (int pass = 0; pass < 2; pass++)
            for (size_t j = 0; j < i; j++) {
                double dot = 0;
                for (size_t c = 0; c < d; c++) dot += m[i * d + c] * m[j * d + c];
                for (size_t c = 0; c < d; c++) m[i * d + c] -= dot * m[j * d + c];
            }
        double s = 0;
        for (size_t c = 0; c < d; c++) s += m[i * d + c] * m[i * d + c];
        for (size_t c = 0; c < d; c++) m[i * d + c] /= sqrt(s);
    }
    for (size_t i = 0; i < d * d; i++) q[i] = (float)m[i];
    free(m);
}

void test_affine(const float *x, size_t n, size_t dt, const float *m, size_t dr, float s,
                 const float *b, float *y)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < dr; j++) {
            double acc = 0;
            for (size_t c = 0; c < dt; c++) acc += (double)x[i * dt + c] * m[c * dr + j];
            y[i * dr + j] = (float)(s * acc + (b ? b[j] : 0));
        }
}

void test_save_tiny_agent(const char *path, int d, uint64_t seed)
{
    test_save_tiny_agent_up(path, d, seed, 1);
}

void test_save_tiny_agent_up(const char *path, int d, uint64_t seed, int upsample)
{
    codec_agent_config c = codec_agent_config_default();
    c.upsample = upsample;
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
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_agent_create(&a, &c, seed, &e), BASE_OK);
    codec_model *m = codec_model_create(&e);
    codec_melspec_config fe;
    codec_frontend_default(&fe);
    CU_ASSERT_EQUAL_FATAL(codec_frontend_to_model(&fe, m, &e), BASE_OK);
    base_status st = codec_agent_save(a, m, path, &e);
    if (st) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
    codec_model_destroy(m);
    codec_agent_destroy(a);
}

void test_save_tiny_agent_in(const char *dir, const char *name, int d, uint64_t seed)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    test_save_tiny_agent(path, d, seed);
}

void test_write_model_parts(base_h5 *h, const codec_model *m)
{
    base_err e = BASE_ERR_INIT;
    for (size_t i = 0; i < codec_model_tensor_count(m); i++) {
        char tn[200];
        size_t shape[4];
        int r = codec_model_tensor_shape(m, i, shape);
        snprintf(tn, sizeof tn, "params/%s", codec_model_tensor_name(m, i));
        CU_ASSERT_EQUAL(base_h5_write_tensor(h, tn, r, shape, codec_model_tensor_data(m, i), &e),
                        BASE_OK);
    }
    static const char *ints[] = {"latent_dim",     "stride",         "frontend.n_mels",
                                 "arch.width",     "arch.kernel0",   "arch.kernel",
                                 "arch.enc_depth", "arch.dec_depth", "arch.dilation_max"};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        int64_t v = 0;
        codec_model_get_int(m, ints[i], INT64_MIN, INT64_MAX, &v, NULL);
        base_h5_write_attr_int(h, "/", ints[i], v, &e);
    }
    const char *fam, *voc;
    codec_model_get_str(m, "family", &fam, NULL);
    codec_model_get_str(m, "vocab", &voc, NULL);
    base_h5_write_attr_str(h, "/", "family", fam, &e);
    base_h5_write_attr_str(h, "/", "vocab", voc, &e);
    base_h5_write_attr_double(h, "/", "arch.dropout", 0.1, &e);
}

void test_make_semantic_dir(const char *dir)
{
    test_save_tiny_agent_in(dir, "a.h5", 8, 1);
    test_save_tiny_agent_in(dir, "b.h5", 8, 2);
    test_save_tiny_agent_in(dir, "c.h5", 12, 3);
    static const char *const text[] = {"the cat sat", "a dog ran home", "stop"};
    static const size_t len[] = {8000, 16000, 24000};
    const test_utts utts = {TEST_SIGNAL_RIPPLE, 0, "spk_", "spk", 3, len, text};
    test_write_manifest(dir, "manifest.tsv", &utts);
    /* never the evaluated sentences */
    static const char *const anchors[] = {"we were away a year ago", "she sells sea shells",
                                          "pack my box with five dozen jugs"};
    static const size_t anc_len[] = {32000, 64000, 96000};
    const test_utts anc = {TEST_SIGNAL_RIPPLE, 1, "anc_", "anc", 3, anc_len, anchors};
    test_write_manifest(dir, "anchors.tsv", &anc);
}

sim_scenario *test_load_scenario(const char *dir, const char *name, const char *text, base_err *e)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    test_put(path, text);
    sim_scenario *sc = sim_scenario_load(path, e);
    if (!sc) fprintf(stderr, "  %s:%d: %s\n", e->file, e->line, e->msg);
    return sc;
}

void test_assert_invalid(const char *dir, const char *name, const char *text, const char *needle,
                         int line)
{
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = test_load_scenario(dir, name, text, &e);
    CU_ASSERT_FATAL(sc != NULL);
    base_status st = sim_run_validate(sc, NULL, &e);
    printf("  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_NOT_EQUAL(st, BASE_OK);
    CU_ASSERT(strstr(e.file, name) != NULL);
    CU_ASSERT_EQUAL(e.line, line);
    CU_ASSERT(strstr(e.msg, needle) != NULL);
    CU_ASSERT(strchr(e.msg, '\n') == NULL);
    sim_scenario_destroy(sc);
}

void test_run_scenario(const sim_scenario *sc, const char *out, int jobs)
{
    sim_run_opts o;
    memset(&o, 0, sizeof o);
    o.out_path = out;
    o.jobs = jobs;
    o.force = 1;
    base_err e = BASE_ERR_INIT;
    base_status st = sim_run(sc, &o, &e);
    if (st) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_EQUAL_FATAL(st, BASE_OK);
}

size_t test_read_summary(const char *path, const char *const *cols, size_t ncol, void *rows,
                         size_t cap, unsigned char **raw, size_t *rawsize)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t ds = H5Dopen2(f, "summary", H5P_DEFAULT), sp = H5Dget_space(ds), ft = H5Dget_type(ds);
    size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
    CU_ASSERT_FATAL(n <= cap);
    hid_t t = H5Tcreate(H5T_COMPOUND, ncol * sizeof(double));
    for (size_t k = 0; k < ncol; k++) H5Tinsert(t, cols[k], k * sizeof(double), H5T_NATIVE_DOUBLE);
    CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    if (raw) {
        *rawsize = H5Tget_size(ft) * n;
        *raw = malloc(*rawsize + 1);
        CU_ASSERT(H5Dread(ds, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, *raw) >= 0);
    }
    H5Tclose(t);
    H5Tclose(ft);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(f);
    return n;
}

unsigned char *test_table_bytes(const char *path, const char *name, size_t *n, size_t *size)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
    CU_ASSERT_FATAL(ds >= 0);
    hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
    *n = (size_t)H5Sget_simple_extent_npoints(sp);
    *size = H5Tget_size(t);
    unsigned char *buf = calloc(*n + 1, *size);
    CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dvlen_reclaim(t, sp, H5P_DEFAULT, buf);
    H5Sclose(sp);
    H5Tclose(t);
    H5Dclose(ds);
    H5Fclose(f);
    return buf;
}

/* The first byte where x and y (n bytes) differ, SIZE_MAX when none. */
static size_t first_diff(const unsigned char *x, const unsigned char *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i]) return i;
    return SIZE_MAX;
}

size_t test_assert_same_table(const char *a, const char *b, const char *name)
{
    size_t na, nb, sa, sb;
    unsigned char *x = test_table_bytes(a, name, &na, &sa),
                  *y = test_table_bytes(b, name, &nb, &sb);
    CU_ASSERT_EQUAL(na, nb);
    CU_ASSERT_EQUAL(sa, sb);
    if (na == nb && sa == sb) {
        size_t first = first_diff(x, y, na * sa);
        if (first != SIZE_MAX)
            fprintf(stderr, "  %s and %s: /%s differs in row %zu\n", a, b, name, first / sa);
        CU_ASSERT(first == SIZE_MAX);
    }
    free(x);
    free(y);
    return na;
}

int test_same_table(const char *a, const char *b, const char *name)
{
    size_t na, nb, sa, sb;
    unsigned char *x = test_table_bytes(a, name, &na, &sa),
                  *y = test_table_bytes(b, name, &nb, &sb);
    int same = na == nb && sa == sb && memcmp(x, y, na * sa) == 0;
    if (!same)
        fprintf(stderr, "  /%s differs between %s and %s (%zu, %zu rows)\n", name, a, b, na, nb);
    free(x);
    free(y);
    return same;
}

void test_make_speech_corpus(char *man, size_t n)
{
    static char made[1024]; /* once per test program */
    if (!made[0]) {
        char text[512], voices[512], dir[512], errb[2048];
        test_put(test_tmppath(text, sizeof text, "lines.txt"),
                 "The birch canoe slid on the smooth planks.\nGlue the sheet to the dark blue "
                 "background.\nIt is easy to tell the depth of a well.\n");
        test_put(test_tmppath(voices, sizeof voices, "voices.txt"), "flite slt\n");
        test_tmppath(dir, sizeof dir, "speech");
        const char *co[] = {"--text", text, "--voices", voices, "-o", dir, "--quiet", NULL};
        int rc = test_run_cmd(sim_cmd_corpus, "semsim corpus", co, NULL, 0, errb, sizeof errb);
        if (rc) fprintf(stderr, "  semsim corpus: %s", errb);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        snprintf(made, sizeof made, "%s/manifest.tsv", dir);
    }
    snprintf(man, n, "%s", made);
}
