/* lua/lcsv.c — CSV through libcsv: gg.csv.writer(path [, flush_every]) (w:row, w:flush,
 * w:close), gg.csv.read(path) (a small file at once), gg.csv.rows(path) (a file of any
 * size, one row at a time), and gg.fmt_number, the one number format of every file gglab
 * writes (shortest text that reads back as the same double, so CSVs are exact and
 * byte-stable). */
#define _POSIX_C_SOURCE 200809L
#include "lgglab.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct lg_csvw {
    FILE *fp;            /* NULL once closed */
    int err;             /* errno of the first failed write (a full disk shows up mid-file), or 0 */
    double flush_every;  /* seconds between timed flushes (w:row), or 0: none */
    double next_flush;   /* CLOCK_MONOTONIC_COARSE time at or after which w:row flushes */
} lg_csvw;

/* Monotonic seconds, coarse (a few ms of resolution, a few ns to read): w:row asks it at
 * every row, which must stay cheap. */
static double coarse_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* gg.fmt_number(x [, exact]): see lg_fmt_number; exact = true for canonical forms. */
static int csv_fmt_number(lua_State *L)
{
    char buf[64];
    luaL_checknumber(L, 1);
    lua_pushstring(L, lg_fmt_number(L, 1, lua_toboolean(L, 2), buf));
    return 1;
}

static lg_csvw *check_writer(lua_State *L)
{
    lg_csvw *w = luaL_checkudata(L, 1, GG_CSVW_MT);
    if (!w->fp)
        luaL_error(L, "attempt to use a closed gglab.CsvWriter");
    return w;
}

/* gg.csv.writer(path [, flush_every]) → writer | nil, msg. With flush_every (seconds > 0),
 * w:row hands the rows to the OS at the first row and then at the first row written
 * flush_every seconds or more after the last flush (a file another process can follow). */
static int csv_writer(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    double every = luaL_optnumber(L, 2, 0);
    luaL_argcheck(L, every >= 0 && every < 1e9, 2, "flush_every must be a number of seconds >= 0");
    lg_csvw *w = lua_newuserdatauv(L, sizeof *w, 0);
    w->fp = NULL;
    w->err = 0;
    w->flush_every = every;
    w->next_flush = 0;
    luaL_setmetatable(L, GG_CSVW_MT);
    w->fp = fopen(path, "wb");
    if (!w->fp) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    return 1;
}

static int needs_quotes(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            return 1;
    return len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
}

/* A row being built: its text goes to the FILE in one fwrite (not a locked stdio call per
 * field and separator), in pieces only when longer than the buffer. */
typedef struct rowbuf {
    FILE *fp;
    size_t n;
    char b[1024];
} rowbuf;

static void rb_flush(rowbuf *r)
{
    if (r->n)
        fwrite(r->b, 1, r->n, r->fp);
    r->n = 0;
}

static void rb_put(rowbuf *r, const char *s, size_t len)
{
    if (len > sizeof r->b - r->n) {
        rb_flush(r);
        if (len > sizeof r->b) {
            fwrite(s, 1, len, r->fp);
            return;
        }
    }
    memcpy(r->b + r->n, s, len);
    r->n += len;
}

static void rb_char(rowbuf *r, char c)
{
    if (r->n == sizeof r->b)
        rb_flush(r);
    r->b[r->n++] = c;
}

/* s in double quotes, each '"' doubled (libcsv's csv_fwrite) */
static void rb_quoted(rowbuf *r, const char *s, size_t len)
{
    rb_char(r, '"');
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            rb_char(r, '"');
        rb_char(r, s[i]);
    }
    rb_char(r, '"');
}

/* Appends the field on top of the stack (field i of its row, for messages) and pops it;
 * buf is scratch for numbers. Raises on a value that is not a field. */
