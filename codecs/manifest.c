/* manifest.c -- manifest.tsv and LibriSpeech-layout readers, and the writer
 * used by `semsim corpus`; see manifest.h. */
#include "codecs/manifest.h"

#include "base/hash.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NO_ENTRY ((size_t)-1)

typedef struct entry {
    char *id;
    char *audio; /* as written */
    char *path;  /* resolved */
    char *text;
    /* the speaker: given (4th column, or by the LibriSpeech reader), else one of
     * the two derived names, chosen by the accessor (manifest.h) */
    char *speaker;    /* given, or NULL */
    char *dir;        /* the audio file's folder (resolved) */
    char *spk_folder; /* its name: last component ("." for none) */
    char *spk_id;     /* id up to its last '_' or '-', or NULL */
} entry;

struct codec_manifest {
    char *base; /* folder relative AUDIO resolves against, "" = cwd */
    entry *e;
    size_t n, cap;
    char *dir0;    /* resolved folder of entry 0 (NULL while empty) */
    size_t clen;   /* dir0[0..clen) is the deepest folder holding every entry */
    int multi_dir; /* entries sit in more than one folder */
    int given;     /* some entry has a given speaker */
    size_t *slot;  /* open-addressing id -> index table, NO_ENTRY = empty */
    size_t nslot;  /* power of two, > 2n */
};

static uint64_t hash_str(const char *s)
{
    return base_hash_str(BASE_HASH_INIT, s); /* FNV-1a */
}

static size_t slot_of(const codec_manifest *m, const char *id)
{
    size_t mask = m->nslot - 1, i = (size_t)hash_str(id) & mask;
    while (m->slot[i] != NO_ENTRY && strcmp(m->e[m->slot[i]].id, id)) i = (i + 1) & mask;
    return i;
}

static int grow_slots(codec_manifest *m)
{
    size_t ns = m->nslot ? 2 * m->nslot : 64;
    size_t *s = malloc(sizeof *s * ns);
    if (!s) return -1;
    for (size_t i = 0; i < ns; i++) s[i] = NO_ENTRY;
    free(m->slot);
    m->slot = s;
    m->nslot = ns;
    for (size_t k = 0; k < m->n; k++) m->slot[slot_of(m, m->e[k].id)] = k;
    return 0;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int has_space(const char *s)
{
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
            return 1;
    return 0;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r') return 0;
    return 1;
}

/* Copy of s without blanks (space, tab, CR) at either end. */
static char *dup_trimmed(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static char *join_path(const char *base, const char *rel)
{
    if (rel[0] == '/' || !base || !base[0]) return dup_str(rel);
    size_t nb = strlen(base), nr = strlen(rel);
    char *p = malloc(nb + nr + 2);
    if (!p) return NULL;
    memcpy(p, base, nb);
    p[nb] = '/';
    memcpy(p + nb + 1, rel, nr + 1);
    return p;
}

/* Folder part of path ("" when there is none, "/" for root files). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return dup_str("");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, path, n);
    d[n] = 0;
    return d;
}

/* Name of the folder path sits in: its last component ("." when path has no
 * folder, "/" for a file at the root). */
static char *folder_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return dup_str(".");
    if (slash == path) return dup_str("/");
    const char *start = slash;
    while (start > path && start[-1] != '/') start--;
    size_t n = (size_t)(slash - start);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, start, n);
    d[n] = 0;
    return d;
}

/* id up to its last '_' or '-' ("p225_001" -> "p225"); NULL (with *ok = 1)
 * when there is no separator after the first character. */
static char *id_prefix(const char *id, int *ok)
{
    const char *u = strrchr(id, '_'), *h = strrchr(id, '-');
    const char *cut = u > h ? u : h;
    *ok = 1;
    if (!cut || cut == id) return NULL;
    char *d = malloc((size_t)(cut - id) + 1);
    if (!d) {
        *ok = 0;
        return NULL;
    }
    memcpy(d, id, (size_t)(cut - id));
    d[cut - id] = 0;
    return d;
}

