/* test_modelfile.c -- model files (codecs/modelfile): container round trip,
 * agent save -> load bit-exact, and each kind of bad file giving one clear
 * error (truncated, not HDF5, wrong shape, missing attribute, wrong format
 * version, extra/missing tensors). */
#include "codecs/modelfile.h"

#include "codecs/agent.h"
#include "base/h5io.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Model files written through h5io directly carry the integrity header too
 * (unsealed files are refused before anything else is looked at). */
#define raw_create(path, h, e) base_h5_create_sealed(path, CODEC_MODEL_FORMAT, h, e)

/* A small agent with non-trivial values in every tensor (input norm included). */
static codec_agent *small_agent_up(const char *family, int kernel0, int upsample)
{
    codec_agent_config c = codec_agent_config_default();
    CU_ASSERT_EQUAL(codec_family_parse(family, &c.family, NULL), BASE_OK);
    c.width = 16;
    c.d = 8;
    c.kernel0 = kernel0;
    c.kernel = 3;
    c.enc_depth = 2;
    c.dec_depth = 1;
    c.dilation_max = 2;
    c.upsample = upsample;
    codec_agent *a = NULL;
    base_err e = BASE_ERR_INIT;
    if (codec_agent_create(&a, &c, 12345, &e)) {
        fprintf(stderr, "  agent_create: %s\n", e.msg);
        return NULL;
    }
    float mean[80], scale[80];
    for (int i = 0; i < 80; i++) mean[i] = -4.0f + 0.01f * (float)i, scale[i] = 1.0f / (1.5f + i);
    codec_agent_set_input_norm(a, mean, scale);
    return a;
}
static codec_agent *small_agent(const char *family, int kernel0)
{
    return small_agent_up(family, kernel0, 1);
}

