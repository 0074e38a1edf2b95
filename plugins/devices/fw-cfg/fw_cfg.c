/* SPDX-License-Identifier: MIT */
/*
 * fw-cfg-mmio: QEMU's firmware configuration device, memory-mapped with
 * the DMA interface (QEMU docs/specs/fw_cfg.rst).
 *
 * MMIO (0x18 bytes, big-endian registers): 0x00 data (reads of 1..8 bytes
 * return the selected item's next bytes in order), 0x08 selector (16-bit;
 * selecting rewinds), 0x10 DMA address (64-bit; a write of the low word at
 * 0x14 or of all 8 bytes at 0x10 starts the transfer; reads return the
 * "QEMU CFG" signature).  DMA: a FWCfgDmaAccess { be32 control, be32
 * length, be64 address } in guest memory; control bits ERROR 1, READ 2,
 * SKIP 4, SELECT 8 (key in bits 31:16), WRITE 0x10 (items are read-only
 * here: ERROR).  Reads past an item's end give zeros.  The device writes
 * control back as 0 (done) or ERROR.
 * Items 0 ("QEMU"), 1 (traditional + DMA interfaces) and 0x19 (the file
 * directory, files sorted by name) are the device's own.
 */
#include <string.h>

#include "fw-cfg/fw-cfg.h"
#include "kernel/bootorder.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "kernel/module.h"

#define FW_CFG_MMIO_SIZE 0x18
#define FW_CFG_MAX_FILES 256
#define FW_CFG_MAX_KEYS (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_NAME_LEN 56
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ull  /* "QEMU CFG" */
#define FW_CFG_ID_TRADITIONAL 1u
#define FW_CFG_ID_DMA 2u

enum {
    DMA_CTL_ERROR = 0x01,
    DMA_CTL_READ = 0x02,
    DMA_CTL_SKIP = 0x04,
    DMA_CTL_SELECT = 0x08,
    DMA_CTL_WRITE = 0x10,
};

typedef struct FwCfgItem {
    uint8_t *data;
    uint32_t len;
} FwCfgItem;

typedef struct FwCfgFile {
    char name[FW_CFG_NAME_LEN];
    uint8_t *data;
    uint32_t len;
} FwCfgFile;

typedef struct FwCfgState {
    DeviceState parent_obj;
    MemoryRegion mmio;
    FwCfgItem items[FW_CFG_FILE_FIRST];
    FwCfgFile files[FW_CFG_MAX_FILES];
    unsigned num_files;
    uint8_t *dir;             /* built on demand */
    uint32_t dir_len;
    uint16_t cur;
    uint32_t offset;
    uint64_t dma_addr;
} FwCfgState;

OBJECT_DECLARE_SIMPLE_TYPE(FwCfgState, FW_CFG, TYPE_FW_CFG_MMIO)

static const uint8_t fw_cfg_signature[4] = { 'Q', 'E', 'M', 'U' };
static const uint8_t fw_cfg_id[4] = { FW_CFG_ID_TRADITIONAL | FW_CFG_ID_DMA, 0, 0, 0 };

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void rebuild_dir(FwCfgState *s)
{
    g_free(s->dir);
    s->dir_len = 4 + 64 * s->num_files;
    s->dir = g_malloc0(s->dir_len);
    put_be32(s->dir, s->num_files);
    for (unsigned i = 0; i < s->num_files; i++) {
        uint8_t *e = s->dir + 4 + 64 * i;
        put_be32(e, s->files[i].len);
        e[4] = (uint8_t)((FW_CFG_FILE_FIRST + i) >> 8);
        e[5] = (uint8_t)(FW_CFG_FILE_FIRST + i);
        memcpy(e + 8, s->files[i].name, FW_CFG_NAME_LEN);
    }
}

/* The selected item's bytes (NULL, 0 for an unknown key). */
static const uint8_t *item(FwCfgState *s, uint16_t key, uint32_t *len)
{
    *len = 0;
    if (key == FW_CFG_SIGNATURE) {
        *len = 4;
        return fw_cfg_signature;
    }
    if (key == FW_CFG_ID) {
        *len = 4;
        return fw_cfg_id;
    }
    if (key == FW_CFG_FILE_DIR) {
        *len = s->dir_len;
        return s->dir;
    }
    if (key < FW_CFG_FILE_FIRST) {
        *len = s->items[key].len;
        return s->items[key].data;
    }
    if (key - FW_CFG_FILE_FIRST < (int)s->num_files) {
        *len = s->files[key - FW_CFG_FILE_FIRST].len;
        return s->files[key - FW_CFG_FILE_FIRST].data;
    }
    return NULL;
}

