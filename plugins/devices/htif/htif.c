/* SPDX-License-Identifier: MIT */
/*
 * HTIF, the Berkeley host-target interface ("ucb,htif0") through which
 * programs written for the spike ISA simulator talk to their host: two
 * 64-bit words in guest memory, conventionally named by the ELF symbols
 * `tohost` (guest -> host commands) and `fromhost` (host -> guest replies).
 *
 * MMIO: two 8-byte regions the board maps where the words are (over RAM,
 * with a higher priority):
 *   region 0  tohost    write a command; reads return it until consumed (0)
 *   region 1  fromhost  the host's reply; the guest clears it to take the next
 * 4- and 8-byte accesses.  A command is acted on by an 8-byte write or by
 * the 4-byte write of its high half (programs on 32-bit harts store the
 * low half first), and is consumed at once: tohost reads back 0.
 *
 * Command word: device (bits 63:56), command (55:48), payload (47:0).
 *   device 0 command 0  payload bit 0 set: exit with status payload >> 1;
 *                       clear: syscall proxy, payload = guest address of
 *                       the "magic memory" block (8 little-endian uint64:
 *                       syscall number, then arguments; the result goes
 *                       back in word 0).  write (64) to fd 1/2 goes to the
 *                       console, exit (93) and exit_group (94) end the run;
 *                       others return -ENOSYS.  Reply: payload 1.
 *   device 1 command 1  write the payload's low byte to the console.
 *                       Reply: payload 0x100 | byte.
 *   device 1 command 0  read a byte: replied (0x100 | byte) when the host
 *                       has one.
 * A reply keeps the command's device and command fields.  Replies wait in
 * a short queue while fromhost is non-zero; programs that never clear
 * fromhost (most bare-metal tests) simply lose the surplus.
 *
 * Only the first exit of a run counts (the guest runs on until the main
 * loop stops it).  The status is an int; the process exit status keeps
 * its low 8 bits, as with spike and QEMU.
 * Guest memory for the syscall proxy is read through the current machine's
 * address space (physical addresses, as on spike).
 * IRQs: none.  Properties: "chardev" (id of the console's chardev, "" for
 * none: output dropped, reads never answered).
 */
#include <string.h>

#include "kernel/chardev.h"
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "kernel/runstate.h"

#define TYPE_HTIF "htif"

enum {
    HTIF_MMIO_TOHOST = 0,
    HTIF_MMIO_FROMHOST = 1,
};
#define HTIF_REG_SIZE 8
#define HTIF_HIGH_HALF 4

#define HTIF_DEV_SHIFT 56
#define HTIF_CMD_SHIFT 48
#define HTIF_FIELD_MASK 0xffu
#define HTIF_PAYLOAD_MASK ((1ULL << HTIF_CMD_SHIFT) - 1)

#define HTIF_DEV_SYSTEM 0
#define HTIF_DEV_CONSOLE 1
#define HTIF_SYSTEM_CMD_SYSCALL 0
#define HTIF_CONSOLE_CMD_GETC 0
#define HTIF_CONSOLE_CMD_PUTC 1

#define HTIF_EXIT_FLAG 1u
#define HTIF_SYSCALL_DONE 1u
#define HTIF_CONSOLE_REPLY 0x100u

#define HTIF_RESP_QUEUE_LEN 16

/* The proxy kernel's syscall numbers and errno values (RISC-V Linux ABI). */
#define HTIF_MAGIC_WORDS 8
#define HTIF_SYS_WRITE 64
#define HTIF_SYS_EXIT 93
#define HTIF_SYS_EXIT_GROUP 94
#define HTIF_FD_STDOUT 1
#define HTIF_FD_STDERR 2
#define HTIF_EBADF 9
#define HTIF_EFAULT 14
#define HTIF_ENOSYS 38
#define HTIF_WRITE_MAX (64 * 1024)
#define HTIF_WRITE_CHUNK 256

typedef struct HtifState {
    DeviceState parent_obj;
    MemoryRegion tohost_mr;
    MemoryRegion fromhost_mr;
    char *chardev_id;
    Chardev *chr;
    uint64_t tohost;
    uint64_t fromhost;
    uint64_t queue[HTIF_RESP_QUEUE_LEN]; /* replies waiting for fromhost == 0 */
    unsigned queue_head;
    unsigned queue_len;
    bool read_pending;
    uint64_t read_cmd;                  /* the getchar command waiting for input */
    bool exit_requested;                /* the first exit's status stands */
} HtifState;

