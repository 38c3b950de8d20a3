/* bench_relhead.c -- training time and quality of the `relative` equalizer's
 * head (anchors/relhead.h) (make bench).
 *
 * Without arguments: training speed on synthetic latents (random receivers
 * shaped like the shipped agents A and B, 64 utterances of 104 latent frames,
 * K = 64, cosine), one line per shape:
 *   bench_relhead blas_core=NAME threads=N
 *   bench_relhead case=speed agent=A|B K=64 frames_per_step=F s_per_step=X
 *                 steps_default=S projected_s=Y
 *
 * With arguments, the real measurement on a trained receiver:
 *   bench_relhead MODEL.h5 TRAIN.tsv DEV.tsv [K [NTRAIN [NDEV [STEPS [PSI [LS_LAMBDA]]]]]]
 * encodes NTRAIN training utterances (default 600) with the receiver's frozen
 * encoder, selects K (64) k-means anchors on its own latent frames (at most
 * 20000 candidates, seed 1), trains the head (STEPS, default the recipe's), then
 * scores greedy CER/WER on NDEV (300) dev utterances for
 *   native    the receiver's own encoder -> own decoder,
 *   relhead   own encoder -> psi(z, A_rx) -> head (B reading its own relative
 *             representations; the target is within 2 CER points of native),
 *   relinv    own encoder -> psi -> relative-inverse -> own decoder (no training),
 *   native_ft the control: the same recipe with K = d identity anchors and inner
 *             psi, i.e. R = z: the native decoder fine-tuned on the same data for
 *             the same steps (separates "reads relative representations" from
 *             "got extra decoder training"):
 *   bench_relhead case=quality K=.. psi=.. train_utts=.. dev_utts=.. steps=..
 *                 train_s=X native_cer=.. relhead_cer=.. relinv_cer=.. native_ft_cer=..
 *                 (and _wer)
 */
#include "anchors/equalizer.h"
#include "anchors/relhead.h"
#include "anchors/select.h"
#include "codecs/audio.h"
#include "codecs/frontend.h"
#include "codecs/manifest.h"
#include "codecs/melspec.h"
#include "codecs/modelfile.h"
#include "codecs/text.h"
#include "codecs/train.h"
#include "codecs/vocab.h"
#include "base/rng.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int die(const char *what, const base_err *e)
{
    char buf[1024];
    fprintf(stderr, "bench_relhead: %s: %s\n", what, e ? base_err_format(e, buf, sizeof buf) : "");
    return 1;
}

/* ---- synthetic speed ------------------------------------------------------------ */

static void speed(const char *name, codec_agent_config c)
{
    enum {
        NU = 64,
        T = 104,
        KK = 64
    }; /* 104: mean latent frames of a Harvard sentence at stride 2 */
    codec_agent *rx = NULL;
    if (codec_agent_create(&rx, &c, 3, NULL)) return;
    const int d = c.d;
    float *z = malloc(sizeof(float) * NU * T * d), *a = malloc(sizeof(float) * KK * d);
    const float *zp[NU];
    int t[NU];
    const char *text[NU];
    base_rng r;
    base_rng_init(&r, 4, 0, 0);
    base_rng_normal_fill(&r, z, (size_t)NU * T * d, 1);
    base_rng_normal_fill(&r, a, (size_t)KK * d, 1);
    for (int u = 0; u < NU; u++)
        zp[u] = z + (size_t)u * T * d, t[u] = T, text[u] = "the birch canoe slid on the smooth";
    anchor_relhead_spec s = {rx, a, KK, ANCHOR_PSI_COSINE, 0, 0, NULL, NULL, 0, NULL};
    anchor_relhead_data data = {NU, zp, t, text, NULL, NULL};
    anchor_relhead_config cfg;
    anchor_relhead_config_default(&cfg);
    long steps_default = cfg.steps;
    cfg.steps = 10;
    double t0 = now();
    base_err e = BASE_ERR_INIT;
    anchor_relhead *h = anchor_relhead_train(&s, &data, &cfg, NULL, NULL, &e);
    double sec = now() - t0;
    if (!h) {
        die("speed", &e);
    } else {
        double per = sec / (double)cfg.steps;
        printf("bench_relhead case=speed agent=%s K=%d frames_per_step=%d s_per_step=%.4f "
               "steps_default=%ld projected_s=%.1f\n",
               name, KK, cfg.batch * T, per, steps_default, per * (double)steps_default);
    }
    anchor_relhead_destroy(h);
    codec_agent_destroy(rx);
    free(z), free(a);
}

