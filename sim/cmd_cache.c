/* cmd_cache.c -- `semsim cache`: list and clear the caches a run fills.
 *
 *   semsim cache list  [--dir D]...
 *   semsim cache clear [--tts | --heads | --all] [--dir D]...
 *
 * Two kinds of entry, both named by a content key (so they cannot go stale;
 * see sim/tts_source.h and anchors/relhead.h, "Cache"):
 *   tts            ROOT/<32 hex>/ : WAVs + manifest.tsv of a synthesised corpus,
 *                  sidecar ROOT/<key>/cache-entry.txt, lock ROOT/<key>.lock
 *   relative-head  DIR/relhead-<16 hex>.h5 : a trained head, sidecar
 *                  DIR/relhead-<key>.txt, lock DIR/relhead-<key>.h5.lock
 * Without --dir the defaults are searched: the TTS cache (source.cache's
 * default, sim/datadir.h) and ./semsim-cache (equalizer.cache's default).
 * With --dir, each folder given is searched for both kinds.
 *
 * list prints one line per entry: kind, key, size, created (from the sidecar;
 * the file's time for an entry made before sidecars existed), what from.
 * clear removes entries of the kinds asked (default --all). Each entry is
 * removed under its lock (base_fs_lock, the lock the builders take), so a run
 * building or looking up that entry at the same time either finishes first or
 * finds it gone and rebuilds it. A TTS entry that a live process registered
 * for (sim/tts_source.h, SIM_TTS_ENTRY_USERS: a run that may still read its
 * WAVs) is kept and named; otherwise it is first renamed out of the way (one
 * atomic step: readers never see half of it), then deleted. A relative head is
 * read whole when a run loads it, so removing it never disturbs a run (a later
 * job of that run would train the same head again, deterministically). Lock files
 * stay (zero bytes): removing one would let a process waiting on the old file
 * and a newcomer on a new one both hold "the" lock. Nothing that does not look
 * like an entry (name and kind above) is touched.
 */
#include "sim/cmd.h"

#include "anchors/relhead.h"
#include "base/fs.h"
#include "sim/datadir.h"
#include "sim/tts_source.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_DIRS 16
#define HEADS_DEFAULT "semsim-cache"

enum { KIND_TTS = 1, KIND_HEAD = 2 };

static void usage(FILE *out)
{
    fprintf(out,
            "usage: semsim cache list [--dir D]...\n"
            "       semsim cache clear [--tts | --heads | --all] [--dir D]...\n"
            "\n"
            "Lists or removes the entries of semsim's caches: synthesised TTS corpora\n"
            "(source.cache; default the build tree's cache/tts, or ~/.cache/semsim/tts when\n"
            "installed) and trained relative heads (equalizer.cache; default ./semsim-cache).\n"
            "Every entry is named by a hash of the content it was built from; its sidecar\n"
            "says what that was.\n"
            "\n"
            "  list          one line per entry: kind, key, size, created, what from\n"
            "  clear         remove entries (each under its lock; safe beside a running run)\n"
            "  --tts         clear: TTS entries only\n"
            "  --heads       clear: relative heads only\n"
            "  --all         clear: both (the default)\n"
            "  --dir D       search folder D (repeatable) instead of the two defaults\n"
            "  -h, --help    this text\n");
}

static int usage_error(const char *what)
{
    fprintf(stderr, "semsim cache: %s\n", what);
    usage(stderr);
    return SIM_EXIT_USAGE;
}

/* ---- recognising entries --------------------------------------------------------- */

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

/* The kind of directory entry name in dir, or 0 when it is no cache entry. */
static int entry_kind(const char *dir, const char *name)
{
    char path[8192];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n = strlen(name);
    if (n == 32 && all_hex(name, 32) && !lstat(path, &sb) && S_ISDIR(sb.st_mode)) return KIND_TTS;
    if (n == 8 + 16 + 3 && !strncmp(name, "relhead-", 8) && all_hex(name + 8, 16) &&
        !strcmp(name + 24, ".h5") && !lstat(path, &sb) && S_ISREG(sb.st_mode))
        return KIND_HEAD;
    return 0;
}

/* ---- sizes and sidecars ---------------------------------------------------------- */

/* Bytes of the file at path, or of every file under the folder at path
 * (links not followed); with rm, removes them as it goes (folders after their
 * contents). -1 when something could not be removed. */