static void select_key(FwCfgState *s, uint16_t key)
{
    s->cur = key & 0x3fff;  /* bit 14 (write channel) and 15 (arch) ignored */
    s->offset = 0;
}

static uint8_t next_byte(FwCfgState *s)
{
    uint32_t len;
    const uint8_t *d = item(s, s->cur, &len);
    return s->offset < len ? d[s->offset++] : 0;
}

static void dma_transfer(FwCfgState *s)
{
    AddressSpace *as = device_dma_address_space(DEVICE(s));
    uint8_t desc[16];
    uint64_t at = s->dma_addr;
    s->dma_addr = 0;
    if (address_space_read_buf(as, at, desc, sizeof(desc)) != MEMTX_OK) {
        log_mask(LOG_GUEST_ERROR, "fw-cfg: DMA descriptor at 0x%" PRIx64 " unreadable\n", at);
        return;
    }
    uint32_t control = (uint32_t)desc[0] << 24 | desc[1] << 16 | desc[2] << 8 | desc[3];
    uint32_t length = (uint32_t)desc[4] << 24 | desc[5] << 16 | desc[6] << 8 | desc[7];
    uint64_t addr = 0;
    for (int i = 8; i < 16; i++) {
        addr = addr << 8 | desc[i];
    }
    if (control & DMA_CTL_SELECT) {
        select_key(s, control >> 16);
    }
    uint32_t result = 0;
    if (control & DMA_CTL_WRITE) {
        log_mask(LOG_GUEST_ERROR, "fw-cfg: DMA write to read-only item 0x%x\n", s->cur);
        result = DMA_CTL_ERROR;
    } else if (control & (DMA_CTL_READ | DMA_CTL_SKIP)) {
        uint32_t len;
        const uint8_t *d = item(s, s->cur, &len);
        uint32_t avail = s->offset < len ? len - s->offset : 0;
        uint32_t n = MIN(avail, length);
        if (control & DMA_CTL_READ) {
            g_autofree uint8_t *buf = g_malloc0(length ? length : 1);
            if (n) {
                memcpy(buf, d + s->offset, n);
            }
            if (address_space_write_buf(as, addr, buf, length) != MEMTX_OK) {
                result = DMA_CTL_ERROR;
            }
        }
        s->offset += n;
    }
    uint8_t ctl[4];
    put_be32(ctl, result);
    address_space_write_buf(as, at, ctl, sizeof(ctl));
}

static uint64_t fw_cfg_read(void *opaque, hwaddr addr, unsigned size)
{
    FwCfgState *s = opaque;
    if (addr + size <= 8) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++) {
            v = v << 8 | next_byte(s);
        }
        return v;
    }
    if (addr >= 0x10) {
        unsigned shift = (unsigned)(0x18 - addr - size) * 8;
        return (FW_CFG_DMA_SIGNATURE >> shift) & (size == 8 ? ~0ull : (1ull << (size * 8)) - 1);
    }
    return 0; /* the selector is write-only */
}

static void fw_cfg_write(void *opaque, hwaddr addr, uint64_t v, unsigned size)
{
    FwCfgState *s = opaque;
    if (addr == 0x08 && size == 2) {
        select_key(s, (uint16_t)v);
    } else if (addr == 0x10 && size == 8) {
        s->dma_addr = v;
        dma_transfer(s);
    } else if (addr == 0x10 && size == 4) {
        s->dma_addr = (s->dma_addr & 0xffffffffull) | v << 32;
    } else if (addr == 0x14 && size == 4) {
        s->dma_addr = (s->dma_addr & ~0xffffffffull) | (uint32_t)v;
        dma_transfer(s);
    } else if (addr < 8) {
        log_mask(LOG_GUEST_ERROR, "fw-cfg: write to the data register (items are "
                 "read-only)\n");
    } else {
        log_mask(LOG_GUEST_ERROR, "fw-cfg: %u-byte write at 0x%" HWADDR_PRIx " ignored\n",
                 size, addr);
    }
}

