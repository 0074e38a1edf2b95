/* SPDX-License-Identifier: MIT */
/*
 * GDB remote protocol framing: "$payload#cs" packets with '}' escapes, the
 * '+'/'-' acknowledgements and the interrupt byte, one input byte at a
 * time; and the hex codings the packets use.  No state outside GdbFramer,
 * no allocation per byte, no size but GDB_MAX_PACKET kept.
 */
#include <string.h>

#include "kernel/gdbstub-internal.h"

void gdb_framer_init(GdbFramer *f)
{
    memset(f, 0, sizeof(*f));
    f->buf = g_byte_array_sized_new(256);
}

void gdb_framer_destroy(GdbFramer *f)
{
    if (f->buf) {
        g_byte_array_free(f->buf, TRUE);
        f->buf = NULL;
    }
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static void add_byte(GdbFramer *f, uint8_t c)
{
    if (f->buf->len >= GDB_MAX_PACKET) {
        f->overflow = true;
        return;
    }
    g_byte_array_append(f->buf, &c, 1);
}

GdbFrameResult gdb_framer_push(GdbFramer *f, uint8_t c)
{
    switch (f->state) {
    case GDB_RX_IDLE:
        if (c == '$') {
            g_byte_array_set_size(f->buf, 0);
            f->sum = 0;
            f->overflow = false;
            f->state = GDB_RX_DATA;
        } else if (c == 0x03) {
            return GDB_FRAME_INTERRUPT;
        } else if (c == '+') {
            return GDB_FRAME_ACK;
        } else if (c == '-') {
            return GDB_FRAME_NAK;
        }
        return GDB_FRAME_NONE;       /* noise between packets is ignored */
    case GDB_RX_DATA:
        if (c == '#') {
            f->state = GDB_RX_CSUM1;
            return GDB_FRAME_NONE;
        }
        if (c == '$') {
            /* A new packet before the end of this one: start over. */
            g_byte_array_set_size(f->buf, 0);
            f->sum = 0;
            f->overflow = false;
            return GDB_FRAME_NONE;
        }
        f->sum += c;
        if (c == '}') {
            f->state = GDB_RX_ESCAPE;
        } else {
            add_byte(f, c);
        }
        return GDB_FRAME_NONE;
    case GDB_RX_ESCAPE:
        f->sum += c;
        add_byte(f, c ^ 0x20);
        f->state = GDB_RX_DATA;
        return GDB_FRAME_NONE;
    case GDB_RX_CSUM1: {
        int v = hexval(c);
        f->want = (uint8_t)((v < 0 ? 0 : v) << 4);
        f->state = v < 0 ? GDB_RX_IDLE : GDB_RX_CSUM2;
        return v < 0 ? GDB_FRAME_BAD_CHECKSUM : GDB_FRAME_NONE;
    }
    case GDB_RX_CSUM2: {
        int v = hexval(c);
        f->state = GDB_RX_IDLE;
        if (v < 0 || (uint8_t)(f->want | v) != f->sum) {
            return GDB_FRAME_BAD_CHECKSUM;
        }
        return f->overflow ? GDB_FRAME_TOO_LONG : GDB_FRAME_PACKET;
    }
    }
    return GDB_FRAME_NONE;
}

void gdb_frame_encode(GString *out, const uint8_t *payload, size_t len)
{
    uint8_t sum = 0;
    g_string_append_c(out, '$');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = payload[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(out, '}');
            sum += '}';
            c ^= 0x20;
        }
        g_string_append_c(out, (char)c);
        sum += c;
    }
    g_string_append_printf(out, "#%02x", sum);
}

bool gdb_parse_hex(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;
    for (; hexval((uint8_t)*s) >= 0; s++, n++) {
        if (v >> 60) {
            return false;
        }
        v = (v << 4) | (uint64_t)hexval((uint8_t)*s);
    }
    if (!n) {
        return false;
    }
    *p = s;
    *out = v;
    return true;
}

bool gdb_hex_decode(const char *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((uint8_t)p[2 * i]);
        int lo = hi < 0 ? -1 : hexval((uint8_t)p[2 * i + 1]);
        if (lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void gdb_hex_encode(GString *out, const uint8_t *buf, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        g_string_append_c(out, digits[buf[i] >> 4]);
        g_string_append_c(out, digits[buf[i] & 15]);
    }
}