static void add_field(lua_State *L, rowbuf *r, lua_Integer i, char *buf)
{
    int t = lua_type(L, -1);
    if (t == LUA_TNUMBER) {
        const char *s = lg_fmt_number(L, -1, 0, buf);
        rb_put(r, s, strlen(s));
    } else if (t == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (needs_quotes(s, len))
            rb_quoted(r, s, len);
        else
            rb_put(r, s, len);
    } else if (t == LUA_TBOOLEAN) {
        rb_put(r, lua_toboolean(L, -1) ? "true" : "false", lua_toboolean(L, -1) ? 4 : 5);
    } else if (t != LUA_TNIL && !(t == LUA_TLIGHTUSERDATA && !lua_touserdata(L, -1))) {
        rb_flush(r);   /* the fields before the bad one reach the file, as ever */
        luaL_error(L, "gglab.CsvWriter:row: field %I must be a string, number or boolean, got %s", i,
                   lg_describe(L, -1));
    }
    lua_pop(L, 1);
}

/* After a row: a timed flush when one is due (flush_every), and the first write error kept. */
static void row_done(lg_csvw *w)
{
    if (w->flush_every > 0) {
        double now = coarse_now();
        if (now >= w->next_flush) {
            w->next_flush = now + w->flush_every;
            fflush(w->fp);
        }
    }
    if (ferror(w->fp) && !w->err)  // stdio keeps the failed flush's errno
        w->err = errno ? errno : EIO;
}

/* w:series(fields, vcol, values, from, to, scol, base): the rows k = from..to of the list
 * values, each the list fields with field vcol = values[k] and field scol = base + k (an
 * integer): one call for the rows of a series (gg.train's per-step losses) instead of a
 * w:row and a table per row. Same text as those w:row calls. */
static int writer_series(lua_State *L)
{
    lg_csvw *w = check_writer(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer vcol = luaL_checkinteger(L, 3);
    luaL_checktype(L, 4, LUA_TTABLE);
    lua_Integer from = luaL_checkinteger(L, 5), to = luaL_checkinteger(L, 6);
    lua_Integer scol = luaL_checkinteger(L, 7), base = luaL_checkinteger(L, 8);
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, vcol >= 1 && vcol <= n, 3, "not a column of fields");
    luaL_argcheck(L, scol >= 1 && scol <= n && scol != vcol, 7, "not another column of fields");
    lua_settop(L, 8);
    char buf[64];
    rowbuf r;
    r.fp = w->fp;
    r.n = 0;
    errno = 0;
    for (lua_Integer k = from; k <= to; k++) {
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1)
                rb_char(&r, ',');
            if (i == vcol)
                lua_geti(L, 4, k);
            else if (i == scol)
                lua_pushinteger(L, base + k);
            else
                lua_geti(L, 2, i);
            add_field(L, &r, i, buf);
        }
        rb_char(&r, '\n');
    }
    rb_flush(&r);
    row_done(w);
    return 0;
}

/* w:row(list [, n]): fields 1..n (default list.n or #list); nil/gg.NULL → empty field */
static int writer_row(lua_State *L)
{
    lg_csvw *w = check_writer(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n;
    if (!lua_isnoneornil(L, 3))
        n = luaL_checkinteger(L, 3);
    else if (lua_getfield(L, 2, "n") == LUA_TNUMBER)
        n = lua_tointeger(L, -1);
    else
        n = luaL_len(L, 2);
    lua_settop(L, 2);
    char buf[64];
    rowbuf r;
    r.fp = w->fp;
    r.n = 0;
    errno = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1)
            rb_char(&r, ',');
        lua_geti(L, 2, i);
        add_field(L, &r, i, buf);
    }
    rb_char(&r, '\n');
    rb_flush(&r);
    row_done(w);
    return 0;
}

