/* SPDX-License-Identifier: MIT */
/*
 * Pipe chardev backend ("-chardev pipe,id=ID,path=PATH", "-serial
 * pipe:PATH"): named pipes.  Input comes from PATH.in and output goes to
 * PATH.out when both exist; otherwise PATH carries both directions.
 * The pipes are opened read-write, so opening never waits for the other
 * end and a peer closing its end is not an end of file.
 * Options: path= (required).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kernel/chardev.h"
#include "kernel/hostfile.h"
#include "kernel/module.h"

#define TYPE_CHARDEV_PIPE TYPE_CHARDEV_PREFIX "pipe"

typedef struct PipeChardev {
    Chardev parent_obj;
    ChardevStream stream;
    int fd_in, fd_out;     /* the same fd when PATH carries both ways */
    char *path;
} PipeChardev;

OBJECT_DECLARE_SIMPLE_TYPE(PipeChardev, PIPE_CHARDEV, TYPE_CHARDEV_PIPE)

static const char *const pipe_options[] = { "path", NULL };

static int pipe_write(Chardev *chr, const uint8_t *buf, int len)
{
    return chardev_stream_write(&PIPE_CHARDEV(chr)->stream, buf, len);
}

static void pipe_accept_input(Chardev *chr)
{
    chardev_stream_accept_input(&PIPE_CHARDEV(chr)->stream);
}

static int open_fifo(const char *path)
{
    return host_file_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
}

static bool pipe_open(Chardev *chr, OptDict *opts, GError **errp)
{
    PipeChardev *s = PIPE_CHARDEV(chr);
    const char *path = opt_dict_get(opts, "path");

    if (!path || !*path) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID, "pipe: 'path' is required");
        return false;
    }
    s->path = g_strdup(path);
    g_autofree char *in_path = g_strconcat(path, ".in", NULL);
    g_autofree char *out_path = g_strconcat(path, ".out", NULL);
    s->fd_in = open_fifo(in_path);
    s->fd_out = s->fd_in >= 0 ? open_fifo(out_path) : -1;
    if (s->fd_in < 0 || s->fd_out < 0) {
        if (s->fd_in >= 0) {
            close(s->fd_in);
        }
        s->fd_in = s->fd_out = open_fifo(path);
        if (s->fd_in < 0) {
            g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST,
                        "could not open '%s' (nor '%s' and '%s'): %s", path, in_path,
                        out_path, g_strerror(errno));
            return false;
        }
    }
    chardev_stream_init(&s->stream, chr, CHARDEV_STREAM_DEFAULT_PENDING, NULL);
    chardev_stream_set_fds(&s->stream, s->fd_in, s->fd_out);
    chardev_be_event(chr, CHR_EVENT_OPENED);
    return true;
}

static void pipe_close(Chardev *chr)
{
    PipeChardev *s = PIPE_CHARDEV(chr);

    chardev_stream_destroy(&s->stream);
    if (s->fd_out >= 0 && s->fd_out != s->fd_in) {
        close(s->fd_out);
    }
    if (s->fd_in >= 0) {
        close(s->fd_in);
    }
    s->fd_in = s->fd_out = -1;
    g_free(s->path);
    s->path = NULL;
}

static char *pipe_describe(Chardev *chr)
{
    return g_strdup_printf("pipe:%s", PIPE_CHARDEV(chr)->path);
}

static void pipe_instance_init(Object *obj)
{
    PipeChardev *s = PIPE_CHARDEV(obj);

    s->fd_in = s->fd_out = -1;
}

static void pipe_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);

    cc->backend = "pipe";
    cc->desc = "Named pipes PATH.in/PATH.out, or PATH both ways";
    cc->options = pipe_options;
    cc->open = pipe_open;
    cc->write = pipe_write;
    cc->accept_input = pipe_accept_input;
    cc->describe = pipe_describe;
    cc->close = pipe_close;
}

static const TypeInfo pipe_type_info = {
    .name = TYPE_CHARDEV_PIPE,
    .parent = TYPE_CHARDEV,
    .category = "chardev",
    .description = "Named pipes PATH.in/PATH.out, or PATH both ways (path=)",
    .instance_size = sizeof(PipeChardev),
    .class_size = sizeof(ChardevClass),
    .instance_init = pipe_instance_init,
    .class_init = pipe_class_init,
};

TESSERA_MODULE(.name = "chardev-pipe", .kind = "backend", .types = TESSERA_TYPES(&pipe_type_info));
