/* test_manifest.c -- codecs/manifest: manifest.tsv reading (paths, comments,
 * CRLF), every malformed-line error with file:line, the LibriSpeech layout,
 * the writer round trip, the speaker rule and reordering. */
#include "codecs/manifest.h"
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Write text to $tmp/name (creating folders in name) and return the path in buf. */
static const char *put(char *buf, size_t n, const char *name, const char *text)
{
    snprintf(buf, n, "%s/%s", test_tmpdir(), name);
    for (char *p = buf + strlen(test_tmpdir()) + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0777);
            *p = '/';
        }
    FILE *f = fopen(buf, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    return buf;
}

static void test_read_good(void)
{
    char p[512], want[600];
    put(p, sizeof p, "m1/manifest.tsv",
        "# a comment\n"
        "\n"
        "spk_a\ta.wav\tThe birch canoe.\n"
        "spk_b\tsub/b.flac\t  padded words  \r\n"
        "   \n"
        "spk_c\t/abs/c.wav\tthird\n"
        "spk_d\td.wav\tno newline at end");
    codec_manifest *m = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_read(p, &m, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_manifest_size(m), 4);
    CU_ASSERT_STRING_EQUAL(codec_manifest_id(m, 0), "spk_a");
    snprintf(want, sizeof want, "%s/m1/a.wav", test_tmpdir());
    CU_ASSERT_STRING_EQUAL(codec_manifest_audio_path(m, 0), want);
    CU_ASSERT_STRING_EQUAL(codec_manifest_audio_field(m, 0), "a.wav");
    CU_ASSERT_STRING_EQUAL(codec_manifest_transcript(m, 0), "The birch canoe.");
    snprintf(want, sizeof want, "%s/m1/sub/b.flac", test_tmpdir());
    CU_ASSERT_STRING_EQUAL(codec_manifest_audio_path(m, 1), want);
    CU_ASSERT_STRING_EQUAL(codec_manifest_transcript(m, 1), "padded words");
    CU_ASSERT_STRING_EQUAL(codec_manifest_audio_path(m, 2), "/abs/c.wav");
    CU_ASSERT_STRING_EQUAL(codec_manifest_transcript(m, 3), "no newline at end");
    CU_ASSERT_EQUAL(codec_manifest_find(m, "spk_c"), 2);
    CU_ASSERT_EQUAL(codec_manifest_find(m, "nope"), (size_t)-1);
    codec_manifest_destroy(m);
    codec_manifest_destroy(NULL);
}

/* Each malformed manifest gives its status and names file and line. */
static void test_read_errors(void)
{
    static const struct {
        const char *text;
        base_status st;
        int line;
        const char *msg; /* a word the message must contain */
    } cases[] = {
        {"a\ta.wav\tfine\nb\tb.wav\n", BASE_EFORMAT, 2, "too few"},
        {"#c\n\nonly-one-field\n", BASE_EFORMAT, 3, "too few"},
        {"a\ta.wav\tx\tspk\textra\n", BASE_EFORMAT, 1, "too many"},
        {"a\ta.wav\tx\tspk\nb\tb.wav\ty\n", BASE_EFORMAT, 2, "SPEAKER column"},
        {"a\ta.wav\tx\nb\tb.wav\ty\tspk\n", BASE_EFORMAT, 2, "SPEAKER column"},
        {"a\ta.wav\tx\t  \n", BASE_EFORMAT, 1, "speaker"},
        {"a\ta.wav\tone\nb\tb.wav\ttwo\na\tc.wav\tthree\n", BASE_EEXIST, 3, "duplicate"},
        {"a\ta.wav\t\n", BASE_EFORMAT, 1, "empty transcript"},
        {"a\ta.wav\t   \n", BASE_EFORMAT, 1, "empty transcript"},
        {"x\tx.wav\tok\nbad id\ta.wav\ttext\n", BASE_EFORMAT, 2, "whitespace"},
        {"\ta.wav\ttext\n", BASE_EFORMAT, 1, "empty id"},
        {"a\t\ttext\n", BASE_EFORMAT, 1, "empty audio"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char p[512], name[64];
        snprintf(name, sizeof name, "bad%zu.tsv", k);
        put(p, sizeof p, name, cases[k].text);
        codec_manifest *m = (codec_manifest *)&k;
        base_err e = BASE_ERR_INIT;
        base_status st = codec_manifest_read(p, &m, &e);
        if (st != cases[k].st || e.line != cases[k].line || !strstr(e.msg, cases[k].msg))
            fprintf(stderr, "  case %zu: %s line %d '%s'\n", k, base_status_str(st), e.line, e.msg);
        CU_ASSERT_EQUAL(st, cases[k].st);
        CU_ASSERT_PTR_NULL(m);
        CU_ASSERT_STRING_EQUAL(e.file, p);
        CU_ASSERT_EQUAL(e.line, cases[k].line);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, cases[k].msg));
    }
    char p[512];
    snprintf(p, sizeof p, "%s/no-such-manifest.tsv", test_tmpdir());
    codec_manifest *m = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(codec_manifest_read(p, &m, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, p);
    CU_ASSERT_EQUAL(codec_manifest_read(test_tmpdir(), &m, &e), BASE_EIO);
    CU_ASSERT_EQUAL(codec_manifest_read(NULL, &m, NULL), BASE_EINVAL);
}

