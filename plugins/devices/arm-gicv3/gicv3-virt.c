/* SPDX-License-Identifier: MIT */
/*
 * GICv3 virtual CPU interface (IHI 0069, chapter 6): for each CPU the
 * hypervisor's ICH_*_EL2 registers with four list registers, and the
 * ICV_* view that EL1 reaches through its ICC_* encodings while
 * HCR_EL2.IMO/FMO are set (cpu.h marks those accesses ARM_GIC_VIRTUAL).
 *
 * List register: vINTID 31:0, pINTID 44:32 (HW) or EOI 41, priority
 * 55:48, group 60, HW 61, state 63:62 (1 pending, 2 active, 3 both).
 * The virtual IRQ (group 1) and FIQ (group 0) outputs are high while
 * ICH_HCR_EL2.En and a pending entry of an enabled group beats the
 * virtual priority mask and running priority; the maintenance interrupt
 * (PPI 25) is the level of En && ICH_MISR_EL2 != 0.  Five bits of virtual
 * priority, so ICH_AP{0,1}R0 hold every active priority.
 */
#include "plugins/devices/arm-gicv3/gicv3.h"

#define HCR_EN (1ull << 0)
#define HCR_UIE (1ull << 1)
#define HCR_LRENPIE (1ull << 2)
#define HCR_NPIE (1ull << 3)
#define HCR_VGRP0EIE (1ull << 4)
#define HCR_VGRP0DIE (1ull << 5)
#define HCR_VGRP1EIE (1ull << 6)
#define HCR_VGRP1DIE (1ull << 7)
#define HCR_TRAPS (0x1full << 10)     /* TC, TALL0, TALL1, TSEI, TDIR */
#define HCR_EOICOUNT_SHIFT 27
#define HCR_STORED (0xffull | (0x1full << HCR_EOICOUNT_SHIFT))

#define VMCR_VENG0 (1ull << 0)
#define VMCR_VENG1 (1ull << 1)
#define VMCR_VCBPR (1ull << 4)
#define VMCR_VEOIM (1ull << 9)
#define VMCR_VBPR1_SHIFT 18
#define VMCR_VBPR0_SHIFT 21
#define VMCR_VPMR_SHIFT 24
#define VMCR_WRITABLE (VMCR_VENG0 | VMCR_VENG1 | VMCR_VCBPR | VMCR_VEOIM | \
                       (0x3full << VMCR_VBPR1_SHIFT) | (0xf8ull << VMCR_VPMR_SHIFT))

#define LR_VINTID(lr) ((uint32_t)(lr))
#define LR_PINTID(lr) ((unsigned)(((lr) >> 32) & 0x1fff))
#define LR_EOI (1ull << 41)
#define LR_PRIO(lr) ((unsigned)(((lr) >> 48) & 0xf8))
#define LR_GRP1 (1ull << 60)
#define LR_HW (1ull << 61)
#define LR_PENDING (1ull << 62)
#define LR_ACTIVE (1ull << 63)
#define LR_STATE (3ull << 62)
#define LR_WRITABLE (0xffffffffull | (0x1fffull << 32) | (0xf8ull << 48) | (0xfull << 60))

static unsigned vpmr(const GicVirt *v)
{
    return (unsigned)(v->vmcr >> VMCR_VPMR_SHIFT) & 0xf8;
}

static unsigned vrunning(const GicVirt *v)
{
    uint64_t apr = v->ap0r | v->ap1r;
    return apr ? (unsigned)__builtin_ctzll(apr) << 3 : GIC_IDLE_PRIO;
}

static bool grp_enabled(const GicVirt *v, uint64_t lr)
{
    return (v->vmcr & ((lr & LR_GRP1) ? VMCR_VENG1 : VMCR_VENG0)) != 0;
}

/* The pending entry of highest priority (of group @grp, or either for
 * -1) with its group enabled, or -1. */
