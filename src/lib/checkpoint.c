#include "checkpoint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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

int checkpoint_read(const char *path, char **meta_out, double **params_out, size_t *n_out,
                    err_t *e)
{
    *meta_out = NULL;
    *params_out = NULL;
    char *raw;
    size_t len;
    if (read_file(path, &raw, &len, e) != 0)
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
