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
#include "sim/run.h"
#include "tests/testutil.h"

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
