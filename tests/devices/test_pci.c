/* SPDX-License-Identifier: MIT */
/*
 * The PCI core through gpex-pcihost's ECAM, without a guest: configuration
 * headers, BAR sizing and decoding, a pcie-root-port's window and its
 * hot-plug slot (presence, attention button, power-off completes the
 * unplug), MSI through the bus-master view (gated by COMMAND.MASTER), INTx
 * swizzling, and virtio-pci's capabilities.
 */
#include <string.h>

#include "devtest.h"
#include "kernel/bus.h"

#define ECAM_BASE 0x30000000ULL
#define MMIO_BASE 0x40000000ULL
#define DOORBELL 0x28000000ULL
#define RAM_BASE 0x80000000ULL

#define DEVFN(s, f) ((s) << 3 | (f))

typedef struct Harness {
    MemoryRegion root, ram, doorbell;
    AddressSpace as;
    DeviceState *host;
    DevTestPins pins;
    uint64_t msi_addr[16];
    uint32_t msi_data[16];
    unsigned msi_count;
    unsigned deleted;
} Harness;

static Harness h;

static uint64_t doorbell_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void doorbell_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    if (h.msi_count < 16) {
        h.msi_addr[h.msi_count] = DOORBELL + addr;
        h.msi_data[h.msi_count] = (uint32_t)value;
    }
    h.msi_count++;
}

static const MemoryRegionOps doorbell_ops = {
    .read = doorbell_read,
    .write = doorbell_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
};

static void on_deleted(const char *id, const char *path, void *opaque)
{
    h.deleted++;
}

static DeviceState *add(const char *type, const char *id, const char *bus, const char *addr,
                        bool hotplug)
{
    GError *err = NULL;
    Object *o = object_new_checked(type, &err);
    ck_assert_msg(o, "%s", err ? err->message : "?");
    DeviceState *d = DEVICE(o);
    d->id = g_strdup(id);
    d->hotplugged = hotplug;
    d->user_created = true;
    if (addr) {
        ck_assert(object_property_parse(o, "addr", addr, &err));
    }
    object_property_add_child(container_get("/machine/peripheral"), id, o, NULL);
    object_unref(o);
    BusState *b = bus_find(bus);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(bus_plug(b, d, &err) && bus_realize_plugged(d, &err), "%s",
                  err ? err->message : "?");
    device_reset(d);
    return d;
}

static void setup_host(bool msi)
{
    GError *err = NULL;
    memset(&h, 0, sizeof(h));
    memory_region_init(&h.root, NULL, "root", UINT64_MAX);
    ck_assert(memory_region_init_ram(&h.ram, NULL, "ram", 1 << 20, &err));
    memory_region_add_subregion(&h.root, RAM_BASE, &h.ram);
    memory_region_init_io(&h.doorbell, NULL, &doorbell_ops, NULL, "doorbell", 0x1000);
    memory_region_add_subregion(&h.root, DOORBELL, &h.doorbell);
    address_space_init(&h.as, &h.root, "system");
    BusState *sys = bus_new(TYPE_SYSTEM_BUS, object_root(), "sys.0");
    sys->dma_as = &h.as;
    Object *o = object_new_checked("gpex-pcihost", &err);
    ck_assert_msg(o, "%s", err ? err->message : "?");
    ck_assert(object_property_parse(o, "msi", msi ? "on" : "off", &err));
    object_property_add_child(object_root(), "pcie", o, NULL);
    object_unref(o);
    h.host = DEVICE(o);
    ck_assert_msg(device_realize(h.host, &err), "%s", err ? err->message : "?");
    device_mmio_map(h.host, 0, &h.root, ECAM_BASE);
    device_mmio_map(h.host, 1, &h.root, MMIO_BASE);
    h.pins.count = 4;
    for (int i = 0; i < 4; i++) {
        h.pins.lines[i] = irq_new(devtest_pin_handler, &h.pins, i);
        device_connect_irq_out(h.host, i, h.pins.lines[i]);
    }
    device_reset_all(object_root());
    device_add_deleted_listener(on_deleted, NULL);
}

static void setup_msi(void) { setup_host(true); }
static void setup_intx(void) { setup_host(false); }

static uint32_t cfg_read(int bus, int devfn, uint32_t off, unsigned size)
{
    uint64_t v = 0;
    hwaddr a = ECAM_BASE + ((hwaddr)bus << 20 | (hwaddr)devfn << 12 | off);
    ck_assert_int_eq(address_space_read(&h.as, a, &v, size), MEMTX_OK);
    return (uint32_t)v;
}

static void cfg_write(int bus, int devfn, uint32_t off, uint32_t v, unsigned size)
{
    hwaddr a = ECAM_BASE + ((hwaddr)bus << 20 | (hwaddr)devfn << 12 | off);
    ck_assert_int_eq(address_space_write(&h.as, a, v, size), MEMTX_OK);
}

