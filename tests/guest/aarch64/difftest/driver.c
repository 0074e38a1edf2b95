/* SPDX-License-Identifier: MIT */
/*
 * Driver of the differential test (tests/guest/aarch64/difftest.py): runs
 * every generated sequence on its initial state (x0..x28 and NZCV) and
 * prints the final state, one line per sequence, for comparison with
 * another emulator.  x27 points into a scratch buffer that the sequence's
 * loads, stores and atomics use; its checksum is printed last.
 */
#include "common/test.h"

typedef void (*SeqFn)(uint64_t *state);
extern const SeqFn diff_seqs[];
extern const uint64_t diff_nseqs;
extern uint64_t diff_init[][30];

#define SCRATCH 1024
static uint8_t scratch[SCRATCH] __attribute__((aligned(64)));

int main(void)
{
    uint64_t st[30];
    for (uint64_t i = 0; i < diff_nseqs; i++) {
        for (int r = 0; r < 30; r++) {
            st[r] = diff_init[i][r];
        }
        for (int b = 0; b < SCRATCH; b++) {
            scratch[b] = (uint8_t)(st[b % 27] >> (8 * (b % 8)));
        }
        st[27] = (uint64_t)scratch + SCRATCH / 2;
        diff_seqs[i](st);
        uint64_t h = 0xcbf29ce484222325ull;
        for (int b = 0; b < SCRATCH; b++) {
            h = (h ^ scratch[b]) * 0x100000001b3ull;
        }
        puts_uart("S");
        print_hex(i);
        for (int r = 0; r < 30; r++) {
            puts_uart(" ");
            print_hex(st[r]);
        }
        puts_uart(" ");
        print_hex(h);
        puts_uart("\n");
    }
    return 0;
}
