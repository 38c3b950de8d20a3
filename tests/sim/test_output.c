/* test_output.c -- the HDF5 results writer (sim/output): /summary columns and
 * values read back, partial file renamed only when finished, no overwrite
 * without force, resume keeps rows, orphan /points and /voices rows removed,
 * /voices rows sorted, /grid scales, trn files. */
#include "sim/output.h"
#include "base/h5io.h"
#include "sim/out_voices.h"
#include "tests/testutil.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *names[] = {"channel.snr_db", "link.fec"};
static const int is_str[] = {0, 1};

static sim_out_layout layout(const char *text)
{
    sim_out_layout l = {2, names, is_str, text, "test.ini", 7, 0, 0, 0, 0, NULL};
    return l;
}

static sim_point_metrics metrics(double wer)
{
    sim_point_metrics m;
    sim_point_metrics_nan(&m);
    m.utterances = 3;
    m.wer = wer;
    m.ber = wer / 10;
    snprintf(m.status, sizeof m.status, "max_utterances");
    return m;
}

/* Read (point, repeat, snr, fec, wer, status) of every row. */
typedef struct row {
    int64_t point, repeat;
    double snr, wer, ber, cka;
    char fec[SIM_OUT_STR];
    char status[32];
} row;

static size_t read_rows(const char *path, row *rows, size_t cap)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t ds = H5Dopen2(f, "summary", H5P_DEFAULT);
    CU_ASSERT_FATAL(ds >= 0);
    hid_t sp = H5Dget_space(ds);
    size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
    CU_ASSERT_FATAL(n <= cap);
    hid_t s64 = H5Tcopy(H5T_C_S1), s32 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s64, SIM_OUT_STR);
    H5Tset_size(s32, 32);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(row));
    H5Tinsert(t, "point", HOFFSET(row, point), H5T_NATIVE_INT64);
    H5Tinsert(t, "repeat", HOFFSET(row, repeat), H5T_NATIVE_INT64);
    H5Tinsert(t, "channel.snr_db", HOFFSET(row, snr), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "wer", HOFFSET(row, wer), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "ber", HOFFSET(row, ber), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "cka", HOFFSET(row, cka), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "link.fec", HOFFSET(row, fec), s64);
    H5Tinsert(t, "status", HOFFSET(row, status), s32);
    if (n) CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    /* every CONTRACT metric column is present */
    hid_t ft = H5Dget_type(ds);
    static const char *const want[] = {
        "utterances",    "ref_words",   "sub", "del",       "ins",           "wer",
        "wer_ci_low",    "wer_ci_high", "cer", "sym_per_s", "handshake_sym", "cosine",
        "cka",           "jaccard",     "mrr", "foscttm",   "ber",           "latency_mean_s",
        "latency_p95_s", "status",      NULL};
    for (int i = 0; want[i]; i++) {
        int idx = H5Tget_member_index(ft, want[i]);
        if (idx < 0) fprintf(stderr, "  missing column %s\n", want[i]);
        CU_ASSERT(idx >= 0);
    }
    H5Tclose(ft);
    H5Tclose(t);
    H5Tclose(s64);
    H5Tclose(s32);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(f);
    return n;
}

/* /voices rows: point, repeat, voice, utterances, wer. */
typedef struct vrow {
    int64_t point, repeat;
    char voice[64];
    double utterances, wer;
} vrow;

