#define _POSIX_C_SOURCE 200809L
#include "core/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const char MAGIC[8] = {'N', 'O', 'D', 'E', 'C', 'K', 'P', 'T'};

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Running CRC over everything written. */
typedef struct {
    FILE *fp;
    uLong crc;
    int failed;
} writer_t;

static void emit(writer_t *w, const void *buf, size_t len)
{
    if (len == 0)
        return;
    if (fwrite(buf, 1, len, w->fp) != len)
        w->failed = 1;
    w->crc = crc32(w->crc, buf, (uInt)len);
}

int checkpoint_write(const char *path, const char *meta, const double *params, size_t n_params,
                     err_t *e)
{
    atomic_file_t af;
    if (atomic_open(&af, path, e) != 0)
        return -1;
    if (checkpoint_write_fp(af.fp, path, meta, params, n_params, e) != 0) {
        atomic_abort(&af);
        return -1;
    }
    return atomic_commit(&af, e);
}

int checkpoint_write_fp(FILE *fp, const char *name, const char *meta, const double *params,
                        size_t n_params, err_t *e)
{
    writer_t w = {.fp = fp, .crc = crc32(0L, Z_NULL, 0)};
    size_t meta_len = strlen(meta);
    unsigned char head[8];
    emit(&w, MAGIC, sizeof MAGIC);
    put_u32(head, CHECKPOINT_VERSION);
    put_u32(head + 4, (uint32_t)meta_len);
    emit(&w, head, 8);
    emit(&w, meta, meta_len);
    put_u64(head, (uint64_t)n_params);
    emit(&w, head, 8);
    for (size_t i = 0; i < n_params; i++) {
        uint64_t bits;
        memcpy(&bits, &params[i], sizeof bits);
        put_u64(head, bits);
        emit(&w, head, 8);
    }
    put_u32(head, (uint32_t)w.crc);
    if (fwrite(head, 1, 4, fp) != 4)
        w.failed = 1;
    if (w.failed)
        return err_set(e, "%s: write failed", name);
    return 0;
}

/* What a file that is not a regular one is, for messages. */
static const char *file_type(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
           : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

int checkpoint_check_file(const char *path, err_t *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return err_set(e, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return err_set(e, "%s: is %s, not a regular file: refusing to read it", path,
                       file_type(st.st_mode));
    if ((uintmax_t)st.st_size > CHECKPOINT_MAX_BYTES)
        return err_set(e, "%s: %jd bytes, more than a checkpoint may hold (%d MiB): refusing "
                          "to read it", path, (intmax_t)st.st_size, CHECKPOINT_MAX_BYTES >> 20);
    return 0;
}

/* Reads the whole of path, a regular file of at most CHECKPOINT_MAX_BYTES:
 * checked by name before it is opened, and again on the open descriptor
 * (the same file, still regular), opened without blocking so that a FIFO
 * put there in between cannot hang the read, and read to the size fstat
 * gave and no further. */
static int read_checkpoint_file(const char *path, char **out, size_t *len, err_t *e)
{
    struct stat before, st;
    if (checkpoint_check_file(path, e) != 0 || stat(path, &before) != 0)
        return -1;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return err_set(e, "%s: cannot stat: %s", path, strerror(saved));
    }
    if (!S_ISREG(st.st_mode) || st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
        close(fd);
        return err_set(e, "%s: was replaced while being opened (now %s): refusing to read it",
                       path, S_ISREG(st.st_mode) ? "another file" : file_type(st.st_mode));
    }
    if ((uintmax_t)st.st_size > CHECKPOINT_MAX_BYTES) {
        close(fd);
        return err_set(e, "%s: %jd bytes, more than a checkpoint may hold (%d MiB): refusing "
                          "to read it", path, (intmax_t)st.st_size, CHECKPOINT_MAX_BYTES >> 20);
    }
    size_t size = (size_t)st.st_size, n = 0;
    char *buf = xmalloc(size + 1);
    while (n <= size) { /* one byte past the size: a file that grew is refused */
        ssize_t got = read(fd, buf + n, size + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;
            close(fd);
            free(buf);
            return err_set(e, "%s: read error: %s", path, strerror(saved));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    if (n != size) {
        free(buf);
        return err_set(e, "%s: changed size while being read (%zu bytes, %zu expected)", path,
                       n, size);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

int checkpoint_check_finite(const char *path, const char *what, const double *v, size_t n,
                            err_t *e)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return err_set(e, "%s: %s %zu of %zu is %s (a checkpoint holds finite numbers only)",
                           path, what, i + 1, n, isnan(v[i]) ? "nan" : v[i] > 0 ? "inf" : "-inf");
    return 0;
}

int checkpoint_read(const char *path, char **meta_out, double **params_out, size_t *n_out,
                    err_t *e)
{
    *meta_out = NULL;
    *params_out = NULL;
    char *raw;
    size_t len;
    if (read_checkpoint_file(path, &raw, &len, e) != 0)
        return -1;
    const unsigned char *p = (const unsigned char *)raw;
    int rc = -1;
    if (len < sizeof MAGIC) {
        if (memcmp(p, MAGIC, len) == 0)
            err_set(e, "%s: truncated in the magic number", path);
        else
            err_set(e, "%s: not a checkpoint (bad magic number)", path);
        goto done;
    }
    if (memcmp(p, MAGIC, sizeof MAGIC) != 0) {
        err_set(e, "%s: not a checkpoint (bad magic number)", path);
        goto done;
    }
    if (len < 16) {
        err_set(e, "%s: truncated in the header", path);
        goto done;
    }
    uint32_t version = get_u32(p + 8), meta_len = get_u32(p + 12);
    if (version != CHECKPOINT_VERSION) {
        err_set(e, "%s: unsupported checkpoint version %u (this build reads %d)", path, version,
                CHECKPOINT_VERSION);
        goto done;
    }
    if (meta_len > len - 16) {
        err_set(e, "%s: truncated in the configuration text (%u bytes promised)", path,
                meta_len);
        goto done;
    }
    size_t off = 16 + (size_t)meta_len;
    if (len - off < 8) {
        err_set(e, "%s: truncated before the parameter count", path);
        goto done;
    }
    uint64_t n = get_u64(p + off);
    off += 8;
    if (n > (len - off) / 8) {
        err_set(e, "%s: truncated in the parameters (%llu promised)", path,
                (unsigned long long)n);
        goto done;
    }
    size_t end = off + (size_t)n * 8;
    if (len - end < 4) {
        err_set(e, "%s: truncated in the checksum", path);
        goto done;
    }
    if (len - end > 4) {
        err_set(e, "%s: %zu bytes of trailing data after the checksum", path, len - end - 4);
        goto done;
    }
    uLong crc = crc32(crc32(0L, Z_NULL, 0), p, (uInt)end);
    if ((uint32_t)crc != get_u32(p + end)) {
        err_set(e, "%s: checksum mismatch (the file is corrupted)", path);
        goto done;
    }
    char *meta = xmalloc((size_t)meta_len + 1);
    memcpy(meta, p + 16, meta_len);
    meta[meta_len] = '\0';
    double *params = xmalloc((n ? (size_t)n : 1) * sizeof *params);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t bits = get_u64(p + off + 8 * i);
        memcpy(&params[i], &bits, sizeof bits);
    }
    *meta_out = meta;
    *params_out = params;
    *n_out = (size_t)n;
    rc = 0;
done:
    free(raw);
    return rc;
}
