/* test_errors.c -- the bad-input catalogue (docs/errors.md), case by case.
 *
 * Every row of `cases` below is one kind of bad input semsim handles: the
 * files it needs are generated into a folder of their own under the test's
 * temporary folder, and ./semsim (SEMSIM_BUILDDIR) runs there on them, with
 * relative paths, so that its error line is the same on every machine. Each
 * case checks: no crash (a normal exit), the documented exit status (1..127),
 * exactly one line on stderr (for usage errors: that line, then the usage
 * text), that the line names the file (and line) the table gives, and that it
 * holds the documented text.
 *
 * The table is also the catalogue: `test_errors --markdown FILE` writes the
 * catalogue tables (each with the real error line it observed) to FILE, and
 * tools/gen-errors-doc.sh pastes them into docs/errors.md between its
 * markers. The case "docs/errors.md is in step" fails when the file's tables
 * differ from what this program observes now, so the doc cannot drift. */
#include "codecs/audio.h"
#include "tests/fixtures.h"
#include "base/h5io_priv.h"
#include "codecs/modelfile.h"
#include "tests/testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How a case's input is made, besides its text files. */
typedef enum setup {
    S_NONE,
    S_MODEL_TRUNC,      /* model.h5: the tiny model's first 4000 bytes            */
    S_MODEL_SIG,        /* model.h5: two bytes of the file's first 8 flipped      */
    S_MODEL_FLIP,       /* model.h5: one byte in the middle flipped               */
    S_MODEL_EMPTY_H5,   /* model.h5: a valid HDF5 file without a model in it      */
    S_MODEL_VERSION,    /* model.h5: format_version = this build's + 1            */
    S_MODEL_NO_STRIDE,  /* model.h5: attribute stride deleted                     */
    S_MODEL_STRIDE0,    /* model.h5: stride = 0                                   */
    S_MODEL_LATENT_STR, /* model.h5: latent_dim written as a string              */
    S_MODEL_VOCAB,      /* model.h5: vocab = "abc"                                */
    S_MODEL_NO_TENSOR,  /* model.h5: params/dec.out.w deleted                     */
    S_MODEL_SHAPE,      /* model.h5: params/enc.out.b with 3 values too many      */
    S_MODEL_NAN,        /* model.h5: a NaN in params/dec.in.b                     */
    S_BIG_TRN,          /* big.trn: one 1 MB line                                 */
    S_OUT_EXISTS,       /* out.h5: an earlier results file                        */
    S_WAV_EMPTY,        /* bad.wav: zero bytes                                    */
    S_WAV_RATE0,        /* bad.wav: a WAV header with a rate of 0 Hz              */
} setup;

typedef struct ecase {
    const char *area;  /* the catalogue's section                               */
    const char *input; /* the bad input, as the doc says it                      */
    setup setup;
    const char *file; /* a text file to write ("" = none): name, then its text   */
    const char *text;
    const char *file2; /* a second one */
    const char *text2;
    const char *args;  /* semsim's arguments, split on spaces                    */
    const char *where; /* the line starts "semsim: WHERE: "; NULL: names no file */
    const char *want;  /* text the line holds                                    */
    int status;        /* exit status                                            */
    int usage;         /* the usage text follows the error line                  */
    int fsize;         /* file size limit (bytes) for the child: a full disk     */
} ecase;

/* Files every case folder can use (made once, one folder up). */
#define OK_INI "[scenario]\nutterances = 4\n[source]\nkind = bits\nbits = 256\nframe_bits = 128\n"
#define BITS "[source]\nkind = bits\n"
#define EVAL_BAD_TSV "eval --greedy --model ../model.h5 --manifest bad.tsv"
#define EVAL_MODEL "eval --greedy --model model.h5 --manifest ../ok.tsv"