static size_t read_voices(const char *path, vrow *rows, size_t cap)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    hid_t ds = H5Dopen2(f, "voices", H5P_DEFAULT);
    CU_ASSERT_FATAL(ds >= 0);
    hid_t sp = H5Dget_space(ds);
    size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
    CU_ASSERT_FATAL(n <= cap);
    hid_t s64 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s64, 64);
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(vrow));
    H5Tinsert(t, "point", HOFFSET(vrow, point), H5T_NATIVE_INT64);
    H5Tinsert(t, "repeat", HOFFSET(vrow, repeat), H5T_NATIVE_INT64);
    H5Tinsert(t, "voice", HOFFSET(vrow, voice), s64);
    H5Tinsert(t, "utterances", HOFFSET(vrow, utterances), H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "wer", HOFFSET(vrow, wer), H5T_NATIVE_DOUBLE);
    if (n) CU_ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    /* every column semsim-plot --stats reads */
    hid_t ft = H5Dget_type(ds);
    static const char *const want[] = {
        "point", "repeat", "voice",      "utterances",  "ref_words", "sub", "del",
        "ins",   "wer",    "wer_ci_low", "wer_ci_high", "ref_chars", "cer", NULL};
    for (int i = 0; want[i]; i++) {
        if (H5Tget_member_index(ft, want[i]) < 0) fprintf(stderr, "  missing column %s\n", want[i]);
        CU_ASSERT(H5Tget_member_index(ft, want[i]) >= 0);
    }
    H5Tclose(ft);
    H5Tclose(t);
    H5Tclose(s64);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(f);
    return n;
}

static void write_row(sim_out *o, size_t p, const char *snr, const char *fec, double wer)
{
    const char *vals[] = {snr, fec};
    sim_point_metrics m = metrics(wer);
    sim_utt_result u[2];
    memset(u, 0, sizeof u);
    snprintf(u[0].id, sizeof u[0].id, "a_1");
    u[0].reference = "the cat";
    u[0].hypothesis = "the hat";
    u[0].ref_words = 2;
    u[0].sub = 1;
    u[0].cosine = NAN;
    snprintf(u[1].id, sizeof u[1].id, "a_2");
    u[1].cosine = 0.5;
    /* two voices, "vb" first: finishing sorts them */
    sim_voice_metrics v[2];
    memset(v, 0, sizeof v);
    snprintf(v[0].voice, sizeof v[0].voice, "vb");
    snprintf(v[1].voice, sizeof v[1].voice, "va");
    v[0].utterances = 1;
    v[0].wer = wer;
    v[1].utterances = 2;
    v[1].wer = wer / 2;
    m.voices = 2;
    base_err e = BASE_ERR_INIT;
    base_status st = sim_out_write(o, p, 0, 1, 7, vals, &m, u, 2, v, 2, &e);
    if (st) fprintf(stderr, "  %s\n", e.msg);
    CU_ASSERT_EQUAL(st, BASE_OK);
}

static void test_write_and_read_back(void)
{
    char path[600], partial[700];
    test_tmppath(path, sizeof path, "a.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    sim_out_layout lay = layout("[scenario]\nseed = 7\n");
    sim_out *o;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, 0, &o, &e), BASE_OK);
    CU_ASSERT(test_exists(partial));
    CU_ASSERT(!test_exists(path));
    /* out of order on purpose: finishing sorts */
    write_row(o, 1, "10", "golay2412", 0.1);
    write_row(o, 0, "0", "none", 0.5);
    CU_ASSERT_EQUAL(sim_out_rows(o), 2);
    CU_ASSERT(sim_out_has(o, 1, 0));
    CU_ASSERT(!sim_out_has(o, 2, 0));
    CU_ASSERT_EQUAL_FATAL(sim_out_finish(o, NULL, 1, &e), BASE_OK);
    CU_ASSERT(test_exists(path));
    CU_ASSERT(!test_exists(partial));
    row rows[8];
    CU_ASSERT_EQUAL_FATAL(read_rows(path, rows, 8), 2);
    CU_ASSERT_EQUAL(rows[0].point, 0);
    TEST_ASSERT_NEAR(rows[0].snr, 0, 0);
    CU_ASSERT_STRING_EQUAL(rows[0].fec, "none");
    TEST_ASSERT_NEAR(rows[0].wer, 0.5, 0);
    CU_ASSERT_EQUAL(rows[1].point, 1);
    CU_ASSERT_STRING_EQUAL(rows[1].fec, "golay2412");
    TEST_ASSERT_NEAR(rows[1].ber, 0.01, 1e-15);
    CU_ASSERT(isnan(rows[1].cka));
    CU_ASSERT_STRING_EQUAL(rows[1].status, "max_utterances");
    /* /voices: two rows a point, sorted by (point, repeat, voice) */
    vrow v[8];
    CU_ASSERT_EQUAL_FATAL(read_voices(path, v, 8), 4);
    static const char *const vname[] = {"va", "vb", "va", "vb"};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(v[i].point, i / 2);
        CU_ASSERT_EQUAL(v[i].repeat, 0);
        CU_ASSERT_STRING_EQUAL(v[i].voice, vname[i]);
    }
    TEST_ASSERT_NEAR(v[0].wer, 0.25, 0); /* point 0 (wer 0.5), voice va */
    TEST_ASSERT_NEAR(v[3].wer, 0.1, 0);  /* point 1 (wer 0.1), voice vb */
    CU_ASSERT_EQUAL(v[2].utterances, 2);
    /* attributes and the per-utterance table */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    char text[256] = "";
    CU_ASSERT(H5LTget_attribute_string(f, "/", "scenario", text) >= 0);
    CU_ASSERT_STRING_EQUAL(text, "[scenario]\nseed = 7\n");
    CU_ASSERT(H5LTget_attribute_string(f, "/", "git_revision", text) >= 0);
    long long complete = 0;
    CU_ASSERT(H5LTget_attribute_long_long(f, "/", "complete", &complete) >= 0);
    CU_ASSERT_EQUAL(complete, 1);
    hid_t ds = H5Dopen2(f, "points/0001/utterances", H5P_DEFAULT);
    CU_ASSERT(ds >= 0);
    hsize_t n = 0;
    hid_t sp = H5Dget_space(ds);
    H5Sget_simple_extent_dims(sp, &n, NULL);
    CU_ASSERT_EQUAL(n, 2);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(f);
}

