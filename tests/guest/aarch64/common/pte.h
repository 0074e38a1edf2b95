/* SPDX-License-Identifier: MIT */
/* VMSAv8-64 stage-1 descriptor bits the MMU test programs build tables with. */
#ifndef TESSERA_GUEST_AARCH64_PTE_H
#define TESSERA_GUEST_AARCH64_PTE_H

#define D_VALID 1ull
#define D_TABLE 2ull                /* table (levels 0-2) or page (level 3) */
#define D_AP_EL0 (1ull << 6)        /* AP[1]: EL0 access */
#define D_AP_RO (1ull << 7)         /* AP[2]: read-only */
#define D_SH_INNER (3ull << 8)
#define D_AF (1ull << 10)
#define D_NG (1ull << 11)
#define D_PXN (1ull << 53)
#define D_UXN (1ull << 54)
#define ATTR_NORMAL (0ull << 2)     /* MAIR index 0 */
#define ATTR_DEVICE (1ull << 2)     /* MAIR index 1 */

#endif
