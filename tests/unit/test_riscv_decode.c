/* SPDX-License-Identifier: MIT */
/*
 * The RISC-V instruction table (insn.decode) and its generated decoder: no
 * two rows match the same word outside an overlap group, the generated tree
 * agrees with a plain scan of the table, words produced by the GNU
 * assembler decode to the row binutils names with the same operands, and
 * the disassembler prints them.
 */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_riscv_all.h"

#define ALL_EXTS 0xffffffffu

/* Generated once with riscv64-unknown-elf-as/objdump -M no-aliases,numeric:
 * word, length, mnemonic, rd, rs1, rs2 (-1: not checked), imm (if has_imm). */
typedef struct KnownEncoding {
    uint32_t raw;
    int len;
    const char *name;
    int rd, rs1, rs2;
    bool has_imm;
    int64_t imm;
} KnownEncoding;

static const KnownEncoding known[] = {
    { 0x12345537, 4, "lui", 10, -1, -1, true, 305418240 },
    { 0xfffff317, 4, "auipc", 6, -1, -1, true, -4096 },
    { 0x001000ef, 4, "jal", 1, -1, -1, true, 2048 },
    { 0xffc582e7, 4, "jalr", 5, 11, -1, true, -4 },
    { 0x80b50063, 4, "beq", -1, 10, 11, true, -4096 },
    { 0x00b51463, 4, "bne", -1, 10, 11, true, 8 },
    { 0x7e944fe3, 4, "blt", -1, 8, 9, true, 4094 },
    { 0xfe735fe3, 4, "bge", -1, 6, 7, true, -2 },
    { 0x00d66863, 4, "bltu", -1, 12, 13, true, 16 },
    { 0xfef778e3, 4, "bgeu", -1, 14, 15, true, -16 },
    { 0xfff10503, 4, "lb", 10, 2, -1, true, -1 },
    { 0x00211583, 4, "lh", 11, 2, -1, true, 2 },
    { 0x80012603, 4, "lw", 12, 2, -1, true, -2048 },
    { 0x7ff13683, 4, "ld", 13, 2, -1, true, 2047 },
    { 0x00054703, 4, "lbu", 14, 10, -1, true, 0 },
    { 0x0045d783, 4, "lhu", 15, 11, -1, true, 4 },
    { 0x00866803, 4, "lwu", 16, 12, -1, true, 8 },
    { 0xfea10fa3, 4, "sb", -1, 2, 10, true, -1 },
    { 0x00b11123, 4, "sh", -1, 2, 11, true, 2 },
    { 0x80c12023, 4, "sw", -1, 2, 12, true, -2048 },
    { 0x7ed13fa3, 4, "sd", -1, 2, 13, true, 2047 },
    { 0xff958513, 4, "addi", 10, 11, -1, true, -7 },
    { 0x0055a513, 4, "slti", 10, 11, -1, true, 5 },
    { 0xfff5b513, 4, "sltiu", 10, 11, -1, true, -1 },
    { 0x7ff5c513, 4, "xori", 10, 11, -1, true, 2047 },
    { 0x8005e513, 4, "ori", 10, 11, -1, true, -2048 },
    { 0x00f5f513, 4, "andi", 10, 11, -1, true, 15 },
    { 0x03f59513, 4, "slli", 10, 11, -1, true, 63 },
    { 0x0215d513, 4, "srli", 10, 11, -1, true, 33 },
    { 0x4015d513, 4, "srai", 10, 11, -1, true, 1 },
    { 0x01498933, 4, "add", 18, 19, 20, false, 0 },
    { 0x41498933, 4, "sub", 18, 19, 20, false, 0 },
    { 0x01499933, 4, "sll", 18, 19, 20, false, 0 },
    { 0x0149a933, 4, "slt", 18, 19, 20, false, 0 },
    { 0x0149b933, 4, "sltu", 18, 19, 20, false, 0 },
    { 0x0149c933, 4, "xor", 18, 19, 20, false, 0 },
    { 0x0149d933, 4, "srl", 18, 19, 20, false, 0 },
    { 0x4149d933, 4, "sra", 18, 19, 20, false, 0 },
    { 0x0149e933, 4, "or", 18, 19, 20, false, 0 },
    { 0x0149f933, 4, "and", 18, 19, 20, false, 0 },
    { 0xfffe8e1b, 4, "addiw", 28, 29, -1, true, -1 },
    { 0x01fe9e1b, 4, "slliw", 28, 29, -1, true, 31 },
    { 0x007ede1b, 4, "srliw", 28, 29, -1, true, 7 },
    { 0x403ede1b, 4, "sraiw", 28, 29, -1, true, 3 },
    { 0x01ee8e3b, 4, "addw", 28, 29, 30, false, 0 },
    { 0x41ee8e3b, 4, "subw", 28, 29, 30, false, 0 },
    { 0x01ee9e3b, 4, "sllw", 28, 29, 30, false, 0 },
    { 0x01eede3b, 4, "srlw", 28, 29, 30, false, 0 },
    { 0x41eede3b, 4, "sraw", 28, 29, 30, false, 0 },
    { 0x0330000f, 4, "fence", -1, -1, -1, false, 0 },
    { 0x00000073, 4, "ecall", -1, -1, -1, false, 0 },
    { 0x00100073, 4, "ebreak", -1, -1, -1, false, 0 },
    { 0x0000100f, 4, "fence.i", -1, -1, -1, false, 0 },
    { 0x30059573, 4, "csrrw", 10, -1, -1, false, 0 },
    { 0x3445a573, 4, "csrrs", 10, -1, -1, false, 0 },
    { 0x1005b573, 4, "csrrc", 10, -1, -1, false, 0 },
    { 0x305fd573, 4, "csrrwi", 10, -1, -1, false, 0 },
    { 0x7c00e573, 4, "csrrsi", 10, -1, -1, false, 0 },
    { 0xc0017573, 4, "csrrci", 10, -1, -1, false, 0 },
    { 0x10200073, 4, "sret", -1, -1, -1, false, 0 },
    { 0x30200073, 4, "mret", -1, -1, -1, false, 0 },
    { 0x10500073, 4, "wfi", -1, -1, -1, false, 0 },
    { 0x12b50073, 4, "sfence.vma", -1, 10, 11, false, 0 },
    { 0x02c58533, 4, "mul", 10, 11, 12, false, 0 },
    { 0x02c59533, 4, "mulh", 10, 11, 12, false, 0 },
    { 0x02c5a533, 4, "mulhsu", 10, 11, 12, false, 0 },
    { 0x02c5b533, 4, "mulhu", 10, 11, 12, false, 0 },
    { 0x02c5c533, 4, "div", 10, 11, 12, false, 0 },
    { 0x02c5d533, 4, "divu", 10, 11, 12, false, 0 },
    { 0x02c5e533, 4, "rem", 10, 11, 12, false, 0 },
    { 0x02c5f533, 4, "remu", 10, 11, 12, false, 0 },
    { 0x02c5853b, 4, "mulw", 10, 11, 12, false, 0 },
    { 0x02c5c53b, 4, "divw", 10, 11, 12, false, 0 },
    { 0x02c5d53b, 4, "divuw", 10, 11, 12, false, 0 },
    { 0x02c5e53b, 4, "remw", 10, 11, 12, false, 0 },
    { 0x02c5f53b, 4, "remuw", 10, 11, 12, false, 0 },
    { 0x1005a52f, 4, "lr.w", 10, 11, -1, false, 0 },
    { 0x18c5a52f, 4, "sc.w", 10, 11, 12, false, 0 },
    { 0x0cc5a52f, 4, "amoswap.w", 10, 11, 12, false, 0 },
    { 0x00c5a52f, 4, "amoadd.w", 10, 11, 12, false, 0 },
    { 0x20c5a52f, 4, "amoxor.w", 10, 11, 12, false, 0 },
    { 0x60c5a52f, 4, "amoand.w", 10, 11, 12, false, 0 },
    { 0x40c5a52f, 4, "amoor.w", 10, 11, 12, false, 0 },
    { 0x80c5a52f, 4, "amomin.w", 10, 11, 12, false, 0 },
    { 0xa0c5a52f, 4, "amomax.w", 10, 11, 12, false, 0 },
    { 0xc0c5a52f, 4, "amominu.w", 10, 11, 12, false, 0 },
    { 0xe6c5a52f, 4, "amomaxu.w", 10, 11, 12, false, 0 },
    { 0x1605b52f, 4, "lr.d", 10, 11, -1, false, 0 },
    { 0x1ac5b52f, 4, "sc.d", 10, 11, 12, false, 0 },
    { 0x08c5b52f, 4, "amoswap.d", 10, 11, 12, false, 0 },
    { 0x00c5b52f, 4, "amoadd.d", 10, 11, 12, false, 0 },
    { 0x20c5b52f, 4, "amoxor.d", 10, 11, 12, false, 0 },
    { 0x60c5b52f, 4, "amoand.d", 10, 11, 12, false, 0 },
    { 0x40c5b52f, 4, "amoor.d", 10, 11, 12, false, 0 },
    { 0x80c5b52f, 4, "amomin.d", 10, 11, 12, false, 0 },
    { 0xa0c5b52f, 4, "amomax.d", 10, 11, 12, false, 0 },
    { 0xc0c5b52f, 4, "amominu.d", 10, 11, 12, false, 0 },
    { 0xe0c5b52f, 4, "amomaxu.d", 10, 11, 12, false, 0 },
    { 0x00852507, 4, "flw", 10, 10, -1, true, 8 },
    { 0xfeb52c27, 4, "fsw", -1, 10, 11, true, -8 },
    { 0x68c58543, 4, "fmadd.s", 10, 11, 12, false, 0 },
    { 0x68c59547, 4, "fmsub.s", 10, 11, 12, false, 0 },
    { 0x68c5a54b, 4, "fnmsub.s", 10, 11, 12, false, 0 },
    { 0x68c5b54f, 4, "fnmadd.s", 10, 11, 12, false, 0 },
    { 0x00c5c553, 4, "fadd.s", 10, 11, 12, false, 0 },
    { 0x08c5f553, 4, "fsub.s", 10, 11, 12, false, 0 },
    { 0x10c5f553, 4, "fmul.s", 10, 11, 12, false, 0 },
    { 0x18c5f553, 4, "fdiv.s", 10, 11, 12, false, 0 },
    { 0x5805f553, 4, "fsqrt.s", 10, 11, -1, false, 0 },
    { 0x20c58553, 4, "fsgnj.s", 10, 11, 12, false, 0 },
    { 0x20c59553, 4, "fsgnjn.s", 10, 11, 12, false, 0 },
    { 0x20c5a553, 4, "fsgnjx.s", 10, 11, 12, false, 0 },
    { 0x28c58553, 4, "fmin.s", 10, 11, 12, false, 0 },
    { 0x28c59553, 4, "fmax.s", 10, 11, 12, false, 0 },
    { 0xc0059553, 4, "fcvt.w.s", 10, 11, -1, false, 0 },
    { 0xc015f553, 4, "fcvt.wu.s", 10, 11, -1, false, 0 },
    { 0xc025f553, 4, "fcvt.l.s", 10, 11, -1, false, 0 },
    { 0xc035f553, 4, "fcvt.lu.s", 10, 11, -1, false, 0 },
    { 0xe0058553, 4, "fmv.x.w", 10, 11, -1, false, 0 },
    { 0xe0059553, 4, "fclass.s", 10, 11, -1, false, 0 },
    { 0xa0c5a553, 4, "feq.s", 10, 11, 12, false, 0 },
    { 0xa0c59553, 4, "flt.s", 10, 11, 12, false, 0 },
    { 0xa0c58553, 4, "fle.s", 10, 11, 12, false, 0 },
    { 0xd005f553, 4, "fcvt.s.w", 10, 11, -1, false, 0 },
    { 0xd015f553, 4, "fcvt.s.wu", 10, 11, -1, false, 0 },
    { 0xd025f553, 4, "fcvt.s.l", 10, 11, -1, false, 0 },
    { 0xd035f553, 4, "fcvt.s.lu", 10, 11, -1, false, 0 },
    { 0xf0058553, 4, "fmv.w.x", 10, 11, -1, false, 0 },
    { 0x00853507, 4, "fld", 10, 10, -1, true, 8 },
    { 0xfeb53c27, 4, "fsd", -1, 10, 11, true, -8 },
    { 0x6ac5f543, 4, "fmadd.d", 10, 11, 12, false, 0 },
    { 0x6ac5f547, 4, "fmsub.d", 10, 11, 12, false, 0 },
    { 0x6ac5f54b, 4, "fnmsub.d", 10, 11, 12, false, 0 },
    { 0x6ac5f54f, 4, "fnmadd.d", 10, 11, 12, false, 0 },
    { 0x02c5f553, 4, "fadd.d", 10, 11, 12, false, 0 },
    { 0x0ac5f553, 4, "fsub.d", 10, 11, 12, false, 0 },
    { 0x12c5f553, 4, "fmul.d", 10, 11, 12, false, 0 },
    { 0x1ac5f553, 4, "fdiv.d", 10, 11, 12, false, 0 },
    { 0x5a05f553, 4, "fsqrt.d", 10, 11, -1, false, 0 },
    { 0x22c58553, 4, "fsgnj.d", 10, 11, 12, false, 0 },
    { 0x22c59553, 4, "fsgnjn.d", 10, 11, 12, false, 0 },
    { 0x22c5a553, 4, "fsgnjx.d", 10, 11, 12, false, 0 },
    { 0x2ac58553, 4, "fmin.d", 10, 11, 12, false, 0 },
    { 0x2ac59553, 4, "fmax.d", 10, 11, 12, false, 0 },
    { 0x4015f553, 4, "fcvt.s.d", 10, 11, -1, false, 0 },
    { 0x42058553, 4, "fcvt.d.s", 10, 11, -1, false, 0 },
    { 0xa2c5a553, 4, "feq.d", 10, 11, 12, false, 0 },
    { 0xa2c59553, 4, "flt.d", 10, 11, 12, false, 0 },
    { 0xa2c58553, 4, "fle.d", 10, 11, 12, false, 0 },
    { 0xe2059553, 4, "fclass.d", 10, 11, -1, false, 0 },
    { 0xc205f553, 4, "fcvt.w.d", 10, 11, -1, false, 0 },
    { 0xc215f553, 4, "fcvt.wu.d", 10, 11, -1, false, 0 },
    { 0xc225f553, 4, "fcvt.l.d", 10, 11, -1, false, 0 },
    { 0xc235f553, 4, "fcvt.lu.d", 10, 11, -1, false, 0 },
    { 0xd2058553, 4, "fcvt.d.w", 10, 11, -1, false, 0 },
    { 0xd2158553, 4, "fcvt.d.wu", 10, 11, -1, false, 0 },
    { 0xd225f553, 4, "fcvt.d.l", 10, 11, -1, false, 0 },
    { 0xd235f553, 4, "fcvt.d.lu", 10, 11, -1, false, 0 },
    { 0xe2058553, 4, "fmv.x.d", 10, 11, -1, false, 0 },
    { 0xf2058553, 4, "fmv.d.x", 10, 11, -1, false, 0 },
    { 0x20c5a533, 4, "sh1add", 10, 11, 12, false, 0 },
    { 0x20c5c533, 4, "sh2add", 10, 11, 12, false, 0 },
    { 0x20c5e533, 4, "sh3add", 10, 11, 12, false, 0 },
    { 0x08c5853b, 4, "add.uw", 10, 11, 12, false, 0 },
    { 0x20c5a53b, 4, "sh1add.uw", 10, 11, 12, false, 0 },
    { 0x20c5c53b, 4, "sh2add.uw", 10, 11, 12, false, 0 },
    { 0x20c5e53b, 4, "sh3add.uw", 10, 11, 12, false, 0 },
    { 0x0a85951b, 4, "slli.uw", 10, 11, -1, true, 40 },
    { 0x40c5f533, 4, "andn", 10, 11, 12, false, 0 },
    { 0x40c5e533, 4, "orn", 10, 11, 12, false, 0 },
    { 0x40c5c533, 4, "xnor", 10, 11, 12, false, 0 },
    { 0x60059513, 4, "clz", 10, 11, -1, false, 0 },
    { 0x60159513, 4, "ctz", 10, 11, -1, false, 0 },
    { 0x60259513, 4, "cpop", 10, 11, -1, false, 0 },
    { 0x60459513, 4, "sext.b", 10, 11, -1, false, 0 },
    { 0x60559513, 4, "sext.h", 10, 11, -1, false, 0 },
    { 0x6005951b, 4, "clzw", 10, 11, -1, false, 0 },
    { 0x6015951b, 4, "ctzw", 10, 11, -1, false, 0 },
    { 0x6025951b, 4, "cpopw", 10, 11, -1, false, 0 },
    { 0x0ac5e533, 4, "max", 10, 11, 12, false, 0 },
    { 0x0ac5f533, 4, "maxu", 10, 11, 12, false, 0 },
    { 0x0ac5c533, 4, "min", 10, 11, 12, false, 0 },
    { 0x0ac5d533, 4, "minu", 10, 11, 12, false, 0 },
    { 0x0805c53b, 4, "zext.h", 10, 11, -1, false, 0 },
    { 0x60c59533, 4, "rol", 10, 11, 12, false, 0 },
    { 0x60c5d533, 4, "ror", 10, 11, 12, false, 0 },
    { 0x60c5953b, 4, "rolw", 10, 11, 12, false, 0 },
    { 0x60c5d53b, 4, "rorw", 10, 11, 12, false, 0 },
    { 0x63f5d513, 4, "rori", 10, 11, -1, true, 63 },
    { 0x61f5d51b, 4, "roriw", 10, 11, -1, true, 31 },
    { 0x2875d513, 4, "orc.b", 10, 11, -1, false, 0 },
    { 0x6b85d513, 4, "rev8", 10, 11, -1, false, 0 },
    { 0x0ac59533, 4, "clmul", 10, 11, 12, false, 0 },
    { 0x0ac5a533, 4, "clmulr", 10, 11, 12, false, 0 },
    { 0x0ac5b533, 4, "clmulh", 10, 11, 12, false, 0 },
    { 0x48c59533, 4, "bclr", 10, 11, 12, false, 0 },
    { 0x48c5d533, 4, "bext", 10, 11, 12, false, 0 },
    { 0x68c59533, 4, "binv", 10, 11, 12, false, 0 },
    { 0x28c59533, 4, "bset", 10, 11, 12, false, 0 },
    { 0x4bf59513, 4, "bclri", 10, 11, -1, true, 63 },
    { 0x4855d513, 4, "bexti", 10, 11, -1, true, 5 },
    { 0x6a059513, 4, "binvi", 10, 11, -1, true, 32 },
    { 0x28059513, 4, "bseti", 10, 11, -1, true, 0 },
    { 0x00001fe8, 2, "c.addi4spn", 10, 2, -1, true, 1020 },
    { 0x00003de8, 2, "c.fld", 10, 11, -1, true, 248 },
    { 0x00005ef0, 2, "c.lw", 12, 13, -1, true, 124 },
    { 0x00007ff8, 2, "c.ld", 14, 15, -1, true, 248 },
    { 0x0000a588, 2, "c.fsd", -1, 11, 10, true, 8 },
    { 0x0000c2d0, 2, "c.sw", -1, 13, 12, true, 4 },
    { 0x0000eb98, 2, "c.sd", -1, 15, 14, true, 16 },
    { 0x00001501, 2, "c.addi", 10, 10, -1, true, -32 },
    { 0x000025fd, 2, "c.addiw", 11, 11, -1, true, 31 },
    { 0x0000567d, 2, "c.li", 12, 0, -1, true, -1 },
    { 0x00007101, 2, "c.addi16sp", 2, 2, -1, true, -512 },
    { 0x00007681, 2, "c.lui", 13, -1, -1, true, -131072 },
    { 0x0000937d, 2, "c.srli", 14, 14, -1, true, 63 },
    { 0x00008785, 2, "c.srai", 15, 15, -1, true, 1 },
    { 0x00009875, 2, "c.andi", 8, 8, -1, true, -3 },
    { 0x00008c89, 2, "c.sub", 9, 9, 10, false, 0 },
    { 0x00008ca9, 2, "c.xor", 9, 9, 10, false, 0 },
    { 0x00008cc9, 2, "c.or", 9, 9, 10, false, 0 },
    { 0x00008ce9, 2, "c.and", 9, 9, 10, false, 0 },
    { 0x00009c89, 2, "c.subw", 9, 9, 10, false, 0 },
    { 0x00009ca9, 2, "c.addw", 9, 9, 10, false, 0 },
    { 0x0000b001, 2, "c.j", 0, -1, -1, true, -2048 },
    { 0x0000d101, 2, "c.beqz", -1, 10, 0, true, -256 },
    { 0x0000edfd, 2, "c.bnez", -1, 11, 0, true, 254 },
    { 0x000002c6, 2, "c.slli", 5, 5, -1, true, 17 },
    { 0x000035fe, 2, "c.fldsp", 11, 2, -1, true, 504 },
    { 0x0000537e, 2, "c.lwsp", 6, 2, -1, true, 252 },
    { 0x000073fe, 2, "c.ldsp", 7, 2, -1, true, 504 },
    { 0x00008e02, 2, "c.jr", 0, 28, -1, true, 0 },
    { 0x00008efa, 2, "c.mv", 29, 0, 30, false, 0 },
    { 0x00009002, 2, "c.ebreak", -1, -1, -1, false, 0 },
    { 0x00009f82, 2, "c.jalr", 1, 31, -1, true, 0 },
    { 0x0000994e, 2, "c.add", 18, 18, 19, false, 0 },
    { 0x0000bfa2, 2, "c.fsdsp", -1, 2, 8, true, 504 },
    { 0x0000dfd2, 2, "c.swsp", -1, 2, 20, true, 252 },
    { 0x0000ffd6, 2, "c.sdsp", -1, 2, 21, true, 504 },
};


