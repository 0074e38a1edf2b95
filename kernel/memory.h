/* SPDX-License-Identifier: MIT */
/*
 * Memory regions and address spaces.
 *
 * A MemoryRegion is RAM (host-backed), ROM (host-backed, guest writes
 * ignored and logged), MMIO (an ops struct), a ROM device (host-backed
 * reads while in ROMD mode, an ops struct for writes and, outside ROMD
 * mode, for reads too: see memory_region_init_rom_device), a container of
 * subregions, or an alias of a window of another region.  Subregions sit at an offset with
 * a priority; higher priority wins where they overlap, and among equals the
 * one added last wins.  An AddressSpace renders its root region into a flat
 * view (sorted, non-overlapping ranges) used for dispatch; the view is
 * rebuilt whenever the topology changes and swapped atomically under RCU-like
 * reference counting so vCPU threads never see a half-built view.
 *
 * Dispatch: accesses of 1/2/4/8 bytes.  An access the region's valid sizes
 * refuse, or that hits nothing, is logged under guest_errors; reads of
 * nothing return 0.  An access of a size the device does not implement is
 * split into (or, for smaller-than-min, widened to) implemented sizes.
 *
 * Byte order.  The bus is little-endian like the guests Tessera emulates:
 * an access of N bytes at A with value V (host order) means the byte at
 * A+i is bits 8i..8i+7 of V.  RAM and ROM hold bytes in that order.  An
 * MMIO region's endianness says how the device's register values map to
 * bytes: DEVICE_LITTLE_ENDIAN registers put the lower address in the less
 * significant bits (no swap on the way to the device), DEVICE_BIG_ENDIAN
 * registers put the lower address in the more significant bits (values are
 * byte-swapped on the way in and out), DEVICE_NATIVE_ENDIAN follows the
 * host.  So a big-endian device implementing 4-byte accesses that the guest
 * writes 0x11223344 to sees 0x44332211, and a device implementing only
 * 1-byte accesses sees the same bytes whatever its endianness.
 *
 * Splitting.  An access wider than impl.max_access_size becomes
 * consecutive impl.max-sized device accesses starting at the access
 * address.  An access narrower than impl.min_access_size becomes one
 * impl.min-sized device access at the address aligned down to that size
 * (two if the access straddles such a block); reads extract the wanted
 * bytes, writes shift the value into place and send zeros in the other
 * bytes: no read-modify-write is done, as in the common emulators, so
 * devices with impl.min > 1 must tolerate narrow writes clearing
 * neighbouring bytes or forbid them with valid.min_access_size.
 *
 * Threads.  Topology changes (add/del/enable/move/destroy) are serialized
 * by the caller: board setup in the main thread, later changes under the
 * device lock.  Readers (address_space_read/write and friends, any thread)
 * hold a reference on the view they use, so a change made meanwhile never
 * frees it under them.  MMIO callbacks run with the device lock held
 * (dispatch takes it, recursively); RAM and ROM accesses take no lock.
 * A region must not be destroyed while a vCPU may still dispatch to it
 * (unmap it, then destroy it with vCPUs paused or under the device lock).
 *
 * Sizes: a region of size UINT64_MAX stands for the whole 64-bit space
 * (2^64 bytes), as for a system container.
 */
#ifndef TESSERA_KERNEL_MEMORY_H
#define TESSERA_KERNEL_MEMORY_H

#include <inttypes.h>

#include "objmodel/object.h"

typedef uint64_t hwaddr;
#define HWADDR_PRIx PRIx64

/* Error domain for host-side memory errors (RAM allocation). */
#define MEMORY_ERROR (memory_error_quark())
GQuark memory_error_quark(void);
typedef enum {
    MEMORY_ERROR_ALLOC,         /* the host refused the backing memory */
    MEMORY_ERROR_INVALID,       /* bad size */
} MemoryErrorCode;

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;

typedef enum {
    DEVICE_LITTLE_ENDIAN,
    DEVICE_BIG_ENDIAN,
    DEVICE_NATIVE_ENDIAN,  /* host order: no swap */
} DeviceEndian;

typedef enum {
    MEMTX_OK = 0,
    MEMTX_ERROR = 1,        /* device reported an error */
    MEMTX_DECODE_ERROR = 2, /* nothing mapped there */
} MemTxResult;

/*
 * What an initiator attaches to an access beside address and data.
 * requester_id (valid with has_requester_id): the PCI requester ID (bus <<
 * 8 | devfn) of a device's write, as an MSI controller (the GICv3 ITS)
 * uses it to tell devices apart.
 */
typedef struct MemTxAttrs {
    uint16_t requester_id;
    bool has_requester_id;
} MemTxAttrs;