static const ecase cases[] = {
    /* ---- command lines */
    {"command line", "unknown command", S_NONE, "", "", "", "", "frobnicate", NULL,
     "semsim: unknown command 'frobnicate'", 2, 1, 0},
    {"command line", "unknown option before the command", S_NONE, "", "", "", "", "--frob", NULL,
     "semsim: unknown option '--frob'", 2, 1, 0},
    {"command line", "unknown option of `run`", S_NONE, "", "", "", "", "run --frob ../ok.ini",
     NULL, "semsim run: unknown or incomplete option '--frob'", 2, 1, 0},
    {"command line", "option without its argument (`run -o`)", S_NONE, "", "", "", "",
     "run ../ok.ini -o", NULL, "semsim run: unknown or incomplete option '-o'", 2, 1, 0},
    {"command line", "`run` without a scenario", S_NONE, "", "", "", "", "run", NULL,
     "semsim run: expected one SCENARIO.ini", 2, 1, 0},
    {"command line", "bad thread count", S_NONE, "", "", "", "", "run -j 0 ../ok.ini", NULL,
     "semsim: -j: expected a thread count 1..1024, got '0'", 2, 0, 0},
    {"command line", "`--set` without `=`", S_NONE, "", "", "", "",
     "run --set channel.snr_db ../ok.ini", NULL,
     "semsim: --set: expected KEY=VALUE, got 'channel.snr_db'", 2, 0, 0},
    {"command line", "`--set` with a bad value", S_NONE, "", "", "", "",
     "validate ../ok.ini --set channel.snr_db=x", NULL,
     "--set: bad value 'x' for channel.snr_db: expected a finite number", 1, 0, 0},
    {"command line", "`--set` of an unknown key", S_NONE, "", "", "", "",
     "validate ../ok.ini --set channel.nope=1", NULL, "unknown key 'channel.nope'", 1, 0, 0},
    {"command line", "`--sweep` with a bad range", S_NONE, "", "", "", "",
     "validate ../ok.ini --sweep channel.snr_db=0:0:1", NULL,
     "--sweep: bad range '0:0:1' for channel.snr_db: step must be non-zero", 1, 0, 0},
    {"command line", "`validate` without a scenario", S_NONE, "", "", "", "", "validate", NULL,
     "semsim validate: expected one SCENARIO.ini", 2, 1, 0},
    {"command line", "bad `--list-keys` value", S_NONE, "", "", "", "", "validate --list-keys=foo",
     NULL, "semsim validate: --list-keys takes no value or =markdown", 2, 0, 0},
    {"command line", "`score` with one file", S_NONE, "", "", "", "", "score ../ok.trn", NULL,
     "semsim score: expected REF.trn and HYP.trn", 2, 1, 0},
    {"command line", "unknown option of `score`", S_NONE, "", "", "", "",
     "score --frob ../ok.trn ../ok.trn", NULL, "semsim score: unrecognized option '--frob'", 2, 1,
     0},
    {"command line", "`eval` without --model", S_NONE, "", "", "", "", "eval --manifest ../ok.tsv",
     NULL, "semsim eval: --model and --manifest are required", 2, 1, 0},
    {"command line", "`eval --beam` without its number", S_NONE, "", "", "", "",
     "eval --model ../model.h5 --manifest ../ok.tsv --beam", NULL,
     "semsim eval: option '--beam' requires an argument", 2, 1, 0},
    {"command line", "`eval --score-beam 0`", S_NONE, "", "", "", "",
     "eval --model ../model.h5 --manifest ../ok.tsv --score-beam 0", NULL,
     "semsim eval: --score-beam needs a number > 0 (nats) or off", 2, 1, 0},
    {"command line", "`train` without a recipe", S_NONE, "", "", "", "", "train", NULL,
     "semsim train: expected one CONFIG.ini", 2, 1, 0},
    {"command line", "`corpus` without --voices and -o", S_NONE, "", "", "", "",
     "corpus --text x.txt", NULL, "semsim corpus: --text, --voices and -o are required", 2, 1, 0},

    {"command line", "`run --shard` out of range", S_NONE, "", "", "", "",
     "run --shard 3/2 ../ok.ini -o x.h5", NULL,
     "semsim: --shard: expected I/N with 0 <= I < N, got '3/2'", 2, 0, 0},
    {"command line", "`merge` without -o", S_NONE, "", "", "", "", "merge a.h5", NULL,
     "semsim merge: expected shard files and -o OUT.h5", 2, 1, 0},
    {"command line", "unknown option of `cache`", S_NONE, "", "", "", "", "cache clear --bogus",
     NULL, "semsim cache: unrecognized option '--bogus'", 2, 1, 0},
    /* ---- scenarios (`semsim validate`; `run` reports the same) */
    {"scenario", "missing scenario file", S_NONE, "", "", "", "", "validate nope.ini", "nope.ini",
     "No such file", 1, 0, 0},
    {"scenario", "line without `=`", S_NONE, "bad.ini", "[channel]\nmodel awgn\n", "", "",
     "validate bad.ini", "bad.ini:2", "syntax error: expected [section], key = value or a comment",
     1, 0, 0},
    {"scenario", "unterminated section header", S_NONE, "bad.ini", "[channel\nmodel = awgn\n", "",
     "", "validate bad.ini", "bad.ini:1", "syntax error: section header without ']'", 1, 0, 0},
    {"scenario", "unknown section", S_NONE, "bad.ini", BITS "[radio]\nx = 1\n", "", "",
     "validate bad.ini", "bad.ini:3", "unknown section [radio]", 1, 0, 0},
    {"scenario", "unknown key", S_NONE, "bad.ini", BITS "[channel]\nsnr = 3\n", "", "",
     "validate bad.ini", "bad.ini:4", "unknown key 'snr' in [channel]", 1, 0, 0},
    {"scenario", "unknown key in [sweep]", S_NONE, "bad.ini", BITS "[sweep]\nchannel.snr = 1,2\n",
     "", "", "validate bad.ini", "bad.ini:4", "unknown key 'channel.snr'", 1, 0, 0},
    {"scenario", "integer expected", S_NONE, "bad.ini", BITS "[scenario]\nseed = abc\n", "", "",
     "validate bad.ini", "bad.ini:4", "bad value 'abc' for scenario.seed: expected an integer", 1,
     0, 0},
    {"scenario", "integer overflow", S_NONE, "bad.ini",
     BITS "[scenario]\nseed = 99999999999999999999\n", "", "", "validate bad.ini", "bad.ini:4",
     "expected an integer", 1, 0, 0},
    {"scenario", "number expected", S_NONE, "bad.ini", BITS "[channel]\nsnr_db = ten\n", "", "",
     "validate bad.ini", "bad.ini:4",
     "bad value 'ten' for channel.snr_db: expected a finite number", 1, 0, 0},
    {"scenario", "NaN as a number", S_NONE, "bad.ini", BITS "[channel]\nsnr_db = nan\n", "", "",
     "validate bad.ini", "bad.ini:4", "expected a finite number", 1, 0, 0},
    {"scenario", "boolean expected", S_NONE, "bad.ini", BITS "[output]\nutterances = maybe\n", "",
     "", "validate bad.ini", "bad.ini:4",
     "bad value 'maybe' for output.utterances: expected true or false", 1, 0, 0},
    {"scenario", "number out of range", S_NONE, "bad.ini", BITS "[channel]\nsnr_db = 500\n", "", "",
     "validate bad.ini", "bad.ini:4", "bad value '500' for channel.snr_db: must be in -100..200", 1,
     0, 0},
    {"scenario", "integer out of range", S_NONE, "bad.ini", BITS "[link]\nquant_bits = 17\n", "",
     "", "validate bad.ini", "bad.ini:4", "bad value '17' for link.quant_bits: must be in 1..16", 1,
     0, 0},
    {"scenario", "zero utterances", S_NONE, "bad.ini", BITS "[scenario]\nutterances = 0\n", "", "",
     "validate bad.ini", "bad.ini:4", "must be in 1..1000000", 1, 0, 0},
    {"scenario", "unknown enum value", S_NONE, "bad.ini", BITS "[channel]\nmodel = foo\n", "", "",
     "validate bad.ini", "bad.ini:4", "bad value 'foo' for channel.model: expected one of", 1, 0,
     0},
    {"scenario", "enum pattern with a bad number", S_NONE, "bad.ini", "[source]\nkind = opus-0\n",
     "", "", "validate bad.ini", "bad.ini:2", "bad value 'opus-0' for source.kind", 1, 0, 0},
    {"scenario", "control character in a value", S_NONE, "bad.ini",
     BITS "[channel]\nsnr_db = 1\0012\n", "", "", "validate bad.ini", "bad.ini:4",
     "control character 0x01", 1, 0, 0},
    {"scenario", "source.kind this scenario cannot run (semantic without models)", S_NONE,
     "bad.ini", "[channel]\nmodel = awgn\n", "", "", "validate bad.ini", "bad.ini",
     "source.kind=semantic needs tx.model and rx.model", 1, 0, 0},
    {"scenario", "file the scenario names is missing (source.manifest)", S_NONE, "bad.ini",
     "[source]\nmanifest = nope.tsv\n", "", "", "validate bad.ini", "bad.ini:2", "nope.tsv", 1, 0,
     0},
    {"scenario", "model file the scenario names is missing", S_NONE, "bad.ini",
     "[tx]\nmodel = nope.h5\n[rx]\nmodel = ../model.h5\n", "", "", "validate bad.ini", "bad.ini:2",
     "nope.h5", 1, 0, 0},
    {"scenario", "bad user section name", S_NONE, "bad.ini", BITS "[user.a b]\n", "", "",
     "validate bad.ini", "bad.ini:3", "unknown section [user.a b]", 1, 0, 0},
    {"scenario", "key that is not per user in a [user.NAME]", S_NONE, "bad.ini",
     BITS "[user.a]\nscenario.seed = 3\n", "", "", "validate bad.ini", "bad.ini:4", "scenario.seed",
     1, 0, 0},
    {"scenario", "binary garbage", S_NONE, "bad.ini",
     "\x7f"
     "ELF\x02\x01\x01\n\x89\x10",
     "", "", "validate bad.ini", "bad.ini:1", "syntax error", 1, 0, 0},
    /* sweeps */
    {"scenario: sweeps", "range with step 0", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = 0:0:5\n", "", "", "validate bad.ini", "bad.ini:4",
     "step must be non-zero and lead from start to stop", 1, 0, 0},
    {"scenario: sweeps", "range stepping away from its stop", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = 5:1:0\n", "", "", "validate bad.ini", "bad.ini:4",
     "step must be non-zero and lead from start to stop", 1, 0, 0},
    {"scenario: sweeps", "incomplete range", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = 0:1\n", "", "", "validate bad.ini", "bad.ini:4",
     "bad range '0:1' for channel.snr_db: expected start:step:stop", 1, 0, 0},
    {"scenario: sweeps", "range with too many values", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = 0:1e-6:10\n", "", "", "validate bad.ini", "bad.ini:4",
     "has 10000001 values (max 100000)", 1, 0, 0},
    {"scenario: sweeps", "integer key swept in fractional steps", S_NONE, "bad.ini",
     BITS "[sweep]\nlink.quant_bits = 1:0.5:3\n", "", "", "validate bad.ini", "bad.ini:4",
     "values must be integers", 1, 0, 0},
    {"scenario: sweeps", "empty list", S_NONE, "bad.ini", BITS "[sweep]\nlink.fec = ,\n", "", "",
     "validate bad.ini", "bad.ini:4", "empty sweep list for link.fec", 1, 0, 0},
    {"scenario: sweeps", "list value out of range", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = 0,500\n", "", "", "validate bad.ini", "bad.ini:4",
     "bad value '500' for channel.snr_db", 1, 0, 0},
    {"scenario: sweeps", "key that cannot be swept", S_NONE, "bad.ini",
     BITS "[sweep]\nscenario.repeats = 1,2\n", "", "", "validate bad.ini", "bad.ini:4",
     "scenario.repeats cannot be swept", 1, 0, 0},
    {"scenario: sweeps", "carriage return inside a range", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = -2:1:\r6\n", "", "", "validate bad.ini", "bad.ini:4",
     "bad value '-2:1:\\r6' for channel.snr_db: control character 0x0d at byte 6", 1, 0, 0},
    {"scenario: sweeps", "zip of axes of different lengths", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = 0,1\nlink.fec = none,rep3,rep5\nzip = channel.snr_db, "
          "link.fec\n",
     "", "", "validate bad.ini", "bad.ini:6", "zip: axes of different lengths", 1, 0, 0},
    {"scenario: sweeps", "zip of a key that is not swept", S_NONE, "bad.ini",
     BITS "[sweep]\nchannel.snr_db = 0,1\nzip = channel.snr_db, link.fec\n", "", "",
     "validate bad.ini", "bad.ini:5", "link.fec", 1, 0, 0},
    {"scenario: sweeps", "constraint without `->`", S_NONE, "bad.ini",
     BITS "[sweep]\nconstraint = link.mode=digital\n", "", "", "validate bad.ini", "bad.ini:4",
     "bad constraint 'link.mode=digital': expected KEY=VALUE -> KEY=VALUE or -> skip", 1, 0, 0},
    {"scenario: sweeps", "constraint on an unknown key", S_NONE, "bad.ini",
     BITS "[sweep]\nconstraint = link.nope=1 -> skip\n", "", "", "validate bad.ini", "bad.ini:4",
     "unknown key 'link.nope' in constraint", 1, 0, 0},
    {"scenario: sweeps", "constraint setting a bad value", S_NONE, "bad.ini",
     BITS "[sweep]\nconstraint = link.mode=analog -> link.quant_bits=99\n", "", "",
     "validate bad.ini", "bad.ini:4", "bad value '99' in constraint for link.quant_bits", 1, 0, 0},
    /* includes */
    {"scenario: includes", "missing include", S_NONE, "bad.ini", BITS "include = nope.ini\n", "",
     "", "validate bad.ini", "bad.ini:3", "nope.ini", 1, 0, 0},
    {"scenario: includes", "include cycle", S_NONE, "bad.ini", BITS "include = b.ini\n", "b.ini",
     "include = bad.ini\n", "validate bad.ini", "b.ini:1",
     "include cycle: 'bad.ini' includes itself", 1, 0, 0},
    {"scenario: includes", "error inside an included file", S_NONE, "bad.ini",
     BITS "include = b.ini\n", "b.ini", "[channel]\n\nsnr_db = x\n", "validate bad.ini", "b.ini:3",
     "bad value 'x' for channel.snr_db", 1, 0, 0},
    {"scenario: includes", "include of itself", S_NONE, "bad.ini", BITS "include = bad.ini\n", "",
     "", "validate bad.ini", "bad.ini:3", "include cycle", 1, 0, 0},

    {"scenario", "source.kind=text on an analog link", S_NONE, "bad.ini",
     "[source]\nkind = text\n[tx]\nmodel = ../model.h5\n[link]\nmode = analog\n", "", "",
     "validate bad.ini", "bad.ini:6", "source.kind=text needs link.mode=digital", 1, 0, 0},
    {"scenario", "link.prune=blank with a kind that has no latents", S_NONE, "bad.ini",
     BITS "[link]\nprune = blank\n", "", "", "validate bad.ini", "bad.ini:4",
     "link.prune=blank applies to source.kind=semantic only (not bits)", 1, 0, 0},
    {"scenario", "link.prune_threshold outside 0..1", S_NONE, "bad.ini",
     BITS "[link]\nprune_threshold = 1.5\n", "", "", "validate bad.ini", "bad.ini:4",
     "bad value '1.5' for link.prune_threshold: must be in 0..1", 1, 0, 0},
    {"scenario", "equalizer.head_snr_db neither none, a number nor a range", S_NONE, "bad.ini",
     "[source]\nkind = semantic\n[tx]\nmodel = ../model.h5\n[rx]\nmodel = ../model.h5\n"
     "[equalizer]\ntype = relative\nhead_snr_db = loud\n",
     "", "", "validate bad.ini", "bad.ini:9",
     "equalizer.head_snr_db 'loud': expected none, an Es/N0 in dB or a range a:b", 1, 0, 0},
    {"scenario", "equalizer.head_pool listing the transmitter's model", S_NONE, "bad.ini",
     "[source]\nkind = semantic\n[tx]\nmodel = ../model.h5\n[rx]\nmodel = ../model.h5\n"
     "[equalizer]\ntype = relative\nhead_pool = pool.txt\n",
     "pool.txt", "# the pool\n../model.h5\n", "validate bad.ini", "pool.txt:2",
     "equalizer.head_pool lists the transmitter's model ../model.h5", 1, 0, 0},
    {"scenario", "equalizer.head_pool naming a model that does not load", S_NONE, "bad.ini",
     "[source]\nkind = semantic\n[tx]\nmodel = ../model.h5\n[rx]\nmodel = ../model.h5\n"
     "[equalizer]\ntype = relative\nhead_pool = pool.txt\n",
     "pool.txt", "\nnope.h5\n", "validate bad.ini", "pool.txt:2",
     "equalizer.head_pool: cannot load model nope.h5", 1, 0, 0},
    {"scenario", "source.noise_snr_db not a number", S_NONE, "bad.ini", BITS "noise_snr_db = abc\n",
     "", "", "validate bad.ini", "bad.ini:3",
     "bad value 'abc' for source.noise_snr_db: expected a number or inf", 1, 0, 0},
    {"scenario", "unknown source.noise", S_NONE, "bad.ini", BITS "noise = purple\n", "", "",
     "validate bad.ini", "bad.ini:3",
     "bad value 'purple' for source.noise: expected one of white|pink|brown|babble", 1, 0, 0},
    {"scenario", "rx.tts_voice without a voice name", S_NONE, "bad.ini",
     "[source]\nkind = semantic\n[tx]\nmodel = ../model.h5\n[rx]\nmodel = ../model.h5\n"
     "tts_voice = espeak-ng\n[score]\nmodel = ../model.h5\n",
     "", "", "validate bad.ini", "bad.ini:7", "rx.tts_voice: expected 'ENGINE VOICE'", 1, 0, 0},
    {"scenario", "rx.tts_voice without score.model", S_NONE, "bad.ini",
     "[source]\nkind = semantic\n[tx]\nmodel = ../model.h5\n[rx]\nmodel = ../model.h5\n"
     "tts_voice = espeak-ng en-us\n",
     "", "", "validate bad.ini", "bad.ini:7", "rx.tts_voice needs score.model", 1, 0, 0},
    {"scenario", "rx.tts_voice with a codec kind", S_NONE, "bad.ini",
     "[source]\nkind = opus-12\n[link]\nmode = digital\n[rx]\nmodel = ../model.h5\n"
     "tts_voice = espeak-ng en-us\n[score]\nmodel = ../model.h5\n",
     "", "", "validate bad.ini", "bad.ini:7",
     "rx.tts_voice applies to kinds whose receiver outputs a transcript", 1, 0, 0},
    /* ---- manifests (`semsim eval`; scenarios' manifests say the same) */
    {"manifest", "missing manifest", S_NONE, "", "", "", "",
     "eval --greedy --model ../model.h5 --manifest nope.tsv", "nope.tsv",
     "cannot open manifest: No such file or directory", 1, 0, 0},
    {"manifest", "line with two fields", S_NONE, "bad.tsv", "u1\t../a.wav\n", "", "", EVAL_BAD_TSV,
     "bad.tsv:1", "too few fields: expected ID<TAB>AUDIO<TAB>TRANSCRIPT, got 2", 1, 0, 0},
    {"manifest", "empty ID", S_NONE, "bad.tsv", "\t../a.wav\thello\n", "", "", EVAL_BAD_TSV,
     "bad.tsv:1", "empty id", 1, 0, 0},
    {"manifest", "ID with a space", S_NONE, "bad.tsv", "u 1\t../a.wav\thello\n", "", "",
     EVAL_BAD_TSV, "bad.tsv:1", "id 'u 1' contains whitespace", 1, 0, 0},
    {"manifest", "duplicate ID", S_NONE, "bad.tsv", "u1\t../a.wav\thello\nu1\t../a.wav\thi\n", "",
     "", EVAL_BAD_TSV, "bad.tsv:2", "u1", 1, 0, 0},
    {"manifest", "SPEAKER column on some lines only", S_NONE, "bad.tsv",
     "u1\t../a.wav\thello\tann\nu2\t../a.wav\thi\n", "", "", EVAL_BAD_TSV, "bad.tsv:2",
     "every line has a SPEAKER column or none does", 1, 0, 0},
    {"manifest", "five fields", S_NONE, "bad.tsv", "u1\t../a.wav\thello\tann\tx\n", "", "",
     EVAL_BAD_TSV, "bad.tsv:1", "too many fields", 1, 0, 0},
    {"manifest", "no utterances", S_NONE, "bad.tsv", "# only a comment\n\n", "", "", EVAL_BAD_TSV,
     "bad.tsv", "no utterances", 1, 0, 0},
    {"manifest", "bad line in a scenario's source.manifest", S_NONE, "bad.ini",
     "[source]\nmanifest = bad.tsv\n[tx]\nmodel = ../model.h5\n[rx]\nmodel = ../model.h5\n",
     "bad.tsv", "u1\t../a.wav\n", "validate bad.ini", "bad.tsv:1", "too few fields", 1, 0, 0},

    /* ---- trn files (`semsim score`) */
    {"trn", "missing file", S_NONE, "", "", "", "", "score nope.trn ../ok.trn", "nope.trn",
     "cannot open: No such file or directory", 1, 0, 0},
    {"trn", "line without an (ID)", S_NONE, "bad.trn", "hello world (u1)\nhello\n", "", "",
     "score bad.trn ../ok.trn", "bad.trn:2", "line does not end with an (ID)", 1, 0, 0},
    {"trn", "empty ID", S_NONE, "bad.trn", "hello ()\n", "", "", "score bad.trn ../ok.trn",
     "bad.trn:1", "empty or malformed utterance ID '()'", 1, 0, 0},
    {"trn", "carriage return inside an ID", S_NONE, "bad.trn", "hello (u\r1)\n", "", "",
     "score bad.trn ../ok.trn", "bad.trn:1", "malformed utterance ID '(u\\r1)'", 1, 0, 0},
    {"trn", "control character in an ID", S_NONE, "bad.trn", "hello world (u1)\n", "h.trn",
     "hello (u\0331)\n", "score bad.trn h.trn", "h.trn:1",
     "utterance ID '(u\\x1b1)' contains control character 0x1b", 1, 0, 0},
    {"trn", "duplicate ID", S_NONE, "bad.trn", "a (u1)\nb (u1)\n", "", "",
     "score bad.trn ../ok.trn", "bad.trn:2", "duplicate utterance ID 'u1' (first on line 1)", 1, 0,
     0},
    {"trn", "hypothesis ID not in the reference", S_NONE, "h.trn", "hello (u9)\n", "", "",
     "score ../ok.trn h.trn", "h.trn:1", "utterance ID 'u9' is not in ../ok.trn", 1, 0, 0},
    {"trn", "reference without utterances", S_NONE, "bad.trn", ";; nothing\n", "", "",
     "score bad.trn ../ok.trn", "bad.trn", "no utterances", 1, 0, 0},
    {"trn", "1 MB line against another", S_BIG_TRN, "", "", "", "", "score big.trn big.trn",
     "big.trn:1", "too long to align: 210000 reference x 210000 hypothesis words", 1, 0, 0},

    /* ---- model files (`semsim eval --model`; scenarios' tx.model/rx.model load the same way) */
    {"model file", "missing", S_NONE, "", "", "", "", EVAL_MODEL, "model.h5",
     "cannot open: No such file or directory", 1, 0, 0},
    {"model file", "not HDF5 (text)", S_NONE, "model.h5", "hello\n", "", "", EVAL_MODEL, "model.h5",
     "not an HDF5 file", 1, 0, 0},
    {"model file", "HDF5 signature damaged", S_MODEL_SIG, "", "", "", "", EVAL_MODEL, "model.h5",
     "not an HDF5 file", 1, 0, 0},
    {"model file", "truncated", S_MODEL_TRUNC, "", "", "", "", EVAL_MODEL, "model.h5", "truncated",
     1, 0, 0},
    {"model file", "HDF5 but not a model", S_MODEL_EMPTY_H5, "", "", "", "", EVAL_MODEL, "model.h5",
     "model file without an integrity header", 1, 0, 0},
    {"model file", "one byte changed (checksum)", S_MODEL_FLIP, "", "", "", "", EVAL_MODEL,
     "model.h5", "file is corrupt (checksum mismatch)", 1, 0, 0},
    {"model file", "newer format version", S_MODEL_VERSION, "", "", "", "", EVAL_MODEL, "model.h5",
     "format_version 3 is not supported", 1, 0, 0},
    {"model file", "missing attribute", S_MODEL_NO_STRIDE, "", "", "", "", EVAL_MODEL, "model.h5",
     "attribute 'stride' missing", 1, 0, 0},
    {"model file", "attribute out of range", S_MODEL_STRIDE0, "", "", "", "", EVAL_MODEL,
     "model.h5", "attribute 'stride' is 0", 1, 0, 0},
    {"model file", "attribute of the wrong type", S_MODEL_LATENT_STR, "", "", "", "", EVAL_MODEL,
     "model.h5", "attribute 'latent_dim' is a string, expected an integer", 1, 0, 0},
    {"model file", "wrong vocabulary", S_MODEL_VOCAB, "", "", "", "", EVAL_MODEL, "model.h5",
     "attribute 'vocab'", 1, 0, 0},
    {"model file", "missing tensor", S_MODEL_NO_TENSOR, "", "", "", "", EVAL_MODEL, "model.h5",
     "tensor dec.out.w missing", 1, 0, 0},
    {"model file", "tensor of the wrong shape", S_MODEL_SHAPE, "", "", "", "", EVAL_MODEL,
     "model.h5", "tensor enc.out.b has shape", 1, 0, 0},
    {"model file", "NaN weight", S_MODEL_NAN, "", "", "", "", EVAL_MODEL, "model.h5",
     "tensor dec.in.b holds a non-finite value", 1, 0, 0},

    /* ---- audio (utterances of a manifest) */
    {"audio", "missing audio file", S_NONE, "bad.tsv", "u1\tnope.wav\thello\n", "", "",
     EVAL_BAD_TSV, "nope.wav", "cannot open audio: No such file or directory", 1, 0, 0},
    {"audio", "not audio (text)", S_NONE, "bad.tsv", "u1\tbad.wav\thello\n", "bad.wav",
     "hello, I am not a WAV file\n", EVAL_BAD_TSV, "bad.wav", "not an audio file libsndfile reads",
     1, 0, 0},
    {"audio", "empty audio file", S_WAV_EMPTY, "bad.tsv", "u1\tbad.wav\thello\n", "", "",
     EVAL_BAD_TSV, "bad.wav", "not an audio file libsndfile reads", 1, 0, 0},
    {"audio", "WAV header with a rate of 0 Hz", S_WAV_RATE0, "bad.tsv", "u1\tbad.wav\thello\n", "",
     "", EVAL_BAD_TSV, "bad.wav", "not an audio file libsndfile reads", 1, 0, 0},

    /* ---- output of `semsim run` */
    {"output", "`merge` of a file that is not a results file", S_NONE, "", "", "", "",
     "merge ../ok.ini -o m.h5", "../ok.ini", "not an HDF5 file", 1, 0, 0},
    {"output", "results file exists (no --force)", S_OUT_EXISTS, "", "", "", "",
     "run ../ok.ini -o out.h5 --quiet", "out.h5", "exists", 1, 0, 0},
    {"output", "folder that does not exist", S_NONE, "", "", "", "",
     "run ../ok.ini -o nodir/out.h5 --quiet", "nodir/out.h5", "cannot create nodir/out.h5.partial",
     1, 0, 0},
    {"output", "folder that is a file", S_NONE, "afile", "x\n", "", "",
     "run ../ok.ini -o afile/out.h5 --quiet", "afile/out.h5", "cannot create afile/out.h5.partial",
     1, 0, 0},
    {"output", "disk full (file size limit 64 KiB)", S_NONE, "", "", "", "",
     "run ../big.ini -o out.h5 --quiet", "out.h5", "cannot close summary (disk full?)", 1, 0,
     65536},
    {"output", "results file is a folder (with --force)", S_NONE, "", "", "", "",
     "run ../ok.ini -o .. --quiet --force", "..", "cannot rename", 1, 0, 0},
};

