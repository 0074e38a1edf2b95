/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: the test harness (link with -ltessera-testing).
 *
 * Drives one or more devices on a bare bus, with no guest CPU: a fresh
 * address space to map them in, register reads and writes, the levels of
 * their interrupt outputs, the virtual clock stepped by hand, and an
 * in-memory chardev to feed input and collect output.  Made for Check
 * tests:
 *
 *   TsrTestBus *bus = tsr_test_bus_new();
 *   tsr_test_load_plugin(bus, tsr_test_file_beside_program("mydev.so"));
 *   TsrTestDevice *d = tsr_test_device_create(bus, "mydev", "period=100", 0x1000);
 *   tsr_test_write32(bus, 0x1000 + REG_CTRL, CTRL_ENABLE);
 *   tsr_test_clock_step(bus, 100);
 *   ck_assert_int_eq(tsr_test_irq_level(d, 0), 1);
 *   tsr_test_bus_free(bus);
 *
 * Functions returning bool report failures through tsr_test_error(); the
 * ones that return nothing (or a handle) treat failure as a broken test:
 * they print "tsr-test: MESSAGE" on stderr and abort.
 *
 * Several buses may exist at once (each device belongs to one).  The
 * virtual clock and chardev ids are process-wide.  Plugins, once loaded,
 * stay loaded.  Devices of in-tree modules are found through the module
 * directory beside libtessera (and TESSERA_MODULE_DIR).
 */
#ifndef TESSERA_SDK_TESTING_H
#define TESSERA_SDK_TESTING_H

#include <tessera/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TsrTestBus TsrTestBus;
typedef struct TsrTestDevice TsrTestDevice;
typedef struct TsrTestChardev TsrTestChardev;

/* ---- set-up --------------------------------------------------------------- */

/* Start the core if needed, put the virtual clock in manual mode and
 * create an empty 64-bit address space. */
TsrTestBus *tsr_test_bus_new(void);
/* Unrealize and free the bus's devices, chardevs and RAM. */
void tsr_test_bus_free(TsrTestBus *bus);
/* The last failure of a bool function on @bus, or NULL. */
const char *tsr_test_error(const TsrTestBus *bus);

/* Load a plugin file (as the core does: its SDK version is checked). */
bool tsr_test_load_plugin(TsrTestBus *bus, const char *path);
/* @name in the directory of the running program (where a test Makefile
 * puts the plugin next to its test binary).  Never freed: call it a few
 * times per test, not in loops. */
const char *tsr_test_file_beside_program(const char *name);

/* Back [@addr, @addr + @size) with zeroed RAM (for DMA). */
void tsr_test_add_ram(TsrTestBus *bus, uint64_t addr, uint64_t size);

/* ---- devices -------------------------------------------------------------- */

/*
 * Create a device of @type (loading its module if needed), not yet
 * realized.  NULL, with tsr_test_error() set, if the type is unknown or
 * not a device.
 */
TsrTestDevice *tsr_test_device_new(TsrTestBus *bus, const char *type);
/* Set a property from text, as on the command line ("on", "0x10", "4k"). */
bool tsr_test_device_set(TsrTestDevice *dev, const char *prop, const char *value);
/* Realize, then reset. */
bool tsr_test_device_realize(TsrTestDevice *dev);
/* Map MMIO region @n at @addr on the bus. */
void tsr_test_device_map(TsrTestDevice *dev, int n, uint64_t addr);
/* Run the device's reset. */
void tsr_test_device_reset(TsrTestDevice *dev);
/* Unrealize (as on unplug): MMIO is unmapped, timers stop. */
void tsr_test_device_unrealize(TsrTestDevice *dev);

/*
 * All in one: new, set "key=value,key=value" properties (NULL or "" for
 * none), realize, reset and map region 0 at @addr.  Aborts on failure.
 */
TsrTestDevice *tsr_test_device_create(TsrTestBus *bus, const char *type, const char *props,
                                      uint64_t addr);
/* Read a property as text (free() the result), or NULL if it has none. */
char *tsr_test_device_get(TsrTestDevice *dev, const char *prop);

/* ---- registers and memory ------------------------------------------------- */

