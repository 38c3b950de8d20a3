/* relhead_file.c -- the `relative` equalizer's head on disk: the training
 * settings table, the content hashes of the cache key (anchor_relhead_key in
 * relhead.c puts them together), model files (a codecs/modelfile container,
 * kind "relative-head"), and the cache of trained heads with their sidecars
 * (see relhead.h, "Cache"). */
#include "anchors/relhead.h"

#include "config.h"

#include "anchors/relhead_code.h" /* ANCHOR_RELHEAD_CODE: generated, see Makefile.am */
#include "base/git_rev.h"         /* BASE_GIT_REV: generated, see Makefile.am */
#include "anchors/relhead_impl.h"
#include "base/fs.h"
#include "base/hash.h"
#include "codecs/agent_arch.h"
#include "codecs/manifest.h"
#include "codecs/modelfile.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- the training settings -------------------------------------------------------- */

/* Every field of anchor_relhead_config that changes the trained weights, once:
 * the key hashes each (name and value), model files store each as train.NAME,
 * the sidecar lists each. A new setting is one row here (threads, log_every,
 * cache_dir and stop change nothing in the weights and have none). */
typedef enum { SET_U64, SET_LONG, SET_INT, SET_FLOAT, SET_DOUBLE } set_type;

typedef struct setting {
    const char *name;
    set_type type;
    size_t off; /* offsetof(anchor_relhead_config, field) */
} setting;

#define ROW(name, type, field)                                                                     \
    {                                                                                              \
        name, type, offsetof(anchor_relhead_config, field)                                         \
    }
static const setting settings[] = {
    ROW("seed", SET_U64, seed),
    ROW("steps", SET_LONG, steps),
    ROW("batch", SET_INT, batch),
    ROW("lr", SET_FLOAT, lr),
    ROW("warmup", SET_LONG, warmup),
    ROW("weight_decay", SET_FLOAT, weight_decay),
    ROW("clip", SET_FLOAT, clip),
    ROW("dropout", SET_FLOAT, dropout),
    ROW("ls_lambda", SET_DOUBLE, ls_lambda),
    ROW("noise", SET_FLOAT, noise),
    ROW("snr_on", SET_INT, snr_on), /* equalizer.head_snr_db: off, or the range and packet size */
    ROW("snr_lo_db", SET_DOUBLE, snr_lo_db),
    ROW("snr_hi_db", SET_DOUBLE, snr_hi_db),
    ROW("packet_frames", SET_INT, packet_frames),
    /* new training settings go here, one row each */
};
#undef ROW
#define N_SETTINGS (sizeof settings / sizeof settings[0])

/* Setting s of c: an integer (*is_int = 1, *i) or a real (*d). */
static void setting_get(const setting *s, const anchor_relhead_config *c, int *is_int, int64_t *i,
                        double *d)
{
    const char *p = (const char *)c + s->off;
    *is_int = s->type == SET_U64 || s->type == SET_LONG || s->type == SET_INT;
    *i = 0, *d = 0;
    switch (s->type) {
    case SET_U64:
        *i = (int64_t) * (const uint64_t *)p;
        break;
    case SET_LONG:
        *i = *(const long *)p;
        break;
    case SET_INT:
        *i = *(const int *)p;
        break;
    case SET_FLOAT:
        *d = *(const float *)p;
        break;
    case SET_DOUBLE:
        *d = *(const double *)p;
        break;
    }
}

static void setting_set(const setting *s, anchor_relhead_config *c, int64_t i, double d)
{
    char *p = (char *)c + s->off;
    switch (s->type) {
    case SET_U64:
        *(uint64_t *)p = (uint64_t)i;
        break;
    case SET_LONG:
        *(long *)p = (long)i;
        break;
    case SET_INT:
        *(int *)p = (int)i;
        break;
    case SET_FLOAT:
        *(float *)p = (float)d;
        break;
    case SET_DOUBLE:
        *(double *)p = d;
        break;
    }
}