static void test_refuse_overwrite(void)
{
    char path[600];
    test_tmppath(path, sizeof path, "b.h5");
    FILE *fp = fopen(path, "w");
    fputs("precious", fp);
    fclose(fp);
    sim_out_layout lay = layout("x");
    sim_out *o = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_out_open(path, &lay, 0, &o, &e), BASE_EEXIST);
    CU_ASSERT(o == NULL);
    CU_ASSERT_STRING_EQUAL(e.msg, "exists; use --force to overwrite it");
    CU_ASSERT_EQUAL(sim_out_open(path, &lay, SIM_OUT_RESUME, &o, &e), BASE_EEXIST);
    char buf[16] = "";
    fp = fopen(path, "r");
    CU_ASSERT(fgets(buf, sizeof buf, fp) != NULL);
    fclose(fp);
    CU_ASSERT_STRING_EQUAL(buf, "precious"); /* untouched */
    /* with force: replaced only when finished */
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, SIM_OUT_FORCE, &o, &e), BASE_OK);
    write_row(o, 0, "1", "none", 0.2);
    CU_ASSERT_EQUAL(sim_out_close(o, &e), BASE_OK); /* interrupted: old file still there */
    fp = fopen(path, "r");
    CU_ASSERT(fgets(buf, sizeof buf, fp) != NULL);
    fclose(fp);
    CU_ASSERT_STRING_EQUAL(buf, "precious");
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, SIM_OUT_FORCE, &o, &e), BASE_OK);
    write_row(o, 0, "1", "none", 0.2);
    CU_ASSERT_EQUAL(sim_out_finish(o, NULL, 1, &e), BASE_OK);
    row rows[4];
    CU_ASSERT_EQUAL(read_rows(path, rows, 4), 1);
}