static bool rows_overlap(uint32_t mask_a, uint32_t match_a, uint32_t mask_b, uint32_t match_b)
{
    return ((match_a ^ match_b) & mask_a & mask_b) == 0;
}

START_TEST(test_no_overlap)
{
    for (int i = 0; i < RISCV_NUM_ROWS; i++) {
        const RiscvRowInfo *a = &riscv_rows[i];
        ck_assert_msg((a->match & ~a->mask) == 0, "%s: match has bits outside mask", a->name);
        ck_assert_msg(a->width == 32 || (a->mask >> 16) == 0, "%s: 16-bit row with high bits",
                      a->name);
        for (int j = i + 1; j < RISCV_NUM_ROWS; j++) {
            const RiscvRowInfo *b = &riscv_rows[j];
            if (a->decoder != b->decoder || !rows_overlap(a->mask, a->match, b->mask, b->match)) {
                continue;
            }
            ck_assert_msg(a->group && a->group == b->group,
                          "%s (line %u) and %s (line %u) overlap outside an overlap group",
                          a->name, a->line, b->name, b->line);
        }
    }
    for (int i = 0; i < RISCV_NUM_RESERVED; i++) {
        ck_assert_msg(riscv_reserved[i].group, "reserved row at line %u is in no group",
                      riscv_reserved[i].line);
    }
}
END_TEST