/* w:close() → true | nil, msg (reports write errors such as a full disk) */
static int writer_close(lua_State *L)
{
    lg_csvw *w = luaL_checkudata(L, 1, GG_CSVW_MT);
    if (!w->fp) {
        lua_pushboolean(L, 1);
        return 1;
    }
    int bad = ferror(w->fp), saved = w->err;
    errno = 0;
    if (fclose(w->fp) != 0) {
        bad = 1;
        saved = saved ? saved : errno;
    }
    w->fp = NULL;
    if (bad) {
        luaL_pushfail(L);
        lua_pushfstring(L, "write error: %s", strerror(saved ? saved : EIO));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* w:flush() → true | nil, msg: hands the rows written so far to the OS, so another process
 * reading the file sees them (a write error is kept for close as well). */
static int writer_flush(lua_State *L)
{
    lg_csvw *w = check_writer(L);
    errno = 0;
    if (fflush(w->fp) != 0 && !w->err)
        w->err = errno ? errno : EIO;
    if (w->err) {
        luaL_pushfail(L);
        lua_pushfstring(L, "write error: %s", strerror(w->err));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int writer_gc(lua_State *L)
{
    lg_csvw *w = luaL_checkudata(L, 1, GG_CSVW_MT);
    if (w->fp)
        fclose(w->fp);
    w->fp = NULL;
    return 0;
}

/* ---- reading ---- */

typedef struct reader {
    lua_State *L;
    int rows;        /* stack index of the rows table */
    lua_Integer nrow, nfield;
} reader;

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->nfield == 0) {
        lua_newtable(r->L);                        /* stack: ... rows row */
        lua_pushvalue(r->L, -1);
        lua_rawseti(r->L, r->rows, ++r->nrow);
    }
    lua_pushlstring(r->L, s ? s : "", s ? len : 0);
    lua_rawseti(r->L, -2, ++r->nfield);
}

static void on_record(int c, void *data)
{
    (void)c;
    reader *r = data;
    if (r->nfield > 0)
        lua_pop(r->L, 1);                          /* stack: ... rows */
    r->nfield = 0;
}

/* gg.csv.read(path) → header, rows | nil, msg. For small files: everything is in memory. */
static int csv_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    lua_newtable(L);                               /* stack: path rows */
    reader r = {L, lua_gettop(L), 0, 0};
    char buf[8192];
    size_t n;
    int bad = 0;
    while (!bad && (n = fread(buf, 1, sizeof buf, fp)) > 0)
        bad = csv_parse(&p, buf, n, on_field, on_record, &r) != n;
    if (!bad)
        csv_fini(&p, on_field, on_record, &r);
    int ioerr = ferror(fp);
    fclose(fp);
    const char *msg = bad ? csv_strerror(csv_error(&p)) : "read error";
    csv_free(&p);
    lua_settop(L, r.rows);
    if (bad || ioerr) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, msg);
        return 2;
    }
    if (r.nrow == 0) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: empty file", path);
        return 2;
    }
    lua_geti(L, r.rows, 1);                        /* stack: path rows header */
    lua_newtable(L);                               /* stack: path rows header body */
    for (lua_Integer i = 2; i <= r.nrow; i++) {
        lua_geti(L, r.rows, i);
        lua_rawseti(L, -2, i - 1);
    }
    return 2;
}

/* gg.csv.matrix(path [, {header = false}]) → tensor (rows x cols) | nil, msg: a numeric CSV
 * (core/csvload.h gg_csv_matrix; messages "path:line:column: ..."). Bad options raise. */
#define GG_CSVBUF_MT "gglab.CsvMatrixBuffer"

/* The core's buffer of a gg.csv.matrix call, freed by __gc if pushing the tensor raises. */
static int csvbuf_gc(lua_State *L)
{
    float **p = luaL_checkudata(L, 1, GG_CSVBUF_MT);
    gg_free(*p);
    *p = NULL;
    return 0;
}

static int csv_matrix(lua_State *L)
{
    static const char *const allowed[] = {"header", NULL};
    const char *f = "gg.csv.matrix";
    const char *path = luaL_checkstring(L, 1);
    lg_opts_check(L, 2, f, allowed);
    int header = lg_opt_bool(L, 2, f, "header", 0);
    float **data = lua_newuserdatauv(L, sizeof *data, 0);   /* stack: path opts buf */
    *data = NULL;
    luaL_setmetatable(L, GG_CSVBUF_MT);
    size_t rows, cols;
    gg_err err;
    if (gg_csv_matrix(path, header, data, &rows, &cols, &err) ||
        gg_tensor_check_size(rows, cols, path, &err)) {
        if (err.code == GG_ENOMEM)
            return luaL_error(L, "%s: %s", f, err.msg);
        luaL_pushfail(L);
        lua_pushstring(L, err.msg);
        return 2;
    }
    gg_tensor *t = lg_tensor_push(L, rows, cols, f);         /* ... buf tensor */
    memcpy(t->data, *data, rows * cols * sizeof **data);
    gg_free(*data);
    *data = NULL;
    return 1;
}

