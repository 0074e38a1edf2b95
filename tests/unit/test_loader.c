/* SPDX-License-Identifier: MIT */
/*
 * Image loader (kernel/loader.h): raw files and ELF64 executables written
 * into an address space (ROM included), placement and size checks whose
 * errors name the file, symbol lookup, and replay of the images.
 */
#include <check.h>
#include <elf.h>
#include <string.h>
#include <unistd.h>

#include "kernel/loader.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000
#define ROM_BASE 0x1000
#define ROM_SIZE 0x1000

typedef struct Mem {
    MemoryRegion root, ram, rom;
    AddressSpace as;
    LoaderImages *imgs;
    char *dir;
} Mem;

/* Scratch directory of the running test (checked fixture). */
static char *scratch;

static void scratch_setup(void)
{
    scratch = g_dir_make_tmp("loader-XXXXXX", NULL);
    ck_assert_ptr_nonnull(scratch);
}

static void scratch_teardown(void)
{
    GDir *d = g_dir_open(scratch, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(scratch, name, NULL);
        unlink(p);
        g_free(p);
    }
    if (d) {
        g_dir_close(d);
    }
    rmdir(scratch);
    g_clear_pointer(&scratch, g_free);
}

static void mem_init(Mem *m)
{
    memory_region_init(&m->root, NULL, "root", UINT64_MAX);
    ck_assert(memory_region_init_ram(&m->ram, NULL, "ram", RAM_SIZE, NULL));
    ck_assert(memory_region_init_rom(&m->rom, NULL, "rom", ROM_SIZE, NULL));
    memory_region_add_subregion(&m->root, RAM_BASE, &m->ram);
    memory_region_add_subregion(&m->root, ROM_BASE, &m->rom);
    address_space_init(&m->as, &m->root, "test");
    m->imgs = loader_images_new(&m->as);
    m->dir = scratch;
}

static char *mem_file(Mem *m, const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(m->dir, name, NULL);
    ck_assert(g_file_set_contents(path, data, (gssize)len, NULL));
    return path;
}

static uint64_t rd(Mem *m, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&m->as, addr, &v, size), MEMTX_OK);
    return v;
}

/*
 * A little ELF64 RISC-V executable: segment 0 (16 bytes of 0x11 at
 * RAM_BASE + 0x100, 16 more of bss), segment 1 (8 bytes of 0x22 at
 * RAM_BASE + 0x800), and a symbol table with "tohost" = RAM_BASE + 0x1000.
 */
#define ELF_SEG0 0x200
#define ELF_SEG1 0x210
#define ELF_STRTAB 0x218
#define ELF_SYMTAB 0x228
#define ELF_SHDRS 0x280
#define ELF_SIZE (ELF_SHDRS + 3 * sizeof(Elf64_Shdr))

static size_t build_elf(uint8_t *buf, uint16_t machine)
{
    memset(buf, 0, ELF_SIZE);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_EXEC;
    eh->e_machine = machine;
    eh->e_version = EV_CURRENT;
    eh->e_entry = RAM_BASE + 0x104;
    eh->e_phoff = sizeof(*eh);
    eh->e_shoff = ELF_SHDRS;
    eh->e_ehsize = sizeof(*eh);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = 3;
    eh->e_shentsize = sizeof(Elf64_Shdr);
    eh->e_shnum = 3;
    Elf64_Phdr *ph = (Elf64_Phdr *)(buf + eh->e_phoff);
    ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = ELF_SEG0, .p_paddr = RAM_BASE + 0x100,
                          .p_vaddr = 0xffffffff80000100ull, .p_filesz = 16, .p_memsz = 32 };
    ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = ELF_SEG0, .p_filesz = 4,
                          .p_memsz = 4 };
    ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = ELF_SEG1, .p_paddr = RAM_BASE + 0x800,
                          .p_filesz = 8, .p_memsz = 8 };
    memset(buf + ELF_SEG0, 0x11, 16);
    memset(buf + ELF_SEG1, 0x22, 8);
    static const char strtab[] = "\0other\0tohost";
    memcpy(buf + ELF_STRTAB, strtab, sizeof(strtab));
    Elf64_Sym *sym = (Elf64_Sym *)(buf + ELF_SYMTAB);
    sym[1] = (Elf64_Sym){ .st_name = 1, .st_shndx = 1, .st_value = 0x1234 };
    sym[2] = (Elf64_Sym){ .st_name = 7, .st_shndx = 1, .st_value = RAM_BASE + 0x1000 };
    Elf64_Shdr *sh = (Elf64_Shdr *)(buf + ELF_SHDRS);
    sh[1] = (Elf64_Shdr){ .sh_type = SHT_SYMTAB, .sh_offset = ELF_SYMTAB,
                          .sh_size = 3 * sizeof(Elf64_Sym), .sh_link = 2,
                          .sh_entsize = sizeof(Elf64_Sym) };
    sh[2] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = ELF_STRTAB,
                          .sh_size = sizeof(strtab) };
    return ELF_SIZE;
}

