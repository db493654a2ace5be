/* Shared by the libFuzzer harnesses.  The text readers parse from memory
 * (table_parse, dataset_parse_tsv, expected_parse, claims_parse, ...; the file
 * readers call them), so their harnesses hand over a NUL-terminated copy of
 * the input (fuzz_text) and never touch the filesystem.  The binary readers
 * (idx, checkpoint) take a path: each input is written to one anonymous
 * memory file per process (fuzz_file) and the reader is pointed at it. */
#ifndef NODE_FUZZ_H
#define NODE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* memfd_create (_GNU_SOURCE, set by tests/tests.mk) */
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_path[4096];
static int fuzz_fd = -1;

static inline void fuzz_unlink(void)
{
    if (fuzz_fd < 0 && fuzz_path[0])
        unlink(fuzz_path);
}

/* Writes data (then, if tail, tail_size more bytes) to the process's one
 * temporary file and returns a path that opens it.  The file is an anonymous
 * memory file (memfd_create, opened again through /proc/self/fd), so the
 * binary readers get a real path and a real file size (fstat) without the
 * disk: on a disk /tmp each input costs an open, a write and a close, which
 * held these harnesses to a few hundred inputs a second on a busy machine.
 * Where memfd_create is missing, a file in TMPDIR (/tmp). */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const void *tail,
                                    size_t tail_size)
{
    if (!fuzz_path[0]) {
        fuzz_fd = memfd_create("nodefuzz", 0);
        if (fuzz_fd >= 0) {
            snprintf(fuzz_path, sizeof fuzz_path, "/proc/self/fd/%d", fuzz_fd);
        } else {
            const char *dir = getenv("TMPDIR");
            snprintf(fuzz_path, sizeof fuzz_path, "%s/nodefuzz.XXXXXX",
                     dir && *dir ? dir : "/tmp");
            int fd = mkstemp(fuzz_path);
            if (fd < 0) {
                perror(fuzz_path);
                abort();
            }
            close(fd);
            atexit(fuzz_unlink);
        }
    }
    if (fuzz_fd >= 0) {
        if (ftruncate(fuzz_fd, 0) != 0 ||
            (size && pwrite(fuzz_fd, data, size, 0) != (ssize_t)size) ||
            (tail_size && pwrite(fuzz_fd, tail, tail_size, (off_t)size) != (ssize_t)tail_size)) {
            perror("memfd");
            abort();
        }
        return fuzz_path;
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
