/* SPDX-License-Identifier: MIT */
/*
 * Pointer authentication (FEAT_PAuth, Arm ARM D8.8 and the pseudocode of
 * AddPAC/Auth/Strip/ComputePAC): the architected QARMA5 block cipher, an
 * IMPLEMENTATION DEFINED fast algorithm (`-cpu max,pauth-impdef=on`), the
 * PAC field layout from TCR_ELx (T*SZ, TBI), the SCTLR_ELx.EnIA/EnIB/
 * EnDA/EnDB enables and the HCR_EL2.API trap.  The CPU implements FEAT_PAuth2
 * and FEAT_FPAC (ID_AA64ISAR1.APA/API = 4): the PAC is XORed into the
 * pointer, and a failed AUT* raises the PAC fail exception.
 */
#include "plugins/cpu/arm/translate.h"

/* ---- QARMA5 (ComputePAC) ------------------------------------------------------- */

static const uint8_t pac_sub[16] = {
    0xb, 0x6, 0x8, 0xf, 0xc, 0x0, 0x9, 0xe, 0x3, 0x7, 0x4, 0x5, 0xd, 0x2, 0x1, 0xa,
};
static const uint8_t pac_inv_sub[16] = {
    0x5, 0xe, 0xd, 0x8, 0xa, 0xb, 0x1, 0x9, 0x2, 0x6, 0xf, 0x0, 0x4, 0xc, 0x7, 0x3,
};
/* Output cell i takes input cell shuffle[i]. */
static const uint8_t pac_shuffle[16] = { 13, 6, 11, 0, 7, 12, 1, 10, 8, 3, 14, 5, 2, 9, 4, 15 };
static const uint8_t pac_inv_shuffle[16] = { 3, 6, 12, 9, 14, 11, 1, 4, 8, 13, 7, 2, 5, 0, 10,
                                             15 };
/* Tweak shuffle: output cell i takes input cell tweak_src[i], rotated when
 * tweak_rot has bit i. */
static const uint8_t tweak_src[16] = { 4, 5, 6, 7, 11, 2, 3, 8, 12, 13, 14, 15, 0, 1, 10, 9 };
#define TWEAK_ROT 0xd894u     /* cells 2, 4, 7, 11, 12, 14, 15 */

static unsigned cell(uint64_t x, unsigned i)
{
    return (x >> (4 * i)) & 0xf;
}

static uint64_t sub_cells(uint64_t x, const uint8_t *box)
{
    uint64_t o = 0;
    for (unsigned i = 0; i < 16; i++) {
        o |= (uint64_t)box[cell(x, i)] << (4 * i);
    }
    return o;
}

static uint64_t shuffle_cells(uint64_t x, const uint8_t *perm)
{
    uint64_t o = 0;
    for (unsigned i = 0; i < 16; i++) {
        o |= (uint64_t)cell(x, perm[i]) << (4 * i);
    }
    return o;
}

static unsigned rot_cell(unsigned c, unsigned n)
{
    return ((c << n) | (c >> (4 - n))) & 0xf;
}

static uint64_t pac_mult(uint64_t x)
{
    uint64_t o = 0;
    for (unsigned i = 0; i < 4; i++) {
        unsigned a = cell(x, i), b = cell(x, i + 4), c = cell(x, i + 8), d = cell(x, i + 12);
        unsigned t0 = rot_cell(c, 1) ^ rot_cell(b, 2) ^ rot_cell(a, 1);
        unsigned t1 = rot_cell(d, 1) ^ rot_cell(b, 1) ^ rot_cell(a, 2);
        unsigned t2 = rot_cell(d, 2) ^ rot_cell(c, 1) ^ rot_cell(a, 1);
        unsigned t3 = rot_cell(d, 1) ^ rot_cell(c, 2) ^ rot_cell(b, 1);
        o |= (uint64_t)t3 << (4 * i) | (uint64_t)t2 << (4 * (i + 4)) |
             (uint64_t)t1 << (4 * (i + 8)) | (uint64_t)t0 << (4 * (i + 12));
    }
    return o;
}

static unsigned tweak_rot(unsigned c)
{
    return (c >> 1) | (((c ^ (c >> 1)) & 1) << 3);
}

static unsigned tweak_inv_rot(unsigned c)
{
    return ((c << 1) & 0xe) | ((c ^ (c >> 3)) & 1);
}

static uint64_t tweak_shuffle(uint64_t x)
{
    uint64_t o = 0;
    for (unsigned i = 0; i < 16; i++) {
        unsigned c = cell(x, tweak_src[i]);
        o |= (uint64_t)((TWEAK_ROT >> i) & 1 ? tweak_rot(c) : c) << (4 * i);
    }
    return o;
}

static uint64_t tweak_inv_shuffle(uint64_t x)
{
    uint64_t o = 0;
    for (unsigned i = 0; i < 16; i++) {
        unsigned c = cell(x, i);
        o |= (uint64_t)((TWEAK_ROT >> i) & 1 ? tweak_inv_rot(c) : c) << (4 * tweak_src[i]);
    }
    return o;
}

