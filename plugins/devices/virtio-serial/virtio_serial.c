/* SPDX-License-Identifier: MIT */
/*
 * virtio-serial (VIRTIO 1.1 section 5.3, the console device with
 * VIRTIO_CONSOLE_F_MULTIPORT): up to "max_ports" ports (virtconsole,
 * virtserialport) on its own bus, "virtio-serial-bus" (named "<id>.0" after
 * the device's or its -pci proxy's id).  Queues: port 0 receive/transmit
 * (0, 1), control receive/transmit (2, 3), then port n receive/transmit at
 * 2n + 2, 2n + 3.
 *
 * Control: the driver's DEVICE_READY is answered with DEVICE_ADD per port;
 * each PORT_READY with CONSOLE_PORT (consoles), PORT_NAME (named ports) and
 * PORT_OPEN when the chardev is connected; PORT_OPEN from the guest says a
 * program opened or closed the port.  Control messages wait in a queue
 * until the driver gives a buffer.  A short control message, an unknown
 * port, or a control buffer too small for its message is a guest error.
 */
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "virtio/virtio-pci.h"
#include "plugins/devices/virtio-serial/virtio-serial.h"

#define VIRTIO_CONSOLE_F_MULTIPORT 1
#define SERIAL_DATA_QUEUE_SIZE 128
#define SERIAL_CONTROL_QUEUE_SIZE 32
#define CONTROL_MSG_SIZE 8
#define SERIAL_CONFIG_SIZE 12 /* cols, rows, max_nr_ports, emerg_wr */

static unsigned ivq_index(uint32_t nr)
{
    return nr == 0 ? 0 : 2 * nr + 2;
}

VirtQueue *virtio_serial_port_ivq(VirtIOSerial *vser, uint32_t nr)
{
    return virtio_get_queue(VIRTIO_DEVICE(vser), ivq_index(nr));
}

VirtQueue *virtio_serial_port_ovq(VirtIOSerial *vser, uint32_t nr)
{
    return virtio_get_queue(VIRTIO_DEVICE(vser), ivq_index(nr) + 1);
}

/* ---- control queue ---- */

static void flush_control(VirtIOSerial *vser)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(vser);
    bool pushed = false;
    while (!g_queue_is_empty(&vser->control_out) && virtio_is_ready(vdev)) {
        VirtQueueElement *e = virtqueue_pop(vser->c_ivq);
        if (!e) {
            break;
        }
        GByteArray *msg = g_queue_peek_head(&vser->control_out);
        if (e->in_len < msg->len) {
            virtqueue_unpop(vser->c_ivq, e);
            virtio_error(vdev, "control buffer of %zu bytes is too small for a %u-byte message",
                         e->in_len, msg->len);
            break;
        }
        g_queue_pop_head(&vser->control_out);
        iov_from_buf(e->in_sg, e->in_num, 0, msg->data, msg->len);
        virtqueue_push(vser->c_ivq, e, msg->len);
        g_byte_array_unref(msg);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vser->c_ivq);
    }
}

void virtio_serial_send_control(VirtIOSerial *vser, uint32_t id, uint16_t event, uint16_t value,
                                const char *extra)
{
    uint8_t head[CONTROL_MSG_SIZE];
    virtio_stl(head, id);
    virtio_stw(head + 4, event);
    virtio_stw(head + 6, value);
    GByteArray *msg = g_byte_array_new();
    g_byte_array_append(msg, head, sizeof(head));
    if (extra) {
        g_byte_array_append(msg, (const uint8_t *)extra, (guint)strlen(extra));
    }
    g_queue_push_tail(&vser->control_out, msg);
    flush_control(vser);
}

static VirtIOSerialPort *find_port(VirtIOSerial *vser, uint32_t id)
{
    return id < vser->max_ports ? vser->ports[id] : NULL;
}

