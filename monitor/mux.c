/* SPDX-License-Identifier: MIT */
/*
 * chardev-mux: one host chardev shared by the guest's serial port and the
 * monitor, as behind "-serial mon:stdio".
 *
 *   -chardev mux,id=ID,chardev=BACKEND_ID      (monitor_mux_new() does this)
 *
 * The mux is the frontend of BACKEND.  Its own frontends are the ordinary
 * one that attached with chardev_set_handlers() (a UART: the slot every
 * chardev has) and up to MUX_MAX_MONITORS monitors (mux_add_frontend()).
 * Input goes to the focused frontend, through a small buffer so that a
 * frontend that cannot take input right now does not stop the escape
 * keys; output from every frontend goes straight to the backend.
 *
 * Escape keys, QEMU's: Ctrl-A then c (next frontend), x (quit), h or ?
 * (help), b (break to the focused frontend), Ctrl-A (a literal Ctrl-A).
 * Not emulated: Ctrl-A s (there is no -snapshot) and t (timestamps).
 */
#include <string.h>

#include "kernel/log.h"
#include "kernel/runstate.h"
#include "monitor/monitor-internal.h"

#define MUX_ESCAPE 0x01            /* Ctrl-A */
#define MUX_MAX_MONITORS 3
/* Input held for a frontend that cannot take it yet: a guest reads its
 * UART a FIFO at a time, far slower than a pipe or a paste delivers, so
 * this holds a whole burst rather than losing the rest of it. */
#define MUX_PENDING (64 * 1024)
/* Index of the ordinary frontend (chr->fe) among the mux's frontends. */
#define MUX_PRIMARY 0
#define MUX_NONE (-1)

typedef struct MuxFrontend {
    const ChardevHandlers *fe;
    void *opaque;
} MuxFrontend;

typedef struct MuxChardev {
    Chardev parent_obj;
    Chardev *backend;
    bool attached;                 /* we are the backend's frontend */
    MuxFrontend monitors[MUX_MAX_MONITORS];
    int n_monitors;
    int focus;                     /* MUX_PRIMARY, 1 + monitor index, or MUX_NONE */
    bool primary_was_attached;
    bool escape;                   /* Ctrl-A seen */
    uint8_t pending[MUX_PENDING];  /* ring: n_pending bytes from pending_head */
    int pending_head;
    int n_pending;
    bool drop_warned;
} MuxChardev;

OBJECT_DECLARE_SIMPLE_TYPE(MuxChardev, MUX_CHARDEV, TYPE_CHARDEV_MUX)

static const char *const mux_options[] = { "chardev", NULL };

static const char mux_help[] =
    "\r\n"
    "C-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a b    send break (magic sysrq)\r\n"
    "C-a c    switch between console and monitor\r\n"
    "C-a C-a  sends C-a\r\n";

static const char mux_terminated[] = "tessera: terminated\r\n";

/* The frontend at @index, or false when the slot is empty. */
static bool mux_frontend(MuxChardev *m, int index, MuxFrontend *out)
{
    Chardev *chr = CHARDEV(m);
    if (index == MUX_PRIMARY) {
        *out = (MuxFrontend){ .fe = chr->fe, .opaque = chr->fe_opaque };
    } else if (index > 0 && index <= m->n_monitors) {
        *out = m->monitors[index - 1];
    } else {
        return false;
    }
    return out->fe != NULL;
}

static void mux_send_event(MuxChardev *m, int index, ChardevEvent ev)
{
    MuxFrontend f;
    if (mux_frontend(m, index, &f) && f.fe->event) {
        f.fe->event(f.opaque, ev);
    }
}

static void mux_set_focus(MuxChardev *m, int index)
{
    if (m->focus == index) {
        return;
    }
    int old = m->focus;
    m->focus = index;
    m->n_pending = 0;
    m->pending_head = 0;
    if (old != MUX_NONE) {
        mux_send_event(m, old, CHR_EVENT_MUX_OUT);
    }
    if (index != MUX_NONE) {
        mux_send_event(m, index, CHR_EVENT_MUX_IN);
    }
}

/* The next attached frontend after the focused one, cyclically. */
static void mux_focus_next(MuxChardev *m)
{
    int n = m->n_monitors + 1;
    MuxFrontend f;
    for (int step = 1; step <= n; step++) {
        int i = ((m->focus == MUX_NONE ? 0 : m->focus) + step) % n;
        if (mux_frontend(m, i, &f)) {
            mux_set_focus(m, i);
            return;
        }
    }
}

