/* SPDX-License-Identifier: MIT */
/*
 * SMBIOS 3.0 structures for fw_cfg's etc/smbios/smbios-tables (DMTF DSP0134
 * 3.x): each structure is a formatted area (type, length, handle, fields)
 * followed by its strings, numbered from 1, and a terminating NUL.
 * Handles are type * 0x100 + instance.
 */
#include <string.h>

#include "acpi/acpi.h"

typedef struct Smbios {
    GByteArray *b;
    size_t start;
    GPtrArray *strings;
    unsigned structures;
    size_t largest;
} Smbios;

static uint16_t handle(unsigned type, unsigned n)
{
    return (uint16_t)(type << 8 | n);
}

static void begin(Smbios *s, uint8_t type, uint8_t length, unsigned instance)
{
    s->start = s->b->len;
    acpi_put_u8(s->b, type);
    acpi_put_u8(s->b, length);
    acpi_put_u16(s->b, handle(type, instance));
    g_ptr_array_set_size(s->strings, 0);
}

/* A string field: its number, or 0 for none. */
static void str(Smbios *s, const char *v)
{
    if (!v || !v[0]) {
        acpi_put_u8(s->b, 0);
        return;
    }
    g_ptr_array_add(s->strings, (gpointer)v);
    acpi_put_u8(s->b, (uint8_t)s->strings->len);
}

static void end(Smbios *s)
{
    g_assert(s->b->len - s->start == s->b->data[s->start + 1]);
    for (guint i = 0; i < s->strings->len; i++) {
        const char *v = g_ptr_array_index(s->strings, i);
        acpi_put_bytes(s->b, v, strlen(v) + 1);
    }
    if (!s->strings->len) {
        acpi_put_u8(s->b, 0);
    }
    acpi_put_u8(s->b, 0);
    s->structures++;
    s->largest = MAX(s->largest, s->b->len - s->start);
}

