#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux 6.1 at EL2 on the aarch64 virt board (virtualization=on): every
CPU starts at EL2, Linux's el2_setup programs MDCR_EL2, CNTHCTL/CNTVOFF,
VTTBR, HSTR, ICC_SRE_EL2/ICH_HCR_EL2 (GICv3), switches to VHE and runs its
userland there (the EL0 accesses of a VHE host reach EL2's controls);
PSCI goes through SMC as the device tree says."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt
from test_arm_virt import LINK, linux_image


class LinuxAtEl2(unittest.TestCase):

    def boot(self, extra):
        r = tt.run(['-M', 'virt,virtualization=on' + extra, '-cpu', 'max', '-smp', '4',
                    '-m', '1024', '-nographic', '-no-reboot', '-d', 'unimp,guest_errors',
                    '-kernel', linux_image(), '-append',
                    'console=ttyAMA0 panic=-1 guest.run=cat+/proc/cpuinfo'],
                   link=LINK, timeout=900)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-3000:])
        for want in ('psci: probing for conduit method from DT.',
                     'psci: PSCIv1.1 detected in firmware.',
                     'CPU features: detected: Virtualization Host Extensions',
                     'smp: Brought up 1 node, 4 CPUs',
                     'CPU: All CPU(s) started at EL2',
                     'Run /init as init process', 'reboot: Power down'):
            self.assertIn(want, out, out[-3000:])
        self.assertRegex(out, r'BOOT-OK [0-9.]+ aarch64', out[-3000:])
        # The userland ran on all four CPUs (cpuinfo lists them) and the
        # kernel touched no register the emulator lacks.
        self.assertEqual(out.count('processor\t:'), 4, out[-3000:])
        self.assertNotIn('arm-gic', out, out[-3000:])
        self.assertNotIn('not implemented', out, out[-3000:])
        return out

    def test_gicv2(self):
        out = self.boot('')
        self.assertIn('GICv2m: range[mem 0x08020000-0x08020fff], SPI[80:143]', out)

    def test_gicv3(self):
        out = self.boot(',gic-version=3')
        for cpu in range(4):
            self.assertIn('GICv3: CPU%d: found redistributor %d' % (cpu, cpu), out)


class DeviceTree(unittest.TestCase):
    """virtualization=on: PSCI through SMC, the GICv2 node names its GICH
    and GICV frames and maintenance interrupt (what KVM's vgic-v2 probes),
    the GICv3 node its maintenance interrupt; without it neither appears."""

    def dts(self, machine):
        dtc = shutil.which('dtc')
        self.assertTrue(dtc, 'dtc not found: install device-tree-compiler (scripts/setup.sh)')
        with tempfile.TemporaryDirectory() as d:
            dtb = os.path.join(d, 'virt.dtb')
            r = tt.run(['-M', machine + ',dumpdtb=' + dtb, '-smp', '2'], link=LINK)
            self.assertEqual(r.returncode, 0, r.stderr)
            return subprocess.run([dtc, '-I', 'dtb', '-O', 'dts', dtb], capture_output=True,
                                  text=True, check=True).stdout

    def test_gicv2_virtualization_frames(self):
        dts = self.dts('virt,virtualization=on')
        self.assertIn('method = "smc";', dts)
        self.assertIn('reg = <0x00 0x8000000 0x00 0x1000 0x00 0x8010000 0x00 0x2000 '
                      '0x00 0x8030000 0x00 0x1000 0x00 0x8040000 0x00 0x2000>;', dts)
        self.assertIn('interrupts = <0x01 0x09 0x304>;', dts)
        dts = self.dts('virt')
        self.assertIn('method = "hvc";', dts)
        self.assertIn('reg = <0x00 0x8000000 0x00 0x1000 0x00 0x8010000 0x00 0x2000>;', dts)
        self.assertNotIn('0x8030000', dts)

    def test_gicv3_maintenance_interrupt(self):
        dts = self.dts('virt,virtualization=on,gic-version=3')
        self.assertIn('compatible = "arm,gic-v3";', dts)
        self.assertIn('interrupts = <0x01 0x09 0x04>;', dts)
        dts = self.dts('virt,gic-version=3')
        self.assertNotIn('interrupts = <0x01 0x09 0x04>;', dts)


if __name__ == '__main__':
    sys.exit(tt.main("arm_el2"))