START_TEST(test_raw_image)
{
    Mem m;
    mem_init(&m);
    char *path = mem_file(&m, "raw.bin", "\x01\x02\x03\x04", 4);
    LoaderImageInfo info;
    GError *err = NULL;
    ck_assert(loader_load_raw(m.imgs, path, RAM_BASE + 0x40, 0, &info, &err));
    ck_assert_uint_eq(rd(&m, RAM_BASE + 0x40, 4), 0x04030201);
    ck_assert_uint_eq(info.entry, RAM_BASE + 0x40);
    ck_assert_uint_eq(info.low, RAM_BASE + 0x40);
    ck_assert_uint_eq(info.high, RAM_BASE + 0x44);
    ck_assert(!loader_is_elf(path));
}
END_TEST

START_TEST(test_raw_image_into_rom)
{
    Mem m;
    mem_init(&m);
    char *path = mem_file(&m, "rom.bin", "\xaa\xbb", 2);
    ck_assert(loader_load_raw(m.imgs, path, ROM_BASE, ROM_SIZE, NULL, NULL));
    ck_assert_uint_eq(rd(&m, ROM_BASE, 2), 0xbbaa);
}
END_TEST

START_TEST(test_raw_too_big_names_file)
{
    Mem m;
    mem_init(&m);
    char *path = mem_file(&m, "big.bin", "0123456789", 10);
    GError *err = NULL;
    ck_assert(!loader_load_raw(m.imgs, path, RAM_BASE, 8, NULL, &err));
    ck_assert_int_eq(err->code, LOADER_ERROR_TOO_BIG);
    ck_assert_ptr_nonnull(strstr(err->message, path));
    g_error_free(err);
}
END_TEST

START_TEST(test_missing_file_names_file)
{
    Mem m;
    mem_init(&m);
    GError *err = NULL;
    ck_assert(!loader_load_raw(m.imgs, "/nonexistent/fw.bin", RAM_BASE, 0, NULL, &err));
    ck_assert_int_eq(err->code, LOADER_ERROR_IO);
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent/fw.bin"));
    g_clear_error(&err);
    ck_assert(!loader_file_size(m.dir, 0, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "not a regular file"));
    g_error_free(err);
}
END_TEST

START_TEST(test_outside_memory_is_refused)
{
    Mem m;
    mem_init(&m);
    char *path = mem_file(&m, "x.bin", "0123456789", 10);
    GError *err = NULL;
    /* Straddles the end of RAM: nothing is written. */
    ck_assert(!loader_load_raw(m.imgs, path, RAM_BASE + RAM_SIZE - 4, 0, NULL, &err));
    ck_assert_int_eq(err->code, LOADER_ERROR_PLACEMENT);
    ck_assert_uint_eq(rd(&m, RAM_BASE + RAM_SIZE - 4, 4), 0);
    g_error_free(err);
}
END_TEST

START_TEST(test_overlap_names_both)
{
    Mem m;
    mem_init(&m);
    char *a = mem_file(&m, "a.bin", "AAAAAAAA", 8);
    char *b = mem_file(&m, "b.bin", "BBBBBBBB", 8);
    GError *err = NULL;
    ck_assert(loader_load_raw(m.imgs, a, RAM_BASE, 0, NULL, &err));
    ck_assert(!loader_load_raw(m.imgs, b, RAM_BASE + 4, 0, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err->message, a));
    ck_assert_ptr_nonnull(strstr(err->message, b));
    g_error_free(err);
    /* Adjacent is fine. */
    ck_assert(loader_load_raw(m.imgs, b, RAM_BASE + 8, 0, NULL, NULL));
}
END_TEST

START_TEST(test_elf_segments_and_bss)
{
    Mem m;
    mem_init(&m);
    uint8_t buf[ELF_SIZE];
    char *path = mem_file(&m, "k.elf", buf, build_elf(buf, EM_RISCV));
    /* Garbage where the bss goes: loading clears it. */
    address_space_write(&m.as, RAM_BASE + 0x118, 0xffffffff, 4);
    LoaderImageInfo info;
    GError *err = NULL;
    ck_assert(loader_is_elf(path));
    ck_assert_msg(loader_load_elf(m.imgs, path, EM_RISCV, &info, &err), "%s",
                  err ? err->message : "?");
    ck_assert_uint_eq(info.entry, RAM_BASE + 0x104);
    ck_assert_uint_eq(info.low, RAM_BASE + 0x100);
    ck_assert_uint_eq(info.high, RAM_BASE + 0x808);
    ck_assert_uint_eq(rd(&m, RAM_BASE + 0x100, 8), 0x1111111111111111ull);
    ck_assert_uint_eq(rd(&m, RAM_BASE + 0x118, 4), 0);
    ck_assert_uint_eq(rd(&m, RAM_BASE + 0x800, 8), 0x2222222222222222ull);
}
END_TEST

