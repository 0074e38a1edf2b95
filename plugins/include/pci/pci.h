/* SPDX-License-Identifier: MIT */
/*
 * The PCI core (library module "pci", plugins/devices/pci): PCI buses on
 * the core's bus model, the PCI device base type, configuration space with
 * capability lists, BARs, INTx, MSI and MSI-X, and PCI-to-PCI bridges.
 *
 * Buses.  A root bus ("PCIE", named pcie.0) belongs to a host bridge that
 * gives it a memory and an I/O container for BARs, a DMA root (what bus
 * masters reach) and its INTx outputs.  A bridge's secondary bus gets
 * containers of its own, aliased into its parent bus's within the bridge's
 * windows.  A device's "addr" ("SLOT[.FN]", hex slot as in QEMU) chooses
 * its devfn; without it the first free slot is taken.  Function 0 decides
 * whether other functions of the slot may exist (multifunction=on).
 *
 * Decoding.  A BAR is mapped in its bus's container at the address the
 * guest wrote, once the command register enables that space; remapped on
 * every BAR or command write; unmapped when disabled.
 *
 * DMA.  pci_dma_as(dev) is the device's bus-master view: the root's DMA
 * region while COMMAND.MASTER is set, nothing otherwise (reads then give
 * zeros and are logged under -d guest_errors).  It is also what the core
 * hands out through bus_dma_address_space().
 *
 * Interrupts.  pci_set_irq() drives the device's INTx pin (from
 * PCI_INTERRUPT_PIN); each bridge swizzles (slot + pin) % 4 and the root
 * bus's host turns the result into one of its four outputs.  MSI and MSI-X
 * messages are 32-bit writes of the data to the address through the
 * device's bus-master view, so whatever MSI doorbell the board maps in
 * system memory receives them.  A host bridge tells the core whether the
 * platform has such a controller (pci_root_bus_set_msi_available); without
 * one, msi_init()/msix_init() refuse with PCI_ERROR_NO_MSI and devices fall
 * back to INTx.
 */
#ifndef TESSERA_PCI_PCI_H
#define TESSERA_PCI_PCI_H

#include "kernel/bus.h"
#include "kernel/device.h"
#include "kernel/memory.h"
#include "pci/pci_regs.h"

#define TYPE_PCI_BUS "PCI"
#define TYPE_PCIE_BUS "PCIE"
#define TYPE_PCI_DEVICE "pci-device"
#define TYPE_PCI_BRIDGE "base-pci-bridge"

#define PCI_ERROR (pci_error_quark())
GQuark pci_error_quark(void);
typedef enum {
    PCI_ERROR_INVALID,   /* bad property or placement */
    PCI_ERROR_NO_MSI,    /* the platform delivers no MSIs */
    PCI_ERROR_NO_SPACE,  /* configuration space full */
} PCIErrorCode;

#define PCI_DEVFN(slot, fn) ((((slot) & 0x1f) << 3) | ((fn) & 7))
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 7)
#define PCI_NUM_PINS 4
#define PCI_NUM_REGIONS 7
#define PCI_ROM_SLOT 6
#define PCI_BAR_UNMAPPED UINT64_MAX
#define PCI_DEVFN_AUTO (-1)

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* Root bus callbacks of the host bridge. */
typedef void (*PCISetIrqFn)(void *opaque, int irq, int level);
/* Which of the host's INTx outputs @dev's @pin (0 = INTA) reaches. */
typedef int (*PCIMapIrqFn)(PCIDevice *dev, int pin);

struct PCIBus {
    BusState parent_obj;
    PCIDevice *devices[256];   /* by devfn */
    PCIDevice *bridge;         /* the bridge whose secondary bus this is; NULL: root */
    DeviceState *host;         /* root bus: the host bridge */
    MemoryRegion *mem;         /* where memory BARs on this bus map */
    MemoryRegion *io;          /* where I/O BARs map */
    MemoryRegion *dma_root;    /* root: what bus masters reach */
    PCISetIrqFn set_irq;       /* root only */
    void *irq_opaque;
    PCIMapIrqFn map_irq;
    int irq_count[PCI_NUM_PINS];  /* asserted inputs per output pin */
    bool msi_available;        /* root only */
    uint8_t root_bus_nr;       /* root only: its bus number (0) */
};

