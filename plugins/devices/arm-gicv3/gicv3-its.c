/* SPDX-License-Identifier: MIT */
/*
 * GICv3 Interrupt Translation Service ("arm-gicv3-its", IHI 0069 chapter
 * 6): turns a device's MSI write to GITS_TRANSLATER (the EventID as data,
 * the DeviceID from the write's PCI requester ID) into an LPI made pending
 * on the redistributor its collection names (property "gic", the
 * arm-gicv3 with lpis=on).
 *
 * MMIO 0 (128 KiB): the control frame (GITS_CTLR, IIDR, TYPER, CBASER,
 * CWRITER, CREADR, BASER0-7, PIDR2) and the translation frame
 * (GITS_TRANSLATER at 0x10040).  Commands come from the command queue in
 * guest memory (GITS_CBASER) and run when GITS_CWRITER moves while the ITS
 * is enabled: MAPD, MAPC, MAPTI, MAPI, INT, CLEAR, DISCARD, MOVI, MOVALL,
 * INV, INVALL, SYNC.  Storage: collections are held in the ITS (HCC = 16;
 * RDbase is a processor number, PTA = 0), and so are the device table and
 * the interrupt translation entries (every GITS_BASER<n> reads as type 0,
 * unimplemented, which leaves the choice of storage to the ITS; MAPD's ITT
 * address is kept but the ITT memory is not used).  DeviceIDs and EventIDs
 * have 16 bits, INTIDs 16 bits.  Command errors are guest errors (logged,
 * the command is skipped).  State is under the device lock (MMIO).
 */
#include "plugins/devices/arm-gicv3/gicv3.h"

#define TYPE_ARM_GICV3_ITS "arm-gicv3-its"

#define ITS_SIZE 0x20000
#define ITS_COLLECTIONS 16
#define ITS_ID_BITS 16
#define ITS_CMD_SIZE 32

enum {
    GITS_CTLR = 0x0000,
    GITS_IIDR = 0x0004,
    GITS_TYPER = 0x0008,
    GITS_CBASER = 0x0080,
    GITS_CWRITER = 0x0088,
    GITS_CREADR = 0x0090,
    GITS_BASER = 0x0100,
    GITS_BASER_END = 0x0140,
    GITS_PIDR2 = 0xffe8,
    GITS_TRANSLATER = 0x10040,
};

#define CTLR_ENABLED (1u << 0)
#define CTLR_QUIESCENT (1u << 31)
#define CBASER_VALID (1ull << 63)
#define CBASER_MASK (CBASER_VALID | (0x7ull << 59) | (0x7ull << 53) | \
                     (0xffffffffffull << 12) | (0x3ull << 10) | 0xffull)
#define QUEUE_OFFSET_MASK (0x7fffull << 5)

enum {
    CMD_MOVI = 0x01,
    CMD_INT = 0x03,
    CMD_CLEAR = 0x04,
    CMD_SYNC = 0x05,
    CMD_MAPD = 0x08,
    CMD_MAPC = 0x09,
    CMD_MAPTI = 0x0a,
    CMD_MAPI = 0x0b,
    CMD_INV = 0x0c,
    CMD_INVALL = 0x0d,
    CMD_MOVALL = 0x0e,
    CMD_DISCARD = 0x0f,
};

typedef struct ItsEntry {
    uint32_t pintid;
    uint16_t icid;
} ItsEntry;

typedef struct ItsDevice {
    unsigned event_bits;          /* MAPD Size + 1 */
    uint64_t itt;
    GHashTable *entries;          /* EventID -> ItsEntry */
} ItsDevice;

typedef struct GICv3ITSState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    GICv3State *gic;
    uint32_t ctlr;
    uint64_t cbaser, cwriter, creadr;
    bool stalled;
    GHashTable *devices;          /* DeviceID -> ItsDevice */
    int32_t collection[ITS_COLLECTIONS];   /* ICID -> processor number, -1: unmapped */
} GICv3ITSState;

OBJECT_DECLARE_SIMPLE_TYPE(GICv3ITSState, ARM_GICV3_ITS, TYPE_ARM_GICV3_ITS)

static void its_device_free(gpointer p)
{
    ItsDevice *d = p;
    g_hash_table_destroy(d->entries);
    g_free(d);
}

static ItsDevice *its_device(GICv3ITSState *s, uint32_t devid)
{
    return g_hash_table_lookup(s->devices, GUINT_TO_POINTER(devid));
}

static ItsEntry *its_entry(ItsDevice *d, uint32_t eventid)
{
    return d ? g_hash_table_lookup(d->entries, GUINT_TO_POINTER(eventid)) : NULL;
}

