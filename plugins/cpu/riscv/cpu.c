/* SPDX-License-Identifier: MIT */
/*
 * RISC-V CPU types: "riscv-cpu" (abstract), "rv64-riscv-cpu" and
 * "max-riscv-cpu" (RV64GC + Zba/Zbb/Zbc/Zbs, Sstc, Svpbmt, M/S/U modes,
 * Sv39/48/57, 16 PMP entries).
 *
 * Properties: hartid, resetvec (0x1000), timebase-frequency (10 MHz),
 * satp-mode ("sv39", "sv48", "sv57"; default sv57), bool extension
 * toggles m a f d c zba zbb zbc zbs sstc svpbmt and pmp; read-only
 * isa-string and mmu-type.
 * IRQ inputs: 16 level-sensitive pins; pin n drives mip bit n (1 SSIP,
 * 3 MSIP, 5 STIP, 7 MTIP, 9 SEIP, 11 MEIP).  The external SEIP line is
 * ORed with the software-writable SEIP bit.
 * time = CLOCK_VIRTUAL ns * timebase-frequency / 1e9, as the CLINT computes
 * mtime; Sstc's stimecmp is compared against it with a timer.
 */
#include <inttypes.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "plugins/cpu/riscv/cpu.h"
#include "plugins/cpu/riscv/fpu.h"

#define RISCV_DEFAULT_RESETVEC 0x1000
#define RISCV_DEFAULT_TIMEBASE 10000000
#define MISA_MXL_64 (2ull << 62)

static const char *const gpr_abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
};

/* ---- time, mip, interrupts ------------------------------------------------- */

uint64_t riscv_cpu_get_time(RISCVCPU *cpu)
{
    unsigned __int128 ns = (uint64_t)clock_get_ns(CLOCK_VIRTUAL);
    return (uint64_t)(ns * cpu->timebase_freq / NANOSECONDS_PER_SECOND);
}

uint64_t riscv_cpu_read_mip(RISCVCPU *cpu)
{
    uint64_t sw = __atomic_load_n(&cpu->env.mip, __ATOMIC_SEQ_CST);
    uint64_t lines = __atomic_load_n(&cpu->irq_lines, __ATOMIC_SEQ_CST);
    if (cpu->env.menvcfg & ENVCFG_STCE) {
        /* Sstc owns STIP: the software bit is ignored. */
        sw = (sw & ~MIP_STIP) | __atomic_load_n(&cpu->sstc_stip, __ATOMIC_SEQ_CST);
    }
    return sw | lines;
}

void riscv_cpu_update_interrupts(RISCVCPU *cpu)
{
    CPUState *cs = riscv_cpu_cs(cpu);
    /* Clear first, then re-check: a concurrent update from another thread
     * always ends with a check that sees its own line change. */
    cpu_reset_interrupt(cs, RISCV_INTERRUPT_HARD);
    if (riscv_cpu_read_mip(cpu) & cpu->env.mie) {
        cpu_interrupt(cs, RISCV_INTERRUPT_HARD);
    }
}

/* Every interrupt line change: no checked cast (its type-name compares
 * showed in profiles); @opaque is the CPU's DeviceState, first in CPUState. */
