/* SPDX-License-Identifier: MIT */
/*
 * Capability lists and the capabilities the core offers devices: power
 * management, PCI Express (version 2), MSI (64-bit, per-vector masking)
 * and MSI-X (table and pending-bit array in a BAR of their own).
 *
 * A message is the 32-bit data written to the address through the
 * device's bus-master view, so it goes nowhere while bus mastering is off,
 * as on real hardware.
 */
#include <string.h>

#include "kernel/log.h"
#include "pci/pci.h"
#include "plugins/devices/pci/pci-internal.h"

uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset, uint8_t size,
                           GError **errp)
{
    if (!offset) {
        offset = (uint8_t)((dev->cap_free + 3) & ~3);
        if (dev->cap_free + size > PCI_CONFIG_SPACE_SIZE) {
            g_set_error(errp, PCI_ERROR, PCI_ERROR_NO_SPACE,
                        "no room for capability 0x%x in the configuration space of %s",
                        cap_id, object_get_typename(OBJECT(dev)));
            return 0;
        }
    }
    g_assert(offset >= PCI_CAP_FIRST && offset + size <= PCI_CONFIG_SPACE_SIZE);
    uint8_t *c = dev->config;
    c[offset] = cap_id;
    c[offset + 1] = c[PCI_CAPABILITY_LIST];
    c[PCI_CAPABILITY_LIST] = offset;
    pci_set_word(c + PCI_STATUS, pci_get_word(c + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    dev->cap_free = MAX(dev->cap_free, (uint16_t)((offset + size + 3) & ~3));
    return offset;
}

/* ---- power management ---- */

bool pci_pm_init(PCIDevice *dev, GError **errp)
{
    uint8_t o = pci_add_capability(dev, PCI_CAP_ID_PM, 0, PCI_PM_SIZEOF, errp);
    if (!o) {
        return false;
    }
    dev->pm_cap = o;
    pci_set_word(dev->config + o + PCI_PM_PMC, 0x3); /* version 1.2 */
    pci_set_word(dev->config + o + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
    pci_set_word(dev->wmask + o + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
    return true;
}

/* ---- PCI Express ---- */

bool pcie_cap_init(PCIDevice *dev, uint8_t type, uint8_t port_num, GError **errp)
{
    uint8_t o = pci_add_capability(dev, PCI_CAP_ID_EXP, 0, PCI_EXP_SIZEOF, errp);
    if (!o) {
        return false;
    }
    dev->exp_cap = o;
    uint8_t *c = dev->config + o, *w = dev->wmask + o;
    pci_set_word(c + PCI_EXP_FLAGS, (uint16_t)(type << 4 | PCI_EXP_FLAGS_VER2));
    pci_set_long(c + PCI_EXP_DEVCAP, 0x8000); /* role-based error reporting, 128-byte MPS */
    pci_set_word(w + PCI_EXP_DEVCTL, 0x7fff);
    pci_set_word(dev->w1cmask + o + PCI_EXP_DEVSTA, 0xf);
    uint32_t lnkcap = PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1 |
                      (uint32_t)port_num << 24;
    if (type == PCI_EXP_TYPE_ROOT_PORT) {
        lnkcap |= PCI_EXP_LNKCAP_DLLLARC;
    }
    pci_set_long(c + PCI_EXP_LNKCAP, lnkcap);
    pci_set_word(w + PCI_EXP_LNKCTL, 0x0fff);
    pci_set_word(c + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1);
    pci_set_word(w + PCI_EXP_DEVCTL2, 0x7ff);
    pci_set_long(c + PCI_EXP_LNKCAP2, 0x2); /* 2.5 GT/s supported */
    pci_set_word(w + PCI_EXP_LNKCTL2, 0xf);
    return true;
}

/* ---- messages ---- */

uint16_t pci_requester_id(PCIDevice *dev)
{
    PCIBus *bus = pci_get_bus(dev);
    return (uint16_t)(((bus ? pci_bus_num(bus) : 0) & 0xff) << 8 | (dev->devfn & 0xff));
}

static void send_message(PCIDevice *dev, uint64_t addr, uint32_t data)
{
    AddressSpace *as = pci_dma_as(dev);
    MemTxAttrs attrs = { .requester_id = pci_requester_id(dev), .has_requester_id = true };
    if (!as || address_space_write_attrs(as, addr, data, 4, attrs) != MEMTX_OK) {
        log_mask(LOG_GUEST_ERROR, "%s: MSI write of 0x%x to 0x%" PRIx64 " reached nothing\n",
                 object_get_typename(OBJECT(dev)), data, addr);
    }
}

/* ---- MSI ---- */

static uint16_t msi_flags(const PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msi_cap + PCI_MSI_FLAGS);
}

bool msi_enabled(const PCIDevice *dev)
{
    return dev->msi_cap && (msi_flags(dev) & PCI_MSI_FLAGS_ENABLE);
}

bool msi_init(PCIDevice *dev, unsigned vectors, GError **errp)
{
    if (!pci_msi_available(dev)) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_NO_MSI, "the platform delivers no MSIs");
        return false;
    }
    g_assert(vectors >= 1 && vectors <= 32 && !(vectors & (vectors - 1)));
    uint8_t o = pci_add_capability(dev, PCI_CAP_ID_MSI, 0, PCI_MSI_CAP_SIZE, errp);
    if (!o) {
        return false;
    }
    dev->msi_cap = o;
    dev->msi_vectors = (uint8_t)vectors;
    unsigned log2 = (unsigned)g_bit_storage(vectors) - 1;
    pci_set_word(dev->config + o + PCI_MSI_FLAGS,
                 (uint16_t)(log2 << 1 | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT));
    pci_set_word(dev->wmask + o + PCI_MSI_FLAGS, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
    pci_set_long(dev->wmask + o + PCI_MSI_ADDRESS_LO, 0xfffffffc);
    pci_set_long(dev->wmask + o + 8, 0xffffffff);
    pci_set_word(dev->wmask + o + 12, 0xffff);
    pci_set_long(dev->wmask + o + 16, vectors == 32 ? 0xffffffffu : (1u << vectors) - 1);
    return true;
}

static unsigned msi_nr_enabled(const PCIDevice *dev)
{
    return 1u << ((msi_flags(dev) & PCI_MSI_FLAGS_QSIZE) >> 4);
}

static void msi_send(PCIDevice *dev, unsigned vector)
{
    const uint8_t *c = dev->config + dev->msi_cap;
    uint64_t addr = pci_get_quad(c + PCI_MSI_ADDRESS_LO);
    uint32_t data = pci_get_word(c + 12);
    unsigned nr = msi_nr_enabled(dev);
    data = (data & ~(nr - 1)) | vector;
    send_message(dev, addr, data);
}

void msi_notify(PCIDevice *dev, unsigned vector)
{
    if (!msi_enabled(dev) || vector >= msi_nr_enabled(dev)) {
        return;
    }
    uint8_t *c = dev->config + dev->msi_cap;
    if (pci_get_long(c + 16) & (1u << vector)) {
        pci_set_long(c + 20, pci_get_long(c + 20) | 1u << vector);
        return;
    }
    msi_send(dev, vector);
}

void msi_write_config(PCIDevice *dev)
{
    if (!msi_enabled(dev)) {
        return;
    }
    uint8_t *c = dev->config + dev->msi_cap;
    uint32_t ready = pci_get_long(c + 20) & ~pci_get_long(c + 16);
    for (unsigned v = 0; ready && v < msi_nr_enabled(dev); v++) {
        if (ready & (1u << v)) {
            pci_set_long(c + 20, pci_get_long(c + 20) & ~(1u << v));
            msi_send(dev, v);
        }
    }
}

/* ---- MSI-X ---- */

bool msix_present(const PCIDevice *dev)
{
    return dev->msix_cap != 0;
}

static uint16_t msix_flags(const PCIDevice *dev)
{
    return pci_get_word(dev->config + dev->msix_cap + PCI_MSIX_FLAGS);
}

bool msix_enabled(const PCIDevice *dev)
{
    return dev->msix_cap && (msix_flags(dev) & PCI_MSIX_FLAGS_ENABLE);
}

static bool msix_masked(const PCIDevice *dev, unsigned v)
{
    const uint8_t *e = dev->msix_table + v * PCI_MSIX_ENTRY_SIZE;
    return (msix_flags(dev) & PCI_MSIX_FLAGS_MASKALL) ||
           (e[PCI_MSIX_ENTRY_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static void msix_send(PCIDevice *dev, unsigned v)
{
    const uint8_t *e = dev->msix_table + v * PCI_MSIX_ENTRY_SIZE;
    send_message(dev, pci_get_quad(e + PCI_MSIX_ENTRY_ADDR_LO),
                 pci_get_long(e + PCI_MSIX_ENTRY_DATA));
}

void msix_notify(PCIDevice *dev, unsigned vector)
{
    if (!msix_enabled(dev) || vector >= dev->msix_entries) {
        return;
    }
    if (msix_masked(dev, vector)) {
        dev->msix_pba[vector / 8] |= (uint8_t)(1u << (vector % 8));
        return;
    }
    msix_send(dev, vector);
}

/* Deliver vectors that are pending and no longer masked. */
static void msix_flush_pending(PCIDevice *dev)
{
    if (!msix_enabled(dev)) {
        return;
    }
    for (unsigned v = 0; v < dev->msix_entries; v++) {
        uint8_t bit = (uint8_t)(1u << (v % 8));
        if ((dev->msix_pba[v / 8] & bit) && !msix_masked(dev, v)) {
            dev->msix_pba[v / 8] &= (uint8_t)~bit;
            msix_send(dev, v);
        }
    }
}

void msix_write_config(PCIDevice *dev)
{
    msix_flush_pending(dev);
}

static uint64_t msix_table_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIDevice *dev = opaque;
    return pci_get_long(dev->msix_table + addr);
}

static void msix_table_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PCIDevice *dev = opaque;
    pci_set_long(dev->msix_table + addr, (uint32_t)value);
    if ((addr % PCI_MSIX_ENTRY_SIZE) == PCI_MSIX_ENTRY_CTRL) {
        msix_flush_pending(dev);
    }
}

static const MemoryRegionOps msix_table_ops = {
    .read = msix_table_read,
    .write = msix_table_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static uint64_t msix_pba_read(void *opaque, hwaddr addr, unsigned size)
{
    PCIDevice *dev = opaque;
    uint32_t v = 0;
    unsigned bytes = (dev->msix_entries + 7) / 8;
    for (unsigned i = 0; i < 4; i++) {
        if (addr + i < bytes) {
            v |= (uint32_t)dev->msix_pba[addr + i] << (8 * i);
        }
    }
    return v;
}

static void msix_pba_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    log_mask(LOG_GUEST_ERROR, "msix: write to the read-only pending-bit array\n");
}

static const MemoryRegionOps msix_pba_ops = {
    .read = msix_pba_read,
    .write = msix_pba_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

bool msix_init_exclusive_bar(PCIDevice *dev, unsigned entries, int bar_nr, GError **errp)
{
    if (!pci_msi_available(dev)) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_NO_MSI, "the platform delivers no MSIs");
        return false;
    }
    g_assert(entries >= 1 && entries <= 2048);
    uint8_t o = pci_add_capability(dev, PCI_CAP_ID_MSIX, 0, PCI_MSIX_SIZEOF, errp);
    if (!o) {
        return false;
    }
    uint64_t table_size = (uint64_t)entries * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_off = (table_size + 0x7ff) & ~(uint64_t)0x7ff;
    uint64_t pba_size = ((entries + 63) / 64) * 8;
    uint64_t bar_size = 0x1000;
    while (bar_size < pba_off + pba_size) {
        bar_size <<= 1;
    }
    dev->msix_cap = o;
    dev->msix_entries = (uint16_t)entries;
    dev->msix_table = g_malloc0(table_size);
    dev->msix_pba = g_malloc0(pba_size);
    for (unsigned v = 0; v < entries; v++) {
        dev->msix_table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] =
            PCI_MSIX_ENTRY_CTRL_MASKBIT;
    }
    Object *owner = OBJECT(dev);
    memory_region_init(&dev->msix_bar, owner, "msix", bar_size);
    memory_region_init_io(&dev->msix_table_mr, owner, &msix_table_ops, dev, "msix-table",
                          table_size);
    memory_region_init_io(&dev->msix_pba_mr, owner, &msix_pba_ops, dev, "msix-pba", pba_size);
    memory_region_add_subregion(&dev->msix_bar, 0, &dev->msix_table_mr);
    memory_region_add_subregion(&dev->msix_bar, pba_off, &dev->msix_pba_mr);
    dev->msix_own_bar = true;
    pci_register_bar(dev, bar_nr, PCI_BASE_ADDRESS_SPACE_MEMORY, &dev->msix_bar);
    uint8_t *c = dev->config + o;
    pci_set_word(c + PCI_MSIX_FLAGS, (uint16_t)(entries - 1));
    pci_set_long(c + PCI_MSIX_TABLE, (uint32_t)bar_nr);
    pci_set_long(c + PCI_MSIX_PBA, (uint32_t)pba_off | (uint32_t)bar_nr);
    pci_set_word(dev->wmask + o + PCI_MSIX_FLAGS,
                 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    return true;
}

void msix_uninit(PCIDevice *dev)
{
    if (!dev->msix_table) {
        return;
    }
    if (dev->msix_own_bar) {
        memory_region_destroy(&dev->msix_table_mr);
        memory_region_destroy(&dev->msix_pba_mr);
        memory_region_destroy(&dev->msix_bar);
        dev->msix_own_bar = false;
    }
    g_clear_pointer(&dev->msix_table, g_free);
    g_clear_pointer(&dev->msix_pba, g_free);
    dev->msix_entries = 0;
}
