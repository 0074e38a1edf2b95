/* SPDX-License-Identifier: MIT */
/*
 * RISC-V CPU state machine without an engine: the CSR table, CSR access
 * rules, trap entry/return with delegation, interrupt priority, the Sv39/
 * Sv48/Sv57 page walk over RAM in a real address space, and PMP.
 */
#include <check.h>
#include <string.h>

#include "tests/unit/test_riscv_all.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4ull << 20)
#define PT_ROOT (RAM_BASE + 0x100000)

static RISCVCPU *cpu;
static CPURISCVState *env;
static MemoryRegion sysmem, ram;
static AddressSpace as;

static void setup_types(void)
{
    static bool done;
    if (!done) {
        device_types_init();
        accel_types_init();
        type_register_static_array(riscv_cpu_types, G_N_ELEMENTS(riscv_cpu_types));
        done = true;
    }
}

static void setup(void)
{
    GError *err = NULL;
    setup_types();
    cpu = RISCV_CPU(object_new(TYPE_RISCV_CPU_RV64));
    ck_assert(device_realize(DEVICE(cpu), &err));
    env = &cpu->env;
    memory_region_init(&sysmem, NULL, "system", UINT64_MAX);
    ck_assert(memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &err));
    memory_region_add_subregion(&sysmem, RAM_BASE, &ram);
    address_space_init(&as, &sysmem, "memory");
    CPU(cpu)->as = &as;
}

static void teardown(void)
{
    address_space_destroy(&as);
    memory_region_destroy(&ram);
    object_unref(OBJECT(cpu));
}

static uint64_t csr_read(int csrno, RISCVCSRResult *res)
{
    uint64_t v = 0;
    *res = riscv_csr_access(cpu, csrno, &v, 0, 0, false);
    return v;
}

static RISCVCSRResult csr_write(int csrno, uint64_t val)
{
    return riscv_csr_access(cpu, csrno, NULL, val, UINT64_MAX, true);
}

static uint64_t csr_get(int csrno)
{
    RISCVCSRResult r;
    uint64_t v = csr_read(csrno, &r);
    ck_assert_int_eq(r, RISCV_CSR_OK);
    return v;
}

/* ---- CSR table -------------------------------------------------------------- */

START_TEST(test_csr_table_sane)
{
    for (size_t i = 0; i < G_N_ELEMENTS(csr_table); i++) {
        const CSRDesc *a = &csr_table[i];
        ck_assert_msg(a->count >= 1 && a->read && a->pred, "%s incomplete", a->name);
        if (CSR_READ_ONLY(a->num)) {
            ck_assert_msg(a->write == NULL, "%s is read-only by number but writable", a->name);
        }
        for (size_t j = i + 1; j < G_N_ELEMENTS(csr_table); j++) {
            const CSRDesc *b = &csr_table[j];
            bool disjoint = a->num + a->count <= b->num || b->num + b->count <= a->num;
            ck_assert_msg(disjoint, "%s and %s share numbers", a->name, b->name);
            ck_assert_msg(strcmp(a->name, b->name), "duplicate name %s", a->name);
        }
    }
    ck_assert_str_eq(riscv_csr_name(CSR_MSTATUS), "mstatus");
    ck_assert_str_eq(riscv_csr_name(0x3b5), "pmpaddr");
    ck_assert_ptr_null(riscv_csr_name(0x3a1));   /* pmpcfg1 does not exist on RV64 */
}
END_TEST

START_TEST(test_csr_reset_values)
{
    uint64_t misa = csr_get(CSR_MISA);
    ck_assert_uint_eq(misa >> 62, 2);
    for (const char *l = "imafdcsu"; *l; l++) {
        ck_assert_msg(misa & (1ull << (*l - 'a')), "misa lacks %c", *l);
    }
    uint64_t ms = csr_get(CSR_MSTATUS);
    ck_assert_uint_eq((ms & MSTATUS_UXL) >> MSTATUS_UXL_SHIFT, 2);
    ck_assert_uint_eq((ms & MSTATUS_SXL) >> MSTATUS_SXL_SHIFT, 2);
    ck_assert_uint_eq(ms & (MSTATUS_MIE | MSTATUS_MPRV), 0);
    ck_assert_uint_eq(env->pc, 0x1000);
    ck_assert_int_eq(env->priv, PRV_M);
    g_autofree char *isa = object_property_get_str(OBJECT(cpu), "isa-string", NULL);
    ck_assert_str_eq(isa, "rv64imafdc_zicsr_zifencei_zba_zbb_zbc_zbs_sstc_svpbmt");
    g_autofree char *mmu = object_property_get_str(OBJECT(cpu), "mmu-type", NULL);
    ck_assert_str_eq(mmu, "riscv,sv57");
}
END_TEST