void smbios_build(const SmbiosInfo *info, GByteArray *tables, GByteArray *anchor)
{
    Smbios s = { .b = tables, .strings = g_ptr_array_new() };
    size_t base = tables->len;

    begin(&s, 1, 0x1b, 0);                     /* system */
    str(&s, info->manufacturer);
    str(&s, info->product);
    str(&s, info->version);
    str(&s, NULL);                             /* serial number */
    acpi_put_zeros(s.b, 16);                   /* UUID: not set */
    acpi_put_u8(s.b, 6);                       /* wake-up: power switch */
    str(&s, NULL);                             /* SKU */
    str(&s, NULL);                             /* family */
    end(&s);

    begin(&s, 3, 0x15, 0);                     /* chassis */
    str(&s, info->manufacturer);
    acpi_put_u8(s.b, 1);                       /* other */
    str(&s, info->version);
    str(&s, NULL);
    str(&s, NULL);
    acpi_put_u8(s.b, 3);                       /* boot-up state: safe */
    acpi_put_u8(s.b, 3);                       /* power supply state */
    acpi_put_u8(s.b, 3);                       /* thermal state */
    acpi_put_u8(s.b, 2);                       /* security status: unknown */
    acpi_put_u32(s.b, 0);                      /* OEM-defined */
    acpi_put_u8(s.b, 0);                       /* height */
    acpi_put_u8(s.b, 0);                       /* power cords */
    acpi_put_u8(s.b, 0);                       /* contained elements */
    acpi_put_u8(s.b, 0);                       /* element record length */
    end(&s);

    for (unsigned i = 0; i < info->cpus; i++) {
        g_autofree char *socket = g_strdup_printf("CPU %u", i);
        begin(&s, 4, 0x30, i);                 /* processor */
        str(&s, socket);
        acpi_put_u8(s.b, 3);                   /* central processor */
        acpi_put_u8(s.b, 0xfe);                /* family: see family 2 */
        str(&s, info->manufacturer);
        acpi_put_u64(s.b, 0);                  /* processor ID */
        str(&s, info->version);
        acpi_put_u8(s.b, 0);                   /* voltage */
        acpi_put_u16(s.b, 0);                  /* external clock: unknown */
        acpi_put_u16(s.b, (uint16_t)info->cpu_mhz);
        acpi_put_u16(s.b, (uint16_t)info->cpu_mhz);
        acpi_put_u8(s.b, 0x41);                /* socket populated, CPU enabled */
        acpi_put_u8(s.b, 1);                   /* upgrade: other */
        acpi_put_u16(s.b, 0xffff);             /* no cache information */
        acpi_put_u16(s.b, 0xffff);
        acpi_put_u16(s.b, 0xffff);
        str(&s, NULL);
        str(&s, NULL);
        str(&s, NULL);
        acpi_put_u8(s.b, 1);                   /* cores */
        acpi_put_u8(s.b, 1);                   /* cores enabled */
        acpi_put_u8(s.b, 1);                   /* threads */
        acpi_put_u16(s.b, 0x4);                /* 64-bit capable */
        acpi_put_u16(s.b, 0x101);              /* family 2: ARMv8 */
        acpi_put_u16(s.b, 1);
        acpi_put_u16(s.b, 1);
        acpi_put_u16(s.b, 1);
        end(&s);
    }

    uint64_t kib = info->ram_size / 1024;
    begin(&s, 16, 0x17, 0);                    /* physical memory array */
    acpi_put_u8(s.b, 1);                       /* location: other */
    acpi_put_u8(s.b, 3);                       /* use: system memory */
    acpi_put_u8(s.b, 3);                       /* error correction: none */
    acpi_put_u32(s.b, kib < 0x80000000u ? (uint32_t)kib : 0x80000000u);
    acpi_put_u16(s.b, 0xfffe);                 /* no error information */
    acpi_put_u16(s.b, 1);                      /* devices */
    acpi_put_u64(s.b, kib < 0x80000000u ? 0 : info->ram_size);
    end(&s);

    uint64_t mib = info->ram_size >> 20;
    begin(&s, 17, 0x28, 0);                    /* memory device */
    acpi_put_u16(s.b, handle(16, 0));
    acpi_put_u16(s.b, 0xfffe);
    acpi_put_u16(s.b, 0xffff);                 /* widths unknown */
    acpi_put_u16(s.b, 0xffff);
    acpi_put_u16(s.b, mib < 0x7fff ? (uint16_t)mib : 0x7fff);
    acpi_put_u8(s.b, 9);                       /* DIMM */
    acpi_put_u8(s.b, 0);
    str(&s, "DIMM 0");
    str(&s, NULL);
    acpi_put_u8(s.b, 7);                       /* RAM */
    acpi_put_u16(s.b, 2);                      /* type detail: unknown */
    acpi_put_u16(s.b, 0);                      /* speed */
    str(&s, info->manufacturer);
    str(&s, NULL);
    str(&s, NULL);
    str(&s, NULL);
    acpi_put_u8(s.b, 0);                       /* rank unknown */
    acpi_put_u32(s.b, mib < 0x7fff ? 0 : (uint32_t)mib);
    acpi_put_u16(s.b, 0);
    acpi_put_u16(s.b, 0);
    acpi_put_u16(s.b, 0);
    acpi_put_u16(s.b, 0);
    end(&s);

    uint64_t first = info->ram_base / 1024, last = (info->ram_base + info->ram_size) / 1024 - 1;
    bool ext = last >= 0xffffffffu;
    begin(&s, 19, 0x1f, 0);                    /* memory array mapped address */
    acpi_put_u32(s.b, ext ? 0xffffffffu : (uint32_t)first);
    acpi_put_u32(s.b, ext ? 0xffffffffu : (uint32_t)last);
    acpi_put_u16(s.b, handle(16, 0));
    acpi_put_u8(s.b, 1);                       /* partition width */
    acpi_put_u64(s.b, ext ? info->ram_base : 0);
    acpi_put_u64(s.b, ext ? info->ram_base + info->ram_size - 1 : 0);
    end(&s);

    begin(&s, 32, 0x0b, 0);                    /* system boot: no errors */
    acpi_put_zeros(s.b, 6);
    acpi_put_u8(s.b, 0);
    end(&s);

    begin(&s, 127, 4, 0);                      /* end of table */
    end(&s);

    size_t a = anchor->len;
    acpi_put_bytes(anchor, "_SM3_", 5);
    acpi_put_u8(anchor, 0);                    /* checksum, below */
    acpi_put_u8(anchor, 0x18);
    acpi_put_u8(anchor, 3);                    /* SMBIOS 3.0.0 */
    acpi_put_u8(anchor, 0);
    acpi_put_u8(anchor, 0);
    acpi_put_u8(anchor, 1);                    /* entry point revision */
    acpi_put_u8(anchor, 0);
    acpi_put_u32(anchor, (uint32_t)(tables->len - base));   /* maximum size */
    acpi_put_u64(anchor, 0);                   /* table address: the firmware's */
    anchor->data[a + 5] = acpi_checksum(anchor->data + a, 0x18);
    g_ptr_array_unref(s.strings);
}
