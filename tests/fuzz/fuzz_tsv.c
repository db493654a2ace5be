/* libFuzzer: the TSV dataset reader (dataset_load_tsv, src/lib/dataset.c),
 * every kind of set its header can name; a loaded set's invariants are
 * checked. */
#include "dataset.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(data, size, NULL, 0);
    err_t e = {{0}};
    dataset_t d;
    if (dataset_load_tsv(path, &d, &e) != 0)
        return 0;
    if (d.count <= 0)
        abort();
    if (d.kind == DATA_CLASSIFY)
        for (int i = 0; i < d.count; i++)
            if (d.labels[i] < 0 || d.labels[i] >= d.n_classes)
                abort();
    if (d.kind == DATA_SEQUENCES) {
        if (d.seq_start[0] != 0 || d.seq_start[d.n_sequences] != d.count ||
            d.obs_start[d.n_sequences] != d.n_observed ||
            d.truth_start[d.n_sequences] != d.n_truth || d.n_observed + d.n_truth != d.count)
            abort();
        for (int s = 0; s < d.n_sequences; s++) {
            if (d.obs_start[s + 1] - d.obs_start[s] < 2)
                abort();
            for (int k = d.obs_start[s]; k < d.obs_start[s + 1]; k++)
                if (d.obs_rows[k] < d.seq_start[s] || d.obs_rows[k] >= d.seq_start[s + 1])
                    abort();
        }
    }
    dataset_free(&d);
    return 0;
}
