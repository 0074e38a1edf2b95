/* SPDX-License-Identifier: MIT */
/*
 * Buses (kernel/bus.h): -device plugs into the first bus of its type with
 * room or the one named by bus=, before realize; full buses, unknown buses
 * and buses of the wrong type are refused with messages naming them; the
 * hotplug handler runs around realize and unplug; DMA comes from the bus.
 */
#include <check.h>

#include "kernel/bus.h"
#include "kernel/core.h"
#include "kernel/options.h"

#define TYPE_TEST_BUS "test-bus"
#define TYPE_TEST_CTRL "test-ctrl"
#define TYPE_TEST_LEAF "test-leaf"

typedef struct TestCtrl {
    DeviceState parent_obj;
    BusState *bus;
} TestCtrl;

typedef struct TestLeaf {
    DeviceState parent_obj;
    bool refuse;               /* the handler's pre_plug refuses it */
} TestLeaf;

/* What the controller's hotplug handler saw. */
typedef struct HandlerLog {
    unsigned pre_plugs, plugs, unplugs;
    bool realized_at_pre_plug, realized_at_plug;
} HandlerLog;

static HandlerLog handler_log;
static AddressSpace test_dma_as;

static bool leaf_pre_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    HandlerLog *log = opaque;
    log->pre_plugs++;
    log->realized_at_pre_plug = dev->realized;
    if (((TestLeaf *)dev)->refuse) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "refused by %s", bus->name);
        return false;
    }
    return true;
}

static bool leaf_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    HandlerLog *log = opaque;
    log->plugs++;
    log->realized_at_plug = dev->realized;
    return true;
}

static void leaf_unplug(void *opaque, BusState *bus, DeviceState *dev)
{
    ((HandlerLog *)opaque)->unplugs++;
}

static const BusHotplugOps leaf_hotplug = {
    .pre_plug = leaf_pre_plug,
    .plug = leaf_plug,
    .unplug = leaf_unplug,
};

static bool ctrl_realize(DeviceState *dev, GError **errp)
{
    TestCtrl *s = (TestCtrl *)dev;
    s->bus = bus_new(TYPE_TEST_BUS, OBJECT(dev), NULL);
    s->bus->dma_as = &test_dma_as;
    s->bus->hotpluggable = true;
    bus_set_hotplug_handler(s->bus, &leaf_hotplug, &handler_log);
    return true;
}

static void test_bus_class_init(ObjectClass *klass, const void *data)
{
    BUS_CLASS(klass)->max_children = 2;
}

static void ctrl_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->user_creatable = true;
    dc->bus_type = NULL;
    dc->realize = ctrl_realize;
}

static const PropertyInfo leaf_props[] = {
    PROP_BOOL("refuse", TestLeaf, refuse, false, "pre_plug refuses this device"),
    PROP_END
};

static void leaf_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->user_creatable = true;
    dc->hotpluggable = true;
    dc->bus_type = TYPE_TEST_BUS;
    object_class_add_field_properties(klass, leaf_props);
}

static const TypeInfo test_types[] = {
    { .name = TYPE_TEST_BUS, .parent = TYPE_BUS, .instance_size = sizeof(BusState),
      .class_size = sizeof(BusClass), .class_init = test_bus_class_init },
    { .name = TYPE_TEST_CTRL, .parent = TYPE_DEVICE, .instance_size = sizeof(TestCtrl),
      .class_size = sizeof(DeviceClass), .class_init = ctrl_class_init },
    { .name = TYPE_TEST_LEAF, .parent = TYPE_DEVICE, .instance_size = sizeof(TestLeaf),
      .class_size = sizeof(DeviceClass), .class_init = leaf_class_init },
};

static void setup(void)
{
    core_init("test", "/nonexistent-install-dir");
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
    memset(&handler_log, 0, sizeof(handler_log));
}

/* -device TEXT; returns the device or NULL with *msg set (g_free). */
static DeviceState *add(const char *text, char **msg)
{
    GError *err = NULL;
    OptDict *opts = opt_dict_parse("-device", text, "driver", false, &err);
    ck_assert_msg(opts, "%s", err ? err->message : "?");
    DeviceState *dev = device_create_from_opts(opts, false, &err);
    opt_dict_free(opts);
    if (msg) {
        *msg = err ? g_strdup(err->message) : NULL;
    }
    g_clear_error(&err);
    return dev;
}