#define NCASES (sizeof cases / sizeof *cases)

/* ---- running semsim ------------------------------------------------------- */

typedef struct result {
    int exited, status, sig;
    char *err;      /* all of stderr */
    double seconds; /* wall time */
} result;

static void write_bytes(const char *dir, const char *name, const char *data, size_t n)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(data, 1, n, f) == n);
    fclose(f);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    if (name && *name) write_bytes(dir, name, text, strlen(text));
}

/* Run ./semsim ARGS in dir (stdin /dev/null, stdout discarded), at most 120 s. */
static result run_semsim(const char *dir, const char *args, long fsize)
{
    result r = {0, -1, 0, NULL, 0};
    char errpath[2048], buf[1024], *argv[32];
    int argc = 0;
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", dir);
    snprintf(buf, sizeof buf, "%s", args);
    argv[argc++] = SEMSIM_BUILDDIR "/semsim";
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && argc < 31;
         t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int wst = test_wait(test_spawn((const char *const *)argv, dir, errpath, fsize), 120);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r.seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    r.exited = WIFEXITED(wst);
    r.status = r.exited ? WEXITSTATUS(wst) : -1;
    r.sig = WIFSIGNALED(wst) ? WTERMSIG(wst) : 0;
    r.err = test_slurp(errpath, NULL);
    if (!r.err) r.err = strdup("");
    return r;
}

