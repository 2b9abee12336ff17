/* core/tensor.h — the float32 2-D row-major tensor that kernels touch directly.
 * A gg_tensor made by gg_tensor_new owns its data; one made by gg_tensor_view borrows it. */
#ifndef GG_TENSOR_H
#define GG_TENSOR_H

#include <stddef.h>

#include "status.h"

/* Largest element count accepted for one tensor or model (2^31 floats = 8 GiB): anything
 * larger is a user mistake for a small-model tool (a layer of 10^12 units), rejected
 * before allocating rather than left to the OS's overcommit. */
#define GG_TENSOR_MAX_NUMEL ((size_t)1 << 31)

/* Most dimensions an N-D tensor may have (the batch included): NCHW images need 4,
 * attention's (B, heads, L, L) scores 4; 6 leaves room. */
#define GG_MAX_DIMS 6

typedef struct gg_tensor {
    size_t rows;  /* e.g. batch size */
    size_t cols;  /* e.g. features */
    float *data;  /* rows*cols floats, row-major; element (i,j) at data[i*cols + j] */
    int owned;    /* 1 when gg_tensor_free releases data */
} gg_tensor;

/* Allocate a zeroed rows x cols tensor into *t. GG_EINVAL if too large, GG_ENOMEM on failure. */
gg_status gg_tensor_new(gg_tensor *t, size_t rows, size_t cols, gg_err *err);

/* Borrowed view of rows x cols floats at data; nothing to free. */
gg_tensor gg_tensor_view(float *data, size_t rows, size_t cols);

/* Release an owned tensor's data and zero the struct; safe on a view or a zeroed struct;
 * NULL is a no-op. */
void gg_tensor_free(gg_tensor *t);

/* Number of elements. */
size_t gg_tensor_numel(const gg_tensor *t);

/* Check that rows*cols is a valid, bounded element count; GG_EINVAL naming what otherwise. */
gg_status gg_tensor_check_size(size_t rows, size_t cols, const char *what, gg_err *err);

#endif
