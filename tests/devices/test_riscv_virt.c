/* SPDX-License-Identifier: MIT */
/*
 * The riscv virt board with a throwaway CPU type: address map, interrupt
 * wiring from devices through the PLIC and CLINT to the harts' input pins,
 * the reset trampoline and fw_dynamic_info, image placement, the generated
 * device tree, and the reset hook that restores the images.
 */
#include <elf.h>
#include <libfdt.h>
#include <string.h>

#include <glib/gstdio.h>

#include "devtest.h"

#include "kernel/accel.h"
#include "kernel/loader.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "kernel/runstate.h"

#define TYPE_TEST_CPU "test-riscv-cpu"
#define TEST_ISA "rv64imafdc_zicsr"
#define NUM_PINS 12
#define MiB (1024 * 1024ULL)
#define RAM_BASE 0x80000000ULL
#define ROM_BASE 0x1000

/* ---- a CPU that only records its interrupt pins -------------------------- */

typedef struct TestCpu {
    CPUState parent_obj;
    uint32_t hartid;
    uint64_t resetvec;
    uint64_t timebase;
    char *isa;
    char *mmu;
    int pin[NUM_PINS];
} TestCpu;

OBJECT_DECLARE_SIMPLE_TYPE(TestCpu, TEST_CPU, TYPE_TEST_CPU)

static void test_cpu_pin(void *opaque, int n, int level)
{
    TEST_CPU(opaque)->pin[n] = level;
}

static void test_cpu_init(Object *obj)
{
    device_init_irq_in(DEVICE(obj), test_cpu_pin, NUM_PINS);
}

static const PropertyInfo test_cpu_props[] = {
    PROP_UINT32("hartid", TestCpu, hartid, 0, "hart id"),
    PROP_UINT64("resetvec", TestCpu, resetvec, 0, "reset vector"),
    PROP_UINT64("timebase-frequency", TestCpu, timebase, 0, "timebase"),
    PROP_STRING("isa-string", TestCpu, isa, TEST_ISA, "ISA"),
    PROP_STRING("mmu-type", TestCpu, mmu, "sv39", "MMU"),
    PROP_END
};

static void test_cpu_class_init(ObjectClass *klass, const void *data)
{
    object_class_add_field_properties(klass, test_cpu_props);
}

static const TypeInfo test_cpu_info = {
    .name = TYPE_TEST_CPU,
    .parent = TYPE_CPU,
    .instance_size = sizeof(TestCpu),
    .class_size = sizeof(CPUClass),
    .instance_init = test_cpu_init,
    .class_init = test_cpu_class_init,
};

/* ---- helpers ------------------------------------------------------------- */

typedef struct Board {
    MachineState *ms;
    char *dir;
    char *dtb_path;
    void *dtb;
} Board;

static char *write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
    return path;
}

/* A fake image: @len bytes of @fill, with @len rounded to words. */
static char *fake_image(const char *dir, const char *name, size_t len, uint8_t fill)
{
    uint8_t *buf = g_malloc(len);
    memset(buf, fill, len);
    char *path = write_file(dir, name, buf, len);
    g_free(buf);
    return path;
}

/* The current test's scratch directory, removed by the fixture. */
static char *scratch_dir;

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *name;
        while ((name = g_dir_read_name(d))) {
            char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
            g_free(child);
        }
        g_dir_close(d);
    }
    g_remove(path);
}

static void scratch_teardown(void)
{
    if (scratch_dir) {
        remove_tree(scratch_dir);
        g_clear_pointer(&scratch_dir, g_free);
    }
}

static Board board_new(unsigned harts)
{
    Board b = { 0 };
    type_register_static(&test_cpu_info);
    b.dir = g_dir_make_tmp("virt-test-XXXXXX", NULL);
    ck_assert_ptr_nonnull(b.dir);
    scratch_dir = g_strdup(b.dir);
    GError *err = NULL;
    module_set_target("riscv64"); /* aarch64 has a "virt" too */
    b.ms = machine_create("virt", &err);
    ck_assert_msg(b.ms, "%s", err ? err->message : "?");
    g_free(b.ms->cpu_type);
    b.ms->cpu_type = g_strdup(TYPE_TEST_CPU);
    b.ms->smp_cpus = harts;
    b.ms->ram_size = 128 * MiB;
    b.dtb_path = g_build_filename(b.dir, "out.dtb", NULL);
    b.ms->dumpdtb = g_strdup(b.dtb_path);
    return b;
}

