/* SPDX-License-Identifier: MIT */
/*
 * The virtio core through virtio-mmio, without a guest: the test plays the
 * driver, building split virtqueues in a RAM region that is the transport's
 * DMA view, and checks requests, notifications, interrupt suppression,
 * every malformed-descriptor case (NEEDS_RESET, a config interrupt, no
 * crash) and recovery by reset.  The device is virtio-rng reading a file
 * of known bytes (rng-random), so the data can be checked exactly.
 */
#include <string.h>
#include <unistd.h>

#include "devtest.h"
#include "kernel/bus.h"

enum {
    REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008, REG_VENDOR_ID = 0x00c,
    REG_DEVICE_FEATURES = 0x010, REG_DEVICE_FEATURES_SEL = 0x014, REG_DRIVER_FEATURES = 0x020,
    REG_DRIVER_FEATURES_SEL = 0x024, REG_QUEUE_SEL = 0x030, REG_QUEUE_NUM_MAX = 0x034,
    REG_QUEUE_NUM = 0x038, REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050,
    REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070,
    REG_QUEUE_DESC_LOW = 0x080, REG_QUEUE_DESC_HIGH = 0x084, REG_QUEUE_DRIVER_LOW = 0x090,
    REG_QUEUE_DRIVER_HIGH = 0x094, REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4,
    REG_CONFIG_GENERATION = 0x0fc, REG_CONFIG = 0x100,
};

#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 0x40
#define F_INDIRECT (1u << 28)
#define F_EVENT_IDX (1u << 29)
#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (1u << 20)
#define QNUM 8
#define DESC (RAM_BASE + 0x1000)
#define AVAIL (RAM_BASE + 0x2000)
#define USED (RAM_BASE + 0x3000)
#define TABLE (RAM_BASE + 0x8000)
#define BUF (RAM_BASE + 0x10000)
#define POOL_SIZE 65536

typedef struct Harness {
    MemoryRegion root, ram;
    AddressSpace as;
    uint8_t *mem;
    DeviceState *mmio;
    DeviceState *vdev;
    DevTestPins pins;
    uint16_t avail_idx;
    char pool_path[64];
} Harness;

static Harness h;

static uint8_t *gpa(uint64_t a)
{
    ck_assert(a >= RAM_BASE && a < RAM_BASE + RAM_SIZE);
    return h.mem + (a - RAM_BASE);
}

static void st16(uint64_t a, uint16_t v) { uint8_t *p = gpa(a); p[0] = v; p[1] = v >> 8; }
static void st32(uint64_t a, uint32_t v) { st16(a, v); st16(a + 2, v >> 16); }
static void st64(uint64_t a, uint64_t v) { st32(a, (uint32_t)v); st32(a + 4, v >> 32); }
static uint16_t ld16(uint64_t a) { uint8_t *p = gpa(a); return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t ld32(uint64_t a) { return ld16(a) | (uint32_t)ld16(a + 2) << 16; }

static uint32_t r(hwaddr off) { return (uint32_t)devtest_read(h.mmio, off, 4); }
static void w(hwaddr off, uint32_t v) { devtest_write(h.mmio, off, v, 4); }

/* A file whose byte i is (i * 7 + 3) & 0xff: what rng-random hands out. */
static uint8_t pool_byte(size_t i) { return (uint8_t)(i * 7 + 3); }

static void make_pool(void)
{
    strcpy(h.pool_path, "/tmp/tessera-virtio-poolXXXXXX");
    int fd = mkstemp(h.pool_path);
    ck_assert_int_ge(fd, 0);
    uint8_t buf[POOL_SIZE];
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = pool_byte(i);
    }
    ck_assert_int_eq(write(fd, buf, sizeof(buf)), (int)sizeof(buf));
    close(fd);
}

