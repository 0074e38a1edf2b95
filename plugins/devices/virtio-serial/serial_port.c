/* SPDX-License-Identifier: MIT */
/*
 * virtio-serial ports: virtserialport (a named channel, /dev/vportNpM and
 * /dev/virtio-ports/NAME in the guest) and virtconsole (an hvc console),
 * each wired to a chardev ("chardev=ID") in both directions.
 *
 * Guest to host: the port's transmit queue is written to the chardev no
 * faster than it takes output (chardev_write_room); when it is full the
 * port waits and tries again 1 ms later, so nothing is dropped and the
 * guest sees back-pressure.  Host to guest: the chardev delivers into one
 * receive buffer at a time (can_read is that buffer's room) while a guest
 * program has the port open; each delivery completes the buffer.
 * The chardev connecting or disconnecting sends PORT_OPEN to the guest.
 *
 * Properties: chardev, name, nr (port number; default: the first free, 0
 * being kept for a console).
 */
#include <string.h>

#include "kernel/log.h"
#include "plugins/devices/virtio-serial/virtio-serial.h"

#define PORT_OUT_CHUNK (64 * 1024)
#define PORT_RETRY_NS (1000 * 1000)

static bool port_usable(VirtIOSerialPort *port)
{
    return port->vser && virtio_is_ready(VIRTIO_DEVICE(port->vser));
}

/* ---- guest to host ---- */

void virtio_serial_port_flush_out(VirtIOSerialPort *port)
{
    if (!port_usable(port)) {
        return;
    }
    VirtIODevice *vdev = VIRTIO_DEVICE(port->vser);
    VirtQueue *vq = virtio_serial_port_ovq(port->vser, port->nr);
    bool pushed = false;
    for (;;) {
        if (!port->out_elem) {
            port->out_elem = virtqueue_pop(vq);
            port->out_offset = 0;
            if (!port->out_elem) {
                break;
            }
        }
        VirtQueueElement *e = port->out_elem;
        while (port->out_offset < e->out_len && port->chr) {
            size_t room = chardev_write_room(port->chr);
            if (!room) {
                timer_mod_ns(port->out_retry, clock_get_ns(CLOCK_HOST) + PORT_RETRY_NS);
                goto out;
            }
            size_t n = MIN(MIN(room, (size_t)PORT_OUT_CHUNK), e->out_len - port->out_offset);
            n = iov_to_buf(e->out_sg, e->out_num, port->out_offset, port->scratch, n);
            chardev_write(port->chr, port->scratch, (int)n);
            port->out_offset += n;
        }
        port->out_elem = NULL;
        virtqueue_push(vq, e, 0);
        pushed = true;
    }
out:
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

static void port_out_retry(void *opaque)
{
    virtio_serial_port_flush_out(opaque);
}

/* ---- host to guest ---- */

static int port_can_read(void *opaque)
{
    VirtIOSerialPort *port = opaque;
    if (!port_usable(port) || !port->guest_connected) {
        return 0;
    }
    if (!port->in_elem) {
        port->in_elem = virtqueue_pop(virtio_serial_port_ivq(port->vser, port->nr));
        if (!port->in_elem) {
            return 0;
        }
        if (!port->in_elem->in_len) {
            VirtQueue *vq = virtio_serial_port_ivq(port->vser, port->nr);
            virtqueue_unpop(vq, port->in_elem);
            port->in_elem = NULL;
            virtio_error(VIRTIO_DEVICE(port->vser), "port %u: receive buffer is not writable",
                         port->nr);
            return 0;
        }
    }
    return (int)MIN(port->in_elem->in_len, (size_t)INT32_MAX);
}

static void port_read(void *opaque, const uint8_t *buf, int len)
{
    VirtIOSerialPort *port = opaque;
    VirtQueueElement *e = port->in_elem;
    if (!e || !port_usable(port)) {
        return; /* can_read said 0: the backend should not have delivered */
    }
    VirtQueue *vq = virtio_serial_port_ivq(port->vser, port->nr);
    size_t n = iov_from_buf(e->in_sg, e->in_num, 0, buf, (size_t)len);
    port->in_elem = NULL;
    virtqueue_push(vq, e, (uint32_t)n);
    virtio_notify(VIRTIO_DEVICE(port->vser), vq);
}

void virtio_serial_port_rx_ready(VirtIOSerialPort *port)
{
    if (port->chr && port->guest_connected) {
        chardev_accept_input(port->chr);
    }
}

static void port_event(void *opaque, ChardevEvent ev)
{
    VirtIOSerialPort *port = opaque;
    bool connected;
    if (ev == CHR_EVENT_OPENED) {
        connected = true;
    } else if (ev == CHR_EVENT_CLOSED) {
        connected = false;
    } else {
        return;
    }
    if (connected == port->host_connected) {
        return;
    }
    port->host_connected = connected;
    if (port->guest_ready && port_usable(port)) {
        virtio_serial_send_control(port->vser, port->nr, VIRTIO_CONSOLE_PORT_OPEN, connected,
                                   NULL);
    }
}

static const ChardevHandlers port_chardev_handlers = {
    .can_read = port_can_read,
    .read = port_read,
    .event = port_event,
};

/* ---- control, from the device ---- */

void virtio_serial_port_guest_ready(VirtIOSerialPort *port)
{
    VirtIOSerial *vser = port->vser;
    port->guest_ready = true;
    if (port->is_console) {
        virtio_serial_send_control(vser, port->nr, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL);
    }
    if (port->name) {
        virtio_serial_send_control(vser, port->nr, VIRTIO_CONSOLE_PORT_NAME, 1, port->name);
    }
    if (port->host_connected) {
        virtio_serial_send_control(vser, port->nr, VIRTIO_CONSOLE_PORT_OPEN, 1, NULL);
    }
}

void virtio_serial_port_set_guest_open(VirtIOSerialPort *port, bool open)
{
    port->guest_connected = open;
    if (open) {
        virtio_serial_port_rx_ready(port);
        virtio_serial_port_flush_out(port);
    }
}

void virtio_serial_port_reset(VirtIOSerialPort *port)
{
    /* Elements belong to queues the reset just emptied. */
    g_clear_pointer(&port->out_elem, g_free);
    g_clear_pointer(&port->in_elem, g_free);
    port->out_offset = 0;
    port->guest_ready = false;
    port->guest_connected = false;
    if (port->out_retry) {
        timer_del(port->out_retry);
    }
}

/* ---- life cycle ---- */

static bool port_realize(DeviceState *dev, GError **errp)
{
    VirtIOSerialPort *port = VIRTIO_SERIAL_PORT(dev);
    port->is_console = VIRTIO_SERIAL_PORT_GET_CLASS(port)->is_console;
    if (port->name && !*port->name) {
        g_clear_pointer(&port->name, g_free);
    }
    if (port->chardev_id && *port->chardev_id) {
        port->chr = chardev_find(port->chardev_id);
        if (!port->chr) {
            g_set_error(errp, VIRTIO_ERROR, 0, "chardev '%s' not found", port->chardev_id);
            return false;
        }
        if (!chardev_set_handlers(port->chr, &port_chardev_handlers, port, errp)) {
            port->chr = NULL;
            return false;
        }
        port->host_connected = port->chr->fe_open;
    }
    port->scratch = g_malloc(PORT_OUT_CHUNK);
    port->out_retry = timer_new_ns(CLOCK_HOST, port_out_retry, port);
    return true;
}

static void port_unrealize(DeviceState *dev)
{
    VirtIOSerialPort *port = VIRTIO_SERIAL_PORT(dev);
    if (port->chr) {
        chardev_clear_handlers(port->chr);
        port->chr = NULL;
    }
    g_clear_pointer(&port->out_retry, timer_free);
    g_clear_pointer(&port->scratch, g_free);
    g_clear_pointer(&port->out_elem, g_free);
    g_clear_pointer(&port->in_elem, g_free);
}

static void port_instance_init(Object *obj)
{
    VIRTIO_SERIAL_PORT(obj)->nr = VIRTIO_SERIAL_NR_AUTO;
}

static const PropertyInfo port_props[] = {
    PROP_STRING("chardev", VirtIOSerialPort, chardev_id, NULL, "ID of a chardev to use"),
    PROP_STRING("name", VirtIOSerialPort, name, NULL,
                "name the guest sees (e.g. org.test.0 for /dev/virtio-ports/org.test.0)"),
    PROP_END
};

static GVariant *nr_get(Object *obj, Property *prop)
{
    return g_variant_new_uint64(VIRTIO_SERIAL_PORT(obj)->nr);
}

static bool nr_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    uint64_t v = g_variant_get_uint64(value);
    if (v >= 31) {
        g_set_error(errp, VIRTIO_ERROR, 0, "nr=%" PRIu64 " is not a port number 0..30", v);
        return false;
    }
    VIRTIO_SERIAL_PORT(obj)->nr = (uint32_t)v;
    return true;
}

