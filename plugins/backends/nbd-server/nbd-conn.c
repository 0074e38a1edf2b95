/* SPDX-License-Identifier: MIT */
/*
 * One NBD client: the fixed newstyle handshake, the option haggling
 * (EXPORT_NAME, ABORT, LIST, INFO, GO, STRUCTURED_REPLY; STARTTLS and
 * meta contexts are answered "unsupported") and the transmission phase
 * (READ, WRITE, FLUSH, TRIM, WRITE_ZEROES, DISC), with simple or structured
 * replies.
 *
 * Whatever a client sends is checked before it is used: a wrong magic, an
 * option or request larger than the limits, a request past the end of the
 * export or with unknown flags gets an error reply or the connection is
 * closed; nothing a client sends can make Tessera crash, allocate without
 * bound or wait.  Requests run asynchronously through the export's block
 * backend; replies go out in completion order, matched by handle.
 */
#include <errno.h>
#include <string.h>

#include "kernel/log.h"
#include "nbd-server.h"

/* ---- byte helpers ------------------------------------------------------ */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put16(GByteArray *b, uint16_t v)
{
    uint8_t x[2] = { v >> 8, v };
    g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v);
}

static void put64(GByteArray *b, uint64_t v)
{
    put32(b, v >> 32);
    put32(b, v);
}

static void kick(NbdConn *c)
{
    if (c->io && c->io->kick) {
        c->io->kick(c);
    }
}

/* ---- connection life --------------------------------------------------- */

NbdConn *nbd_conn_new(NbdServer *srv, const NbdConnIO *io, void *io_opaque)
{
    NbdConn *c = g_new0(NbdConn, 1);
    c->srv = srv;
    c->io = io;
    c->io_opaque = io_opaque;
    c->in = g_byte_array_new();
    c->out = g_byte_array_new();
    c->state = NBD_ST_CLIENT_FLAGS;
    put64(c->out, NBD_MAGIC);
    put64(c->out, NBD_OPTS_MAGIC);
    put16(c->out, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES);
    return c;
}

static void release_export(NbdConn *c)
{
    if (c->exp) {
        NbdExport *exp = c->exp;
        c->exp = NULL;
        exp->clients--;
    }
}

void nbd_conn_close(NbdConn *c)
{
    c->state = NBD_ST_CLOSED;
    c->closing = true;
    release_export(c);
}

bool nbd_conn_finished(NbdConn *c)
{
    return c->state == NBD_ST_CLOSED && c->in_flight == 0;
}

void nbd_conn_free(NbdConn *c)
{
    g_assert(c->in_flight == 0);
    release_export(c);
    g_byte_array_unref(c->in);
    g_byte_array_unref(c->out);
    g_free(c->meta_export);
    g_free(c);
}

bool nbd_conn_can_process(NbdConn *c)
{
    return c->state != NBD_ST_CLOSED && c->in_flight < NBD_MAX_IN_FLIGHT &&
           c->out->len < NBD_MAX_OUTPUT;
}

/* ---- option phase ------------------------------------------------------ */

static void opt_reply(NbdConn *c, uint32_t opt, uint32_t type, const void *data, uint32_t len)
{
    put64(c->out, NBD_REP_MAGIC);
    put32(c->out, opt);
    put32(c->out, type);
    put32(c->out, len);
    if (len) {
        g_byte_array_append(c->out, data, len);
    }
}

