# SPDX-License-Identifier: MIT
"""A symbols-only ELF file from a kernel's /proc/kallsyms text, for GDB.

The guest kernels come as a bare Image with no vmlinux; their function
symbols are read from the running guest (System.map's content) and written
as an ELF whose .text is NOBITS (GDB reads the code from the target) and
whose symbol table gives each function its address and size, so
`hbreak start_kernel` and `bt` work as with a vmlinux without debug info.
"""
import re
import struct

EM = {'riscv64': 243, 'aarch64': 183}


def parse_kallsyms(text):
    """[(addr, name, is_global)] for the text symbols (t/T/w/W) in @text."""
    out = []
    for line in text.splitlines():
        m = re.match(r'\s*([0-9a-f]{8,16}) ([tTwW]) (\S+)\s*$', line)
        if m:
            out.append((int(m.group(1), 16), m.group(3), m.group(2) in 'TW'))
    return out


def write_symbol_elf(path, syms, arch='riscv64'):
    if not syms:
        raise ValueError('no text symbols to write')
    syms = sorted(set(syms))
    lo = syms[0][0]
    hi = syms[-1][0] + 0x1000
    sized = []
    for i, (addr, name, glob) in enumerate(syms):
        nxt = next((a for a, _, _ in syms[i + 1:] if a > addr), hi)
        sized.append((addr, name, glob, min(nxt - addr, 1 << 20)))
    # Locals first, as ELF requires; sh_info = index of the first global.
    sized.sort(key=lambda s: (s[2], s[0]))
    strtab = bytearray(b'\0')
    symtab = bytearray(24)                       # the null symbol
    nlocal = 1
    for addr, name, glob, size in sized:
        off = len(strtab)
        strtab += name.encode() + b'\0'
        info = ((1 if glob else 0) << 4) | 2     # STB_LOCAL/GLOBAL, STT_FUNC
        symtab += struct.pack('<IBBHQQ', off, info, 0, 1, addr, size)
        nlocal += 0 if glob else 1
    shstr = b'\0.text\0.symtab\0.strtab\0.shstrtab\0'
    body = bytes(symtab) + bytes(strtab) + shstr
    sym_off = 64
    str_off = sym_off + len(symtab)
    shs_off = str_off + len(strtab)
    sh_off = (shs_off + len(shstr) + 7) & ~7
    body += b'\0' * (sh_off - 64 - len(body))

    def sh(name, typ, flags, addr, off, size, link=0, info=0, align=1, entsize=0):
        return struct.pack('<IIQQQQIIQQ', name, typ, flags, addr, off, size, link, info,
                           align, entsize)
    shdrs = (sh(0, 0, 0, 0, 0, 0) +
             sh(1, 8, 6, lo, sh_off, hi - lo, align=4) +                  # .text NOBITS AX
             sh(7, 2, 0, 0, sym_off, len(symtab), 3, nlocal, 8, 24) +    # .symtab
             sh(15, 3, 0, 0, str_off, len(strtab)) +                      # .strtab
             sh(23, 3, 0, 0, shs_off, len(shstr)))                        # .shstrtab
    ident = b'\x7fELF' + bytes([2, 1, 1, 0]) + b'\0' * 8
    ehdr = ident + struct.pack('<HHIQQQIHHHHHH', 2, EM[arch], 1, 0, 0, sh_off,
                               5 if arch == 'riscv64' else 0, 64, 56, 0, 64, 5, 4)
    with open(path, 'wb') as f:
        f.write(ehdr + body + shdrs)