uint64_t arm_pauth_qarma5(uint64_t data, uint64_t modifier, uint64_t key0, uint64_t key1)
{
    static const uint64_t rc[5] = {
        0x0000000000000000ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull,
        0x082efa98ec4e6c89ull, 0x452821e638d01377ull,
    };
    const uint64_t alpha = 0xc0ac29b7c97c50ddull;
    uint64_t modk0 = (key0 << 63) | ((key0 >> 2) << 1) | ((key0 >> 63) ^ ((key0 >> 1) & 1));
    uint64_t mod = modifier, w = data ^ key0;
    for (int i = 0; i < 5; i++) {
        w ^= key1 ^ mod ^ rc[i];
        if (i > 0) {
            w = pac_mult(shuffle_cells(w, pac_shuffle));
        }
        w = sub_cells(w, pac_sub);
        mod = tweak_shuffle(mod);
    }
    w ^= modk0 ^ mod;
    w = pac_mult(shuffle_cells(w, pac_shuffle));
    w = sub_cells(w, pac_sub);
    w = pac_mult(shuffle_cells(w, pac_shuffle));
    w ^= key1;
    w = shuffle_cells(w, pac_inv_shuffle);
    w = sub_cells(w, pac_inv_sub);
    w = pac_mult(w);
    w = shuffle_cells(w, pac_inv_shuffle);
    w ^= key0 ^ mod;
    for (int i = 0; i < 5; i++) {
        w = sub_cells(w, pac_inv_sub);
        if (i < 4) {
            w = shuffle_cells(pac_mult(w), pac_inv_shuffle);
        }
        mod = tweak_inv_shuffle(mod);
        w ^= rc[4 - i] ^ key1 ^ mod ^ alpha;
    }
    return w ^ modk0;
}

/* The IMPLEMENTATION DEFINED algorithm: a keyed 64-bit mix (multiply-
 * xorshift rounds), much cheaper than QARMA5 and not a cipher. */
uint64_t arm_pauth_impdef(uint64_t data, uint64_t modifier, uint64_t key0, uint64_t key1)
{
    uint64_t h = key0 ^ 0x9e3779b97f4a7c15ull;
    const uint64_t in[3] = { data, modifier, key1 };
    for (int i = 0; i < 3; i++) {
        h ^= in[i];
        h *= 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        h *= 0x94d049bb133111ebull;
        h ^= h >> 29;
    }
    return h;
}

/* ---- pointers -------------------------------------------------------------------- */

typedef struct PacLayout {
    unsigned bottom;           /* lowest PAC bit: 64 - T*SZ */
    bool tbi;
} PacLayout;

/* PAC field of @ptr in the translation regime of the current EL. */
static PacLayout layout(ARMCPU *cpu, uint64_t ptr, bool data)
{
    const CPUARMState *env = &cpu->env;
    unsigned tsz;
    bool tbi;
    /* TCR_EL2 in TCR_EL1's format for the EL2&0 regime (VHE). */
    unsigned r = (env->el == 2 || (env->el == 0 && arm_is_host(cpu))) ? 2 : 1;
    if (env->el == 2 && !arm_e2h(cpu)) {
        tsz = env->tcr_el[2] & 0x3f;
        tbi = (env->tcr_el[2] >> 20) & 1;
    } else if ((ptr >> 55) & 1) {
        tsz = (env->tcr_el[r] >> 16) & 0x3f;
        tbi = (env->tcr_el[r] >> 38) & 1;
    } else {
        tsz = env->tcr_el[r] & 0x3f;
        tbi = (env->tcr_el[r] >> 37) & 1;
    }
    tsz = tsz < 16 ? 16 : tsz > 39 ? 39 : tsz;
    (void)data;
    return (PacLayout){ .bottom = 64 - tsz, .tbi = tbi };
}

/* The field bits [top:bottom] as a mask. */
static uint64_t field_mask(const PacLayout *l)
{
    unsigned top = l->tbi ? 55 : 63;
    return ((top == 63 ? 0 : 1ull << (top + 1)) - 1) & ~((1ull << l->bottom) - 1);
}

/* Strip: the PAC field replaced by copies of bit 55 (bit 55 itself and,
 * with TBI, the top byte are kept). */
static uint64_t strip(const PacLayout *l, uint64_t ptr)
{
    uint64_t m = field_mask(l) & ~(1ull << 55);
    return ((ptr >> 55) & 1) ? ptr | m : ptr & ~m;
}

static uint64_t pac_compute(ARMCPU *cpu, uint64_t data, uint64_t modifier, const uint64_t key[2])
{
    /* key[0] = Lo (key1 of ComputePAC), key[1] = Hi (key0). */
    return cpu->pauth_impdef ? arm_pauth_impdef(data, modifier, key[1], key[0])
                             : arm_pauth_qarma5(data, modifier, key[1], key[0]);
}

/*
 * AddPAC with FEAT_PAuth2: the PAC is XORed into the extension bits (bit 55
 * kept, the top byte kept with TBI); a pointer with bad extension bits
 * therefore authenticates to a non-canonical value without any special
 * corruption step.
 */
