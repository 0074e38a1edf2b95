/* SPDX-License-Identifier: MIT */
/*
 * Memory regions and dispatch.
 *
 * This file holds the region tree (init, subregions, enable, move) and the
 * access paths (address_space_read/write, byte buffers, direct region
 * dispatch, host pointers).  Rendering address spaces into flat views, the
 * address-space list and `info mtree` live in flatview.c.  The byte-order
 * and splitting rules are described in memory.h.
 */
#include "kernel/memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/log.h"
#include "kernel/runstate.h"

/* RAM at least this large is mmap'd so untouched pages cost no RSS. */
#define RAM_MMAP_THRESHOLD (1u << 20)
#define RAM_HUGE_ALIGN (2u << 20)
/* Widest single access (bytes). */
#define MAX_ACCESS_SIZE 8
/* Defaults of MemoryRegionOps' size fields when left 0. */
#define DEFAULT_MIN_ACCESS_SIZE 1
#define DEFAULT_MAX_ACCESS_SIZE 4

/* Insertion counter: among equal priorities the later region wins. */
static unsigned memory_region_seq;

G_DEFINE_QUARK(tessera-memory-error-quark, memory_error)

/* ---- byte order helpers ------------------------------------------------ */

static uint64_t load_le(const uint8_t *p, unsigned size)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
    uint64_t v = 0;
    memcpy(&v, p, size);
    return v;
#else
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
#endif
}

static void store_le(uint8_t *p, uint64_t v, unsigned size)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
    memcpy(p, &v, size);
#else
    for (unsigned i = 0; i < size; i++) {
        p[i] = v >> (8 * i);
    }
#endif
}

static uint64_t bswap_sized(uint64_t v, unsigned size)
{
    switch (size) {
    case 1:
        return v & 0xff;
    case 2:
        return GUINT16_SWAP_LE_BE((uint16_t)v);
    case 4:
        return GUINT32_SWAP_LE_BE((uint32_t)v);
    default:
        g_assert(size == 8);
        return GUINT64_SWAP_LE_BE(v);
    }
}

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * size)) - 1;
}

static bool access_size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* True when device values must be byte-swapped to and from bus order. */
static bool ops_swap(const MemoryRegionOps *ops)
{
    switch (ops->endianness) {
    case DEVICE_BIG_ENDIAN:
        return true;
    case DEVICE_NATIVE_ENDIAN:
        return G_BYTE_ORDER == G_BIG_ENDIAN;
    default:
        return false;
    }
}

static unsigned size_or(unsigned v, unsigned dflt)
{
    return v ? v : dflt;
}

/* ---- regions ------------------------------------------------------------ */

static void region_init_common(MemoryRegion *mr, MemoryRegionKind kind, Object *owner,
                               const char *name, uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->kind = kind;
    mr->name = g_strdup(name ? name : "anonymous");
    mr->owner = owner;
    mr->size = size;
    mr->enabled = true;
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name, uint64_t size)
{
    region_init_common(mr, MR_CONTAINER, owner, name, size);
    mr->subregions = g_ptr_array_new();
}

static bool dump_guest_core = true;   /* QEMU's default; set before any RAM exists */

void memory_set_dump_guest_core(bool on)
{
    dump_guest_core = on;
}

bool memory_dump_guest_core(void)
{
    return dump_guest_core;
}

void memory_ram_advise_dump(void *p, uint64_t size)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(page - 1);
    if (end > start) {
        madvise((void *)start, end - start, dump_guest_core ? MADV_DODUMP : MADV_DONTDUMP);
    }
}

