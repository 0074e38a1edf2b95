/* SPDX-License-Identifier: MIT */
/*
 * The aarch64 virt board with real max-arm-cpu CPUs (not run): the GICv3's
 * distributor, redistributors and system-register CPU interface (through
 * the hook the GIC installs on each CPU), interrupt wiring from the PL011
 * and the generic timers through the GIC to the CPUs' IRQ pins, the
 * generated device tree and the arm64 Image boot layout.
 */
#include <libfdt.h>
#include <string.h>

#include <glib/gstdio.h>

#include "devtest.h"

#include "kernel/loader.h"
#include "kernel/machine.h"
#include "kernel/module.h"
#include "plugins/cpu/arm/cpu.h"

#define MiB (1024 * 1024ULL)
#define GICD 0x08000000ULL
#define GICR 0x080a0000ULL
#define GICR_SGI(c) (GICR + 0x20000ULL * (c) + 0x10000)
#define ENC(op0, op1, crn, crm, op2) ARM_SYSREG_ENC(op0, op1, crn, crm, op2)
#define ICC_PMR ENC(3, 0, 4, 6, 0)
#define ICC_DIR ENC(3, 0, 12, 11, 1)
#define ICC_RPR ENC(3, 0, 12, 11, 3)
#define ICC_SGI1R ENC(3, 0, 12, 11, 5)
#define ICC_IAR1 ENC(3, 0, 12, 12, 0)
#define ICC_EOIR1 ENC(3, 0, 12, 12, 1)
#define ICC_HPPIR1 ENC(3, 0, 12, 12, 2)
#define ICC_CTLR ENC(3, 0, 12, 12, 4)
#define ICC_SRE ENC(3, 0, 12, 12, 5)
#define ICC_IGRPEN1 ENC(3, 0, 12, 12, 7)

typedef struct Board {
    MachineState *ms;
    char *dir;
} Board;

static char *scratch_dir;

static void scratch_teardown(void)
{
    if (scratch_dir) {
        g_autoptr(GDir) d = g_dir_open(scratch_dir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *p = g_build_filename(scratch_dir, name, NULL);
            g_remove(p);
        }
        g_rmdir(scratch_dir);
        g_clear_pointer(&scratch_dir, g_free);
    }
}

static Board board_new(unsigned cpus, const char *props)
{
    Board b = { 0 };
    b.dir = g_dir_make_tmp("arm-virt-test-XXXXXX", NULL);
    scratch_dir = g_strdup(b.dir);
    GError *err = NULL;
    module_set_target("aarch64");
    b.ms = machine_create("virt", &err);
    ck_assert_msg(b.ms, "%s", err ? err->message : "?");
    b.ms->smp_cpus = cpus;
    b.ms->ram_size = 128 * MiB;
    g_auto(GStrv) list = g_strsplit(props ? props : "", ",", -1);
    for (unsigned i = 0; list[i] && list[i][0]; i++) {
        g_auto(GStrv) kv = g_strsplit(list[i], "=", 2);
        ck_assert_msg(object_property_parse(OBJECT(b.ms), kv[0], kv[1], &err), "%s",
                      err ? err->message : "?");
    }
    return b;
}

static void board_init(Board *b)
{
    GError *err = NULL;
    ck_assert_msg(machine_init(b->ms, &err), "%s", err ? err->message : "?");
    device_reset_all(object_root());
}

static ARMCPU *cpu_n(Board *b, unsigned i)
{
    return (ARMCPU *)g_ptr_array_index(b->ms->cpus, i);
}

static uint64_t rd(Board *b, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&b->ms->address_space, addr, &v, size), MEMTX_OK);
    return v;
}

static void wr(Board *b, hwaddr addr, uint64_t v, unsigned size)
{
    ck_assert_int_eq(address_space_write(&b->ms->address_space, addr, v, size), MEMTX_OK);
}

static uint64_t icc_rd(ARMCPU *cpu, uint32_t enc)
{
    ck_assert_ptr_nonnull(cpu->gic_ops);
    return cpu->gic_ops->read(cpu->gic_opaque, enc);
}

static void icc_wr(ARMCPU *cpu, uint32_t enc, uint64_t v)
{
    ck_assert_ptr_nonnull(cpu->gic_ops);
    cpu->gic_ops->write(cpu->gic_opaque, enc, v);
}

static bool irq_high(ARMCPU *cpu)
{
    return (cpu->irq_lines >> ARM_IRQ_PIN_IRQ) & 1;
}

static DeviceState *child(Board *b, const char *name)
{
    return DEVICE(object_resolve_child(OBJECT(b->ms), name));
}

/* Distributor on, CPU @c's interface open for group 1 at any priority. */
static void enable_cpu(Board *b, unsigned c)
{
    wr(b, GICD, 0x13, 4); /* EnableGrp0 | EnableGrp1 | ARE */
    icc_wr(cpu_n(b, c), ICC_PMR, 0xf0);
    icc_wr(cpu_n(b, c), ICC_IGRPEN1, 1);
}

