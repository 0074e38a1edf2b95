/* SPDX-License-Identifier: MIT */
/*
 * The qtest line protocol: parsing, the command table, memory and clock
 * commands, and IRQ interception.  See qtest.h for the API and
 * docs/qtest.md for the protocol.
 *
 * Every command answers exactly one line, "OK ..." or "FAIL reason"; a bad
 * line never stops the session.  Numbers are C literals (decimal, 0x hex,
 * 0 octal) as QEMU's qtest accepts them, checked for range: a value that
 * does not fit where it goes is refused, never truncated.
 */
#include "plugins/accel/qtest/qtest.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/device.h"
#include "kernel/irq.h"
#include "kernel/machine.h"
#include "kernel/runstate.h"

#define QTEST_MAX_ARGS 8
/* Longest command name echoed back in "unknown command". */
#define QTEST_ECHO_MAX 40
#define QTEST_MEMSET_CHUNK 4096

typedef enum {
    INTERCEPT_NONE,
    INTERCEPT_IN,
    INTERCEPT_OUT,
} InterceptDir;

/* One intercepted input pin: the handler it had. */
typedef struct SavedInput {
    IRQHandler handler;
    void *opaque;
} SavedInput;

struct QTestSession {
    AddressSpace *as;
    QTestEmitFn emit;
    void *opaque;
    GString *collect;           /* qtest_session_command(): output goes here */
    GString *line;              /* partial input line */
    bool discarding;            /* dropping the rest of an overlong line */
    /* IRQ interception: one device, one direction (as in QEMU). */
    InterceptDir dir;
    DeviceState *dev;           /* referenced while intercepted */
    char *dev_path;
    int num_pins;
    int *levels;                /* last reported level per pin */
    IRQLine **out_lines;        /* ours, installed in the output pins */
    IRQLine **saved_out;        /* the connections they replaced */
    SavedInput *saved_in;
};

typedef struct QTestCommand QTestCommand;
typedef void (*QTestHandler)(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                             GString *reply);

struct QTestCommand {
    const char *name;
    int min_args, max_args;     /* words after the name */
    const char *usage;          /* for FAIL messages */
    QTestHandler run;
    unsigned size;              /* access size for the sized commands */
};

/* ---- output ------------------------------------------------------------------ */

static void emit_text(QTestSession *s, const char *text, size_t len)
{
    if (s->collect) {
        g_string_append_len(s->collect, text, (gssize)len);
    } else if (s->emit) {
        s->emit(s->opaque, text, len);
    }
}

static void G_GNUC_PRINTF(2, 3) fail(GString *reply, const char *fmt, ...)
{
    va_list ap;
    g_string_assign(reply, "FAIL ");
    va_start(ap, fmt);
    g_string_append_vprintf(reply, fmt, ap);
    va_end(ap);
}

/* @text made printable and short for an error message (free with g_free). */
static char *echo_word(const char *text)
{
    g_autofree char *cut = g_strndup(text, QTEST_ECHO_MAX);
    char *esc = g_strescape(cut, NULL);
    if (strlen(text) > QTEST_ECHO_MAX) {
        char *longer = g_strconcat(esc, "...", NULL);
        g_free(esc);
        return longer;
    }
    return esc;
}

/* ---- argument parsing ------------------------------------------------------------ */

