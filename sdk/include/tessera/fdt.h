/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: describing a device in the flattened device tree.
 *
 * Boards that generate a device tree call each device's fdt_node hook.
 * The hook creates its node with tsr_fdt_add_node() and adds properties;
 * the core writes "reg" from the mapped regions and the interrupt
 * properties from the board's wiring, so a device never needs to know
 * addresses or interrupt numbers:
 *
 *   static void mydev_fdt_node(TsrDevice *dev, TsrFdt *fdt)
 *   {
 *       if (tsr_fdt_add_node(fdt, "timer", "acme,timer-v1")) {
 *           tsr_fdt_prop_u32(fdt, "clock-frequency", 1000000);
 *       }
 *   }
 *
 * Errors are kept by the tree builder and reported by the board; the
 * calls return nothing.
 */
#ifndef TESSERA_SDK_FDT_H
#define TESSERA_SDK_FDT_H

#include <tessera/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Add this device's node "<bus>/<name>@<address of region 0>" with
 * "compatible" = @compatible, "reg" for every mapped region and the
 * interrupt properties for every wired output.  Returns false, writing
 * nothing, when region 0 is not mapped.  The tsr_fdt_prop_* calls below
 * then add properties to that node.
 */
bool tsr_fdt_add_node(TsrFdt *fdt, const char *name, const char *compatible);
/* Node path, e.g. "/soc/timer@10010000", or NULL before tsr_fdt_add_node. */
const char *tsr_fdt_node_path(const TsrFdt *fdt);

void tsr_fdt_prop_empty(TsrFdt *fdt, const char *name);
void tsr_fdt_prop_u32(TsrFdt *fdt, const char *name, uint32_t value);
/* One 64-bit value as two cells. */
void tsr_fdt_prop_u64(TsrFdt *fdt, const char *name, uint64_t value);
void tsr_fdt_prop_cells(TsrFdt *fdt, const char *name, const uint32_t *cells, size_t count);
void tsr_fdt_prop_string(TsrFdt *fdt, const char *name, const char *value);
/* A string list ("compatible" with fallbacks); @values NULL-terminated. */
void tsr_fdt_prop_strings(TsrFdt *fdt, const char *name, const char *const *values);

#ifdef __cplusplus
}
#endif

#endif
