/* SPDX-License-Identifier: MIT */
/*
 * The toy CPU (see toy_cpu.h) and the harness that runs it on the engine.
 */
#include <stddef.h>
#include <string.h>

#include "kernel/core.h"
#include "kernel/module.h"
#include "tests/tcg/toy_cpu.h"

#define TYPE_TOY_CPU "toy-tcg-cpu"

/* Module descriptors of the engine and the interpreter, renamed at build. */
extern const TesseraModule tcg_accel_module_desc;
extern const TesseraModule tcg_interp_module_desc;

static ToyCPU *toy_cpu(CPUState *cpu)
{
    return (ToyCPU *)cpu;
}

static ToyEnv *toy_env(CPUState *cpu)
{
    return &toy_cpu(cpu)->env;
}

static CPUState *env_cpu(ToyEnv *env)
{
    return (CPUState *)((char *)env - offsetof(ToyCPU, env));
}

/* ---- helpers called from translated code ---------------------------------- */

static void helper_halt(uint64_t envp)
{
    ToyEnv *env = (ToyEnv *)(uintptr_t)envp;
    CPUState *cpu = env_cpu(env);
    cpu->halted = true;
    __atomic_store_n(&env->done, 1, __ATOMIC_SEQ_CST);
    env->engine->loop_exit(cpu, 0);
}

static void helper_wfi(uint64_t envp)
{
    ToyEnv *env = (ToyEnv *)(uintptr_t)envp;
    CPUState *cpu = env_cpu(env);
    cpu->halted = true;
    env->engine->loop_exit(cpu, 0);
}

static void helper_fence_i(uint64_t envp)
{
    ToyEnv *env = (ToyEnv *)(uintptr_t)envp;
    env->engine->icache_flush(env_cpu(env));
}

static void helper_raise(uint64_t envp, uint64_t cause)
{
    ToyEnv *env = (ToyEnv *)(uintptr_t)envp;
    env->cause = cause;
    env->engine->raise_exception(env_cpu(env), TCG_GETPC());
}

/* ---- TcgCpuOps --------------------------------------------------------------- */

static const TcgGlobalDesc toy_globals[] = {
#define R_(i) { .name = "r" #i, .offset = offsetof(ToyEnv, r[i]), .type = IR_I64 }
    R_(0), R_(1), R_(2), R_(3), R_(4), R_(5), R_(6), R_(7),
    R_(8), R_(9), R_(10), R_(11), R_(12), R_(13), R_(14), R_(15),
#undef R_
    { .name = "pc", .offset = offsetof(ToyEnv, pc), .type = IR_I64 },
    { .name = "w0", .offset = offsetof(ToyEnv, w[0]), .type = IR_I32 },
    { .name = "w1", .offset = offsetof(ToyEnv, w[1]), .type = IR_I32 },
    { .name = "w2", .offset = offsetof(ToyEnv, w[2]), .type = IR_I32 },
    { .name = "w3", .offset = offsetof(ToyEnv, w[3]), .type = IR_I32 },
};

static void toy_attach(CPUState *cpu, const TcgEngineOps *engine)
{
    toy_env(cpu)->engine = engine;
}

static void toy_get_tb_cpu_state(CPUState *cpu, uint64_t *pc, uint64_t *flags)
{
    *pc = toy_env(cpu)->pc;
    *flags = toy_env(cpu)->gen_id;
}

static void gen_jump(IrBuilder *b, uint64_t dest, unsigned slot)
{
    if ((dest & TCG_PAGE_MASK) == (b->pc_first & TCG_PAGE_MASK)) {
        ir_goto_tb(b, slot);
        ir_movi_i64(b, TOY_G_PC, dest);
        ir_exit_tb(b, slot);
    } else {
        ir_movi_i64(b, TOY_G_PC, dest);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
    }
}

static void gen_raise(IrBuilder *b, uint64_t cause)
{
    ir_call2(b, (void *)helper_raise, 0, IR_NO_TEMP, IR_TEMP_ENV, ir_const_i64(b, cause));
}

