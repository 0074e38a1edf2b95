/* SPDX-License-Identifier: MIT */
/*
 * Character devices: the host side of serial ports and monitors.
 *
 * A Chardev is an object of a subclass of TYPE_CHARDEV named
 * "chardev-<backend>" (chardev-stdio, chardev-socket, ...), created from
 * "-chardev BACKEND,id=ID,..." and placed at /chardevs/<id>.  A frontend
 * (a UART, the monitor) attaches with chardev_set_handlers(); data from
 * the host is delivered in the main loop with the device lock held, only as
 * much as can_read() accepts.  chardev_write() never blocks the caller: a
 * backend that cannot take the data now buffers it (bounded) or drops it.
 *
 * Every backend is its own module (plugins/backends/<name>/).  All backend
 * I/O runs in GSources on main_loop_context(); every entry point below
 * takes the device lock itself (it is recursive), so frontends may call
 * them from vCPU threads or the main loop alike.
 */
#ifndef TESSERA_KERNEL_CHARDEV_H
#define TESSERA_KERNEL_CHARDEV_H

#include "objmodel/object.h"
#include "kernel/options.h"

#define TYPE_CHARDEV "chardev"
#define TYPE_CHARDEV_PREFIX "chardev-"
/* Container holding every chardev by id. */
#define CHARDEV_CONTAINER "/chardevs"

#define CHARDEV_ERROR (chardev_error_quark())
GQuark chardev_error_quark(void);
typedef enum {
    CHARDEV_ERROR_INVALID,   /* bad option, bad shorthand, unknown backend */
    CHARDEV_ERROR_EXISTS,    /* duplicate id */
    CHARDEV_ERROR_NOT_FOUND, /* chardev:ID names nothing */
    CHARDEV_ERROR_IN_USE,    /* a frontend is already attached */
    CHARDEV_ERROR_HOST,      /* open/connect/bind failed */
} ChardevErrorCode;

typedef struct Chardev Chardev;
typedef struct ChardevStream ChardevStream;

typedef enum {
    CHR_EVENT_OPENED,   /* a client connected / backend ready */
    CHR_EVENT_CLOSED,   /* client went away */
    CHR_EVENT_BREAK,    /* serial break (e.g. from the mux) */
    CHR_EVENT_MUX_IN,   /* the mux gave this frontend focus */
    CHR_EVENT_MUX_OUT,  /* the mux took focus away */
} ChardevEvent;

typedef struct ChardevHandlers {
    /* Bytes the frontend can take now (0: stop delivering). */
    int (*can_read)(void *opaque);
    void (*read)(void *opaque, const uint8_t *buf, int len);
    void (*event)(void *opaque, ChardevEvent ev);
    /* Optional: a listening backend that serves one client at a time sends
     * these bytes to a second client that connects meanwhile and closes
     * it (the gdbstub's "busy" reply).  NULL: the second client waits. */
    const char *busy_reply;
} ChardevHandlers;

struct Chardev {
    Object parent_obj;
    char *label;                /* the id */
    const ChardevHandlers *fe;  /* attached frontend, or NULL */
    void *fe_opaque;
    bool fe_open;               /* backend connected */
    int logfd;                  /* logfile= copy of the output, -1 if unused */
    bool closed;                /* host side released (close() was called) */
    bool keep_output;           /* hold all output, never drop (the QMP monitor) */
    ChardevStream *stream;      /* the backend's stream, if it uses one */
    GArray *msgfds;             /* fds (int) that came with the last input
                                 * (SCM_RIGHTS on a socket), not yet taken */
};

typedef struct ChardevClass {
    ObjectClass parent_class;
    const char *backend;        /* "stdio" */
    const char *desc;
    /* Option keys the backend accepts besides the common ones (backend, id,
     * logfile, logappend, mux); NULL-terminated, NULL for none.  Other keys
     * are refused by chardev_new_from_opts() with an error naming them. */
    const char *const *options;
    /* Parse backend options and open; called once after instance init,
     * before the chardev is placed in /chardevs.  On failure the object is
     * finalized (close() is called) and the error is reported. */
    bool (*open)(Chardev *chr, OptDict *opts, GError **errp);
    /* Write as much as possible without blocking; return bytes taken. */
    int (*write)(Chardev *chr, const uint8_t *buf, int len);
    /* The frontend can take more: resume delivering input. */
    void (*accept_input)(Chardev *chr);
    /* Human description for info chardev ("stdio", "unix:/tmp/s,server=on"). */
    char *(*describe)(Chardev *chr);
    /* Frontend attached or detached (the mux uses it). */
    void (*fe_changed)(Chardev *chr);
    /* Release host resources; called from finalize (also after a failed
     * open), so it must cope with a half-opened backend. */
    void (*close)(Chardev *chr);
} ChardevClass;

OBJECT_DECLARE_TYPE(Chardev, ChardevClass, CHARDEV, TYPE_CHARDEV)

/* Register TYPE_CHARDEV (idempotent) and ignore SIGPIPE so that a peer
 * going away never kills the process.  Called by the core at start-up. */
void chardev_types_init(void);

/* Create from "-chardev" options (backend name is the implied key), at
 * /chardevs/<id>.  Loads the backend's module.  Common options:
 * id= (required), logfile=PATH, logappend=on|off.  Errors start with the
 * option name ("-chardev: unknown backend 'foo'"). */