static void setup(void)
{
    GError *err = NULL;
    memset(&h, 0, sizeof(h));
    memory_region_init(&h.root, NULL, "dma-root", UINT64_MAX);
    ck_assert(memory_region_init_ram(&h.ram, NULL, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(&h.root, RAM_BASE, &h.ram);
    address_space_init(&h.as, &h.root, "dma");
    h.mem = memory_region_get_ram_ptr(&h.ram);
    BusState *sys = bus_new(TYPE_SYSTEM_BUS, object_root(), "sys.0");
    sys->dma_as = &h.as;

    make_pool();
    Object *pool = object_new_checked("rng-random", &err);
    ck_assert_msg(pool, "%s", err ? err->message : "?");
    ck_assert_msg(object_property_parse(pool, "filename", h.pool_path, &err), "%s",
                  err ? err->message : "?");
    object_property_add_child(object_root(), "pool", pool, NULL);
    object_unref(pool);

    Object *m = object_new_checked("virtio-mmio", &err);
    ck_assert_msg(m, "%s", err ? err->message : "?");
    object_property_add_child(object_root(), "mmio0", m, NULL);
    object_unref(m);
    h.mmio = DEVICE(m);
    ck_assert_msg(device_realize(h.mmio, &err), "%s", err ? err->message : "?");
    h.pins.count = 1;
    h.pins.lines[0] = irq_new(devtest_pin_handler, &h.pins, 0);
    device_connect_irq_out(h.mmio, 0, h.pins.lines[0]);

    Object *v = object_new_checked("virtio-rng-device", &err);
    ck_assert_msg(v, "%s", err ? err->message : "?");
    ck_assert_msg(object_property_parse(v, "rng", "/pool", &err), "%s", err ? err->message : "?");
    object_property_add_child(object_root(), "rng0", v, NULL);
    object_unref(v);
    h.vdev = DEVICE(v);
    ck_assert_msg(device_realize(h.vdev, &err), "%s", err ? err->message : "?");
    ck_assert_ptr_nonnull(h.vdev->parent_bus);
    device_reset(h.mmio);
}

static void teardown(void)
{
    unlink(h.pool_path);
}

/* The driver's side of initialisation; @features_lo for word 0. */
static bool driver_init(uint32_t features_lo, bool version1)
{
    w(REG_STATUS, 0);
    w(REG_STATUS, S_ACK);
    w(REG_STATUS, S_ACK | S_DRIVER);
    w(REG_DEVICE_FEATURES_SEL, 1);
    ck_assert_uint_eq(r(REG_DEVICE_FEATURES) & 1, 1); /* VERSION_1 offered */
    w(REG_DEVICE_FEATURES_SEL, 0);
    uint32_t offered = r(REG_DEVICE_FEATURES);
    w(REG_DRIVER_FEATURES_SEL, 0);
    w(REG_DRIVER_FEATURES, features_lo & offered);
    w(REG_DRIVER_FEATURES_SEL, 1);
    w(REG_DRIVER_FEATURES, version1 ? 1 : 0);
    w(REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    if (!(r(REG_STATUS) & S_FEATURES_OK)) {
        return false;
    }
    memset(gpa(DESC), 0, 0x3000);
    w(REG_QUEUE_SEL, 0);
    ck_assert_uint_ge(r(REG_QUEUE_NUM_MAX), QNUM);
    w(REG_QUEUE_NUM, QNUM);
    w(REG_QUEUE_DESC_LOW, (uint32_t)DESC);
    w(REG_QUEUE_DESC_HIGH, (uint32_t)(DESC >> 32));
    w(REG_QUEUE_DRIVER_LOW, (uint32_t)AVAIL);
    w(REG_QUEUE_DRIVER_HIGH, 0);
    w(REG_QUEUE_DEVICE_LOW, (uint32_t)USED);
    w(REG_QUEUE_DEVICE_HIGH, 0);
    w(REG_QUEUE_READY, 1);
    w(REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    h.avail_idx = 0;
    return true;
}

static void desc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                    uint16_t next)
{
    uint64_t d = table + 16ULL * i;
    st64(d, addr);
    st32(d + 8, len);
    st16(d + 12, flags);
    st16(d + 14, next);
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    desc_at(DESC, i, addr, len, flags, next);
}

static void post(uint16_t head)
{
    st16(AVAIL + 4 + 2 * (h.avail_idx % QNUM), head);
    h.avail_idx++;
    st16(AVAIL + 2, h.avail_idx);
}

static uint16_t used_idx(void) { return ld16(USED + 2); }
static uint32_t used_id(unsigned i) { return ld32(USED + 4 + 8 * (i % QNUM)); }
static uint32_t used_len(unsigned i) { return ld32(USED + 8 + 8 * (i % QNUM)); }

static void check_pool_bytes(uint64_t addr, size_t len, size_t pool_offset)
{
    for (size_t i = 0; i < len; i++) {
        ck_assert_msg(*gpa(addr + i) == pool_byte(pool_offset + i), "byte %zu", i);
    }
}

/* A request of one writable buffer works and raises the interrupt. */
static void one_good_request(size_t pool_offset)
{
    uint16_t before = used_idx();
    memset(gpa(BUF), 0, 64);
    set_desc(0, BUF, 64, D_WRITE, 0);
    post(0);
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_idx(), (uint16_t)(before + 1));
    ck_assert_uint_eq(used_id(before), 0);
    ck_assert_uint_eq(used_len(before), 64);
    check_pool_bytes(BUF, 64, pool_offset);
    ck_assert_uint_eq(r(REG_INTERRUPT_STATUS) & 1, 1);
    ck_assert_int_eq(h.pins.level[0], 1);
    w(REG_INTERRUPT_ACK, 1);
    ck_assert_int_eq(h.pins.level[0], 0);
}

START_TEST(test_identity)
{
    ck_assert_uint_eq(r(REG_MAGIC), 0x74726976);
    ck_assert_uint_eq(r(REG_VERSION), 2);
    ck_assert_uint_eq(r(REG_DEVICE_ID), 4);
    ck_assert_uint_eq(r(REG_VENDOR_ID), 0x554d4551);
}
END_TEST

START_TEST(test_version_1_required)
{
    ck_assert(!driver_init(0, false));
    ck_assert(driver_init(0, true));
}
END_TEST

START_TEST(test_request_and_interrupt)
{
    ck_assert(driver_init(0, true));
    one_good_request(0);
    one_good_request(64);
}
END_TEST

START_TEST(test_whole_queue_per_notify)
{
    ck_assert(driver_init(0, true));
    for (unsigned i = 0; i < QNUM; i++) {
        set_desc(i, BUF + 0x100 * i, 16, D_WRITE, 0);
        post((uint16_t)i);
    }
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_idx(), QNUM);
    for (unsigned i = 0; i < QNUM; i++) {
        ck_assert_uint_eq(used_id(i), i);
        check_pool_bytes(BUF + 0x100 * i, 16, 16 * i);
    }
    /* One interrupt for the lot. */
    ck_assert_uint_eq(h.pins.changes[0], 1);
}
END_TEST

START_TEST(test_chain_and_indirect)
{
    ck_assert(driver_init(F_INDIRECT, true));
    /* A chain of two writable buffers. */
    set_desc(0, BUF, 10, D_WRITE | D_NEXT, 1);
    set_desc(1, BUF + 0x100, 6, D_WRITE, 0);
    post(0);
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_len(0), 16);
    check_pool_bytes(BUF, 10, 0);
    check_pool_bytes(BUF + 0x100, 6, 10);
    /* An indirect table of three. */
    desc_at(TABLE, 0, BUF + 0x200, 4, D_WRITE | D_NEXT, 1);
    desc_at(TABLE, 1, BUF + 0x300, 4, D_WRITE | D_NEXT, 2);
    desc_at(TABLE, 2, BUF + 0x400, 4, D_WRITE, 0);
    set_desc(2, TABLE, 48, D_INDIRECT, 0);
    post(2);
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_idx(), 2);
    ck_assert_uint_eq(used_id(1), 2);
    ck_assert_uint_eq(used_len(1), 12);
    check_pool_bytes(BUF + 0x200, 4, 16);
    check_pool_bytes(BUF + 0x400, 4, 24);
    ck_assert_uint_eq(r(REG_STATUS) & S_NEEDS_RESET, 0);
}
END_TEST