START_TEST(test_csr_warl_fields)
{
    uint64_t before = csr_get(CSR_MSTATUS);
    csr_write(CSR_MSTATUS, (before & ~MSTATUS_MPP) | (2ull << MSTATUS_MPP_SHIFT));
    ck_assert_uint_eq(csr_get(CSR_MSTATUS) & MSTATUS_MPP, before & MSTATUS_MPP);
    csr_write(CSR_MSTATUS, MSTATUS_FS);
    ck_assert(csr_get(CSR_MSTATUS) & MSTATUS_SD);
    ck_assert(csr_get(CSR_SSTATUS) & MSTATUS_SD);
    csr_write(CSR_MEDELEG, UINT64_MAX);
    ck_assert_uint_eq(csr_get(CSR_MEDELEG) & (1ull << EXCP_ECALL_M), 0);
    csr_write(CSR_MIDELEG, UINT64_MAX);
    ck_assert_uint_eq(csr_get(CSR_MIDELEG), MIP_S_BITS);
    csr_write(CSR_MIP, UINT64_MAX);
    ck_assert_uint_eq(csr_get(CSR_MIP) & (MIP_MTIP | MIP_MSIP | MIP_MEIP), 0);
    csr_write(CSR_MTVEC, 0x80000002);          /* reserved mode: ignored */
    ck_assert_uint_eq(csr_get(CSR_MTVEC), 0);
    csr_write(CSR_MEPC, 0x80000003);
    ck_assert_uint_eq(csr_get(CSR_MEPC), 0x80000002);
    /* satp: unsupported mode ignored; Sv57 accepted. */
    csr_write(CSR_SATP, (5ull << SATP_MODE_SHIFT) | 0x1234);
    ck_assert_uint_eq(csr_get(CSR_SATP), 0);
    csr_write(CSR_SATP, ((uint64_t)SATP_MODE_SV57 << SATP_MODE_SHIFT) | 0x1234);
    ck_assert_uint_eq(csr_get(CSR_SATP), ((uint64_t)SATP_MODE_SV57 << SATP_MODE_SHIFT) | 0x1234);
    csr_write(CSR_FCSR, 0xff);
    ck_assert_uint_eq(csr_get(CSR_FFLAGS), 0x1f);
    ck_assert_uint_eq(csr_get(CSR_FRM), 7);
}
END_TEST

START_TEST(test_csr_privilege_and_gating)
{
    RISCVCSRResult r;
    env->priv = PRV_S;
    csr_read(CSR_MSTATUS, &r);
    ck_assert_int_eq(r, RISCV_CSR_ILLEGAL);
    csr_read(CSR_SSTATUS, &r);
    ck_assert_int_eq(r, RISCV_CSR_OK);
    csr_read(CSR_CYCLE, &r);
    ck_assert_int_eq(r, RISCV_CSR_ILLEGAL);           /* mcounteren.CY = 0 */
    env->mcounteren = COUNTEREN_CY | COUNTEREN_TM;
    csr_read(CSR_TIME, &r);
    ck_assert_int_eq(r, RISCV_CSR_OK);
    env->priv = PRV_U;
    csr_read(CSR_TIME, &r);
    ck_assert_int_eq(r, RISCV_CSR_ILLEGAL);           /* scounteren.TM = 0 */
    env->scounteren = COUNTEREN_TM;
    csr_read(CSR_TIME, &r);
    ck_assert_int_eq(r, RISCV_CSR_OK);
    csr_read(0xc03, &r);                               /* hpmcounter3 gated too */
    ck_assert_int_eq(r, RISCV_CSR_ILLEGAL);
    /* Writes to read-only CSRs are illegal even from M. */
    env->priv = PRV_M;
    ck_assert_int_eq(csr_write(CSR_CYCLE, 1), RISCV_CSR_ILLEGAL);
    ck_assert_int_eq(csr_write(CSR_MHARTID, 1), RISCV_CSR_ILLEGAL);
    /* TVM traps satp in S-mode; Sstc needs STCE for S. */
    env->mstatus |= MSTATUS_TVM;
    env->priv = PRV_S;
    csr_read(CSR_SATP, &r);
    ck_assert_int_eq(r, RISCV_CSR_ILLEGAL);
    csr_read(CSR_STIMECMP, &r);
    ck_assert_int_eq(r, RISCV_CSR_ILLEGAL);
    env->menvcfg = ENVCFG_STCE;
    csr_read(CSR_STIMECMP, &r);
    ck_assert_int_eq(r, RISCV_CSR_OK);
    env->priv = PRV_M;
    /* FP CSRs need FS != Off. */
    env->mstatus &= ~MSTATUS_FS;
    csr_read(CSR_FCSR, &r);
    ck_assert_int_eq(r, RISCV_CSR_ILLEGAL);
}
END_TEST

