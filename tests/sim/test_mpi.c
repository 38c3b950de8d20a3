/* test_mpi.c -- `mpirun -np N semsim run` end to end (OpenMPI):
 *   - 3 ranks (and 2 ranks x -j 2) give the same /summary bytes as -j 1;
 *   - a semantic run whose TTS audio and relative head 3 ranks build at once
 *     into empty caches gives the same /summary as a plain run (caches are
 *     serialised by base_fs_lock) and leaves no temporary files;
 *   - a rank killed mid-run: a clear one-line error from rank 0, the finished
 *     rows kept in OUT.partial, and --resume under mpirun completes it with
 *     the same /summary.
 * Skipped (exit 77, with a message) only when mpirun is absent or semsim was
 * built without MPI. As root mpirun also needs --allow-run-as-root; the
 * OMPI_MCA_ settings keep it on this machine and off ptrace (containers). */
#include "sim/mpi.h"
#include "tests/fixtures.h"
#include "tests/testutil.h"

#include <dirent.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* 24 jobs of some 0.1 s each: long enough for every rank to get work. */
static const char *bits_text = "[scenario]\nseed = 7\nutterances = 200\nrepeats = 3\n"
                               "[source]\nkind = bits\nbits = 2048\nframe_bits = 256\n"
                               "[link]\nmodulation = qpsk\nfec = conv27\nframes_per_packet = 4\n"
                               "[channel]\nmodel = rayleigh\n"
                               "[sweep]\nchannel.snr_db = 0:1:7\n";

static char mpirun[512];

/* /summary of a and b: the same bytes, rows rows. */
static int same_summary(const char *a, const char *b, size_t rows)
{
    return test_assert_same_table(a, b, "summary") == rows;
}

static void bits_ini(char *ini, size_t n)
{
    test_tmppath(ini, n, "bits.ini");
    if (!test_exists(ini)) test_put(ini, bits_text);
}

static void ranks_equal_one_process(void)
{
    char ini[600], ref[600], m3[600], m2[600], cmd[4096];
    bits_ini(ini, sizeof ini);
    test_tmppath(ref, sizeof ref, "j1.h5");
    test_tmppath(m3, sizeof m3, "np3.h5");
    test_tmppath(m2, sizeof m2, "np2j2.h5");
    snprintf(cmd, sizeof cmd, "%s/semsim run %s -o %s --quiet -j 1", SEMSIM_BUILDDIR, ini, ref);
    CU_ASSERT_EQUAL_FATAL(test_sh(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s -np 3 %s/semsim run %s -o %s --quiet -j 1", mpirun,
             SEMSIM_BUILDDIR, ini, m3);
    CU_ASSERT_EQUAL_FATAL(test_sh(cmd), 0);
    CU_ASSERT(same_summary(ref, m3, 24));
    snprintf(cmd, sizeof cmd, "%s -np 2 %s/semsim run %s -o %s --quiet -j 2", mpirun,
             SEMSIM_BUILDDIR, ini, m2);
    CU_ASSERT_EQUAL_FATAL(test_sh(cmd), 0);
    CU_ASSERT(same_summary(ref, m2, 24));
    /* the output is never overwritten without --force, under MPI either */
    snprintf(cmd, sizeof cmd, "%s -np 3 %s/semsim run %s -o %s --quiet 2>/dev/null", mpirun,
             SEMSIM_BUILDDIR, ini, m3);
    CU_ASSERT_NOT_EQUAL(test_sh(cmd), 0);
}

/* Files whose name holds ".tmp." under dir and its subfolders. */
static int temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[1200];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) n += temporaries(p);
        if (strstr(e->d_name, ".tmp.")) n++;
    }
    closedir(d);
    return n;
}

static void caches_built_by_ranks_at_once(void)
{
    char src[512], ini[600], text[2048], cmd[16384], dir[600];
    test_srcpath(src, sizeof src, "");
    test_tmppath(ini, sizeof ini, "sem.ini");
    snprintf(
        text, sizeof text,
        "[scenario]\nseed = 3\nutterances = 3\n"
        "[source]\nkind = semantic\nlines = 501-503\nvoices = %s/scenarios/quickstart-voices.txt\n"
        "[tx]\nmodel = %s/models/A.h5\n[rx]\nmodel = %s/models/B.h5\ndecoder = greedy\n"
        "[equalizer]\ntype = relative\ntrain_utterances = 12\nhead_steps = 4\n"
        "train_lines = 1-12\n[anchors]\ncount = 8\nutterances = 8\n"
        "[link]\nmode = analog\n[channel]\nmodel = awgn\n"
        "[sweep]\nchannel.snr_db = 0,10\n",
        src, src, src);
    test_put(ini, text);
    test_tmppath(dir, sizeof dir, "");
    /* three ranks fill empty caches at once; a plain run fills its own */
    snprintf(cmd, sizeof cmd,
             "%s -np 3 %s/semsim run %s -o %s/sem-mpi.h5 --quiet --set source.cache=%s/tts-mpi "
             "--set equalizer.cache=%s/heads-mpi && "
             "%s/semsim run %s -o %s/sem-one.h5 --quiet --set source.cache=%s/tts-one "
             "--set equalizer.cache=%s/heads-one && "
             "/usr/bin/python3 %s/tests/golden/dump.py %s/sem-mpi.h5 > %s/sem-mpi.txt && "
             "/usr/bin/python3 %s/tests/golden/dump.py %s/sem-one.h5 > %s/sem-one.txt && "
             "cmp %s/sem-mpi.txt %s/sem-one.txt",
             mpirun, SEMSIM_BUILDDIR, ini, dir, dir, dir, SEMSIM_BUILDDIR, ini, dir, dir, dir, src,
             dir, dir, src, dir, dir, dir, dir);
    CU_ASSERT_EQUAL(test_sh(cmd), 0);
    char tts[700], heads[700];
    snprintf(tts, sizeof tts, "%s/tts-mpi", dir);
    snprintf(heads, sizeof heads, "%s/heads-mpi", dir);
    CU_ASSERT(test_exists(tts) && test_exists(heads));
    CU_ASSERT_EQUAL(temporaries(tts), 0);
    CU_ASSERT_EQUAL(temporaries(heads), 0);
}

