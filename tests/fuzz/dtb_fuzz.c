/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: a user's device tree blob (-dtb FILE) from file to the blob
 * a board hands its guest: fdt_load_file(), fdt_builder_new_from_blob(),
 * then what the riscv boards do to a user's tree (/chosen with bootargs
 * and initrd bounds, a memory node, a phandle, a lookup of nodes the input
 * names) and fdt_builder_finish().  The input is written to an in-memory
 * file (memfd) and loaded by name.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libfdt.h>

#include "kernel/fdt.h"
#include "tests/fuzz/fuzz.h"

static int file_fd = -1;
static char file_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_core_setup("dtb-fuzz", false);
    file_fd = memfd_create("dtb-fuzz", 0);
    if (file_fd < 0) {
        perror("memfd_create");
        abort();
    }
    snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
    return 0;
}

/* Look up the first nodes of the user's tree by path, as a board looking
 * for its own nodes would.  (Paths are built here from node names rather
 * than with libfdt's fdt_get_path, which Tessera does not use.) */
static void visit_paths(FdtBuilder *fdt, const void *blob)
{
    enum { MAX_DEPTH = 8 };
    GString *path = g_string_new(NULL);
    size_t start[MAX_DEPTH + 1] = { 0 };
    int depth = 0, n = 0;
    for (int off = fdt_next_node(blob, 0, &depth); off >= 0 && n < 32;
         off = fdt_next_node(blob, off, &depth), n++) {
        int len;
        const char *name = fdt_get_name(blob, off, &len);
        if (!name || depth < 1 || depth > MAX_DEPTH) {
            continue;
        }
        g_string_truncate(path, start[depth - 1]);
        g_string_append_c(path, '/');
        g_string_append_len(path, name, len);
        start[depth] = path->len;
        fdt_builder_node_exists(fdt, path->str);
    }
    g_string_free(path, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (ftruncate(file_fd, 0) != 0 || (size && pwrite(file_fd, data, size, 0) != (ssize_t)size)) {
        perror("dtb-fuzz: memfd");
        abort();
    }
    void *blob;
    size_t len;
    GError *err = NULL;
    if (!fdt_load_file(file_path, &blob, &len, &err)) {
        g_assert(err && err->message);
        g_error_free(err);
        return 0;
    }
    FdtBuilder *fdt = fdt_builder_new_from_blob(blob, len, &err);
    if (!fdt) {
        g_assert(err && err->message);
        g_error_free(err);
        g_free(blob);
        return 0;
    }
    visit_paths(fdt, blob);
    g_free(blob);
    fdt_builder_add_node(fdt, "/chosen");
    fdt_builder_prop_string(fdt, "/chosen", "bootargs", "console=ttyS0");
    fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-start", 0x88000000ull);
    fdt_builder_prop_u64(fdt, "/chosen", "linux,initrd-end", 0x88100000ull);
    fdt_builder_add_node(fdt, "/memory@80000000");
    fdt_builder_prop_string(fdt, "/memory@80000000", "device_type", "memory");
    uint64_t reg[] = { 0x80000000ull, 0x8000000ull };
    fdt_builder_prop_reg(fdt, "/memory@80000000", reg, 1);
    fdt_builder_set_phandle(fdt, "/chosen", "fuzz-chosen");
    if (fdt_builder_finish(fdt, &err)) {
        size_t out_size;
        const void *out = fdt_builder_blob(fdt, &out_size);
        g_assert(out && fdt_check_header(out) == 0 && fdt_totalsize(out) <= out_size);
    } else {
        g_assert(err && err->message);
        g_error_free(err);
    }
    fdt_builder_free(fdt);
    return 0;
}
