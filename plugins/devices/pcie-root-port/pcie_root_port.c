/* SPDX-License-Identifier: MIT */
/*
 * pcie-root-port: a generic PCI Express root port (Red Hat 1b36:000c) with
 * a hot-plug capable slot (PCI Express Base 4.0 sections 6.7 and 7.5.3.9):
 * attention button, power controller, attention and power indicators,
 * presence detect, command completed and data link layer state changed
 * events, signalled by INTx (or MSI when the platform has MSIs) while the
 * guest enables hot-plug interrupts.
 *
 * device_add on the port's bus (named after the port's id) presses nothing:
 * presence and link come up and PDC/DLLSC tell the guest.  device_del
 * presses the attention button; the device goes (and DEVICE_DELETED
 * follows) once the guest turns slot power and the power indicator off, as
 * Linux's pciehp does after its 5 s wait.  A device the guest has not
 * released after "unplug-timeout" seconds stays, the request lapses with a
 * warning, and device_del may be tried again.  A powered-off slot's device
 * goes at once.
 *
 * Properties: chassis, slot (physical slot number in the slot
 * capabilities), port (link port number), hotplug (slot capability
 * present), unplug-timeout (seconds).
 */
#include "kernel/clock.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "pci/pci_bridge.h"

#define TYPE_PCIE_ROOT_PORT "pcie-root-port"

/* Slot events and their enable bits in slot control. */
static const struct { uint16_t status; uint16_t enable; } slot_events[] = {
    { PCI_EXP_SLTSTA_ABP, PCI_EXP_SLTCTL_ABPE },
    { PCI_EXP_SLTSTA_PFD, PCI_EXP_SLTCTL_PFDE },
    { PCI_EXP_SLTSTA_MRLSC, PCI_EXP_SLTCTL_MRLSCE },
    { PCI_EXP_SLTSTA_PDC, PCI_EXP_SLTCTL_PDCE },
    { PCI_EXP_SLTSTA_CC, PCI_EXP_SLTCTL_CCIE },
    { PCI_EXP_SLTSTA_DLLSC, PCI_EXP_SLTCTL_DLLSCE },
};

#define SLTSTA_EVENTS (PCI_EXP_SLTSTA_ABP | PCI_EXP_SLTSTA_PFD | PCI_EXP_SLTSTA_MRLSC | \
                       PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_CC | PCI_EXP_SLTSTA_DLLSC)

typedef struct PCIERootPort {
    PCIBridge parent_obj;
    uint8_t chassis;
    uint16_t slot;
    uint8_t port;
    bool hotplug;
    uint32_t unplug_timeout;   /* seconds */
    bool event_level;          /* last notification level */
    DeviceState *unplugging;   /* device_del pending the guest's release */
    Timer *complete_timer;     /* finishes an unplug outside the config write */
    Timer *timeout_timer;
    bool release_seen;
} PCIERootPort;

OBJECT_DECLARE_SIMPLE_TYPE(PCIERootPort, PCIE_ROOT_PORT, TYPE_PCIE_ROOT_PORT)

static uint8_t *exp_regs(PCIERootPort *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    return d->config + d->exp_cap;
}

static bool slot_occupied(PCIERootPort *s)
{
    PCIBus *sec = PCI_BRIDGE(s)->sec_bus;
    return sec && BUS(sec)->children->len > 0;
}

/* Raise or drop the hot-plug interrupt from the enabled, pending events. */
static void slot_notify(PCIERootPort *s)
{
    PCIDevice *d = PCI_DEVICE(s);
    uint16_t ctl = pci_get_word(exp_regs(s) + PCI_EXP_SLTCTL);
    uint16_t sta = pci_get_word(exp_regs(s) + PCI_EXP_SLTSTA);
    bool level = false;
    if (ctl & PCI_EXP_SLTCTL_HPIE) {
        for (size_t i = 0; i < G_N_ELEMENTS(slot_events); i++) {
            level |= (sta & slot_events[i].status) && (ctl & slot_events[i].enable);
        }
    }
    if (msix_enabled(d) || msi_enabled(d)) {
        if (level && !s->event_level) {
            msix_enabled(d) ? msix_notify(d, 0) : msi_notify(d, 0);
        }
    } else {
        pci_set_irq(d, level);
    }
    s->event_level = level;
}

static void slot_event(PCIERootPort *s, uint16_t events)
{
    uint8_t *e = exp_regs(s);
    pci_set_word(e + PCI_EXP_SLTSTA, pci_get_word(e + PCI_EXP_SLTSTA) | events);
    slot_notify(s);
}

