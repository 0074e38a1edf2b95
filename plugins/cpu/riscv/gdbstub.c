/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V debugger interface (CPUClass.debug_ops): registers numbered
 * as GDB numbers them and the target description in GDB's XML form.
 *
 *   0..31      x0..x31          feature org.gnu.gdb.riscv.cpu
 *   32         pc
 *   33..64     f0..f31          feature org.gnu.gdb.riscv.fpu (F/D only)
 *   65 + csr   every CSR the hart has (fflags, frm, fcsr: 66..68, listed in
 *              the fpu feature; the rest in org.gnu.gdb.riscv.csr)
 *   4161       priv             feature org.gnu.gdb.riscv.virtual
 * Values are little-endian, 64 bits (fflags, frm, fcsr: 32).
 */
#include "plugins/cpu/riscv/cpu.h"

#include <string.h>

#define GDB_PC 32
#define GDB_F0 33
#define GDB_CSR0 65
#define GDB_PRIV (GDB_CSR0 + 4096)
#define GDB_NUM_REGS (GDB_PRIV + 1)

#define XML_HEAD "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n"

static bool has_fpu(RISCVCPU *cpu)
{
    return riscv_has_ext(cpu, RISCV_EXT_F);
}

static char *xml_cpu(void)
{
    GString *x = g_string_new(XML_HEAD "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (int i = 0; i < 32; i++) {
        const char *type = i == 2 || i == 8 ? "data_ptr" : i == 1 ? "code_ptr" : "int";
        g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%d\"/>\n",
                               riscv_gpr_names[i], type, i);
    }
    g_string_append_printf(x, "  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"%d\"/>\n"
                           "</feature>\n", GDB_PC);
    return g_string_free(x, false);
}

static char *xml_fpu(void)
{
    GString *x = g_string_new(XML_HEAD "<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"64\" type=\"ieee_double\""
                               " regnum=\"%d\"/>\n", riscv_fpr_names[i], GDB_F0 + i);
    }
    static const char *const fcsrs[] = { "fflags", "frm", "fcsr" };
    for (int i = 0; i < 3; i++) {
        g_string_append_printf(x, "  <reg name=\"%s\" bitsize=\"32\" type=\"int\" regnum=\"%d\""
                               " group=\"float\"/>\n", fcsrs[i], GDB_CSR0 + 1 + i);
    }
    g_string_append(x, "</feature>\n");
    return g_string_free(x, false);
}

