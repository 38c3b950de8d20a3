/* scenario.c -- loading a scenario (INI files through base/ini, --set and
 * --sweep) and resolving it into a typed sim_config. See scenario.h for the
 * file format; the keys themselves are the registry in sim/keys.c, and
 * sim/sweep.c expands the axes and constraints held here into points. */
#include "sim/scenario.h"

#include "base/str.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ini.h"
#include "sim/datadir.h"

#define NKEYS sim_key_count()
#define KEY(i) sim_key_at(i)

/* ---- scenario storage ------------------------------------------------------- */

typedef struct slot {
    char *value; /* NULL: default */
    char file[BASE_ERR_FILE];
    int line;
} slot;

typedef struct user {
    char name[64];
    char file[BASE_ERR_FILE];
    int line;
    slot *v; /* sim_key_count() slots; only per-user keys are used */
} user;

typedef struct axis {
    size_t key;
    char **values;
    size_t n;
    int zip;
    char spec[256];
    char file[BASE_ERR_FILE];
    int line;
} axis;

struct sim_scenario {
    char path[BASE_ERR_FILE];
    slot *v; /* sim_key_count() slots, in registry order */
    user *users;
    size_t n_users;
    axis *axes;
    size_t n_axes;
    int n_zip;
    sim_constraint *cons;
    size_t n_cons;
    sim_datadir dd; /* shipped files: relative defaults and missing paths */
};

static void slot_clear(slot *s)
{
    free(s->value);
    s->value = NULL;
}

static void axis_free(axis *a)
{
    for (size_t j = 0; j < a->n; j++) free(a->values[j]);
    free(a->values);
    a->values = NULL;
    a->n = 0;
}

sim_scenario *sim_scenario_create(base_err *err)
{
    sim_scenario *sc = calloc(1, sizeof *sc);
    if (!sc || !(sc->v = calloc(NKEYS, sizeof *sc->v))) {
        free(sc);
        base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    sim_datadir_find(&sc->dd);
    return sc;
}

void sim_scenario_destroy(sim_scenario *sc)
{
    if (!sc) return;
    for (size_t i = 0; i < NKEYS; i++) slot_clear(&sc->v[i]);
    free(sc->v);
    for (size_t u = 0; u < sc->n_users; u++) {
        for (size_t i = 0; i < NKEYS; i++) slot_clear(&sc->users[u].v[i]);
        free(sc->users[u].v);
    }
    free(sc->users);
    for (size_t a = 0; a < sc->n_axes; a++) axis_free(&sc->axes[a]);
    free(sc->axes);
    free(sc->cons);
    free(sc);
}

const char *sim_scenario_path(const sim_scenario *sc)
{
    return sc->path;
}

/* A path value relative to the file it was set in (as is for --set). */
/* value relative to the folder of file (to the current folder for --set); an
 * input path (not an output) missing there falls back to the data folder. */
static void join_path(const sim_scenario *sc, const sim_key_def *k, const char *file,
                      const char *value, char *buf, size_t n)
{
    if (file && !strcmp(file, "--set"))
        base_str_copy(buf, n, value);
    else
        base_ini_join_path(file, value, buf, n);
    if (!(k->flags & SIM_KEY_OUTPUT) && value[0] != '/' && access(buf, F_OK) != 0)
        sim_datadir_fallback(&sc->dd, value, buf, n);
}

static base_status slot_set(const sim_scenario *sc, slot *s, const sim_key_def *k,
                            const char *value, const char *file, int line, base_err *err)
{
    char buf[SIM_CFG_STR + 256];
    if (sim_key_check(k, value, err) != BASE_OK) {
        base_err_locate(err, file, line);
        return err ? err->code : BASE_EINVAL;
    }
    if (k->type == SIM_KEY_PATH) {
        join_path(sc, k, file, value, buf, sizeof buf);
        value = buf;
    }
    char *copy = strdup(value);
    if (!copy) return base_err_set(err, BASE_ENOMEM, file, line, "out of memory");
    free(s->value);
    s->value = copy;
    base_str_copy(s->file, sizeof s->file, file);
    s->line = line;
    return BASE_OK;
}

static long find_axis(const sim_scenario *sc, size_t key)
{
    for (size_t a = 0; a < sc->n_axes; a++)
        if (sc->axes[a].key == key) return (long)a;
    return -1;
}

static void drop_axis(sim_scenario *sc, size_t a)
{
    axis_free(&sc->axes[a]);
    memmove(&sc->axes[a], &sc->axes[a + 1], (sc->n_axes - a - 1) * sizeof *sc->axes);
    sc->n_axes--;
}

base_status sim_scenario_override(sim_scenario *sc, const char *arg, int sweep, int *malformed,
                                  base_err *err)
{
    const char *opt = sweep ? "--sweep" : "--set";
    const char *eq = strchr(arg, '=');
    if (malformed) *malformed = !eq;
    if (!eq)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "%s: expected KEY=%s, got '%s'", opt,
                            sweep ? "SPEC" : "VALUE", arg);
    char *key = strndup(arg, (size_t)(eq - arg));
    if (!key) return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    base_status st = sweep ? sim_scenario_sweep(sc, key, eq + 1, opt, 0, err)
                           : sim_scenario_set(sc, key, eq + 1, opt, 0, err);
    free(key);
    return st;
}