static void riscv_cpu_irq_handler(void *opaque, int n, int level)
{
    RISCVCPU *cpu = riscv_cs_cpu((CPUState *)((char *)opaque - offsetof(CPUState, parent_obj)));
    uint64_t bit = 1ull << n;
    if (level) {
        __atomic_fetch_or(&cpu->irq_lines, bit, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(&cpu->irq_lines, ~bit, __ATOMIC_SEQ_CST);
    }
    riscv_cpu_update_interrupts(cpu);
}

static void update_stimecmp_locked(RISCVCPU *cpu)
{
    CPURISCVState *env = &cpu->env;
    if (!riscv_has_ext(cpu, RISCV_EXT_SSTC) || !(env->menvcfg & ENVCFG_STCE)) {
        __atomic_store_n(&cpu->sstc_stip, 0, __ATOMIC_SEQ_CST);
        if (cpu->stimecmp_timer) {
            timer_del(cpu->stimecmp_timer);
        }
        return;
    }
    uint64_t now = riscv_cpu_get_time(cpu);
    if (now >= env->stimecmp) {
        __atomic_store_n(&cpu->sstc_stip, MIP_STIP, __ATOMIC_SEQ_CST);
        if (cpu->stimecmp_timer) {
            timer_del(cpu->stimecmp_timer);
        }
    } else {
        __atomic_store_n(&cpu->sstc_stip, 0, __ATOMIC_SEQ_CST);
        /* First ns at which time >= stimecmp. */
        unsigned __int128 t = (unsigned __int128)env->stimecmp * NANOSECONDS_PER_SECOND;
        unsigned __int128 ns = (t + cpu->timebase_freq - 1) / cpu->timebase_freq;
        if (cpu->stimecmp_timer) {
            timer_mod_ns(cpu->stimecmp_timer, ns > INT64_MAX ? INT64_MAX : (int64_t)ns);
        }
    }
}

void riscv_cpu_update_stimecmp(RISCVCPU *cpu)
{
    g_mutex_lock(&cpu->stimecmp_lock);
    update_stimecmp_locked(cpu);
    g_mutex_unlock(&cpu->stimecmp_lock);
    riscv_cpu_update_interrupts(cpu);
}

static void riscv_cpu_stimecmp_expired(void *opaque)
{
    riscv_cpu_update_stimecmp(opaque);   /* the RISCVCPU given to timer_new_ns */
}

static bool riscv_cpu_has_work(CPUState *cs)
{
    RISCVCPU *cpu = riscv_cs_cpu(cs);
    return (riscv_cpu_read_mip(cpu) & cpu->env.mie) != 0;
}

/* ---- ISA description ---------------------------------------------------------- */

typedef struct RISCVExtName {
    const char *name;
    size_t offset;     /* bool field in RISCVCPU, or 0 for always present */
} RISCVExtName;

static const RISCVExtName multi_letter_exts[] = {
    { .name = "zicsr" },
    { .name = "zifencei" },
    { .name = "zba", .offset = offsetof(RISCVCPU, ext_zba) },
    { .name = "zbb", .offset = offsetof(RISCVCPU, ext_zbb) },
    { .name = "zbc", .offset = offsetof(RISCVCPU, ext_zbc) },
    { .name = "zbs", .offset = offsetof(RISCVCPU, ext_zbs) },
    { .name = "sstc", .offset = offsetof(RISCVCPU, ext_sstc) },
    { .name = "svpbmt", .offset = offsetof(RISCVCPU, ext_svpbmt) },
};

static bool ext_field(RISCVCPU *cpu, size_t offset)
{
    return offset == 0 || *(bool *)((char *)cpu + offset);
}

char *riscv_cpu_isa_string(RISCVCPU *cpu)
{
    GString *s = g_string_new("rv64i");
    if (cpu->ext_m) {
        g_string_append_c(s, 'm');
    }
    if (cpu->ext_a) {
        g_string_append_c(s, 'a');
    }
    if (cpu->ext_f) {
        g_string_append_c(s, 'f');
    }
    if (cpu->ext_d) {
        g_string_append_c(s, 'd');
    }
    if (cpu->ext_c) {
        g_string_append_c(s, 'c');
    }
    for (size_t i = 0; i < G_N_ELEMENTS(multi_letter_exts); i++) {
        if (ext_field(cpu, multi_letter_exts[i].offset)) {
            g_string_append_printf(s, "_%s", multi_letter_exts[i].name);
        }
    }
    return g_string_free(s, false);
}

static int satp_mode_from_str(const char *s)
{
    if (!s || !strcmp(s, "sv57")) {
        return SATP_MODE_SV57;
    }
    if (!strcmp(s, "sv48")) {
        return SATP_MODE_SV48;
    }
    if (!strcmp(s, "sv39")) {
        return SATP_MODE_SV39;
    }
    return -1;
}

static const char *mmu_type_name(int mode)
{
    switch (mode) {
    case SATP_MODE_SV39:
        return "riscv,sv39";
    case SATP_MODE_SV48:
        return "riscv,sv48";
    default:
        return "riscv,sv57";
    }
}

static GVariant *riscv_cpu_get_isa_string(Object *obj, Property *prop)
{
    g_autofree char *s = riscv_cpu_isa_string(RISCV_CPU(obj));
    return g_variant_new_string(s);
}

static GVariant *riscv_cpu_get_mmu_type(Object *obj, Property *prop)
{
    int mode = satp_mode_from_str(RISCV_CPU(obj)->satp_mode_str);
    return g_variant_new_string(mmu_type_name(mode < 0 ? SATP_MODE_SV57 : mode));
}

/* ---- reset, dump ------------------------------------------------------------ */

static uint64_t misa_from_ext(uint32_t ext)
{
    static const struct {
        uint32_t ext;
        char letter;
    } letters[] = {
        { RISCV_EXT_I, 'i' }, { RISCV_EXT_M, 'm' }, { RISCV_EXT_A, 'a' },
        { RISCV_EXT_F, 'f' }, { RISCV_EXT_D, 'd' }, { RISCV_EXT_C, 'c' },
        { RISCV_EXT_S, 's' }, { RISCV_EXT_U, 'u' },
    };
    uint64_t misa = MISA_MXL_64;
    for (size_t i = 0; i < G_N_ELEMENTS(letters); i++) {
        if (ext & letters[i].ext) {
            misa |= 1ull << (letters[i].letter - 'a');
        }
    }
    return misa;
}

void riscv_cpu_reset_state(RISCVCPU *cpu)
{
    CPURISCVState *env = &cpu->env;
    memset(env, 0, sizeof(*env));
    riscv_trigger_reset(env);
    env->pc = cpu->resetvec;
    env->priv = PRV_M;
    env->misa = misa_from_ext(cpu->ext);
    /* MIE and MPRV are zero at reset; UXL/SXL report 64 bits. */
    env->mstatus = XLEN_64 << MSTATUS_UXL_SHIFT;
    if (riscv_has_ext(cpu, RISCV_EXT_S)) {
        env->mstatus |= XLEN_64 << MSTATUS_SXL_SHIFT;
    }
    env->load_res = UINT64_MAX;
    env->mcycle_base = -(uint64_t)clock_get_ns(CLOCK_VIRTUAL);
    env->minstret_base = env->mcycle_base;
    __atomic_store_n(&cpu->sstc_stip, 0, __ATOMIC_SEQ_CST);
    if (cpu->stimecmp_timer) {
        timer_del(cpu->stimecmp_timer);
    }
}

static void riscv_cpu_reset(DeviceState *dev)
{
    RISCVCPU *cpu = RISCV_CPU(dev);
    CPUState *cs = CPU(dev);
    riscv_cpu_reset_state(cpu);
    cs->halted = false;
    riscv_cpu_update_interrupts(cpu);
}

static const char *priv_name(int priv)
{
    switch (priv) {
    case PRV_U:
        return "U";
    case PRV_S:
        return "S";
    default:
        return "M";
    }
}

static void riscv_cpu_dump_state(CPUState *cs, GString *out)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    CPURISCVState *env = &cpu->env;
    g_string_append_printf(out, " pc       %016" PRIx64 "  priv %s  hart %" PRIu64 "%s\n",
                           env->pc, priv_name(env->priv), cpu->hartid,
                           cs->halted ? "  (halted in wfi)" : "");
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(out, " x%-2d/%-4s %016" PRIx64 "%s", i, gpr_abi_names[i],
                               env->gpr[i], (i % 4) == 3 ? "\n" : "");
    }
    riscv_csr_dump(cpu, out);
    if (riscv_has_ext(cpu, RISCV_EXT_F)) {
        for (int i = 0; i < 32; i++) {
            g_string_append_printf(out, " f%-2d %016" PRIx64 "%s", i, env->fpr[i],
                                   (i % 4) == 3 ? "\n" : "");
        }
    }
}