static void board_init(Board *b)
{
    GError *err = NULL;
    ck_assert_msg(machine_init(b->ms, &err), "%s", err ? err->message : "?");
}

static void board_finalize(Board *b)
{
    GError *err = NULL;
    ck_assert_msg(MACHINE_GET_CLASS(b->ms)->finalize(b->ms, &err), "%s",
                  err ? err->message : "?");
    gsize len;
    ck_assert(g_file_get_contents(b->dtb_path, (char **)&b->dtb, &len, NULL));
    ck_assert_int_eq(fdt_check_header(b->dtb), 0);
}

static uint64_t mem_read(Board *b, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&b->ms->address_space, addr, &v, size), MEMTX_OK);
    return v;
}

static void mem_write(Board *b, hwaddr addr, uint64_t v, unsigned size)
{
    ck_assert_int_eq(address_space_write(&b->ms->address_space, addr, v, size), MEMTX_OK);
}

static TestCpu *hart(Board *b, unsigned i)
{
    return TEST_CPU(g_ptr_array_index(b->ms->cpus, i));
}

static int node(Board *b, const char *path)
{
    int off = fdt_path_offset(b->dtb, path);
    ck_assert_msg(off >= 0, "no node %s", path);
    return off;
}

static const char *prop_str(Board *b, const char *path, const char *name)
{
    const char *v = fdt_getprop(b->dtb, node(b, path), name, NULL);
    ck_assert_msg(v, "no %s in %s", name, path);
    return v;
}

/* Cells of a property, host order, count in *n. */
static uint32_t cell(Board *b, const char *path, const char *name, int i)
{
    int len;
    const fdt32_t *v = fdt_getprop(b->dtb, node(b, path), name, &len);
    ck_assert_msg(v && (i + 1) * 4 <= len, "%s %s[%d]", path, name, i);
    return fdt32_to_cpu(v[i]);
}

static uint64_t cell64(Board *b, const char *path, const char *name, int i)
{
    return (uint64_t)cell(b, path, name, i) << 32 | cell(b, path, name, i + 1);
}

static uint32_t phandle_of(Board *b, const char *path)
{
    uint32_t ph = fdt_get_phandle(b->dtb, node(b, path));
    ck_assert_uint_ne(ph, 0);
    return ph;
}

/* ---- tests ----------------------------------------------------------------- */

START_TEST(test_reset_vector_and_fw_dynamic_info)
{
    Board b = board_new(1);
    b.ms->firmware = fake_image(b.dir, "fw.bin", 4096, 0x13);
    b.ms->kernel_filename = fake_image(b.dir, "Image", 8192, 0x13);
    board_init(&b);
    board_finalize(&b);
    /* auipc t0,0; addi a2,t0,40; csrr a0,mhartid; ld a1,32(t0); ld t0,24(t0); jr t0 */
    static const uint32_t code[] = { 0x00000297, 0x02828613, 0xf1402573,
                                     0x0202b583, 0x0182b283, 0x00028067 };
    for (unsigned i = 0; i < G_N_ELEMENTS(code); i++) {
        ck_assert_uint_eq(mem_read(&b, ROM_BASE + 4 * i, 4), code[i]);
    }
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x18, 8), RAM_BASE);          /* firmware */
    uint64_t fdt_addr = mem_read(&b, ROM_BASE + 0x20, 8);
    ck_assert_uint_eq(fdt_addr % (2 * MiB), 0);
    ck_assert_uint_eq(mem_read(&b, fdt_addr, 4), 0xedfe0dd0);              /* FDT magic, BE */
    /* struct fw_dynamic_info */
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x28, 8), 0x4942534f);
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x30, 8), 2);
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x38, 8), RAM_BASE + 2 * MiB); /* kernel */
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x40, 8), 1);                 /* S-mode */
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x48, 8), 0);
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x50, 8), UINT64_MAX);
    ck_assert_uint_eq(hart(&b, 0)->resetvec, ROM_BASE);
    ck_assert_uint_eq(hart(&b, 0)->timebase, 10000000);
}
END_TEST

START_TEST(test_bios_none_starts_kernel_at_ram_base)
{
    Board b = board_new(1);
    b.ms->firmware = g_strdup("none");
    b.ms->kernel_filename = fake_image(b.dir, "Image", 4096, 0x5a);
    board_init(&b);
    board_finalize(&b);
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x18, 8), RAM_BASE);
    ck_assert_uint_eq(mem_read(&b, RAM_BASE, 4), 0x5a5a5a5a);
}
END_TEST

