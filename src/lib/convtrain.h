/* Training of the convolutional MNIST classifiers (odenet.h): full-batch
 * epochs over shuffled minibatches with Adam, per-epoch scoring on the test
 * set, a progress line on a terminal, and resumption from the last
 * completed epoch after an interruption. */
#ifndef NODE_CONVTRAIN_H
#define NODE_CONVTRAIN_H

#include "runcfg.h"
#include "util.h"

/* config_name names the INI in messages; mnist_dir holds the idx files.
 * summary_path and prefix may be NULL.  Writes the per-epoch log
 *   epoch iterations train_loss train_accuracy test_loss test_accuracy
 *   nfe_forward nfe_backward seconds
 * (NFE: mean per training step; seconds: the epoch's training time), the
 * checkpoint, and the summary keys PREFIX_{parameters, epochs,
 * test_accuracy (percent), test_loss, nfe_forward, nfe_backward,
 * seconds_per_epoch, step_seconds}.  While training, MODEL.resume holds the
 * state after the last full epoch. */
/* stop_after > 0: stop after that epoch, leaving only the resume file (as
 * an interruption would); returns 1 then. */
int convtrain_run(runcfg_t *rc, const char *config_name, const char *mnist_dir,
                  const char *log_path, const char *model_path, const char *summary_path,
                  const char *prefix, int stop_after, err_t *e);

#endif
