/* SPDX-License-Identifier: MIT */
/*
 * ACPI table building for boards (ACPI 6.x): byte-buffer helpers, table
 * headers with checksums, a small AML encoder and the writer of QEMU's
 * fw_cfg "linker/loader" script (etc/table-loader), which tells the firmware
 * how to place the table blobs in memory, patch the pointers between them
 * and compute the checksums (EDK2's QemuFwCfgAcpiPlatformDxe, SeaBIOS).
 *
 * Buffers are GByteArrays; everything is appended little-endian.
 */
#ifndef TESSERA_ACPI_H
#define TESSERA_ACPI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- bytes ------------------------------------------------------------------ */

void acpi_put_u8(GByteArray *b, uint8_t v);
void acpi_put_u16(GByteArray *b, uint16_t v);
void acpi_put_u32(GByteArray *b, uint32_t v);
void acpi_put_u64(GByteArray *b, uint64_t v);
void acpi_put_bytes(GByteArray *b, const void *p, size_t len);
/* @len bytes of @s, padded with spaces (OEM ids) */
void acpi_put_padded(GByteArray *b, const char *s, size_t len);
void acpi_put_zeros(GByteArray *b, size_t len);
/* Overwrite @size (1, 2, 4, 8) bytes at @off. */
void acpi_set_le(GByteArray *b, size_t off, uint64_t v, unsigned size);
uint64_t acpi_get_le(const uint8_t *p, unsigned size);
/* The byte that makes the sum of @len bytes zero. */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

/* Generic Address Structure (12 bytes). */
enum { ACPI_GAS_MEMORY = 0, ACPI_GAS_IO = 1 };
void acpi_put_gas(GByteArray *b, uint8_t space, uint8_t bit_width, uint8_t bit_offset,
                  uint8_t access_size, uint64_t address);

/* ---- the linker/loader script ------------------------------------------------ */

#define ACPI_LOADER_FILESZ 56      /* file names in commands, NUL-padded */
#define ACPI_LOADER_ENTRY_SIZE 128
enum {
    ACPI_LOADER_ALLOCATE = 1,
    ACPI_LOADER_ADD_POINTER = 2,
    ACPI_LOADER_ADD_CHECKSUM = 3,
};
enum {
    ACPI_LOADER_ZONE_HIGH = 1,     /* anywhere */
    ACPI_LOADER_ZONE_FSEG = 2,     /* below 1 MiB (the RSDP on PCs) */
};

typedef struct AcpiLinker AcpiLinker;

AcpiLinker *acpi_linker_new(void);
void acpi_linker_free(AcpiLinker *l);
/* The script's bytes (commands of 128 bytes each). */
const GByteArray *acpi_linker_script(const AcpiLinker *l);
/* Commands.  Names are fw_cfg file names (< 56 bytes); the checks that
 * a command refers to an allocated file and stays inside it happen in
 * acpi_linker_check. */
void acpi_linker_allocate(AcpiLinker *l, const char *file, GByteArray *blob, uint32_t align,
                          uint8_t zone);
/* The @size-byte little-endian value at @dest_file[@offset] (an offset
 * into @src_file, written there by the builder) becomes an address. */
void acpi_linker_add_pointer(AcpiLinker *l, const char *dest_file, uint32_t offset,
                             uint8_t size, const char *src_file);
void acpi_linker_add_checksum(AcpiLinker *l, const char *file, uint32_t start, uint32_t len,
                              uint32_t result_offset);
/* Every command names an allocated file (allocated before use) and stays
 * inside it, as sizes are at this point; false with a message if not. */
bool acpi_linker_check(const AcpiLinker *l, GError **errp);

/* ---- tables ------------------------------------------------------------------ */

#define ACPI_HEADER_SIZE 36
#define ACPI_OEM_ID "TESSRA"
#define ACPI_OEM_TABLE_ID "TSRVIRT"
#define ACPI_CREATOR_ID "TSRA"

/* Start a table at the end of @tables: a header with its length and
 * checksum left 0; returns its offset. */
size_t acpi_table_begin(GByteArray *tables, const char *sig, uint8_t revision);
/* Set the length (the rest of @tables from @start) and ask the loader to
 * compute the checksum after patching pointers (@file is the fw_cfg name of
 * @tables).  The checksum byte stays 0 in the blob: EDK2 stores the checksum
 * of the whole range with that byte in it, as QEMU's tables expect. */
void acpi_table_end(AcpiLinker *l, const char *file, GByteArray *tables, size_t start);

/* ---- AML --------------------------------------------------------------------- */

/*
 * A stream encoder: terms are written in AML's prefix order; constructs
 * with a PkgLength (Scope, Device, Method, If, Else, Buffer, Package,
 * Field) are opened with a *_begin and closed with aml_end, which encodes
 * the length.  Names are ASL name strings ("\\_SB.PCI0", "^FOO", "_HID");
 * segments shorter than 4 characters are padded with '_'.
 */
typedef struct Aml Aml;

Aml *aml_new(void);
void aml_free(Aml *a);
/* The bytes written so far; only complete when every construct is closed. */
const GByteArray *aml_bytes(const Aml *a);
/* Open constructs (0 when complete). */
unsigned aml_depth(const Aml *a);
/* False with a message when a name was malformed or the constructs do not
 * balance (errors are sticky; the encoder keeps going). */
bool aml_check(const Aml *a, GError **errp);