uint64_t anchor_relhead_settings_hash(uint64_t h, const anchor_relhead_config *cfg)
{
    anchor_relhead_config cc = *cfg; /* a clean head ignores the emulated link's settings */
    if (!cc.snr_on) cc.snr_lo_db = cc.snr_hi_db = 0, cc.packet_frames = 0;
    const anchor_relhead_config *c = &cc;
    h = base_hash_u64(h, N_SETTINGS);
    for (size_t k = 0; k < N_SETTINGS; k++) {
        int is_int;
        int64_t i;
        double d;
        setting_get(&settings[k], c, &is_int, &i, &d);
        h = base_hash_str(h, settings[k].name);
        h = is_int ? base_hash_u64(h, (uint64_t)i) : base_hash_double(h, d);
    }
    return h;
}

/* "name = value" of every setting, one per line, into buf. */
static void settings_text(const anchor_relhead_config *c, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t k = 0; k < N_SETTINGS; k++) {
        int is_int;
        int64_t i;
        double d;
        setting_get(&settings[k], c, &is_int, &i, &d);
        int w = is_int
                    ? snprintf(buf + used, cap - used, "train.%s = %lld\n", settings[k].name,
                               (long long)i)
                    : snprintf(buf + used, cap - used, "train.%s = %.17g\n", settings[k].name, d);
        if (w < 0 || (size_t)w >= cap - used) return;
        used += (size_t)w;
    }
}

/* ---- the content of the inputs ---------------------------------------------------- */

/* The training manifest's text, then every audio file it lists, each with its
 * length (base_hash_file), then the count. */
static base_status hash_manifest(uint64_t *h, const char *path, base_err *err)
{
    codec_manifest *m = NULL;
    base_status st = base_hash_file(h, path, err);
    if (st == BASE_OK) st = codec_manifest_read(path, &m, err);
    size_t n = st == BASE_OK ? codec_manifest_size(m) : 0;
    for (size_t i = 0; i < n && st == BASE_OK; i++)
        st = base_hash_file(h, codec_manifest_audio_path(m, i), err);
    *h = base_hash_u64(*h, n);
    codec_manifest_destroy(m);
    return st;
}

base_status anchor_relhead_inputs_hash(uint64_t *h, const anchor_relhead_spec *spec, base_err *err)
{
    base_status st = BASE_OK;
    *h = base_hash_str(*h, ANCHOR_RELHEAD_FORMAT);
    *h = base_hash_u64(*h, ANCHOR_RELHEAD_VERSION);
    *h = base_hash_str(*h, PACKAGE_VERSION);     /* the release ... */
    *h = base_hash_str(*h, ANCHOR_RELHEAD_CODE); /* ... and the sources that train */
    *h = base_hash_u64(*h, spec->rx_file != NULL);
    if (spec->rx_file) st = base_hash_file(h, spec->rx_file, err);
    *h = base_hash_u64(*h, spec->train_manifest != NULL);
    if (st == BASE_OK && spec->train_manifest) st = hash_manifest(h, spec->train_manifest, err);
    return st;
}

/* ---- model files ----------------------------------------------------------------- */

static void hex64(char *buf, uint64_t v)
{
    snprintf(buf, 17, "%016llx", (unsigned long long)v);
}

/* Decoder parameter i as the model file stores it: its name, rank nd and shape sz
 * (unused dimensions 0), so save and load walk the same tensors; NULL when parameter i
 * is not one of the decoder's tensors. */
static const char *decoder_tensor(const codec_agent *dec, size_t i, int *nd,
                                  size_t sz[CODEC_AGENT_MAX_DIMS])
{
    const char *name = codec_agent_param_name(dec, i);
    if (!anchor_relhead_is_decoder_tensor(name)) return NULL;
    int s[CODEC_AGENT_MAX_DIMS];
    *nd = codec_agent_param_shape(dec, i, s);
    sz[0] = (size_t)s[0];
    sz[1] = *nd > 1 ? (size_t)s[1] : 0;
    return name;
}

