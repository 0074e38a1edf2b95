/* SPDX-License-Identifier: MIT */
/*
 * Transaction attributes (MemTxAttrs): address_space_write_attrs reaches a
 * region's write_with_attrs with the attributes when the write is one
 * implemented access, and behaves as address_space_write otherwise (plain
 * write callbacks, RAM, holes); plain writes never reach write_with_attrs.
 */
#include <check.h>

#include "kernel/memory.h"

typedef struct AttrDev {
    unsigned plain, with_attrs;
    MemTxAttrs last;
    uint64_t value;
} AttrDev;

static uint64_t attr_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void attr_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    AttrDev *d = opaque;
    d->plain++;
    d->value = value;
}

static void attr_write_attrs(void *opaque, hwaddr addr, uint64_t value, unsigned size,
                             MemTxAttrs attrs)
{
    AttrDev *d = opaque;
    d->with_attrs++;
    d->last = attrs;
    d->value = value;
}

static const MemoryRegionOps attr_ops = {
    .read = attr_read,
    .write = attr_write,
    .write_with_attrs = attr_write_attrs,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

START_TEST(test_write_with_attrs)
{
    MemoryRegion root, dev, ram;
    AddressSpace as;
    AttrDev d = { 0 };
    GError *err = NULL;
    memory_region_init(&root, NULL, "system", UINT64_MAX);
    address_space_init(&as, &root, "memory");
    memory_region_init_io(&dev, NULL, &attr_ops, &d, "dev", 0x40);
    memory_region_add_subregion(&root, 0x1000, &dev);
    ck_assert_msg(memory_region_init_ram(&ram, NULL, "ram", 0x1000, &err), "%s",
                  err ? err->message : "?");
    memory_region_add_subregion(&root, 0x4000, &ram);
    MemTxAttrs a = { .requester_id = 0x0108, .has_requester_id = true };
    /* A write with attributes reaches write_with_attrs with them. */
    ck_assert_int_eq(address_space_write_attrs(&as, 0x1010, 0xabcd, 4, a), MEMTX_OK);
    ck_assert_uint_eq(d.with_attrs, 1);
    ck_assert_uint_eq(d.last.requester_id, 0x0108);
    ck_assert(d.last.has_requester_id);
    ck_assert_uint_eq(d.value, 0xabcd);
    /* A plain write (a CPU's) uses write. */
    ck_assert_int_eq(address_space_write(&as, 0x1010, 0x1234, 4), MEMTX_OK);
    ck_assert_uint_eq(d.plain, 1);
    ck_assert_uint_eq(d.with_attrs, 1);
    /* Narrower than the implemented size: split as usual, through write. */
    ck_assert_int_eq(address_space_write_attrs(&as, 0x1011, 0x5, 1, a), MEMTX_OK);
    ck_assert_uint_eq(d.plain, 2);
    ck_assert_uint_eq(d.with_attrs, 1);
    /* RAM and holes behave as for address_space_write. */
    ck_assert_int_eq(address_space_write_attrs(&as, 0x4008, 0x77, 4, a), MEMTX_OK);
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&as, 0x4008, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x77);
    ck_assert_int_eq(address_space_write_attrs(&as, 0x9000, 1, 4, a), MEMTX_DECODE_ERROR);
    address_space_destroy(&as);
    memory_region_destroy(&dev);
    memory_region_destroy(&ram);
    memory_region_destroy(&root);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("memory-attrs");
    TCase *tc = tcase_create("attrs");
    tcase_add_test(tc, test_write_with_attrs);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