/* ---- real measurement ------------------------------------------------------------ */

typedef struct corpus {
    size_t n;
    float **z;
    int *t;
    char **text; /* normalised */
} corpus;

static void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++) free(c->z[i]), free(c->text[i]);
    free(c->z), free(c->t), free(c->text);
}

/* Encodes the first max utterances of a manifest (evenly spread when it has more). */
static base_status encode_manifest(const char *path, size_t max, const codec_agent *a,
                                   const codec_melspec *mel, int rate, corpus *out, base_err *e)
{
    codec_manifest *m = NULL;
    base_status st = codec_manifest_read(path, &m, e);
    if (st) return st;
    size_t n = codec_manifest_size(m), take = n < max ? n : max;
    memset(out, 0, sizeof *out);
    out->z = calloc(take, sizeof *out->z);
    out->t = calloc(take, sizeof *out->t);
    out->text = calloc(take, sizeof *out->text);
    codec_melspec_work *w = codec_melspec_work_create(mel, e);
    codec_agent_ws *ws = NULL;
    if (!out->z || !out->t || !out->text || !w) {
        st = BASE_ENOMEM;
        goto done;
    }
    const int M = codec_melspec_bands(mel), d = codec_agent_latent_dim(a);
    if ((st = codec_agent_ws_create(&ws, a, 4000, e))) goto done;
    for (size_t k = 0; k < take; k++) {
        size_t i = k * n / take;
        float *x = NULL;
        size_t ns = 0;
        if ((st = codec_audio_read(codec_manifest_audio_path(m, i), rate, &x, &ns, e))) goto done;
        size_t T = codec_melspec_frames(mel, ns);
        if (T > 4000 || T < 8) {
            free(x);
            continue;
        }
        float *feat = malloc(sizeof(float) * T * (size_t)M);
        int tz = codec_agent_latent_len(a, (int)T);
        float *z = malloc(sizeof(float) * (size_t)tz * (size_t)d);
        char *norm = NULL;
        if (!feat || !z) {
            free(x), free(feat), free(z);
            st = BASE_ENOMEM;
            goto done;
        }
        st = codec_melspec_execute(mel, w, x, ns, feat, NULL, e);
        if (!st) st = codec_agent_encode(a, ws, feat, (int)T, z, e);
        if (!st) st = codec_text_normalise(codec_manifest_transcript(m, i), &norm, e);
        free(x), free(feat);
        if (st) {
            free(z);
            goto done;
        }
        out->z[out->n] = z, out->t[out->n] = tz, out->text[out->n] = norm;
        out->n++;
    }
done:
    codec_agent_ws_destroy(ws);
    codec_melspec_work_destroy(w);
    codec_manifest_destroy(m);
    return st;
}

static int lev(const char *a, int na, const char *b, int nb, int *row)
{
    for (int j = 0; j <= nb; j++) row[j] = j;
    for (int i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= nb; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[nb];
}

/* Words as single chars (a hash-free trick: map each word to its index in a small table). */
static int words(const char *s, char *out, char table[][64], int *nt)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != ' ') q++;
        int len = (int)(q - p) < 63 ? (int)(q - p) : 63, id = -1;
        for (int k = 0; k < *nt; k++)
            if ((int)strlen(table[k]) == len && !strncmp(table[k], p, (size_t)len)) id = k;
        if (id < 0 && *nt < 255) {
            memcpy(table[*nt], p, (size_t)len);
            table[*nt][len] = 0;
            id = (*nt)++;
        }
        out[n++] = (char)(id < 0 ? 255 : id + 1);
        p = q;
    }
    out[n] = 0;
    return n;
}

typedef struct score {
    long ce, cn, we, wn;
} score;

static void add_score(score *s, const char *ref, const char *hyp)
{
    static int row[8192];
    char wr[1024], wh[1024], table[256][64];
    int nt = 0;
    int nr = (int)strlen(ref), nh = (int)strlen(hyp);
    s->ce += lev(ref, nr, hyp, nh, row), s->cn += nr;
    int a = words(ref, wr, table, &nt), b = words(hyp, wh, table, &nt);
    s->we += lev(wr, a, wh, b, row), s->wn += a;
}

static int maxt_of(const corpus *c)
{
    int m = 1;
    for (size_t i = 0; i < c->n; i++)
        if (c->t[i] > m) m = c->t[i];
    return m;
}