START_TEST(test_gic_identification)
{
    Board b = board_new(2, "gic-version=3,its=off");
    board_init(&b);
    ck_assert_uint_eq(rd(&b, GICD + 0x4, 4), 8 | (9u << 19) | (1u << 5));
    ck_assert_uint_eq(rd(&b, GICD + 0xffe8, 4) >> 4 & 0xf, 3);
    ck_assert_uint_eq(rd(&b, GICR + 0xffe8, 4) >> 4 & 0xf, 3);
    /* GICR_TYPER: affinity, processor number, Last on the final frame. */
    ck_assert_uint_eq(rd(&b, GICR + 0x8, 8), 0);
    ck_assert_uint_eq(rd(&b, GICR + 0x20000 + 0x8, 8), (1ull << 32) | (1u << 8) | (1u << 4));
    /* Waking the redistributor: ChildrenAsleep follows ProcessorSleep. */
    ck_assert_uint_eq(rd(&b, GICR + 0x14, 4), 6);
    wr(&b, GICR + 0x14, 0, 4);
    ck_assert_uint_eq(rd(&b, GICR + 0x14, 4), 0);
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_uint_eq(cpu_n(&b, i)->id.id_aa64pfr0 >> 24 & 0xf, 1);
        ck_assert_uint_eq(icc_rd(cpu_n(&b, i), ICC_SRE) & 1, 1);
    }
}
END_TEST

/* ---- LPIs and the ITS (its=on) ---- */

#define ITS 0x08080000ULL
#define PROP_TABLE 0x40100000ULL
#define PEND_TABLE 0x40200000ULL
#define CMDQ 0x40300000ULL
#define LPI 8197u

typedef struct Its {
    Board *b;
    unsigned n;               /* commands written */
} Its;

static void cmd(Its *q, uint64_t d0, uint64_t d1, uint64_t d2, uint64_t d3)
{
    uint64_t c[4] = { d0, d1, d2, d3 };
    ck_assert_int_eq(address_space_write_buf(&q->b->ms->address_space,
                                             CMDQ + 32 * q->n % 4096, c, sizeof(c)), MEMTX_OK);
    q->n++;
    wr(q->b, ITS + 0x88, 32ull * q->n % 4096, 8);    /* GITS_CWRITER */
    ck_assert_uint_eq(rd(q->b, ITS + 0x90, 8), 32ull * q->n % 4096);   /* GITS_CREADR */
}

static void lpi_config(Board *b, uint32_t intid, uint8_t cfg)
{
    ck_assert_int_eq(address_space_write_buf(&b->ms->address_space,
                                             PROP_TABLE + intid - 8192, &cfg, 1), MEMTX_OK);
}

static void msi(Board *b, uint16_t rid, uint32_t event)
{
    MemTxAttrs attrs = { .requester_id = rid, .has_requester_id = true };
    ck_assert_int_eq(address_space_write_attrs(&b->ms->address_space, ITS + 0x10040, event, 4,
                                               attrs), MEMTX_OK);
}

/* Both redistributors with LPIs on, the ITS enabled with its queue. */
static Its its_setup(Board *b)
{
    board_init(b);
    enable_cpu(b, 0);
    enable_cpu(b, 1);
    for (unsigned c = 0; c < 2; c++) {
        wr(b, GICR + 0x20000 * c + 0x70, PROP_TABLE | 15, 8);  /* PROPBASER: 16 bits */
        wr(b, GICR + 0x20000 * c + 0x78, PEND_TABLE + 0x10000 * c, 8);
        wr(b, GICR + 0x20000 * c, 1, 4);                      /* EnableLPIs */
        ck_assert_uint_eq(rd(b, GICR + 0x20000 * c, 4) & 1, 1);
    }
    lpi_config(b, LPI, 0xa0 | 1);                             /* priority 0xa0, enabled */
    wr(b, ITS + 0x80, CMDQ | (1ull << 63), 8);                /* GITS_CBASER: 4 KiB, valid */
    wr(b, ITS, 1, 4);                                         /* GITS_CTLR.Enabled */
    return (Its){ .b = b };
}

START_TEST(test_its_identification)
{
    Board b = board_new(2, "gic-version=3");
    board_init(&b);
    /* IDbits 15 and LPIS with the ITS. */
    ck_assert_uint_eq(rd(&b, GICD + 0x4, 4), 8 | (15u << 19) | (1u << 17) | (1u << 5));
    ck_assert_uint_eq(rd(&b, GICR + 0x20000 + 0x8, 8),
                      (1ull << 32) | (1u << 8) | (1u << 4) | 1u);     /* + PLPIS */
    ck_assert_uint_eq(rd(&b, ITS + 0xffe8, 4) >> 4 & 0xf, 3);
    uint64_t typer = rd(&b, ITS + 0x8, 8);
    ck_assert_uint_eq(typer & 1, 1);                          /* physical LPIs */
    ck_assert_uint_eq(typer >> 4 & 0xf, 7);                   /* 8-byte entries */
    ck_assert_uint_eq(typer >> 13 & 0x1f, 15);                /* 16 DeviceID bits */
    ck_assert_uint_eq(typer >> 19 & 1, 0);                    /* RDbase: CPU number */
    ck_assert_uint_eq(typer >> 24 & 0xff, 16);                /* collections in the ITS */
    ck_assert_uint_eq(rd(&b, ITS, 4) >> 31, 1);               /* quiescent */
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_uint_eq(rd(&b, ITS + 0x100 + 8 * i, 8), 0); /* no tables in memory */
    }
    /* Table registers are fixed while LPIs are on. */
    wr(&b, GICR + 0x70, PROP_TABLE | 15, 8);
    ck_assert_uint_eq(rd(&b, GICR + 0x70, 8), PROP_TABLE | 15);
    wr(&b, GICR, 1, 4);
    wr(&b, GICR + 0x70, 0, 8);
    ck_assert_uint_eq(rd(&b, GICR + 0x70, 8), PROP_TABLE | 15);
}
END_TEST