static void set_presence(PCIERootPort *s, bool present)
{
    uint8_t *e = exp_regs(s);
    uint16_t sta = pci_get_word(e + PCI_EXP_SLTSTA);
    uint16_t lnk = pci_get_word(e + PCI_EXP_LNKSTA);
    sta = present ? (sta | PCI_EXP_SLTSTA_PDS) : (sta & ~PCI_EXP_SLTSTA_PDS);
    lnk = present ? (lnk | PCI_EXP_LNKSTA_DLLLA) : (lnk & ~PCI_EXP_LNKSTA_DLLLA);
    pci_set_word(e + PCI_EXP_SLTSTA, sta);
    pci_set_word(e + PCI_EXP_LNKSTA, lnk);
}

static void unplug_finish(void *opaque)
{
    PCIERootPort *s = opaque;
    DeviceState *dev = s->unplugging;
    if (!dev) {
        return;
    }
    s->unplugging = NULL;
    timer_del(s->timeout_timer);
    device_unplug_complete(dev);
}

static void unplug_timeout(void *opaque)
{
    PCIERootPort *s = opaque;
    if (!s->unplugging) {
        return;
    }
    DeviceState *dev = s->unplugging;
    warn_report("%s: the guest did not release device '%s' within %u s; device_del request "
                "dropped (the device stays)", DEVICE(s)->id ? DEVICE(s)->id : TYPE_PCIE_ROOT_PORT,
                dev->id ? dev->id : object_get_typename(OBJECT(dev)), s->unplug_timeout);
    s->unplugging = NULL;
}

static void root_port_write_config(PCIDevice *d, uint32_t addr, uint32_t val, int len)
{
    PCIERootPort *s = PCIE_ROOT_PORT(d);
    uint32_t ctl_off = d->exp_cap + PCI_EXP_SLTCTL;
    bool ctl_written = s->hotplug && addr < ctl_off + 2 && addr + (uint32_t)len > ctl_off;
    pci_bridge_write_config(d, addr, val, len);
    if (!s->hotplug) {
        return;
    }
    if (ctl_written) {
        uint16_t ctl = pci_get_word(exp_regs(s) + PCI_EXP_SLTCTL);
        bool off = (ctl & PCI_EXP_SLTCTL_PCC) &&
                   (ctl & PCI_EXP_SLTCTL_PIC) == PCI_EXP_SLTCTL_PWR_IND_OFF;
        if (off && s->unplugging) {
            /* The guest released the device: remove it from the main loop,
             * not from inside this configuration write. */
            timer_mod_ns(s->complete_timer, clock_get_ns(CLOCK_HOST));
        }
        slot_event(s, PCI_EXP_SLTSTA_CC);
        return;
    }
    slot_notify(s); /* status bits written back (w1c), or interrupts toggled */
}

/* ---- hot-plug handler of the secondary bus --------------------------------- */

static bool port_pre_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    PCIERootPort *s = opaque;
    if (dev->hotplugged && !s->hotplug) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                    "hot-plug is disabled on root port '%s' (hotplug=off)",
                    DEVICE(s)->id ? DEVICE(s)->id : TYPE_PCIE_ROOT_PORT);
        return false;
    }
    return true;
}

static bool port_plug(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    PCIERootPort *s = opaque;
    if (!s->hotplug) {
        return true;
    }
    set_presence(s, true);
    if (dev->hotplugged) {
        slot_event(s, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
    }
    return true;
}

static void port_unplug(void *opaque, BusState *bus, DeviceState *dev)
{
    PCIERootPort *s = opaque;
    if (s->unplugging == dev) {
        s->unplugging = NULL;
    }
    if (!s->hotplug) {
        return;
    }
    set_presence(s, false);
    slot_event(s, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
}

static bool port_unplug_request(void *opaque, BusState *bus, DeviceState *dev, GError **errp)
{
    PCIERootPort *s = opaque;
    const char *port = DEVICE(s)->id ? DEVICE(s)->id : TYPE_PCIE_ROOT_PORT;
    if (!s->hotplug) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                    "hot-unplug is disabled on root port '%s' (hotplug=off)", port);
        return false;
    }
    if (s->unplugging) {
        g_set_error(errp, PCI_ERROR, PCI_ERROR_INVALID,
                    "Device '%s' is already being removed from root port '%s' (waiting for "
                    "the guest)", dev->id ? dev->id : object_get_typename(OBJECT(dev)), port);
        return false;
    }
    uint16_t ctl = pci_get_word(exp_regs(s) + PCI_EXP_SLTCTL);
    s->unplugging = dev;
    if (ctl & PCI_EXP_SLTCTL_PCC) {
        /* Slot powered off: nobody to ask. */
        timer_mod_ns(s->complete_timer, clock_get_ns(CLOCK_HOST));
        return true;
    }
    timer_mod_ns(s->timeout_timer,
                 clock_get_ns(CLOCK_HOST) + (int64_t)s->unplug_timeout * 1000000000LL);
    slot_event(s, PCI_EXP_SLTSTA_ABP);
    return true;
}

static const BusHotplugOps port_hotplug_ops = {
    .pre_plug = port_pre_plug,
    .plug = port_plug,
    .unplug = port_unplug,
    .unplug_request = port_unplug_request,
};