base_status sim_scenario_sweep(sim_scenario *sc, const char *key, const char *spec,
                               const char *origin, int line, base_err *err)
{
    long ki = sim_key_index(key);
    if (ki < 0) return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown key '%s'", key);
    const sim_key_def *k = KEY(ki);
    if (k->flags & SIM_KEY_NOSWEEP)
        return base_err_set(err, BASE_EINVAL, origin, line, "%s cannot be swept", key);
    char **vals = NULL;
    size_t n = 0;
    base_status st = sim_sweepspec_expand(k, spec, &vals, &n, err);
    if (st != BASE_OK) {
        base_err_locate(err, origin, line);
        return st;
    }
    long a = find_axis(sc, (size_t)ki);
    if (a < 0) {
        axis *na = realloc(sc->axes, (sc->n_axes + 1) * sizeof *na);
        if (!na) {
            sim_sweepspec_free(vals, n);
            return base_err_set(err, BASE_ENOMEM, origin, line, "out of memory");
        }
        sc->axes = na;
        a = (long)sc->n_axes++;
        memset(&sc->axes[a], 0, sizeof sc->axes[a]);
        sc->axes[a].zip = -1;
    } else {
        axis_free(&sc->axes[a]);
    }
    axis *ax = &sc->axes[a];
    ax->key = (size_t)ki;
    ax->values = vals;
    ax->n = n;
    base_str_copy(ax->spec, sizeof ax->spec, spec);
    base_str_copy(ax->file, sizeof ax->file, origin);
    ax->line = line;
    if (k->type == SIM_KEY_PATH) /* sweep paths resolve like set paths */
        for (size_t j = 0; j < n; j++) {
            char buf[SIM_CFG_STR + 256];
            join_path(sc, k, origin, vals[j], buf, sizeof buf);
            char *c = strdup(buf);
            if (!c) return base_err_set(err, BASE_ENOMEM, origin, line, "out of memory");
            free(vals[j]);
            vals[j] = c;
        }
    return BASE_OK;
}

static long find_user(const sim_scenario *sc, const char *name)
{
    for (size_t u = 0; u < sc->n_users; u++)
        if (!strcmp(sc->users[u].name, name)) return (long)u;
    return -1;
}

base_status sim_scenario_set(sim_scenario *sc, const char *key, const char *value,
                             const char *origin, int line, base_err *err)
{
    if (!strncmp(key, "user.", 5)) { /* user.NAME.KEY */
        const char *dot = strchr(key + 5, '.');
        char name[64];
        if (!dot || (size_t)(dot - key - 5) >= sizeof name)
            return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown key '%s'", key);
        snprintf(name, sizeof name, "%.*s", (int)(dot - key - 5), key + 5);
        long u = find_user(sc, name), ki = sim_key_index(dot + 1);
        if (u < 0) return base_err_set(err, BASE_ENOTFOUND, origin, line, "no user '%s'", name);
        if (ki < 0 || !(KEY(ki)->flags & SIM_KEY_PER_USER))
            return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown per-user key '%s'",
                                dot + 1);
        return slot_set(sc, &sc->users[u].v[ki], KEY(ki), value, origin, line, err);
    }
    long ki = sim_key_index(key);
    if (ki < 0) return base_err_set(err, BASE_ENOTFOUND, origin, line, "unknown key '%s'", key);
    base_status st = slot_set(sc, &sc->v[ki], KEY(ki), value, origin, line, err);
    if (st != BASE_OK) return st;
    long a = find_axis(sc, (size_t)ki);
    if (a >= 0) drop_axis(sc, (size_t)a);
    return BASE_OK;
}