START_TEST(test_its_msi_becomes_an_lpi)
{
    Board b = board_new(2, "gic-version=3");
    Its q = its_setup(&b);
    ARMCPU *c0 = cpu_n(&b, 0), *c1 = cpu_n(&b, 1);
    const uint64_t dev = 0x0008ull << 32;                     /* requester 00:01.0 */
    cmd(&q, 0x08 | dev, 4, 0x40400000ull | (1ull << 63), 0);  /* MAPD: 5 event bits */
    cmd(&q, 0x09, 0, 1 | (1ull << 16) | (1ull << 63), 0);     /* MAPC 1 -> CPU 1 */
    cmd(&q, 0x09, 0, 0 | (0ull << 16) | (1ull << 63), 0);     /* MAPC 0 -> CPU 0 */
    cmd(&q, 0x0a | dev, 3 | ((uint64_t)LPI << 32), 1, 0);     /* MAPTI event 3 -> LPI */
    cmd(&q, 0x05, 0, 1ull << 16, 0);                          /* SYNC */

    /* A write without a requester ID (a CPU's) translates nothing; nor does
     * another device's or an unmapped event. */
    wr(&b, ITS + 0x10040, 3, 4);
    msi(&b, 0x0010, 3);
    msi(&b, 0x0008, 4);
    ck_assert(!irq_high(c0) && !irq_high(c1));

    msi(&b, 0x0008, 3);
    ck_assert(irq_high(c1));
    ck_assert(!irq_high(c0));
    ck_assert_uint_eq(icc_rd(c1, ICC_HPPIR1), LPI);
    ck_assert_uint_eq(icc_rd(c1, ICC_IAR1), LPI);
    ck_assert(!irq_high(c1));                                 /* no active state */
    ck_assert_uint_eq(icc_rd(c1, ICC_RPR), 0xa0);
    icc_wr(c1, ICC_EOIR1, LPI);
    ck_assert_uint_eq(icc_rd(c1, ICC_RPR), 0xff);
    ck_assert_uint_eq(icc_rd(c1, ICC_IAR1), 1023);

    /* The configuration table is read as it is: disabled, the LPI stays
     * pending without being signalled until enabled (and INV). */
    lpi_config(&b, LPI, 0xa0);
    msi(&b, 0x0008, 3);
    ck_assert(!irq_high(c1));
    lpi_config(&b, LPI, 0xa0 | 1);
    cmd(&q, 0x0c | dev, 3, 0, 0);                             /* INV */
    ck_assert(irq_high(c1));
    /* The priority mask applies to LPIs too. */
    icc_wr(c1, ICC_PMR, 0xa0);
    ck_assert(!irq_high(c1));
    icc_wr(c1, ICC_PMR, 0xf0);
    ck_assert(irq_high(c1));

    /* MOVI takes the pending LPI along to collection 0's CPU. */
    cmd(&q, 0x01 | dev, 3, 0, 0);
    ck_assert(!irq_high(c1));
    ck_assert(irq_high(c0));
    /* CLEAR, then INT makes it pending again; DISCARD drops it and the
     * mapping, after which the MSI translates nothing. */
    cmd(&q, 0x04 | dev, 3, 0, 0);
    ck_assert(!irq_high(c0));
    cmd(&q, 0x03 | dev, 3, 0, 0);
    ck_assert(irq_high(c0));
    cmd(&q, 0x0f | dev, 3, 0, 0);
    ck_assert(!irq_high(c0));
    msi(&b, 0x0008, 3);
    ck_assert(!irq_high(c0) && !irq_high(c1));

    /* Bad commands are skipped (guest errors): a collection on a CPU that
     * does not exist, an unknown opcode; the queue moves on. */
    cmd(&q, 0x09, 0, 2 | (7ull << 16) | (1ull << 63), 0);
    cmd(&q, 0x3f, 0, 0, 0);
    cmd(&q, 0x0a | dev, 3 | ((uint64_t)LPI << 32), 2, 0);     /* MAPTI to collection 2 */
    msi(&b, 0x0008, 3);                                       /* collection 2 unmapped */
    ck_assert(!irq_high(c0) && !irq_high(c1));
    /* MAPD with V = 0 unmaps the device. */
    cmd(&q, 0x0a | dev, 3 | ((uint64_t)LPI << 32), 0, 0);
    cmd(&q, 0x08 | dev, 4, 0, 0);
    msi(&b, 0x0008, 3);
    ck_assert(!irq_high(c0) && !irq_high(c1));
}
END_TEST