START_TEST(test_no_interrupt_flag)
{
    ck_assert(driver_init(0, true));
    st16(AVAIL, 1); /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    set_desc(0, BUF, 8, D_WRITE, 0);
    post(0);
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_idx(), 1);
    ck_assert_int_eq(h.pins.level[0], 0);
}
END_TEST

START_TEST(test_event_idx)
{
    ck_assert(driver_init(F_EVENT_IDX, true));
    /* used_event = 1: interrupt once the used index passes 1, i.e. at the
     * second completion; the first interrupts because nothing was signalled
     * yet; the third does not (used_event was passed already). */
    st16(AVAIL + 4 + 2 * QNUM, 1);
    static const int expect_irq[3] = { 1, 1, 0 };
    for (unsigned n = 0; n < 3; n++) {
        set_desc(n, BUF + 0x100 * n, 8, D_WRITE, 0);
        post((uint16_t)n);
        w(REG_QUEUE_NOTIFY, 0);
        ck_assert_uint_eq(used_idx(), n + 1);
        /* The device asks to be kicked for the next entry. */
        ck_assert_uint_eq(ld16(USED + 4 + 8 * QNUM), n + 1);
        ck_assert_msg(h.pins.level[0] == expect_irq[n], "completion %u", n);
        w(REG_INTERRUPT_ACK, 1);
    }
    set_desc(3, BUF, 8, D_WRITE, 0);
    st16(AVAIL + 4 + 2 * QNUM, 10); /* far away */
    post(3);
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_idx(), 4);
    ck_assert_int_eq(h.pins.level[0], 0);
}
END_TEST

