#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The native x86-64 TCG backend (-accel tcg,backend=x86_64), from the outside.

Boots Linux on the riscv virt board at -smp 1 and 2 and runs the bare-metal
guest programs of tests/guest with the backend selected.  Skipped on hosts
that are not x86-64 (the module is not built there).  Needs the guest
images in $TESSERA_GUEST_DIR (default ../shared/guests).
"""
import os
import platform
import subprocess
import sys
import unittest

import tessera_test as tt

ACCEL = ['-accel', 'tcg,backend=x86_64']
sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest'))
import build as guest_build  # noqa: E402  (tests/guest/build.py)


def setUpModule():
    if platform.machine() != 'x86_64':
        raise AssertionError('the x86_64 TCG backend needs an x86-64 host, not %s'
                             % platform.machine())


class Linux(unittest.TestCase):
    def boot(self, smp, command, expect):
        image = tt.linux_image()
        initrd = os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        c = tt.Console(['-M', 'virt', '-m', '256', '-smp', str(smp), '-nographic',
                        '-kernel', image, '-initrd', initrd,
                        '-append', 'console=ttyS0 guest.run=' + command] + ACCEL)
        try:
            c.expect(r'BOOT-OK [\d.]+ riscv64', timeout=120)
            c.expect(expect, timeout=60)
            self.assertEqual(c.wait(60), 0, c.text()[-2000:])
        finally:
            c.close()
        return c.text()

    def test_smp1_boots_and_runs_command(self):
        out = self.boot(1, 'echo+result-$((6*7))', r'result-42')
        self.assertIn('Power down', out)

    def test_smp2_sees_two_cpus(self):
        self.boot(2, 'grep+-c+^processor+/proc/cpuinfo', r'(?m)^2\r?$')

    def test_smp2_checksum_matches(self):
        # sha256 of 4 MiB of zeros: exercises loads/stores, the TLB and helpers.
        self.boot(2, 'dd+if=/dev/zero+bs=1M+count=4+2>/dev/null+|+sha256sum',
                  r'bb9f8df61474d25e71fa00722318cd387396ca1736605e1248821cc0de3d3af8')


class BareMetal(unittest.TestCase):
    def run_programs(self, accel, timeout):
        elfs = guest_build.build(os.path.join(tt.ROOT, 'build', 'guest'),
                                 'riscv64-unknown-elf-gcc')
        self.assertTrue(elfs, 'tests/guest/build.py built no programs')
        for elf in elfs:
            with self.subTest(elf=os.path.basename(elf)):
                try:
                    r = tt.run(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic']
                               + accel, link='tessera-system-riscv64', timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.fail('%s timed out' % elf)
                self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])

    def test_guest_programs_pass(self):
        self.run_programs(ACCEL, 60)

    def test_guest_programs_pass_on_the_interpreter(self):
        # The same IR (atomics included) through the portable backend.
        self.run_programs(['-accel', 'tcg,backend=interp'], 120)

    def test_asid_program_on_the_interpreter(self):
        # Both backends find the TLB through TcgVcpu.tlb[], which the engine
        # switches per address space (satp); tests/guest/asid.c checks it.
        elfs = guest_build.build(os.path.join(tt.ROOT, 'build', 'guest'),
                                 'riscv64-unknown-elf-gcc')
        self.assertTrue(elfs, 'tests/guest/build.py built no programs')
        elf = [e for e in elfs if os.path.basename(e) == 'asid.elf']
        self.assertTrue(elf, 'tests/guest/asid.c was not built')
        r = tt.run(['-M', 'virt', '-bios', 'none', '-kernel', elf[0], '-nographic',
                    '-accel', 'tcg,backend=interp'], link='tessera-system-riscv64', timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])

    def test_unknown_backend_is_refused(self):
        r = tt.run(['-M', 'virt', '-accel', 'tcg,backend=no-such', '-nographic'],
                   link='tessera-system-riscv64', timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no-such', r.stderr)


if __name__ == '__main__':
    sys.exit(tt.main('jit'))