START_TEST(test_its_disabled_and_queue_wrap)
{
    Board b = board_new(1, "gic-version=3");
    board_init(&b);
    enable_cpu(&b, 0);
    wr(&b, GICR + 0x70, PROP_TABLE | 15, 8);
    wr(&b, GICR + 0x78, PEND_TABLE, 8);
    wr(&b, GICR, 1, 4);
    lpi_config(&b, LPI, 0x80 | 1);
    wr(&b, ITS + 0x80, CMDQ | (1ull << 63), 8);
    /* Commands wait while the ITS is disabled. */
    uint64_t mapc[4] = { 0x09, 0, 0 | (1ull << 63), 0 };
    address_space_write_buf(&b.ms->address_space, CMDQ, mapc, sizeof(mapc));
    wr(&b, ITS + 0x88, 32, 8);
    ck_assert_uint_eq(rd(&b, ITS + 0x90, 8), 0);
    wr(&b, ITS, 1, 4);
    ck_assert_uint_eq(rd(&b, ITS + 0x90, 8), 32);
    /* The queue is a ring of 4 KiB: 128 commands, then offset 0 again. */
    Its q = { .b = &b, .n = 1 };
    const uint64_t dev = 0x0100ull << 32;                     /* requester 01:00.0 */
    cmd(&q, 0x08 | dev, 0, 0x40400000ull | (1ull << 63), 0);  /* 1 event bit */
    while (q.n < 127) {
        cmd(&q, 0x05, 0, 0, 0);
    }
    /* MAPI maps event = pINTID, which must be an LPI: event 1 is refused. */
    cmd(&q, 0x0b | dev, 1, 0, 0);                             /* the last slot */
    ck_assert_uint_eq(rd(&b, ITS + 0x90, 8), 0);              /* wrapped */
    msi(&b, 0x0100, 1);
    ck_assert(!irq_high(cpu_n(&b, 0)));
    /* After the wrap, commands run from offset 0: a MAPTI of event 1. */
    cmd(&q, 0x0a | dev, 1 | ((uint64_t)LPI << 32), 0, 0);
    ck_assert_uint_eq(rd(&b, ITS + 0x90, 8), 32);
    msi(&b, 0x0100, 1);
    ck_assert(irq_high(cpu_n(&b, 0)));
    ck_assert_uint_eq(icc_rd(cpu_n(&b, 0), ICC_IAR1), LPI);
    /* A CWRITER beyond the queue stalls it (CREADR.Stalled). */
    wr(&b, ITS + 0x88, 0x2000, 8);
    ck_assert_uint_eq(rd(&b, ITS + 0x90, 8) & 1, 1);
}
END_TEST

START_TEST(test_uart_spi_routed_acked_and_eoi)
{
    Board b = board_new(2, "gic-version=3");
    board_init(&b);
    ARMCPU *c1 = cpu_n(&b, 1);
    enable_cpu(&b, 1);
    wr(&b, GICD + 0x84, 1u << 1, 4);           /* IGROUPR1: SPI 33 group 1 */
    wr(&b, GICD + 0x400 + 33, 0x80, 1);        /* priority */
    wr(&b, GICD + 0x6000 + 8 * 33, 1, 8);      /* IROUTER: CPU 1 */
    wr(&b, GICD + 0x104, 1u << 1, 4);          /* ISENABLER1 */
    DeviceState *uart = child(&b, "uart");
    /* The PL011's receive-timeout interrupt source: enable RT in IMSC and
     * raise it through the interrupt set register path is not exposed, so
     * drive the GIC input the UART is wired to directly. */
    ck_assert_ptr_nonnull(uart);
    IRQLine *spi33 = device_get_irq_in(child(&b, "gic"), 1);
    irq_set(spi33, 1);
    ck_assert(irq_high(c1));
    ck_assert(!irq_high(cpu_n(&b, 0)));
    ck_assert_uint_eq(icc_rd(c1, ICC_HPPIR1), 33);
    ck_assert_uint_eq(icc_rd(c1, ICC_IAR1), 33);
    ck_assert(!irq_high(c1));                  /* active: not signalled again */
    ck_assert_uint_eq(icc_rd(c1, ICC_RPR), 0x80);
    ck_assert_uint_eq(icc_rd(c1, ICC_IAR1), 1023);
    icc_wr(c1, ICC_EOIR1, 33);                 /* EOImode 0: drop and deactivate */
    ck_assert_uint_eq(icc_rd(c1, ICC_RPR), 0xff);
    ck_assert(irq_high(c1));                   /* level still high: pending again */
    irq_set(spi33, 0);
    ck_assert(!irq_high(c1));
    /* Masked by the priority mask. */
    icc_wr(c1, ICC_PMR, 0x80);
    irq_set(spi33, 1);
    ck_assert(!irq_high(c1));
    icc_wr(c1, ICC_PMR, 0x88);
    ck_assert(irq_high(c1));
}
END_TEST

START_TEST(test_split_eoi_and_deactivate)
{
    Board b = board_new(1, "gic-version=3");
    board_init(&b);
    ARMCPU *c0 = cpu_n(&b, 0);
    enable_cpu(&b, 0);
    icc_wr(c0, ICC_CTLR, 2);                   /* EOImode 1 */
    ck_assert_uint_eq(icc_rd(c0, ICC_CTLR) & 2, 2);
    wr(&b, GICD + 0x84, 1u << 1, 4);
    wr(&b, GICD + 0x400 + 33, 0x40, 1);
    wr(&b, GICD + 0x6000 + 8 * 33, 0, 8);
    wr(&b, GICD + 0x104, 1u << 1, 4);
    wr(&b, GICD + 0xc08, 2u << 2, 4);          /* ICFGR2: SPI 33 edge */
    IRQLine *spi33 = device_get_irq_in(child(&b, "gic"), 1);
    irq_pulse(spi33);
    ck_assert(irq_high(c0));
    ck_assert_uint_eq(icc_rd(c0, ICC_IAR1), 33);
    icc_wr(c0, ICC_EOIR1, 33);                 /* priority dropped, still active */
    ck_assert_uint_eq(icc_rd(c0, ICC_RPR), 0xff);
    ck_assert_uint_eq(rd(&b, GICD + 0x304, 4) & 2, 2);
    irq_pulse(spi33);                          /* pending while active: not signalled */
    ck_assert(!irq_high(c0));
    icc_wr(c0, ICC_DIR, 33);
    ck_assert_uint_eq(rd(&b, GICD + 0x304, 4) & 2, 0);
    ck_assert(irq_high(c0));
}
END_TEST

