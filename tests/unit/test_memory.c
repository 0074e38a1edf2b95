/* SPDX-License-Identifier: MIT */
/*
 * Memory regions, flat views and dispatch (kernel/memory.h).
 *
 * Throwaway MMIO devices below record what the core asks of them, so the
 * tests can check both what the guest sees and what the device sees.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel/log.h"
#include "kernel/memory.h"

#define KiB 1024u
#define MAX_CALLS 16

/* ---- test devices ------------------------------------------------------ */

typedef struct TestDev {
    uint8_t bytes[64];          /* byte-wide device registers */
    uint16_t halves[4];         /* halfword device registers */
    uint32_t word;              /* word device register */
    unsigned ncalls;
    struct {
        bool is_write;
        hwaddr addr;
        uint64_t value;
        unsigned size;
    } calls[MAX_CALLS];
} TestDev;

static void record(TestDev *d, bool is_write, hwaddr addr, uint64_t value, unsigned size)
{
    if (d->ncalls < MAX_CALLS) {
        d->calls[d->ncalls].is_write = is_write;
        d->calls[d->ncalls].addr = addr;
        d->calls[d->ncalls].value = value;
        d->calls[d->ncalls].size = size;
    }
    d->ncalls++;
}

static uint64_t byte_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    ck_assert_uint_eq(size, 1);
    record(d, false, addr, 0, size);
    return d->bytes[addr];
}

static void byte_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    TestDev *d = opaque;
    ck_assert_uint_eq(size, 1);
    record(d, true, addr, value, size);
    d->bytes[addr] = value;
}

static const MemoryRegionOps byte_le_ops = {
    .read = byte_read,
    .write = byte_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static const MemoryRegionOps byte_be_ops = {
    .read = byte_read,
    .write = byte_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static uint64_t half_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    ck_assert_uint_eq(size, 2);
    record(d, false, addr, 0, size);
    return d->halves[addr / 2];
}

static void half_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    TestDev *d = opaque;
    ck_assert_uint_eq(size, 2);
    record(d, true, addr, value, size);
    d->halves[addr / 2] = value;
}

static const MemoryRegionOps half_le_ops = {
    .read = half_read,
    .write = half_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 2, .max_access_size = 2 },
};

static const MemoryRegionOps half_be_ops = {
    .read = half_read,
    .write = half_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 2, .max_access_size = 2 },
};

static uint64_t word_read(void *opaque, hwaddr addr, unsigned size)
{
    TestDev *d = opaque;
    record(d, false, addr, 0, size);
    return d->word;
}

static void word_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    TestDev *d = opaque;
    record(d, true, addr, value, size);
    d->word = value;
}

