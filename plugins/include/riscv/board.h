/* SPDX-License-Identifier: MIT */
/*
 * What the RISC-V boards (riscv-virt, riscv-spike) share: hart creation and
 * wiring, the /cpus device-tree nodes, firmware/kernel/initrd/device-tree
 * loading and placement, the reset-ROM trampoline with OpenSBI's
 * fw_dynamic_info, the reset hook and -M ...,dumpdtb=FILE.
 *
 * The library module "riscv-board" exports these functions to the board
 * modules that require it (plugins/devices/riscv-common).
 *
 * Boot placement rules (every image is kept by the board's LoaderImages,
 * which the reset hook rewrites):
 *   firmware  at the start of RAM (ELF: its own addresses);
 *   kernel    ELF: its own addresses; raw: the firmware's end rounded up
 *             to 2 MiB, or RAM start without firmware;
 *   fdt       the top of RAM below 3 GiB (absolute), minus the blob's
 *             size, rounded down to 2 MiB;
 *   initrd    just below the fdt, 4 KiB aligned; it must clear the kernel.
 * The reset vector (the start of the MROM) jumps to the firmware or, with
 * -bios none, the kernel, with a0 = hartid, a1 = the device tree and
 * a2 = fw_dynamic_info (next stage = the kernel, in S-mode).
 */
#ifndef TESSERA_RISCV_BOARD_H
#define TESSERA_RISCV_BOARD_H

#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/loader.h"
#include "kernel/machine.h"
#include "kernel/memory.h"

/* mip bits the hart's input pins are numbered by. */
#define RISCV_IRQ_M_SOFT 3
#define RISCV_IRQ_M_TIMER 7
#define RISCV_IRQ_S_EXT 9
#define RISCV_IRQ_M_EXT 11

/* What tells one board from the other, for the shared code. */
typedef struct RiscvBoardInfo {
    const char *name;          /* "virt": starts the board's error messages */
    const char *error_domain;  /* GQuark string of the board's errors */
    const char *mrom_name;     /* memory region name of the reset ROM */
    hwaddr mrom_base;          /* the harts' reset vector */
    uint64_t mrom_size;
    hwaddr dram_base;          /* RAM (-m) starts here */
    unsigned max_harts;
    uint32_t timebase_freq;
    const char *default_bios;  /* -bios default */
    const char *no_bios_hint;  /* ends "no firmware: DEFAULT is missing; ..." */
} RiscvBoardInfo;

/* The shared part of a board's state, embedded in its MachineState subclass. */
typedef struct RiscvBoard {
    RiscvBoardInfo info;       /* a copy of what riscv_board_init was given */
    MachineState *ms;
    MemoryRegion mrom;
    FdtBuilder *fdt;           /* IRQ routes recorded at init, tree built at finalize */
    LoaderImages *images;
} RiscvBoard;

/* What finalize loaded. */
typedef struct RiscvBootInfo {
    const char *firmware_file; /* -bios resolved; NULL for none */
    LoaderImageInfo firmware;
    bool have_kernel;
    LoaderImageInfo kernel;
    uint64_t initrd_size;
} RiscvBootInfo;

/* Label of hart @index's local interrupt controller ("hart0-intc"). */
#define RISCV_HART_INTC_LABEL_FMT "hart%u-intc"

/* Sets on @obj the properties a new on-board device needs before realize. */
typedef bool (*RiscvBoardConfigureFn)(void *opaque, Object *obj, GError **errp);


/*
 * Check -smp and -m against @info, map RAM and the reset ROM, create the
 * builders and realize ms->smp_cpus harts under /machine/soc0.
 */
bool riscv_board_init(RiscvBoard *b, const RiscvBoardInfo *info, MachineState *ms,
                      GError **errp);
/* Free what riscv_board_init made (safe after a failed init). */
void riscv_board_destroy(RiscvBoard *b);

/* Hart @i (0 .. smp_cpus - 1). */
CPUState *riscv_board_hart(const RiscvBoard *b, unsigned i);
/* The device-tree label of hart @h's interrupt controller (g_free it). */
char *riscv_board_hart_intc_label(unsigned h);

/*
 * New on-board device @type at /machine/@name, configured by @configure
 * (called with @opaque) and realized; NULL on failure.
 */
DeviceState *riscv_board_new_device(RiscvBoard *b, const char *name, const char *type,
                                    RiscvBoardConfigureFn configure, void *opaque,
                                    GError **errp);
/* Connect @src's output @pin to input @dst_pin of @dst, and note it for the FDT. */
void riscv_board_wire(RiscvBoard *b, DeviceState *src, int pin, DeviceState *dst,
                      int dst_pin, const char *dst_label);
/* CLINT pin 2h -> hart h's MSIP, pin 2h+1 -> its MTIP. */
void riscv_board_wire_clint(RiscvBoard *b, DeviceState *clint);

/*
 * Start the generated tree: root cells, @compatible and @model, /memory,
 * /cpus with a node per hart, and the /soc bus that device nodes go under.
 */
bool riscv_board_fdt_begin(RiscvBoard *b, const char *compatible, const char *model,
                           GError **errp);
/* Let every realized non-CPU device below /machine write its own node. */
void riscv_board_fdt_add_devices(RiscvBoard *b);
/* Use the blob in @file (-dtb) instead of the generated tree. */
bool riscv_board_fdt_from_file(RiscvBoard *b, const char *file, GError **errp);

/* Resolve -bios (none, default, FILE) and load the firmware, if any. */
bool riscv_board_load_firmware(RiscvBoard *b, RiscvBootInfo *bi, GError **errp);
/* Load -kernel, if given, after the firmware. */
bool riscv_board_load_kernel(RiscvBoard *b, RiscvBootInfo *bi, GError **errp);
/*
 * Finish the tree, place it at the top of RAM and -initrd (if any) below
 * it (its /chosen properties filled in), and add both to the images.
 */
bool riscv_board_place_fdt(RiscvBoard *b, RiscvBootInfo *bi, uint64_t *fdt_addr,
                           GError **errp);
/*
 * Write the reset trampoline into the MROM image, honour dumpdtb and
 * install the reset hook that rewrites every image.
 */
bool riscv_board_finish_boot(RiscvBoard *b, const RiscvBootInfo *bi, uint64_t fdt_addr,
                             GError **errp);


#endif
