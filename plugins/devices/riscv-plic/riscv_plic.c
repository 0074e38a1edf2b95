/* SPDX-License-Identifier: MIT */
/*
 * RISC-V platform-level interrupt controller (RISC-V PLIC specification
 * 1.0.0; "sifive,plic-1.0.0" / "riscv,plic0").
 *
 * Sources 1..num-sources (0 is reserved); two contexts per hart, machine
 * mode first: context 2h is hart h's M context, 2h+1 its S context.
 *
 * MMIO (0x200000 + 0x1000 * contexts bytes, 32-bit registers):
 *   0x000000 + 4*i              priority of source i (0: never interrupts)
 *   0x001000 + 4*(i/32)         pending bits (read-only)
 *   0x002000 + 0x80*c + 4*(i/32) enable bits of context c
 *   0x200000 + 0x1000*c         priority threshold of context c
 *   0x200004 + 0x1000*c         claim (read) / complete (write) of context c
 *
 * Sources are level-triggered: the gateway marks a source pending while its
 * input is high and it is not claimed; a claim clears pending until the
 * matching completion, after which a still-high input pends again.
 *
 * IRQ inputs: pin i = source i (pin 0 unused).  IRQ outputs: pin c =
 * context c, high while some enabled pending unclaimed source has
 * priority > the context's threshold.
 * Properties: "num-sources" (default 96), "num-harts" (default 1).
 */
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_RISCV_PLIC "riscv-plic"

#define PLIC_PRIORITY_BASE 0x000000
#define PLIC_PENDING_BASE 0x001000
#define PLIC_ENABLE_BASE 0x002000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT_BASE 0x200000
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_CONTEXT_THRESHOLD 0x0
#define PLIC_CONTEXT_CLAIM 0x4

#define PLIC_MAX_SOURCES 1023
#define PLIC_MAX_HARTS 32
#define PLIC_CONTEXTS_PER_HART 2
#define PLIC_MAX_CONTEXTS (PLIC_MAX_HARTS * PLIC_CONTEXTS_PER_HART)
#define PLIC_WORDS ((PLIC_MAX_SOURCES + 1 + 31) / 32)
/* Seven priority levels, as on QEMU's virt board. */
#define PLIC_PRIORITY_MASK 0x7u
#define PLIC_DEFAULT_SOURCES 96

typedef struct PlicState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    uint32_t num_sources;
    uint32_t num_harts;
    unsigned num_contexts;
    uint32_t priority[PLIC_MAX_SOURCES + 1];
    uint32_t pending[PLIC_WORDS];
    uint32_t claimed[PLIC_WORDS];
    uint32_t level[PLIC_WORDS];
    uint32_t enable[PLIC_MAX_CONTEXTS][PLIC_WORDS];
    uint32_t threshold[PLIC_MAX_CONTEXTS];
    IRQLine *out[PLIC_MAX_CONTEXTS];
} PlicState;

OBJECT_DECLARE_SIMPLE_TYPE(PlicState, RISCV_PLIC, TYPE_RISCV_PLIC)

static bool bit_get(const uint32_t *words, unsigned i)
{
    return (words[i / 32] >> (i % 32)) & 1;
}

static void bit_set(uint32_t *words, unsigned i, bool v)
{
    if (v) {
        words[i / 32] |= 1u << (i % 32);
    } else {
        words[i / 32] &= ~(1u << (i % 32));
    }
}

/* Highest-priority deliverable source for context @c (lowest id on ties),
 * considering only priorities above @min_priority; 0 when none. */
static unsigned plic_best(PlicState *s, unsigned c, uint32_t min_priority)
{
    unsigned best = 0;
    uint32_t best_prio = min_priority;
    for (unsigned w = 0; w < (s->num_sources + 32) / 32; w++) {
        uint32_t cand = s->pending[w] & ~s->claimed[w] & s->enable[c][w];
        while (cand) {
            unsigned i = w * 32 + (unsigned)__builtin_ctz(cand);
            cand &= cand - 1;
            if (s->priority[i] > best_prio) {
                best_prio = s->priority[i];
                best = i;
            }
        }
    }
    return best;
}

static void plic_update(PlicState *s)
{
    for (unsigned c = 0; c < s->num_contexts; c++) {
        irq_set(s->out[c], plic_best(s, c, s->threshold[c]) != 0);
    }
}