static uint8_t *ram_alloc(uint64_t size, const char *name, GError **errp)
{
    if (size == 0) {
        g_set_error(errp, MEMORY_ERROR, MEMORY_ERROR_INVALID,
                    "memory region '%s': size must not be zero", name);
        return NULL;
    }
    if (size >= RAM_MMAP_THRESHOLD) {
#if SIZE_MAX < UINT64_MAX
        if (size > SIZE_MAX) {
            g_set_error(errp, MEMORY_ERROR, MEMORY_ERROR_ALLOC,
                        "memory region '%s': %" PRIu64 " bytes exceed the host address space",
                        name, size);
            return NULL;
        }
#endif
        /* 2 MiB aligned, so that a host with THP "always" backs it with
         * huge pages, but not advised MADV_HUGEPAGE: on the VMs measured
         * (docs/performance.md, session 10) a fresh huge page costs several
         * times what its 512 small pages do, and half the 4 GiB boots took
         * 20-60% longer with the advice. */
        size_t map = (size_t)size + RAM_HUGE_ALIGN;
        uint8_t *raw = mmap(NULL, map, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (raw == MAP_FAILED) {
            g_set_error(errp, MEMORY_ERROR, MEMORY_ERROR_ALLOC,
                        "memory region '%s': cannot allocate %" PRIu64 " bytes: %s",
                        name, size, g_strerror(errno));
            return NULL;
        }
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uint8_t *p = (uint8_t *)(((uintptr_t)raw + RAM_HUGE_ALIGN - 1) & ~(uintptr_t)(RAM_HUGE_ALIGN - 1));
        uint8_t *end = (uint8_t *)(((uintptr_t)p + size + page - 1) & ~(page - 1));
        if (p > raw) {
            munmap(raw, (size_t)(p - raw));
        }
        if (raw + map > end) {
            munmap(end, (size_t)(raw + map - end));
        }
        memory_ram_advise_dump(p, size);
        return p;
    }
    uint8_t *p = g_try_malloc0(size);
    if (!p) {
        g_set_error(errp, MEMORY_ERROR, MEMORY_ERROR_ALLOC,
                    "memory region '%s': cannot allocate %" PRIu64 " bytes", name, size);
    } else {
        memory_ram_advise_dump(p, size); /* the whole pages inside it */
    }
    return p;
}

static void ram_free(uint8_t *p, uint64_t size)
{
    if (size >= RAM_MMAP_THRESHOLD) {
        munmap(p, size);
    } else {
        g_free(p);
    }
}

static bool region_init_backed(MemoryRegion *mr, MemoryRegionKind kind, Object *owner,
                               const char *name, uint64_t size, GError **errp)
{
    region_init_common(mr, kind, owner, name, size);
    mr->ram = ram_alloc(size, mr->name, errp);
    if (!mr->ram) {
        g_clear_pointer(&mr->name, g_free);
        return false;
    }
    mr->ram_owned = true;
    return true;
}

bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp)
{
    return region_init_backed(mr, MR_RAM, owner, name, size, errp);
}

void memory_region_init_ram_ptr(MemoryRegion *mr, Object *owner, const char *name,
                                uint64_t size, void *ptr)
{
    g_assert(ptr && size);
    region_init_common(mr, MR_RAM, owner, name, size);
    mr->ram = ptr;
    mr->ram_owned = false;
}

bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, GError **errp)
{
    return region_init_backed(mr, MR_ROM, owner, name, size, errp);
}

/* An ops size field: 0 (default) or a power of two up to 8 bytes. */
static bool ops_size_ok(unsigned size)
{
    return size == 0 || access_size_ok(size);
}

