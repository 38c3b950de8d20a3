/* test_cmd_cache.c -- caches that cannot go stale (issue 13, item 6):
 *   - the TTS cache key (sim_tts_corpus_dir) follows the text of the selected
 *     lines and the voices, not the files' other bytes or their paths;
 *   - `semsim cache list` shows every entry with its sidecar, `semsim cache
 *     clear` removes only entries, of the kinds asked, waits for an entry's
 *     lock held by a builder and keeps a TTS entry a live run registered for;
 *   - end to end: `semsim run` with a relative head whose training manifest is
 *     edited IN PLACE between two runs trains a second head (the old keying by
 *     path reused the first). SEMSIM_TEST_BIN, when set, names the semsim to
 *     run (to show the old binary failing this).
 */
#include "sim/cmd.h"
#include "sim/tts_source.h"
#include "tests/testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The entry folder name (the key) sim_tts_corpus_dir gives. */
static void tts_key(const char *text, const char *lines, const char *voices, char *key, size_t n)
{
    char dir[4096];
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(sim_tts_corpus_dir(text, lines, voices, "/cache", dir, sizeof dir, &e),
                    BASE_OK);
    if (e.code) fprintf(stderr, "  tts key: %s\n", e.msg);
    snprintf(key, n, "%.40s", strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir);
}

