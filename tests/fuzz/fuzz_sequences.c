/* libFuzzer: the sequences reader (dataset_parse_tsv on a `seq t y1.. observed`
 * header, then load_sequences in src/lib/data/dataset.c: grouping rows into
 * sequences, sorting by time, observed and truth rows), from sequence-file
 * seeds (gen-data spirals).  Each input is read as it is, and again after a
 * fixed sequences header so that mutations spend themselves on the rows. */
#include "fuzz.h"
#include "fuzz_tsv_check.h"

static const char HEADER[] = "seq\tt\ty1\ty2\tobserved\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tsv_one(fuzz_text(data, size), size);
    size_t h = sizeof HEADER - 1;
    char *text = malloc(h + size + 1);
    if (!text)
        abort();
    memcpy(text, HEADER, h);
    if (size)
        memcpy(text + h, data, size);
    text[h + size] = '\0';
    fuzz_tsv_one(text, h + size);
    return 0;
}
