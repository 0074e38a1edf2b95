/* SPDX-License-Identifier: MIT */
/*
 * virtio-keyboard (VIRTIO 1.1 section 5.8, virtio-input): an input device
 * whose keys come from the host.  Tessera has no display to type on, so
 * the one key the host presses is Power: when the board has no power
 * button of its own (riscv virt has none), system_powerdown (virsh
 * shutdown) presses and releases KEY_POWER here, and the guest's input
 * daemon (acpid, systemd-logind, or a shell loop reading /dev/input/eventN)
 * powers the guest off.  The configuration space therefore advertises
 * exactly EV_KEY with KEY_POWER, so the guest knows what it can get.
 *
 * Queues: eventq (device to driver: 8-byte events, one per buffer) and
 * statusq (driver to device: LED state, consumed; this keyboard has none).
 * Events wait in a small queue while the driver has no buffer.
 */
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "kernel/runstate.h"
#include "virtio/virtio-pci.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_KEYBOARD "virtio-keyboard-device"
#define TYPE_VIRTIO_KEYBOARD_PCI "virtio-keyboard-pci"
#define VIRTIO_ID_INPUT 18
#define VIRTIO_INPUT_QUEUE_SIZE 64
#define VIRTIO_INPUT_PENDING 64

/* Configuration selectors (section 5.8.4). */
enum {
    CFG_UNSET = 0x00, CFG_ID_NAME = 0x01, CFG_ID_SERIAL = 0x02, CFG_ID_DEVIDS = 0x03,
    CFG_PROP_BITS = 0x10, CFG_EV_BITS = 0x11, CFG_ABS_INFO = 0x12,
};
#define CFG_OFF_SELECT 0
#define CFG_OFF_SUBSEL 1
#define CFG_OFF_SIZE 2
#define CFG_OFF_DATA 8
#define CFG_DATA_MAX 128

/* Linux input event codes (include/uapi/linux/input-event-codes.h). */
#define EV_SYN 0x00
#define EV_KEY 0x01
#define SYN_REPORT 0
#define KEY_POWER 116
#define BUS_VIRTUAL 0x06

typedef struct InputEvent {
    uint16_t type, code;
    uint32_t value;
} InputEvent;

typedef struct VirtIOKeyboard {
    VirtIODevice parent_obj;
    VirtQueue *eventq, *statusq;
    InputEvent pending[VIRTIO_INPUT_PENDING];
    unsigned head, count;
    uint64_t power_presses;    /* "power-presses": how often Power was pressed */
} VirtIOKeyboard;

OBJECT_DECLARE_SIMPLE_TYPE(VirtIOKeyboard, VIRTIO_KEYBOARD, TYPE_VIRTIO_KEYBOARD)

static const char keyboard_name[] = "Tessera Virtio Keyboard";

/* The answer to the driver's (select, subsel) in @config. */
static void fill_config(uint8_t *config)
{
    uint8_t select = config[CFG_OFF_SELECT], subsel = config[CFG_OFF_SUBSEL];
    uint8_t *data = config + CFG_OFF_DATA;
    size_t size = 0;
    memset(data, 0, CFG_DATA_MAX);
    switch (select) {
    case CFG_ID_NAME:
        if (subsel == 0) {
            size = strlen(keyboard_name);
            memcpy(data, keyboard_name, size);
        }
        break;
    case CFG_ID_DEVIDS:
        if (subsel == 0) {
            const uint16_t ids[4] = { BUS_VIRTUAL, 0x1af4, 0x0001, 0x0001 };
            for (int i = 0; i < 4; i++) {
                data[2 * i] = ids[i] & 0xff;
                data[2 * i + 1] = ids[i] >> 8;
            }
            size = sizeof(ids);
        }
        break;
    case CFG_EV_BITS:
        if (subsel == EV_KEY) {
            data[KEY_POWER / 8] |= 1u << (KEY_POWER % 8);
            size = KEY_POWER / 8 + 1;
        }
        break;
    default:
        break; /* no serial, no properties, no absolute axes: size 0 */
    }
    config[CFG_OFF_SIZE] = (uint8_t)size;
}

static void keyboard_get_config(VirtIODevice *vdev, uint8_t *config)
{
    fill_config(config);
}

static void keyboard_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    /* Only select and subsel are driver-writable. */
    vdev->config[CFG_OFF_SELECT] = config[CFG_OFF_SELECT];
    vdev->config[CFG_OFF_SUBSEL] = config[CFG_OFF_SUBSEL];
    fill_config(vdev->config);
}