static int best_lr(const GicVirt *v, int grp)
{
    int best = -1;
    unsigned best_prio = 0x100;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        uint64_t lr = v->lr[i];
        if ((lr & LR_STATE) != LR_PENDING || !grp_enabled(v, lr) ||
            (grp >= 0 && ((lr & LR_GRP1) != 0) != (grp == 1))) {
            continue;
        }
        if (LR_PRIO(lr) < best_prio) {
            best = i;
            best_prio = LR_PRIO(lr);
        }
    }
    return best;
}

static bool can_signal(const GicVirt *v, int i)
{
    return (v->hcr & HCR_EN) && i >= 0 && LR_PRIO(v->lr[i]) < vpmr(v) &&
           LR_PRIO(v->lr[i]) < vrunning(v);
}

static uint64_t eisr(const GicVirt *v)
{
    uint64_t m = 0;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        uint64_t lr = v->lr[i];
        m |= !(lr & (LR_STATE | LR_HW)) && (lr & LR_EOI) ? 1ull << i : 0;
    }
    return m;
}

static uint64_t elrsr(const GicVirt *v)
{
    uint64_t m = 0;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        uint64_t lr = v->lr[i];
        m |= !(lr & LR_STATE) && ((lr & LR_HW) || !(lr & LR_EOI)) ? 1ull << i : 0;
    }
    return m;
}

static uint64_t misr(const GicVirt *v)
{
    uint64_t m = 0, hcr = v->hcr;
    unsigned valid = 0;
    bool pending = false;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        valid += (v->lr[i] & LR_STATE) != 0;
        pending |= (v->lr[i] & LR_PENDING) != 0;
    }
    m |= eisr(v) ? 1u << 0 : 0;
    m |= (hcr & HCR_UIE) && valid <= 1 ? 1u << 1 : 0;
    m |= (hcr & HCR_LRENPIE) && (hcr >> HCR_EOICOUNT_SHIFT & 0x1f) ? 1u << 2 : 0;
    m |= (hcr & HCR_NPIE) && !pending ? 1u << 3 : 0;
    m |= (hcr & HCR_VGRP0EIE) && (v->vmcr & VMCR_VENG0) ? 1u << 4 : 0;
    m |= (hcr & HCR_VGRP0DIE) && !(v->vmcr & VMCR_VENG0) ? 1u << 5 : 0;
    m |= (hcr & HCR_VGRP1EIE) && (v->vmcr & VMCR_VENG1) ? 1u << 6 : 0;
    m |= (hcr & HCR_VGRP1DIE) && !(v->vmcr & VMCR_VENG1) ? 1u << 7 : 0;
    return m;
}

void gicv3_virt_update(GicCpu *c)
{
    GicVirt *v = &c->v;
    int i = best_lr(v, -1);
    bool sig = can_signal(v, i);
    bool g1 = sig && (v->lr[i] & LR_GRP1);
    irq_set(v->virq, sig && g1);
    irq_set(v->vfiq, sig && !g1);
    uint32_t m = 1u << GIC_MAINT_PPI;
    c->priv.level = (v->hcr & HCR_EN) && misr(v) ? c->priv.level | m : c->priv.level & ~m;
}

void gicv3_virt_reset(GicCpu *c)
{
    GicVirt *v = &c->v;
    v->hcr = v->ap0r = v->ap1r = 0;
    v->vmcr = (2ull << VMCR_VBPR0_SHIFT) | (3ull << VMCR_VBPR1_SHIFT);
    memset(v->lr, 0, sizeof(v->lr));
    c->priv.level &= ~(1u << GIC_MAINT_PPI);
}

/* ---- ICV_* (EL1 with IMO/FMO) ------------------------------------------------- */