START_TEST(test_sstc_drives_stip)
{
    csr_write(CSR_MENVCFG, ENVCFG_STCE);
    csr_write(CSR_STIMECMP, 0);               /* time >= 0: due now */
    ck_assert(riscv_cpu_read_mip(cpu) & MIP_STIP);
    csr_write(CSR_STIMECMP, UINT64_MAX);
    ck_assert(!(riscv_cpu_read_mip(cpu) & MIP_STIP));
    csr_write(CSR_MIP, MIP_STIP);             /* read-only while STCE=1 */
    ck_assert(!(riscv_cpu_read_mip(cpu) & MIP_STIP));
    csr_write(CSR_MENVCFG, 0);
    csr_write(CSR_MIP, MIP_STIP);
    ck_assert(riscv_cpu_read_mip(cpu) & MIP_STIP);
}
END_TEST

START_TEST(test_irq_pins_and_seip)
{
    IRQLine *meip = device_get_irq_in(DEVICE(cpu), IRQ_M_EXT);
    irq_raise(meip);
    ck_assert(riscv_cpu_read_mip(cpu) & MIP_MEIP);
    irq_lower(meip);
    ck_assert(!(riscv_cpu_read_mip(cpu) & MIP_MEIP));
    /* External SEIP is ORed with the software bit; RMW uses the software bit. */
    irq_raise(device_get_irq_in(DEVICE(cpu), IRQ_S_EXT));
    ck_assert(csr_get(CSR_MIP) & MIP_SEIP);
    riscv_csr_access(cpu, CSR_MIP, NULL, 0, MIP_SSIP, true);   /* csrrc mip, SSIP */
    ck_assert_uint_eq(env->mip & MIP_SEIP, 0);
    irq_lower(device_get_irq_in(DEVICE(cpu), IRQ_S_EXT));
    ck_assert(!(csr_get(CSR_MIP) & MIP_SEIP));
}
END_TEST

/* ---- traps -------------------------------------------------------------------- */

