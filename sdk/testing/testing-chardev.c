/* SPDX-License-Identifier: MIT */
/*
 * Test harness: an in-memory chardev backend ("chardev-tsr-test").
 * Output the device writes is collected; input the test feeds is queued
 * and delivered only as fast as the device's frontend accepts it, as a
 * real backend would.
 */
#include "testing-internal.h"

#include <string.h>

#include "kernel/options.h"

#define TYPE_CHARDEV_TSR_TEST TYPE_CHARDEV_PREFIX "tsr-test"

typedef struct TestChardev {
    Chardev parent_obj;
    GByteArray *out;            /* written by the device, not yet taken */
    GByteArray *in;             /* fed by the test, not yet delivered */
    bool pumping;
} TestChardev;

static TestChardev *test_chardev(Chardev *chr)
{
    return OBJECT_CHECK(TestChardev, chr, TYPE_CHARDEV_TSR_TEST);
}

/* Deliver queued input while the frontend takes it.  A frontend that asks
 * for more input from inside its read handler is served by the running
 * loop, not by a nested one. */
static void test_chardev_pump(TestChardev *s)
{
    if (s->pumping) {
        return;
    }
    s->pumping = true;
    while (s->in->len) {
        int room = chardev_be_can_read(&s->parent_obj);
        if (room <= 0) {
            break;
        }
        guint n = MIN((guint)room, s->in->len);
        uint8_t *chunk = g_memdup2(s->in->data, n);
        g_byte_array_remove_range(s->in, 0, n);
        chardev_be_read(&s->parent_obj, chunk, (int)n);
        g_free(chunk);
    }
    s->pumping = false;
}

static int test_chardev_write(Chardev *chr, const uint8_t *buf, int len)
{
    g_byte_array_append(test_chardev(chr)->out, buf, (guint)len);
    return len;
}

static void test_chardev_accept_input(Chardev *chr)
{
    test_chardev_pump(test_chardev(chr));
}

static void test_chardev_init(Object *obj)
{
    TestChardev *s = test_chardev(CHARDEV(obj));
    s->out = g_byte_array_new();
    s->in = g_byte_array_new();
}

static void test_chardev_finalize(Object *obj)
{
    TestChardev *s = test_chardev(CHARDEV(obj));
    g_byte_array_unref(s->out);
    g_byte_array_unref(s->in);
}

static void test_chardev_class_init(ObjectClass *klass, const void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(klass);
    cc->backend = "tsr-test";
    cc->desc = "in-memory chardev of the SDK test harness";
    cc->write = test_chardev_write;
    cc->accept_input = test_chardev_accept_input;
}

static const TypeInfo test_chardev_info = {
    .name = TYPE_CHARDEV_TSR_TEST,
    .parent = TYPE_CHARDEV,
    .instance_size = sizeof(TestChardev),
    .class_size = sizeof(ChardevClass),
    .class_init = test_chardev_class_init,
    .instance_init = test_chardev_init,
    .instance_finalize = test_chardev_finalize,
};

TsrTestChardev *tsr_test_chardev_new(TsrTestBus *bus, const char *id)
{
    if (!type_lookup(TYPE_CHARDEV_TSR_TEST)) {
        type_register_static(&test_chardev_info);
    }
    OptDict *opts = opt_dict_new("-chardev");
    opt_dict_set(opts, "backend", "tsr-test");
    opt_dict_set(opts, "id", id);
    GError *err = NULL;
    Chardev *chr = chardev_new_from_opts(opts, &err);
    opt_dict_free(opts);
    if (!chr) {
        test_fail("tsr_test_chardev_new(\"%s\"): %s", id, err->message);
    }
    TsrTestChardev *c = g_new0(TsrTestChardev, 1);
    c->bus = bus;
    c->chr = chr;
    g_ptr_array_add(bus->chardevs, c);
    return c;
}

void test_chardev_free(TsrTestChardev *c)
{
    chardev_delete(c->chr);
    g_free(c);
}

size_t tsr_test_chardev_feed(TsrTestChardev *c, const void *buf, size_t len)
{
    TestChardev *s = test_chardev(c->chr);
    g_byte_array_append(s->in, buf, (guint)len);
    test_chardev_pump(s);
    return s->in->len;
}

size_t tsr_test_chardev_feed_str(TsrTestChardev *c, const char *text)
{
    return tsr_test_chardev_feed(c, text, strlen(text));
}

size_t tsr_test_chardev_pending(TsrTestChardev *c)
{
    TestChardev *s = test_chardev(c->chr);
    test_chardev_pump(s);
    return s->in->len;
}

char *tsr_test_chardev_take(TsrTestChardev *c, size_t *len)
{
    TestChardev *s = test_chardev(c->chr);
    char *text = g_malloc(s->out->len + 1);
    memcpy(text, s->out->data, s->out->len);
    text[s->out->len] = '\0';
    if (len) {
        *len = s->out->len;
    }
    g_byte_array_set_size(s->out, 0);
    return text;
}