static void test_librispeech(void)
{
    char p[512], root[512], want[600];
    put(p, sizeof p, "ls/dev/84/121123/84-121123.trans.txt",
        "84-121123-0000 GO DO YOU HEAR\n84-121123-0001 BUT IN LESS THAN FIVE MINUTES\n");
    put(p, sizeof p, "ls/dev/174/50561/174-50561.trans.txt", "174-50561-0000 FORGOTTEN TOO\n");
    put(p, sizeof p, "ls/dev/174/50561/174-50561-0000.flac", "");
    snprintf(root, sizeof root, "%s/ls", test_tmpdir());
    codec_manifest *m = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_read_librispeech(root, &m, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_manifest_size(m), 3);
    /* folders in byte order: "174" < "84" */
    CU_ASSERT_STRING_EQUAL(codec_manifest_id(m, 0), "174-50561-0000");
    snprintf(want, sizeof want, "%s/ls/dev/174/50561/174-50561-0000.flac", test_tmpdir());
    CU_ASSERT_STRING_EQUAL(codec_manifest_audio_path(m, 0), want);
    CU_ASSERT_STRING_EQUAL(codec_manifest_transcript(m, 0), "FORGOTTEN TOO");
    CU_ASSERT_STRING_EQUAL(codec_manifest_id(m, 2), "84-121123-0001");
    CU_ASSERT_STRING_EQUAL(codec_manifest_transcript(m, 2), "BUT IN LESS THAN FIVE MINUTES");
    /* the speaker is the id's first field, not the chapter folder */
    CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(m, 0), "174");
    CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(m, 1), "84");
    CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(m, 2), "84");
    codec_manifest_destroy(m);

    /* a line without transcript names the .trans.txt and line */
    put(p, sizeof p, "ls2/1/2/1-2.trans.txt", "1-2-0000 OK\n1-2-0001\n");
    snprintf(root, sizeof root, "%s/ls2", test_tmpdir());
    CU_ASSERT_EQUAL(codec_manifest_read_librispeech(root, &m, &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(e.file, p);
    CU_ASSERT_EQUAL(e.line, 2);
    /* no .trans.txt at all; missing folder */
    snprintf(root, sizeof root, "%s/m1", test_tmpdir());
    mkdir(root, 0777);
    CU_ASSERT_EQUAL(codec_manifest_read_librispeech(root, &m, &e), BASE_ENOTFOUND);
    snprintf(root, sizeof root, "%s/nowhere", test_tmpdir());
    CU_ASSERT_EQUAL(codec_manifest_read_librispeech(root, &m, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, root);
    CU_ASSERT_PTR_NULL(m);
}

static void test_write_round_trip(void)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/w", test_tmpdir());
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    codec_manifest *m = NULL, *r = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_create(dir, &m, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_manifest_add(m, "v_L0001", "v/v_L0001.wav", "Hello, world.", &e),
                    BASE_OK);
    CU_ASSERT_EQUAL(codec_manifest_add(m, "v_L0002", "v/v_L0002.wav", "It's two.", &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_manifest_add(m, "v_L0001", "x.wav", "dup", &e), BASE_EEXIST);
    CU_ASSERT_EQUAL(codec_manifest_add(m, "has space", "x.wav", "t", &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(codec_manifest_add(m, "t", "x.wav", "a\tb", &e), BASE_EFORMAT);
    CU_ASSERT_EQUAL(codec_manifest_add(m, "e", "x.wav", "", &e), BASE_EFORMAT);
    for (int i = 0; i < 300; i++) { /* grows the id table several times */
        char id[32];
        snprintf(id, sizeof id, "g_%d", i);
        CU_ASSERT_EQUAL(codec_manifest_add(m, id, "g.wav", "g", &e), BASE_OK);
    }
    CU_ASSERT_EQUAL(codec_manifest_find(m, "g_299"), 301);
    CU_ASSERT_EQUAL(codec_manifest_write(m, path, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_manifest_read(path, &r, &e), BASE_OK);
    CU_ASSERT_EQUAL_FATAL(codec_manifest_size(r), codec_manifest_size(m));
    for (size_t i = 0; i < codec_manifest_size(m); i++) {
        CU_ASSERT_STRING_EQUAL(codec_manifest_id(r, i), codec_manifest_id(m, i));
        CU_ASSERT_STRING_EQUAL(codec_manifest_audio_path(r, i), codec_manifest_audio_path(m, i));
        CU_ASSERT_STRING_EQUAL(codec_manifest_transcript(r, i), codec_manifest_transcript(m, i));
    }
    snprintf(path, sizeof path, "%s/no/such/dir/manifest.tsv", dir);
    CU_ASSERT_EQUAL(codec_manifest_write(m, path, &e), BASE_EIO);
    CU_ASSERT_STRING_EQUAL(e.file, path);
    codec_manifest_destroy(m);
    codec_manifest_destroy(r);
}

/* The speaker rule of manifest.h, one layout per case. */
static void test_speakers(void)
{
    static const struct {
        const char *name, *text;
        const char *want[4];
    } cases[] = {
        /* 1. a SPEAKER column wins over folders and ids */
        {"s1/manifest.tsv",
         "a_1\tx/a.wav\tone\tAnn\nb_1\ty/b.wav\ttwo\tBob Smith\n",
         {"Ann", "Bob Smith"}},
        /* 2. several folders (VCTK, the TTS source): the file's folder below
         * the one holding all, whatever the ids say */
        {"s2/manifest.tsv",
         "p225_001\twav48/p225/p225_001.wav\tone\np226_001\twav48/p226/p226_001.wav\ttwo\n"
         "x-9\twav48/p227/x.wav\tthree\n",
         {"p225", "p226", "p227"}},
        /* sessions named alike under different speakers stay apart; a file in
         * the common folder itself gets that folder's name */
        {"s2b/manifest.tsv",
         "a_1\tc/spk0/1/a.wav\tone\nb_1\tc/spk1/1/b.wav\ttwo\nc_1\tc/spk1/c.wav\tthree\n"
         "d_1\tc/d.wav\tfour\n",
         {"spk0/1", "spk1/1", "spk1", "c"}},
        /* 3. one folder: the id up to its last '_' or '-' */
        {"s3/manifest.tsv",
         "p225_001\ta/1.wav\tone\nspk-a-7\ta/2.wav\ttwo\nmix_a-b_3\ta/3.wav\tthree\n",
         {"p225", "spk-a", "mix_a-b"}},
        /* 4. an id without a separator (or only a leading one): the folder's name */
        {"s4/manifest.tsv", "utt1\tdata/1.wav\tone\n_2\tdata/2.wav\ttwo\n", {"data", "data"}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char p[512];
        put(p, sizeof p, cases[k].name, cases[k].text);
        codec_manifest *m = NULL;
        base_err e = BASE_ERR_INIT;
        CU_ASSERT_EQUAL_FATAL(codec_manifest_read(p, &m, &e), BASE_OK);
        for (size_t i = 0; i < codec_manifest_size(m); i++) {
            if (strcmp(codec_manifest_speaker(m, i), cases[k].want[i]))
                fprintf(stderr, "  case %zu entry %zu: '%s', want '%s'\n", k, i,
                        codec_manifest_speaker(m, i), cases[k].want[i]);
            CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(m, i), cases[k].want[i]);
        }
        codec_manifest_destroy(m);
    }
    /* given speakers survive the writer; derived ones are not written */
    char dir[512], path[600], line[256];
    snprintf(dir, sizeof dir, "%s/s5", test_tmpdir());
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    codec_manifest *m = NULL, *r = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_create(dir, &m, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_manifest_add_speaker(m, "a_1", "a.wav", "one", "Ann", &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_manifest_add_speaker(m, "b_1", "b.wav", "two", NULL, &e), BASE_OK);
    CU_ASSERT_EQUAL(codec_manifest_add_speaker(m, "c_1", "c.wav", "two", "\t", &e), BASE_EFORMAT);
    CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(m, 1), "b");
    CU_ASSERT_EQUAL(codec_manifest_write(m, path, &e), BASE_OK);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof line, f));
    CU_ASSERT_STRING_EQUAL(line, "# ID\tAUDIO\tTRANSCRIPT\tSPEAKER\n");
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(codec_manifest_read(path, &r, &e), BASE_OK);
    CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(r, 0), "Ann");
    CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(r, 1), "b");
    codec_manifest_destroy(r);
    codec_manifest_destroy(m);
}

static void test_permute(void)
{
    codec_manifest *m = NULL;
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL_FATAL(codec_manifest_create(NULL, &m, &e), BASE_OK);
    const char *ids[] = {"v1/a_1", "v1/a_2", "v2/b_1", "v2/b_2"};
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "%s", strchr(ids[i], '/') + 1);
        CU_ASSERT_EQUAL(codec_manifest_add(m, id, ids[i], "text", &e), BASE_OK);
    }
    const size_t order[] = {3, 0, 2, 1}, bad[] = {0, 0, 1, 2}, out_of_range[] = {0, 1, 2, 4};
    CU_ASSERT_EQUAL(codec_manifest_permute(m, bad, &e), BASE_EINVAL);
    CU_ASSERT_EQUAL(codec_manifest_permute(m, out_of_range, &e), BASE_EINVAL);
    CU_ASSERT_STRING_EQUAL(codec_manifest_id(m, 0), "a_1"); /* unchanged */
    CU_ASSERT_EQUAL(codec_manifest_permute(m, order, &e), BASE_OK);
    const char *want[] = {"b_2", "a_1", "b_1", "a_2"}, *spk[] = {"v2", "v1", "v2", "v1"};
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_STRING_EQUAL(codec_manifest_id(m, i), want[i]);
        CU_ASSERT_STRING_EQUAL(codec_manifest_speaker(m, i), spk[i]);
        CU_ASSERT_EQUAL(codec_manifest_find(m, want[i]), i);
    }
    codec_manifest_destroy(m);
}

int main(void)
{
    static const test_case cases[] = {
        {"read a good manifest", test_read_good},
        {"malformed lines: status, file, line", test_read_errors},
        {"LibriSpeech layout", test_librispeech},
        {"writer round trip", test_write_round_trip},
        {"speakers: column, folders, ids", test_speakers},
        {"permute", test_permute},
        {NULL, NULL},
    };
    return test_main("manifest", cases);
}
