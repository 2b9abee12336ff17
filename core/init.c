/* core/init.c — Linear initialisations (see init.h). */
#include "init.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[GG_INIT_COUNT] = {
    "default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "zeros",
    "constant", "normal", "uniform", "glorot_uniform"};
static const char *const nonlin_names[GG_NONLIN_COUNT] = {
    "leaky_relu", "linear", "sigmoid", "tanh", "relu", "selu"};
static const char *const bias_names[GG_BIAS_COUNT] = {"default", "zeros", "constant", "normal",
                                                       "uniform"};

static int parse(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

const char *gg_init_name(gg_init_kind k)
{
    return (unsigned)k < GG_INIT_COUNT ? kind_names[k] : NULL;
}

const char *gg_nonlin_name(gg_nonlin n)
{
    return (unsigned)n < GG_NONLIN_COUNT ? nonlin_names[n] : NULL;
}

const char *gg_bias_init_name(gg_bias_init b)
{
    return (unsigned)b < GG_BIAS_COUNT ? bias_names[b] : NULL;
}

int gg_init_parse(const char *name, gg_init_kind *out)
{
    int i = parse(kind_names, GG_INIT_COUNT, name);
    if (i >= 0)
        *out = (gg_init_kind)i;
    return i < 0 ? -1 : 0;
}

int gg_nonlin_parse(const char *name, gg_nonlin *out)
{
    int i = parse(nonlin_names, GG_NONLIN_COUNT, name);
    if (i >= 0)
        *out = (gg_nonlin)i;
    return i < 0 ? -1 : 0;
}

int gg_bias_init_parse(const char *name, gg_bias_init *out)
{
    int i = parse(bias_names, GG_BIAS_COUNT, name);
    if (i >= 0)
        *out = (gg_bias_init)i;
    return i < 0 ? -1 : 0;
}

gg_init gg_init_for(gg_init_kind k)
{
    gg_init in = {0};
    in.kind = k;
    in.gain = 1.0;
    in.b = 1.0;
    in.std = 1.0;
    in.nonlinearity = GG_NONLIN_LEAKY_RELU;
    in.scale = 1.0;
    return in;
}

double gg_init_gain(gg_nonlin n, double a)
{
    switch (n) {
    case GG_NONLIN_LEAKY_RELU: return sqrt(2.0 / (1.0 + a * a));
    case GG_NONLIN_TANH:       return 5.0 / 3.0;
    case GG_NONLIN_RELU:       return sqrt(2.0);
    case GG_NONLIN_SELU:       return 3.0 / 4.0;
    default:                   return 1.0;
    }
}

gg_status gg_init_check(const gg_init *in, gg_err *err)
{
    if ((unsigned)in->kind >= GG_INIT_COUNT)
        return gg_err_set(err, GG_EINVAL, "unknown init kind %d", (int)in->kind);
    if ((unsigned)in->nonlinearity >= GG_NONLIN_COUNT)
        return gg_err_set(err, GG_EINVAL, "unknown nonlinearity %d", (int)in->nonlinearity);
    if ((unsigned)in->bias >= GG_BIAS_COUNT)
        return gg_err_set(err, GG_EINVAL, "unknown bias init %d", (int)in->bias);
    const struct { const char *name; double v; } f[] = {
        {"gain", in->gain}, {"a", in->a}, {"b", in->b}, {"mean", in->mean}, {"std", in->std},
        {"value", in->value}, {"scale", in->scale}, {"bias_value", in->bias_value},
        {"bias_mean", in->bias_mean}, {"bias_std", in->bias_std}, {"bias_a", in->bias_a},
        {"bias_b", in->bias_b}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!isfinite(f[i].v))
            return gg_err_set(err, GG_EINVAL, "%s must be a finite number, got %g", f[i].name, f[i].v);
    if (in->std < 0.0)
        return gg_err_set(err, GG_EINVAL, "std must be >= 0, got %g", in->std);
    if (in->scale < 0.0)
        return gg_err_set(err, GG_EINVAL, "scale must be >= 0, got %g", in->scale);
    if (in->bias_std < 0.0)
        return gg_err_set(err, GG_EINVAL, "bias_std must be >= 0, got %g", in->bias_std);
    if (in->bias == GG_BIAS_UNIFORM && !(in->bias_a <= in->bias_b))
        return gg_err_set(err, GG_EINVAL, "bias uniform needs bias_a <= bias_b, got %g and %g",
                          in->bias_a, in->bias_b);
    if (in->kind == GG_INIT_UNIFORM && !(in->a <= in->b))
        return gg_err_set(err, GG_EINVAL, "uniform needs a <= b, got a = %g, b = %g", in->a, in->b);
    return GG_OK;
}

/* U(-bound, bound) as (2u - 1) * bound: the formula of the original default init, kept so
 * that its draws stay bit-identical. */
static double sym_uniform(gg_rng *rng, double bound)
{
    return (2.0 * gg_rng_uniform(rng) - 1.0) * bound;
}

void gg_init_fill(const gg_init *init, float *W, float *b, size_t in, size_t out, gg_rng *rng)
{
    gg_init_fill_fans(init, W, in * out, b, out, in, out, rng);
}

void gg_init_fill_fans(const gg_init *init, float *W, size_t nw, float *b, size_t nb,
                       size_t in, size_t out, gg_rng *rng)
{
    const double fan_in = (double)in, fan_out = (double)out;
    const double scale = init->scale == 0.0 ? 1.0 : init->scale;
    double bound = 0.0, std = 0.0;
    switch (init->kind) {
    case GG_INIT_DEFAULT:
        bound = 1.0 / sqrt(fan_in);  // kaiming_uniform(a=sqrt 5): gain sqrt(1/3) * sqrt(3/in)
        break;
    case GG_INIT_XAVIER_UNIFORM:  // torch: std = gain sqrt(2/(in+out)), bound = sqrt(3) std
        bound = sqrt(3.0) * (init->gain * sqrt(2.0 / (fan_in + fan_out)));
        break;
    case GG_INIT_GLOROT_UNIFORM:  // Keras: limit = sqrt(6/(in+out))
        bound = sqrt(6.0 / (fan_in + fan_out));
        break;
    case GG_INIT_XAVIER_NORMAL:
        std = init->gain * sqrt(2.0 / (fan_in + fan_out));
        break;
    case GG_INIT_KAIMING_UNIFORM:
    case GG_INIT_KAIMING_NORMAL: {
        double fan = init->fan_out ? fan_out : fan_in;
        double g = gg_init_gain(init->nonlinearity, init->a);
        if (init->kind == GG_INIT_KAIMING_UNIFORM)
            bound = sqrt(3.0) * (g / sqrt(fan));  // torch: std = gain/sqrt(fan); bound = sqrt(3) std
        else
            std = g / sqrt(fan);
        break;
    }
    default:
        break;
    }
    for (size_t k = 0; k < nw; k++) {
        double w;
        switch (init->kind) {
        case GG_INIT_XAVIER_NORMAL:
        case GG_INIT_KAIMING_NORMAL: w = std * gg_rng_normal(rng); break;
        case GG_INIT_NORMAL:         w = init->mean + init->std * gg_rng_normal(rng); break;
        case GG_INIT_UNIFORM:        w = init->a + (init->b - init->a) * gg_rng_uniform(rng); break;
        case GG_INIT_ZEROS:          w = 0.0; break;
        case GG_INIT_CONSTANT:       w = init->value; break;
        default:                     w = sym_uniform(rng, bound); break;
        }
        W[k] = (float)(w * scale);  // scale 1 is exact: the default init keeps its bits
    }
    gg_bias_init bi = init->bias;
    if (bi == GG_BIAS_DEFAULT && init->kind == GG_INIT_GLOROT_UNIFORM)
        bi = GG_BIAS_ZEROS;
    for (size_t k = 0; k < nb; k++) {
        switch (bi) {
        case GG_BIAS_DEFAULT: b[k] = (float)sym_uniform(rng, 1.0 / sqrt(fan_in)); break;
        case GG_BIAS_CONSTANT: b[k] = (float)init->bias_value; break;
        case GG_BIAS_NORMAL: b[k] = (float)(init->bias_mean + init->bias_std * gg_rng_normal(rng)); break;
        case GG_BIAS_UNIFORM:
            b[k] = (float)(init->bias_a + (init->bias_b - init->bias_a) * gg_rng_uniform(rng));
            break;
        default: b[k] = 0.0f; break;
        }
    }
}