static void test_resume(void)
{
    char path[600], partial[700];
    test_tmppath(path, sizeof path, "c.h5");
    snprintf(partial, sizeof partial, "%s.partial", path);
    sim_out_layout lay = layout("scenario C");
    sim_out *o;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, 0, &o, &e), BASE_OK);
    write_row(o, 0, "0", "none", 0.5);
    write_row(o, 2, "2", "none", 0.3);
    CU_ASSERT_EQUAL(sim_out_close(o, &e), BASE_OK); /* as if killed */
    /* leave an orphan /points group, as a kill between the two writes would */
    hid_t f = H5Fopen(partial, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gcreate2(f, "points/0005", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    long long five = 5, zero = 0;
    H5LTset_attribute_long_long(g, ".", "point", &five, 1);
    H5LTset_attribute_long_long(g, ".", "repeat", &zero, 1);
    H5Gclose(g);
    H5Fclose(f);
    /* and /voices rows of that point without its /summary row */
    base_h5 *h = NULL;
    CU_ASSERT_EQUAL_FATAL(base_h5_resume(path, &h, &e), BASE_OK);
    sim_voice_metrics orphan;
    memset(&orphan, 0, sizeof orphan);
    snprintf(orphan.voice, sizeof orphan.voice, "vz");
    CU_ASSERT_EQUAL(sim_out_voices_append(h, 5, 0, &orphan, 1, &e), BASE_OK);
    CU_ASSERT_EQUAL(base_h5_close_partial(h, &e), BASE_OK);
    /* a different scenario may not resume it */
    sim_out_layout other = layout("scenario D");
    CU_ASSERT_EQUAL(sim_out_open(path, &other, SIM_OUT_RESUME, &o, &e), BASE_EEXIST);
    CU_ASSERT(strstr(e.msg, "different scenario") != NULL);
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, SIM_OUT_RESUME, &o, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_out_rows(o), 2);
    CU_ASSERT(sim_out_has(o, 0, 0) && sim_out_has(o, 2, 0) && !sim_out_has(o, 1, 0));
    write_row(o, 1, "1", "none", 0.4);
    CU_ASSERT_EQUAL_FATAL(sim_out_finish(o, NULL, 1, &e), BASE_OK);
    row rows[8];
    CU_ASSERT_EQUAL_FATAL(read_rows(path, rows, 8), 3);
    for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(rows[i].point, i);
    TEST_ASSERT_NEAR(rows[1].wer, 0.4, 0);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CU_ASSERT(H5Lexists(f, "points/0005", H5P_DEFAULT) <= 0);
    CU_ASSERT(H5Lexists(f, "points/0002", H5P_DEFAULT) > 0);
    H5Fclose(f);
    vrow v[16];
    CU_ASSERT_EQUAL_FATAL(read_voices(path, v, 16), 6); /* points 0-2, two voices each */
    for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(v[i].point, i / 2);
    /* without resume a stale partial is simply restarted */
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, SIM_OUT_FORCE, &o, &e), BASE_OK);
    write_row(o, 0, "0", "none", 0.5);
    CU_ASSERT_EQUAL(sim_out_close(o, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, SIM_OUT_FORCE, &o, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_out_rows(o), 0);
    CU_ASSERT_EQUAL(sim_out_close(o, &e), BASE_OK);
    CU_ASSERT_EQUAL(sim_out_close(NULL, &e), BASE_OK);
    /* a damaged partial file (a run killed while HDF5 wrote) cannot be
     * resumed: it is started over, and the caller is told */
    FILE *fp = fopen(partial, "w");
    CU_ASSERT_FATAL(fp != NULL);
    fputs("not hdf5 at all", fp);
    fclose(fp);
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, SIM_OUT_RESUME | SIM_OUT_FORCE, &o, &e),
                          BASE_OK);
    CU_ASSERT(sim_out_restarted(o));
    CU_ASSERT_EQUAL(sim_out_rows(o), 0);
    CU_ASSERT_EQUAL(sim_out_close(o, &e), BASE_OK);
    CU_ASSERT(!sim_out_restarted(NULL));
}

