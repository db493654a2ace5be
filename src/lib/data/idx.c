#define _POSIX_C_SOURCE 200809L
#include "data/idx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { IDX_MAGIC_IMAGES = 0x00000803, IDX_MAGIC_LABELS = 0x00000801 };

static uint32_t be32(const unsigned char *b)
{
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

/* Opens path, reads the header of `ndims` dimensions, checks the magic and
 * that the file length is exactly header + product(dims). */
static FILE *open_idx(const char *path, uint32_t magic, int ndims, uint32_t *dims, err_t *e)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        err_set(e, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char head[16];
    size_t head_len = 4 + 4 * (size_t)ndims;
    if (fread(head, 1, head_len, fp) != head_len) {
        err_set(e, "%s: truncated header (expected %zu bytes)", path, head_len);
        fclose(fp);
        return NULL;
    }
    uint32_t got = be32(head);
    if (got != magic) {
        err_set(e, "%s: bad magic number 0x%08x (expected 0x%08x, %s)", path, got, magic,
                magic == IDX_MAGIC_IMAGES ? "idx3 unsigned-byte images"
                                          : "idx1 unsigned-byte labels");
        fclose(fp);
        return NULL;
    }
    uint64_t payload = 1;
    for (int d = 0; d < ndims; d++) {
        dims[d] = be32(head + 4 + 4 * d);
        if (dims[d] == 0 || dims[d] > 100000000u) {
            err_set(e, "%s: implausible dimension %d of size %u", path, d, dims[d]);
            fclose(fp);
            return NULL;
        }
        payload *= dims[d];
    }
    struct stat st;
    if (fstat(fileno(fp), &st) != 0) {
        err_set(e, "%s: cannot stat: %s", path, strerror(errno));
        fclose(fp);
        return NULL;
    }
    uint64_t expect = head_len + payload;
    if ((uint64_t)st.st_size != expect) {
        err_set(e, "%s: file is %lld bytes but its header promises %llu (%s)", path,
                (long long)st.st_size, (unsigned long long)expect,
                (uint64_t)st.st_size < expect ? "truncated" : "trailing data");
        fclose(fp);
        return NULL;
    }
    return fp;
}

int idx_load_images(const char *path, int max_count, idx_images_t *out, err_t *e)
{
    uint32_t dims[3];
    memset(out, 0, sizeof *out);
    FILE *fp = open_idx(path, IDX_MAGIC_IMAGES, 3, dims, e);
    if (!fp)
        return -1;
    if (dims[1] > 4096 || dims[2] > 4096) {
        fclose(fp);
        return err_set(e, "%s: implausible image size %ux%u", path, dims[1], dims[2]);
    }
    int count = (int)dims[0];
    if (max_count > 0 && max_count < count)
        count = max_count;
    size_t per = (size_t)dims[1] * dims[2];
    size_t n = (size_t)count * per;
    unsigned char *raw = xmalloc(n);
    if (fread(raw, 1, n, fp) != n) {
        free(raw);
        fclose(fp);
        return err_set(e, "%s: short read of pixel data", path);
    }
    fclose(fp);
    out->pixels = xmalloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        out->pixels[i] = raw[i] / 255.0;
    free(raw);
    out->count = count;
    out->rows = (int)dims[1];
    out->cols = (int)dims[2];
    return 0;
}

int idx_load_labels(const char *path, int max_count, idx_labels_t *out, err_t *e)
{
    uint32_t dims[1];
    memset(out, 0, sizeof *out);
    FILE *fp = open_idx(path, IDX_MAGIC_LABELS, 1, dims, e);
    if (!fp)
        return -1;
    int count = (int)dims[0];
    if (max_count > 0 && max_count < count)
        count = max_count;
    out->labels = xmalloc((size_t)count);
    if (fread(out->labels, 1, (size_t)count, fp) != (size_t)count) {
        fclose(fp);
        idx_free_labels(out);
        return err_set(e, "%s: short read of label data", path);
    }
    fclose(fp);
    for (int i = 0; i < count; i++) {
        if (out->labels[i] > 9) {
            int bad = out->labels[i];
            idx_free_labels(out);
            return err_set(e, "%s: label %d of item %d is outside 0..9", path, bad, i);
        }
    }
    out->count = count;
    return 0;
}

void idx_free_images(idx_images_t *im)
{
    free(im->pixels);
    memset(im, 0, sizeof *im);
}

void idx_free_labels(idx_labels_t *lb)
{
    free(lb->labels);
    memset(lb, 0, sizeof *lb);
}

int idx_load_set(const char *dir, int train, int max_count, idx_images_t *images,
                 idx_labels_t *labels, err_t *e)
{
    char path[4096], lpath[4096];
    memset(images, 0, sizeof *images);
    memset(labels, 0, sizeof *labels);
    snprintf(path, sizeof path, "%s/%s", dir, train ? IDX_TRAIN_IMAGES : IDX_TEST_IMAGES);
    snprintf(lpath, sizeof lpath, "%s/%s", dir, train ? IDX_TRAIN_LABELS : IDX_TEST_LABELS);
    /* The files must agree in full, whatever part of them is asked for:
     * compare the headers' counts before loading (and truncating). */
    uint32_t idims[3], ldims[1];
    FILE *fp = open_idx(path, IDX_MAGIC_IMAGES, 3, idims, e);
    if (!fp)
        return -1;
    fclose(fp);
    if (!(fp = open_idx(lpath, IDX_MAGIC_LABELS, 1, ldims, e)))
        return -1;
    fclose(fp);
    if (idims[0] != ldims[0])
        return err_set(e, "%s: %s holds %u images but %s holds %u labels", dir,
                       train ? IDX_TRAIN_IMAGES : IDX_TEST_IMAGES, idims[0],
                       train ? IDX_TRAIN_LABELS : IDX_TEST_LABELS, ldims[0]);
    if (idx_load_images(path, max_count, images, e) != 0)
        return -1;
    if (idx_load_labels(lpath, max_count, labels, e) != 0) {
        idx_free_images(images);
        return -1;
    }
    if (images->count != labels->count) {
        int ni = images->count, nl = labels->count;
        idx_free_images(images);
        idx_free_labels(labels);
        return err_set(e, "%s: %d images but %d labels", dir, ni, nl);
    }
    return 0;
}
