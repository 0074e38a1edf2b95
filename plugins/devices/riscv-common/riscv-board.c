/* SPDX-License-Identifier: MIT */
/*
 * Shared part of the RISC-V boards: see riscv-board.h.  Compiled into each
 * board module; nothing here knows one board's address map or devices.
 */
#include <string.h>

#include "kernel/accel.h"
#include "kernel/hostfile.h"
#include "kernel/runstate.h"
#include "riscv/board.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)
#define RISCV_KERNEL_ALIGN (2 * MiB)
#define RISCV_FDT_ALIGN (2 * MiB)
#define RISCV_FDT_LIMIT (3 * GiB)
#define RISCV_INITRD_ALIGN 4096

#define EM_RISCV_MACHINE 243

#define RISCV_BOARD_ERROR(b) (g_quark_from_static_string((b)->info.error_domain))

/* ---- reset trampoline ----------------------------------------------------- */

/* OpenSBI's fw_dynamic interface (docs/firmware/fw_dynamic.md). */
#define FW_DYNAMIC_INFO_MAGIC 0x4942534fULL
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_INFO_NEXT_MODE_S 1
#define FW_DYNAMIC_BOOT_HART_ANY UINT64_MAX

enum {
    RV_REG_ZERO = 0,
    RV_REG_T0 = 5,
    RV_REG_A0 = 10,
    RV_REG_A1 = 11,
    RV_REG_A2 = 12,
};
#define RV_OP_LOAD 0x03
#define RV_OP_IMM 0x13
#define RV_OP_AUIPC 0x17
#define RV_OP_JALR 0x67
#define RV_OP_SYSTEM 0x73
#define RV_F3_ADDI 0
#define RV_F3_LD 3
#define RV_F3_CSRRS 2
#define RV_F3_JALR 0
#define RV_CSR_MHARTID 0xf14

/* Trampoline layout: six instructions, two addresses, then fw_dynamic_info. */
#define TRAMP_START_ADDR_OFF 0x18
#define TRAMP_FDT_ADDR_OFF 0x20
#define TRAMP_INFO_OFF 0x28
#define TRAMP_INFO_WORDS 6
#define TRAMP_SIZE (TRAMP_INFO_OFF + TRAMP_INFO_WORDS * 8)