const char *sim_scenario_get(const sim_scenario *sc, const char *key)
{
    long ki = sim_key_index(key);
    if (ki < 0) return NULL;
    return sc->v[ki].value ? sc->v[ki].value : KEY(ki)->def;
}

int sim_scenario_is_set(const sim_scenario *sc, const char *key)
{
    long ki = sim_key_index(key);
    return ki >= 0 && sc->v[ki].value != NULL;
}

void sim_scenario_where(const sim_scenario *sc, const char *key, const char **file, int *line)
{
    long ki = sim_key_index(key);
    if (ki >= 0 && sc->v[ki].value) {
        *file = sc->v[ki].file;
        *line = sc->v[ki].line;
        return;
    }
    if (ki >= 0) {
        long a = find_axis(sc, (size_t)ki);
        if (a >= 0) {
            *file = sc->axes[a].file;
            *line = sc->axes[a].line;
            return;
        }
    }
    *file = sc->path;
    *line = 0;
}

size_t sim_scenario_user_count(const sim_scenario *sc)
{
    return sc->n_users ? sc->n_users : 1;
}
const char *sim_scenario_user_name(const sim_scenario *sc, size_t i)
{
    return sc->n_users ? sc->users[i].name : "default";
}

size_t sim_scenario_axis_count(const sim_scenario *sc)
{
    return sc->n_axes;
}
const char *sim_scenario_axis_key(const sim_scenario *sc, size_t i)
{
    return KEY(sc->axes[i].key)->name;
}
size_t sim_scenario_axis_len(const sim_scenario *sc, size_t i)
{
    return sc->axes[i].n;
}
const char *sim_scenario_axis_value(const sim_scenario *sc, size_t i, size_t j)
{
    return sc->axes[i].values[j];
}
int sim_scenario_axis_zip(const sim_scenario *sc, size_t i)
{
    return sc->axes[i].zip;
}
void sim_scenario_axis_where(const sim_scenario *sc, size_t i, const char **file, int *line)
{
    *file = sc->axes[i].file;
    *line = sc->axes[i].line;
}
size_t sim_scenario_constraint_count(const sim_scenario *sc)
{
    return sc->n_cons;
}
const sim_constraint *sim_scenario_constraint(const sim_scenario *sc, size_t i)
{
    return &sc->cons[i];
}

size_t sim_scenario_set_keys(const sim_scenario *sc, const char **names, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        int used = sc->v[i].value != NULL || find_axis(sc, i) >= 0;
        for (size_t c = 0; !used && c < sc->n_cons; c++)
            used = !strcmp(sc->cons[c].set_key, KEY(i)->name);
        if (!used) continue;
        if (names && n < cap) names[n] = KEY(i)->name;
        n++;
    }
    return n;
}

/* ---- parsing -------------------------------------------------------------------- */

/* An error at the item's file:line (fmt takes the two strings a and b). */
static base_status fail_at(const base_ini_item *it, base_err *err, base_status code,
                           const char *fmt, const char *a, const char *b)
{
    return base_err_set(err, code, it->file, it->line, fmt, a, b);
}

/* [sweep], [user.NAME], or a section of the key registry. */
static int section_known(const char *name)
{
    if (!strncmp(name, "user.", 5)) {
        const char *n = name + 5;
        if (!*n || strlen(n) >= 64) return 0;
        for (; *n; n++)
            if (!isalnum((unsigned char)*n) && *n != '_' && *n != '-') return 0;
        return 1;
    }
    if (!strcmp(name, "sweep")) return 1;
    size_t len = strlen(name); /* a section of the registry: some key is "name.KEY" */
    for (size_t i = 0; i < NKEYS; i++)
        if (!strncmp(KEY(i)->name, name, len) && KEY(i)->name[len] == '.') return 1;
    return 0;
}

/* A section header, checked as its line is read (so even an empty unknown
 * section is an error at its own line); [user.NAME] registers the user. */
static base_status on_section(void *user_, const char *file, int line, const char *name,
                              base_err *err)
{
    sim_scenario *sc = user_;
    if (!section_known(name))
        return base_err_set(err, BASE_ENOTFOUND, file, line, "unknown section [%s]", name);
    if (strncmp(name, "user.", 5) || find_user(sc, name + 5) >= 0) return BASE_OK;
    if (sc->n_users == SIM_MAX_USERS)
        return base_err_set(err, BASE_ERANGE, file, line, "too many users (max %d)", SIM_MAX_USERS);
    user *nu = realloc(sc->users, (sc->n_users + 1) * sizeof *nu);
    if (!nu) return base_err_set(err, BASE_ENOMEM, file, line, "out of memory");
    sc->users = nu;
    user *u = &sc->users[sc->n_users];
    memset(u, 0, sizeof *u);
    if (!(u->v = calloc(NKEYS, sizeof *u->v)))
        return base_err_set(err, BASE_ENOMEM, file, line, "out of memory");
    sc->n_users++;
    base_str_copy(u->name, sizeof u->name, name + 5);
    base_str_copy(u->file, sizeof u->file, file);
    u->line = line;
    return BASE_OK;
}

