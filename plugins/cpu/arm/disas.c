/* SPDX-License-Identifier: MIT */
/*
 * A64 disassembly for -d in_asm, from the rows of a64.decode: the row's
 * mnemonic and operand template; register operands print as x<n> (sp/xzr
 * for 31 as the operand kind says), system registers by their table name.
 */
#include <stdio.h>
#include <string.h>

#include "plugins/cpu/arm/a64.decode.h"
#include "plugins/cpu/arm/cpu.h"

static const char *const cond_names[16] = {
    "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc",
    "hi", "ls", "ge", "lt", "gt", "le", "al", "nv",
};

static bool a64_operand(const char *kind, int64_t v, char *buf, size_t size)
{
    if (!strcmp(kind, "xr") || !strcmp(kind, "xs")) {
        if (v == 31) {
            snprintf(buf, size, "%s", kind[1] == 's' ? "sp" : "xzr");
        } else {
            snprintf(buf, size, "x%d", (int)v);
        }
        return true;
    }
    if (!strcmp(kind, "v")) {
        snprintf(buf, size, "v%d", (int)v);
        return true;
    }
    if (!strcmp(kind, "cond")) {
        snprintf(buf, size, "%s", cond_names[v & 15]);
        return true;
    }
    if (!strcmp(kind, "sysreg")) {
        const ARMSysregInfo *ri = arm_sysreg_find((uint32_t)v);
        if (ri) {
            snprintf(buf, size, "%s", ri->name);
        } else {
            snprintf(buf, size, "s%d_%d_c%d_c%d_%d", (int)(v >> 14) & 3, (int)(v >> 11) & 7,
                     (int)(v >> 7) & 15, (int)(v >> 3) & 15, (int)v & 7);
        }
        return true;
    }
    return false;
}

void arm_disas_insn(CPUState *cs, uint64_t pc, const uint8_t *bytes, unsigned len, GString *out)
{
    uint32_t raw = 0;
    char buf[96];
    a64_args args;
    memcpy(&raw, bytes, len < sizeof(raw) ? len : sizeof(raw));
    raw = GUINT32_FROM_LE(raw);
    int row = a64_decode_lookup(raw, 0, &args);
    if (row < 0) {
        g_string_append_printf(out, ".inst 0x%08x", raw);
        return;
    }
    a64_disas_row(row, &args, pc, buf, sizeof(buf), a64_operand);
    g_string_append(out, buf);
}
