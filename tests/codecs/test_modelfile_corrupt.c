/* test_modelfile_corrupt.c -- damaged model files never reach libhdf5: a
 * valid (tiny) agent file with flipped bytes at many offsets, truncated, or
 * with a damaged integrity header, each gives an error, as does every file
 * under tests/fuzz/regress/model/; an unsealed (format_version 1 style) file
 * is refused with the conversion hint and converts with
 * codec_model_load_unsealed + save; the shipped models still load. */
#include "codecs/modelfile.h"

#include "base/h5io.h"
#include "codecs/frontend.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void spill(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* Loading path fails with code (0: any error) and a message containing want. */
static int load_fails(const char *path, base_status code, const char *want)
{
    base_err e = BASE_ERR_INIT;
    codec_model *m = NULL;
    base_status st = codec_model_load(path, &m, &e);
    codec_model_destroy(m);
    int ok = st != BASE_OK && (!code || st == code) && strstr(e.msg, want) && e.file[0];
    if (!ok) fprintf(stderr, "  %s: status %d, '%s'\n", path, (int)st, e.msg);
    return ok;
}

static void good_file(char *path, size_t n)
{
    test_tmppath(path, n, "tiny.h5");
    test_save_tiny_agent(path, 8, 7);
}

static void test_sealed_round_trip(void)
{
    char path[512];
    good_file(path, sizeof path);
    size_t n;
    unsigned char *b = (unsigned char *)test_slurp(path, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT(n > BASE_H5_SEAL_BLOCK);
    CU_ASSERT_EQUAL(memcmp(b, "SEMSIM-SEALED-HDF5 1\ntag semsim-agent\n", 38), 0);
    free(b);
    base_err e = BASE_ERR_INIT;
    codec_agent *a = NULL;
    CU_ASSERT_EQUAL(codec_agent_load(path, &a, NULL, &e), BASE_OK);
    codec_agent_destroy(a);
    CU_ASSERT_EQUAL(base_h5_check_seal(path, CODEC_MODEL_FORMAT, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_check_seal(path, "other-tag", &e), BASE_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is a sealed 'semsim-agent' file, expected 'other-tag'"));
}

static void test_flipped_bytes(void)
{
    char good[512], path[512];
    good_file(good, sizeof good);
    size_t n;
    unsigned char *b = (unsigned char *)test_slurp(good, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    test_tmppath(path, sizeof path, "flip.h5");
    /* every byte of the header, then ~400 offsets spread over the rest */
    size_t step = (n - BASE_H5_SEAL_BLOCK) / 400 + 1, tried = 0, failed = 0;
    for (size_t off = 0; off < n; off += off < BASE_H5_SEAL_BLOCK ? 1 : step) {
        unsigned char mask = (unsigned char)(1u << (off % 8));
        b[off] ^= mask;
        spill(path, b, n);
        b[off] ^= mask;
        tried++;
        if (!load_fails(path, 0, "")) failed++;
    }
    /* two flipped bytes far apart */
    b[n / 3] ^= 0x10, b[2 * n / 3] ^= 0x01;
    spill(path, b, n);
    CU_ASSERT(load_fails(path, BASE_EFORMAT, "file is corrupt (checksum mismatch)"));
    CU_ASSERT(tried > 800);
    CU_ASSERT_EQUAL(failed, 0);
    free(b);
}

static void test_truncated(void)
{
    char good[512], path[512];
    good_file(good, sizeof good);
    size_t n;
    unsigned char *b = (unsigned char *)test_slurp(good, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    test_tmppath(path, sizeof path, "cut.h5");
    size_t cuts[] = {0, 1, 20, 511, 512, 513, 1000, n / 2, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        spill(path, b, cuts[i]);
        CU_ASSERT(load_fails(path, BASE_EFORMAT, ""));
    }
    spill(path, b, n - 10);
    CU_ASSERT(load_fails(path, BASE_EFORMAT, "file is corrupt (truncated:"));
    /* bytes appended */
    unsigned char *c = malloc(n + 4);
    memcpy(c, b, n);
    memset(c + n, 0, 4);
    spill(path, c, n + 4);
    CU_ASSERT(load_fails(path, BASE_EFORMAT, "length does not match"));
    free(c);
    free(b);
}

static void test_bad_header(void)
{
    char good[512], path[512];
    good_file(good, sizeof good);
    size_t n;
    unsigned char *b = (unsigned char *)test_slurp(good, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    test_tmppath(path, sizeof path, "hdr.h5");
    static const struct {
        const char *find, *repl, *want;
    } rows[] = {
        {"tag semsim-agent", "tag semsim-agenT", "is a sealed 'semsim-agenT' file"},
        {"bytes ", "bytez ", "length does not match"},
        {"fnv1a64 ", "fnv1a65 ", "integrity header damaged"},
        {"SEMSIM-SEALED-HDF5 1", "SEMSIM-SEALED-HDF5 2", "not an HDF5 file with semsim"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        unsigned char *c = malloc(n);
        memcpy(c, b, n);
        char *at = strstr((char *)c, rows[i].find);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        memcpy(at, rows[i].repl, strlen(rows[i].repl));
        spill(path, c, n);
        CU_ASSERT(load_fails(path, BASE_EFORMAT, rows[i].want));
        free(c);
    }
    /* a digit of the hash changed */
    unsigned char *c = malloc(n);
    memcpy(c, b, n);
    char *h = strstr((char *)c, "fnv1a64 ") + 8;
    *h = *h == '0' ? '1' : '0';
    spill(path, c, n);
    CU_ASSERT(load_fails(path, BASE_EFORMAT, "checksum mismatch"));
    free(c);
    free(b);
}

/* A file written by h5py or an older semsim: no user block. Refused with the
 * hint; the unsealed loader reads it and a save seals it. */
static void test_unsealed(void)
{
    char good[512], path[512], out[512];
    good_file(good, sizeof good);
    base_err e = BASE_ERR_INIT;
    codec_model *m = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_model_load(good, &m, &e), BASE_OK);
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_create(test_tmppath(path, sizeof path, "v1.h5"), &h, &e),
                          BASE_OK);
    test_write_model_parts(h, m);
    base_h5_write_attr_str(h, "/", "format", CODEC_MODEL_FORMAT, &e); /* variable-length */
    base_h5_write_attr_int(h, "/", "format_version", 1, &e);
    CU_ASSERT_EQUAL_FATAL(base_h5_close(h, &e), BASE_OK);
    CU_ASSERT(load_fails(path, BASE_EUNSUPPORTED, "semsim-seal"));

    codec_model *m1 = NULL;
    CU_ASSERT_EQUAL_FATAL(codec_model_load_unsealed(path, &m1, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_model_save(m1, test_tmppath(out, sizeof out, "v2.h5"), &e), BASE_OK);
    codec_model_destroy(m1);
    codec_agent *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL(codec_agent_load(out, &a, NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_agent_load(good, &b, NULL, &e), BASE_OK);
    if (a && b) {
        CU_ASSERT_EQUAL(codec_agent_param_count(a), codec_agent_param_count(b));
        for (size_t i = 0; i < codec_agent_param_count(a); i++) {
            int sa[CODEC_AGENT_MAX_DIMS];
            int nd = codec_agent_param_shape(a, i, sa);
            size_t k = 1;
            for (int j = 0; j < nd; j++) k *= (size_t)sa[j];
            CU_ASSERT_EQUAL(memcmp(codec_agent_param_data(a, i), codec_agent_param_data(b, i),
                                   k * sizeof(float)),
                            0);
        }
    }
    codec_agent_destroy(a);
    codec_agent_destroy(b);
    codec_model_destroy(m);
}

/* Every file under tests/fuzz/regress/model/ (crashes the fuzzer found) is refused. */
static void test_regressions(void)
{
    char dir[512], path[1024];
    test_srcpath(dir, sizeof dir, "tests/fuzz/regress/model");
    DIR *d = opendir(dir);
    if (!d) return; /* none recorded */
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        CU_ASSERT(load_fails(path, 0, ""));
    }
    closedir(d);
}

/* Front-end attributes bounded by what the front-end can honour: each bad
 * value is refused naming the file and the attribute. */
static void test_frontend_bounds(void)
{
    char good[512], path[512];
    good_file(good, sizeof good);
    static const struct {
        const char *key;
        int64_t value;
        const char *want;
    } rows[] = {
        {"frontend.win_length", 1, "attribute 'frontend.win_length' is 1, expected 16..512"},
        {"frontend.win_length", 513, "expected 16..512"},
        {"frontend.hop_length", 401, "attribute 'frontend.hop_length' is 401, expected 1..400"},
        {"frontend.n_fft", 8, "attribute 'frontend.n_fft' is 8"},
        {"frontend.n_mels", 300, "attribute 'frontend.n_mels' is 300, expected 1..257"},
        {"frontend.sample_rate", 8, "attribute 'frontend.sample_rate' is 8, expected 4000..384000"},
        {"frontend.sample_rate", 2147483647, "expected 4000..384000"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        base_err e = BASE_ERR_INIT;
        codec_model *m = NULL, *m2 = NULL;
        CU_ASSERT_EQUAL_FATAL(codec_model_load(good, &m, &e), BASE_OK);
        codec_melspec_config fe;
        CU_ASSERT_EQUAL(codec_frontend_from_model(m, &fe, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_model_set_int(m, rows[i].key, rows[i].value, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_model_save(m, test_tmppath(path, sizeof path, "fe.h5"), &e), BASE_OK);
        CU_ASSERT_EQUAL_FATAL(codec_model_load(path, &m2, &e), BASE_OK);
        CU_ASSERT_EQUAL(codec_frontend_from_model(m2, &fe, &e), BASE_ERANGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, rows[i].want));
        if (!strstr(e.msg, rows[i].want)) fprintf(stderr, "  %s\n", e.msg);
        CU_ASSERT_STRING_EQUAL(e.file, path);
        codec_model_destroy(m);
        codec_model_destroy(m2);
    }
}

static void test_shipped_models(void)
{
    static const char *models[] = {"models/A.h5", "models/B.h5", "models/C.h5", "models/D.h5"};
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        base_err e = BASE_ERR_INIT;
        codec_agent *a = NULL;
        test_srcpath(path, sizeof path, models[i]);
        CU_ASSERT_EQUAL(codec_agent_load(path, &a, NULL, &e), BASE_OK);
        if (!a) fprintf(stderr, "  %s: %s\n", path, e.msg);
        codec_agent_destroy(a);
    }
}

int main(void)
{
    static const test_case cases[] = {
        {"sealed round trip", test_sealed_round_trip},
        {"flipped bytes", test_flipped_bytes},
        {"truncated", test_truncated},
        {"bad integrity header", test_bad_header},
        {"unsealed file", test_unsealed},
        {"fuzz regressions", test_regressions},
        {"front-end attribute bounds", test_frontend_bounds},
        {"shipped models", test_shipped_models},
        {NULL, NULL},
    };
    return test_main("modelfile_corrupt", cases);
}