static void test_tts_key(void)
{
    char text[600], voices[600], moved[600], k0[64], k[64];
    test_tmppath(text, sizeof text, "text.txt");
    test_tmppath(voices, sizeof voices, "voices.txt");
    test_put(text, "The birch canoe slid on the smooth planks.\nGlue the sheet to the dark blue "
                   "background.\nIt's easy to tell the depth of a well.\n");
    test_put(voices, "espeak-ng en-us+f1\nflite kal16\n");
    tts_key(text, "1-2", voices, k0, sizeof k0);
    CU_ASSERT_EQUAL(strlen(k0), 32);
    tts_key(text, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_EQUAL(k, k0);
    /* a selected line changes: a new key */
    test_put(text, "The birch canoe slid on the smooth plank.\nGlue the sheet to the dark blue "
                   "background.\nIt's easy to tell the depth of a well.\n");
    tts_key(text, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_NOT_EQUAL(k, k0);
    test_put(text, "The birch canoe slid on the smooth planks.\nGlue the sheet to the dark blue "
                   "background.\nIt's easy to tell the depth of a well.\n");
    tts_key(text, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_EQUAL(k, k0);
    /* a line outside the range, a comment of the voices file, a move: same key
     * (the old key hashed the files' bytes and re-synthesised for these) */
    test_put(text, "The birch canoe slid on the smooth planks.\nGlue the sheet to the dark blue "
                   "background.\nA different third line.\n");
    tts_key(text, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_EQUAL(k, k0);
    test_put(voices, "# two voices\nespeak-ng en-us+f1   # the first\nflite kal16\n");
    tts_key(text, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_EQUAL(k, k0);
    test_tmppath(moved, sizeof moved, "moved-text.txt");
    CU_ASSERT_EQUAL(rename(text, moved), 0);
    tts_key(moved, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_EQUAL(k, k0);
    CU_ASSERT_EQUAL(rename(moved, text), 0);
    /* another range, another voice, another voice order: new keys */
    tts_key(text, "1-3", voices, k, sizeof k);
    CU_ASSERT_STRING_NOT_EQUAL(k, k0);
    test_put(voices, "espeak-ng en-us+f2\nflite kal16\n");
    tts_key(text, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_NOT_EQUAL(k, k0);
    test_put(voices, "flite kal16\nespeak-ng en-us+f1\n");
    tts_key(text, "1-2", voices, k, sizeof k);
    CU_ASSERT_STRING_NOT_EQUAL(k, k0);
    /* an unknown engine is an error naming the voices file's line */
    test_put(voices, "espeak-ng en-us+f1\nfestival kal\n");
    char dir[4096];
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_NOT_EQUAL(sim_tts_corpus_dir(text, "1-2", voices, "/cache", dir, sizeof dir, &e),
                        BASE_OK);
    CU_ASSERT_STRING_EQUAL(e.file, voices);
    CU_ASSERT_EQUAL(e.line, 2);
}

/* Runs `semsim cache ARGS` in-process; stdout into out. */
static int cache_cmd(char *out, size_t n, const char *const *args)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = "cache";
    for (; args[argc - 1] && argc < 15; argc++) argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    char path[600];
    test_tmppath(path, sizeof path, "stdout.txt");
    fflush(stdout);
    int saved = dup(1), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    close(fd);
    int rc = sim_cmd_cache(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    FILE *f = fopen(path, "r");
    size_t k = f ? fread(out, 1, n - 1, f) : 0;
    out[k] = 0;
    if (f) fclose(f);
    return rc;
}

#define TTS_KEY "0123456789abcdef0123456789abcdef"
#define HEAD_KEY "fedcba9876543210"

/* A cache folder with one TTS entry, one head, and things that are no entries. */
static void make_cache(const char *dir)
{
    char p[1024];
    mkdir(dir, 0777);
    snprintf(p, sizeof p, "%s/%s", dir, TTS_KEY);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/%s/manifest.tsv", dir, TTS_KEY);
    test_put(p, "a\ta.wav\tcab\n");
    snprintf(p, sizeof p, "%s/%s/a.wav", dir, TTS_KEY);
    test_put(p, "RIFF....");
    snprintf(p, sizeof p, "%s/%s/%s", dir, TTS_KEY, SIM_TTS_ENTRY_INFO);
    test_put(p, "kind = tts\ncreated = 2026-01-02T03:04:05Z\nfrom = text.txt lines 1-2\n");
    snprintf(p, sizeof p, "%s/relhead-%s.h5", dir, HEAD_KEY);
    test_put(p, "HDF5 head");
    snprintf(p, sizeof p, "%s/relhead-%s.txt", dir, HEAD_KEY);
    test_put(p, "kind = relative-head\ncreated = 2026-01-02T03:04:06Z\nfrom = rx B.h5, 600 utts\n");
    snprintf(p, sizeof p, "%s/notes.txt", dir);
    test_put(p, "keep me");
    snprintf(p, sizeof p, "%s/0123", dir); /* a folder that is no entry */
    mkdir(p, 0777);
}

static int exists(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return test_exists(p);
}

static void test_list_clear(void)
{
    char dir[600], out[8192];
    test_tmppath(dir, sizeof dir, "cache-a");
    make_cache(dir);
    const char *list[] = {"list", "--dir", dir, NULL};
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, list), SIM_EXIT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, TTS_KEY));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, HEAD_KEY));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "2026-01-02T03:04:05Z"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "text.txt lines 1-2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "rx B.h5, 600 utts"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "2 entries"));
    CU_ASSERT_PTR_NULL(strstr(out, "notes"));
    /* --heads removes the head and its sidecar only */
    const char *heads[] = {"clear", "--heads", "--dir", dir, NULL};
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, heads), SIM_EXIT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "removed 1 entries"));
    CU_ASSERT(!exists(dir, "relhead-" HEAD_KEY ".h5"));
    CU_ASSERT(!exists(dir, "relhead-" HEAD_KEY ".txt"));
    CU_ASSERT(exists(dir, TTS_KEY "/manifest.tsv"));
    /* --tts removes the TTS entry; what is no entry stays, and the locks */
    const char *tts[] = {"clear", "--tts", "--dir", dir, NULL};
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, tts), SIM_EXIT_OK);
    CU_ASSERT(!exists(dir, TTS_KEY));
    CU_ASSERT(exists(dir, TTS_KEY ".lock"));
    CU_ASSERT(exists(dir, "notes.txt"));
    CU_ASSERT(exists(dir, "0123"));
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, list), SIM_EXIT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "0 entries"));
    /* a missing folder has no entries; usage errors exit 2 */
    const char *none[] = {"list", "--dir", "/nonexistent/semsim-cache", NULL};
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, none), SIM_EXIT_OK);
    const char *bad1[] = {"purge", NULL}, *bad2[] = {"list", "--tts", NULL}, *bad3[] = {NULL};
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, bad1), SIM_EXIT_USAGE);
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, bad2), SIM_EXIT_USAGE);
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, bad3), SIM_EXIT_USAGE);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* clear waits for a builder holding an entry's lock (another process here). */
static void test_clear_waits_for_lock(void)
{
    char dir[600], lock[1024], out[4096];
    test_tmppath(dir, sizeof dir, "cache-b");
    make_cache(dir);
    snprintf(lock, sizeof lock, "%s/relhead-%s.h5.lock", dir, HEAD_KEY);
    int pipefd[2];
    CU_ASSERT_EQUAL_FATAL(pipe(pipefd), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(lock, O_CREAT | O_RDWR, 0666);
        flock(fd, LOCK_EX);
        if (write(pipefd[1], "x", 1) != 1) _exit(1);
        usleep(800 * 1000);
        _exit(0);
    }
    char c;
    CU_ASSERT_EQUAL(read(pipefd[0], &c, 1), 1); /* the child holds the lock */
    double t0 = now_s();
    const char *heads[] = {"clear", "--heads", "--dir", dir, NULL};
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, heads), SIM_EXIT_OK);
    double waited = now_s() - t0;
    if (waited < 0.5) fprintf(stderr, "  clear did not wait for the lock (%.3f s)\n", waited);
    CU_ASSERT(waited >= 0.5);
    CU_ASSERT(!exists(dir, "relhead-" HEAD_KEY ".h5"));
    waitpid(pid, NULL, 0);
    close(pipefd[0]), close(pipefd[1]);
}