static uint64_t vacknowledge(GicVirt *v, int grp)
{
    int i = best_lr(v, grp);
    if (!can_signal(v, i)) {
        return GIC_SPURIOUS;
    }
    v->lr[i] = (v->lr[i] & ~LR_STATE) | LR_ACTIVE;
    uint64_t bit = 1ull << (LR_PRIO(v->lr[i]) >> 3);
    if (grp) {
        v->ap1r |= bit;
    } else {
        v->ap0r |= bit;
    }
    return LR_VINTID(v->lr[i]);
}

static void vdeactivate(GicCpu *c, uint32_t id)
{
    GicVirt *v = &c->v;
    for (int i = 0; i < GIC_NUM_LRS; i++) {
        uint64_t lr = v->lr[i];
        if (LR_VINTID(lr) == id && (lr & LR_ACTIVE)) {
            v->lr[i] = lr & ~LR_ACTIVE;
            if (lr & LR_HW) {
                gicv3_deactivate(c->gic, c, LR_PINTID(lr));
            }
            return;
        }
    }
    uint64_t n = ((v->hcr >> HCR_EOICOUNT_SHIFT) + 1) & 0x1f;
    v->hcr = (v->hcr & ~(0x1full << HCR_EOICOUNT_SHIFT)) | n << HCR_EOICOUNT_SHIFT;
}

static void veoi(GicCpu *c, uint32_t id)
{
    GicVirt *v = &c->v;
    uint64_t apr = v->ap0r | v->ap1r;
    if (apr) {
        uint64_t lowest = apr & -apr;
        v->ap0r &= ~lowest;
        v->ap1r &= ~lowest;
    }
    if (!(v->vmcr & VMCR_VEOIM)) {
        vdeactivate(c, id);
    }
}

static uint64_t icv_read(GicCpu *c, uint32_t enc)
{
    GicVirt *v = &c->v;
    int i;
    switch (enc) {
    case ICC_PMR: return vpmr(v);
    case ICC_IAR0: return vacknowledge(v, 0);
    case ICC_IAR1: return vacknowledge(v, 1);
    case ICC_HPPIR0: i = best_lr(v, 0); return i < 0 ? GIC_SPURIOUS : LR_VINTID(v->lr[i]);
    case ICC_HPPIR1: i = best_lr(v, 1); return i < 0 ? GIC_SPURIOUS : LR_VINTID(v->lr[i]);
    case ICC_BPR0: return (v->vmcr >> VMCR_VBPR0_SHIFT) & 7;
    case ICC_BPR1:
        return (v->vmcr & VMCR_VCBPR) ? MIN(((v->vmcr >> VMCR_VBPR0_SHIFT) & 7) + 1, 7)
                                      : (v->vmcr >> VMCR_VBPR1_SHIFT) & 7;
    case ICC_AP0R0: return v->ap0r;
    case ICC_AP1R0: return v->ap1r;
    case ICC_RPR: return vrunning(v);
    case ICC_CTLR:
        return ((v->vmcr & VMCR_VCBPR) ? ICC_CTLR_CBPR : 0) |
               ((v->vmcr & VMCR_VEOIM) ? ICC_CTLR_EOIMODE : 0) | ICC_CTLR_PRIBITS;
    case ICC_IGRPEN0: return v->vmcr & VMCR_VENG0 ? 1 : 0;
    case ICC_IGRPEN1: return v->vmcr & VMCR_VENG1 ? 1 : 0;
    default: return 0;             /* ICV_AP{0,1}R1..3: RAZ */
    }
}

static void set_vmcr(GicVirt *v, uint64_t mask, uint64_t bits)
{
    v->vmcr = (v->vmcr & ~mask) | (bits & mask);
}

