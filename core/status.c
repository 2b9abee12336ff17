/* core/status.c — status names and error formatting. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

const char *gg_status_str(gg_status s)
{
    switch (s) {
    case GG_OK:     return "GG_OK";
    case GG_ENOMEM: return "GG_ENOMEM";
    case GG_EINVAL: return "GG_EINVAL";
    case GG_ESHAPE: return "GG_ESHAPE";
    case GG_EIO:    return "GG_EIO";
    case GG_EPARSE: return "GG_EPARSE";
    }
    return "GG_E?";
}

gg_status gg_err_set(gg_err *err, gg_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

#ifdef GG_DEBUG
#include <stdlib.h>

#include "assert.h"

_Noreturn void gg_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "gglab core bug: GG_ASSERT(%s) failed at %s:%d\n", cond, file, line);
    abort();
}
#endif
