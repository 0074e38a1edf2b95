/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: MMIO regions and DMA.
 *
 * A region is a window of registers the board maps into the guest's
 * physical address space (region 0 at the device's "addr").  Guest
 * accesses call the region's read/write with the offset inside the region.
 *
 * Access sizes.  valid_* say which sizes (1, 2, 4, 8) the guest may use;
 * others are logged as guest errors and ignored (reads return 0).  impl_*
 * say which sizes read/write are called with; a valid access of another
 * size is split into or widened to implemented ones (a narrow write is
 * widened with zeros in the other bytes, no read-modify-write).  0 means:
 * valid 1..4; impl the same as valid.
 *
 * Byte order.  The bus is little-endian: with TSR_LITTLE_ENDIAN registers
 * the byte at the lower address is the least significant; TSR_BIG_ENDIAN
 * registers are byte-swapped on the way in and out.
 */
#ifndef TESSERA_SDK_MMIO_H
#define TESSERA_SDK_MMIO_H

#include <tessera/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum TsrEndian {
    TSR_LITTLE_ENDIAN = 0,
    TSR_BIG_ENDIAN = 1,
} TsrEndian;

typedef struct TsrRegionOps {
    /* Read @size bytes at @offset; NULL: reads return 0 and are logged. */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    /* Write @size bytes; NULL: writes are ignored and logged. */
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    TsrEndian endianness;
    unsigned valid_min_access_size;
    unsigned valid_max_access_size;
    unsigned impl_min_access_size;
    unsigned impl_max_access_size;
} TsrRegionOps;

/* Where a region is not mapped. */
#define TSR_UNMAPPED UINT64_MAX

/*
 * Add MMIO region number N (0, 1, ... in call order) of @size bytes whose
 * accesses call @ops with @opaque (usually the state struct).  Only from the
 * init hook; @ops must stay valid (a static const); @name is copied (it
 * shows in `info mtree`).
 */
TsrRegion *tsr_device_add_region(TsrDevice *dev, const char *name, uint64_t size,
                                 const TsrRegionOps *ops, void *opaque);
/* Guest-physical address the board mapped @region at, or TSR_UNMAPPED. */
uint64_t tsr_region_address(const TsrRegion *region);
uint64_t tsr_region_size(const TsrRegion *region);

/*
 * DMA: read or write guest memory at guest-physical @addr, through the
 * address space the device's region 0 is mapped in (the machine's memory
 * when it is not mapped).  Returns false when any part of the range hits
 * nothing or a device refused it; that part reads as zeros.
 */
bool tsr_dma_read(TsrDevice *dev, uint64_t addr, void *buf, size_t len);
bool tsr_dma_write(TsrDevice *dev, uint64_t addr, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