/* The table read the slow way: rows and reserved encodings of @decoder in
 * file order, the first that matches (with its features on) wins. */
static int scan_table(unsigned decoder, uint32_t w, uint64_t features)
{
    int best = -1;
    unsigned best_line = UINT_MAX;
    for (int i = 0; i < RISCV_NUM_ROWS; i++) {
        const RiscvRowInfo *r = &riscv_rows[i];
        if (r->decoder == decoder && (w & r->mask) == r->match &&
            (features & r->need) == r->need && r->line < best_line) {
            best = i;
            best_line = r->line;
        }
    }
    for (int i = 0; i < RISCV_NUM_RESERVED; i++) {
        const RiscvReserved *r = &riscv_reserved[i];
        if (r->decoder == decoder && (w & r->mask) == r->match && r->line < best_line) {
            best = -1;
            best_line = r->line;
        }
    }
    return best;
}

static const uint64_t feature_sets[] = {
    ALL_EXTS,
    ALL_EXTS & ~RISCV_EXT_M,
    ALL_EXTS & ~RISCV_EXT_D,
    ALL_EXTS & ~(RISCV_EXT_F | RISCV_EXT_D | RISCV_EXT_C),
    RISCV_EXT_I | RISCV_EXT_C,
};

START_TEST(test_tree_agrees_with_table_scan)
{
    riscv_args a;
    for (size_t f = 0; f < G_N_ELEMENTS(feature_sets); f++) {
        uint64_t feat = feature_sets[f];
        for (uint32_t w = 0; w <= 0xffff; w++) {
            int got = riscv_insn16_lookup(w, feat, &a);
            ck_assert_msg(got == scan_table(1, w, feat), "16-bit 0x%04x: tree %d, table %d", w,
                          got, scan_table(1, w, feat));
        }
        /* Every 32-bit row with its free bits clear, set and random. */
        GRand *rand = g_rand_new_with_seed(42);
        for (int i = 0; i < RISCV_NUM_ROWS; i++) {
            const RiscvRowInfo *r = &riscv_rows[i];
            if (r->width != 32) {
                continue;
            }
            uint32_t words[18] = { r->match, r->match | ~r->mask };
            for (int k = 2; k < 18; k++) {
                words[k] = r->match | (g_rand_int(rand) & ~r->mask);
            }
            for (int k = 0; k < 18; k++) {
                int got = riscv_insn32_lookup(words[k], feat, &a);
                ck_assert_msg(got == scan_table(0, words[k], feat),
                              "0x%08x (%s pattern): tree %d, table %d", words[k], r->name, got,
                              scan_table(0, words[k], feat));
            }
        }
        for (int k = 0; k < 200000; k++) {
            uint32_t w = g_rand_int(rand) | 3;
            int got = riscv_insn32_lookup(w, feat, &a);
            ck_assert_msg(got == scan_table(0, w, feat), "0x%08x: tree %d, table %d", w, got,
                          scan_table(0, w, feat));
        }
        g_rand_free(rand);
    }
}
END_TEST

