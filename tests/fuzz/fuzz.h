/* Shared by the libFuzzer harnesses.  The text readers parse from memory
 * (table_parse, dataset_parse_tsv, expected_parse, claims_parse, ...; the file
 * readers call them), so their harnesses hand over a NUL-terminated copy of
 * the input (fuzz_text) and never touch the filesystem.  The binary readers
 * (idx, checkpoint) take a path: each input is written to one temporary file
 * per process (removed at exit) and the reader is pointed at it. */
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

/* A malloc'd copy of the input with a terminating NUL (text[size] == '\0'), as
 * read_file would give it. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        abort();
    if (size)
        memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
