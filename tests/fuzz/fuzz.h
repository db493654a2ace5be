/* Shared by the libFuzzer harnesses: the readers under test take a path, so
 * each input is written to one temporary file per process (removed at exit)
 * and the reader is pointed at it. */
#ifndef NODE_FUZZ_H
#define NODE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_path[4096];

static inline void fuzz_unlink(void)
{
    if (fuzz_path[0])
        unlink(fuzz_path);
}

/* Writes data (then, if tail, tail_size more bytes) to the temporary file and
 * returns its path. */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const void *tail,
                             size_t tail_size)
{
    if (!fuzz_path[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(fuzz_path, sizeof fuzz_path, "%s/nodefuzz.XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(fuzz_path);
        if (fd < 0) {
            perror(fuzz_path);
            abort();
        }
        close(fd);
        atexit(fuzz_unlink);
    }
    FILE *fp = fopen(fuzz_path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) ||
        (tail_size && fwrite(tail, 1, tail_size, fp) != tail_size) || fclose(fp) != 0) {
        perror(fuzz_path);
        abort();
    }
    return fuzz_path;
}

#endif
