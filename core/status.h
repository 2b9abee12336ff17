/* core/status.h — status codes and the error record every fallible core call fills.
 * Model: SQLite's sqlite3ErrorWithMsg — a code plus a formatted message naming the
 * parameter and the value. The caller owns the gg_err (usually on its stack). */
#ifndef GG_STATUS_H
#define GG_STATUS_H

typedef enum gg_status {
    GG_OK = 0,     /* success */
    GG_ENOMEM,     /* an allocation failed or a size overflowed */
    GG_EINVAL,     /* a parameter is out of its allowed range */
    GG_ESHAPE,     /* tensor shapes do not match */
    GG_EIO,        /* a file could not be read or written */
    GG_EPARSE      /* malformed input (CSV cell, option text) */
} gg_status;

typedef struct gg_err {
    gg_status code;  /* same value the call returned */
    char msg[256];   /* "lr must be > 0, got -1"; empty on GG_OK */
} gg_err;

/* Name of a status code ("GG_ENOMEM"); never NULL. */
const char *gg_status_str(gg_status s);

/* Fill err (may be NULL) with code and a printf-style message; returns code. */
gg_status gg_err_set(gg_err *err, gg_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
