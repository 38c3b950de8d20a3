/* datadir.h -- where the shipped files (models/, data/, scenarios/) and the
 * default TTS cache are, for a semsim run from its build tree or installed.
 *
 * Where it sits: sim/scenario.c resolves relative path defaults
 * (source.text = data/harvard.txt, ...) and falls back for scenario paths
 * that do not exist as written; sim/tts_source.c takes the default cache.
 *
 * The mode is decided from the running executable (/proc/self/exe):
 *   installed   its folder is D + SEMSIM_BINDIR (D empty, or a DESTDIR
 *               staging prefix) and D + SEMSIM_PKGDATADIR is a folder:
 *               data = D + $(pkgdatadir), TTS cache = $XDG_CACHE_HOME/semsim/tts
 *               (else ~/.cache/semsim/tts, else ./semsim-cache/tts)
 *   build tree  anything else (./semsim, the tests): data = SEMSIM_SRCDIR,
 *               TTS cache = SEMSIM_BUILDDIR/cache/tts, as before installing
 *               existed.
 * The environment variable SEMSIM_DATADIR, when set and not empty, replaces
 * the data folder in either mode (the cache stays the mode's). Nothing is
 * cached in a global: each call looks again (a few syscalls). */
#ifndef SIM_DATADIR_H
#define SIM_DATADIR_H

#include <stddef.h>

#define SIM_DATADIR_MAX 4096

typedef struct sim_datadir {
    int installed;                   /* 1: running from an installed prefix      */
    char data[SIM_DATADIR_MAX];      /* folder holding models/ data/ scenarios/  */
    char tts_cache[SIM_DATADIR_MAX]; /* default source.cache                  */
} sim_datadir;

/* Fills d for this process (never fails: falls back to the build tree). */
void sim_datadir_find(sim_datadir *d);

/* out = DATA/rel: 0, or -1 (out "") when it does not fit in cap bytes. */
int sim_datadir_path(const sim_datadir *d, const char *rel, char *out, size_t cap);

/* A relative input path value that does not exist as resolved against its
 * scenario file: its candidate under the data folder, written to out.
 * Tries DATA/value, then DATA/value without its leading "../" parts (so a
 * copy of an installed scenario naming ../models/A.h5 still finds it).
 * Returns 1 and fills out when a candidate is an existing regular file (the
 * input path keys all name files),
 * else 0 (out untouched). value absolute or empty: 0. */
int sim_datadir_fallback(const sim_datadir *d, const char *value, char *out, size_t cap);

#endif