static void check_operand(const KnownEncoding *k, const RISCVInsn *insn, const char *name,
                          int64_t want)
{
    int64_t v;
    ck_assert_msg(riscv_insn_operand(insn, name, &v), "%s: row has no operand %s", k->name,
                  name);
    ck_assert_msg(v == want, "%s: %s %" G_GINT64_FORMAT " != %" G_GINT64_FORMAT, k->name, name,
                  v, want);
}

START_TEST(test_known_encodings)
{
    int checked_rows[RISCV_NUM_ROWS] = { 0 };
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
        const KnownEncoding *k = &known[i];
        RISCVInsn insn;
        riscv_decode(k->raw, ALL_EXTS, &insn);
        ck_assert_msg(insn.row >= 0, "0x%08x (%s) decodes as illegal", k->raw, k->name);
        ck_assert_msg(!strcmp(riscv_rows[insn.row].mnemonic, k->name),
                      "0x%08x: expected %s, got %s", k->raw, k->name,
                      riscv_rows[insn.row].mnemonic);
        ck_assert_int_eq(insn.len, k->len);
        if (k->rd >= 0) {
            check_operand(k, &insn, "rd", k->rd);
        }
        if (k->rs1 >= 0) {
            check_operand(k, &insn, "rs1", k->rs1);
        }
        if (k->rs2 >= 0) {
            check_operand(k, &insn, "rs2", k->rs2);
        }
        if (k->has_imm) {
            check_operand(k, &insn, "imm", k->imm);
        }
        checked_rows[insn.row]++;
    }
    for (int i = 0; i < RISCV_NUM_ROWS; i++) {
        ck_assert_msg(checked_rows[i], "row %s has no known encoding", riscv_rows[i].name);
    }
}
END_TEST