/* ---- streaming: gg.csv.rows ---- */

#define GG_CSVR_MT "gglab.CsvRows"
#define ROWS_CHUNK 8192

/* The state of one gg.csv.rows iteration. User values: 1 = queue of rows parsed from the
 * current chunk (row, line, row, line, ...), 2 = the row under construction (a row may
 * span chunks), 3 = the path (for messages). */
typedef struct lg_csvr {
    FILE *fp;                 /* NULL once the file is read to its end or closed */
    struct csv_parser p;
    int parser;               /* p is initialised (csv_free pending) */
    lua_Integer line;         /* complete lines fed to the parser so far */
    lua_Integer head, tail;   /* queue: entries head..tail (row, line pairs); empty when head > tail */
    lua_Integer nfield;       /* fields of the row under construction */
} lg_csvr;

typedef struct rows_ctx {
    lua_State *L;
    lg_csvr *r;
    int queue, row;           /* stack indexes of the queue and of the current row (or nil) */
} rows_ctx;

static void rows_field(void *s, size_t len, void *data)
{
    rows_ctx *c = data;
    lua_State *L = c->L;
    if (c->r->nfield == 0) {
        lua_newtable(L);
        lua_replace(L, c->row);
    }
    lua_pushlstring(L, s ? s : "", s ? len : 0);
    lua_rawseti(L, c->row, ++c->r->nfield);
}

/* A row is complete: queue it with its line (the one it ends on, 1-based). */
static void rows_record(int term, void *data)
{
    (void)term;
    rows_ctx *c = data;
    lua_State *L = c->L;
    if (c->r->nfield == 0)
        return;
    lua_pushvalue(L, c->row);
    lua_rawseti(L, c->queue, ++c->r->tail);
    lua_pushinteger(L, c->r->line + 1);
    lua_rawseti(L, c->queue, ++c->r->tail);
    lua_pushnil(L);
    lua_replace(L, c->row);
    c->r->nfield = 0;
}

static void rows_release(lg_csvr *r)
{
    if (r->fp)
        fclose(r->fp);
    r->fp = NULL;
    if (r->parser)
        csv_free(&r->p);
    r->parser = 0;
}

/* Parses the next chunk of the file into the queue (stack: ud queue row). Lines are fed
 * one at a time, so a queued row knows the line it ends on. Raises "<path>:<line>: ..."
 * on a read error or a quoted field still open at the end of the file. */
static void rows_fill(lua_State *L, lg_csvr *r, int ud)
{
    rows_ctx c = {L, r, ud + 1, ud + 2};
    char buf[ROWS_CHUNK];
    size_t n = fread(buf, 1, sizeof buf, r->fp);
    const char *why = NULL;
    if (n == 0) {
        if (ferror(r->fp))
            why = "read error";
        else if (csv_fini(&r->p, rows_field, rows_record, &c) != 0)  /* CSV_STRICT_FINI */
            why = "quoted field not closed at the end of the file (truncated?)";
        lua_Integer line = r->line + 1;
        rows_release(r);
        if (why) {
            lua_getiuservalue(L, ud, 3);
            lua_pushfstring(L, "%s:%I: %s", lua_tostring(L, -1), line, why);
            lua_error(L);
        }
        return;
    }
    size_t at = 0;
    while (at < n) {
        const char *nl = memchr(buf + at, '\n', n - at);
        size_t len = nl ? (size_t)(nl - (buf + at)) + 1 : n - at;
        if (csv_parse(&r->p, buf + at, len, rows_field, rows_record, &c) != len) {
            lua_Integer line = r->line + 1;
            why = csv_strerror(csv_error(&r->p));
            rows_release(r);
            lua_getiuservalue(L, ud, 3);
            lua_pushfstring(L, "%s:%I: %s", lua_tostring(L, -1), line, why);
            lua_error(L);
        }
        if (nl)
            r->line++;
        at += len;
    }
}

