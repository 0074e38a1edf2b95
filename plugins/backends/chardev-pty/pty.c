/* SPDX-License-Identifier: MIT */
/*
 * Pseudo-terminal chardev backend ("-chardev pty,id=ID", "-serial pty"):
 * a new pty pair whose slave (/dev/pts/N) a user opens with a terminal
 * program; announced on stderr as "char device redirected to /dev/pts/N
 * (label ID)" and readable as the "path" property.
 *
 * The backend keeps the slave open itself, in raw mode, so the master
 * never sees a hangup while nobody is attached: output written then waits
 * in the pty (and past that in the stream's bounded buffer) for the next
 * reader.  No options of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "kernel/chardev.h"
#include "kernel/module.h"

#define TYPE_CHARDEV_PTY TYPE_CHARDEV_PREFIX "pty"

#define PTY_NAME_MAX 64

typedef struct PtyChardev {
    Chardev parent_obj;
    ChardevStream stream;
    int master, slave;
    char *path;
} PtyChardev;

OBJECT_DECLARE_SIMPLE_TYPE(PtyChardev, PTY_CHARDEV, TYPE_CHARDEV_PTY)

static int pty_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chardev_stream_write(&PTY_CHARDEV(chr)->stream, buf, len);
}

static void pty_accept_input(Chardev *chr)
{
    chardev_stream_accept_input(&PTY_CHARDEV(chr)->stream);
}

static bool pty_fail(const char *what, GError **errp)
{
    g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST, "pty: %s: %s", what,
                g_strerror(errno));
    return false;
}

static bool pty_open(Chardev *chr, OptDict *opts, GError **errp)
{
    PtyChardev *s = PTY_CHARDEV(chr);
    char name[PTY_NAME_MAX];
    struct termios t;

    s->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->master < 0) {
        return pty_fail("posix_openpt", errp);
    }
    if (grantpt(s->master) < 0 || unlockpt(s->master) < 0) {
        return pty_fail("cannot unlock the pty", errp);
    }
    if (ptsname_r(s->master, name, sizeof(name)) != 0) {
        return pty_fail("ptsname", errp);
    }
    s->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->slave < 0) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST, "pty: could not open '%s': %s",
                    name, g_strerror(errno));
        return false;
    }
    /* Raw: the guest's bytes reach the reader unchanged, and nothing it
     * reads is echoed back to the guest. */
    if (tcgetattr(s->slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(s->slave, TCSANOW, &t);
    }
    int fl = fcntl(s->master, F_GETFL);
    if (fl < 0 || fcntl(s->master, F_SETFL, fl | O_NONBLOCK) < 0) {
        return pty_fail("cannot make the pty non-blocking", errp);
    }
    s->path = g_strdup(name);
    chardev_stream_init(&s->stream, chr, CHARDEV_STREAM_DEFAULT_PENDING, NULL);
    chardev_stream_set_fds(&s->stream, s->master, s->master);
    fprintf(stderr, "char device redirected to %s (label %s)\n", s->path, chr->label);
    chardev_be_event(chr, CHR_EVENT_OPENED);
    return true;
}

static void pty_close(Chardev *chr)
{
    PtyChardev *s = PTY_CHARDEV(chr);

    chardev_stream_destroy(&s->stream);
    if (s->slave >= 0) {
        close(s->slave);
    }
    if (s->master >= 0) {
        close(s->master);
    }
    s->master = s->slave = -1;
    g_free(s->path);
    s->path = NULL;
}

static char *pty_describe(Chardev *chr)
{
    return g_strdup_printf("pty:%s", PTY_CHARDEV(chr)->path);
}

static GVariant *pty_get_path(Object *obj, Property *prop)
{
    PtyChardev *s = PTY_CHARDEV(obj);
    return g_variant_new_string(s->path ? s->path : "");
}

static void pty_instance_init(Object *obj)
{
    PtyChardev *s = PTY_CHARDEV(obj);

    s->master = s->slave = -1;
}

static void pty_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);
    Property *p;

    cc->backend = "pty";
    cc->desc = "A new pseudo-terminal (/dev/pts/N)";
    cc->open = pty_open;
    cc->write = pty_write;
    cc->accept_input = pty_accept_input;
    cc->describe = pty_describe;
    cc->close = pty_close;
    p = object_class_property_add(klass, "path", PROP_KIND_STRING, pty_get_path, NULL, NULL);
    property_set_description(p, "The slave device users open (/dev/pts/N)");
}

static const TypeInfo pty_type_info = {
    .name = TYPE_CHARDEV_PTY,
    .parent = TYPE_CHARDEV,
    .category = "chardev",
    .description = "A new pseudo-terminal, announced as /dev/pts/N",
    .instance_size = sizeof(PtyChardev),
    .class_size = sizeof(ChardevClass),
    .instance_init = pty_instance_init,
    .class_init = pty_class_init,
};

TESSERA_MODULE(.name = "chardev-pty", .kind = "backend", .types = TESSERA_TYPES(&pty_type_info));
