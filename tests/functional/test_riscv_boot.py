#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Real firmware and Linux on the riscv virt board, from the outside.

Needs Debian's opensbi and u-boot-qemu packages (scripts/setup.sh) and the
guest images in $TESSERA_GUEST_DIR (default ../shared/guests).
"""
import os
import unittest

import tessera_test as tt

FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin'
UBOOT_S = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin'
UBOOT_M = '/usr/lib/u-boot/qemu-riscv64/u-boot.bin'


def need(path, package):
    if not os.path.exists(path):
        raise AssertionError('%s is missing: install Debian package %s (scripts/setup.sh)'
                             % (path, package))


class Linux(unittest.TestCase):
    def boot(self, smp, command, expect, extra=()):
        image = tt.linux_image()
        initrd = os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        c = tt.Console(['-M', 'virt', '-m', '256', '-smp', str(smp), '-nographic',
                        '-kernel', image, '-initrd', initrd,
                        '-append', 'console=ttyS0 guest.run=' + command] + list(extra))
        try:
            c.expect(r'OpenSBI v\d', timeout=30)
            c.expect(r'BOOT-OK [\d.]+ riscv64', timeout=120)
            c.expect(expect, timeout=60)
            self.assertEqual(c.wait(60), 0, c.text()[-2000:])
        finally:
            c.close()
        return c.text()

    def test_smp1_runs_command_and_powers_off(self):
        out = self.boot(1, 'echo+result-$((6*7))', r'result-42')
        self.assertIn('Power down', out)

    def test_interpreter_backend(self):
        """The portable interpreter, whatever the default backend is."""
        self.boot(2, 'echo+interp-$((6*7))', r'interp-42', ['-accel', 'tcg,backend=interp'])

    def test_smp4_sees_four_cpus(self):
        self.boot(4, 'grep+-c+^processor+/proc/cpuinfo', r'(?m)^4\r?$')

    def test_interactive_shell(self):
        image = tt.linux_image()
        initrd = os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        c = tt.Console(['-M', 'virt', '-m', '256', '-nographic', '-kernel', image,
                        '-initrd', initrd, '-append', 'console=ttyS0'])
        try:
            c.expect(r'BOOT-OK', timeout=120)
            c.expect(r'[#$] ', timeout=60)
            c.send('echo shell-$((20+22))\n')
            c.expect(r'shell-42', timeout=30)
            c.send('exit\n')
            self.assertEqual(c.wait(60), 0)
        finally:
            c.close()


class UBoot(unittest.TestCase):
    def prompt_session(self, args):
        c = tt.Console(['-M', 'virt', '-nographic'] + args)
        try:
            c.expect(r'=> ', timeout=60)
            c.send('version\n')
            c.expect(r'U-Boot 20\d\d', timeout=20)
            c.send('bdinfo\n')
            c.expect(r'boot_params|arch_number|fdt_blob', timeout=20)
            c.send('fdt addr $fdtcontroladdr; fdt print /cpus\n')
            c.expect(r'riscv,isa = "rv64imafdc[^"]*"', timeout=20)
            c.expect(r'timebase-frequency', timeout=20)
            c.send('poweroff\n')
            self.assertEqual(c.wait(30), 0)
        finally:
            c.close()
        return c.text()

    def test_smode_uboot_after_opensbi(self):
        need(FW_JUMP, 'opensbi')
        need(UBOOT_S, 'u-boot-qemu')
        out = self.prompt_session(['-bios', FW_JUMP, '-kernel', UBOOT_S])
        self.assertRegex(out, r'OpenSBI v\d')

    def test_mmode_uboot_as_bios(self):
        need(UBOOT_M, 'u-boot-qemu')
        self.prompt_session(['-bios', UBOOT_M])


if __name__ == '__main__':
    tt.main('riscv_boot')
