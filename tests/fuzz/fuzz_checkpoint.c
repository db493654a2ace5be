/* libFuzzer: the checkpoint reader (src/lib/core/checkpoint.c) and the model it
 * describes (src/lib/train/saved.c: the stored configuration rebuilt into a model
 * of its kind).  Each input is read twice: as a whole file, and as a file's
 * contents before its checksum with the right CRC-32 appended, so that
 * mutations get past the checksum into the header, the configuration text
 * and the parameter count. */
#include <zlib.h>

#include "core/checkpoint.h"
#include "fuzz.h"
#include "train/saved.h"

static void read_one(const char *path)
{
    err_t e = {{0}};
    char *meta;
    double *params;
    size_t n;
    if (checkpoint_read(path, &meta, &params, &n, &e) != 0) {
        if (meta || params)
            abort();
        return;
    }
    free(meta);
    free(params);
    saved_model_t s;
    if (saved_model_load(path, 4, 8, &s, &e) == 0)
        saved_model_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_one(fuzz_file(data, size, NULL, 0));
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), data, (uInt)size);
    unsigned char tail[4] = {(unsigned char)crc, (unsigned char)(crc >> 8),
                             (unsigned char)(crc >> 16), (unsigned char)(crc >> 24)};
    read_one(fuzz_file(data, size, tail, 4));
    return 0;
}