static void opt_error(NbdConn *c, uint32_t opt, uint32_t type, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void opt_error(NbdConn *c, uint32_t opt, uint32_t type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    opt_reply(c, opt, type, msg, strlen(msg));
}

static uint16_t transmission_flags(NbdExport *exp)
{
    uint16_t f = NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH | NBD_FLAG_SEND_FUA | NBD_FLAG_SEND_DF;
    if (!exp->writable) {
        f |= NBD_FLAG_READ_ONLY;
    } else {
        f |= NBD_FLAG_SEND_TRIM | NBD_FLAG_SEND_WRITE_ZEROES;
    }
    return f;
}

static uint64_t export_size(NbdExport *exp)
{
    int64_t len = blk_length(exp->blk);
    return len < 0 ? 0 : (uint64_t)len;
}

static bool attach_export(NbdConn *c, NbdExport *exp)
{
    c->exp = exp;
    exp->clients++;
    c->state = NBD_ST_REQUEST;
    return true;
}

/* NBD_OPT_EXPORT_NAME: no error reply is possible; unknown names close. */
static bool opt_export_name(NbdConn *c, const uint8_t *data, uint32_t len)
{
    /* (an empty name is the default export: no data at all) */
    g_autofree char *name = len ? g_strndup((const char *)data, len) : g_strdup("");
    NbdExport *exp = len == strlen(name) ? nbd_server_find_export(c->srv, name) : NULL;
    if (!exp) {
        return false;
    }
    put64(c->out, export_size(exp));
    put16(c->out, transmission_flags(exp));
    if (!c->no_zeroes) {
        static const uint8_t zeroes[124];
        g_byte_array_append(c->out, zeroes, sizeof(zeroes));
    }
    return attach_export(c, exp);
}

static void opt_list(NbdConn *c, uint32_t opt, uint32_t len)
{
    if (len) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
        return;
    }
    for (guint i = 0; i < c->srv->exports->len; i++) {
        NbdExport *exp = g_ptr_array_index(c->srv->exports, i);
        if (exp->shutting_down) {
            continue;
        }
        GByteArray *b = g_byte_array_new();
        put32(b, strlen(exp->name));
        g_byte_array_append(b, (const uint8_t *)exp->name, strlen(exp->name));
        if (exp->description) {
            g_byte_array_append(b, (const uint8_t *)exp->description,
                                strlen(exp->description));
        }
        opt_reply(c, opt, NBD_REP_SERVER, b->data, b->len);
        g_byte_array_unref(b);
    }
    opt_reply(c, opt, NBD_REP_ACK, NULL, 0);
}

/* NBD_OPT_INFO / NBD_OPT_GO: name, then the information requests. */
static bool opt_info_go(NbdConn *c, uint32_t opt, const uint8_t *data, uint32_t len)
{
    if (len < 4) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "option too short");
        return true;
    }
    uint32_t nlen = get32(data);
    if (nlen > NBD_MAX_STRING || (uint64_t)nlen + 6 > len) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "bad export name length");
        return true;
    }
    uint16_t nreq = get16(data + 4 + nlen);
    if ((uint64_t)4 + nlen + 2 + 2 * (uint64_t)nreq != len) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "bad number of information requests");
        return true;
    }
    g_autofree char *name = g_strndup((const char *)data + 4, nlen);
    if (strlen(name) != nlen) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "export name contains NUL");
        return true;
    }
    NbdExport *exp = nbd_server_find_export(c->srv, name);
    if (!exp) {
        opt_error(c, opt, NBD_REP_ERR_UNKNOWN, "export '%s' not present", name);
        return true;
    }
    bool want_name = false, want_desc = false, want_bs = false;
    for (uint16_t i = 0; i < nreq; i++) {
        uint16_t r = get16(data + 4 + nlen + 2 + 2 * i);
        want_name |= r == NBD_INFO_NAME;
        want_desc |= r == NBD_INFO_DESCRIPTION;
        want_bs |= r == NBD_INFO_BLOCK_SIZE;
    }
    GByteArray *b = g_byte_array_new();
    put16(b, NBD_INFO_EXPORT);
    put64(b, export_size(exp));
    put16(b, transmission_flags(exp));
    opt_reply(c, opt, NBD_REP_INFO, b->data, b->len);
    if (want_name) {
        g_byte_array_set_size(b, 0);
        put16(b, NBD_INFO_NAME);
        g_byte_array_append(b, (const uint8_t *)exp->name, strlen(exp->name));
        opt_reply(c, opt, NBD_REP_INFO, b->data, b->len);
    }
    if (want_desc && exp->description) {
        g_byte_array_set_size(b, 0);
        put16(b, NBD_INFO_DESCRIPTION);
        g_byte_array_append(b, (const uint8_t *)exp->description, strlen(exp->description));
        opt_reply(c, opt, NBD_REP_INFO, b->data, b->len);
    }
    if (want_bs) {
        g_byte_array_set_size(b, 0);
        put16(b, NBD_INFO_BLOCK_SIZE);
        put32(b, 1);
        put32(b, 4096);
        put32(b, NBD_MAX_PAYLOAD);
        opt_reply(c, opt, NBD_REP_INFO, b->data, b->len);
    }
    g_byte_array_unref(b);
    opt_reply(c, opt, NBD_REP_ACK, NULL, 0);
    if (opt == NBD_OPT_GO) {
        if (c->meta_export && strcmp(c->meta_export, name)) {
            c->meta_allocation = false; /* contexts were chosen for another export */
        }
        attach_export(c, exp);
    }
    return true;
}

