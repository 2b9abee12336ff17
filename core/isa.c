/* core/isa.c — instruction-set choice for the FMA kernels (see isa.h). */
#include "isa.h"

#include <string.h>

static const char *const names[GG_ISA_COUNT] = {"generic", "avx2", "avx512"};

const char *gg_isa_name(gg_isa isa)
{
    return (unsigned)isa < GG_ISA_COUNT ? names[isa] : "?";
}

int gg_isa_supported(gg_isa isa)
{
    switch (isa) {
    case GG_ISA_GENERIC:
        return 1;
#if GG_HAVE_ISA_PATHS
    case GG_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GG_ISA_AVX512:
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return 0;
    }
}

gg_isa gg_isa_best(void)
{
    if (gg_isa_supported(GG_ISA_AVX512))
        return GG_ISA_AVX512;
    if (gg_isa_supported(GG_ISA_AVX2))
        return GG_ISA_AVX2;
    return GG_ISA_GENERIC;
}

gg_status gg_isa_parse(const char *value, gg_isa *isa, gg_err *err)
{
    if (!value || !*value || !strcmp(value, "auto")) {
        *isa = gg_isa_best();
        return GG_OK;
    }
    char allowed[64] = "auto";
    for (int i = 0; i < GG_ISA_COUNT; i++)
        if (gg_isa_supported((gg_isa)i)) {
            strcat(allowed, ", ");
            strcat(allowed, names[i]);
        }
    for (int i = 0; i < GG_ISA_COUNT; i++)
        if (!strcmp(value, names[i])) {
            if (!gg_isa_supported((gg_isa)i))
                return gg_err_set(err, GG_EINVAL,
                                  "GGLAB_ISA=%s: this CPU or build has no %s path (allowed: %s)",
                                  value, names[i], allowed);
            *isa = (gg_isa)i;
            return GG_OK;
        }
    return gg_err_set(err, GG_EINVAL, "GGLAB_ISA=%.40s is not an instruction set (allowed: %s)",
                      value, allowed);
}

