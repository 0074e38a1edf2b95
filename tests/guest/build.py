#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the bare-metal guest tests (tests/guest/*.c) for the riscv virt
board with Debian's riscv64-unknown-elf-gcc.

usage: build.py [--out DIR] [--cc CC]   -> DIR/<name>.elf for each test
       build.py --torture [--out DIR]    -> DIR/torture-{virt,spike}.elf (tests/guest/torture/)
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


TORTURE = os.path.join(HERE, 'torture')
TORTURE_BOARDS = {'virt': ['-DBOARD_VIRT=1'], 'spike': ['-DBOARD_SPIKE=1']}


def build_torture(out, cc='riscv64-unknown-elf-gcc', nharts=4):
    """The torture programs (tests/guest/torture/), one per board:
    {board: DIR/torture-BOARD.elf}, or None when the build failed."""
    os.makedirs(out, exist_ok=True)
    srcs = [os.path.join(TORTURE, f) for f in ('crt.S', 'jump.S', 'torture.c')]
    ld = os.path.join(TORTURE, 'link.ld')
    flags = ['-march=rv64gc_zicsr_zifencei', '-mabi=lp64d', '-mcmodel=medany', '-O2', '-g',
             '-ffreestanding', '-fno-builtin', '-fno-tree-loop-distribute-patterns', '-nostdlib',
             '-nostartfiles', '-Wall', '-Werror', '-DNHARTS=%d' % nharts, '-DMAX_HARTS=8', '-T', ld, '-Wl,--no-warn-rwx-segments']
    built = {}
    for board, defs in TORTURE_BOARDS.items():
        elf = os.path.join(out, 'torture-%s.elf' % board)
        newest = max(os.path.getmtime(p) for p in srcs + [ld, os.path.abspath(__file__)])
        if not os.path.exists(elf) or os.path.getmtime(elf) < newest:
            if subprocess.run([cc] + flags + defs + ['-o', elf] + srcs).returncode != 0:
                print('build.py: failed to build torture-%s' % board, file=sys.stderr)
                return None
        built[board] = elf
    return built


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', 'build', 'guest'))
    ap.add_argument('--cc', default='riscv64-unknown-elf-gcc')
    ap.add_argument('--torture', action='store_true',
                    help='build the torture programs (torture-virt.elf, torture-spike.elf)')
    a = ap.parse_args()
    if a.torture:
        return 0 if build_torture(os.path.abspath(a.out), a.cc) is not None else 1
    return 0 if build(os.path.abspath(a.out), a.cc) is not None else 1


if __name__ == '__main__':
    sys.exit(main())