/* Offset of capability @id in the list, 0 if absent. */
static uint32_t find_cap(int bus, int devfn, uint8_t id, uint8_t vndr_type)
{
    for (uint32_t p = cfg_read(bus, devfn, 0x34, 1); p; p = cfg_read(bus, devfn, p + 1, 1)) {
        if (cfg_read(bus, devfn, p, 1) == id &&
            (id != 0x09 || cfg_read(bus, devfn, p + 3, 1) == vndr_type)) {
            return p;
        }
    }
    return 0;
}

START_TEST(test_headers_and_empty_slots)
{
    add("pcie-root-port", "rp1", "pcie.0", "1", false);
    ck_assert_uint_eq(cfg_read(0, DEVFN(0, 0), 0, 4), 0x00081b36);
    ck_assert_uint_eq(cfg_read(0, DEVFN(0, 0), 0x0a, 2), 0x0600);
    ck_assert_uint_eq(cfg_read(0, DEVFN(1, 0), 0, 4), 0x000c1b36);
    ck_assert_uint_eq(cfg_read(0, DEVFN(1, 0), 0x0e, 1) & 0x7f, 1); /* type 1 */
    ck_assert_uint_eq(cfg_read(0, DEVFN(1, 0), 0x06, 2) & 0x10, 0x10); /* capabilities */
    ck_assert(find_cap(0, DEVFN(1, 0), 0x10, 0));                        /* PCIe */
    ck_assert(find_cap(0, DEVFN(1, 0), 0x01, 0));                        /* PM */
    ck_assert(find_cap(0, DEVFN(1, 0), 0x05, 0));                        /* MSI */
    ck_assert_uint_eq(cfg_read(0, DEVFN(7, 0), 0, 4), 0xffffffff);
    ck_assert_uint_eq(cfg_read(3, DEVFN(0, 0), 0, 2), 0xffff); /* no such bus */
}
END_TEST

START_TEST(test_bar_sizing_and_decoding)
{
    add("virtio-rng-pci", "rng0", "pcie.0", "2", false);
    int df = DEVFN(2, 0);
    ck_assert_uint_eq(cfg_read(0, df, 0, 4), 0x10441af4);
    cfg_write(0, df, 0x20, 0xffffffff, 4);
    cfg_write(0, df, 0x24, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(0, df, 0x20, 4), 0xffffc00c); /* 16 KiB, 64-bit, prefetch */
    ck_assert_uint_eq(cfg_read(0, df, 0x24, 4), 0xffffffff);
    cfg_write(0, df, 0x20, (uint32_t)MMIO_BASE, 4);
    cfg_write(0, df, 0x24, 0, 4);
    uint64_t v = 0;
    /* Not decoded until COMMAND.MEMORY. */
    ck_assert_int_ne(address_space_read(&h.as, MMIO_BASE + 0x12, &v, 2), MEMTX_OK);
    cfg_write(0, df, 0x04, 0x2, 2);
    ck_assert_int_eq(address_space_read(&h.as, MMIO_BASE + 0x12, &v, 2), MEMTX_OK);
    ck_assert_uint_eq(v, 1); /* num_queues of virtio-rng's common configuration */
    /* The virtio capabilities point into BAR 4. */
    uint32_t common = find_cap(0, df, 0x09, 1), notify = find_cap(0, df, 0x09, 2);
    ck_assert(common && notify && find_cap(0, df, 0x09, 3) && find_cap(0, df, 0x09, 4));
    ck_assert_uint_eq(cfg_read(0, df, common + 4, 1), 4);
    ck_assert_uint_eq(cfg_read(0, df, notify + 16, 4), 4); /* notify_off_multiplier */
    /* Moving the BAR moves the registers. */
    cfg_write(0, df, 0x20, (uint32_t)MMIO_BASE + 0x10000, 4);
    ck_assert_int_ne(address_space_read(&h.as, MMIO_BASE + 0x12, &v, 2), MEMTX_OK);
    ck_assert_int_eq(address_space_read(&h.as, MMIO_BASE + 0x10012, &v, 2), MEMTX_OK);
    cfg_write(0, df, 0x04, 0, 2);
    ck_assert_int_ne(address_space_read(&h.as, MMIO_BASE + 0x10012, &v, 2), MEMTX_OK);
}
END_TEST

/* Root port at 00:01.0 with its secondary bus numbered 1 and its memory
 * window at MMIO_BASE..+1 MiB, decoding. */
