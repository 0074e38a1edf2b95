/* SPDX-License-Identifier: MIT */
/* Fails on purpose: the emulator must exit with status 3. */
#include "spike.h"

int main(void)
{
    htif_puts("failing with status 3\n");
    return 3;
}