static int quality(int argc, char **argv)
{
    const char *model = argv[1], *train = argv[2], *dev = argv[3];
    size_t k = argc > 4 ? (size_t)atol(argv[4]) : 64;
    size_t ntrain = argc > 5 ? (size_t)atol(argv[5]) : 600;
    size_t ndev = argc > 6 ? (size_t)atol(argv[6]) : 300;
    anchor_relhead_config cfg;
    anchor_relhead_config_default(&cfg);
    if (argc > 7) cfg.steps = atol(argv[7]);
    anchor_psi psi = ANCHOR_PSI_COSINE;
    base_err e = BASE_ERR_INIT;
    if (argc > 8 && anchor_psi_parse(argv[8], &psi, &e)) return die("psi", &e);
    if (argc > 9) cfg.ls_lambda = atof(argv[9]);
    codec_agent *a = NULL;
    codec_model *md = NULL;
    codec_melspec_config fe;
    if (codec_agent_load(model, &a, &md, &e) || codec_frontend_from_model(md, &fe, &e))
        return die(model, &e);
    codec_melspec *mel = codec_melspec_create(&fe, &e);
    if (!mel) return die("melspec", &e);
    corpus tr, dv;
    double t0 = now();
    if (encode_manifest(train, ntrain, a, mel, fe.sample_rate, &tr, &e)) return die(train, &e);
    if (encode_manifest(dev, ndev, a, mel, fe.sample_rate, &dv, &e)) return die(dev, &e);
    double enc_s = now() - t0;
    const size_t d = (size_t)codec_agent_latent_dim(a);
    /* candidates: every 4th training frame, at most 20000 */
    size_t total = 0;
    for (size_t i = 0; i < tr.n; i++) total += (size_t)tr.t[i];
    size_t every = total / 20000 + 1, nc = 0;
    float *cand = malloc(sizeof(float) * (total / every + 1) * d);
    for (size_t i = 0, g = 0; i < tr.n; i++)
        for (int f = 0; f < tr.t[i]; f++, g++)
            if (g % every == 0) memcpy(cand + nc++ * d, tr.z[i] + (size_t)f * d, d * sizeof(float));
    anchor_select_config sc;
    anchor_select_config_default(&sc);
    sc.method = ANCHOR_SEL_KMEANS;
    sc.k = k;
    base_rng rng;
    base_rng_init(&rng, 1, 0, base_rng_component("anchors.select"));
    anchor_set *set = anchor_set_select(&sc, cand, nc, d, NULL, &rng, &e);
    if (!set) return die("select", &e);
    float *a_rx = malloc(sizeof(float) * k * d);
    if (anchor_set_build(set, cand, nc, d, NULL, a_rx, &e)) return die("build", &e);
    anchor_relhead_spec spec = {a, a_rx, k, psi, anchor_set_hash(set), 0, NULL, NULL, 0, NULL};
    anchor_relhead_data data = {
        tr.n, (const float *const *)tr.z, tr.t, (const char *const *)tr.text, NULL, NULL};
    base_log lg = {BASE_LOG_INFO, stderr};
    anchor_relhead_result res;
    t0 = now();
    anchor_relhead *h = anchor_relhead_train(&spec, &data, &cfg, &lg, &res, &e);
    double train_s = now() - t0;
    if (!h) return die("train", &e);
    /* control: identity anchors, inner psi -> R = z */
    float *eye = calloc(d * d, sizeof(float));
    for (size_t i = 0; i < d; i++) eye[i * d + i] = 1;
    anchor_relhead_spec cspec = {a, eye, d, ANCHOR_PSI_INNER, 0, 0, NULL, NULL, 0, NULL};
    anchor_relhead *hc = anchor_relhead_train(&cspec, &data, &cfg, &lg, NULL, &e);
    if (!hc) return die("control", &e);
    anchor_relhead_ws *cw = anchor_relhead_ws_create(hc, maxt_of(&dv), &e);
    anchor_equalizer_config ec;
    anchor_equalizer_config_default(&ec);
    ec.type = ANCHOR_EQ_RELATIVE_INVERSE;
    ec.psi = psi;
    ec.rx_norm = anchor_mean_norm(cand, nc, d);
    anchor_equalizer *inv = anchor_equalizer_create(&ec, a_rx, a_rx, k, d, d, &e);
    if (!inv) return die("relative-inverse", &e);
    int maxt = 1;
    for (size_t i = 0; i < dv.n; i++)
        if (dv.t[i] > maxt) maxt = dv.t[i];
    anchor_relhead_ws *hw = anchor_relhead_ws_create(h, maxt, &e);
    codec_agent_ws *aw = NULL;
    codec_agent_ws_create(&aw, a, maxt * codec_agent_get_config(a)->stride + 16, &e);
    float *r = malloc(sizeof(float) * (size_t)maxt * k),
          *lp =
              malloc(sizeof(float) * (size_t)codec_agent_ctc_len(a, (int)maxt) * CODEC_VOCAB_SIZE);
    float *xh = malloc(sizeof(float) * (size_t)maxt * d);
    score sn = {0}, sh = {0}, si = {0}, sf = {0};
    char hyp[4096];
    for (size_t i = 0; i < dv.n; i++) {
        int t = dv.t[i];
        codec_agent_decode(a, aw, dv.z[i], t, lp, NULL);
        codec_train_greedy(lp, codec_agent_ctc_len(a, t), CODEC_VOCAB_SIZE, hyp, sizeof hyp);
        add_score(&sn, dv.text[i], hyp);
        anchor_relhead_project(h, dv.z[i], t, r, NULL);
        anchor_relhead_decode(h, hw, r, t, lp, NULL);
        codec_train_greedy(lp, codec_agent_ctc_len(a, t), CODEC_VOCAB_SIZE, hyp, sizeof hyp);
        add_score(&sh, dv.text[i], hyp);
        anchor_equalizer_decode(inv, r, (size_t)t, xh, NULL);
        codec_agent_decode(a, aw, xh, t, lp, NULL);
        codec_train_greedy(lp, codec_agent_ctc_len(a, t), CODEC_VOCAB_SIZE, hyp, sizeof hyp);
        add_score(&si, dv.text[i], hyp);
        anchor_relhead_decode(hc, cw, dv.z[i], t, lp, NULL);
        codec_train_greedy(lp, codec_agent_ctc_len(a, t), CODEC_VOCAB_SIZE, hyp, sizeof hyp);
        add_score(&sf, dv.text[i], hyp);
    }
    printf(
        "bench_relhead case=quality model=%s K=%zu psi=%s ls_lambda=%g train_utts=%zu skipped=%zu "
        "train_frames=%zu dev_utts=%zu steps=%ld encode_s=%.1f train_s=%.1f loss=%.3f->%.3f "
        "native_cer=%.4f relhead_cer=%.4f relinv_cer=%.4f native_wer=%.4f relhead_wer=%.4f "
        "relinv_wer=%.4f native_ft_cer=%.4f native_ft_wer=%.4f\n",
        model, k, anchor_psi_name(psi), cfg.ls_lambda, res.utts, res.skipped, res.frames, dv.n,
        res.steps, enc_s, train_s, res.init_loss, res.final_loss, (double)sn.ce / sn.cn,
        (double)sh.ce / sh.cn, (double)si.ce / si.cn, (double)sn.we / sn.wn, (double)sh.we / sh.wn,
        (double)si.we / si.wn, (double)sf.ce / sf.cn, (double)sf.we / sf.wn);
    free(r), free(lp), free(xh), free(cand), free(a_rx);
    anchor_relhead_ws_destroy(hw);
    anchor_relhead_ws_destroy(cw);
    anchor_relhead_destroy(hc);
    free(eye);
    codec_agent_ws_destroy(aw);
    anchor_equalizer_destroy(inv);
    anchor_relhead_destroy(h);
    anchor_set_destroy(set);
    corpus_free(&tr), corpus_free(&dv);
    codec_melspec_destroy(mel);
    codec_model_destroy(md);
    codec_agent_destroy(a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4) return quality(argc, argv);
    if (argc > 1) {
        fprintf(stderr, "usage: bench_relhead [MODEL.h5 TRAIN.tsv DEV.tsv [K [NTRAIN [NDEV "
                        "[STEPS [PSI [LS_LAMBDA]]]]]]]\n");
        return 2;
    }
    anchor_relhead_config cfg;
    anchor_relhead_config_default(&cfg);
    printf("bench_relhead blas_core=%s threads=%d\n", openblas_get_corename(), cfg.threads);
    codec_agent_config A = codec_agent_config_default(), B = A;
    /* models/recipes/B.ini */
    B.family = CODEC_FAMILY_CONV;
    B.d = 96, B.width = 192, B.kernel0 = 7, B.kernel = 5, B.enc_depth = 5, B.dec_depth = 3;
    B.dilation_max = 2;
    speed("A", A);
    speed("B", B);
    return 0;
}
