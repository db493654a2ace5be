/* The latent kind's scoring against the noise-free truth, for eval: a set
 * of sequences (dataset.h) holds truth rows beside its observations, and
 * only the latent kind reads sequences, so eval asks the model for them
 * whenever it scores sequences.  Not in the kind table: no other kind has
 * truth rows to decode. */
#ifndef NODE_KIND_LATENT_H
#define NODE_KIND_LATENT_H

#include "dataset.h"
#include "kind.h"

/* latent_decode_truth (latent.h) on the B sequences seqs of d: out (T, O),
 * T = their truth rows, NaN before each sequence's first observation.
 * Refuses a model of another kind.  *nfe_forward gets the batch's forward
 * evaluations (the reconstruction's and the truth solve's). */
int latent_kind_truth(kind_model_t *m, const double *params, const dataset_t *d, const int *seqs,
                      int B, double *out, long *nfe_forward, err_t *e);

#endif
