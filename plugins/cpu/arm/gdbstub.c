/* SPDX-License-Identifier: MIT */
/*
 * The AArch64 debugger interface (CPUClass.debug_ops): registers numbered
 * as GDB numbers them and the target description in GDB's XML form.
 *
 *   0..30      x0..x30          feature org.gnu.gdb.aarch64.core
 *   31         sp
 *   32         pc
 *   33         cpsr (32 bits)
 *   34..65     v0..v31 (128 bits)  feature org.gnu.gdb.aarch64.fpu
 *   66, 67     fpsr, fpcr (32 bits)
 *   68 + i     row i of the system-register table (sysreg.def) that can be
 *              read, in feature org.tessera.aarch64.sysregs
 * Values are little-endian.
 */
#include <string.h>

#include "plugins/cpu/arm/cpu.h"

#define GDB_SP 31
#define GDB_PC 32
#define GDB_CPSR 33
#define GDB_V0 34
#define GDB_FPSR 66
#define GDB_FPCR 67
#define GDB_SYSREG0 68

#define XML_HEAD "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"

/* Table row behind register @n, or NULL. */
static const ARMSysregInfo *gdb_sysreg(ARMCPU *cpu, int n)
{
    size_t count;
    const ARMSysregInfo *t = arm_sysreg_table(&count);
    if (n < GDB_SYSREG0 || (size_t)(n - GDB_SYSREG0) >= count) {
        return NULL;
    }
    const ARMSysregInfo *ri = &t[n - GDB_SYSREG0];
    if (ri->wo || ri->kind == SR_NOP || (ri->kind == SR_FUNC && !ri->read) || ri->rng ||
        ri->min_el > arm_highest_el(cpu)) {
        return NULL;
    }
    return ri;
}

static char *xml_core(void)
{
    GString *x = g_string_new(XML_HEAD "<feature name=\"org.gnu.gdb.aarch64.core\">\n");
    for (int i = 0; i < 31; i++) {
        g_string_append_printf(x, "  <reg name=\"x%d\" bitsize=\"64\" regnum=\"%d\"/>\n", i, i);
    }
    g_string_append_printf(x, "  <reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"%d\"/>\n"
                              "  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"%d\"/>\n"
                              "  <reg name=\"cpsr\" bitsize=\"32\" regnum=\"%d\"/>\n"
                              "</feature>\n", GDB_SP, GDB_PC, GDB_CPSR);
    return g_string_free(x, false);
}

static char *xml_fpu(void)
{
    GString *x = g_string_new(XML_HEAD "<feature name=\"org.gnu.gdb.aarch64.fpu\">\n");
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(x, "  <reg name=\"v%d\" bitsize=\"128\" type=\"uint128\""
                               " regnum=\"%d\"/>\n", i, GDB_V0 + i);
    }
    g_string_append_printf(x, "  <reg name=\"fpsr\" bitsize=\"32\" regnum=\"%d\"/>\n"
                              "  <reg name=\"fpcr\" bitsize=\"32\" regnum=\"%d\"/>\n"
                              "</feature>\n", GDB_FPSR, GDB_FPCR);
    return g_string_free(x, false);
}

static char *xml_sysregs(ARMCPU *cpu)
{
    size_t count;
    const ARMSysregInfo *t = arm_sysreg_table(&count);
    GString *x = g_string_new(XML_HEAD "<feature name=\"org.tessera.aarch64.sysregs\">\n");
    for (size_t i = 0; i < count; i++) {
        if (gdb_sysreg(cpu, GDB_SYSREG0 + (int)i)) {
            g_autofree char *lower = g_ascii_strdown(t[i].name, -1);
            g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"64\" regnum=\"%d\""
                                   " group=\"system\"/>\n", lower, GDB_SYSREG0 + (int)i);
        }
    }
    g_string_append(x, "</feature>\n");
    return g_string_free(x, false);
}

static const char *arm_gdb_xml(CPUState *cs, const char *annex)
{
    ARMCPU *cpu = ARM_CPU(cs);
    if (!cpu->gdb_xml) {
        cpu->gdb_xml = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        g_hash_table_insert(cpu->gdb_xml, "target.xml",
                            g_strdup("<?xml version=\"1.0\"?>\n"
                                     "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                     "<target>\n  <architecture>aarch64</architecture>\n"
                                     "  <xi:include href=\"aarch64-core.xml\"/>\n"
                                     "  <xi:include href=\"aarch64-fpu.xml\"/>\n"
                                     "  <xi:include href=\"aarch64-sysregs.xml\"/>\n"
                                     "</target>\n"));
        g_hash_table_insert(cpu->gdb_xml, "aarch64-core.xml", xml_core());
        g_hash_table_insert(cpu->gdb_xml, "aarch64-fpu.xml", xml_fpu());
        g_hash_table_insert(cpu->gdb_xml, "aarch64-sysregs.xml", xml_sysregs(cpu));
    }
    return g_hash_table_lookup(cpu->gdb_xml, annex);
}

