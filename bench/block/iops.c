/* SPDX-License-Identifier: MIT */
/*
 * Random 4 KiB reads one at a time with O_DIRECT, for bench/block.py: a
 * static riscv64 Linux program put into the guest's initramfs.
 *
 *   iops DEVICE COUNT SPAN_MIB
 *
 * Reads COUNT blocks at offsets drawn (fixed-seed xorshift, so both
 * emulators read the same blocks) from the first SPAN_MIB MiB of DEVICE
 * and prints "IOPS count seconds reads-per-second", timed with
 * CLOCK_MONOTONIC inside the guest.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: iops DEVICE COUNT SPAN_MIB\n");
        return 2;
    }
    long count = atol(argv[2]);
    uint64_t blocks = (uint64_t)atol(argv[3]) * 1024 * 1024 / BLOCK;
    int fd = open(argv[1], O_RDONLY | O_DIRECT);
    if (fd < 0 || count <= 0 || blocks == 0) {
        perror(argv[1]);
        return 1;
    }
    void *buf;
    if (posix_memalign(&buf, BLOCK, BLOCK)) {
        return 1;
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    double start = now();
    for (long i = 0; i < count; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (pread(fd, buf, BLOCK, (off_t)(x % blocks) * BLOCK) != BLOCK) {
            perror("pread");
            return 1;
        }
    }
    double secs = now() - start;
    printf("IOPS %ld %.6f %.1f\n", count, secs, count / secs);
    return 0;
}