/* A compressed row is translated by its 32-bit twin's trans_ function with
 * the same operand struct, so each operation has one translation. */
START_TEST(test_compressed_rows_share_32bit_semantics)
{
    for (int i = 0; i < RISCV_NUM_ROWS; i++) {
        const RiscvRowInfo *c = &riscv_rows[i];
        if (c->width != 16) {
            continue;
        }
        bool found = false;
        for (int j = 0; j < RISCV_NUM_ROWS && !found; j++) {
            const RiscvRowInfo *b = &riscv_rows[j];
            found = b->width == 32 && !strcmp(b->trans, c->trans) && !strcmp(b->args, c->args) &&
                    !strcmp(b->name, c->trans);
        }
        ck_assert_msg(found, "%s calls trans_%s, which is no 32-bit row's", c->name, c->trans);
    }
}
END_TEST

START_TEST(test_disabled_extension_is_illegal)
{
    RISCVInsn insn;
    riscv_decode(0x02c58533 /* mul a0,a1,a2 */, ALL_EXTS & ~RISCV_EXT_M, &insn);
    ck_assert_int_eq(insn.row, -1);
    riscv_decode(0x1501 /* c.addi */, ALL_EXTS & ~RISCV_EXT_C, &insn);
    ck_assert_int_eq(insn.row, -1);
    riscv_decode(0x3de8 /* c.fld */, ALL_EXTS & ~RISCV_EXT_D, &insn);
    ck_assert_int_eq(insn.row, -1);
    riscv_decode(0x3de8 /* c.fld */, ALL_EXTS, &insn);
    ck_assert_int_eq(insn.row, RISCV_ROW_C_FLD);
}
END_TEST

