/* SPDX-License-Identifier: MIT */
/*
 * File chardev backend ("-chardev file,id=ID,path=PATH[,append=on]",
 * "-serial file:PATH"): output goes to a regular file, no input.
 * Options: path= (required), append=on|off (default off: truncate).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kernel/chardev.h"
#include "kernel/hostfile.h"
#include "kernel/module.h"

#define TYPE_CHARDEV_FILE TYPE_CHARDEV_PREFIX "file"

typedef struct FileChardev {
    Chardev parent_obj;
    int fd;
    char *path;
} FileChardev;

OBJECT_DECLARE_SIMPLE_TYPE(FileChardev, FILE_CHARDEV, TYPE_CHARDEV_FILE)

static const char *const file_options[] = { "path", "append", NULL };

/* A regular file never blocks for long: write everything now. */
static int file_write(Chardev *chr, const uint8_t *buf, int len)
{
    FileChardev *s = FILE_CHARDEV(chr);
    int done = 0;

    while (done < len) {
        ssize_t w = write(s->fd, buf + done, len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break; /* disk full or similar: the rest is lost */
        }
        done += w;
    }
    return done;
}

static char *file_describe(Chardev *chr)
{
    return g_strdup_printf("file:%s", FILE_CHARDEV(chr)->path);
}

static bool file_open(Chardev *chr, OptDict *opts, GError **errp)
{
    FileChardev *s = FILE_CHARDEV(chr);
    const char *path = opt_dict_get(opts, "path");
    bool append;

    if (!path || !*path) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID, "file: 'path' is required");
        return false;
    }
    if (!chardev_opt_bool(opts, "append", false, &append, errp)) {
        return false;
    }
    s->path = g_strdup(path);
    GError *err = NULL;
    s->fd = host_file_open_write(path, append ? O_APPEND : O_TRUNC, &err);
    if (s->fd < 0) {
        g_set_error_literal(errp, CHARDEV_ERROR, CHARDEV_ERROR_HOST, err->message);
        g_error_free(err);
        return false;
    }
    chardev_be_event(chr, CHR_EVENT_OPENED);
    return true;
}

static void file_close(Chardev *chr)
{
    FileChardev *s = FILE_CHARDEV(chr);

    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    g_free(s->path);
    s->path = NULL;
}

static void file_instance_init(Object *obj)
{
    FILE_CHARDEV(obj)->fd = -1;
}

static void file_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);

    cc->backend = "file";
    cc->desc = "Writes output to a file";
    cc->options = file_options;
    cc->open = file_open;
    cc->write = file_write;
    cc->describe = file_describe;
    cc->close = file_close;
}

static const TypeInfo file_type_info = {
    .name = TYPE_CHARDEV_FILE,
    .parent = TYPE_CHARDEV,
    .category = "chardev",
    .description = "Writes output to a file (path=, append=)",
    .instance_size = sizeof(FileChardev),
    .class_size = sizeof(ChardevClass),
    .instance_init = file_instance_init,
    .class_init = file_class_init,
};

TESSERA_MODULE(.name = "chardev-file", .kind = "backend", .types = TESSERA_TYPES(&file_type_info));
