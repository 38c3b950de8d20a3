/* recipe.c -- an agent's training recipe: defaults, keys and check (see
 * recipe.h); the file is read by the one INI reader, base/ini. */
#include "codecs/recipe.h"

#include "base/ini.h"
#include "codecs/agent_arch.h"
#include "codecs/frontend.h"
#include "codecs/vocab.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration ------------------------------------------------------------ */

void codec_train_config_default(codec_train_config *c)
{
    memset(c, 0, sizeof *c);
    c->agent = codec_agent_config_default();
    codec_frontend_default(&c->frontend);
    c->seed = 1;
    c->dev_max = 300;
    c->max_seconds = 15;
    c->epochs = 10;
    c->steps = 0;
    c->batch = 16;
    c->optim = codec_optim_default(1000, 300);
    c->optim.lr = 2e-3f;
    c->threads = 1;
    c->checkpoint_every = 200;
    c->eval_every = 500;
    c->log_every = 50;
    codec_augment_config_default(&c->aug);
}

static int parse_long(const char *s, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s) return -1;
    while (*end == ' ' || *end == '\t') end++;
    if (*end) return -1;
    *v = x;
    return 0;
}

static int parse_double(const char *s, double *v)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || !isfinite(x)) return -1;
    while (*end == ' ' || *end == '\t') end++;
    if (*end) return -1;
    *v = x;
    return 0;
}

static int copy_path(char *dst, const char *src)
{
    while (*src == ' ' || *src == '\t') src++;
    size_t n = strlen(src);
    while (n && (src[n - 1] == ' ' || src[n - 1] == '\t')) n--;
    if (n == 0 || n >= CODEC_TRAIN_PATH) return -1;
    memcpy(dst, src, n);
    dst[n] = 0;
    return 0;
}

/* data.train: a comma-separated list, appended. */
static base_status add_train_manifests(codec_train_config *c, const char *value, base_err *err)
{
    const char *p = value;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char buf[CODEC_TRAIN_PATH];
        if (n >= sizeof buf)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "data.train: path too long");
        memcpy(buf, p, n);
        buf[n] = 0;
        if (c->n_train >= CODEC_TRAIN_MAX_MANIFESTS)
            return base_err_set(err, BASE_EINVAL, NULL, 0, "data.train: more than %d manifests",
                                CODEC_TRAIN_MAX_MANIFESTS);
        if (copy_path(c->train[c->n_train], buf))
            return base_err_set(err, BASE_EINVAL, NULL, 0, "data.train: empty path in '%s'", value);
        c->n_train++;
        p = q ? q + 1 : p + n;
    }
    return BASE_OK;
}

/* A path key: "" clears it. */
static base_status set_path(char *dst, const char *key, const char *value, base_err *err)
{
    if (!*value) {
        dst[0] = 0;
        return BASE_OK;
    }
    if (copy_path(dst, value))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "%s: bad path '%s'", key, value);
    return BASE_OK;
}