/* ---- lifecycle --------------------------------------------------------------- */

static bool root_port_realize(PCIDevice *d, GError **errp)
{
    PCIERootPort *s = PCIE_ROOT_PORT(d);
    if (!pci_bridge_init(d, TYPE_PCIE_BUS, errp)) {
        return false;
    }
    BusState *sec = BUS(PCI_BRIDGE(d)->sec_bus);
    sec->hotpluggable = s->hotplug;
    bus_set_hotplug_handler(sec, &port_hotplug_ops, s);
    pci_config_set_interrupt_pin(d, 1);
    if (!pcie_cap_init(d, PCI_EXP_TYPE_ROOT_PORT, s->port, errp) || !pci_pm_init(d, errp)) {
        return false;
    }
    GError *err = NULL;
    if (!msi_init(d, 1, &err)) {
        if (!g_error_matches(err, PCI_ERROR, PCI_ERROR_NO_MSI)) {
            g_propagate_error(errp, err);
            return false;
        }
        g_error_free(err); /* INTx only */
    }
    uint8_t *e = exp_regs(s), *w = d->wmask + d->exp_cap;
    if (s->hotplug) {
        pci_set_word(e + PCI_EXP_FLAGS, pci_get_word(e + PCI_EXP_FLAGS) | PCI_EXP_FLAGS_SLOT);
        pci_set_long(e + PCI_EXP_SLTCAP,
                     PCI_EXP_SLTCAP_ABP | PCI_EXP_SLTCAP_PCP | PCI_EXP_SLTCAP_AIP |
                         PCI_EXP_SLTCAP_PIP | PCI_EXP_SLTCAP_HPS | PCI_EXP_SLTCAP_HPC |
                         (uint32_t)s->slot << PCI_EXP_SLTCAP_PSN_SHIFT);
        pci_set_word(w + PCI_EXP_SLTCTL, 0x1fff);
        pci_set_word(d->w1cmask + d->exp_cap + PCI_EXP_SLTSTA, SLTSTA_EVENTS);
        /* Indicators off, power on (a device present at start-up is powered). */
        pci_set_word(e + PCI_EXP_SLTCTL, PCI_EXP_SLTCTL_AIC | PCI_EXP_SLTCTL_PWR_IND_OFF);
    }
    pci_set_word(w + PCI_EXP_RTCTL, 0x1f);
    pci_set_long(d->w1cmask + d->exp_cap + PCI_EXP_RTSTA, 0x10000);
    s->complete_timer = timer_new_ns(CLOCK_HOST, unplug_finish, s);
    s->timeout_timer = timer_new_ns(CLOCK_HOST, unplug_timeout, s);
    return true;
}

static void root_port_exit(PCIDevice *d)
{
    PCIERootPort *s = PCIE_ROOT_PORT(d);
    g_clear_pointer(&s->complete_timer, timer_free);
    g_clear_pointer(&s->timeout_timer, timer_free);
    pci_bridge_exit(d);
}

static void root_port_reset(PCIDevice *d)
{
    PCIERootPort *s = PCIE_ROOT_PORT(d);
    pci_bridge_update_windows(PCI_BRIDGE(d));
    s->event_level = false;
    if (s->hotplug) {
        set_presence(s, slot_occupied(s));
    }
}

static const PropertyInfo root_port_props[] = {
    PROP_UINT8("chassis", PCIERootPort, chassis, 0, "Chassis number"),
    PROP_UINT16("slot", PCIERootPort, slot, 0, "Physical slot number"),
    PROP_UINT8("port", PCIERootPort, port, 0, "Port number of the link"),
    PROP_BOOL("hotplug", PCIERootPort, hotplug, true, "Hot-plug capable slot"),
    PROP_UINT32("unplug-timeout", PCIERootPort, unplug_timeout, 30,
                "Seconds to wait for the guest to release a device on device_del"),
    PROP_END
};

static void root_port_class_init(ObjectClass *klass, const void *data)
{
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);
    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = PCI_DEVICE_ID_REDHAT_PCIE_RP;
    pc->is_express = true;
    pc->realize = root_port_realize;
    pc->exit = root_port_exit;
    pc->reset = root_port_reset;
    pc->config_write = root_port_write_config;
    object_class_add_field_properties(klass, root_port_props);
}

static const TypeInfo root_port_info = {
    .name = TYPE_PCIE_ROOT_PORT,
    .parent = TYPE_PCI_BRIDGE,
    .category = "bridge",
    .description = "PCI Express Root Port",
    .user_creatable = true,
    .instance_size = sizeof(PCIERootPort),
    .class_size = sizeof(PCIDeviceClass),
    .class_init = root_port_class_init,
};

TESSERA_MODULE(.name = "pcie-root-port", .kind = "device", .types = TESSERA_TYPES(&root_port_info));