static const MemoryRegionOps fw_cfg_ops = {
    .read = fw_cfg_read,
    .write = fw_cfg_write,
    .endianness = DEVICE_BIG_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- the contract (fw-cfg/fw-cfg.h) --------------------------------------------- */

void fw_cfg_add_bytes(DeviceState *fw, uint16_t key, const void *data, size_t len)
{
    FwCfgState *s = FW_CFG(fw);
    g_assert(key < FW_CFG_FILE_FIRST && key != FW_CFG_SIGNATURE && key != FW_CFG_ID &&
             key != FW_CFG_FILE_DIR && len <= UINT32_MAX);
    g_free(s->items[key].data);
    s->items[key].data = g_memdup2(data, len);
    s->items[key].len = (uint32_t)len;
}

void fw_cfg_add_u16(DeviceState *fw, uint16_t key, uint16_t v)
{
    uint16_t le = GUINT16_TO_LE(v);
    fw_cfg_add_bytes(fw, key, &le, sizeof(le));
}

void fw_cfg_add_u32(DeviceState *fw, uint16_t key, uint32_t v)
{
    uint32_t le = GUINT32_TO_LE(v);
    fw_cfg_add_bytes(fw, key, &le, sizeof(le));
}

void fw_cfg_add_u64(DeviceState *fw, uint16_t key, uint64_t v)
{
    uint64_t le = GUINT64_TO_LE(v);
    fw_cfg_add_bytes(fw, key, &le, sizeof(le));
}

bool fw_cfg_add_file(DeviceState *fw, const char *name, const void *data, size_t len,
                     GError **errp)
{
    FwCfgState *s = FW_CFG(fw);
    if (strlen(name) >= FW_CFG_NAME_LEN || !name[0]) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "fw_cfg: file name '%s' must be 1..%d bytes", name, FW_CFG_NAME_LEN - 1);
        return false;
    }
    if (len > UINT32_MAX) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID, "fw_cfg: file '%s' is too large",
                    name);
        return false;
    }
    unsigned pos = 0;
    while (pos < s->num_files && strcmp(s->files[pos].name, name) < 0) {
        pos++;
    }
    if (pos < s->num_files && !strcmp(s->files[pos].name, name)) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID, "fw_cfg: duplicate file '%s'",
                    name);
        return false;
    }
    if (s->num_files == FW_CFG_MAX_FILES) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "fw_cfg: too many files (at most %d)", FW_CFG_MAX_FILES);
        return false;
    }
    memmove(&s->files[pos + 1], &s->files[pos], (s->num_files - pos) * sizeof(s->files[0]));
    FwCfgFile *f = &s->files[pos];
    memset(f->name, 0, sizeof(f->name));
    g_strlcpy(f->name, name, sizeof(f->name));
    f->data = g_memdup2(data, len ? len : 1);
    f->len = (uint32_t)len;
    s->num_files++;
    rebuild_dir(s);
    return true;
}

static bool add_image(DeviceState *fw, uint16_t size_key, uint16_t data_key, const char *what,
                      const char *path, GError **errp)
{
    gchar *buf = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &buf, &len, &err)) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID, "could not load %s '%s': %s",
                    what, path, err->message);
        g_error_free(err);
        return false;
    }
    if (len > UINT32_MAX) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "%s '%s' is too large for fw_cfg (4 GiB at most)", what, path);
        g_free(buf);
        return false;
    }
    fw_cfg_add_u32(fw, size_key, (uint32_t)len);
    fw_cfg_add_bytes(fw, data_key, buf, len);
    g_free(buf);
    return true;
}

bool fw_cfg_add_kernel_images(DeviceState *fw, const char *kernel, const char *initrd,
                              const char *cmdline, GError **errp)
{
    if (kernel && !add_image(fw, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA, "kernel", kernel,
                             errp)) {
        return false;
    }
    if (initrd && initrd[0] &&
        !add_image(fw, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA, "initrd", initrd, errp)) {
        return false;
    }
    if (cmdline && cmdline[0]) {
        size_t len = strlen(cmdline) + 1;
        fw_cfg_add_u32(fw, FW_CFG_CMDLINE_SIZE, (uint32_t)len);
        fw_cfg_add_bytes(fw, FW_CFG_CMDLINE_DATA, cmdline, len);
    }
    return true;
}

/* ---- device ------------------------------------------------------------------------ */

