/* test_safetensors.c -- codecs/safetensors: model containers to safetensors
 * bytes and back, bit for bit (a tiny agent and a shipped model); files
 * written by hand with numpy (tests/codecs/make_safetensors.py: another
 * tensor order, no type map, no padding, F16/BF16/F64) read back with the
 * values numpy wrote; and bad files, each refused with one message naming the
 * file and saying what is wrong. */
#include "codecs/agent.h"
#include "codecs/modelfile.h"
#include "codecs/safetensors.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tiny[512], tiny_st[512];

static void setup(void)
{
    if (tiny_st[0]) return;
    base_err e = BASE_ERR_INIT;
    test_save_tiny_agent(test_tmppath(tiny, sizeof tiny, "tiny.h5"), 8, 5);
    codec_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_model_load(tiny, &m, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(
        codec_safetensors_save(m, test_tmppath(tiny_st, sizeof tiny_st, "tiny.st"), &e), BASE_OK);
    codec_model_destroy(m);
}

/* Every tensor and attribute of a equals b's, bit for bit. */
static void assert_same_model(const codec_model *a, const codec_model *b)
{
    CU_ASSERT_EQUAL_FATAL(codec_model_tensor_count(a), codec_model_tensor_count(b));
    for (size_t i = 0; i < codec_model_tensor_count(a); i++) {
        size_t sa[CODEC_MODEL_MAX_RANK], sb[CODEC_MODEL_MAX_RANK], n = 1;
        CU_ASSERT_STRING_EQUAL(codec_model_tensor_name(a, i), codec_model_tensor_name(b, i));
        int ra = codec_model_tensor_shape(a, i, sa), rb = codec_model_tensor_shape(b, i, sb);
        CU_ASSERT_EQUAL_FATAL(ra, rb);
        for (int d = 0; d < ra; d++) {
            CU_ASSERT_EQUAL(sa[d], sb[d]);
            n *= sa[d];
        }
        CU_ASSERT(!memcmp(codec_model_tensor_data(a, i), codec_model_tensor_data(b, i),
                          n * sizeof(float)));
    }
    size_t carried = 0;
    for (size_t i = 0; i < codec_model_attr_count(a); i++) {
        const char *k = codec_model_attr_key(a, i);
        codec_model_attr_kind kind = codec_model_attr_kind_of(a, i);
        if (kind == CODEC_MODEL_ATTR_BAD) continue;
        carried++;
        long j = -1;
        for (size_t t = 0; t < codec_model_attr_count(b); t++)
            if (!strcmp(codec_model_attr_key(b, t), k)) j = (long)t;
        CU_ASSERT_FATAL(j >= 0);
        CU_ASSERT_EQUAL(codec_model_attr_kind_of(b, (size_t)j), kind);
        const char *sa, *sb;
        int64_t ia, ib;
        double da, db;
        if (kind == CODEC_MODEL_ATTR_STR && !codec_model_get_str(a, k, &sa, NULL) &&
            !codec_model_get_str(b, k, &sb, NULL))
            CU_ASSERT_STRING_EQUAL(sa, sb);
        if (kind == CODEC_MODEL_ATTR_INT &&
            !codec_model_get_int(a, k, INT64_MIN, INT64_MAX, &ia, NULL) &&
            !codec_model_get_int(b, k, INT64_MIN, INT64_MAX, &ib, NULL))
            CU_ASSERT_EQUAL(ia, ib);
        if (kind == CODEC_MODEL_ATTR_DOUBLE &&
            !codec_model_get_double(a, k, -1e308, 1e308, &da, NULL) &&
            !codec_model_get_double(b, k, -1e308, 1e308, &db, NULL))
            CU_ASSERT(!memcmp(&da, &db, sizeof da));
    }
    CU_ASSERT(carried > 10);
}

static void round_trip(const char *h5)
{
    base_err e = BASE_ERR_INIT;
    codec_model *m = NULL, *back = NULL;
    unsigned char *buf = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(codec_model_load(h5, &m, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_safetensors_encode(m, &buf, &n, &e), BASE_OK);
    /* the header length is a multiple of 8 and the header is JSON */
    CU_ASSERT(n > 8 && buf[0] % 8 == 0 && buf[8] == '{');
    CU_ASSERT_EQUAL_FATAL(codec_safetensors_decode(buf, n, "mem", &back, &e), BASE_OK);
    assert_same_model(m, back);
    CU_ASSERT_STRING_EQUAL(codec_model_source(back), "mem");
    /* the agent built from either is the same */
    codec_agent *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_agent_from_model(m, &a, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_agent_from_model(back, &b, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_num_floats(a), codec_agent_num_floats(b));
    CU_ASSERT(!memcmp(codec_agent_params(a), codec_agent_params(b),
                      codec_agent_num_floats(a) * sizeof(float)));
    /* encoding again gives the same bytes */
    unsigned char *buf2 = NULL;
    size_t n2 = 0;
    CU_ASSERT_EQUAL_FATAL(codec_safetensors_encode(back, &buf2, &n2, &e), BASE_OK);
    CU_ASSERT(n2 == n && !memcmp(buf, buf2, n));
    codec_agent_destroy(a);
    codec_agent_destroy(b);
    free(buf);
    free(buf2);
    codec_model_destroy(m);
    codec_model_destroy(back);
}

static void test_round_trip_tiny(void)
{
    setup();
    round_trip(tiny);
}

static void test_round_trip_shipped(void)
{
    char p[512];
    round_trip(test_srcpath(p, sizeof p, "models/B.h5"));
}

static int py(const char *args)
{
    char cmd[2048], script[512];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s",
             test_srcpath(script, sizeof script, "tests/codecs/make_safetensors.py"), args);
    return system(cmd);
}

/* A file numpy wrote from scratch (dtype dt) reads back as the float32 values
 * numpy meant, and maps onto an agent. */
static void check_fresh(const char *dt)
{
    setup();
    char out[512], bin[512], args[1600];
    snprintf(args, sizeof args, "fresh %s %s %s %s", tiny_st,
             test_tmppath(out, sizeof out, "fresh.st"), test_tmppath(bin, sizeof bin, "fresh.bin"),
             dt);
    CU_ASSERT_EQUAL_FATAL(py(args), 0);
    base_err e = BASE_ERR_INIT;
    codec_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_safetensors_load(out, &m, &e), BASE_OK);
    FILE *f = fopen(bin, "rb");
    CU_ASSERT_FATAL(f != NULL);
    size_t total = 0;
    for (size_t i = 0; i < codec_model_tensor_count(m); i++) {
        size_t s[CODEC_MODEL_MAX_RANK], n = 1;
        int r = codec_model_tensor_shape(m, i, s);
        for (int d = 0; d < r; d++) n *= s[d];
        float *want = malloc(n * sizeof *want);
        CU_ASSERT_EQUAL_FATAL(fread(want, sizeof *want, n, f), n);
        const float *got = codec_model_tensor_data(m, i);
        /* F64 rounds to nearest float32 the value numpy rounded the same way */
        CU_ASSERT(!memcmp(got, want, n * sizeof *want));
        free(want);
        total += n;
    }
    CU_ASSERT_EQUAL(fgetc(f), EOF);
    fclose(f);
    CU_ASSERT(total > 1000);
    /* no type map: integers read as integers, so the agent maps */
    codec_agent *a = NULL;
    CU_ASSERT_EQUAL(codec_agent_from_model(m, &a, &e), BASE_OK);
    if (e.msg[0]) fprintf(stderr, "  %s\n", e.msg);
    codec_agent_destroy(a);
    codec_model_destroy(m);
}

static void test_numpy_f32(void)
{
    check_fresh("F32");
}
static void test_numpy_f16(void)
{
    check_fresh("F16");
}
static void test_numpy_bf16(void)
{
    check_fresh("BF16");
}
static void test_numpy_f64(void)
{
    check_fresh("F64");
}

/* Each defect: the file loads and maps onto an agent, or not, with a message
 * naming the file that contains `want`. */
static void test_bad_files(void)
{
    setup();
    static const struct {
        const char *kind, *want;
        int at_load; /* refused by the reader (1) or only by the architecture (0) */
    } cases[] = {
        {"dtype", "dtype I32; semsim reads F32", 1},
        {"shape", "has shape", 0},
        {"missing", "missing", 0},
        {"extra", "dec.extra.w is not part of this architecture", 0},
        {"overlap", "overlap", 1},
        {"range", "outside the", 1},
        {"truncated", "truncated", 1},
        {"json", "bad JSON header", 1},
        {"utf8", "bad JSON header", 1},
        {"huge", "header length 4611686018427387904", 1},
        {"metatype", "is not a string", 1},
        {"vocab", "attribute 'vocab'", 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char out[512], args[1400], name[64];
        snprintf(name, sizeof name, "bad_%s.st", cases[k].kind);
        snprintf(args, sizeof args, "bad %s %s %s", cases[k].kind, tiny_st,
                 test_tmppath(out, sizeof out, name));
        CU_ASSERT_EQUAL_FATAL(py(args), 0);
        base_err e = BASE_ERR_INIT;
        codec_model *m = NULL;
        codec_agent *a = NULL;
        base_status st = codec_safetensors_load(out, &m, &e);
        CU_ASSERT_EQUAL(st != BASE_OK, cases[k].at_load);
        if (!st) {
            st = codec_agent_from_model(m, &a, &e);
            CU_ASSERT(st != BASE_OK);
        }
        CU_ASSERT(m == NULL || !cases[k].at_load);
        int ok = strstr(e.msg, cases[k].want) && !strcmp(e.file, out) && !strchr(e.msg, '\n');
        if (!ok)
            fprintf(stderr, "  %s: got \"%s: %s\", want \"%s\"\n", cases[k].kind, e.file, e.msg,
                    cases[k].want);
        CU_ASSERT(ok);
        codec_agent_destroy(a);
        codec_model_destroy(m);
    }
}

/* Short and odd buffers, by hand. */
static void test_bad_bytes(void)
{
    base_err e = BASE_ERR_INIT;
    codec_model *m = NULL;
    static const unsigned char four[4] = {1, 0, 0, 0};
    CU_ASSERT_EQUAL(codec_safetensors_decode(four, 4, "x.st", &m, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.msg, "not a safetensors file") != NULL);
    CU_ASSERT(m == NULL);
    /* header length 2: "{}" is an empty but valid file (no tensors) */
    unsigned char empty[10] = {2, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    CU_ASSERT_EQUAL(codec_safetensors_decode(empty, 10, "x.st", &m, &e), BASE_OK);
    CU_ASSERT(m && codec_model_tensor_count(m) == 0);
    codec_model_destroy(m);
    m = NULL;
    /* a NUL inside the header */
    unsigned char nul[10] = {2, 0, 0, 0, 0, 0, 0, 0, '{', 0};
    CU_ASSERT_EQUAL(codec_safetensors_decode(nul, 10, "x.st", &m, &e), BASE_EFORMAT);
    /* data left over after the last tensor */
    static const char js[] = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    unsigned char buf[128] = {0};
    size_t hl = strlen(js);
    buf[0] = (unsigned char)hl;
    memcpy(buf + 8, js, hl);
    CU_ASSERT_EQUAL(codec_safetensors_decode(buf, 8 + hl + 4, "x.st", &m, &e), BASE_OK);
    codec_model_destroy(m);
    m = NULL;
    CU_ASSERT_EQUAL(codec_safetensors_decode(buf, 8 + hl + 8, "x.st", &m, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.msg, "tensors end at 4") != NULL);
    CU_ASSERT_EQUAL(codec_safetensors_decode(buf, 8 + hl + 2, "x.st", &m, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.msg, "outside the 2 bytes") != NULL);
    /* a gap between two tensors */
    static const char gap[] = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                              "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
    memset(buf, 0, sizeof buf);
    hl = strlen(gap);
    buf[0] = (unsigned char)hl;
    memcpy(buf + 8, gap, hl);
    CU_ASSERT_EQUAL(codec_safetensors_decode(buf, 8 + hl + 12, "x.st", &m, &e), BASE_EFORMAT);
    CU_ASSERT(strstr(e.msg, "bytes 4..8 of the data belong to no tensor") != NULL);
    CU_ASSERT(m == NULL);
    /* a missing file */
    CU_ASSERT_EQUAL(codec_safetensors_load("/nonexistent/x.st", &m, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, "/nonexistent/x.st");
}

int main(void)
{
    static const test_case cases[] = {
        {"round trip, tiny agent", test_round_trip_tiny},
        {"round trip, shipped model B", test_round_trip_shipped},
        {"numpy-written F32", test_numpy_f32},
        {"numpy-written F16", test_numpy_f16},
        {"numpy-written BF16", test_numpy_bf16},
        {"numpy-written F64", test_numpy_f64},
        {"bad files", test_bad_files},
        {"bad bytes", test_bad_bytes},
        {NULL, NULL},
    };
    return test_main("safetensors", cases);
}