static uint32_t rv_itype(unsigned opcode, unsigned funct3, unsigned rd, unsigned rs1, int imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

static uint32_t rv_utype(unsigned opcode, unsigned rd, uint32_t imm20)
{
    return imm20 << 12 | rd << 7 | opcode;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Fill @buf (TRAMP_SIZE bytes): jump to @start with a0/a1/a2 set. */
static void riscv_build_trampoline(uint8_t *buf, uint64_t start, uint64_t fdt_addr,
                                   uint64_t next_addr)
{
    const uint32_t code[] = {
        rv_utype(RV_OP_AUIPC, RV_REG_T0, 0),                            /* t0 = here */
        rv_itype(RV_OP_IMM, RV_F3_ADDI, RV_REG_A2, RV_REG_T0, TRAMP_INFO_OFF),
        rv_itype(RV_OP_SYSTEM, RV_F3_CSRRS, RV_REG_A0, RV_REG_ZERO, RV_CSR_MHARTID),
        rv_itype(RV_OP_LOAD, RV_F3_LD, RV_REG_A1, RV_REG_T0, TRAMP_FDT_ADDR_OFF),
        rv_itype(RV_OP_LOAD, RV_F3_LD, RV_REG_T0, RV_REG_T0, TRAMP_START_ADDR_OFF),
        rv_itype(RV_OP_JALR, RV_F3_JALR, RV_REG_ZERO, RV_REG_T0, 0),  /* jr t0 */
    };
    const uint64_t info[TRAMP_INFO_WORDS] = {
        FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, next_addr,
        FW_DYNAMIC_INFO_NEXT_MODE_S, 0 /* options */, FW_DYNAMIC_BOOT_HART_ANY,
    };
    memset(buf, 0, TRAMP_SIZE);
    for (size_t i = 0; i < G_N_ELEMENTS(code); i++) {
        put_le32(buf + 4 * i, code[i]);
    }
    put_le64(buf + TRAMP_START_ADDR_OFF, start);
    put_le64(buf + TRAMP_FDT_ADDR_OFF, fdt_addr);
    for (size_t i = 0; i < TRAMP_INFO_WORDS; i++) {
        put_le64(buf + TRAMP_INFO_OFF + 8 * i, info[i]);
    }
}

/* ---- init: harts ------------------------------------------------------------ */

CPUState *riscv_board_hart(const RiscvBoard *b, unsigned i)
{
    return g_ptr_array_index(b->ms->cpus, i);
}

char *riscv_board_hart_intc_label(unsigned h)
{
    return g_strdup_printf(RISCV_HART_INTC_LABEL_FMT, h);
}

static bool riscv_board_create_harts(RiscvBoard *b, GError **errp)
{
    MachineState *ms = b->ms;
    const char *cpu_type = ms->cpu_type ? ms->cpu_type : MACHINE_GET_CLASS(ms)->default_cpu_type;
    Object *soc = object_new(TYPE_CONTAINER);
    bool ok = object_property_add_child(OBJECT(ms), "soc0", soc, errp);
    object_unref(soc);
    if (!ok) {
        return false;
    }
    for (unsigned i = 0; i < ms->smp_cpus; i++) {
        Object *obj = object_new_checked(cpu_type, errp);
        if (!obj) {
            return false;
        }
        if (!object_dynamic_cast(obj, TYPE_CPU)) {
            g_set_error(errp, RISCV_BOARD_ERROR(b), 0, "'%s' is not a CPU type", cpu_type);
            object_unref(obj);
            return false;
        }
        char *name = g_strdup_printf("harts[%u]", i);
        ok = object_property_set_uint(obj, "hartid", i, errp) &&
             object_property_set_uint(obj, "resetvec", b->info.mrom_base, errp) &&
             object_property_set_uint(obj, "timebase-frequency", b->info.timebase_freq,
                                      errp) &&
             object_property_add_child(soc, name, obj, errp);
        g_free(name);
        object_unref(obj); /* the tree holds it now (or it is gone on failure) */
        if (!ok) {
            return false;
        }
        CPUState *cpu = CPU(obj);
        cpu->as = &ms->address_space;
        if (!device_realize(DEVICE(cpu), errp)) {
            return false;
        }
        g_ptr_array_add(ms->cpus, cpu);
    }
    return true;
}

bool riscv_board_init(RiscvBoard *b, const RiscvBoardInfo *info, MachineState *ms,
                      GError **errp)
{
    b->info = *info;
    b->ms = ms;
    if (ms->smp_cpus < 1 || ms->smp_cpus > info->max_harts) {
        g_set_error(errp, RISCV_BOARD_ERROR(b), 0,
                    "%s: %u CPUs requested, the board supports 1..%u", info->name,
                    ms->smp_cpus, info->max_harts);
        return false;
    }
    if (ms->ram_size == 0 || ms->ram_size > UINT64_MAX - info->dram_base) {
        g_set_error(errp, RISCV_BOARD_ERROR(b), 0, "%s: invalid RAM size %" PRIu64,
                    info->name, ms->ram_size);
        return false;
    }
    memory_region_add_subregion(&ms->system_memory, info->dram_base, &ms->ram);
    if (!memory_region_init_rom(&b->mrom, OBJECT(ms), info->mrom_name, info->mrom_size,
                                errp)) {
        return false;
    }
    memory_region_add_subregion(&ms->system_memory, info->mrom_base, &b->mrom);
    b->fdt = fdt_builder_new();
    b->images = loader_images_new(&ms->address_space);
    return riscv_board_create_harts(b, errp);
}

void riscv_board_destroy(RiscvBoard *b)
{
    fdt_builder_free(b->fdt);
    loader_images_free(b->images);
}

/* ---- init: on-board devices and wiring -------------------------------------- */

DeviceState *riscv_board_new_device(RiscvBoard *b, const char *name, const char *type,
                                    RiscvBoardConfigureFn configure, void *opaque,
                                    GError **errp)
{
    Object *obj = object_new_checked(type, errp);
    if (!obj) {
        return NULL;
    }
    bool ok = configure(opaque, obj, errp) &&
              object_property_add_child(OBJECT(b->ms), name, obj, errp);
    object_unref(obj);
    if (!ok || !device_realize(DEVICE(obj), errp)) {
        return NULL;
    }
    return DEVICE(obj);
}

void riscv_board_wire(RiscvBoard *b, DeviceState *src, int pin, DeviceState *dst,
                      int dst_pin, const char *dst_label)
{
    device_connect_irq_out(src, pin, device_get_irq_in(dst, dst_pin));
    fdt_builder_set_irq(b->fdt, src, pin, dst_label, (uint32_t)dst_pin);
}

void riscv_board_wire_clint(RiscvBoard *b, DeviceState *clint)
{
    static const int hart_pins[] = { RISCV_IRQ_M_SOFT, RISCV_IRQ_M_TIMER };
    for (unsigned h = 0; h < b->ms->smp_cpus; h++) {
        DeviceState *hart = DEVICE(riscv_board_hart(b, h));
        char *intc = riscv_board_hart_intc_label(h);
        for (unsigned p = 0; p < G_N_ELEMENTS(hart_pins); p++) {
            int pin = (int)(G_N_ELEMENTS(hart_pins) * h + p);
            riscv_board_wire(b, clint, pin, hart, hart_pins[p], intc);
        }
        g_free(intc);
    }
}

/* ---- finalize: device tree ---------------------------------------------------- */

static bool riscv_board_fdt_hart(FdtBuilder *fdt, CPUState *cpu, unsigned h, GError **errp)
{
    char *isa = object_property_get_str(OBJECT(cpu), "isa-string", errp);
    char *mmu = isa ? object_property_get_str(OBJECT(cpu), "mmu-type", errp) : NULL;
    if (!mmu) {
        g_free(isa);
        return false;
    }
    char *path = g_strdup_printf("/cpus/cpu@%u", h);
    char *intc_path = g_strconcat(path, "/interrupt-controller", NULL);
    char *cpu_label = g_strdup_printf("hart%u", h);
    char *intc_label = riscv_board_hart_intc_label(h);
    char *map_path = g_strdup_printf("/cpus/cpu-map/cluster0/core%u", h);
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "device_type", "cpu");
    fdt_builder_prop_u32(fdt, path, "reg", h);
    fdt_builder_prop_string(fdt, path, "status", "okay");
    fdt_builder_prop_string(fdt, path, "compatible", "riscv");
    fdt_builder_prop_string(fdt, path, "riscv,isa", isa);
    if (mmu[0] && strcmp(mmu, "bare") && strcmp(mmu, "none")) {
        char *mmu_type = g_str_has_prefix(mmu, "riscv,") ? g_strdup(mmu)
                                                         : g_strconcat("riscv,", mmu, NULL);
        fdt_builder_prop_string(fdt, path, "mmu-type", mmu_type);
        g_free(mmu_type);
    }
    uint32_t cpu_ph = fdt_builder_set_phandle(fdt, path, cpu_label);
    fdt_builder_add_node(fdt, intc_path);
    fdt_builder_prop_u32(fdt, intc_path, "#address-cells", 0);
    fdt_builder_prop_u32(fdt, intc_path, "#interrupt-cells", 1);
    fdt_builder_prop_empty(fdt, intc_path, "interrupt-controller");
    fdt_builder_prop_string(fdt, intc_path, "compatible", "riscv,cpu-intc");
    fdt_builder_set_phandle(fdt, intc_path, intc_label);
    fdt_builder_add_node(fdt, map_path);
    fdt_builder_prop_u32(fdt, map_path, "cpu", cpu_ph);
    g_free(map_path);
    g_free(intc_label);
    g_free(cpu_label);
    g_free(intc_path);
    g_free(path);
    g_free(mmu);
    g_free(isa);
    return true;
}

bool riscv_board_fdt_begin(RiscvBoard *b, const char *compatible, const char *model,
                           GError **errp)
{
    MachineState *ms = b->ms;
    FdtBuilder *fdt = b->fdt;
    hwaddr dram_base = b->info.dram_base;
    fdt_builder_prop_u32(fdt, "/", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/", "#size-cells", 2);
    fdt_builder_prop_string(fdt, "/", "compatible", compatible);
    fdt_builder_prop_string(fdt, "/", "model", model);

    char *mem_path = g_strdup_printf("/memory@%" HWADDR_PRIx, dram_base);
    uint64_t mem_reg[] = { dram_base, ms->ram_size };
    fdt_builder_add_node(fdt, mem_path);
    fdt_builder_prop_string(fdt, mem_path, "device_type", "memory");
    fdt_builder_prop_reg(fdt, mem_path, mem_reg, 1);
    g_free(mem_path);

    fdt_builder_add_node(fdt, "/cpus");
    fdt_builder_prop_u32(fdt, "/cpus", "#address-cells", 1);
    fdt_builder_prop_u32(fdt, "/cpus", "#size-cells", 0);
    fdt_builder_prop_u32(fdt, "/cpus", "timebase-frequency", b->info.timebase_freq);
    /* Last hart first: libfdt prepends subnodes, so they end up in order. */
    for (unsigned h = ms->smp_cpus; h-- > 0;) {
        if (!riscv_board_fdt_hart(fdt, riscv_board_hart(b, h), h, errp)) {
            return false;
        }
    }

    fdt_builder_add_node(fdt, "/soc");
    fdt_builder_prop_u32(fdt, "/soc", "#address-cells", 2);
    fdt_builder_prop_u32(fdt, "/soc", "#size-cells", 2);
    fdt_builder_prop_string(fdt, "/soc", "compatible", "simple-bus");
    fdt_builder_prop_empty(fdt, "/soc", "ranges");
    fdt_builder_set_bus_path(fdt, "/soc");
    return true;
}

static void riscv_board_fdt_add_subtree(Object *obj, void *opaque)
{
    FdtBuilder *fdt = opaque;
    DeviceState *dev = (DeviceState *)object_dynamic_cast(obj, TYPE_DEVICE);
    if (dev && dev->realized && !object_dynamic_cast(obj, TYPE_CPU)) {
        DeviceClass *dc = DEVICE_GET_CLASS(dev);
        if (dc->fdt_node) {
            dc->fdt_node(dev, fdt);
        }
    }
    object_child_foreach(obj, riscv_board_fdt_add_subtree, fdt);
}

void riscv_board_fdt_add_devices(RiscvBoard *b)
{
    riscv_board_fdt_add_subtree(OBJECT(b->ms), b->fdt);
}

bool riscv_board_fdt_from_file(RiscvBoard *b, const char *file, GError **errp)
{
    void *blob;
    size_t size;
    if (!fdt_load_file(file, &blob, &size, errp)) {
        return false;
    }
    FdtBuilder *user = fdt_builder_new_from_blob(blob, size, errp);
    g_free(blob);
    if (!user) {
        g_prefix_error(errp, "-dtb '%s': ", file);
        return false;
    }
    fdt_builder_free(b->fdt);
    b->fdt = user;
    return true;
}

/* ---- finalize: images ----------------------------------------------------------- */

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
    return v & ~(a - 1);
}

/* Resolve -bios: NULL for none, the default's path, or the user's file. */
static bool riscv_board_firmware_name(RiscvBoard *b, const char **name, GError **errp)
{
    const char *fw = b->ms->firmware;
    *name = NULL;
    if (fw && !strcmp(fw, "none")) {
        return true;
    }
    if (!fw || !strcmp(fw, "default")) {
        const char *def = b->info.default_bios;
        if (!g_file_test(def, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(errp, RISCV_BOARD_ERROR(b), 0,
                        "%s: no firmware: %s is missing; install Debian's opensbi package, "
                        "or pass %s", b->info.name, def, b->info.no_bios_hint);
            return false;
        }
        fw = def;
    }
    *name = fw;
    return true;
}

bool riscv_board_load_firmware(RiscvBoard *b, RiscvBootInfo *bi, GError **errp)
{
    MachineState *ms = b->ms;
    if (!riscv_board_firmware_name(b, &bi->firmware_file, errp)) {
        return false;
    }
    const char *fw = bi->firmware_file;
    if (!fw) {
        return true;
    }
    bool ok = loader_is_elf(fw)
        ? loader_load_elf(b->images, fw, EM_RISCV_MACHINE, &bi->firmware, errp)
        : loader_load_raw(b->images, fw, b->info.dram_base, ms->ram_size, &bi->firmware,
                          errp);
    if (!ok) {
        g_prefix_error(errp, "-bios: ");
        return false;
    }
    return true;
}

/* Linux's RISC-V Image header: image_size at 16, magic2 "RSC\x05" at 56. */
#define LINUX_IMAGE_SIZE_OFF 16
#define LINUX_IMAGE_MAGIC2_OFF 56
#define LINUX_IMAGE_MAGIC2 "RSC\x05"

/* Memory the raw kernel @k will occupy once running (bss included). */
static uint64_t riscv_board_kernel_extent(RiscvBoard *b, const LoaderImageInfo *k)
{
    uint8_t hdr[LINUX_IMAGE_MAGIC2_OFF + 4];
    if (address_space_read_buf(&b->ms->address_space, k->low, hdr, sizeof(hdr)) != MEMTX_OK ||
        memcmp(hdr + LINUX_IMAGE_MAGIC2_OFF, LINUX_IMAGE_MAGIC2, 4) != 0) {
        return k->high;
    }
    uint64_t size = 0;
    for (int i = 7; i >= 0; i--) {
        size = size << 8 | hdr[LINUX_IMAGE_SIZE_OFF + i];
    }
    return MAX(k->high, k->low + size);
}

bool riscv_board_load_kernel(RiscvBoard *b, RiscvBootInfo *bi, GError **errp)
{
    MachineState *ms = b->ms;
    hwaddr dram_base = b->info.dram_base;
    const char *k = ms->kernel_filename;
    if (!k) {
        return true;
    }
    bool ok;
    if (loader_is_elf(k)) {
        ok = loader_load_elf(b->images, k, EM_RISCV_MACHINE, &bi->kernel, errp);
    } else {
        hwaddr addr = bi->firmware_file ? align_up(bi->firmware.high, RISCV_KERNEL_ALIGN)
                                        : dram_base;
        hwaddr ram_end = dram_base + ms->ram_size;
        if (addr >= ram_end) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_TOO_BIG,
                        "-kernel: no room for '%s' after the firmware", k);
            return false;
        }
        ok = loader_load_raw(b->images, k, addr, ram_end - addr, &bi->kernel, errp);
        if (ok) {
            bi->kernel.high = riscv_board_kernel_extent(b, &bi->kernel);
        }
    }
    if (!ok) {
        g_prefix_error(errp, "-kernel: ");
        return false;
    }
    bi->have_kernel = true;
    return true;
}