void memory_region_init_io(MemoryRegion *mr, Object *owner, const MemoryRegionOps *ops,
                           void *opaque, const char *name, uint64_t size)
{
    g_assert(ops);
    g_assert(ops_size_ok(ops->valid.min_access_size) && ops_size_ok(ops->valid.max_access_size));
    g_assert(ops_size_ok(ops->impl.min_access_size) && ops_size_ok(ops->impl.max_access_size));
    region_init_common(mr, MR_MMIO, owner, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
}

bool memory_region_init_rom_device(MemoryRegion *mr, Object *owner, const MemoryRegionOps *ops,
                                   void *opaque, const char *name, uint64_t size,
                                   GError **errp)
{
    g_assert(ops && ops->read && ops->write);
    g_assert(ops_size_ok(ops->valid.min_access_size) && ops_size_ok(ops->valid.max_access_size));
    g_assert(ops_size_ok(ops->impl.min_access_size) && ops_size_ok(ops->impl.max_access_size));
    if (!region_init_backed(mr, MR_ROM_DEVICE, owner, name, size, errp)) {
        return false;
    }
    mr->ops = ops;
    mr->opaque = opaque;
    mr->romd = true;
    return true;
}

bool memory_region_is_romd(MemoryRegion *mr)
{
    return mr->kind == MR_ROM_DEVICE && __atomic_load_n(&mr->romd, __ATOMIC_ACQUIRE);
}

void memory_region_rom_device_set_romd(MemoryRegion *mr, bool romd)
{
    g_assert(mr->kind == MR_ROM_DEVICE);
    if (mr->romd == romd) {
        return;
    }
    __atomic_store_n(&mr->romd, romd, __ATOMIC_RELEASE);
    /* The view's ranges stay; what changes is whether they have a host
     * pointer, so listeners must drop what they derived (TLB entries). */
    memory_region_topology_changed(mr);
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner, const char *name,
                              MemoryRegion *orig, hwaddr offset, uint64_t size)
{
    g_assert(orig && orig != mr);
    region_init_common(mr, MR_ALIAS, owner, name, size);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_destroy(MemoryRegion *mr)
{
    g_assert(mr->spaces == NULL);   /* destroy the address spaces first */
    if (mr->container) {
        memory_region_del_subregion(mr->container, mr);
    }
    if (mr->subregions) {
        /* Nothing renders us any more: detach the children quietly. */
        for (guint i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
            sub->container = NULL;
        }
        g_ptr_array_free(mr->subregions, TRUE);
        mr->subregions = NULL;
    }
    if (mr->ram && mr->ram_owned) {
        ram_free(mr->ram, mr->size);
    }
    mr->ram = NULL;
    g_clear_pointer(&mr->name, g_free);
}

/* Subregions are kept sorted by priority, highest first, and among equal
 * priorities the most recently added first: the order rendering wants. */
static void subregion_insert_sorted(MemoryRegion *container, MemoryRegion *sub)
{
    GPtrArray *subs = container->subregions;
    guint i = 0;
    while (i < subs->len) {
        MemoryRegion *other = g_ptr_array_index(subs, i);
        if (other->priority <= sub->priority) {
            break;
        }
        i++;
    }
    g_ptr_array_insert(subs, i, sub);
}

void memory_region_add_subregion_overlap(MemoryRegion *container, hwaddr offset,
                                         MemoryRegion *sub, int priority)
{
    g_assert(container->kind == MR_CONTAINER && container->subregions);
    g_assert(sub->container == NULL);
    g_assert(sub != container);
    sub->container = container;
    sub->addr = offset;
    sub->priority = priority;
    sub->seq = g_atomic_int_add(&memory_region_seq, 1);
    subregion_insert_sorted(container, sub);
    memory_region_topology_changed(container);
}

void memory_region_add_subregion(MemoryRegion *container, hwaddr offset, MemoryRegion *sub)
{
    memory_region_add_subregion_overlap(container, offset, sub, 0);
}

void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub)
{
    g_assert(sub->container == container);
    bool found = g_ptr_array_remove(container->subregions, sub);
    g_assert(found);
    sub->container = NULL;
    memory_region_topology_changed(container);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    mr->enabled = enabled;
    memory_region_topology_changed(mr);
}

void memory_region_set_address(MemoryRegion *mr, hwaddr addr)
{
    if (mr->addr == addr) {
        return;
    }
    mr->addr = addr;
    if (mr->container) {
        memory_region_topology_changed(mr);
    }
}

uint8_t *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    hwaddr offset = 0;
    while (mr->kind == MR_ALIAS) {
        offset += mr->alias_offset;
        mr = mr->alias;
    }
    return mr->ram ? mr->ram + offset : NULL;
}

