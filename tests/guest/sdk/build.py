#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build the SDK guest program (example_timer_guest.c) for the riscv virt
board, with the flags, start-up code and linker script of the other guest
tests (../build.py, ../common/) plus start.S, which keeps the device tree
pointer the board passes in a1.

usage: build.py [--out DIR] [--cc CC]   -> DIR/example_timer_guest.elf
"""
import argparse
import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = 'example_timer_guest'


def _guest_build():
    spec = importlib.util.spec_from_file_location('guest_build',
                                                  os.path.join(HERE, '..', 'build.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build(out, cc='riscv64-unknown-elf-gcc'):
    """Build (when out of date) and return the ELF's path; raise on failure."""
    gb = _guest_build()
    os.makedirs(out, exist_ok=True)
    elf = os.path.join(out, NAME + '.elf')
    sources = [os.path.join(HERE, 'start.S')] + gb.COMMON + [os.path.join(HERE, NAME + '.c')]
    deps = sources + [os.path.join(gb.HERE, 'common', f) for f in ('test.h', 'link.ld')]
    if os.path.exists(elf) and os.path.getmtime(elf) >= max(map(os.path.getmtime, deps)):
        return elf
    cmd = [cc] + gb.CFLAGS + ['-Wl,-e,sdk_start', '-o', elf] + sources
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError('building %s failed:\n%s\n%s' % (NAME, ' '.join(cmd), r.stdout))
    return elf


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', '..', 'build', 'guest-sdk'))
    ap.add_argument('--cc', default='riscv64-unknown-elf-gcc')
    a = ap.parse_args()
    print(build(os.path.abspath(a.out), a.cc))
    return 0


if __name__ == '__main__':
    sys.exit(main())
