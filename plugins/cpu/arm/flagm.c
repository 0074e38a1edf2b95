/* SPDX-License-Identifier: MIT */
/*
 * Flag manipulation (FEAT_FlagM, FEAT_FlagM2): CFINV, XAFLAG, AXFLAG, RMIF,
 * SETF8 and SETF16 on the NZCV representation of CPUARMState (N = bit 63 of
 * nf, Z = (zf == 0), C = cf, V = bit 63 of vf); called from translated code
 * (translate-fp.c.inc).
 */
#include "plugins/cpu/arm/fpu.h"

void arm_helper_flagm(CPUARMState *env, uint64_t op, uint64_t v)
{
    bool n = env->nf >> 63, z = env->zf == 0, c = env->cf & 1, ov = env->vf >> 63;
    switch (op & 0xff) {
    case ARM_FLAGM_CFINV:
        c = !c;
        break;
    case ARM_FLAGM_XAFLAG: {
        bool nn = !c && !z, nz = z && c, nc = c || z, nv = !c && z;
        n = nn;
        z = nz;
        c = nc;
        ov = nv;
        break;
    }
    case ARM_FLAGM_AXFLAG:
        z = z || ov;
        c = c && !ov;
        n = false;
        ov = false;
        break;
    case ARM_FLAGM_RMIF: {
        unsigned sh = (op >> 8) & 63, mask = (op >> 16) & 15;
        uint64_t t = sh ? (v >> sh) | (v << (64 - sh)) : v;
        n = mask & 8 ? (t >> 3) & 1 : n;
        z = mask & 4 ? (t >> 2) & 1 : z;
        c = mask & 2 ? (t >> 1) & 1 : c;
        ov = mask & 1 ? t & 1 : ov;
        break;
    }
    default: {                                       /* SETF8 / SETF16 */
        unsigned top = (op & 0xff) == ARM_FLAGM_SETF8 ? 7 : 15;
        n = (v >> top) & 1;
        z = (v & ((2ull << top) - 1)) == 0;
        ov = ((v >> (top + 1)) ^ (v >> top)) & 1;
        break;
    }
    }
    env->nf = n ? UINT64_MAX : 0;
    env->zf = z ? 0 : 1;
    env->cf = c;
    env->vf = ov ? UINT64_MAX : 0;
}
