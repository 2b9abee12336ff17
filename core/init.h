/* core/init.h — weight initialisation of Linear layers (torch.nn.init, PyTorch 1.13, plus
 * Keras' glorot_uniform). A gg_init is plain data: the model keeps one per Linear layer and
 * gg_init_fill draws a layer's weight (out,in) row-major, then its bias (out), from one
 * rng stream. Distributions match PyTorch; the bits do not (different generators).
 *
 *   default          W, b ~ U(-1/sqrt(in), 1/sqrt(in))   (kaiming_uniform a=sqrt 5; nn.Linear)
 *   xavier_uniform   U(-g sqrt(6/(in+out)), +...)          g = gain
 *   xavier_normal    N(0, g sqrt(2/(in+out)))
 *   kaiming_uniform  U(-g sqrt(3/fan), +...)               g = gain(nonlinearity, a),
 *   kaiming_normal   N(0, g / sqrt(fan))                   fan = in (fan_in) or out (fan_out)
 *   zeros, constant(value), normal(mean, std), uniform(a, b)
 *   glorot_uniform   Keras: U(-sqrt(6/(in+out)), +...), bias zeros
 * The weights are multiplied by scale after drawing (to reproduce too-large or too-small
 * initialisations). The bias follows bias: default (U(-1/sqrt(in), 1/sqrt(in)) as
 * nn.Linear, zeros for glorot_uniform), zeros or constant(bias_value); a drawn bias takes
 * its draws after all the weights. Normal draws are gg_rng_normal (two uniforms each). */
#ifndef GG_INIT_H
#define GG_INIT_H

#include <stddef.h>

#include "rng.h"
#include "status.h"

typedef enum gg_init_kind {
    GG_INIT_DEFAULT,
    GG_INIT_XAVIER_UNIFORM,
    GG_INIT_XAVIER_NORMAL,
    GG_INIT_KAIMING_UNIFORM,
    GG_INIT_KAIMING_NORMAL,
    GG_INIT_ZEROS,
    GG_INIT_CONSTANT,
    GG_INIT_NORMAL,
    GG_INIT_UNIFORM,
    GG_INIT_GLOROT_UNIFORM
} gg_init_kind;
#define GG_INIT_COUNT 10

/* torch.nn.init.calculate_gain's nonlinearities. */
typedef enum gg_nonlin {
    GG_NONLIN_LEAKY_RELU,  /* sqrt(2/(1+a^2)); torch's kaiming default (a = 0: sqrt 2) */
    GG_NONLIN_LINEAR,      /* 1 */
    GG_NONLIN_SIGMOID,     /* 1 */
    GG_NONLIN_TANH,        /* 5/3 */
    GG_NONLIN_RELU,        /* sqrt 2 */
    GG_NONLIN_SELU         /* 3/4 */
} gg_nonlin;
#define GG_NONLIN_COUNT 6

typedef enum gg_bias_init {
    GG_BIAS_DEFAULT,       /* U(-1/sqrt(in), 1/sqrt(in)); zeros for glorot_uniform */
    GG_BIAS_ZEROS,
    GG_BIAS_CONSTANT,      /* bias_value */
    GG_BIAS_NORMAL,        /* N(bias_mean, bias_std^2) */
    GG_BIAS_UNIFORM        /* U(bias_a, bias_b) */
} gg_bias_init;
#define GG_BIAS_COUNT 5

/* An all-zero gg_init is PyTorch's default with scale 1 (scale 0 reads as 1). */
typedef struct gg_init {
    gg_init_kind kind;
    double gain;           /* xavier_*: gain */
    double a;              /* kaiming_*: leaky_relu slope for the gain; uniform: lower bound */
    double b;              /* uniform: upper bound */
    double mean, std;      /* normal */
    double value;          /* constant */
    int fan_out;           /* kaiming_*: 1 for mode='fan_out' */
    gg_nonlin nonlinearity;/* kaiming_* */
    double scale;          /* factor on the drawn weights; 0 means 1 */
    gg_bias_init bias;
    double bias_value;     /* bias = GG_BIAS_CONSTANT */
    double bias_mean, bias_std; /* bias = GG_BIAS_NORMAL */
    double bias_a, bias_b;      /* bias = GG_BIAS_UNIFORM */
} gg_init;

/* Names: "default", "xavier_uniform", ... (kinds); "leaky_relu", "linear", ... (nonlins);
 * "default", "zeros", "constant", "normal", "uniform" (bias). NULL for an unknown value. */
const char *gg_init_name(gg_init_kind k);
const char *gg_nonlin_name(gg_nonlin n);
const char *gg_bias_init_name(gg_bias_init b);

/* Parse a name; 0 on success, -1 for an unknown name (*out untouched). */
int gg_init_parse(const char *name, gg_init_kind *out);
int gg_nonlin_parse(const char *name, gg_nonlin *out);
int gg_bias_init_parse(const char *name, gg_bias_init *out);

/* torch.nn.init's defaults for kind k: gain 1, a 0 and b 1 (uniform), mean 0 and std 1,
 * value 0, fan_in, leaky_relu, scale 1, bias default. */
gg_init gg_init_for(gg_init_kind k);

/* torch.nn.init.calculate_gain(n, a): a is leaky_relu's slope. */
double gg_init_gain(gg_nonlin n, double a);

/* Check every field kind needs (finite; std >= 0; a <= b for uniform; scale >= 0).
 * GG_EINVAL naming the field ("std must be >= 0, got -1"). */
gg_status gg_init_check(const gg_init *in, gg_err *err);

/* Fill W (out,in) row-major, then b (out), from rng according to init. */
void gg_init_fill(const gg_init *init, float *W, float *b, size_t in, size_t out, gg_rng *rng);

/* The same for any weight shape: nw weights then nb biases (b may be NULL when nb == 0),
 * with torch's fans of the weight (conv: fan_in = in/groups * kernel elements, fan_out =
 * out * kernel elements); the default bias bound is 1/sqrt(fan_in). */
void gg_init_fill_fans(const gg_init *init, float *W, size_t nw, float *b, size_t nb,
                       size_t fan_in, size_t fan_out, gg_rng *rng);

#endif
