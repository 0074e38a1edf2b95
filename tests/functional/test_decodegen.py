#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""site_scons/decodegen.py, the decoder generator shared by the CPU targets.

Bad tables fail with one line naming the file, the line and the rows (two
overlapping rows above all); a small good table is compiled with the host
compiler and its lookup, dispatch, field extraction (sign extension,
concatenation, shifts, offsets), overlap groups, reserved encodings,
feature gating and disassembly templates are checked from C.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

import tessera_test as tt

GEN = os.path.join(tt.ROOT, 'site_scons', 'decodegen.py')

HEADER = '''
prefix toy
features TOY_
field rd     11:7
field rs1    19:15
field imm    sext 31:20
decoder toy32 32
'''


def generate(text, d):
    src = os.path.join(d, 'toy.decode')
    with open(src, 'w') as fh:
        fh.write(textwrap.dedent(text))
    r = subprocess.run([sys.executable, GEN, src, '--decode-h', os.path.join(d, 'toy.decode.h'),
                        '--trans-h', os.path.join(d, 'toy.trans.h')],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    return r


class BadTables(unittest.TestCase):
    def refuse(self, body, *expect):
        with tempfile.TemporaryDirectory() as d:
            r = generate(HEADER + textwrap.dedent(body), d)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            msg = r.stderr.strip()
            self.assertEqual(len(msg.splitlines()), 1, msg)
            self.assertTrue(msg.startswith('decodegen: '), msg)
            for e in expect:
                self.assertIn(e, msg)
            self.assertFalse(os.path.exists(os.path.join(d, 'toy.decode.h')))
            return msg

    def test_overlapping_rows_are_refused_naming_both(self):
        msg = self.refuse('''
            args i rd rs1 imm
            format I i
            addi ............ ..... 000 ..... 0010011 I
            nop  000000000000 00000 000 00000 0010011
            ''', 'row nop overlaps row addi', 'toy.decode:12:', '(line 11)')
        self.assertIn('0x00000013', msg)

    def test_overlap_across_groups_is_refused(self):
        self.refuse('''
            {
              a 0000000000000000000000000 0000011
            }
            {
              b ......................... 0000011
            }
            ''', 'row b overlaps row a')

    def test_overlap_inside_a_group_is_allowed_elsewhere_not(self):
        self.refuse('''
            {
              a 0000000000000000000000000 0000011
              b ......................... 0000011
            }
            c 1111111111111111111111111 0000011
            ''', 'row c overlaps row b')

    def test_wrong_width(self):
        self.refuse('a 0000000 0000011\n', 'row a has 14 pattern bits', '32 bits wide')

    def test_unknown_format_and_field(self):
        self.refuse('a 0000000000000000000000000 0000011 NOPE\n', 'unknown format "NOPE"')
        self.refuse('args x v\nformat F x v=nosuch\n', 'unknown field "nosuch"')

    def test_member_without_value(self):
        self.refuse('args x rd other\nformat F x\na 0000000000000000000000000 0000011 F\n',
                    'member other of args x has no value')

    def test_template_names_a_non_member(self):
        self.refuse('args x rd\nformat F x "{rs1}"\na 0000000000000000000000000 0000011 F\n',
                    'template names rs1, not a member of args x')

    def test_one_trans_two_arg_sets(self):
        self.refuse('''
            args x rd
            args y rs1
            format FX x
            format FY y
            a 0000000000000000000000000 0000011 FX
            b 0000000000000000000000000 0000111 FY trans=a
            ''', 'row b calls trans_a with args y, but row a')

    def test_groups_must_balance(self):
        self.refuse('{\na 0000000000000000000000000 0000011\n', 'is never closed')
        self.refuse('}\n', 'unbalanced "}"')
        self.refuse('{\n{\n', 'do not nest')

    def test_duplicate_row_and_bad_field(self):
        self.refuse('a 0000000000000000000000000 0000011\na 0000000000000000000000000 0000111\n',
                    'row a defined twice')
        self.refuse('field bad 3:7\n', 'bad bit range "3:7"')

    def test_16_bit_field_outside_the_word(self):
        self.refuse('decoder toy16 16\nargs x rd rs1\nformat F x\n'
                    'c 0000000000000001 F\n', 'field rs1 lies outside the 16-bit word')

    def test_need_without_features(self):
        with tempfile.TemporaryDirectory() as d:
            r = generate('prefix toy\ndecoder d 16\nneed M\n', d)
            self.assertEqual(r.returncode, 1)
            self.assertIn('need= used without a "features PREFIX" line', r.stderr)


GOOD = '''
prefix toy
features TOY_
include "toyfn.h"
field rd     11:7
field rs1    19:15
field imm    sext 31:20
field off    sext 31 7 30:25 11:8 <<1
field cr     4:2 +8
field cimm   12 6:2
field hi     31:28 -1 call=toy_square
args i rd rs1 imm
args b rs1 imm
args c rd imm
args h rd imm
format I i "{rd:reg}, {rs1:reg}, {imm}"
format B b imm=off "{rs1:reg}, {imm:pc}"
format CLI c rd=cr imm=cimm "{rd:reg}, {imm}"
format H h imm=hi

decoder toy32 32
addi   ............ ..... 000 ..... 0010011  I
xori   ............ ..... 100 ..... 0010011  I  need=X
beq    ....... ..... ..... 000 ..... 1100011 B
sq     .... ................ ..... 0101011  H "{rd:reg}, {imm}"
{
  reserved 000000000000 00000 000 00000 0001011
  first    000000000000 ..... 000 ..... 0001011  I
  second   ............ ..... 000 ..... 0001011  I "{imm:x}"
}

decoder toy16 16
c_li   010 . ..... ..... 01  CLI trans=cli
'''

DRIVER = r'''
#include "toy.trans.h"
#include <assert.h>

#define TOY_X 1u

struct DisasContext { int calls; char last[16]; int64_t v[3]; bool first_ok; };

static bool rec(DisasContext *c, const char *n, int64_t a, int64_t b, int64_t d)
{
    c->calls++;
    snprintf(c->last, sizeof(c->last), "%s", n);
    c->v[0] = a; c->v[1] = b; c->v[2] = d;
    return true;
}
static bool trans_addi(DisasContext *c, arg_i *a) { return rec(c, "addi", a->rd, a->rs1, a->imm); }
static bool trans_xori(DisasContext *c, arg_i *a) { return rec(c, "xori", a->rd, a->rs1, a->imm); }
static bool trans_beq(DisasContext *c, arg_b *a) { return rec(c, "beq", a->rs1, a->imm, 0); }
static bool trans_first(DisasContext *c, arg_i *a)
{
    return c->first_ok ? rec(c, "first", a->rd, a->rs1, a->imm) : false;
}
static bool trans_second(DisasContext *c, arg_i *a) { return rec(c, "second", a->rd, a->rs1, a->imm); }
static bool trans_cli(DisasContext *c, arg_c *a) { return rec(c, "cli", a->rd, a->imm, 0); }
static bool trans_sq(DisasContext *c, arg_h *a) { return rec(c, "sq", a->rd, a->imm, 0); }

static bool reg(const char *kind, int64_t v, char *buf, size_t size)
{
    if (strcmp(kind, "reg")) {
        return false;
    }
    snprintf(buf, size, "r%d", (int)v);
    return true;
}

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); return 1; } } while (0)

int main(void)
{
    toy_args a;
    DisasContext ctx = { 0 };
    char buf[64];
    /* addi x5, x6, -7 */
    uint32_t w = 0xff930293u;
    CHECK(toy32_lookup(w, 0, &a) == TOY_ROW_ADDI);
    CHECK(a.i.rd == 5 && a.i.rs1 == 6 && a.i.imm == -7);
    CHECK(toy32(&ctx, w, 0) && !strcmp(ctx.last, "addi") && ctx.v[2] == -7);
    toy_disas_row(TOY_ROW_ADDI, &a, 0, buf, sizeof(buf), reg);
    CHECK(!strcmp(buf, "addi r5, r6, -7"));
    /* xori needs feature X */
    w = 0x00f34293u;
    CHECK(toy32_lookup(w, 0, &a) == -1);
    CHECK(!toy32(&ctx, w, 0));
    CHECK(toy32_lookup(w, TOY_X, &a) == TOY_ROW_XORI && a.i.imm == 15);
    /* beq x10, x11, -4096: scattered, sign-extended, shifted offset */
    w = 0x80b50063u;
    CHECK(toy32_lookup(w, 0, &a) == TOY_ROW_BEQ);
    CHECK(a.b.rs1 == 10 && a.b.imm == -4096);
    toy_disas_row(TOY_ROW_BEQ, &a, 0x2000, buf, sizeof(buf), reg);
    CHECK(!strcmp(buf, "beq r10, 0x1000"));
    w = 0x7e944fe3u & ~0x7000u;   /* offset 4094 */
    CHECK(toy32_lookup(w, 0, &a) == TOY_ROW_BEQ && a.b.imm == 4094);
    /* group: reserved first, then rows in order; a refusing trans_ falls through */
    CHECK(toy32_lookup(0x0000000bu, 0, &a) == -1);
    CHECK(!toy32(&ctx, 0x0000000bu, 0));
    w = 0x0003028bu;              /* imm 0: "first" matches first */
    CHECK(toy32_lookup(w, 0, &a) == TOY_ROW_FIRST);
    ctx.first_ok = true;
    CHECK(toy32(&ctx, w, 0) && !strcmp(ctx.last, "first"));
    ctx.first_ok = false;
    CHECK(toy32(&ctx, w, 0) && !strcmp(ctx.last, "second"));
    w = 0x0213028bu;              /* imm 0x21: only "second" */
    CHECK(toy32_lookup(w, 0, &a) == TOY_ROW_SECOND);
    toy_disas_row(TOY_ROW_SECOND, &a, 0, buf, sizeof(buf), reg);
    CHECK(!strcmp(buf, "second 0x21"));
    /* derived field: (bits 31:28 - 1) squared */
    w = 0x5000002bu | (7u << 7);
    CHECK(toy32_lookup(w, 0, &a) == TOY_ROW_SQ && a.h.rd == 7 && a.h.imm == 16);
    toy_disas_row(TOY_ROW_SQ, &a, 0, buf, sizeof(buf), reg);
    CHECK(!strcmp(buf, "sq r7, 16"));
    /* unknown */
    CHECK(toy32_lookup(0xffffffffu, TOY_X, &a) == -1);
    CHECK(!toy32(&ctx, 0xffffffffu, TOY_X));
    /* 16-bit: register offset +8, unsigned concatenation, other trans name */
    uint32_t h = 0x4000u | (1u << 12) | (3u << 2) | 1u;   /* rd' = 3, imm = 32 | 3 */
    CHECK(toy16_lookup(h, 0, &a) == TOY_ROW_C_LI);
    CHECK(a.c.rd == 11 && a.c.imm == 35);
    toy_disas_row(TOY_ROW_C_LI, &a, 0, buf, sizeof(buf), reg);
    CHECK(!strcmp(buf, "c.li r11, 35"));
    CHECK(toy16(&ctx, h, 0) && !strcmp(ctx.last, "cli"));
    CHECK(!strcmp(toy_rows[TOY_ROW_C_LI].mnemonic, "c.li"));
    CHECK(!strcmp(toy_rows[TOY_ROW_C_LI].trans, "cli"));
    CHECK(toy_rows[TOY_ROW_FIRST].group != 0 && toy_rows[TOY_ROW_ADDI].group == 0);
    CHECK(TOY_NUM_RESERVED == 1);
    printf("ok\n");
    return 0;
}
'''


class GoodTable(unittest.TestCase):
    def test_generated_decoder_compiles_and_decodes(self):
        cc = shutil.which('gcc') or shutil.which('cc')
        self.assertTrue(cc, 'no host C compiler (gcc) on PATH')
        with tempfile.TemporaryDirectory() as d:
            r = generate(GOOD, d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, 'toy.decode.h')) as fh:
                header = fh.read()
            # A tree, not a scan: the 32-bit decoder switches on the bits every
            # row fixes (the opcode), then on what rows under one case fix.
            for sw in ('switch (insn & 0x0000007fu)', 'switch (insn & 0x00007000u)'):
                self.assertTrue(sw in header, 'no "%s" in the generated decoder' % sw)
            with open(os.path.join(d, 'toyfn.h'), 'w') as fh:
                fh.write('#include <stdint.h>\n'
                         'static inline int64_t toy_square(int64_t v) { return v * v; }\n')
            drv = os.path.join(d, 'driver.c')
            with open(drv, 'w') as fh:
                fh.write('#define TOY_X 1u\n' + DRIVER.replace('#define TOY_X 1u\n', ''))
            exe = os.path.join(d, 'driver')
            c = subprocess.run([cc, '-std=gnu11', '-Wall', '-Wextra', '-Werror',
                                '-Wno-unused-parameter', '-I', d, '-o', exe, drv],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(c.returncode, 0, c.stdout)
            out = subprocess.run([exe], stdout=subprocess.PIPE, text=True, timeout=30)
            self.assertEqual(out.stdout.strip(), 'ok', out.stdout)
            self.assertEqual(out.returncode, 0)


if __name__ == '__main__':
    sys.exit(tt.main('decodegen'))