/* Implements only 4-byte accesses, lets the guest use 1..4. */
static const MemoryRegionOps word_ops = {
    .read = word_read,
    .write = word_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const MemoryRegionOps word_be_ops = {
    .read = word_read,
    .write = word_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* Accepts only aligned 4-byte accesses. */
static const MemoryRegionOps strict_ops = {
    .read = word_read,
    .write = word_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

/* Accepts and implements everything up to 8 bytes: shows the piece sizes. */
static const MemoryRegionOps any_ops = {
    .read = word_read,
    .write = word_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- helpers ------------------------------------------------------------ */

static void init_ram(MemoryRegion *mr, const char *name, uint64_t size)
{
    GError *err = NULL;
    ck_assert_msg(memory_region_init_ram(mr, NULL, name, size, &err), "ram: %s",
                  err ? err->message : "?");
}

static void check_range(FlatView *fv, unsigned i, hwaddr start, uint64_t size,
                        MemoryRegion *mr, hwaddr offset)
{
    ck_assert_uint_lt(i, fv->nr);
    const FlatRange *fr = &fv->ranges[i];
    ck_assert_msg(fr->start == start && fr->size == size && fr->mr == mr &&
                  fr->offset_in_region == offset,
                  "range %u is 0x%" PRIx64 "+0x%" PRIx64 " %s@0x%" PRIx64
                  ", expected 0x%" PRIx64 "+0x%" PRIx64 " %s@0x%" PRIx64,
                  i, fr->start, fr->size, fr->mr->name, fr->offset_in_region,
                  start, size, mr->name, offset);
}

/* A 64 KiB system container with its address space. */
typedef struct Sys {
    MemoryRegion root;
    AddressSpace as;
} Sys;

static void sys_init(Sys *s)
{
    memory_region_init(&s->root, NULL, "system", UINT64_MAX);
    address_space_init(&s->as, &s->root, "memory");
}

/* Address spaces are registered globally: unregister before the stack
 * frame holding them goes away. */
static void sys_fini(Sys *s)
{
    address_space_destroy(&s->as);
}

static FlatView *sys_view(Sys *s)
{
    return address_space_get_flatview(&s->as);
}

/* ---- flat view ---------------------------------------------------------- */

START_TEST(test_flatview_priority)
{
    Sys s;
    MemoryRegion ram, dev;
    TestDev d = { 0 };
    sys_init(&s);
    init_ram(&ram, "ram", 0x3000);
    memory_region_init_io(&dev, NULL, &byte_le_ops, &d, "dev", 0x1000);
    memory_region_add_subregion_overlap(&s.root, 0x1000, &dev, 1);
    memory_region_add_subregion(&s.root, 0, &ram);   /* added later, lower priority */

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 3);
    check_range(fv, 0, 0x0000, 0x1000, &ram, 0x0000);
    check_range(fv, 1, 0x1000, 0x1000, &dev, 0x0000);
    check_range(fv, 2, 0x2000, 0x1000, &ram, 0x2000);
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_equal_priority_last_wins)
{
    Sys s;
    MemoryRegion a, b;
    sys_init(&s);
    init_ram(&a, "a", 0x2000);
    init_ram(&b, "b", 0x2000);
    memory_region_add_subregion(&s.root, 0, &a);
    memory_region_add_subregion(&s.root, 0x1000, &b);

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 2);
    check_range(fv, 0, 0x0000, 0x1000, &a, 0);
    check_range(fv, 1, 0x1000, 0x2000, &b, 0);
    flatview_unref(fv);

    /* Re-adding a moves it on top. */
    memory_region_del_subregion(&s.root, &a);
    memory_region_add_subregion(&s.root, 0, &a);
    fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 2);
    check_range(fv, 0, 0x0000, 0x2000, &a, 0);
    check_range(fv, 1, 0x2000, 0x1000, &b, 0x1000);
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_higher_priority_added_first_still_wins)
{
    Sys s;
    MemoryRegion hi, lo;
    sys_init(&s);
    init_ram(&hi, "hi", 0x1000);
    init_ram(&lo, "lo", 0x1000);
    memory_region_add_subregion_overlap(&s.root, 0, &hi, 5);
    memory_region_add_subregion_overlap(&s.root, 0, &lo, -1);
    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 1);
    check_range(fv, 0, 0, 0x1000, &hi, 0);
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_alias_offset)
{
    Sys s;
    MemoryRegion ram, alias;
    sys_init(&s);
    init_ram(&ram, "ram", 0x4000);
    memory_region_init_alias(&alias, NULL, "ram.window", &ram, 0x1000, 0x2000);
    memory_region_add_subregion(&s.root, 0x10000, &alias);

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 1);
    check_range(fv, 0, 0x10000, 0x2000, &ram, 0x1000);
    flatview_unref(fv);

    memory_region_get_ram_ptr(&ram)[0x1234] = 0x5a;
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&s.as, 0x10234, &v, 1), MEMTX_OK);
    ck_assert_uint_eq(v, 0x5a);
    ck_assert_ptr_eq(memory_region_get_ram_ptr(&alias), memory_region_get_ram_ptr(&ram) + 0x1000);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_alias_of_container)
{
    Sys s;
    MemoryRegion bus, r0, r1, alias;
    TestDev d = { 0 };
    sys_init(&s);
    memory_region_init(&bus, NULL, "bus", 0x10000);
    init_ram(&r0, "r0", 0x1000);
    memory_region_init_io(&r1, NULL, &byte_le_ops, &d, "r1", 0x40);
    memory_region_add_subregion(&bus, 0x0000, &r0);
    memory_region_add_subregion(&bus, 0x1000, &r1);
    /* Window [0x800, 0x1800) of the bus, mapped at 0x80000000. */
    memory_region_init_alias(&alias, NULL, "bus.window", &bus, 0x800, 0x1000);
    memory_region_add_subregion(&s.root, 0x80000000, &alias);

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 2);
    check_range(fv, 0, 0x80000000, 0x800, &r0, 0x800);
    check_range(fv, 1, 0x80000800, 0x40, &r1, 0);
    flatview_unref(fv);

    /* A change inside the aliased container reaches the address space. */
    memory_region_set_enabled(&r1, false);
    fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 1);
    check_range(fv, 0, 0x80000000, 0x800, &r0, 0x800);
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_disabled)
{
    Sys s;
    MemoryRegion ram, rom;
    sys_init(&s);
    init_ram(&ram, "ram", 0x3000);
    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, NULL));
    memory_region_add_subregion(&s.root, 0, &ram);
    memory_region_add_subregion_overlap(&s.root, 0x1000, &rom, 1);
    memory_region_set_enabled(&rom, false);

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 1);
    check_range(fv, 0, 0, 0x3000, &ram, 0);
    flatview_unref(fv);

    memory_region_set_enabled(&rom, true);
    fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 3);
    check_range(fv, 1, 0x1000, 0x1000, &rom, 0);
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_nested)
{
    Sys s;
    MemoryRegion outer, inner, ram;
    sys_init(&s);
    memory_region_init(&outer, NULL, "outer", 0x100000);
    memory_region_init(&inner, NULL, "inner", 0x2000);
    init_ram(&ram, "ram", 0x4000);   /* larger than inner: clipped */
    memory_region_add_subregion(&inner, 0x1000, &ram);
    memory_region_add_subregion(&outer, 0x10000, &inner);
    memory_region_add_subregion(&s.root, 0x40000000, &outer);

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 1);
    check_range(fv, 0, 0x40011000, 0x1000, &ram, 0);
    flatview_unref(fv);

    /* Disabling a container hides everything under it. */
    memory_region_set_enabled(&outer, false);
    fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 0);
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_move)
{
    Sys s;
    MemoryRegion ram, bar;
    TestDev d = { 0 };
    sys_init(&s);
    init_ram(&ram, "ram", 0x10000);
    memory_region_init_io(&bar, NULL, &byte_le_ops, &d, "bar", 0x40);
    memory_region_add_subregion(&s.root, 0, &ram);
    memory_region_add_subregion_overlap(&s.root, 0x2000, &bar, 1);
    memory_region_set_address(&bar, 0x20000);

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 2);
    check_range(fv, 0, 0, 0x10000, &ram, 0);
    check_range(fv, 1, 0x20000, 0x40, &bar, 0);
    /* The old place shows the RAM again. */
    ck_assert_ptr_eq(flatview_lookup(fv, 0x2000)->mr, &ram);
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

