/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the image loader (kernel/loader.c), everything a -kernel,
 * -bios or -initrd file reaches.  Input: one control byte, then the file.
 * The file is written to an in-memory file (memfd) and loaded by name, as
 * a board would: ELF detection, the ELF loader (any machine or RISC-V,
 * chosen by the control byte), symbol lookup ("tohost", as spike does),
 * and the raw loader at an address and size limit chosen by the control
 * byte, into an address space with 1 MiB of RAM at 0x80000000 and 4 KiB
 * of ROM at 0x1000.  Images are then replayed (system reset) and cleared.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/loader.h"
#include "tests/fuzz/fuzz.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1024 * 1024)
#define ROM_BASE 0x1000
#define ROM_SIZE 0x1000

static MemoryRegion root, ram, rom;
static AddressSpace as;
static int file_fd = -1;
static char file_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("loader-fuzz", false);
    memory_region_init(&root, NULL, "root", UINT64_MAX);
    if (!memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, NULL) ||
        !memory_region_init_rom(&rom, NULL, "rom", ROM_SIZE, NULL)) {
        abort();
    }
    memory_region_add_subregion(&root, RAM_BASE, &ram);
    memory_region_add_subregion(&root, ROM_BASE, &rom);
    address_space_init(&as, &root, "fuzz");
    file_fd = memfd_create("loader-fuzz", 0);
    if (file_fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
    return 0;
}

static void set_file(const uint8_t *data, size_t size)
{
    if (ftruncate(file_fd, 0) != 0 || (size && pwrite(file_fd, data, size, 0) != (ssize_t)size)) {
        perror("loader-fuzz: memfd");
        abort();
    }
}

/* Where the raw loader puts the file, and with what limit. */
static const struct {
    uint64_t addr, max;
} raw_places[] = {
    { RAM_BASE, 0 },
    { RAM_BASE, RAM_SIZE },
    { RAM_BASE + RAM_SIZE - 16, 16 },
    { ROM_BASE, ROM_SIZE },
    { ROM_BASE + ROM_SIZE - 1, 0 },
    { 0, 0 },                          /* unbacked */
    { UINT64_MAX - 3, 0 },             /* wraps */
    { RAM_BASE - 8, 0 },               /* straddles the start of RAM */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t ctl = data[0];
    set_file(data + 1, size - 1);
    LoaderImages *imgs = loader_images_new(&as);
    LoaderImageInfo info;
    GError *err = NULL;
    if (loader_is_elf(file_path)) {
        if (loader_load_elf(imgs, file_path, ctl & 1 ? EM_RISCV : 0, &info, &err)) {
            g_assert(info.low <= info.high);
        } else {
            g_assert(err && err->message);
            g_clear_error(&err);
        }
        uint64_t value;
        if (!loader_elf_lookup_symbol(file_path, ctl & 2 ? "tohost" : "", &value, &err)) {
            g_assert(err && err->message);
            g_clear_error(&err);
        }
    }
    loader_images_clear(imgs);
    unsigned p = (ctl >> 2) % G_N_ELEMENTS(raw_places);
    if (loader_load_raw(imgs, file_path, raw_places[p].addr, raw_places[p].max, &info, &err)) {
        g_assert(info.entry == raw_places[p].addr);
    } else {
        g_assert(err && err->message);
        g_clear_error(&err);
    }
    loader_images_replay(imgs);
    loader_images_free(imgs);
    return 0;
}