static bool parse_u64(const char *text, uint64_t *out)
{
    if (!g_ascii_isdigit(text[0])) {
        return false; /* no sign, no blanks, not empty */
    }
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(text, &end, 0);
    if (errno || !end || *end) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_i64(const char *text, int64_t *out)
{
    const char *digits = text[0] == '-' ? text + 1 : text;
    if (!g_ascii_isdigit(digits[0])) {
        return false;
    }
    char *end = NULL;
    errno = 0;
    gint64 v = g_ascii_strtoll(text, &end, 0);
    if (errno || !end || *end) {
        return false;
    }
    *out = v;
    return true;
}

static bool arg_u64(const char *text, const char *what, uint64_t *out, GString *reply)
{
    if (!parse_u64(text, out)) {
        g_autofree char *e = echo_word(text);
        fail(reply, "invalid %s '%s' (expected a number below 2^64)", what, e);
        return false;
    }
    return true;
}

/* A byte count 0..@max. */
static bool arg_size(const char *text, uint64_t max, uint64_t *out, GString *reply)
{
    if (!arg_u64(text, "size", out, reply)) {
        return false;
    }
    if (*out > max) {
        fail(reply, "size %" PRIu64 " is too large (at most %" PRIu64 " bytes per command)",
             *out, max);
        return false;
    }
    return true;
}

/* [addr, addr + size) must not wrap past the top of the address space. */
static bool check_range(uint64_t addr, uint64_t size, GString *reply)
{
    if (size && addr > UINT64_MAX - (size - 1)) {
        fail(reply, "0x%" PRIx64 " + %" PRIu64 " wraps past the end of the address space",
             addr, size);
        return false;
    }
    return true;
}

static AddressSpace *session_as(QTestSession *s, GString *reply)
{
    if (s->as) {
        return s->as;
    }
    MachineState *ms = machine_current();
    if (!ms) {
        fail(reply, "no machine");
        return NULL;
    }
    return &ms->address_space;
}

static void fail_access(GString *reply, MemTxResult res, const char *what, uint64_t addr,
                        uint64_t size)
{
    fail(reply, "%s of %" PRIu64 " byte%s at 0x%" PRIx64 ": %s", what, size,
         size == 1 ? "" : "s", addr,
         res == MEMTX_DECODE_ERROR ? "unmapped address" : "the device refused the access");
}

/* ---- memory commands ----------------------------------------------------------- */

static void cmd_read_sized(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                           GString *reply)
{
    uint64_t addr, value = 0;
    AddressSpace *as;
    if (!arg_u64(argv[0], "address", &addr, reply) || !check_range(addr, cmd->size, reply) ||
        !(as = session_as(s, reply))) {
        return;
    }
    MemTxResult res = address_space_read(as, addr, &value, cmd->size);
    if (res != MEMTX_OK) {
        fail_access(reply, res, "read", addr, cmd->size);
        return;
    }
    g_string_printf(reply, "OK 0x%016" PRIx64, value);
}

static void cmd_write_sized(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                            GString *reply)
{
    uint64_t addr, value;
    AddressSpace *as;
    if (!arg_u64(argv[0], "address", &addr, reply) || !arg_u64(argv[1], "value", &value, reply) ||
        !check_range(addr, cmd->size, reply)) {
        return;
    }
    if (cmd->size < 8 && value >> (8 * cmd->size)) {
        fail(reply, "value 0x%" PRIx64 " does not fit in %u byte%s", value, cmd->size,
             cmd->size == 1 ? "" : "s");
        return;
    }
    if (!(as = session_as(s, reply))) {
        return;
    }
    MemTxResult res = address_space_write(as, addr, value, cmd->size);
    if (res != MEMTX_OK) {
        fail_access(reply, res, "write", addr, cmd->size);
        return;
    }
    g_string_assign(reply, "OK");
}

/* Read @size bytes at @addr into a new buffer; NULL after a FAIL. */
static uint8_t *read_block(QTestSession *s, char **argv, uint64_t *addr, uint64_t *size,
                           GString *reply)
{
    AddressSpace *as;
    if (!arg_u64(argv[0], "address", addr, reply) ||
        !arg_size(argv[1], QTEST_MAX_TRANSFER, size, reply) ||
        !check_range(*addr, *size, reply) || !(as = session_as(s, reply))) {
        return NULL;
    }
    uint8_t *buf = g_malloc0(*size ? *size : 1);
    MemTxResult res = *size ? address_space_read_buf(as, *addr, buf, *size) : MEMTX_OK;
    if (res != MEMTX_OK) {
        fail_access(reply, res, "read", *addr, *size);
        g_free(buf);
        return NULL;
    }
    return buf;
}

static void cmd_read(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                     GString *reply)
{
    uint64_t addr, size;
    g_autofree uint8_t *buf = read_block(s, argv, &addr, &size, reply);
    if (!buf) {
        return;
    }
    g_string_assign(reply, "OK 0x");
    for (uint64_t i = 0; i < size; i++) {
        g_string_append_printf(reply, "%02x", buf[i]);
    }
}

static void cmd_b64read(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                        GString *reply)
{
    uint64_t addr, size;
    g_autofree uint8_t *buf = read_block(s, argv, &addr, &size, reply);
    if (!buf) {
        return;
    }
    g_autofree char *b64 = g_base64_encode(buf, size);
    g_string_printf(reply, "OK %s", b64);
}

static void write_block(QTestSession *s, uint64_t addr, const uint8_t *buf, uint64_t size,
                        GString *reply)
{
    AddressSpace *as = session_as(s, reply);
    if (!as) {
        return;
    }
    MemTxResult res = size ? address_space_write_buf(as, addr, buf, size) : MEMTX_OK;
    if (res != MEMTX_OK) {
        fail_access(reply, res, "write", addr, size);
        return;
    }
    g_string_assign(reply, "OK");
}

static void cmd_write(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                      GString *reply)
{
    uint64_t addr, size;
    if (!arg_u64(argv[0], "address", &addr, reply) ||
        !arg_size(argv[1], QTEST_MAX_TRANSFER, &size, reply) || !check_range(addr, size, reply)) {
        return;
    }
    const char *hex = argv[2];
    if (hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X')) {
        fail(reply, "write: data must start with 0x");
        return;
    }
    hex += 2;
    size_t digits = strlen(hex);
    if (digits % 2 || digits / 2 > size) {
        fail(reply, "write: %zu hex digits do not make at most %" PRIu64 " whole bytes", digits,
             size);
        return;
    }
    g_autofree uint8_t *buf = g_malloc0(size ? size : 1);
    for (size_t i = 0; i < digits; i += 2) {
        int hi = g_ascii_xdigit_value(hex[i]), lo = g_ascii_xdigit_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            fail(reply, "write: invalid hex digit in data");
            return;
        }
        buf[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    /* Bytes the data leaves out are written as zeros (as QEMU does). */
    write_block(s, addr, buf, size, reply);
}

/* Standard base64 with padding only at the end. */
static bool base64_valid(const char *text)
{
    size_t len = strlen(text), pad = 0;
    if (len % 4) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '=') {
            pad++;
        } else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
            return false;
        }
    }
    return pad <= 2;
}

