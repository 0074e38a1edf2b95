/* SPDX-License-Identifier: MIT */
/* The ACPI Generic Event Device's event register (plugins/devices/acpi/ged.c). */
#ifndef TESSERA_ACPI_GED_H
#define TESSERA_ACPI_GED_H

#include <stdint.h>

#include "kernel/device.h"

#define TYPE_ACPI_GED "acpi-ged"
#define ACPI_GED_MMIO_SIZE 4
enum { ACPI_GED_POWER_DOWN = 1u << 1 };   /* QEMU's event bit for the power button */

/* Latch @events in the selector and pulse the interrupt. */
void acpi_ged_event(DeviceState *dev, uint32_t events);

#endif
