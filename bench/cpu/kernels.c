/* SPDX-License-Identifier: MIT */
/*
 * CPU-bound bare-metal benchmark kernels for the riscv virt board (built by
 * bench/cpu/build.py with -DKERNEL=<name>, one ELF per kernel).  Each kernel
 * computes a checksum that it prints ("sum=0x..."), so runs on Tessera and
 * QEMU can be compared for correctness as well as time, then also prints
 * the guest instructions retired ("instret=0x...", exact only under QEMU's
 * -icount) and exits through the test device.
 */
#include "common/test.h"

#ifndef ITER_SCALE
#define ITER_SCALE 6
#endif

static uint64_t xs_state = 88172645463325252ull;

static uint64_t xorshift(void)
{
    uint64_t x = xs_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return xs_state = x;
}

/* ---- integer ------------------------------------------------------------- */

static uint64_t k_crc(void)
{
    static uint8_t buf[4096];
    for (unsigned i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)xorshift();
    }
    uint32_t crc = ~0u;
    for (int rep = 0; rep < 300 * ITER_SCALE; rep++) {
        for (unsigned i = 0; i < sizeof(buf); i++) {
            crc ^= buf[i];
            for (int k = 0; k < 8; k++) {
                crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
            }
        }
    }
    return ~crc;
}

static uint64_t k_hash(void)
{
    /* FNV-1a and a 32-bit mixing hash over a generated stream (W ops). */
    uint64_t h = 0xcbf29ce484222325ull;
    uint32_t m = 0x9747b28cu;
    for (int i = 0; i < 6000000 * ITER_SCALE; i++) {
        uint32_t k = (uint32_t)i * 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        k *= 0x1b873593u;
        m ^= k;
        m = ((m << 13) | (m >> 19)) * 5 + 0xe6546b64u;
        h = (h ^ (uint8_t)m) * 0x100000001b3ull;
    }
    return h ^ m;
}

static uint64_t k_state(void)
{
    /* A table-less state machine scanning pseudo-random text for tokens. */
    static char text[8192];
    for (unsigned i = 0; i < sizeof(text); i++) {
        uint64_t r = xorshift() % 16;
        text[i] = r < 8 ? 'a' + (char)r : r < 11 ? ' ' : r < 14 ? '0' + (char)(r - 11) : '\n';
    }
    uint64_t words = 0, nums = 0, lines = 0, state = 0;
    for (int rep = 0; rep < 500 * ITER_SCALE; rep++) {
        for (unsigned i = 0; i < sizeof(text); i++) {
            char c = text[i];
            switch (state) {
            case 0:
                if (c >= 'a' && c <= 'z') {
                    state = 1;
                    words++;
                } else if (c >= '0' && c <= '9') {
                    state = 2;
                    nums++;
                } else if (c == '\n') {
                    lines++;
                }
                break;
            case 1:
                if (c == ' ' || c == '\n') {
                    state = 0;
                    lines += c == '\n';
                } else if (c >= '0' && c <= '9') {
                    state = 2;
                    nums++;
                }
                break;
            default:
                if (c == ' ' || c == '\n') {
                    state = 0;
                    lines += c == '\n';
                } else if (c >= 'a' && c <= 'z') {
                    state = 1;
                    words++;
                }
                break;
            }
        }
    }
    return words * 1000003 + nums * 1009 + lines;
}

/* ---- memory -------------------------------------------------------------- */

