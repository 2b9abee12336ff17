/* core/isa.h — the instruction sets the FMA kernels are built for, and the choice of one.
 *
 * The Linear kernels exist three times (linear.c: portable C with fmaf; linear_avx2.c;
 * linear_avx512.c), all computing the same fixed sequence of fused multiply-adds, so every
 * path gives bit-identical results and the choice only changes speed. The choice is made
 * per model (gg_model_set_isa), never in a global: by default the best the CPU supports,
 * or what the caller chooses (the Lua host reads the environment variable GGLAB_ISA:
 * generic, avx2, avx512 or auto; the core never reads the environment). */
#ifndef GG_ISA_H
#define GG_ISA_H

#include "status.h"

/* Whether the AVX2 and AVX-512 paths are built: x86-64 with GCC (they use its target
 * pragmas), unless -DGG_NO_ISA_PATHS asks for the portable code only (build/generic,
 * the clang fuzzing build). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(GG_NO_ISA_PATHS)
#define GG_HAVE_ISA_PATHS 1
#else
#define GG_HAVE_ISA_PATHS 0
#endif

typedef enum gg_isa {
    GG_ISA_GENERIC = 0,  /* portable C (fmaf from libm) */
    GG_ISA_AVX2,         /* AVX2 + FMA, 8 lanes */
    GG_ISA_AVX512        /* AVX-512F, 16 lanes */
} gg_isa;

#define GG_ISA_COUNT 3

/* Name of an ISA ("generic", "avx2", "avx512"); "?" for an invalid value. */
const char *gg_isa_name(gg_isa isa);

/* Whether this build has the path and this CPU can run it (generic: always). */
int gg_isa_supported(gg_isa isa);

/* The fastest supported path. */
gg_isa gg_isa_best(void);

/* Parse a GGLAB_ISA value: NULL, "" or "auto" give gg_isa_best(); otherwise a name that
 * must be supported. GG_EINVAL names the value and the allowed ones. */
gg_status gg_isa_parse(const char *value, gg_isa *isa, gg_err *err);

#endif