Chardev *chardev_new_from_opts(OptDict *opts, GError **errp);
/* Create from a -serial/-monitor/-qmp shorthand ("stdio", "mon:stdio",
 * "file:PATH", "pipe:PATH", "tcp:HOST:PORT,server=on,wait=off",
 * "unix:PATH,server=on", "pty", "null", "chardev:ID"); NULL with no error
 * for "none".  @id names the new chardev.  Errors name the offending part
 * ("invalid port 'x'", "backend 'socket' has no option 'foo'") but not the
 * whole text: the caller prefixes its option and @text. */
Chardev *chardev_new_from_shorthand(const char *id, const char *text, GError **errp);
Chardev *chardev_find(const char *id);
/* All chardevs sorted by id: a new array (g_ptr_array_unref it) of
 * borrowed pointers. */
GPtrArray *chardev_list(void);
/* Backend description for "info chardev" (free with g_free). */
char *chardev_describe(Chardev *chr);
/* Remove from /chardevs; the object goes when its last reference does. */
void chardev_delete(Chardev *chr);
/* At shutdown: close the host side of every chardev now (socket files
 * removed, held output given a last chance to leave, terminal restored).
 * The objects stay, since frontends may still point at them; whatever is
 * written to a closed chardev is dropped. */
void chardev_close_all(void);

/* Frontend side. */
bool chardev_set_handlers(Chardev *chr, const ChardevHandlers *fe, void *opaque, GError **errp);
void chardev_clear_handlers(Chardev *chr);
/* Never blocks; returns bytes taken. */
int chardev_write(Chardev *chr, const uint8_t *buf, int len);
/* The first fd passed with the input being read (SCM_RIGHTS), now the
 * caller's; -1 when none is left.  Fds not taken are closed when the next
 * ones arrive or the chardev closes. */
int chardev_take_msgfd(Chardev *chr);
/* Frontend has room again. */
void chardev_accept_input(Chardev *chr);
/* For a frontend that must lose nothing (QMP): output that the backend
 * cannot take now is held however much there is, and when it has all left
 * chardev_accept_input() is called, so a frontend whose can_read() says 0
 * while chardev_output_pending() is not 0 reads no more input than its
 * client reads output. */
void chardev_set_keep_output(Chardev *chr, bool on);
/* Output bytes written but not yet taken by the host side. */
size_t chardev_output_pending(Chardev *chr);
/* Bytes chardev_write() takes now without dropping held output (a
 * frontend with its own flow control, e.g. virtio-serial, writes no more
 * and tries again later); SIZE_MAX for backends that never hold output. */
size_t chardev_write_room(Chardev *chr);

/* Backend side (device lock held). */
int chardev_be_can_read(Chardev *chr);
void chardev_be_read(Chardev *chr, const uint8_t *buf, int len);
/* Backends: the fds that came with the input (taken; replaces and closes
 * those not taken yet).  n == 0 closes what is left. */
void chardev_set_msgfds(Chardev *chr, const int *fds, size_t n);
void chardev_be_event(Chardev *chr, ChardevEvent ev);

/* ---- helpers for backends (kernel/chardev-io.c) ------------------------ */

/* Parse an optional on/off backend option; @def when absent. */
bool chardev_opt_bool(OptDict *opts, const char *key, bool def, bool *out, GError **errp);
/* Parse an optional decimal option in [@min, @max]; @def when absent.  Every
 * numeric backend option (ports, seconds, sizes in bytes) goes through it. */
bool chardev_opt_uint(OptDict *opts, const char *key, uint64_t min, uint64_t max, uint64_t def,
                      uint64_t *out, GError **errp);

/*
 * A pair of file descriptors driven from the main loop: input is read only
 * while the frontend can take it; output is written without blocking and
 * the rest kept in a bounded buffer (oldest bytes dropped with a warning,
 * unless the chardev keeps all output) until the fd can take it, or until
 * an fd is set at all.  The stream never
 * closes the fds: the backend owns them.
 */
struct ChardevStream {
    Chardev *chr;
    int in_fd;                  /* -1: no input */
    int out_fd;                 /* -1: output is held in @pending */
    bool out_poll;              /* fd stays blocking (stdout): poll first */
    bool out_socket;            /* send(MSG_NOSIGNAL) instead of write() */
    bool out_broken;            /* write failed: hold output until new fds */
    bool hung;                  /* hangup already reported for these fds */
    GSource *in_src, *out_src, *hup_src, *hup_idle;
    GByteArray *pending;
    size_t pending_max;
    bool drop_warned;
    /* Peer gone (EOF, error, EPIPE), called in the main loop with the
     * device lock held; may call chardev_stream_set_fds(st, -1, -1).  NULL:
     * just stop the failing direction. */
    void (*hangup)(Chardev *chr);
};

#define CHARDEV_STREAM_DEFAULT_PENDING (64 * 1024)

void chardev_stream_init(ChardevStream *st, Chardev *chr, size_t pending_max,
                         void (*hangup)(Chardev *chr));
/* Start using new fds (either may be -1); flushes held output. */
void chardev_stream_set_fds(ChardevStream *st, int in_fd, int out_fd);
int chardev_stream_write(ChardevStream *st, const uint8_t *buf, int len);
void chardev_stream_accept_input(ChardevStream *st);
void chardev_stream_destroy(ChardevStream *st);

/* Terminal mode of @fd for the stdio backend: raw input, output processing
 * kept, ISIG kept when @allow_signals.  The original mode is saved on the
 * first call and put back by chardev_term_restore(), which also runs at
 * exit.  A no-op returning true when @fd is not a terminal. */
bool chardev_term_set_raw(int fd, bool allow_signals, GError **errp);
void chardev_term_restore(void);

#endif
