/* SPDX-License-Identifier: MIT */
/*
 * The NBD server module's internals: protocol constants (from the NBD
 * protocol specification, doc/proto.md of the NBD project), the server,
 * its exports and client connections.
 *
 * A connection is a byte-stream state machine: nbd_conn_input() consumes
 * what the client sent, replies are appended to conn->out, and block I/O
 * goes through the export's backend asynchronously (blk_aio_*), so the
 * main loop never waits for a client or for the disk.  The socket side
 * (server.c) only moves bytes; the fuzzer drives the same state machine
 * without sockets.
 */
#ifndef TESSERA_NBD_SERVER_H
#define TESSERA_NBD_SERVER_H

#include "block/block.h"

#define NBD_MAGIC 0x4e42444d41474943ull        /* "NBDMAGIC" */
#define NBD_OPTS_MAGIC 0x49484156454f5054ull   /* "IHAVEOPT" */
#define NBD_REP_MAGIC 0x3e889045565a9ull
#define NBD_REQUEST_MAGIC 0x25609513u
#define NBD_SIMPLE_REPLY_MAGIC 0x67446698u
#define NBD_STRUCTURED_REPLY_MAGIC 0x668e33efu

enum { NBD_FLAG_FIXED_NEWSTYLE = 1, NBD_FLAG_NO_ZEROES = 2 };

enum {
    NBD_FLAG_HAS_FLAGS = 1 << 0,
    NBD_FLAG_READ_ONLY = 1 << 1,
    NBD_FLAG_SEND_FLUSH = 1 << 2,
    NBD_FLAG_SEND_FUA = 1 << 3,
    NBD_FLAG_SEND_TRIM = 1 << 5,
    NBD_FLAG_SEND_WRITE_ZEROES = 1 << 6,
    NBD_FLAG_SEND_DF = 1 << 7,
    NBD_FLAG_CAN_MULTI_CONN = 1 << 8,
};

enum {
    NBD_OPT_EXPORT_NAME = 1,
    NBD_OPT_ABORT = 2,
    NBD_OPT_LIST = 3,
    NBD_OPT_STARTTLS = 5,
    NBD_OPT_INFO = 6,
    NBD_OPT_GO = 7,
    NBD_OPT_STRUCTURED_REPLY = 8,
    NBD_OPT_LIST_META_CONTEXT = 9,
    NBD_OPT_SET_META_CONTEXT = 10,
};

#define NBD_REP_ERR(n) (0x80000000u | (n))
enum {
    NBD_REP_ACK = 1,
    NBD_REP_SERVER = 2,
    NBD_REP_INFO = 3,
    NBD_REP_META_CONTEXT = 4,
    NBD_REP_ERR_UNSUP = NBD_REP_ERR(1),
    NBD_REP_ERR_POLICY = NBD_REP_ERR(2),
    NBD_REP_ERR_INVALID = NBD_REP_ERR(3),
    NBD_REP_ERR_TLS_REQD = NBD_REP_ERR(5),
    NBD_REP_ERR_UNKNOWN = NBD_REP_ERR(6),
    NBD_REP_ERR_SHUTDOWN = NBD_REP_ERR(7),
    NBD_REP_ERR_TOO_BIG = NBD_REP_ERR(9),
};

enum { NBD_INFO_EXPORT = 0, NBD_INFO_NAME = 1, NBD_INFO_DESCRIPTION = 2, NBD_INFO_BLOCK_SIZE = 3 };

enum {
    NBD_CMD_READ = 0,
    NBD_CMD_WRITE = 1,
    NBD_CMD_DISC = 2,
    NBD_CMD_FLUSH = 3,
    NBD_CMD_TRIM = 4,
    NBD_CMD_WRITE_ZEROES = 6,
    NBD_CMD_BLOCK_STATUS = 7,
};

enum {
    NBD_CMD_FLAG_FUA = 1 << 0,
    NBD_CMD_FLAG_NO_HOLE = 1 << 1,
    NBD_CMD_FLAG_DF = 1 << 2,
    NBD_CMD_FLAG_REQ_ONE = 1 << 3,
};

enum { NBD_REPLY_FLAG_DONE = 1 };
enum {
    NBD_REPLY_TYPE_NONE = 0,
    NBD_REPLY_TYPE_OFFSET_DATA = 1,
    NBD_REPLY_TYPE_BLOCK_STATUS = 5,
    NBD_REPLY_TYPE_ERROR = 32769,
};

enum { NBD_STATE_HOLE = 1, NBD_STATE_ZERO = 2 };

enum {
    NBD_EPERM = 1, NBD_EIO = 5, NBD_ENOMEM = 12, NBD_EINVAL = 22, NBD_ENOSPC = 28,
    NBD_EOVERFLOW = 75, NBD_ENOTSUP = 95, NBD_ESHUTDOWN = 108,
};

#define NBD_MAX_OPTION_LEN (64 * 1024)
#define NBD_MAX_STRING 4096
#define NBD_MAX_PAYLOAD (32u * 1024 * 1024)
#define NBD_MAX_IN_FLIGHT 16
#define NBD_MAX_OUTPUT (64u * 1024 * 1024)
#define NBD_META_BASE_ALLOCATION 1     /* our context id for base:allocation */
#define NBD_MAX_EXTENTS 64             /* block status descriptors per reply */

typedef struct NbdServer NbdServer;
typedef struct NbdConn NbdConn;

typedef struct NbdExport {
    NbdServer *srv;
    char *id;
    char *name;
    char *description;
    BlockBackend *blk;
    bool writable;
    bool shutting_down;
    int clients;
} NbdExport;

struct NbdServer {
    BlockGraph *graph;
    int listen_fd;               /* -1: none (fuzzer) */
    GSource *listen_src;
    char *unix_path;             /* removed on stop */
    GPtrArray *exports;          /* NbdExport * */
    GPtrArray *conns;            /* NbdConn * */
    int64_t max_connections;     /* 0: no limit */
};

typedef enum {
    NBD_ST_CLIENT_FLAGS,
    NBD_ST_OPTION,
    NBD_ST_REQUEST,
    NBD_ST_CLOSED,
} NbdConnState;

/* Socket side of a connection (server.c), NULL for the fuzzer. */
typedef struct NbdConnIO {
    void (*kick)(NbdConn *c);    /* output queued or input may be parsed again */
} NbdConnIO;

struct NbdConn {
    NbdServer *srv;
    const NbdConnIO *io;
    void *io_opaque;
    GByteArray *in;              /* received, not yet parsed */
    GByteArray *out;             /* to send */
    NbdConnState state;
    bool no_zeroes;
    bool structured;
    bool meta_allocation;        /* base:allocation selected ... */
    char *meta_export;           /* ... for this export */
    NbdExport *exp;
    int in_flight;
    bool closing;                /* no more input; close once output is sent */
};

/* nbd-conn.c */
NbdConn *nbd_conn_new(NbdServer *srv, const NbdConnIO *io, void *io_opaque);
/* Parse what is in c->in; false once the connection must be closed. */
bool nbd_conn_process(NbdConn *c);
/* May more input be parsed now (not too much in flight or queued)? */
bool nbd_conn_can_process(NbdConn *c);
/* Drop the connection: its export reference; requests in flight finish
 * and are dropped.  Frees @c once nothing refers to it. */
void nbd_conn_close(NbdConn *c);
/* The connection is closed and no request refers to it any more. */
bool nbd_conn_finished(NbdConn *c);
void nbd_conn_free(NbdConn *c);

/* server.c */
/* The export called @name that clients may use, or NULL. */
NbdExport *nbd_server_find_export(NbdServer *srv, const char *name);

#endif