/* The iterator: -> row (list of strings), line | nothing at the end of the file. */
static int rows_next(lua_State *L)
{
    lg_csvr *r = luaL_checkudata(L, lua_upvalueindex(1), GG_CSVR_MT);
    lua_settop(L, 0);
    lua_pushvalue(L, lua_upvalueindex(1));         /* 1: ud */
    lua_getiuservalue(L, 1, 1);                    /* 2: queue */
    lua_getiuservalue(L, 1, 2);                    /* 3: row under construction */
    while (r->head > r->tail && r->fp)
        rows_fill(L, r, 1);
    lua_pushvalue(L, 3);
    lua_setiuservalue(L, 1, 2);
    if (r->head > r->tail)
        return 0;
    lua_rawgeti(L, 2, r->head);
    lua_rawgeti(L, 2, r->head + 1);
    lua_pushnil(L);
    lua_rawseti(L, 2, r->head);
    lua_pushnil(L);
    lua_rawseti(L, 2, r->head + 1);
    r->head += 2;
    if (r->head > r->tail) {
        r->head = 1;
        r->tail = 0;
    }
    return 2;
}

static int rows_gc(lua_State *L)
{
    rows_release(luaL_checkudata(L, 1, GG_CSVR_MT));
    return 0;
}

/* gg.csv.rows(path) → iterator, nil, nil, handle | nil, msg. `for row, line in
 * gg.csv.rows(path)` gives each row (header first) as a list of strings and the line it
 * ends on; memory stays bounded whatever the file's size. A quoted field may hold commas
 * and newlines. Errors while reading raise "<path>:<line>: <reason>". The handle closes
 * the file when the loop is left early (to-be-closed) or collected. */
static int csv_rows(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lg_csvr *r = lua_newuserdatauv(L, sizeof *r, 3);
    r->fp = NULL;
    r->parser = 0;
    r->line = 0;
    r->head = 1;
    r->tail = 0;
    r->nfield = 0;
    luaL_setmetatable(L, GG_CSVR_MT);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 3);
    if (csv_init(&r->p, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0)
        return luaL_error(L, "gg.csv.rows: out of memory");
    r->parser = 1;
    r->fp = fopen(path, "rb");
    if (!r->fp) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, rows_next, 1);             /* stack: path ud iter */
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushvalue(L, -4);                          /* stack: path ud iter nil nil ud */
    return 4;
}

static const luaL_Reg writer_methods[] = {
    {"row", writer_row}, {"series", writer_series}, {"flush", writer_flush}, {"close", writer_close},
    {NULL, NULL},
};

static const luaL_Reg writer_meta[] = {
    {"__gc", writer_gc}, {"__close", writer_gc}, {"__index", NULL}, {NULL, NULL},
};

static const luaL_Reg rows_meta[] = {
    {"__gc", rows_gc}, {"__close", rows_gc}, {NULL, NULL},
};

static const luaL_Reg csv_funcs[] = {
    {"writer", csv_writer}, {"read", csv_read}, {"rows", csv_rows}, {"matrix", csv_matrix},
    {NULL, NULL},
};

void lg_open_csv(lua_State *L)
{
    luaL_newmetatable(L, GG_CSVW_MT);     /* stack: gg mt */
    luaL_setfuncs(L, writer_meta, 0);
    luaL_newlib(L, writer_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newmetatable(L, GG_CSVR_MT);
    luaL_setfuncs(L, rows_meta, 0);
    lua_pop(L, 1);
    luaL_newmetatable(L, GG_CSVBUF_MT);
    lua_pushcfunction(L, csvbuf_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
    luaL_newlib(L, csv_funcs);            /* stack: gg csv */
    lua_setfield(L, -2, "csv");
    lua_pushcfunction(L, csv_fmt_number);
    lua_setfield(L, -2, "fmt_number");
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "NULL");
}