START_TEST(test_timer_ppis_reach_their_cpu)
{
    Board b = board_new(2, "gic-version=3");
    board_init(&b);
    ARMCPU *c1 = cpu_n(&b, 1);
    enable_cpu(&b, 1);
    wr(&b, GICR_SGI(1) + 0x80, 1u << 27, 4);   /* group 1 */
    wr(&b, GICR_SGI(1) + 0x400 + 27, 0xa0, 1);
    wr(&b, GICR_SGI(1) + 0x100, 1u << 27, 4);  /* enable PPI 27 (virtual timer) */
    irq_set(c1->timer_irq[ARM_TIMER_VIRT], 1);
    ck_assert_uint_eq(rd(&b, GICR_SGI(1) + 0x200, 4), 1u << 27);
    ck_assert_uint_eq(rd(&b, GICR_SGI(0) + 0x200, 4), 0);
    ck_assert(irq_high(c1));
    irq_set(c1->timer_irq[ARM_TIMER_VIRT], 0);
    ck_assert(!irq_high(c1));
    /* The EL1 physical timer is PPI 30, the EL2 one PPI 26. */
    irq_set(c1->timer_irq[ARM_TIMER_PHYS], 1);
    irq_set(c1->timer_irq[ARM_TIMER_HYP], 1);
    ck_assert_uint_eq(rd(&b, GICR_SGI(1) + 0x200, 4), (1u << 30) | (1u << 26));
}
END_TEST

START_TEST(test_sgi_to_other_cpu)
{
    Board b = board_new(2, "gic-version=3");
    board_init(&b);
    enable_cpu(&b, 1);
    wr(&b, GICR_SGI(1) + 0x80, 0xffff, 4);
    wr(&b, GICR_SGI(1) + 0x100, 1u << 3, 4);
    /* SGI 3 to Aff0 = 1 (TargetList bit 1). */
    icc_wr(cpu_n(&b, 0), ICC_SGI1R, (3ull << 24) | (1u << 1));
    ck_assert_uint_eq(rd(&b, GICR_SGI(1) + 0x200, 4), 1u << 3);
    ck_assert_uint_eq(rd(&b, GICR_SGI(0) + 0x200, 4), 0);
    ck_assert(irq_high(cpu_n(&b, 1)));
    ck_assert_uint_eq(icc_rd(cpu_n(&b, 1), ICC_IAR1), 3);
    /* IRM: everyone but the sender (CPU 0's SGIs are group 1 too). */
    wr(&b, GICR_SGI(0) + 0x80, 0xffff, 4);
    icc_wr(cpu_n(&b, 1), ICC_SGI1R, (5ull << 24) | (1ull << 40));
    ck_assert_uint_eq(rd(&b, GICR_SGI(0) + 0x200, 4), 1u << 5);
    ck_assert_uint_eq(rd(&b, GICR_SGI(1) + 0x200, 4), 0);
}
END_TEST

/* ---- GICv2: each CPU sees its own banked view at the same address ---- */

#define GICC 0x08010000ULL
#define V2M 0x08020000ULL

static uint64_t rd_cpu(Board *b, unsigned c, hwaddr addr, unsigned size)
{
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(CPU(cpu_n(b, c))->as, addr, &v, size), MEMTX_OK);
    return v;
}

static void wr_cpu(Board *b, unsigned c, hwaddr addr, uint64_t v, unsigned size)
{
    ck_assert_int_eq(address_space_write(CPU(cpu_n(b, c))->as, addr, v, size), MEMTX_OK);
}

START_TEST(test_gicv2_is_the_default_and_banked)
{
    Board b = board_new(2, NULL);
    board_init(&b);
    ck_assert_ptr_null(cpu_n(&b, 0)->gic_ops);      /* no system-register interface */
    ck_assert_uint_eq(cpu_n(&b, 0)->id.id_aa64pfr0 >> 24 & 0xf, 0);
    ck_assert_uint_eq(rd(&b, GICD + 0x4, 4), 8 | (1u << 5));
    /* ITARGETSR0..7 read as the accessing CPU's bit. */
    ck_assert_uint_eq(rd_cpu(&b, 0, GICD + 0x800, 4), 0x01010101);
    ck_assert_uint_eq(rd_cpu(&b, 1, GICD + 0x800, 4), 0x02020202);
    /* Private enables are banked, SPI ones shared. */
    wr_cpu(&b, 1, GICD + 0x100, 1u << 27, 4);
    ck_assert_uint_eq(rd_cpu(&b, 1, GICD + 0x100, 4) >> 16, 1u << 11);
    ck_assert_uint_eq(rd_cpu(&b, 0, GICD + 0x100, 4) >> 16, 0);
    wr_cpu(&b, 1, GICD + 0x104, 1u << 1, 4);
    ck_assert_uint_eq(rd_cpu(&b, 0, GICD + 0x104, 4), 1u << 1);
    /* The rest of the system is the same for both. */
    wr_cpu(&b, 1, 0x40000000, 0x1234, 4);
    ck_assert_uint_eq(rd_cpu(&b, 0, 0x40000000, 4), 0x1234);
}
END_TEST

static void v2_enable(Board *b, unsigned c)
{
    wr_cpu(b, c, GICD, 1, 4);
    wr_cpu(b, c, GICC + 0x4, 0xf0, 4);   /* PMR */
    wr_cpu(b, c, GICC, 1, 4);            /* enable */
}

