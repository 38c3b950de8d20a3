/* cover.c -- what each sweep point's utterances cover, for the headers of
 * `semsim run` and `semsim validate`. See cover.h. */
#include "sim/cover.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codecs/tts.h"
#include "sim/corpus.h"
#include "sim/kind.h"
#include "sim/tts_source.h"

/* Append the lines first..last of text, spoken by every voice of voices, as
 * `semsim corpus` names them (sim/corpus.h: TAG/TAG_LNNNN.wav, voice by
 * voice). Transcripts are the lines as written. */
static base_status plan_tts(const sim_config *cfg, codec_manifest *m, base_err *err)
{
    long a, b;
    if (sim_corpus_parse_lines(cfg->source.lines, &a, &b))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "source.lines: bad range '%s'",
                            cfg->source.lines);
    codec_voice *v = NULL;
    size_t nv = 0;
    base_status st = codec_voices_read(cfg->source.voices, NULL, &v, &nv, err);
    if (st) return st;
    FILE *f = fopen(cfg->source.text, "r");
    if (!f) {
        free(v);
        return base_err_set(err, BASE_EIO, cfg->source.text, 0, "cannot open: %s", strerror(errno));
    }
    char *line = NULL, **text = calloc((size_t)(b - a + 2), sizeof *text);
    size_t cap = 0;
    long lineno = 0;
    if (!text) st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    while (!st && lineno < b && getline(&line, &cap, f) >= 0) {
        if (++lineno < a) continue;
        line[strcspn(line, "\r\n")] = 0;
        for (char *p = line; *p; p++)
            if (*p == '\t') *p = ' ';
        if (!(text[lineno - a] = strdup(line)))
            st = base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    if (!st && lineno < b)
        st = base_err_set(err, BASE_ERANGE, cfg->source.text, 0, "has %ld lines, %ld-%ld selected",
                          lineno, a, b);
    for (size_t iv = 0; !st && iv < nv; iv++) {
        char tag[80], id[96], rel[192];
        codec_voice_tag(&v[iv], tag, sizeof tag);
        for (long l = a; !st && l <= b; l++) {
            snprintf(id, sizeof id, "%s_L%04ld", tag, l);
            snprintf(rel, sizeof rel, "%s/%s.wav", tag, id);
            if ((st = codec_manifest_add(m, id, rel, text[l - a], err)))
                base_err_locate(err, cfg->source.text, (int)l);
        }
    }
    for (long l = a; text && l <= b; l++) free(text[l - a]);
    free(text);
    free(line);
    fclose(f);
    free(v);
    return st;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

base_status sim_cover_source(const sim_config *cfg, codec_manifest **man, base_err *err)
{
    *man = NULL;
    const sim_kind *k = sim_kind_find(cfg->source.kind);
    if (!k || !k->counts_words) return BASE_OK;
    if (*cfg->source.manifest) return codec_manifest_read(cfg->source.manifest, man, err);
    /* the TTS source: its cache entry when made, else what it will hold */
    char dir[4096], path[4200];
    base_status st = sim_tts_source_dir(cfg, dir, sizeof dir, err);
    if (st) return st;
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    if (is_file(path)) return codec_manifest_read(path, man, err);
    if ((st = codec_manifest_create(NULL, man, err))) return st;
    if ((st = plan_tts(cfg, *man, err))) {
        codec_manifest_destroy(*man);
        *man = NULL;
    }
    return st;
}

static size_t point_n(const sim_config *cfg)
{
    return cfg->scenario.utterances > 0 ? (size_t)cfg->scenario.utterances : 0;
}

base_status sim_cover_point(const sim_config *cfg, int *has, sim_sample_cover *c, base_err *err)
{
    codec_manifest *man = NULL;
    memset(c, 0, sizeof *c);
    base_status st = sim_cover_source(cfg, &man, err);
    *has = man != NULL;
    if (!st && man)
        st = sim_sample_cover_of(man, point_n(cfg), (uint64_t)cfg->scenario.seed, c, err);
    codec_manifest_destroy(man);
    return st;
}

/* Points p and q evaluate the same utterances. */
static int same_source(const sim_config *p, const sim_config *q)
{
    const sim_kind *kp = sim_kind_find(p->source.kind), *kq = sim_kind_find(q->source.kind);
    int sp = kp && kp->counts_words, sq = kq && kq->counts_words;
    if (sp != sq) return 0;
    if (!sp) return 1;
    return !strcmp(p->source.manifest, q->source.manifest) &&
           !strcmp(p->source.text, q->source.text) && !strcmp(p->source.lines, q->source.lines) &&
           !strcmp(p->source.voices, q->source.voices) && point_n(p) == point_n(q) &&
           p->scenario.seed == q->scenario.seed;
}

static void cover_line(FILE *out, const sim_sample_cover *c, const char *per, int64_t seed)
{
    if (c->utterances >= c->source_utterances)
        fprintf(out, "all %zu utterances%s (voices %zu, lines %zu)\n", c->utterances, per,
                c->voices, c->lines);
    else
        fprintf(out,
                "%zu of %zu%s (voices %zu of %zu, lines %zu of %zu), balanced by "
                "scenario.seed %lld\n",
                c->utterances, c->source_utterances, per, c->voices, c->source_voices, c->lines,
                c->source_lines, (long long)seed);
}

base_status sim_cover_write(const sim_config *cfgs, size_t np, FILE *out, base_err *err)
{
    int same = 1;
    for (size_t p = 1; p < np && same; p++) same = same_source(&cfgs[0], &cfgs[p]);
    sim_sample_cover c;
    int has = 0;
    base_status st = BASE_OK;
    if (same) {
        if (np && !(st = sim_cover_point(&cfgs[0], &has, &c, err)) && has) {
            fputs("utterances: ", out);
            cover_line(out, &c, np > 1 ? " per point" : "", cfgs[0].scenario.seed);
        }
        return st;
    }
    for (size_t p = 0; p < np && !st; p++) {
        /* consecutive points with the same source share the figures */
        if (p == 0 || !same_source(&cfgs[p - 1], &cfgs[p]))
            st = sim_cover_point(&cfgs[p], &has, &c, err);
        if (!st && has) {
            fprintf(out, "point %zu utterances: ", p);
            cover_line(out, &c, "", cfgs[p].scenario.seed);
        }
    }
    return st;
}