START_TEST(test_elf_kernel_loads_at_its_address)
{
    Board b = board_new(1);
    b.ms->firmware = g_strdup("none");
    board_init(&b);
    /* A minimal ELF64 RISC-V executable: one PT_LOAD of 16 bytes + 16 bss. */
    uint8_t elf[0x100] = { 0 };
    Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = 243;
    eh->e_version = EV_CURRENT;
    eh->e_entry = RAM_BASE + 0x400004;
    eh->e_phoff = sizeof(*eh);
    eh->e_ehsize = sizeof(*eh);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 1;
    Elf64_Phdr *ph = (Elf64_Phdr *)(elf + sizeof(*eh));
    ph->p_type = PT_LOAD;
    ph->p_offset = 0xc0;
    ph->p_paddr = ph->p_vaddr = RAM_BASE + 0x400000;
    ph->p_filesz = 16;
    ph->p_memsz = 32;
    memset(elf + 0xc0, 0x77, 16);
    b.ms->kernel_filename = write_file(b.dir, "k.elf", elf, sizeof(elf));
    mem_write(&b, RAM_BASE + 0x400010, 0xdeadbeef, 4); /* bss must be cleared */
    board_finalize(&b);
    ck_assert_uint_eq(mem_read(&b, ROM_BASE + 0x18, 8), RAM_BASE + 0x400004);
    ck_assert_uint_eq(mem_read(&b, RAM_BASE + 0x400000, 4), 0x77777777);
    ck_assert_uint_eq(mem_read(&b, RAM_BASE + 0x400010, 4), 0);
}
END_TEST

START_TEST(test_initrd_below_fdt_and_in_chosen)
{
    Board b = board_new(1);
    b.ms->firmware = g_strdup("none");
    b.ms->kernel_filename = fake_image(b.dir, "Image", 4096, 0x01);
    b.ms->initrd_filename = fake_image(b.dir, "initrd", 10000, 0xab);
    b.ms->kernel_cmdline = g_strdup("console=ttyS0 earlycon");
    board_init(&b);
    board_finalize(&b);
    uint64_t fdt_addr = mem_read(&b, ROM_BASE + 0x20, 8);
    uint64_t start = cell64(&b, "/chosen", "linux,initrd-start", 0);
    uint64_t end = cell64(&b, "/chosen", "linux,initrd-end", 0);
    ck_assert_uint_eq(end - start, 10000);
    ck_assert_uint_le(end, fdt_addr);
    ck_assert_uint_eq(start % 4096, 0);
    ck_assert_uint_eq(mem_read(&b, start, 1), 0xab);
    ck_assert_uint_eq(mem_read(&b, end - 1, 1), 0xab);
    ck_assert_str_eq(prop_str(&b, "/chosen", "bootargs"), "console=ttyS0 earlycon");
    /* The blob in guest memory is the dumped one. */
    size_t size = fdt_totalsize(b.dtb);
    uint8_t *guest = g_malloc(size);
    address_space_read_buf(&b.ms->address_space, fdt_addr, guest, size);
    ck_assert_int_eq(memcmp(guest, b.dtb, size), 0);
    g_free(guest);
}
END_TEST