static void cmd_b64write(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                         GString *reply)
{
    uint64_t addr, size;
    if (!arg_u64(argv[0], "address", &addr, reply) ||
        !arg_size(argv[1], QTEST_MAX_TRANSFER, &size, reply) || !check_range(addr, size, reply)) {
        return;
    }
    if (!base64_valid(argv[2])) {
        fail(reply, "b64write: data is not valid base64");
        return;
    }
    gsize len = 0;
    g_autofree guchar *data = g_base64_decode(argv[2], &len);
    if (len > size) {
        fail(reply, "b64write: %zu bytes of data for a size of %" PRIu64, (size_t)len, size);
        return;
    }
    g_autofree uint8_t *buf = g_malloc0(size ? size : 1);
    memcpy(buf, data, len);
    write_block(s, addr, buf, size, reply);
}

static void cmd_memset(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                       GString *reply)
{
    uint64_t addr, size, value;
    AddressSpace *as;
    if (!arg_u64(argv[0], "address", &addr, reply) ||
        !arg_size(argv[1], QTEST_MAX_MEMSET, &size, reply) || !check_range(addr, size, reply) ||
        !arg_u64(argv[2], "value", &value, reply)) {
        return;
    }
    if (value > 0xff) {
        fail(reply, "memset: value 0x%" PRIx64 " is not a byte", value);
        return;
    }
    if (!(as = session_as(s, reply))) {
        return;
    }
    uint8_t chunk[QTEST_MEMSET_CHUNK];
    memset(chunk, (int)value, sizeof(chunk));
    for (uint64_t done = 0; done < size;) {
        uint64_t n = MIN(size - done, sizeof(chunk));
        MemTxResult res = address_space_write_buf(as, addr + done, chunk, n);
        if (res != MEMTX_OK) {
            fail_access(reply, res, "memset", addr + done, n);
            return;
        }
        done += n;
    }
    g_string_assign(reply, "OK");
}

/* ---- I/O ports, endianness ---------------------------------------------------------- */

static void cmd_ioport(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                       GString *reply)
{
    MachineState *ms = machine_current();
    g_autofree char *name = ms ? machine_name_from_type(object_get_typename(OBJECT(ms))) : NULL;
    /* No Tessera board has an I/O port space (riscv has none). */
    fail(reply, "%s: machine '%s' has no I/O port space", cmd->name, name ? name : "none");
}

static void cmd_endianness(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                           GString *reply)
{
    g_string_assign(reply, "OK little"); /* the bus is little-endian (kernel/memory.h) */
}

/* ---- clock ----------------------------------------------------------------------------- */