/* Deliver queued events while the driver has buffers. */
static void flush_events(VirtIOKeyboard *s)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    bool pushed = false;
    if (!virtio_is_ready(vdev) || !s->eventq->ready) {
        return;
    }
    while (s->count) {
        VirtQueueElement *e = virtqueue_pop(s->eventq);
        if (!e) {
            break;
        }
        if (e->in_len < 8) {
            virtqueue_unpop(s->eventq, e);
            virtio_error(vdev, "event buffer of %zu bytes (an event has 8)", e->in_len);
            break;
        }
        const InputEvent *ev = &s->pending[s->head];
        uint8_t raw[8] = {
            ev->type & 0xff, ev->type >> 8, ev->code & 0xff, ev->code >> 8,
            ev->value & 0xff, (ev->value >> 8) & 0xff, (ev->value >> 16) & 0xff,
            ev->value >> 24,
        };
        size_t done = 0;
        for (unsigned i = 0; i < e->in_num && done < sizeof(raw); i++) {
            size_t n = MIN(e->in_sg[i].iov_len, sizeof(raw) - done);
            memcpy(e->in_sg[i].iov_base, raw + done, n);
            done += n;
        }
        virtqueue_push(s->eventq, e, sizeof(raw));
        s->head = (s->head + 1) % VIRTIO_INPUT_PENDING;
        s->count--;
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, s->eventq);
    }
}

static void queue_event(VirtIOKeyboard *s, uint16_t type, uint16_t code, uint32_t value)
{
    if (s->count == VIRTIO_INPUT_PENDING) {
        return; /* the driver took nothing for a long time: drop, as a full buffer would */
    }
    s->pending[(s->head + s->count) % VIRTIO_INPUT_PENDING] =
        (InputEvent){ .type = type, .code = code, .value = value };
    s->count++;
}

/* system_powerdown: press and release Power. */
static void keyboard_power_button(void *opaque)
{
    VirtIOKeyboard *s = opaque;
    s->power_presses++;
    queue_event(s, EV_KEY, KEY_POWER, 1);
    queue_event(s, EV_SYN, SYN_REPORT, 0);
    queue_event(s, EV_KEY, KEY_POWER, 0);
    queue_event(s, EV_SYN, SYN_REPORT, 0);
    flush_events(s);
}

static void eventq_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    flush_events(VIRTIO_KEYBOARD(vdev));
}

static void statusq_handle(VirtIODevice *vdev, VirtQueue *vq)
{
    bool pushed = false;
    VirtQueueElement *e;
    while ((e = virtqueue_pop(vq))) {
        virtqueue_push(vq, e, 0); /* LED changes: this keyboard has no LEDs */
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

static bool keyboard_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIOKeyboard *s = VIRTIO_KEYBOARD(vdev);
    virtio_init_config(vdev, CFG_OFF_DATA + CFG_DATA_MAX);
    s->eventq = virtio_add_queue(vdev, VIRTIO_INPUT_QUEUE_SIZE, eventq_handle);
    s->statusq = virtio_add_queue(vdev, VIRTIO_INPUT_QUEUE_SIZE, statusq_handle);
    if (!runstate_has_powerdown_handler()) {
        runstate_set_powerdown_handler(keyboard_power_button, s);
    }
    return true;
}

static void keyboard_unrealize(VirtIODevice *vdev)
{
    if (runstate_has_powerdown_handler() && runstate_powerdown_handler_opaque() == vdev) {
        runstate_set_powerdown_handler(NULL, NULL);
    }
}

static void keyboard_reset(VirtIODevice *vdev)
{
    VirtIOKeyboard *s = VIRTIO_KEYBOARD(vdev);
    s->head = s->count = 0;
}

static GVariant *presses_get(Object *obj, Property *prop)
{
    return g_variant_new_uint64(VIRTIO_KEYBOARD(obj)->power_presses);
}

static void keyboard_class_init(ObjectClass *klass, const void *data)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);
    vdc->device_id = VIRTIO_ID_INPUT;
    vdc->realize = keyboard_realize;
    vdc->unrealize = keyboard_unrealize;
    vdc->reset = keyboard_reset;
    vdc->get_config = keyboard_get_config;
    vdc->set_config = keyboard_set_config;
    Property *p = object_class_property_add(klass, "power-presses", PROP_KIND_UINT64,
                                            presses_get, NULL, NULL);
    property_set_description(p, "how often the host pressed Power (system_powerdown)");
}

static const TypeInfo keyboard_info = {
    .name = TYPE_VIRTIO_KEYBOARD,
    .parent = TYPE_VIRTIO_DEVICE,
    .category = "input",
    .description = "virtio keyboard with the host's Power key (system_powerdown)",
    .user_creatable = true,
    .instance_size = sizeof(VirtIOKeyboard),
    .class_size = sizeof(VirtIODeviceClass),
    .class_init = keyboard_class_init,
};

/* PCI class 0x0900: input device, keyboard. */
static const TypeInfo keyboard_pci_info =
    VIRTIO_PCI_PROXY_TYPE(TYPE_VIRTIO_KEYBOARD_PCI, TYPE_VIRTIO_KEYBOARD, 0x0900, "input",
                          "virtio keyboard with the host's Power key (PCI)");

TESSERA_MODULE(.name = "virtio-input", .kind = "device",
               .types = TESSERA_TYPES(&keyboard_info, &keyboard_pci_info));