/* The device stopped and asks for a reset; a reset brings it back. */
static void expect_needs_reset_then_recover(uint16_t used_before)
{
    ck_assert_uint_eq(r(REG_STATUS) & S_NEEDS_RESET, S_NEEDS_RESET);
    ck_assert_uint_eq(r(REG_INTERRUPT_STATUS) & 2, 2); /* config change */
    ck_assert_int_eq(h.pins.level[0], 1);
    ck_assert_uint_eq(used_idx(), used_before);
    /* Further kicks do nothing while broken. */
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_idx(), used_before);
    w(REG_STATUS, 0);
    ck_assert_uint_eq(r(REG_STATUS), 0);
    ck_assert_uint_eq(r(REG_QUEUE_READY), 0);
    ck_assert_int_eq(h.pins.level[0], 0);
    ck_assert(driver_init(F_INDIRECT | F_EVENT_IDX, true));
    one_good_request(0);
    ck_assert_uint_eq(r(REG_STATUS) & S_NEEDS_RESET, 0);
}

typedef void (*BadSetup)(void);

static void bad_head(void) { post(QNUM + 3); }
static void bad_next(void) { set_desc(0, BUF, 8, D_WRITE | D_NEXT, 50); post(0); }
static void loop(void)
{
    set_desc(0, BUF, 8, D_WRITE | D_NEXT, 1);
    set_desc(1, BUF + 8, 8, D_WRITE | D_NEXT, 0);
    post(0);
}
static void indirect_loop(void)
{
    desc_at(TABLE, 0, BUF, 8, D_WRITE | D_NEXT, 1);
    desc_at(TABLE, 1, BUF, 8, D_WRITE | D_NEXT, 0);
    set_desc(0, TABLE, 32, D_INDIRECT, 0);
    post(0);
}
static void indirect_in_indirect(void)
{
    desc_at(TABLE, 0, TABLE + 0x100, 16, D_INDIRECT, 0);
    set_desc(0, TABLE, 16, D_INDIRECT, 0);
    post(0);
}
static void indirect_bad_len(void) { set_desc(0, TABLE, 17, D_INDIRECT, 0); post(0); }
static void indirect_empty(void) { set_desc(0, TABLE, 0, D_INDIRECT, 0); post(0); }
static void indirect_with_next(void)
{
    desc_at(TABLE, 0, BUF, 8, D_WRITE, 0);
    set_desc(0, TABLE, 16, D_INDIRECT | D_NEXT, 1);
    set_desc(1, BUF, 8, D_WRITE, 0);
    post(0);
}
static void indirect_outside_ram(void) { set_desc(0, 0x10000000, 16, D_INDIRECT, 0); post(0); }
static void buffer_outside_ram(void) { set_desc(0, 0x10000000, 64, D_WRITE, 0); post(0); }
static void buffer_past_ram_end(void)
{
    set_desc(0, RAM_BASE + RAM_SIZE - 16, 64, D_WRITE, 0);
    post(0);
}
static void buffer_wraps(void) { set_desc(0, UINT64_MAX - 15, 64, D_WRITE, 0); post(0); }
static void avail_runs_ahead(void)
{
    set_desc(0, BUF, 8, D_WRITE, 0);
    post(0);
    h.avail_idx += QNUM + 1;
    st16(AVAIL + 2, h.avail_idx);
}
static void readable_after_writable(void)
{
    set_desc(0, BUF, 8, D_WRITE | D_NEXT, 1);
    set_desc(1, BUF + 8, 8, 0, 0);
    post(0);
}
static void no_writable_buffer(void) { set_desc(0, BUF, 64, 0, 0); post(0); }