static void port_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->bus_type = TYPE_VIRTIO_SERIAL_BUS;
    dc->realize = port_realize;
    dc->unrealize = port_unrealize;
    object_class_add_field_properties(klass, port_props);
    Property *p = object_class_property_add(klass, "nr", PROP_KIND_UINT32, nr_get, nr_set, NULL);
    property_set_description(p, "port number (default: the first free; 0 is for a console)");
}

static void console_class_init(ObjectClass *klass, const void *data)
{
    VIRTIO_SERIAL_PORT_CLASS(klass)->is_console = true;
}

static void serialport_class_init(ObjectClass *klass, const void *data)
{
}

const TypeInfo virtio_serial_port_types[3] = {
    {
        .name = TYPE_VIRTIO_SERIAL_PORT,
        .parent = TYPE_DEVICE,
        .category = "input",
        .description = "virtio serial port",
        .abstract = true,
        .instance_size = sizeof(VirtIOSerialPort),
        .class_size = sizeof(VirtIOSerialPortClass),
        .instance_init = port_instance_init,
        .class_init = port_class_init,
    },
    {
        .name = TYPE_VIRTCONSOLE,
        .parent = TYPE_VIRTIO_SERIAL_PORT,
        .category = "input",
        .description = "virtio console port (hvc)",
        .user_creatable = true,
        .instance_size = sizeof(VirtIOSerialPort),
        .class_size = sizeof(VirtIOSerialPortClass),
        .class_init = console_class_init,
    },
    {
        .name = TYPE_VIRTSERIALPORT,
        .parent = TYPE_VIRTIO_SERIAL_PORT,
        .category = "input",
        .description = "virtio serial port",
        .user_creatable = true,
        .instance_size = sizeof(VirtIOSerialPort),
        .class_size = sizeof(VirtIOSerialPortClass),
        .class_init = serialport_class_init,
    },
};