static void handle_control_message(VirtIOSerial *vser, uint32_t id, uint16_t event,
                                   uint16_t value)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(vser);
    if (event == VIRTIO_CONSOLE_DEVICE_READY) {
        if (!value) {
            log_mask(LOG_GUEST_ERROR, "%s: the driver failed to set up the device\n",
                     vdev->name);
            return;
        }
        vser->driver_ready = true;
        for (uint32_t nr = 0; nr < vser->max_ports; nr++) {
            if (vser->ports[nr]) {
                virtio_serial_send_control(vser, nr, VIRTIO_CONSOLE_DEVICE_ADD, 1, NULL);
            }
        }
        return;
    }
    VirtIOSerialPort *port = find_port(vser, id);
    if (!port) {
        log_mask(LOG_GUEST_ERROR, "%s: control event %u for port %u, which does not exist\n",
                 vdev->name, event, id);
        return;
    }
    switch (event) {
    case VIRTIO_CONSOLE_PORT_READY:
        if (!value) {
            log_mask(LOG_GUEST_ERROR, "%s: the driver failed to set up port %u\n", vdev->name,
                     id);
            return;
        }
        virtio_serial_port_guest_ready(port);
        break;
    case VIRTIO_CONSOLE_PORT_OPEN:
        virtio_serial_port_set_guest_open(port, value != 0);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "%s: control event %u from the driver is not one it sends\n",
                 vdev->name, event);
        break;
    }
}

