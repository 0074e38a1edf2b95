/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration interface (QEMU docs/specs/fw_cfg.rst), the
 * memory-mapped variant with DMA ("fw-cfg-mmio"): items selected by a
 * 16-bit key, named files from key 0x20 listed in the directory at 0x19.
 * Boards add items before the guest runs; the device copies the data.
 *
 * When realized, the device also publishes the machine's command-line
 * firmware settings, as QEMU does: FW_CFG_BOOT_MENU (-boot menu=),
 * "etc/boot-menu-wait" (-boot splash-time=, 16-bit little-endian ms),
 * "bootorder" (QEMU's format, kernel/bootorder.h: filled at every reset
 * from the devices with a bootindex, "HALT" last with -boot strict=on;
 * empty when none has one) and every -fw_cfg file.
 */
#ifndef TESSERA_FW_CFG_H
#define TESSERA_FW_CFG_H

#include <glib.h>
#include <stdint.h>

#include "kernel/device.h"

#define TYPE_FW_CFG_MMIO "fw-cfg-mmio"

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
};

/* Numbered item @key (< FW_CFG_FILE_FIRST, not the device's own 0, 1 and
 * 0x19); replaces an earlier value. */
void fw_cfg_add_bytes(DeviceState *fw, uint16_t key, const void *data, size_t len);
/* Little-endian integers, as QEMU stores its numbered items. */
void fw_cfg_add_u16(DeviceState *fw, uint16_t key, uint16_t v);
void fw_cfg_add_u32(DeviceState *fw, uint16_t key, uint32_t v);
void fw_cfg_add_u64(DeviceState *fw, uint16_t key, uint64_t v);
/* A named file (at most 55 bytes of name); fails on a duplicate name or
 * when the directory is full. */
bool fw_cfg_add_file(DeviceState *fw, const char *name, const void *data, size_t len,
                     GError **errp);

/* Firmware boot of -kernel/-initrd/-append (QEMU's arm layout): the kernel
 * and initrd files' bytes as FW_CFG_KERNEL/INITRD_DATA with 32-bit sizes,
 * the command line with its NUL as FW_CFG_CMDLINE_DATA.  Fails with an
 * error naming the file it cannot read. */
bool fw_cfg_add_kernel_images(DeviceState *fw, const char *kernel, const char *initrd,
                              const char *cmdline, GError **errp);

#endif
