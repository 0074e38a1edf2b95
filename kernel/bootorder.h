/* SPDX-License-Identifier: MIT */
/*
 * Boot order: the devices given a "bootindex" (QEMU's property, which
 * libvirt sets on a domain's first disk).  Each index names one device, at
 * most once.  Firmware learns the order from fw_cfg's "bootorder" file
 * (QEMU docs/specs/fw_cfg.rst; EDK2's QemuBootOrderLib reads it): one
 * OpenFirmware device path per line, by index, e.g.
 *
 *   /pci@ffffffffffffffff/scsi@1/channel@0/disk@0,0     scsi-hd on virtio-scsi-pci
 *   /pci@ffffffffffffffff/ethernet@3/ethernet-phy@0     virtio-net-pci
 *   /virtio-mmio@000000000a000000/disk@0,0              virtio-blk-device
 *
 * A path is built by walking from the device up through its buses: each
 * device contributes its own node, named by the device's class
 * (DeviceClass.fw_node) or else by the bus it sits on (BusClass.fw_node:
 * PCI names a device by its class code and slot, SCSI by channel, target
 * and LUN); a bus with no hook (virtio's) adds nothing, so a virtio device
 * stands at its transport's node.  A device on no bus is a board device:
 * unless its class names itself, its node is "<type>@<first MMIO address,
 * 16 hex digits>", the system bus's rule.  The device adds a suffix for
 * what lies beyond it (virtio-blk "/disk@0,0", virtio-net
 * "/ethernet-phy@0").
 */
#ifndef TESSERA_KERNEL_BOOTORDER_H
#define TESSERA_KERNEL_BOOTORDER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/device.h"

/* Claim @index (-1: none, nothing is recorded) for @dev, whose firmware
 * path gets @suffix (NULL: none), named @what in messages.  False with
 * @errp set for index < -1 or one already used ("The bootindex N has
 * already been used", QEMU's message). */
bool boot_order_add(int32_t index, DeviceState *dev, const char *suffix, const char *what,
                    GError **errp);
/* Release what @dev claimed (no-op when it claimed nothing). */
void boot_order_del(DeviceState *dev);
/* @dev's OpenFirmware device path ("/pci@.../scsi@1"), without a suffix. */
char *device_fw_path(DeviceState *dev);
/* The node a device on no bus or on the system bus gets: "<name>@<MMIO
 * region 0's address, %016x>", or "<name>" when it maps no MMIO. */
char *device_fw_mmio_node(DeviceState *dev, const char *name);
/*
 * fw_cfg's "bootorder" file as QEMU writes it: the paths (with suffixes)
 * in index order, separated by '\n', ended by a NUL counted in *@len; with
 * @strict (-boot strict=on) a last line "HALT" tells firmware to try
 * nothing else.  No device with a bootindex: empty (*@len 0).
 */
char *boot_order_fw_file(bool strict, size_t *len);

#endif
