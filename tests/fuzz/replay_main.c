/* replay_main.c -- runs a libFuzzer harness without libFuzzer: each argument
 * is a file whose bytes are handed to LLVMFuzzerTestOneInput once, as
 * libFuzzer would (an exact-size heap copy, so sanitizers see overreads).
 *
 * make check links every tests/fuzz/fuzz_NAME.c with this file into
 * tests/fuzz/replay_NAME (the gcc build; the sanitizer build in .ci/run
 * makes them sanitized), and tests/fuzz/test_regress runs every file of
 * tests/fuzz/regress/NAME/ and tests/fuzz/corpus/NAME/ through it.
 * Exit 0 when every input returned; a crash, sanitizer report or hang shows
 * as a signal or a non-zero exit. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 4096, n = 0, got;
        uint8_t *buf = malloc(cap);
        while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
            n += got;
            if (n == cap) {
                uint8_t *nb = realloc(buf, cap *= 2);
                if (!nb) free(buf);
                buf = nb;
            }
        }
        fclose(f);
        if (!buf) {
            fprintf(stderr, "%s: out of memory\n", argv[i]);
            return 2;
        }
        uint8_t *exact = malloc(n ? n : 1); /* exact size, as libFuzzer passes it */
        if (!exact) return 2;
        if (n) memcpy(exact, buf, n);
        free(buf);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    return 0;
}
