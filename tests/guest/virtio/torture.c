/* SPDX-License-Identifier: MIT */
/*
 * Virtqueue torture (bare metal, M-mode, riscv virt with
 * -device virtio-rng-device): thousands of rounds of random descriptor
 * tables, indirect tables and heads handed to the virtio-rng in the first
 * virtio-mmio slot.  Each round the device either completes the request
 * (used index +1, nothing written outside the scratch buffers) or reports
 * DEVICE_NEEDS_RESET without touching the used ring; a reset always brings
 * it back.  Canaries around the scratch area must survive.  Prints the
 * counts and PASSED; exits through sifive_test.
 * Built and run by tests/functional/test_virtio.py (not by run.py: it
 * needs the -device).
 */
#include "common/test.h"

/* The only -device virtio-X-device takes the highest of the eight slots, as
 * in QEMU 7.2 (0x10008000, PLIC source 8). */
#define VIRTIO_MMIO 0x10008000ul
#define REG(o) (VIRTIO_MMIO + (o))
#define QNUM 8
#define ROUNDS 20000
#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} Desc;

static Desc desc[QNUM] __attribute__((aligned(16)));
static volatile uint16_t avail[2 + QNUM + 1] __attribute__((aligned(4)));
static volatile uint32_t used[1 + 2 * QNUM + 1] __attribute__((aligned(4)));
static Desc table[QNUM] __attribute__((aligned(16)));
static uint8_t canary_lo[4096];
static uint8_t scratch[8192];
static uint8_t canary_hi[4096];
static uint16_t avail_idx;
static uint64_t rng_state = 0x9e3779b97f4a7c15ul;

static uint32_t r32(uint64_t off) { return *(volatile uint32_t *)REG(off); }
static void w32(uint64_t off, uint32_t v) { mmio_write32(REG(off), v); }
static void fence(void) { asm volatile("fence rw, rw" ::: "memory"); }

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint16_t used_index(void)
{
    fence();
    return (uint16_t)(used[0] >> 16);
}

static int init(void)
{
    w32(0x070, 0);
    w32(0x070, S_ACK | S_DRIVER);
    w32(0x024, 0);
    w32(0x020, (1u << 28) | (1u << 29));  /* INDIRECT_DESC, EVENT_IDX */
    w32(0x024, 1);
    w32(0x020, 1);                        /* VERSION_1 */
    w32(0x070, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(r32(0x070) & S_FEATURES_OK)) {
        return 0;
    }
    for (unsigned i = 0; i < sizeof(used) / 4; i++) {
        used[i] = 0;
    }
    for (unsigned i = 0; i < sizeof(avail) / 2; i++) {
        avail[i] = 0;
    }
    avail_idx = 0;
    fence();
    w32(0x030, 0);
    w32(0x038, QNUM);
    w32(0x080, (uint32_t)(uint64_t)desc);
    w32(0x084, (uint32_t)((uint64_t)desc >> 32));
    w32(0x090, (uint32_t)(uint64_t)avail);
    w32(0x094, (uint32_t)((uint64_t)avail >> 32));
    w32(0x0a0, (uint32_t)(uint64_t)used);
    w32(0x0a4, (uint32_t)((uint64_t)used >> 32));
    w32(0x044, 1);
    w32(0x070, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return r32(0x044) == 1;
}

static uint64_t random_addr(void)
{
    /* Writable buffers must stay in the scratch area or be invalid: a valid
     * buffer over the rings would be the driver's own fault. */
    switch (rnd() % 8) {
    case 0: return 0;                                   /* nothing there */
    case 1: return 0x10000000ul + rnd() % 0x100;        /* the UART: MMIO */
    case 2: return ~0ul - rnd() % 64;                   /* wraps */
    default: return (uint64_t)scratch + rnd() % 4096;   /* fine */
    }
}

static void random_desc(Desc *d)
{
    d->addr = random_addr();
    /* Mostly short buffers inside the scratch area; sometimes one longer
     * than the board's RAM (so never written: the device must refuse it). */
    d->len = (uint32_t)(rnd() % 8 == 0 ? 0x80000000u | (uint32_t)rnd() : rnd() % 128);
    d->flags = (uint16_t)(rnd() % 8);
    d->next = (uint16_t)(rnd() % (QNUM + 2));
}

static void post(uint16_t head)
{
    avail[2 + avail_idx % QNUM] = head;
    fence();
    avail_idx++;
    avail[1] = avail_idx;
    fence();
}

int main(void)
{
    unsigned served = 0, needs_reset = 0;
    CHECK_EQ(r32(0x000), 0x74726976);
    CHECK_EQ(r32(0x008), 4);
    if (failures) {
        puts_uart("no virtio-rng in the first virtio-mmio slot\n");
        return failures;
    }
    for (unsigned i = 0; i < sizeof(canary_lo); i++) {
        canary_lo[i] = (uint8_t)(i * 13 + 1);
        canary_hi[i] = (uint8_t)(i * 17 + 5);
    }
    CHECK(init());
    for (unsigned round = 0; round < ROUNDS; round++) {
        for (unsigned i = 0; i < QNUM; i++) {
            random_desc(&desc[i]);
            random_desc(&table[i]);
        }
        uint16_t before = used_index();
        post((uint16_t)(rnd() % (QNUM + 1)));
        w32(0x050, 0);
        uint32_t status = r32(0x070);
        uint16_t after = used_index();
        if (status & S_NEEDS_RESET) {
            needs_reset++;
            CHECK_EQ(after, before);
            CHECK(r32(0x060) & 2);          /* config-change interrupt status */
            w32(0x064, r32(0x060));
            CHECK(init());
        } else {
            CHECK(after == before || after == (uint16_t)(before + 1));
            served += (uint16_t)(after - before);
            w32(0x064, r32(0x060));
        }
        if (failures > 10) {
            break;
        }
    }
    for (unsigned i = 0; i < sizeof(canary_lo); i++) {
        CHECK_EQ(canary_lo[i], (uint8_t)(i * 13 + 1));
        CHECK_EQ(canary_hi[i], (uint8_t)(i * 17 + 5));
    }
    /* A plain request after all that. */
    w32(0x070, 0);
    CHECK(init());
    desc[0] = (Desc){ .addr = (uint64_t)scratch, .len = 64, .flags = 2, .next = 0 };
    uint16_t before = used_index();
    post(0);
    w32(0x050, 0);
    CHECK_EQ(used_index(), (uint16_t)(before + 1));
    CHECK_EQ(used[2], 64);
    puts_uart("virtio torture: rounds ");
    print_hex(ROUNDS);
    puts_uart(" served ");
    print_hex(served);
    puts_uart(" needs-reset ");
    print_hex(needs_reset);
    puts_uart("\n");
    CHECK(served > 100);
    CHECK(needs_reset > 100);
    return failures;
}