typedef struct MemoryRegionOps {
    /* @size is one of the implemented sizes; value in host order. */
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t value, unsigned size);
    /* Optional: a write made with address_space_write_attrs() reaches this
     * instead of write when it fits one implemented access (other writes,
     * such as a CPU's stores, carry no attributes and use write). */
    void (*write_with_attrs)(void *opaque, hwaddr addr, uint64_t value, unsigned size,
                             MemTxAttrs attrs);
    DeviceEndian endianness;
    struct {
        unsigned min_access_size;  /* 0 means 1 */
        unsigned max_access_size;  /* 0 means 4 (or min, if larger) */
        bool unaligned;            /* guest may do unaligned accesses */
    } valid;
    struct {
        unsigned min_access_size;  /* 0 means 1 */
        unsigned max_access_size;  /* 0 means 4 (or min, if larger) */
    } impl;
} MemoryRegionOps;

typedef enum {
    MR_CONTAINER,
    MR_RAM,
    MR_ROM,
    MR_MMIO,
    MR_ALIAS,
    MR_ROM_DEVICE,
} MemoryRegionKind;

/* Regions are plain structs embedded in their owner's state (not objects);
 * the owner object is recorded for info mtree and for lifetime. */
struct MemoryRegion {
    MemoryRegionKind kind;
    char *name;
    Object *owner;
    uint64_t size;
    const MemoryRegionOps *ops;
    void *opaque;
    uint8_t *ram;               /* RAM, ROM and ROM-device backing */
    bool romd;                  /* ROM device: reads served from @ram */
    bool ram_owned;
    MemoryRegion *alias;
    hwaddr alias_offset;
    MemoryRegion *container;    /* the container we are mapped in, if any */
    hwaddr addr;                /* offset within container */
    int priority;
    bool enabled;
    unsigned seq;               /* insertion order, for equal priorities */
    GPtrArray *subregions;      /* MemoryRegion *, for containers */
    GSList *spaces;             /* address spaces whose root this is */
};

/* A container of @size bytes (UINT64_MAX: the whole space); empty until
 * subregions are added.  Every init function overwrites all of *mr and
 * leaves the region enabled and unmapped. */
void memory_region_init(MemoryRegion *mr, Object *owner, const char *name, uint64_t size);
/* RAM zero-filled; returns false with an error if the host refuses.  Large
 * RAM is mmap'd anonymous memory, so untouched pages cost no RSS. */
/*
 * -machine dump-guest-core=on|off (default on): whether guest RAM is part
 * of a core dump of the process.  Set before the board is built; applied
 * (madvise MADV_DODUMP/MADV_DONTDUMP) to every page-aligned RAM mapping as
 * it is made, including memory backends'.
 */
void memory_set_dump_guest_core(bool on);
bool memory_dump_guest_core(void);
/* Apply the setting to the pages inside [p, p + size). */
void memory_ram_advise_dump(void *p, uint64_t size);

bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp);
/* RAM at @ptr, which the caller owns and keeps mapped for the region's life
 * (a host memory backend's mapping). */
void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner, const char *name,
                                uint64_t size, void *ptr);
/* ROM: contents loaded by the board with memory_region_get_ram_ptr(). */
bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp);
/* MMIO: accesses call @ops with @opaque and the offset within the region;
 * @ops must outlive the region. */
void memory_region_init_io(MemoryRegion *mr, Object *owner, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size);
/*
 * ROM device (QEMU's "romd"), e.g. NOR flash: @size zero-filled host bytes
 * the device fills and changes (memory_region_get_ram_ptr), plus @ops.
 * - ROMD mode (the initial mode): reads are served from the backing like
 *   ROM, on every fast path (address_space_get_host_ptr, so the TCG TLB,
 *   instruction fetch and the MMU's page-table walker read it as RAM).
 * - MMIO mode: reads call @ops->read (status, identifier, query answers).
 * - Writes always call @ops->write (commands); loaders
 *   (address_space_write_rom) write the backing directly.
 * The device switches modes with memory_region_rom_device_set_romd, which
 * commits like a topology change (listeners flush TLBs, the calling vCPU's
 * at once, so a load right after a command store in the same translated
 * block sees the device).  When the device changes backing bytes itself
 * (program, erase) it calls memory_region_notify_written so that code
 * translated from them is dropped.
 */
bool memory_region_init_rom_device(MemoryRegion *mr, Object *owner, const MemoryRegionOps *ops,
                                   void *opaque, const char *name, uint64_t size,
                                   GError **errp);
void memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd);
bool memory_region_is_romd(MemoryRegion *mr);
/*
 * Host-backed bytes [@offset, @offset + @len) of @mr (RAM, ROM or ROM
 * device) were changed by a device rather than by a CPU store: every
 * address space showing them tells its listeners' written hook (TCG drops
 * translated code there).  DMA into RAM need not call it (see the TCG
 * engine's icache checks), a ROM device must.
 */