base_status codec_train_config_set(codec_train_config *c, const char *section, const char *key,
                                   const char *value, base_err *err)
{
    long l = 0;
    double d = 0;
#define IS(s, k) (!strcmp(section, s) && !strcmp(key, k))
#define INT(field, lo, hi)                                                                         \
    do {                                                                                           \
        if (parse_long(value, &l) || l < (lo) || l > (hi))                                         \
            return base_err_set(err, BASE_EINVAL, NULL, 0,                                         \
                                "%s.%s must be an integer in %ld..%ld, got '%s'", section, key,    \
                                (long)(lo), (long)(hi), value);                                    \
        field = l;                                                                                 \
        return BASE_OK;                                                                            \
    } while (0)
#define DBL(field, lo, hi)                                                                         \
    do {                                                                                           \
        if (parse_double(value, &d) || d < (lo) || d > (hi))                                       \
            return base_err_set(err, BASE_EINVAL, NULL, 0,                                         \
                                "%s.%s must be a number in %g..%g, got '%s'", section, key,        \
                                (double)(lo), (double)(hi), value);                                \
        field = d;                                                                                 \
        return BASE_OK;                                                                            \
    } while (0)
    if (!strcmp(section, "agent")) {
        base_status st = codec_arch_set(&c->agent, key, value, err); /* the field table */
        if (st != BASE_ENOTFOUND) return st;
    }
    if (IS("data", "train")) return add_train_manifests(c, value, err);
    if (IS("data", "dev")) return set_path(c->dev, "data.dev", value, err);
    if (IS("data", "dev_max")) INT(c->dev_max, 0, 1000000);
    if (IS("data", "max_seconds")) DBL(c->max_seconds, 0.5, 120);
    if (IS("train", "seed")) {
        if (parse_long(value, &l) || l < 0)
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "train.seed must be an integer >= 0, got '%s'", value);
        c->seed = (uint64_t)l;
        return BASE_OK;
    }
    if (IS("train", "epochs")) INT(c->epochs, 1, 100000);
    if (IS("train", "steps")) INT(c->steps, 0, 100000000);
    if (IS("train", "batch")) INT(c->batch, 1, 1024);
    if (IS("train", "lr")) DBL(c->optim.lr, 1e-7, 1.0);
    if (IS("train", "warmup")) INT(c->optim.warmup_steps, 0, 100000000);
    if (IS("train", "weight_decay")) DBL(c->optim.weight_decay, 0, 10);
    if (IS("train", "clip")) DBL(c->optim.clip_norm, 0, 1e6);
    if (IS("train", "min_lr_ratio")) DBL(c->optim.min_lr_ratio, 0, 1);
    if (IS("train", "decay")) {
        if (!strcmp(value, "cosine"))
            c->optim.decay = CODEC_LR_COSINE;
        else if (!strcmp(value, "linear"))
            c->optim.decay = CODEC_LR_LINEAR;
        else
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "train.decay must be cosine or linear, got '%s'", value);
        return BASE_OK;
    }
    if (IS("train", "threads")) INT(c->threads, 1, 64);
    if (IS("train", "time_limit_min")) DBL(c->time_limit_min, 0, 1e6);
    if (IS("train", "run_steps")) INT(c->run_steps, 0, 100000000);
    if (IS("train", "checkpoint")) return set_path(c->checkpoint, "train.checkpoint", value, err);
    if (IS("train", "init")) return set_path(c->init, "train.init", value, err);
    if (IS("train", "checkpoint_every")) INT(c->checkpoint_every, 1, 100000000);
    if (IS("train", "eval_every")) INT(c->eval_every, 1, 100000000);
    if (IS("train", "log_every")) INT(c->log_every, 1, 100000000);
    if (IS("train", "keep")) {
        if (strcmp(value, "best") && strcmp(value, "last"))
            return base_err_set(err, BASE_EINVAL, NULL, 0, "train.keep must be best or last, got '%s'",
                                value);
        c->keep_last = !strcmp(value, "last");
        return BASE_OK;
    }
    if (!strcmp(section, "augment")) {
        base_status st = codec_augment_config_set(&c->aug, key, value, err);
        if (st != BASE_ENOTFOUND) return st;
    }
#undef IS
#undef INT
#undef DBL
    if (strcmp(section, "agent") && strcmp(section, "data") && strcmp(section, "train") &&
        strcmp(section, "augment"))
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "unknown section [%s] (agent, data, train, augment)", section);
    return base_err_set(err, BASE_EINVAL, NULL, 0, "unknown key '%s' in [%s]", key, section);
}

static base_status on_key(void *user, const base_ini_item *it, base_err *err)
{
    return codec_train_config_set(user, it->section, it->key, it->value, err);
}

base_status codec_train_config_load(const char *path, codec_train_config *c, base_err *err)
{
    if (!path || !c) return base_err_set(err, BASE_EINVAL, NULL, 0, "NULL argument");
    base_ini_handlers h = {.key = on_key}; /* recipes have no includes */
    return base_ini_parse(path, &h, c, err);
}

base_status codec_train_config_check(const codec_train_config *c, base_err *err)
{
    base_status st = codec_agent_config_check(&c->agent, err);
    if (st) return st;
    if (c->agent.vocab != CODEC_VOCAB_SIZE)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent.vocab must be %d", CODEC_VOCAB_SIZE);
    if (c->agent.n_mels != c->frontend.n_mels)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "agent n_mels %d != front-end n_mels %d",
                            c->agent.n_mels, c->frontend.n_mels);
    if (c->n_train < 1)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "data.train: no training manifest given");
    st = codec_augment_config_check(&c->aug, err);
    if (st) return st;
    codec_optim_config o = c->optim;
    o.total_steps = o.warmup_steps + 1;
    st = codec_optim_check(&o, err);
    if (st) return st;
    if (c->steps > 0 && c->steps <= c->optim.warmup_steps)
        return base_err_set(err, BASE_EINVAL, NULL, 0,
                            "train.steps (%ld) must exceed train.warmup (%ld)", c->steps,
                            c->optim.warmup_steps);
    return BASE_OK;
}