START_TEST(test_trap_delegation)
{
    env->stvec = 0x80001000;
    env->mtvec = 0x80002000;
    env->medeleg = 1ull << EXCP_ECALL_U;
    env->mstatus |= MSTATUS_SIE;
    env->priv = PRV_U;
    env->pc = 0x4000;
    riscv_cpu_do_exception(cpu, EXCP_ECALL_U, 0);
    ck_assert_int_eq(env->priv, PRV_S);
    ck_assert_uint_eq(env->pc, 0x80001000);
    ck_assert_uint_eq(env->scause, EXCP_ECALL_U);
    ck_assert_uint_eq(env->sepc, 0x4000);
    ck_assert_uint_eq(env->mstatus & (MSTATUS_SPP | MSTATUS_SIE), 0);
    ck_assert(env->mstatus & MSTATUS_SPIE);
    /* Not delegated, or from M: to M with MPP = previous mode. */
    env->pc = 0x5000;
    riscv_cpu_do_exception(cpu, EXCP_ILLEGAL_INST, 0x12345678);
    ck_assert_int_eq(env->priv, PRV_M);
    ck_assert_uint_eq(env->mcause, EXCP_ILLEGAL_INST);
    ck_assert_uint_eq(env->mtval, 0x12345678);
    ck_assert_uint_eq((env->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT, PRV_S);
    env->medeleg = UINT64_MAX & 0xb3ff;
    riscv_cpu_do_exception(cpu, EXCP_LOAD_PAGE, 0x10);
    ck_assert_int_eq(env->priv, PRV_M);       /* from M nothing is delegated */
    /* sret/mret */
    uint64_t pc;
    env->mepc = 0x9000;
    env->mstatus = (env->mstatus & ~MSTATUS_MPP) | MSTATUS_MPIE | MSTATUS_MPRV;
    ck_assert(riscv_cpu_mret(cpu, &pc));
    ck_assert_uint_eq(pc, 0x9000);
    ck_assert_int_eq(env->priv, PRV_U);
    ck_assert(env->mstatus & MSTATUS_MPIE);
    ck_assert(!(env->mstatus & MSTATUS_MPRV));
    ck_assert(!riscv_cpu_mret(cpu, &pc));     /* mret from U is illegal */
    env->priv = PRV_S;
    env->mstatus |= MSTATUS_TSR;
    ck_assert(!riscv_cpu_sret(cpu, &pc));
    env->mstatus &= ~MSTATUS_TSR;
    env->sepc = 0x7000;
    ck_assert(riscv_cpu_sret(cpu, &pc));
    ck_assert_uint_eq(pc, 0x7000);
}
END_TEST

START_TEST(test_interrupt_priority_and_enables)
{
    env->mie = MIP_ALL_BITS;
    env->mip = MIP_SSIP | MIP_STIP;
    irq_raise(device_get_irq_in(DEVICE(cpu), IRQ_M_TIMER));
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), -1);   /* M with MIE=0 */
    env->mstatus |= MSTATUS_MIE;
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), IRQ_M_TIMER);
    irq_raise(device_get_irq_in(DEVICE(cpu), IRQ_M_SOFT));
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), IRQ_M_SOFT);
    irq_raise(device_get_irq_in(DEVICE(cpu), IRQ_M_EXT));
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), IRQ_M_EXT);
    irq_lower(device_get_irq_in(DEVICE(cpu), IRQ_M_EXT));
    irq_lower(device_get_irq_in(DEVICE(cpu), IRQ_M_SOFT));
    irq_lower(device_get_irq_in(DEVICE(cpu), IRQ_M_TIMER));
    /* Delegated S interrupts are never taken in M; in S they need SIE. */
    env->mideleg = MIP_S_BITS;
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), -1);
    env->priv = PRV_S;
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), -1);
    env->mstatus |= MSTATUS_SIE;
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), IRQ_S_SOFT);
    env->priv = PRV_U;
    env->mstatus &= ~MSTATUS_SIE;
    ck_assert_int_eq(riscv_cpu_pending_interrupt(cpu), IRQ_S_SOFT);
    /* Vectored stvec: pc = base + 4 * cause. */
    env->stvec = 0x80003001;
    riscv_cpu_do_interrupt(cpu, IRQ_S_SOFT);
    ck_assert_uint_eq(env->pc, 0x80003000 + 4 * IRQ_S_SOFT);
    ck_assert_uint_eq(env->scause, CAUSE_INTERRUPT | IRQ_S_SOFT);
}
END_TEST

/* ---- page walk ------------------------------------------------------------------- */

static uint64_t pte_read(uint64_t pa)
{
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&as, pa, &v, 8), MEMTX_OK);
    return v;
}

static void pte_write(uint64_t pa, uint64_t v)
{
    ck_assert_int_eq(address_space_write(&as, pa, v, 8), MEMTX_OK);
}

static uint64_t pte_leaf(uint64_t pa, uint64_t flags)
{
    return ((pa >> 12) << PTE_PPN_SHIFT) | flags | PTE_V;
}

/* Map one page at @va -> @pa with @levels levels, tables from PT_ROOT on. */
static uint64_t map_page(int levels, uint64_t va, uint64_t pa, uint64_t flags, int leaf_level)
{
    uint64_t table = PT_ROOT;
    uint64_t next = PT_ROOT + 0x1000;
    for (int level = levels - 1; level > leaf_level; level--) {
        uint64_t idx = (va >> (12 + 9 * level)) & 0x1ff;
        uint64_t pte = pte_read(table + idx * 8);
        if (!(pte & PTE_V)) {
            pte = ((next >> 12) << PTE_PPN_SHIFT) | PTE_V;
            pte_write(table + idx * 8, pte);
            next += 0x1000;
        }
        table = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12;
    }
    uint64_t idx = (va >> (12 + 9 * leaf_level)) & 0x1ff;
    pte_write(table + idx * 8, pte_leaf(pa, flags));
    return table + idx * 8;
}

