/* SPDX-License-Identifier: MIT */
/*
 * Image loader: see kernel/loader.h.  Files are read whole; every ELF
 * header, program header and section header is bounds-checked against the
 * file before use.
 */
#include "kernel/loader.h"

#include <elf.h>
#include <inttypes.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/hostfile.h"

/* No guest image segment is larger than this (a crafted p_memsz must not
 * make the loader ask the host for exabytes). */
#define LOADER_MAX_SEGMENT (16ULL << 30)

typedef struct LoaderBlob {
    char *name;
    hwaddr addr;
    GBytes *data;
} LoaderBlob;

struct LoaderImages {
    AddressSpace *as;
    GPtrArray *blobs;          /* LoaderBlob * */
};

G_DEFINE_QUARK(tessera-loader-error-quark, loader_error)

static void blob_free(gpointer p)
{
    LoaderBlob *b = p;
    g_free(b->name);
    g_bytes_unref(b->data);
    g_free(b);
}

LoaderImages *loader_images_new(AddressSpace *as)
{
    LoaderImages *imgs = g_new0(LoaderImages, 1);
    imgs->as = as;
    imgs->blobs = g_ptr_array_new_with_free_func(blob_free);
    return imgs;
}

void loader_images_free(LoaderImages *imgs)
{
    if (imgs) {
        g_ptr_array_unref(imgs->blobs);
        g_free(imgs);
    }
}

void loader_images_clear(LoaderImages *imgs)
{
    g_ptr_array_set_size(imgs->blobs, 0);
}

/* Whether [addr, addr + len) may take a new blob: no wrap, no overlap,
 * backed by RAM or ROM throughout. */
static bool images_check_placement(LoaderImages *imgs, const char *name, hwaddr addr,
                                   uint64_t len, GError **errp)
{
    if (addr + len < addr) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_PLACEMENT,
                    "%s: 0x%" PRIx64 " bytes at 0x%" HWADDR_PRIx " wrap around the address space",
                    name, (uint64_t)len, addr);
        return false;
    }
    for (guint i = 0; i < imgs->blobs->len; i++) {
        const LoaderBlob *b = g_ptr_array_index(imgs->blobs, i);
        hwaddr bend = b->addr + g_bytes_get_size(b->data);
        if (addr < bend && b->addr < addr + len) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_PLACEMENT,
                        "%s [0x%" HWADDR_PRIx "-0x%" HWADDR_PRIx ") overlaps %s [0x%" HWADDR_PRIx
                        "-0x%" HWADDR_PRIx ")", name, addr, addr + len, b->name, b->addr, bend);
            return false;
        }
    }
    /* Check the whole range is backed by RAM or ROM before writing anything. */
    hwaddr a = addr;
    while (a < addr + len) {
        uint64_t avail = 0;
        if (!address_space_get_host_ptr(imgs->as, a, false, &avail) || avail == 0) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_PLACEMENT,
                        "%s [0x%" HWADDR_PRIx "-0x%" HWADDR_PRIx ") does not fit in guest "
                        "memory (nothing at 0x%" HWADDR_PRIx ")", name, addr, addr + len, a);
            return false;
        }
        a += MIN(avail, addr + len - a);
    }
    return true;
}

/* Writes @bytes at @addr and keeps a reference for replay: the caller's
 * buffer is the blob, no copy (a kernel image is tens of MiB of memory
 * the host would otherwise fault in and fill a third time). */
static bool images_add_bytes(LoaderImages *imgs, const char *name, hwaddr addr, GBytes *bytes,
                             GError **errp)
{
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);
    if (len == 0) {
        return true;
    }
    if (!images_check_placement(imgs, name, addr, len, errp)) {
        return false;
    }
    if (address_space_write_rom(imgs->as, addr, data, len) != MEMTX_OK) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_PLACEMENT,
                    "%s: cannot write 0x%" PRIx64 " bytes at 0x%" HWADDR_PRIx,
                    name, (uint64_t)len, addr);
        return false;
    }
    LoaderBlob *b = g_new0(LoaderBlob, 1);
    b->name = g_strdup(name);
    b->addr = addr;
    b->data = g_bytes_ref(bytes);
    g_ptr_array_add(imgs->blobs, b);
    return true;
}

