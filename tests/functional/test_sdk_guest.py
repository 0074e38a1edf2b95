#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A device plugin on the riscv virt board, seen from the guest and the user.

The example plugin (sdk/examples/timer-device) is built outside the tree
against a staged `scons install` (test_sdk.py's stage, shared), loaded with
TESSERA_MODULE_DIR, and placed by `-device example-timer,...` in the virt
board's user-device window (4 KiB slots from 0x10010000, PLIC inputs
64..95).  A bare-metal guest (tests/guest/sdk/) finds each timer in the
device tree, programs its registers, takes its interrupt through the PLIC,
claims and completes it, and prints the result.  The board's placement
rules (explicit and automatic addr/irq, write-back, errors) are checked
from the command line, the dumped device tree and QMP.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import tessera_test as tt
import test_sdk as sdk
from qmp_client import QmpClient, wait_for

sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest', 'sdk'))
import build as guest_sdk  # noqa: E402

WINDOW = (0x10010000, 0x1001ffff)
IRQS = (64, 95)
RESULT = (r'example-timer@0x0*%x irq %d: id TIMR, scratch ok, interrupt %d claimed, '
          r'status cleared')

# A user-creatable device with an IRQ but no MMIO region.
NO_MMIO_PLUGIN = r'''/* SPDX-License-Identifier: MIT */
#include <tessera/device.h>
typedef struct Pin { TsrIrq *irq; } Pin;
static void pin_init(TsrDevice *dev)
{
    Pin *s = tsr_device_state(dev);
    s->irq = tsr_device_add_irq(dev);
}
static const TsrTypeDesc pin_types[] = {
    TSR_DEVICE_TYPE("test-pin", "misc", "An IRQ pin without registers"),
    TSR_TYPES_END
};
static const TsrDeviceInfo pin_info = {
    .type = &pin_types[0], .state_size = sizeof(Pin), .init = pin_init,
};
static void pin_register(void) { tsr_device_register(&pin_info); }
TSR_PLUGIN(.name = "test-pin", .types = pin_types, .register_types = pin_register);
'''


def setUpModule():
    sdk.setUpModule()


def tearDownModule():
    sdk.tearDownModule()


class OnVirt(sdk.Installed):
    """The staged tessera on -M virt with the outside-built plugin(s)."""

    def virt(self, args, module_dirs=None, timeout=60):
        return self.tessera(['-target', 'riscv64', '-M', 'virt', '-bios', 'none',
                             '-nographic'] + list(args),
                            [self.plugin_dir] if module_dirs is None else module_dirs,
                            timeout=timeout)

    def guest(self, devices):
        """Run the guest program with -device @devices; returns (exit code, output)."""
        if not shutil.which('riscv64-unknown-elf-gcc'):
            self.fail('riscv64-unknown-elf-gcc is not installed (scripts/setup.sh installs it)')
        elf = guest_sdk.build(os.path.join(self.tmp, 'guest'))
        args = ['-kernel', elf]
        for d in devices:
            args += ['-device', d]
        r = self.virt(args)
        return r.returncode, r.stdout + r.stderr

    def dts(self, devices, module_dirs=None):
        """The device tree the board builds with -device @devices, as dts text."""
        if not shutil.which('dtc'):
            self.fail('dtc is not installed (scripts/setup.sh installs device-tree-compiler)')
        dtb = os.path.join(tempfile.mkdtemp(dir=self.tmp), 'virt.dtb')
        args = []
        for d in devices:
            args += ['-device', d]
        r = self.tessera(['-target', 'riscv64', '-M', 'virt,dumpdtb=' + dtb, '-bios', 'none']
                         + args, [self.plugin_dir] if module_dirs is None else module_dirs)
        self.assertEqual(r.returncode, 0, r.stderr)
        return subprocess.run(['dtc', '-q', '-I', 'dtb', '-O', 'dts', dtb],
                              stdout=subprocess.PIPE, text=True, check=True).stdout

    @staticmethod
    def node(dts, name):
        m = re.search(r'\n\s*%s \{\n(.*?)\n\s*\};' % re.escape(name), dts, re.S)
        return m.group(1) if m else None

    def plic_phandle(self, dts):
        plic = self.node(dts, 'plic@c000000')
        self.assertIsNotNone(plic, dts)
        return re.search(r'phandle = <(0x[0-9a-f]+)>', plic).group(1)

    def refused(self, devices, message, module_dirs=None):
        args = []
        for d in devices:
            args += ['-device', d]
        r = self.virt(args, module_dirs)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(message, r.stderr)