START_TEST(test_reserved_compressed_are_illegal)
{
    static const uint16_t reserved[] = {
        0x0000,  /* all zero: c.addi4spn with nzuimm 0 */
        0x8002,  /* c.jr x0 */
        0x4002,  /* c.lwsp x0 */
        0x6002,  /* c.ldsp x0 */
        0x6101,  /* c.addi16sp with imm 0 */
        0x2001,  /* c.addiw x0 */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(reserved); i++) {
        RISCVInsn insn;
        riscv_decode(reserved[i], ALL_EXTS, &insn);
        ck_assert_msg(insn.row == -1, "0x%04x decodes as %s", reserved[i],
                      insn.row >= 0 ? riscv_rows[insn.row].name : "?");
    }
}
END_TEST

START_TEST(test_compressed_expands_to_base)
{
    RISCVInsn insn;
    riscv_decode(0x8efa /* c.mv t4,t5 */, ALL_EXTS, &insn);
    ck_assert_str_eq(riscv_rows[insn.row].trans, "add");
    ck_assert_int_eq(insn.args.r.rs1, 0);
    riscv_decode(0x9f82 /* c.jalr t6 */, ALL_EXTS, &insn);
    ck_assert_str_eq(riscv_rows[insn.row].trans, "jalr");
    ck_assert_int_eq(insn.args.i.rd, 1);
    riscv_decode(0xffffffff, ALL_EXTS, &insn);   /* 48-bit+ lengths are not supported */
    ck_assert_int_eq(insn.row, -1);
}
END_TEST