static void plic_irq_request(void *opaque, int n, int level)
{
    PlicState *s = opaque;
    if (n <= 0 || (unsigned)n > s->num_sources) {
        return;
    }
    bit_set(s->level, n, level);
    if (!bit_get(s->claimed, n)) {
        bit_set(s->pending, n, level);
    }
    plic_update(s);
}

static uint32_t plic_claim(PlicState *s, unsigned c)
{
    unsigned irq = plic_best(s, c, 0);
    if (irq) {
        bit_set(s->pending, irq, false);
        bit_set(s->claimed, irq, true);
        plic_update(s);
    }
    return irq;
}

static void plic_complete(PlicState *s, unsigned c, uint32_t irq)
{
    if (irq == 0 || irq > s->num_sources || !bit_get(s->enable[c], irq)) {
        log_mask(LOG_GUEST_ERROR, "riscv_plic: context %u completes source %u it cannot own\n",
                 c, irq);
        return;
    }
    bit_set(s->claimed, irq, false);
    if (bit_get(s->level, irq)) {
        bit_set(s->pending, irq, true);
    }
    plic_update(s);
}

static unsigned plic_words(PlicState *s)
{
    return (s->num_sources + 1 + 31) / 32;
}

static uint64_t plic_read(void *opaque, hwaddr addr, unsigned size)
{
    PlicState *s = opaque;
    if (addr < PLIC_PENDING_BASE) {
        unsigned i = (unsigned)(addr - PLIC_PRIORITY_BASE) / 4;
        if (i <= s->num_sources) {
            return s->priority[i];
        }
    } else if (addr < PLIC_ENABLE_BASE) {
        unsigned w = (unsigned)(addr - PLIC_PENDING_BASE) / 4;
        if (w < plic_words(s)) {
            return s->pending[w];
        }
    } else if (addr < PLIC_CONTEXT_BASE) {
        hwaddr off = addr - PLIC_ENABLE_BASE;
        unsigned c = (unsigned)(off / PLIC_ENABLE_STRIDE);
        unsigned w = (unsigned)(off % PLIC_ENABLE_STRIDE) / 4;
        if (c < s->num_contexts && w < plic_words(s)) {
            return s->enable[c][w];
        }
    } else {
        hwaddr off = addr - PLIC_CONTEXT_BASE;
        unsigned c = (unsigned)(off / PLIC_CONTEXT_STRIDE);
        if (c < s->num_contexts) {
            switch (off % PLIC_CONTEXT_STRIDE) {
            case PLIC_CONTEXT_THRESHOLD:
                return s->threshold[c];
            case PLIC_CONTEXT_CLAIM:
                return plic_claim(s, c);
            }
        }
    }
    log_mask(LOG_GUEST_ERROR, "riscv_plic: read of unknown offset 0x%" HWADDR_PRIx "\n", addr);
    return 0;
}

static void plic_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PlicState *s = opaque;
    uint32_t v = (uint32_t)value;
    if (addr < PLIC_PENDING_BASE) {
        unsigned i = (unsigned)(addr - PLIC_PRIORITY_BASE) / 4;
        if (i >= 1 && i <= s->num_sources) {
            s->priority[i] = v & PLIC_PRIORITY_MASK;
            plic_update(s);
            return;
        }
    } else if (addr < PLIC_ENABLE_BASE) {
        log_mask(LOG_GUEST_ERROR, "riscv_plic: pending bits are read-only\n");
        return;
    } else if (addr < PLIC_CONTEXT_BASE) {
        hwaddr off = addr - PLIC_ENABLE_BASE;
        unsigned c = (unsigned)(off / PLIC_ENABLE_STRIDE);
        unsigned w = (unsigned)(off % PLIC_ENABLE_STRIDE) / 4;
        if (c < s->num_contexts && w < plic_words(s)) {
            uint32_t valid = UINT32_MAX;
            if (w == 0) {
                valid &= ~1u; /* source 0 does not exist */
            }
            if (w == plic_words(s) - 1 && (s->num_sources + 1) % 32) {
                valid &= (1u << ((s->num_sources + 1) % 32)) - 1;
            }
            s->enable[c][w] = v & valid;
            plic_update(s);
            return;
        }
    } else {
        hwaddr off = addr - PLIC_CONTEXT_BASE;
        unsigned c = (unsigned)(off / PLIC_CONTEXT_STRIDE);
        if (c < s->num_contexts) {
            switch (off % PLIC_CONTEXT_STRIDE) {
            case PLIC_CONTEXT_THRESHOLD:
                s->threshold[c] = v & PLIC_PRIORITY_MASK;
                plic_update(s);
                return;
            case PLIC_CONTEXT_CLAIM:
                plic_complete(s, c, v);
                return;
            }
        }
    }
    log_mask(LOG_GUEST_ERROR, "riscv_plic: write to unknown offset 0x%" HWADDR_PRIx "\n", addr);
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