/* constraint = KEY=VALUE -> KEY2=VALUE2 | skip, appended to sc->cons. */
static base_status add_constraint(sim_scenario *sc, const base_ini_item *it, base_err *err)
{
    sim_constraint c;
    base_status st = sim_sweepspec_constraint(it->value, &c, err);
    if (st != BASE_OK) return st; /* base/ini adds file:line */
    base_str_copy(c.file, sizeof c.file, it->file);
    c.line = it->line;
    sim_constraint *nc = realloc(sc->cons, (sc->n_cons + 1) * sizeof *nc);
    if (!nc) return fail_at(it, err, BASE_ENOMEM, "out of memory%s%s", "", "");
    sc->cons = nc;
    sc->cons[sc->n_cons++] = c;
    return BASE_OK;
}

/* zip = KEY, KEY...: sweep axes defined above that advance together. */
static base_status add_zip(sim_scenario *sc, const base_ini_item *it, base_err *err)
{
    const char *value = it->value;
    char *copy = strdup(value), *save = NULL;
    if (!copy) return fail_at(it, err, BASE_ENOMEM, "out of memory%s%s", "", "");
    int group = sc->n_zip++, count = 0;
    base_status st = BASE_OK;
    for (char *tok = strtok_r(copy, ",", &save); tok && !st; tok = strtok_r(NULL, ",", &save)) {
        base_str_trim(tok);
        long ki = sim_key_index(tok);
        long a = ki < 0 ? -1 : find_axis(sc, (size_t)ki);
        if (a < 0) {
            st = fail_at(it, err, BASE_EINVAL, "zip: '%s' is not a sweep axis defined above%s", tok,
                         "");
        } else if (sc->axes[a].zip >= 0) {
            st = fail_at(it, err, BASE_EINVAL, "zip: '%s' is already zipped%s", tok, "");
        } else {
            sc->axes[a].zip = group;
            count++;
        }
    }
    free(copy);
    if (!st && count < 2)
        st = fail_at(it, err, BASE_EINVAL, "zip needs at least two sweep keys: '%s'%s", value, "");
    /* zipped axes advance together, so they need the same length */
    size_t len = 0;
    for (size_t a = 0; !st && a < sc->n_axes; a++) {
        if (sc->axes[a].zip != group) continue;
        if (!len)
            len = sc->axes[a].n;
        else if (sc->axes[a].n != len)
            st = fail_at(it, err, BASE_EINVAL, "zip: axes of different lengths in '%s'%s", value,
                         "");
    }
    return st;
}

/* A key in [sweep]: an axis, a zip group or a constraint. */
static base_status on_sweep_key(sim_scenario *sc, const base_ini_item *it, base_err *err)
{
    if (!strcmp(it->key, "zip")) return add_zip(sc, it, err);
    if (!strcmp(it->key, "constraint")) return add_constraint(sc, it, err);
    if (!sim_key_find(it->key))
        return fail_at(it, err, BASE_ENOTFOUND, "unknown key '%s' in [sweep]%s", it->key, "");
    return sim_scenario_sweep(sc, it->key, it->value, it->file, it->line, err);
}

/* A key line (includes are handled by base/ini). */
static base_status on_key(void *user_, const base_ini_item *it, base_err *err)
{
    sim_scenario *sc = user_;
    const char *section = it->section, *name = it->key;
    if (!*section)
        return fail_at(it, err, BASE_EFORMAT, "key '%s' outside a section (only include may be)%s",
                       name, "");
    if (!strcmp(section, "sweep")) return on_sweep_key(sc, it, err);
    if (!strncmp(section, "user.", 5)) {
        long u = find_user(sc, section + 5), ki = sim_key_index(name);
        if (ki < 0)
            return fail_at(it, err, BASE_ENOTFOUND, "unknown key '%s' in [%s]", name, section);
        if (!(KEY(ki)->flags & SIM_KEY_PER_USER))
            return fail_at(it, err, BASE_EINVAL, "%s cannot be set per user in [%s]", name,
                           section);
        if (u < 0)
            return fail_at(it, err, BASE_EINTERNAL, "user section [%s] not registered%s", section,
                           "");
        return slot_set(sc, &sc->users[u].v[ki], KEY(ki), it->value, it->file, it->line, err);
    }
    char full[256];
    snprintf(full, sizeof full, "%s.%s", section, name);
    if (sim_key_index(full) < 0)
        return fail_at(it, err, BASE_ENOTFOUND, "unknown key '%s' in [%s]", name, section);
    return sim_scenario_set(sc, full, it->value, it->file, it->line, err);
}