uint64_t memory_region_size(MemoryRegion *mr)
{
    return mr->size;
}

const char *memory_region_name(MemoryRegion *mr)
{
    return mr->name;
}

/* ---- MMIO dispatch ------------------------------------------------------ */

/*
 * @count device accesses of @k bytes from @start; @bytes holds count * k
 * bytes in bus order (filled on reads, consumed on writes).
 */
static void mmio_pieces(MemoryRegion *mr, hwaddr start, unsigned k, unsigned count,
                        uint8_t *bytes, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    bool swap = ops_swap(ops);
    for (unsigned j = 0; j < count; j++) {
        if (is_write) {
            uint64_t d = load_le(bytes + j * k, k);
            ops->write(mr->opaque, start + j * k, swap ? bswap_sized(d, k) : d, k);
        } else {
            uint64_t d = ops->read(mr->opaque, start + j * k, k);
            store_le(bytes + j * k, swap ? bswap_sized(d, k) : d, k);
        }
    }
}

static MemTxResult mmio_access(MemoryRegion *mr, hwaddr off, uint64_t *value, unsigned size,
                               bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned vmin = size_or(ops->valid.min_access_size, DEFAULT_MIN_ACCESS_SIZE);
    unsigned imin = size_or(ops->impl.min_access_size, DEFAULT_MIN_ACCESS_SIZE);
    /* A min above the default max (e.g. only min = 8 set) raises the max. */
    unsigned vmax = MAX(vmin, size_or(ops->valid.max_access_size, DEFAULT_MAX_ACCESS_SIZE));
    unsigned imax = MAX(imin, size_or(ops->impl.max_access_size, DEFAULT_MAX_ACCESS_SIZE));
    const char *what = is_write ? "write" : "read";

    if (size < vmin || size > vmax || (!ops->valid.unaligned && (off & (size - 1)))) {
        log_mask(LOG_GUEST_ERROR,
                 "%s: invalid %s of size %u at offset 0x%" HWADDR_PRIx
                 " (device accepts %u..%u bytes%s)\n",
                 mr->name, what, size, off, vmin, vmax,
                 ops->valid.unaligned ? "" : ", aligned");
        if (!is_write) {
            *value = 0;
        }
        return MEMTX_ERROR;
    }
    if (is_write ? !ops->write : !ops->read) {
        log_mask(LOG_GUEST_ERROR, "%s: %s at offset 0x%" HWADDR_PRIx " not supported\n",
                 mr->name, what, off);
        if (!is_write) {
            *value = 0;
        }
        return MEMTX_ERROR;
    }

    devlock_lock();
    if (size >= imin && size <= imax) {
        bool swap = ops_swap(ops);
        if (is_write) {
            uint64_t d = *value & size_mask(size);
            ops->write(mr->opaque, off, swap ? bswap_sized(d, size) : d, size);
        } else {
            uint64_t d = ops->read(mr->opaque, off, size) & size_mask(size);
            *value = swap ? bswap_sized(d, size) : d;
        }
    } else {
        /* Two blocks of at most 8 bytes cover any narrow access. */
        uint8_t bytes[2 * MAX_ACCESS_SIZE] = { 0 };
        hwaddr start;
        unsigned k, count;
        if (size > imax) {
            k = imax;
            start = off;
            count = size / imax;
        } else {
            k = imin;
            start = off & ~(hwaddr)(k - 1);
            hwaddr end = (off + size + k - 1) & ~(hwaddr)(k - 1);
            count = (end - start) / k;
        }
        g_assert(count * k <= sizeof(bytes));
        if (is_write) {
            store_le(bytes + (off - start), *value, size);
        }
        mmio_pieces(mr, start, k, count, bytes, is_write);
        if (!is_write) {
            *value = load_le(bytes + (off - start), size);
        }
    }
    devlock_unlock();
    return MEMTX_OK;
}

