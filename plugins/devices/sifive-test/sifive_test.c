/* SPDX-License-Identifier: MIT */
/*
 * SiFive test finisher ("sifive,test0"), the power-off/reboot device of
 * the riscv virt board.
 *
 * MMIO (one 4 KiB page), register 0x0, write-only (reads return 0):
 *   low 16 bits 0x5555  PASS: power off, exit status 0
 *               0x3333  FAIL: power off, exit status = bits 31:16
 *               0x7777  RESET: system reset
 * OpenSBI writes 16 bits, Linux's syscon-poweroff 32 bits; both work.
 * No IRQs, no properties.  The device tree node is a syscon plus the
 * syscon-poweroff and syscon-reboot nodes that point at it.
 */
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "kernel/runstate.h"

#define TYPE_SIFIVE_TEST "sifive-test"

#define SIFIVE_TEST_MMIO_SIZE 0x1000
#define SIFIVE_TEST_REG_FINISHER 0x0

#define FINISHER_STATUS_MASK 0xffffu
#define FINISHER_CODE_SHIFT 16
#define FINISHER_FAIL 0x3333u
#define FINISHER_PASS 0x5555u
#define FINISHER_RESET 0x7777u

typedef struct SifiveTestState {
    DeviceState parent_obj;
    MemoryRegion mmio;
} SifiveTestState;

OBJECT_DECLARE_SIMPLE_TYPE(SifiveTestState, SIFIVE_TEST, TYPE_SIFIVE_TEST)

static uint64_t sifive_test_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    if (addr != SIFIVE_TEST_REG_FINISHER) {
        log_mask(LOG_GUEST_ERROR, "sifive_test: write to unknown offset 0x%" HWADDR_PRIx "\n",
                 addr);
        return;
    }
    uint32_t status = value & FINISHER_STATUS_MASK;
    switch (status) {
    case FINISHER_PASS:
        system_request_shutdown_status(0);
        break;
    case FINISHER_FAIL:
        system_request_shutdown_status((int)((value >> FINISHER_CODE_SHIFT) & 0xffff));
        break;
    case FINISHER_RESET:
        system_request_reset(SHUTDOWN_CAUSE_GUEST_RESET);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "sifive_test: unknown finisher status 0x%x\n", status);
        break;
    }
}

static const MemoryRegionOps sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 2, .max_access_size = 4 },
    .impl = { .min_access_size = 2, .max_access_size = 4 },
};

static void sifive_test_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    static const char *const compat[] = { "sifive,test1", "sifive,test0", "syscon", NULL };
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    char *path = fdt_builder_device_path(fdt, "test", base);
    char *label = fdt_device_label(dev);
    uint64_t reg[] = { base, SIFIVE_TEST_MMIO_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_strings(fdt, path, "compatible", compat);
    fdt_builder_prop_reg(fdt, path, reg, 1);
    uint32_t ph = fdt_builder_set_phandle(fdt, path, label);

    static const struct {
        const char *node, *compat;
        uint32_t value;
    } actions[] = {
        { .node = "/poweroff", .compat = "syscon-poweroff", .value = FINISHER_PASS },
        { .node = "/reboot", .compat = "syscon-reboot", .value = FINISHER_RESET },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(actions); i++) {
        fdt_builder_add_node(fdt, actions[i].node);
        fdt_builder_prop_string(fdt, actions[i].node, "compatible", actions[i].compat);
        fdt_builder_prop_u32(fdt, actions[i].node, "regmap", ph);
        fdt_builder_prop_u32(fdt, actions[i].node, "offset", SIFIVE_TEST_REG_FINISHER);
        fdt_builder_prop_u32(fdt, actions[i].node, "value", actions[i].value);
    }
    g_free(label);
    g_free(path);
}

static void sifive_test_init(Object *obj)
{
    SifiveTestState *s = SIFIVE_TEST(obj);
    memory_region_init_io(&s->mmio, obj, &sifive_test_ops, s, "sifive_test",
                          SIFIVE_TEST_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
}

static void sifive_test_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->fdt_node = sifive_test_fdt_node;
}

static const TypeInfo sifive_test_info = {
    .name = TYPE_SIFIVE_TEST,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "SiFive test finisher (power off / reboot)",
    .instance_size = sizeof(SifiveTestState),
    .class_size = sizeof(DeviceClass),
    .instance_init = sifive_test_init,
    .class_init = sifive_test_class_init,
};

TESSERA_MODULE(.name = "sifive-test", .kind = "device", .types = TESSERA_TYPES(&sifive_test_info));