START_TEST(test_gicv2_sgi_reports_source_and_spi_targets)
{
    Board b = board_new(2, NULL);
    board_init(&b);
    v2_enable(&b, 0);
    v2_enable(&b, 1);
    /* CPU 0 sends SGI 5 to CPU 1 (target list bit 1). */
    wr_cpu(&b, 0, GICD + 0xf00, (2u << 16) | 5, 4);
    ck_assert(irq_high(cpu_n(&b, 1)));
    ck_assert(!irq_high(cpu_n(&b, 0)));
    ck_assert_uint_eq(rd_cpu(&b, 1, GICC + 0xc, 4), 5);          /* IAR: source CPU 0 */
    ck_assert(!irq_high(cpu_n(&b, 1)));
    wr_cpu(&b, 1, GICC + 0x10, 5, 4);                            /* EOIR */
    /* CPU 1 to "all but self": CPU 0 sees source 1 in bits 12:10. */
    wr_cpu(&b, 1, GICD + 0xf00, (1u << 24) | 7, 4);
    ck_assert_uint_eq(rd_cpu(&b, 0, GICC + 0xc, 4), 7 | (1u << 10));
    /* The UART's SPI goes where ITARGETSR says. */
    wr_cpu(&b, 0, GICD + 0x104, 1u << 1, 4);
    wr_cpu(&b, 0, GICD + 0x400 + 33, 0x80, 1);
    wr_cpu(&b, 0, GICD + 0x800 + 33, 2, 1);
    IRQLine *spi33 = device_get_irq_in(child(&b, "gic"), 1);
    irq_set(spi33, 1);
    ck_assert(irq_high(cpu_n(&b, 1)));
    ck_assert_uint_eq(rd_cpu(&b, 1, GICC + 0x18, 4), 33);        /* HPPIR */
    ck_assert_uint_eq(rd_cpu(&b, 1, GICC + 0xc, 4), 33);
    ck_assert_uint_eq(rd_cpu(&b, 1, GICC + 0x14, 4), 0x80);      /* RPR */
    /* Split EOI: EOIR drops the priority, DIR deactivates. */
    wr_cpu(&b, 1, GICC, 1 | (1u << 9), 4);
    wr_cpu(&b, 1, GICC + 0x10, 33, 4);
    ck_assert_uint_eq(rd_cpu(&b, 1, GICC + 0x14, 4), 0xff);
    ck_assert(!irq_high(cpu_n(&b, 1)));                          /* still active */
    wr_cpu(&b, 1, GICC + 0x1000, 33, 4);
    ck_assert(irq_high(cpu_n(&b, 1)));                           /* level still high */
}
END_TEST

START_TEST(test_gicv2m_msi_raises_its_spi)
{
    Board b = board_new(1, NULL);
    board_init(&b);
    v2_enable(&b, 0);
    ck_assert_uint_eq(rd(&b, V2M + 0x8, 4), (80u << 16) | 64);
    unsigned id = 100;
    wr(&b, GICD + 0x100 + 4 * (id / 32), 1u << (id % 32), 4);
    wr(&b, GICD + 0x800 + id, 1, 1);
    wr(&b, GICD + 0xc00 + 4 * (id / 16), 2u << (2 * (id % 16)), 4);  /* edge */
    wr(&b, V2M + 0x40, id, 4);
    ck_assert(irq_high(cpu_n(&b, 0)));
    ck_assert_uint_eq(rd(&b, GICC + 0xc, 4), id);
    wr(&b, V2M + 0x40, 79, 4);                                   /* outside: ignored */
    wr(&b, GICC + 0x10, id, 4);
    ck_assert(!irq_high(cpu_n(&b, 0)));
}
END_TEST

START_TEST(test_gic_version_unknown)
{
    Board c = board_new(1, "gic-version=4");
    GError *err = NULL;
    ck_assert(!machine_init(c.ms, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "expected 2, 3 or max"));
    g_error_free(err);
}
END_TEST

static void *read_fdt_at(Board *b, hwaddr addr)
{
    uint8_t hdr[8];
    ck_assert_int_eq(address_space_read_buf(&b->ms->address_space, addr, hdr, 8), MEMTX_OK);
    ck_assert_int_eq(fdt_magic(hdr), FDT_MAGIC);
    uint32_t size = fdt_totalsize(hdr);
    void *blob = g_malloc(size);
    ck_assert_int_eq(address_space_read_buf(&b->ms->address_space, addr, blob, size), MEMTX_OK);
    ck_assert_int_eq(fdt_check_header(blob), 0);
    return blob;
}

static const char *fdt_str(const void *fdt, const char *path, const char *prop)
{
    int node = fdt_path_offset(fdt, path);
    ck_assert_msg(node >= 0, "no node %s", path);
    const char *v = fdt_getprop(fdt, node, prop, NULL);
    ck_assert_msg(v, "no %s in %s", prop, path);
    return v;
}