typedef struct PCIIORegion {
    uint64_t size;             /* a power of two; 0: unused */
    uint8_t type;              /* PCI_BASE_ADDRESS_* flags */
    MemoryRegion *mr;
    uint64_t addr;             /* mapped bus address, or PCI_BAR_UNMAPPED */
} PCIIORegion;

struct PCIDevice {
    DeviceState parent_obj;
    uint8_t *config;           /* config_size bytes each */
    uint8_t *wmask;            /* bits the guest may write */
    uint8_t *w1cmask;          /* bits the guest clears by writing 1 */
    uint32_t config_size;
    int32_t devfn;             /* "addr"; PCI_DEVFN_AUTO until placed */
    bool multifunction;
    PCIIORegion io_regions[PCI_NUM_REGIONS];
    int irq_level;             /* INTx input level as the device drives it */
    bool intx_asserted;        /* what reached the bus (level, unless disabled) */
    uint8_t *reset_config;     /* the header as realize left it, for reset */
    /* Bus-master view: container with an alias of the root's DMA region,
     * enabled while COMMAND.MASTER is set. */
    MemoryRegion bm_root;
    MemoryRegion bm_alias;
    AddressSpace bm_as;
    bool bm_ready;
    uint8_t msi_cap, msix_cap, exp_cap, pm_cap;  /* offsets, 0: absent */
    uint16_t cap_free;         /* next free config offset for a capability */
    uint8_t msi_vectors;
    /* MSI-X */
    uint16_t msix_entries;
    uint8_t *msix_table;       /* entries * 16 bytes */
    uint8_t *msix_pba;         /* pending bits */
    MemoryRegion msix_table_mr;
    MemoryRegion msix_pba_mr;
    MemoryRegion msix_bar;     /* container when msix_init_exclusive_bar made one */
    bool msix_own_bar;
};

typedef struct PCIDeviceClass {
    DeviceClass parent_class;
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t subsystem_vendor_id;
    uint16_t subsystem_id;
    uint8_t revision;
    uint16_t class_id;
    bool is_bridge;            /* type 1 header */
    bool is_express;           /* 4 KiB configuration space */
    /* Device set-up after the common header is written.  Optional. */
    bool (*realize)(PCIDevice *dev, GError **errp);
    void (*exit)(PCIDevice *dev);
    /* Device-specific reset after the core cleared the header. */
    void (*reset)(PCIDevice *dev);
    /* Config accesses: default pci_default_read/write_config. */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, int len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val, int len);
} PCIDeviceClass;

OBJECT_DECLARE_TYPE(PCIBus, BusClass, PCI_BUS, TYPE_PCI_BUS)
OBJECT_DECLARE_TYPE(PCIDevice, PCIDeviceClass, PCI_DEVICE, TYPE_PCI_DEVICE)