static void test_container_round_trip(void)
{
    char path[512];
    test_tmppath(path, sizeof path, "c.h5");
    base_err e = BASE_ERR_INIT;
    codec_model *m = codec_model_create(&e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    float w[2 * 3 * 4 * 5], b[7];
    for (int i = 0; i < 120; i++) w[i] = (float)i / 3.0f - 11.0f;
    for (int i = 0; i < 7; i++) b[i] = 1e-38f * (float)i;
    size_t sw[4] = {2, 3, 4, 5}, sb[1] = {7};
    CU_ASSERT_EQUAL(codec_model_add_tensor(m, "z.w", 4, sw, w, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_model_add_tensor(m, "a.b", 1, sb, b, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_model_add_tensor(m, "a.b", 1, sb, b, &e), BASE_EEXIST);
    CU_ASSERT_EQUAL(codec_model_add_tensor(m, "x/y", 1, sb, b, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_model_set_str(m, "family", "dwconv", &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_model_set_int(m, "stride", 2, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_model_set_double(m, "frontend.fmin", 20.5, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_model_set_int(m, "format_version", 99, &e), BASE_OK); /* save overrides */
    CU_ASSERT_EQUAL(codec_model_save(m, path, &e), BASE_OK);
    codec_model_destroy(m);

    CU_ASSERT_EQUAL_FATAL(codec_model_load(path, &m, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(codec_model_source(m), path);
    CU_ASSERT_EQUAL(codec_model_tensor_count(m), 2);
    CU_ASSERT_STRING_EQUAL(codec_model_tensor_name(m, 0), "a.b"); /* name order */
    float rw[120], rb[7];
    CU_ASSERT_EQUAL(codec_model_get_tensor(m, "z.w", 4, sw, rw, &e), BASE_OK);
    CU_ASSERT_EQUAL(memcmp(w, rw, sizeof w), 0);
    CU_ASSERT_EQUAL(codec_model_check_all_used(m, &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.msg, "tensor a.b is not part of this architecture");
    CU_ASSERT_EQUAL(codec_model_get_tensor(m, "a.b", 1, sb, rb, &e), BASE_OK);
    CU_ASSERT_EQUAL(memcmp(b, rb, sizeof b), 0);
    CU_ASSERT_EQUAL(codec_model_check_all_used(m, &e), BASE_OK);
    const char *s = NULL;
    int64_t v = 0;
    double d = 0;
    CU_ASSERT_EQUAL(codec_model_get_str(m, "family", &s, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(s, "dwconv");
    CU_ASSERT_EQUAL(codec_model_get_int(m, "stride", 1, 8, &v, &e), BASE_OK);
    CU_ASSERT_EQUAL(v, 2);
    CU_ASSERT_EQUAL(codec_model_get_int(m, "format_version", 0, 100, &v, &e), BASE_OK);
    CU_ASSERT_EQUAL(v, CODEC_MODEL_FORMAT_VERSION);
    CU_ASSERT_EQUAL(codec_model_get_double(m, "frontend.fmin", 0, 1e4, &d, &e), BASE_OK);
    CU_ASSERT_EQUAL(d, 20.5);
    CU_ASSERT_EQUAL(codec_model_get_double(m, "stride", 0, 10, &d, &e), BASE_OK); /* int ok */
    CU_ASSERT_EQUAL(d, 2.0);

    /* attribute and tensor errors, each one message naming the file */
    CU_ASSERT_EQUAL(codec_model_get_int(m, "stride", 3, 8, &v, &e), BASE_ERANGE);
    CU_ASSERT_STRING_EQUAL(e.msg, "attribute 'stride' is 2, expected 3..8");
    CU_ASSERT_STRING_EQUAL(e.file, path);
    CU_ASSERT_EQUAL(codec_model_get_int(m, "family", 0, 8, &v, &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.msg, "attribute 'family' is a string, expected an integer");
    CU_ASSERT_EQUAL(codec_model_get_int(m, "frontend.fmin", 0, 8, &v, &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(codec_model_get_str(m, "nope", &s, &e), BASE_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(e.msg, "attribute 'nope' missing");
    size_t wrong[4] = {2, 3, 5, 4};
    CU_ASSERT_EQUAL(codec_model_get_tensor(m, "z.w", 4, wrong, rw, &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.msg, "tensor z.w has shape (2,3,4,5), expected (2,3,5,4)");
    CU_ASSERT_EQUAL(codec_model_get_tensor(m, "z.w", 3, wrong, rw, &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(codec_model_get_tensor(m, "q", 1, sb, rb, &e), BASE_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(e.msg, "tensor q missing");
    codec_model_destroy(m);
    codec_model_destroy(NULL);
}

static void compare_agents(codec_agent *a, codec_agent *b)
{
    CU_ASSERT_EQUAL_FATAL(codec_agent_num_floats(a), codec_agent_num_floats(b));
    CU_ASSERT_EQUAL(memcmp(codec_agent_params(a), codec_agent_params(b),
                           codec_agent_num_floats(a) * sizeof(float)),
                    0);
    CU_ASSERT_EQUAL(
        memcmp(codec_agent_get_config(a), codec_agent_get_config(b), sizeof(codec_agent_config)),
        0);
}

static void test_agent_bit_exact(void)
{
    static const char *families[] = {"dwconv", "conv", "dwconv"};
    static const char *files[] = {"agent-dw.h5", "agent-conv.h5", "agent-up2.h5"};
    for (int f = 0; f < 3; f++) {
        char path[512];
        test_tmppath(path, sizeof path, files[f]);
        base_err e = BASE_ERR_INIT;
        codec_agent *a = small_agent_up(families[f], 3, f == 2 ? 2 : 1), *b = NULL;
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        codec_model *extra = codec_model_create(&e), *mo = NULL;
        CU_ASSERT_EQUAL(codec_model_set_int(extra, "frontend.sample_rate", 16000, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_model_set_int(extra, "stride", 77, &e), BASE_OK); /* agent wins */
        CU_ASSERT_EQUAL_FATAL(codec_agent_save(a, extra, path, &e), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(codec_agent_load(path, &b, &mo, &e), BASE_OK);
        compare_agents(a, b);
        int64_t v = 0;
        CU_ASSERT_EQUAL(codec_model_get_int(mo, "frontend.sample_rate", 1, 1 << 20, &v, &e),
                        BASE_OK);
        CU_ASSERT_EQUAL(v, 16000);
        CU_ASSERT_EQUAL(codec_model_get_int(mo, "stride", 1, 100, &v, &e), BASE_OK);
        CU_ASSERT_EQUAL(v, codec_agent_get_config(a)->stride);
        /* same outputs, too */
        codec_agent_ws *wa = NULL, *wb = NULL;
        CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&wa, a, 40, &e), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(codec_agent_ws_create(&wb, b, 40, &e), BASE_OK);
        float mel[40 * 80], za[20 * 8], zb[20 * 8];
        for (int i = 0; i < 40 * 80; i++) mel[i] = (float)((i * 37) % 101) / 10.0f - 5.0f;
        CU_ASSERT_EQUAL(codec_agent_encode(a, wa, mel, 40, za, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_agent_encode(b, wb, mel, 40, zb, &e), BASE_OK);
        int tz = codec_agent_latent_len(a, 40);
        CU_ASSERT_EQUAL(memcmp(za, zb, (size_t)tz * 8 * sizeof(float)), 0);
        /* and the decoder: upsample survives the round trip (2 CTC frames per latent frame) */
        CU_ASSERT_EQUAL(codec_agent_get_config(b)->upsample, f == 2 ? 2 : 1);
        CU_ASSERT_EQUAL(codec_agent_ctc_len(b, tz), tz * (f == 2 ? 2 : 1));
        float la[40 * 29], lb[40 * 29];
        CU_ASSERT_EQUAL(codec_agent_decode(a, wa, za, tz, la, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_agent_decode(b, wb, zb, tz, lb, &e), BASE_OK);
        CU_ASSERT_EQUAL(memcmp(la, lb, (size_t)codec_agent_ctc_len(a, tz) * 29 * sizeof(float)), 0);
        codec_agent_ws_destroy(wa);
        codec_agent_ws_destroy(wb);
        codec_model_destroy(mo);
        codec_model_destroy(extra);
        codec_agent_destroy(a);
        codec_agent_destroy(b);
    }
}

/* Load path expecting failure with code and a message containing want. */
static void expect_load_error(const char *path, base_status code, const char *want)
{
    base_err e = BASE_ERR_INIT;
    codec_agent *b = (codec_agent *)1;
    base_status st = codec_agent_load(path, &b, NULL, &e);
    char line[700];
    base_err_format(&e, line, sizeof line);
    fprintf(stderr, "  [%s]\n", line);
    CU_ASSERT_EQUAL(st, code);
    CU_ASSERT_PTR_NULL(b);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    if (!strstr(e.msg, want)) fprintf(stderr, "  expected '%s' in the message\n", want);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, want));
}

/* Save agent a's container after edit() changed it. */
static void save_edited(codec_agent *a, const char *path, void (*edit)(codec_model *))
{
    base_err e = BASE_ERR_INIT;
    codec_model *m = codec_model_create(&e);
    CU_ASSERT_EQUAL_FATAL(codec_agent_to_model(a, m, &e), BASE_OK);
    edit(m);
    CU_ASSERT_EQUAL_FATAL(codec_model_save(m, path, &e), BASE_OK);
    codec_model_destroy(m);
}

static void edit_kernel0(codec_model *m)
{
    codec_model_set_int(m, "arch.kernel0", 5, NULL);
}

/* Rebuild m without attribute key / tensor name (the container has no delete). */
static codec_model *without(codec_model *m, const char *key, const char *tensor)
{
    codec_model *c = codec_model_create(NULL);
    static const char *keys[] = {"family",         "latent_dim",        "stride",
                                 "vocab",          "frontend.n_mels",   "arch.width",
                                 "arch.kernel0",   "arch.kernel",       "arch.enc_depth",
                                 "arch.dec_depth", "arch.dilation_max", "arch.dropout"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        if (key && !strcmp(keys[i], key)) continue;
        const char *s;
        int64_t v;
        double d;
        if (!codec_model_get_str(m, keys[i], &s, NULL))
            codec_model_set_str(c, keys[i], s, NULL);
        else if (!codec_model_get_int(m, keys[i], INT64_MIN, INT64_MAX, &v, NULL))
            codec_model_set_int(c, keys[i], v, NULL);
        else if (!codec_model_get_double(m, keys[i], -1e300, 1e300, &d, NULL))
            codec_model_set_double(c, keys[i], d, NULL);
    }
    for (size_t i = 0; i < codec_model_tensor_count(m); i++) {
        if (tensor && !strcmp(codec_model_tensor_name(m, i), tensor)) continue;
        size_t shape[4];
        int r = codec_model_tensor_shape(m, i, shape);
        codec_model_add_tensor(c, codec_model_tensor_name(m, i), r, shape,
                               codec_model_tensor_data(m, i), NULL);
    }
    return c;
}

static void test_bad_files(void)
{
    char good[512], path[512];
    base_err e = BASE_ERR_INIT;
    codec_agent *a = small_agent("dwconv", 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    test_tmppath(good, sizeof good, "good.h5");
    CU_ASSERT_EQUAL_FATAL(codec_agent_save(a, NULL, good, &e), BASE_OK);

    /* missing, not HDF5, truncated */
    expect_load_error(test_tmppath(path, sizeof path, "nothere.h5"), BASE_EIO, "No such file");
    FILE *f = fopen(test_tmppath(path, sizeof path, "text.h5"), "w");
    fputs("ID\taudio.wav\thello\n", f);
    fclose(f);
    expect_load_error(path, BASE_EFORMAT, "not an HDF5 file with semsim");
    f = fopen(good, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *bytes = malloc((size_t)size);
    CU_ASSERT_EQUAL_FATAL(fread(bytes, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    long cuts[] = {size / 2, size - 100, 600};
    for (int i = 0; i < 3; i++) {
        f = fopen(test_tmppath(path, sizeof path, "cut.h5"), "wb");
        fwrite(bytes, 1, (size_t)cuts[i], f);
        fclose(f);
        expect_load_error(path, BASE_EFORMAT, "");
    }
    /* a corrupted byte in the superblock signature (after the user block) */
    bytes[BASE_H5_SEAL_BLOCK + 1] ^= 0x55;
    f = fopen(test_tmppath(path, sizeof path, "corrupt.h5"), "wb");
    fwrite(bytes, 1, (size_t)size, f);
    fclose(f);
    expect_load_error(path, BASE_EFORMAT, "file is corrupt (checksum mismatch)");
    free(bytes);

    /* wrong shape: the file says kernel0 = 5 but holds kernel0 = 3 weights */
    int C = codec_agent_get_config(a)->width;
    save_edited(a, test_tmppath(path, sizeof path, "shape.h5"), edit_kernel0);
    char want[128];
    snprintf(want, sizeof want, "tensor enc.conv0.w has shape (%d,%d), expected (%d,%d)", C, 3 * 80,
             C, 5 * 80);
    expect_load_error(path, BASE_EFORMAT, want);

    /* missing attribute, missing tensor, extra tensor */
    codec_model *full = codec_model_create(&e);
    CU_ASSERT_EQUAL_FATAL(codec_agent_to_model(a, full, &e), BASE_OK);
    codec_model *m = without(full, "stride", NULL);
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "noattr.h5"), &e), BASE_OK);
    codec_model_destroy(m);
    expect_load_error(path, BASE_ENOTFOUND, "attribute 'stride' missing");
    m = without(full, NULL, "dec.out.w");
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "notensor.h5"), &e),
                    BASE_OK);
    codec_model_destroy(m);
    expect_load_error(path, BASE_ENOTFOUND, "tensor dec.out.w missing");
    m = without(full, NULL, NULL);
    size_t s1 = 3;
    float x[3] = {1, 2, 3};
    codec_model_add_tensor(m, "dec.block9.pw.w", 1, &s1, x, &e);
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "extra.h5"), &e), BASE_OK);
    codec_model_destroy(m);
    expect_load_error(path, BASE_EFORMAT,
                      "tensor dec.block9.pw.w is not part of this architecture");
    /* wrong types / values of attributes */
    m = without(full, NULL, NULL);
    codec_model_set_str(m, "latent_dim", "64", &e);
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "type.h5"), &e), BASE_OK);
    expect_load_error(path, BASE_EFORMAT,
                      "attribute 'latent_dim' is a string, expected an integer");
    codec_model_set_int(m, "latent_dim", 8, &e);
    codec_model_set_str(m, "vocab", "_ abc", &e);
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "vocab.h5"), &e), BASE_OK);
    expect_load_error(path, BASE_EFORMAT, "attribute 'vocab' is");
    codec_model_set_str(m, "vocab", "_ 'abcdefghijklmnopqrstuvwxyz", &e);
    codec_model_set_str(m, "family", "transformer", &e);
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "family.h5"), &e), BASE_OK);
    expect_load_error(path, BASE_EFORMAT, "family must be dwconv or conv, got 'transformer'");
    codec_model_destroy(m);
    /* a NaN weight */
    m = without(full, NULL, NULL);
    long k = codec_model_tensor_find(m, "dec.in.b");
    CU_ASSERT_FATAL(k >= 0);
    ((float *)codec_model_tensor_data(m, (size_t)k))[1] = 0.0f / 0.0f;
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "nan.h5"), &e), BASE_OK);
    codec_model_destroy(m);
    expect_load_error(path, BASE_EFORMAT, "tensor dec.in.b holds a non-finite value");
    /* arch.upsample: optional (absent in every file above, which load as 1), but
     * out of range or not matching the output layer's shape is an error */
    m = without(full, NULL, NULL);
    codec_model_set_int(m, "arch.upsample", 5, &e);
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "up5.h5"), &e), BASE_OK);
    expect_load_error(path, BASE_ERANGE, "attribute 'arch.upsample' is 5, expected 1..4");
    codec_model_set_int(m, "arch.upsample", 2, &e);
    CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "up2.h5"), &e), BASE_OK);
    snprintf(want, sizeof want, "tensor dec.out.w has shape (29,%d), expected (58,%d)", C, C);
    expect_load_error(path, BASE_EFORMAT, want);
    codec_model_destroy(m);
    codec_model_destroy(full);

    /* wrong format name / version, written with h5io directly */
    static const struct {
        const char *file, *format;
        int64_t version;
        base_status code;
        const char *want;
    } rows[] = {
        {"v3.h5", CODEC_MODEL_FORMAT, 3, BASE_EUNSUPPORTED, "format_version 3 is not supported"},
        {"fmt.h5", "pytorch", 1, BASE_EFORMAT, "attribute 'format' is 'pytorch'"},
        {"nofmt.h5", NULL, 1, BASE_EFORMAT, "not a semsim model file"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        base_h5 *h = NULL;
        CU_ASSERT_EQUAL_FATAL(raw_create(test_tmppath(path, sizeof path, rows[i].file), &h, &e),
                              BASE_OK);
        if (rows[i].format) base_h5_write_attr_str(h, "/", "format", rows[i].format, &e);
        base_h5_write_attr_int(h, "/", "format_version", rows[i].version, &e);
        CU_ASSERT_EQUAL(base_h5_write_tensor(h, "params/x", 1, &s1, x, &e), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
        expect_load_error(path, rows[i].code, rows[i].want);
    }
    /* an unreadable attribute (here a string longer than the 4 KB limit) is
     * harmless metadata, unless it is one the loader needs */
    static char longs[6000];
    memset(longs, 'x', sizeof longs - 1);
    CU_ASSERT_EQUAL_FATAL(codec_agent_save(a, NULL, test_tmppath(path, sizeof path, "long.h5"), &e),
                          BASE_OK);
    {
        /* the agent's file rewritten through h5io with an over-long "notes" */
        codec_model *mm = NULL;
        CU_ASSERT_EQUAL_FATAL(codec_model_load(path, &mm, &e), BASE_OK);
        base_h5 *hh = NULL;
        char p2[512];
        CU_ASSERT_EQUAL_FATAL(raw_create(test_tmppath(p2, sizeof p2, "long2.h5"), &hh, &e),
                              BASE_OK);
        base_h5_write_attr_str(hh, "/", "format", CODEC_MODEL_FORMAT, &e);
        base_h5_write_attr_int(hh, "/", "format_version", CODEC_MODEL_FORMAT_VERSION, &e);
        base_h5_write_attr_str(hh, "/", "notes", longs, &e);
        test_write_model_parts(hh, mm);
        CU_ASSERT_EQUAL_FATAL(base_h5_close(hh, &e), BASE_OK);
        codec_agent *b2 = NULL;
        CU_ASSERT_EQUAL(codec_agent_load(p2, &b2, NULL, &e), BASE_OK); /* notes ignored */
        codec_agent_destroy(b2);
        /* now the same with an over-long family */
        CU_ASSERT_EQUAL_FATAL(raw_create(p2, &hh, &e), BASE_OK);
        base_h5_write_attr_str(hh, "/", "format", CODEC_MODEL_FORMAT, &e);
        base_h5_write_attr_int(hh, "/", "format_version", CODEC_MODEL_FORMAT_VERSION, &e);
        base_h5_write_attr_str(hh, "/", "family", longs, &e);
        base_h5_write_tensor(hh, "params/x", 1, &s1, x, &e);
        CU_ASSERT_EQUAL_FATAL(base_h5_close(hh, &e), BASE_OK);
        expect_load_error(p2, BASE_EFORMAT, "attribute 'family' on / is too long");
        codec_model_destroy(mm);
    }

    /* /params missing; a group inside /params */
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(raw_create(test_tmppath(path, sizeof path, "noparams.h5"), &h, &e),
                          BASE_OK);
    base_h5_write_attr_str(h, "/", "format", CODEC_MODEL_FORMAT, &e);
    base_h5_write_attr_int(h, "/", "format_version", CODEC_MODEL_FORMAT_VERSION, &e);
    CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
    expect_load_error(path, BASE_EFORMAT, "group /params missing");
    CU_ASSERT_EQUAL_FATAL(raw_create(test_tmppath(path, sizeof path, "nested.h5"), &h, &e),
                          BASE_OK);
    base_h5_write_attr_str(h, "/", "format", CODEC_MODEL_FORMAT, &e);
    base_h5_write_attr_int(h, "/", "format_version", CODEC_MODEL_FORMAT_VERSION, &e);
    base_h5_write_tensor(h, "params/enc/conv0.w", 1, &s1, x, &e);
    CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
    expect_load_error(path, BASE_EFORMAT, "/params/enc is not a tensor");

    /* bad arguments */
    codec_agent *b = NULL;
    CU_ASSERT_EQUAL(codec_agent_load(NULL, &b, NULL, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_agent_save(a, NULL, "/nonexistent-dir/m.h5", &e), BASE_EIO);
    CU_ASSERT_EQUAL(codec_model_set_str(NULL, "k", "v", &e), BASE_EINVAL);
    codec_agent_destroy(a);
}

int main(void)
{
    static const test_case cases[] = {
        {"container round trip", test_container_round_trip},
        {"agent save/load bit-exact", test_agent_bit_exact},
        {"bad files", test_bad_files},
        {NULL, NULL},
    };
    return test_main("modelfile", cases);
}