static void program_root_port(void)
{
    int rp = DEVFN(1, 0);
    cfg_write(0, rp, 0x18, 0x010100, 4); /* primary 0, secondary 1, subordinate 1 */
    cfg_write(0, rp, 0x20, (uint32_t)(MMIO_BASE >> 16), 2);
    cfg_write(0, rp, 0x22, (uint32_t)(MMIO_BASE >> 16), 2);
    cfg_write(0, rp, 0x04, 0x6, 2); /* memory + bus master */
}

START_TEST(test_bridge_window)
{
    add("pcie-root-port", "rp1", "pcie.0", "1", false);
    add("virtio-rng-pci", "rng0", "rp1", NULL, false);
    ck_assert_uint_eq(cfg_read(1, DEVFN(0, 0), 0, 4), 0xffffffff); /* bus 1 not numbered yet */
    program_root_port();
    ck_assert_uint_eq(cfg_read(1, DEVFN(0, 0), 0, 4), 0x10441af4);
    cfg_write(1, 0, 0x20, (uint32_t)MMIO_BASE, 4);
    cfg_write(1, 0, 0x24, 0, 4);
    cfg_write(1, 0, 0x04, 0x2, 2);
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&h.as, MMIO_BASE + 0x12, &v, 2), MEMTX_OK);
    ck_assert_uint_eq(v, 1);
    /* Closing the bridge's memory decoding hides the device. */
    cfg_write(0, DEVFN(1, 0), 0x04, 0x4, 2);
    ck_assert_int_ne(address_space_read(&h.as, MMIO_BASE + 0x12, &v, 2), MEMTX_OK);
}
END_TEST

static uint32_t exp_cap(void)
{
    uint32_t e = find_cap(0, DEVFN(1, 0), 0x10, 0);
    ck_assert(e);
    return e;
}

START_TEST(test_hotplug_slot_and_msi)
{
    add("pcie-root-port", "rp1", "pcie.0", "1", false);
    program_root_port();
    int rp = DEVFN(1, 0);
    uint32_t e = exp_cap(), msi = find_cap(0, rp, 0x05, 0);
    ck_assert_uint_eq(cfg_read(0, rp, e + 20, 4) & 0x7b, 0x7b); /* ABP PCP AIP PIP HPS HPC */
    ck_assert_uint_eq(cfg_read(0, rp, e + 26, 2) & 0x40, 0);   /* empty */
    cfg_write(0, rp, msi + 4, (uint32_t)DOORBELL, 4);
    cfg_write(0, rp, msi + 8, 0, 4);
    cfg_write(0, rp, msi + 12, 0x55, 2);
    cfg_write(0, rp, msi + 2, 1, 2); /* enable */
    cfg_write(0, rp, e + 24, 0x1000 | 0x20 | 0x10 | 0x8 | 0x1, 2); /* DLLSCE HPIE CCIE PDCE ABPE */
    ck_assert_uint_eq(h.msi_count, 1);                                /* command completed */
    ck_assert_uint_eq(h.msi_data[0], 0x55);
    cfg_write(0, rp, e + 26, 0x10, 2); /* clear CC */
    add("virtio-rng-pci", "hot", "rp1", NULL, true);
    uint16_t sta = (uint16_t)cfg_read(0, rp, e + 26, 2);
    ck_assert_uint_eq(sta & 0x148, 0x148); /* PDS, PDC, DLLSC */
    ck_assert_uint_eq(cfg_read(0, rp, e + 18, 2) & 0x2000, 0x2000); /* link active */
    ck_assert_uint_eq(h.msi_count, 2);
    cfg_write(0, rp, e + 26, 0x108, 2);

    /* device_del presses the attention button; the device stays until the
     * guest turns the slot off. */
    bool pending = false;
    GError *err = NULL;
    ck_assert_msg(device_delete("hot", &pending, &err), "%s", err ? err->message : "?");
    ck_assert(pending);
    ck_assert_uint_eq(cfg_read(0, rp, e + 26, 2) & 0x1, 0x1);
    ck_assert_uint_eq(h.msi_count, 3);
    timers_run_due();
    ck_assert_uint_eq(h.deleted, 0);
    ck_assert_uint_eq(cfg_read(1, 0, 0, 2), 0x1af4);
    cfg_write(0, rp, e + 26, 0x1, 2);
    cfg_write(0, rp, e + 24, 0x1000 | 0x20 | 0x10 | 0x8 | 0x1 | 0x400 | 0x300, 2);
    g_usleep(1000);
    timers_run_due();
    ck_assert_uint_eq(h.deleted, 1);
    ck_assert_uint_eq(cfg_read(1, 0, 0, 4), 0xffffffff);
    ck_assert_uint_eq(cfg_read(0, rp, e + 26, 2) & 0x40, 0);
    ck_assert_ptr_null(object_resolve_path("/machine/peripheral/hot", NULL));

    /* MSI is a bus-master write: none while the port's bus mastering is off. */
    unsigned before = h.msi_count;
    cfg_write(0, rp, 0x04, 0x2, 2);
    cfg_write(0, rp, e + 24, 0x1000 | 0x20 | 0x10 | 0x8 | 0x1, 2);
    ck_assert_uint_eq(h.msi_count, before);
    cfg_write(0, rp, 0x04, 0x6, 2);
    cfg_write(0, rp, e + 26, 0x11f, 2);
    cfg_write(0, rp, e + 24, 0x1000 | 0x20 | 0x10 | 0x8 | 0x1, 2);
    ck_assert_uint_eq(h.msi_count, before + 1);
}
END_TEST

