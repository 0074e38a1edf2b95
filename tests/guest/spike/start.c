/* SPDX-License-Identifier: MIT */
/*
 * M-mode side of the spike programs: boot(), the trap handler and, in the
 * virtual-memory variant, the Sv39 set-up and the supervisor stage.  Code
 * here lives in the first 2 MiB (link.ld), which the page tables map
 * without U so that S-mode can run it.
 */
#include "spike.h"

#define M_CODE __attribute__((section(".text.m")))
#define M_BSS __attribute__((section(".bss.m")))

#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define MSTATUS_SUM (1ull << 18)
#define SATP_MODE_SV39 (8ull << 60)
#define SATP_MODE_SHIFT 60
#define PAGE_SHIFT 12
#define PTE_V (1u << 0)
#define PTE_R (1u << 1)
#define PTE_W (1u << 2)
#define PTE_X (1u << 3)
#define PTE_U (1u << 4)
#define PTE_A (1u << 6)
#define PTE_D (1u << 7)
#define PT_ENTRIES 512
#define MEGAPAGE (2ull << 20)
#define RAM_BASE 0x80000000ull
#define RAM_MAPPED (128ull << 20)
#define ECALL_PROBE 0x7e57
#define MIE_MTIE (1u << 7)
#define PMP_NAPOT_RWX 0x1f
#define PMP_ADDR_ALL (~0ull >> 10)

typedef struct TrapFrame {
    uint64_t x[32];
} TrapFrame;

extern char _m_stack_top[];
extern char _u_stack_top[];
void enter_supervisor(void (*entry)(void), void *sp) __attribute__((noreturn));
void enter_user(void (*entry)(void), void *sp) __attribute__((noreturn));
void boot(uint64_t hartid, uint64_t fdt) __attribute__((noreturn));
void m_trap(TrapFrame *f, uint64_t cause);

#if MODE_VM
static uint64_t root_pt[PT_ENTRIES] M_BSS __attribute__((aligned(4096)));
static uint64_t ram_pt[PT_ENTRIES] M_BSS __attribute__((aligned(4096)));

static M_CODE uint64_t leaf(uint64_t pa, uint64_t flags)
{
    return pa >> PAGE_SHIFT << 10 | flags | PTE_A | PTE_D | PTE_V;
}

/*
 * Identity map: 0-1 GiB (devices: the HTIF window, the CLINT) as one user
 * gigapage; RAM in 2 MiB pages, the first (start-up, S stage) for the
 * supervisor only, the rest (the program, tohost, the device tree) for U.
 */
static M_CODE void vm_build_tables(void)
{
    for (int i = 0; i < PT_ENTRIES; i++) {
        root_pt[i] = 0;
        ram_pt[i] = 0;
    }
    root_pt[0] = leaf(0, PTE_R | PTE_W | PTE_U);
    root_pt[RAM_BASE >> 30] = (uint64_t)(uintptr_t)ram_pt >> PAGE_SHIFT << 10 | PTE_V;
    ram_pt[0] = leaf(RAM_BASE, PTE_R | PTE_W | PTE_X);
    for (uint64_t i = 1; i < RAM_MAPPED / MEGAPAGE; i++) {
        ram_pt[i] = leaf(RAM_BASE + i * MEGAPAGE, PTE_R | PTE_W | PTE_X | PTE_U);
    }
}

/* S-mode output: the library's code is in user pages, which S may not run. */
static M_CODE void s_puts(const char *s)
{
    for (; *s; s++) {
        while (*htif_tohost) {
        }
        *htif_tohost = HTIF_CMD(HTIF_DEV_CONSOLE, HTIF_CONSOLE_PUTC, (uint8_t)*s);
    }
}

static M_CODE __attribute__((noreturn)) void s_exit(uint64_t status)
{
    *htif_tohost = status << 1 | 1;
    for (;;) {
    }
}

/* U-mode: prove the privilege with an ecall, then run the program. */
static void user_entry(void)
{
    register uint64_t a7 asm("a7") = ECALL_PROBE;
    asm volatile("ecall" : "+r"(a7) :: "memory");
    CHECK(last_ecall_cause == CAUSE_ECALL_U);
    htif_puts("[U] user mode\n");
    htif_exit((uint64_t)main());
}

/* S-mode: translation is on; HTIF through the (user) pages with SUM. */
static M_CODE void supervisor_entry(void)
{
    csr_set(sstatus, MSTATUS_SUM);
    uint64_t satp = csr_read(satp);
    register uint64_t a7 asm("a7") = ECALL_PROBE;
    asm volatile("ecall" : "+r"(a7) :: "memory");
    if (satp >> SATP_MODE_SHIFT != SATP_MODE_SV39 >> SATP_MODE_SHIFT ||
        last_ecall_cause != CAUSE_ECALL_S) {
        s_puts("[S] wrong satp mode or privilege\n");
        s_exit(CHECK_FAILED_STATUS);
    }
    s_puts("[S] sv39 on\n");
    enter_user(user_entry, _u_stack_top);
}
#endif

void M_CODE boot(uint64_t hartid, uint64_t fdt)
{
    boot_hartid = hartid;
    boot_fdt = fdt;
    /* Timer interrupts reach M once a program arms mtimecmp (timer.c). */
    *(volatile uint64_t *)CLINT_MTIMECMP0 = ~0ull;
    csr_set(mie, MIE_MTIE);
#if HTIF_FROM_DT
    uint64_t from, to;
    if (fdt_find_htif(fdt, &from, &to) != 0) {
        for (;;) {
        }
    }
    htif_tohost = (volatile uint64_t *)(uintptr_t)to;
    htif_fromhost = (volatile uint64_t *)(uintptr_t)from;
#endif
#if MODE_VM
    vm_build_tables();
    /* S and U may touch nothing unless a PMP entry allows it: allow all. */
    csr_write(pmpaddr0, PMP_ADDR_ALL);
    csr_write(pmpcfg0, PMP_NAPOT_RWX);
    csr_write(satp, SATP_MODE_SV39 | (uint64_t)(uintptr_t)root_pt >> PAGE_SHIFT);
    asm volatile("sfence.vma" ::: "memory");
    enter_supervisor(supervisor_entry, _m_stack_top);
#else
    htif_exit((uint64_t)main());
#endif
}

void M_CODE m_trap(TrapFrame *f, uint64_t cause)
{
    if (cause == MCAUSE_M_TIMER) {
        timer_irqs++;
        *(volatile uint64_t *)CLINT_MTIMECMP0 = ~0ull;
        return;
    }
    if ((cause == CAUSE_ECALL_U || cause == CAUSE_ECALL_S) && f->x[17] == ECALL_PROBE) {
        last_ecall_cause = cause;
        csr_write(mepc, csr_read(mepc) + 4);
        return;
    }
    htif_puts("unexpected trap: mcause ");
    htif_put_hex(cause);
    htif_puts(" mepc ");
    htif_put_hex(csr_read(mepc));
    htif_puts(" mtval ");
    htif_put_hex(csr_read(mtval));
    htif_putchar('\n');
    htif_exit(TRAP_STATUS_BASE + (cause & 0x3f));
}
