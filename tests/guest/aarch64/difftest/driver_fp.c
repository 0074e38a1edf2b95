/* SPDX-License-Identifier: MIT */
/*
 * Driver of the floating-point differential test (difftest.py --fp): each
 * sequence starts from V0..V31 (low 64 bits), x0..x15, NZCV and FPCR of
 * its initial state with FPSR clear, and the final V0..V31 (both halves),
 * x0..x15, NZCV and FPSR are printed, one line per sequence.
 */
#include "common/test.h"

#define NSTATE 100   /* 32 V low, 32 V high, 16 X, nzcv, fpcr, fpsr, spare */

typedef void (*SeqFn)(uint64_t *state);
extern const SeqFn diff_seqs[];
extern const uint64_t diff_nseqs;
extern uint64_t diff_init[][83];

int main(void)
{
    static uint64_t st[NSTATE];
    sysreg_write(cpacr_el1, 3ull << 20);
    asm volatile("isb");
    for (uint64_t i = 0; i < diff_nseqs; i++) {
        for (int r = 0; r < 83; r++) {
            st[r] = diff_init[i][r];
        }
        diff_seqs[i](st);
        puts_uart("S");
        print_hex(i);
        for (int r = 0; r < 83; r++) {
            puts_uart(" ");
            print_hex(st[r]);
        }
        puts_uart("\n");
    }
    asm volatile("msr fpcr, xzr");
    return 0;
}
