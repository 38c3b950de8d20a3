/* manifest.h -- lists of utterances: id, audio file, transcript.
 *
 * Speech-in stage: a manifest says which audio files the simulator reads and
 * what was said in each. Two readers build the same opaque object:
 *   - codec_manifest_read: semsim's manifest.tsv (CONTRACT.md), one utterance
 *     per line `ID<TAB>AUDIO<TAB>TRANSCRIPT`, or with a fourth column
 *     `<TAB>SPEAKER` (on every line or on none); AUDIO relative to the
 *     manifest's folder or absolute; lines starting with '#' and empty (or
 *     all-blank) lines are ignored; a trailing CR is dropped;
 *   - codec_manifest_read_librispeech: a LibriSpeech-layout tree, folders of
 *     `*.trans.txt` files whose lines are `ID TRANSCRIPT`, audio `ID.flac`
 *     next to the .trans.txt; the speaker is the id up to its first '-'.
 *
 * The speaker (or voice) of an entry, used to balance which utterances a
 * point evaluates (sim/sample.h) and to break results down by voice, is, in
 * this order (docs/manifest.md):
 *   1. the SPEAKER column, when the manifest has one;
 *   2. when the entries' audio files sit in more than one folder (VCTK's
 *      wav48/p225/..., the TTS source's VOICE/VOICE_Lnnnn.wav), the file's
 *      folder relative to the deepest folder holding every entry ("p225";
 *      LibriSpeech's SPEAKER/CHAPTER gives "84/121123", a speaker's chapter;
 *      a file in that common folder itself: the folder's name);
 *   3. otherwise the id up to its last '_' or '-' ("p225_001" -> "p225"),
 *   4. or, for an id without one, the folder's name ("." for none).
 * `semsim corpus` builds one with codec_manifest_create/_add and writes it
 * with codec_manifest_write. Entries keep the order they were read or added
 * (LibriSpeech: folders and files in byte order of their names).
 * Every entry satisfies: id non-empty, unique, no whitespace; audio non-empty;
 * transcript non-empty after trimming blanks; no tab or newline in any field.
 */
#ifndef CODEC_MANIFEST_H
#define CODEC_MANIFEST_H

#include "base/status.h"

#include <stddef.h>

typedef struct codec_manifest codec_manifest;

/* Read manifest.tsv at path. Errors carry path and 1-based line:
 * BASE_EIO (missing/unreadable), BASE_EFORMAT (fewer or more than 3 fields,
 * empty field or transcript, id with whitespace), BASE_EEXIST (duplicate id). */
base_status codec_manifest_read(const char *path, codec_manifest **m, base_err *err);

/* Read every `*.trans.txt` under dir (recursively). Errors: BASE_EIO (dir
 * missing), BASE_ENOTFOUND (no .trans.txt under it), BASE_EFORMAT / BASE_EEXIST
 * with the .trans.txt file and line. */
base_status codec_manifest_read_librispeech(const char *dir, codec_manifest **m, base_err *err);

/* An empty manifest whose relative audio paths resolve against base_dir
 * (NULL or "" = as given, i.e. relative to the working directory). */
base_status codec_manifest_create(const char *base_dir, codec_manifest **m, base_err *err);

/* Append one entry (strings are copied). Same checks as the reader:
 * BASE_EFORMAT for a bad field, BASE_EEXIST for a duplicate id. */
base_status codec_manifest_add(codec_manifest *m, const char *id, const char *audio,
                               const char *transcript, base_err *err);

/* _add with a given speaker (NULL: derived as above). BASE_EFORMAT for an
 * empty speaker or one with a tab or newline. */
base_status codec_manifest_add_speaker(codec_manifest *m, const char *id, const char *audio,
                                       const char *transcript, const char *speaker, base_err *err);

/* Write m as manifest.tsv (a '#' header line, then one line per entry with
 * AUDIO as it was given to _add) to path.tmp, then rename to path. The
 * SPEAKER column is written when some entry's speaker was given. */
base_status codec_manifest_write(const codec_manifest *m, const char *path, base_err *err);

void codec_manifest_destroy(codec_manifest *m);

size_t codec_manifest_size(const codec_manifest *m);
/* Accessors for entry i < size; strings are owned by m. */
const char *codec_manifest_id(const codec_manifest *m, size_t i);
/* AUDIO resolved: absolute as written, or joined to the manifest's folder. */
const char *codec_manifest_audio_path(const codec_manifest *m, size_t i);
/* AUDIO as written in the file (or given to _add). */
const char *codec_manifest_audio_field(const codec_manifest *m, size_t i);
/* TRANSCRIPT as written (blanks at both ends trimmed; not normalised). */
const char *codec_manifest_transcript(const codec_manifest *m, size_t i);
/* The entry's speaker by the rule above (owned by m). */
const char *codec_manifest_speaker(const codec_manifest *m, size_t i);
/* Index of the entry with this id, or (size_t)-1. */
size_t codec_manifest_find(const codec_manifest *m, const char *id);

/* Reorder the entries: new entry k is old entry order[k]; order (size
 * entries) must be a permutation of 0..size-1 (else BASE_EINVAL, m
 * unchanged). Speakers stay as they were (the rule above is order-free). */
base_status codec_manifest_permute(codec_manifest *m, const size_t *order, base_err *err);

#endif