START_TEST(test_image_boot_layout_and_device_tree)
{
    Board b = board_new(2, NULL);
    /* A fake Image: text_offset 0, image_size 3 MiB (more than the file). */
    uint8_t img[4096] = { 0 };
    uint64_t image_size = GUINT64_TO_LE(3 * MiB);
    memcpy(img + 16, &image_size, 8);
    memcpy(img + 56, "ARM\x64", 4);
    img[100] = 0x5a;
    g_autofree char *kpath = g_build_filename(b.dir, "Image", NULL);
    g_autofree char *ipath = g_build_filename(b.dir, "initrd", NULL);
    ck_assert(g_file_set_contents(kpath, (char *)img, sizeof(img), NULL));
    ck_assert(g_file_set_contents(ipath, "INITRD", 6, NULL));
    b.ms->kernel_filename = g_strdup(kpath);
    b.ms->initrd_filename = g_strdup(ipath);
    b.ms->kernel_cmdline = g_strdup("console=ttyAMA0 x=1");
    board_init(&b);
    GError *err = NULL;
    ck_assert_msg(MACHINE_GET_CLASS(b.ms)->finalize(b.ms, &err), "%s", err ? err->message : "");
    /* Kernel at RAM + 2 MiB, the stub at RAM start jumping there with x0 = DTB. */
    ck_assert_uint_eq(rd(&b, 0x40200000 + 100, 1), 0x5a);
    ck_assert_uint_eq(object_property_get_uint(OBJECT(cpu_n(&b, 0)), "reset-pc", NULL),
                      0x40000000);
    ck_assert_uint_eq(rd(&b, 0x40000000, 4), 0x580000c0);   /* ldr x0, dtb */
    uint64_t dtb = rd(&b, 0x40000000 + 24, 8), entry = rd(&b, 0x40000000 + 32, 8);
    ck_assert_uint_eq(entry, 0x40200000);
    /* initrd after image_size, 2 MiB aligned */
    ck_assert_uint_eq(rd(&b, 0x40600000, 4), 0x54494e49);  /* "INIT" */
    g_autofree void *fdt = read_fdt_at(&b, dtb);
    ck_assert_str_eq(fdt_str(fdt, "/chosen", "bootargs"), "console=ttyAMA0 x=1");
    ck_assert_str_eq(fdt_str(fdt, "/chosen", "stdout-path"), "/pl011@9000000");
    int chosen = fdt_path_offset(fdt, "/chosen");
    /* Properties are only 4-byte aligned in the blob: fdt64_ld reads them. */
    const fdt64_t *start = fdt_getprop(fdt, chosen, "linux,initrd-start", NULL);
    const fdt64_t *end = fdt_getprop(fdt, chosen, "linux,initrd-end", NULL);
    ck_assert(start && end);
    ck_assert_uint_eq(fdt64_ld(start), 0x40600000);
    ck_assert_uint_eq(fdt64_ld(end), 0x40600006);
    ck_assert_str_eq(fdt_str(fdt, "/intc@8000000", "compatible"), "arm,cortex-a15-gic");
    ck_assert_str_eq(fdt_str(fdt, "/intc@8000000/v2m@8020000", "compatible"),
                     "arm,gic-v2m-frame");
    ck_assert_str_eq(fdt_str(fdt, "/psci", "method"), "hvc");
    ck_assert_str_eq(fdt_str(fdt, "/fw-cfg@9020000", "compatible"), "qemu,fw-cfg-mmio");
    ck_assert_str_eq(fdt_str(fdt, "/", "compatible"), "linux,dummy-virt");
    /* CPUs in ascending order, each with PSCI. */
    int cpus = fdt_path_offset(fdt, "/cpus");
    int first = fdt_first_subnode(fdt, cpus);
    ck_assert_str_eq(fdt_get_name(fdt, first, NULL), "cpu@0");
    ck_assert_str_eq(fdt_get_name(fdt, fdt_next_subnode(fdt, first), NULL), "cpu@1");
    ck_assert_str_eq(fdt_str(fdt, "/cpus/cpu@1", "enable-method"), "psci");
    int len;
    const fdt32_t *uirq = fdt_getprop(fdt, fdt_path_offset(fdt, "/pl011@9000000"),
                                      "interrupts", &len);
    ck_assert_int_eq(len, 12);
    ck_assert_uint_eq(fdt32_to_cpu(uirq[1]), 1);
    const fdt32_t *tirq = fdt_getprop(fdt, fdt_path_offset(fdt, "/timer"), "interrupts", &len);
    ck_assert_int_eq(len, 48);
    ck_assert_uint_eq(fdt32_to_cpu(tirq[4]), 14);
    ck_assert_uint_eq(fdt32_to_cpu(tirq[5]), 0x304);   /* level-high on CPUs 0 and 1 */
    ck_assert_uint_eq(fdt32_to_cpu(tirq[7]), 11);
    ck_assert_uint_eq(fdt32_to_cpu(tirq[10]), 10);
    /* PCIe: 16 interrupt-map entries of child address (3), pin, GIC phandle,
     * the GIC's unit address (its #address-cells = 2) and a 3-cell SPI. */
    const char *pci = "/pci@4010000000";
    const fdt32_t *imap = fdt_getprop(fdt, fdt_path_offset(fdt, pci), "interrupt-map", &len);
    ck_assert_ptr_nonnull(imap);
    ck_assert_int_eq(len, 16 * 10 * 4);
    /* slot 1, INTA -> INTB's SPI: (1 + 1 - 1) % 4 = 1, SPI 3 + 1 */
    const fdt32_t *e = imap + 4 * 10;
    ck_assert_uint_eq(fdt32_to_cpu(e[0]), 1 << 11);
    ck_assert_uint_eq(fdt32_to_cpu(e[3]), 1);
    ck_assert_uint_eq(fdt32_to_cpu(e[5]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(e[6]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(e[7]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(e[8]), 4);
    ck_assert_uint_eq(fdt32_to_cpu(e[9]), 4);
    const fdt32_t *msi = fdt_getprop(fdt, fdt_path_offset(fdt, pci), "msi-parent", NULL);
    ck_assert_ptr_nonnull(msi);
    ck_assert_int_eq(fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(*msi)),
                     fdt_path_offset(fdt, "/intc@8000000/v2m@8020000"));
    /* The interrupt parent is the GIC. */
    const fdt32_t *ip = fdt_getprop(fdt, 0, "interrupt-parent", NULL);
    ck_assert_int_eq(fdt_node_offset_by_phandle(fdt, fdt32_to_cpu(*ip)),
                     fdt_path_offset(fdt, "/intc@8000000"));
}
END_TEST

/* fw_cfg DMA: descriptor at @desc, big-endian fields; returns control after. */
static uint32_t fw_cfg_dma(Board *b, hwaddr desc, uint32_t control, uint32_t len, hwaddr dst)
{
    uint8_t d[16];
    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++) {
        d[8 + i] = (uint8_t)((uint64_t)dst >> (56 - 8 * i));
    }
    ck_assert_int_eq(address_space_write_buf(&b->ms->address_space, desc, d, 16), MEMTX_OK);
    wr(b, 0x09020010, GUINT32_SWAP_LE_BE((uint32_t)(desc >> 32)), 4);
    wr(b, 0x09020014, GUINT32_SWAP_LE_BE((uint32_t)desc), 4);
    return GUINT32_SWAP_LE_BE((uint32_t)rd(b, desc, 4));
}

START_TEST(test_fw_cfg_dma)
{
    Board b = board_new(3, NULL);
    board_init(&b);
    const hwaddr desc = 0x40100000, buf = 0x40100100;
    /* SELECT 0x05 (NB_CPUS) | READ, 2 bytes. */
    wr(&b, buf, 0xffffffff, 4);
    ck_assert_uint_eq(fw_cfg_dma(&b, desc, (0x05u << 16) | 0x08 | 0x02, 2, buf), 0);
    ck_assert_uint_eq(rd(&b, buf, 4), 0xffff0003);
    /* SELECT signature, SKIP 2, READ 4: "MU" then zeros past the end. */
    ck_assert_uint_eq(fw_cfg_dma(&b, desc, 0x08 | 0x04, 2, 0), 0);
    ck_assert_uint_eq(fw_cfg_dma(&b, desc, 0x02, 4, buf), 0);
    ck_assert_uint_eq(rd(&b, buf, 4), 0x0000554d);
    /* Items are read-only: WRITE reports an error. */
    ck_assert_uint_eq(fw_cfg_dma(&b, desc, (0x05u << 16) | 0x08 | 0x10, 2, buf), 1);
    /* RAM size, 8 bytes little-endian. */
    ck_assert_uint_eq(fw_cfg_dma(&b, desc, (0x03u << 16) | 0x08 | 0x02, 8, buf), 0);
    ck_assert_uint_eq(rd(&b, buf, 8), 128 * MiB);
}
END_TEST

START_TEST(test_kernel_refusals)
{
    Board b = board_new(1, NULL);
    g_autofree char *junk = g_build_filename(b.dir, "junk", NULL);
    ck_assert(g_file_set_contents(junk, "not a kernel at all, no magic anywhere here. "
                                  "padding padding padding padding", -1, NULL));
    b.ms->kernel_filename = g_strdup(junk);
    board_init(&b);
    GError *err = NULL;
    ck_assert(!MACHINE_GET_CLASS(b.ms)->finalize(b.ms, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "neither an ELF program nor an arm64 Image"));
    g_clear_error(&err);
}
END_TEST

START_TEST(test_kernel_larger_than_ram)
{
    GError *err = NULL;
    Board c = board_new(1, NULL);
    uint8_t img[64] = { 0 };
    uint64_t image_size = GUINT64_TO_LE(512 * MiB);
    memcpy(img + 16, &image_size, 8);
    memcpy(img + 56, "ARM\x64", 4);
    g_autofree char *big = g_build_filename(c.dir, "Image", NULL);
    ck_assert(g_file_set_contents(big, (char *)img, sizeof(img), NULL));
    c.ms->kernel_filename = g_strdup(big);
    board_init(&c);
    ck_assert(!MACHINE_GET_CLASS(c.ms)->finalize(c.ms, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "-m is too small"));
    g_clear_error(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arm-virt");
    TCase *tc = tcase_create("board");
    tcase_add_checked_fixture(tc, NULL, scratch_teardown);
    tcase_add_test(tc, test_gic_identification);
    tcase_add_test(tc, test_its_identification);
    tcase_add_test(tc, test_its_msi_becomes_an_lpi);
    tcase_add_test(tc, test_its_disabled_and_queue_wrap);
    tcase_add_test(tc, test_uart_spi_routed_acked_and_eoi);
    tcase_add_test(tc, test_split_eoi_and_deactivate);
    tcase_add_test(tc, test_timer_ppis_reach_their_cpu);
    tcase_add_test(tc, test_sgi_to_other_cpu);
    tcase_add_test(tc, test_gicv2_is_the_default_and_banked);
    tcase_add_test(tc, test_gicv2_sgi_reports_source_and_spi_targets);
    tcase_add_test(tc, test_gicv2m_msi_raises_its_spi);
    tcase_add_test(tc, test_image_boot_layout_and_device_tree);
    tcase_add_test(tc, test_kernel_refusals);
    tcase_add_test(tc, test_fw_cfg_dma);
    tcase_add_test(tc, test_kernel_larger_than_ram);
    tcase_add_test(tc, test_gic_version_unknown);
    suite_add_tcase(s, tc);
    return devtest_run(s);
}