static char *xml_csr(RISCVCPU *cpu)
{
    GString *body = g_string_new(NULL);
    riscv_csr_gdb_xml(cpu, body, GDB_CSR0);
    GString *x = g_string_new(XML_HEAD "<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    /* fflags, frm and fcsr are in the fpu feature. */
    gchar **lines = g_strsplit(body->str, "\n", -1);
    for (gchar **l = lines; *l && **l; l++) {
        if (!strstr(*l, "\"fflags\"") && !strstr(*l, "\"frm\"") && !strstr(*l, "\"fcsr\"")) {
            g_string_append_printf(x, "%s\n", *l);
        }
    }
    g_strfreev(lines);
    g_string_free(body, true);
    g_string_append(x, "</feature>\n");
    return g_string_free(x, false);
}

static char *xml_virtual(void)
{
    return g_strdup_printf(XML_HEAD "<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
                           "  <reg name=\"priv\" bitsize=\"64\" regnum=\"%d\"/>\n"
                           "</feature>\n", GDB_PRIV);
}

static char *xml_target(RISCVCPU *cpu)
{
    return g_strdup_printf("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                           "<target>\n  <architecture>riscv:rv64</architecture>\n"
                           "  <xi:include href=\"riscv-64bit-cpu.xml\"/>\n%s"
                           "  <xi:include href=\"riscv-64bit-csr.xml\"/>\n"
                           "  <xi:include href=\"riscv-64bit-virtual.xml\"/>\n</target>\n",
                           has_fpu(cpu) ? "  <xi:include href=\"riscv-64bit-fpu.xml\"/>\n" : "");
}

static const char *riscv_gdb_xml(CPUState *cs, const char *annex)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    if (!cpu->gdb_xml) {
        cpu->gdb_xml = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
        g_hash_table_insert(cpu->gdb_xml, "target.xml", xml_target(cpu));
        g_hash_table_insert(cpu->gdb_xml, "riscv-64bit-cpu.xml", xml_cpu());
        g_hash_table_insert(cpu->gdb_xml, "riscv-64bit-csr.xml", xml_csr(cpu));
        g_hash_table_insert(cpu->gdb_xml, "riscv-64bit-virtual.xml", xml_virtual());
        if (has_fpu(cpu)) {
            g_hash_table_insert(cpu->gdb_xml, "riscv-64bit-fpu.xml", xml_fpu());
        }
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

/* Register @n's width in bytes, or 0 when the hart has no such register. */
static int reg_size(RISCVCPU *cpu, int n)
{
    if (n >= 0 && n <= GDB_PC) {
        return 8;
    }
    if (n >= GDB_F0 && n < GDB_F0 + 32) {
        return has_fpu(cpu) ? 8 : 0;
    }
    if (n >= GDB_CSR0 + 1 && n <= GDB_CSR0 + 3) {
        return has_fpu(cpu) ? 4 : 0;
    }
    if (n == GDB_PRIV) {
        return 8;
    }
    uint64_t v;
    return n > GDB_CSR0 && n < GDB_PRIV &&
                   riscv_csr_debug_access(cpu, n - GDB_CSR0, &v, false) == RISCV_CSR_OK
               ? 8 : 0;
}

static int riscv_gdb_read_register(CPUState *cs, GByteArray *buf, int n)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    CPURISCVState *env = &cpu->env;
    int size = reg_size(cpu, n);
    uint64_t v = 0;
    if (!size) {
        return 0;
    }
    if (n < 32) {
        v = env->gpr[n];
    } else if (n == GDB_PC) {
        v = env->pc;
    } else if (n < GDB_F0 + 32) {
        v = env->fpr[n - GDB_F0];
    } else if (n == GDB_PRIV) {
        v = (uint64_t)env->priv;
    } else {
        riscv_csr_debug_access(cpu, n - GDB_CSR0, &v, false);
    }
    append_le(buf, v, size);
    return size;
}

static int riscv_gdb_write_register(CPUState *cs, const uint8_t *buf, size_t len, int n)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    CPURISCVState *env = &cpu->env;
    int size = reg_size(cpu, n);
    if (!size || len < (size_t)size) {
        return 0;
    }
    uint64_t v = get_le(buf, size);
    if (n < 32) {
        if (n) {
            env->gpr[n] = v;    /* x0 stays zero */
        }
    } else if (n == GDB_PC) {
        env->pc = v;
    } else if (n < GDB_F0 + 32) {
        env->fpr[n - GDB_F0] = v;
    } else if (n == GDB_PRIV) {
        if (v != PRV_U && v != PRV_S && v != PRV_M) {
            return 0;
        }
        riscv_cpu_set_priv(cpu, (int)v);
    } else if (riscv_csr_debug_access(cpu, n - GDB_CSR0, &v, true) != RISCV_CSR_OK) {
        return 0;
    }
    return size;
}

static uint64_t riscv_gdb_get_pc(CPUState *cs)
{
    return RISCV_CPU(cs)->env.pc;
}

static void riscv_gdb_set_pc(CPUState *cs, uint64_t pc)
{
    RISCV_CPU(cs)->env.pc = pc;
}

const CPUDebugOps riscv_debug_ops = {
    .gdb_arch = "riscv:rv64",
    .gdb_num_regs = GDB_NUM_REGS,
    .gdb_xml = riscv_gdb_xml,
    .gdb_read_register = riscv_gdb_read_register,
    .gdb_write_register = riscv_gdb_write_register,
    .get_pc = riscv_gdb_get_pc,
    .set_pc = riscv_gdb_set_pc,
};