START_TEST(test_fdt_describes_board)
{
    Board b = board_new(2);
    b.ms->firmware = g_strdup("none");
    board_init(&b);
    board_finalize(&b);
    ck_assert_str_eq(prop_str(&b, "/", "compatible"), "riscv-virtio");
    ck_assert_uint_eq(cell(&b, "/cpus", "timebase-frequency", 0), 10000000);
    ck_assert_str_eq(prop_str(&b, "/cpus/cpu@1", "riscv,isa"), TEST_ISA);
    ck_assert_str_eq(prop_str(&b, "/cpus/cpu@1", "mmu-type"), "riscv,sv39");
    ck_assert_uint_eq(cell(&b, "/cpus/cpu@1", "reg", 0), 1);
    ck_assert_uint_eq(cell64(&b, "/memory@80000000", "reg", 2), 128 * MiB);
    ck_assert_str_eq(prop_str(&b, "/chosen", "stdout-path"), "/soc/serial@10000000");

    uint32_t intc0 = phandle_of(&b, "/cpus/cpu@0/interrupt-controller");
    uint32_t intc1 = phandle_of(&b, "/cpus/cpu@1/interrupt-controller");
    uint32_t plic = phandle_of(&b, "/soc/plic@c000000");
    const uint32_t plic_ext[] = { intc0, 11, intc0, 9, intc1, 11, intc1, 9 };
    const uint32_t clint_ext[] = { intc0, 3, intc0, 7, intc1, 3, intc1, 7 };
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(cell(&b, "/soc/plic@c000000", "interrupts-extended", i), plic_ext[i]);
        ck_assert_uint_eq(cell(&b, "/soc/clint@2000000", "interrupts-extended", i),
                          clint_ext[i]);
    }
    ck_assert_uint_eq(cell(&b, "/soc/plic@c000000", "riscv,ndev", 0), 96);
    ck_assert_uint_eq(cell64(&b, "/soc/plic@c000000", "reg", 2), 0x200000 + 4 * 0x1000);
    ck_assert_uint_eq(cell(&b, "/soc/serial@10000000", "interrupt-parent", 0), plic);
    ck_assert_uint_eq(cell(&b, "/soc/serial@10000000", "interrupts", 0), 10);
    ck_assert_uint_eq(cell(&b, "/soc/serial@10000000", "clock-frequency", 0), 3686400);
    ck_assert_uint_eq(cell(&b, "/soc/rtc@101000", "interrupts", 0), 11);
    uint32_t test = phandle_of(&b, "/soc/test@100000");
    ck_assert_uint_eq(cell(&b, "/poweroff", "regmap", 0), test);
    ck_assert_uint_eq(cell(&b, "/poweroff", "value", 0), 0x5555);
    ck_assert_uint_eq(cell(&b, "/reboot", "value", 0), 0x7777);
}
END_TEST

START_TEST(test_aclint_property_splits_clint_node)
{
    Board b = board_new(2);
    b.ms->firmware = g_strdup("none");
    ck_assert(object_property_set_bool(OBJECT(b.ms), "aclint", true, NULL));
    board_init(&b);
    board_finalize(&b);
    ck_assert_int_lt(fdt_path_offset(b.dtb, "/soc/clint@2000000"), 0);
    uint32_t intc0 = phandle_of(&b, "/cpus/cpu@0/interrupt-controller");
    uint32_t intc1 = phandle_of(&b, "/cpus/cpu@1/interrupt-controller");
    ck_assert_str_eq(prop_str(&b, "/soc/mswi@2000000", "compatible"), "riscv,aclint-mswi");
    const uint32_t mswi_ext[] = { intc0, 3, intc1, 3 };
    const uint32_t mtimer_ext[] = { intc0, 7, intc1, 7 };
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(cell(&b, "/soc/mswi@2000000", "interrupts-extended", i), mswi_ext[i]);
        ck_assert_uint_eq(cell(&b, "/soc/mtimer@200bff8", "interrupts-extended", i),
                          mtimer_ext[i]);
    }
    /* mtime first, then the mtimecmp array. */
    ck_assert_uint_eq(cell64(&b, "/soc/mtimer@200bff8", "reg", 0), 0x200bff8);
    ck_assert_uint_eq(cell64(&b, "/soc/mtimer@200bff8", "reg", 2), 8);
    ck_assert_uint_eq(cell64(&b, "/soc/mtimer@200bff8", "reg", 4), 0x2004000);
    ck_assert_uint_eq(cell64(&b, "/soc/mtimer@200bff8", "reg", 6), 0x7ff8);
}
END_TEST

START_TEST(test_user_dtb_gets_chosen)
{
    Board b = board_new(1);
    /* A minimal tree of our own. */
    uint8_t blob[1024];
    ck_assert_int_eq(fdt_create_empty_tree(blob, sizeof(blob)), 0);
    ck_assert_int_eq(fdt_setprop_string(blob, 0, "model", "mine"), 0);
    b.ms->dtb = write_file(b.dir, "in.dtb", blob, fdt_totalsize(blob));
    b.ms->firmware = g_strdup("none");
    b.ms->kernel_filename = fake_image(b.dir, "Image", 4096, 0x01);
    b.ms->kernel_cmdline = g_strdup("quiet");
    board_init(&b);
    board_finalize(&b);
    ck_assert_str_eq(prop_str(&b, "/", "model"), "mine");
    ck_assert_str_eq(prop_str(&b, "/chosen", "bootargs"), "quiet");
    ck_assert_int_lt(fdt_path_offset(b.dtb, "/soc"), 0);
}
END_TEST