sim_scenario *sim_scenario_load(const char *path, base_err *err)
{
    static const base_ini_handlers handlers = {on_section, on_key, "include"};
    sim_scenario *sc = sim_scenario_create(err);
    if (!sc) return NULL;
    base_str_copy(sc->path, sizeof sc->path, path);
    if (base_ini_parse(path, &handlers, sc, err) != BASE_OK) {
        sim_scenario_destroy(sc);
        return NULL;
    }
    /* zip groups are checked when declared; a later --sweep may change a length */
    return sc;
}

/* ---- typed resolution ------------------------------------------------------------- */

/* Effective text of key i for the point: override, then set value, then default
 * (relative path defaults are in the data folder: the source tree, or the
 * installed $(pkgdatadir); sim/datadir.h). */
static const char *effective(const sim_scenario *sc, size_t i, const char *const *keys,
                             const char *const *values, size_t n, char *buf, size_t cap)
{
    for (size_t j = n; j-- > 0;)
        if (!strcmp(keys[j], KEY(i)->name)) return values[j];
    if (sc->v[i].value) return sc->v[i].value;
    const char *d = KEY(i)->def;
    if (KEY(i)->type == SIM_KEY_PATH && *d && d[0] != '/') {
        if (sim_datadir_path(&sc->dd, d, buf, cap)) return d; /* too long: the raw default */
        return buf;
    }
    return d;
}

void sim_config_user_pair_keys(sim_config *cfg, size_t u)
{
    const sim_user_config *u0 = &cfg->user[u];
    base_str_copy(cfg->equalizer.type, sizeof cfg->equalizer.type, u0->equalizer.type);
    cfg->equalizer.ridge_lambda = u0->equalizer.ridge_lambda;
    cfg->equalizer.train_utterances = u0->equalizer.train_utterances;
    cfg->equalizer.head_steps = u0->equalizer.head_steps;
    cfg->equalizer.head_noise = u0->equalizer.head_noise;
    base_str_copy(cfg->equalizer.head_snr_db, sizeof cfg->equalizer.head_snr_db,
                  u0->equalizer.head_snr_db);
    cfg->equalizer.mlp_hidden = u0->equalizer.mlp_hidden;
    cfg->equalizer.mlp_epochs = u0->equalizer.mlp_epochs;
    cfg->anchors.count = u0->anchors.count;
    base_str_copy(cfg->anchors.selection, sizeof cfg->anchors.selection, u0->anchors.selection);
    base_str_copy(cfg->anchors.psi, sizeof cfg->anchors.psi, u0->anchors.psi);
    cfg->anchors.utterances = u0->anchors.utterances;
    cfg->anchors.members = u0->anchors.members;
}

int sim_user_config_same_pair(const sim_user_config *a, const sim_user_config *b)
{
    return !strcmp(a->tx.model, b->tx.model) && !strcmp(a->rx.model, b->rx.model) &&
           !strcmp(a->equalizer.type, b->equalizer.type) &&
           a->equalizer.ridge_lambda == b->equalizer.ridge_lambda &&
           a->equalizer.train_utterances == b->equalizer.train_utterances &&
           a->equalizer.head_steps == b->equalizer.head_steps &&
           a->equalizer.head_noise == b->equalizer.head_noise &&
           !strcmp(a->equalizer.head_snr_db, b->equalizer.head_snr_db) &&
           a->equalizer.mlp_hidden == b->equalizer.mlp_hidden &&
           a->equalizer.mlp_epochs == b->equalizer.mlp_epochs &&
           a->anchors.count == b->anchors.count &&
           !strcmp(a->anchors.selection, b->anchors.selection) &&
           !strcmp(a->anchors.psi, b->anchors.psi) &&
           a->anchors.utterances == b->anchors.utterances &&
           a->anchors.members == b->anchors.members;
}

