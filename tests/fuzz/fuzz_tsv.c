/* libFuzzer: the TSV dataset reader (dataset_parse_tsv, the in-memory path of
 * dataset_load_tsv, src/lib/data/dataset.c), every kind of set its header can name;
 * a loaded set's invariants are checked (fuzz_tsv_check.h). */
#include "data/dataset.h"
#include "fuzz.h"
#include "fuzz_tsv_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tsv_one(fuzz_text(data, size), size);
    return 0;
}