/* Returns false when the instruction ends the block. */
static bool toy_translate_insn(CPUState *cpu, IrBuilder *b, uint64_t pc)
{
    ToyEnv *env = toy_env(cpu);
    uint32_t insn = env->engine->fetch_code(cpu, pc, 4);
    if (env->on_fetch) {
        env->on_fetch(env, pc, env->on_fetch_opaque);
    }
    unsigned op = insn & 0xff, rd = (insn >> 8) & 15, rs = (insn >> 12) & 15;
    int64_t imm = (int16_t)(insn >> 16);
    IrTemp t = ir_temp_new_i64(b);
    ir_insn_start(b, pc, insn, 0);
    switch (op) {
    case TOY_LI:
        ir_movi_i64(b, TOY_G_R(rd), (uint64_t)imm);
        break;
    case TOY_ADDI:
        ir_addi_i64(b, TOY_G_R(rd), TOY_G_R(rs), imm);
        break;
    case TOY_ADD:
        ir_add_i64(b, TOY_G_R(rd), TOY_G_R(rs), TOY_G_R(imm & 15));
        break;
    case TOY_LD:
    case TOY_LW:
    case TOY_LBU:
    case TOY_LDA: {
        unsigned memop = op == TOY_LD ? IR_MO_64 : op == TOY_LW ? IR_MO_SL
                       : op == TOY_LBU ? IR_MO_UB : (IR_MO_64 | IR_MO_ALIGN);
        ir_addi_i64(b, t, TOY_G_R(rs), imm);
        ir_guest_ld(b, IR_I64, TOY_G_R(rd), t, memop, 0);
        break;
    }
    case TOY_ST:
    case TOY_SW:
        ir_addi_i64(b, t, TOY_G_R(rs), imm);
        ir_guest_st(b, IR_I64, TOY_G_R(rd), t, op == TOY_ST ? IR_MO_64 : IR_MO_32, 0);
        break;
    case TOY_AMOADD:
        ir_atomic_rmw(b, IR_I64, IR_ATOMIC_ADD, TOY_G_R(rd), TOY_G_R(rs), TOY_G_R(imm & 15),
                      IR_MO_64, 0);
        break;
    case TOY_BNEX:
        if (env->side_slot < IR_MAX_GOTO_TB) {
            IrLabel stay = ir_label_new(b);
            ir_brcond_i64(b, ir_cond_invert(IR_COND_NE), TOY_G_R(rd), TOY_G_R(rs), stay);
            gen_jump(b, pc + (uint64_t)(imm * 4), env->side_slot++);
            ir_set_label(b, stay);
            break;
        }
        /* Out of slots: a plain BNE. */
        /* fall through */
    case TOY_BNE: {
        IrLabel taken = ir_label_new(b);
        ir_brcond_i64(b, IR_COND_NE, TOY_G_R(rd), TOY_G_R(rs), taken);
        gen_jump(b, pc + 4, 0);
        ir_set_label(b, taken);
        gen_jump(b, pc + (uint64_t)(imm * 4), 1);
        return false;
    }
    case TOY_J:
        gen_jump(b, pc + (uint64_t)(imm * 4), 0);
        return false;
    case TOY_JR:
        ir_mov_i64(b, TOY_G_PC, TOY_G_R(rs));
        ir_lookup_and_goto_ptr(b);
        return false;
    case TOY_HALT:
    case TOY_WFI:
        ir_movi_i64(b, TOY_G_PC, pc + 4);
        ir_call1(b, op == TOY_HALT ? (void *)helper_halt : (void *)helper_wfi, 0, IR_NO_TEMP,
                 IR_TEMP_ENV);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
        return false;
    case TOY_FENCEI:
        ir_call1(b, (void *)helper_fence_i, IR_CALL_NO_WRITE_GLOBALS, IR_NO_TEMP, IR_TEMP_ENV);
        ir_movi_i64(b, TOY_G_PC, pc + 4);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
        return false;
    case TOY_ECALL:
        gen_raise(b, 11);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
        return false;
    default:
        gen_raise(b, 2);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
        return false;
    }
    ir_temp_free(b, t);
    return true;
}

static unsigned toy_translate(CPUState *cpu, IrBuilder *b)
{
    ToyEnv *env = toy_env(cpu);
    uint64_t pc = b->pc_first;
    env->translations++;
    env->side_slot = 2;
    if (env->gen) {
        ir_insn_start(b, pc, 0, 0);
        env->gen(b, env->gen_opaque);
        ir_movi_i64(b, TOY_G_PC, pc + 4);
        ir_call1(b, (void *)helper_halt, 0, IR_NO_TEMP, IR_TEMP_ENV);
        ir_exit_tb(b, IR_EXIT_NO_CHAIN);
        return 4;
    }
    for (int n = 0; n < b->max_insns; n++) {
        bool more = toy_translate_insn(cpu, b, pc);
        pc += 4;
        if (!more) {
            break;
        }
        if (n + 1 == b->max_insns || (pc & ~TCG_PAGE_MASK) == 0) {
            gen_jump(b, pc, 0);
            break;
        }
    }
    return (unsigned)(pc - b->pc_first);
}

static bool toy_tlb_fill(CPUState *cpu, uint64_t vaddr, unsigned size, TcgAccessType access,
                         int mmu_idx, bool probe, uintptr_t ra, TcgTlbFillResult *out)
{
    ToyEnv *env = toy_env(cpu);
    if (vaddr >= env->fault_limit) {
        if (probe) {
            return false;
        }
        env->cause = access == TCG_ACCESS_WRITE ? 15 : access == TCG_ACCESS_READ ? 13 : 12;
        env->tval = vaddr;
        env->engine->raise_exception(cpu, ra);
    }
    out->paddr = vaddr;
    out->prot = TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_EXEC;
    out->page_size = TCG_PAGE_SIZE;
    return true;
}

