/* SPDX-License-Identifier: MIT */
/*
 * SDK facade: MMIO regions (core MemoryRegions whose ops call the plugin's
 * TsrRegionOps) and DMA through the address space a device is mapped in.
 */
#include "sdk-internal.h"


#define SDK_DEFAULT_MIN_ACCESS 1
#define SDK_DEFAULT_MAX_ACCESS 4

static uint64_t sdk_region_read(void *opaque, hwaddr addr, unsigned size)
{
    TsrRegion *r = opaque;
    if (!r->ops.read) {
        tsr_log_guest_error(r->dev, "read of %u bytes at 0x%" HWADDR_PRIx
                            " in write-only region '%s'", size, addr, r->mr.name);
        return 0;
    }
    return r->ops.read(r->opaque, addr, size);
}

static void sdk_region_write(void *opaque, hwaddr addr, uint64_t value, unsigned size)
{
    TsrRegion *r = opaque;
    if (!r->ops.write) {
        tsr_log_guest_error(r->dev, "write of %u bytes at 0x%" HWADDR_PRIx
                            " in read-only region '%s'", size, addr, r->mr.name);
        return;
    }
    r->ops.write(r->opaque, addr, value, size);
}

static bool sdk_access_size_ok(unsigned size)
{
    return size == 0 || size == 1 || size == 2 || size == 4 || size == 8;
}

TsrRegion *tsr_device_add_region(TsrDevice *dev, const char *name, uint64_t size,
                                 const TsrRegionOps *ops, void *opaque)
{
    g_assert(dev->in_init && "tsr_device_add_region() belongs in the init hook");
    g_assert(ops && size > 0);
    if (!sdk_access_size_ok(ops->valid_min_access_size) ||
        !sdk_access_size_ok(ops->valid_max_access_size) ||
        !sdk_access_size_ok(ops->impl_min_access_size) ||
        !sdk_access_size_ok(ops->impl_max_access_size)) {
        g_error("%s: region '%s': access sizes must be 0, 1, 2, 4 or 8",
                tsr_device_type_name(dev), name);
    }
    TsrRegion *r = g_new0(TsrRegion, 1);
    /* TsrRegionOps has had one layout so far (SDK 1.0); a later minor that
     * appends fields copies only dev->type->sdk_minor's size here. */
    r->ops = *ops;
    r->opaque = opaque;
    r->dev = dev;
    unsigned vmin = ops->valid_min_access_size ? ops->valid_min_access_size
                                               : SDK_DEFAULT_MIN_ACCESS;
    unsigned vmax = ops->valid_max_access_size ? ops->valid_max_access_size
                                               : MAX(vmin, SDK_DEFAULT_MAX_ACCESS);
    r->core_ops = (MemoryRegionOps){
        .read = sdk_region_read,
        .write = sdk_region_write,
        .endianness = ops->endianness == TSR_BIG_ENDIAN ? DEVICE_BIG_ENDIAN
                                                        : DEVICE_LITTLE_ENDIAN,
        .valid = { .min_access_size = vmin, .max_access_size = vmax },
        .impl = {
            .min_access_size = ops->impl_min_access_size ? ops->impl_min_access_size : vmin,
            .max_access_size = ops->impl_max_access_size ? ops->impl_max_access_size : vmax,
        },
    };
    memory_region_init_io(&r->mr, OBJECT(dev), &r->core_ops, r, name, size);
    r->index = device_init_mmio(&dev->parent_obj, &r->mr);
    g_ptr_array_add(dev->regions, r);
    return r;
}

void sdk_region_free(TsrRegion *r)
{
    memory_region_destroy(&r->mr);
    g_free(r);
}

uint64_t tsr_region_address(const TsrRegion *region)
{
    return region->dev->parent_obj.mmio_addr[region->index];
}

uint64_t tsr_region_size(const TsrRegion *region)
{
    return region->mr.size;
}

/* The address space the device's first mapped region belongs to, else the
 * machine's; NULL when there is neither. */
bool tsr_dma_read(TsrDevice *dev, uint64_t addr, void *buf, size_t len)
{
    AddressSpace *as = device_dma_address_space(&dev->parent_obj);
    if (!as) {
        memset(buf, 0, len);
        tsr_log_guest_error(dev, "DMA read at 0x%" PRIx64 " with no memory to read", addr);
        return false;
    }
    return address_space_read_buf(as, addr, buf, len) == MEMTX_OK;
}

bool tsr_dma_write(TsrDevice *dev, uint64_t addr, const void *buf, size_t len)
{
    AddressSpace *as = device_dma_address_space(&dev->parent_obj);
    if (!as) {
        tsr_log_guest_error(dev, "DMA write at 0x%" PRIx64 " with no memory to write", addr);
        return false;
    }
    return address_space_write_buf(as, addr, buf, len) == MEMTX_OK;
}
