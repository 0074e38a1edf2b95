/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 system-register table (plugins/cpu/arm/sysreg.def), read
 * here with macros of its own: encodings are unique and well formed, names
 * are unique, field rows name 64-bit fields of the CPU state, system
 * instructions (op0 = 1) are write-only, what EL0 may reach is exactly the
 * architected EL0 set, and a sample of encodings matches the Arm ARM.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/cpu/arm/cpu.h"

enum {
    SRF_DUMP = 1 << 0,
    SRF_END_TB = 1 << 1,
    SRF_WO = 1 << 2,
    SRF_EL0RO = 1 << 3,
    SRF_FP = 1 << 4,
    SRF_PAUTH = 1 << 5,
    SRF_UAO = 1 << 6,
    SRF_VHE = 1 << 7,
    SRF_RNG = 1 << 8,
};

typedef struct Row {
    const char *name;
    uint32_t enc;
    unsigned op0, op1, crn, crm, op2;
    int min_el;
    unsigned flags;
    size_t field_size;         /* 0: not a field row */
    bool has_read;
} Row;

#define R_(NAME, o0, o1, n, m, o2, el, fl, fsz, rd) \
    { #NAME, ARM_SYSREG_ENC(o0, o1, n, m, o2), o0, o1, n, m, o2, el, fl, fsz, rd },
#define FSIZE(f) sizeof(((CPUARMState *)0)->f)
#define SR_F(NAME, o0, o1, n, m, o2, el, fl, field, wmask) R_(NAME, o0, o1, n, m, o2, el, fl, FSIZE(field), true)
#define SR_FX(NAME, o0, o1, n, m, o2, el, fl, field, wr) R_(NAME, o0, o1, n, m, o2, el, fl, FSIZE(field), true)
#define SR_I(NAME, o0, o1, n, m, o2, el, fl, field) R_(NAME, o0, o1, n, m, o2, el, fl, 0, true)
#define SR_C(NAME, o0, o1, n, m, o2, el, fl, val) R_(NAME, o0, o1, n, m, o2, el, fl, 0, true)
#define SR_X(NAME, o0, o1, n, m, o2, el, fl, rd, wr, acc) R_(NAME, o0, o1, n, m, o2, el, fl, 0, #rd[0] != 'N')
#define SR_N(NAME, o0, o1, n, m, o2, el, fl) R_(NAME, o0, o1, n, m, o2, el, fl, 0, !((fl) & SRF_WO))

static const Row rows[] = {
#include "plugins/cpu/arm/sysreg.def"
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const Row *find(const char *name)
{
    for (size_t i = 0; i < NROWS; i++) {
        if (!strcmp(rows[i].name, name)) {
            return &rows[i];
        }
    }
    return NULL;
}

START_TEST(test_unique_and_well_formed)
{
    ck_assert_uint_gt(NROWS, 100);
    for (size_t i = 0; i < NROWS; i++) {
        const Row *r = &rows[i];
        ck_assert_msg(r->op0 >= 1 && r->op0 <= 3 && r->op1 < 8 && r->crn < 16 && r->crm < 16 &&
                      r->op2 < 8, "%s: field out of range", r->name);
        ck_assert_msg(r->min_el >= 0 && r->min_el <= 2, "%s: min_el %d", r->name, r->min_el);
        for (size_t j = i + 1; j < NROWS; j++) {
            ck_assert_msg(rows[j].enc != r->enc, "%s and %s share an encoding", r->name,
                          rows[j].name);
            ck_assert_msg(strcmp(rows[j].name, r->name), "%s listed twice", r->name);
        }
        if (r->field_size) {
            ck_assert_msg(r->field_size == 8, "%s: field is %zu bytes", r->name, r->field_size);
        }
    }
}
END_TEST

START_TEST(test_system_instructions_write_only)
{
    for (size_t i = 0; i < NROWS; i++) {
        const Row *r = &rows[i];
        if (r->op0 == 1) {
            ck_assert_msg(r->flags & SRF_WO, "%s: system instruction not write-only", r->name);
            ck_assert_msg(!r->has_read, "%s: system instruction has a read", r->name);
        }
        /* The op1 = 4 space belongs to EL2. */
        if (r->op1 == 4) {
            ck_assert_msg(r->min_el == 2, "%s: op1 = 4 but min_el %d", r->name, r->min_el);
        }
        /* EL1 registers (op1 = 0, op0 = 3) are not reachable from EL0. */
        if (r->op0 == 3 && r->op1 == 0) {
            ck_assert_msg(r->min_el >= 1, "%s: EL1 register open to EL0", r->name);
        }
    }
}
END_TEST

START_TEST(test_el0_set)
{
    static const char *const el0[] = {
        "CTR_EL0", "DCZID_EL0", "NZCV", "TPIDR_EL0", "TPIDRRO_EL0", "CNTFRQ_EL0",
        "CNTPCT_EL0", "CNTVCT_EL0", "CNTP_TVAL_EL0", "CNTP_CTL_EL0", "CNTP_CVAL_EL0",
        "CNTV_TVAL_EL0", "CNTV_CTL_EL0", "CNTV_CVAL_EL0", "IC_IVAU", "DC_ZVA", "DC_CVAC",
        "DC_CVAU", "DC_CVAP", "DC_CIVAC", "FPCR", "FPSR", "PMCR_EL0", "PMCNTENSET_EL0",
        "PMCNTENCLR_EL0", "PMOVSCLR_EL0", "PMSWINC_EL0", "PMSELR_EL0", "PMCEID0_EL0",
        "PMCEID1_EL0", "PMCCNTR_EL0", "PMUSERENR_EL0", "PMOVSSET_EL0", "PMCCFILTR_EL0",
        "RNDR", "RNDRRS",
    };
    size_t n = 0;
    for (size_t i = 0; i < NROWS; i++) {
        if (rows[i].min_el == 0) {
            bool listed = false;
            for (size_t j = 0; j < sizeof(el0) / sizeof(el0[0]); j++) {
                listed |= !strcmp(el0[j], rows[i].name);
            }
            ck_assert_msg(listed, "%s reachable from EL0", rows[i].name);
            n++;
        }
    }
    ck_assert_uint_eq(n, sizeof(el0) / sizeof(el0[0]));
    ck_assert(find("TPIDRRO_EL0")->flags & SRF_EL0RO);
    ck_assert(find("CNTFRQ_EL0")->flags & SRF_EL0RO);
    /* The FP registers obey the FP access traps, and only they do. */
    for (size_t i = 0; i < NROWS; i++) {
        bool fp = !strcmp(rows[i].name, "FPCR") || !strcmp(rows[i].name, "FPSR");
        ck_assert_msg(!(rows[i].flags & SRF_FP) == !fp, "%s: SRF_FP", rows[i].name);
    }
}
END_TEST

/* Encodings from the Arm ARM (op0, op1, CRn, CRm, op2). */
START_TEST(test_arm_arm_encodings)
{
    static const struct {
        const char *name;
        unsigned op0, op1, crn, crm, op2;
    } want[] = {
        { "MIDR_EL1", 3, 0, 0, 0, 0 },      { "MPIDR_EL1", 3, 0, 0, 0, 5 },
        { "ISR_EL1", 3, 0, 12, 1, 0 },      { "APIAKEYLO_EL1", 3, 0, 2, 1, 0 },
        { "APDBKEYHI_EL1", 3, 0, 2, 2, 3 }, { "APGAKEYHI_EL1", 3, 0, 2, 3, 1 },
        { "AT_S12E1R", 1, 4, 7, 8, 4 },     { "AT_S12E0W", 1, 4, 7, 8, 7 },
        { "VTTBR_EL2", 3, 4, 2, 1, 0 },     { "HPFAR_EL2", 3, 4, 6, 0, 4 },
        { "ID_AA64PFR0_EL1", 3, 0, 0, 4, 0 }, { "ID_AA64ISAR0_EL1", 3, 0, 0, 6, 0 },
        { "ID_AA64MMFR0_EL1", 3, 0, 0, 7, 0 }, { "SCTLR_EL1", 3, 0, 1, 0, 0 },
        { "CPACR_EL1", 3, 0, 1, 0, 2 },     { "TTBR0_EL1", 3, 0, 2, 0, 0 },
        { "TTBR1_EL1", 3, 0, 2, 0, 1 },     { "TCR_EL1", 3, 0, 2, 0, 2 },
        { "SPSR_EL1", 3, 0, 4, 0, 0 },      { "ELR_EL1", 3, 0, 4, 0, 1 },
        { "SP_EL0", 3, 0, 4, 1, 0 },        { "SPSEL", 3, 0, 4, 2, 0 },
        { "CURRENTEL", 3, 0, 4, 2, 2 },     { "PAN", 3, 0, 4, 2, 3 },
        { "NZCV", 3, 3, 4, 2, 0 },          { "DAIF", 3, 3, 4, 2, 1 },
        { "ESR_EL1", 3, 0, 5, 2, 0 },       { "FAR_EL1", 3, 0, 6, 0, 0 },
        { "PAR_EL1", 3, 0, 7, 4, 0 },       { "MAIR_EL1", 3, 0, 10, 2, 0 },
        { "VBAR_EL1", 3, 0, 12, 0, 0 },     { "TPIDR_EL0", 3, 3, 13, 0, 2 },
        { "CNTFRQ_EL0", 3, 3, 14, 0, 0 },   { "CNTVCT_EL0", 3, 3, 14, 0, 2 },
        { "CNTV_CTL_EL0", 3, 3, 14, 3, 1 }, { "CNTKCTL_EL1", 3, 0, 14, 1, 0 },
        { "HCR_EL2", 3, 4, 1, 1, 0 },       { "VBAR_EL2", 3, 4, 12, 0, 0 },
        { "ESR_EL2", 3, 4, 5, 2, 0 },       { "CNTVOFF_EL2", 3, 4, 14, 0, 3 },
        { "DC_ZVA", 1, 3, 7, 4, 1 },        { "IC_IVAU", 1, 3, 7, 5, 1 },
        { "AT_S1E1R", 1, 0, 7, 8, 0 },      { "TLBI_VMALLE1IS", 1, 0, 8, 3, 0 },
        { "TLBI_VAE1", 1, 0, 8, 7, 1 },     { "TLBI_ALLE2", 1, 4, 8, 7, 0 },
        { "MDSCR_EL1", 2, 0, 0, 2, 2 },     { "OSLAR_EL1", 2, 0, 1, 0, 4 },
        { "FPCR", 3, 3, 4, 4, 0 },          { "FPSR", 3, 3, 4, 4, 1 },
        { "PMCR_EL0", 3, 3, 9, 12, 0 },     { "PMCCNTR_EL0", 3, 3, 9, 13, 0 },
        { "PMCCFILTR_EL0", 3, 3, 14, 15, 7 }, { "PMUSERENR_EL0", 3, 3, 9, 14, 0 },
        { "PMINTENSET_EL1", 3, 0, 9, 14, 1 }, { "PMOVSSET_EL0", 3, 3, 9, 14, 3 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const Row *r = find(want[i].name);
        ck_assert_msg(r, "%s missing", want[i].name);
        ck_assert_msg(r->enc == ARM_SYSREG_ENC(want[i].op0, want[i].op1, want[i].crn,
                                               want[i].crm, want[i].op2),
                      "%s: wrong encoding", want[i].name);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("arm-sysreg");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_unique_and_well_formed);
    tcase_add_test(tc, test_system_instructions_write_only);
    tcase_add_test(tc, test_el0_set);
    tcase_add_test(tc, test_arm_arm_encodings);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
