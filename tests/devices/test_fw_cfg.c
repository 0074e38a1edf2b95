/* SPDX-License-Identifier: MIT */
/*
 * fw-cfg-mmio through its data and selector registers: the signature and
 * interface id, numbered items, the file directory (sorted, big-endian),
 * file contents, the board API's refusals, the DMA register's signature.
 * DMA transfers need guest memory: tests/devices/test_arm_virt.c.
 */
#include <string.h>

#include "devtest.h"
#include "fw-cfg/fw-cfg.h"

#define DATA 0x00
#define SEL 0x08
#define DMA 0x10

/* The registers are big-endian: a little-endian guest swaps (as Linux's
 * iowrite16be does); these helpers see what such a guest sees. */
static void sel(DeviceState *dev, uint16_t key)
{
    devtest_write(dev, SEL, GUINT16_SWAP_LE_BE(key), 2);
}

/* @n bytes of the selected item through the data register, 8/4/1 at a
 * time: a load stores them to memory in item order. */
static void read_bytes(DeviceState *dev, uint8_t *buf, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned w = n - i >= 8 ? 8 : n - i >= 4 ? 4 : 1;
        uint64_t v = devtest_read(dev, DATA, w);
        for (unsigned k = 0; k < w; k++) {
            buf[i + k] = (uint8_t)(v >> (8 * k));   /* little-endian store */
        }
        i += w;
    }
}

START_TEST(test_signature_and_id)
{
    DeviceState *dev = devtest_create(TYPE_FW_CFG_MMIO, NULL, NULL);
    uint8_t buf[4];
    sel(dev, FW_CFG_SIGNATURE);
    read_bytes(dev, buf, 4);
    ck_assert(!memcmp(buf, "QEMU", 4));
    sel(dev, FW_CFG_SIGNATURE);   /* selecting rewinds */
    ck_assert_uint_eq(devtest_read(dev, DATA, 4), 0x554d4551);   /* "QEMU" in memory */
    sel(dev, FW_CFG_ID);
    ck_assert_uint_eq(devtest_read(dev, DATA, 1), 3);   /* traditional + DMA */
    ck_assert_uint_eq(GUINT64_SWAP_LE_BE(devtest_read(dev, DMA, 8)), 0x51454d5520434647ull);
    /* Past the end and unknown keys read zeros. */
    sel(dev, FW_CFG_SIGNATURE);
    read_bytes(dev, buf, 4);
    ck_assert_uint_eq(devtest_read(dev, DATA, 4), 0);
    sel(dev, 0x1234);
    ck_assert_uint_eq(devtest_read(dev, DATA, 8), 0);
}
END_TEST

START_TEST(test_numbered_items_little_endian)
{
    DeviceState *dev = devtest_create(TYPE_FW_CFG_MMIO, NULL, NULL);
    fw_cfg_add_u16(dev, FW_CFG_NB_CPUS, 4);
    fw_cfg_add_u64(dev, FW_CFG_RAM_SIZE, 0x123456789ull);
    uint8_t buf[8];
    sel(dev, FW_CFG_NB_CPUS);
    read_bytes(dev, buf, 2);
    ck_assert(buf[0] == 4 && buf[1] == 0);
    sel(dev, FW_CFG_RAM_SIZE);
    read_bytes(dev, buf, 8);
    static const uint8_t want[8] = { 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0 };
    ck_assert(!memcmp(buf, want, 8));
}
END_TEST

START_TEST(test_file_directory_sorted)
{
    DeviceState *dev = devtest_create(TYPE_FW_CFG_MMIO, NULL, NULL);
    GError *err = NULL;
    ck_assert(fw_cfg_add_file(dev, "opt/zeta", "zz", 2, &err));
    ck_assert(fw_cfg_add_file(dev, "bootorder", "", 0, &err));
    ck_assert(fw_cfg_add_file(dev, "opt/guest.run", "true", 4, &err));
    uint8_t dir[4 + 3 * 64];
    sel(dev, FW_CFG_FILE_DIR);
    read_bytes(dev, dir, sizeof(dir));
    ck_assert_uint_eq(dir[3], 3);
    static const char *const names[] = { "bootorder", "opt/guest.run", "opt/zeta" };
    static const uint32_t sizes[] = { 0, 4, 2 };
    for (int i = 0; i < 3; i++) {
        const uint8_t *e = dir + 4 + 64 * i;
        ck_assert_uint_eq((uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3], sizes[i]);
        ck_assert_str_eq((const char *)e + 8, names[i]);
        uint16_t key = (uint16_t)(e[4] << 8 | e[5]);
        ck_assert_uint_eq(key, FW_CFG_FILE_FIRST + i);
        if (i == 1) {
            uint8_t data[4];
            sel(dev, key);
            read_bytes(dev, data, 4);
            ck_assert(!memcmp(data, "true", 4));
        }
    }
}
END_TEST

START_TEST(test_file_refusals)
{
    DeviceState *dev = devtest_create(TYPE_FW_CFG_MMIO, NULL, NULL);
    GError *err = NULL;
    ck_assert(fw_cfg_add_file(dev, "opt/a", "1", 1, &err));
    ck_assert(!fw_cfg_add_file(dev, "opt/a", "2", 1, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "duplicate file 'opt/a'"));
    g_clear_error(&err);
    char longname[80];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    ck_assert(!fw_cfg_add_file(dev, longname, "", 0, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "1..55 bytes"));
    g_clear_error(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fw-cfg");
    TCase *tc = tcase_create("fw-cfg");
    tcase_add_test(tc, test_signature_and_id);
    tcase_add_test(tc, test_numbered_items_little_endian);
    tcase_add_test(tc, test_file_directory_sorted);
    tcase_add_test(tc, test_file_refusals);
    suite_add_tcase(s, tc);
    return devtest_run(s);
}