static const PropertyInfo plic_props[] = {
    PROP_UINT32("num-sources", PlicState, num_sources, PLIC_DEFAULT_SOURCES,
                "Number of interrupt sources (ids 1..n)"),
    PROP_UINT32("num-harts", PlicState, num_harts, 1, "Number of harts (2 contexts each)"),
    PROP_END
};

static void plic_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    static const char *const compat[] = { "sifive,plic-1.0.0", "riscv,plic0", NULL };
    PlicState *s = RISCV_PLIC(dev);
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    char *path = fdt_builder_device_path(fdt, "plic", base);
    char *label = fdt_device_label(dev);
    uint64_t reg[] = { base, memory_region_size(&s->mmio) };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_u32(fdt, path, "#address-cells", 0);
    fdt_builder_prop_u32(fdt, path, "#interrupt-cells", 1);
    fdt_builder_prop_strings(fdt, path, "compatible", compat);
    fdt_builder_prop_empty(fdt, path, "interrupt-controller");
    fdt_builder_prop_irqs_extended(fdt, path, dev);
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_prop_u32(fdt, path, "riscv,ndev", s->num_sources);
    fdt_builder_set_phandle(fdt, path, label);
    g_free(label);
    g_free(path);
}

/* The region's size and the pin counts depend on the properties. */
static bool plic_realize(DeviceState *dev, GError **errp)
{
    PlicState *s = RISCV_PLIC(dev);
    if (s->num_sources < 1 || s->num_sources > PLIC_MAX_SOURCES) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "riscv-plic: num-sources=%u is out of range (1..%u)", s->num_sources,
                    PLIC_MAX_SOURCES);
        return false;
    }
    if (s->num_harts < 1 || s->num_harts > PLIC_MAX_HARTS) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "riscv-plic: num-harts=%u is out of range (1..%u)", s->num_harts,
                    PLIC_MAX_HARTS);
        return false;
    }
    s->num_contexts = s->num_harts * PLIC_CONTEXTS_PER_HART;
    memory_region_init_io(&s->mmio, OBJECT(dev), &plic_ops, s, "riscv_plic",
                          PLIC_CONTEXT_BASE + (uint64_t)PLIC_CONTEXT_STRIDE * s->num_contexts);
    device_init_mmio(dev, &s->mmio);
    device_init_irq_in(dev, plic_irq_request, (int)s->num_sources + 1);
    for (unsigned c = 0; c < s->num_contexts; c++) {
        device_init_irq_out(dev, &s->out[c]);
    }
    return true;
}

static void plic_reset(DeviceState *dev)
{
    PlicState *s = RISCV_PLIC(dev);
    memset(s->priority, 0, sizeof(s->priority));
    memset(s->pending, 0, sizeof(s->pending));
    memset(s->claimed, 0, sizeof(s->claimed));
    memset(s->enable, 0, sizeof(s->enable));
    memset(s->threshold, 0, sizeof(s->threshold));
    /* Input levels are the sources' business; keep them and re-pend. */
    memcpy(s->pending, s->level, sizeof(s->pending));
    plic_update(s);
}

static void plic_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = plic_realize;
    dc->reset = plic_reset;
    dc->fdt_node = plic_fdt_node;
    object_class_add_field_properties(klass, plic_props);
}

static const TypeInfo plic_info = {
    .name = TYPE_RISCV_PLIC,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "RISC-V platform-level interrupt controller",
    .target = "riscv64",
    .instance_size = sizeof(PlicState),
    .class_size = sizeof(DeviceClass),
    .class_init = plic_class_init,
};

TESSERA_MODULE(.name = "riscv-plic", .kind = "device", .types = TESSERA_TYPES(&plic_info));
