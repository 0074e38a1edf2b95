#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the bare-metal aarch64 guest tests (tests/guest/aarch64/*.c) for the
virt board with Debian's aarch64-linux-gnu-gcc.

usage: build.py [--out DIR] [--cc CC]   -> DIR/<name>.elf for each test
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# C code uses no FP/AdvSIMD registers (the FP and SIMD tests use asm), no
# unaligned accesses (the MMU is
# off in most tests: Device memory), no branch protection.
CFLAGS = ['-O2', '-g', '-ffreestanding', '-fno-builtin', '-nostdlib', '-nostartfiles',
          '-mgeneral-regs-only', '-mstrict-align', '-mbranch-protection=none',
          '-march=armv8.1-a+crc+rcpc', '-fno-pie', '-no-pie', '-fno-stack-protector',
          '-Wall', '-Werror', '-I' + HERE, '-T', os.path.join(HERE, 'common', 'link.ld'),
          '-Wl,--no-warn-rwx-segments', '-Wl,--build-id=none']
COMMON = [os.path.join(HERE, 'common', 'crt.S'), os.path.join(HERE, 'common', 'lib.c')]
DEFAULT_CC = 'aarch64-linux-gnu-gcc'


def tests():
    return sorted(f[:-2] for f in os.listdir(HERE) if f.endswith('.c'))


def build(out, cc=DEFAULT_CC, defines=()):
    os.makedirs(out, exist_ok=True)
    built = []
    deps = COMMON + [os.path.join(HERE, 'common', f) for f in ('test.h', 'dbg.h', 'pte.h', 'link.ld')] + \
        [os.path.abspath(__file__)]
    for name in tests():
        src = os.path.join(HERE, name + '.c')
        elf = os.path.join(out, name + '.elf')
        # ctxbp_oracle.c includes ctxbp.c.
        srcs = [src] + ([os.path.join(HERE, 'ctxbp.c')] if name == 'ctxbp_oracle' else [])
        newest = max(os.path.getmtime(p) for p in deps + srcs)
        if not os.path.exists(elf) or os.path.getmtime(elf) < newest:
            cmd = [cc] + CFLAGS + list(defines) + ['-o', elf] + COMMON + [src]
            r = subprocess.run(cmd)
            if r.returncode != 0:
                print('build.py: failed to build %s' % name, file=sys.stderr)
                return None
        built.append(elf)
    return built


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', '..', 'build', 'guest-aarch64'))
    ap.add_argument('--cc', default=DEFAULT_CC)
    a = ap.parse_args()
    return 0 if build(os.path.abspath(a.out), a.cc) is not None else 1


if __name__ == '__main__':
    sys.exit(main())
