/* SPDX-License-Identifier: MIT */
/*
 * RISC-V core-local interruptor in the SiFive CLINT layout
 * ("sifive,clint0" / "riscv,clint0"), which is the ACLINT MSWI and MTIMER
 * devices (RISC-V ACLINT specification) placed back to back.
 *
 * MMIO (64 KiB):
 *   0x0000 + 4*h   msip[h]      bit 0: machine software interrupt of hart h
 *   0x4000 + 8*h   mtimecmp[h]  64-bit compare value of hart h
 *   0xbff8         mtime        64-bit time; read-only here (see below)
 * 32-bit and 64-bit accesses are accepted everywhere.
 *
 * mtime is derived from the virtual clock exactly as the CPU's `time` CSR
 * is: mtime = ns * timebase-frequency / 1e9 (128-bit product), so the two
 * never disagree.  Writing mtime is therefore not emulated (logged).
 *
 * IRQ outputs, per hart h: pin 2h = MSIP (wired to mip bit 3),
 * pin 2h+1 = MTIP (mip bit 7), level = mtime >= mtimecmp[h].
 * Properties: "num-harts" (1..32), "timebase-frequency" (Hz, 10 MHz),
 * "aclint" (describe the same registers in the device tree as an ACLINT
 * MSWI node at +0 and an MTIMER node for +0x4000.., as QEMU's virt,aclint=on
 * does; the supervisor SSWI device is not emulated).
 */
#include "kernel/clock.h"
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_RISCV_ACLINT "riscv-aclint"

#define ACLINT_MMIO_SIZE 0x10000
#define ACLINT_MSIP_BASE 0x0000
#define ACLINT_MSIP_STRIDE 4
#define ACLINT_MTIMECMP_BASE 0x4000
#define ACLINT_MTIMECMP_STRIDE 8
#define ACLINT_MTIME 0xbff8
/* The ACLINT view: MSWI is the first 16 KiB, MTIMER the rest. */
#define ACLINT_MSWI_SIZE 0x4000
#define ACLINT_MTIMER_BASE 0x4000
#define ACLINT_MTIMER_MTIME (ACLINT_MTIME - ACLINT_MTIMER_BASE)
#define ACLINT_MTIMER_MTIME_SIZE 8
#define ACLINT_MAX_HARTS 32
#define ACLINT_DEFAULT_TIMEBASE 10000000

typedef struct AclintState AclintState;

typedef struct AclintHart {
    AclintState *s;
    unsigned index;
    uint64_t mtimecmp;
    bool msip;
    Timer *timer;
} AclintHart;

struct AclintState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    uint32_t num_harts;
    uint64_t timebase_freq;
    bool aclint_nodes;
    AclintHart harts[ACLINT_MAX_HARTS];
    IRQLine *msip_irq[ACLINT_MAX_HARTS];
    IRQLine *mtip_irq[ACLINT_MAX_HARTS];
};

OBJECT_DECLARE_SIMPLE_TYPE(AclintState, RISCV_ACLINT, TYPE_RISCV_ACLINT)

static uint64_t aclint_mtime(AclintState *s)
{
    unsigned __int128 t = (unsigned __int128)(uint64_t)clock_get_ns(CLOCK_VIRTUAL) *
                          s->timebase_freq;
    return (uint64_t)(t / NANOSECONDS_PER_SECOND);
}

/* Virtual time (ns) at which mtime first reaches @ticks, or -1 if never. */
static int64_t aclint_ticks_to_ns(AclintState *s, uint64_t ticks)
{
    unsigned __int128 n = (unsigned __int128)ticks * NANOSECONDS_PER_SECOND;
    unsigned __int128 ns = (n + s->timebase_freq - 1) / s->timebase_freq;
    return ns > INT64_MAX ? -1 : (int64_t)ns;
}

static void aclint_update_mtip(AclintHart *h)
{
    AclintState *s = h->s;
    if (aclint_mtime(s) >= h->mtimecmp) {
        timer_del(h->timer);
        irq_raise(s->mtip_irq[h->index]);
        return;
    }
    irq_lower(s->mtip_irq[h->index]);
    int64_t deadline = aclint_ticks_to_ns(s, h->mtimecmp);
    if (deadline < 0) {
        timer_del(h->timer);
    } else {
        timer_mod_ns(h->timer, deadline);
    }
}

static void aclint_timer_cb(void *opaque)
{
    aclint_update_mtip(opaque);
}