START_TEST(test_flatview_del_and_destroy)
{
    Sys s;
    MemoryRegion ram, dev;
    TestDev d = { 0 };
    sys_init(&s);
    init_ram(&ram, "ram", 0x1000);
    memory_region_init_io(&dev, NULL, &byte_le_ops, &d, "dev", 0x1000);
    memory_region_add_subregion(&s.root, 0, &ram);
    memory_region_add_subregion(&s.root, 0x1000, &dev);
    memory_region_destroy(&dev);

    FlatView *fv = sys_view(&s);
    ck_assert_uint_eq(fv->nr, 1);
    check_range(fv, 0, 0, 0x1000, &ram, 0);
    flatview_unref(fv);
    address_space_destroy(&s.as);
    memory_region_destroy(&ram);
    memory_region_destroy(&s.root);
}
END_TEST

START_TEST(test_flatview_lookup)
{
    Sys s;
    MemoryRegion ram[8];
    char name[16];
    sys_init(&s);
    for (unsigned i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "ram%u", i);
        init_ram(&ram[i], name, 0x100);
        memory_region_add_subregion(&s.root, i * 0x1000, &ram[i]);
    }
    FlatView *fv = sys_view(&s);
    for (unsigned i = 0; i < 8; i++) {
        const FlatRange *fr = flatview_lookup(fv, i * 0x1000 + 0xff);
        ck_assert_ptr_nonnull(fr);
        ck_assert_ptr_eq(fr->mr, &ram[i]);
        ck_assert_ptr_null(flatview_lookup(fv, i * 0x1000 + 0x100));
    }
    flatview_unref(fv);
    sys_fini(&s);
}
END_TEST

static void count_commit(AddressSpace *as, void *opaque)
{
    (*(unsigned *)opaque)++;
}

START_TEST(test_flatview_listener)
{
    Sys s;
    MemoryRegion ram;
    unsigned commits = 0;
    AddressSpaceListener l = { .commit = count_commit, .opaque = &commits };
    sys_init(&s);
    address_space_add_listener(&s.as, &l);
    init_ram(&ram, "ram", 0x1000);

    FlatView *old = sys_view(&s);
    memory_region_add_subregion(&s.root, 0, &ram);
    ck_assert_uint_eq(commits, 1);
    memory_region_set_address(&ram, 0x1000);
    ck_assert_uint_eq(commits, 2);
    memory_region_set_enabled(&ram, false);
    ck_assert_uint_eq(commits, 3);

    /* A view held across the changes stays as it was. */
    ck_assert_uint_eq(old->nr, 0);
    flatview_unref(old);

    address_space_remove_listener(&s.as, &l);
    memory_region_set_enabled(&ram, true);
    ck_assert_uint_eq(commits, 3);
    sys_fini(&s);
}
END_TEST