static void reply_clock(GString *reply)
{
    g_string_printf(reply, "OK %" PRId64, clock_get_ns(CLOCK_VIRTUAL));
}

/* Advance virtual time to @target (never backwards), firing due timers,
 * those already overdue included (a clock_step of 0 runs them). */
static void clock_advance_to(int64_t target)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    clock_step(target > now ? target - now : 0);
}

static bool arg_time(const char *text, int64_t *out, GString *reply)
{
    uint64_t v;
    if (!arg_u64(text, "time", &v, reply)) {
        return false;
    }
    if (v > INT64_MAX) {
        fail(reply, "time %" PRIu64 " ns is beyond the clock's range", v);
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static void cmd_clock_step(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                           GString *reply)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    if (argc == 0) {
        /* To the next timer, if there is one. */
        int64_t next = clock_virtual_next_deadline();
        clock_advance_to(next >= 0 ? next : now);
        reply_clock(reply);
        return;
    }
    int64_t ns;
    if (!arg_time(argv[0], &ns, reply)) {
        return;
    }
    if (ns > INT64_MAX - now) {
        fail(reply, "clock_step %" PRId64 ": the clock would pass 2^63 ns", ns);
        return;
    }
    clock_advance_to(now + ns);
    reply_clock(reply);
}

static void cmd_clock_set(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                          GString *reply)
{
    int64_t ns;
    if (!arg_time(argv[0], &ns, reply)) {
        return;
    }
    clock_advance_to(ns); /* a time in the past leaves the clock where it is */
    reply_clock(reply);
}

/* ---- IRQ interception ------------------------------------------------------------------ */

static void intercept_handler(void *opaque, int n, int level)
{
    QTestSession *s = opaque;
    int high = level != 0;
    if (n < 0 || n >= s->num_pins || s->levels[n] == high) {
        return;
    }
    s->levels[n] = high;
    g_autofree char *line = g_strdup_printf("IRQ %s %d\n", high ? "raise" : "lower", n);
    emit_text(s, line, strlen(line));
}

static void intercept_release(QTestSession *s)
{
    if (s->dir == INTERCEPT_NONE) {
        return;
    }
    DeviceState *dev = s->dev;
    for (int n = 0; n < s->num_pins; n++) {
        if (s->dir == INTERCEPT_OUT) {
            /* Put back the board's connection unless someone rewired it since. */
            if (n < dev->num_irq_out && *dev->irq_out[n] == s->out_lines[n]) {
                *dev->irq_out[n] = s->saved_out[n];
            }
            irq_free(s->out_lines[n]);
        } else if (n < dev->num_irq_in && dev->irq_in[n]->opaque == s &&
                   dev->irq_in[n]->handler == intercept_handler) {
            dev->irq_in[n]->handler = s->saved_in[n].handler;
            dev->irq_in[n]->opaque = s->saved_in[n].opaque;
        }
    }
    g_clear_pointer(&s->out_lines, g_free);
    g_clear_pointer(&s->saved_out, g_free);
    g_clear_pointer(&s->saved_in, g_free);
    g_clear_pointer(&s->levels, g_free);
    g_clear_pointer(&s->dev_path, g_free);
    object_unref(OBJECT(dev));
    s->dev = NULL;
    s->num_pins = 0;
    s->dir = INTERCEPT_NONE;
}

/* The device at QOM path @path, or NULL after a FAIL. */
static DeviceState *find_device(const char *path, GString *reply)
{
    bool ambiguous = false;
    Object *obj = object_resolve_path(path, &ambiguous);
    g_autofree char *e = echo_word(path);
    if (!obj) {
        fail(reply, ambiguous ? "'%s' matches more than one object" : "no object at '%s'", e);
        return NULL;
    }
    if (!object_dynamic_cast(obj, TYPE_DEVICE)) {
        fail(reply, "'%s' is not a device", e);
        return NULL;
    }
    return DEVICE(obj);
}

static void cmd_irq_intercept(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                              GString *reply)
{
    InterceptDir dir = cmd->size ? INTERCEPT_OUT : INTERCEPT_IN;
    DeviceState *dev = find_device(argv[0], reply);
    if (!dev) {
        return;
    }
    if (s->dir != INTERCEPT_NONE) {
        if (s->dev == dev && s->dir == dir) {
            g_string_assign(reply, "OK"); /* already */
        } else {
            fail(reply, "IRQ interception is already enabled on %s (%s pins); one device and "
                 "direction per session", s->dev_path, s->dir == INTERCEPT_OUT ? "out" : "in");
        }
        return;
    }
    int count = dir == INTERCEPT_OUT ? dev->num_irq_out : dev->num_irq_in;
    if (count <= 0 || (dir == INTERCEPT_IN && !dev->irq_in)) {
        g_autofree char *e = echo_word(argv[0]);
        fail(reply, "'%s' has no IRQ %s pins", e, dir == INTERCEPT_OUT ? "output" : "input");
        return;
    }
    s->dir = dir;
    s->dev = DEVICE(object_ref(OBJECT(dev)));
    s->dev_path = object_get_canonical_path(OBJECT(dev));
    if (!s->dev_path) {
        s->dev_path = g_strdup(argv[0]);
    }
    s->num_pins = count;
    s->levels = g_new0(int, count);
    if (dir == INTERCEPT_OUT) {
        s->out_lines = g_new0(IRQLine *, count);
        s->saved_out = g_new0(IRQLine *, count);
        for (int n = 0; n < count; n++) {
            s->out_lines[n] = irq_new(intercept_handler, s, n);
            s->saved_out[n] = *dev->irq_out[n];
            *dev->irq_out[n] = s->out_lines[n];
        }
    } else {
        s->saved_in = g_new0(SavedInput, count);
        for (int n = 0; n < count; n++) {
            IRQLine *line = dev->irq_in[n];
            s->saved_in[n] = (SavedInput){ .handler = line->handler, .opaque = line->opaque };
            line->handler = intercept_handler;
            line->opaque = s;
        }
    }
    g_string_assign(reply, "OK");
}

static void cmd_set_irq_in(QTestSession *s, const QTestCommand *cmd, char **argv, int argc,
                           GString *reply)
{
    DeviceState *dev = find_device(argv[0], reply);
    uint64_t n;
    int64_t level;
    if (!dev) {
        return;
    }
    if (strcmp(argv[1], "unnamed")) {
        g_autofree char *e = echo_word(argv[1]);
        fail(reply, "no input pins named '%s' (Tessera devices have only 'unnamed' inputs)", e);
        return;
    }
    if (!arg_u64(argv[2], "pin number", &n, reply)) {
        return;
    }
    if (!parse_i64(argv[3], &level) || level < INT_MIN || level > INT_MAX) {
        g_autofree char *e = echo_word(argv[3]);
        fail(reply, "invalid level '%s'", e);
        return;
    }
    if (!dev->irq_in || n >= (uint64_t)dev->num_irq_in) {
        fail(reply, "%s has %d input pins, no pin %" PRIu64, argv[0],
             dev->irq_in ? dev->num_irq_in : 0, n);
        return;
    }
    irq_set(dev->irq_in[n], (int)level);
    g_string_assign(reply, "OK");
}

/* ---- dispatch ------------------------------------------------------------------------- */

static const QTestCommand qtest_commands[] = {
    { "readb", 1, 1, "ADDR", cmd_read_sized, 1 },
    { "readw", 1, 1, "ADDR", cmd_read_sized, 2 },
    { "readl", 1, 1, "ADDR", cmd_read_sized, 4 },
    { "readq", 1, 1, "ADDR", cmd_read_sized, 8 },
    { "writeb", 2, 2, "ADDR VALUE", cmd_write_sized, 1 },
    { "writew", 2, 2, "ADDR VALUE", cmd_write_sized, 2 },
    { "writel", 2, 2, "ADDR VALUE", cmd_write_sized, 4 },
    { "writeq", 2, 2, "ADDR VALUE", cmd_write_sized, 8 },
    { "read", 2, 2, "ADDR SIZE", cmd_read },
    { "write", 3, 3, "ADDR SIZE 0xDATA", cmd_write },
    { "b64read", 2, 2, "ADDR SIZE", cmd_b64read },
    { "b64write", 3, 3, "ADDR SIZE BASE64", cmd_b64write },
    { "memset", 3, 3, "ADDR SIZE BYTE", cmd_memset },
    { "inb", 1, 1, "PORT", cmd_ioport, 1 },
    { "inw", 1, 1, "PORT", cmd_ioport, 2 },
    { "inl", 1, 1, "PORT", cmd_ioport, 4 },
    { "outb", 2, 2, "PORT VALUE", cmd_ioport, 1 },
    { "outw", 2, 2, "PORT VALUE", cmd_ioport, 2 },
    { "outl", 2, 2, "PORT VALUE", cmd_ioport, 4 },
    { "endianness", 0, 0, "", cmd_endianness },
    { "clock_step", 0, 1, "[NS]", cmd_clock_step },
    { "clock_set", 1, 1, "NS", cmd_clock_set },
    /* size: 0 in, 1 out */
    { "irq_intercept_in", 1, 1, "QOM-PATH", cmd_irq_intercept, 0 },
    { "irq_intercept_out", 1, 1, "QOM-PATH", cmd_irq_intercept, 1 },
    { "set_irq_in", 4, 4, "QOM-PATH NAME N LEVEL", cmd_set_irq_in },
};

static const QTestCommand *find_command(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(qtest_commands); i++) {
        if (!strcmp(qtest_commands[i].name, name)) {
            return &qtest_commands[i];
        }
    }
    return NULL;
}