static void entry_free(entry *e)
{
    free(e->id);
    free(e->audio);
    free(e->path);
    free(e->text);
    free(e->speaker);
    free(e->dir);
    free(e->spk_folder);
    free(e->spk_id);
}

base_status codec_manifest_create(const char *base_dir, codec_manifest **out, base_err *err)
{
    if (!out) return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_manifest_create: NULL");
    *out = NULL;
    codec_manifest *m = calloc(1, sizeof *m);
    if (!m) goto fail;
    m->base = dup_str(base_dir ? base_dir : "");
    if (!m->base || grow_slots(m)) goto fail;
    *out = m;
    return BASE_OK;
fail:
    codec_manifest_destroy(m);
    return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory creating manifest");
}

void codec_manifest_destroy(codec_manifest *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) entry_free(&m->e[i]);
    free(m->e);
    free(m->slot);
    free(m->base);
    free(m->dir0);
    free(m);
}

/* Length of the longest common folder prefix (whole components) of
 * a[0..alen) and b: "x/ab/c" and "x/ab" -> 4, "x/ab" and "x/ac" -> 1. */
static size_t common_dir(const char *a, size_t alen, const char *b)
{
    size_t i = 0;
    while (i < alen && b[i] && a[i] == b[i]) i++;
    if ((i == alen || a[i] == '/') && (!b[i] || b[i] == '/')) return i;
    while (i > 0 && a[i - 1] != '/') i--;
    return i > 1 ? i - 1 : i; /* without the '/', except the root's */
}

/* Track the folders: m->multi_dir, m->clen. 0, or -1 when out of memory. */
static int note_folder(codec_manifest *m, const char *dir)
{
    if (!m->dir0) {
        if (!(m->dir0 = dup_str(dir))) return -1;
        m->clen = strlen(dir);
        return 0;
    }
    if (strcmp(dir, m->dir0)) m->multi_dir = 1;
    m->clen = common_dir(m->dir0, m->clen, dir);
    return 0;
}

/* _add with the input's file and line for error messages (file may be NULL)
 * and the speaker (NULL: derived). */
static base_status add_at(codec_manifest *m, const char *id, const char *audio, const char *text,
                          const char *speaker, const char *file, int line, base_err *err)
{
    if (!id[0]) return base_err_set(err, BASE_EFORMAT, file, line, "empty id");
    if (has_space(id))
        return base_err_set(err, BASE_EFORMAT, file, line, "id '%s' contains whitespace", id);
    if (!audio[0] || is_blank(audio))
        return base_err_set(err, BASE_EFORMAT, file, line, "empty audio path for id '%s'", id);
    if (strchr(audio, '\t') || strchr(audio, '\n'))
        return base_err_set(err, BASE_EFORMAT, file, line,
                            "audio path of '%s' has a tab or newline", id);
    if (is_blank(text))
        return base_err_set(err, BASE_EFORMAT, file, line, "empty transcript for id '%s'", id);
    if (strchr(text, '\t') || strchr(text, '\n'))
        return base_err_set(err, BASE_EFORMAT, file, line,
                            "transcript of '%s' has a tab or newline", id);
    if (speaker && (is_blank(speaker) || strchr(speaker, '\t') || strchr(speaker, '\n')))
        return base_err_set(err, BASE_EFORMAT, file, line,
                            "speaker of '%s' is empty or has a tab or newline", id);
    size_t s = slot_of(m, id);
    if (m->slot[s] != NO_ENTRY)
        return base_err_set(err, BASE_EEXIST, file, line, "duplicate id '%s' (entry %zu)", id,
                            m->slot[s] + 1);
    if (m->n == m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 64;
        entry *e = realloc(m->e, sizeof *e * nc);
        if (!e) goto nomem;
        m->e = e;
        m->cap = nc;
    }
    int ok;
    entry e = {.id = dup_str(id),
               .audio = dup_str(audio),
               .path = join_path(m->base, audio),
               .text = dup_trimmed(text),
               .speaker = speaker ? dup_trimmed(speaker) : NULL,
               .spk_id = id_prefix(id, &ok)};
    if (e.path) e.spk_folder = folder_name(e.path);
    if (e.path) e.dir = dir_of(e.path);
    if (!e.id || !e.audio || !e.path || !e.text || (speaker && !e.speaker) || !e.spk_folder ||
        !e.dir || !ok || note_folder(m, e.dir)) {
        entry_free(&e);
        goto nomem;
    }
    m->given |= speaker != NULL;
    m->e[m->n] = e;
    m->slot[s] = m->n++;
    if (2 * m->n >= m->nslot && grow_slots(m)) goto nomem;
    return BASE_OK;
nomem:
    return base_err_set(err, BASE_ENOMEM, file, line, "out of memory adding manifest entry");
}

