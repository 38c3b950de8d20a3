/* test_users.c -- per-user agents (issue 17 item 4): `[user.NAME]` sections
 * with their own tx.model / rx.model in a source.kind = semantic run. With
 * tiny random agents of different latent sizes (a, b: 8; c: 12) and the ridge
 * equalizer (each pair builds its own anchors), a 2-user run (a->b, b->c)
 * gives, for each user's utterances, the hypotheses a single-user run of that
 * pair gives (each pair is heard at least once); -j 1 and -j 2 give the
 * same hypotheses. The same holds for two users with the same agents and
 * their own anchors.* / equalizer.* keys. */
#include "sim/run.h"
#include "codecs/audio.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s", test_tmpdir());
    test_make_semantic_dir(dir);
}

/* The scenario name.ini (users: the [user.*] sections) run with -j jobs into
 * name.h5, hypotheses in folder name.trn. */
static void run(const char *name, const char *users, int jobs)
{
    char path[600], out[600], trn[600];
    snprintf(path, sizeof path, "%s/%s.ini", dir, name);
    snprintf(out, sizeof out, "%s/%s.h5", dir, name);
    snprintf(trn, sizeof trn, "%s/%s.trn", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f,
            "[scenario]\nutterances = 6\nseed = 3\n"
            "[source]\nkind = semantic\nmanifest = manifest.tsv\n"
            "[tx]\nmodel = a.h5\n[rx]\nmodel = b.h5\ndecoder = greedy\n"
            "[equalizer]\ntype = ridge\n"
            "[anchors]\ncount = 12\nselection = random\nmanifest = anchors.tsv\n"
            "[link]\nmode = analog\nframes_per_packet = 4\n"
            "[channel]\nmodel = awgn\nsnr_db = 200\n"
            "[output]\ntrn = %s\n%s",
            trn, users);
    fclose(f);
    base_err e = BASE_ERR_INIT;
    sim_scenario *sc = sim_scenario_load(path, &e);
    if (!sc) fprintf(stderr, "  %s:%d: %s\n", e.file, e.line, e.msg);
    CU_ASSERT_FATAL(sc != NULL);
    test_run_scenario(sc, out, jobs);
    sim_scenario_destroy(sc);
}

/* The hypothesis of utterance id in run name's point 0 (static buffer; "" if
 * absent, "(missing)" when the id is not there). */
static const char *hyp(const char *name, const char *id)
{
    static char line[1024];
    char path[700], tag[80];
    snprintf(path, sizeof path, "%s/%s.trn/0000.hyp.trn", dir, name);
    snprintf(tag, sizeof tag, "(%s)", id);
    FILE *f = fopen(path, "r");
    CU_ASSERT_FATAL(f != NULL);
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, tag);
        if (p) {
            *p = '\0';
            fclose(f);
            return line;
        }
    }
    fclose(f);
    return "(missing)";
}

static char *slurp(const char *name, const char *file)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, file);
    char *buf = test_slurp(path, NULL);
    CU_ASSERT_FATAL(buf != NULL);
    return buf;
}

/* Every utterance of the 2-user run two is heard as in run x or run y alone,
 * both are heard, and x and y differ somewhere (else the check is empty). */
static void assert_pairs(const char *two, const char *x, const char *y)
{
    int differ = 0, same_xy = 1, only_x = 0, only_y = 0;
    for (int i = 0; i < 3; i++) {
        char id[32], hx[1024], hy[1024];
        snprintf(id, sizeof id, "spk_%d", i);
        snprintf(hx, sizeof hx, "%s", hyp(x, id));
        snprintf(hy, sizeof hy, "%s", hyp(y, id));
        const char *h = hyp(two, id);
        if (strcmp(h, hx) && strcmp(h, hy)) {
            fprintf(stderr, "  %s: %s '%s', %s '%s', %s '%s'\n", id, two, h, x, hx, y, hy);
            differ++;
        }
        same_xy &= !strcmp(hx, hy);
        only_x += !strcmp(h, hx) && strcmp(h, hy);
        only_y += !strcmp(h, hy) && strcmp(h, hx);
    }
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT(!same_xy);
    /* both pairs were heard (fails when every user ran one pair) */
    CU_ASSERT(only_x >= 1 && only_y >= 1);
}

static void test_pairs_as_single(void)
{
    setup();
    /* user ab: a -> b (8 -> 8); user bc: b -> c (8 -> 12) */
    const char *users = "[user.ab]\n[user.bc]\ntx.model = b.h5\nrx.model = c.h5\n";
    run("two1", users, 1);
    run("two2", users, 2);
    run("ab", "", 1);
    run("bc", "[user.bc]\ntx.model = b.h5\nrx.model = c.h5\n", 1);
    char *h1 = slurp("two1", ".trn/0000.hyp.trn"), *h2 = slurp("two2", ".trn/0000.hyp.trn");
    CU_ASSERT_STRING_EQUAL(h1, h2); /* -j 1 == -j 2 */
    free(h1);
    free(h2);
    assert_pairs("two1", "ab", "bc");
}

/* The same agents with per-user anchor and equalizer keys: each user's own
 * anchors (count 12 / 5, selection random / fps) and ridge_lambda. */
static void test_pair_keys(void)
{
    setup();
    const char *k5 = "anchors.count = 5\nanchors.selection = fps\nequalizer.ridge_lambda = 10\n";
    char users[512], one[512];
    snprintf(users, sizeof users, "[user.k12]\n[user.k5]\n%s", k5);
    snprintf(one, sizeof one, "[user.k5]\n%s", k5);
    run("keys1", users, 1);
    run("keys2", users, 2);
    run("k12", "", 1);
    run("k5", one, 1);
    char *h1 = slurp("keys1", ".trn/0000.hyp.trn"), *h2 = slurp("keys2", ".trn/0000.hyp.trn");
    CU_ASSERT_STRING_EQUAL(h1, h2);
    free(h1);
    free(h2);
    assert_pairs("keys1", "k12", "k5");
}

int main(void)
{
    static const test_case cases[] = {
        {"2 users with their own agents = each pair alone; -j 1 = -j 2", test_pairs_as_single},
        {"2 users with their own anchor/equalizer keys = each alone", test_pair_keys},
        {NULL, NULL},
    };
    return test_main("users", cases);
}
