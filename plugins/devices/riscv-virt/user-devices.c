/* SPDX-License-Identifier: MIT */
/*
 * User-created MMIO devices on the riscv virt board.
 *
 * A device occupies the slots its MMIO regions cover: region 0 at the
 * device's address, each further region right after the previous one on
 * the next slot boundary.  IRQ output n goes to controller input irq + n.
 * "addr" and "irq" (every SDK device has both) choose the address and the
 * first input; 0, or a device without the property, takes the first free
 * slot / input run that fits.  The chosen values are written back, so
 * qom-get shows where the device ended up.
 *
 * The board builds its device tree after all -device options, so the
 * wiring is kept here and handed to the FdtBuilder only then
 * (virt_user_fdt_routes): a device removed before that leaves no trace.
 */
#include "plugins/devices/riscv-virt/user-devices.h"

#include <inttypes.h>

#define PROP_ADDR "addr"
#define PROP_IRQ "irq"

typedef struct VirtUserPlacement {
    DeviceState *dev;
    hwaddr base;
    uint64_t span;             /* bytes, whole slots */
    uint32_t irq;              /* first input; 0 when the device has no IRQ outputs */
    uint32_t num_irq;
} VirtUserPlacement;

static uint64_t slot_align_up(uint64_t v)
{
    return (v + VIRT_USER_SLOT_SIZE - 1) & ~(uint64_t)(VIRT_USER_SLOT_SIZE - 1);
}

static hwaddr window_last(const VirtUserWindow *w)
{
    return w->base + w->size - 1;
}

static uint32_t irq_last(const VirtUserWindow *w)
{
    return w->irq_first + w->irq_count - 1;
}

/* "device 'example-timer'" or "device 't0' (example-timer)"; g_free it. */
static char *describe(const DeviceState *dev)
{
    const char *type = object_get_typename(OBJECT(dev));
    return dev->id ? g_strdup_printf("device '%s' (%s)", dev->id, type)
                   : g_strdup_printf("device '%s'", type);
}

static VirtUserPlacement *placement(const VirtUserWindow *w, guint i)
{
    return &g_array_index(w->placed, VirtUserPlacement, i);
}

static const VirtUserPlacement *mmio_user(const VirtUserWindow *w, hwaddr base, uint64_t span)
{
    for (guint i = 0; i < w->placed->len; i++) {
        const VirtUserPlacement *p = placement(w, i);
        if (base < p->base + p->span && p->base < base + span) {
            return p;
        }
    }
    return NULL;
}

static const VirtUserPlacement *irq_user(const VirtUserWindow *w, uint32_t irq, uint32_t n)
{
    for (guint i = 0; i < w->placed->len; i++) {
        const VirtUserPlacement *p = placement(w, i);
        if (p->num_irq && irq < p->irq + p->num_irq && p->irq < irq + n) {
            return p;
        }
    }
    return NULL;
}

/* Offsets of the regions from the device's address, and the slots' span. */
static bool layout(const VirtUserWindow *w, DeviceState *dev, uint64_t *offset, uint64_t *span,
                   GError **errp)
{
    uint64_t end = 0;
    for (int i = 0; i < dev->num_mmio; i++) {
        uint64_t size = memory_region_size(dev->mmio[i]);
        offset[i] = slot_align_up(end);
        if (size > w->size || offset[i] > w->size - size) {
            g_autofree char *who = describe(dev);
            g_set_error(errp, VIRT_ERROR, 0,
                        "the MMIO regions of %s do not fit in the virt board's user-device "
                        "window 0x%" HWADDR_PRIx "..0x%" HWADDR_PRIx,
                        who, w->base, window_last(w));
            return false;
        }
        end = offset[i] + size;
    }
    *span = MAX(slot_align_up(end), (uint64_t)VIRT_USER_SLOT_SIZE);
    return true;
}

