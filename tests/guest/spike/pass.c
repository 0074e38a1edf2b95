/* SPDX-License-Identifier: MIT */
/* Passes: console output through HTIF putchar, the boot arguments (a0 =
 * hartid, a1 = device tree) and the device tree's HTIF node.  Status 0. */
#include "spike.h"

int main(void)
{
    htif_puts("hello from spike\n");
    CHECK(boot_hartid == 0);
    uint64_t from = 0, to = 0;
    int found = fdt_find_htif(boot_fdt, &from, &to);
    /* QEMU gives the node a reg only when the ELF has no symbols. */
    if (!QEMU_REFERENCE) {
        CHECK(found == 0);
        CHECK(from == (uint64_t)(uintptr_t)htif_fromhost);
        CHECK(to == (uint64_t)(uintptr_t)htif_tohost);
    }
    return 0;
}