static uint32_t aclint_read32(AclintState *s, hwaddr addr)
{
    if (addr < ACLINT_MSIP_BASE + ACLINT_MSIP_STRIDE * s->num_harts) {
        if (addr % ACLINT_MSIP_STRIDE == 0) {
            return s->harts[addr / ACLINT_MSIP_STRIDE].msip;
        }
    } else if (addr >= ACLINT_MTIMECMP_BASE &&
               addr < ACLINT_MTIMECMP_BASE + ACLINT_MTIMECMP_STRIDE * s->num_harts) {
        hwaddr off = addr - ACLINT_MTIMECMP_BASE;
        uint64_t cmp = s->harts[off / ACLINT_MTIMECMP_STRIDE].mtimecmp;
        return off % ACLINT_MTIMECMP_STRIDE ? (uint32_t)(cmp >> 32) : (uint32_t)cmp;
    } else if (addr == ACLINT_MTIME) {
        return (uint32_t)aclint_mtime(s);
    } else if (addr == ACLINT_MTIME + 4) {
        return (uint32_t)(aclint_mtime(s) >> 32);
    }
    log_mask(LOG_GUEST_ERROR, "riscv_aclint: read of unknown offset 0x%" HWADDR_PRIx "\n",
             addr);
    return 0;
}

static void aclint_write32(AclintState *s, hwaddr addr, uint32_t value)
{
    if (addr < ACLINT_MSIP_BASE + ACLINT_MSIP_STRIDE * s->num_harts) {
        if (addr % ACLINT_MSIP_STRIDE == 0) {
            AclintHart *h = &s->harts[addr / ACLINT_MSIP_STRIDE];
            h->msip = value & 1;
            irq_set(s->msip_irq[h->index], h->msip);
            return;
        }
    } else if (addr >= ACLINT_MTIMECMP_BASE &&
               addr < ACLINT_MTIMECMP_BASE + ACLINT_MTIMECMP_STRIDE * s->num_harts) {
        hwaddr off = addr - ACLINT_MTIMECMP_BASE;
        AclintHart *h = &s->harts[off / ACLINT_MTIMECMP_STRIDE];
        if (off % ACLINT_MTIMECMP_STRIDE) {
            h->mtimecmp = (h->mtimecmp & UINT32_MAX) | ((uint64_t)value << 32);
        } else {
            h->mtimecmp = (h->mtimecmp & ~(uint64_t)UINT32_MAX) | value;
        }
        aclint_update_mtip(h);
        return;
    } else if (addr == ACLINT_MTIME || addr == ACLINT_MTIME + 4) {
        log_mask(LOG_UNIMP, "riscv_aclint: writing mtime is not supported\n");
        return;
    }
    log_mask(LOG_GUEST_ERROR, "riscv_aclint: write to unknown offset 0x%" HWADDR_PRIx "\n",
             addr);
}

/* 64-bit registers (mtimecmp, mtime) at their natural alignment. */
static bool aclint_is_reg64(AclintState *s, hwaddr addr)
{
    return addr == ACLINT_MTIME ||
           (addr >= ACLINT_MTIMECMP_BASE &&
            addr < ACLINT_MTIMECMP_BASE + ACLINT_MTIMECMP_STRIDE * s->num_harts &&
            (addr - ACLINT_MTIMECMP_BASE) % ACLINT_MTIMECMP_STRIDE == 0);
}

static uint64_t aclint_read(void *opaque, hwaddr addr, unsigned size)
{
    AclintState *s = opaque;
    if (size == 8) {
        if (addr == ACLINT_MTIME) {
            return aclint_mtime(s); /* one sample, no tearing */
        }
        if (aclint_is_reg64(s, addr)) {
            return s->harts[(addr - ACLINT_MTIMECMP_BASE) / ACLINT_MTIMECMP_STRIDE].mtimecmp;
        }
        return aclint_read32(s, addr) | ((uint64_t)aclint_read32(s, addr + 4) << 32);
    }
    return aclint_read32(s, addr);
}

static void aclint_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    AclintState *s = opaque;
    if (size == 8 && aclint_is_reg64(s, addr) && addr != ACLINT_MTIME) {
        AclintHart *h = &s->harts[(addr - ACLINT_MTIMECMP_BASE) / ACLINT_MTIMECMP_STRIDE];
        h->mtimecmp = value;
        aclint_update_mtip(h);
        return;
    }
    aclint_write32(s, addr, (uint32_t)value);
    if (size == 8) {
        aclint_write32(s, addr + 4, (uint32_t)(value >> 32));
    }
}

