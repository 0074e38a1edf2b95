/* SPDX-License-Identifier: MIT */
/* Library for the spike programs (see spike.h). */
#include "spike.h"

#if !HTIF_FROM_DT
/* The words spike and QEMU look up by name, 64-byte aligned as in riscv-tests. */
volatile uint64_t tohost __attribute__((section(".tohost"), aligned(64)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(64)));
volatile uint64_t *htif_tohost = &tohost;
volatile uint64_t *htif_fromhost = &fromhost;
#else
volatile uint64_t *htif_tohost;
volatile uint64_t *htif_fromhost;
#endif

uint64_t boot_hartid;
uint64_t boot_fdt;
volatile uint64_t last_ecall_cause;
volatile uint64_t timer_irqs;

/* The syscall proxy's block: number, then arguments; result in word 0. */
static volatile uint64_t magic_mem[8] __attribute__((aligned(64)));

void htif_putchar(char c)
{
    while (*htif_tohost) {
    }
    *htif_tohost = HTIF_CMD(HTIF_DEV_CONSOLE, HTIF_CONSOLE_PUTC, (uint8_t)c);
}

void htif_puts(const char *s)
{
    for (; *s; s++) {
        htif_putchar(*s);
    }
}

void htif_put_hex(uint64_t v)
{
    htif_puts("0x");
    for (int i = 60; i >= 0; i -= 4) {
        htif_putchar("0123456789abcdef"[(v >> i) & 0xf]);
    }
}

void htif_put_dec(uint64_t v)
{
    char buf[21];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        htif_putchar(buf[--n]);
    }
}

void htif_exit(uint64_t status)
{
    while (*htif_tohost) {
    }
    *htif_tohost = status << 1 | 1;
    for (;;) {
    }
}

int64_t htif_syscall(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2)
{
    /* Take stale replies (console acknowledgements) out of the way. */
    for (int i = 0; i < 64 && *htif_fromhost; i++) {
        *htif_fromhost = 0;
    }
    magic_mem[0] = n;
    magic_mem[1] = a0;
    magic_mem[2] = a1;
    magic_mem[3] = a2;
    __sync_synchronize();
    while (*htif_tohost) {
    }
    *htif_tohost = HTIF_CMD(HTIF_DEV_SYSTEM, 0, (uint64_t)(uintptr_t)magic_mem);
    /* QEMU 7.2 only delivers replies when fromhost is tohost + 8. */
    if (!QEMU_REFERENCE) {
        while (!*htif_fromhost) {
        }
        *htif_fromhost = 0;
    }
    __sync_synchronize();
    return (int64_t)magic_mem[0];
}

uint64_t str_len(const char *s)
{
    uint64_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

void check_failed(int line, const char *expr)
{
    htif_puts("CHECK FAILED at line ");
    htif_put_dec((uint64_t)line);
    htif_puts(": ");
    htif_puts(expr);
    htif_putchar('\n');
    htif_exit(CHECK_FAILED_STATUS);
}

/* ---- device tree ---------------------------------------------------------- */

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static uint32_t be32(uint64_t addr)
{
    const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)addr;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(uint64_t addr)
{
    return (uint64_t)be32(addr) << 32 | be32(addr + 4);
}

static int str_eq(uint64_t addr, const char *s)
{
    const char *p = (const char *)(uintptr_t)addr;
    for (; *s; s++, p++) {
        if (*p != *s) {
            return 0;
        }
    }
    return *p == 0;
}

/* Does the string list [@addr, @addr + @len) hold @s? */
static int strlist_has(uint64_t addr, uint32_t len, const char *s)
{
    uint64_t end = addr + len;
    while (addr < end) {
        if (str_eq(addr, s)) {
            return 1;
        }
        addr += str_len((const char *)(uintptr_t)addr) + 1;
    }
    return 0;
}

/*
 * Walk the structure block; a node whose compatible holds "ucb,htif0" and
 * has a reg (two address and two size cells, as at the root) gives
 * fromhost = entry 0, tohost = entry 1 (or fromhost + 8), as OpenSBI reads it.
 */
int fdt_find_htif(uint64_t fdt, uint64_t *fromhost_addr, uint64_t *tohost_addr)
{
    if (be32(fdt) != FDT_MAGIC) {
        return -1;
    }
    uint64_t p = fdt + be32(fdt + 8);
    uint64_t strings = fdt + be32(fdt + 12);
    int compat = 0;
    uint64_t reg = 0;
    uint32_t reg_len = 0;
    for (;;) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            p += (str_len((const char *)(uintptr_t)p) + 1 + 3) & ~3ull;
            compat = 0;
            reg = 0;
        } else if (tok == FDT_PROP) {
            uint32_t len = be32(p);
            uint64_t name = strings + be32(p + 4);
            uint64_t val = p + 8;
            if (str_eq(name, "compatible") && strlist_has(val, len, "ucb,htif0")) {
                compat = 1;
            } else if (str_eq(name, "reg")) {
                reg = val;
                reg_len = len;
            }
            p = val + ((len + 3) & ~3u);
        } else if (tok == FDT_END_NODE) {
            if (compat) {
                if (!reg || reg_len < 16) {
                    return -2;
                }
                *fromhost_addr = be64(reg);
                *tohost_addr = reg_len >= 32 ? be64(reg + 16) : *fromhost_addr + 8;
                return 0;
            }
            compat = 0;
            reg = 0;
        } else if (tok != FDT_NOP) {
            return -3;
        }
    }
}