static void toy_do_unaligned_access(CPUState *cpu, uint64_t vaddr, TcgAccessType access,
                                    int mmu_idx, uintptr_t ra)
{
    ToyEnv *env = toy_env(cpu);
    env->cause = 4;
    env->tval = vaddr;
    env->engine->raise_exception(cpu, ra);
}

static void toy_do_interrupt(CPUState *cpu)
{
    ToyEnv *env = toy_env(cpu);
    env->epc = env->pc;
    env->pc = env->tvec;
    env->exceptions++;
}

static bool toy_exec_interrupt(CPUState *cpu, uint64_t request)
{
    ToyEnv *env = toy_env(cpu);
    if (!(request & TOY_IRQ)) {
        return false;
    }
    cpu_reset_interrupt(cpu, TOY_IRQ);
    env->epc = env->pc;
    env->pc = env->tvec;
    env->cause = 1ull << 63;
    env->interrupts++;
    return true;
}

static void toy_restore_state_to_opc(CPUState *cpu, const uint64_t *data)
{
    toy_env(cpu)->pc = data[0];
}

static int toy_mmu_index(CPUState *cpu, bool ifetch)
{
    return 0;
}

static bool toy_has_work(CPUState *cpu)
{
    return __atomic_load_n(&cpu->interrupt_request, __ATOMIC_SEQ_CST) != 0;
}

/* Every toy CPU translates alike (env.gen is used by cpu 0 alone). */
static uint64_t toy_code_key(CPUState *cpu)
{
    return 0x746f79;
}

static const TcgCpuOps toy_tcg_ops = {
    .abi_version = TCG_CPU_ABI_VERSION,
    .env_offset = offsetof(ToyCPU, env),
    .env_size = sizeof(ToyEnv),
    .globals = toy_globals,
    .num_globals = G_N_ELEMENTS(toy_globals),
    .nb_mmu_modes = 1,
    .insn_start_words = 2,
    .attach = toy_attach,
    .get_tb_cpu_state = toy_get_tb_cpu_state,
    .translate = toy_translate,
    .tlb_fill = toy_tlb_fill,
    .do_unaligned_access = toy_do_unaligned_access,
    .do_interrupt = toy_do_interrupt,
    .exec_interrupt = toy_exec_interrupt,
    .restore_state_to_opc = toy_restore_state_to_opc,
    .mmu_index = toy_mmu_index,
    .code_key = toy_code_key,
};

static void toy_cpu_class_init(ObjectClass *klass, const void *data)
{
    CPUClass *cc = CPU_CLASS(klass);
    static const CPUAccelOps toy_accel_ops[] = { { "tcg", &toy_tcg_ops }, { NULL } };
    cc->accel_ops = toy_accel_ops;
    cc->has_work = toy_has_work;
    cc->arch = "toy";
}

static const TypeInfo toy_cpu_type = {
    .name = TYPE_TOY_CPU,
    .parent = TYPE_CPU,
    .instance_size = sizeof(ToyCPU),
    .class_size = sizeof(CPUClass),
    .class_init = toy_cpu_class_init,
};

/* ---- a test device ------------------------------------------------------------ */

static uint64_t toy_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    ToyHarness *h = opaque;
    __atomic_fetch_add(&h->mmio_reads, 1, __ATOMIC_SEQ_CST);
    h->mmio_last_addr = addr;
    h->mmio_last_size = size;
    return 0x1122334455667788ull ^ addr;
}

static void toy_mmio_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    ToyHarness *h = opaque;
    h->mmio_last_addr = addr;
    h->mmio_last_val = val;
    h->mmio_last_size = size;
    __atomic_fetch_add(&h->mmio_writes, 1, __ATOMIC_SEQ_CST);
}

