/* SPDX-License-Identifier: MIT */
/*
 * FdtBuilder: a thin helper over libfdt's read-write API for boards and
 * devices that describe themselves in a flattened device tree.
 *
 * Nodes are named by absolute path ("/soc/serial@10000000"); adding a node
 * creates missing parents.  The blob grows on demand.  Errors are sticky:
 * the first failure is kept, later calls do nothing, and
 * fdt_builder_finish() (or fdt_builder_take_error()) reports it as a GError.
 * This lets DeviceClass.fdt_node hooks, which return nothing, use the
 * builder without checking every call.
 *
 * Phandles are allocated by label (any string: "plic", "hart0-intc", a
 * device's canonical path).  A label's number can be asked for before the
 * node that owns it exists; fdt_builder_set_phandle() later writes it.
 *
 * Boards record how each device's output pins reach interrupt controllers
 * (fdt_builder_set_irq); devices then write "interrupts" or
 * "interrupts-extended" from that record with fdt_builder_prop_irqs, so a
 * device never needs to know its board's IRQ numbering.
 */
#ifndef TESSERA_KERNEL_FDT_H
#define TESSERA_KERNEL_FDT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/device.h"

#define FDT_ERROR (fdt_error_quark())
GQuark fdt_error_quark(void);
typedef enum {
    FDT_ERROR_LIBFDT,      /* libfdt refused an operation */
    FDT_ERROR_NOT_FOUND,   /* no node at the given path */
    FDT_ERROR_INVALID,     /* bad blob or argument */
    FDT_ERROR_TOO_BIG,     /* blob would exceed FDT_BUILDER_MAX_SIZE */
} FdtErrorCode;

/* The blob never grows past this (libfdt offsets are ints). */
#define FDT_BUILDER_MAX_SIZE (64u * 1024 * 1024)

/* Most cells in one interrupt specifier (GICv3: 3, with affinity 4). */
#define FDT_MAX_IRQ_CELLS 4

/* New tree with an empty root node (no properties yet). */
FdtBuilder *fdt_builder_new(void);
/* Start from an existing blob (e.g. -dtb FILE); the blob is copied. */
FdtBuilder *fdt_builder_new_from_blob(const void *blob, size_t size, GError **errp);
void fdt_builder_free(FdtBuilder *fdt);

/* Sticky error state. */
bool fdt_builder_failed(const FdtBuilder *fdt);
/* Move the first error out (or return true when there was none). */
bool fdt_builder_take_error(FdtBuilder *fdt, GError **errp);

/* Create the node at @path and any missing parents (existing: no-op). */
void fdt_builder_add_node(FdtBuilder *fdt, const char *path);
bool fdt_builder_node_exists(FdtBuilder *fdt, const char *path);
/* Delete a property if present. */
void fdt_builder_del_prop(FdtBuilder *fdt, const char *path, const char *name);

/* Properties; the node must exist. */
void fdt_builder_prop_empty(FdtBuilder *fdt, const char *path, const char *name);
void fdt_builder_prop_string(FdtBuilder *fdt, const char *path, const char *name,
                             const char *value);
/* NULL-terminated list, stored as consecutive NUL-terminated strings. */
void fdt_builder_prop_strings(FdtBuilder *fdt, const char *path, const char *name,
                              const char *const *values);
void fdt_builder_prop_u32(FdtBuilder *fdt, const char *path, const char *name, uint32_t value);
/* One 64-bit value as two cells. */
void fdt_builder_prop_u64(FdtBuilder *fdt, const char *path, const char *name, uint64_t value);
void fdt_builder_prop_cells(FdtBuilder *fdt, const char *path, const char *name,
                            const uint32_t *cells, size_t count);
void fdt_builder_prop_bytes(FdtBuilder *fdt, const char *path, const char *name,
                            const void *data, size_t len);
/*
 * "reg" from @count (address, size) pairs, encoded with the parent node's
 * #address-cells and #size-cells (2 and 1 when the parent lacks them).
 */
void fdt_builder_prop_reg(FdtBuilder *fdt, const char *path, const uint64_t *pairs,
                          size_t count);

/* Phandle for @label, allocated on first use (never 0). */
uint32_t fdt_builder_phandle(FdtBuilder *fdt, const char *label);
/* The label's phandle if allocated, else 0. */
uint32_t fdt_builder_lookup_phandle(const FdtBuilder *fdt, const char *label);
/* Write "phandle" = fdt_builder_phandle(@label) on the node at @path. */
uint32_t fdt_builder_set_phandle(FdtBuilder *fdt, const char *path, const char *label);
/*
 * The label a device's own phandle goes under: its canonical path in the
 * composition tree ("/machine/plic"), or a unique string when detached.
 * Boards use it to name a controller in fdt_builder_set_irq().  g_free it.
 */
char *fdt_device_label(const DeviceState *dev);

/*
 * Interrupt routing, recorded by the board: output pin @pin of @dev reaches
 * the controller labelled @parent_label as the interrupt specifier @cells
 * (as many as the controller's #interrupt-cells, at most FDT_MAX_IRQ_CELLS;
 * a GIC takes 3: type, number, flags).  fdt_builder_set_irq is the
 * one-cell form (PLIC, a hart's local controller).
 */
void fdt_builder_set_irq_cells(FdtBuilder *fdt, const DeviceState *dev, int pin,
                               const char *parent_label, const uint32_t *cells, unsigned ncells);
void fdt_builder_set_irq(FdtBuilder *fdt, const DeviceState *dev, int pin,
                         const char *parent_label, uint32_t irq);
/*
 * Write @dev's routed pins on the node at @path, in pin order: with one
 * common parent "interrupt-parent" + "interrupts", otherwise
 * "interrupts-extended".  Nothing when no pin is routed.
 */
void fdt_builder_prop_irqs(FdtBuilder *fdt, const char *path, const DeviceState *dev);
/* The route recorded for @dev's @pin: its controller's label (borrowed)
 * and specifier (@ncells cells); false when the pin is not routed. */
bool fdt_builder_get_irq(const FdtBuilder *fdt, const DeviceState *dev, int pin,
                         const char **parent_label, uint32_t cells[FDT_MAX_IRQ_CELLS],
                         unsigned *ncells);
/* Write "interrupts-extended" for @dev's routed pins regardless. */
void fdt_builder_prop_irqs_extended(FdtBuilder *fdt, const char *path, const DeviceState *dev);
/* The same for the routed pins @first, @first + @stride, ... only (a
 * device described by several nodes, each owning some of its pins). */
void fdt_builder_prop_irqs_extended_subset(FdtBuilder *fdt, const char *path,
                                           const DeviceState *dev, int first, int stride);

/* Node under which devices place themselves ("/soc"; default "/"). */
void fdt_builder_set_bus_path(FdtBuilder *fdt, const char *path);
const char *fdt_builder_bus_path(const FdtBuilder *fdt);
/* "<bus>/<name>@<addr in hex>", e.g. "/soc/serial@10000000"; g_free it. */
char *fdt_builder_device_path(const FdtBuilder *fdt, const char *name, uint64_t addr);

/* Pack the tree and return the sticky error state. */
bool fdt_builder_finish(FdtBuilder *fdt, GError **errp);
/* The blob (valid until the next modification or free) and its size. */
const void *fdt_builder_blob(const FdtBuilder *fdt, size_t *size);

/* Read a whole DTB file (a regular file of at most 16 MiB) and check its
 * header; errors name the file. */
bool fdt_load_file(const char *filename, void **blob, size_t *size, GError **errp);

#endif