/* Load -initrd just below the tree at @fdt_addr and point /chosen at it. */
static bool riscv_board_load_initrd(RiscvBoard *b, const RiscvBootInfo *bi,
                                    uint64_t fdt_addr, GError **errp)
{
    MachineState *ms = b->ms;
    hwaddr dram_base = b->info.dram_base;
    uint64_t low_limit = bi->have_kernel ? bi->kernel.high
                       : bi->firmware_file ? bi->firmware.high : dram_base;
    if (bi->initrd_size > fdt_addr - dram_base ||
        align_down(fdt_addr - bi->initrd_size, RISCV_INITRD_ALIGN) < low_limit) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_TOO_BIG,
                    "-initrd: '%s' (%" PRIu64 " bytes) does not fit between the kernel "
                    "and the device tree; give the guest more memory with -m",
                    ms->initrd_filename, bi->initrd_size);
        return false;
    }
    uint64_t start = align_down(fdt_addr - bi->initrd_size, RISCV_INITRD_ALIGN);
    if (!loader_load_raw(b->images, ms->initrd_filename, start, bi->initrd_size, NULL,
                         errp)) {
        g_prefix_error(errp, "-initrd: ");
        return false;
    }
    fdt_builder_prop_u64(b->fdt, "/chosen", "linux,initrd-start", start);
    fdt_builder_prop_u64(b->fdt, "/chosen", "linux,initrd-end", start + bi->initrd_size);
    return fdt_builder_finish(b->fdt, errp);
}