static void control_out(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerial *vser = VIRTIO_SERIAL(vdev);
    VirtQueueElement *e;
    bool pushed = false;
    while ((e = virtqueue_pop(vq))) {
        uint8_t msg[CONTROL_MSG_SIZE];
        if (iov_to_buf(e->out_sg, e->out_num, 0, msg, sizeof(msg)) < sizeof(msg)) {
            virtqueue_unpop(vq, e);
            virtio_error(vdev, "control message of %zu bytes is shorter than %d", e->out_len,
                         CONTROL_MSG_SIZE);
            break;
        }
        virtqueue_push(vq, e, 0);
        pushed = true;
        handle_control_message(vser, (uint32_t)(msg[0] | msg[1] << 8 | msg[2] << 16 |
                                                (uint32_t)msg[3] << 24),
                               (uint16_t)(msg[4] | msg[5] << 8), (uint16_t)(msg[6] | msg[7] << 8));
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

static void control_in(VirtIODevice *vdev, VirtQueue *vq)
{
    flush_control(VIRTIO_SERIAL(vdev));
}

/* ---- data queues ---- */

static VirtIOSerialPort *port_of_queue(VirtIOSerial *vser, VirtQueue *vq)
{
    unsigned i = vq->index;
    uint32_t nr = i < 2 ? 0 : (i - 2) / 2;
    return find_port(vser, nr);
}

static void data_in(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerialPort *port = port_of_queue(VIRTIO_SERIAL(vdev), vq);
    if (port) {
        virtio_serial_port_rx_ready(port);
    }
}

static void data_out(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOSerialPort *port = port_of_queue(VIRTIO_SERIAL(vdev), vq);
    if (port) {
        virtio_serial_port_flush_out(port);
        return;
    }
    /* Nobody listens on this port: complete and drop. */
    VirtQueueElement *e;
    bool pushed = false;
    while ((e = virtqueue_pop(vq))) {
        virtqueue_push(vq, e, 0);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

/* ---- the ports' bus ---- */

static bool serial_pre_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    VirtIOSerial *vser = opaque;
    VirtIOSerialPort *port = VIRTIO_SERIAL_PORT(dev);
    bool console = VIRTIO_SERIAL_PORT_GET_CLASS(port)->is_console;
    uint32_t nr = port->nr;
    if (nr == VIRTIO_SERIAL_NR_AUTO) {
        /* Port 0 is kept for a console, as in QEMU. */
        uint32_t first = console && !vser->ports[0] ? 0 : 1;
        for (nr = first; nr < vser->max_ports && vser->ports[nr]; nr++) {
        }
        if (nr >= vser->max_ports) {
            g_set_error(errp, VIRTIO_ERROR, 0, "bus '%s' has no free port (max_ports=%u)",
                        bus->name, vser->max_ports);
            return false;
        }
    } else if (nr >= vser->max_ports) {
        g_set_error(errp, VIRTIO_ERROR, 0, "nr=%u is past the last port, %u (max_ports=%u)",
                    nr, vser->max_ports - 1, vser->max_ports);
        return false;
    } else if (vser->ports[nr]) {
        g_set_error(errp, VIRTIO_ERROR, 0, "port %u on bus '%s' is taken", nr, bus->name);
        return false;
    } else if (nr == 0 && !console) {
        g_set_error(errp, VIRTIO_ERROR, 0, "port 0 is kept for a virtconsole");
        return false;
    }
    for (uint32_t i = 0; i < vser->max_ports && port->name; i++) {
        VirtIOSerialPort *o = vser->ports[i];
        if (o && o->name && !strcmp(o->name, port->name)) {
            g_set_error(errp, VIRTIO_ERROR, 0, "a port named '%s' exists already", port->name);
            return false;
        }
    }
    port->nr = nr;
    port->vser = vser;
    vser->ports[nr] = port;
    return true;
}

static bool serial_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    VirtIOSerial *vser = opaque;
    if (vser->driver_ready) {
        virtio_serial_send_control(vser, VIRTIO_SERIAL_PORT(dev)->nr,
                                   VIRTIO_CONSOLE_DEVICE_ADD, 1, NULL);
    }
    return true;
}

static void serial_unplug(void *opaque, BusState *bus, DeviceState *dev)
{
    VirtIOSerial *vser = opaque;
    VirtIOSerialPort *port = VIRTIO_SERIAL_PORT(dev);
    if (port->nr < vser->max_ports && vser->ports[port->nr] == port) {
        vser->ports[port->nr] = NULL;
        if (vser->driver_ready) {
            virtio_serial_send_control(vser, port->nr, VIRTIO_CONSOLE_DEVICE_REMOVE, 1, NULL);
        }
    }
}

static const BusHotplugOps serial_bus_ops = {
    .pre_plug = serial_pre_plug,
    .plug = serial_plug,
    .unplug = serial_unplug,
};

/* ---- the device ---- */

static char *bus_name_for(VirtIODevice *vdev)
{
    DeviceState *d = DEVICE(vdev);
    Object *parent = object_get_parent(OBJECT(vdev));
    DeviceState *proxy = parent ? (DeviceState *)object_dynamic_cast(parent, TYPE_DEVICE) : NULL;
    const char *id = d->id ? d->id : proxy ? proxy->id : NULL;
    return id ? g_strdup_printf("%s.0", id) : NULL;
}

static bool serial_realize(VirtIODevice *vdev, GError **errp)
{
    VirtIOSerial *vser = VIRTIO_SERIAL(vdev);
    if (vser->max_ports < 1 || vser->max_ports > 31) {
        g_set_error(errp, VIRTIO_ERROR, 0, "%s: max_ports=%u is not 1..31", vdev->name,
                    vser->max_ports);
        return false;
    }
    virtio_init_config(vdev, SERIAL_CONFIG_SIZE);
    virtio_stl(vdev->config + 4, vser->max_ports);
    vser->ports = g_new0(VirtIOSerialPort *, vser->max_ports);
    g_queue_init(&vser->control_out);
    virtio_add_queue(vdev, SERIAL_DATA_QUEUE_SIZE, data_in);
    virtio_add_queue(vdev, SERIAL_DATA_QUEUE_SIZE, data_out);
    vser->c_ivq = virtio_add_queue(vdev, SERIAL_CONTROL_QUEUE_SIZE, control_in);
    vser->c_ovq = virtio_add_queue(vdev, SERIAL_CONTROL_QUEUE_SIZE, control_out);
    for (uint32_t nr = 1; nr < vser->max_ports; nr++) {
        virtio_add_queue(vdev, SERIAL_DATA_QUEUE_SIZE, data_in);
        virtio_add_queue(vdev, SERIAL_DATA_QUEUE_SIZE, data_out);
    }
    g_autofree char *name = bus_name_for(vdev);
    vser->bus = bus_new(TYPE_VIRTIO_SERIAL_BUS, OBJECT(vdev), name);
    bus_set_hotplug_handler(vser->bus, &serial_bus_ops, vser);
    return true;
}

static void serial_unrealize(VirtIODevice *vdev)
{
    VirtIOSerial *vser = VIRTIO_SERIAL(vdev);
    while (vser->bus && vser->bus->children->len) {
        bus_unplug(DEVICE(g_ptr_array_index(vser->bus->children, 0)));
    }
    g_queue_clear_full(&vser->control_out, (GDestroyNotify)g_byte_array_unref);
    g_clear_pointer(&vser->ports, g_free);
}

static uint64_t serial_get_features(VirtIODevice *vdev)
{
    return 1ULL << VIRTIO_CONSOLE_F_MULTIPORT;
}

static void serial_reset(VirtIODevice *vdev)
{
    VirtIOSerial *vser = VIRTIO_SERIAL(vdev);
    vser->driver_ready = false;
    g_queue_clear_full(&vser->control_out, (GDestroyNotify)g_byte_array_unref);
    g_queue_init(&vser->control_out);
    for (uint32_t nr = 0; vser->ports && nr < vser->max_ports; nr++) {
        if (vser->ports[nr]) {
            virtio_serial_port_reset(vser->ports[nr]);
        }
    }
}

static const PropertyInfo serial_props[] = {
    PROP_UINT32("max_ports", VirtIOSerial, max_ports, 31, "most ports (1..31)"),
    PROP_END
};

static void serial_class_init(ObjectClass *klass, const void *data)
{
    VirtIODeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);
    vdc->device_id = VIRTIO_ID_CONSOLE;
    vdc->realize = serial_realize;
    vdc->unrealize = serial_unrealize;
    vdc->get_features = serial_get_features;
    vdc->reset = serial_reset;
    object_class_add_field_properties(klass, serial_props);
}

static void serial_bus_class_init(ObjectClass *klass, const void *data)
{
    BUS_CLASS(klass)->name_prefix = TYPE_VIRTIO_SERIAL_BUS;
}

static const TypeInfo serial_types[] = {
    {
        .name = TYPE_VIRTIO_SERIAL,
        .parent = TYPE_VIRTIO_DEVICE,
        .category = "input",
        .description = "virtio serial ports and consoles",
        .user_creatable = true,
        .instance_size = sizeof(VirtIOSerial),
        .class_size = sizeof(VirtIODeviceClass),
        .class_init = serial_class_init,
    },
    {
        .name = TYPE_VIRTIO_SERIAL_BUS,
        .parent = TYPE_BUS,
        .description = "virtio serial bus",
        .instance_size = sizeof(BusState),
        .class_size = sizeof(BusClass),
        .class_init = serial_bus_class_init,
    },
};

static const TypeInfo serial_pci_info =
    VIRTIO_PCI_PROXY_TYPE(TYPE_VIRTIO_SERIAL_PCI, TYPE_VIRTIO_SERIAL, 0x0780, "input",
                          "virtio serial ports and consoles (PCI)");

TESSERA_MODULE(.name = "virtio-serial", .kind = "device",
               .types = TESSERA_TYPES(&serial_types[0], &serial_types[1], &serial_pci_info,
                                      &virtio_serial_port_types[0], &virtio_serial_port_types[1],
                                      &virtio_serial_port_types[2]));