class Acceptance(OnVirt):
    def test_device_help_lists_the_plugin(self):
        r = self.tessera(['-target', 'riscv64', '-device', 'help'], [self.plugin_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('name "example-timer", desc "Example countdown timer (Tessera SDK)"',
                      r.stdout)

    def test_device_help_shows_properties(self):
        r = self.tessera(['-target', 'riscv64', '-device', 'example-timer,help'],
                         [self.plugin_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'freq=<uint32>\s+- Tick rate in Hz')
        self.assertRegex(r.stdout, r'addr=<uint64>')
        self.assertRegex(r.stdout, r'irq=<uint32>')

    def test_guest_uses_the_device_at_a_given_address_and_irq(self):
        code, out = self.guest(['example-timer,addr=0x10010000,irq=64'])
        self.assertRegex(out, RESULT % (0x10010000, 64, 64))
        self.assertIn('timers: 1\nPASSED', out)
        self.assertEqual(code, 0, out)

    def test_guest_uses_devices_placed_automatically(self):
        # The explicit one takes the first slot and input; the others get the next free ones.
        code, out = self.guest(['example-timer,addr=0x10010000,irq=64',
                                'example-timer,id=t1,freq=32768', 'example-timer',
                                'example-timer,addr=0x1001f000,irq=95'])
        for addr, irq in ((0x10010000, 64), (0x10011000, 65), (0x10012000, 66),
                          (0x1001f000, 95)):
            self.assertRegex(out, RESULT % (addr, irq, irq))
        self.assertIn('timers: 4\nPASSED', out)
        self.assertEqual(code, 0, out)

    def test_guest_without_the_device_fails(self):
        # The guest really depends on the device: without one it reports failure.
        code, out = self.guest([])
        self.assertIn('timers: 0\nFAILED', out)
        self.assertNotEqual(code, 0)

    def test_device_tree_describes_the_device(self):
        dts = self.dts(['example-timer', 'example-timer,addr=0x10015000,irq=72,freq=32768'])
        plic = self.plic_phandle(dts)
        for addr, irq, freq in ((0x10010000, 64, 1000000), (0x10015000, 72, 32768)):
            node = self.node(dts, 'timer@%x' % addr)
            self.assertIsNotNone(node, dts)
            self.assertIn('compatible = "tessera,example-timer";', node)
            self.assertIn('reg = <0x00 0x%x 0x00 0x100>;' % addr, node)
            self.assertIn('interrupts = <0x%x>;' % irq, node)
            self.assertIn('interrupt-parent = <%s>;' % plic, node)
            self.assertIn('clock-frequency = <0x%x>;' % freq, node)


class LinuxSeesTheDevice(OnVirt):
    def test_linux_finds_the_node(self):
        image, initrd = tt.linux_image(), os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        if not os.path.exists('/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin'):
            self.fail('OpenSBI is not installed (scripts/setup.sh installs opensbi)')
        command = ('cd+/proc/device-tree/soc/timer@10011000;cat+compatible;echo;'
                   'od+-An+-tx1+interrupts+reg')
        r = self.tessera(['-target', 'riscv64', '-M', 'virt', '-m', '256', '-nographic',
                          '-kernel', image, '-initrd', initrd,
                          '-append', 'console=ttyS0 guest.run=' + command,
                          '-device', 'example-timer', '-device', 'example-timer'],
                         [self.plugin_dir], timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr)
        self.assertIn('BOOT-OK', r.stdout)
        self.assertIn('tessera,example-timer', r.stdout)
        # interrupts = <65>; reg = <0 0x10011000 0 0x100>
        self.assertRegex(r.stdout, r'00 00 00 41 00 00 00 00 10 01 10 00 00 00 00 00\s+'
                                   r'00 00 01 00')


class Placement(OnVirt):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The SDK's own test device (two regions, two IRQs) and a device
        # without MMIO, both built outside against the stage.
        cls.extra_dir = os.path.join(cls.tmp, 'placement-plugins')
        os.makedirs(cls.extra_dir, exist_ok=True)
        src = os.path.join(cls.extra_dir, 'test_pin.c')
        with open(src, 'w') as f:
            f.write(NO_MMIO_PLUGIN)
        for name, source in (('sdk-test-device', os.path.join(tt.ROOT, 'sdk', 'tests',
                                                               'sdk_test_device.c')),
                             ('test-pin', src)):
            r, so = cls.build_plugin(cls, name, source)
            if r.returncode != 0:
                raise AssertionError('building %s failed:\n%s' % (name, r.stdout))
            shutil.move(so, os.path.join(cls.extra_dir, name + '.so'))
        cls.dirs = [cls.plugin_dir, cls.extra_dir]

    def test_chosen_values_are_written_back(self):
        sock = os.path.join(tempfile.mkdtemp(dir=self.tmp), 'qmp.sock')
        exe = os.path.join(self.usr, 'bin', 'tessera')
        env = self.run_env()
        env['TESSERA_MODULE_DIR'] = self.plugin_dir
        p = subprocess.Popen([exe, '-target', 'riscv64', '-M', 'virt', '-bios', 'none', '-S',
                              '-display', 'none', '-device', 'example-timer,id=a',
                              '-device', 'example-timer,id=b,addr=0x10018000,irq=82',
                              '-device', 'example-timer,id=c',
                              '-qmp', 'unix:%s,server=on,wait=off' % sock],
                             env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        try:
            wait_for(lambda: os.path.exists(sock) or p.poll() is not None, what=sock)
            if p.poll() is not None:
                err = p.stderr.read().decode(errors='replace')
                self.fail(err)
            q = QmpClient(sock)
            q.cmd('qmp_capabilities')
            got = {(d, prop): q.cmd('qom-get', path='/machine/peripheral/' + d, property=prop)
                   for d in 'abc' for prop in ('addr', 'irq')}
            q.close()
        finally:
            p.kill()
            p.wait()
            p.stderr.close()
        self.assertEqual(got, {('a', 'addr'): 0x10010000, ('a', 'irq'): 64,
                               ('b', 'addr'): 0x10018000, ('b', 'irq'): 82,
                               ('c', 'addr'): 0x10011000, ('c', 'irq'): 65})

    def test_regions_and_irqs_are_consecutive(self):
        # Region 1 follows region 0 on the next slot; IRQ 1 gets input irq + 1.
        dts = self.dts(['sdk-test-device', 'example-timer'], self.dirs)
        node = self.node(dts, 'sdktest@10010000')
        self.assertIsNotNone(node, dts)
        self.assertIn('reg = <0x00 0x10010000 0x00 0x100 0x00 0x10011000 0x00 0x40>;', node)
        self.assertIn('interrupts = <0x40 0x41>;', node)
        self.assertIn('interrupt-parent = <%s>;' % self.plic_phandle(dts), node)
        timer = self.node(dts, 'timer@10012000')
        self.assertIsNotNone(timer, dts)
        self.assertIn('interrupts = <0x42>;', timer)

    def test_explicit_placement_skips_taken_slots(self):
        dts = self.dts(['example-timer,addr=0x10011000,irq=65', 'sdk-test-device'], self.dirs)
        # Two slots and two inputs: 0x10010000 alone is too small, 64 alone too few.
        node = self.node(dts, 'sdktest@10012000')
        self.assertIsNotNone(node, dts)
        self.assertIn('interrupts = <0x42 0x43>;', node)

    def test_address_outside_the_window_is_refused(self):
        self.refused(['example-timer,addr=0x10020000'],
                     '-device example-timer: addr=0x10020000 is outside the virt board\'s '
                     'user-device window 0x10010000..0x1001ffff')
        self.refused(['sdk-test-device,addr=0x1001f000'],
                     'addr=0x1001f000 is outside the virt board\'s user-device window '
                     '0x10010000..0x1001ffff (the device needs 0x2000 bytes)', self.dirs)

    def test_unaligned_address_is_refused(self):
        self.refused(['example-timer,addr=0x10010100'],
                     'addr=0x10010100 is not a multiple of 0x1000')

    def test_overlapping_address_is_refused(self):
        self.refused(['example-timer,id=t0', 'example-timer,addr=0x10010000'],
                     "addr=0x10010000 overlaps device 't0' (example-timer) at "
                     "0x10010000..0x10010fff")

    def test_irq_outside_the_range_is_refused(self):
        self.refused(['example-timer,irq=10'],
                     'irq=10 is outside the PLIC inputs for user devices, 64..95')
        self.refused(['example-timer,irq=32'],
                     'irq=32 is outside the PLIC inputs for user devices, 64..95')
        self.refused(['example-timer,irq=96'],
                     'irq=96 is outside the PLIC inputs for user devices, 64..95')
        self.refused(['sdk-test-device,irq=95'],
                     "irq=95: device 'sdk-test-device' needs inputs 95..96, outside the PLIC "
                     "inputs for user devices, 64..95", self.dirs)

    def test_taken_irq_is_refused(self):
        self.refused(['example-timer', 'example-timer,id=second,irq=64'],
                     "-device example-timer: irq=64: PLIC input 64 is taken by device "
                     "'example-timer'")

    def test_full_window_is_refused(self):
        self.refused(['example-timer'] * 17,
                     "no free space for device 'example-timer' (0x1000 bytes) in the virt "
                     "board's user-device window 0x10010000..0x1001ffff")

    def test_device_without_mmio_is_refused(self):
        self.refused(['test-pin'],
                     "-device test-pin: device 'test-pin' has no MMIO region: the virt board "
                     "places only memory-mapped devices", self.dirs)


if __name__ == '__main__':
    tt.main('sdk_guest')
