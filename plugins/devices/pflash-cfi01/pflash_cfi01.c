/* SPDX-License-Identifier: MIT */
/*
 * CFI parallel NOR flash with the Intel/Sharp command set ("cfi.pflash01"),
 * as boards wire it for firmware and its variable store: "width"-byte bank
 * of width/device-width chips side by side, each answering in its own lane
 * (commands and status are replicated per chip, as EDK2 writes and expects
 * them).  The contents come from a block node ("drive", the whole node, of
 * exactly the flash's size); programs and erases are written back to it at
 * once, and a read-only node refuses them as a locked chip would (status
 * error bits, contents unchanged).
 *
 * Commands (low byte of each chip's lane): 0xff/0xf0 read array, 0x90 read
 * identifier, 0x98 CFI query, 0x70 read status, 0x50 clear status,
 * 0x20+0xd0 block erase, 0x40/0x10 word program, 0xe8 buffered program
 * (count, data, 0xd0), 0x60+0x01/0xd0/0x2f lock bits (accepted: blocks are
 * never locked).  Unknown commands are logged (guest_errors) and leave the
 * chip reading its array.
 *
 * The region is a ROM device: in read-array mode reads (and instruction
 * fetch, and the MMU's page-table walks: EDK2's first tables live in flash)
 * are served from host memory like ROM; any other mode switches the region
 * to MMIO so reads reach the device.  Programs and erases tell the core
 * which bytes changed, so code translated from them is dropped.
 * Properties: drive, num-blocks, sector-length (bank bytes per block),
 * width (bank bytes: 1, 2 or 4), device-width (chip bytes), id0..id1.
 */
#include <string.h>

#include "block/block.h"
#include "kernel/device.h"
#include "kernel/log.h"
#include "kernel/module.h"

#define TYPE_PFLASH_CFI01 "cfi.pflash01"

enum {
    MODE_ARRAY,
    MODE_STATUS,
    MODE_ID,
    MODE_CFI,
    MODE_ERASE_SETUP,
    MODE_PROGRAM_SETUP,
    MODE_BUFFER_COUNT,
    MODE_BUFFER_DATA,
    MODE_LOCK_SETUP,
};

#define SR_READY 0x80
#define SR_ERASE_ERROR 0x20
#define SR_PROGRAM_ERROR 0x10
#define SR_LOCKED 0x02
#define CFI_TABLE_SIZE 0x40

typedef struct PFlashState {
    DeviceState parent_obj;
    MemoryRegion mem;
    char *drive;
    uint32_t num_blocks;
    uint64_t sector_len;
    uint32_t width, device_width;
    uint32_t id0, id1;
    BlockBackend *blk;
    bool read_only;
    uint8_t *storage;
    uint64_t size;
    int mode;
    uint8_t status;
    uint8_t cfi[CFI_TABLE_SIZE];
    /* Buffered program: block, next address, bank words left. */
    uint64_t buf_block, buf_addr;
    uint32_t buf_left;
} PFlashState;

OBJECT_DECLARE_SIMPLE_TYPE(PFlashState, PFLASH_CFI01, TYPE_PFLASH_CFI01)

/* Every mode change goes through here: read-array mode is ROMD mode. */
static void set_mode(PFlashState *s, int mode)
{
    s->mode = mode;
    if (s->storage) {
        memory_region_rom_device_set_romd(&s->mem, mode == MODE_ARRAY);
    }
}

static unsigned chips(PFlashState *s)
{
    return s->width / s->device_width;
}

/* @v (one chip's answer, device_width bytes) in every chip's lane. */
static uint64_t replicate(PFlashState *s, uint64_t v)
{
    uint64_t out = 0;
    for (unsigned i = 0; i < chips(s); i++) {
        out |= v << (8 * s->device_width * i);
    }
    return out;
}

