/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: the opaque handles every other SDK header uses.
 *
 * A plugin never sees a core structure.  It holds pointers to these
 * incomplete types and passes them back to tsr_* functions; the core may
 * change what is behind them in any release without breaking plugins.
 * Include <tessera/device.h> rather than this file.
 */
#ifndef TESSERA_SDK_TYPES_H
#define TESSERA_SDK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/version.h>

/* One instance of a device type declared by a plugin. */
typedef struct TsrDevice TsrDevice;
/* An MMIO region of a device (tsr_device_add_region). */
typedef struct TsrRegion TsrRegion;
/* An output interrupt pin of a device (tsr_device_add_irq). */
typedef struct TsrIrq TsrIrq;
/* A timer on the virtual clock (tsr_timer_new). */
typedef struct TsrTimer TsrTimer;
/* The host side of a character stream, from a chardev property. */
typedef struct TsrChardev TsrChardev;
/* The device tree under construction, inside a device's fdt_node hook. */
typedef struct TsrFdt TsrFdt;
/* A configuration error reported from realize (tsr_error_set). */
typedef struct TsrError TsrError;

/* printf-style format checking where the compiler supports it. */
#if defined(__GNUC__) || defined(__clang__)
#define TSR_PRINTF(fmt_arg, first_arg) __attribute__((format(printf, fmt_arg, first_arg)))
#else
#define TSR_PRINTF(fmt_arg, first_arg)
#endif

#endif
