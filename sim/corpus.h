/* corpus.h -- synthesise a text x voices corpus with the in-process TTS.
 *
 * Speech-in stage, shared by `semsim corpus` (sim/cmd_corpus.c) and the
 * simulator's built-in TTS source (sim/tts_source.h): every selected line of a
 * text file is spoken by every voice of a voices file (codecs/tts), giving
 * DIR/TAG/TAG_LNNNN.wav (16 kHz mono 16-bit PCM; TAG is the sanitised voice,
 * e.g. espeak-en-us-m3, NNNN the 1-based line of the text file) and
 * DIR/manifest.tsv listing them voice by voice, in voices-file order, then
 * line order. The ids contain one underscore (sclite's spk_utt). TRANSCRIPT is
 * the text line as written (blanks at both ends trimmed, tabs made spaces);
 * consumers normalise it with codec_text_normalise.
 *
 * Re-runs are byte-identical and skip WAVs that exist (a WAV is written to a
 * .tmp file and renamed, so an existing one is complete). TTS engines are
 * process-global, so `jobs` worker processes are forked; worker k makes jobs
 * k, k+jobs, ... and reports each one to the parent through a pipe; the parent
 * logs progress and writes the manifest once all jobs succeeded. Call it from
 * a single-threaded point of the program (it forks).
 */
#ifndef SIM_CORPUS_H
#define SIM_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "codecs/tts.h"
#include "base/log.h"
#include "base/status.h"

#define SIM_CORPUS_MAX_JOBS 64

typedef struct sim_corpus_config {
    const char *text;    /* text file, one sentence per line                     */
    long first, last;    /* 1-based inclusive line range; last < 0: to the end   */
    const char *voices;  /* voices file (`ENGINE VOICE` per line)                 */
    const char *dir;     /* output folder (created if missing)                    */
    int jobs;            /* worker processes, 1..SIM_CORPUS_MAX_JOBS              */
    codec_tts_opts opts; /* rate / pitch perturbation                             */
    const base_log *log; /* progress at info level, warnings at warn; NULL: warn */
} sim_corpus_config;

typedef struct sim_corpus_stats {
    size_t utterances, voices, lines, made, skipped;
    uint64_t samples; /* at CODEC_TTS_RATE */
    double seconds;   /* wall-clock time taken */
} sim_corpus_stats;

/* The corpus format: bump when what sim_corpus_make writes changes meaning
 * (file names, ids, manifest layout, WAV encoding). Part of every key. */
#define SIM_CORPUS_FORMAT "semsim-tts-corpus-2"

/* A corpus's content key: the TTS cache names an entry by it (sim/tts_source.h).
 * Two FNV-1a 64 streams (base/hash.h, 128 bits) over SIM_CORPUS_FORMAT,
 * CODEC_TTS_RATE, the perturbation (opts), every voice's engine, name and the
 * engine's version (codec_tts_engine_version) in the voices file's order, and
 * every selected line's number and text as it is spoken. So an edited selected
 * line, another voice or an upgraded engine gives a new key; editing an
 * unselected line or a comment of the voices file, or moving the files, does
 * not. Reads the text and voices files only (no synthesis, no engine start). */
typedef struct sim_corpus_key {
    uint64_t h[2];
    size_t lines, voices; /* what the corpus covers */
    char engines[96];     /* the versions hashed, e.g. "espeak-ng 1.51, flite 2.2" */
} sim_corpus_key;

base_status sim_corpus_key_make(const sim_corpus_config *c, sim_corpus_key *key, base_err *err);

/* "A-B" or "A" with 1 <= A <= B: 0, else -1. */
int sim_corpus_parse_lines(const char *s, long *first, long *last);

/* Synthesise (or skip what exists) and write DIR/manifest.tsv. Errors name the
 * file and line at fault (text line with nothing to speak, voices-file line of
 * an unknown voice or of the voice whose synthesis failed). stats nullable. */
base_status sim_corpus_make(const sim_corpus_config *c, sim_corpus_stats *stats, base_err *err);

#endif