static const struct { const char *name; BadSetup fn; } bad_cases[] = {
    { "head-past-queue", bad_head },
    { "next-past-queue", bad_next },
    { "loop", loop },
    { "loop-in-indirect-table", indirect_loop },
    { "indirect-in-indirect", indirect_in_indirect },
    { "indirect-length-not-multiple-of-16", indirect_bad_len },
    { "indirect-length-zero", indirect_empty },
    { "indirect-with-next", indirect_with_next },
    { "indirect-table-outside-ram", indirect_outside_ram },
    { "buffer-outside-ram", buffer_outside_ram },
    { "buffer-past-ram-end", buffer_past_ram_end },
    { "buffer-wraps-address-space", buffer_wraps },
    { "available-index-runs-ahead", avail_runs_ahead },
    { "readable-after-writable", readable_after_writable },
    { "read-only-buffer-for-device-data", no_writable_buffer },
};

START_TEST(test_malformed)
{
    ck_assert(driver_init(F_INDIRECT | F_EVENT_IDX, true));
    uint16_t before = used_idx();
    bad_cases[_i].fn();
    w(REG_QUEUE_NOTIFY, 0);
    expect_needs_reset_then_recover(before);
}
END_TEST

START_TEST(test_rings_outside_ram)
{
    w(REG_STATUS, S_ACK | S_DRIVER);
    w(REG_DRIVER_FEATURES_SEL, 1);
    w(REG_DRIVER_FEATURES, 1);
    w(REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    w(REG_QUEUE_SEL, 0);
    w(REG_QUEUE_NUM, QNUM);
    w(REG_QUEUE_DESC_LOW, 0x10000000);
    w(REG_QUEUE_DRIVER_LOW, (uint32_t)AVAIL);
    w(REG_QUEUE_DEVICE_LOW, (uint32_t)USED);
    w(REG_QUEUE_READY, 1);
    ck_assert_uint_eq(r(REG_QUEUE_READY), 0);
    ck_assert_uint_eq(r(REG_STATUS) & S_NEEDS_RESET, S_NEEDS_RESET);
    w(REG_STATUS, 0);
    ck_assert(driver_init(0, true));
    one_good_request(0);
}
END_TEST

START_TEST(test_random_chains_survive)
{
    /* Random descriptor tables, thousands of rounds: the device completes
     * what is valid, flags what is not, and a reset always brings it back. */
    GRand *rnd = g_rand_new_with_seed(1234);
    unsigned broken = 0, served = 0;
    ck_assert(driver_init(F_INDIRECT | F_EVENT_IDX, true));
    for (unsigned round = 0; round < 3000; round++) {
        for (unsigned i = 0; i < QNUM; i++) {
            static const uint64_t bases[] = { BUF, TABLE, 0x10000000, RAM_BASE + RAM_SIZE - 8,
                                              UINT64_MAX - 7 };
            uint64_t addr = bases[g_rand_int_range(rnd, 0, G_N_ELEMENTS(bases))] +
                            (uint64_t)g_rand_int_range(rnd, 0, 64);
            desc_at(DESC, i, addr, (uint32_t)g_rand_int_range(rnd, 0, 80),
                    (uint16_t)g_rand_int_range(rnd, 0, 8),
                    (uint16_t)g_rand_int_range(rnd, 0, QNUM + 2));
            desc_at(TABLE, i, BUF + 16 * i, (uint32_t)g_rand_int_range(rnd, 0, 40),
                    (uint16_t)g_rand_int_range(rnd, 0, 8),
                    (uint16_t)g_rand_int_range(rnd, 0, QNUM + 2));
        }
        post((uint16_t)g_rand_int_range(rnd, 0, QNUM + 1));
        uint16_t before = used_idx();
        w(REG_QUEUE_NOTIFY, 0);
        if (r(REG_STATUS) & S_NEEDS_RESET) {
            broken++;
            ck_assert_uint_eq(used_idx(), before);
            ck_assert(driver_init(F_INDIRECT | F_EVENT_IDX, true));
        } else {
            served += used_idx() - before;
        }
    }
    g_rand_free(rnd);
    ck_assert_uint_gt(broken, 100);
    ck_assert_uint_gt(served, 100);
    /* Still serving: the pool's pattern (+7 per byte) from wherever it is. */
    w(REG_STATUS, 0);
    ck_assert(driver_init(0, true));
    set_desc(0, BUF, 64, D_WRITE, 0);
    post(0);
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(used_len(0), 64);
    for (unsigned i = 1; i < 64; i++) {
        ck_assert_uint_eq((uint8_t)(*gpa(BUF + i) - *gpa(BUF + i - 1)), 7);
    }
}
END_TEST

START_TEST(test_reset_clears_queue_state)
{
    ck_assert(driver_init(0, true));
    one_good_request(0);
    w(REG_STATUS, 0);
    w(REG_QUEUE_SEL, 0);
    ck_assert_uint_eq(r(REG_QUEUE_READY), 0);
    ck_assert_uint_eq(r(REG_QUEUE_DESC_LOW), 0);
    ck_assert_uint_eq(r(REG_INTERRUPT_STATUS), 0);
    /* Notifying a reset device does nothing. */
    w(REG_QUEUE_NOTIFY, 0);
    ck_assert(driver_init(0, true));
    one_good_request(64);
}
END_TEST

static Suite *virtio_suite(void)
{
    Suite *s = suite_create("/devices/virtio");
    const struct { const char *name; const TTest *fn; } cases[] = {
        { "/devices/virtio/mmio/identity", test_identity },
        { "/devices/virtio/features/version-1-required", test_version_1_required },
        { "/devices/virtio/rng/request-and-interrupt", test_request_and_interrupt },
        { "/devices/virtio/queue/whole-queue-per-notify", test_whole_queue_per_notify },
        { "/devices/virtio/queue/chain-and-indirect", test_chain_and_indirect },
        { "/devices/virtio/queue/no-interrupt-flag", test_no_interrupt_flag },
        { "/devices/virtio/queue/event-idx", test_event_idx },
        { "/devices/virtio/queue/rings-outside-ram", test_rings_outside_ram },
        { "/devices/virtio/queue/random-chains", test_random_chains_survive },
        { "/devices/virtio/reset", test_reset_clears_queue_state },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    TCase *bad = tcase_create("/devices/virtio/queue/malformed");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_loop_test(bad, test_malformed, 0, (int)G_N_ELEMENTS(bad_cases));
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    return devtest_run(virtio_suite());
}
