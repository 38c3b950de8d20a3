/* tts.h -- in-process text-to-speech (libespeak-ng, libflite) and voice lists.
 *
 * Speech-in stage: turns a text line into 16 kHz mono float samples for the
 * corpus builder and the simulator's built-in TTS source. Engines are linked
 * in, not spawned as programs.
 *
 * Determinism (see REFERENCES.md, TTS): both engines keep process-global state
 * between utterances, so the same sentence would come out different depending
 * on what was synthesised before. codec_tts_create initialises espeak-ng and
 * registers flite's voices ONCE in the calling process, which afterwards never
 * synthesises itself: every codec_tts_synth fork()s a child that selects the
 * voice, sets the perturbation, synthesises and sends the samples back through
 * a pipe, then exits. Each utterance therefore starts from the same engine
 * state. flite additionally draws its excitation from libc rand(); the child
 * seeds it with srand(hash(engine, voice, text, options)) right before
 * flite_text_to_wave. That srand is the project's one use of libc rand state,
 * and it is confined to the short-lived child. Output is byte-identical across
 * runs and independent of call order.
 *
 * The engines are process-global: create at most one codec_tts per process,
 * call it from one thread, and run parallel synthesis as separate processes.
 */
#ifndef CODEC_TTS_H
#define CODEC_TTS_H

#include "base/status.h"

#include <stddef.h>

/* Output rate of codec_tts_synth, Hz. */
#define CODEC_TTS_RATE 16000

/* One voice: engine "espeak-ng" or "flite"; name as the engine knows it
 * ("en-us+m3"; flite: "slt", "kal16", "rms", "awb"). line = line of the
 * voices file it came from (0 when not from a file). */
typedef struct codec_voice {
    char engine[16];
    char name[64];
    int line;
} codec_voice;

/* Perturbation for training-data augmentation. Defaults (1, 0) leave the
 * voice exactly as the engine ships it. */
typedef struct codec_tts_opts {
    double rate;     /* speaking-rate factor, 0.5..2 (espeak-ng: 175*rate words/min,
                        flite: duration_stretch / rate)                      */
    double pitch_st; /* pitch offset, semitones, -12..+12 (espeak-ng: pitch
                        parameter 50 + 50*st/12, its scale being one octave per
                        50 units; flite: int_f0_target_mean (kal16) or f0_shift
                        (slt, awb) times 2^(st/12)). Measured median-F0 ratio
                        for +6 st (ideal 1.41): slt 1.41, awb 1.42, kal16 1.34,
                        espeak-ng en-us 1.28 (its range part does not move);
                        flite rms ignores it (1.00).                          */
} codec_tts_opts;

#define CODEC_TTS_OPTS_DEFAULT                                                                     \
    {                                                                                              \
        1.0, 0.0                                                                                   \
    }

typedef struct codec_tts codec_tts;

/* Initialise espeak-ng (synchronous output) and flite with its 4 voices.
 * BASE_EINTERNAL when espeak-ng's data cannot be loaded. */
base_status codec_tts_create(codec_tts **tts, base_err *err);

/* Whether the engine has this voice (checked in a child process, so the
 * parent's engine state is untouched): BASE_OK, BASE_ENOTFOUND for an unknown
 * engine, voice or espeak-ng variant (`+name`). */
base_status codec_tts_voice_check(codec_tts *tts, const codec_voice *v, base_err *err);

/* Synthesise UTF-8 `text` with voice v at CODEC_TTS_RATE Hz. o may be NULL
 * (defaults). *x is malloc'd with *n > 0 samples in [-1, 1]; caller frees.
 * BASE_ENOTFOUND unknown voice, BASE_ERANGE options out of range,
 * BASE_EFORMAT when text has nothing to speak (empty after
 * codec_text_normalise) or the engine produced no audio, BASE_EINTERNAL when the child failed. */
base_status codec_tts_synth(codec_tts *tts, const codec_voice *v, const char *text,
                            const codec_tts_opts *o, float **x, size_t *n, base_err *err);

void codec_tts_destroy(codec_tts *tts);

/* The engine's version as its library reports it: espeak-ng's espeak_Info()
 * ("1.51"; no initialisation needed), flite's FLITE_PROJECT_VERSION (flite has
 * no run-time query; its header's). NULL for an unknown engine. Cache keys of
 * synthesised audio include it, so an upgraded engine gives new entries. */
const char *codec_tts_engine_version(const char *engine);

/* Read a voices file: one `ENGINE VOICE` per line (blank-separated), `#`
 * starts a comment (whole line or trailing), blank lines ignored. Errors
 * carry path:line: BASE_EFORMAT (wrong number of fields, name too long, no
 * voice at all), BASE_ENOTFOUND (unknown engine, or, when tts is not NULL,
 * a voice the engine does not have), BASE_EEXIST (voice listed twice).
 * *v is malloc'd (*n entries), caller frees. */
base_status codec_voices_read(const char *path, codec_tts *tts, codec_voice **v, size_t *n,
                              base_err *err);

/* The voice name made safe for ids and file names: [A-Za-z0-9] kept, every
 * other byte becomes '-', prefixed by the engine ("espeak-ng en-us+m3" ->
 * "espeak-en-us-m3", "flite slt" -> "flite-slt"). buf gets at most cap-1
 * chars. */
const char *codec_voice_tag(const codec_voice *v, char *buf, size_t cap);

#endif
