/* SPDX-License-Identifier: MIT */
/*
 * A program for the gdbstub tests (tests/functional/test_gdbstub.py): gdb
 * stops in main, steps, watches global_counter, changes answer with
 * "set var" and the program prints what it then sees.
 */
#include "common/test.h"

volatile uint64_t global_counter;
volatile uint64_t answer = 1;
volatile double scale = 1.5;

__attribute__((noinline)) uint64_t leaf(uint64_t x)
{
    return x * 3 + 1;
}

__attribute__((noinline)) uint64_t bump(uint64_t by)
{
    global_counter += by;
    return global_counter;
}

__attribute__((noinline)) void report(void)
{
    puts_uart(answer == 42 ? "answer is 42\n" : "answer is unchanged\n");
}

int main(void)
{
    uint64_t r = leaf(4);
    bump(r);
    bump((uint64_t)(scale * 2));
    report();
    print_hex(global_counter);
    puts_uart("\n");
    return 0;
}
