/* SPDX-License-Identifier: MIT */
/*
 * Image loader: firmware, kernels, initrds and device trees put into guest
 * memory by boards.
 *
 * Everything goes through a LoaderImages set, which writes each blob with
 * address_space_write_rom() (so ROM is writable too) and keeps a copy, so a
 * board's reset hook can put the pristine images back with
 * loader_images_replay() after the guest has scribbled over them.  Blobs in
 * one set must not overlap; the error names both.
 *
 * ELF: 64-bit little-endian executables; PT_LOAD segments are loaded at
 * their physical addresses (p_paddr), the part past p_filesz zero-filled.
 * Errors are GErrors in LOADER_ERROR whose messages name the file.
 */
#ifndef TESSERA_KERNEL_LOADER_H
#define TESSERA_KERNEL_LOADER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/memory.h"

#define LOADER_ERROR (loader_error_quark())
GQuark loader_error_quark(void);
typedef enum {
    LOADER_ERROR_IO,         /* cannot open or read the file */
    LOADER_ERROR_FORMAT,     /* not the expected format, or corrupt */
    LOADER_ERROR_TOO_BIG,    /* larger than the room it was given */
    LOADER_ERROR_PLACEMENT,  /* outside guest memory or overlapping */
    LOADER_ERROR_NOT_FOUND,  /* symbol not in the ELF's symbol table */
} LoaderErrorCode;

/* Where an image landed: [low, high) and its entry point. */
typedef struct LoaderImageInfo {
    uint64_t entry;
    uint64_t low;
    uint64_t high;           /* one past the last byte */
} LoaderImageInfo;

typedef struct LoaderImages LoaderImages;

LoaderImages *loader_images_new(AddressSpace *as);
void loader_images_free(LoaderImages *imgs);
/* Write @len bytes at @addr now and remember them under @name (for
 * messages).  Fails if the range overlaps an earlier blob or is not
 * entirely backed by guest memory. */
bool loader_images_add(LoaderImages *imgs, const char *name, hwaddr addr,
                       const void *data, size_t len, GError **errp);
/* Write every remembered blob again (system reset). */
void loader_images_replay(LoaderImages *imgs);
/* Forget all blobs (nothing is written). */
void loader_images_clear(LoaderImages *imgs);

/* Size of @filename; fails naming the file when it cannot be stat'ed, is
 * not a regular file, or is larger than @max_size (0: no limit). */
bool loader_file_size(const char *filename, uint64_t max_size, uint64_t *size, GError **errp);
/* True when the file starts with the ELF magic (false when unreadable). */
bool loader_is_elf(const char *filename);

/* Load an ELF64 executable; @machine is the expected e_machine (0: any). */
bool loader_load_elf(LoaderImages *imgs, const char *filename, uint16_t machine,
                     LoaderImageInfo *info, GError **errp);
/* Load a file as-is at @addr; fails when larger than @max_size (0: no
 * limit).  info->entry is @addr. */
bool loader_load_raw(LoaderImages *imgs, const char *filename, hwaddr addr,
                     uint64_t max_size, LoaderImageInfo *info, GError **errp);
/* Value of symbol @name in the ELF's .symtab. */
bool loader_elf_lookup_symbol(const char *filename, const char *name, uint64_t *value,
                              GError **errp);

#endif
