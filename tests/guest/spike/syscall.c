/* SPDX-License-Identifier: MIT */
/* The syscall proxy: write to stdout and stderr returns the byte count,
 * an unknown syscall -ENOSYS, and exit(5) ends the run with status 5. */
#include "spike.h"

#define SYS_UNKNOWN 1234

int main(void)
{
    static const char out[] = "written by SYS_write to stdout\n";
    static const char err[] = "written by SYS_write to stderr\n";
    if (QEMU_REFERENCE) {
        /* QEMU 7.2 proxies one-byte writes to fd 1 only, returns nothing
         * and has no exit syscall. */
        for (const char *p = out; *p; p++) {
            htif_syscall(SYS_WRITE, 1, (uint64_t)(uintptr_t)p, 1);
        }
        htif_exit(5);
    }
    CHECK(htif_syscall(SYS_WRITE, 1, (uint64_t)(uintptr_t)out, sizeof(out) - 1) ==
          (int64_t)sizeof(out) - 1);
    CHECK(htif_syscall(SYS_WRITE, 2, (uint64_t)(uintptr_t)err, sizeof(err) - 1) ==
          (int64_t)sizeof(err) - 1);
    CHECK(htif_syscall(SYS_WRITE, 7, (uint64_t)(uintptr_t)err, 1) == -EBADF);
    CHECK(htif_syscall(SYS_UNKNOWN, 0, 0, 0) == -ENOSYS);
    htif_syscall(SYS_EXIT, 5, 0, 0);
    for (;;) {
    }
}
