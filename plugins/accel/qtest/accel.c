/* SPDX-License-Identifier: MIT */
/*
 * The "qtest" accelerator: CPUs exist (the board creates and resets them)
 * but never execute; a test drives the devices through the qtest protocol
 * (protocol.c) on a chardev, and the virtual clock moves only by its
 * clock_step / clock_set commands.
 *
 *   -accel qtest,chardev=ID        protocol on an existing chardev
 *   -qtest unix:PATH | stdio | chardev:ID | any -serial shorthand
 *                                  (the launcher creates chardev "qtest"
 *                                  and selects this accelerator)
 *
 * Properties:
 *   chardev        id of the chardev carrying the protocol ("": none)
 *   exit-on-close  end the process when the client disconnects (default on:
 *                  a test that dies leaves no emulator behind)
 *
 * Memory commands go to the address space the first CPU would use (the
 * machine's when there is no CPU), so MMIO is dispatched exactly as a CPU
 * access, under the device lock.
 */
#include "kernel/accel.h"
#include "kernel/chardev.h"
#include "kernel/core.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "plugins/accel/qtest/qtest.h"

#define TYPE_QTEST_ACCEL "qtest" TYPE_ACCEL_SUFFIX
/* Input taken per delivery; lines are reassembled by the session. */
#define QTEST_READ_CHUNK 4096

typedef struct QTestAccel {
    AccelState parent_obj;
    char *chardev_id;
    bool exit_on_close;
    Chardev *chr;               /* attached, or NULL */
    QTestSession *session;
} QTestAccel;

OBJECT_DECLARE_SIMPLE_TYPE(QTestAccel, QTEST_ACCEL, TYPE_QTEST_ACCEL)

static void qtest_emit(void *opaque, const char *text, size_t len)
{
    QTestAccel *a = opaque;
    if (a->chr) {
        chardev_write(a->chr, (const uint8_t *)text, (int)len);
    }
}

static int qtest_can_read(void *opaque)
{
    return QTEST_READ_CHUNK;
}

static void qtest_read(void *opaque, const uint8_t *buf, int len)
{
    QTestAccel *a = opaque;
    qtest_session_feed(a->session, buf, (size_t)len);
}

static void qtest_event(void *opaque, ChardevEvent ev)
{
    QTestAccel *a = opaque;
    switch (ev) {
    case CHR_EVENT_OPENED:
        qtest_session_reset(a->session); /* a new client starts clean */
        break;
    case CHR_EVENT_CLOSED:
        qtest_session_reset(a->session);
        if (a->exit_on_close) {
            system_request_shutdown(SHUTDOWN_CAUSE_HOST_QMP);
        }
        break;
    default:
        break;
    }
}

static const ChardevHandlers qtest_handlers = {
    .can_read = qtest_can_read,
    .read = qtest_read,
    .event = qtest_event,
};

static bool qtest_init_machine(AccelState *accel, MachineState *ms, GError **errp)
{
    QTestAccel *a = QTEST_ACCEL(accel);
    AddressSpace *as = &ms->address_space;
    if (ms->cpus && ms->cpus->len) {
        CPUState *cpu0 = g_ptr_array_index(ms->cpus, 0);
        if (cpu0->as) {
            as = cpu0->as;
        }
    }
    a->session = qtest_session_new(as, qtest_emit, a);
    if (!a->chardev_id || !*a->chardev_id) {
        return true;
    }
    Chardev *chr = chardev_find(a->chardev_id);
    if (!chr) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-accel qtest: no chardev with id '%s'", a->chardev_id);
        return false;
    }
    GError *err = NULL;
    /* Set before attaching: attaching an open chardev reports OPENED. */
    a->chr = chr;
    if (!chardev_set_handlers(chr, &qtest_handlers, a, &err)) {
        a->chr = NULL;
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-accel qtest: %s", err->message);
        g_error_free(err);
        return false;
    }
    object_ref(OBJECT(chr));
    return true;
}

/* No vCPU threads: the CPUs stay as reset, and nothing ever runs them. */
static bool qtest_start_vcpus(AccelState *accel, MachineState *ms, GError **errp)
{
    return true;
}

/* Interrupts only set the CPU's pending bits; no thread waits to be woken. */
static void qtest_kick(AccelState *accel, CPUState *cpu)
{
}

static void qtest_accel_finalize(Object *obj)
{
    QTestAccel *a = QTEST_ACCEL(obj);
    if (a->chr) {
        chardev_clear_handlers(a->chr);
        object_unref(OBJECT(a->chr));
        a->chr = NULL;
    }
    qtest_session_free(a->session);
}

static const PropertyInfo qtest_accel_props[] = {
    PROP_STRING("chardev", QTestAccel, chardev_id, NULL,
                "Chardev carrying the qtest protocol (-qtest DEV creates one)"),
    PROP_BOOL("exit-on-close", QTestAccel, exit_on_close, true,
              "Exit when the qtest client disconnects"),
    PROP_END
};

static void qtest_accel_class_init(ObjectClass *klass, const void *data)
{
    AccelClass *ac = ACCEL_CLASS(klass);
    ac->name = "qtest";
    ac->desc = "no guest execution: devices driven through the qtest protocol";
    ac->init_machine = qtest_init_machine;
    ac->start_vcpus = qtest_start_vcpus;
    ac->kick = qtest_kick;
    object_class_add_field_properties(klass, qtest_accel_props);
}

static const TypeInfo qtest_type_info = {
    .name = TYPE_QTEST_ACCEL,
    .parent = TYPE_ACCEL,
    .category = "accel",
    .description = "qtest: devices driven by a test, CPUs never run",
    .instance_size = sizeof(QTestAccel),
    .class_size = sizeof(AccelClass),
    .class_init = qtest_accel_class_init,
    .instance_finalize = qtest_accel_finalize,
};

TESSERA_MODULE(.name = "accel-qtest", .kind = "accel", .types = TESSERA_TYPES(&qtest_type_info));