base_status anchor_relhead_save(const anchor_relhead *h, const char *path, base_err *err)
{
    if (!h || !path) return base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL argument");
    codec_model *md = codec_model_create(err);
    if (!md) return err ? err->code : BASE_ENOMEM;
    const codec_agent_config *c = codec_agent_get_config(h->dec);
    const anchor_relhead_config *r = &h->cfg;
    char hx[4][17];
    hex64(hx[0], h->key), hex64(hx[1], h->rx_hash), hex64(hx[2], h->set_hash);
    hex64(hx[3], h->data_id);
    base_status st;
#define TRY(x)                                                                                     \
    if ((st = (x))) goto out
    TRY(codec_model_set_str(md, "kind", ANCHOR_RELHEAD_KIND, err));
    TRY(codec_model_set_int(md, "head.version", ANCHOR_RELHEAD_VERSION, err));
    TRY(codec_arch_save(c, md, CODEC_ARCH_DECODER, err)); /* family, arch.* of the decoder */
    TRY(codec_model_set_int(md, "head.vocab", c->vocab, err));
    TRY(codec_model_set_int(md, "head.k", (int64_t)h->k, err));
    TRY(codec_model_set_int(md, "head.d_rx", (int64_t)h->d_rx, err));
    TRY(codec_model_set_str(md, "head.psi", anchor_psi_name(anchor_relhead_psi(h)), err));
    TRY(codec_model_set_str(md, "head.key", hx[0], err));
    TRY(codec_model_set_str(md, "head.rx_hash", hx[1], err));
    TRY(codec_model_set_str(md, "head.set_hash", hx[2], err));
    TRY(codec_model_set_str(md, "head.data_id", hx[3], err));
    for (size_t k = 0; k < N_SETTINGS; k++) {
        char name[64];
        int is_int;
        int64_t i;
        double d;
        snprintf(name, sizeof name, "train.%s", settings[k].name);
        setting_get(&settings[k], r, &is_int, &i, &d);
        TRY(is_int ? codec_model_set_int(md, name, i, err)
                   : codec_model_set_double(md, name, d, err));
    }
    TRY(codec_model_set_double(md, "train.final_loss", h->final_loss, err));
    size_t shp[2] = {h->k, h->d_rx};
    TRY(codec_model_add_tensor(md, "head.in.mean", 1, shp, h->mean, err));
    TRY(codec_model_add_tensor(md, "head.in.scale", 1, shp, h->scale, err));
    TRY(codec_model_add_tensor(md, "head.anchors", 2, shp, anchor_relhead_anchors(h), err));
    for (size_t i = 0; i < codec_agent_param_count(h->dec); i++) {
        int nd;
        size_t sz[CODEC_AGENT_MAX_DIMS];
        const char *name = decoder_tensor(h->dec, i, &nd, sz);
        if (!name) continue;
        TRY(codec_model_add_tensor(md, name, nd, sz,
                                   codec_agent_param_data((codec_agent *)h->dec, i), err));
    }
    st = codec_model_save(md, path, err);
#undef TRY
out:
    codec_model_destroy(md);
    return st;
}

static base_status get_hex(const codec_model *md, const char *key, uint64_t *v, base_err *err)
{
    const char *s;
    base_status st = codec_model_get_str(md, key, &s, err);
    if (st) return st;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 16);
    if (errno || *end || !*s)
        return base_err_set(err, BASE_EFORMAT, codec_model_source(md), 0,
                            "attribute '%s' is '%s', expected 16 hex digits", key, s);
    *v = x;
    return BASE_OK;
}

