/* SPDX-License-Identifier: MIT */
/*
 * Library for the bare-metal spike programs: HTIF console, exit and
 * syscall proxy, a device-tree lookup of the HTIF node, and checks.
 *
 * Each program's main() returns the exit status it wants the emulator to
 * report.  A failed CHECK prints the line and exits with CHECK_FAILED_STATUS;
 * an unexpected trap exits with TRAP_STATUS_BASE + mcause.
 *
 * Built twice by build.py: MODE_VM=0 runs main in M-mode; MODE_VM=1 turns
 * on Sv39 (identity map), passes through S-mode and runs main in U-mode.
 * HTIF_FROM_DT=1 builds without tohost/fromhost symbols: the words are
 * found through the device tree, as firmware does.
 */
#ifndef SPIKE_GUEST_H
#define SPIKE_GUEST_H

#include <stdint.h>

#ifndef MODE_VM
#define MODE_VM 0
#endif
#ifndef HTIF_FROM_DT
#define HTIF_FROM_DT 0
#endif
#ifndef QEMU_REFERENCE
#define QEMU_REFERENCE 0
#endif

#define CHECK_FAILED_STATUS 99
#define TRAP_STATUS_BASE 100

/* HTIF command words: device 63:56, command 55:48, payload 47:0. */
#define HTIF_CMD(dev, cmd, payload) \
    ((uint64_t)(dev) << 56 | (uint64_t)(cmd) << 48 | ((uint64_t)(payload) & 0xffffffffffffull))
#define HTIF_DEV_SYSTEM 0
#define HTIF_DEV_CONSOLE 1
#define HTIF_CONSOLE_PUTC 1

/* CLINT (hart 0) at the board's fixed address. */
#define CLINT_MTIMECMP0 0x2004000ul
#define CLINT_MTIME 0x200bff8ul
#define MCAUSE_M_TIMER ((1ull << 63) | 7)

#define SYS_WRITE 64
#define SYS_EXIT 93
#define ENOSYS 38
#define EBADF 9

/* Where the words are (the symbols, or the device tree's HTIF node). */
extern volatile uint64_t *htif_tohost;
extern volatile uint64_t *htif_fromhost;
/* Boot arguments: a0 and a1 at entry. */
extern uint64_t boot_hartid;
extern uint64_t boot_fdt;
/* mcause of the last ecall the M-mode handler took (VM variant). */
extern volatile uint64_t last_ecall_cause;
/* Machine timer interrupts taken; the handler disarms mtimecmp. */
extern volatile uint64_t timer_irqs;

void htif_putchar(char c);
void htif_puts(const char *s);
void htif_put_hex(uint64_t v);
void htif_put_dec(uint64_t v);
__attribute__((noreturn)) void htif_exit(uint64_t status);
/* Syscall through the magic-memory block; returns magic_mem[0]. */
int64_t htif_syscall(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2);
/* The HTIF node of the device tree at @fdt: 0 when found. */
int fdt_find_htif(uint64_t fdt, uint64_t *fromhost, uint64_t *tohost);
/* Bytes of a NUL-terminated string. */
uint64_t str_len(const char *s);

__attribute__((noreturn)) void check_failed(int line, const char *expr);
#define CHECK(c) do { if (!(c)) check_failed(__LINE__, #c); } while (0)

int main(void);

#define csr_read(csr) ({ uint64_t v_; asm volatile("csrr %0, " #csr : "=r"(v_) :: "memory"); v_; })
#define csr_write(csr, v) asm volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) asm volatile("csrs " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")

#endif