/* NBD_OPT_LIST_META_CONTEXT / NBD_OPT_SET_META_CONTEXT: export name, then
 * queries; "base:allocation" is the one context served. */
static void opt_meta_context(NbdConn *c, uint32_t opt, const uint8_t *data, uint32_t len)
{
    bool set = opt == NBD_OPT_SET_META_CONTEXT;
    if (!c->structured) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "structured replies must be negotiated first");
        return;
    }
    if (len < 8) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "option too short");
        return;
    }
    uint32_t nlen = get32(data);
    if (nlen > NBD_MAX_STRING || (uint64_t)nlen + 8 > len) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "bad export name length");
        return;
    }
    g_autofree char *name = g_strndup((const char *)data + 4, nlen);
    uint32_t nq = get32(data + 4 + nlen);
    uint64_t p = 8 + (uint64_t)nlen;
    bool want = !set && nq == 0; /* LIST without queries: everything */
    for (uint32_t i = 0; i < nq; i++) {
        if (len - p < 4) {
            opt_error(c, opt, NBD_REP_ERR_INVALID, "query %u runs past the option", i);
            return;
        }
        uint32_t qlen = get32(data + p);
        if (qlen > NBD_MAX_STRING || qlen > len - p - 4) {
            opt_error(c, opt, NBD_REP_ERR_INVALID, "query %u runs past the option", i);
            return;
        }
        const char *q = (const char *)data + p + 4;
        if ((qlen == 15 && !memcmp(q, "base:allocation", 15)) ||
            (!set && qlen == 5 && !memcmp(q, "base:", 5))) {
            want = true;
        }
        p += 4 + (uint64_t)qlen;
    }
    if (p != len) {
        opt_error(c, opt, NBD_REP_ERR_INVALID, "trailing data after the queries");
        return;
    }
    if (strlen(name) != nlen || !nbd_server_find_export(c->srv, name)) {
        opt_error(c, opt, NBD_REP_ERR_UNKNOWN, "export '%s' not present", name);
        return;
    }
    if (want) {
        GByteArray *b = g_byte_array_new();
        put32(b, set ? NBD_META_BASE_ALLOCATION : 0);
        g_byte_array_append(b, (const uint8_t *)"base:allocation", 15);
        opt_reply(c, opt, NBD_REP_META_CONTEXT, b->data, b->len);
        g_byte_array_unref(b);
    }
    if (set) {
        c->meta_allocation = want;
        g_free(c->meta_export);
        c->meta_export = g_steal_pointer(&name);
    }
    opt_reply(c, opt, NBD_REP_ACK, NULL, 0);
}

