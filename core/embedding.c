/* core/embedding.c — nn.Embedding (see embedding.h). */
#include "embedding.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "detmath.h"

gg_status gg_embedding_shape(size_t V, size_t E, long *padding, const gg_shape *x,
                             gg_shape *out, const char *pre, gg_err *err)
{
    if (V == 0 || E == 0)
        return gg_err_set(err, GG_EINVAL, "%s num_embeddings and embedding_dim must be >= 1, got %zu and %zu",
                          pre, V, E);
    if (*padding != GG_PADDING_NONE) {
        // torch: "Padding_idx must be within num_embeddings" (-V <= padding_idx < V).
        if (*padding >= 0 ? (size_t)*padding >= V : (size_t)(-(*padding + 1)) >= V)
            return gg_err_set(err, GG_EINVAL, "%s padding_idx must be within num_embeddings (%zu), got %ld",
                              pre, V, *padding);
        if (*padding < 0)
            *padding += (long)V;
    }
    if (x->ndim + 1 > GG_MAX_DIMS)
        return gg_err_set(err, GG_ESHAPE, "%s ids may have at most %d dims, got %d", pre,
                          GG_MAX_DIMS - 1, x->ndim);
    *out = *x;
    out->dim[out->ndim++] = E;
    return GG_OK;
}

int gg_embedding_valid(float v, size_t V)
{
    // NaN fails v >= 0, +inf fails v < V, floorf catches fractions; V is compared in double
    // (a float would round a large V).
    return v >= 0.0f && (double)v < (double)V && floorf(v) == v;
}

size_t gg_embedding_forward(float *y, const float *ids, const float *W, size_t n, size_t V,
                            size_t E)
{
    for (size_t k = 0; k < n; k++)
        if (!gg_embedding_valid(ids[k], V)) {
            memset(y, 0, n * E * sizeof *y);
            return k;
        }
    for (size_t k = 0; k < n; k++)
        memcpy(y + k * E, W + (size_t)ids[k] * E, E * sizeof *y);
    return n;
}

void gg_embedding_backward(float *dW, const float *dy, const float *ids, size_t n, size_t V,
                           size_t E, long padding)
{
    for (size_t k = 0; k < n; k++) {
        if (!gg_embedding_valid(ids[k], V))
            continue;
        const size_t r = (size_t)ids[k];
        if (padding >= 0 && r == (size_t)padding)
            continue;
        float *d = dW + r * E;
        const float *g = dy + k * E;
        for (size_t j = 0; j < E; j++)
            d[j] += g[j];
    }
}

void gg_embedding_init(float *W, size_t V, size_t E, const gg_init *init, long padding,
                       gg_rng *rng)
{
    gg_init in = *init;
    if (in.kind == GG_INIT_DEFAULT) {  // nn.Embedding: normal_(weight) = N(0, 1)
        in = gg_init_for(GG_INIT_NORMAL);
        in.scale = init->scale;
    }
    gg_init_fill_fans(&in, W, V * E, NULL, 0, E, V, rng);
    if (padding >= 0 && (size_t)padding < V)
        memset(W + (size_t)padding * E, 0, E * sizeof *W);
}

gg_status gg_embedding_bad_index(gg_err *err, int layer, float value, size_t V, size_t sample,
                                 const size_t *pos, int npos)
{
    char where[160];
    size_t at = 0;
    where[0] = '\0';
    if (sample)
        at += (size_t)snprintf(where + at, sizeof where - at, " at sample %zu", sample);
    if (npos == 1) {
        snprintf(where + at, sizeof where - at, "%s position %zu", sample ? "," : " at", pos[0]);
    } else if (npos > 1) {
        at += (size_t)snprintf(where + at, sizeof where - at, "%s position (",
                               sample ? "," : " at");
        for (int i = 0; i < npos && at < sizeof where; i++)
            at += (size_t)snprintf(where + at, sizeof where - at, i ? ", %zu" : "%zu", pos[i]);
        if (at < sizeof where)
            snprintf(where + at, sizeof where - at, ")");
    }
    const int integral = isfinite(value) && floorf(value) == value;
    char v[32];
    if (isnan(value))
        snprintf(v, sizeof v, "nan");  // not "-nan"
    else
        snprintf(v, sizeof v, "%.9g", (double)value);
    return gg_err_set(err, GG_EINVAL, "layer %d (embedding): index %s%s %s 0..%zu", layer, v,
                      where, integral ? "is outside" : "is not an integer in", V - 1);
}

void gg_sinusoidal_table(float *pe, size_t L, size_t E)
{
    const double two_pi = 6.283185307179586476925286766559;
    const double ln10000 = gg_log(10000.0);
    for (size_t i = 0; 2 * i < E; i++) {
        // 1 / 10000^(2i/E), as the reference implementations' div_term.
        const double f = gg_exp(-(double)(2 * i) / (double)E * ln10000);
        for (size_t p = 0; p < L; p++) {
            const double t = (double)p * f / two_pi;   // angle in turns
            double us = t - 0.25, uc = t;              // sin x = cos(x - pi/2)
            us -= floor(us);
            uc -= floor(uc);
            pe[p * E + 2 * i] = (float)gg_cos2pi(us);
            if (2 * i + 1 < E)
                pe[p * E + 2 * i + 1] = (float)gg_cos2pi(uc);
        }
    }
}
