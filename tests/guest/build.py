#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the bare-metal guest tests (tests/guest/*.c) for the riscv virt
board with Debian's riscv64-unknown-elf-gcc.

usage: build.py [--out DIR] [--cc CC]   -> DIR/<name>.elf for each test
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CFLAGS = ['-march=rv64gc_zicsr_zifencei_zba_zbb_zbc_zbs', '-mabi=lp64d', '-mcmodel=medany',
          '-O2', '-g', '-ffreestanding', '-fno-builtin', '-nostdlib', '-nostartfiles',
          '-Wall', '-Werror', '-I' + HERE, '-T', os.path.join(HERE, 'common', 'link.ld'), '-Wl,--no-warn-rwx-segments']
COMMON = [os.path.join(HERE, 'common', 'crt.S'), os.path.join(HERE, 'common', 'lib.c')]


def tests():
    return sorted(f[:-2] for f in os.listdir(HERE) if f.endswith('.c'))


def build(out, cc, defines=()):
    os.makedirs(out, exist_ok=True)
    built = []
    deps = COMMON + [os.path.join(HERE, 'common', 'test.h'), os.path.join(HERE, 'common', 'link.ld')]
    for name in tests():
        src = os.path.join(HERE, name + '.c')
        elf = os.path.join(out, name + '.elf')
        newest = max(os.path.getmtime(p) for p in deps + [src])
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
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', 'build', 'guest'))
    ap.add_argument('--cc', default='riscv64-unknown-elf-gcc')
    a = ap.parse_args()
    return 0 if build(os.path.abspath(a.out), a.cc) is not None else 1


if __name__ == '__main__':
    sys.exit(main())
