/* SPDX-License-Identifier: MIT */
/*
 * Stdio chardev backend ("-chardev stdio,id=ID[,signal=off]", "-serial
 * stdio"): input from fd 0, output to fd 1.
 *
 * When stdin is a terminal it is switched to raw mode while the chardev
 * exists and put back on close and at exit (chardev_term_*).  signal=on
 * (the default) keeps Ctrl-C as SIGINT for the core, which shuts down;
 * signal=off passes it to the guest as byte 0x03.  A missing or non-tty
 * stdin is fine: input simply never arrives (or stops at end of file).
 * stdout stays blocking (it is often shared with stderr), so output is
 * written only as far as poll() allows and the rest held (bounded).
 * Only one chardev per process can use stdio.
 */
#include <fcntl.h>
#include <unistd.h>

#include "kernel/chardev.h"
#include "kernel/module.h"

#define TYPE_CHARDEV_STDIO TYPE_CHARDEV_PREFIX "stdio"

#define STDIO_IN_FD 0
#define STDIO_OUT_FD 1
/* Output held while stdout cannot take it; a guest console can be chatty. */
#define STDIO_PENDING_MAX (1024 * 1024)

typedef struct StdioChardev {
    Chardev parent_obj;
    ChardevStream stream;
    bool raw;              /* the terminal was switched to raw mode */
} StdioChardev;

OBJECT_DECLARE_SIMPLE_TYPE(StdioChardev, STDIO_CHARDEV, TYPE_CHARDEV_STDIO)

static const char *const stdio_options[] = { "signal", NULL };

static int stdio_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chardev_stream_write(&STDIO_CHARDEV(chr)->stream, buf, len);
}

static void stdio_accept_input(Chardev *chr)
{
    chardev_stream_accept_input(&STDIO_CHARDEV(chr)->stream);
}

/* An fd that is open and usable in the given direction. */
static bool fd_usable(int fd, bool for_reading)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        return false;
    }
    return for_reading ? (fl & O_ACCMODE) != O_WRONLY : (fl & O_ACCMODE) != O_RDONLY;
}

static bool stdio_open(Chardev *chr, OptDict *opts, GError **errp)
{
    StdioChardev *s = STDIO_CHARDEV(chr);
    g_autoptr(GPtrArray) all = chardev_list();
    bool allow_signals;

    for (guint i = 0; i < all->len; i++) {
        Chardev *other = g_ptr_array_index(all, i);
        if (object_dynamic_cast(OBJECT(other), TYPE_CHARDEV_STDIO)) {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_IN_USE,
                        "stdio: already used by chardev '%s'", other->label);
            return false;
        }
    }
    if (!chardev_opt_bool(opts, "signal", true, &allow_signals, errp)) {
        return false;
    }
    chardev_stream_init(&s->stream, chr, STDIO_PENDING_MAX, NULL);
    s->stream.out_poll = true;
    if (isatty(STDIO_IN_FD)) {
        if (!chardev_term_set_raw(STDIO_IN_FD, allow_signals, errp)) {
            return false;
        }
        s->raw = true;
    }
    chardev_stream_set_fds(&s->stream, fd_usable(STDIO_IN_FD, true) ? STDIO_IN_FD : -1,
                           fd_usable(STDIO_OUT_FD, false) ? STDIO_OUT_FD : -1);
    chardev_be_event(chr, CHR_EVENT_OPENED);
    return true;
}

static void stdio_close(Chardev *chr)
{
    StdioChardev *s = STDIO_CHARDEV(chr);

    chardev_stream_destroy(&s->stream);
    if (s->raw) {
        chardev_term_restore();
        s->raw = false;
    }
}

static char *stdio_describe(Chardev *chr)
{
    return g_strdup("stdio");
}

static void stdio_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);

    cc->backend = "stdio";
    cc->desc = "Standard input and output of the process";
    cc->options = stdio_options;
    cc->open = stdio_open;
    cc->write = stdio_write;
    cc->accept_input = stdio_accept_input;
    cc->describe = stdio_describe;
    cc->close = stdio_close;
}

static const TypeInfo stdio_type_info = {
    .name = TYPE_CHARDEV_STDIO,
    .parent = TYPE_CHARDEV,
    .category = "chardev",
    .description = "Standard input and output, raw terminal (signal=on|off)",
    .instance_size = sizeof(StdioChardev),
    .class_size = sizeof(ChardevClass),
    .class_init = stdio_class_init,
};

TESSERA_MODULE(.name = "chardev-stdio", .kind = "backend",
               .types = TESSERA_TYPES(&stdio_type_info));