static const MemoryRegionOps aclint_ops = {
    .read = aclint_read,
    .write = aclint_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static const PropertyInfo aclint_props[] = {
    PROP_UINT32("num-harts", AclintState, num_harts, 1, "Number of harts served"),
    PROP_UINT64("timebase-frequency", AclintState, timebase_freq, ACLINT_DEFAULT_TIMEBASE,
                "mtime frequency in Hz"),
    PROP_BOOL("aclint", AclintState, aclint_nodes, false,
              "Describe as ACLINT MSWI + MTIMER device tree nodes"),
    PROP_END
};

/* ACLINT nodes: MSWI owns the MSIP pins (even), MTIMER the MTIP pins (odd). */
static void aclint_fdt_split_nodes(DeviceState *dev, FdtBuilder *fdt, hwaddr base)
{
    char *mswi = fdt_builder_device_path(fdt, "mswi", base);
    uint64_t mswi_reg[] = { base, ACLINT_MSWI_SIZE };
    fdt_builder_add_node(fdt, mswi);
    fdt_builder_prop_string(fdt, mswi, "compatible", "riscv,aclint-mswi");
    fdt_builder_prop_reg(fdt, mswi, mswi_reg, 1);
    fdt_builder_prop_irqs_extended_subset(fdt, mswi, dev, 0, 2);
    g_free(mswi);

    hwaddr tbase = base + ACLINT_MTIMER_BASE;
    /* First mtime, then the mtimecmp array, as the binding orders them;
     * the unit address follows the first reg entry. */
    char *mtimer = fdt_builder_device_path(fdt, "mtimer", tbase + ACLINT_MTIMER_MTIME);
    uint64_t mtimer_reg[] = { tbase + ACLINT_MTIMER_MTIME, ACLINT_MTIMER_MTIME_SIZE,
                              tbase, ACLINT_MTIMER_MTIME };
    fdt_builder_add_node(fdt, mtimer);
    fdt_builder_prop_string(fdt, mtimer, "compatible", "riscv,aclint-mtimer");
    fdt_builder_prop_reg(fdt, mtimer, mtimer_reg, 2);
    fdt_builder_prop_irqs_extended_subset(fdt, mtimer, dev, 1, 2);
    g_free(mtimer);
}

static void aclint_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    static const char *const compat[] = { "sifive,clint0", "riscv,clint0", NULL };
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    if (RISCV_ACLINT(dev)->aclint_nodes) {
        aclint_fdt_split_nodes(dev, fdt, base);
        return;
    }
    char *path = fdt_builder_device_path(fdt, "clint", base);
    uint64_t reg[] = { base, ACLINT_MMIO_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_strings(fdt, path, "compatible", compat);
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_prop_irqs_extended(fdt, path, dev);
    g_free(path);
}

static void aclint_init(Object *obj)
{
    AclintState *s = RISCV_ACLINT(obj);
    memory_region_init_io(&s->mmio, obj, &aclint_ops, s, "riscv_aclint", ACLINT_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
}

static void aclint_finalize(Object *obj)
{
    AclintState *s = RISCV_ACLINT(obj);
    for (unsigned i = 0; i < ACLINT_MAX_HARTS; i++) {
        if (s->harts[i].timer) {
            timer_free(s->harts[i].timer);
        }
    }
}

static bool aclint_realize(DeviceState *dev, GError **errp)
{
    AclintState *s = RISCV_ACLINT(dev);
    if (s->num_harts < 1 || s->num_harts > ACLINT_MAX_HARTS) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "riscv-aclint: num-harts=%u is out of range (1..%u)", s->num_harts,
                    ACLINT_MAX_HARTS);
        return false;
    }
    if (s->timebase_freq == 0) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_OUT_OF_RANGE,
                    "riscv-aclint: timebase-frequency must not be 0");
        return false;
    }
    for (unsigned i = 0; i < s->num_harts; i++) {
        AclintHart *h = &s->harts[i];
        h->s = s;
        h->index = i;
        h->mtimecmp = UINT64_MAX;
        h->timer = timer_new_ns(CLOCK_VIRTUAL, aclint_timer_cb, h);
        device_init_irq_out(dev, &s->msip_irq[i]);
        device_init_irq_out(dev, &s->mtip_irq[i]);
    }
    return true;
}

/* mtimecmp has no architectural reset value; all-ones keeps MTIP low. */
static void aclint_reset(DeviceState *dev)
{
    AclintState *s = RISCV_ACLINT(dev);
    for (unsigned i = 0; i < s->num_harts; i++) {
        AclintHart *h = &s->harts[i];
        h->msip = false;
        h->mtimecmp = UINT64_MAX;
        timer_del(h->timer);
        irq_lower(s->msip_irq[i]);
        irq_lower(s->mtip_irq[i]);
    }
}

static void aclint_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = aclint_realize;
    dc->reset = aclint_reset;
    dc->fdt_node = aclint_fdt_node;
    object_class_add_field_properties(klass, aclint_props);
}

static const TypeInfo aclint_info = {
    .name = TYPE_RISCV_ACLINT,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "RISC-V CLINT/ACLINT timer and software interrupts",
    .target = "riscv64",
    .instance_size = sizeof(AclintState),
    .class_size = sizeof(DeviceClass),
    .instance_init = aclint_init,
    .instance_finalize = aclint_finalize,
    .class_init = aclint_class_init,
};

TESSERA_MODULE(.name = "riscv-aclint", .kind = "device", .types = TESSERA_TYPES(&aclint_info));
