/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V debugger view of the MMU (CPUClass.debug_translate, used by
 * the monitor's x): the same walk as the guest's, at the current privilege
 * and satp, but without side effects and without permission checks.
 */
#include <check.h>
#include <string.h>

#include "tests/unit/test_riscv_all.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4ull << 20)
#define PT_ROOT (RAM_BASE + 0x100000)
#define PT_LEVELS_SV39 3

static RISCVCPU *cpu;
static CPURISCVState *env;
static MemoryRegion sysmem, ram;
static AddressSpace as;
static uint64_t next_table;    /* the next free page for page tables */

static void setup(void)
{
    static bool types_done;
    GError *err = NULL;
    if (!types_done) {
        device_types_init();
        accel_types_init();
        type_register_static_array(riscv_cpu_types, G_N_ELEMENTS(riscv_cpu_types));
        types_done = true;
    }
    next_table = PT_ROOT + 0x1000;
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

/* Map @va -> @pa with a leaf at @leaf_level of an Sv39 table at PT_ROOT. */
static uint64_t map_page(uint64_t va, uint64_t pa, uint64_t flags, int leaf_level)
{
    uint64_t table = PT_ROOT;
    for (int level = PT_LEVELS_SV39 - 1; level > leaf_level; level--) {
        uint64_t idx = (va >> (12 + 9 * level)) & 0x1ff;
        uint64_t pte = pte_read(table + idx * 8);
        if (!(pte & PTE_V)) {
            pte = ((next_table >> 12) << PTE_PPN_SHIFT) | PTE_V;
            pte_write(table + idx * 8, pte);
            next_table += 0x1000;
        }
        table = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << 12;
    }
    uint64_t idx = (va >> (12 + 9 * leaf_level)) & 0x1ff;
    pte_write(table + idx * 8, ((pa >> 12) << PTE_PPN_SHIFT) | flags | PTE_V);
    return table + idx * 8;
}

static bool debug_translate(uint64_t va, uint64_t *pa)
{
    CPUClass *cc = CPU_GET_CLASS(CPU(cpu));
    ck_assert_ptr_nonnull(cc->debug_translate);
    return cc->debug_translate(CPU(cpu), va, pa);
}

static void enable_sv39_in_s_mode(void)
{
    /* PMP entry 15 lets S read the page tables. */
    riscv_pmp_write_addr(cpu, 15, UINT64_MAX >> 10);
    /* pmpcfg2 holds entries 8-15: entry 15 is its top byte. */
    riscv_pmp_write_cfg(cpu, 2, (uint64_t)(PMP_R | PMP_W | PMP_X | (PMP_A_NAPOT << PMP_A_SHIFT))
                                    << 56);
    env->satp = ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (PT_ROOT >> 12);
    env->priv = PRV_S;
}

START_TEST(test_debug_walk_translates_without_side_effects)
{
    uint64_t ptep = map_page(0x40001000, RAM_BASE + 0x5000, PTE_R | PTE_W, 0);
    enable_sv39_in_s_mode();
    uint64_t pa = 0;
    ck_assert(debug_translate(0x40001234, &pa));
    ck_assert_uint_eq(pa, RAM_BASE + 0x5234);
    /* A and D untouched: the guest's own walk would have set A. */
    ck_assert_uint_eq(pte_read(ptep) & (PTE_A | PTE_D), 0);
    /* The same PTE translated by the guest's walk does get A. */
    RISCVTranslation t;
    uint64_t cause;
    ck_assert(riscv_cpu_translate(cpu, 0x40001234, MMU_ACCESS_LOAD, MMUIDX_S, &t, &cause));
    ck_assert(pte_read(ptep) & PTE_A);
}
END_TEST

START_TEST(test_debug_walk_ignores_permissions)
{
    /* Execute-only and a U page seen from S without SUM: the guest could
     * not load from either, the debugger still sees them. */
    map_page(0x2000, RAM_BASE + 0x7000, PTE_X, 0);
    map_page(0x3000, RAM_BASE + 0x8000, PTE_R | PTE_U, 0);
    enable_sv39_in_s_mode();
    uint64_t pa = 0;
    ck_assert(debug_translate(0x2008, &pa));
    ck_assert_uint_eq(pa, RAM_BASE + 0x7008);
    ck_assert(debug_translate(0x3ffc, &pa));
    ck_assert_uint_eq(pa, RAM_BASE + 0x8ffc);
}
END_TEST

START_TEST(test_debug_walk_superpage_and_failures)
{
    map_page(0x200000, RAM_BASE + 0x200000, PTE_R | PTE_W | PTE_A | PTE_D, 1);
    enable_sv39_in_s_mode();
    uint64_t pa = 0;
    ck_assert(debug_translate(0x2abcde, &pa));
    ck_assert_uint_eq(pa, RAM_BASE + 0x2abcde);
    /* Unmapped, non-canonical: no translation, no trap state changed. */
    uint64_t scause = env->scause, mcause = env->mcause, pc = env->pc;
    ck_assert(!debug_translate(0x40000000, &pa));
    ck_assert(!debug_translate(0x0000004000000000ull, &pa));
    ck_assert_uint_eq(env->scause, scause);
    ck_assert_uint_eq(env->mcause, mcause);
    ck_assert_uint_eq(env->pc, pc);
    ck_assert_int_eq(env->priv, PRV_S);
}
END_TEST

START_TEST(test_debug_walk_follows_privilege)
{
    map_page(0x40001000, RAM_BASE + 0x5000, PTE_R, 0);
    enable_sv39_in_s_mode();
    uint64_t pa = 0;
    /* M-mode: satp does not apply, the address is physical. */
    env->priv = PRV_M;
    ck_assert(debug_translate(0x40001000, &pa));
    ck_assert_uint_eq(pa, 0x40001000);
    /* M with MPRV and MPP=S: data accesses go through satp, so does x. */
    env->mstatus |= MSTATUS_MPRV | ((uint64_t)PRV_S << MSTATUS_MPP_SHIFT);
    ck_assert(debug_translate(0x40001000, &pa));
    ck_assert_uint_eq(pa, RAM_BASE + 0x5000);
    /* Bare: identity in S too. */
    env->mstatus &= ~MSTATUS_MPRV;
    env->priv = PRV_S;
    env->satp = 0;
    ck_assert(debug_translate(0x1234, &pa));
    ck_assert_uint_eq(pa, 0x1234);
}
END_TEST

/* ---- the debugger interface (CPUClass.debug_ops, cpu_memory_rw_debug) ---- */

static uint64_t read_reg(int n, int expect_size)
{
    const CPUDebugOps *d = CPU_GET_CLASS(cpu)->debug_ops;
    GByteArray *buf = g_byte_array_new();
    ck_assert_int_eq(d->gdb_read_register(CPU(cpu), buf, n), expect_size);
    uint64_t v = 0;
    for (int i = 0; i < expect_size; i++) {
        v |= (uint64_t)buf->data[i] << (8 * i);
    }
    g_byte_array_unref(buf);
    return v;
}

static int write_reg(int n, uint64_t v, size_t len)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    return CPU_GET_CLASS(cpu)->debug_ops->gdb_write_register(CPU(cpu), b, len, n);
}

START_TEST(test_gdb_registers_by_number)
{
    env->gpr[5] = 0x1122334455667788ull;
    env->pc = 0x80000abcull;
    env->fpr[3] = 0xfff0000012345678ull;
    ck_assert_uint_eq(read_reg(5, 8), 0x1122334455667788ull);
    ck_assert_uint_eq(read_reg(32, 8), 0x80000abcull);
    ck_assert_uint_eq(read_reg(33 + 3, 8), 0xfff0000012345678ull);
    /* CSRs at 65 + number, whatever the privilege; priv at 4161. */
    env->priv = PRV_U;
    env->mscratch = 0xabcdef;
    ck_assert_uint_eq(read_reg(65 + 0x340, 8), 0xabcdef);
    ck_assert_uint_eq(read_reg(4161, 8), PRV_U);
    ck_assert_int_eq(write_reg(65 + 0x340, 42, 8), 8);
    ck_assert_uint_eq(env->mscratch, 42);
    ck_assert_int_eq(write_reg(4161, PRV_M, 8), 8);
    ck_assert_int_eq(env->priv, PRV_M);
    ck_assert_int_eq(write_reg(4161, 2, 8), 0);          /* reserved privilege */
    /* fcsr is 32 bits wide. */
    ck_assert_int_eq(write_reg(65 + 3, 0x61, 4), 4);
    ck_assert_uint_eq(read_reg(65 + 3, 4), 0x61);
    /* x0 stays zero; short buffers and unknown numbers are refused. */
    ck_assert_int_eq(write_reg(0, 7, 8), 8);
    ck_assert_uint_eq(read_reg(0, 8), 0);
    ck_assert_int_eq(write_reg(10, 7, 4), 0);
    ck_assert_int_eq(write_reg(65 + 0x7ff, 1, 8), 0);     /* no such CSR */
    GByteArray *buf = g_byte_array_new();
    ck_assert_int_eq(CPU_GET_CLASS(cpu)->debug_ops->gdb_read_register(CPU(cpu), buf, 5000), 0);
    ck_assert_uint_eq(buf->len, 0);
    g_byte_array_unref(buf);
}
END_TEST

START_TEST(test_gdb_target_description)
{
    const CPUDebugOps *d = CPU_GET_CLASS(cpu)->debug_ops;
    const char *target = d->gdb_xml(CPU(cpu), "target.xml");
    ck_assert_ptr_nonnull(target);
    ck_assert_ptr_nonnull(strstr(target, "<architecture>riscv:rv64</architecture>"));
    ck_assert_ptr_nonnull(strstr(target, "href=\"riscv-64bit-fpu.xml\""));
    const char *cpu_xml = d->gdb_xml(CPU(cpu), "riscv-64bit-cpu.xml");
    ck_assert_ptr_nonnull(strstr(cpu_xml, "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"2\"/>"));
    const char *csr_xml = d->gdb_xml(CPU(cpu), "riscv-64bit-csr.xml");
    ck_assert_ptr_nonnull(strstr(csr_xml, "<reg name=\"mstatus\" bitsize=\"64\" regnum=\"833\""));
    ck_assert_ptr_null(strstr(csr_xml, "\"fcsr\""));   /* in the fpu feature */
    ck_assert_ptr_nonnull(strstr(csr_xml, "\"pmpaddr15\""));
    ck_assert_ptr_nonnull(strstr(d->gdb_xml(CPU(cpu), "riscv-64bit-virtual.xml"),
                                 "regnum=\"4161\""));
    ck_assert_ptr_null(d->gdb_xml(CPU(cpu), "../etc/passwd"));
}
END_TEST

START_TEST(test_memory_rw_debug_through_mmu)
{
    map_page(0x40001000, RAM_BASE + 0x5000, PTE_R, 0);
    map_page(0x40002000, RAM_BASE + 0x9000, PTE_R, 0);
    enable_sv39_in_s_mode();
    /* A write crossing the two virtual pages lands in both physical pages. */
    const char msg[] = "across pages";
    ck_assert(cpu_memory_rw_debug(CPU(cpu), 0x40001ffa, (void *)msg, sizeof(msg), true));
    char back[sizeof(msg)] = { 0 };
    ck_assert(cpu_memory_rw_debug(CPU(cpu), 0x40001ffa, back, sizeof(back), false));
    ck_assert_str_eq(back, msg);
    uint64_t v = 0;
    ck_assert_int_eq(address_space_read(&as, RAM_BASE + 0x9000, &v, 1), MEMTX_OK);
    ck_assert_uint_eq(v, (uint8_t)msg[6]);
    /* Unmapped virtual page, or nothing behind the physical one. */
    ck_assert(!cpu_memory_rw_debug(CPU(cpu), 0x40003000, back, 4, false));
    env->priv = PRV_M;
    ck_assert(!cpu_memory_rw_debug(CPU(cpu), 0x10000000, back, 4, false));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("riscv-mmu-debug");
    TCase *tc = tcase_create("/riscv/mmu/debug-translate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_debug_walk_translates_without_side_effects);
    tcase_add_test(tc, test_debug_walk_ignores_permissions);
    tcase_add_test(tc, test_debug_walk_superpage_and_failures);
    tcase_add_test(tc, test_debug_walk_follows_privilege);
    suite_add_tcase(s, tc);
    tc = tcase_create("/riscv/debug/gdb");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_gdb_registers_by_number);
    tcase_add_test(tc, test_gdb_target_description);
    tcase_add_test(tc, test_memory_rw_debug_through_mmu);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
