/* SPDX-License-Identifier: MIT */
/*
 * Ring buffer chardev backend ("-chardev ringbuf,id=ID[,size=64K]"): keeps
 * the last @size bytes written and never delivers input.  The contents are
 * the string property "data" (read by the monitor and by tests through
 * object_property_get_str; bytes that are not UTF-8 read as U+FFFD).
 * Options: size= (power of two, default 64 KiB).
 */
#include <string.h>

#include "kernel/chardev.h"
#include "kernel/module.h"

#define TYPE_CHARDEV_RINGBUF TYPE_CHARDEV_PREFIX "ringbuf"

#define RINGBUF_DEFAULT_SIZE (64 * 1024)
#define RINGBUF_MAX_SIZE (256 * 1024 * 1024)

typedef struct RingbufChardev {
    Chardev parent_obj;
    uint8_t *buf;
    uint64_t size;         /* power of two */
    uint64_t prod;         /* total bytes ever written */
} RingbufChardev;

OBJECT_DECLARE_SIMPLE_TYPE(RingbufChardev, RINGBUF_CHARDEV, TYPE_CHARDEV_RINGBUF)

static const char *const ringbuf_options[] = { "size", NULL };

static int ringbuf_write(Chardev *chr, const uint8_t *buf, int len)
{
    RingbufChardev *s = RINGBUF_CHARDEV(chr);
    uint64_t n = len;

    if (n > s->size) {
        /* Only the tail can survive; skip what it would overwrite. */
        s->prod += n - s->size;
        buf += n - s->size;
        n = s->size;
    }
    while (n) {
        uint64_t at = s->prod & (s->size - 1);
        uint64_t chunk = MIN(n, s->size - at);
        memcpy(s->buf + at, buf, chunk);
        s->prod += chunk;
        buf += chunk;
        n -= chunk;
    }
    return len;
}

static bool ringbuf_open(Chardev *chr, OptDict *opts, GError **errp)
{
    RingbufChardev *s = RINGBUF_CHARDEV(chr);
    const char *text = opt_dict_get(opts, "size");
    uint64_t size = RINGBUF_DEFAULT_SIZE;

    if (text && (!opt_parse_size(text, 1, &size) || size == 0 || (size & (size - 1)))) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "invalid value '%s' for 'size' (expected a power of two such as 64K)",
                    text);
        return false;
    }
    if (size > RINGBUF_MAX_SIZE) {
        g_set_error(errp, CHARDEV_ERROR, CHARDEV_ERROR_INVALID,
                    "invalid value '%s' for 'size' (at most 256M)", text);
        return false;
    }
    s->size = size;
    s->buf = g_malloc0(size);
    chardev_be_event(chr, CHR_EVENT_OPENED);
    return true;
}

static void ringbuf_close(Chardev *chr)
{
    RingbufChardev *s = RINGBUF_CHARDEV(chr);

    g_free(s->buf);
    s->buf = NULL;
}

static char *ringbuf_describe(Chardev *chr)
{
    return g_strdup_printf("ringbuf:size=%" G_GUINT64_FORMAT, RINGBUF_CHARDEV(chr)->size);
}

static GVariant *ringbuf_get_data(Object *obj, Property *prop)
{
    RingbufChardev *s = RINGBUF_CHARDEV(obj);
    uint64_t count = s->buf ? MIN(s->prod, s->size) : 0;
    g_autofree uint8_t *lin = g_malloc(count + 1);

    for (uint64_t i = 0; i < count; i++) {
        lin[i] = s->buf[(s->prod - count + i) & (s->size - 1)];
    }
    return g_variant_new_take_string(g_utf8_make_valid((const char *)lin, count));
}

static GVariant *ringbuf_get_size(Object *obj, Property *prop)
{
    return g_variant_new_uint64(RINGBUF_CHARDEV(obj)->size);
}

static void ringbuf_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);
    Property *p;

    cc->backend = "ringbuf";
    cc->desc = "Keeps the last bytes written in memory";
    cc->options = ringbuf_options;
    cc->open = ringbuf_open;
    cc->write = ringbuf_write;
    cc->describe = ringbuf_describe;
    cc->close = ringbuf_close;
    p = object_class_property_add(klass, "data", PROP_KIND_STRING, ringbuf_get_data, NULL,
                                  NULL);
    property_set_description(p, "The last bytes written (up to size)");
    p = object_class_property_add(klass, "size", PROP_KIND_SIZE, ringbuf_get_size, NULL, NULL);
    property_set_description(p, "Capacity in bytes");
}

static const TypeInfo ringbuf_type_info = {
    .name = TYPE_CHARDEV_RINGBUF,
    .parent = TYPE_CHARDEV,
    .category = "chardev",
    .description = "Keeps the last bytes written in memory (size=, property data)",
    .instance_size = sizeof(RingbufChardev),
    .class_size = sizeof(ChardevClass),
    .class_init = ringbuf_class_init,
};

TESSERA_MODULE(.name = "chardev-ringbuf", .kind = "backend",
               .types = TESSERA_TYPES(&ringbuf_type_info));