static int walk(const char *path, int rm, unsigned long long *bytes)
{
    struct stat sb;
    if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode)) {
        *bytes += (unsigned long long)sb.st_size;
        return rm && unlink(path) != 0 && errno != ENOENT ? -1 : 0;
    }
    DIR *d = opendir(path);
    if (!d) return -1;
    int bad = 0;
    struct dirent *de;
    char sub[8192];
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            bad |= walk(sub, rm, bytes);
        }
    closedir(d);
    return bad || (rm && rmdir(path) != 0 && errno != ENOENT) ? -1 : 0;
}

static unsigned long long path_bytes(const char *path)
{
    unsigned long long b = 0;
    walk(path, 0, &b);
    return b;
}

/* Value of "key = value" in the sidecar file, into out ("" when absent). */
static void sidecar_get(const char *side, const char *key, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen(side, "r");
    if (!f) return;
    char line[8192];
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl) || strncmp(line + kl, " = ", 3)) continue;
        line[strcspn(line, "\n")] = 0;
        snprintf(out, cap, "%s", line + kl + 3);
        break;
    }
    fclose(f);
}

/* Paths of an entry: the entry itself, its sidecar, its lock. */
typedef struct entry {
    int kind;
    char key[40];
    char path[4096], side[4400], lock[4200];
} entry;

static void entry_make(entry *e, const char *dir, const char *name, int kind)
{
    e->kind = kind;
    snprintf(e->path, sizeof e->path, "%s/%s", dir, name);
    snprintf(e->lock, sizeof e->lock, "%s.lock", e->path);
    if (kind == KIND_TTS) {
        snprintf(e->key, sizeof e->key, "%.32s", name);
        snprintf(e->side, sizeof e->side, "%s/%s", e->path, SIM_TTS_ENTRY_INFO);
    } else {
        snprintf(e->key, sizeof e->key, "%.16s", name + 8);
        snprintf(e->side, sizeof e->side, "%s/relhead-%s.txt", dir, e->key);
    }
}

static void print_entry(const entry *e)
{
    char created[64], from[4096], size[32];
    struct stat sb;
    sidecar_get(e->side, "created", created, sizeof created);
    sidecar_get(e->side, "from", from, sizeof from);
    if (!created[0] && !stat(e->path, &sb)) {
        struct tm tm;
        strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&sb.st_mtime, &tm));
    }
    if (!from[0])
        snprintf(from, sizeof from, "(no sidecar: made before content keys; never used again)");
    char man[4200];
    snprintf(man, sizeof man, "%s/manifest.tsv", e->path);
    if (e->kind == KIND_TTS && !base_fs_is_file(man))
        snprintf(from + strlen(from), sizeof from - strlen(from), " [incomplete]");
    unsigned long long b = path_bytes(e->path);
    if (e->kind == KIND_HEAD && !stat(e->side, &sb)) b += (unsigned long long)sb.st_size;
    snprintf(size, sizeof size, "%.1f MB", (double)b / 1e6);
    printf("%-13s  %-32s  %9s  %-20s  %s\n", e->kind == KIND_TTS ? "tts" : "relative-head", e->key,
           size, created, from);
}

/* ---- removing ------------------------------------------------------------------- */

/* A live process registered as a user of TTS entry e (sim/tts_source.h,
 * SIM_TTS_ENTRY_USERS/PID@HOST): its name into who, 1. Another host's user
 * counts as live (it cannot be checked from here). */
static int in_use(const entry *e, char *who, size_t cap)
{
    char users[4400], host[256];
    snprintf(users, sizeof users, "%s/%s", e->path, SIM_TTS_ENTRY_USERS);
    if (gethostname(host, sizeof host) != 0) snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = 0;
    DIR *d = opendir(users);
    if (!d) return 0;
    int busy = 0;
    struct dirent *de;
    while (!busy && (de = readdir(d))) {
        char *at = strchr(de->d_name, '@');
        if (!at || de->d_name[0] == '.') continue;
        long pid = strtol(de->d_name, NULL, 10);
        busy =
            strcmp(at + 1, host) != 0 || (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM));
        if (busy) snprintf(who, cap, "%s", de->d_name);
    }
    closedir(d);
    return busy;
}

/* Removes entry e under its lock; *kept = 1 (nothing removed) when a live
 * run uses it. */
