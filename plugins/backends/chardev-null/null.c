/* SPDX-License-Identifier: MIT */
/*
 * Null chardev backend ("-chardev null,id=ID", "-serial null"): output is
 * taken and discarded, no input ever arrives.  No options of its own.
 */
#include "kernel/chardev.h"
#include "kernel/module.h"

#define TYPE_CHARDEV_NULL TYPE_CHARDEV_PREFIX "null"

static int null_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

static bool null_open(Chardev *chr, OptDict *opts, GError **errp)
{
    chardev_be_event(chr, CHR_EVENT_OPENED);
    return true;
}

static void null_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);

    cc->backend = "null";
    cc->desc = "Discards output, never delivers input";
    cc->open = null_open;
    cc->write = null_write;
}

static const TypeInfo null_type_info = {
    .name = TYPE_CHARDEV_NULL,
    .parent = TYPE_CHARDEV,
    .category = "chardev",
    .description = "Discards output, never delivers input",
    .instance_size = sizeof(Chardev),
    .class_size = sizeof(ChardevClass),
    .class_init = null_class_init,
};

TESSERA_MODULE(.name = "chardev-null", .kind = "backend", .types = TESSERA_TYPES(&null_type_info));