void memory_region_notify_written(MemoryRegion *mr, hwaddr offset, uint64_t len);
/* The window [@offset, @offset + @size) of @orig (any kind, containers
 * included), mapped wherever the alias itself is added. */
void memory_region_init_alias(MemoryRegion *mr, Object *owner, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size);
/* Unmaps from its container, detaches its own subregions, frees backing it
 * owns.  Address spaces rooted at @mr must be destroyed first. */
void memory_region_destroy(MemoryRegion *mr);

/* Map @sub (not mapped elsewhere) at @offset in @container with priority 0.
 * Where siblings overlap, the higher priority wins; among equal priorities
 * the one added last.  Parts outside the container's size are clipped.
 * Each of these topology changes re-renders affected address spaces. */
void memory_region_add_subregion(MemoryRegion *container, hwaddr offset, MemoryRegion *sub);
void memory_region_add_subregion_overlap(MemoryRegion *container, hwaddr offset,
                                         MemoryRegion *sub, int priority);
void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub);
/* A disabled region (and everything under it) is not rendered. */
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
/* Move @mr to @addr within its container (keeps priority and order). */
void memory_region_set_address(MemoryRegion *mr, hwaddr addr);
/* Host backing of RAM/ROM (for an alias: of its target at the alias
 * offset), NULL for other kinds. */
uint8_t *memory_region_get_ram_ptr(MemoryRegion *mr);
uint64_t memory_region_size(MemoryRegion *mr);
const char *memory_region_name(MemoryRegion *mr);

/* Direct access to a region (bypasses address spaces); used by tests and
 * by the SDK harness.  Sizes 1,2,4,8. */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *value,
                                        unsigned size);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t value,
                                         unsigned size);

/* ---- flat view -------------------------------------------------------- */

typedef struct FlatRange {
    hwaddr start;               /* address-space address */
    uint64_t size;
    MemoryRegion *mr;           /* terminal region: RAM, ROM, MMIO or ROM device */
    hwaddr offset_in_region;    /* offset of @start within @mr */
} FlatRange;

struct FlatView {
    gint ref;
    FlatRange *ranges;
    unsigned nr;
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current;          /* swapped atomically */
    GMutex lock;
    GSList *listeners;          /* AddressSpaceListener * */
};

/* Called after each topology change (e.g. the TCG engine flushes TLBs), and
 * (written, optional) when a device changed host-backed bytes at
 * [@addr, @addr + @len) of the space (memory_region_notify_written). */
typedef struct AddressSpaceListener {
    void (*commit)(AddressSpace *as, void *opaque);
    void (*written)(AddressSpace *as, hwaddr addr, uint64_t len, void *opaque);
    void *opaque;
} AddressSpaceListener;

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name);
void address_space_destroy(AddressSpace *as);
void address_space_add_listener(AddressSpace *as, AddressSpaceListener *l);
void address_space_remove_listener(AddressSpace *as, AddressSpaceListener *l);

/* Current view with a reference; release with flatview_unref(). */
FlatView *address_space_get_flatview(AddressSpace *as);
/* A new view (one reference) of @root placed at address 0. */
FlatView *flatview_render(MemoryRegion *root);
void flatview_unref(FlatView *fv);
/* Range containing @addr, or NULL. */
const FlatRange *flatview_lookup(FlatView *fv, hwaddr addr);

/* Accesses of 1,2,4,8 bytes; value in host order; guest errors logged. */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr, uint64_t *value, unsigned size);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr, uint64_t value, unsigned size);
/* A write carrying @attrs (see MemTxAttrs); as address_space_write for
 * targets without write_with_attrs. */
MemTxResult address_space_write_attrs(AddressSpace *as, hwaddr addr, uint64_t value,
                                      unsigned size, MemTxAttrs attrs);
/* Byte buffers (DMA, loaders).  ROM is writable through address_space_write_rom. */
MemTxResult address_space_read_buf(AddressSpace *as, hwaddr addr, void *buf, size_t len);
MemTxResult address_space_write_buf(AddressSpace *as, hwaddr addr, const void *buf, size_t len);
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, const void *buf, size_t len);

/*
 * For accelerators: the host pointer backing guest-physical @addr when it is
 * RAM (or, when !@is_write, ROM or a ROM device in ROMD mode), with *plen set to the bytes contiguous from
 * there in the same range.  NULL for MMIO or holes.
 */
void *address_space_get_host_ptr(AddressSpace *as, hwaddr addr, bool is_write, uint64_t *plen);

/* Text for `info mtree`: the region tree, then (when @flatview) the flat
 * view.  Free with g_free. */
char *address_space_format_mtree(AddressSpace *as, bool flatview);

/* Kernel-internal (memory.c -> flatview.c): re-render every address space
 * whose root reaches @mr through containers or aliases, then run their
 * listeners' commit. */
void memory_region_topology_changed(MemoryRegion *mr);

#endif