static base_status entry_remove(const entry *e, int *kept, base_err *err)
{
    int fd;
    char who[300];
    *kept = 0;
    base_status st = base_fs_lock(e->lock, &fd, err);
    if (st != BASE_OK) return st;
    if (e->kind == KIND_TTS && in_use(e, who, sizeof who)) {
        printf("kept %s: in use by %s\n", e->path, who);
        *kept = 1;
    } else if (e->kind == KIND_TTS) {
        char gone[4400];
        snprintf(gone, sizeof gone, "%s.clearing.%ld", e->path, (long)getpid());
        if (rename(e->path, gone) != 0 && errno != ENOENT)
            st = base_err_set(err, BASE_EIO, e->path, 0, "cannot remove: %s", strerror(errno));
        else {
            unsigned long long b = 0;
            if (walk(gone, 1, &b) != 0)
                st = base_err_set(err, BASE_EIO, gone, 0, "cannot remove: %s", strerror(errno));
        }
    } else {
        if (unlink(e->path) != 0 && errno != ENOENT)
            st = base_err_set(err, BASE_EIO, e->path, 0, "cannot remove: %s", strerror(errno));
        else if (unlink(e->side) != 0 && errno != ENOENT)
            st = base_err_set(err, BASE_EIO, e->side, 0, "cannot remove: %s", strerror(errno));
    }
    base_fs_unlock(fd);
    return st;
}

/* ---- the two subcommands -------------------------------------------------------- */

typedef struct tally {
    size_t entries;
    unsigned long long bytes;
} tally;

/* Lists (clear == 0) or removes the entries of the kinds in mask found in dir.
 * A missing folder has no entries. */
static base_status scan(const char *dir, int mask, int clear, tally *t, base_err *err)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        if (errno == ENOENT) return BASE_OK;
        return base_err_set(err, BASE_EIO, dir, 0, "cannot read folder: %s", strerror(errno));
    }
    base_status st = BASE_OK;
    entry e;
    for (int i = 0; i < n; i++) {
        int kind = st == BASE_OK ? entry_kind(dir, names[i]->d_name) : 0;
        if (kind & mask) {
            entry_make(&e, dir, names[i]->d_name, kind);
            t->entries++;
            if (!clear) {
                print_entry(&e);
            } else {
                unsigned long long b = path_bytes(e.path);
                int kept;
                if ((st = entry_remove(&e, &kept, err)) == BASE_OK && !kept) t->bytes += b;
                t->entries -= kept;
            }
        }
        free(names[i]);
    }
    free(names);
    return st;
}

int sim_cmd_cache(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'}, {"tts", no_argument, NULL, 't'},
        {"heads", no_argument, NULL, 'H'},     {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *dirs[MAX_DIRS];
    int ndirs = 0, mask = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (ndirs == MAX_DIRS) return usage_error("too many --dir");
            dirs[ndirs++] = optarg;
            break;
        case 't':
            mask |= KIND_TTS;
            break;
        case 'H':
            mask |= KIND_HEAD;
            break;
        case 'a':
            mask |= KIND_TTS | KIND_HEAD;
            break;
        case 'h':
            usage(stdout);
            return SIM_EXIT_OK;
        default:
            usage(stderr);
            return SIM_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) return usage_error("expected one of: list, clear");
    const char *sub = argv[optind];
    int clear = !strcmp(sub, "clear");
    if (!clear && strcmp(sub, "list")) return usage_error("expected one of: list, clear");
    if (!clear && mask) return usage_error("--tts, --heads and --all go with clear");
    if (!mask) mask = KIND_TTS | KIND_HEAD;
    sim_datadir dd;
    if (ndirs == 0) {
        sim_datadir_find(&dd);
        dirs[ndirs++] = dd.tts_cache;
        dirs[ndirs++] = HEADS_DEFAULT;
    }
    base_err err = BASE_ERR_INIT;
    tally t = {0, 0};
    if (!clear) printf("%-13s  %-32s  %9s  %-20s  %s\n", "kind", "key", "size", "created", "from");
    for (int i = 0; i < ndirs; i++) {
        size_t before = t.entries;
        unsigned long long bytes = t.bytes;
        if (scan(dirs[i], mask, clear, &t, &err) != BASE_OK) return sim_cmd_fail(&err);
        if (clear)
            printf("%s: removed %zu entries (%.1f MB)\n", dirs[i], t.entries - before,
                   (double)(t.bytes - bytes) / 1e6);
    }
    if (!clear) printf("%zu entries\n", t.entries);
    return SIM_EXIT_OK;
}