static const MemoryRegionOps toy_mmio_ops = {
    .read = toy_mmio_read,
    .write = toy_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 8, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/* ---- harness ---------------------------------------------------------------------- */

TcgAccel *toy_accel(ToyHarness *h)
{
    return (TcgAccel *)h->accel;
}

ToyHarness *toy_setup(unsigned ncpus, const char *accel_opts)
{
    static gsize once;
    GError *err = NULL;
    core_init("unit-tcg", NULL);
    if (g_once_init_enter(&once)) {
        module_register_linked(&tcg_accel_module_desc);
        module_register_linked(&tcg_interp_module_desc);
        type_register_static(&toy_cpu_type);
        g_once_init_leave(&once, 1);
    }
    g_assert(ncpus >= 1 && ncpus <= TOY_MAX_CPUS);
    ToyHarness *h = g_new0(ToyHarness, 1);
    memory_region_init(&h->sysmem, NULL, "system", UINT64_MAX);
    ck_assert(memory_region_init_ram(&h->ram, NULL, "ram", TOY_RAM_SIZE, &err));
    memory_region_add_subregion(&h->sysmem, 0, &h->ram);
    memory_region_init_io(&h->mmio, NULL, &toy_mmio_ops, h, "toy-mmio", TOY_MMIO_SIZE);
    memory_region_add_subregion(&h->sysmem, TOY_MMIO_BASE, &h->mmio);
    address_space_init(&h->as, &h->sysmem, "toy");
    h->ram_ptr = memory_region_get_ram_ptr(&h->ram);

    h->ms.cpus = g_ptr_array_new();
    h->ncpus = ncpus;
    for (unsigned i = 0; i < ncpus; i++) {
        ToyCPU *c = (ToyCPU *)object_new(TYPE_TOY_CPU);
        c->parent_obj.index = (int)i;
        c->parent_obj.as = &h->as;
        c->env.fault_limit = UINT64_MAX;
        c->env.tvec = 0x8000;
        h->cpus[i] = c;
        g_ptr_array_add(h->ms.cpus, c);
    }

    Object *obj = object_new(TYPE_TCG_ACCEL);
    if (accel_opts) {
        g_auto(GStrv) kv = g_strsplit(accel_opts, ",", -1);
        for (char **p = kv; *p; p++) {
            g_auto(GStrv) pair = g_strsplit(*p, "=", 2);
            ck_assert_msg(object_property_parse(obj, pair[0], pair[1], &err), "%s",
                          err ? err->message : "");
        }
    }
    h->accel = ACCEL(obj);
    AccelClass *ac = ACCEL_GET_CLASS(h->accel);
    ck_assert_msg(ac->init_machine(h->accel, &h->ms, &err), "%s", err ? err->message : "");
    ck_assert_msg(ac->start_vcpus(h->accel, &h->ms, &err), "%s", err ? err->message : "");
    return h;
}

void toy_teardown(ToyHarness *h)
{
    object_unref(OBJECT(h->accel));
    for (unsigned i = 0; i < h->ncpus; i++) {
        object_unref(OBJECT(h->cpus[i]));
    }
    g_ptr_array_free(h->ms.cpus, TRUE);
    address_space_destroy(&h->as);
    memory_region_destroy(&h->mmio);
    memory_region_destroy(&h->ram);
    memory_region_destroy(&h->sysmem);
    g_free(h);
}

void toy_load(ToyHarness *h, uint64_t addr, const uint32_t *code, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t le = GUINT32_TO_LE(code[i]);
        memcpy(h->ram_ptr + addr + 4 * i, &le, 4);
    }
}

void toy_resume(ToyHarness *h)
{
    TcgAccel *a = toy_accel(h);
    a->vcpu_ctl.resume_all(a->vcpu_ctl.opaque);
}

void toy_pause(ToyHarness *h)
{
    TcgAccel *a = toy_accel(h);
    a->vcpu_ctl.pause_all(a->vcpu_ctl.opaque);
}

void toy_interrupt(ToyHarness *h, unsigned cpu)
{
    CPUState *cs = &h->cpus[cpu]->parent_obj;
    __atomic_fetch_or(&cs->interrupt_request, TOY_IRQ, __ATOMIC_SEQ_CST);
    ACCEL_GET_CLASS(h->accel)->kick(h->accel, cs);
}

bool toy_run_until_done(ToyHarness *h, unsigned cpu_mask, unsigned timeout_ms)
{
    for (unsigned i = 0; i < h->ncpus; i++) {
        bool run = cpu_mask & (1u << i);
        h->cpus[i]->parent_obj.stopped = !run;
        if (run) {
            h->cpus[i]->env.done = 0;
            h->cpus[i]->parent_obj.halted = false;
        }
    }
    toy_resume(h);
    gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    bool ok = false;
    while (g_get_monotonic_time() < end) {
        ok = true;
        for (unsigned i = 0; i < h->ncpus; i++) {
            if ((cpu_mask & (1u << i)) && !__atomic_load_n(&h->cpus[i]->env.done,
                                                           __ATOMIC_SEQ_CST)) {
                ok = false;
            }
        }
        if (ok) {
            break;
        }
        g_usleep(50);
    }
    toy_pause(h);
    return ok;
}

void toy_run_gen(ToyHarness *h, void (*gen)(IrBuilder *b, void *opaque), void *opaque)
{
    ToyEnv *env = &h->cpus[0]->env;
    env->gen = gen;
    env->gen_opaque = opaque;
    env->gen_id++;
    env->pc = 0x1000;
    ck_assert(toy_run_until_done(h, 1, 5000));
    env->gen = NULL;
}
