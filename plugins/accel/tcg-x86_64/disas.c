/* SPDX-License-Identifier: MIT */
/*
 * Disassembly of generated host code for -d out_asm, through capstone's
 * x86-64 mode.  Bytes capstone cannot decode are listed as ".byte".
 */
#include <capstone.h>
#include <inttypes.h>

#include "plugins/accel/tcg-x86_64/x86.h"

void x86_disas(const uint8_t *code, size_t len, GString *out)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
        g_string_append_printf(out, "  (capstone cannot open x86-64 mode: %zu bytes at %p)\n",
                               len, (const void *)code);
        return;
    }
    cs_insn *insn = cs_malloc(h);
    const uint8_t *p = code;
    size_t left = len;
    uint64_t addr = (uint64_t)(uintptr_t)code;
    while (left) {
        if (cs_disasm_iter(h, &p, &left, &addr, insn)) {
            g_string_append_printf(out, "  0x%012" PRIx64 ":  %-8s %s\n", insn->address,
                                   insn->mnemonic, insn->op_str);
        } else {
            g_string_append_printf(out, "  0x%012" PRIx64 ":  .byte    0x%02x\n", addr, *p);
            p++;
            left--;
            addr++;
        }
    }
    cs_free(insn, 1);
    cs_close(&h);
}