/* The processor an ICID is mapped to, or -1. */
static int its_target(GICv3ITSState *s, unsigned icid)
{
    return icid < ITS_COLLECTIONS ? s->collection[icid] : -1;
}

/* The entry of (@devid, @eventid) with a mapped collection, or NULL
 * (logged, naming @what). */
static ItsEntry *its_lookup(GICv3ITSState *s, uint32_t devid, uint32_t eventid, int *cpu,
                            const char *what)
{
    ItsDevice *d = its_device(s, devid);
    ItsEntry *e = its_entry(d, eventid);
    if (!d || !e) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: %s: no mapping for device 0x%x event %u\n",
                 what, devid, eventid);
        return NULL;
    }
    *cpu = its_target(s, e->icid);
    if (*cpu < 0) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: %s: collection %u is not mapped\n", what,
                 e->icid);
        return NULL;
    }
    return e;
}

static bool valid_lpi(uint32_t intid)
{
    return intid >= GIC_LPI_BASE && intid < (1u << GIC_LPI_ID_BITS);
}

static void cmd_map_entry(GICv3ITSState *s, uint32_t devid, uint32_t eventid, uint32_t pintid,
                          unsigned icid)
{
    ItsDevice *d = its_device(s, devid);
    if (!d || eventid >= (1u << d->event_bits) || !valid_lpi(pintid) ||
        icid >= ITS_COLLECTIONS) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: MAPTI/MAPI of device 0x%x event %u to "
                 "LPI %u, collection %u refused\n", devid, eventid, pintid, icid);
        return;
    }
    ItsEntry *e = g_new(ItsEntry, 1);
    *e = (ItsEntry){ .pintid = pintid, .icid = (uint16_t)icid };
    g_hash_table_replace(d->entries, GUINT_TO_POINTER(eventid), e);
}

static void cmd_mapd(GICv3ITSState *s, uint32_t devid, const uint64_t *cmd)
{
    bool valid = cmd[2] >> 63;
    unsigned size = (unsigned)(cmd[1] & 0x1f) + 1;
    if (devid >= (1u << ITS_ID_BITS) || size > ITS_ID_BITS) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: MAPD of device 0x%x with %u event bits "
                 "refused\n", devid, size);
        return;
    }
    if (!valid) {
        g_hash_table_remove(s->devices, GUINT_TO_POINTER(devid));
        return;
    }
    ItsDevice *d = g_new0(ItsDevice, 1);
    d->event_bits = size;
    d->itt = cmd[2] & (0xfffffffffffull << 8);
    d->entries = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    g_hash_table_replace(s->devices, GUINT_TO_POINTER(devid), d);
}

static void cmd_mapc(GICv3ITSState *s, const uint64_t *cmd)
{
    unsigned icid = cmd[2] & 0xffff;
    uint64_t rd = (cmd[2] >> 16) & 0xfffffffffull;
    if (icid >= ITS_COLLECTIONS || ((cmd[2] >> 63) && rd >= s->gic->num_cpu)) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: MAPC of collection %u to RDbase 0x%" PRIx64
                 " refused\n", icid, rd);
        return;
    }
    s->collection[icid] = (cmd[2] >> 63) ? (int32_t)rd : -1;
}

static void run_command(GICv3ITSState *s, const uint64_t *cmd)
{
    uint32_t devid = (uint32_t)(cmd[0] >> 32);
    uint32_t eventid = (uint32_t)cmd[1];
    ItsEntry *e;
    int cpu;
    switch (cmd[0] & 0xff) {
    case CMD_MAPD:
        cmd_mapd(s, devid, cmd);
        break;
    case CMD_MAPC:
        cmd_mapc(s, cmd);
        break;
    case CMD_MAPTI:
        cmd_map_entry(s, devid, eventid, (uint32_t)(cmd[1] >> 32), cmd[2] & 0xffff);
        break;
    case CMD_MAPI:
        cmd_map_entry(s, devid, eventid, eventid, cmd[2] & 0xffff);
        break;
    case CMD_INT:
    case CMD_CLEAR:
        if ((e = its_lookup(s, devid, eventid, &cpu, "INT/CLEAR"))) {
            gicv3_lpi_set(s->gic, (unsigned)cpu, e->pintid, (cmd[0] & 0xff) == CMD_INT);
        }
        break;
    case CMD_DISCARD:
        if ((e = its_lookup(s, devid, eventid, &cpu, "DISCARD"))) {
            gicv3_lpi_set(s->gic, (unsigned)cpu, e->pintid, false);
            g_hash_table_remove(its_device(s, devid)->entries, GUINT_TO_POINTER(eventid));
        }
        break;
    case CMD_MOVI: {
        unsigned icid = cmd[2] & 0xffff;
        int to = its_target(s, icid);
        if ((e = its_lookup(s, devid, eventid, &cpu, "MOVI"))) {
            if (to < 0) {
                log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: MOVI to unmapped collection %u\n",
                         icid);
                break;
            }
            gicv3_lpi_move(s->gic, (unsigned)cpu, (unsigned)to, e->pintid);
            e->icid = (uint16_t)icid;
        }
        break;
    }
    case CMD_MOVALL: {
        uint64_t from = (cmd[2] >> 16) & 0xfffffffffull, to = (cmd[3] >> 16) & 0xfffffffffull;
        if (from >= s->gic->num_cpu || to >= s->gic->num_cpu) {
            log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: MOVALL between unknown redistributors\n");
            break;
        }
        gicv3_lpi_move(s->gic, (unsigned)from, (unsigned)to, UINT32_MAX);
        break;
    }
    case CMD_INV:
        /* The GIC reads LPI configuration from memory each time: nothing
         * is cached; the outputs are re-evaluated with the new table. */
        if (its_lookup(s, devid, eventid, &cpu, "INV")) {
            gicv3_lpi_invalidate(s->gic);
        }
        break;
    case CMD_INVALL:
        gicv3_lpi_invalidate(s->gic);
        break;
    case CMD_SYNC:
        /* Every command has taken effect when it is read. */
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: unknown command 0x%02x\n",
                 (unsigned)(cmd[0] & 0xff));
        break;
    }
}