START_TEST(test_disassembly)
{
    static const struct {
        uint32_t raw;
        uint64_t pc;
        const char *text;
    } cases[] = {
        { 0xff958513, 0, "addi a0, a1, -7" },
        { 0x00b51463, 0x1000, "bne a0, a1, 0x1008" },
        { 0x12345537, 0, "lui a0, 0x12345" },
        { 0x30059573, 0, "csrrw a0, mstatus, a1" },
        { 0x7c00e573, 0, "csrrsi a0, 0x7c0, 1" },
        { 0x7ff13683, 0, "ld a3, 2047(sp)" },
        { 0x0cc5a52f, 0, "amoswap.w a0, a2, (a1)" },
        { 0x00c5c553, 0, "fadd.s fa0, fa1, fa2" },
        { 0xfeb53c27, 0, "fsd fa1, -8(a0)" },
        { 0xa0c5a553, 0, "feq.s a0, fa1, fa2" },
        { 0x60059513, 0, "clz a0, a1" },
        { 0x00001501, 0, "c.addi a0, -32" },
        { 0x0000b001, 0x800, "c.j 0x0" },
        { 0x00000073, 0, "ecall" },
        { 0x0000006b, 0, "illegal 0x0000006b" },
        { 0x00000000, 0, "illegal 0x0000" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        RISCVInsn insn;
        char buf[80];
        riscv_decode(cases[i].raw, ALL_EXTS, &insn);
        riscv_disas(&insn, cases[i].pc, buf, sizeof(buf));
        ck_assert_str_eq(buf, cases[i].text);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("riscv-decode");
    TCase *tc = tcase_create("/riscv/decode");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_no_overlap);
    tcase_add_test(tc, test_tree_agrees_with_table_scan);
    tcase_add_test(tc, test_known_encodings);
    tcase_add_test(tc, test_compressed_rows_share_32bit_semantics);
    tcase_add_test(tc, test_disabled_extension_is_illegal);
    tcase_add_test(tc, test_reserved_compressed_are_illegal);
    tcase_add_test(tc, test_compressed_expands_to_base);
    tcase_add_test(tc, test_disassembly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
