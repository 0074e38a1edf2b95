/* SPDX-License-Identifier: MIT */
/*
 * ACPI byte buffers, table headers and the fw_cfg linker/loader script
 * (commands of 128 bytes: u32 command, then its fields; file names of 56
 * bytes).
 */
#include <string.h>

#include "acpi/acpi.h"

#define ACPI_ERROR (g_quark_from_static_string("acpi"))

void acpi_put_u8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

void acpi_put_u16(GByteArray *b, uint16_t v)
{
    uint8_t p[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    g_byte_array_append(b, p, 2);
}

void acpi_put_u32(GByteArray *b, uint32_t v)
{
    acpi_put_u16(b, (uint16_t)v);
    acpi_put_u16(b, (uint16_t)(v >> 16));
}

void acpi_put_u64(GByteArray *b, uint64_t v)
{
    acpi_put_u32(b, (uint32_t)v);
    acpi_put_u32(b, (uint32_t)(v >> 32));
}

void acpi_put_bytes(GByteArray *b, const void *p, size_t len)
{
    if (len) {
        g_byte_array_append(b, p, (guint)len);
    }
}

void acpi_put_padded(GByteArray *b, const char *s, size_t len)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < len; i++) {
        acpi_put_u8(b, i < n ? (uint8_t)s[i] : ' ');
    }
}

void acpi_put_zeros(GByteArray *b, size_t len)
{
    if (!len) {
        return;                 /* an empty array may have no data (memset from NULL) */
    }
    size_t old = b->len;
    g_byte_array_set_size(b, (guint)(old + len));
    memset(b->data + old, 0, len);
}

void acpi_set_le(GByteArray *b, size_t off, uint64_t v, unsigned size)
{
    g_assert(off + size <= b->len);
    for (unsigned i = 0; i < size; i++) {
        b->data[off + i] = (uint8_t)(v >> (8 * i));
    }
}

uint64_t acpi_get_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return (uint8_t)-sum;
}

void acpi_put_gas(GByteArray *b, uint8_t space, uint8_t bit_width, uint8_t bit_offset,
                  uint8_t access_size, uint64_t address)
{
    acpi_put_u8(b, space);
    acpi_put_u8(b, bit_width);
    acpi_put_u8(b, bit_offset);
    acpi_put_u8(b, access_size);
    acpi_put_u64(b, address);
}

/* ---- tables ------------------------------------------------------------------ */

size_t acpi_table_begin(GByteArray *tables, const char *sig, uint8_t revision)
{
    size_t start = tables->len;
    g_assert(strlen(sig) == 4);
    acpi_put_bytes(tables, sig, 4);
    acpi_put_u32(tables, 0);                 /* length, at the end */
    acpi_put_u8(tables, revision);
    acpi_put_u8(tables, 0);                  /* checksum, at the end */
    acpi_put_padded(tables, ACPI_OEM_ID, 6);
    acpi_put_padded(tables, ACPI_OEM_TABLE_ID, 8);
    acpi_put_u32(tables, 1);                 /* OEM revision */
    acpi_put_padded(tables, ACPI_CREATOR_ID, 4);
    acpi_put_u32(tables, 1);                 /* creator revision */
    return start;
}

void acpi_table_end(AcpiLinker *l, const char *file, GByteArray *tables, size_t start)
{
    size_t len = tables->len - start;
    acpi_set_le(tables, start + 4, len, 4);
    /* Left 0: firmware sets it after patching pointers (EDK2 stores the
     * checksum of the whole range, this byte included, so it must be 0). */
    tables->data[start + 9] = 0;
    acpi_linker_add_checksum(l, file, (uint32_t)start, (uint32_t)len, (uint32_t)(start + 9));
}

/* ---- linker/loader ------------------------------------------------------------ */

typedef struct LinkerFile {
    char name[ACPI_LOADER_FILESZ];
    GByteArray *blob;
} LinkerFile;

struct AcpiLinker {
    GByteArray *script;
    GArray *files;              /* LinkerFile, in allocation order */
    char *error;                /* first bad command (sticky) */
};

AcpiLinker *acpi_linker_new(void)
{
    AcpiLinker *l = g_new0(AcpiLinker, 1);
    l->script = g_byte_array_new();
    l->files = g_array_new(false, true, sizeof(LinkerFile));
    return l;
}

void acpi_linker_free(AcpiLinker *l)
{
    if (l) {
        g_byte_array_unref(l->script);
        g_array_unref(l->files);
        g_free(l->error);
        g_free(l);
    }
}

