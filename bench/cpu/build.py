#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the CPU benchmark kernels (bench/cpu/kernels.c), one ELF per kernel,
for the riscv virt board with Debian's riscv64-unknown-elf-gcc.

usage: build.py [--out DIR]   -> DIR/<kernel>.elf
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GUEST = os.path.join(ROOT, 'tests', 'guest')
KERNELS = ['crc', 'hash', 'state', 'chase', 'sort', 'matrix', 'calls', 'fp']
CFLAGS = ['-march=rv64gc_zicsr_zifencei', '-mabi=lp64d', '-mcmodel=medany', '-O2', '-fno-math-errno',
          '-ffreestanding', '-fno-builtin', '-nostdlib', '-nostartfiles', '-Wall', '-Werror',
          '-Wno-unused-function', '-I' + GUEST, '-T', os.path.join(GUEST, 'common', 'link.ld'),
          '-Wl,--no-warn-rwx-segments']


def build(out, cc='riscv64-unknown-elf-gcc'):
    os.makedirs(out, exist_ok=True)
    srcs = [os.path.join(GUEST, 'common', 'crt.S'), os.path.join(GUEST, 'common', 'lib.c'),
            os.path.join(HERE, 'kernels.c')]
    newest = max(os.path.getmtime(p) for p in srcs + [os.path.join(GUEST, 'common', 'test.h')])
    elfs = {}
    for k in KERNELS:
        elf = os.path.join(out, k + '.elf')
        if not os.path.exists(elf) or os.path.getmtime(elf) < newest:
            r = subprocess.run([cc] + CFLAGS + ['-DKERNEL=' + k, '-o', elf] + srcs)
            if r.returncode != 0:
                raise RuntimeError('bench/cpu/build.py: building kernel %s failed' % k)
        elfs[k] = elf
    return elfs


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'bench-cpu'))
    a = ap.parse_args()
    for k, e in build(os.path.abspath(a.out)).items():
        print(k, e)
    return 0


if __name__ == '__main__':
    sys.exit(main())
