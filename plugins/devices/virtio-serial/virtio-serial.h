/* SPDX-License-Identifier: MIT */
/*
 * Inside the virtio-serial module: the multiport console device
 * (virtio_serial.c) and its ports (serial_port.c) on the
 * "virtio-serial-bus".
 */
#ifndef TESSERA_VIRTIO_SERIAL_H
#define TESSERA_VIRTIO_SERIAL_H

#include "kernel/chardev.h"
#include "kernel/clock.h"
#include "virtio/virtio.h"

#define TYPE_VIRTIO_SERIAL "virtio-serial-device"
#define TYPE_VIRTIO_SERIAL_PCI "virtio-serial-pci"
#define TYPE_VIRTIO_SERIAL_BUS "virtio-serial-bus"
#define TYPE_VIRTIO_SERIAL_PORT "virtio-serial-port"
#define TYPE_VIRTCONSOLE "virtconsole"
#define TYPE_VIRTSERIALPORT "virtserialport"

#define VIRTIO_SERIAL_NR_AUTO UINT32_MAX

typedef struct VirtIOSerial VirtIOSerial;

typedef struct VirtIOSerialPort {
    DeviceState parent_obj;
    char *chardev_id;          /* "chardev" */
    char *name;                /* "name", sent to the guest */
    uint32_t nr;               /* "nr": port number, VIRTIO_SERIAL_NR_AUTO to pick */
    bool is_console;
    Chardev *chr;
    VirtIOSerial *vser;
    bool guest_ready;          /* driver acknowledged the port (PORT_READY) */
    bool guest_connected;      /* a guest program has it open */
    bool host_connected;       /* the chardev's backend is connected */
    /* guest -> host: request being written out */
    VirtQueueElement *out_elem;
    size_t out_offset;
    uint8_t *scratch;
    Timer *out_retry;
    /* host -> guest: buffer being filled */
    VirtQueueElement *in_elem;
} VirtIOSerialPort;

typedef struct VirtIOSerialPortClass {
    DeviceClass parent_class;
    bool is_console;
} VirtIOSerialPortClass;

OBJECT_DECLARE_TYPE(VirtIOSerialPort, VirtIOSerialPortClass, VIRTIO_SERIAL_PORT,
                    TYPE_VIRTIO_SERIAL_PORT)

struct VirtIOSerial {
    VirtIODevice parent_obj;
    uint32_t max_ports;        /* "max_ports" */
    BusState *bus;
    VirtIOSerialPort **ports;  /* by number, max_ports entries */
    VirtQueue *c_ivq, *c_ovq;
    GQueue control_out;        /* GByteArray *: messages waiting for a buffer */
    bool driver_ready;         /* DEVICE_READY received */
};

OBJECT_DECLARE_SIMPLE_TYPE(VirtIOSerial, VIRTIO_SERIAL, TYPE_VIRTIO_SERIAL)

/* Control events (VIRTIO 1.1 5.3.6.2). */
enum {
    VIRTIO_CONSOLE_DEVICE_READY = 0,
    VIRTIO_CONSOLE_DEVICE_ADD = 1,
    VIRTIO_CONSOLE_DEVICE_REMOVE = 2,
    VIRTIO_CONSOLE_PORT_READY = 3,
    VIRTIO_CONSOLE_CONSOLE_PORT = 4,
    VIRTIO_CONSOLE_RESIZE = 5,
    VIRTIO_CONSOLE_PORT_OPEN = 6,
    VIRTIO_CONSOLE_PORT_NAME = 7,
};

/* virtio_serial.c, for the ports */
void virtio_serial_send_control(VirtIOSerial *vser, uint32_t id, uint16_t event, uint16_t value,
                                const char *extra);
VirtQueue *virtio_serial_port_ivq(VirtIOSerial *vser, uint32_t nr);
VirtQueue *virtio_serial_port_ovq(VirtIOSerial *vser, uint32_t nr);

/* serial_port.c, for the device */
void virtio_serial_port_flush_out(VirtIOSerialPort *port);
void virtio_serial_port_rx_ready(VirtIOSerialPort *port);
void virtio_serial_port_guest_ready(VirtIOSerialPort *port);
void virtio_serial_port_set_guest_open(VirtIOSerialPort *port, bool open);
void virtio_serial_port_reset(VirtIOSerialPort *port);
/* The port types (serial_port.c), listed by the module descriptor. */
extern const TypeInfo virtio_serial_port_types[3];

#endif