static uint64_t k_chase(void)
{
    /* Pointer chasing over a 1 MiB random cycle. */
    enum { N = 1 << 17 };
    static uint64_t next[N];
    for (unsigned i = 0; i < N; i++) {
        next[i] = i;
    }
    for (unsigned i = N - 1; i > 0; i--) {     /* Sattolo: a single cycle */
        unsigned j = (unsigned)(xorshift() % i);
        uint64_t t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
    uint64_t p = 0, sum = 0;
    for (int i = 0; i < 8000000 * ITER_SCALE; i++) {
        p = next[p];
        sum += p;
    }
    return sum;
}

static void quicksort(uint32_t *a, long lo, long hi)
{
    while (lo < hi) {
        uint32_t pivot = a[(lo + hi) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) {
                i++;
            }
            while (a[j] > pivot) {
                j--;
            }
            if (i <= j) {
                uint32_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static uint64_t k_sort(void)
{
    enum { N = 1 << 16 };
    static uint32_t a[N];
    uint64_t sum = 0;
    for (int rep = 0; rep < 8 * ITER_SCALE; rep++) {
        for (unsigned i = 0; i < N; i++) {
            a[i] = (uint32_t)xorshift();
        }
        quicksort(a, 0, N - 1);
        for (unsigned i = 0; i < N; i += 97) {
            sum = sum * 31 + a[i];
        }
    }
    return sum;
}

static uint64_t k_matrix(void)
{
    enum { N = 96 };
    static int64_t a[N][N], b[N][N], c[N][N];
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i][j] = (int64_t)(xorshift() % 1000) - 500;
            b[i][j] = (int64_t)(xorshift() % 1000) - 500;
        }
    }
    uint64_t sum = 0;
    for (int rep = 0; rep < 12 * ITER_SCALE; rep++) {
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                int64_t s = 0;
                for (int k = 0; k < N; k++) {
                    s += a[i][k] * b[k][j];
                }
                c[i][j] = s;
            }
        }
        for (int i = 0; i < N; i++) {
            sum += (uint64_t)c[i][(i * 7 + rep) % N];
            a[i][rep % N] += 1;
        }
    }
    return sum;
}

/* ---- branches, calls and returns ----------------------------------------- */

static __attribute__((noinline)) uint64_t fib(uint64_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

typedef uint64_t (*op_fn)(uint64_t, uint64_t);
static __attribute__((noinline)) uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static __attribute__((noinline)) uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ (b << 1); }
static __attribute__((noinline)) uint64_t op_mul(uint64_t a, uint64_t b) { return a * (b | 1); }
static __attribute__((noinline)) uint64_t op_sub(uint64_t a, uint64_t b) { return a - (b >> 3); }

static uint64_t k_calls(void)
{
    uint64_t sum = 0;
    for (int i = 0; i < ITER_SCALE; i++) {
        sum += fib(25 + (i & 1));
    }
    static const op_fn ops[4] = { op_add, op_xor, op_mul, op_sub };
    uint64_t acc = 1;
    for (int i = 0; i < 4000000 * ITER_SCALE; i++) {
        acc = ops[(acc ^ (uint64_t)i) & 3](acc, (uint64_t)i);
    }
    return sum ^ acc;
}

/* ---- floating point ------------------------------------------------------- */

static uint64_t k_fp(void)
{
    /* Mixed single/double arithmetic, FMA, division, sqrt and conversions. */
    double x = 1.0, y = 0.5, acc = 0;
    float fx = 1.0f, facc = 0;
    int64_t iacc = 0;
    for (int i = 1; i <= 1500000 * ITER_SCALE; i++) {
        double d = (double)i;
        x = __builtin_fma(x, 0.999999, 1.0 / d);
        y = y * 1.000001 + 0.25;
        if (y > 1000.0) {
            y = __builtin_sqrt(y);
        }
        acc += x / (y + 1.0);
        fx = fx * 0.9999f + (float)(i & 255) * 0.001f;
        facc += fx;
        iacc += (int64_t)(acc * 16.0) ^ (int64_t)fx;
    }
    uint64_t bits;
    __builtin_memcpy(&bits, &acc, 8);
    uint32_t fbits;
    __builtin_memcpy(&fbits, &facc, 4);
    return bits ^ ((uint64_t)fbits << 32) ^ (uint64_t)iacc;
}


#define STR_(x) #x
#define STR(x) STR_(x)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

int main(void)
{
    uint64_t start = csr_read(minstret);
    uint64_t sum = CAT(k_, KERNEL)();
    uint64_t n = csr_read(minstret) - start;
    puts_uart(STR(KERNEL) " sum=");
    print_hex(sum);
    puts_uart(" instret=");
    print_hex(n);
    puts_uart("\n");
    return 0;
}