static void append_le(GByteArray *buf, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        g_byte_array_append(buf, &b, 1);
    }
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static int arm_gdb_read_register(CPUState *cs, GByteArray *buf, int n)
{
    ARMCPU *cpu = ARM_CPU(cs);
    CPUARMState *env = &cpu->env;
    if (n >= 0 && n <= GDB_SP) {
        append_le(buf, env->xregs[n], 8);
        return 8;
    }
    if (n == GDB_PC) {
        append_le(buf, env->pc, 8);
        return 8;
    }
    if (n == GDB_CPSR) {
        append_le(buf, arm_pstate_read(env), 4);
        return 4;
    }
    if (n >= GDB_V0 && n < GDB_V0 + 32) {
        append_le(buf, env->vregs[n - GDB_V0][0], 8);
        append_le(buf, env->vregs[n - GDB_V0][1], 8);
        return 16;
    }
    if (n == GDB_FPSR || n == GDB_FPCR) {
        append_le(buf, n == GDB_FPSR ? env->fpsr : env->fpcr, 4);
        return 4;
    }
    const ARMSysregInfo *ri = gdb_sysreg(cpu, n);
    if (!ri) {
        return 0;
    }
    append_le(buf, arm_sysreg_read(cpu, ri), 8);
    return 8;
}

static int arm_gdb_write_register(CPUState *cs, const uint8_t *buf, size_t len, int n)
{
    ARMCPU *cpu = ARM_CPU(cs);
    CPUARMState *env = &cpu->env;
    int size = n == GDB_CPSR || n == GDB_FPSR || n == GDB_FPCR ? 4
               : (n >= GDB_V0 && n < GDB_V0 + 32) ? 16 : 8;
    if (len < (size_t)size) {
        return 0;
    }
    uint64_t v = get_le(buf, size > 8 ? 8 : size);
    if (n >= 0 && n <= GDB_SP) {
        env->xregs[n] = v;
    } else if (n == GDB_PC) {
        env->pc = v;
    } else if (n >= GDB_V0 && n < GDB_V0 + 32) {
        env->vregs[n - GDB_V0][0] = v;
        env->vregs[n - GDB_V0][1] = get_le(buf + 8, 8);
    } else if (n == GDB_FPSR) {
        env->fpsr = v & 0x0800009fu;
    } else if (n == GDB_FPCR) {
        env->fpcr = v & 0x03c00000u;
    } else if (n == GDB_CPSR) {
        unsigned el = (v >> PSTATE_M_EL_SHIFT) & 3;
        if ((v & PSTATE_nRW) || (int)el > arm_highest_el(cpu)) {
            return 0;
        }
        arm_pmu_sync(cpu);
        arm_pstate_write(cpu, (uint32_t)v);
        arm_cpu_update_interrupts(cpu);
    } else {
        const ARMSysregInfo *ri = gdb_sysreg(cpu, n);
        if (!ri || ri->kind == SR_ID || ri->kind == SR_CONST || ri->kind == SR_FIELD_RO ||
            (ri->kind == SR_FUNC && !ri->write)) {
            return 0;
        }
        arm_sysreg_write(cpu, ri, v);
    }
    return size;
}

static uint64_t arm_gdb_get_pc(CPUState *cs)
{
    return ARM_CPU(cs)->env.pc;
}

static void arm_gdb_set_pc(CPUState *cs, uint64_t pc)
{
    ARM_CPU(cs)->env.pc = pc;
}

const CPUDebugOps arm_debug_ops = {
    .gdb_arch = "aarch64",
    .gdb_num_regs = GDB_SYSREG0 + ARM_SYSREG_COUNT,
    .gdb_xml = arm_gdb_xml,
    .gdb_read_register = arm_gdb_read_register,
    .gdb_write_register = arm_gdb_write_register,
    .get_pc = arm_gdb_get_pc,
    .set_pc = arm_gdb_set_pc,
};
