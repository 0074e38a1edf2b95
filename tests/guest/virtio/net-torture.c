/* SPDX-License-Identifier: MIT */
/*
 * virtio-net torture (bare metal, M-mode, riscv virt with
 * -netdev user,id=n0 -device virtio-net-device,netdev=n0): random
 * descriptor chains on the transmit queue, then on the receive queue while
 * ARP requests to the slirp gateway (10.0.2.2) make it answer.  Each round
 * the device completes the request, or reports DEVICE_NEEDS_RESET (having
 * at most given the bad request back unserved); a reset
 * always brings it back.  Canaries around the scratch area must survive,
 * and at the end a clean ARP exchange must work.  Prints the counts and
 * PASSED; exits through sifive_test.  Built and run by
 * tests/functional/test_net_links.py.
 */
#include "common/test.h"

/* The only -device virtio-X-device takes the highest of the eight slots, as
 * in QEMU 7.2 (0x10008000, PLIC source 8). */
#define VIRTIO_MMIO 0x10008000ul
#define REG(o) (VIRTIO_MMIO + (o))
#define QNUM 8
#define TX_ROUNDS 4000
#define RX_ROUNDS 2000
#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40
#define HDR 12
#define RXQ 0
#define TXQ 1

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} Desc;

typedef struct Ring {
    Desc desc[QNUM] __attribute__((aligned(16)));
    Desc table[QNUM] __attribute__((aligned(16)));
    volatile uint16_t avail[2 + QNUM + 1] __attribute__((aligned(4)));
    volatile uint32_t used[1 + 2 * QNUM + 1] __attribute__((aligned(4)));
    uint16_t avail_idx;
} Ring;

static Ring rings[2];
static uint8_t canary_lo[4096];
static uint8_t scratch[8192];
static uint8_t canary_hi[4096];
static uint8_t frame[HDR + 42];
static uint64_t rng_state = 0x243f6a8885a308d3ul;

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

static uint16_t used_index(Ring *r)
{
    fence();
    return (uint16_t)(r->used[0] >> 16);
}

static void setup_queue(unsigned q)
{
    Ring *r = &rings[q];
    for (unsigned i = 0; i < sizeof(r->used) / 4; i++) {
        r->used[i] = 0;
    }
    for (unsigned i = 0; i < sizeof(r->avail) / 2; i++) {
        r->avail[i] = 0;
    }
    r->avail_idx = 0;
    fence();
    w32(0x030, q);
    w32(0x038, QNUM);
    w32(0x080, (uint32_t)(uint64_t)r->desc);
    w32(0x084, (uint32_t)((uint64_t)r->desc >> 32));
    w32(0x090, (uint32_t)(uint64_t)r->avail);
    w32(0x094, (uint32_t)((uint64_t)r->avail >> 32));
    w32(0x0a0, (uint32_t)(uint64_t)r->used);
    w32(0x0a4, (uint32_t)((uint64_t)r->used >> 32));
    w32(0x044, 1);
}