/* ---- dispatch ------------------------------------------------------------- */

static void map_dev(Sys *s, MemoryRegion *mr, const MemoryRegionOps *ops, TestDev *d)
{
    sys_init(s);
    memory_region_init_io(mr, NULL, ops, d, "dev", 0x40);
    memory_region_add_subregion(&s->root, 0x1000, mr);
}

static void fill_bytes(TestDev *d)
{
    for (unsigned i = 0; i < sizeof(d->bytes); i++) {
        d->bytes[i] = 0x10 + i;
    }
}

START_TEST(test_dispatch_split_bytes_le)
{
    Sys s;
    MemoryRegion dev;
    TestDev d = { 0 };
    uint64_t v;
    fill_bytes(&d);
    map_dev(&s, &dev, &byte_le_ops, &d);

    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x13121110);
    ck_assert_uint_eq(d.ncalls, 4);
    ck_assert_uint_eq(d.calls[3].addr, 3);
    ck_assert_int_eq(address_space_read(&s.as, 0x1008, &v, 8), MEMTX_OK);
    ck_assert_uint_eq(v, UINT64_C(0x1f1e1d1c1b1a1918));

    ck_assert_int_eq(address_space_write(&s.as, 0x1000, 0xaabbccdd, 4), MEMTX_OK);
    ck_assert_uint_eq(d.bytes[0], 0xdd);
    ck_assert_uint_eq(d.bytes[3], 0xaa);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_split_bytes_be)
{
    /* One-byte registers have no byte order: the guest sees the same bytes. */
    Sys s;
    MemoryRegion dev;
    TestDev d = { 0 };
    uint64_t v;
    fill_bytes(&d);
    map_dev(&s, &dev, &byte_be_ops, &d);

    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x13121110);
    ck_assert_int_eq(address_space_read(&s.as, 0x1008, &v, 8), MEMTX_OK);
    ck_assert_uint_eq(v, UINT64_C(0x1f1e1d1c1b1a1918));
    ck_assert_int_eq(address_space_write(&s.as, 0x1000, 0xaabbccdd, 4), MEMTX_OK);
    ck_assert_uint_eq(d.bytes[0], 0xdd);
    ck_assert_uint_eq(d.bytes[3], 0xaa);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_split_halves_le)
{
    Sys s;
    MemoryRegion dev;
    TestDev d = { .halves = { 0x1122, 0x3344, 0x5566, 0x7788 } };
    uint64_t v;
    map_dev(&s, &dev, &half_le_ops, &d);

    /* Lower address = less significant half. */
    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x33441122);
    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 8), MEMTX_OK);
    ck_assert_uint_eq(v, UINT64_C(0x7788556633441122));
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_split_halves_be)
{
    Sys s;
    MemoryRegion dev;
    TestDev d = { .halves = { 0x1122, 0x3344 } };
    uint64_t v;
    map_dev(&s, &dev, &half_be_ops, &d);

    /* Device order 0x1122_3344 (lower address more significant), which
     * the little-endian bus sees as bytes 11 22 33 44. */
    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x44332211);
    ck_assert_int_eq(address_space_write(&s.as, 0x1000, 0x44332211, 4), MEMTX_OK);
    ck_assert_uint_eq(d.calls[2].addr, 0);
    ck_assert_uint_eq(d.calls[2].value, 0x1122);
    ck_assert_uint_eq(d.calls[3].addr, 2);
    ck_assert_uint_eq(d.calls[3].value, 0x3344);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_big_endian_swaps)
{
    Sys s;
    MemoryRegion dev;
    TestDev d = { .word = 0x11223344 };
    uint64_t v;
    map_dev(&s, &dev, &word_be_ops, &d);
    ck_assert_int_eq(address_space_write(&s.as, 0x1000, 0xaabbccdd, 4), MEMTX_OK);
    ck_assert_uint_eq(d.word, 0xddccbbaa);
    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0xaabbccdd);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_widen_narrow_access)
{
    Sys s;
    MemoryRegion dev;
    TestDev d = { .word = 0xddccbbaa };
    uint64_t v;
    map_dev(&s, &dev, &word_ops, &d);

    ck_assert_int_eq(address_space_read(&s.as, 0x1005, &v, 1), MEMTX_OK);
    ck_assert_uint_eq(v, 0xbb);
    ck_assert_uint_eq(d.ncalls, 1);
    ck_assert_uint_eq(d.calls[0].addr, 4);   /* aligned down */
    ck_assert_uint_eq(d.calls[0].size, 4);
    ck_assert_int_eq(address_space_read(&s.as, 0x1002, &v, 2), MEMTX_OK);
    ck_assert_uint_eq(v, 0xddcc);

    /* No read-modify-write: the byte is shifted into place, zeros around. */
    ck_assert_int_eq(address_space_write(&s.as, 0x1006, 0xee, 1), MEMTX_OK);
    ck_assert_uint_eq(d.calls[2].is_write, true);
    ck_assert_uint_eq(d.calls[2].addr, 4);
    ck_assert_uint_eq(d.calls[2].size, 4);
    ck_assert_uint_eq(d.calls[2].value, 0x00ee0000);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_valid_refusal)
{
    Sys s;
    MemoryRegion dev;
    TestDev d = { .word = 0x12345678 };
    uint64_t v = 99;
    map_dev(&s, &dev, &strict_ops, &d);

    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 1), MEMTX_ERROR);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(address_space_read(&s.as, 0x1002, &v, 4), MEMTX_ERROR);   /* unaligned */
    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 8), MEMTX_ERROR);
    ck_assert_int_eq(address_space_write(&s.as, 0x1000, 0xff, 2), MEMTX_ERROR);
    ck_assert_uint_eq(d.ncalls, 0);
    ck_assert_uint_eq(d.word, 0x12345678);

    ck_assert_int_eq(address_space_read(&s.as, 0x1004, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x12345678);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_unmapped)
{
    Sys s;
    MemoryRegion ram;
    uint64_t v = 0xdead;
    sys_init(&s);
    init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&s.root, 0, &ram);

    ck_assert_int_eq(address_space_read(&s.as, 0x5000, &v, 8), MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(address_space_write(&s.as, 0x5000, 1, 4), MEMTX_DECODE_ERROR);
    ck_assert_int_eq(address_space_read(&s.as, UINT64_MAX, &v, 1), MEMTX_DECODE_ERROR);
    /* Half in RAM, half in the hole: the RAM half still reads. */
    memory_region_get_ram_ptr(&ram)[0xffe] = 0x34;
    memory_region_get_ram_ptr(&ram)[0xfff] = 0x12;
    ck_assert_int_eq(address_space_read(&s.as, 0xffe, &v, 4), MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(v, 0x1234);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_unmapped_logged)
{
    char path[] = "/tmp/tessera-memlog-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert(log_set_file(path, NULL));
    log_current_mask |= LOG_GUEST_ERROR;

    Sys s;
    uint64_t v;
    sys_init(&s);
    ck_assert_int_eq(address_space_read(&s.as, 0x1234, &v, 4), MEMTX_DECODE_ERROR);
    fflush(log_file());

    char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    ck_assert_msg(strstr(text, "invalid read at 0x1234 size 4"), "log: %s", text);
    g_free(text);
    unlink(path);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_ram_little_endian)
{
    Sys s;
    MemoryRegion ram;
    uint64_t v;
    sys_init(&s);
    init_ram(&ram, "ram", 0x1000);
    memory_region_add_subregion(&s.root, 0x80000000, &ram);

    ck_assert_int_eq(address_space_write(&s.as, 0x80000010, UINT64_C(0x0807060504030201), 8),
                     MEMTX_OK);
    uint8_t *p = memory_region_get_ram_ptr(&ram);
    ck_assert_uint_eq(p[0x10], 1);
    ck_assert_uint_eq(p[0x17], 8);
    ck_assert_int_eq(address_space_read(&s.as, 0x80000012, &v, 2), MEMTX_OK);
    ck_assert_uint_eq(v, 0x0403);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_rom)
{
    Sys s;
    MemoryRegion rom;
    uint64_t v;
    sys_init(&s);
    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, NULL));
    memory_region_add_subregion(&s.root, 0x1000, &rom);
    memory_region_get_ram_ptr(&rom)[0] = 0x42;

    ck_assert_int_eq(address_space_write(&s.as, 0x1000, 0xff, 1), MEMTX_OK);
    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 1), MEMTX_OK);
    ck_assert_uint_eq(v, 0x42);
    static const uint8_t blob[] = { 1, 2, 3, 4 };
    address_space_write_buf(&s.as, 0x1000, blob, sizeof(blob));
    ck_assert_uint_eq(memory_region_get_ram_ptr(&rom)[0], 0x42);

    ck_assert_int_eq(address_space_write_rom(&s.as, 0x1000, blob, sizeof(blob)), MEMTX_OK);
    ck_assert_int_eq(address_space_read(&s.as, 0x1000, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x04030201);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_span_ram_mmio)
{
    Sys s;
    MemoryRegion ram, dev;
    TestDev d = { 0 };
    uint64_t v;
    fill_bytes(&d);
    sys_init(&s);
    init_ram(&ram, "ram", 0x1000);
    memory_region_init_io(&dev, NULL, &byte_le_ops, &d, "dev", 0x40);
    memory_region_add_subregion(&s.root, 0, &ram);
    memory_region_add_subregion(&s.root, 0x1000, &dev);
    memset(memory_region_get_ram_ptr(&ram) + 0xffe, 0xab, 2);

    ck_assert_int_eq(address_space_read(&s.as, 0xffe, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x1110abab);
    sys_fini(&s);
}
END_TEST

START_TEST(test_buf_across_ram_mmio)
{
    Sys s;
    MemoryRegion ram, dev;
    TestDev d = { 0 };
    sys_init(&s);
    init_ram(&ram, "ram", 0x1000);
    memory_region_init_io(&dev, NULL, &byte_le_ops, &d, "dev", 0x40);
    memory_region_add_subregion(&s.root, 0, &ram);
    memory_region_add_subregion(&s.root, 0x1000, &dev);

    const uint8_t out[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    ck_assert_int_eq(address_space_write_buf(&s.as, 0xffc, out, sizeof(out)), MEMTX_OK);
    ck_assert_mem_eq(memory_region_get_ram_ptr(&ram) + 0xffc, out, 4);
    ck_assert_mem_eq(d.bytes, out + 4, 4);

    uint8_t in[8] = { 0 };
    ck_assert_int_eq(address_space_read_buf(&s.as, 0xffc, in, sizeof(in)), MEMTX_OK);
    ck_assert_mem_eq(in, out, sizeof(out));

    /* Past the device: the hole reads as zero and is reported. */
    uint8_t tail[4] = { 9, 9, 9, 9 };
    d.bytes[0x3e] = 0xaa;
    d.bytes[0x3f] = 0xbb;
    ck_assert_int_eq(address_space_read_buf(&s.as, 0x103e, tail, sizeof(tail)),
                     MEMTX_DECODE_ERROR);
    ck_assert_uint_eq(tail[0], 0xaa);
    ck_assert_uint_eq(tail[1], 0xbb);
    ck_assert_uint_eq(tail[2], 0);
    ck_assert_uint_eq(tail[3], 0);
    sys_fini(&s);
}
END_TEST

START_TEST(test_buf_mmio_pieces)
{
    Sys s;
    MemoryRegion dev;
    TestDev d = { 0 };
    map_dev(&s, &dev, &any_ops, &d);
    uint8_t buf[15] = { 0 };

    /* Offsets 1..15: the largest aligned pieces are 1, 2, 4, 8 bytes. */
    ck_assert_int_eq(address_space_write_buf(&s.as, 0x1001, buf, sizeof(buf)), MEMTX_OK);
    ck_assert_uint_eq(d.ncalls, 4);
    ck_assert_uint_eq(d.calls[0].size, 1);
    ck_assert_uint_eq(d.calls[1].size, 2);
    ck_assert_uint_eq(d.calls[1].addr, 2);
    ck_assert_uint_eq(d.calls[2].size, 4);
    ck_assert_uint_eq(d.calls[3].size, 8);
    ck_assert_uint_eq(d.calls[3].addr, 8);
    sys_fini(&s);
}
END_TEST

START_TEST(test_dispatch_region_direct)
{
    MemoryRegion bus, dev, ram;
    TestDev d = { 0 };
    uint64_t v;
    fill_bytes(&d);
    memory_region_init_io(&dev, NULL, &byte_le_ops, &d, "dev", 0x40);
    ck_assert_int_eq(memory_region_dispatch_read(&dev, 4, &v, 2), MEMTX_OK);
    ck_assert_uint_eq(v, 0x1514);
    ck_assert_int_eq(memory_region_dispatch_write(&dev, 0, 0x77, 1), MEMTX_OK);
    ck_assert_uint_eq(d.bytes[0], 0x77);
    ck_assert_int_eq(memory_region_dispatch_read(&dev, 0x40, &v, 1), MEMTX_DECODE_ERROR);

    /* Through a container: offsets are the container's. */
    memory_region_init(&bus, NULL, "bus", 0x10000);
    init_ram(&ram, "ram", 0x100);
    memory_region_add_subregion(&bus, 0x100, &dev);
    memory_region_add_subregion(&bus, 0, &ram);
    ck_assert_int_eq(memory_region_dispatch_read(&bus, 0x104, &v, 1), MEMTX_OK);
    ck_assert_uint_eq(v, 0x14);
    ck_assert_int_eq(memory_region_dispatch_write(&bus, 0x8, 0xcafe, 2), MEMTX_OK);
    ck_assert_uint_eq(memory_region_get_ram_ptr(&ram)[8], 0xfe);
}
END_TEST

START_TEST(test_host_ptr)
{
    Sys s;
    MemoryRegion ram, rom, dev;
    TestDev d = { 0 };
    uint64_t len;
    sys_init(&s);
    init_ram(&ram, "ram", 0x4000);
    ck_assert(memory_region_init_rom(&rom, NULL, "rom", 0x1000, NULL));
    memory_region_init_io(&dev, NULL, &byte_le_ops, &d, "dev", 0x1000);
    memory_region_add_subregion(&s.root, 0x10000, &ram);
    memory_region_add_subregion_overlap(&s.root, 0x12000, &dev, 1);
    memory_region_add_subregion(&s.root, 0, &rom);

    uint8_t *p = address_space_get_host_ptr(&s.as, 0x10100, true, &len);
    ck_assert_ptr_eq(p, memory_region_get_ram_ptr(&ram) + 0x100);
    ck_assert_uint_eq(len, 0x1f00);   /* up to the device */
    p = address_space_get_host_ptr(&s.as, 0x13000, true, &len);
    ck_assert_ptr_eq(p, memory_region_get_ram_ptr(&ram) + 0x3000);
    ck_assert_uint_eq(len, 0x1000);

    ck_assert_ptr_null(address_space_get_host_ptr(&s.as, 0x12000, false, &len));
    ck_assert_ptr_null(address_space_get_host_ptr(&s.as, 0x20000, false, &len));
    ck_assert_ptr_null(address_space_get_host_ptr(&s.as, 0x10, true, &len));
    p = address_space_get_host_ptr(&s.as, 0x10, false, &len);
    ck_assert_ptr_eq(p, memory_region_get_ram_ptr(&rom) + 0x10);
    ck_assert_uint_eq(len, 0xff0);
    sys_fini(&s);
}
END_TEST

START_TEST(test_ram_large_is_lazy)
{
    /* 4 GiB of RAM is fine: only touched pages are backed. */
    MemoryRegion ram;
    GError *err = NULL;
    ck_assert_msg(memory_region_init_ram(&ram, NULL, "big", UINT64_C(4) << 30, &err), "%s",
                  err ? err->message : "?");
    uint8_t *p = memory_region_get_ram_ptr(&ram);
    ck_assert_uint_eq(p[(UINT64_C(4) << 30) - 1], 0);
    memory_region_destroy(&ram);

    ck_assert(!memory_region_init_ram(&ram, NULL, "empty", 0, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "empty"));
    g_error_free(err);
}
END_TEST

START_TEST(test_mtree)
{
    Sys s;
    MemoryRegion ram, dev, alias;
    TestDev d = { 0 };
    sys_init(&s);
    init_ram(&ram, "riscv.ram", 0x10000000);
    memory_region_init_io(&dev, NULL, &byte_le_ops, &d, "clint", 0x10000);
    memory_region_init_alias(&alias, NULL, "ram.low", &ram, 0x1000, 0x1000);
    memory_region_add_subregion(&s.root, 0x80000000, &ram);
    memory_region_add_subregion(&s.root, 0x2000000, &dev);
    memory_region_add_subregion(&s.root, 0x1000, &alias);
    memory_region_set_enabled(&alias, false);

    char *text = address_space_format_mtree(&s.as, true);
    ck_assert_msg(strstr(text, "address-space: memory\n"), "%s", text);
    ck_assert_msg(strstr(text, "    0000000080000000-000000008fffffff (prio 0, ram): riscv.ram\n"),
                  "%s", text);
    ck_assert_msg(strstr(text, "    0000000002000000-000000000200ffff (prio 0, i/o): clint\n"),
                  "%s", text);
    ck_assert_msg(strstr(text, "(prio 0, alias): ram.low @riscv.ram "
                               "0000000000001000-0000000000001fff [disabled]"), "%s", text);
    ck_assert_msg(strstr(text, "FlatView #0\n"), "%s", text);
    ck_assert_msg(strstr(text, "Root memory region: system\n"), "%s", text);
    ck_assert_msg(strstr(text, "\n  0000000002000000-000000000200ffff (prio 0, i/o): clint\n"),
                  "%s", text);
    /* The tree lists subregions by address: clint before riscv.ram. */
    ck_assert(strstr(text, "): clint") < strstr(text, "): riscv.ram"));
    g_free(text);

    text = address_space_format_mtree(&s.as, false);
    ck_assert_ptr_null(strstr(text, "FlatView"));
    g_free(text);
    sys_fini(&s);
}
END_TEST

/* ---- concurrency ---------------------------------------------------------- */

typedef struct Reader {
    AddressSpace *as;
    gint stop;
    gint bad;
    gint reads;
} Reader;

static gpointer reader_thread(gpointer opaque)
{
    Reader *r = opaque;
    while (!g_atomic_int_get(&r->stop)) {
        uint64_t v;
        address_space_read(r->as, 0x1000, &v, 4);
        if (v != 0x11111111 && v != 0x22222222) {
            g_atomic_int_inc(&r->bad);
        }
        g_atomic_int_inc(&r->reads);
    }
    return NULL;
}

START_TEST(test_flatview_concurrent_readers)
{
    Sys s;
    MemoryRegion low, high;
    sys_init(&s);
    init_ram(&low, "low", 0x2000);
    init_ram(&high, "high", 0x1000);
    memset(memory_region_get_ram_ptr(&low), 0x11, 0x2000);
    memset(memory_region_get_ram_ptr(&high), 0x22, 0x1000);
    memory_region_add_subregion(&s.root, 0, &low);
    memory_region_add_subregion_overlap(&s.root, 0x1000, &high, 1);

    Reader r = { .as = &s.as };
    GThread *t = g_thread_new("reader", reader_thread, &r);
    /* Keep changing the view until the reader has raced it for a while. */
    for (unsigned i = 0; i < 2000 || g_atomic_int_get(&r.reads) < 20000; i++) {
        memory_region_set_enabled(&high, i & 1);
    }
    g_atomic_int_set(&r.stop, 1);
    g_thread_join(t);
    ck_assert_int_eq(r.bad, 0);
    sys_fini(&s);
}
END_TEST

static void add_case(Suite *s, const char *name, const TTest *test)
{
    TCase *tc = tcase_create(name);
    tcase_add_test(tc, test);
    suite_add_tcase(s, tc);
}

static Suite *memory_suite(void)
{
    Suite *s = suite_create("memory");
    add_case(s, "/memory/flatview/priority", test_flatview_priority);
    add_case(s, "/memory/flatview/equal-priority-last-wins",
             test_flatview_equal_priority_last_wins);
    add_case(s, "/memory/flatview/priority-beats-order",
             test_flatview_higher_priority_added_first_still_wins);
    add_case(s, "/memory/flatview/alias-offset", test_flatview_alias_offset);
    add_case(s, "/memory/flatview/alias-container", test_flatview_alias_of_container);
    add_case(s, "/memory/flatview/disabled", test_flatview_disabled);
    add_case(s, "/memory/flatview/nested", test_flatview_nested);
    add_case(s, "/memory/flatview/move", test_flatview_move);
    add_case(s, "/memory/flatview/del-destroy", test_flatview_del_and_destroy);
    add_case(s, "/memory/flatview/lookup", test_flatview_lookup);
    add_case(s, "/memory/flatview/listener", test_flatview_listener);
    add_case(s, "/memory/flatview/concurrent-readers", test_flatview_concurrent_readers);
    add_case(s, "/memory/dispatch/split-bytes-le", test_dispatch_split_bytes_le);
    add_case(s, "/memory/dispatch/split-bytes-be", test_dispatch_split_bytes_be);
    add_case(s, "/memory/dispatch/split-halves-le", test_dispatch_split_halves_le);
    add_case(s, "/memory/dispatch/split-halves-be", test_dispatch_split_halves_be);
    add_case(s, "/memory/dispatch/big-endian-swaps", test_dispatch_big_endian_swaps);
    add_case(s, "/memory/dispatch/widen", test_dispatch_widen_narrow_access);
    add_case(s, "/memory/dispatch/valid-refusal", test_dispatch_valid_refusal);
    add_case(s, "/memory/dispatch/unmapped", test_dispatch_unmapped);
    add_case(s, "/memory/dispatch/unmapped-logged", test_dispatch_unmapped_logged);
    add_case(s, "/memory/dispatch/ram-little-endian", test_dispatch_ram_little_endian);
    add_case(s, "/memory/dispatch/rom", test_dispatch_rom);
    add_case(s, "/memory/dispatch/span-ram-mmio", test_dispatch_span_ram_mmio);
    add_case(s, "/memory/dispatch/region-direct", test_dispatch_region_direct);
    add_case(s, "/memory/buf/across-ram-mmio", test_buf_across_ram_mmio);
    add_case(s, "/memory/buf/mmio-pieces", test_buf_mmio_pieces);
    add_case(s, "/memory/host-ptr", test_host_ptr);
    add_case(s, "/memory/ram/large-is-lazy", test_ram_large_is_lazy);
    add_case(s, "/memory/mtree", test_mtree);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(memory_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
