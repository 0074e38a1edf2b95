/* SPDX-License-Identifier: MIT */
/*
 * Internals of the gdbstub shared by its files and the fuzz target:
 * packet framing (gdbstub-packet.c), the session and its commands
 * (gdbstub-cmds.c), run control and transport (gdbstub.c).
 */
#ifndef TESSERA_KERNEL_GDBSTUB_INTERNAL_H
#define TESSERA_KERNEL_GDBSTUB_INTERNAL_H

#include <stdint.h>

#include "kernel/accel.h"
#include "kernel/gdbstub.h"

/* Largest packet payload accepted (qSupported PacketSize, in hex there). */
#define GDB_MAX_PACKET 16384

/* ---- framing ------------------------------------------------------------------------- */

typedef enum {
    GDB_FRAME_NONE,           /* byte consumed, nothing complete yet */
    GDB_FRAME_PACKET,         /* a packet with a good checksum: payload in buf */
    GDB_FRAME_BAD_CHECKSUM,   /* complete but corrupt: answer '-' */
    GDB_FRAME_TOO_LONG,       /* over GDB_MAX_PACKET: dropped, answer '-' */
    GDB_FRAME_INTERRUPT,      /* 0x03 outside a packet */
    GDB_FRAME_ACK,            /* '+' */
    GDB_FRAME_NAK,            /* '-': resend the last packet */
} GdbFrameResult;

typedef struct GdbFramer {
    enum { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_ESCAPE, GDB_RX_CSUM1, GDB_RX_CSUM2 } state;
    GByteArray *buf;          /* unescaped payload */
    uint8_t sum;              /* running checksum of the raw payload */
    uint8_t want;             /* checksum sent by the client */
    bool overflow;
} GdbFramer;

void gdb_framer_init(GdbFramer *f);
void gdb_framer_destroy(GdbFramer *f);
/* Feed one byte. */
GdbFrameResult gdb_framer_push(GdbFramer *f, uint8_t c);
/* Append "$payload#cs" to @out, escaping '$', '#', '}' and '*'. */
void gdb_frame_encode(GString *out, const uint8_t *payload, size_t len);

/* Hex helpers: parse a hex number from *@p (advancing it); false when there
 * is no digit or it overflows 64 bits. */
bool gdb_parse_hex(const char **p, uint64_t *out);
/* Decode @n hex pairs at @p into @out; false on a bad digit. */
bool gdb_hex_decode(const char *p, size_t n, uint8_t *out);
void gdb_hex_encode(GString *out, const uint8_t *buf, size_t len);

/* ---- the session ------------------------------------------------------------------- */

typedef struct GdbSession GdbSession;
typedef void (*GdbWriteFn)(void *opaque, const uint8_t *buf, size_t len);

struct GdbSession {
    GdbFramer fr;
    GdbWriteFn write;
    void *opaque;
    bool no_ack;
    GString *last;            /* last packet sent, for a '-' */
    int g_cpu;                /* Hg: registers and memory (CPU index) */
    int c_cpu;                /* Hc, and the thread of the last stop */
    bool running;             /* resumed; a stop reply is owed */
    bool phys_mem;            /* m/M/X use physical addresses */
    bool attached;
    /* Run control hooks (gdbstub.c); NULL in the fuzz target. */
    /* Resume with one action per CPU index: 'c', 's' or 0 (stays stopped). */
    void (*resume)(GdbSession *s, const char *actions);
    void (*interrupt)(GdbSession *s);
    void (*kill)(GdbSession *s);
    void (*detach)(GdbSession *s);
};

void gdb_session_init(GdbSession *s, GdbWriteFn write, void *opaque);
void gdb_session_destroy(GdbSession *s);
/* Bytes from the client. */
void gdb_session_input(GdbSession *s, const uint8_t *buf, size_t len);
/* Send one packet. */
void gdb_send_packet(GdbSession *s, const char *payload);
/* The stop reply for @cpu's last debug event ("T05thread:2;swbreak:;"). */
void gdb_stop_reply(GdbSession *s, CPUState *cpu, int signal);

/* The CPUs of the current machine (may be empty). */
guint gdb_num_cpus(void);
CPUState *gdb_cpu(int index);

/* The monitor hook (gdbstub.c). */
char *gdbserver_run_monitor(const char *cmdline);

#endif