static void mux_flush(MuxChardev *m)
{
    MuxFrontend f;
    if (!m->n_pending || !mux_frontend(m, m->focus, &f) || !f.fe->read) {
        return;
    }
    /* Oldest first, in at most two contiguous pieces of the ring. */
    while (m->n_pending) {
        int room = f.fe->can_read ? f.fe->can_read(f.opaque) : m->n_pending;
        int n = MIN(MIN(room, m->n_pending), MUX_PENDING - m->pending_head);
        if (n <= 0) {
            return;
        }
        const uint8_t *chunk = m->pending + m->pending_head;
        m->pending_head = (m->pending_head + n) % MUX_PENDING;
        m->n_pending -= n;
        f.fe->read(f.opaque, chunk, n);
    }
    m->pending_head = 0;
    m->drop_warned = false;
}

static void mux_hold(MuxChardev *m, uint8_t ch)
{
    if (m->n_pending == MUX_PENDING) {
        mux_flush(m);
    }
    if (m->n_pending == MUX_PENDING) {
        if (!m->drop_warned) {
            warn_report("chardev '%s': %d bytes of input are waiting for a frontend that "
                        "reads nothing; dropping more", CHARDEV(m)->label, MUX_PENDING);
            m->drop_warned = true;
        }
        return;
    }
    m->pending[(m->pending_head + m->n_pending) % MUX_PENDING] = ch;
    m->n_pending++;
}

static void mux_write_backend(MuxChardev *m, const char *text)
{
    chardev_write(m->backend, (const uint8_t *)text, (int)strlen(text));
}

/* An escape sequence's second byte; true when @ch is to be delivered. */
static bool mux_escape_key(MuxChardev *m, uint8_t ch)
{
    switch (ch) {
    case MUX_ESCAPE:
        return true;
    case 'c':
        mux_focus_next(m);
        break;
    case 'x':
        mux_write_backend(m, mux_terminated);
        system_request_shutdown(SHUTDOWN_CAUSE_HOST_UI);
        break;
    case 'h':
    case '?':
        mux_write_backend(m, mux_help);
        break;
    case 'b':
        mux_send_event(m, m->focus, CHR_EVENT_BREAK);
        break;
    default:
        break;
    }
    return false;
}

/* ---- the mux as the backend's frontend ----------------------------------------- */

/* Input the focused frontend cannot take yet waits in the mux's buffer
 * (delivered in order as the frontend makes room: a UART calls
 * chardev_accept_input() when the guest reads it).  Flow control never
 * holds the backend completely: one byte at a time still gets through,
 * so that the escape keys work even when the guest has stopped reading
 * its UART; only once the buffer is full is further input dropped, as a
 * real UART overruns. */
static int mux_be_can_read(void *opaque)
{
    MuxChardev *m = opaque;
    mux_flush(m);
    return MAX(MUX_PENDING - m->n_pending, 1);
}

static void mux_be_read(void *opaque, const uint8_t *buf, int len)
{
    MuxChardev *m = opaque;
    for (int i = 0; i < len; i++) {
        uint8_t ch = buf[i];
        if (m->escape) {
            m->escape = false;
            if (!mux_escape_key(m, ch)) {
                continue;
            }
        } else if (ch == MUX_ESCAPE) {
            m->escape = true;
            continue;
        }
        MuxFrontend f;
        if (!mux_frontend(m, m->focus, &f)) {
            continue;                /* nobody to deliver to */
        }
        mux_hold(m, ch);
    }
    mux_flush(m);
}

static void mux_be_event(void *opaque, ChardevEvent ev)
{
    MuxChardev *m = opaque;
    Chardev *chr = CHARDEV(m);
    if (ev == CHR_EVENT_OPENED) {
        chr->fe_open = true;
    } else if (ev == CHR_EVENT_CLOSED) {
        chr->fe_open = false;
    }
    for (int i = 0; i <= m->n_monitors; i++) {
        mux_send_event(m, i, ev);
    }
}

static const ChardevHandlers mux_be_handlers = {
    .can_read = mux_be_can_read,
    .read = mux_be_read,
    .event = mux_be_event,
};

/* ---- chardev class --------------------------------------------------------------- */

