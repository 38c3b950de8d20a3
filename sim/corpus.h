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

/* "A-B" or "A" with 1 <= A <= B: 0, else -1. */
int sim_corpus_parse_lines(const char *s, long *first, long *last);

/* Synthesise (or skip what exists) and write DIR/manifest.tsv. Errors name the
 * file and line at fault (text line with nothing to speak, voices-file line of
 * an unknown voice or of the voice whose synthesis failed). stats nullable. */
base_status sim_corpus_make(const sim_corpus_config *c, sim_corpus_stats *stats, base_err *err);

#endif