/* ---- properties, realize ------------------------------------------------------ */

static const PropertyInfo riscv_cpu_props[] = {
    PROP_UINT64("hartid", RISCVCPU, hartid, 0, "Hart ID (mhartid)"),
    PROP_UINT64("resetvec", RISCVCPU, resetvec, RISCV_DEFAULT_RESETVEC, "Reset vector"),
    PROP_UINT64("timebase-frequency", RISCVCPU, timebase_freq, RISCV_DEFAULT_TIMEBASE,
                "Frequency of the time CSR in Hz"),
    PROP_STRING("satp-mode", RISCVCPU, satp_mode_str, NULL,
                "Largest satp mode: sv39, sv48 or sv57 (default)"),
    PROP_BOOL("m", RISCVCPU, ext_m, true, "M: integer multiply and divide"),
    PROP_BOOL("a", RISCVCPU, ext_a, true, "A: atomics"),
    PROP_BOOL("f", RISCVCPU, ext_f, true, "F: single-precision floating point"),
    PROP_BOOL("d", RISCVCPU, ext_d, true, "D: double-precision floating point"),
    PROP_BOOL("c", RISCVCPU, ext_c, true, "C: compressed instructions"),
    PROP_BOOL("zba", RISCVCPU, ext_zba, true, "Zba: address generation"),
    PROP_BOOL("zbb", RISCVCPU, ext_zbb, true, "Zbb: basic bit manipulation"),
    PROP_BOOL("zbc", RISCVCPU, ext_zbc, true, "Zbc: carry-less multiplication"),
    PROP_BOOL("zbs", RISCVCPU, ext_zbs, true, "Zbs: single-bit instructions"),
    PROP_BOOL("sstc", RISCVCPU, ext_sstc, true, "Sstc: supervisor timer compare"),
    PROP_BOOL("svpbmt", RISCVCPU, ext_svpbmt, true, "Svpbmt: page-based memory types"),
    PROP_BOOL("pmp", RISCVCPU, pmp, true, "Physical memory protection (16 entries)"),
    PROP_END
};

