/* SPDX-License-Identifier: MIT */
/*
 * ROM-device regions (memory_region_init_rom_device): reads served from the
 * backing in ROMD mode and by the device outside it, writes always to the
 * device, host pointers only in ROMD mode, mode flips committing to
 * listeners, and memory_region_notify_written reaching the address spaces
 * that show the changed bytes (through aliases too).
 */
#include <check.h>
#include <string.h>

#include "kernel/memory.h"

/* A tiny flash-like device: a write of 0x01 leaves ROMD mode (reads then
 * return 0x80, a "status"), 0xff returns to it; any write is recorded. */
typedef struct Chip {
    MemoryRegion mr;
    unsigned reads, writes;
    hwaddr last_addr;
    uint64_t last_value;
} Chip;

static uint64_t chip_read(void *opaque, hwaddr addr, unsigned size)
{
    Chip *c = opaque;
    c->reads++;
    c->last_addr = addr;
    return 0x80;
}

static void chip_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    Chip *c = opaque;
    c->writes++;
    c->last_addr = addr;
    c->last_value = value;
    if (value == 0x01) {
        memory_region_rom_device_set_romd(&c->mr, false);
    } else if (value == 0xff) {
        memory_region_rom_device_set_romd(&c->mr, true);
    }
}

static const MemoryRegionOps chip_ops = {
    .read = chip_read,
    .write = chip_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

typedef struct Sys {
    MemoryRegion root;
    AddressSpace as;
    Chip chip;
} Sys;

#define CHIP_BASE 0x10000u
#define CHIP_SIZE 0x2000u

static void sys_init(Sys *s)
{
    GError *err = NULL;
    memset(s, 0, sizeof(*s));
    memory_region_init(&s->root, NULL, "system", UINT64_MAX);
    address_space_init(&s->as, &s->root, "memory");
    ck_assert_msg(memory_region_init_rom_device(&s->chip.mr, NULL, &chip_ops, &s->chip, "chip",
                                                CHIP_SIZE, &err),
                  "%s", err ? err->message : "?");
    uint8_t *p = memory_region_get_ram_ptr(&s->chip.mr);
    ck_assert_ptr_nonnull(p);
    for (unsigned i = 0; i < CHIP_SIZE; i++) {
        p[i] = (uint8_t)i;
    }
    memory_region_add_subregion(&s->root, CHIP_BASE, &s->chip.mr);
}

static void sys_fini(Sys *s)
{
    address_space_destroy(&s->as);
    memory_region_destroy(&s->chip.mr);
}

START_TEST(test_romd_reads_backing)
{
    Sys s;
    sys_init(&s);
    ck_assert(memory_region_is_romd(&s.chip.mr));
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&s.as, CHIP_BASE + 0x10, &v, 4), MEMTX_OK);
    ck_assert_uint_eq(v, 0x13121110);
    uint8_t buf[4];
    ck_assert_int_eq(address_space_read_buf(&s.as, CHIP_BASE + 0x20, buf, 4), MEMTX_OK);
    ck_assert_uint_eq(buf[0], 0x20);
    ck_assert_uint_eq(buf[3], 0x23);
    ck_assert_uint_eq(s.chip.reads, 0);   /* the device never saw them */

    /* The fast paths (TLB, page-table walker) get a read-only pointer. */
    uint64_t len = 0;
    uint8_t *p = address_space_get_host_ptr(&s.as, CHIP_BASE + 0x100, false, &len);
    ck_assert_ptr_eq(p, memory_region_get_ram_ptr(&s.chip.mr) + 0x100);
    ck_assert_uint_eq(len, CHIP_SIZE - 0x100);
    ck_assert_ptr_null(address_space_get_host_ptr(&s.as, CHIP_BASE, true, &len));
    ck_assert_uint_eq(len, 0);
    sys_fini(&s);
}
END_TEST

START_TEST(test_romd_writes_reach_device)
{
    Sys s;
    sys_init(&s);
    ck_assert_int_eq(address_space_write(&s.as, CHIP_BASE + 0x40, 0x42, 1), MEMTX_OK);
    ck_assert_uint_eq(s.chip.writes, 1);
    ck_assert_uint_eq(s.chip.last_addr, 0x40);
    ck_assert_uint_eq(s.chip.last_value, 0x42);
    /* The backing is untouched by a guest write, still in ROMD mode. */
    uint64_t v = 0;
    address_space_read(&s.as, CHIP_BASE + 0x40, &v, 1);
    ck_assert_uint_eq(v, 0x40);
    ck_assert(memory_region_is_romd(&s.chip.mr));

    /* Loaders write the backing itself. */
    uint8_t img[2] = { 0xaa, 0xbb };
    ck_assert_int_eq(address_space_write_rom(&s.as, CHIP_BASE + 0x50, img, 2), MEMTX_OK);
    ck_assert_uint_eq(s.chip.writes, 1);
    address_space_read(&s.as, CHIP_BASE + 0x50, &v, 2);
    ck_assert_uint_eq(v, 0xbbaa);
    sys_fini(&s);
}
END_TEST