static void test_grid(void)
{
    char ini[600], path[600];
    test_tmppath(ini, sizeof ini, "g.ini");
    FILE *fp = fopen(ini, "w");
    fputs("[sweep]\nchannel.snr_db = 0,5,10\nlink.fec = none,rep3\n"
          "constraint = link.fec=rep3 -> skip\n",
          fp);
    fclose(fp);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(ini, &e);
    CU_ASSERT_FATAL(sc != NULL);
    sim_sweep *sw = sim_sweep_create(sc, &e);
    CU_ASSERT_FATAL(sw != NULL);
    CU_ASSERT_EQUAL(sim_sweep_count(sw), 3);
    test_tmppath(path, sizeof path, "g.h5");
    sim_out_layout lay = layout("grid");
    sim_out *o;
    CU_ASSERT_EQUAL_FATAL(sim_out_open(path, &lay, 0, &o, &e), BASE_OK);
    for (size_t p = 0; p < 3; p++) {
        const char *const *v = sim_sweep_values(sw, p);
        write_row(o, p, v[0], v[1], 0.1 * (double)p);
    }
    CU_ASSERT_EQUAL_FATAL(sim_out_finish(o, sw, 1, &e), BASE_OK);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t ds = H5Dopen2(f, "grid/wer", H5P_DEFAULT);
    CU_ASSERT_FATAL(ds >= 0);
    hsize_t dims[3];
    hid_t sp = H5Dget_space(ds);
    CU_ASSERT_EQUAL(H5Sget_simple_extent_ndims(sp), 3);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    CU_ASSERT(dims[0] == 3 && dims[1] == 2 && dims[2] == 1);
    double w[6];
    H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, w);
    TEST_ASSERT_NEAR(w[2], 0.1, 1e-15); /* snr 5, none */
    CU_ASSERT(isnan(w[3]));             /* snr 5, rep3: skipped */
    CU_ASSERT_EQUAL(H5DSget_num_scales(ds, 0), 1);
    CU_ASSERT_EQUAL(H5DSget_num_scales(ds, 2), 1);
    hid_t scale = H5Dopen2(f, "grid/channel.snr_db", H5P_DEFAULT);
    CU_ASSERT(H5DSis_scale(scale) > 0);
    CU_ASSERT(H5DSis_attached(ds, scale, 0) > 0);
    H5Dclose(scale);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(f);
    sim_sweep_destroy(sw);
    sim_scenario_destroy(sc);
}

static void test_trn(void)
{
    char dir[600], p[700], line[256];
    test_tmppath(dir, sizeof dir, "trn");
    sim_utt_result u[2];
    memset(u, 0, sizeof u);
    snprintf(u[0].id, sizeof u[0].id, "spk_1");
    u[0].reference = "the cat sat";
    u[0].hypothesis = "the (cat)";
    snprintf(u[1].id, sizeof u[1].id, "x2");
    u[1].reference = "a dog";
    u[1].hypothesis = NULL;
    CU_ASSERT_EQUAL(sim_out_write_trn(dir, 3, u, 2, NULL), BASE_OK);
    snprintf(p, sizeof p, "%s/0003.hyp.trn", dir);
    FILE *f = fopen(p, "r");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fgets(line, sizeof line, f) != NULL);
    CU_ASSERT_STRING_EQUAL(line, "the  cat  (spk_1)\n");
    CU_ASSERT(fgets(line, sizeof line, f) != NULL);
    CU_ASSERT_STRING_EQUAL(line, " (utt_x2)\n");
    fclose(f);
    /* nothing with a reference: nothing written */
    sim_utt_result b;
    memset(&b, 0, sizeof b);
    CU_ASSERT_EQUAL(sim_out_write_trn(dir, 4, &b, 1, NULL), BASE_OK);
    snprintf(p, sizeof p, "%s/0004.ref.trn", dir);
    CU_ASSERT(!test_exists(p));
    /* missing parents are made; a regular file in the way is an error */
    test_tmppath(dir, sizeof dir, "trn2/a/b");
    CU_ASSERT_EQUAL(sim_out_write_trn(dir, 0, u, 1, NULL), BASE_OK);
    snprintf(p, sizeof p, "%s/0000.ref.trn", dir);
    CU_ASSERT(test_exists(p));
    snprintf(p, sizeof p, "%s/0000.ref.trn/sub", dir);
    CU_ASSERT_NOT_EQUAL(sim_out_write_trn(p, 0, u, 1, NULL), BASE_OK);
}

int main(void)
{
    static const test_case cases[] = {
        {"write and read back /summary", test_write_and_read_back},
        {"refuse overwrite without force", test_refuse_overwrite},
        {"resume keeps rows", test_resume},
        {"grid with dimension scales", test_grid},
        {"trn files", test_trn},
        {NULL, NULL},
    };
    return test_main("output", cases);
}