static void process_queue(GICv3ITSState *s)
{
    if (!(s->ctlr & CTLR_ENABLED) || !(s->cbaser & CBASER_VALID) || s->stalled) {
        return;
    }
    uint64_t size = ((s->cbaser & 0xff) + 1) * 4096;
    uint64_t base = s->cbaser & (0xffffffffffull << 12);
    AddressSpace *as = device_dma_address_space(DEVICE(s));
    if (s->cwriter >= size) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: GITS_CWRITER 0x%" PRIx64 " beyond the queue "
                 "(0x%" PRIx64 " bytes): stalled\n", s->cwriter, size);
        s->stalled = true;
        return;
    }
    while (s->creadr != s->cwriter) {
        uint8_t raw[ITS_CMD_SIZE];
        uint64_t cmd[4];
        if (!as || address_space_read_buf(as, base + s->creadr, raw, sizeof(raw)) != MEMTX_OK) {
            log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: command queue at 0x%" PRIx64
                     " unreadable: stalled\n", base + s->creadr);
            s->stalled = true;
            return;
        }
        for (int i = 0; i < 4; i++) {
            cmd[i] = 0;
            for (int b = 7; b >= 0; b--) {
                cmd[i] = cmd[i] << 8 | raw[i * 8 + b];
            }
        }
        run_command(s, cmd);
        s->creadr = (s->creadr + ITS_CMD_SIZE) % size;
    }
}

/* An MSI: the write's requester ID is the DeviceID. */
static void its_translate(GICv3ITSState *s, uint32_t eventid, MemTxAttrs attrs)
{
    int cpu;
    if (!attrs.has_requester_id) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: GITS_TRANSLATER write without a requester "
                 "ID (not from a device) ignored\n");
        return;
    }
    if (!(s->ctlr & CTLR_ENABLED)) {
        log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: MSI from 0x%x while the ITS is disabled\n",
                 attrs.requester_id);
        return;
    }
    ItsEntry *e = its_lookup(s, attrs.requester_id, eventid, &cpu, "MSI");
    if (e) {
        gicv3_lpi_set(s->gic, (unsigned)cpu, e->pintid, true);
    }
}

static uint64_t its_typer(void)
{
    /* Physical LPIs, 8-byte ITT entries, 16 EventID and DeviceID bits,
     * RDbase = processor number, 16 collections held in the ITS. */
    return 1u | (7u << 4) | ((ITS_ID_BITS - 1u) << 8) | ((ITS_ID_BITS - 1u) << 13) |
           ((uint64_t)ITS_COLLECTIONS << 24);
}

static uint64_t half(uint64_t r, hwaddr off, unsigned size)
{
    return off & 4 ? r >> 32 : size == 4 ? (uint32_t)r : r;
}

static void set_half(uint64_t *reg, hwaddr off, uint64_t v, unsigned size)
{
    *reg = size == 8 ? v : off & 4 ? (*reg & 0xffffffffull) | v << 32
                                   : (*reg & ~0xffffffffull) | (uint32_t)v;
}