static DeviceState *add_ok(const char *text)
{
    char *msg;
    DeviceState *dev = add(text, &msg);
    ck_assert_msg(dev, "-device %s: %s", text, msg);
    return dev;
}

static void expect_refused(const char *text, const char *fragment)
{
    char *msg;
    ck_assert_msg(!add(text, &msg), "-device %s was accepted", text);
    ck_assert_msg(strstr(msg, fragment), "-device %s: '%s' lacks '%s'", text, msg, fragment);
    g_free(msg);
}

START_TEST(test_plug_first_bus_with_room)
{
    add_ok("test-ctrl,id=c0");
    add_ok("test-ctrl,id=c1");
    BusState *b0 = bus_find("c0.0"), *b1 = bus_find("c1.0");
    ck_assert_ptr_nonnull(b0);
    ck_assert_ptr_nonnull(b1);
    DeviceState *l1 = add_ok("test-leaf,id=l1");
    DeviceState *l2 = add_ok("test-leaf,id=l2");
    DeviceState *l3 = add_ok("test-leaf,id=l3");
    ck_assert_ptr_eq(l1->parent_bus, b0);
    ck_assert_ptr_eq(l2->parent_bus, b0);
    ck_assert_ptr_eq(l3->parent_bus, b1);  /* c0.0 holds 2 */
    ck_assert(l3->realized);
    ck_assert_uint_eq(handler_log.pre_plugs, 3);
    ck_assert_uint_eq(handler_log.plugs, 3);
    ck_assert(!handler_log.realized_at_pre_plug);
    ck_assert(handler_log.realized_at_plug);
    /* The bus is a child of its controller in the composition tree. */
    ck_assert_ptr_eq(object_resolve_path("/machine/peripheral/c0/c0.0", NULL), OBJECT(b0));
}
END_TEST

/* Without bus=, buses of a type fill in the numeric order of their names
 * (c9.0 before c10.0, which a string sort would reverse), unless the
 * board ranks them with bus_set_fill_order. */
START_TEST(test_fill_numeric_order)
{
    add_ok("test-ctrl,id=c10");
    add_ok("test-ctrl,id=c9");
    add_ok("test-ctrl,id=c2");
    const char *want[] = { "c2.0", "c2.0", "c9.0", "c9.0", "c10.0", "c10.0" };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        DeviceState *l = add_ok("test-leaf");
        ck_assert_str_eq(l->parent_bus->name, want[i]);
    }
    expect_refused("test-leaf", "no 'test-bus' bus with room");
}
END_TEST

START_TEST(test_fill_order_set_by_board)
{
    add_ok("test-ctrl,id=c0");
    add_ok("test-ctrl,id=c1");
    add_ok("test-ctrl,id=c2");
    BusState *b2 = bus_owned_by(DEVICE(object_resolve_path("/machine/peripheral/c2", NULL)),
                                TYPE_TEST_BUS);
    ck_assert_ptr_eq(b2, bus_find("c2.0"));
    ck_assert_ptr_null(bus_owned_by(DEVICE(object_resolve_path("/machine/peripheral/c2", NULL)),
                                    TYPE_SYSTEM_BUS));
    bus_set_fill_order(b2, -2);
    bus_set_fill_order(bus_find("c1.0"), -1);
    const char *want[] = { "c2.0", "c2.0", "c1.0", "c1.0", "c0.0" };
    for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
        DeviceState *l = add_ok("test-leaf");
        ck_assert_str_eq(l->parent_bus->name, want[i]);
    }
}
END_TEST

START_TEST(test_name_cmp_numeric)
{
    ck_assert_int_lt(bus_name_cmp("virtio-mmio-bus.9", "virtio-mmio-bus.10"), 0);
    ck_assert_int_gt(bus_name_cmp("virtio-mmio-bus.31", "virtio-mmio-bus.4"), 0);
    ck_assert_int_eq(bus_name_cmp("pcie.0", "pcie.0"), 0);
    ck_assert_int_eq(bus_name_cmp("a.007", "a.7"), 0);
    ck_assert_int_lt(bus_name_cmp("a.1", "a.1x"), 0);
    ck_assert_int_lt(bus_name_cmp("a", "b"), 0);
    ck_assert_int_lt(bus_name_cmp("scsi.2", "scsi.2.1"), 0);
}
END_TEST

