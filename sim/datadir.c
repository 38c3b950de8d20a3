/* datadir.c -- build-tree or installed data folder and TTS cache. See datadir.h. */
#include "sim/datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"

#ifndef SEMSIM_SRCDIR
#define SEMSIM_SRCDIR "."
#endif
#ifndef SEMSIM_BUILDDIR
#define SEMSIM_BUILDDIR "."
#endif
#ifndef SEMSIM_BINDIR
#define SEMSIM_BINDIR "/usr/local/bin"
#endif
#ifndef SEMSIM_PKGDATADIR
#define SEMSIM_PKGDATADIR "/usr/local/share/semsim"
#endif

static int is_dir(const char *p)
{
    struct stat s;
    return stat(p, &s) == 0 && S_ISDIR(s.st_mode);
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* out = a + sep + b (sep 0: none); -1 (out "") when it does not fit. */
static int join(char *out, size_t cap, const char *a, char sep, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), ls = sep != 0;
    if (la + ls + lb + 1 > cap) {
        if (cap) out[0] = 0;
        return -1;
    }
    memmove(out, a, la);
    if (ls) out[la] = sep;
    memcpy(out + la + ls, b, lb + 1);
    return 0;
}

/* The staging prefix D when the executable's folder is D + SEMSIM_BINDIR and
 * D + SEMSIM_PKGDATADIR exists (installed); -1 otherwise. */
static int installed_prefix(char *dprefix, size_t cap)
{
    char exe[SIM_DATADIR_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = 0; /* exe is now the executable's folder */
    size_t el = strlen(exe), bl = strlen(SEMSIM_BINDIR);
    if (el < bl || strcmp(exe + el - bl, SEMSIM_BINDIR)) return -1;
    exe[el - bl] = 0;
    char data[SIM_DATADIR_MAX];
    if (join(data, sizeof data, exe, 0, SEMSIM_PKGDATADIR) || !is_dir(data)) return -1;
    copy(dprefix, cap, exe);
    return 0;
}

static void user_cache(char *out, size_t cap)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        snprintf(out, cap, "%s/semsim/tts", xdg);
    else if (home && *home)
        snprintf(out, cap, "%s/.cache/semsim/tts", home);
    else
        copy(out, cap, "semsim-cache/tts");
}

void sim_datadir_find(sim_datadir *d)
{
    char prefix[SIM_DATADIR_MAX];
    memset(d, 0, sizeof *d);
    if (installed_prefix(prefix, sizeof prefix) == 0) {
        d->installed = 1;
        join(d->data, sizeof d->data, prefix, 0, SEMSIM_PKGDATADIR);
        user_cache(d->tts_cache, sizeof d->tts_cache);
    } else {
        copy(d->data, sizeof d->data, SEMSIM_SRCDIR);
        copy(d->tts_cache, sizeof d->tts_cache, SEMSIM_BUILDDIR "/cache/tts");
    }
    const char *env = getenv("SEMSIM_DATADIR");
    if (env && *env) copy(d->data, sizeof d->data, env);
}

int sim_datadir_path(const sim_datadir *d, const char *rel, char *out, size_t cap)
{
    return join(out, cap, d->data, '/', rel);
}

int sim_datadir_fallback(const sim_datadir *d, const char *value, char *out, size_t cap)
{
    if (!value || !*value || value[0] == '/' || !d->data[0]) return 0;
    char buf[2 * SIM_DATADIR_MAX];
    for (int pass = 0; pass < 2; pass++) {
        const char *v = value;
        if (pass == 1) {
            while (!strncmp(v, "../", 3)) v += 3;
            if (v == value || !*v) break;
        }
        if (join(buf, sizeof buf, d->data, '/', v) == 0 && base_fs_is_file(buf) &&
            strlen(buf) < cap && join(out, cap, buf, 0, "") == 0)
            return 1;
    }
    return 0;
}
