#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The aarch64 virt board (-M virt of tessera-system-aarch64): its name
beside riscv64's board of the same name, and the board itself."""
import json
import sys
import unittest

import tessera_test as tt
from qmp_client import Vm

LINK = 'tessera-system-aarch64'


class MachineLookup(unittest.TestCase):
    """The module index keys types by name and target: -M virt is each
    target's own board."""

    def machines(self, link, extra=()):
        r = tt.run(['-M', 'help'] + list(extra), link=link)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.splitlines()[1:]

    def test_each_target_lists_its_own_virt(self):
        arm = self.machines(LINK)
        self.assertIn('virt                 ARM Virtual Machine (default)', arm)
        self.assertFalse([m for m in arm if m.startswith('spike')], arm)
        rv = self.machines('tessera-system-riscv64')
        self.assertIn('virt                 RISC-V VirtIO board (default)', rv)
        self.assertEqual(self.machines(None, ['-target', 'aarch64']), arm)

    def test_plain_tessera_lists_both_with_targets(self):
        lines = self.machines(None)
        self.assertIn('virt                 ARM Virtual Machine (aarch64)', lines)
        self.assertIn('virt                 RISC-V VirtIO board (riscv64)', lines)
        r = tt.run(['-M', 'help,format=json'])
        virts = sorted(m['target'] for m in json.loads(r.stdout) if m['name'] == 'virt')
        self.assertEqual(virts, ['aarch64', 'riscv64'])

    def test_properties_are_the_targets_board(self):
        r = tt.run(['-M', 'virt,help'], link=LINK)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('virtualization', r.stdout)
        r = tt.run(['-M', 'virt,help'], link='tessera-system-riscv64')
        self.assertNotIn('virtualization', r.stdout)

    def test_query_machines_is_the_targets(self):
        with Vm(['-target', 'aarch64', '-M', 'none', '-S']) as vm:
            machines = {m['name']: m for m in vm.qmp().cmd('query-machines')}
        self.assertEqual(machines['virt']['default-cpu-type'], 'max-arm-cpu')
        self.assertTrue(machines['virt'].get('is-default'))
        self.assertNotIn('spike', machines)

    def test_no_arm_virt_name(self):
        r = tt.run(['-M', 'arm-virt', '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unsupported machine type 'arm-virt'", r.stderr)


if __name__ == '__main__':
    sys.exit(tt.main('arm_virt'))