anchor_relhead *anchor_relhead_load(const char *path, base_err *err)
{
    codec_model *md = NULL;
    anchor_relhead *h = NULL;
    float *anchors = NULL;
    if (!path) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL path");
        return NULL;
    }
    if (codec_model_load(path, &md, err)) return NULL;
    const char *kind, *psi_name;
    int64_t vocab, k, d_rx, ver;
    anchor_psi psi;
    codec_agent_config hc = codec_agent_config_default();
    if (codec_model_get_str(md, "kind", &kind, err)) goto fail;
    if (strcmp(kind, ANCHOR_RELHEAD_KIND)) {
        base_err_set(err, BASE_EFORMAT, path, 0, "kind is '%s', expected '%s' (a relative head)",
                     kind, ANCHOR_RELHEAD_KIND);
        goto fail;
    }
    if (codec_model_get_int(md, "head.version", ANCHOR_RELHEAD_VERSION, ANCHOR_RELHEAD_VERSION,
                            &ver, err) ||
        codec_arch_load(md, &hc, CODEC_ARCH_DECODER, err) || /* the decoder's fields */
        codec_model_get_int(md, "head.vocab", 2, 64, &vocab, err) ||
        codec_model_get_int(md, "head.k", 1, ANCHOR_RELHEAD_MAX_K, &k, err) ||
        codec_model_get_int(md, "head.d_rx", 1, 1024, &d_rx, err) ||
        codec_model_get_str(md, "head.psi", &psi_name, err))
        goto fail;
    if (anchor_psi_parse(psi_name, &psi, err)) {
        base_err_locate(err, path, 0);
        goto fail;
    }
    hc.vocab = (int)vocab;
    hc = anchor_relhead_agent_config(&hc, (size_t)k, -1);
    if (codec_agent_config_check(&hc, err)) {
        base_err_locate(err, path, 0);
        goto fail;
    }
    anchors = malloc((size_t)(k * d_rx) * sizeof *anchors);
    if (!anchors) {
        base_err_set(err, BASE_ENOMEM, NULL, 0, "relhead: out of memory");
        goto fail;
    }
    size_t shp[2] = {(size_t)k, (size_t)d_rx};
    if (codec_model_get_tensor(md, "head.anchors", 2, shp, anchors, err)) goto fail;
    if (!(h = anchor_relhead_new(&hc, anchors, (size_t)k, (size_t)d_rx, psi, err))) {
        base_err_locate(err, path, 0);
        goto fail;
    }
    if (codec_model_get_tensor(md, "head.in.mean", 1, shp, h->mean, err) ||
        codec_model_get_tensor(md, "head.in.scale", 1, shp, h->scale, err))
        goto fail;
    for (size_t i = 0; i < codec_agent_param_count(h->dec); i++) {
        int nd;
        size_t sz[CODEC_AGENT_MAX_DIMS];
        const char *name = decoder_tensor(h->dec, i, &nd, sz);
        if (!name) continue;
        if (codec_model_get_tensor(md, name, nd, sz, codec_agent_param_data(h->dec, i), err))
            goto fail;
    }
    if (codec_model_check_all_used(md, err)) goto fail;
    if (get_hex(md, "head.key", &h->key, err) || get_hex(md, "head.rx_hash", &h->rx_hash, err) ||
        get_hex(md, "head.set_hash", &h->set_hash, err) ||
        get_hex(md, "head.data_id", &h->data_id, err))
        goto fail;
    /* the recipe, so a re-save writes the same attributes */
    anchor_relhead_config_default(&h->cfg);
    h->cfg.noise = 0; /* files from before the noise option were trained without it */
    for (size_t k = 0; k < N_SETTINGS; k++) {
        char name[64];
        int is_int;
        int64_t iv;
        double dv;
        snprintf(name, sizeof name, "train.%s", settings[k].name);
        setting_get(&settings[k], &h->cfg, &is_int, &iv, &dv);
        if (is_int ? !codec_model_get_int(md, name, INT64_MIN, INT64_MAX, &iv, NULL)
                   : !codec_model_get_double(md, name, -1e300, 1e300, &dv, NULL))
            setting_set(&settings[k], &h->cfg, iv, dv);
    }
    double dv;
    if (!codec_model_get_double(md, "train.final_loss", -1e300, 1e300, &dv, NULL))
        h->final_loss = dv;
    if (codec_agent_freeze(h->dec, err)) goto fail;
    free(anchors);
    codec_model_destroy(md);
    return h;
fail:
    if (err && !err->file[0]) base_err_locate(err, path, 0);
    free(anchors);
    anchor_relhead_destroy(h);
    codec_model_destroy(md);
    return NULL;
}

/* ---- cache ------------------------------------------------------------------------ */

/* Whether a loaded head is the one spec asks for (beyond the key in its name). */
static int head_matches(const anchor_relhead *h, const anchor_relhead_spec *s, uint64_t key)
{
    size_t d = (size_t)codec_agent_latent_dim(s->rx);
    return h->key == key && h->k == s->k && h->d_rx == d && anchor_relhead_psi(h) == s->psi &&
           h->set_hash == s->set_hash && h->data_id == s->data_id &&
           anchor_relhead_vocab(h) == codec_agent_get_config(s->rx)->vocab &&
           codec_agent_get_config(h->dec)->upsample == codec_agent_get_config(s->rx)->upsample &&
           !memcmp(anchor_relhead_anchors(h), s->a_rx, s->k * d * sizeof(float));
}