base_status codec_manifest_add(codec_manifest *m, const char *id, const char *audio,
                               const char *transcript, base_err *err)
{
    if (!m || !id || !audio || !transcript)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_manifest_add: NULL argument");
    return add_at(m, id, audio, transcript, NULL, NULL, 0, err);
}

base_status codec_manifest_add_speaker(codec_manifest *m, const char *id, const char *audio,
                                       const char *transcript, const char *speaker, base_err *err)
{
    if (!m || !id || !audio || !transcript)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_manifest_add_speaker: NULL argument");
    return add_at(m, id, audio, transcript, speaker, NULL, 0, err);
}

/* Strip the line ending (LF and an optional CR before it) in place. */
static void chomp(char *s, ssize_t *len)
{
    while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r')) s[--*len] = 0;
}

/* Cut line at its tabs in place: fld gets up to 4 fields; returns how many
 * there are (5 for "more than 4"). */
static int split_fields(char *line, char *fld[4])
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == 4) return 5;
        fld[n++] = p;
        char *t = strchr(p, '\t');
        if (!t) return n;
        *t = 0;
        p = t + 1;
    }
}

base_status codec_manifest_read(const char *path, codec_manifest **out, base_err *err)
{
    if (!path || !out) return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_manifest_read: NULL");
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return base_err_set(err, BASE_EIO, path, 0, "is a directory, not a manifest");
    FILE *f = fopen(path, "r");
    if (!f)
        return base_err_set(err, BASE_EIO, path, 0, "cannot open manifest: %s", strerror(errno));
    codec_manifest *m = NULL;
    char *line = NULL, *base = dir_of(path);
    size_t cap = 0;
    base_status st = base ? codec_manifest_create(base, &m, err)
                          : base_err_set(err, BASE_ENOMEM, path, 0, "out of memory");
    if (st != BASE_OK) goto fail;
    ssize_t len;
    int lineno = 0, first_nf = 0, first_line = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        chomp(line, &len);
        if (line[0] == '#' || is_blank(line)) continue;
        if ((size_t)len != strlen(line)) {
            st = base_err_set(err, BASE_EFORMAT, path, lineno, "NUL byte in line");
            goto fail;
        }
        char *fld[4];
        int nf = split_fields(line, fld);
        if (nf < 3 || nf > 4) {
            st = nf < 3
                     ? base_err_set(err, BASE_EFORMAT, path, lineno,
                                    "too few fields: expected ID<TAB>AUDIO<TAB>TRANSCRIPT, got %d",
                                    nf)
                     : base_err_set(err, BASE_EFORMAT, path, lineno,
                                    "too many fields: expected "
                                    "ID<TAB>AUDIO<TAB>TRANSCRIPT[<TAB>SPEAKER]");
            goto fail;
        }
        if (!first_nf) first_nf = nf, first_line = lineno;
        if (nf != first_nf) {
            st = base_err_set(err, BASE_EFORMAT, path, lineno,
                              "%d fields, but line %d has %d: every line has a SPEAKER column "
                              "or none does",
                              nf, first_line, first_nf);
            goto fail;
        }
        st = add_at(m, fld[0], fld[1], fld[2], nf == 4 ? fld[3] : NULL, path, lineno, err);
        if (st != BASE_OK) goto fail;
    }
    if (ferror(f)) {
        st = base_err_set(err, BASE_EIO, path, 0, "read failed: %s", strerror(errno));
        goto fail;
    }
    fclose(f);
    free(line);
    free(base);
    *out = m;
    return BASE_OK;
