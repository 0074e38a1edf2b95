/* SPDX-License-Identifier: MIT */
/*
 * A small AML encoder (ACPI 6.x, chapter 20): each open construct with a
 * PkgLength collects its body in a buffer of its own; aml_end encodes the
 * construct (opcode, PkgLength, fixed fields, body) into its parent.
 */
#include <ctype.h>
#include <string.h>

#include "acpi/acpi.h"

#define ACPI_ERROR (g_quark_from_static_string("acpi"))

enum {
    OP_NAME = 0x08, OP_BYTE = 0x0a, OP_WORD = 0x0b, OP_DWORD = 0x0c, OP_STRING = 0x0d,
    OP_QWORD = 0x0e, OP_SCOPE = 0x10, OP_BUFFER = 0x11, OP_PACKAGE = 0x12, OP_METHOD = 0x14,
    OP_DUAL_NAME = 0x2e, OP_MULTI_NAME = 0x2f, OP_EXT = 0x5b, OP_LOCAL0 = 0x60,
    OP_ARG0 = 0x68, OP_IF = 0xa0, OP_ELSE = 0xa1,
    EXT_REGION = 0x80, EXT_FIELD = 0x81, EXT_DEVICE = 0x82,
};

typedef enum { K_ROOT, K_PKG, K_BUFFER, K_RESOURCE } Kind;

typedef struct Frame {
    Kind kind;
    GByteArray *head;           /* opcode bytes, before the PkgLength */
    GByteArray *fixed;          /* after the PkgLength, before the body */
    GByteArray *body;
} Frame;

struct Aml {
    GPtrArray *stack;           /* Frame *; [0] is the root */
    char *error;
};

static Frame *frame_new(Kind kind)
{
    Frame *f = g_new0(Frame, 1);
    f->kind = kind;
    f->head = g_byte_array_new();
    f->fixed = g_byte_array_new();
    f->body = g_byte_array_new();
    return f;
}

static void frame_free(gpointer p)
{
    Frame *f = p;
    g_byte_array_unref(f->head);
    g_byte_array_unref(f->fixed);
    g_byte_array_unref(f->body);
    g_free(f);
}

Aml *aml_new(void)
{
    Aml *a = g_new0(Aml, 1);
    a->stack = g_ptr_array_new_with_free_func(frame_free);
    g_ptr_array_add(a->stack, frame_new(K_ROOT));
    return a;
}

void aml_free(Aml *a)
{
    if (a) {
        g_ptr_array_unref(a->stack);
        g_free(a->error);
        g_free(a);
    }
}

static Frame *top(Aml *a)
{
    return g_ptr_array_index(a->stack, a->stack->len - 1);
}

static GByteArray *out(Aml *a)
{
    return top(a)->body;
}

const GByteArray *aml_bytes(const Aml *a)
{
    return ((Frame *)g_ptr_array_index(a->stack, 0))->body;
}

unsigned aml_depth(const Aml *a)
{
    return a->stack->len - 1;
}

static void aml_fail(Aml *a, char *msg)
{
    if (!a->error) {
        a->error = msg;
    } else {
        g_free(msg);
    }
}

bool aml_check(const Aml *a, GError **errp)
{
    if (a->error) {
        g_set_error(errp, ACPI_ERROR, 0, "AML: %s", a->error);
        return false;
    }
    if (aml_depth(a)) {
        g_set_error(errp, ACPI_ERROR, 0, "AML: %u constructs left open", aml_depth(a));
        return false;
    }
    return true;
}

/* ---- terms ------------------------------------------------------------------- */

void aml_op(Aml *a, uint8_t op)
{
    acpi_put_u8(out(a), op);
}

void aml_local(Aml *a, unsigned n)
{
    if (n > 7) {
        aml_fail(a, g_strdup_printf("Local%u does not exist", n));
    }
    aml_op(a, (uint8_t)(OP_LOCAL0 + (n & 7)));
}

void aml_arg(Aml *a, unsigned n)
{
    if (n > 6) {
        aml_fail(a, g_strdup_printf("Arg%u does not exist", n));
    }
    aml_op(a, (uint8_t)(OP_ARG0 + (n > 6 ? 6 : n)));
}