static void killed_rank_keeps_rows(void)
{
    char ini[600], ref[600], out[600], partial[700], errf[600], cmd[4096];
    bits_ini(ini, sizeof ini);
    test_tmppath(ref, sizeof ref, "j1.h5");
    if (!test_exists(ref)) {
        snprintf(cmd, sizeof cmd, "%s/semsim run %s -o %s --quiet", SEMSIM_BUILDDIR, ini, ref);
        CU_ASSERT_EQUAL_FATAL(test_sh(cmd), 0);
    }
    test_tmppath(out, sizeof out, "killed.h5");
    test_tmppath(errf, sizeof errf, "killed.err");
    snprintf(partial, sizeof partial, "%s.partial", out);
    /* rank 2 SIGKILLs itself after sending its first result */
    snprintf(cmd, sizeof cmd,
             "SEMSIM_TEST_KILL_RANK=2:1 %s -np 3 %s/semsim run %s -o %s --quiet 2>%s >/dev/null",
             mpirun, SEMSIM_BUILDDIR, ini, out, errf);
    CU_ASSERT_NOT_EQUAL(test_sh(cmd), 0);
    CU_ASSERT(test_exists(partial));
    CU_ASSERT(!test_exists(out));
    /* rank 0's one line says what happened and what to do */
    FILE *f = fopen(errf, "r");
    CU_ASSERT_FATAL(f != NULL);
    char line[1024];
    int found = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "semsim: the MPI job was stopped", 31)) {
            found = 1;
            CU_ASSERT(strstr(line, "kept in") && strstr(line, ".partial") &&
                      strstr(line, "--resume"));
        }
    fclose(f);
    if (!found) fprintf(stderr, "  no 'semsim: the MPI job was stopped' line in %s\n", errf);
    CU_ASSERT(found);
    /* resumed under mpirun: the same /summary as an uninterrupted run */
    snprintf(cmd, sizeof cmd, "%s -np 3 %s/semsim run %s -o %s --quiet --resume", mpirun,
             SEMSIM_BUILDDIR, ini, out);
    CU_ASSERT_EQUAL_FATAL(test_sh(cmd), 0);
    CU_ASSERT(!test_exists(partial));
    CU_ASSERT(same_summary(ref, out, 24));
}

int main(void)
{
    if (!sim_mpi_available()) {
        printf("test_mpi: skipped: this semsim was built without MPI (libopenmpi-dev)\n");
        return 77;
    }
    if (system("command -v mpirun >/dev/null 2>&1") != 0) {
        printf("test_mpi: skipped: no mpirun on PATH (apt-get install openmpi-bin)\n");
        return 77;
    }
    /* only this machine, no ptrace-based copies (containers), several ranks a core */
    setenv("OMPI_MCA_plm", "isolated", 0);
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
    setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 0);
    /* when a rank dies, mpirun SIGTERMs the others and SIGKILLs them 1 s later by
     * default: on a loaded machine rank 0 may not get to print its line in 1 s */
    setenv("OMPI_MCA_odls_base_sigkill_timeout", "20", 0);
    /* Under the sanitizer run, no leak check in the ranks: OpenMPI's components are
     * dlopen'ed and unloaded, so LeakSanitizer cannot name (or suppress) what MPI_Init
     * keeps; semsim's own frees are checked by every other test's runs. */
    const char *asan = getenv("ASAN_OPTIONS");
    if (asan) {
        static char opts[1024];
        snprintf(opts, sizeof opts, "%s%sdetect_leaks=0", asan, *asan ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
    }
    unsetenv("OMPI_COMM_WORLD_SIZE"); /* this test itself is no rank */
    snprintf(mpirun, sizeof mpirun, "mpirun --oversubscribe%s",
             geteuid() == 0 ? " --allow-run-as-root" : "");
    static const test_case cases[] = {
        {"3 ranks, 2 ranks x -j 2 = -j 1", ranks_equal_one_process},
        {"caches built by 3 ranks at once", caches_built_by_ranks_at_once},
        {"a killed rank: one line, rows kept, --resume", killed_rank_keeps_rows},
        {NULL, NULL},
    };
    return test_main("mpi", cases);
}