static void build_cfi(PFlashState *s)
{
    uint64_t chip_size = s->size / chips(s);
    uint64_t chip_block = s->sector_len / chips(s);
    uint8_t *t = s->cfi;
    memset(t, 0, CFI_TABLE_SIZE);
    t[0x10] = 'Q'; t[0x11] = 'R'; t[0x12] = 'Y';
    t[0x13] = 0x01; t[0x14] = 0x00;      /* Intel/Sharp command set */
    t[0x15] = 0x31; t[0x16] = 0x00;      /* primary extended table */
    t[0x1b] = 0x45; t[0x1c] = 0x55;      /* Vcc 4.5 .. 5.5 V */
    t[0x1f] = 0x07; t[0x20] = 0x07;      /* typical word / buffer program: 128 us */
    t[0x21] = 0x0a;                      /* typical block erase: 1 s */
    t[0x23] = 0x04; t[0x24] = 0x04; t[0x25] = 0x04;
    t[0x27] = (uint8_t)__builtin_ctzll(chip_size);
    t[0x28] = 0x02; t[0x29] = 0x00;      /* x8/x16 interface */
    t[0x2a] = 0x0b; t[0x2b] = 0x00;      /* 2 KiB write buffer per chip */
    t[0x2c] = 0x01;                      /* one erase block region */
    t[0x2d] = (uint8_t)(s->num_blocks - 1);
    t[0x2e] = (uint8_t)((s->num_blocks - 1) >> 8);
    t[0x2f] = (uint8_t)(chip_block >> 8);
    t[0x30] = (uint8_t)(chip_block >> 16);
    t[0x31] = 'P'; t[0x32] = 'R'; t[0x33] = 'I'; t[0x34] = '1'; t[0x35] = '0';
}

static uint64_t array_read(PFlashState *s, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)s->storage[addr + i] << (8 * i);
    }
    return v;
}

