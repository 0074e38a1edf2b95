/* SPDX-License-Identifier: MIT */
/* Built without tohost/fromhost symbols (HTIF_FROM_DT): start-up found the
 * words through the device tree, in the board's fixed window.  Status 0. */
#include "spike.h"

#define HTIF_WINDOW 0x1000000ull

int main(void)
{
    htif_puts("htif found through the device tree\n");
    CHECK((uint64_t)(uintptr_t)htif_fromhost == HTIF_WINDOW);
    CHECK((uint64_t)(uintptr_t)htif_tohost == HTIF_WINDOW + 8);
    return 0;
}