/* clear keeps a TTS entry a live process registered for, removes it once that
 * process is gone. */
static void test_clear_keeps_entry_in_use(void)
{
    char dir[600], users[1024], p[1400], host[256], out[4096];
    test_tmppath(dir, sizeof dir, "cache-c");
    make_cache(dir);
    gethostname(host, sizeof host);
    host[sizeof host - 1] = 0;
    snprintf(users, sizeof users, "%s/%s/%s", dir, TTS_KEY, SIM_TTS_ENTRY_USERS);
    CU_ASSERT_EQUAL_FATAL(mkdir(users, 0777), 0);
    snprintf(p, sizeof p, "%s/%ld@%s", users, (long)getpid(), host); /* this process: alive */
    test_put(p, "");
    const char *tts[] = {"clear", "--tts", "--dir", dir, NULL};
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, tts), SIM_EXIT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "in use by"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "removed 0 entries"));
    CU_ASSERT(exists(dir, TTS_KEY "/manifest.tsv"));
    /* the user is a process that has exited: removed */
    unlink(p);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    snprintf(p, sizeof p, "%s/%ld@%s", users, (long)pid, host);
    test_put(p, "");
    CU_ASSERT_EQUAL(cache_cmd(out, sizeof out, tts), SIM_EXIT_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "removed 1 entries"));
    CU_ASSERT(!exists(dir, TTS_KEY));
}

/* ---- end to end: a relative head's manifest edited in place -------------------- */

static const char *semsim_bin(void)
{
    const char *b = getenv("SEMSIM_TEST_BIN");
    return b && *b ? b : SEMSIM_BUILDDIR "/semsim";
}

static int count_heads(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        n += !strncmp(de->d_name, "relhead-", 8) && l > 3 && !strcmp(de->d_name + l - 3, ".h5");
    }
    closedir(d);
    return n;
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "  failed (%d): %s\n", rc, cmd);
    return rc;
}

