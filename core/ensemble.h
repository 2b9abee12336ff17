/* core/ensemble.h — lockstep ensembles: one epoch of K runs of the same sequential MLP
 * shape trained together, lane k of every vector = run k, each lane doing exactly the
 * operation sequence gg_train_batches does for that run alone, so every result is
 * bit-identical to training the runs one after the other (on every ISA path).
 *
 * Layout: runs are grouped in blocks of GG_ENS_LANES lanes; a tensor of N floats per run
 * is stored per block as N vectors, element j of lane l at [j * GG_ENS_LANES + l]. The
 * Linear sums are the fma chains of linear.h per lane (a ReLU next to a Linear in the
 * kernel's epilogue, act.c's comparison); other activations, and the losses (per run, on
 * that run's de-interleaved predictions) are the solo kernels; SGD and the Adam family
 * repeat optim.c's element loops per lane with each run's own hyper-parameters, inside
 * the backward kernel as each gradient vector is final (core/ensemble_kern.h).
 * What joins: a chain of Linear and activation layers (no frozen or shared parameters,
 * no buffers), SGD (any options, momentum or not), Adam and AdamW (amsgrad or not) together,
 * over every parameter. */
#ifndef GG_ENSEMBLE_H
#define GG_ENSEMBLE_H

#include <stddef.h>

#include "isa.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "status.h"
#include "train.h"

/* Lanes per block (one AVX-512 vector, two AVX2 ones). */
#define GG_ENS_LANES 16

/* One run of an ensemble call. The caller fills the inputs; res is the output. */
typedef struct gg_ens_run {
    gg_model *m;            /* trained in place, like gg_train_batches */
    gg_optim *o;            /* stepped in place */
    const gg_dataset *ds;   /* the run's data (checked by gg_train_check) */
    gg_loss_cfg loss;       /* the run's loss (before gg_loss_for_model) */
    const size_t *idx;      /* the run's epoch rows, 0-based, sum of counts entries */
    float *loss_log;        /* nsteps floats (the step losses), or NULL */
    double *lr_log;         /* nsteps doubles (the lr each step used), or NULL */
    gg_sched *sched;        /* stepped after each of the run's optimizer steps, or NULL;
                               not a lambda or sequential one (gg_ensemble_sched_ok) */
    gg_epoch_result res;    /* as gg_train_batches returns it */
} gg_ens_run;

/* Whether m and o can join an ensemble: 1 with the architecture and optimizer part of a
 * key in buf (equal keys: compatible), 0 with a short reason in buf ("layer conv2d").
 * buf of cap bytes (256 is plenty for 40 layers; a longer key is cut and stays unique
 * only if cap suffices: the call returns 0, "too many layers", when it does not). */
int gg_ensemble_key(const gg_model *m, const gg_optim *o, char *buf, size_t cap);

/* Whether scheduler s (on optimizer o) can be stepped `steps` more times inside an
 * ensemble: not a lambda or sequential one, and a dry run of those steps (undone: s's state
 * and o's lr and momentum restored) meets no error (one-cycle past its end). 0 with a
 * short reason in buf. */
int gg_ensemble_sched_ok(gg_sched *s, gg_optim *o, size_t steps, char *buf, size_t cap);

/* Train one epoch of the K runs together: step s uses counts[s] rows of each run's idx
 * (the same counts for every run), nsteps steps. Every run must have passed
 * gg_train_check and have equal gg_ensemble_key. Each run's res, logs, model (parameters,
 * gradients) and optimizer (state, step count) end as gg_train_batches with cfg
 * {loss, batch_size = max count} would leave them. isa selects the kernels (same bits).
 * GG_ENOMEM; GG_EINVAL when the runs do not share a key (naming the run). */
gg_status gg_ensemble_train(gg_isa isa, gg_ens_run *runs, size_t K, const size_t *counts,
                            size_t nsteps, gg_err *err);

#endif