bool loader_images_add(LoaderImages *imgs, const char *name, hwaddr addr,
                       const void *data, size_t len, GError **errp)
{
    if (len == 0) {
        return true;
    }
    g_autoptr(GBytes) bytes = g_bytes_new(data, len);
    return images_add_bytes(imgs, name, addr, bytes, errp);
}

void loader_images_replay(LoaderImages *imgs)
{
    for (guint i = 0; i < imgs->blobs->len; i++) {
        const LoaderBlob *b = g_ptr_array_index(imgs->blobs, i);
        gsize len;
        const void *data = g_bytes_get_data(b->data, &len);
        address_space_write_rom(imgs->as, b->addr, data, len);
    }
}

/* ---- files -------------------------------------------------------------- */

/* Host-file errors in the loader's domain. */
static bool as_io_error(GError **errp, GError *err)
{
    g_set_error_literal(errp, LOADER_ERROR, LOADER_ERROR_IO, err->message);
    g_error_free(err);
    return false;
}

bool loader_file_size(const char *filename, uint64_t max_size, uint64_t *size, GError **errp)
{
    GError *err = NULL;
    uint64_t st_size;
    int fd = host_file_open_read(filename, 0, &st_size, &err);
    if (fd < 0) {
        return as_io_error(errp, err);
    }
    close(fd);
    if (max_size && st_size > max_size) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_TOO_BIG,
                    "'%s' is too large (%" PRIu64 " bytes, at most %" PRIu64 " fit)",
                    filename, st_size, max_size);
        return false;
    }
    if (size) {
        *size = st_size;
    }
    return true;
}

static bool read_file(const char *filename, uint64_t max_size, char **data, gsize *len,
                      GError **errp)
{
    if (!loader_file_size(filename, max_size, NULL, errp)) {
        return false;
    }
    GError *err = NULL;
    size_t n;
    if (!host_file_read(filename, max_size, data, &n, &err)) {
        return as_io_error(errp, err);
    }
    *len = n;
    return true;
}

bool loader_is_elf(const char *filename)
{
    unsigned char magic[SELFMAG];
    int fd = host_file_open_read(filename, 0, NULL, NULL);
    if (fd < 0) {
        return false; /* the load that follows reports why */
    }
    bool ok = read(fd, magic, SELFMAG) == SELFMAG && memcmp(magic, ELFMAG, SELFMAG) == 0;
    close(fd);
    return ok;
}

/* ---- ELF ---------------------------------------------------------------- */

static bool range_ok(gsize filelen, uint64_t off, uint64_t len)
{
    return off <= filelen && len <= filelen - off;
}

static bool elf_check_header(const char *filename, const char *data, gsize len,
                             uint16_t machine, GError **errp)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT, "'%s' is not an ELF file",
                    filename);
        return false;
    }
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT,
                    "'%s' is not a 64-bit little-endian ELF file", filename);
        return false;
    }
    if (machine && eh->e_machine != machine) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT,
                    "'%s' is an ELF file for machine %u, expected %u", filename,
                    eh->e_machine, machine);
        return false;
    }
    return true;
}