static int init(void)
{
    w32(0x070, 0);
    w32(0x070, S_ACK | S_DRIVER);
    w32(0x024, 0);
    w32(0x020, (1u << 28) | (1u << 29));  /* INDIRECT_DESC, EVENT_IDX; no net features */
    w32(0x024, 1);
    w32(0x020, 1);                        /* VERSION_1 */
    w32(0x070, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(r32(0x070) & S_FEATURES_OK)) {
        return 0;
    }
    setup_queue(RXQ);
    setup_queue(TXQ);
    w32(0x070, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return (r32(0x070) & S_DRIVER_OK) != 0;
}

static uint64_t random_addr(void)
{
    switch (rnd() % 8) {
    case 0: return 0;
    case 1: return 0x10000000ul + rnd() % 0x100;        /* the UART: MMIO */
    case 2: return ~0ul - rnd() % 64;                   /* wraps */
    default: return (uint64_t)scratch + rnd() % 4096;
    }
}

static void random_desc(Desc *d, int writable)
{
    d->addr = random_addr();
    d->len = (uint32_t)(rnd() % 8 == 0 ? 0x80000000u | (uint32_t)rnd() : rnd() % 2048);
    d->flags = (uint16_t)(rnd() % 8);
    if (writable >= 0 && rnd() % 4) {
        d->flags = (uint16_t)((d->flags & ~2u) | (writable ? 2 : 0));
    }
    d->next = (uint16_t)(rnd() % (QNUM + 2));
}

static void post(Ring *r, uint16_t head)
{
    r->avail[2 + r->avail_idx % QNUM] = head;
    fence();
    r->avail_idx++;
    r->avail[1] = r->avail_idx;
    fence();
}

/* An ARP request from 10.0.2.15 for the slirp gateway 10.0.2.2. */
static void build_arp(void)
{
    static const uint8_t f[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15,
        0, 0, 0, 0, 0, 0, 10, 0, 2, 2,
    };
    for (unsigned i = 0; i < HDR; i++) {
        frame[i] = 0;
    }
    for (unsigned i = 0; i < sizeof(f); i++) {
        frame[HDR + i] = f[i];
    }
}

/* Queue a clean ARP request on descriptor 0 of the transmit ring. */
static void send_arp(void)
{
    Ring *t = &rings[TXQ];
    t->desc[0] = (Desc){ .addr = (uint64_t)frame, .len = sizeof(frame), .flags = 0, .next = 0 };
    post(t, 0);
    w32(0x050, TXQ);
}

/* Wait (bounded) for the receive ring to move or the device to break. */
static int wait_rx(uint16_t before)
{
    for (unsigned spin = 0; spin < 2000000; spin++) {
        if (used_index(&rings[RXQ]) != before) {
            return 1;
        }
        if (r32(0x070) & S_NEEDS_RESET) {
            return 2;
        }
    }
    return 0;
}

/* The device sends on its own time (a kick schedules the transmit, as
 * QEMU's tx=bh): 1 once the tx used index moved past @before, 2 on
 * needs-reset, 0 if neither came. */
static int wait_tx(uint16_t before)
{
    for (unsigned spin = 0; spin < 2000000; spin++) {
        if (used_index(&rings[TXQ]) != before) {
            return 1;
        }
        if (r32(0x070) & S_NEEDS_RESET) {
            return 2;
        }
    }
    return 0;
}

static void recover(unsigned *needs_reset)
{
    (*needs_reset)++;
    CHECK(r32(0x060) & 2);          /* config-change interrupt status */
    w32(0x064, r32(0x060));
    CHECK(init());
}

int main(void)
{
    unsigned tx_served = 0, rx_served = 0, needs_reset = 0, rx_quiet = 0;
    CHECK_EQ(r32(0x000), 0x74726976);
    CHECK_EQ(r32(0x008), 1);
    if (failures) {
        puts_uart("no virtio-net in the first virtio-mmio slot\n");
        return failures;
    }
    for (unsigned i = 0; i < sizeof(canary_lo); i++) {
        canary_lo[i] = (uint8_t)(i * 13 + 1);
        canary_hi[i] = (uint8_t)(i * 17 + 5);
    }
    build_arp();
    CHECK(init());
    /* Transmit: random chains (read-only buffers mostly). */
    for (unsigned round = 0; round < TX_ROUNDS && failures <= 10; round++) {
        Ring *t = &rings[TXQ];
        for (unsigned i = 0; i < QNUM; i++) {
            random_desc(&t->desc[i], 0);
            random_desc(&t->table[i], 0);
        }
        uint16_t before = used_index(t);
        post(t, (uint16_t)(rnd() % (QNUM + 1)));
        w32(0x050, TXQ);
        /* Served (used +1), or given back unserved with needs-reset (+0 or +1). */
        wait_tx(before);
        uint16_t after = used_index(t);
        CHECK(after == before || after == (uint16_t)(before + 1));
        if (r32(0x070) & S_NEEDS_RESET) {
            recover(&needs_reset);
        } else {
            CHECK_EQ(after, (uint16_t)(before + 1));
            tx_served++;
            w32(0x064, r32(0x060));
        }
    }
    /* Receive: random writable chains, filled by slirp's ARP replies. */
    for (unsigned round = 0; round < RX_ROUNDS && failures <= 10; round++) {
        Ring *r = &rings[RXQ];
        for (unsigned i = 0; i < QNUM; i++) {
            random_desc(&r->desc[i], 1);
            random_desc(&r->table[i], 1);
        }
        uint16_t before = used_index(r);
        post(r, (uint16_t)(rnd() % (QNUM + 1)));
        w32(0x050, RXQ);
        if (!(r32(0x070) & S_NEEDS_RESET)) {
            send_arp();
        }
        int got = (r32(0x070) & S_NEEDS_RESET) ? 2 : wait_rx(before);
        if (got == 2) {
            recover(&needs_reset);
        } else if (got == 1) {
            rx_served++;
            w32(0x064, r32(0x060));
        } else {
            /* The head was not taken (e.g. too small for the reply): start over. */
            rx_quiet++;
            w32(0x064, r32(0x060));
            CHECK(init());
        }
    }
    for (unsigned i = 0; i < sizeof(canary_lo); i++) {
        CHECK_EQ(canary_lo[i], (uint8_t)(i * 13 + 1));
        CHECK_EQ(canary_hi[i], (uint8_t)(i * 17 + 5));
    }
    /* A header-only frame (no Ethernet header) is completed, not sent: it
     * once stayed queued at the netdev and wedged the transmit queue. */
    CHECK(init());
    Ring *t = &rings[TXQ];
    t->desc[1] = (Desc){ .addr = (uint64_t)frame, .len = HDR, .flags = 0, .next = 0 };
    uint16_t tx_before = used_index(t);
    post(t, 1);
    w32(0x050, TXQ);
    CHECK_EQ(wait_tx(tx_before), 1);
    CHECK_EQ(used_index(t), (uint16_t)(tx_before + 1));
    CHECK_EQ(r32(0x070) & S_NEEDS_RESET, 0);
    /* A clean exchange after all that: ARP request out, the reply in. */
    Ring *r = &rings[RXQ];
    r->desc[0] = (Desc){ .addr = (uint64_t)scratch, .len = 2048, .flags = 2, .next = 0 };
    uint16_t before = used_index(r);
    post(r, 0);
    w32(0x050, RXQ);
    send_arp();
    CHECK_EQ(wait_rx(before), 1);
    CHECK(r->used[2] >= HDR + 42);
    CHECK_EQ(scratch[HDR + 12], 0x08);
    CHECK_EQ(scratch[HDR + 13], 0x06);
    CHECK_EQ(scratch[HDR + 21], 2);             /* ARP reply */
    CHECK_EQ(scratch[HDR + 28], 10);            /* from 10.0.2.2 */
    CHECK_EQ(scratch[HDR + 31], 2);
    puts_uart("virtio-net torture: tx ");
    print_hex(tx_served);
    puts_uart(" rx ");
    print_hex(rx_served);
    puts_uart(" quiet ");
    print_hex(rx_quiet);
    puts_uart(" needs-reset ");
    print_hex(needs_reset);
    puts_uart("\n");
    CHECK(tx_served > 100);
    CHECK(rx_served > 10);
    CHECK(needs_reset > 100);
    return failures;
}