START_TEST(test_uart_irq_reaches_hart_through_plic)
{
    Board b = board_new(2);
    b.ms->firmware = g_strdup("none");
    board_init(&b);
    const hwaddr plic = 0xc000000, uart = 0x10000000;
    mem_write(&b, plic + 4 * 10, 1, 4);              /* priority of source 10 */
    mem_write(&b, plic + 0x2000 + 0x80 * 3, 1u << 10, 4); /* enable on hart 1 S context */
    mem_write(&b, uart + 1, 0x02, 1);                /* IER: THR empty */
    ck_assert_int_eq(hart(&b, 1)->pin[9], 1);
    ck_assert_int_eq(hart(&b, 1)->pin[11], 0);
    ck_assert_int_eq(hart(&b, 0)->pin[9], 0);
    ck_assert_uint_eq(mem_read(&b, plic + 0x200004 + 0x1000 * 3, 4), 10);
    ck_assert_int_eq(hart(&b, 1)->pin[9], 0);
}
END_TEST

START_TEST(test_clint_reaches_harts)
{
    Board b = board_new(2);
    b.ms->firmware = g_strdup("none");
    board_init(&b);
    const hwaddr clint = 0x2000000;
    mem_write(&b, clint + 4, 1, 4);                  /* msip hart 1 */
    ck_assert_int_eq(hart(&b, 1)->pin[3], 1);
    ck_assert_int_eq(hart(&b, 0)->pin[3], 0);
    mem_write(&b, clint + 0x4000, 0, 8);             /* mtimecmp hart 0 = 0 */
    ck_assert_int_eq(hart(&b, 0)->pin[7], 1);
    ck_assert_int_eq(hart(&b, 1)->pin[7], 0);
}
END_TEST

START_TEST(test_reset_restores_images)
{
    Board b = board_new(1);
    b.ms->firmware = g_strdup("none");
    b.ms->kernel_filename = fake_image(b.dir, "Image", 4096, 0x42);
    board_init(&b);
    board_finalize(&b);
    mem_write(&b, RAM_BASE, 0, 8);
    system_reset();
    ck_assert_uint_eq(mem_read(&b, RAM_BASE, 8), 0x4242424242424242ULL);
}
END_TEST

/* A realized goldfish-rtc: an in-tree device with MMIO, no addr/irq properties. */
static DeviceState *plug_rtc(Board *b, GError **errp)
{
    Object *obj = object_new_checked("goldfish-rtc", NULL);
    ck_assert_ptr_nonnull(obj);
    DeviceState *dev = DEVICE(obj);
    ck_assert(device_realize(dev, NULL));
    if (!MACHINE_GET_CLASS(b->ms)->plug_device(b->ms, dev, errp)) {
        object_unref(obj);
        return NULL;
    }
    return dev;
}

START_TEST(test_user_devices_fill_the_window)
{
    Board b = board_new(1);
    b.ms->firmware = g_strdup("none");
    board_init(&b);
    const hwaddr plic = 0xc000000;
    DeviceState *first = plug_rtc(&b, NULL), *second = plug_rtc(&b, NULL);
    ck_assert_uint_eq(first->mmio_addr[0], 0x10010000);
    ck_assert_uint_eq(second->mmio_addr[0], 0x10011000);

    /* Second device's IRQ output reaches hart 0's MEIP as PLIC source 65
     * (user devices take 64..95; 32..35 are PCIe INTA..D). */
    mem_write(&b, plic + 4 * 65, 1, 4);
    mem_write(&b, plic + 0x2000 + 8, 1u << (65 - 64), 4);   /* hart 0 M context */
    irq_raise(*second->irq_out[0]);
    ck_assert_int_eq(hart(&b, 0)->pin[11], 1);
    ck_assert_uint_eq(mem_read(&b, plic + 0x200004, 4), 65);

    /* Unplugging frees the slot, which the next device takes. */
    MACHINE_GET_CLASS(b.ms)->unplug_device(b.ms, first);
    ck_assert_uint_eq(first->mmio_addr[0], HWADDR_UNMAPPED);
    uint64_t v;
    ck_assert_int_ne(address_space_read(&b.ms->address_space, 0x10010000, &v, 4), MEMTX_OK);
    DeviceState *third = plug_rtc(&b, NULL);
    ck_assert_uint_eq(third->mmio_addr[0], 0x10010000);

    ck_assert(object_property_add_child(OBJECT(b.ms), "rtc-user", OBJECT(third), NULL));
    board_finalize(&b);
    uint32_t plic_ph = phandle_of(&b, "/soc/plic@c000000");
    ck_assert_uint_eq(cell(&b, "/soc/rtc@10010000", "interrupts", 0), 64);
    ck_assert_uint_eq(cell(&b, "/soc/rtc@10010000", "interrupt-parent", 0), plic_ph);
}
END_TEST