START_TEST(test_romd_mode_switch)
{
    Sys s;
    sys_init(&s);
    address_space_write(&s.as, CHIP_BASE + 0x8, 0x01, 1);
    ck_assert(!memory_region_is_romd(&s.chip.mr));
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&s.as, CHIP_BASE + 0x8, &v, 1), MEMTX_OK);
    ck_assert_uint_eq(v, 0x80);
    ck_assert_uint_eq(s.chip.reads, 1);
    uint8_t buf[2];
    address_space_read_buf(&s.as, CHIP_BASE + 0x30, buf, 2);
    ck_assert_uint_eq(buf[0], 0x80);
    ck_assert_uint_eq(s.chip.reads, 2);   /* one 2-byte device read */
    /* No host pointer while the device answers reads. */
    uint64_t len = 1;
    ck_assert_ptr_null(address_space_get_host_ptr(&s.as, CHIP_BASE, false, &len));
    ck_assert_uint_eq(len, 0);
    /* Direct dispatch follows the mode as well. */
    ck_assert_int_eq(memory_region_dispatch_read(&s.chip.mr, 0x9, &v, 1), MEMTX_OK);
    ck_assert_uint_eq(v, 0x80);

    address_space_write(&s.as, CHIP_BASE, 0xff, 1);
    ck_assert(memory_region_is_romd(&s.chip.mr));
    address_space_read(&s.as, CHIP_BASE + 0x8, &v, 1);
    ck_assert_uint_eq(v, 0x08);
    ck_assert_ptr_nonnull(address_space_get_host_ptr(&s.as, CHIP_BASE, false, &len));
    sys_fini(&s);
}
END_TEST

typedef struct Seen {
    unsigned commits;
    unsigned written;
    hwaddr addr[4];
    uint64_t len[4];
} Seen;

static void seen_commit(AddressSpace *as, void *opaque)
{
    ((Seen *)opaque)->commits++;
}

static void seen_written(AddressSpace *as, hwaddr addr, uint64_t len, void *opaque)
{
    Seen *w = opaque;
    if (w->written < 4) {
        w->addr[w->written] = addr;
        w->len[w->written] = len;
    }
    w->written++;
}

START_TEST(test_romd_flip_commits)
{
    Sys s;
    sys_init(&s);
    Seen seen = { 0 };
    AddressSpaceListener l = { .commit = seen_commit, .written = seen_written, .opaque = &seen };
    address_space_add_listener(&s.as, &l);
    memory_region_rom_device_set_romd(&s.chip.mr, false);
    ck_assert_uint_eq(seen.commits, 1);
    memory_region_rom_device_set_romd(&s.chip.mr, false);   /* no change, no commit */
    ck_assert_uint_eq(seen.commits, 1);
    memory_region_rom_device_set_romd(&s.chip.mr, true);
    ck_assert_uint_eq(seen.commits, 2);
    ck_assert_uint_eq(seen.written, 0);
    address_space_remove_listener(&s.as, &l);
    sys_fini(&s);
}
END_TEST

START_TEST(test_romd_notify_written)
{
    Sys s;
    sys_init(&s);
    /* A second view of the chip's second page through an alias, higher up. */
    MemoryRegion alias;
    memory_region_init_alias(&alias, NULL, "chip-hi", &s.chip.mr, 0x1000, 0x1000);
    memory_region_add_subregion(&s.root, 0x80000, &alias);
    Seen seen = { 0 };
    AddressSpaceListener l = { .written = seen_written, .opaque = &seen };
    address_space_add_listener(&s.as, &l);

    /* Bytes only the direct mapping shows. */
    memory_region_notify_written(&s.chip.mr, 0x10, 4);
    ck_assert_uint_eq(seen.written, 1);
    ck_assert_uint_eq(seen.addr[0], CHIP_BASE + 0x10);
    ck_assert_uint_eq(seen.len[0], 4);

    /* Bytes across the page boundary: the direct mapping shows all of
     * them, the alias the part from 0x1000 on. */
    seen.written = 0;
    memory_region_notify_written(&s.chip.mr, 0xff0, 0x20);
    ck_assert_uint_eq(seen.written, 2);
    bool direct = false, via_alias = false;
    for (unsigned i = 0; i < 2; i++) {
        if (seen.addr[i] == CHIP_BASE + 0xff0 && seen.len[i] == 0x20) {
            direct = true;
        } else if (seen.addr[i] == 0x80000 && seen.len[i] == 0x10) {
            via_alias = true;
        }
    }
    ck_assert_msg(direct && via_alias, "written ranges: 0x%" PRIx64 "+0x%" PRIx64
                  ", 0x%" PRIx64 "+0x%" PRIx64, seen.addr[0], seen.len[0], seen.addr[1],
                  seen.len[1]);

    /* Nothing for a region the space does not show, or an empty range. */
    seen.written = 0;
    memory_region_del_subregion(&s.root, &alias);
    memory_region_notify_written(&s.chip.mr, 0x1800, 8);
    memory_region_notify_written(&s.chip.mr, 0x10, 0);
    ck_assert_uint_eq(seen.written, 1);   /* the direct mapping only */
    ck_assert_uint_eq(seen.addr[0], CHIP_BASE + 0x1800);
    address_space_remove_listener(&s.as, &l);
    memory_region_destroy(&alias);
    sys_fini(&s);
}
END_TEST

START_TEST(test_romd_mtree)
{
    Sys s;
    sys_init(&s);
    char *text = address_space_format_mtree(&s.as, true);
    ck_assert_msg(strstr(text, "(prio 0, romd): chip") != NULL, "%s", text);
    g_free(text);
    sys_fini(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("memory-romd");
    TCase *tc = tcase_create("romd");
    tcase_add_test(tc, test_romd_reads_backing);
    tcase_add_test(tc, test_romd_writes_reach_device);
    tcase_add_test(tc, test_romd_mode_switch);
    tcase_add_test(tc, test_romd_flip_commits);
    tcase_add_test(tc, test_romd_notify_written);
    tcase_add_test(tc, test_romd_mtree);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