static bool pick_addr(const VirtUserWindow *w, DeviceState *dev, uint64_t want, uint64_t span,
                      hwaddr *base, GError **errp)
{
    g_autofree char *who = describe(dev);
    if (want == 0) {
        for (hwaddr a = w->base; a - w->base <= w->size - span; a += VIRT_USER_SLOT_SIZE) {
            if (!mmio_user(w, a, span)) {
                *base = a;
                return true;
            }
        }
        g_set_error(errp, VIRT_ERROR, 0,
                    "no free space for %s (0x%" PRIx64 " bytes) in the virt board's "
                    "user-device window 0x%" HWADDR_PRIx "..0x%" HWADDR_PRIx,
                    who, span, w->base, window_last(w));
        return false;
    }
    if (want % VIRT_USER_SLOT_SIZE) {
        g_set_error(errp, VIRT_ERROR, 0, "addr=0x%" PRIx64 " is not a multiple of 0x%x",
                    want, VIRT_USER_SLOT_SIZE);
        return false;
    }
    if (want < w->base || want - w->base > w->size - span) {
        g_set_error(errp, VIRT_ERROR, 0,
                    "addr=0x%" PRIx64 " is outside the virt board's user-device window "
                    "0x%" HWADDR_PRIx "..0x%" HWADDR_PRIx " (the device needs 0x%" PRIx64
                    " bytes)",
                    want, w->base, window_last(w), span);
        return false;
    }
    const VirtUserPlacement *p = mmio_user(w, want, span);
    if (p) {
        g_autofree char *other = describe(p->dev);
        g_set_error(errp, VIRT_ERROR, 0,
                    "addr=0x%" PRIx64 " overlaps %s at 0x%" HWADDR_PRIx "..0x%" HWADDR_PRIx,
                    want, other, p->base, p->base + p->span - 1);
        return false;
    }
    *base = want;
    return true;
}

static bool pick_irq(const VirtUserWindow *w, DeviceState *dev, uint64_t want, uint32_t n,
                     uint32_t *irq, GError **errp)
{
    g_autofree char *who = describe(dev);
    if (n == 0) {
        if (want) {
            g_set_error(errp, VIRT_ERROR, 0, "irq=%" PRIu64 " given, but %s has no IRQ outputs",
                        want, who);
            return false;
        }
        *irq = 0;
        return true;
    }
    if (n > w->irq_count) {
        g_set_error(errp, VIRT_ERROR, 0,
                    "%s has %u IRQ outputs, more than the %u PLIC inputs for user devices",
                    who, n, w->irq_count);
        return false;
    }
    if (want == 0) {
        for (uint32_t i = w->irq_first; i + n - 1 <= irq_last(w); i++) {
            if (!irq_user(w, i, n)) {
                *irq = i;
                return true;
            }
        }
        g_set_error(errp, VIRT_ERROR, 0,
                    "no free PLIC inputs for %s (%u needed) among those for user devices, "
                    "%u..%u", who, n, w->irq_first, irq_last(w));
        return false;
    }
    if (want < w->irq_first || want + n - 1 > irq_last(w)) {
        if (n == 1) {
            g_set_error(errp, VIRT_ERROR, 0,
                        "irq=%" PRIu64 " is outside the PLIC inputs for user devices, %u..%u",
                        want, w->irq_first, irq_last(w));
        } else {
            g_set_error(errp, VIRT_ERROR, 0,
                        "irq=%" PRIu64 ": %s needs inputs %" PRIu64 "..%" PRIu64 ", outside "
                        "the PLIC inputs for user devices, %u..%u",
                        want, who, want, want + n - 1, w->irq_first, irq_last(w));
        }
        return false;
    }
    const VirtUserPlacement *p = irq_user(w, (uint32_t)want, n);
    if (p) {
        g_autofree char *other = describe(p->dev);
        g_set_error(errp, VIRT_ERROR, 0, "irq=%" PRIu64 ": PLIC input %" PRIu64 " is taken by %s",
                    want, MAX(want, (uint64_t)p->irq), other);
        return false;
    }
    *irq = (uint32_t)want;
    return true;
}

/* The device's @name property, or 0 when it has none. */
static bool get_request(DeviceState *dev, const char *name, uint64_t *v, GError **errp)
{
    *v = 0;
    if (!object_property_find(OBJECT(dev), name)) {
        return true;
    }
    GError *err = NULL;
    *v = object_property_get_uint(OBJECT(dev), name, &err);
    if (err) {
        g_propagate_error(errp, err);
        return false;
    }
    return true;
}