static void fw_cfg_init(Object *obj)
{
    FwCfgState *s = FW_CFG(obj);
    memory_region_init_io(&s->mmio, obj, &fw_cfg_ops, s, "fwcfg", FW_CFG_MMIO_SIZE);
    device_init_mmio(DEVICE(obj), &s->mmio);
    rebuild_dir(s);
}

/* The machine's firmware settings from the command line (see fw-cfg.h). */
static bool fw_cfg_realize(DeviceState *dev, GError **errp)
{
    MachineState *ms = machine_current();
    if (!ms) {
        return true;
    }
    fw_cfg_add_u16(dev, FW_CFG_BOOT_MENU, ms->boot_menu);
    if (ms->boot_splash_time_given) {
        uint8_t wait[2] = { (uint8_t)ms->boot_splash_time, (uint8_t)(ms->boot_splash_time >> 8) };
        if (!fw_cfg_add_file(dev, "etc/boot-menu-wait", wait, sizeof(wait), errp)) {
            return false;
        }
    }
    if (!fw_cfg_add_file(dev, "bootorder", "", 0, errp)) {
        return false;
    }
    for (guint i = 0; ms->fw_cfg_user && i < ms->fw_cfg_user->len; i++) {
        MachineFwCfgFile *f = g_ptr_array_index(ms->fw_cfg_user, i);
        gsize len = 0;
        const void *data = g_bytes_get_data(f->data, &len);
        if (!fw_cfg_add_file(dev, f->name, data ? data : "", len, errp)) {
            g_prefix_error(errp, "-fw_cfg name=%s: ", f->name);
            return false;
        }
    }
    ms->fw_cfg_taken = true;
    return true;
}

static void fw_cfg_finalize(Object *obj)
{
    FwCfgState *s = FW_CFG(obj);
    for (unsigned i = 0; i < FW_CFG_FILE_FIRST; i++) {
        g_free(s->items[i].data);
    }
    for (unsigned i = 0; i < s->num_files; i++) {
        g_free(s->files[i].data);
    }
    g_free(s->dir);
}

/* Replace the data of file @name (takes @data); false when there is none. */
static bool replace_file(FwCfgState *s, const char *name, uint8_t *data, uint32_t len)
{
    for (unsigned i = 0; i < s->num_files; i++) {
        if (!strcmp(s->files[i].name, name)) {
            g_free(s->files[i].data);
            s->files[i].data = data;
            s->files[i].len = len;
            rebuild_dir(s);
            return true;
        }
    }
    g_free(data);
    return false;
}

/* "bootorder" from the devices with a bootindex now (kernel/bootorder.h),
 * rebuilt at every reset as QEMU does, so devices hotplugged since count
 * after a reboot.  (A device realized with no machine has no such file.) */
static void update_bootorder(FwCfgState *s)
{
    MachineState *ms = machine_current();
    size_t len = 0;
    char *text = boot_order_fw_file(ms && ms->boot_strict, &len);
    g_assert(len <= UINT32_MAX);
    replace_file(s, "bootorder", (uint8_t *)text, (uint32_t)len);
}

static void fw_cfg_reset(DeviceState *dev)
{
    FwCfgState *s = FW_CFG(dev);
    select_key(s, 0);
    s->dma_addr = 0;
    update_bootorder(s);
}

static void fw_cfg_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    hwaddr base = dev->mmio_addr[0];
    if (base == HWADDR_UNMAPPED) {
        return;
    }
    g_autofree char *path = fdt_builder_device_path(fdt, "fw-cfg", base);
    uint64_t reg[] = { base, FW_CFG_MMIO_SIZE };
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "qemu,fw-cfg-mmio");
    fdt_builder_prop_reg(fdt, path, reg, 1);
    fdt_builder_prop_empty(fdt, path, "dma-coherent");
}

static void fw_cfg_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = fw_cfg_realize;
    dc->reset = fw_cfg_reset;
    dc->fdt_node = fw_cfg_fdt_node;
}

static const TypeInfo fw_cfg_info = {
    .name = TYPE_FW_CFG_MMIO,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "QEMU firmware configuration (MMIO with DMA)",
    .instance_size = sizeof(FwCfgState),
    .class_size = sizeof(DeviceClass),
    .instance_init = fw_cfg_init,
    .instance_finalize = fw_cfg_finalize,
    .class_init = fw_cfg_class_init,
};

TESSERA_MODULE(.name = "fw-cfg", .kind = "library", .types = TESSERA_TYPES(&fw_cfg_info));