static uint64_t pflash_read(void *opaque, hwaddr addr, unsigned size)
{
    PFlashState *s = opaque;
    uint64_t chip_word = (addr % s->width == 0) ? addr / s->width : addr / s->width;
    uint64_t v;
    switch (s->mode) {
    case MODE_ARRAY:
        return array_read(s, addr, size);
    case MODE_ID:
        /* Word 0: manufacturer, 1: device, 2: block lock status (0). */
        v = chip_word == 0 ? s->id0 : chip_word == 1 ? s->id1 : 0;
        break;
    case MODE_CFI:
        v = chip_word < CFI_TABLE_SIZE ? s->cfi[chip_word] : 0;
        break;
    default:
        v = s->status;
        break;
    }
    v = replicate(s, v);
    return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

/* Write back [off, off + len) to the node; false (status error) if the
 * node refuses. */
static bool commit(PFlashState *s, uint64_t off, uint64_t len)
{
    if (!s->blk) {
        return true;
    }
    /* Synchronous, in the vCPU's thread (blk_pwrite would wait for the main
     * loop, which may be waiting for the device lock this thread holds). */
    int ret = block_node_pwrite(blk_node(s->blk), off, len, s->storage + off, 0);
    if (ret < 0) {
        log_mask(LOG_GUEST_ERROR, "%s: writing back 0x%" PRIx64 "+0x%" PRIx64 " failed: %s\n",
                 object_get_typename(OBJECT(s)), off, len, g_strerror(-ret));
        return false;
    }
    return true;
}

static void program(PFlashState *s, hwaddr addr, uint64_t value, unsigned size)
{
    if (s->read_only) {
        s->status |= SR_PROGRAM_ERROR | SR_LOCKED;
        return;
    }
    unsigned n = 0;
    for (; n < size && addr + n < s->size; n++) {
        s->storage[addr + n] = (uint8_t)(value >> (8 * n));
    }
    memory_region_notify_written(&s->mem, addr, n);
    if (!commit(s, addr, n)) {
        s->status |= SR_PROGRAM_ERROR;
    }
}

static void erase(PFlashState *s, hwaddr addr)
{
    uint64_t block = addr - addr % s->sector_len;
    if (s->read_only) {
        s->status |= SR_ERASE_ERROR | SR_LOCKED;
        return;
    }
    memset(s->storage + block, 0xff, s->sector_len);
    memory_region_notify_written(&s->mem, block, s->sector_len);
    if (!commit(s, block, s->sector_len)) {
        s->status |= SR_ERASE_ERROR;
    }
}

static void pflash_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    PFlashState *s = opaque;
    uint8_t cmd = (uint8_t)value;
    switch (s->mode) {
    case MODE_ERASE_SETUP:
        if (cmd == 0xd0) {
            erase(s, addr);
            s->status |= SR_READY;
            set_mode(s, MODE_STATUS);
        } else {
            s->status |= SR_ERASE_ERROR | SR_PROGRAM_ERROR;  /* command sequence error */
            set_mode(s, MODE_STATUS);
        }
        return;
    case MODE_PROGRAM_SETUP:
        program(s, addr, value, size);
        s->status |= SR_READY;
        set_mode(s, MODE_STATUS);
        return;
    case MODE_BUFFER_COUNT: {
        /* Chip words minus one; the bank writes that many + 1 words. */
        uint32_t count = (uint32_t)(value & ((1ull << (8 * s->device_width)) - 1)) + 1;
        if ((uint64_t)count * s->width > (1u << s->cfi[0x2a]) * chips(s)) {
            s->status |= SR_PROGRAM_ERROR;
            set_mode(s, MODE_STATUS);
            return;
        }
        s->buf_left = count;
        s->buf_addr = addr;
        set_mode(s, MODE_BUFFER_DATA);
        return;
    }
    case MODE_BUFFER_DATA:
        if (s->buf_left) {
            program(s, addr, value, size);
            s->buf_left--;
            return;
        }
        if (cmd != 0xd0) {
            s->status |= SR_PROGRAM_ERROR | SR_ERASE_ERROR;
        }
        s->status |= SR_READY;
        set_mode(s, MODE_STATUS);
        return;
    case MODE_LOCK_SETUP:
        /* 0x01 lock, 0xd0 unlock, 0x2f lock-down: blocks stay unlocked. */
        s->status |= SR_READY;
        set_mode(s, MODE_STATUS);
        return;
    default:
        break;
    }
    switch (cmd) {
    case 0xff:
    case 0xf0:
    case 0x00:
        set_mode(s, MODE_ARRAY);
        break;
    case 0x90:
        set_mode(s, MODE_ID);
        break;
    case 0x98:
        set_mode(s, MODE_CFI);
        break;
    case 0x70:
        set_mode(s, MODE_STATUS);
        break;
    case 0x50:
        s->status = SR_READY;
        set_mode(s, MODE_ARRAY);
        break;
    case 0x20:
        set_mode(s, MODE_ERASE_SETUP);
        break;
    case 0x10:
    case 0x40:
        set_mode(s, MODE_PROGRAM_SETUP);
        break;
    case 0xe8:
        s->buf_block = addr - addr % s->sector_len;
        s->status |= SR_READY;
        set_mode(s, MODE_BUFFER_COUNT);
        break;
    case 0x60:
        set_mode(s, MODE_LOCK_SETUP);
        break;
    default:
        log_mask(LOG_GUEST_ERROR, "cfi.pflash01: unknown command 0x%02x at 0x%" HWADDR_PRIx
                 "\n", cmd, addr);
        set_mode(s, MODE_ARRAY);
        break;
    }
}

