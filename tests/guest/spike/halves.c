/* SPDX-License-Identifier: MIT */
/* tohost written as two 32-bit stores, low half first (as 32-bit code
 * does): the command acts on the high half.  Status 4. */
#include "spike.h"

static void tohost_by_halves(uint64_t cmd)
{
    volatile uint32_t *half = (volatile uint32_t *)htif_tohost;
    while (*htif_tohost) {
    }
    half[0] = (uint32_t)cmd;
    half[1] = (uint32_t)(cmd >> 32);
}

int main(void)
{
    for (const char *s = "two halves\n"; *s; s++) {
        tohost_by_halves(HTIF_CMD(HTIF_DEV_CONSOLE, HTIF_CONSOLE_PUTC, (uint8_t)*s));
    }
    tohost_by_halves(4 << 1 | 1);
    for (;;) {
    }
}