bool riscv_board_place_fdt(RiscvBoard *b, RiscvBootInfo *bi, uint64_t *fdt_addr,
                           GError **errp)
{
    MachineState *ms = b->ms;
    hwaddr dram_base = b->info.dram_base;
    FdtBuilder *fdt = b->fdt;
    if (ms->initrd_filename) {
        if (!loader_file_size(ms->initrd_filename, ms->ram_size, &bi->initrd_size, errp)) {
            g_prefix_error(errp, "-initrd: ");
            return false;
        }
        /* Placeholders of the final size, so the blob's size is known now. */
        fdt_builder_add_node(fdt, "/chosen");
        fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-start", 0);
        fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-end", 0);
    }
    if (!fdt_builder_finish(fdt, errp)) {
        return false;
    }
    size_t fdt_size;
    fdt_builder_blob(fdt, &fdt_size);
    uint64_t top = MIN(dram_base + ms->ram_size, RISCV_FDT_LIMIT);
    if (top < dram_base + fdt_size) {
        g_set_error(errp, RISCV_BOARD_ERROR(b), 0, "%s: no room in RAM for the device tree",
                    b->info.name);
        return false;
    }
    *fdt_addr = MAX(align_down(top - fdt_size, RISCV_FDT_ALIGN), dram_base);
    if (ms->initrd_filename && !riscv_board_load_initrd(b, bi, *fdt_addr, errp)) {
        return false;
    }
    const void *blob = fdt_builder_blob(fdt, &fdt_size);
    return loader_images_add(b->images, "device tree", *fdt_addr, blob, fdt_size, errp);
}