base_status sim_scenario_resolve(const sim_scenario *sc, const char *const *keys,
                                 const char *const *values, size_t n, sim_config *cfg,
                                 base_err *err)
{
    char buf[SIM_CFG_STR + 64];
    base_status st;
    memset(cfg, 0, sizeof *cfg);
    for (size_t j = 0; j < n; j++) {
        const sim_key_def *k = sim_key_find(keys[j]);
        if (!k) return base_err_set(err, BASE_ENOTFOUND, NULL, 0, "unknown key '%s'", keys[j]);
        if ((st = sim_key_check(k, values[j], err)) != BASE_OK) return st;
    }
    sim_user_config base;
    memset(&base, 0, sizeof base);
    for (size_t i = 0; i < NKEYS; i++) {
        const char *v = effective(sc, i, keys, values, n, buf, sizeof buf);
        void *dst = KEY(i)->scope == SIM_KEY_USER ? (void *)&base : (void *)cfg;
        if ((st = sim_key_store(KEY(i), dst, v, err)) != BASE_OK) return st;
    }
    cfg->n_users = sim_scenario_user_count(sc);
    for (size_t u = 0; u < cfg->n_users; u++) {
        sim_user_config *uc = &cfg->user[u];
        *uc = base;
        base_str_copy(uc->name, sizeof uc->name, sim_scenario_user_name(sc, u));
        if (!sc->n_users) continue;
        for (size_t i = 0; i < NKEYS; i++) {
            const slot *s = &sc->users[u].v[i];
            if (!s->value) continue;
            if ((st = sim_key_store(KEY(i), uc, s->value, err)) != BASE_OK) {
                base_err_locate(err, s->file, s->line);
                return st;
            }
        }
    }
    sim_config_user_pair_keys(cfg, 0); /* the global readers (corpora, caches, pruning) */
    return BASE_OK;
}

/* ---- text dumps -------------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        size_t cap = (b->cap ? b->cap * 2 : 4096) + (size_t)w;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
}

char *sim_scenario_text(const sim_scenario *sc)
{
    sbuf b = {0};
    char prev[32] = "";
    sb_printf(&b, "; resolved scenario%s%s\n", *sc->path ? " from " : "", sc->path);
    for (size_t i = 0; i < NKEYS; i++) {
        const char *dot = strchr(KEY(i)->name, '.');
        char sec[32];
        snprintf(sec, sizeof sec, "%.*s", (int)(dot - KEY(i)->name), KEY(i)->name);
        if (strcmp(sec, prev)) {
            sb_printf(&b, "\n[%s]\n", sec);
            base_str_copy(prev, sizeof prev, sec);
        }
        const char *v = sc->v[i].value ? sc->v[i].value : KEY(i)->def;
        sb_printf(&b, "%s = %s%s\n", dot + 1, v, sc->v[i].value ? "" : "  ; default");
    }
    for (size_t u = 0; u < sc->n_users; u++) {
        sb_printf(&b, "\n[user.%s]\n", sc->users[u].name);
        for (size_t i = 0; i < NKEYS; i++)
            if (sc->users[u].v[i].value)
                sb_printf(&b, "%s = %s\n", KEY(i)->name, sc->users[u].v[i].value);
    }
    if (sc->n_axes || sc->n_cons) sb_printf(&b, "\n[sweep]\n");
    for (size_t a = 0; a < sc->n_axes; a++) {
        sb_printf(&b, "%s = ", KEY(sc->axes[a].key)->name);
        for (size_t j = 0; j < sc->axes[a].n; j++)
            sb_printf(&b, "%s%s", j ? "," : "", sc->axes[a].values[j]);
        sb_printf(&b, "\n");
    }
    for (int g = 0; g < sc->n_zip; g++) {
        int first = 1;
        for (size_t a = 0; a < sc->n_axes; a++)
            if (sc->axes[a].zip == g) {
                sb_printf(&b, "%s%s", first ? "zip = " : ", ", KEY(sc->axes[a].key)->name);
                first = 0;
            }
        if (!first) sb_printf(&b, "\n");
    }
    for (size_t c = 0; c < sc->n_cons; c++) {
        const sim_constraint *k = &sc->cons[c];
        sb_printf(&b, "constraint = %s%s=%s -> ", k->key, k->negate ? "!" : "", k->value);
        if (*k->set_key)
            sb_printf(&b, "%s=%s\n", k->set_key, k->set_value);
        else
            sb_printf(&b, "skip\n");
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