static void test_run_manifest_edit_retrains(void)
{
    char d[600], cmd[8192], src[1024], ini[1024], heads[1024], man[1024];
    snprintf(d, sizeof d, "%s/e2e", test_tmpdir());
    mkdir(d, 0777);
    snprintf(heads, sizeof heads, "%s/heads", d);
    snprintf(man, sizeof man, "%s/train/manifest.tsv", d);
    snprintf(src, sizeof src, "%s/voice.txt", d);
    test_put(src, "espeak-ng en-us\n");
    char text[1024];
    test_srcpath(text, sizeof text, "data/harvard.txt");
    /* the receiver's training (and anchor) corpus and two evaluated utterances */
    snprintf(cmd, sizeof cmd,
             "%s corpus --text %s --lines 1-8 --voices %s -o %s/train -q && "
             "%s corpus --text %s --lines 501-502 --voices %s -o %s/eval -q",
             semsim_bin(), text, src, d, semsim_bin(), text, src, d);
    CU_ASSERT_EQUAL_FATAL(sh(cmd), 0);
    char a[1024], b[1024];
    test_srcpath(a, sizeof a, "models/A.h5");
    test_srcpath(b, sizeof b, "models/B.h5");
    snprintf(ini, sizeof ini, "%s/head.ini", d);
    snprintf(cmd, sizeof cmd,
             "[scenario]\nseed = 1\nutterances = 1\n[source]\nkind = semantic\n"
             "manifest = %s/eval/manifest.tsv\n[tx]\nmodel = %s\n[rx]\nmodel = %s\n"
             "decoder = greedy\n[equalizer]\ntype = relative\ntrain_manifest = %s\n"
             "train_utterances = 8\nhead_steps = 2\ncache = %s\n[anchors]\ncount = 8\n"
             "selection = random\nutterances = 4\nmanifest = %s\n[link]\nmode = analog\n"
             "[channel]\nmodel = none\n",
             d, a, b, man, heads, man);
    test_put(ini, cmd);
    snprintf(cmd, sizeof cmd, "%s run %s -o %s/out1.h5 --quiet", semsim_bin(), ini, d);
    CU_ASSERT_EQUAL_FATAL(sh(cmd), 0);
    CU_ASSERT_EQUAL(count_heads(heads), 1);
    /* unchanged inputs: the cached head, no new one */
    snprintf(cmd, sizeof cmd, "%s run %s -o %s/out2.h5 --quiet", semsim_bin(), ini, d);
    CU_ASSERT_EQUAL_FATAL(sh(cmd), 0);
    CU_ASSERT_EQUAL(count_heads(heads), 1);
    /* change the last utterance's transcript IN PLACE (same path, same number of
     * utterances): a new head */
    snprintf(cmd, sizeof cmd, "sed -i '$s/\\t[^\\t]*$/\\tthe edited sentence/' %s", man);
    CU_ASSERT_EQUAL_FATAL(sh(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s run %s -o %s/out3.h5 --quiet", semsim_bin(), ini, d);
    CU_ASSERT_EQUAL_FATAL(sh(cmd), 0);
    int n = count_heads(heads);
    if (n != 2)
        fprintf(stderr, "  %d head(s) after the manifest edit: a stale head was reused\n", n);
    CU_ASSERT_EQUAL(n, 2);
}

int main(void)
{
    static const test_case cases[] = {
        {"TTS key follows the selected text and voices", test_tts_key},
        {"cache list and clear", test_list_clear},
        {"clear waits for an entry's lock", test_clear_waits_for_lock},
        {"clear keeps a TTS entry a live run uses", test_clear_keeps_entry_in_use},
        {"run: a head's manifest edited in place retrains", test_run_manifest_edit_retrains},
        {NULL, NULL},
    };
    return test_main("cmd_cache", cases);
}
