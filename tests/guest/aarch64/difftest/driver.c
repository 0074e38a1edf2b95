/* SPDX-License-Identifier: MIT */
/*
 * Driver of the differential test (tests/guest/aarch64/difftest.py): runs
 * every generated sequence on its initial state (x0..x28 and NZCV) and
 * prints the final state, one line per sequence, for comparison with
 * another emulator.
 */
#include "common/test.h"

typedef void (*SeqFn)(uint64_t *state);
extern const SeqFn diff_seqs[];
extern const uint64_t diff_nseqs;
extern uint64_t diff_init[][30];

int main(void)
{
    uint64_t st[30];
    for (uint64_t i = 0; i < diff_nseqs; i++) {
        for (int r = 0; r < 30; r++) {
            st[r] = diff_init[i][r];
        }
        diff_seqs[i](st);
        puts_uart("S");
        print_hex(i);
        for (int r = 0; r < 30; r++) {
            puts_uart(" ");
            print_hex(st[r]);
        }
        puts_uart("\n");
    }
    return 0;
}