static void put_int(GByteArray *b, uint64_t v)
{
    if (v == 0 || v == 1) {
        acpi_put_u8(b, (uint8_t)v);
    } else if (v == UINT64_MAX) {
        acpi_put_u8(b, AML_ONES);
    } else if (v <= 0xff) {
        acpi_put_u8(b, OP_BYTE);
        acpi_put_u8(b, (uint8_t)v);
    } else if (v <= 0xffff) {
        acpi_put_u8(b, OP_WORD);
        acpi_put_u16(b, (uint16_t)v);
    } else if (v <= 0xffffffffu) {
        acpi_put_u8(b, OP_DWORD);
        acpi_put_u32(b, (uint32_t)v);
    } else {
        acpi_put_u8(b, OP_QWORD);
        acpi_put_u64(b, v);
    }
}

void aml_int(Aml *a, uint64_t v)
{
    put_int(out(a), v);
}

void aml_string(Aml *a, const char *s)
{
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p > 0x7f) {
            aml_fail(a, g_strdup_printf("string \"%s\" is not ASCII", s));
            break;
        }
    }
    acpi_put_u8(out(a), OP_STRING);
    acpi_put_bytes(out(a), s, strlen(s) + 1);
}

static bool seg_char_ok(char c, bool first)
{
    return c == '_' || isupper((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

/* NameString: root/parent prefixes, then 0 (NullName), one NameSeg, a dual
 * or a multi-name path. */
static void put_name(Aml *a, GByteArray *b, const char *name)
{
    const char *p = name;
    if (*p == '\\') {
        acpi_put_u8(b, '\\');
        p++;
    } else {
        while (*p == '^') {
            acpi_put_u8(b, '^');
            p++;
        }
    }
    g_auto(GStrv) segs = *p ? g_strsplit(p, ".", -1) : g_new0(char *, 1);
    guint n = g_strv_length(segs);
    if (n == 0) {
        acpi_put_u8(b, 0);
        return;
    }
    if (n > 255) {
        aml_fail(a, g_strdup_printf("name %s has too many segments", name));
        return;
    }
    if (n == 2) {
        acpi_put_u8(b, OP_DUAL_NAME);
    } else if (n > 2) {
        acpi_put_u8(b, OP_MULTI_NAME);
        acpi_put_u8(b, (uint8_t)n);
    }
    for (guint i = 0; i < n; i++) {
        size_t len = strlen(segs[i]);
        bool ok = len >= 1 && len <= 4;
        for (size_t j = 0; ok && j < len; j++) {
            ok = seg_char_ok(segs[i][j], j == 0);
        }
        if (!ok) {
            aml_fail(a, g_strdup_printf("bad name segment \"%s\" in %s", segs[i], name));
        }
        for (size_t j = 0; j < 4; j++) {
            acpi_put_u8(b, j < len ? (uint8_t)segs[i][j] : '_');
        }
    }
}

void aml_name(Aml *a, const char *name)
{
    put_name(a, out(a), name);
}

void aml_eisaid(Aml *a, const char *id)
{
    /* Three letters of 5 bits (A = 1), four hex digits; stored big-endian. */
    bool ok = strlen(id) == 7;
    for (int i = 0; ok && i < 7; i++) {
        ok = i < 3 ? isupper((unsigned char)id[i]) : isxdigit((unsigned char)id[i]);
    }
    if (!ok) {
        aml_fail(a, g_strdup_printf("bad EISA id \"%s\"", id));
        aml_int(a, 0);
        return;
    }
    uint32_t v = (uint32_t)(id[0] - '@') << 26 | (uint32_t)(id[1] - '@') << 21 |
                 (uint32_t)(id[2] - '@') << 16 | (uint32_t)strtoul(id + 3, NULL, 16);
    aml_int(a, GUINT32_SWAP_LE_BE(v));
}

void aml_uuid(Aml *a, const char *uuid)
{
    /* Field order of ToUUID: the first three groups little-endian. */
    static const int order[16] = { 6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34 };
    uint8_t bytes[16];
    bool ok = strlen(uuid) == 36 && uuid[8] == '-' && uuid[13] == '-' && uuid[18] == '-' &&
              uuid[23] == '-';
    for (int i = 0; ok && i < 16; i++) {
        char hex[3] = { uuid[order[i]], uuid[order[i] + 1], 0 };
        ok = isxdigit((unsigned char)hex[0]) && isxdigit((unsigned char)hex[1]);
        bytes[i] = (uint8_t)strtoul(hex, NULL, 16);
    }
    if (!ok) {
        aml_fail(a, g_strdup_printf("bad UUID \"%s\"", uuid));
        memset(bytes, 0, sizeof(bytes));
    }
    aml_buffer_bytes(a, bytes, sizeof(bytes));
}

void aml_buffer_bytes(Aml *a, const void *data, size_t len)
{
    aml_buffer_begin(a);
    acpi_put_bytes(out(a), data, len);
    aml_end(a);
}

void aml_name_decl(Aml *a, const char *name)
{
    aml_op(a, OP_NAME);
    aml_name(a, name);
}

void aml_name_int(Aml *a, const char *name, uint64_t v)
{
    aml_name_decl(a, name);
    aml_int(a, v);
}

void aml_name_string(Aml *a, const char *name, const char *s)
{
    aml_name_decl(a, name);
    aml_string(a, s);
}

void aml_name_eisaid(Aml *a, const char *name, const char *id)
{
    aml_name_decl(a, name);
    aml_eisaid(a, id);
}

/* ---- constructs --------------------------------------------------------------- */

static Frame *open_frame(Aml *a, Kind kind, uint8_t op, bool ext)
{
    Frame *f = frame_new(kind);
    if (ext) {
        acpi_put_u8(f->head, OP_EXT);
    }
    acpi_put_u8(f->head, op);
    g_ptr_array_add(a->stack, f);
    return f;
}

void aml_scope_begin(Aml *a, const char *name)
{
    put_name(a, open_frame(a, K_PKG, OP_SCOPE, false)->fixed, name);
}

void aml_device_begin(Aml *a, const char *name)
{
    put_name(a, open_frame(a, K_PKG, EXT_DEVICE, true)->fixed, name);
}

void aml_method_begin(Aml *a, const char *name, unsigned args, bool serialized)
{
    Frame *f = open_frame(a, K_PKG, OP_METHOD, false);
    put_name(a, f->fixed, name);
    if (args > 7) {
        aml_fail(a, g_strdup_printf("method %s: %u arguments", name, args));
    }
    acpi_put_u8(f->fixed, (uint8_t)((args & 7) | (serialized ? 8 : 0)));
}

void aml_if_begin(Aml *a)
{
    open_frame(a, K_PKG, OP_IF, false);
}

void aml_else_begin(Aml *a)
{
    open_frame(a, K_PKG, OP_ELSE, false);
}

void aml_package_begin(Aml *a, unsigned count)
{
    if (count > 255) {
        aml_fail(a, g_strdup_printf("package of %u elements (VarPackage needed)", count));
    }
    acpi_put_u8(open_frame(a, K_PKG, OP_PACKAGE, false)->fixed, (uint8_t)count);
}

void aml_buffer_begin(Aml *a)
{
    open_frame(a, K_BUFFER, OP_BUFFER, false);
}

void aml_resource_begin(Aml *a)
{
    open_frame(a, K_RESOURCE, OP_BUFFER, false);
}

void aml_field_begin(Aml *a, const char *region, uint8_t flags)
{
    Frame *f = open_frame(a, K_PKG, EXT_FIELD, true);
    put_name(a, f->fixed, region);
    acpi_put_u8(f->fixed, flags);
}

/* The PkgLength encoding of @v (ACPI 20.2.4): one byte below 0x40, else a
 * lead byte with the count of following bytes and the low nibble. */
static bool put_pkglen_value(GByteArray *b, uint64_t v)
{
    if (v < 0x40) {
        acpi_put_u8(b, (uint8_t)v);
        return true;
    }
    for (unsigned n = 2; n <= 4; n++) {
        if (v < (1ull << (4 + 8 * (n - 1)))) {
            acpi_put_u8(b, (uint8_t)((n - 1) << 6 | (v & 0xf)));
            for (unsigned i = 1; i < n; i++) {
                acpi_put_u8(b, (uint8_t)(v >> (4 + 8 * (i - 1))));
            }
            return true;
        }
    }
    return false;
}

/* PkgLength of a construct: @len bytes follow it, its own bytes count too. */
static void put_pkglen(Aml *a, GByteArray *b, size_t len)
{
    unsigned n = len + 1 < 0x40 ? 1 : len + 2 < (1u << 12) ? 2 : len + 3 < (1u << 20) ? 3 : 4;
    if (!put_pkglen_value(b, len + n)) {
        aml_fail(a, g_strdup_printf("construct of %zu bytes is too large", len));
    }
}

void aml_end(Aml *a)
{
    if (!aml_depth(a)) {
        aml_fail(a, g_strdup("aml_end without an open construct"));
        return;
    }
    Frame *f = g_ptr_array_steal_index(a->stack, a->stack->len - 1);
    if (f->kind == K_RESOURCE) {
        acpi_put_u8(f->body, 0x79);          /* end tag, checksum 0 (none) */
        acpi_put_u8(f->body, 0);
    }
    if (f->kind == K_BUFFER || f->kind == K_RESOURCE) {
        put_int(f->fixed, f->body->len);
    }
    GByteArray *b = out(a);
    acpi_put_bytes(b, f->head->data, f->head->len);
    put_pkglen(a, b, f->fixed->len + f->body->len);
    acpi_put_bytes(b, f->fixed->data, f->fixed->len);
    acpi_put_bytes(b, f->body->data, f->body->len);
    frame_free(f);
}

/* ---- named objects ------------------------------------------------------------ */

void aml_operation_region(Aml *a, const char *name, uint8_t space, uint64_t offset,
                          uint64_t len)
{
    aml_op(a, OP_EXT);
    aml_op(a, EXT_REGION);
    aml_name(a, name);
    aml_op(a, space);
    aml_int(a, offset);
    aml_int(a, len);
}

void aml_field_unit(Aml *a, const char *name, unsigned bits)
{
    if (name) {
        size_t len = strlen(name);
        if (len != 4) {
            aml_fail(a, g_strdup_printf("field name \"%s\" is not 4 characters", name));
        }
        for (size_t i = 0; i < 4; i++) {
            acpi_put_u8(out(a), i < len ? (uint8_t)name[i] : '_');
        }
    } else {
        acpi_put_u8(out(a), 0);
    }
    /* A field unit's PkgLength is its width in bits. */
    if (bits == 0 || !put_pkglen_value(out(a), bits)) {
        aml_fail(a, g_strdup_printf("field of %u bits", bits));
    }
}

/* ---- resource descriptors ----------------------------------------------------- */

void aml_res_memory32_fixed(Aml *a, uint32_t base, uint32_t len, bool writable)
{
    GByteArray *b = out(a);
    acpi_put_u8(b, 0x86);
    acpi_put_u16(b, 9);
    acpi_put_u8(b, writable ? 1 : 0);
    acpi_put_u32(b, base);
    acpi_put_u32(b, len);
}

void aml_res_interrupt(Aml *a, uint8_t flags, const uint32_t *irqs, unsigned count)
{
    GByteArray *b = out(a);
    if (count == 0 || count > 255) {
        aml_fail(a, g_strdup_printf("interrupt descriptor with %u interrupts", count));
        return;
    }
    acpi_put_u8(b, 0x89);
    acpi_put_u16(b, (uint16_t)(2 + 4 * count));
    acpi_put_u8(b, flags);
    acpi_put_u8(b, (uint8_t)count);
    for (unsigned i = 0; i < count; i++) {
        acpi_put_u32(b, irqs[i]);
    }
}

void aml_res_address(Aml *a, unsigned size, uint8_t type, bool consumer, uint8_t type_flags,
                     uint64_t min, uint64_t len, uint64_t translation)
{
    static const uint8_t tags[9] = { [2] = 0x88, [4] = 0x87, [8] = 0x8a };
    GByteArray *b = out(a);
    if (size != 2 && size != 4 && size != 8) {
        aml_fail(a, g_strdup_printf("address descriptor of %u-byte fields", size));
        return;
    }
    uint64_t max = min + len - 1;
    if (len == 0 || max < min || (size < 8 && (max >> (8 * size)) != 0) ||
        (size < 8 && (translation >> (8 * size)) != 0)) {
        aml_fail(a, g_strdup_printf("address range 0x%" G_GINT64_MODIFIER "x+0x%"
                                    G_GINT64_MODIFIER "x does not fit %u bytes", min, len,
                                    size));
    }
    acpi_put_u8(b, tags[size]);
    acpi_put_u16(b, (uint16_t)(3 + 5 * size));
    acpi_put_u8(b, type);
    acpi_put_u8(b, (uint8_t)(0x0c | (consumer ? 1 : 0)));   /* MaxFixed, MinFixed */
    acpi_put_u8(b, type_flags);
    uint64_t fields[5] = { 0, min, max, translation, len };  /* granularity first */
    for (int i = 0; i < 5; i++) {
        for (unsigned j = 0; j < size; j++) {
            acpi_put_u8(b, (uint8_t)(fields[i] >> (8 * j)));
        }
    }
}
