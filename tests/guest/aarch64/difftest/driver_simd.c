/* SPDX-License-Identifier: MIT */
/*
 * Driver of the Advanced SIMD differential test (difftest.py --simd): as
 * driver_fp.c (V0..V31 both halves, x0..x15, NZCV, FPCR in; V, x, NZCV and
 * FPSR out) plus a scratch buffer for structure loads and stores: x15
 * points to its middle (16-byte aligned), it is refilled before each
 * sequence and its FNV-1a hash is printed after the state.
 */
#include "common/test.h"

#define NSTATE 100
#define SCRATCH 512

typedef void (*SeqFn)(uint64_t *state);
extern const SeqFn diff_seqs[];
extern const uint64_t diff_nseqs;
extern uint64_t diff_init[][83];

static uint8_t scratch[SCRATCH] __attribute__((aligned(64)));

int main(void)
{
    static uint64_t st[NSTATE];
    sysreg_write(cpacr_el1, 3ull << 20);
    asm volatile("isb");
    for (uint64_t i = 0; i < diff_nseqs; i++) {
        for (int r = 0; r < 83; r++) {
            st[r] = diff_init[i][r];
        }
        for (int b = 0; b < SCRATCH; b++) {
            scratch[b] = (uint8_t)(st[b % 64] >> (8 * (b % 8)));
        }
        st[64 + 15] = (uint64_t)scratch + SCRATCH / 2;
        diff_seqs[i](st);
        uint64_t h = 0xcbf29ce484222325ull;
        for (int b = 0; b < SCRATCH; b++) {
            h = (h ^ scratch[b]) * 0x100000001b3ull;
        }
        st[83] = h;
        puts_uart("S");
        print_hex(i);
        for (int r = 0; r < 84; r++) {
            puts_uart(" ");
            print_hex(st[r]);
        }
        puts_uart("\n");
    }
    asm volatile("msr fpcr, xzr");
    return 0;
}