START_TEST(test_elf_wrong_machine_or_corrupt)
{
    Mem m;
    mem_init(&m);
    uint8_t buf[ELF_SIZE];
    char *path = mem_file(&m, "x86.elf", buf, build_elf(buf, EM_X86_64));
    GError *err = NULL;
    ck_assert(!loader_load_elf(m.imgs, path, EM_RISCV, NULL, &err));
    ck_assert_int_eq(err->code, LOADER_ERROR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err->message, path));
    g_clear_error(&err);

    build_elf(buf, EM_RISCV);
    ((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)))[0].p_offset = 0x100000; /* past the end */
    char *bad = mem_file(&m, "bad.elf", buf, ELF_SIZE);
    ck_assert(!loader_load_elf(m.imgs, bad, 0, NULL, &err));
    ck_assert_int_eq(err->code, LOADER_ERROR_FORMAT);
    g_clear_error(&err);

    build_elf(buf, EM_RISCV);
    ((Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr)))[0].p_memsz = 0xffffffffffff0000ull;
    char *huge = mem_file(&m, "huge.elf", buf, ELF_SIZE);
    ck_assert(!loader_load_elf(m.imgs, huge, 0, NULL, &err));
    ck_assert_int_eq(err->code, LOADER_ERROR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err->message, "too large"));
    ck_assert_ptr_nonnull(strstr(err->message, huge));
    g_clear_error(&err);

    char *notelf = mem_file(&m, "raw.bin", "hello", 5);
    ck_assert(!loader_load_elf(m.imgs, notelf, 0, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "not an ELF"));
    g_error_free(err);
}
END_TEST

START_TEST(test_elf_symbol_lookup)
{
    Mem m;
    mem_init(&m);
    uint8_t buf[ELF_SIZE];
    char *path = mem_file(&m, "k.elf", buf, build_elf(buf, EM_RISCV));
    uint64_t v = 0;
    GError *err = NULL;
    ck_assert(loader_elf_lookup_symbol(path, "tohost", &v, &err));
    ck_assert_uint_eq(v, RAM_BASE + 0x1000);
    ck_assert(loader_elf_lookup_symbol(path, "other", &v, &err));
    ck_assert_uint_eq(v, 0x1234);
    ck_assert(!loader_elf_lookup_symbol(path, "fromhost", &v, &err));
    ck_assert_int_eq(err->code, LOADER_ERROR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(err->message, "fromhost"));
    g_error_free(err);
}
END_TEST

START_TEST(test_replay_restores_images)
{
    Mem m;
    mem_init(&m);
    const uint8_t data[] = { 1, 2, 3, 4 };
    ck_assert(loader_images_add(m.imgs, "blob", RAM_BASE + 0x10, data, sizeof(data), NULL));
    address_space_write(&m.as, RAM_BASE + 0x10, 0, 4);
    loader_images_replay(m.imgs);
    ck_assert_uint_eq(rd(&m, RAM_BASE + 0x10, 4), 0x04030201);
    loader_images_clear(m.imgs);
    address_space_write(&m.as, RAM_BASE + 0x10, 0, 4);
    loader_images_replay(m.imgs);
    ck_assert_uint_eq(rd(&m, RAM_BASE + 0x10, 4), 0);
}
END_TEST

static Suite *loader_suite(void)
{
    Suite *s = suite_create("/loader");
    TCase *tc = tcase_create("/loader/raw");
    tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_add_test(tc, test_raw_image);
    tcase_add_test(tc, test_raw_image_into_rom);
    tcase_add_test(tc, test_raw_too_big_names_file);
    tcase_add_test(tc, test_missing_file_names_file);
    suite_add_tcase(s, tc);
    tc = tcase_create("/loader/placement");
    tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_add_test(tc, test_outside_memory_is_refused);
    tcase_add_test(tc, test_overlap_names_both);
    tcase_add_test(tc, test_replay_restores_images);
    suite_add_tcase(s, tc);
    tc = tcase_create("/loader/elf");
    tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_add_test(tc, test_elf_segments_and_bss);
    tcase_add_test(tc, test_elf_wrong_machine_or_corrupt);
    tcase_add_test(tc, test_elf_symbol_lookup);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(loader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures != 0;
}