/* Run one NUL-free line; the reply (without newline) goes in @reply, which
 * stays empty for a blank line. */
static void run_line(QTestSession *s, char *line, GString *reply)
{
    char *argv[QTEST_MAX_ARGS + 1];
    int argc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
        if (argc == QTEST_MAX_ARGS + 1) {
            fail(reply, "too many arguments");
            return;
        }
        argv[argc++] = tok;
    }
    if (!argc) {
        return;
    }
    const QTestCommand *cmd = find_command(argv[0]);
    if (!cmd) {
        g_autofree char *e = echo_word(argv[0]);
        fail(reply, "Unknown command '%s'", e);
        return;
    }
    int nargs = argc - 1;
    if (nargs < cmd->min_args || nargs > cmd->max_args) {
        fail(reply, "usage: %s%s%s", cmd->name, *cmd->usage ? " " : "", cmd->usage);
        return;
    }
    cmd->run(s, cmd, argv + 1, nargs, reply);
}

void qtest_session_execute(QTestSession *s, const char *line, size_t len)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    devlock_lock();
    if (memchr(line, '\0', len)) {
        fail(reply, "NUL byte in command line");
    } else {
        g_autofree char *copy = g_strndup(line, len);
        run_line(s, copy, reply);
    }
    if (reply->len) {
        g_string_append_c(reply, '\n');
        emit_text(s, reply->str, reply->len);
    }
    devlock_unlock();
}

