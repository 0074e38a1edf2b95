/* SPDX-License-Identifier: MIT */
#include "common/test.h"

ExcRecord last_exc;
int failures;
void (*irq_hook)(int kind);
uint64_t (*debug_hook)(uint64_t esr, uint64_t elr);
uint64_t el0_spsr_extra;

void el0_return(uint64_t result) __attribute__((noreturn));
void exc_dispatch(uint64_t kind, ExcFrame *f);

#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)

static void putc_uart(char c)
{
    volatile uint32_t *uart = (volatile uint32_t *)UART_BASE;
    while (uart[PL011_FR / 4] & PL011_FR_TXFF) {
    }
    uart[PL011_DR / 4] = (uint8_t)c;
}

void puts_uart(const char *s)
{
    while (*s) {
        putc_uart(*s++);
    }
}

void print_hex(uint64_t v)
{
    puts_uart("0x");
    for (int i = 60; i >= 0; i -= 4) {
        putc_uart("0123456789abcdef"[(v >> i) & 15]);
    }
}

static void print_dec(int v)
{
    char buf[12];
    int n = 0;
    if (v == 0) {
        putc_uart('0');
        return;
    }
    while (v && n < 11) {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    }
    while (n) {
        putc_uart(buf[--n]);
    }
}

unsigned current_el(void)
{
    return (unsigned)(sysreg_read(CurrentEL) >> 2);
}

void check_failed(const char *file, int line, const char *expr, uint64_t a, uint64_t b)
{
    failures++;
    puts_uart("CHECK FAILED ");
    puts_uart(file);
    putc_uart(':');
    print_dec(line);
    puts_uart(": ");
    puts_uart(expr);
    if (a != b) {
        puts_uart(" (");
        print_hex(a);
        puts_uart(" vs ");
        print_hex(b);
        putc_uart(')');
    }
    putc_uart('\n');
}

/* PSCI call: HVC at EL1, SMC at EL2 (the board's conduit). */
uint64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t x0 asm("x0") = fn;
    register uint64_t x1 asm("x1") = a1;
    register uint64_t x2 asm("x2") = a2;
    register uint64_t x3 asm("x3") = a3;
    if (current_el() == 2) {
        asm volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    } else {
        asm volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    }
    return x0;
}

void psci_cpu_off(void)
{
    psci_call(PSCI_CPU_OFF, 0, 0, 0);
    for (;;) {
        asm volatile("wfi");
    }
}

static void __attribute__((noreturn)) system_off(void)
{
    psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;) {
        asm volatile("wfi");
    }
}

extern char secondary_entry[];

int start_cpu(unsigned cpu, void *stack_top)
{
    return (int)psci_call(PSCI_CPU_ON, cpu, (uint64_t)secondary_entry, (uint64_t)stack_top);
}

void test_exit(int nfail)
{
    if (nfail) {
        puts_uart("FAILED ");
        print_dec(nfail);
        putc_uart('\n');
    } else {
        puts_uart("PASSED\n");
    }
    system_off();
}

static uint64_t read_esr(unsigned el)
{
    return el == 2 ? sysreg_read(esr_el2) : sysreg_read(esr_el1);
}

void exc_dispatch(uint64_t kind, ExcFrame *f)
{
    unsigned el = current_el();
    uint64_t esr = read_esr(el);
    uint64_t elr = el == 2 ? sysreg_read(elr_el2) : sysreg_read(elr_el1);
    unsigned k = kind & 3;
    last_exc.kind = kind;
    last_exc.elr = elr;
    last_exc.spsr = el == 2 ? sysreg_read(spsr_el2) : sysreg_read(spsr_el1);
    if (k != 0) {
        last_exc.count++;
        if (irq_hook) {
            irq_hook((int)k);
        } else {
            puts_uart("unexpected asynchronous exception\n");
            test_exit(failures + 1);
        }
        return;
    }
    last_exc.prev_esr = last_exc.esr;
    last_exc.esr = esr;
    last_exc.far = el == 2 ? sysreg_read(far_el2) : sysreg_read(far_el1);
    last_exc.count++;
    unsigned ec = ESR_EC(esr);
    if (debug_hook && ec >= 0x30 && ec <= 0x35) {
        /* Breakpoint, software step, watchpoint: the hook says where to
         * resume. */
        elr = debug_hook(esr, elr);
        if (el == 2) {
            sysreg_write(elr_el2, elr);
        } else {
            sysreg_write(elr_el1, elr);
        }
        return;
    }
    if ((ec == 0x15 || ec == 0x16) && (esr & 0xffff) == 0xffff && (kind & 0x10)) {
        el0_return(f->x[0]);
    }
    if (ec == 0x22 || ec == 0x20 || ec == 0x21) {
        elr = f->x30;   /* PC alignment / instruction abort: resume at the link register */
    } else if (ec != 0x15 && ec != 0x16) {
        /* Resume after the faulting instruction (SMC reaches us only as
         * an HCR_EL2.TSC trap, whose preferred return is the SMC). */
        elr += 4;
    }
    if (ec == 0x0d) {
        /* Branch target exception: resuming after the landing instruction
         * needs SPSR.BTYPE cleared or the next one is checked too. */
        if (el == 2) {
            sysreg_write(spsr_el2, sysreg_read(spsr_el2) & ~(3ull << 10));
        } else {
            sysreg_write(spsr_el1, sysreg_read(spsr_el1) & ~(3ull << 10));
        }
    }
    if (ec == 0x0e) {
        /* Illegal execution state: clear SPSR.IL or we fault again. */
        if (el == 2) {
            sysreg_write(spsr_el2, sysreg_read(spsr_el2) & ~(1ull << 20));
        } else {
            sysreg_write(spsr_el1, sysreg_read(spsr_el1) & ~(1ull << 20));
        }
    }
    if (el == 2) {
        sysreg_write(elr_el2, elr);
    } else {
        sysreg_write(elr_el1, elr);
    }
}

__attribute__((weak)) void secondary_main(unsigned cpu)
{
}