/* One option (header and data in c->in); false: close. */
static bool handle_option(NbdConn *c, uint32_t opt, const uint8_t *data, uint32_t len)
{
    switch (opt) {
    case NBD_OPT_EXPORT_NAME:
        return opt_export_name(c, data, len);
    case NBD_OPT_ABORT:
        opt_reply(c, opt, NBD_REP_ACK, NULL, 0);
        return false;
    case NBD_OPT_LIST:
        opt_list(c, opt, len);
        return true;
    case NBD_OPT_INFO:
    case NBD_OPT_GO:
        return opt_info_go(c, opt, data, len);
    case NBD_OPT_STRUCTURED_REPLY:
        if (len) {
            opt_error(c, opt, NBD_REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
        } else {
            c->structured = true;
            opt_reply(c, opt, NBD_REP_ACK, NULL, 0);
        }
        return true;
    case NBD_OPT_STARTTLS:
        opt_error(c, opt, NBD_REP_ERR_POLICY, "TLS is not supported by this server");
        return true;
    case NBD_OPT_LIST_META_CONTEXT:
    case NBD_OPT_SET_META_CONTEXT:
        opt_meta_context(c, opt, data, len);
        return true;
    default:
        opt_error(c, opt, NBD_REP_ERR_UNSUP, "option %u not supported", opt);
        return true;
    }
}

/* ---- transmission phase ------------------------------------------------ */

typedef struct NbdRequest {
    NbdConn *conn;
    uint16_t flags, type;
    uint64_t handle, off;
    uint32_t len;
    uint8_t *buf;
    /* NBD_CMD_BLOCK_STATUS: extents found so far (length, flags pairs). */
    uint32_t extents[NBD_MAX_EXTENTS * 2];
    unsigned n_extents;
    uint64_t covered, pnum;
} NbdRequest;

static uint32_t nbd_errno(int err)
{
    switch (err) {
    case 0: return 0;
    case EPERM: case EROFS: case EACCES: return NBD_EPERM;
    case ENOMEM: return NBD_ENOMEM;
    case EINVAL: return NBD_EINVAL;
    case ENOSPC: case EDQUOT: case EFBIG: return NBD_ENOSPC;
    case EOVERFLOW: return NBD_EOVERFLOW;
    case ENOTSUP: return NBD_ENOTSUP;
    case ESHUTDOWN: return NBD_ESHUTDOWN;
    default: return NBD_EIO;
    }
}

static void simple_reply(NbdConn *c, uint64_t handle, uint32_t err, const void *data,
                         uint32_t len)
{
    put32(c->out, NBD_SIMPLE_REPLY_MAGIC);
    put32(c->out, err);
    put64(c->out, handle);
    if (!err && len) {
        g_byte_array_append(c->out, data, len);
    }
}

static void chunk_header(NbdConn *c, uint16_t flags, uint16_t type, uint64_t handle,
                         uint32_t len)
{
    put32(c->out, NBD_STRUCTURED_REPLY_MAGIC);
    put16(c->out, flags);
    put16(c->out, type);
    put64(c->out, handle);
    put32(c->out, len);
}

/* The final reply to @r with @err (an NBD errno) and, for reads, data. */
static void reply(NbdConn *c, NbdRequest *r, uint32_t err, const char *msg)
{
    if (!c->structured) {
        simple_reply(c, r->handle, err, r->buf, r->type == NBD_CMD_READ ? r->len : 0);
        return;
    }
    if (err) {
        size_t mlen = msg ? MIN(strlen(msg), NBD_MAX_STRING) : 0;
        chunk_header(c, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_ERROR, r->handle, 6 + mlen);
        put32(c->out, err);
        put16(c->out, mlen);
        if (mlen) {
            g_byte_array_append(c->out, (const uint8_t *)msg, mlen);
        }
    } else if (r->type == NBD_CMD_BLOCK_STATUS) {
        chunk_header(c, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_BLOCK_STATUS, r->handle,
                     4 + 8 * r->n_extents);
        put32(c->out, NBD_META_BASE_ALLOCATION);
        for (unsigned i = 0; i < r->n_extents * 2; i++) {
            put32(c->out, r->extents[i]);
        }
    } else if (r->type == NBD_CMD_READ && r->len) {
        chunk_header(c, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_OFFSET_DATA, r->handle, 8 + r->len);
        put64(c->out, r->off);
        g_byte_array_append(c->out, r->buf, r->len);
    } else {
        chunk_header(c, NBD_REPLY_FLAG_DONE, NBD_REPLY_TYPE_NONE, r->handle, 0);
    }
}

static void request_done(void *opaque, int ret)
{
    NbdRequest *r = opaque;
    NbdConn *c = r->conn;
    c->in_flight--;
    if (c->state != NBD_ST_CLOSED) {
        reply(c, r, nbd_errno(-ret), ret < 0 ? g_strerror(-ret) : NULL);
    }
    g_free(r->buf);
    g_free(r);
    kick(c);
}

static void status_done(void *opaque, int ret);

static void status_next(NbdConn *c, NbdRequest *r)
{
    blk_aio_data_status(c->exp->blk, r->off + r->covered, r->len - r->covered, &r->pnum,
                         status_done, r);
}

/* One extent found: ask for the next, or answer. */
static void status_done(void *opaque, int ret)
{
    NbdRequest *r = opaque;
    NbdConn *c = r->conn;
    if (ret >= 0) {
        uint32_t flags = ret & (BLOCK_DATA_HOLE | BLOCK_DATA_ZERO); /* = NBD_STATE_* */
        if (r->n_extents && r->extents[r->n_extents * 2 - 1] == flags) {
            r->extents[r->n_extents * 2 - 2] += r->pnum; /* same kind: one extent */
        } else {
            r->extents[r->n_extents * 2] = r->pnum;
            r->extents[r->n_extents * 2 + 1] = flags;
            r->n_extents++;
        }
        r->covered += r->pnum;
        bool more = r->covered < r->len && r->n_extents < NBD_MAX_EXTENTS &&
                    !(r->flags & NBD_CMD_FLAG_REQ_ONE);
        if (more && c->state != NBD_ST_CLOSED && c->exp) {
            status_next(c, r);
            return;
        }
        ret = 0;
    }
    request_done(r, ret);
}

static void submit(NbdConn *c, NbdRequest *r)
{
    BlockBackend *blk = c->exp->blk;
    struct iovec one;
    BlockIOV v;
    c->in_flight++;
    switch (r->type) {
    case NBD_CMD_READ:
        r->buf = g_malloc(MAX(r->len, 1));
        block_iov_from_buf(&v, &one, r->buf, r->len);
        blk_aio_preadv(blk, r->off, &v, request_done, r);
        return;
    case NBD_CMD_WRITE:
        block_iov_from_buf(&v, &one, r->buf, r->len);
        blk_aio_pwritev(blk, r->off, &v, (r->flags & NBD_CMD_FLAG_FUA) ? BLOCK_WRITE_FUA : 0,
                        request_done, r);
        return;
    case NBD_CMD_FLUSH:
        blk_aio_flush(blk, request_done, r);
        return;
    case NBD_CMD_TRIM:
        blk_aio_pdiscard(blk, r->off, r->len, request_done, r);
        return;
    case NBD_CMD_WRITE_ZEROES:
        blk_aio_pwrite_zeroes(blk, r->off, r->len, !(r->flags & NBD_CMD_FLAG_NO_HOLE),
                              request_done, r);
        return;
    case NBD_CMD_BLOCK_STATUS:
        status_next(c, r);
        return;
    }
    g_assert_not_reached();
}

static const uint16_t allowed_flags[] = {
    [NBD_CMD_READ] = NBD_CMD_FLAG_DF,
    [NBD_CMD_WRITE] = NBD_CMD_FLAG_FUA,
    [NBD_CMD_FLUSH] = 0,
    [NBD_CMD_TRIM] = NBD_CMD_FLAG_FUA,
    [NBD_CMD_WRITE_ZEROES] = NBD_CMD_FLAG_FUA | NBD_CMD_FLAG_NO_HOLE,
    [NBD_CMD_BLOCK_STATUS] = NBD_CMD_FLAG_REQ_ONE,
};

/* Validate a request; 0 or the NBD errno to answer with (and a message). */
static uint32_t check_request(NbdConn *c, const NbdRequest *r, const char **msg)
{
    NbdExport *exp = c->exp;
    bool known = r->type == NBD_CMD_READ || r->type == NBD_CMD_WRITE ||
                 r->type == NBD_CMD_FLUSH || r->type == NBD_CMD_TRIM ||
                 r->type == NBD_CMD_WRITE_ZEROES || r->type == NBD_CMD_BLOCK_STATUS;
    if (!known) {
        *msg = "unsupported command";
        return NBD_EINVAL;
    }
    if (r->type == NBD_CMD_BLOCK_STATUS && (!c->structured || !c->meta_allocation)) {
        *msg = "no metadata context was negotiated";
        return NBD_EINVAL;
    }
    if (r->type == NBD_CMD_BLOCK_STATUS && r->len == 0) {
        *msg = "block status of nothing";
        return NBD_EINVAL;
    }
    if (r->flags & ~allowed_flags[r->type]) {
        *msg = "unsupported command flags";
        return NBD_EINVAL;
    }
    bool is_write = r->type == NBD_CMD_WRITE || r->type == NBD_CMD_TRIM ||
                    r->type == NBD_CMD_WRITE_ZEROES;
    if (is_write && !exp->writable) {
        *msg = "the export is read-only";
        return NBD_EPERM;
    }
    if ((r->type == NBD_CMD_READ || r->type == NBD_CMD_WRITE) && r->len > NBD_MAX_PAYLOAD) {
        *msg = "request too large";
        return NBD_EOVERFLOW;
    }
    if (r->type != NBD_CMD_FLUSH) {
        uint64_t size = export_size(exp);
        if (r->off > size || r->len > size - r->off) {
            *msg = "request past the end of the export";
            return NBD_EINVAL;
        }
    }
    return 0;
}

/* One request; its header is the first 28 bytes of c->in.  Returns the
 * bytes consumed (0: need more input), or -1 to close. */
static int64_t handle_request(NbdConn *c)
{
    const uint8_t *h = c->in->data;
    if (get32(h) != NBD_REQUEST_MAGIC) {
        return -1;
    }
    NbdRequest q = {
        .conn = c, .flags = get16(h + 4), .type = get16(h + 6), .handle = get64(h + 8),
        .off = get64(h + 16), .len = get32(h + 24),
    };
    uint64_t need = 28;
    if (q.type == NBD_CMD_WRITE) {
        if (q.len > NBD_MAX_PAYLOAD) {
            /* The payload cannot be skipped safely: a client sending this
             * much is broken or hostile. */
            return -1;
        }
        need += q.len;
    }
    if (c->in->len < need) {
        return 0;
    }
    if (q.type == NBD_CMD_DISC) {
        return -1;
    }
    const char *msg = NULL;
    uint32_t err = check_request(c, &q, &msg);
    if (err) {
        reply(c, &q, err, msg);
        return need;
    }
    NbdRequest *r = g_memdup2(&q, sizeof(q));
    if (q.type == NBD_CMD_WRITE) {
        r->buf = g_memdup2(h + 28, q.len);
    }
    submit(c, r);
    return need;
}

/* ---- input ------------------------------------------------------------- */

static void consume(NbdConn *c, size_t n)
{
    g_byte_array_remove_range(c->in, 0, n);
}

bool nbd_conn_process(NbdConn *c)
{
    while (nbd_conn_can_process(c)) {
        switch (c->state) {
        case NBD_ST_CLIENT_FLAGS: {
            if (c->in->len < 4) {
                return true;
            }
            uint32_t flags = get32(c->in->data);
            consume(c, 4);
            if (flags & ~(uint32_t)(NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES)) {
                return false;
            }
            c->no_zeroes = flags & NBD_FLAG_NO_ZEROES;
            c->state = NBD_ST_OPTION;
            break;
        }
        case NBD_ST_OPTION: {
            if (c->in->len < 16) {
                return true;
            }
            const uint8_t *h = c->in->data;
            if (get64(h) != NBD_OPTS_MAGIC) {
                return false;
            }
            uint32_t opt = get32(h + 8), len = get32(h + 12);
            if (len > NBD_MAX_OPTION_LEN) {
                return false; /* not worth buffering */
            }
            if (c->in->len < 16 + (uint64_t)len) {
                return true;
            }
            g_autofree uint8_t *data = g_memdup2(h + 16, len);
            consume(c, 16 + len);
            if (!handle_option(c, opt, data, len)) {
                return false;
            }
            break;
        }
        case NBD_ST_REQUEST: {
            if (c->in->len < 28) {
                return true;
            }
            int64_t n = handle_request(c);
            if (n < 0) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            consume(c, n);
            break;
        }
        case NBD_ST_CLOSED:
            return false;
        }
    }
    return c->state != NBD_ST_CLOSED;
}