fail:
    fclose(f);
    free(line);
    free(base);
    codec_manifest_destroy(m);
    return st;
}

/* ---- LibriSpeech layout ------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int cmp_names(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name); /* byte order: locale-independent */
}

static base_status read_trans(codec_manifest *m, const char *dir, const char *file, base_err *err)
{
    FILE *f = fopen(file, "r");
    if (!f) return base_err_set(err, BASE_EIO, file, 0, "cannot open: %s", strerror(errno));
    base_status st = BASE_OK;
    char *line = NULL, *audio = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        chomp(line, &len);
        if (is_blank(line)) continue;
        char *sp = strchr(line, ' ');
        if (!sp) {
            st = base_err_set(err, BASE_EFORMAT, file, lineno,
                              "too few fields: expected ID TRANSCRIPT");
            goto done;
        }
        *sp = 0;
        free(audio);
        size_t nd = strlen(dir), ni = strlen(line);
        audio = malloc(nd + ni + 7);
        if (!audio) {
            st = base_err_set(err, BASE_ENOMEM, file, lineno, "out of memory");
            goto done;
        }
        snprintf(audio, nd + ni + 7, "%s/%s.flac", dir, line);
        /* LibriSpeech ids are SPEAKER-CHAPTER-UTTERANCE */
        char *dash = strchr(line, '-');
        if (dash) *dash = 0;
        char *spk = dash && line[0] ? dup_str(line) : NULL;
        if (dash) *dash = '-';
        if (dash && line[0] && !spk) {
            st = base_err_set(err, BASE_ENOMEM, file, lineno, "out of memory");
            goto done;
        }
        st = add_at(m, line, audio, sp + 1, spk, file, lineno, err);
        free(spk);
        if (st != BASE_OK) goto done;
    }
done:
    fclose(f);
    free(line);
    free(audio);
    return st;
}

static base_status walk(codec_manifest *m, const char *dir, int depth, size_t *nfiles,
                        base_err *err)
{
    if (depth > 16) return BASE_OK; /* LibriSpeech is 3 deep; stop at symlink loops */
    struct dirent **names = NULL;
    int k = scandir(dir, &names, NULL, cmp_names);
    if (k < 0)
        return base_err_set(err, BASE_EIO, dir, 0, "cannot read folder: %s", strerror(errno));
    base_status st = BASE_OK;
    for (int i = 0; i < k; i++) {
        const char *nm = names[i]->d_name;
        if (st != BASE_OK || nm[0] == '.') continue;
        char *p = join_path(dir, nm);
        if (!p) {
            st = base_err_set(err, BASE_ENOMEM, dir, 0, "out of memory");
            continue;
        }
        struct stat sb;
        if (stat(p, &sb) == 0) {
            if (S_ISDIR(sb.st_mode)) {
                st = walk(m, p, depth + 1, nfiles, err);
            } else if (ends_with(nm, ".trans.txt")) {
                st = read_trans(m, dir, p, err);
                (*nfiles)++;
            }
        }
        free(p);
    }
    for (int i = 0; i < k; i++) free(names[i]);
    free(names);
    return st;
}