static uint64_t its_read(void *opaque, hwaddr off, unsigned size)
{
    GICv3ITSState *s = opaque;
    if (off >= GITS_BASER && off < GITS_BASER_END) {
        return 0;                 /* type 0: no table in guest memory */
    }
    switch (off & ~7ull) {
    case GITS_CTLR:
        return off == GITS_CTLR ? s->ctlr | CTLR_QUIESCENT : ARM_GIC_IIDR;
    case GITS_TYPER: return half(its_typer(), off, size);
    case GITS_CBASER: return half(s->cbaser, off, size);
    case GITS_CWRITER: return half(s->cwriter, off, size);
    case GITS_CREADR: return half(s->creadr | (s->stalled ? 1 : 0), off, size);
    }
    if (off == GITS_PIDR2) {
        return 0x3b;              /* GICv3 */
    }
    if (off >= 0x10000) {
        return 0;                 /* the translation frame reads as zero */
    }
    log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: read of unknown register 0x%" PRIx64 "\n",
             (uint64_t)off);
    return 0;
}

static void its_write_attrs(void *opaque, hwaddr off, uint64_t v, unsigned size,
                            MemTxAttrs attrs)
{
    GICv3ITSState *s = opaque;
    if (off == GITS_TRANSLATER) {
        its_translate(s, (uint32_t)v & (size == 2 ? 0xffff : 0xffffffff), attrs);
        return;
    }
    if (off >= GITS_BASER && off < GITS_BASER_END) {
        return;
    }
    switch (off) {
    case GITS_CTLR:
        s->ctlr = v & CTLR_ENABLED;
        process_queue(s);
        return;
    case GITS_CBASER:
    case GITS_CBASER + 4:
        if (s->ctlr & CTLR_ENABLED) {
            log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: GITS_CBASER written while enabled\n");
            return;
        }
        set_half(&s->cbaser, off, v, size);
        s->cbaser &= CBASER_MASK;
        s->creadr = 0;
        s->stalled = false;
        return;
    case GITS_CWRITER:
    case GITS_CWRITER + 4:
        set_half(&s->cwriter, off, v, size);
        s->cwriter &= QUEUE_OFFSET_MASK;
        if (v & 1) {
            s->stalled = false;   /* Retry */
        }
        process_queue(s);
        return;
    }
    log_mask(LOG_GUEST_ERROR, "arm-gicv3-its: write of unknown or read-only register 0x%"
             PRIx64 "\n", (uint64_t)off);
}

static void its_write(void *opaque, hwaddr off, uint64_t v, unsigned size)
{
    its_write_attrs(opaque, off, v, size, (MemTxAttrs){ 0 });
}

static const MemoryRegionOps its_ops = {
    .read = its_read,
    .write = its_write,
    .write_with_attrs = its_write_attrs,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 2, .max_access_size = 8 },
    .impl = { .min_access_size = 2, .max_access_size = 8 },
};

static void its_reset(DeviceState *dev)
{
    GICv3ITSState *s = ARM_GICV3_ITS(dev);
    s->ctlr = 0;
    s->cbaser = s->cwriter = s->creadr = 0;
    s->stalled = false;
    g_hash_table_remove_all(s->devices);
    for (int i = 0; i < ITS_COLLECTIONS; i++) {
        s->collection[i] = -1;
    }
}

static bool its_realize(DeviceState *dev, GError **errp)
{
    GICv3ITSState *s = ARM_GICV3_ITS(dev);
    if (!s->gic) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "arm-gicv3-its: property 'gic' (the arm-gicv3) is required");
        return false;
    }
    if (!s->gic->lpis) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "arm-gicv3-its: the GIC has no LPIs (set its lpis=on)");
        return false;
    }
    return true;
}

static void its_init(Object *obj)
{
    GICv3ITSState *s = ARM_GICV3_ITS(obj);
    s->devices = g_hash_table_new_full(NULL, NULL, NULL, its_device_free);
    memory_region_init_io(&s->mmio, obj, &its_ops, s, "gicv3_its", ITS_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    for (int i = 0; i < ITS_COLLECTIONS; i++) {
        s->collection[i] = -1;
    }
}

static void its_finalize(Object *obj)
{
    g_hash_table_destroy(ARM_GICV3_ITS(obj)->devices);
}

static const PropertyInfo its_props[] = {
    PROP_LINK("gic", GICv3ITSState, gic, TYPE_ARM_GICV3, "The GICv3 the LPIs go to"),
    PROP_END
};

static void its_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = its_realize;
    dc->reset = its_reset;
    object_class_add_field_properties(klass, its_props);
}

const TypeInfo gicv3_its_info = {
    .name = TYPE_ARM_GICV3_ITS,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "Arm GICv3 Interrupt Translation Service",
    .target = "aarch64",
    .instance_size = sizeof(GICv3ITSState),
    .class_size = sizeof(DeviceClass),
    .instance_init = its_init,
    .instance_finalize = its_finalize,
    .class_init = its_class_init,
};