static bool riscv_cpu_realize(DeviceState *dev, GError **errp)
{
    RISCVCPU *cpu = RISCV_CPU(dev);
    int mode = satp_mode_from_str(cpu->satp_mode_str);
    if (mode < 0) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "satp-mode=%s: expected sv39, sv48 or sv57", cpu->satp_mode_str);
        return false;
    }
    if (cpu->ext_d && !cpu->ext_f) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "d=on requires f=on (D depends on F)");
        return false;
    }
    if (cpu->timebase_freq == 0) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                    "timebase-frequency=0: must be at least 1 Hz");
        return false;
    }
    cpu->max_satp_mode = mode;
    cpu->ext = RISCV_EXT_I | RISCV_EXT_S | RISCV_EXT_U | RISCV_EXT_ZICSR | RISCV_EXT_ZIFENCEI;
    const struct {
        bool on;
        uint32_t bit;
    } toggles[] = {
        { cpu->ext_m, RISCV_EXT_M }, { cpu->ext_a, RISCV_EXT_A },
        { cpu->ext_f, RISCV_EXT_F }, { cpu->ext_d, RISCV_EXT_D },
        { cpu->ext_c, RISCV_EXT_C }, { cpu->ext_zba, RISCV_EXT_ZBA },
        { cpu->ext_zbb, RISCV_EXT_ZBB }, { cpu->ext_zbc, RISCV_EXT_ZBC },
        { cpu->ext_zbs, RISCV_EXT_ZBS }, { cpu->ext_sstc, RISCV_EXT_SSTC },
        { cpu->ext_svpbmt, RISCV_EXT_SVPBMT },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(toggles); i++) {
        if (toggles[i].on) {
            cpu->ext |= toggles[i].bit;
        }
    }
    CPU(cpu)->index = (int)cpu->hartid;
    if (!cpu->stimecmp_timer) {
        cpu->stimecmp_timer = timer_new_ns(CLOCK_VIRTUAL, riscv_cpu_stimecmp_expired, cpu);
    }
    riscv_cpu_reset_state(cpu);
    return true;
}