base_status codec_manifest_read_librispeech(const char *dir, codec_manifest **out, base_err *err)
{
    if (!dir || !out)
        return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_manifest_read_librispeech: NULL");
    *out = NULL;
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return base_err_set(err, BASE_EIO, dir, 0, "cannot open folder: %s", strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return base_err_set(err, BASE_EIO, dir, 0, "not a folder (LibriSpeech layout expected)");
    codec_manifest *m = NULL;
    base_status st = codec_manifest_create(NULL, &m, err);
    if (st != BASE_OK) return st;
    size_t nfiles = 0;
    st = walk(m, dir, 0, &nfiles, err);
    if (st == BASE_OK && nfiles == 0)
        st = base_err_set(err, BASE_ENOTFOUND, dir, 0, "no *.trans.txt files under this folder");
    if (st != BASE_OK) {
        codec_manifest_destroy(m);
        return st;
    }
    *out = m;
    return BASE_OK;
}

/* ---- writer and accessors --------------------------------------------------- */

base_status codec_manifest_write(const codec_manifest *m, const char *path, base_err *err)
{
    if (!m || !path) return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_manifest_write: NULL");
    size_t n = strlen(path);
    char *tmp = malloc(n + 5);
    if (!tmp) return base_err_set(err, BASE_ENOMEM, path, 0, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        base_status st = base_err_set(err, BASE_EIO, path, 0, "cannot write: %s", strerror(errno));
        free(tmp);
        return st;
    }
    /* the SPEAKER column only when some speaker was given: a derived one is
     * derived again when the file is read */
    int bad =
        fputs(m->given ? "# ID\tAUDIO\tTRANSCRIPT\tSPEAKER\n" : "# ID\tAUDIO\tTRANSCRIPT\n", f) < 0;
    for (size_t i = 0; i < m->n && !bad; i++) {
        bad = fprintf(f, "%s\t%s\t%s", m->e[i].id, m->e[i].audio, m->e[i].text) < 0;
        if (!bad && m->given) bad = fprintf(f, "\t%s", codec_manifest_speaker(m, i)) < 0;
        if (!bad) bad = fputc('\n', f) == EOF;
    }
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        base_status st = base_err_set(err, BASE_EIO, path, 0, "write failed: %s", strerror(errno));
        remove(tmp);
        free(tmp);
        return st;
    }
    free(tmp);
    return BASE_OK;
}

size_t codec_manifest_size(const codec_manifest *m)
{
    return m ? m->n : 0;
}
const char *codec_manifest_id(const codec_manifest *m, size_t i)
{
    return m->e[i].id;
}
const char *codec_manifest_audio_path(const codec_manifest *m, size_t i)
{
    return m->e[i].path;
}
const char *codec_manifest_audio_field(const codec_manifest *m, size_t i)
{
    return m->e[i].audio;
}
const char *codec_manifest_transcript(const codec_manifest *m, size_t i)
{
    return m->e[i].text;
}

const char *codec_manifest_speaker(const codec_manifest *m, size_t i)
{
    const entry *e = &m->e[i];
    if (e->speaker) return e->speaker;
    if (m->multi_dir) {
        /* the folder below the one holding every entry ("p225", "84/121123") */
        const char *rel = e->dir + m->clen;
        while (*rel == '/') rel++;
        return *rel ? rel : e->spk_folder;
    }
    return e->spk_id ? e->spk_id : e->spk_folder;
}

base_status codec_manifest_permute(codec_manifest *m, const size_t *order, base_err *err)
{
    if (!m || (!order && m->n))
        return base_err_set(err, BASE_EINVAL, NULL, 0, "codec_manifest_permute: NULL");
    entry *e = malloc((m->n + 1) * sizeof *e);
    unsigned char *seen = calloc(m->n + 1, 1);
    if (!e || !seen) {
        free(e);
        free(seen);
        return base_err_set(err, BASE_ENOMEM, NULL, 0, "out of memory");
    }
    for (size_t k = 0; k < m->n; k++) {
        if (order[k] >= m->n || seen[order[k]]) {
            free(e);
            free(seen);
            return base_err_set(err, BASE_EINVAL, NULL, 0,
                                "codec_manifest_permute: not a permutation (position %zu)", k);
        }
        seen[order[k]] = 1;
        e[k] = m->e[order[k]];
    }
    if (m->n) memcpy(m->e, e, m->n * sizeof *e);
    free(e);
    free(seen);
    for (size_t i = 0; i < m->nslot; i++) m->slot[i] = NO_ENTRY;
    for (size_t k = 0; k < m->n; k++) m->slot[slot_of(m, m->e[k].id)] = k;
    return BASE_OK;
}

size_t codec_manifest_find(const codec_manifest *m, const char *id)
{
    if (!m || !id) return NO_ENTRY;
    return m->slot[slot_of(m, id)];
}