bool loader_load_elf(LoaderImages *imgs, const char *filename, uint16_t machine,
                     LoaderImageInfo *info, GError **errp)
{
    char *data;
    gsize len;
    if (!read_file(filename, 0, &data, &len, errp)) {
        return false;
    }
    g_autoptr(GBytes) file = g_bytes_new_take(data, len);
    bool ok = false;
    if (!elf_check_header(filename, data, len, machine, errp)) {
        goto out;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT, "'%s' is not an ELF executable",
                    filename);
        goto out;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
        !range_ok(len, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT,
                    "'%s': program headers are corrupt", filename);
        goto out;
    }
    uint64_t low = UINT64_MAX, high = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        /* Copied out: the file may place its tables at any offset. */
        Elf64_Phdr ph;
        memcpy(&ph, data + eh->e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) {
            continue;
        }
        if (ph.p_filesz > ph.p_memsz || !range_ok(len, ph.p_offset, ph.p_filesz)) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT,
                        "'%s': segment %u lies outside the file", filename, i);
            goto out;
        }
        char *name = g_strdup_printf("%s (segment %u)", filename, i);
        bool added;
        if (ph.p_filesz == ph.p_memsz) {
            /* A slice of the file's buffer, shared. */
            g_autoptr(GBytes) seg = g_bytes_new_from_bytes(file, ph.p_offset, ph.p_filesz);
            added = images_add_bytes(imgs, name, ph.p_paddr, seg, errp);
        } else {
            /* Zero-fill the bss part, as one blob so reset clears it too.
             * Placement before allocation: a few bytes of header must not
             * make us allocate more than the guest memory it must fit in. */
            char *seg = NULL;
            if (ph.p_memsz <= LOADER_MAX_SEGMENT &&
                !images_check_placement(imgs, name, ph.p_paddr, ph.p_memsz, errp)) {
                g_free(name);
                goto out;
            }
            if (ph.p_memsz <= LOADER_MAX_SEGMENT) {
                seg = g_try_malloc0(ph.p_memsz);
            }
            if (!seg) {
                g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT,
                            "'%s': segment %u is too large (%" PRIu64 " bytes in memory)",
                            filename, i, (uint64_t)ph.p_memsz);
                g_free(name);
                goto out;
            }
            memcpy(seg, data + ph.p_offset, ph.p_filesz);
            g_autoptr(GBytes) bytes = g_bytes_new_take(seg, ph.p_memsz);
            added = images_add_bytes(imgs, name, ph.p_paddr, bytes, errp);
        }
        g_free(name);
        if (!added) {
            goto out;
        }
        low = MIN(low, ph.p_paddr);
        high = MAX(high, ph.p_paddr + ph.p_memsz);
    }
    if (high == 0) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT, "'%s' has no loadable segments",
                    filename);
        goto out;
    }
    if (info) {
        info->entry = eh->e_entry;
        info->low = low;
        info->high = high;
    }
    ok = true;
out:
    return ok;
}

bool loader_load_raw(LoaderImages *imgs, const char *filename, hwaddr addr,
                     uint64_t max_size, LoaderImageInfo *info, GError **errp)
{
    char *data;
    gsize len;
    if (!read_file(filename, max_size, &data, &len, errp)) {
        return false;
    }
    if (len == 0) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT, "'%s' is empty", filename);
        g_free(data);
        return false;
    }
    g_autoptr(GBytes) bytes = g_bytes_new_take(data, len);
    bool ok = images_add_bytes(imgs, filename, addr, bytes, errp);
    if (ok && info) {
        info->entry = addr;
        info->low = addr;
        info->high = addr + len;
    }
    return ok;
}

bool loader_elf_lookup_symbol(const char *filename, const char *name, uint64_t *value,
                              GError **errp)
{
    char *data;
    gsize len;
    if (!read_file(filename, 0, &data, &len, errp)) {
        return false;
    }
    bool ok = false;
    if (!elf_check_header(filename, data, len, 0, errp)) {
        goto out;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    if (eh->e_shnum == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
        !range_ok(len, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
        g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT,
                    "'%s' has no usable section headers", filename);
        goto out;
    }
    /* Headers and symbols are copied out: the file may place its tables
     * at any offset, aligned or not. */
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        Elf64_Shdr sh, strtab;
        memcpy(&sh, data + eh->e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
        if (sh.sh_type != SHT_SYMTAB || sh.sh_link >= eh->e_shnum) {
            continue;
        }
        memcpy(&strtab, data + eh->e_shoff + (uint64_t)sh.sh_link * sizeof(sh), sizeof(sh));
        if (!range_ok(len, sh.sh_offset, sh.sh_size) ||
            !range_ok(len, strtab.sh_offset, strtab.sh_size)) {
            g_set_error(errp, LOADER_ERROR, LOADER_ERROR_FORMAT,
                        "'%s': symbol table lies outside the file", filename);
            goto out;
        }
        size_t nsyms = sh.sh_size / sizeof(Elf64_Sym);
        const char *strs = data + strtab.sh_offset;
        for (size_t k = 0; k < nsyms; k++) {
            Elf64_Sym sym;
            memcpy(&sym, data + sh.sh_offset + k * sizeof(sym), sizeof(sym));
            uint32_t off = sym.st_name;
            if (off >= strtab.sh_size) {
                continue;
            }
            size_t maxlen = strtab.sh_size - off;
            if (strnlen(strs + off, maxlen) < maxlen && !strcmp(strs + off, name) &&
                sym.st_shndx != SHN_UNDEF) {
                *value = sym.st_value;
                ok = true;
                goto out;
            }
        }
    }
    g_set_error(errp, LOADER_ERROR, LOADER_ERROR_NOT_FOUND, "'%s' has no symbol '%s'",
                filename, name);
out:
    g_free(data);
    return ok;
}