typedef enum {
    ACCESS_READ,
    ACCESS_WRITE,
    ACCESS_WRITE_ROM,   /* loaders: ROM is writable */
} AccessMode;

/* One access inside terminal region @mr; [off, off + size) lies within it. */
static MemTxResult terminal_access(MemoryRegion *mr, hwaddr off, uint64_t *value,
                                   unsigned size, AccessMode mode)
{
    switch (mr->kind) {
    case MR_RAM:
        if (mode == ACCESS_READ) {
            *value = load_le(mr->ram + off, size);
        } else {
            store_le(mr->ram + off, *value, size);
        }
        return MEMTX_OK;
    case MR_ROM:
        if (mode == ACCESS_READ) {
            *value = load_le(mr->ram + off, size);
        } else if (mode == ACCESS_WRITE_ROM) {
            store_le(mr->ram + off, *value, size);
        } else {
            log_mask(LOG_GUEST_ERROR,
                     "%s: write of size %u at offset 0x%" HWADDR_PRIx " to ROM ignored\n",
                     mr->name, size, off);
        }
        return MEMTX_OK;
    case MR_MMIO:
        return mmio_access(mr, off, value, size, mode != ACCESS_READ);
    case MR_ROM_DEVICE:
        if (mode == ACCESS_READ && memory_region_is_romd(mr)) {
            *value = load_le(mr->ram + off, size);
            return MEMTX_OK;
        }
        if (mode == ACCESS_WRITE_ROM) {
            store_le(mr->ram + off, *value, size);
            return MEMTX_OK;
        }
        return mmio_access(mr, off, value, size, mode != ACCESS_READ);
    default:
        g_assert_not_reached();
    }
}

/* Byte buffer inside MMIO region @mr: the largest aligned pieces the
 * device accepts, down to single bytes. */
static MemTxResult mmio_rw_buf(MemoryRegion *mr, hwaddr off, uint8_t *buf, uint64_t len,
                               bool is_write)
{
    unsigned vmax = MAX(size_or(mr->ops->valid.min_access_size, DEFAULT_MIN_ACCESS_SIZE),
                        size_or(mr->ops->valid.max_access_size, DEFAULT_MAX_ACCESS_SIZE));
    MemTxResult res = MEMTX_OK;
    while (len > 0) {
        unsigned s = MAX_ACCESS_SIZE;
        while (s > 1 && (s > len || s > vmax || (off & (s - 1)))) {
            s >>= 1;
        }
        uint64_t v = is_write ? load_le(buf, s) : 0;
        MemTxResult r = mmio_access(mr, off, &v, s, is_write);
        if (!is_write) {
            store_le(buf, v, s);
        }
        if (res == MEMTX_OK) {
            res = r;
        }
        off += s;
        buf += s;
        len -= s;
    }
    return res;
}