/* The cached head at path when it exists and matches spec (NULL otherwise,
 * with a warning when a file was there but unusable). */
static anchor_relhead *cache_lookup(const char *path, const anchor_relhead_spec *spec, uint64_t key,
                                    const base_log *lg)
{
    if (access(path, F_OK) != 0) return NULL;
    base_err e2 = BASE_ERR_INIT;
    anchor_relhead *h = anchor_relhead_load(path, &e2);
    if (h && !head_matches(h, spec, key)) {
        base_log_warn(lg, "relhead: %s does not match its key; training again", path);
        anchor_relhead_destroy(h);
        return NULL;
    }
    if (!h) {
        char buf[BASE_ERR_MSG + BASE_ERR_FILE + 16];
        base_log_warn(lg, "relhead: cache file unusable (%s); training again",
                      base_err_format(&e2, buf, sizeof buf));
        return NULL;
    }
    base_log_info(lg, "relhead: cache hit %s", path);
    return h;
}

/* Utterances and audio bytes a manifest lists (stat only), for the sidecar. */
static void manifest_size(const char *path, size_t *n, unsigned long long *bytes)
{
    codec_manifest *m = NULL;
    *n = 0, *bytes = 0;
    if (codec_manifest_read(path, &m, NULL)) return;
    *n = codec_manifest_size(m);
    for (size_t i = 0; i < *n; i++) {
        struct stat sb;
        if (!stat(codec_manifest_audio_path(m, i), &sb)) *bytes += (unsigned long long)sb.st_size;
    }
    codec_manifest_destroy(m);
}

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* The sidecar of a cached head (PATH with .h5 -> .txt): what it was built from,
 * `key = value` lines for `semsim cache list`. Informational: the key decides. */
static base_status write_sidecar(const char *path, const anchor_relhead_spec *spec,
                                 const anchor_relhead_config *cfg, uint64_t key, base_err *err)
{
    char side[ANCHOR_RELHEAD_PATH + 64], stamp[32], rx[4096], man[4096], set[1024], buf[12288];
    snprintf(side, sizeof side, "%s", path);
    char *dot = strrchr(side, '.');
    if (dot) snprintf(dot, (size_t)(side + sizeof side - dot), ".txt");
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    struct stat sb;
    long long rx_bytes = spec->rx_file && !stat(spec->rx_file, &sb) ? (long long)sb.st_size : -1;
    size_t nu = 0;
    unsigned long long audio = 0;
    if (spec->train_manifest) manifest_size(spec->train_manifest, &nu, &audio);
    if (!spec->rx_file || !realpath(spec->rx_file, rx))
        snprintf(rx, sizeof rx, "%s", spec->rx_file ? spec->rx_file : "-");
    if (!spec->train_manifest || !realpath(spec->train_manifest, man))
        snprintf(man, sizeof man, "%s", spec->train_manifest ? spec->train_manifest : "-");
    settings_text(cfg, set, sizeof set);
    char pool[32 + ANCHOR_RELHEAD_MAX_POOL * 20] = "";
    int pn = snprintf(pool, sizeof pool, "pool = %zu encoders", spec->n_pool);
    for (size_t v = 0; v < spec->n_pool && pn > 0 && (size_t)pn < sizeof pool; v++)
        pn += snprintf(pool + pn, sizeof pool - (size_t)pn, "%s%016llx", v ? " " : ": ",
                       (unsigned long long)anchor_relhead_agent_hash(spec->pool[v].agent));
    int n =
        snprintf(buf, sizeof buf,
                 "kind = relative-head\nkey = %016llx\nformat = %s (file version %d)\n"
                 "code = semsim %s (git %s), training code %s\ncreated = %s\nrx_model = %s\n"
                 "rx_model_bytes = %lld\n"
                 "train_manifest = %s\ntrain_utterances_listed = %zu\ntrain_audio_bytes = %llu\n"
                 "k = %zu\npsi = %s\nanchor_set = %016llx\ndata_id = %016llx\n%s\n%s"
                 "from = rx %s, %zu utts of %s (%.1f MB audio), K=%zu %s, %ld steps\n",
                 (unsigned long long)key, ANCHOR_RELHEAD_FORMAT, ANCHOR_RELHEAD_VERSION,
                 PACKAGE_VERSION, BASE_GIT_REV, ANCHOR_RELHEAD_CODE, stamp, rx, rx_bytes, man, nu,
                 audio, spec->k, anchor_psi_name(spec->psi), (unsigned long long)spec->set_hash,
                 (unsigned long long)spec->data_id, pool, set, base_name(rx), nu, base_name(man),
                 (double)audio / 1e6, spec->k, anchor_psi_name(spec->psi), cfg->steps);
    return base_fs_write_atomic(side, buf, n > 0 && (size_t)n < sizeof buf ? (size_t)n : 0, err);
}