START_TEST(test_intx_swizzle)
{
    add("pcie-root-port", "rp3", "pcie.0", "3", false);
    int rp = DEVFN(3, 0);
    ck_assert_uint_eq(find_cap(0, rp, 0x05, 0), 0); /* no MSI on this platform */
    ck_assert_uint_eq(cfg_read(0, rp, 0x3d, 1), 1);  /* INTA */
    uint32_t e = find_cap(0, rp, 0x10, 0);
    cfg_write(0, rp, e + 24, 0x20 | 0x10, 2); /* HPIE CCIE: the write itself completes */
    /* Slot 3, INTA: host output (3 + 0) % 4 = 3. */
    ck_assert_int_eq(h.pins.level[3], 1);
    ck_assert_int_eq(h.pins.level[0] + h.pins.level[1] + h.pins.level[2], 0);
    ck_assert_uint_eq(cfg_read(0, rp, 0x06, 2) & 0x8, 0x8); /* interrupt status */
    cfg_write(0, rp, 0x04, 0x400, 2);                       /* INTx disable */
    ck_assert_int_eq(h.pins.level[3], 0);
    cfg_write(0, rp, 0x04, 0, 2);
    ck_assert_int_eq(h.pins.level[3], 1);
    cfg_write(0, rp, e + 26, 0x10, 2); /* acknowledge */
    ck_assert_int_eq(h.pins.level[3], 0);
    /* virtio-pci without MSI: INTA, no MSI-X capability. */
    add("virtio-rng-pci", "rng0", "pcie.0", "2", false);
    ck_assert_uint_eq(cfg_read(0, DEVFN(2, 0), 0x3d, 1), 1);
    ck_assert_uint_eq(find_cap(0, DEVFN(2, 0), 0x11, 0), 0);
}
END_TEST

START_TEST(test_virtio_pci_msix)
{
    add("virtio-rng-pci", "rng0", "pcie.0", "2", false);
    int df = DEVFN(2, 0);
    uint32_t x = find_cap(0, df, 0x11, 0);
    ck_assert(x);
    ck_assert_uint_eq((cfg_read(0, df, x + 2, 2) & 0x7ff) + 1, 2); /* one queue + config */
    ck_assert_uint_eq(cfg_read(0, df, x + 4, 4) & 7, 1);           /* table in BAR 1 */
}
END_TEST

START_TEST(test_placement_refusals)
{
    GError *err = NULL;
    add("virtio-rng-pci", "a", "pcie.0", "2", false);
    Object *o = object_new("virtio-rng-pci");
    ck_assert(object_property_parse(o, "addr", "2", &err));
    object_property_add_child(object_root(), "b", o, NULL);
    object_unref(o);
    ck_assert(bus_plug(bus_find("pcie.0"), DEVICE(o), &err));
    ck_assert(!bus_realize_plugged(DEVICE(o), &err));
    ck_assert_msg(strstr(err->message, "slot 2 function 0 on bus 'pcie.0' not available"),
                  "%s", err->message);
    g_clear_error(&err);
    ck_assert(!object_property_parse(o, "addr", "20.0", &err));
    g_clear_error(&err);
    ck_assert(!object_property_parse(o, "addr", "x", &err));
    g_clear_error(&err);
}
END_TEST

static Suite *pci_suite(void)
{
    Suite *s = suite_create("/devices/pci");
    const struct { const char *name; const TTest *fn; void (*setup)(void); } cases[] = {
        { "/devices/pci/headers", test_headers_and_empty_slots, setup_msi },
        { "/devices/pci/bar", test_bar_sizing_and_decoding, setup_msi },
        { "/devices/pci/bridge-window", test_bridge_window, setup_msi },
        { "/devices/pci/root-port/hotplug-and-msi", test_hotplug_slot_and_msi, setup_msi },
        { "/devices/pci/intx", test_intx_swizzle, setup_intx },
        { "/devices/pci/virtio-pci/msix", test_virtio_pci_msix, setup_msi },
        { "/devices/pci/placement", test_placement_refusals, setup_msi },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, cases[i].setup, NULL);
        tcase_add_test(tc, cases[i].fn);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    return devtest_run(pci_suite());
}
