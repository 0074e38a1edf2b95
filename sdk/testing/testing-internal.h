/* SPDX-License-Identifier: MIT */
/* Inside the SDK test harness (libtessera-testing); never installed. */
#ifndef TESSERA_SDK_TESTING_INTERNAL_H
#define TESSERA_SDK_TESTING_INTERNAL_H

#include "kernel/bus.h"
#include "kernel/chardev.h"
#include "kernel/device.h"
#include "kernel/memory.h"
#include "tessera/testing.h"

struct TsrTestBus {
    Object *container;         /* /tsr-test/busN: parent of the bus's devices */
    MemoryRegion root;         /* the whole 64-bit space */
    AddressSpace as;
    BusState *sysbus;          /* devices plug here; DMA reaches @as */
    GPtrArray *devices;        /* TsrTestDevice * */
    GPtrArray *chardevs;       /* TsrTestChardev * */
    GPtrArray *ram;            /* MemoryRegion * */
    char *error;
    bool last_ok;
};

typedef struct TestPin {
    IRQLine *line;             /* connected to the device's output */
    int level;
    unsigned rises;
} TestPin;

struct TsrTestDevice {
    TsrTestBus *bus;
    DeviceState *dev;
    GPtrArray *pins;           /* TestPin *, one per output pin */
};

struct TsrTestChardev {
    TsrTestBus *bus;
    Chardev *chr;
};

/* Print "tsr-test: MESSAGE" and abort: the test itself is broken. */
G_NORETURN void test_fail(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void test_chardev_free(TsrTestChardev *c);
char *test_fdt_dump(const void *blob, const char *under);

#endif
