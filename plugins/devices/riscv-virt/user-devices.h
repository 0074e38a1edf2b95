/* SPDX-License-Identifier: MIT */
/*
 * The riscv virt board's window for user-created MMIO devices (-device):
 * a range of 4 KiB slots and a range of PLIC inputs from which each
 * device gets an address and its IRQ inputs, explicitly (its "addr" and
 * "irq" properties) or automatically.  See user-devices.c.
 */
#ifndef TESSERA_RISCV_VIRT_USER_DEVICES_H
#define TESSERA_RISCV_VIRT_USER_DEVICES_H

#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/memory.h"

#define VIRT_ERROR_DOMAIN "tessera-riscv-virt-error"
#define VIRT_ERROR (g_quark_from_static_string(VIRT_ERROR_DOMAIN))

/* Granule of the window: every device starts on, and covers whole, slots. */
#define VIRT_USER_SLOT_SIZE 0x1000

typedef struct VirtUserWindow {
    MemoryRegion *sysmem;      /* where devices are mapped */
    DeviceState *intc;         /* the interrupt controller they are wired to */
    hwaddr base;               /* slot-aligned */
    uint64_t size;             /* a multiple of VIRT_USER_SLOT_SIZE */
    uint32_t irq_first;        /* inputs irq_first .. irq_first + irq_count - 1 */
    uint32_t irq_count;
    GArray *placed;            /* VirtUserPlacement, in plug order */
} VirtUserWindow;

void virt_user_window_init(VirtUserWindow *w, MemoryRegion *sysmem, DeviceState *intc,
                           hwaddr base, uint64_t size, uint32_t irq_first, uint32_t irq_count);
/* Forget every placement (devices stay mapped: the board is going away). */
void virt_user_window_destroy(VirtUserWindow *w);

/*
 * Place the realized @dev: map its MMIO regions in the window, connect its
 * IRQ outputs to the controller, write the chosen "addr"/"irq" back.
 * On failure nothing is changed and the message names what the user gave.
 */
bool virt_user_plug(VirtUserWindow *w, DeviceState *dev, GError **errp);
/* Undo virt_user_plug (no-op for a device that was not placed). */
void virt_user_unplug(VirtUserWindow *w, DeviceState *dev);

/* Record every placed device's IRQ routing for its device-tree node. */
void virt_user_fdt_routes(const VirtUserWindow *w, FdtBuilder *fdt, const char *intc_label);

#endif