static void riscv_cpu_unrealize(DeviceState *dev)
{
    RISCVCPU *cpu = RISCV_CPU(dev);
    if (cpu->stimecmp_timer) {
        timer_free(cpu->stimecmp_timer);
        cpu->stimecmp_timer = NULL;
    }
    g_mutex_clear(&cpu->stimecmp_lock);
}

static void riscv_cpu_instance_init(Object *obj)
{
    RISCVCPU *cpu = RISCV_CPU(obj);
    device_init_irq_in(DEVICE(obj), riscv_cpu_irq_handler, RISCV_NUM_IRQ_PINS);
    cpu->env.load_res = UINT64_MAX;
    g_mutex_init(&cpu->stimecmp_lock);
}

const char *const riscv_gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
};

const char *const riscv_fpr_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static void riscv_cpu_instance_finalize(Object *obj)
{
    RISCVCPU *cpu = RISCV_CPU(obj);
    if (cpu->stimecmp_timer) {
        timer_free(cpu->stimecmp_timer);
        cpu->stimecmp_timer = NULL;
    }
    if (cpu->gdb_xml) {
        g_hash_table_unref(cpu->gdb_xml);
    }
}

static void riscv_cpu_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    CPUClass *cc = CPU_CLASS(klass);
    dc->realize = riscv_cpu_realize;
    dc->unrealize = riscv_cpu_unrealize;
    dc->reset = riscv_cpu_reset;
    cc->dump_state = riscv_cpu_dump_state;
    cc->has_work = riscv_cpu_has_work;
    cc->debug_translate = riscv_cpu_debug_translate;
    cc->accel_ops = riscv_accel_ops;
    cc->debug_ops = &riscv_debug_ops;
    cc->disas_insn = riscv_cpu_disas_insn;
    cc->arch = "riscv64";
    object_class_add_field_properties(klass, riscv_cpu_props);
    Property *p = object_class_property_add(klass, "isa-string", PROP_KIND_STRING,
                                            riscv_cpu_get_isa_string, NULL, NULL);
    property_set_description(p, "ISA string of the enabled extensions (read-only)");
    p = object_class_property_add(klass, "mmu-type", PROP_KIND_STRING, riscv_cpu_get_mmu_type,
                                  NULL, NULL);
    property_set_description(p, "Device-tree mmu-type of the largest satp mode (read-only)");
}

static void riscv_cpu_max_class_init(ObjectClass *klass, const void *data)
{
    RISCV_CPU_CLASS(klass)->is_max = true;
    DEVICE_CLASS(klass)->desc = "RISC-V hart with every supported extension";
}

static void riscv_cpu_rv64_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->desc = "RISC-V RV64GC hart with Zba/Zbb/Zbc/Zbs, Sstc, Svpbmt";
}

/* ---- registration ------------------------------------------------------------------- */

static const TypeInfo riscv_cpu_types[] = {
    {
        .name = TYPE_RISCV_CPU,
        .parent = TYPE_CPU,
        .category = "cpu",
        .description = "RISC-V CPU (abstract base)",
        .target = "riscv64",
        .abstract = true,
        .instance_size = sizeof(RISCVCPU),
        .class_size = sizeof(RISCVCPUClass),
        .class_init = riscv_cpu_class_init,
        .instance_init = riscv_cpu_instance_init,
        .instance_finalize = riscv_cpu_instance_finalize,
    },
    {
        .name = TYPE_RISCV_CPU_RV64,
        .parent = TYPE_RISCV_CPU,
        .category = "cpu",
        .description = "RV64GC with Zba/Zbb/Zbc/Zbs, Sstc, Svpbmt; Sv39/48/57, PMP",
        .target = "riscv64",
        .class_init = riscv_cpu_rv64_class_init,
    },
    {
        .name = TYPE_RISCV_CPU_MAX,
        .parent = TYPE_RISCV_CPU,
        .category = "cpu",
        .description = "All extensions this emulator supports",
        .target = "riscv64",
        .class_init = riscv_cpu_max_class_init,
    },
};

TESSERA_MODULE(.name = "cpu-riscv", .kind = "cpu",
               .types = TESSERA_TYPES(&riscv_cpu_types[0],
                                           &riscv_cpu_types[1],
                                           &riscv_cpu_types[2]));
