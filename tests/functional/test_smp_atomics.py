#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""SMP atomics (tests/guest/smp/): four harts on the riscv virt board hammer
shared words with every AMO at both widths, LR/SC loops and two spinlocks;
the program checks every final value and the old values amoadd.w returned
exactly.  Runs on the x86-64 backend (inline lock-prefixed AMOs) with
chaining on and off, and on the interpreter.  Needs riscv64-unknown-elf-gcc.
"""
import os
import platform
import subprocess
import sys
import unittest

import tessera_test as tt

SRC = os.path.join(tt.ROOT, 'tests', 'guest', 'smp')
NHARTS = 4
# Generous: the sanitized build and a loaded machine run it many times slower.
TIMEOUT = 600


def build():
    out = os.path.join(tt.build_dir(), 'guest-smp')
    os.makedirs(out, exist_ok=True)
    elf = os.path.join(out, 'smp.elf')
    srcs = [os.path.join(SRC, f) for f in ('crt.S', 'smp.c')]
    ld = os.path.join(SRC, 'link.ld')
    newest = max(os.path.getmtime(p) for p in srcs + [ld, os.path.abspath(__file__)])
    if not os.path.exists(elf) or os.path.getmtime(elf) < newest:
        cmd = ['riscv64-unknown-elf-gcc', '-march=rv64gc', '-mabi=lp64d', '-mcmodel=medany',
               '-O2', '-g', '-ffreestanding', '-fno-builtin', '-nostdlib', '-nostartfiles',
               '-Wall', '-Werror', '-DNHARTS=%d' % NHARTS, '-DMAX_HARTS=8', '-T', ld,
               '-Wl,--no-warn-rwx-segments', '-o', elf] + srcs
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        except FileNotFoundError:
            raise AssertionError('riscv64-unknown-elf-gcc is missing (scripts/setup.sh)')
        if r.returncode != 0:
            raise AssertionError('building tests/guest/smp failed:\n' + r.stdout)
    return elf


class SmpAtomics(unittest.TestCase):
    def run_on(self, accel):
        try:
            r = tt.run(['-M', 'virt', '-smp', str(NHARTS), '-bios', 'none', '-kernel', build(),
                        '-nographic', '-accel', accel], link='tessera-system-riscv64',
                       timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail('-accel %s: no result in %d s' % (accel, TIMEOUT))
        self.assertIn('SMP ATOMICS PASSED', r.stdout, r.stdout[-3000:] + r.stderr[-2000:])
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])

    def x86_64_host(self):
        self.assertEqual(platform.machine(), 'x86_64', 'the x86_64 TCG backend needs an x86-64 host')

    def test_x86_64_chained(self):
        self.x86_64_host()
        self.run_on('tcg,backend=x86_64')

    def test_x86_64_unchained(self):
        self.x86_64_host()
        self.run_on('tcg,backend=x86_64,chain=off')

    def test_interpreter(self):
        self.run_on('tcg,backend=interp')


if __name__ == '__main__':
    sys.exit(tt.main('smp_atomics'))