OBJECT_DECLARE_SIMPLE_TYPE(HtifState, HTIF, TYPE_HTIF)

/* ---- replies -------------------------------------------------------------- */

static bool htif_can_reply(HtifState *s)
{
    return s->fromhost == 0 || s->queue_len < HTIF_RESP_QUEUE_LEN;
}

/* Reply to @cmd with @payload: into fromhost if free, else queued. */
static void htif_reply(HtifState *s, uint64_t cmd, uint64_t payload)
{
    uint64_t value = (cmd & ~HTIF_PAYLOAD_MASK) | (payload & HTIF_PAYLOAD_MASK);
    if (s->fromhost == 0) {
        s->fromhost = value;
    } else if (s->queue_len < HTIF_RESP_QUEUE_LEN) {
        s->queue[(s->queue_head + s->queue_len) % HTIF_RESP_QUEUE_LEN] = value;
        s->queue_len++;
    }
}

/* fromhost was written: hand over the next reply once the guest cleared it. */
static void htif_fromhost_changed(HtifState *s)
{
    if (s->fromhost != 0) {
        return;
    }
    if (s->queue_len) {
        s->fromhost = s->queue[s->queue_head];
        s->queue_head = (s->queue_head + 1) % HTIF_RESP_QUEUE_LEN;
        s->queue_len--;
    }
    if (s->read_pending && s->chr) {
        chardev_accept_input(s->chr);
    }
}

/* ---- console and syscall proxy ------------------------------------------- */

static void htif_console_write(HtifState *s, const uint8_t *buf, int len)
{
    if (s->chr) {
        chardev_write(s->chr, buf, len);
    }
}

/* End the run.  The guest keeps running until the main loop stops it, so
 * a later exit (a test's failure path, say) must not replace the status. */
static void htif_exit(HtifState *s, int status)
{
    if (!s->exit_requested) {
        s->exit_requested = true;
        system_request_shutdown_status(status);
    }
}

static int64_t htif_sys_write(HtifState *s, AddressSpace *as, uint64_t fd, uint64_t buf,
                              uint64_t len)
{
    if (fd != HTIF_FD_STDOUT && fd != HTIF_FD_STDERR) {
        log_mask(LOG_UNIMP, "htif: write to fd %" PRIu64 " (only 1 and 2 are proxied)\n", fd);
        return -HTIF_EBADF;
    }
    /* Like write(2), a call may be short: the device lock is held here, so
     * one call copies at most HTIF_WRITE_MAX bytes. */
    len = MIN(len, (uint64_t)HTIF_WRITE_MAX);
    uint8_t chunk[HTIF_WRITE_CHUNK];
    for (uint64_t done = 0; done < len;) {
        size_t n = (size_t)MIN(len - done, (uint64_t)sizeof(chunk));
        if (address_space_read_buf(as, buf + done, chunk, n) != MEMTX_OK) {
            log_mask(LOG_GUEST_ERROR, "htif: write buffer 0x%" PRIx64 "+%" PRIu64
                     " is not in guest memory\n", buf, len);
            return done ? (int64_t)done : -HTIF_EFAULT;
        }
        htif_console_write(s, chunk, (int)n);
        done += n;
    }
    return (int64_t)len;
}

/* Run the syscall described by the magic-memory block at @addr. */
static void htif_syscall(HtifState *s, uint64_t addr)
{
    AddressSpace *as = device_dma_address_space(DEVICE(s));
    uint64_t mm[HTIF_MAGIC_WORDS];
    if (!as || address_space_read_buf(as, addr, mm, sizeof(mm)) != MEMTX_OK) {
        log_mask(LOG_GUEST_ERROR, "htif: syscall block at 0x%" PRIx64
                 " is not in guest memory\n", addr);
        return;
    }
    for (int i = 0; i < HTIF_MAGIC_WORDS; i++) {
        mm[i] = GUINT64_FROM_LE(mm[i]);
    }
    int64_t ret;
    switch (mm[0]) {
    case HTIF_SYS_WRITE:
        ret = htif_sys_write(s, as, mm[1], mm[2], mm[3]);
        break;
    case HTIF_SYS_EXIT:
    case HTIF_SYS_EXIT_GROUP:
        htif_exit(s, (int)mm[1]);
        ret = 0;
        break;
    default:
        log_mask(LOG_UNIMP, "htif: syscall %" PRIu64 " not proxied\n", mm[0]);
        ret = -HTIF_ENOSYS;
        break;
    }
    uint64_t result = GUINT64_TO_LE((uint64_t)ret);
    address_space_write_buf(as, addr, &result, sizeof(result));
}