static bool mux_open(Chardev *chr, OptDict *opts, GError **errp)
{
    MuxChardev *m = MUX_CHARDEV(chr);
    const char *id = opt_dict_get(opts, "chardev");
    m->focus = MUX_NONE;
    if (!id) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "mux: 'chardev' (the backend's id) is required");
        return false;
    }
    Chardev *backend = chardev_find(id);
    if (!backend) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_NOT_FOUND, "mux: no chardev with id '%s'",
                    id);
        return false;
    }
    if (object_dynamic_cast(OBJECT(backend), TYPE_CHARDEV_MUX)) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "mux: chardev '%s' is a mux already", id);
        return false;
    }
    m->backend = backend;
    if (!chardev_set_handlers(backend, &mux_be_handlers, m, errp)) {
        return false;
    }
    m->attached = true;
    return true;
}

static int mux_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *m = MUX_CHARDEV(chr);
    return chardev_write(m->backend, buf, len);
}

static void mux_accept_input(Chardev *chr)
{
    MuxChardev *m = MUX_CHARDEV(chr);
    mux_flush(m);
    chardev_accept_input(m->backend);
}

static char *mux_describe(Chardev *chr)
{
    return g_strdup("mux");
}

/* The ordinary frontend came or went: the newcomer takes the focus. */
static void mux_fe_changed(Chardev *chr)
{
    MuxChardev *m = MUX_CHARDEV(chr);
    if (chr->fe && !m->primary_was_attached) {
        mux_set_focus(m, MUX_PRIMARY);
    } else if (!chr->fe && m->focus == MUX_PRIMARY) {
        m->focus = MUX_NONE;
        mux_focus_next(m);
    }
    m->primary_was_attached = chr->fe != NULL;
}

static void mux_close(Chardev *chr)
{
    MuxChardev *m = MUX_CHARDEV(chr);
    if (m->attached) {
        chardev_clear_handlers(m->backend);
        m->attached = false;
    }
}

static void mux_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);
    cc->backend = "mux";
    cc->desc = "multiplexer of one chardev between a serial port and monitors";
    cc->options = mux_options;
    cc->open = mux_open;
    cc->write = mux_write;
    cc->accept_input = mux_accept_input;
    cc->describe = mux_describe;
    cc->fe_changed = mux_fe_changed;
    cc->close = mux_close;
}

static const TypeInfo mux_type_info = {
    .name = TYPE_CHARDEV_MUX,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(MuxChardev),
    .class_size = sizeof(ChardevClass),
    .class_init = mux_class_init,
};

void monitor_types_init(void)
{
    chardev_types_init();
    hmp_gdb_init();
    if (!type_lookup(TYPE_CHARDEV_MUX)) {
        type_register_static(&mux_type_info);
    }
}

/* ---- monitors on a mux ---------------------------------------------------------- */

bool mux_add_frontend(Chardev *chr, const ChardevHandlers *fe, void *opaque, GError **errp)
{
    MuxChardev *m = MUX_CHARDEV(chr);
    devlock_lock();
    if (m->n_monitors == MUX_MAX_MONITORS) {
        devlock_unlock();
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_IN_USE,
                    "chardev '%s' already multiplexes %d monitors", chr->label,
                    MUX_MAX_MONITORS);
        return false;
    }
    m->monitors[m->n_monitors++] = (MuxFrontend){ .fe = fe, .opaque = opaque };
    int index = m->n_monitors;
    /* The newcomer takes the focus, as in QEMU; a UART attaching later
     * takes it back. */
    mux_set_focus(m, index);
    if (chr->fe_open && fe->event) {
        fe->event(opaque, CHR_EVENT_OPENED);
    }
    devlock_unlock();
    chardev_accept_input(chr);
    return true;
}

int mux_frontend_count(Chardev *chr)
{
    int n = chr->fe ? 1 : 0;
    if (object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_MUX)) {
        n += MUX_CHARDEV(chr)->n_monitors;
    }
    return n;
}

Chardev *monitor_mux_new(const char *id, Chardev *backend, GError **errp)
{
    OptDict *opts = opt_dict_new("-chardev");
    opt_dict_set(opts, "backend", "mux");
    opt_dict_set(opts, "id", id);
    opt_dict_set(opts, "chardev", backend->label);
    Chardev *chr = chardev_new_from_opts(opts, errp);
    opt_dict_free(opts);
    return chr;
}
