/* SPDX-License-Identifier: MIT */
/*
 * SDK facade: chardev properties.  The user names a chardev by id; at
 * realize the facade attaches to it as frontend and stores the handle in
 * the plugin's TsrChardev * field, and detaches at unrealize.
 */
#include "sdk-internal.h"

#include <limits.h>
#include <string.h>

static TsrChardev **sdk_chardev_field(TsrChardev *h)
{
    return (TsrChardev **)(h->dev->state + h->prop->offset);
}

static int sdk_chr_can_read(void *opaque)
{
    TsrChardev *h = opaque;
    if (!h->can_receive || !h->receive) {
        return 0;
    }
    return (int)MIN(h->can_receive(h->opaque), (size_t)INT_MAX);
}

static void sdk_chr_read(void *opaque, const uint8_t *buf, int len)
{
    TsrChardev *h = opaque;
    if (h->receive && len > 0) {
        h->receive(h->opaque, buf, (size_t)len);
    }
}

static const ChardevHandlers sdk_chr_handlers = {
    .can_read = sdk_chr_can_read,
    .read = sdk_chr_read,
};

bool sdk_chardev_attach_all(TsrDevice *dev, GError **errp)
{
    for (int i = 0; i < dev->type->num_chardevs; i++) {
        TsrChardev *h = &dev->chardevs[i];
        if (!h->id || !h->id[0]) {
            continue;
        }
        Chardev *chr = chardev_find(h->id);
        GError *err = NULL;
        if (!chr) {
            g_set_error(&err, CHARDEV_ERROR, CHARDEV_ERROR_NOT_FOUND, "no chardev with id '%s'",
                        h->id);
        } else if (chardev_set_handlers(chr, &sdk_chr_handlers, h, &err)) {
            h->chr = chr;
            *sdk_chardev_field(h) = h;
            continue;
        }
        g_propagate_prefixed_error(errp, err, "property '%s': ", h->prop->name);
        sdk_chardev_detach_all(dev);
        return false;
    }
    return true;
}

void sdk_chardev_detach_all(TsrDevice *dev)
{
    for (int i = 0; i < dev->type->num_chardevs; i++) {
        TsrChardev *h = &dev->chardevs[i];
        if (h->chr) {
            chardev_clear_handlers(h->chr);
            h->chr = NULL;
        }
        *sdk_chardev_field(h) = NULL;
    }
}

static GVariant *sdk_chardev_prop_get(Object *obj, Property *prop)
{
    TsrDevice *dev = sdk_device_from_object(obj);
    const char *id = dev->chardevs[GPOINTER_TO_INT(prop->opaque)].id;
    return g_variant_new_string(id ? id : "");
}

static bool sdk_chardev_prop_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    TsrDevice *dev = sdk_device_from_object(obj);
    if (dev->parent_obj.realized) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "property '%s' cannot change once the device is realized", prop->name);
        return false;
    }
    TsrChardev *h = &dev->chardevs[GPOINTER_TO_INT(prop->opaque)];
    g_free(h->id);
    h->id = g_strdup(prop_string_peek(value));
    return true;
}

void sdk_chardev_add_properties(ObjectClass *klass, const SdkType *type)
{
    for (int i = 0; i < type->num_chardevs; i++) {
        const TsrProperty *p = type->chardev_props[i];
        Property *prop = object_class_property_add(klass, p->name, PROP_KIND_STRING,
                                                   sdk_chardev_prop_get, sdk_chardev_prop_set,
                                                   GINT_TO_POINTER(i));
        g_autofree char *desc = g_strdup_printf("%s (id of a -chardev)",
                                                p->description ? p->description : "Chardev");
        property_set_description(prop, desc);
    }
}

size_t tsr_chardev_write(TsrChardev *chr, const void *buf, size_t len)
{
    if (!chr || !chr->chr) {
        return len;
    }
    int n = chardev_write(chr->chr, buf, (int)MIN(len, (size_t)INT_MAX));
    return n > 0 ? (size_t)n : 0;
}

void tsr_chardev_set_receive(TsrChardev *chr, TsrChardevCanReceive can_receive,
                             TsrChardevReceive receive, void *opaque)
{
    if (!chr) {
        return;
    }
    chr->can_receive = can_receive;
    chr->receive = receive;
    chr->opaque = opaque;
    tsr_chardev_accept_input(chr);
}

void tsr_chardev_accept_input(TsrChardev *chr)
{
    if (chr && chr->chr) {
        chardev_accept_input(chr->chr);
    }
}