START_TEST(test_user_device_refusals_name_the_device)
{
    Board b = board_new(1);
    board_init(&b);
    GError *err = NULL;
    for (int i = 0; i < 16; i++) {
        ck_assert_msg(plug_rtc(&b, &err), "%s", err ? err->message : "?");
    }
    ck_assert_ptr_null(plug_rtc(&b, &err));
    ck_assert_str_eq(err->message, "no free space for device 'goldfish-rtc' (0x1000 bytes) in "
                     "the virt board's user-device window 0x10010000..0x1001ffff");
    g_clear_error(&err);

    Object *cpu = object_new_checked(TYPE_TEST_CPU, NULL);
    ck_assert(!MACHINE_GET_CLASS(b.ms)->plug_device(b.ms, DEVICE(cpu), &err));
    ck_assert_str_eq(err->message, "device '" TYPE_TEST_CPU "' has no MMIO region: the virt "
                     "board places only memory-mapped devices");
    g_error_free(err);
    object_unref(cpu);
}
END_TEST

START_TEST(test_initrd_too_big_is_reported)
{
    Board b = board_new(1);
    b.ms->ram_size = 8 * MiB;
    b.ms->firmware = g_strdup("none");
    b.ms->kernel_filename = fake_image(b.dir, "Image", 4096, 0x01);
    b.ms->initrd_filename = fake_image(b.dir, "initrd", 7 * MiB, 0);
    board_init(&b);
    GError *err = NULL;
    ck_assert(!MACHINE_GET_CLASS(b.ms)->finalize(b.ms, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "initrd"));
    g_error_free(err);
}
END_TEST

START_TEST(test_missing_kernel_file_is_named)
{
    Board b = board_new(1);
    b.ms->firmware = g_strdup("none");
    b.ms->kernel_filename = g_strdup("/nonexistent/Image");
    board_init(&b);
    GError *err = NULL;
    ck_assert(!MACHINE_GET_CLASS(b.ms)->finalize(b.ms, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent/Image"));
    g_error_free(err);
}
END_TEST

static Suite *virt_suite(void)
{
    Suite *s = suite_create("/boards/riscv-virt");
    TCase *tc = tcase_create("/boards/riscv-virt/boot");
    tcase_add_checked_fixture(tc, NULL, scratch_teardown);
    tcase_add_test(tc, test_reset_vector_and_fw_dynamic_info);
    tcase_add_test(tc, test_bios_none_starts_kernel_at_ram_base);
    tcase_add_test(tc, test_elf_kernel_loads_at_its_address);
    tcase_add_test(tc, test_initrd_below_fdt_and_in_chosen);
    tcase_add_test(tc, test_reset_restores_images);
    tcase_add_test(tc, test_initrd_too_big_is_reported);
    tcase_add_test(tc, test_missing_kernel_file_is_named);
    suite_add_tcase(s, tc);
    tc = tcase_create("/boards/riscv-virt/fdt");
    tcase_add_checked_fixture(tc, NULL, scratch_teardown);
    tcase_add_test(tc, test_fdt_describes_board);
    tcase_add_test(tc, test_user_dtb_gets_chosen);
    tcase_add_test(tc, test_aclint_property_splits_clint_node);
    suite_add_tcase(s, tc);
    tc = tcase_create("/boards/riscv-virt/wiring");
    tcase_add_checked_fixture(tc, NULL, scratch_teardown);
    tcase_add_test(tc, test_uart_irq_reaches_hart_through_plic);
    tcase_add_test(tc, test_clint_reaches_harts);
    tcase_add_test(tc, test_user_devices_fill_the_window);
    tcase_add_test(tc, test_user_device_refusals_name_the_device);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return devtest_run(virt_suite());
}
