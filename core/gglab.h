/* core/gglab.h — umbrella header of the gglab numerical core (C11, float32, no Lua).
 * Conventions: fallible calls return gg_status and fill a caller-owned gg_err; the caller
 * of a _new owns the result and calls _free (NULL-safe); every random draw takes a gg_rng. */
#ifndef GG_GGLAB_H
#define GG_GGLAB_H

#include "act.h"     /* activations: relu, leaky_relu, sigmoid, tanh, gelu, elu, silu, softplus, identity */
#include "arena.h"   /* bump allocator for scratch */
#include "clip.h"    /* gradient clipping, L1/L2 penalties */
#include "conv.h"    /* convolution and pooling kernels */
#include "corrupt.h" /* label noise, outliers, scaling, imbalance, feature noise */
#include "csvload.h" /* CSV datasets (libcsv), class weights */
#include "data.h"    /* datasets, generators, splits */
#include "detmath.h" /* deterministic exp/log/tanh/cos/erf */
#include "diag.h"    /* training diagnostics, sharpness */
#include "embedding.h" /* nn.Embedding, the sinusoidal position table */
#include "ensemble.h" /* lockstep ensembles: K runs of one MLP shape, lane = run */
#include "eval.h"    /* one evaluation pass: loss and accuracy */
#include "graph.h"   /* the static graph models are built from */
#include "init.h"    /* parameter initialisation schemes */
#include "isa.h"     /* instruction-set paths of the FMA kernels */
#include "linear.h"  /* fully connected kernels */
#include "loss.h"    /* mse, cross-entropy, bce-with-logits */
#include "mem.h"     /* gg_malloc/gg_free */
#include "model.h"   /* a compiled graph over flat buffers; sequential MLPs */
#include "norm.h"    /* BatchNorm, LayerNorm, GroupNorm, softmax kernels */
#include "ops.h"     /* primitive N-D ops: broadcasting, reductions, matmul, layout */
#include "optim.h"   /* sgd, adam */
#include "rng.h"     /* xoshiro256** streams */
#include "resample.h" /* the bootstrap and sign-flip loops of lib/stats.lua */
#include "rnn.h"     /* recurrent layers: RNN, LSTM, GRU */
#include "sched.h"   /* learning-rate schedulers */
#include "seqdata.h" /* token datasets: modular arithmetic, sequence tasks, text */
#include "status.h"  /* gg_status, gg_err */
#include "tensor.h"  /* float32 tensors */
#include "train.h"   /* epoch loop, evaluation */

#define GG_VERSION "0.1.0"

#endif
