#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential testing of the A64 integer instructions against an oracle.

Generates random sequences of integer instructions (every data-processing
class: arithmetic with and without flags, logical with immediates and
shifted registers, moves, bitfields, extract, conditional select and
compare, multiply, divide, variable shifts, bit reversal, CRC32, flag
manipulation; and
loads/stores of every size and extension, pairs, exclusives,
acquire/release, LSE atomics and CAS on a scratch buffer that x27 points
into) operating on x0..x28 from random initial values and flags, builds
them into one bare-metal program, runs it under two emulators and compares
the final registers, NZCV and the scratch buffer of every sequence.

With --simd they are the whole Advanced SIMD and crypto set (every group,
vector and scalar forms, FP vectors, conversions, estimates, dot product,
FCMA, JSCVT, FRINTTS, AES/SHA/SHA-3/PMULL, structure loads and stores on a
scratch buffer that x15 points to, x14 their base) from random 128-bit
registers; the scratch buffer's hash is compared too.

With --fp the sequences are scalar floating-point instructions (single and
double precision arithmetic, FMA, min/max, compares, selects, conversions,
round-to-integral, moves) from special and random values under random
FPCR rounding modes, DN and FZ; the vector registers, x0..x15, NZCV and
FPSR are compared.  --fp16 adds the half-precision (FEAT_FP16) forms: the
scalar ones of all of them and the Advanced SIMD ones (three same, two-register
misc, across lanes, pairwise, by element, fixed point, FMOV, FCMLA/FCADD),
with half-precision special values and FPCR.FZ16.

usage: difftest.py [--fp | --fp16 | --simd] [--seed N] [--count N] [--length N] TESSERA_CMD... -- ORACLE_CMD...
  (each command gets "-kernel ELF -nographic" appended)