static void htif_command(HtifState *s, uint64_t cmd)
{
    unsigned dev = (unsigned)(cmd >> HTIF_DEV_SHIFT) & HTIF_FIELD_MASK;
    unsigned op = (unsigned)(cmd >> HTIF_CMD_SHIFT) & HTIF_FIELD_MASK;
    uint64_t payload = cmd & HTIF_PAYLOAD_MASK;

    if (dev == HTIF_DEV_SYSTEM && op == HTIF_SYSTEM_CMD_SYSCALL) {
        if (payload & HTIF_EXIT_FLAG) {
            htif_exit(s, (int)(payload >> 1));
            return;
        }
        htif_syscall(s, payload);
        htif_reply(s, cmd, HTIF_SYSCALL_DONE);
    } else if (dev == HTIF_DEV_CONSOLE && op == HTIF_CONSOLE_CMD_PUTC) {
        uint8_t ch = (uint8_t)payload;
        htif_console_write(s, &ch, 1);
        htif_reply(s, cmd, HTIF_CONSOLE_REPLY | ch);
    } else if (dev == HTIF_DEV_CONSOLE && op == HTIF_CONSOLE_CMD_GETC) {
        /* One outstanding read, as the firmwares issue them. */
        s->read_pending = true;
        s->read_cmd = cmd;
        if (s->chr) {
            chardev_accept_input(s->chr);
        }
    } else {
        log_mask(LOG_UNIMP, "htif: device %u command %u not implemented (tohost 0x%016"
                 PRIx64 ")\n", dev, op, cmd);
    }
}

/* ---- MMIO ----------------------------------------------------------------- */

static uint64_t htif_reg_read(uint64_t reg, hwaddr addr, unsigned size)
{
    return size == HTIF_REG_SIZE ? reg : (uint32_t)(reg >> (8 * addr));
}

/* @reg with the bytes an access of @size at @addr writes replaced. */
static uint64_t htif_reg_merge(uint64_t reg, hwaddr addr, uint64_t value, unsigned size)
{
    if (size == HTIF_REG_SIZE) {
        return value;
    }
    unsigned shift = 8 * (unsigned)addr;
    uint64_t mask = (uint64_t)UINT32_MAX << shift;
    return (reg & ~mask) | ((value << shift) & mask);
}

static uint64_t htif_tohost_read(void *opaque, hwaddr addr, unsigned size)
{
    return htif_reg_read(HTIF(opaque)->tohost, addr, size);
}

static void htif_tohost_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HtifState *s = opaque;
    s->tohost = htif_reg_merge(s->tohost, addr, value, size);
    if (size != HTIF_REG_SIZE && addr != HTIF_HIGH_HALF) {
        return; /* low half: wait for the high half */
    }
    uint64_t cmd = s->tohost;
    s->tohost = 0; /* consumed, as spike's host loop does */
    if (cmd) {
        htif_command(s, cmd);
    }
}

static uint64_t htif_fromhost_read(void *opaque, hwaddr addr, unsigned size)
{
    return htif_reg_read(HTIF(opaque)->fromhost, addr, size);
}

static void htif_fromhost_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    HtifState *s = opaque;
    s->fromhost = htif_reg_merge(s->fromhost, addr, value, size);
    htif_fromhost_changed(s);
}