char *qtest_session_command(QTestSession *s, const char *line)
{
    GString *saved = s->collect;
    GString *out = g_string_new(NULL);
    s->collect = out;
    qtest_session_execute(s, line, strlen(line));
    s->collect = saved;
    return g_string_free(out, FALSE);
}

void qtest_session_feed(QTestSession *s, const uint8_t *buf, size_t len)
{
    while (len) {
        const uint8_t *nl = memchr(buf, '\n', len);
        size_t take = nl ? (size_t)(nl - buf) : len;
        if (!s->discarding) {
            if (s->line->len + take > QTEST_MAX_LINE) {
                g_autofree char *msg = g_strdup_printf("FAIL command line longer than %d bytes\n",
                                                       QTEST_MAX_LINE);
                emit_text(s, msg, strlen(msg));
                g_string_truncate(s->line, 0);
                s->discarding = true;
            } else {
                g_string_append_len(s->line, (const char *)buf, (gssize)take);
            }
        }
        if (!nl) {
            return;
        }
        if (!s->discarding) {
            qtest_session_execute(s, s->line->str, s->line->len);
        }
        g_string_truncate(s->line, 0);
        s->discarding = false;
        buf = nl + 1;
        len -= take + 1;
    }
}

/* ---- lifetime -------------------------------------------------------------------------- */

QTestSession *qtest_session_new(AddressSpace *as, QTestEmitFn emit, void *opaque)
{
    QTestSession *s = g_new0(QTestSession, 1);
    s->as = as;
    s->emit = emit;
    s->opaque = opaque;
    s->line = g_string_new(NULL);
    clock_virtual_set_manual(true);
    return s;
}

void qtest_session_reset(QTestSession *s)
{
    devlock_lock();
    intercept_release(s);
    g_string_truncate(s->line, 0);
    s->discarding = false;
    devlock_unlock();
}

void qtest_session_free(QTestSession *s)
{
    if (!s) {
        return;
    }
    qtest_session_reset(s);
    g_string_free(s->line, TRUE);
    g_free(s);
}
