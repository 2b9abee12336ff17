/* core/tensor.c — tensor allocation (see tensor.h). */
#include "tensor.h"

#include "mem.h"

gg_status gg_tensor_check_size(size_t rows, size_t cols, const char *what, gg_err *err)
{
    size_t n;
    if (gg_mul_overflow(rows, cols, &n) || n > GG_TENSOR_MAX_NUMEL)
        return gg_err_set(err, GG_EINVAL, "%s of %zu x %zu elements is too large (limit %zu)",
                          what, rows, cols, (size_t)GG_TENSOR_MAX_NUMEL);
    return GG_OK;
}

gg_status gg_tensor_new(gg_tensor *t, size_t rows, size_t cols, gg_err *err)
{
    *t = (gg_tensor){0};
    gg_status st = gg_tensor_check_size(rows, cols, "tensor", err);
    if (st)
        return st;
    float *d = gg_calloc(rows * cols, sizeof *d);
    if (!d)
        return gg_err_set(err, GG_ENOMEM, "out of memory allocating a %zu x %zu tensor", rows, cols);
    *t = (gg_tensor){.rows = rows, .cols = cols, .data = d, .owned = 1};
    return GG_OK;
}

gg_tensor gg_tensor_view(float *data, size_t rows, size_t cols)
{
    return (gg_tensor){.rows = rows, .cols = cols, .data = data, .owned = 0};
}

void gg_tensor_free(gg_tensor *t)
{
    if (!t)
        return;
    if (t->owned)
        gg_free(t->data);
    *t = (gg_tensor){0};
}

size_t gg_tensor_numel(const gg_tensor *t)
{
    return t->rows * t->cols;
}