static const MemoryRegionOps htif_tohost_ops = {
    .read = htif_tohost_read,
    .write = htif_tohost_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

static const MemoryRegionOps htif_fromhost_ops = {
    .read = htif_fromhost_read,
    .write = htif_fromhost_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* ---- chardev frontend ------------------------------------------------------ */

static int htif_can_read(void *opaque)
{
    HtifState *s = opaque;
    return s->read_pending && htif_can_reply(s) ? 1 : 0;
}

static void htif_chr_read(void *opaque, const uint8_t *buf, int len)
{
    HtifState *s = opaque;
    if (len > 0 && s->read_pending) {
        s->read_pending = false;
        htif_reply(s, s->read_cmd, HTIF_CONSOLE_REPLY | buf[0]);
    }
}

static const ChardevHandlers htif_chr_handlers = {
    .can_read = htif_can_read,
    .read = htif_chr_read,
};

/* ---- properties, device tree, lifecycle ----------------------------------- */

static const PropertyInfo htif_props[] = {
    PROP_STRING("chardev", HtifState, chardev_id, NULL, "Id of the console's chardev"),
    PROP_END
};

/*
 * "/htif" with reg = <fromhost 8>, <tohost 8>: OpenSBI's HTIF driver reads
 * entry 0 as fromhost and entry 1 (default: fromhost + 8) as tohost.
 */
static void htif_fdt_node(DeviceState *dev, FdtBuilder *fdt)
{
    const char *path = "/htif";
    hwaddr tohost = dev->mmio_addr[HTIF_MMIO_TOHOST];
    hwaddr fromhost = dev->mmio_addr[HTIF_MMIO_FROMHOST];
    fdt_builder_add_node(fdt, path);
    fdt_builder_prop_string(fdt, path, "compatible", "ucb,htif0");
    if (tohost != HWADDR_UNMAPPED && fromhost != HWADDR_UNMAPPED) {
        uint64_t reg[] = { fromhost, HTIF_REG_SIZE, tohost, HTIF_REG_SIZE };
        fdt_builder_prop_reg(fdt, path, reg, 2);
    }
}

static void htif_init(Object *obj)
{
    HtifState *s = HTIF(obj);
    memory_region_init_io(&s->tohost_mr, obj, &htif_tohost_ops, s, "htif.tohost",
                          HTIF_REG_SIZE);
    memory_region_init_io(&s->fromhost_mr, obj, &htif_fromhost_ops, s, "htif.fromhost",
                          HTIF_REG_SIZE);
    int n = device_init_mmio(DEVICE(obj), &s->tohost_mr);
    g_assert(n == HTIF_MMIO_TOHOST);
    n = device_init_mmio(DEVICE(obj), &s->fromhost_mr);
    g_assert(n == HTIF_MMIO_FROMHOST);
}

static bool htif_realize(DeviceState *dev, GError **errp)
{
    HtifState *s = HTIF(dev);
    if (!s->chardev_id || !s->chardev_id[0]) {
        return true;
    }
    s->chr = chardev_find(s->chardev_id);
    if (!s->chr) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_NOT_FOUND, "htif: chardev '%s' not found",
                    s->chardev_id);
        return false;
    }
    if (!chardev_set_handlers(s->chr, &htif_chr_handlers, s, errp)) {
        s->chr = NULL;
        return false;
    }
    return true;
}

static void htif_unrealize(DeviceState *dev)
{
    HtifState *s = HTIF(dev);
    if (s->chr) {
        chardev_clear_handlers(s->chr);
        s->chr = NULL;
    }
}

static void htif_reset(DeviceState *dev)
{
    HtifState *s = HTIF(dev);
    s->tohost = 0;
    s->fromhost = 0;
    s->queue_head = 0;
    s->queue_len = 0;
    s->read_pending = false;
    s->read_cmd = 0;
    s->exit_requested = false;
}

static void htif_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->realize = htif_realize;
    dc->unrealize = htif_unrealize;
    dc->reset = htif_reset;
    dc->fdt_node = htif_fdt_node;
    object_class_add_field_properties(klass, htif_props);
}

static const TypeInfo htif_info = {
    .name = TYPE_HTIF,
    .parent = TYPE_DEVICE,
    .category = "misc",
    .description = "Berkeley host-target interface (tohost/fromhost)",
    .instance_size = sizeof(HtifState),
    .class_size = sizeof(DeviceClass),
    .instance_init = htif_init,
    .class_init = htif_class_init,
};

TESSERA_MODULE(.name = "htif", .kind = "device", .types = TESSERA_TYPES(&htif_info));