/* Index of the last range starting at or before @addr, or -1. */
static int flatview_find_index(FlatView *fv, hwaddr addr)
{
    int lo = 0, hi = (int)fv->nr - 1, found = -1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (fv->ranges[mid].start <= addr) {
            found = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return found;
}

const FlatRange *flatview_lookup(FlatView *fv, hwaddr addr)
{
    int i = flatview_find_index(fv, addr);
    if (i < 0 || addr - fv->ranges[i].start >= fv->ranges[i].size) {
        return NULL;
    }
    return &fv->ranges[i];
}

static void log_unassigned(hwaddr addr, uint64_t len, bool is_write)
{
    log_mask(LOG_GUEST_ERROR, "invalid %s at 0x%" HWADDR_PRIx " size %" PRIu64 "\n",
             is_write ? "write" : "read", addr, len);
}

/* Byte buffer through a view: RAM/ROM copied, MMIO in pieces, holes
 * logged (and read as zero). */
static MemTxResult flatview_rw_buf(FlatView *fv, hwaddr addr, uint8_t *buf, uint64_t len,
                                   AccessMode mode)
{
    bool is_write = mode != ACCESS_READ;
    MemTxResult res = MEMTX_OK;
    while (len > 0) {
        int i = flatview_find_index(fv, addr);
        const FlatRange *fr = i >= 0 ? &fv->ranges[i] : NULL;
        uint64_t chunk;
        MemTxResult r = MEMTX_OK;
        if (fr && addr - fr->start < fr->size) {
            hwaddr off = addr - fr->start + fr->offset_in_region;
            MemoryRegion *mr = fr->mr;
            chunk = MIN(len, fr->size - (addr - fr->start));
            bool romd_backed = mr->kind == MR_ROM_DEVICE &&
                               (mode == ACCESS_WRITE_ROM ||
                                (mode == ACCESS_READ && memory_region_is_romd(mr)));
            if (mr->kind == MR_MMIO || (mr->kind == MR_ROM_DEVICE && !romd_backed)) {
                r = mmio_rw_buf(mr, off, buf, chunk, is_write);
            } else if (mode == ACCESS_READ) {
                memcpy(buf, mr->ram + off, chunk);
            } else if (mr->kind == MR_RAM || mode == ACCESS_WRITE_ROM) {
                /* (ROM devices take this path for loaders only.) */
                memcpy(mr->ram + off, buf, chunk);
            } else {
                log_mask(LOG_GUEST_ERROR,
                         "%s: write of %" PRIu64 " bytes at offset 0x%" HWADDR_PRIx
                         " to ROM ignored\n", mr->name, chunk, off);
            }
        } else {
            /* A hole up to the next range (or the end of the request). */
            unsigned next = (unsigned)(i + 1);
            chunk = len;
            if (next < fv->nr && fv->ranges[next].start - addr < len) {
                chunk = fv->ranges[next].start - addr;
            }
            log_unassigned(addr, chunk, is_write);
            if (!is_write) {
                memset(buf, 0, chunk);
            }
            r = MEMTX_DECODE_ERROR;
        }
        if (res == MEMTX_OK) {
            res = r;
        }
        addr += chunk;
        buf += chunk;
        len -= chunk;
    }
    return res;
}

static MemTxResult flatview_access(FlatView *fv, hwaddr addr, uint64_t *value, unsigned size,
                                   AccessMode mode)
{
    const FlatRange *fr = flatview_lookup(fv, addr);
    if (fr && fr->size - (addr - fr->start) >= size) {
        return terminal_access(fr->mr, addr - fr->start + fr->offset_in_region, value, size,
                               mode);
    }
    /* Straddles ranges or holes: go through the byte path, piece by piece. */
    uint8_t bytes[MAX_ACCESS_SIZE];
    if (mode != ACCESS_READ) {
        store_le(bytes, *value, size);
    }
    MemTxResult res = flatview_rw_buf(fv, addr, bytes, size, mode);
    if (mode == ACCESS_READ) {
        *value = load_le(bytes, size);
    }
    return res;
}

/* ---- public access paths -------------------------------------------------- */

static MemTxResult region_dispatch(MemoryRegion *mr, hwaddr addr, uint64_t *value,
                                   unsigned size, AccessMode mode)
{
    g_assert(access_size_ok(size));
    bool terminal = mr->kind == MR_RAM || mr->kind == MR_ROM || mr->kind == MR_MMIO ||
                    mr->kind == MR_ROM_DEVICE;
    if (terminal && mr->enabled && addr < mr->size && mr->size - addr >= size) {
        return terminal_access(mr, addr, value, size, mode);
    }
    /* Containers, aliases, out-of-range: route through a throwaway view. */
    FlatView *fv = flatview_render(mr);
    MemTxResult res = flatview_access(fv, addr, value, size, mode);
    flatview_unref(fv);
    return res;
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr, uint64_t *value,
                                        unsigned size)
{
    return region_dispatch(mr, addr, value, size, ACCESS_READ);
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr, uint64_t value,
                                         unsigned size)
{
    return region_dispatch(mr, addr, &value, size, ACCESS_WRITE);
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr, uint64_t *value, unsigned size)
{
    g_assert(access_size_ok(size));
    FlatView *fv = address_space_get_flatview(as);
    MemTxResult res = flatview_access(fv, addr, value, size, ACCESS_READ);
    flatview_unref(fv);
    return res;
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr, uint64_t value, unsigned size)
{
    g_assert(access_size_ok(size));
    FlatView *fv = address_space_get_flatview(as);
    MemTxResult res = flatview_access(fv, addr, &value, size, ACCESS_WRITE);
    flatview_unref(fv);
    return res;
}

MemTxResult address_space_write_attrs(AddressSpace *as, hwaddr addr, uint64_t value,
                                      unsigned size, MemTxAttrs attrs)
{
    g_assert(access_size_ok(size));
    FlatView *fv = address_space_get_flatview(as);
    const FlatRange *fr = flatview_lookup(fv, addr);
    MemoryRegion *mr = fr ? fr->mr : NULL;
    const MemoryRegionOps *ops = mr && mr->kind == MR_MMIO ? mr->ops : NULL;
    MemTxResult res;
    if (ops && ops->write_with_attrs && fr->size - (addr - fr->start) >= size &&
        size >= size_or(ops->impl.min_access_size, DEFAULT_MIN_ACCESS_SIZE) &&
        size <= MAX(size_or(ops->impl.min_access_size, DEFAULT_MIN_ACCESS_SIZE),
                    size_or(ops->impl.max_access_size, DEFAULT_MAX_ACCESS_SIZE)) &&
        !((addr - fr->start + fr->offset_in_region) & (size - 1))) {
        hwaddr off = addr - fr->start + fr->offset_in_region;
        uint64_t d = value & size_mask(size);
        devlock_lock();
        ops->write_with_attrs(mr->opaque, off, ops_swap(ops) ? bswap_sized(d, size) : d, size,
                              attrs);
        devlock_unlock();
        res = MEMTX_OK;
    } else {
        res = flatview_access(fv, addr, &value, size, ACCESS_WRITE);
    }
    flatview_unref(fv);
    return res;
}

static MemTxResult address_space_rw_buf(AddressSpace *as, hwaddr addr, uint8_t *buf,
                                        size_t len, AccessMode mode)
{
    FlatView *fv = address_space_get_flatview(as);
    MemTxResult res = flatview_rw_buf(fv, addr, buf, len, mode);
    flatview_unref(fv);
    return res;
}

MemTxResult address_space_read_buf(AddressSpace *as, hwaddr addr, void *buf, size_t len)
{
    return address_space_rw_buf(as, addr, buf, len, ACCESS_READ);
}

MemTxResult address_space_write_buf(AddressSpace *as, hwaddr addr, const void *buf, size_t len)
{
    /* The write path only reads from @buf. */
    return address_space_rw_buf(as, addr, (uint8_t *)buf, len, ACCESS_WRITE);
}

MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr, const void *buf, size_t len)
{
    return address_space_rw_buf(as, addr, (uint8_t *)buf, len, ACCESS_WRITE_ROM);
}

void *address_space_get_host_ptr(AddressSpace *as, hwaddr addr, bool is_write, uint64_t *plen)
{
    void *ptr = NULL;
    FlatView *fv = address_space_get_flatview(as);
    const FlatRange *fr = flatview_lookup(fv, addr);
    if (fr && (fr->mr->kind == MR_RAM ||
               (!is_write && (fr->mr->kind == MR_ROM || memory_region_is_romd(fr->mr))))) {
        ptr = fr->mr->ram + fr->offset_in_region + (addr - fr->start);
        if (plen) {
            *plen = fr->size - (addr - fr->start);
        }
    } else if (plen) {
        *plen = 0;
    }
    flatview_unref(fv);
    return ptr;
}