const GByteArray *acpi_linker_script(const AcpiLinker *l)
{
    return l->script;
}

static void linker_fail(AcpiLinker *l, char *msg)
{
    if (!l->error) {
        l->error = msg;
    } else {
        g_free(msg);
    }
}

static const LinkerFile *linker_file(AcpiLinker *l, const char *name)
{
    for (guint i = 0; i < l->files->len; i++) {
        const LinkerFile *f = &g_array_index(l->files, LinkerFile, i);
        if (!strcmp(f->name, name)) {
            return f;
        }
    }
    linker_fail(l, g_strdup_printf("linker: file %s used before it is allocated", name));
    return NULL;
}

static void put_name(AcpiLinker *l, const char *name)
{
    if (strlen(name) >= ACPI_LOADER_FILESZ) {
        linker_fail(l, g_strdup_printf("linker: file name %s is too long", name));
    }
    char buf[ACPI_LOADER_FILESZ] = { 0 };
    strncpy(buf, name, ACPI_LOADER_FILESZ - 1);
    acpi_put_bytes(l->script, buf, ACPI_LOADER_FILESZ);
}

/* Pad the command that started at @start to 128 bytes. */
static void finish_entry(AcpiLinker *l, size_t start)
{
    acpi_put_zeros(l->script, start + ACPI_LOADER_ENTRY_SIZE - l->script->len);
}

void acpi_linker_allocate(AcpiLinker *l, const char *file, GByteArray *blob, uint32_t align,
                          uint8_t zone)
{
    size_t start = l->script->len;
    LinkerFile f = { .blob = blob };
    strncpy(f.name, file, ACPI_LOADER_FILESZ - 1);
    g_array_append_val(l->files, f);
    if (!align || (align & (align - 1))) {
        linker_fail(l, g_strdup_printf("linker: alignment %u of %s is not a power of 2",
                                       align, file));
    }
    acpi_put_u32(l->script, ACPI_LOADER_ALLOCATE);
    put_name(l, file);
    acpi_put_u32(l->script, align);
    acpi_put_u8(l->script, zone);
    finish_entry(l, start);
}

void acpi_linker_add_pointer(AcpiLinker *l, const char *dest_file, uint32_t offset,
                             uint8_t size, const char *src_file)
{
    size_t start = l->script->len;
    const LinkerFile *d = linker_file(l, dest_file);
    const LinkerFile *s = linker_file(l, src_file);
    if (size != 1 && size != 2 && size != 4 && size != 8) {
        linker_fail(l, g_strdup_printf("linker: pointer size %u", size));
    } else if (d && s) {
        if ((uint64_t)offset + size > d->blob->len) {
            linker_fail(l, g_strdup_printf("linker: pointer at %u outside %s", offset,
                                           dest_file));
        } else if (acpi_get_le(d->blob->data + offset, size) >= s->blob->len) {
            linker_fail(l, g_strdup_printf("linker: pointer at %s+%u points past %s",
                                           dest_file, offset, src_file));
        }
    }
    acpi_put_u32(l->script, ACPI_LOADER_ADD_POINTER);
    put_name(l, dest_file);
    put_name(l, src_file);
    acpi_put_u32(l->script, offset);
    acpi_put_u8(l->script, size);
    finish_entry(l, start);
}

void acpi_linker_add_checksum(AcpiLinker *l, const char *file, uint32_t start, uint32_t len,
                              uint32_t result_offset)
{
    size_t at = l->script->len;
    const LinkerFile *f = linker_file(l, file);
    if (f && ((uint64_t)start + len > f->blob->len || result_offset >= f->blob->len ||
              result_offset < start || result_offset >= start + len)) {
        linker_fail(l, g_strdup_printf("linker: checksum of %s+%u..%u (at %u) outside it",
                                       file, start, start + len, result_offset));
    }
    acpi_put_u32(l->script, ACPI_LOADER_ADD_CHECKSUM);
    put_name(l, file);
    acpi_put_u32(l->script, result_offset);
    acpi_put_u32(l->script, start);
    acpi_put_u32(l->script, len);
    finish_entry(l, at);
}

bool acpi_linker_check(const AcpiLinker *l, GError **errp)
{
    if (l->error) {
        g_set_error(errp, ACPI_ERROR, 0, "%s", l->error);
        return false;
    }
    return true;
}