/* ---- little-endian config helpers ---- */
static inline void pci_set_byte(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void pci_set_word(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}
static inline void pci_set_quad(uint8_t *p, uint64_t v)
{
    pci_set_long(p, (uint32_t)v); pci_set_long(p + 4, (uint32_t)(v >> 32));
}
static inline uint8_t pci_get_byte(const uint8_t *p) { return p[0]; }
static inline uint16_t pci_get_word(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t pci_get_quad(const uint8_t *p)
{
    return pci_get_long(p) | (uint64_t)pci_get_long(p + 4) << 32;
}

/* ---- buses ---- */

/*
 * The root bus of host bridge @host (named @name, e.g. "pcie.0"): BARs map
 * into @mem and @io, bus masters reach @dma_root, INTx output n of the host
 * is @set_irq(@opaque, n, level) after @map_irq.
 */
PCIBus *pci_root_bus_new(DeviceState *host, const char *name, MemoryRegion *mem,
                         MemoryRegion *io, MemoryRegion *dma_root, PCISetIrqFn set_irq,
                         PCIMapIrqFn map_irq, void *opaque);
void pci_root_bus_set_msi_available(PCIBus *bus, bool available);
PCIBus *pci_get_bus(const PCIDevice *dev);
/* The requester ID the device's writes carry (bus number << 8 | devfn);
 * its MSI writes pass it as a MemTxAttrs attribute. */
uint16_t pci_requester_id(PCIDevice *dev);
PCIBus *pci_bus_root(PCIBus *bus);
/* Bus number the guest gave this bus (root: 0; secondary: the bridge's). */
int pci_bus_num(PCIBus *bus);
/* The device answering configuration cycles for (@bus_nr, @devfn) below
 * root @root, or NULL. */
PCIDevice *pci_find_device(PCIBus *root, int bus_nr, int devfn);
/* Configuration access through a host bridge (ECAM, CAM): unknown
 * devices read as all ones and ignore writes.  @len 1, 2 or 4. */
uint32_t pci_host_config_read(PCIBus *root, int bus_nr, int devfn, uint32_t addr, int len);
void pci_host_config_write(PCIBus *root, int bus_nr, int devfn, uint32_t addr, uint32_t val,
                           int len);
/* Standard swizzle: (slot + pin) % 4. */
int pci_swizzle_map_irq(PCIDevice *dev, int pin);

/* ---- devices ---- */

uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, int len);
void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len);
/* BAR @n of @type (PCI_BASE_ADDRESS_*) backed by @mr (size a power of two). */
void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr);
/* Bus address of BAR @n, or PCI_BAR_UNMAPPED. */
uint64_t pci_bar_address(PCIDevice *dev, int n);
/* Add a capability of @size bytes at @offset (0: first free dword after
 * the header); returns its offset, 0 with an error when there is no room. */
uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset, uint8_t size,
                           GError **errp);
/* Drive the INTx pin (no-op for a device without one). */
void pci_set_irq(PCIDevice *dev, int level);
/* INTx pin 1..4 (A..D) given by the device, 0 for none. */
static inline void pci_config_set_interrupt_pin(PCIDevice *dev, uint8_t pin)
{
    pci_set_byte(dev->config + PCI_INTERRUPT_PIN, pin);
}
AddressSpace *pci_dma_as(PCIDevice *dev);
bool pci_msi_available(PCIDevice *dev);

/* Power management capability (D0/D3hot, no PME). */
bool pci_pm_init(PCIDevice *dev, GError **errp);
/* PCI Express capability (version 2) of @type (PCI_EXP_TYPE_*). */
bool pcie_cap_init(PCIDevice *dev, uint8_t type, uint8_t port_num, GError **errp);

/* MSI with @vectors (1, 2, 4, ... 32), 64-bit addresses, per-vector masks. */
bool msi_init(PCIDevice *dev, unsigned vectors, GError **errp);
bool msi_enabled(const PCIDevice *dev);
void msi_notify(PCIDevice *dev, unsigned vector);

/* MSI-X with @entries vectors, table and PBA in their own BAR @bar_nr. */
bool msix_init_exclusive_bar(PCIDevice *dev, unsigned entries, int bar_nr, GError **errp);
bool msix_enabled(const PCIDevice *dev);
bool msix_present(const PCIDevice *dev);
/* Send (or, if masked, mark pending) vector @vector. */
void msix_notify(PCIDevice *dev, unsigned vector);
void msix_uninit(PCIDevice *dev);

/* "00:01.0"-style description of where @dev sits (g_free it). */
char *pci_dev_location(PCIDevice *dev);

#endif
