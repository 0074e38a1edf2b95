#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Code at the top of the 64-bit address space on every TCG backend (issue 17,
class 1): tests/guest/top_page.c jumps to -2, -4 and the last page (M-mode,
nothing there) and runs code that wraps from 0xffff_ffff_ffff_fffe to 0
under Sv39.  It once aborted the emulator on an assertion (a page end that
wrapped to 0 gave an empty block).  Run with -d in_asm so the block log of
the wrapping blocks is exercised too.
"""
import os
import platform
import re
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt

sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest'))
import build as guest_build  # noqa: E402  (tests/guest/build.py)


def top_page_elf():
    elfs = guest_build.build(os.path.join(tt.ROOT, 'build', 'guest'), 'riscv64-unknown-elf-gcc')
    if not elfs:
        raise AssertionError('tests/guest/build.py failed (needs riscv64-unknown-elf-gcc)')
    for e in elfs:
        if os.path.basename(e) == 'top_page.elf':
            return e
    raise AssertionError('tests/guest/top_page.c was not built')


class TopPage(unittest.TestCase):
    def run_on(self, backend):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'in_asm.log')
            try:
                r = tt.run(['-M', 'virt', '-bios', 'none', '-kernel', top_page_elf(),
                            '-nographic', '-accel', 'tcg,backend=' + backend,
                            '-d', 'in_asm', '-D', log],
                           link='tessera-system-riscv64', timeout=60)
            except subprocess.TimeoutExpired:
                self.fail('top_page timed out on backend %s' % backend)
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
            self.assertIn('PASSED', r.stdout)
            with open(log, errors='replace') as fh:
                text = fh.read()
        # The 4-byte instruction at -2 whose upper half is at VA 0, and the
        # 2-byte one that ends exactly at 2^64: logged with their own lengths.
        self.assertRegex(text, r'0xfffffffffffffffe:\s+01050513\s+addi a0, a0, 16')
        self.assertRegex(text, r'0xfffffffffffffffe:\s+0505\s+c\.addi a0, 1\n')
        self.assertRegex(text, r'0x0000000000000000:\s+050d\s+c\.addi a0, 3')

    def test_interpreter(self):
        self.run_on('interp')

    def test_x86_64(self):
        if platform.machine() != 'x86_64':
            self.fail('the x86_64 TCG backend needs an x86-64 host, not %s' % platform.machine())
        self.run_on('x86_64')


if __name__ == '__main__':
    sys.exit(tt.main('top_page'))