The default oracle is qemu-system-aarch64 -M virt -cpu max -nic none.
Exits non-zero and prints the first differences when the emulators disagree.
"""
import argparse
import os
import random
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import build  # noqa: E402

REGS = 29           # x0..x28 are random state; x29/x30/sp belong to the harness
BASE = 27           # x27: the scratch-buffer pointer, never written by sequences
CONDS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le',
         'al']
SHIFTS = ['lsl', 'lsr', 'asr']
EXTENDS = ['uxtb', 'uxth', 'uxtw', 'uxtx', 'sxtb', 'sxth', 'sxtw', 'sxtx']


def logical_imm(rnd, width):
    """A random valid logical immediate of @width bits."""
    esize = rnd.choice([e for e in (2, 4, 8, 16, 32, 64) if e <= width])
    ones = rnd.randrange(1, esize)
    rot = rnd.randrange(esize)
    elem = (1 << ones) - 1
    elem = ((elem >> rot) | (elem << (esize - rot))) & ((1 << esize) - 1)
    v = 0
    for i in range(0, width, esize):
        v |= elem << i
    return v


def gen_mem(rnd):
    """A load, store or atomic on [x27 + small aligned offset]."""
    def d():
        return rnd.choice([i for i in range(REGS) if i != BASE])

    kind = rnd.randrange(8)
    if kind == 0:
        size = rnd.randrange(4)
        op = rnd.choice(['ldr', 'str'] + (['ldrs'] if size < 3 else []))
        suffix = ['b', 'h', '', ''][size]
        reg = 'x' if size == 3 or (op == 'ldrs' and rnd.random() < 0.5) else 'w'
        if op == 'ldrs' and size == 2:
            reg = 'x'
        off = rnd.randrange(-32, 32) * (1 << size)
        name = op + suffix if op != 'ldrs' else 'ldrs' + ['b', 'h', 'w'][size]
        if off < 0:
            name = name.replace('ldr', 'ldur').replace('str', 'stur')
        return '%s %s%d, [x%d, #%d]' % (name, reg, d(), BASE, off)
    if kind == 1:
        x = rnd.random() < 0.5
        op = rnd.choice(['ldp', 'stp'] + (['ldpsw'] if not x else []))
        r = 'x' if x or op == 'ldpsw' else 'w'
        a, b = d(), d()
        if op != 'stp':
            while b == a:
                b = d()
        return '%s %s%d, %s%d, [x%d, #%d]' % (op, r, a, r, b, BASE,
                                             rnd.randrange(-16, 16) * (8 if x else 4))
    if kind == 2:
        size = rnd.randrange(4)
        sfx = ['b', 'h', '', ''][size]
        r = 'x' if size == 3 else 'w'
        t, s_, v = d(), d(), d()
        while s_ == t:
            s_ = d()
        acq = rnd.choice(['', 'a'])
        rel = rnd.choice(['', 'l'])
        return ('ld%sxr%s %s%d, [x%d]\n\tst%sxr%s w%d, %s%d, [x%d]' %
                (acq, sfx, r, t, BASE, rel, sfx, s_, r, v, BASE))
    if kind == 3:
        size = rnd.randrange(4)
        sfx = ['b', 'h', '', ''][size]
        r = 'x' if size == 3 else 'w'
        op = rnd.choice(['ldadd', 'ldclr', 'ldeor', 'ldset', 'ldsmax', 'ldsmin', 'ldumax',
                         'ldumin', 'swp'])
        order = rnd.choice(['', 'a', 'l', 'al'])
        return '%s%s%s %s%d, %s%d, [x%d]' % (op, order, sfx, r, d(), r, d(), BASE)
    if kind == 4:
        size = rnd.randrange(4)
        sfx = ['b', 'h', '', ''][size]
        r = 'x' if size == 3 else 'w'
        return 'cas%s%s %s%d, %s%d, [x%d]' % (rnd.choice(['', 'a', 'l', 'al']), sfx, r, d(), r,
                                              d(), BASE)
    if kind == 5:
        size = rnd.randrange(4)
        sfx = ['b', 'h', '', ''][size]
        r = 'x' if size == 3 else 'w'
        return '%s%s %s%d, [x%d]' % (rnd.choice(['ldar', 'stlr', 'ldapr']), sfx, r, d(), BASE)
    if kind == 6:
        # A store then a load of a different size: byte order and extension.
        return 'str x%d, [x%d, #8]\n\tldrsh w%d, [x%d, #10]' % (d(), BASE, d(), BASE)
    return 'ldr x%d, [x%d, #%d]' % (d(), BASE, 8 * rnd.randrange(-32, 64))


def gen_insn(rnd):
    while True:
        text = gen_alu(rnd) if rnd.random() < 0.75 else gen_mem(rnd)
        first = (text.split() + [''])[1].rstrip(',')
        if first not in ('x%d' % BASE, 'w%d' % BASE) or text.split()[0] in (
                'cmp', 'cmn', 'tst', 'ccmp', 'ccmn') or text.startswith('st'):
            return text


def gen_alu(rnd):
    sf = rnd.random() < 0.6
    w = 64 if sf else 32
    R = 'x' if sf else 'w'

    def r():
        return '%s%d' % (R, rnd.randrange(REGS))

    def x():
        return 'x%d' % rnd.randrange(REGS)

    def wr():
        return 'w%d' % rnd.randrange(REGS)

    kind = rnd.randrange(23)
    if kind == 22:
        # Flag manipulation (FEAT_FlagM, FEAT_FlagM2).
        c = rnd.randrange(4)
        if c == 0:
            return rnd.choice(['cfinv', 'xaflag', 'axflag'])
        if c == 1:
            return 'rmif %s, #%d, #%d' % (x(), rnd.randrange(64), rnd.randrange(16))
        return '%s %s' % (rnd.choice(['setf8', 'setf16']), wr())
    if kind == 0:
        op = rnd.choice(['add', 'adds', 'sub', 'subs'])
        return '%s %s, %s, #%d%s' % (op, r(), r(), rnd.randrange(4096),
                                     rnd.choice(['', ', lsl #12']))
    if kind == 1:
        op = rnd.choice(['add', 'adds', 'sub', 'subs'])
        return '%s %s, %s, %s, %s #%d' % (op, r(), r(), r(), rnd.choice(SHIFTS),
                                         rnd.randrange(w))
    if kind == 2:
        op = rnd.choice(['add', 'adds', 'sub', 'subs'])
        ext = rnd.choice(EXTENDS if sf else EXTENDS[:3] + EXTENDS[4:7])
        src = x() if (sf and ext in ('uxtx', 'sxtx')) else wr()
        return '%s %s, %s, %s, %s #%d' % (op, r(), r(), src, ext, rnd.randrange(5))
    if kind == 3:
        op = rnd.choice(['adc', 'adcs', 'sbc', 'sbcs', 'ngc', 'ngcs'])
        if op.startswith('ngc'):
            return '%s %s, %s' % (op, r(), r())
        return '%s %s, %s, %s' % (op, r(), r(), r())
    if kind == 4:
        op = rnd.choice(['and', 'orr', 'eor', 'ands', 'bic', 'orn', 'eon', 'bics'])
        return '%s %s, %s, %s, %s #%d' % (op, r(), r(), r(), rnd.choice(SHIFTS + ['ror']),
                                         rnd.randrange(w))
    if kind == 5:
        op = rnd.choice(['and', 'orr', 'eor', 'ands'])
        return '%s %s, %s, #0x%x' % (op, r(), r(), logical_imm(rnd, w))
    if kind == 6:
        op = rnd.choice(['movz', 'movn', 'movk'])
        return '%s %s, #0x%x, lsl #%d' % (op, r(), rnd.randrange(65536),
                                          16 * rnd.randrange(4 if sf else 2))
    if kind == 7:
        op = rnd.choice(['sbfm', 'bfm', 'ubfm'])
        return '%s %s, %s, #%d, #%d' % (op, r(), r(), rnd.randrange(w), rnd.randrange(w))
    if kind == 8:
        return 'extr %s, %s, %s, #%d' % (r(), r(), r(), rnd.randrange(w))
    if kind == 9:
        op = rnd.choice(['csel', 'csinc', 'csinv', 'csneg'])
        return '%s %s, %s, %s, %s' % (op, r(), r(), r(), rnd.choice(CONDS))
    if kind == 10:
        op = rnd.choice(['ccmp', 'ccmn'])
        b = r() if rnd.random() < 0.5 else '#%d' % rnd.randrange(32)
        return '%s %s, %s, #%d, %s' % (op, r(), b, rnd.randrange(16), rnd.choice(CONDS))
    if kind == 11:
        op = rnd.choice(['madd', 'msub'])
        return '%s %s, %s, %s, %s' % (op, r(), r(), r(), r())
    if kind == 12:
        op = rnd.choice(['smaddl', 'smsubl', 'umaddl', 'umsubl'])
        return '%s %s, %s, %s, %s' % (op, x(), wr(), wr(), x())
    if kind == 13:
        return '%s %s, %s, %s' % (rnd.choice(['smulh', 'umulh']), x(), x(), x())
    if kind == 14:
        return '%s %s, %s, %s' % (rnd.choice(['udiv', 'sdiv']), r(), r(), r())
    if kind == 15:
        return '%s %s, %s, %s' % (rnd.choice(['lslv', 'lsrv', 'asrv', 'rorv']), r(), r(), r())
    if kind == 16:
        ops = ['rbit', 'rev16', 'rev', 'clz', 'cls'] + (['rev32'] if sf else [])
        return '%s %s, %s' % (rnd.choice(ops), r(), r())
    if kind == 17:
        sz = rnd.choice(['b', 'h', 'w', 'x'])
        c = rnd.choice(['', 'c'])
        return 'crc32%s%s %s, %s, %s' % (c, sz, wr(), wr(), x() if sz == 'x' else wr())
    if kind == 18:
        # Flag-setting compare forms feeding later conditional instructions.
        op = rnd.choice(['cmp', 'cmn', 'tst'])
        return '%s %s, %s' % (op, r(), r())
    if kind == 19:
        return 'cset %s, %s' % (r(), rnd.choice(CONDS[:-1]))
    if kind == 20:
        return 'mul %s, %s, %s' % (r(), r(), r())
    return 'neg%s %s, %s, %s #%d' % (rnd.choice(['', 's']), r(), r(), rnd.choice(SHIFTS),
                                     rnd.randrange(w))


def special_value(rnd):
    return rnd.choice([0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
                       0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff,
                       rnd.getrandbits(64), rnd.getrandbits(64), rnd.getrandbits(32),
                       rnd.getrandbits(8), (1 << rnd.randrange(64))])


def generate(seed, count, length):
    rnd = random.Random(seed)
    out = ['/* SPDX-License-Identifier: MIT */', '/* generated by difftest.py, seed %d */' % seed,
           SIMD_ARCH, '\t.text']
    for i in range(count):
        out += ['\t.balign 4', 'seq_%d:' % i,
                '\tsub sp, sp, #112',
                '\tstp x19, x20, [sp, #0]', '\tstp x21, x22, [sp, #16]',
                '\tstp x23, x24, [sp, #32]', '\tstp x25, x26, [sp, #48]',
                '\tstp x27, x28, [sp, #64]', '\tstp x29, x30, [sp, #80]',
                '\tstr x0, [sp, #96]', '\tmov x30, x0',
                '\tldr x29, [x30, #232]', '\tmsr nzcv, x29']
        for r in range(0, REGS - 1, 2):
            out.append('\tldp x%d, x%d, [x30, #%d]' % (r, r + 1, 8 * r))
        out.append('\tldr x28, [x30, #224]')
        for _ in range(length):
            out.append('\t' + gen_insn(rnd))
        out.append('\tldr x30, [sp, #96]')
        for r in range(0, REGS - 1, 2):
            out.append('\tstp x%d, x%d, [x30, #%d]' % (r, r + 1, 8 * r))
        out += ['\tstr x28, [x30, #224]', '\tmrs x29, nzcv', '\tstr x29, [x30, #232]',
                '\tldp x19, x20, [sp, #0]', '\tldp x21, x22, [sp, #16]',
                '\tldp x23, x24, [sp, #32]', '\tldp x25, x26, [sp, #48]',
                '\tldp x27, x28, [sp, #64]', '\tldp x29, x30, [sp, #80]',
                '\tadd sp, sp, #112', '\tret']
    out += ['\t.section .rodata', '\t.balign 8', '\t.global diff_seqs', 'diff_seqs:']
    out += ['\t.quad seq_%d' % i for i in range(count)]
    out += ['\t.global diff_nseqs', 'diff_nseqs:', '\t.quad %d' % count,
            '\t.data', '\t.balign 8', '\t.global diff_init', 'diff_init:']
    for i in range(count):
        vals = [special_value(rnd) for _ in range(REGS)] + [rnd.randrange(16) << 28]
        out.append('\t.quad ' + ', '.join('0x%x' % v for v in vals))
    return '\n'.join(out) + '\n'


# ---- floating point -------------------------------------------------------------------

F32_SPECIAL = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fc12345,
               0xffc00001, 0x7f800001, 0x7fa00000, 0x00000001, 0x807fffff, 0x00800000,
               0x3f800000, 0xbf800000, 0x40200000, 0x3fc00000, 0x7f7fffff, 0x4f000000,
               0xcf000000, 0x5f800000, 0x3effffff, 0x00400000]
F64_SPECIAL = [0x0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
               0x7ff8000000000000, 0x7ff8000000012345, 0xfff8000000000001,
               0x7ff0000000000001, 0x7ff4000000000000, 0x1, 0x800fffffffffffff,
               0x0010000000000000, 0x3ff0000000000000, 0xbff0000000000000,
               0x4004000000000000, 0x3ff8000000000000, 0x7fefffffffffffff,
               0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000,
               0x41e0000000000000, 0x3fdfffffffffffff, 0x0008000000000000,
               0x36a0000000000000, 0x47efffffe0000000]


def simd_value(rnd):
    """The high half of a V register: random bits, lanes of floats or small integers."""
    k = rnd.randrange(4)
    if k == 0:
        return rnd.getrandbits(64)
    if k == 1:
        return fp_value(rnd) & 0xffffffff | (rnd.choice(F32_SPECIAL) << 32)
    if k == 2:
        return sum(rnd.choice([0, 1, 0x7f, 0x80, 0xff, rnd.getrandbits(8)]) << (8 * i)
                   for i in range(8))
    return fp_value(rnd)


F16_SPECIAL = [0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0xfe00, 0x7d00, 0x7c01, 0x0001, 0x8001,
               0x03ff, 0x0400, 0x8400, 0x7bff, 0xfbff, 0x3c00, 0xbc00, 0x3555, 0x3800, 0x5bff,
               0x7800, 0x0200, 0x3bff, 0x4000]


def fp_value(rnd, fp16=False):
    if fp16 and rnd.random() < 0.5:
        if rnd.random() < 0.4:
            return rnd.choice(F16_SPECIAL)
        # A random half with a moderate exponent (meaningful sums and products).
        return (rnd.getrandbits(1) << 15) | (rnd.randrange(1, 31) << 10) | rnd.getrandbits(10)
    k = rnd.randrange(6)
    if k == 0:
        return rnd.choice(F32_SPECIAL)
    if k == 1:
        return rnd.choice(F64_SPECIAL)
    if k == 2:
        # A random single with a small exponent range (meaningful sums).
        return (rnd.getrandbits(1) << 31) | (rnd.randrange(100, 160) << 23) | rnd.getrandbits(23)
    if k == 3:
        return (rnd.getrandbits(1) << 63) | (rnd.randrange(960, 1090) << 52) | rnd.getrandbits(52)
    if k == 4:
        return rnd.getrandbits(64)
    return rnd.getrandbits(32)


ARR = {(0, 0): '8b', (0, 1): '16b', (1, 0): '4h', (1, 1): '8h', (2, 0): '2s', (2, 1): '4s',
       (3, 1): '2d'}


def gen_simd_insn(rnd):
    def vr():
        return rnd.randrange(32)

    def arr(max_size=3, need_q_for_d=True):
        size = rnd.randrange(max_size + 1)
        q = 1 if size == 3 else rnd.randrange(2)
        return ARR[(size, q)], size, q

    kind = rnd.randrange(8)
    if kind == 7:
        if rnd.random() < 0.3:
            t = rnd.choice(['8b', '16b'])
            return 'ext v%d.%s, v%d.%s, v%d.%s, #%d' % (vr(), t, vr(), t, vr(), t,
                                                        rnd.randrange(8 if t == '8b' else 16))
        op = rnd.choice(['zip1', 'zip2', 'uzp1', 'uzp2', 'trn1', 'trn2'])
        t, _, _ = arr(3)
        return '%s v%d.%s, v%d.%s, v%d.%s' % (op, vr(), t, vr(), t, vr(), t)
    if kind == 6:
        op = rnd.choice(['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxnm', 'fminnm',
                         'fmla', 'fmls', 'fabd', 'fcmeq', 'fcmge', 'fcmgt', 'facge', 'facgt',
                         'faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp'])
        t = rnd.choice(['2s', '4s', '2d'])
        return '%s v%d.%s, v%d.%s, v%d.%s' % (op, vr(), t, vr(), t, vr(), t)
    if kind == 0:
        op = rnd.choice(['and', 'bic', 'orr', 'orn', 'eor', 'bsl', 'bit', 'bif'])
        t = rnd.choice(['8b', '16b'])
        return '%s v%d.%s, v%d.%s, v%d.%s' % (op, vr(), t, vr(), t, vr(), t)
    if kind == 1:
        op, maxs = rnd.choice([('add', 3), ('sub', 3), ('cmeq', 3), ('cmtst', 3), ('cmgt', 3),
                               ('cmge', 3), ('cmhi', 3), ('cmhs', 3), ('smax', 2), ('smin', 2),
                               ('umax', 2), ('umin', 2), ('sabd', 2), ('uabd', 2), ('mul', 2),
                               ('addp', 3), ('smaxp', 2), ('uminp', 2)])
        t, _, _ = arr(maxs)
        return '%s v%d.%s, v%d.%s, v%d.%s' % (op, vr(), t, vr(), t, vr(), t)
    if kind == 2:
        op, maxs = rnd.choice([('abs', 3), ('neg', 3), ('cmeq', 3), ('cmge', 3), ('cmgt', 3),
                               ('cmle', 3), ('cmlt', 3), ('rev64', 2), ('rev32', 1),
                               ('rev16', 0), ('cnt', 0), ('not', 0)])
        t, _, _ = arr(maxs)
        zero = ', #0' if op.startswith('cm') else ''
        return '%s v%d.%s, v%d.%s%s' % (op, vr(), t, vr(), t, zero)
    if kind == 3:
        size = rnd.randrange(4)
        el = 'bhsd'[size]
        idx = rnd.randrange(16 >> size)
        c = rnd.randrange(5)
        if c == 0:
            t, _, _ = arr(size)
            t = ARR[(size, 1 if size == 3 else rnd.randrange(2))]
            return 'dup v%d.%s, v%d.%s[%d]' % (vr(), t, vr(), el, idx)
        if c == 1:
            t = ARR[(size, 1 if size == 3 else rnd.randrange(2))]
            return 'dup v%d.%s, %s%d' % (vr(), t, 'x' if size == 3 else 'w', rnd.randrange(16))
        if c == 2:
            return 'ins v%d.%s[%d], %s%d' % (vr(), el, idx, 'x' if size == 3 else 'w',
                                              rnd.randrange(16))
        if c == 3:
            return 'ins v%d.%s[%d], v%d.%s[%d]' % (vr(), el, idx, vr(), el,
                                                  rnd.randrange(16 >> size))
        if size == 3 or rnd.random() < 0.5:
            return 'umov %s%d, v%d.%s[%d]' % ('x' if size == 3 else 'w', rnd.randrange(16), vr(),
                                              el, idx)
        size = rnd.randrange(3)
        el = 'bhs'[size]
        return 'smov %s%d, v%d.%s[%d]' % ('x' if size == 2 or rnd.random() < 0.5 else 'w',
                                          rnd.randrange(16), vr(), el, rnd.randrange(16 >> size)) \
            if size < 2 else 'smov x%d, v%d.s[%d]' % (rnd.randrange(16), vr(), rnd.randrange(4))
    if kind == 4:
        c = rnd.randrange(6)
        imm = rnd.randrange(256)
        if c == 0:
            return 'movi v%d.%s, #%d' % (vr(), rnd.choice(['8b', '16b']), imm)
        if c == 1:
            return '%s v%d.%s, #%d, lsl #%d' % (rnd.choice(['movi', 'mvni', 'orr', 'bic']), vr(),
                                               rnd.choice(['2s', '4s']), imm, 8 * rnd.randrange(4))
        if c == 2:
            return '%s v%d.%s, #%d, lsl #%d' % (rnd.choice(['movi', 'mvni', 'orr', 'bic']), vr(),
                                               rnd.choice(['4h', '8h']), imm, 8 * rnd.randrange(2))
        if c == 3:
            return '%s v%d.%s, #%d, msl #%d' % (rnd.choice(['movi', 'mvni']), vr(),
                                               rnd.choice(['2s', '4s']), imm, rnd.choice([8, 16]))
        if c == 4:
            mask = ''.join(rnd.choice(['00', 'ff']) for _ in range(8))
            return 'movi v%d.2d, #0x%s' % (vr(), mask)
        return 'fmov v%d.%s, #%s' % (vr(), rnd.choice(['2s', '4s', '2d']),
                                     rnd.choice(['1.0', '-2.5', '0.125', '31.0']))
    return 'mov v%d.16b, v%d.16b' % (vr(), vr())


def gen_fp16_simd(rnd):
    """An Advanced SIMD half-precision (FEAT_FP16) instruction."""
    def vr():
        return rnd.randrange(32)

    t = rnd.choice(['4h', '8h'])
    k = rnd.randrange(10)
    if k == 0:
        op = rnd.choice(['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxnm', 'fminnm',
                         'fmla', 'fmls', 'fabd', 'fmulx', 'fcmeq', 'fcmge', 'fcmgt', 'facge',
                         'facgt', 'faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp', 'frecps',
                         'frsqrts'])
        return '%s v%d.%s, v%d.%s, v%d.%s' % (op, vr(), t, vr(), t, vr(), t)
    if k == 1:
        if rnd.random() < 0.25:
            op = rnd.choice(['fcmgt', 'fcmge', 'fcmeq', 'fcmle', 'fcmlt'])
            return '%s v%d.%s, v%d.%s, #0.0' % (op, vr(), t, vr(), t)
        op = rnd.choice(['fabs', 'fneg', 'fsqrt', 'frintn', 'frintm', 'frintp', 'frintz',
                         'frinta', 'frintx', 'frinti', 'fcvtns', 'fcvtms', 'fcvtas', 'fcvtps',
                         'fcvtzs', 'fcvtnu', 'fcvtmu', 'fcvtau', 'fcvtpu', 'fcvtzu', 'scvtf',
                         'ucvtf', 'frecpe', 'frsqrte'])
        return '%s v%d.%s, v%d.%s' % (op, vr(), t, vr(), t)
    if k == 2:
        op = rnd.choice(['fmaxnmv', 'fmaxv', 'fminnmv', 'fminv'])
        return '%s h%d, v%d.%s' % (op, vr(), vr(), t)
    if k == 3:
        op = rnd.choice(['faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp'])
        return '%s h%d, v%d.2h' % (op, vr(), vr())
    if k == 4:
        op = rnd.choice(['fmla', 'fmls', 'fmul', 'fmulx'])
        if rnd.random() < 0.3:
            return '%s h%d, h%d, v%d.h[%d]' % (op, vr(), vr(), rnd.randrange(16), rnd.randrange(8))
        return '%s v%d.%s, v%d.%s, v%d.h[%d]' % (op, vr(), t, vr(), t, rnd.randrange(16),
                                                 rnd.randrange(8))
    if k == 5:
        op = rnd.choice(['fmulx', 'fcmeq', 'fcmge', 'fcmgt', 'facge', 'facgt', 'fabd', 'frecps',
                         'frsqrts'])
        return '%s h%d, h%d, h%d' % (op, vr(), vr(), vr())
    if k == 6:
        if rnd.random() < 0.25:
            op = rnd.choice(['fcmgt', 'fcmge', 'fcmeq', 'fcmle', 'fcmlt'])
            return '%s h%d, h%d, #0.0' % (op, vr(), vr())
        op = rnd.choice(['fcvtns', 'fcvtms', 'fcvtas', 'fcvtps', 'fcvtzs', 'fcvtnu', 'fcvtmu',
                         'fcvtau', 'fcvtpu', 'fcvtzu', 'scvtf', 'ucvtf', 'frecpe', 'frsqrte',
                         'frecpx'])
        return '%s h%d, h%d' % (op, vr(), vr())
    if k == 7:
        op = rnd.choice(['scvtf', 'ucvtf', 'fcvtzs', 'fcvtzu'])
        if rnd.random() < 0.3:
            # Not FCVTZS Hd, Hn, #fbits: QEMU 7.2 writes a negative result
            # sign-extended to 32 bits instead of the 16-bit element (the
            # rest of Vd must be zero).
            op = rnd.choice(['scvtf', 'ucvtf', 'fcvtzu'])
            return '%s h%d, h%d, #%d' % (op, vr(), vr(), rnd.randrange(1, 17))
        return '%s v%d.%s, v%d.%s, #%d' % (op, vr(), t, vr(), t, rnd.randrange(1, 17))
    if k == 8:
        return 'fmov v%d.%s, #%s' % (vr(), t, rnd.choice(['1.0', '-2.5', '0.125', '31.0',
                                                          '-0.1875']))
    c = rnd.randrange(3)
    if c == 0:
        return 'fcadd v%d.%s, v%d.%s, v%d.%s, #%d' % (vr(), t, vr(), t, vr(), t,
                                                      rnd.choice([90, 270]))
    rot = rnd.choice([0, 90, 180, 270])
    if c == 1:
        return 'fcmla v%d.%s, v%d.%s, v%d.%s, #%d' % (vr(), t, vr(), t, vr(), t, rot)
    return 'fcmla v%d.%s, v%d.%s, v%d.h[%d], #%d' % (vr(), t, vr(), t, vr(),
                                                     rnd.randrange(2 if t == '4h' else 4), rot)


def gen_fp_insn(rnd, fp16=False):
    if fp16 and rnd.random() < 0.35:
        return gen_fp16_simd(rnd)
    if rnd.random() < (0.1 if fp16 else 0.3):
        return gen_simd_insn(rnd)
    t = rnd.choice('sdhh' if fp16 else 'sd')

    def v():
        return '%s%d' % (t, rnd.randrange(32))

    def xw(sf):
        return '%s%d' % ('x' if sf else 'w', rnd.randrange(16))

    kind = rnd.randrange(15)
    if kind == 0:
        op = rnd.choice(['fadd', 'fsub', 'fmul', 'fdiv', 'fnmul', 'fmax', 'fmin', 'fmaxnm',
                         'fminnm'])
        return '%s %s, %s, %s' % (op, v(), v(), v())
    if kind == 1:
        op = rnd.choice(['fabs', 'fneg', 'fsqrt', 'fmov', 'frintn', 'frintp', 'frintm',
                         'frintz', 'frinta', 'frintx', 'frinti'])
        return '%s %s, %s' % (op, v(), v())
    if kind == 2:
        op = rnd.choice(['fmadd', 'fmsub', 'fnmadd', 'fnmsub'])
        return '%s %s, %s, %s, %s' % (op, v(), v(), v(), v())
    if kind == 3:
        op = rnd.choice(['fcmp', 'fcmpe'])
        return '%s %s, %s' % (op, v(), '#0.0' if rnd.random() < 0.2 else v())
    if kind == 4:
        op = rnd.choice(['fccmp', 'fccmpe'])
        return '%s %s, %s, #%d, %s' % (op, v(), v(), rnd.randrange(16), rnd.choice(CONDS))
    if kind == 5:
        return 'fcsel %s, %s, %s, %s' % (v(), v(), v(), rnd.choice(CONDS))
    if kind == 6:
        a, b = rnd.randrange(32), rnd.randrange(32)
        dst, src = rnd.choice([('d', 's'), ('s', 'd'), ('h', 's'), ('h', 'd'), ('s', 'h'),
                               ('d', 'h')])
        return 'fcvt %s%d, %s%d' % (dst, a, src, b)
    if kind == 7:
        sf = rnd.random() < 0.5
        return '%s %s, %s' % (rnd.choice(['scvtf', 'ucvtf']), v(), xw(sf))
    if kind == 8:
        sf = rnd.random() < 0.5
        op = rnd.choice(['fcvtns', 'fcvtnu', 'fcvtps', 'fcvtpu', 'fcvtms', 'fcvtmu', 'fcvtzs',
                         'fcvtzu', 'fcvtas', 'fcvtau'])
        return '%s %s, %s' % (op, xw(sf), v())
    if kind == 9:
        sf = t == 'd' or (t == 'h' and rnd.random() < 0.5)
        if rnd.random() < 0.5:
            return 'fmov %s, %s' % (xw(sf), v())
        return 'fmov %s, %s' % (v(), xw(sf))
    if kind == 10:
        return 'fmov %s, #%s' % (v(), rnd.choice(['1.0', '-2.5', '0.125', '31.0', '-0.1875']))
    if kind == 11:
        return 'fmov v%d.d[1], x%d' % (rnd.randrange(32), rnd.randrange(16))
    if kind == 12:
        return 'fmov x%d, v%d.d[1]' % (rnd.randrange(16), rnd.randrange(32))
    if kind == 13:
        sf = rnd.random() < 0.5
        fbits = rnd.randrange(1, 65 if sf else 33)
        if rnd.random() < 0.5:
            return '%s %s, %s, #%d' % (rnd.choice(['scvtf', 'ucvtf']), v(), xw(sf), fbits)
        return '%s %s, %s, #%d' % (rnd.choice(['fcvtzs', 'fcvtzu']), xw(sf), v(), fbits)
    return 'fmov %s, %s' % (v(), v())


def generate_fp(seed, count, length, simd=False, fp16=False):
    rnd = random.Random(seed)
    out = ['/* SPDX-License-Identifier: MIT */', '/* generated by difftest.py --%s, seed %d */'
           % ('simd' if simd else 'fp16' if fp16 else 'fp', seed), SIMD_ARCH, '\t.text']
    gen = gen_simd_full if simd else (lambda r: gen_fp_insn(r, fp16))
    # State: [0..31] V low, [32..63] V high, [64..79] x0..x15, [80] nzcv, [81] fpcr, [82] fpsr.
    for i in range(count):
        out += ['\t.balign 4', 'seq_%d:' % i, '\tstp x29, x30, [sp, #-16]!', '\tmov x30, x0',
                '\tldr x29, [x30, #640]', '\tmsr nzcv, x29',
                '\tldr x29, [x30, #648]', '\tmsr fpcr, x29', '\tmsr fpsr, xzr']
        for r in range(32):
            out.append('\tldr d%d, [x30, #%d]' % (r, 8 * r))
            if simd or fp16:
                out.append('\tldr x29, [x30, #%d]' % (256 + 8 * r))
                out.append('\tins v%d.d[1], x29' % r)
        for r in range(16):
            out.append('\tldr x%d, [x30, #%d]' % (r, 512 + 8 * r))
        for _ in range(length):
            out.append('\t' + gen(rnd))
        for r in range(32):
            out.append('\tstr d%d, [x30, #%d]' % (r, 8 * r))
            out.append('\tfmov x29, v%d.d[1]' % r)
            out.append('\tstr x29, [x30, #%d]' % (256 + 8 * r))
        for r in range(16):
            out.append('\tstr x%d, [x30, #%d]' % (r, 512 + 8 * r))
        out += ['\tmrs x29, nzcv', '\tstr x29, [x30, #640]', '\tmrs x29, fpsr',
                '\tstr x29, [x30, #656]', '\tmsr fpcr, xzr', '\tldp x29, x30, [sp], #16',
                '\tret']
    out += ['\t.section .rodata', '\t.balign 8', '\t.global diff_seqs', 'diff_seqs:']
    out += ['\t.quad seq_%d' % i for i in range(count)]
    out += ['\t.global diff_nseqs', 'diff_nseqs:', '\t.quad %d' % count,
            '\t.data', '\t.balign 8', '\t.global diff_init', 'diff_init:']
    for i in range(count):
        vals = [(sum((fp_value(rnd, True) & 0xffff) << (16 * j) for j in range(4))
                 if fp16 and rnd.random() < 0.5 else fp_value(rnd, fp16)) for _ in range(32)] + \
               ([simd_value(rnd) for _ in range(32)] if simd else
                [sum((fp_value(rnd, True) & 0xffff) << (16 * j) for j in range(4))
                 if rnd.random() < 0.7
                 else fp_value(rnd, True) for _ in range(32)] if fp16 else [0] * 32) + \
               [special_value(rnd) for _ in range(16)] + [rnd.randrange(16) << 28]
        fpcr = (rnd.randrange(4) << 22) | (rnd.getrandbits(1) << 25) | \
               ((1 << 24) if rnd.random() < 0.25 else 0)
        if fp16 and rnd.random() < 0.25:
            fpcr |= 1 << 19                                  # FZ16
        vals += [fpcr, 0]
        out.append('\t.quad ' + ', '.join('0x%x' % v for v in vals))
    return '\n'.join(out) + '\n'


# ---- the whole Advanced SIMD set (--simd) ----------------------------------------------

SIMD_ARCH = '\t.arch armv8.5-a+crypto+sha3+sm4+dotprod+rdma+fp16fml\n'
EL = 'bhsd'


def gen_simd_full(rnd):
    """One random AdvSIMD/crypto instruction (no FEAT_FP16 forms)."""
    def v():
        return rnd.randrange(32)

    def x():
        return rnd.randrange(14)

    def arr(sizes, q=None):
        size = rnd.choice(sizes)
        qq = rnd.randrange(2) if q is None else q
        if size == 3:
            qq = 1
        return ARR[(size, qq)], size, qq

    def r3(op, t):
        return '%s v%d.%s, v%d.%s, v%d.%s' % (op, v(), t, v(), t, v(), t)

    kind = rnd.randrange(24)
    if kind == 0:
        op, sizes = rnd.choice([
            ('shadd', [0, 1, 2]), ('uhadd', [0, 1, 2]), ('srhadd', [0, 1, 2]), ('urhadd', [0, 1, 2]),
            ('shsub', [0, 1, 2]), ('uhsub', [0, 1, 2]), ('sqadd', [0, 1, 2, 3]),
            ('uqadd', [0, 1, 2, 3]), ('sqsub', [0, 1, 2, 3]), ('uqsub', [0, 1, 2, 3]),
            ('sshl', [0, 1, 2, 3]), ('ushl', [0, 1, 2, 3]), ('sqshl', [0, 1, 2, 3]),
            ('uqshl', [0, 1, 2, 3]), ('srshl', [0, 1, 2, 3]), ('urshl', [0, 1, 2, 3]),
            ('sqrshl', [0, 1, 2, 3]), ('uqrshl', [0, 1, 2, 3]), ('saba', [0, 1, 2]),
            ('uaba', [0, 1, 2]), ('mla', [0, 1, 2]), ('mls', [0, 1, 2]), ('pmul', [0]),
            ('sqdmulh', [1, 2]), ('sqrdmulh', [1, 2]), ('sminp', [0, 1, 2]), ('umaxp', [0, 1, 2]),
            ('sqrdmlah', [1, 2]), ('sqrdmlsh', [1, 2]), ('cmhi', [0, 1, 2, 3]), ('add', [3]),
            ('cmtst', [0, 1, 2, 3]), ('addp', [0, 1, 2, 3])])
        t, _, _ = arr(sizes)
        return r3(op, t)
    if kind == 1:
        op = rnd.choice(['fadd', 'fsub', 'fmul', 'fdiv', 'fmax', 'fmin', 'fmaxnm', 'fminnm',
                         'fmla', 'fmls', 'fabd', 'fcmeq', 'fcmge', 'fcmgt', 'facge', 'facgt',
                         'faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp', 'fmulx', 'frecps',
                         'frsqrts'])
        return r3(op, rnd.choice(['2s', '4s', '2d']))
    if kind == 2:
        op, sizes, wide = rnd.choice([
            ('saddl', [0, 1, 2], 0), ('uaddl', [0, 1, 2], 0), ('ssubl', [0, 1, 2], 0),
            ('usubl', [0, 1, 2], 0), ('saddw', [0, 1, 2], 1), ('uaddw', [0, 1, 2], 1),
            ('ssubw', [0, 1, 2], 1), ('usubw', [0, 1, 2], 1), ('addhn', [0, 1, 2], 2),
            ('raddhn', [0, 1, 2], 2), ('subhn', [0, 1, 2], 2), ('rsubhn', [0, 1, 2], 2),
            ('sabal', [0, 1, 2], 0), ('uabal', [0, 1, 2], 0), ('sabdl', [0, 1, 2], 0),
            ('uabdl', [0, 1, 2], 0), ('smlal', [0, 1, 2], 0), ('umlal', [0, 1, 2], 0),
            ('smlsl', [0, 1, 2], 0), ('umlsl', [0, 1, 2], 0), ('smull', [0, 1, 2], 0),
            ('umull', [0, 1, 2], 0), ('sqdmlal', [1, 2], 0), ('sqdmlsl', [1, 2], 0),
            ('sqdmull', [1, 2], 0), ('pmull', [0], 0), ('pmull', [3], 0)])
        size = rnd.choice(sizes)
        q = rnd.randrange(2)
        two = '2' if q else ''
        narrow = ARR[(size, q)] if size < 3 else ('2d' if q else '1d')
        wt = {0: '8h', 1: '4s', 2: '2d', 3: '1q'}[size]
        if wide == 0:
            return '%s%s v%d.%s, v%d.%s, v%d.%s' % (op, two, v(), wt, v(), narrow, v(), narrow)
        if wide == 1:
            return '%s%s v%d.%s, v%d.%s, v%d.%s' % (op, two, v(), wt, v(), wt, v(), narrow)
        return '%s%s v%d.%s, v%d.%s, v%d.%s' % (op, two, v(), narrow, v(), wt, v(), wt)
    if kind == 3:
        op, sizes = rnd.choice([
            ('abs', [0, 1, 2, 3]), ('neg', [0, 1, 2, 3]), ('sqabs', [0, 1, 2, 3]),
            ('sqneg', [0, 1, 2, 3]), ('suqadd', [0, 1, 2, 3]), ('usqadd', [0, 1, 2, 3]),
            ('cls', [0, 1, 2]), ('clz', [0, 1, 2]), ('cnt', [0]), ('not', [0]), ('rbit', [0]),
            ('rev16', [0]), ('rev32', [0, 1]), ('rev64', [0, 1, 2]), ('saddlp', [0, 1, 2]),
            ('uaddlp', [0, 1, 2]), ('sadalp', [0, 1, 2]), ('uadalp', [0, 1, 2])])
        t, size, q = arr(sizes)
        if op in ('saddlp', 'uaddlp', 'sadalp', 'uadalp'):
            wt = ARR[(size + 1, q)] if size < 2 else ('2d' if q else '1d')
            return '%s v%d.%s, v%d.%s' % (op, v(), wt, v(), t)
        return '%s v%d.%s, v%d.%s' % (op, v(), t, v(), t)
    if kind == 4:
        op = rnd.choice(['xtn', 'sqxtn', 'uqxtn', 'sqxtun', 'shll'])
        size = rnd.randrange(3)
        q = rnd.randrange(2)
        narrow = ARR[(size, q)]
        wt = {0: '8h', 1: '4s', 2: '2d'}[size]
        if op == 'shll':
            return 'shll%s v%d.%s, v%d.%s, #%d' % ('2' if q else '', v(), wt, v(), narrow, 8 << size)
        return '%s%s v%d.%s, v%d.%s' % (op, '2' if q else '', v(), narrow, v(), wt)
    if kind == 5:
        op = rnd.choice(['fabs', 'fneg', 'fsqrt', 'frintn', 'frintp', 'frintm', 'frintz',
                         'frinta', 'frintx', 'frinti', 'fcvtns', 'fcvtnu', 'fcvtps', 'fcvtpu',
                         'fcvtms', 'fcvtmu', 'fcvtzs', 'fcvtzu', 'fcvtas', 'fcvtau', 'scvtf',
                         'ucvtf', 'frecpe', 'frsqrte', 'frint32x', 'frint32z', 'frint64x',
                         'frint64z', 'fcmeq', 'fcmge', 'fcmgt', 'fcmle', 'fcmlt', 'urecpe',
                         'ursqrte'])
        t = rnd.choice(['2s', '4s'] if op in ('urecpe', 'ursqrte') else ['2s', '4s', '2d'])
        zero = ', #0.0' if op.startswith('fcm') else ''
        return '%s v%d.%s, v%d.%s%s' % (op, v(), t, v(), t, zero)
    if kind == 6:
        c = rnd.randrange(3)
        q = rnd.randrange(2)
        two = '2' if q else ''
        if c == 0:
            if rnd.random() < 0.5:
                return 'fcvtn%s v%d.%s, v%d.2d' % (two, v(), '4s' if q else '2s', v())
            return 'fcvtn%s v%d.%s, v%d.4s' % (two, v(), '8h' if q else '4h', v())
        if c == 1:
            if rnd.random() < 0.5:
                return 'fcvtl%s v%d.2d, v%d.%s' % (two, v(), v(), '4s' if q else '2s')
            return 'fcvtl%s v%d.4s, v%d.%s' % (two, v(), v(), '8h' if q else '4h')
        return 'fcvtxn%s v%d.%s, v%d.2d' % (two, v(), '4s' if q else '2s', v())
    if kind == 7:
        op, sizes = rnd.choice([('addv', [0, 1, 2]), ('saddlv', [0, 1, 2]),
                                ('uaddlv', [0, 1, 2]), ('smaxv', [0, 1, 2]),
                                ('umaxv', [0, 1, 2]), ('sminv', [0, 1, 2]),
                                ('uminv', [0, 1, 2]), ('fmaxv', [2]), ('fminv', [2]),
                                ('fmaxnmv', [2]), ('fminnmv', [2])])
        size = rnd.choice(sizes)
        q = 1 if size == 2 else rnd.randrange(2)
        dst = EL[size + 1] if op in ('saddlv', 'uaddlv') else EL[size]
        return '%s %s%d, v%d.%s' % (op, dst, v(), v(), ARR[(size, q)])
    if kind == 8:
        op, what = rnd.choice([
            ('sshr', 'r'), ('ushr', 'r'), ('ssra', 'r'), ('usra', 'r'), ('srshr', 'r'),
            ('urshr', 'r'), ('srsra', 'r'), ('ursra', 'r'), ('sri', 'r'), ('shl', 'l'),
            ('sli', 'l'), ('sqshl', 'l'), ('uqshl', 'l'), ('sqshlu', 'l'), ('shrn', 'n'),
            ('rshrn', 'n'), ('sqshrn', 'n'), ('uqshrn', 'n'), ('sqrshrn', 'n'), ('uqrshrn', 'n'),
            ('sqshrun', 'n'), ('sqrshrun', 'n'), ('sshll', 'w'), ('ushll', 'w'),
            ('scvtf', 'f'), ('ucvtf', 'f'), ('fcvtzs', 'f'), ('fcvtzu', 'f')])
        if what in 'rl':
            t, size, q = arr([0, 1, 2, 3])
            bits = 8 << size
            sh = rnd.randrange(1, bits + 1) if what == 'r' else rnd.randrange(bits)
            return '%s v%d.%s, v%d.%s, #%d' % (op, v(), t, v(), t, sh)
        if what == 'f':
            t = rnd.choice(['2s', '4s', '2d'])
            return '%s v%d.%s, v%d.%s, #%d' % (op, v(), t, v(), t,
                                              rnd.randrange(1, 33 if t != '2d' else 65))
        size = rnd.randrange(3)
        q = rnd.randrange(2)
        narrow = ARR[(size, q)]
        wt = {0: '8h', 1: '4s', 2: '2d'}[size]
        two = '2' if q else ''
        if what == 'n':
            return '%s%s v%d.%s, v%d.%s, #%d' % (op, two, v(), narrow, v(), wt,
                                                rnd.randrange(1, (8 << size) + 1))
        return '%s%s v%d.%s, v%d.%s, #%d' % (op, two, v(), wt, v(), narrow,
                                            rnd.randrange(8 << size))
    if kind == 9:
        op, kindx = rnd.choice([
            ('mul', 'i'), ('mla', 'i'), ('mls', 'i'), ('sqdmulh', 'i'), ('sqrdmulh', 'i'),
            ('sqrdmlah', 'i'), ('sqrdmlsh', 'i'), ('smull', 'l'), ('umull', 'l'),
            ('smlal', 'l'), ('umlal', 'l'), ('smlsl', 'l'), ('umlsl', 'l'), ('sqdmull', 'l'),
            ('sqdmlal', 'l'), ('sqdmlsl', 'l'), ('fmul', 'f'), ('fmla', 'f'), ('fmls', 'f'),
            ('fmulx', 'f'), ('sdot', 'd'), ('udot', 'd')])
        if kindx == 'f':
            t = rnd.choice(['2s', '4s', '2d'])
            e = t[1]
            return '%s v%d.%s, v%d.%s, v%d.%s[%d]' % (op, v(), t, v(), t, v(), e,
                                                     rnd.randrange(2 if e == 'd' else 4))
        if kindx == 'd':
            t = rnd.choice(['2s', '4s'])
            return '%s v%d.%s, v%d.%s, v%d.4b[%d]' % (op, v(), t, v(), '8b' if t == '2s' else '16b',
                                                     v(), rnd.randrange(4))
        size = rnd.choice([1, 2])
        q = rnd.randrange(2)
        m = rnd.randrange(16) if size == 1 else v()
        idx = rnd.randrange(8 if size == 1 else 4)
        if kindx == 'i':
            t = ARR[(size, q)]
            return '%s v%d.%s, v%d.%s, v%d.%s[%d]' % (op, v(), t, v(), t, m, EL[size], idx)
        wt = {1: '4s', 2: '2d'}[size]
        return '%s%s v%d.%s, v%d.%s, v%d.%s[%d]' % (op, '2' if q else '', v(), wt, v(),
                                                   ARR[(size, q)], m, EL[size], idx)
    if kind == 10:
        c = rnd.randrange(4)
        if c == 0:
            op = rnd.choice(['zip1', 'zip2', 'uzp1', 'uzp2', 'trn1', 'trn2'])
            t, _, _ = arr([0, 1, 2, 3])
            return r3(op, t)
        if c == 1:
            t = rnd.choice(['8b', '16b'])
            return 'ext v%d.%s, v%d.%s, v%d.%s, #%d' % (v(), t, v(), t, v(), t,
                                                        rnd.randrange(8 if t == '8b' else 16))
        n = rnd.randrange(1, 5)
        first = v()
        regs = ', '.join('v%d.16b' % ((first + i) % 32) for i in range(n))
        t = rnd.choice(['8b', '16b'])
        return '%s v%d.%s, {%s}, v%d.%s' % (rnd.choice(['tbl', 'tbx']), v(), t, regs, v(), t)
    if kind == 11:
        c = rnd.randrange(9)
        if c == 0:
            op = rnd.choice(['sqadd', 'uqadd', 'sqsub', 'uqsub', 'sqshl', 'uqshl', 'sqrshl',
                             'uqrshl'])
            e = rnd.choice(EL)
            return '%s %s%d, %s%d, %s%d' % (op, e, v(), e, v(), e, v())
        if c == 1:
            op = rnd.choice(['add', 'sub', 'cmeq', 'cmge', 'cmgt', 'cmhi', 'cmhs', 'cmtst',
                             'sshl', 'ushl', 'srshl', 'urshl'])
            return '%s d%d, d%d, d%d' % (op, v(), v(), v())
        if c == 2:
            op = rnd.choice(['sqdmulh', 'sqrdmulh', 'sqrdmlah', 'sqrdmlsh'])
            e = rnd.choice('hs')
            return '%s %s%d, %s%d, %s%d' % (op, e, v(), e, v(), e, v())
        if c == 3:
            op = rnd.choice(['fmulx', 'frecps', 'frsqrts', 'fcmeq', 'fcmge', 'fcmgt', 'facge',
                             'facgt', 'fabd'])
            e = rnd.choice('sd')
            return '%s %s%d, %s%d, %s%d' % (op, e, v(), e, v(), e, v())
        if c == 4:
            op = rnd.choice(['sqabs', 'sqneg', 'suqadd', 'usqadd'])
            e = rnd.choice(EL)
            return '%s %s%d, %s%d' % (op, e, v(), e, v())
        if c == 5:
            op = rnd.choice(['abs', 'neg', 'cmeq', 'cmge', 'cmgt', 'cmle', 'cmlt'])
            zero = ', #0' if op.startswith('cm') else ''
            return '%s d%d, d%d%s' % (op, v(), v(), zero)
        if c == 6:
            op = rnd.choice(['sqxtn', 'uqxtn', 'sqxtun'])
            size = rnd.randrange(3)
            return '%s %s%d, %s%d' % (op, EL[size], v(), EL[size + 1], v())
        if c == 7:
            op = rnd.choice(['fcvtns', 'fcvtnu', 'fcvtps', 'fcvtpu', 'fcvtms', 'fcvtmu',
                             'fcvtzs', 'fcvtzu', 'fcvtas', 'fcvtau', 'scvtf', 'ucvtf', 'frecpe',
                             'frsqrte', 'frecpx', 'fcmeq', 'fcmge', 'fcmgt', 'fcmle', 'fcmlt'])
            e = rnd.choice('sd')
            zero = ', #0.0' if op.startswith('fcm') else ''
            return '%s %s%d, %s%d%s' % (op, e, v(), e, v(), zero)
        return 'fcvtxn s%d, d%d' % (v(), v())
    if kind == 12:
        c = rnd.randrange(6)
        if c == 0:
            return 'addp d%d, v%d.2d' % (v(), v())
        if c == 1:
            op = rnd.choice(['faddp', 'fmaxp', 'fminp', 'fmaxnmp', 'fminnmp'])
            return '%s %s' % (op, rnd.choice(['s%d, v%d.2s', 'd%d, v%d.2d']) % (v(), v()))
        if c == 2:
            op = rnd.choice(['sshr', 'ushr', 'ssra', 'usra', 'srshr', 'urshr', 'srsra', 'ursra',
                             'sri', 'shl', 'sli'])
            sh = rnd.randrange(1, 65) if op not in ('shl', 'sli') else rnd.randrange(64)
            return '%s d%d, d%d, #%d' % (op, v(), v(), sh)
        if c == 3:
            op = rnd.choice(['sqshl', 'uqshl', 'sqshlu'])
            size = rnd.randrange(4)
            return '%s %s%d, %s%d, #%d' % (op, EL[size], v(), EL[size], v(),
                                          rnd.randrange(8 << size))
        if c == 4:
            op = rnd.choice(['sqshrn', 'uqshrn', 'sqrshrn', 'uqrshrn', 'sqshrun', 'sqrshrun'])
            size = rnd.randrange(3)
            return '%s %s%d, %s%d, #%d' % (op, EL[size], v(), EL[size + 1], v(),
                                          rnd.randrange(1, (8 << size) + 1))
        op = rnd.choice(['scvtf', 'ucvtf', 'fcvtzs', 'fcvtzu'])
        e = rnd.choice('sd')
        return '%s %s%d, %s%d, #%d' % (op, e, v(), e, v(), rnd.randrange(1, 33 if e == 's' else 65))
    if kind == 13:
        c = rnd.randrange(4)
        if c == 0:
            op = rnd.choice(['fmla', 'fmls', 'fmul', 'fmulx'])
            e = rnd.choice('sd')
            return '%s %s%d, %s%d, v%d.%s[%d]' % (op, e, v(), e, v(), v(), e,
                                                 rnd.randrange(4 if e == 's' else 2))
        if c == 1:
            op = rnd.choice(['sqdmulh', 'sqrdmulh', 'sqrdmlah', 'sqrdmlsh'])
            size = rnd.choice([1, 2])
            m = rnd.randrange(16) if size == 1 else v()
            return '%s %s%d, %s%d, v%d.%s[%d]' % (op, EL[size], v(), EL[size], v(), m, EL[size],
                                                 rnd.randrange(8 if size == 1 else 4))
        if c == 2:
            op = rnd.choice(['sqdmull', 'sqdmlal', 'sqdmlsl'])
            size = rnd.choice([1, 2])
            if rnd.random() < 0.5:
                return '%s %s%d, %s%d, %s%d' % (op, EL[size + 1], v(), EL[size], v(), EL[size],
                                               v())
            m = rnd.randrange(16) if size == 1 else v()
            return '%s %s%d, %s%d, v%d.%s[%d]' % (op, EL[size + 1], v(), EL[size], v(), m,
                                                 EL[size], rnd.randrange(8 if size == 1 else 4))
        size = rnd.randrange(4)
        return 'mov %s%d, v%d.%s[%d]' % (EL[size], v(), v(), EL[size], rnd.randrange(16 >> size))
    if kind == 14:
        c = rnd.randrange(8)
        if c == 0:
            return '%s v%d.16b, v%d.16b' % (rnd.choice(['aese', 'aesd', 'aesmc', 'aesimc']), v(),
                                            v())
        if c == 1:
            return '%s q%d, s%d, v%d.4s' % (rnd.choice(['sha1c', 'sha1p', 'sha1m']), v(), v(), v())
        if c == 2:
            c2 = rnd.randrange(3)
            if c2 == 0:
                return 'sha1h s%d, s%d' % (v(), v())
            if c2 == 1:
                return 'sha1su0 v%d.4s, v%d.4s, v%d.4s' % (v(), v(), v())
            return 'sha1su1 v%d.4s, v%d.4s' % (v(), v())
        if c == 3:
            c2 = rnd.randrange(4)
            if c2 < 2:
                return '%s q%d, q%d, v%d.4s' % (['sha256h', 'sha256h2'][c2], v(), v(), v())
            if c2 == 2:
                return 'sha256su0 v%d.4s, v%d.4s' % (v(), v())
            return 'sha256su1 v%d.4s, v%d.4s, v%d.4s' % (v(), v(), v())
        if c == 4:
            c2 = rnd.randrange(4)
            if c2 < 2:
                return '%s q%d, q%d, v%d.2d' % (['sha512h', 'sha512h2'][c2], v(), v(), v())
            if c2 == 2:
                return 'sha512su0 v%d.2d, v%d.2d' % (v(), v())
            return 'sha512su1 v%d.2d, v%d.2d, v%d.2d' % (v(), v(), v())
        if c == 5:
            c2 = rnd.randrange(4)
            if c2 == 0:
                return 'eor3 v%d.16b, v%d.16b, v%d.16b, v%d.16b' % (v(), v(), v(), v())
            if c2 == 1:
                return 'bcax v%d.16b, v%d.16b, v%d.16b, v%d.16b' % (v(), v(), v(), v())
            if c2 == 2:
                return 'rax1 v%d.2d, v%d.2d, v%d.2d' % (v(), v(), v())
            return 'xar v%d.2d, v%d.2d, v%d.2d, #%d' % (v(), v(), v(), rnd.randrange(64))
        if c == 6:
            return rnd.choice(['pmull v%d.1q, v%d.1d, v%d.1d', 'pmull2 v%d.1q, v%d.2d, v%d.2d']) % (
                v(), v(), v())
        return '%s v%d.%s, v%d.%s, v%d.%s' % (rnd.choice(['sdot', 'udot']), v(),
                                             *(lambda q: (q[0], v(), q[1], v(), q[1]))(
                                                 rnd.choice([('2s', '8b'), ('4s', '16b')])))
    if kind == 15:
        c = rnd.randrange(3)
        t = rnd.choice(['2s', '4s', '2d'])
        if c == 0:
            return 'fcmla v%d.%s, v%d.%s, v%d.%s, #%d' % (v(), t, v(), t, v(), t,
                                                          rnd.choice([0, 90, 180, 270]))
        if c == 1:
            return 'fcadd v%d.%s, v%d.%s, v%d.%s, #%d' % (v(), t, v(), t, v(), t,
                                                          rnd.choice([90, 270]))
        return 'fcmla v%d.4s, v%d.4s, v%d.s[%d], #%d' % (v(), v(), v(), rnd.randrange(2),
                                                          rnd.choice([0, 90, 180, 270]))
    if kind == 16:
        c = rnd.randrange(3)
        if c == 0:
            return 'fjcvtzs w%d, d%d' % (x(), v())
        e = rnd.choice('sd')
        return '%s %s%d, %s%d' % (rnd.choice(['frint32x', 'frint32z', 'frint64x', 'frint64z']),
                                  e, v(), e, v())
    if kind in (17, 18):
        return gen_simd_ldst(rnd)
    while True:
        text = gen_simd_insn(rnd)
        if not re.search(r'\b[xw]1[45]\b', text):     # x14/x15 belong to the harness
            return text


def gen_simd_ldst(rnd):
    """A structure load or store at x14 (reset to the buffer first)."""
    out = 'mov x14, x15\n\t'
    size = rnd.randrange(4)
    q = rnd.randrange(2)
    first = rnd.randrange(32)
    post = rnd.randrange(3)
    c = rnd.randrange(3)
    if c == 0:
        n = rnd.randrange(1, 5)
        if size == 3 and not q and n > 1:
            q = 1
        t = ARR[(size, q)] if (size, q) in ARR else '1d'
        regs = ', '.join('v%d.%s' % ((first + i) % 32, t) for i in range(n))
        op = rnd.choice(['ld', 'st'])
        if n == 1 or rnd.random() < 0.5:
            ins = '%s%d {%s}' % (op, n if n > 1 else 1, regs)
        else:
            ins = '%s1 {%s}' % (op, regs)
        total = n * (16 if q else 8)
    elif c == 1:
        n = rnd.randrange(1, 5)
        regs = ', '.join('v%d.%s' % ((first + i) % 32, EL[size]) for i in range(n))
        ins = '%s%d {%s}[%d]' % (rnd.choice(['ld', 'st']), n, regs, rnd.randrange(16 >> size))
        total = n << size
    else:
        n = rnd.randrange(1, 5)
        t = ARR[(size, q)] if (size, q) in ARR else '1d'
        regs = ', '.join('v%d.%s' % ((first + i) % 32, t) for i in range(n))
        ins = 'ld%dr {%s}' % (n, regs)
        total = n << size
    off = rnd.randrange(-8, 8) * 16
    if off:
        out += 'add x14, x14, #%d\n\t' % off if off > 0 else 'sub x14, x14, #%d\n\t' % -off
    if post == 1:
        ins += ', [x14], #%d' % total
    elif post == 2:
        ins += ', [x14], x%d' % rnd.randrange(14)
    else:
        ins += ', [x14]'
    return out + ins


def build_program(out_dir, seed, count, length, fp=False, simd=False, fp16=False):
    os.makedirs(out_dir, exist_ok=True)
    fp = fp or fp16
    kind = 'simd' if simd else 'fp16' if fp16 else 'fp' if fp else ''
    asm = os.path.join(out_dir, 'diff%s-%d-%d-%d.S' % (kind, seed, count, length))
    elf = asm[:-2] + '.elf'
    with open(asm, 'w') as f:
        if simd or fp:
            f.write(generate_fp(seed, count, length, simd, fp16))
        else:
            f.write(generate(seed, count, length))
    driver = 'driver_simd.c' if simd else 'driver_fp.c' if fp else 'driver.c'
    cmd = [build.DEFAULT_CC] + build.CFLAGS + ['-o', elf] + build.COMMON + \
          [os.path.join(HERE, 'difftest', driver), asm]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError('difftest: build failed:\n' + r.stdout[-3000:])
    return elf, asm


def run(cmd, elf, timeout):
    r = subprocess.run(cmd + ['-kernel', elf, '-nographic'], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    lines = [l for l in r.stdout.splitlines() if l.startswith('S0x')]
    return lines, r.stdout


FP_NAMES = (['v%d.lo' % i for i in range(32)] + ['v%d.hi' % i for i in range(32)] +
            ['x%d' % i for i in range(16)] + ['nzcv', 'fpcr', 'fpsr', 'memory'])


def compare(a_lines, b_lines, count, asm, fp=False):
    """Differences as text (empty when equal)."""
    msgs = []
    if len(a_lines) != count or len(b_lines) != count:
        msgs.append('sequence lines: %d vs %d (expected %d)' % (len(a_lines), len(b_lines), count))
    names = FP_NAMES if fp else ['x%d' % i for i in range(REGS)] + ['nzcv', 'memory']
    for la, lb in zip(a_lines, b_lines):
        if la != lb:
            fa, fb = la.split(), lb.split()
            regs = [names[i - 1] for i in range(1, min(len(fa), len(fb)))
                    if fa[i] != fb[i]]
            msgs.append('%s differs in %s' % (fa[0], ', '.join(regs)))
            for i in range(1, min(len(fa), len(fb))):
                if fa[i] != fb[i]:
                    msgs.append('   %-5s %s vs %s' % (names[i - 1], fa[i], fb[i]))
            if len(msgs) > 40:
                break
    if msgs:
        msgs.append('(program: %s)' % asm)
    return '\n'.join(msgs)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--fp', action='store_true', help='floating-point sequences')
    ap.add_argument('--fp16', action='store_true',
                    help='floating-point sequences with the half-precision forms')
    ap.add_argument('--simd', action='store_true',
                    help='the whole Advanced SIMD and crypto set, with structure loads/stores')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--count', type=int, default=200)
    ap.add_argument('--length', type=int, default=40)
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', '..', 'build', 'difftest'))
    ap.add_argument('--timeout', type=float, default=120)
    ap.add_argument('cmds', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmds = a.cmds
    if '--' in cmds:
        i = cmds.index('--')
        first, oracle = cmds[:i], cmds[i + 1:]
    else:
        first, oracle = cmds, ['qemu-system-aarch64', '-M', 'virt', '-cpu', 'max', '-nic', 'none']
    if not first:
        ap.error('give the emulator command to test')
    elf, asm = build_program(os.path.abspath(a.out), a.seed, a.count, a.length, a.fp, a.simd,
                             a.fp16)
    la, _ = run(first, elf, a.timeout)
    lb, _ = run(oracle, elf, a.timeout)
    diff = compare(la, lb, a.count, asm, a.fp or a.fp16 or a.simd)
    if diff:
        print(diff)
        print('difftest: %d sequences, seed %d: DIFFERENCES' % (a.count, a.seed))
        return 1
    print('difftest: %d sequences of %d instructions, seed %d: identical' %
          (a.count, a.length, a.seed))
    return 0


if __name__ == '__main__':
    sys.exit(main())
