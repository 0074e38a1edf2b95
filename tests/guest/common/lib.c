/* SPDX-License-Identifier: MIT */
/* Guest test library (see test.h). */
#include "test.h"

TrapRecord last_trap;
int failures;
void (*irq_hook)(uint64_t cause, int from_s);
static uint8_t *next_free;
extern uint8_t __free_start[];

#define MSTATUS_MPP (3ul << 11)
#define MSTATUS_FS_INITIAL (1ul << 13)
#define ECALL_MAGIC 0x7e57
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9

void puts_uart(const char *s)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    for (; *s; s++) {
        while (!(uart[5] & 0x20)) {
        }
        uart[0] = *s;
    }
}

void print_hex(uint64_t v)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++) {
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
    }
    buf[18] = 0;
    puts_uart(buf);
}

void check_failed(const char *file, int line, const char *expr, uint64_t a, uint64_t b)
{
    char num[12];
    int n = 0;
    char tmp[12];
    do {
        tmp[n++] = '0' + line % 10;
        line /= 10;
    } while (line);
    for (int i = 0; i < n; i++) {
        num[i] = tmp[n - 1 - i];
    }
    num[n] = 0;
    puts_uart("FAIL ");
    puts_uart(file);
    puts_uart(":");
    puts_uart(num);
    puts_uart(": ");
    puts_uart(expr);
    if (a != b) {
        puts_uart(" (");
        print_hex(a);
        puts_uart(" vs ");
        print_hex(b);
        puts_uart(")");
    }
    puts_uart("\n");
    failures++;
}

void test_exit(int nfail)
{
    volatile uint32_t *test = (volatile uint32_t *)TEST_BASE;
    nfail += failures;
    if (nfail) {
        puts_uart("FAILED\n");
        *test = ((uint32_t)(nfail > 255 ? 255 : nfail) << 16) | 0x3333;
    } else {
        puts_uart("PASSED\n");
        *test = 0x5555;
    }
    for (;;) {
    }
}

void *alloc_page(void)
{
    if (!next_free) {
        next_free = __free_start;
    }
    uint64_t *p = (uint64_t *)next_free;
    next_free += 4096;
    for (int i = 0; i < 512; i++) {
        p[i] = 0;
    }
    return p;
}

void runtime_init(void);
void runtime_init(void)
{
    /* FP on; PMP entry 15 lets S and U reach all memory. */
    csr_set(mstatus, MSTATUS_FS_INITIAL);
    csr_write(fcsr, 0);
    csr_write(pmpaddr15, ~0ul);
    csr_write(pmpcfg2, 0x1ful << 56);   /* NAPOT RWX */
}

static int insn_length(uint64_t epc)
{
    return (*(volatile uint16_t *)epc & 3) == 3 ? 4 : 2;
}

void trap_handler(TrapFrame *f, int from_s);
void trap_handler(TrapFrame *f, int from_s)
{
    uint64_t cause = from_s == 1 ? csr_read(scause) : csr_read(mcause);
    uint64_t tval = from_s == 1 ? csr_read(stval) : csr_read(mtval);
    if ((int64_t)cause < 0) {
        last_trap.count++;
        last_trap.cause = cause;
        last_trap.epc = f->epc;
        last_trap.handled_in_s = from_s;
        if (irq_hook) {
            irq_hook(cause, from_s);
        }
        return;
    }
    if (from_s != 1 && (cause == CAUSE_ECALL_U || cause == CAUSE_ECALL_S) &&
        f->x[17] == ECALL_MAGIC) {
        /* back_to_m(): resume after the ecall in M-mode. */
        csr_set(mstatus, MSTATUS_MPP);
        f->epc += 4;
        return;
    }
    last_trap.count++;
    last_trap.cause = cause;
    last_trap.tval = tval;
    last_trap.epc = f->epc;
    last_trap.handled_in_s = from_s;
    /* Skip the trapping instruction (page faults on fetch: return to ra). */
    if (cause == 1 || cause == 12) {
        f->epc = f->x[1];
    } else {
        f->epc += insn_length(f->epc);
    }
}