static const MemoryRegionOps pflash_ops = {
    .read = pflash_read,
    .write = pflash_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

static const PropertyInfo pflash_props[] = {
    PROP_STRING("drive", PFlashState, drive, NULL, "block node (or backend) with the contents"),
    PROP_UINT32("num-blocks", PFlashState, num_blocks, 256, "number of erase blocks"),
    PROP_SIZE("sector-length", PFlashState, sector_len, 256 * 1024,
              "bytes per erase block (whole bank)"),
    PROP_UINT32("width", PFlashState, width, 4, "bank width in bytes (1, 2 or 4)"),
    PROP_UINT32("device-width", PFlashState, device_width, 2, "chip width in bytes"),
    PROP_UINT32("id0", PFlashState, id0, 0x89, "manufacturer id (Intel)"),
    PROP_UINT32("id1", PFlashState, id1, 0x18, "device id"),
    PROP_END
};

static bool pflash_realize(DeviceState *dev, GError **errp)
{
    PFlashState *s = PFLASH_CFI01(dev);
    if ((s->width != 1 && s->width != 2 && s->width != 4) || !s->device_width ||
        s->device_width > s->width || s->width % s->device_width) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "cfi.pflash01: width=%u device-width=%u: the bank must be 1, 2 or 4 bytes "
                    "of whole chips", s->width, s->device_width);
        return false;
    }
    if (!s->num_blocks || !s->sector_len || s->sector_len % s->width ||
        (s->sector_len / chips(s)) % 256 || s->num_blocks > 65536) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "cfi.pflash01: %u blocks of %" PRIu64 " bytes is not a valid geometry",
                    s->num_blocks, s->sector_len);
        return false;
    }
    s->size = s->sector_len * s->num_blocks;
    if (s->size & (s->size - 1)) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "cfi.pflash01: size %" PRIu64 " is not a power of two", s->size);
        return false;
    }
    if (!memory_region_init_rom_device(&s->mem, OBJECT(dev), &pflash_ops, s, "pflash", s->size,
                                       errp)) {
        return false;
    }
    s->storage = memory_region_get_ram_ptr(&s->mem);
    if (s->drive && s->drive[0]) {
        g_autofree char *id = object_get_canonical_path(OBJECT(dev));
        BlockGraph *g = block_graph_default();
        s->blk = g ? blk_for_device(g, s->drive, id, errp) : NULL;
        if (!s->blk) {
            if (!g) {
                g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                            "cfi.pflash01: the block layer is not loaded");
            }
            return false;
        }
        int64_t len = blk_length(s->blk);
        if (len != (int64_t)s->size) {
            g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                        "cfi.pflash01: drive '%s' has %" PRId64 " bytes; the flash needs "
                        "exactly %" PRIu64, s->drive, len, s->size);
            blk_detach_device(s->blk);
            s->blk = NULL;
            return false;
        }
        s->read_only = blk_is_read_only(s->blk);
        uint32_t perm = BLK_PERM_CONSISTENT_READ | (s->read_only ? 0 : BLK_PERM_WRITE);
        uint32_t shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED |
                          (s->read_only ? BLK_PERM_WRITE : 0);
        if (!blk_set_perm(s->blk, perm, shared, errp)) {
            blk_detach_device(s->blk);
            s->blk = NULL;
            return false;
        }
        /* The backing is fresh zeroed memory: the image's all-zero padding
         * (most of a firmware or varstore image) leaves it untouched. */
        int ret = block_node_pread_nonzero(blk_node(s->blk), 0, s->size, s->storage);
        if (ret < 0) {
            g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                        "cfi.pflash01: reading drive '%s': %s", s->drive, g_strerror(-ret));
            blk_detach_device(s->blk);
            s->blk = NULL;
            return false;
        }
    }
    build_cfi(s);
    device_init_mmio(dev, &s->mem);
    return true;
}

static void pflash_unrealize(DeviceState *dev)
{
    PFlashState *s = PFLASH_CFI01(dev);
    if (s->blk) {
        blk_detach_device(s->blk);
        s->blk = NULL;
    }
}

static void pflash_finalize(Object *obj)
{
    PFlashState *s = PFLASH_CFI01(obj);
    if (s->storage) {
        memory_region_destroy(&s->mem);
        s->storage = NULL;
    }
}

static void pflash_reset(DeviceState *dev)
{
    PFlashState *s = PFLASH_CFI01(dev);
    set_mode(s, MODE_ARRAY);
    s->status = SR_READY;
}

static void pflash_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = pflash_realize;
    dc->unrealize = pflash_unrealize;
    dc->reset = pflash_reset;
    object_class_add_field_properties(klass, pflash_props);
}

static const TypeInfo pflash_info = {
    .name = TYPE_PFLASH_CFI01,
    .parent = TYPE_DEVICE,
    .category = "storage",
    .description = "CFI parallel NOR flash (Intel/Sharp command set)",
    .instance_size = sizeof(PFlashState),
    .class_size = sizeof(DeviceClass),
    .instance_finalize = pflash_finalize,
    .class_init = pflash_class_init,
};

TESSERA_MODULE(.name = "pflash-cfi01", .kind = "device", .types = TESSERA_TYPES(&pflash_info));
