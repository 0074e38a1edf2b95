#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Which virtio-mmio transport each -device virtio-X-device takes on the
aarch64 and riscv64 virt boards, checked against QEMU 7.2 as the oracle:
the same bus (virtio-mmio-bus.N) and address for each device, given with
or without bus=, and the same device-tree nodes (address, interrupt number,
node order).  QEMU fills the slots from the highest address down, so the
first -device gets 0x0a003e00 (aarch64) or 0x10008000 (riscv64); a string
sort of slot names used to give 0x0a000000 then 0x0a001400.
Also: the error when every slot is taken, and Linux 6.1 guests naming the
disks as under QEMU: on riscv64 the first -device is vda (the device tree
lists the slots highest first); on aarch64 QEMU lists them lowest first, so
the first -device, in the highest slot, becomes vdb there and here."""
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

import tessera_test as tt
from test_arm_virt import aarch64_guest_dir, linux_image as aarch64_image

BOARDS = {
    'aarch64': {'link': 'tessera-system-aarch64', 'qemu': 'qemu-system-aarch64',
                'args': ['-M', 'virt', '-cpu', 'cortex-a57'], 'slots': 32,
                'package': 'qemu-system-arm'},
    'riscv64': {'link': 'tessera-system-riscv64', 'qemu': 'qemu-system-riscv64',
                'args': ['-M', 'virt', '-bios', 'none'], 'slots': 8,
                'package': 'qemu-system-misc'},
}


class Slots(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        for name in ('d1', 'd2'):
            with open(os.path.join(self.tmp.name, name + '.img'), 'wb') as f:
                f.truncate(1 << 20)
        # aarch64 virt wants something to run: an arm64 Image header whose
        # first instruction branches to itself (the VMs stay stopped, -S).
        with open(os.path.join(self.tmp.name, 'Image'), 'wb') as f:
            f.write(struct.pack('<IIQQQQQQI4s', 0x14000000, 0, 0, 64, 0, 0, 0, 0,
                                0x644d5241, b''))

    def disks(self):
        return sum((['-drive', 'if=none,id=%s,format=raw,file=%s' %
                     (n, os.path.join(self.tmp.name, n + '.img'))] for n in ('d1', 'd2')), [])

    def emulators(self, target):
        b = BOARDS[target]
        qemu = shutil.which(b['qemu'])
        self.assertTrue(qemu, '%s not found: install %s (the oracle)' % (b['qemu'], b['package']))
        return {'tessera': [tt.tessera_path(b['link'])], 'qemu': [qemu]}

    def run_emu(self, argv, args, stdin=''):
        if '-cpu' in args:  # aarch64
            args = ['-kernel', os.path.join(self.tmp.name, 'Image')] + args
        return subprocess.run(argv + ['-nodefaults', '-display', 'none', '-S'] + args,
                              input=stdin, capture_output=True, text=True, timeout=120)

    def dt_transports(self, argv, args):
        """The virtio_mmio nodes in device-tree order: (address, irq number)."""
        dtc = shutil.which('dtc')
        self.assertTrue(dtc, 'dtc not found: install device-tree-compiler (scripts/setup.sh)')
        dtb = os.path.join(self.tmp.name, 'out.dtb')
        r = self.run_emu(argv, args + ['-machine', 'dumpdtb=' + dtb])
        self.assertEqual(r.returncode, 0, '%s: %s' % (argv[0], r.stderr))
        dts = subprocess.run([dtc, '-I', 'dtb', '-O', 'dts', dtb], capture_output=True,
                             text=True, check=True).stdout
        nodes = re.findall(r'virtio_mmio@([0-9a-f]+) \{(.*?)\};', dts, re.S)
        out = []
        for addr, body in nodes:
            cells = re.search(r'interrupts = <([^>]*)>;', body).group(1).split()
            # GIC: <type number flags>; PLIC: <source>.
            out.append((int(addr, 16), int(cells[1] if len(cells) == 3 else cells[0], 16)))
        return out

    def placement(self, argv, args):
        """{device id: (bus name, transport address)} from info qtree."""
        r = self.run_emu(argv, args + ['-monitor', 'stdio'], stdin='info qtree\nquit\n')
        self.assertEqual(r.returncode, 0, '%s: %s' % (argv[0], r.stderr))
        found, addr, bus = {}, None, None
        for line in r.stdout.splitlines():
            m = re.match(r'\s*dev: (\S+), id "(.*)"', line)
            if m and m.group(1) == 'virtio-mmio':
                addr = bus = None
            elif m and m.group(2) and bus:
                found[m.group(2)] = (bus, addr)
                continue
            m = re.match(r'\s*mmio ([0-9a-f]{16})/', line)
            if m:
                addr = int(m.group(1), 16)
            m = re.match(r'\s*bus: (virtio-mmio-bus\.\d+)$', line)
            if m:
                bus = m.group(1)
        return found

    def compare(self, target, devices):
        emus = self.emulators(target)
        args = BOARDS[target]['args'] + self.disks() + sum((['-device', d] for d in devices), [])
        got = {name: self.placement(argv, args) for name, argv in emus.items()}
        ids = [re.search(r'id=(\w+)', d).group(1) for d in devices]
        self.assertEqual(sorted(got['qemu']), sorted(ids), got['qemu'])
        self.assertEqual(got['tessera'], got['qemu'])
        dt = {name: self.dt_transports(argv, args) for name, argv in emus.items()}
        self.assertEqual(len(dt['qemu']), BOARDS[target]['slots'])
        self.assertEqual(dt['tessera'], dt['qemu'])
        return got['qemu'], dt['qemu']

    def test_unaddressed_devices_fill_from_the_top(self):
        devs = ['virtio-blk-device,drive=d1,id=a', 'virtio-blk-device,drive=d2,id=b',
                'virtio-rng-device,id=c']
        for target in BOARDS:
            with self.subTest(target=target):
                got, dt = self.compare(target, devs)
                addrs = [got[i][1] for i in 'abc']
                top = max(a for a, _ in dt)
                slot = dt[1][0] - dt[0][0] if dt[1][0] > dt[0][0] else dt[0][0] - dt[1][0]
                self.assertEqual(addrs, [top, top - slot, top - 2 * slot], got)

    def test_bus_option_names_the_slot(self):
        devs = ['virtio-rng-device,id=a', 'virtio-blk-device,drive=d1,bus=virtio-mmio-bus.2,id=b',
                'virtio-blk-device,drive=d2,id=c', 'virtio-rng-device,bus=virtio-mmio-bus.0,id=d']
        for target in BOARDS:
            with self.subTest(target=target):
                got, _ = self.compare(target, devs)
                self.assertEqual(got['b'][0], 'virtio-mmio-bus.2')
                self.assertEqual(got['d'][0], 'virtio-mmio-bus.0')

    def test_full_slots_and_bad_bus(self):
        for target, b in BOARDS.items():
            n = b['slots']
            cases = [
                (['-device', 'virtio-rng-device'] * (n + 1),
                 "-device virtio-rng-device: no 'virtio-bus' bus with room for device "
                 "'virtio-rng-device'"),
                (['-device', 'virtio-rng-device,bus=virtio-mmio-bus.1'] * 2,
                 "bus 'virtio-mmio-bus.1' is full"),
                (['-device', 'virtio-rng-device,bus=virtio-mmio-bus.%d' % n],
                 "Bus 'virtio-mmio-bus.%d' not found" % n),
            ]
            for args, want in cases:
                with self.subTest(target=target, want=want):
                    r = self.run_emu([tt.tessera_path(b['link'])], b['args'] + args)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    lines = r.stderr.strip().splitlines()
                    self.assertEqual(len(lines), 1, r.stderr)
                    self.assertIn(want, lines[0])
                    # QEMU refuses the same command line.
                    q = self.run_emu(self.emulators(target)['qemu'], b['args'] + args)
                    self.assertNotEqual(q.returncode, 0, q.stderr)


class GuestDiskNames(unittest.TestCase):
    """Which /dev/vdX each -device virtio-blk-device becomes in Linux 6.1,
    under Tessera and under QEMU (about a second of guest time each)."""
    SHOW = 'for+d+in+vda+vdb;do+echo+DISK+$d+$(cat+/sys/block/$d/serial)+$(readlink+/sys/block/$d);done'

    def disks(self, target, argv):
        if target == 'riscv64':
            guest = ['-kernel', tt.linux_image(), '-initrd',
                     os.path.join(tt.guest_dir(), 'initramfs.cpio.gz'), '-m', '256']
            console = 'ttyS0'
        else:
            guest = ['-kernel', aarch64_image(), '-initrd',
                     os.path.join(aarch64_guest_dir(), 'initramfs.cpio.gz'), '-m', '512']
            console = 'ttyAMA0'
        with tempfile.TemporaryDirectory() as d:
            args = ['-M', 'virt', '-nographic'] + guest
            if target == 'aarch64':
                args += ['-cpu', 'cortex-a57']
            for i, serial in enumerate(('first', 'second')):
                img = os.path.join(d, '%d.img' % i)
                with open(img, 'wb') as f:
                    f.truncate(1 << 20)
                args += ['-drive', 'if=none,id=d%d,format=raw,file=%s' % (i, img),
                         '-device', 'virtio-blk-device,drive=d%d,serial=%s' % (i, serial)]
            args += ['-append', 'console=%s quiet guest.run=%s' % (console, self.SHOW)]
            r = subprocess.run(argv + args, capture_output=True, text=True, timeout=600,
                               stdin=subprocess.DEVNULL)
        out = r.stdout + r.stderr
        lines = re.findall(r'(?m)^DISK (vd[ab]) (\w+) \S+/(\w+)\.virtio_mmio/', out)
        self.assertEqual(len(lines), 2, '%s: %s' % (argv[0], out[-3000:]))
        return lines

    def test_disk_names_match_qemu(self):
        for target, b in BOARDS.items():
            with self.subTest(target=target):
                qemu = shutil.which(b['qemu'])
                self.assertTrue(qemu, '%s not found: install %s' % (b['qemu'], b['package']))
                got = self.disks(target, [tt.tessera_path(b['link'])])
                self.assertEqual(got, self.disks(target, [qemu]))
                first = 'vda' if target == 'riscv64' else 'vdb'
                self.assertIn((first, 'first'), [(d, s) for d, s, _ in got], got)


if __name__ == '__main__':
    tt.main(__name__)