static uint64_t add_pac(ARMCPU *cpu, uint64_t ptr, uint64_t modifier, const uint64_t key[2],
                        bool data)
{
    PacLayout l = layout(cpu, ptr, data);
    uint64_t ext_ptr = strip(&l, ptr);
    uint64_t pac = pac_compute(cpu, ext_ptr, modifier, key);
    uint64_t m = field_mask(&l) & ~(1ull << 55);
    return ptr ^ (pac & m);
}

/*
 * Auth with FEAT_PAuth2 and FEAT_FPAC: the PAC is XORed out again; a
 * pointer whose extension bits are then not all copies of bit 55 failed.
 * AUT* (not the combined branch/return/load forms: FEAT_FPACCOMBINE is not
 * implemented) raise the PAC fail exception (EC 0x1c, ISS = data:keyB) for
 * that; the combined forms use the non-canonical pointer, which faults
 * when used.
 */
static uint64_t auth(ARMCPU *cpu, uint64_t ptr, uint64_t modifier, const uint64_t key[2],
                     bool data, unsigned keynumber, bool combined, uintptr_t ra)
{
    PacLayout l = layout(cpu, ptr, data);
    uint64_t orig = strip(&l, ptr);
    uint64_t pac = pac_compute(cpu, orig, modifier, key);
    uint64_t m = field_mask(&l) & ~(1ull << 55);
    uint64_t result = ptr ^ (pac & m);
    if (result != strip(&l, result) && !combined) {
        arm_raise_sync(cpu, arm_syndrome(EC_PAC_FAIL, ((unsigned)data << 1) | keynumber),
                       arm_sync_target_el(cpu), ra);
    }
    return result;
}

/* ---- helpers --------------------------------------------------------------------- */

/* HCR_EL2.API clear: PAuth instructions at EL0/EL1 trap to EL2 (EC 0x09). */
static void check_trap(ARMCPU *cpu, uintptr_t ra)
{
    const CPUARMState *env = &cpu->env;
    if (env->el < 2 && cpu->has_el2 && !(env->hcr_el2 & (HCR_API | HCR_TGE))) {
        arm_raise_sync(cpu, arm_syndrome(EC_PAC_TRAP, 0), 2, ra);
    }
}

/* SCTLR_ELx.EnIA (31), EnIB (30), EnDA (27), EnDB (13) of the regime. */
static bool key_enabled(ARMCPU *cpu, unsigned key)
{
    static const unsigned bit[4] = { 31, 30, 27, 13 };
    uint64_t sctlr = arm_sctlr(cpu, cpu->env.el);
    return (sctlr >> bit[key]) & 1;
}

uint64_t arm_helper_pac(CPUARMState *env, uint64_t ptr, uint64_t modifier, uint64_t key)
{
    ARMCPU *cpu = arm_env_cpu(env);
    if (!cpu->pauth || !key_enabled(cpu, (unsigned)key)) {
        return ptr;
    }
    check_trap(cpu, TCG_GETPC());
    return add_pac(cpu, ptr, modifier, env->pauth_keys[key], key >= ARM_PAUTH_DA);
}

/* @key: ARM_PAUTH_* | ARM_PAUTH_COMBINED for the branch/return/load forms. */
uint64_t arm_helper_aut(CPUARMState *env, uint64_t ptr, uint64_t modifier, uint64_t key)
{
    ARMCPU *cpu = arm_env_cpu(env);
    bool combined = (key & ARM_PAUTH_COMBINED) != 0;
    key &= ~(uint64_t)ARM_PAUTH_COMBINED;
    if (!cpu->pauth || !key_enabled(cpu, (unsigned)key)) {
        return ptr;
    }
    check_trap(cpu, TCG_GETPC());
    return auth(cpu, ptr, modifier, env->pauth_keys[key], key >= ARM_PAUTH_DA, key & 1,
                combined, TCG_GETPC());
}

/* XPACI/XPACD/XPACLRI are not trapped by HCR_EL2.API. */
uint64_t arm_helper_xpac(CPUARMState *env, uint64_t ptr, uint64_t data)
{
    ARMCPU *cpu = arm_env_cpu(env);
    PacLayout l = layout(cpu, ptr, data != 0);
    return strip(&l, ptr);
}

uint64_t arm_helper_pacga(CPUARMState *env, uint64_t x, uint64_t modifier)
{
    ARMCPU *cpu = arm_env_cpu(env);
    check_trap(cpu, TCG_GETPC());
    return pac_compute(cpu, x, modifier, env->pauth_keys[ARM_PAUTH_GA]) & 0xffffffff00000000ull;
}

void arm_helper_eret_auth(CPUARMState *env, uint64_t key)
{
    ARMCPU *cpu = arm_env_cpu(env);
    uint64_t elr = env->elr_el[env->el];
    if (key != UINT64_MAX && cpu->pauth && key_enabled(cpu, (unsigned)key)) {
        check_trap(cpu, TCG_GETPC());
        /* ERETAA/ERETAB: the modifier is the current SP. */
        elr = auth(cpu, elr, env->xregs[31], env->pauth_keys[key], false, key & 1, true,
                   TCG_GETPC());
    }
    arm_cpu_eret(cpu, elr);
}