/* PMP entry 15 granting S/U everything, so walks may read page tables. */
static void pmp_allow_all(void)
{
    csr_write(CSR_PMPADDR0 + 15, UINT64_MAX);
    csr_write(CSR_PMPCFG2, (uint64_t)(PMP_R | PMP_W | PMP_X | (PMP_A_NAPOT << PMP_A_SHIFT)) << 56);
}

static void set_satp(int mode)
{
    pmp_allow_all();
    env->satp = ((uint64_t)mode << SATP_MODE_SHIFT) | (PT_ROOT >> 12);
}

START_TEST(test_sv39_walk_sets_ad)
{
    RISCVTranslation t;
    uint64_t cause;
    uint64_t ptep = map_page(3, 0x40001000, RAM_BASE + 0x5000, PTE_R | PTE_W | PTE_X, 0);
    set_satp(SATP_MODE_SV39);
    ck_assert(riscv_cpu_translate(cpu, 0x40001234, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    ck_assert_uint_eq(t.paddr, RAM_BASE + 0x5234);
    ck_assert(pte_read(ptep) & PTE_A);
    ck_assert(!(pte_read(ptep) & PTE_D));
    ck_assert(!(t.prot & RISCV_PROT_WRITE));   /* first store must come back for D */
    ck_assert(riscv_cpu_translate(cpu, 0x40001234, MMU_ACCESS_STORE, MMUIDX_S, &t, &cause));
    ck_assert(pte_read(ptep) & PTE_D);
    ck_assert(t.prot & RISCV_PROT_WRITE);
    /* M-mode ignores satp. */
    ck_assert(riscv_cpu_translate(cpu, 0x40001234, MMU_ACCESS_LOAD, MMUIDX_M, &t, &cause));
    ck_assert_uint_eq(t.paddr, 0x40001234);
    /* Unmapped and non-canonical addresses fault with the access's cause. */
    ck_assert(!riscv_cpu_translate(cpu, 0x40002000, MMU_ACCESS_STORE, MMUIDX_S, &t, &cause));
    ck_assert_uint_eq(cause, EXCP_STORE_PAGE);
    ck_assert(!riscv_cpu_translate(cpu, 0x0000004000001000ull, MMU_ACCESS_FETCH, MMUIDX_S, &t,
                                   &cause));
    ck_assert_uint_eq(cause, EXCP_INST_PAGE);
}
END_TEST

START_TEST(test_walk_permissions)
{
    RISCVTranslation t;
    uint64_t cause;
    set_satp(SATP_MODE_SV39);
    map_page(3, 0x1000, RAM_BASE + 0x6000, PTE_R | PTE_W | PTE_X | PTE_U, 0);
    map_page(3, 0x2000, RAM_BASE + 0x7000, PTE_X, 0);
    ck_assert(riscv_cpu_translate(cpu, 0x1000, MMU_ACCESS_LOAD, MMUIDX_U, &t, &cause));
    ck_assert(!riscv_cpu_translate(cpu, 0x1000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    ck_assert_uint_eq(cause, EXCP_LOAD_PAGE);
    ck_assert(riscv_cpu_translate(cpu, 0x1000, MMU_ACCESS_LOAD, MMUIDX_S_SUM, &t, &cause));
    ck_assert(!riscv_cpu_translate(cpu, 0x1000, MMU_ACCESS_FETCH, MMUIDX_S, &t, &cause));
    ck_assert_uint_eq(cause, EXCP_INST_PAGE);
    /* Execute-only: readable only with MXR; never from U when not a U page. */
    ck_assert(!riscv_cpu_translate(cpu, 0x2000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    env->mstatus |= MSTATUS_MXR;
    ck_assert(riscv_cpu_translate(cpu, 0x2000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    ck_assert(!riscv_cpu_translate(cpu, 0x2000, MMU_ACCESS_FETCH, MMUIDX_U, &t, &cause));
    /* Reserved bits, PBMT without PBMTE, W without R: page faults. */
    uint64_t p = map_page(3, 0x3000, RAM_BASE + 0x8000, PTE_R | (1ull << 54), 0);
    ck_assert(!riscv_cpu_translate(cpu, 0x3000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    pte_write(p, pte_leaf(RAM_BASE + 0x8000, PTE_R | (1ull << PTE_PBMT_SHIFT)));
    ck_assert(!riscv_cpu_translate(cpu, 0x3000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    env->menvcfg = ENVCFG_PBMTE;
    ck_assert(riscv_cpu_translate(cpu, 0x3000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    pte_write(p, pte_leaf(RAM_BASE + 0x8000, PTE_W));
    ck_assert(!riscv_cpu_translate(cpu, 0x3000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
}
END_TEST

START_TEST(test_superpages_all_modes)
{
    RISCVTranslation t;
    uint64_t cause;
    static const int modes[] = { SATP_MODE_SV39, SATP_MODE_SV48, SATP_MODE_SV57 };
    for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
        int levels = 3 + (int)i;
        memset(memory_region_get_ram_ptr(&ram) + (PT_ROOT - RAM_BASE), 0, 0x10000);
        set_satp(modes[i]);
        /* 2 MiB page at va 0x200000 * 3 -> RAM_BASE (aligned). */
        map_page(levels, 0x600000, RAM_BASE, PTE_R | PTE_A, 1);
        ck_assert(riscv_cpu_translate(cpu, 0x612345, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
        ck_assert_uint_eq(t.paddr, RAM_BASE + 0x12345);
        /* A misaligned 2 MiB superpage faults. */
        map_page(levels, 0x800000, RAM_BASE + 0x1000, PTE_R, 1);
        ck_assert(!riscv_cpu_translate(cpu, 0x800000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
        ck_assert_uint_eq(cause, EXCP_LOAD_PAGE);
        /* The highest canonical address of the mode must walk (and fault). */
        uint64_t top = ~0ull;
        ck_assert(!riscv_cpu_translate(cpu, top, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
        ck_assert_uint_eq(cause, EXCP_LOAD_PAGE);
    }
}
END_TEST

/* ---- PMP ------------------------------------------------------------------------- */

START_TEST(test_pmp_rules)
{
    RISCVTranslation t;
    uint64_t cause;
    /* Without any entry S/U are denied and M allowed. */
    ck_assert(!riscv_pmp_check(cpu, RAM_BASE, 8, MMU_ACCESS_LOAD, PRV_S));
    ck_assert(riscv_pmp_check(cpu, RAM_BASE, 8, MMU_ACCESS_LOAD, PRV_M));
    /* Entry 0: TOR [0, RAM_BASE + 1 MiB) read/execute. */
    csr_write(CSR_PMPADDR0, (RAM_BASE + 0x100000) >> 2);
    csr_write(CSR_PMPCFG0, PMP_R | PMP_X | (PMP_A_TOR << PMP_A_SHIFT));
    ck_assert(riscv_pmp_check(cpu, RAM_BASE, 8, MMU_ACCESS_LOAD, PRV_S));
    ck_assert(!riscv_pmp_check(cpu, RAM_BASE, 8, MMU_ACCESS_STORE, PRV_U));
    ck_assert(riscv_pmp_check(cpu, RAM_BASE, 8, MMU_ACCESS_STORE, PRV_M));  /* unlocked */
    ck_assert(!riscv_pmp_check(cpu, RAM_BASE + 0xffffc, 8, MMU_ACCESS_LOAD, PRV_S)); /* straddles */
    /* Entry 1: NAPOT 4 KiB at RAM_BASE + 1 MiB, RW, locked: binds M too. */
    csr_write(CSR_PMPADDR0 + 1, ((RAM_BASE + 0x100000) >> 2) | 0x1ff);
    csr_write(CSR_PMPCFG0, (PMP_R | PMP_X | (PMP_A_TOR << PMP_A_SHIFT)) |
              ((uint64_t)(PMP_R | PMP_W | PMP_LOCK | (PMP_A_NAPOT << PMP_A_SHIFT)) << 8));
    ck_assert(riscv_pmp_check(cpu, RAM_BASE + 0x100ff8, 8, MMU_ACCESS_STORE, PRV_S));
    ck_assert(!riscv_pmp_check(cpu, RAM_BASE + 0x101000, 8, MMU_ACCESS_LOAD, PRV_S));
    ck_assert(!riscv_pmp_check(cpu, RAM_BASE + 0x100000, 4, MMU_ACCESS_FETCH, PRV_M));
    /* Locked entries ignore writes, as does the address below a locked TOR. */
    csr_write(CSR_PMPADDR0 + 1, 0);
    ck_assert_uint_eq(csr_get(CSR_PMPADDR0 + 1), ((RAM_BASE + 0x100000) >> 2) | 0x1ff);
    csr_write(CSR_PMPCFG0, 0);
    ck_assert_uint_eq((csr_get(CSR_PMPCFG0) >> 8) & 0xff,
                      PMP_R | PMP_W | PMP_LOCK | (PMP_A_NAPOT << PMP_A_SHIFT));
    /* Translation applies PMP: a denied physical page is an access fault. */
    ck_assert(!riscv_cpu_translate(cpu, RAM_BASE + 0x200000, MMU_ACCESS_LOAD, MMUIDX_S, &t,
                                   &cause));
    ck_assert_uint_eq(cause, EXCP_LOAD_ACCESS);
    /* W=1 R=0 is reserved and reads back with W clear. */
    csr_write(CSR_PMPCFG2, PMP_W | (PMP_A_NA4 << PMP_A_SHIFT));
    ck_assert_uint_eq(csr_get(CSR_PMPCFG2) & 0xff, PMP_A_NA4 << PMP_A_SHIFT);
}
END_TEST

START_TEST(test_pmp_guards_page_tables)
{
    RISCVTranslation t;
    uint64_t cause;
    map_page(3, 0x1000, RAM_BASE + 0x5000, PTE_R | PTE_W, 0);
    env->satp = ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (PT_ROOT >> 12);
    /* S may use RAM below the page tables only. */
    csr_write(CSR_PMPADDR0, PT_ROOT >> 2);
    csr_write(CSR_PMPCFG0, PMP_R | PMP_W | PMP_X | (PMP_A_TOR << PMP_A_SHIFT));
    ck_assert(!riscv_cpu_translate(cpu, 0x1000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    ck_assert_uint_eq(cause, EXCP_LOAD_ACCESS);
    csr_write(CSR_PMPADDR0, (RAM_BASE + RAM_SIZE) >> 2);
    ck_assert(riscv_cpu_translate(cpu, 0x1000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    /* An entry boundary inside the page makes the result uncacheable. */
    csr_write(CSR_PMPADDR0, (RAM_BASE + 0x5800) >> 2);
    csr_write(CSR_PMPADDR0 + 1, (RAM_BASE + RAM_SIZE) >> 2);
    csr_write(CSR_PMPCFG0, (PMP_R | PMP_W | PMP_X | (PMP_A_TOR << PMP_A_SHIFT)) |
              ((uint64_t)(PMP_R | (PMP_A_TOR << PMP_A_SHIFT)) << 8));
    ck_assert(riscv_cpu_translate(cpu, 0x1000, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    ck_assert_int_lt(t.lg_page, 12);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("riscv-cpu");
    TCase *csr = tcase_create("/riscv/csr");
    tcase_add_checked_fixture(csr, setup, teardown);
    tcase_add_test(csr, test_csr_table_sane);
    tcase_add_test(csr, test_csr_reset_values);
    tcase_add_test(csr, test_csr_warl_fields);
    tcase_add_test(csr, test_csr_privilege_and_gating);
    tcase_add_test(csr, test_sstc_drives_stip);
    tcase_add_test(csr, test_irq_pins_and_seip);
    suite_add_tcase(s, csr);
    TCase *trap = tcase_create("/riscv/trap");
    tcase_add_checked_fixture(trap, setup, teardown);
    tcase_add_test(trap, test_trap_delegation);
    tcase_add_test(trap, test_interrupt_priority_and_enables);
    suite_add_tcase(s, trap);
    TCase *mmu = tcase_create("/riscv/mmu");
    tcase_add_checked_fixture(mmu, setup, teardown);
    tcase_add_test(mmu, test_sv39_walk_sets_ad);
    tcase_add_test(mmu, test_walk_permissions);
    tcase_add_test(mmu, test_superpages_all_modes);
    tcase_add_test(mmu, test_pmp_rules);
    tcase_add_test(mmu, test_pmp_guards_page_tables);
    suite_add_tcase(s, mmu);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