/* ---- model files made wrong through HDF5 directly ---------------------------- */

static void h5_attr_int(hid_t f, const char *name, long long v)
{
    if (H5Aexists(f, name) > 0) H5Adelete(f, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(f, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    CU_ASSERT(a >= 0 && H5Awrite(a, H5T_NATIVE_LLONG, &v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
}

static void h5_attr_str(hid_t f, const char *name, const char *v)
{
    if (H5Aexists(f, name) > 0) H5Adelete(f, name);
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
    H5Tset_size(t, strlen(v) + 1);
    hid_t a = H5Acreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    CU_ASSERT(a >= 0 && H5Awrite(a, t, v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static void h5_tensor(hid_t f, const char *name, hsize_t n, float fill)
{
    if (H5Lexists(f, name, H5P_DEFAULT) > 0) H5Ldelete(f, name, H5P_DEFAULT);
    float *v = malloc(n * sizeof *v);
    for (hsize_t i = 0; i < n; i++) v[i] = fill;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, name, H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CU_ASSERT(d >= 0 && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    free(v);
}

/* The tensor's element count. */
static hsize_t h5_count(hid_t f, const char *name)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t n = (hsize_t)H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    H5Dclose(d);
    return n;
}

static void make_model(const char *dir, setup s)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/model.h5", dir);
    if (s == S_MODEL_EMPTY_H5) {
        hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        CU_ASSERT(f >= 0);
        H5Fclose(f);
        return;
    }
    test_save_tiny_agent(path, 8, 7);
    if (s == S_MODEL_TRUNC || s == S_MODEL_SIG || s == S_MODEL_FLIP) {
        size_t n;
        char *b = test_slurp(path, &n);
        CU_ASSERT_FATAL(b != NULL && n > 4000);
        if (s == S_MODEL_SIG) {
            b[1] ^= 0x20;
            b[2] ^= 0x20;
        }
        if (s == S_MODEL_FLIP) b[n / 2] ^= 0x01;
        write_bytes(dir, "model.h5", b, s == S_MODEL_TRUNC ? 4000 : n);
        free(b);
        return;
    }
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CU_ASSERT_FATAL(f >= 0);
    switch (s) {
    case S_MODEL_VERSION:
        h5_attr_int(f, "format_version", CODEC_MODEL_FORMAT_VERSION + 1);
        break;
    case S_MODEL_NO_STRIDE:
        H5Adelete(f, "stride");
        break;
    case S_MODEL_STRIDE0:
        h5_attr_int(f, "stride", 0);
        break;
    case S_MODEL_LATENT_STR:
        h5_attr_str(f, "latent_dim", "eight");
        break;
    case S_MODEL_VOCAB:
        h5_attr_str(f, "vocab", "abc");
        break;
    case S_MODEL_NO_TENSOR:
        H5Ldelete(f, "params/dec.out.w", H5P_DEFAULT);
        break;
    case S_MODEL_SHAPE:
        h5_tensor(f, "params/enc.out.b", h5_count(f, "params/enc.out.b") + 3, 0.0f);
        break;
    case S_MODEL_NAN:
        h5_tensor(f, "params/dec.in.b", h5_count(f, "params/dec.in.b"), NAN);
        break;
    default:
        break;
    }
    H5Fclose(f);
    /* seal it again, as a writer with a bug would: the load's own checks,
     * behind the integrity header, must catch what was damaged */
    base_err e = BASE_ERR_INIT;
    CU_ASSERT_EQUAL(base_h5i_seal_write(path, CODEC_MODEL_FORMAT, path, &e), BASE_OK);
}

/* A 16-bit mono WAV header claiming `rate` Hz, then 0.1 s of silence at 16 kHz. */
static void write_wav_rate(const char *dir, const char *name, unsigned rate)
{
    unsigned char h[44 + 3200] = {0};
    unsigned data = 3200, byte_rate = rate * 2;
    memcpy(h, "RIFF", 4);
    unsigned riff = 36 + data;
    memcpy(h + 4, &riff, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    unsigned fmt_len = 16;
    unsigned short pcm = 1, ch = 1, align = 2, bits = 16;
    memcpy(h + 16, &fmt_len, 4);
    memcpy(h + 20, &pcm, 2);
    memcpy(h + 22, &ch, 2);
    memcpy(h + 24, &rate, 4);
    memcpy(h + 28, &byte_rate, 4);
    memcpy(h + 32, &align, 2);
    memcpy(h + 34, &bits, 2);
    memcpy(h + 36, "data", 4);
    memcpy(h + 40, &data, 4);
    write_bytes(dir, name, (const char *)h, sizeof h);
}

/* ---- the shared fixtures and each case's folder ------------------------------ */

static const char *root(void)
{
    static char dir[1024];
    if (dir[0]) return dir;
    snprintf(dir, sizeof dir, "%s/errors", test_tmpdir());
    mkdir(dir, 0755);
    write_text(dir, "ok.ini", OK_INI);
    /* a longer run for the disk-full case: many rows, per-utterance tables */
    write_text(dir, "big.ini",
               "[scenario]\nutterances = 64\n[source]\nkind = bits\nbits = 256\nframe_bits = "
               "128\n[sweep]\nchannel.snr_db = 0:0.25:30\n");
    write_text(dir, "ok.trn", "hello world (u1)\n");
    write_text(dir, "ok.tsv", "u1\ta.wav\thello world\n");
    float x[8000];
    for (int i = 0; i < 8000; i++) x[i] = 0.1f * sinf(0.05f * (float)i);
    char wav[2048];
    snprintf(wav, sizeof wav, "%s/a.wav", dir);
    CU_ASSERT(codec_audio_write_wav(wav, x, 8000, 16000, NULL) == BASE_OK);
    char model[2048];
    snprintf(model, sizeof model, "%s/model.h5", dir);
    test_save_tiny_agent(model, 8, 7);
    return dir;
}

static void make_case(const ecase *c, const char *dir)
{
    mkdir(dir, 0755);
    write_text(dir, c->file, c->text);
    write_text(dir, c->file2, c->text2);
    switch (c->setup) {
    case S_NONE:
        break;
    case S_BIG_TRN: {
        size_t cap = 210000 * 6 + 16, n = 0;
        char *b = malloc(cap);
        for (size_t i = 0; i < 210000; i++) n += (size_t)sprintf(b + n, "w%zu ", i % 1000);
        n += (size_t)sprintf(b + n, "(u1)\n");
        write_bytes(dir, "big.trn", b, n);
        free(b);
        break;
    }
    case S_OUT_EXISTS: {
        char in[2048];
        snprintf(in, sizeof in, "%s/model.h5", root());
        size_t n;
        char *b = test_slurp(in, &n); /* any earlier file: it must survive */
        write_bytes(dir, "out.h5", b, n);
        free(b);
        break;
    }
    case S_WAV_EMPTY:
        write_bytes(dir, "bad.wav", "", 0);
        break;
    case S_WAV_RATE0:
        write_wav_rate(dir, "bad.wav", 0);
        break;
    default:
        make_model(dir, c->setup);
        break;
    }
}

/* The one error line as the doc shows it: without its newline, the source
 * tree's path as $SRC, and HDF5's own detail (which can hold the time and
 * addresses) as "(HDF5: ...)". */
static void doc_line(const char *err, char *buf, size_t n)
{
    size_t len = strcspn(err, "\n");
    if (len >= n) len = n - 1;
    memcpy(buf, err, len);
    buf[len] = 0;
    char *h5 = strstr(buf, " (HDF5: ");
    if (h5 && (size_t)(h5 - buf) + 16 < n) strcpy(h5, " (HDF5: ...)");
    const char *src = getenv("SEMSIM_SRCDIR") ? getenv("SEMSIM_SRCDIR") : SEMSIM_SRCDIR;
    char *p;
    while (*src && (p = strstr(buf, src))) {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%.*s$SRC%s", (int)(p - buf), buf, p + strlen(src));
        memcpy(buf, tmp, n < sizeof tmp ? n : sizeof tmp);
        buf[n - 1] = 0;
    }
}

/* Check case i; *line gets its error line for the doc. Returns 1 when it passed. */
static int check_case(size_t i, char *line, size_t n)
{
    const ecase *c = &cases[i];
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/%02zu", root(), i + 1);
    make_case(c, dir);
    result r = run_semsim(dir, c->args, c->fsize);
    doc_line(r.err, line, n);
    int lines = 0;
    for (const char *p = r.err; *p; p++) lines += *p == '\n';
    char prefix[600] = "semsim";
    if (c->where) snprintf(prefix, sizeof prefix, "semsim: %s: ", c->where);
    const char *second = strchr(r.err, '\n');
    int ok = r.exited && r.status == c->status && r.status >= 1 && r.status <= 127 &&
             strstr(line, c->want) && !strncmp(line, prefix, strlen(prefix)) &&
             (c->usage ? (second && !strncmp(second + 1, "usage:", 6))
                       : (lines == 1 && r.err[strlen(r.err) - 1] == '\n'));
    if (c->setup == S_OUT_EXISTS) { /* the earlier file is intact */
        char a[2048], b[2048];
        snprintf(a, sizeof a, "%s/model.h5", root());
        snprintf(b, sizeof b, "%s/out.h5", dir);
        size_t na, nb;
        char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
        ok = ok && x && y && na == nb && !memcmp(x, y, na);
        free(x);
        free(y);
    }
    if (!ok)
        fprintf(stderr,
                "\n  case %zu (%s: %s): semsim %s\n    exit %d (want %d), signal %d, %d stderr "
                "lines, %.1f s\n    got:  %s\n    want: %s... holding '%s'\n",
                i + 1, c->area, c->input, c->args, r.status, c->status, r.sig, lines, r.seconds,
                line, prefix, c->want);
    free(r.err);
    return ok;
}

/* ---- the catalogue as Markdown ---------------------------------------------- */

static void md_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s, out);
    }
}

/* The catalogue tables; lines[i] is case i's observed error line. */
static void write_markdown(FILE *out, char (*lines)[1024])
{
    const char *area = "";
    for (size_t i = 0; i < NCASES; i++) {
        const ecase *c = &cases[i];
        if (strcmp(area, c->area)) {
            fprintf(out,
                    "%s### %s\n\n| # | bad input | command | error line (stderr) | exit |\n"
                    "|---|---|---|---|---|\n",
                    i ? "\n" : "", c->area);
            area = c->area;
        }
        fprintf(out, "| %zu | %s | `semsim %s` | `", i + 1, c->input, c->args);
        md_escape(out, lines[i]);
        fprintf(out, "`%s | %d |\n", c->usage ? " + usage" : "", c->status);
    }
}

static char (*observed)[1024];
static int all_passed = 1;
static const char *markdown_out; /* `--markdown FILE`: write the tables there */

static void test_catalogue(void)
{
    CU_ASSERT(NCASES >= 60);
    for (size_t i = 0; i < NCASES; i++) {
        int ok = check_case(i, observed[i], sizeof observed[i]);
        all_passed &= ok;
        CU_ASSERT(ok);
    }
}

#define BEGIN_MARK "<!-- BEGIN CATALOGUE (tools/gen-errors-doc.sh) -->\n"
#define END_MARK "<!-- END CATALOGUE -->\n"

static void test_doc_in_step(void)
{
    if (!all_passed) return; /* the failing cases are reported above */
    if (markdown_out) {
        FILE *f = fopen(markdown_out, "w");
        CU_ASSERT_FATAL(f != NULL);
        write_markdown(f, observed);
        CU_ASSERT(fclose(f) == 0);
        return;
    }
    char path[1200];
    test_srcpath(path, sizeof path, "docs/errors.md");
    char *doc = test_slurp(path, NULL);
    CU_ASSERT_FATAL(doc != NULL);
    const char *b = strstr(doc, BEGIN_MARK), *e = strstr(doc, END_MARK);
    CU_ASSERT_FATAL(b && e && e > b);
    b += strlen(BEGIN_MARK);
    char *want = NULL;
    size_t wn = 0;
    FILE *m = open_memstream(&want, &wn);
    fputc('\n', m);
    write_markdown(m, observed);
    fputc('\n', m);
    fclose(m);
    int same = (size_t)(e - b) == wn && !memcmp(b, want, wn);
    if (!same)
        fprintf(stderr, "\n  docs/errors.md's catalogue differs from the cases' real errors: run "
                        "tools/gen-errors-doc.sh\n");
    CU_ASSERT(same);
    free(want);
    free(doc);
}

int main(int argc, char **argv)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    observed = calloc(NCASES, sizeof *observed);
    if (argc > 2 && !strcmp(argv[1], "--markdown")) markdown_out = argv[2]; /* gen-errors-doc */
    static const test_case tcases[] = {
        {"every catalogue case: exit, one line, file:line, text", test_catalogue},
        {"docs/errors.md is in step", test_doc_in_step},
        {NULL},
    };
    int rc = test_main("errors", tcases);
    free(observed);
    return rc;
}