static void icv_write(GicCpu *c, uint32_t enc, uint64_t x)
{
    GicVirt *v = &c->v;
    switch (enc) {
    case ICC_PMR: set_vmcr(v, 0xf8ull << VMCR_VPMR_SHIFT, x << VMCR_VPMR_SHIFT); break;
    case ICC_EOIR0: case ICC_EOIR1: veoi(c, (uint32_t)x & 0xffffff); break;
    case ICC_DIR: vdeactivate(c, (uint32_t)x & 0xffffff); break;
    case ICC_BPR0:
        set_vmcr(v, 7ull << VMCR_VBPR0_SHIFT, MAX(x & 7, 2) << VMCR_VBPR0_SHIFT);
        break;
    case ICC_BPR1:
        set_vmcr(v, 7ull << VMCR_VBPR1_SHIFT, MAX(x & 7, 3) << VMCR_VBPR1_SHIFT);
        break;
    case ICC_AP0R0: v->ap0r = (uint32_t)x; break;
    case ICC_AP1R0: v->ap1r = (uint32_t)x; break;
    case ICC_CTLR:
        set_vmcr(v, VMCR_VCBPR | VMCR_VEOIM, ((x & ICC_CTLR_CBPR) ? VMCR_VCBPR : 0) |
                                             ((x & ICC_CTLR_EOIMODE) ? VMCR_VEOIM : 0));
        break;
    case ICC_IGRPEN0: set_vmcr(v, VMCR_VENG0, x & 1); break;
    case ICC_IGRPEN1: set_vmcr(v, VMCR_VENG1, (x & 1) << 1); break;
    default: break;                /* ICV_AP{0,1}R1..3: WI */
    }
}

/* ---- ICH_*_EL2 ------------------------------------------------------------------ */

bool gicv3_virt_read(GicCpu *c, uint32_t enc, uint64_t *out)
{
    GicVirt *v = &c->v;
    if (enc & ARM_GIC_VIRTUAL) {
        *out = icv_read(c, enc & ~ARM_GIC_VIRTUAL);
        return true;
    }
    if (enc >= ICH_LR0_EL2 && enc <= ICH_LR3_EL2) {
        *out = v->lr[enc - ICH_LR0_EL2];
        return true;
    }
    switch (enc) {
    case ICH_HCR_EL2: *out = v->hcr; return true;
    /* PRIbits and PREbits 5 (encoded 4), 16-bit INTIDs, four list registers. */
    case ICH_VTR_EL2: *out = (4u << 29) | (4u << 26) | (GIC_NUM_LRS - 1); return true;
    case ICH_MISR_EL2: *out = misr(v); return true;
    case ICH_EISR_EL2: *out = eisr(v); return true;
    case ICH_ELRSR_EL2: *out = elrsr(v); return true;
    case ICH_VMCR_EL2: *out = v->vmcr; return true;
    case ICH_AP0R0_EL2: *out = v->ap0r; return true;
    case ICH_AP1R0_EL2: *out = v->ap1r; return true;
    default: return false;
    }
}

bool gicv3_virt_write(GicCpu *c, uint32_t enc, uint64_t x)
{
    GicVirt *v = &c->v;
    if (enc & ARM_GIC_VIRTUAL) {
        icv_write(c, enc & ~ARM_GIC_VIRTUAL, x);
        return true;
    }
    if (enc >= ICH_LR0_EL2 && enc <= ICH_LR3_EL2) {
        v->lr[enc - ICH_LR0_EL2] = x & LR_WRITABLE;
        return true;
    }
    switch (enc) {
    case ICH_HCR_EL2:
        if (x & HCR_TRAPS) {
            log_mask(LOG_UNIMP, "arm-gicv3: ICH_HCR_EL2 traps (TC/TALL0/TALL1/TSEI/TDIR) "
                     "are not implemented\n");
        }
        v->hcr = x & HCR_STORED;
        return true;
    case ICH_VMCR_EL2: v->vmcr = x & VMCR_WRITABLE; return true;
    case ICH_AP0R0_EL2: v->ap0r = (uint32_t)x; return true;
    case ICH_AP1R0_EL2: v->ap1r = (uint32_t)x; return true;
    default: return false;
    }
}