/* Trains the head and, with a cache, saves it under path (a name private to
 * this process and head, renamed into place when complete). */
static anchor_relhead *train_and_save(const anchor_relhead_spec *spec,
                                      anchor_relhead_fetch_fn fetch, void *ctx,
                                      const anchor_relhead_config *cfg, const base_log *lg,
                                      anchor_relhead_result *rr, base_err *err)
{
    anchor_relhead_data data;
    memset(&data, 0, sizeof data);
    if (fetch(ctx, &data, err)) return NULL;
    anchor_relhead_config c2 = *cfg;
    char path[sizeof rr->path]; /* "" without a cache; training resets *rr */
    snprintf(path, sizeof path, "%s", rr->path);
    anchor_relhead *h = anchor_relhead_train(spec, &data, &c2, lg, rr, err);
    if (!h || !path[0]) return h;
    snprintf(rr->path, sizeof rr->path, "%s", path);
    char tmp[sizeof path + 64];
    base_status st = base_fs_tmp_name(path, (unsigned)(uintptr_t)h, tmp, sizeof tmp, err);
    if (!st) st = anchor_relhead_save(h, tmp, err);
    if (!st) st = base_fs_commit(tmp, path, err);
    if (!st) st = write_sidecar(path, spec, cfg, h->key, err);
    if (st) {
        anchor_relhead_destroy(h);
        return NULL;
    }
    base_log_info(lg, "relhead: saved %s", path);
    return h;
}

anchor_relhead *anchor_relhead_get(const anchor_relhead_spec *spec, anchor_relhead_fetch_fn fetch,
                                   void *ctx, const anchor_relhead_config *cfg, const base_log *lg,
                                   anchor_relhead_result *res, base_err *err)
{
    uint64_t key;
    anchor_relhead_result rr;
    memset(&rr, 0, sizeof rr);
    if (anchor_relhead_key(spec, cfg, &key, err)) return NULL;
    if (!fetch) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: NULL data callback");
        return NULL;
    }
    rr.key = key;
    if (!cfg->cache_dir[0]) {
        anchor_relhead *h = train_and_save(spec, fetch, ctx, cfg, lg, &rr, err);
        if (h && res) *res = rr;
        return h;
    }
    char lock[sizeof rr.path + 8];
    int n = snprintf(rr.path, sizeof rr.path, "%s/relhead-%016llx.h5", cfg->cache_dir,
                     (unsigned long long)key);
    if (n >= (int)sizeof rr.path) {
        base_err_set(err, BASE_EINVAL, NULL, 0, "relhead: cache_dir too long");
        return NULL;
    }
    snprintf(lock, sizeof lock, "%s.lock", rr.path);
    /* one thread, process or rank trains a head; the others wait, then find it */
    int fd = -1;
    if (base_fs_mkdirs(cfg->cache_dir, err) || base_fs_lock(lock, &fd, err)) return NULL;
    anchor_relhead *h = cache_lookup(rr.path, spec, key, lg);
    rr.cache_hit = h != NULL;
    if (!h) h = train_and_save(spec, fetch, ctx, cfg, lg, &rr, err);
    base_fs_unlock(fd);
    if (h && res) *res = rr;
    return h;
}
