/* Shared by fuzz_tsv.c and fuzz_sequences.c: parses text (len bytes, owned:
 * freed here) as a dataset and checks a loaded set's invariants. */
#ifndef NODE_FUZZ_TSV_CHECK_H
#define NODE_FUZZ_TSV_CHECK_H

#include "data/dataset.h"
#include "fuzz.h"

static inline void fuzz_tsv_one(char *text, size_t len)
{
    err_t e = {{0}};
    dataset_t d;
    int nul = memchr(text, '\0', len) != NULL;
    if (dataset_parse_tsv("fuzz.tsv", text, len, &d, &e) != 0)
        return;
    if (nul)
        abort(); /* a NUL byte must never pass */
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
            for (int k = d.truth_start[s]; k < d.truth_start[s + 1]; k++)
                if (d.truth_rows[k] < d.seq_start[s] || d.truth_rows[k] >= d.seq_start[s + 1])
                    abort();
            for (int i = d.seq_start[s] + 1; i < d.seq_start[s + 1]; i++)
                if (!(d.t[i] >= d.t[i - 1]))
                    abort(); /* times sorted within a sequence */
        }
    }
    dataset_free(&d);
}

#endif