START_TEST(test_bus_full)
{
    add_ok("test-ctrl,id=c0");
    add_ok("test-leaf,bus=c0.0");
    add_ok("test-leaf,bus=c0.0");
    expect_refused("test-leaf,bus=c0.0", "bus 'c0.0' is full");
    expect_refused("test-leaf", "no 'test-bus' bus with room for device 'test-leaf'");
}
END_TEST

START_TEST(test_bus_by_name)
{
    add_ok("test-ctrl,id=c0");
    add_ok("test-ctrl,id=c1");
    DeviceState *l = add_ok("test-leaf,id=l,bus=c1.0");
    ck_assert_ptr_eq(l->parent_bus, bus_find("c1.0"));
    expect_refused("test-leaf,bus=c9.0", "Bus 'c9.0' not found");
    /* Nothing named "l2" was left behind by the failure. */
    ck_assert_ptr_null(object_resolve_path("/machine/peripheral/l2", NULL));
}
END_TEST

START_TEST(test_wrong_bus_type)
{
    add_ok("test-ctrl,id=c0");
    BusState *sys = bus_new(TYPE_SYSTEM_BUS, object_root(), "sys.0");
    ck_assert_ptr_nonnull(sys);
    expect_refused("test-leaf,bus=sys.0", "device 'test-leaf' plugs into a test-bus");
    expect_refused("test-ctrl,bus=c0.0", "plugs into no bus");
}
END_TEST

START_TEST(test_pre_plug_refusal_before_realize)
{
    add_ok("test-ctrl,id=c0");
    expect_refused("test-leaf,id=r,refuse=on", "refused by c0.0");
    ck_assert_uint_eq(handler_log.plugs, 0);
    ck_assert_uint_eq(bus_find("c0.0")->children->len, 0);
    ck_assert_ptr_null(object_resolve_path("/machine/peripheral/r", NULL));
}
END_TEST

START_TEST(test_unplug_frees_room)
{
    add_ok("test-ctrl,id=c0");
    add_ok("test-leaf,id=a");
    add_ok("test-leaf,id=b");
    BusState *b0 = bus_find("c0.0");
    ck_assert(!bus_has_room(b0));
    GError *err = NULL;
    ck_assert_msg(device_delete("a", NULL, &err), "%s", err ? err->message : "?");
    ck_assert_uint_eq(handler_log.unplugs, 1);
    ck_assert_uint_eq(b0->children->len, 1);
    ck_assert(bus_has_room(b0));
    DeviceState *c = add_ok("test-leaf,id=c");
    ck_assert_ptr_eq(c->parent_bus, b0);
}
END_TEST

START_TEST(test_dma_from_bus)
{
    add_ok("test-ctrl,id=c0");
    DeviceState *l = add_ok("test-leaf");
    ck_assert_ptr_eq(device_dma_address_space(l), &test_dma_as);
    DeviceState *ctrl = DEVICE(object_resolve_path("/machine/peripheral/c0", NULL));
    ck_assert_ptr_null(device_dma_address_space(ctrl)); /* on no bus: no DMA */
}
END_TEST

START_TEST(test_qtree_nests_buses)
{
    add_ok("test-ctrl,id=c0");
    add_ok("test-leaf,id=l0");
    BusState *b = bus_find("c0.0");
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_eq(b->parent, DEVICE(object_resolve_path("/machine/peripheral/c0", NULL)));
    g_autoptr(GPtrArray) all = bus_list();
    ck_assert_uint_eq(all->len, 1);
}
END_TEST

static Suite *bus_suite(void)
{
    Suite *s = suite_create("bus");
    struct { const char *name; const TTest *fn; } cases[] = {
        { "/bus/plug/first-with-room", test_plug_first_bus_with_room },
        { "/bus/plug/full", test_bus_full },
        { "/bus/plug/numeric-order", test_fill_numeric_order },
        { "/bus/plug/fill-order", test_fill_order_set_by_board },
        { "/bus/name-cmp", test_name_cmp_numeric },
        { "/bus/plug/by-name", test_bus_by_name },
        { "/bus/plug/wrong-type", test_wrong_bus_type },
        { "/bus/plug/pre-plug-refuses", test_pre_plug_refusal_before_realize },
        { "/bus/unplug/frees-room", test_unplug_frees_room },
        { "/bus/dma/from-bus", test_dma_from_bus },
        { "/bus/tree/owner", test_qtree_nests_buses },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