/* Opcodes without operands of their own: the caller writes the operands
 * after them, in order (e.g. AML_STORE, source, target). */
enum {
    AML_ZERO = 0x00, AML_ONE = 0x01, AML_ONES = 0xff,
    AML_STORE = 0x70, AML_ADD = 0x72, AML_SUBTRACT = 0x74, AML_AND = 0x7b, AML_OR = 0x7d,
    AML_NOT = 0x80, AML_NOTIFY = 0x86, AML_SIZEOF = 0x87, AML_INDEX = 0x88,
    AML_CREATE_DWORD_FIELD = 0x8a, AML_LAND = 0x90, AML_LOR = 0x91, AML_LNOT = 0x92,
    AML_LEQUAL = 0x93, AML_LGREATER = 0x94, AML_LLESS = 0x95, AML_RETURN = 0xa4,
};
void aml_op(Aml *a, uint8_t op);
void aml_local(Aml *a, unsigned n);    /* Local0..7 */
void aml_arg(Aml *a, unsigned n);      /* Arg0..6 */
/* An integer in the shortest encoding (Zero, One, Ones, Byte/Word/DWord/QWord). */
void aml_int(Aml *a, uint64_t v);
void aml_string(Aml *a, const char *s);
/* A name string (a reference when used as a term). */
void aml_name(Aml *a, const char *name);
/* EISA id ("PNP0A08") as its 32-bit compressed integer. */
void aml_eisaid(Aml *a, const char *id);
/* A 16-byte buffer holding the UUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
void aml_uuid(Aml *a, const char *uuid);
/* Buffer holding @len bytes. */
void aml_buffer_bytes(Aml *a, const void *data, size_t len);

/* Name(@name, <object written next>) */
void aml_name_decl(Aml *a, const char *name);
/* Shorthands: Name(@name, integer / string / EISAID) */
void aml_name_int(Aml *a, const char *name, uint64_t v);
void aml_name_string(Aml *a, const char *name, const char *s);
void aml_name_eisaid(Aml *a, const char *name, const char *id);

void aml_scope_begin(Aml *a, const char *name);
void aml_device_begin(Aml *a, const char *name);
/* Method(@name, @args, Serialized if @serialized) */
void aml_method_begin(Aml *a, const char *name, unsigned args, bool serialized);
void aml_if_begin(Aml *a);             /* predicate, then the body, then aml_end */
void aml_else_begin(Aml *a);           /* right after an If's aml_end */
void aml_package_begin(Aml *a, unsigned count);
/* Buffer: the bytes written inside; aml_end prefixes their count. */
void aml_buffer_begin(Aml *a);
/* ResourceTemplate: a buffer whose aml_end appends the end tag. */
void aml_resource_begin(Aml *a);
void aml_end(Aml *a);

/* OperationRegion(@name, @space, @offset, @len) */
enum { AML_REGION_SYSTEM_MEMORY = 0, AML_REGION_SYSTEM_IO = 1 };
void aml_operation_region(Aml *a, const char *name, uint8_t space, uint64_t offset,
                          uint64_t len);
/* Field(@region, @flags) { fields }: access type bits 3:0 (1 byte, 2 word,
 * 3 dword, 4 qword), lock bit 4, update rule bits 6:5 (0 preserve, 1
 * write-as-ones, 2 write-as-zeros). */
enum { AML_FIELD_DWORD_ACC = 3, AML_FIELD_WRITE_AS_ZEROS = 2 << 5 };
void aml_field_begin(Aml *a, const char *region, uint8_t flags);
void aml_field_unit(Aml *a, const char *name, unsigned bits);  /* name NULL: reserved */

/* Resource descriptors (inside aml_resource_begin). */
void aml_res_memory32_fixed(Aml *a, uint32_t base, uint32_t len, bool writable);
enum {
    AML_IRQ_CONSUMER = 1, AML_IRQ_EDGE = 2, AML_IRQ_ACTIVE_LOW = 4, AML_IRQ_SHARED = 8,
};
void aml_res_interrupt(Aml *a, uint8_t flags, const uint32_t *irqs, unsigned count);
enum { AML_ADDR_MEMORY = 0, AML_ADDR_IO = 1, AML_ADDR_BUS = 2 };
/* Word/DWord/QWord address space descriptors (@size 2, 4 or 8), producer
 * (consumer when @consumer), MinFixed, MaxFixed, positive decode; @type_flags
 * is the type-specific byte (memory: 1 = read-write; I/O: 3 = entire
 * range, 0x10 = type translation). */
void aml_res_address(Aml *a, unsigned size, uint8_t type, bool consumer, uint8_t type_flags,
                     uint64_t min, uint64_t len, uint64_t translation);

/* ---- SMBIOS ------------------------------------------------------------------ */

typedef struct SmbiosInfo {
    const char *manufacturer;
    const char *product;
    const char *version;
    unsigned cpus;
    uint64_t ram_base;
    uint64_t ram_size;
    uint32_t cpu_mhz;
} SmbiosInfo;

/* SMBIOS 3.0 structures (types 1, 3, 4 per CPU, 16, 17, 19, 32, 127) into
 * @tables and the 64-bit entry point (24 bytes; the table address is left
 * 0 for the firmware) into @anchor. */
void smbios_build(const SmbiosInfo *info, GByteArray *tables, GByteArray *anchor);

#endif