static bool put_choice(DeviceState *dev, const char *name, uint64_t v, GError **errp)
{
    return !object_property_find(OBJECT(dev), name) ||
           object_property_set_uint(OBJECT(dev), name, v, errp);
}

void virt_user_window_init(VirtUserWindow *w, MemoryRegion *sysmem, DeviceState *intc,
                           hwaddr base, uint64_t size, uint32_t irq_first, uint32_t irq_count)
{
    g_assert(base % VIRT_USER_SLOT_SIZE == 0 && size % VIRT_USER_SLOT_SIZE == 0 && size > 0);
    g_assert(irq_first > 0 && irq_count > 0 &&
             irq_first + irq_count <= (uint32_t)intc->num_irq_in);
    *w = (VirtUserWindow){
        .sysmem = sysmem,
        .intc = intc,
        .base = base,
        .size = size,
        .irq_first = irq_first,
        .irq_count = irq_count,
        .placed = g_array_new(FALSE, TRUE, sizeof(VirtUserPlacement)),
    };
}

void virt_user_window_destroy(VirtUserWindow *w)
{
    if (w->placed) {
        g_array_free(w->placed, TRUE);
        w->placed = NULL;
    }
}

bool virt_user_plug(VirtUserWindow *w, DeviceState *dev, GError **errp)
{
    if (dev->num_mmio == 0) {
        g_autofree char *who = describe(dev);
        g_set_error(errp, VIRT_ERROR, 0,
                    "%s has no MMIO region: the virt board places only memory-mapped devices",
                    who);
        return false;
    }
    uint64_t offset[DEVICE_MAX_MMIO], span, want_addr, want_irq;
    VirtUserPlacement p = { .dev = dev, .num_irq = (uint32_t)dev->num_irq_out };
    if (!layout(w, dev, offset, &span, errp) ||
        !get_request(dev, PROP_ADDR, &want_addr, errp) ||
        !get_request(dev, PROP_IRQ, &want_irq, errp) ||
        !pick_addr(w, dev, want_addr, span, &p.base, errp) ||
        !pick_irq(w, dev, want_irq, p.num_irq, &p.irq, errp) ||
        !put_choice(dev, PROP_ADDR, p.base, errp) ||
        (p.num_irq && !put_choice(dev, PROP_IRQ, p.irq, errp))) {
        return false;
    }
    p.span = span;
    for (int i = 0; i < dev->num_mmio; i++) {
        device_mmio_map(dev, i, w->sysmem, p.base + offset[i]);
    }
    for (uint32_t n = 0; n < p.num_irq; n++) {
        device_connect_irq_out(dev, (int)n, device_get_irq_in(w->intc, (int)(p.irq + n)));
    }
    g_array_append_val(w->placed, p);
    return true;
}

void virt_user_unplug(VirtUserWindow *w, DeviceState *dev)
{
    for (guint i = 0; i < w->placed->len; i++) {
        VirtUserPlacement *p = placement(w, i);
        if (p->dev != dev) {
            continue;
        }
        for (int r = 0; r < dev->num_mmio; r++) {
            MemoryRegion *mr = dev->mmio[r];
            if (dev->mmio_addr[r] != HWADDR_UNMAPPED && mr->container) {
                memory_region_del_subregion(mr->container, mr);
                dev->mmio_addr[r] = HWADDR_UNMAPPED;
            }
        }
        for (uint32_t n = 0; n < p->num_irq; n++) {
            device_connect_irq_out(dev, (int)n, NULL);
            /* A level the device left high must not stay pending. */
            irq_lower(device_get_irq_in(w->intc, (int)(p->irq + n)));
        }
        g_array_remove_index(w->placed, i);
        return;
    }
}

void virt_user_fdt_routes(const VirtUserWindow *w, FdtBuilder *fdt, const char *intc_label)
{
    for (guint i = 0; i < w->placed->len; i++) {
        const VirtUserPlacement *p = placement(w, i);
        for (uint32_t n = 0; n < p->num_irq; n++) {
            fdt_builder_set_irq(fdt, p->dev, (int)n, intc_label, p->irq + n);
        }
    }
}
