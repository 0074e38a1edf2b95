/* SPDX-License-Identifier: MIT */
/* Replies in fromhost keep the command's device and command fields:
 * console putchar -> 0x100 | byte, syscall -> 1; replies wait while the
 * guest has not cleared fromhost.  Status 0. */
#include "spike.h"

#define CONSOLE_ACK(c) HTIF_CMD(HTIF_DEV_CONSOLE, HTIF_CONSOLE_PUTC, 0x100 | (uint8_t)(c))

static uint64_t take_reply(void)
{
    while (!*htif_fromhost) {
    }
    uint64_t v = *htif_fromhost;
    *htif_fromhost = 0;
    return v;
}

int main(void)
{
    if (QEMU_REFERENCE) {
        /* QEMU 7.2 only delivers replies when fromhost is tohost + 8. */
        htif_puts("x\nsyscall reply\n");
        return 0;
    }
    for (int i = 0; i < 64 && *htif_fromhost; i++) {
        *htif_fromhost = 0;
    }
    htif_putchar('x');
    CHECK(take_reply() == CONSOLE_ACK('x'));
    CHECK(*htif_fromhost == 0);
    /* Replies queue while fromhost is full. */
    htif_putchar('y');
    htif_putchar('z');
    CHECK(take_reply() == CONSOLE_ACK('y'));
    CHECK(take_reply() == CONSOLE_ACK('z'));
    CHECK(*htif_fromhost == 0);
    htif_putchar('\n');
    take_reply();
    static const char msg[] = "syscall reply\n";
    CHECK(htif_syscall(SYS_WRITE, 1, (uint64_t)(uintptr_t)msg, sizeof(msg) - 1) ==
          (int64_t)sizeof(msg) - 1);
    return 0;
}