/* Guest-physical accesses on the bus (1, 2, 4 or 8 bytes, little-endian bus). */
uint64_t tsr_test_read(TsrTestBus *bus, uint64_t addr, unsigned size);
void tsr_test_write(TsrTestBus *bus, uint64_t addr, uint64_t value, unsigned size);
static inline uint8_t tsr_test_read8(TsrTestBus *bus, uint64_t addr)
{
    return (uint8_t)tsr_test_read(bus, addr, 1);
}
static inline uint16_t tsr_test_read16(TsrTestBus *bus, uint64_t addr)
{
    return (uint16_t)tsr_test_read(bus, addr, 2);
}
static inline uint32_t tsr_test_read32(TsrTestBus *bus, uint64_t addr)
{
    return (uint32_t)tsr_test_read(bus, addr, 4);
}
static inline uint64_t tsr_test_read64(TsrTestBus *bus, uint64_t addr)
{
    return tsr_test_read(bus, addr, 8);
}
static inline void tsr_test_write8(TsrTestBus *bus, uint64_t addr, uint8_t value)
{
    tsr_test_write(bus, addr, value, 1);
}
static inline void tsr_test_write16(TsrTestBus *bus, uint64_t addr, uint16_t value)
{
    tsr_test_write(bus, addr, value, 2);
}
static inline void tsr_test_write32(TsrTestBus *bus, uint64_t addr, uint32_t value)
{
    tsr_test_write(bus, addr, value, 4);
}
static inline void tsr_test_write64(TsrTestBus *bus, uint64_t addr, uint64_t value)
{
    tsr_test_write(bus, addr, value, 8);
}
/* Whether the last access on @bus reached a device without error (false
 * for holes, refused sizes and device errors). */
bool tsr_test_last_access_ok(const TsrTestBus *bus);
/* Byte buffers, e.g. to fill or check RAM the device reads by DMA. */
void tsr_test_memread(TsrTestBus *bus, uint64_t addr, void *buf, size_t len);
void tsr_test_memwrite(TsrTestBus *bus, uint64_t addr, const void *buf, size_t len);

/* ---- interrupts ----------------------------------------------------------- */

/* Current level (0 or 1) of output pin @pin (0 when never driven). */
int tsr_test_irq_level(TsrTestDevice *dev, int pin);
/* Rising edges (low to high) seen on @pin since creation or the last reset
 * of the count. */
unsigned tsr_test_irq_rises(TsrTestDevice *dev, int pin);
void tsr_test_irq_reset_count(TsrTestDevice *dev, int pin);
/* Number of output pins the device has. */
int tsr_test_irq_count(TsrTestDevice *dev);

/* ---- virtual time ----------------------------------------------------------- */

/* Advance the virtual clock by @ns, firing due timers in order. */
void tsr_test_clock_step(TsrTestBus *bus, int64_t ns);
/* Current virtual time. */
int64_t tsr_test_clock_ns(TsrTestBus *bus);

/* ---- character streams ---------------------------------------------------- */

/* A harness chardev with id @id (set a device's chardev property to @id). */
TsrTestChardev *tsr_test_chardev_new(TsrTestBus *bus, const char *id);
/* Queue bytes for the device; they are delivered as it accepts them.
 * Returns how many are still waiting afterwards. */
size_t tsr_test_chardev_feed(TsrTestChardev *chr, const void *buf, size_t len);
size_t tsr_test_chardev_feed_str(TsrTestChardev *chr, const char *text);
/* Bytes queued but not yet accepted by the device. */
size_t tsr_test_chardev_pending(TsrTestChardev *chr);
/* Take everything the device has written so far, as a NUL-terminated
 * string (free() it); *@len, if not NULL, receives its length. */
char *tsr_test_chardev_take(TsrTestChardev *chr, size_t *len);

/* ---- device tree ------------------------------------------------------------ */

/*
 * Run the device's fdt_node hook on a tree whose bus node is "/soc"
 * (#address-cells 2, #size-cells 2) with output pin N routed to input N+1
 * of an interrupt controller with phandle 1, and return what it wrote as
 * text (free() it), one node per block:
 *   /soc/timer@10000 {
 *     compatible = "acme,timer-v1";
 *     reg = <0x0 0x10000 0x0 0x100>;
 *   }
 * Strings print quoted, other values as 32-bit cells when their length is a
 * multiple of 4, else as bytes [01 02].  NULL (tsr_test_error set) when the
 * builder reported an error.
 */
char *tsr_test_device_fdt(TsrTestDevice *dev);

#ifdef __cplusplus
}
#endif

#endif