/* ---- finalize: reset vector, dumpdtb, reset hook ------------------------------ */

static bool riscv_board_dump_dtb(RiscvBoard *b, const char *file, GError **errp)
{
    size_t size;
    const void *blob = fdt_builder_blob(b->fdt, &size);
    GError *err = NULL;
    /* Through the name as given: never replace a device node or symlink. */
    if (!host_file_write(file, blob, size, &err)) {
        g_set_error(errp, RISCV_BOARD_ERROR(b), 0, "dumpdtb: %s", err->message);
        g_error_free(err);
        return false;
    }
    return true;
}

static void riscv_board_reset_hook(void *opaque)
{
    RiscvBoard *b = opaque;
    loader_images_replay(b->images);
}

bool riscv_board_finish_boot(RiscvBoard *b, const RiscvBootInfo *bi, uint64_t fdt_addr,
                             GError **errp)
{
    MachineState *ms = b->ms;
    uint64_t next = bi->have_kernel ? bi->kernel.entry : 0;
    uint64_t start = bi->firmware_file ? bi->firmware.entry
                   : bi->have_kernel ? bi->kernel.entry : b->info.dram_base;
    uint8_t tramp[TRAMP_SIZE];
    riscv_build_trampoline(tramp, start, fdt_addr, next);
    if (!loader_images_add(b->images, "reset vector", b->info.mrom_base, tramp,
                           sizeof(tramp), errp)) {
        return false;
    }
    if (ms->dumpdtb && !riscv_board_dump_dtb(b, ms->dumpdtb, errp)) {
        return false;
    }
    runstate_set_reset_hook(riscv_board_reset_hook, b);
    return true;
}
