#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fw_cfg's "bootorder" file on the aarch64 virt board (issue 19), read back
the way firmware reads it (the fw_cfg DMA interface, over qtest): one
OpenFirmware device path per line for every device with a bootindex, in
index order, "HALT" last with -boot strict=on, a NUL at the end; empty when
no device has a bootindex.  The expected lines are what QEMU 7.2
(qemu-system-aarch64 -M virt) writes for the same command line, checked
byte for byte with a bare-metal program that printed the file under both;
EDK2's QemuBootOrderLib translates them.  Duplicate indexes are refused
with QEMU's message.  EDK2 (Debian's AAVMF) then boots in that order."""
import base64
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt
from acpi_loader import FwCfg
from qmp_client import QmpClient
from qtest_client import QTest
from test_arm_edk2 import firmware, live
from test_arm_virt import guest_disk

LINK = 'tessera-system-aarch64'


class Disks:
    """Blank raw images a..d in a temporary directory, as -drive if=none."""

    def __init__(self, test, names='abcd'):
        self.dir = tempfile.mkdtemp(prefix='tessera-bootorder-')
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.args = []
        for n in names:
            path = os.path.join(self.dir, n + '.img')
            with open(path, 'wb') as f:
                f.truncate(1 << 20)
            self.args += ['-drive', 'if=none,id=%s,file=%s,format=raw' % (n, path)]
        # virt wants firmware or a kernel; a blank flash 0 is never run here.
        code = os.path.join(self.dir, 'code.fd')
        with open(code, 'wb') as f:
            f.truncate(64 << 20)
        self.board = ['-M', 'virt,pflash0=rom', '-m', '256', '-accel', 'qtest', '-blockdev',
                      'node-name=rom,driver=file,filename=%s,read-only=on' % code]


def bootorder(test, args, qmp=None):
    """The running board's bootorder bytes (and its QTest, left running)."""
    qt = QTest(args, link=LINK)
    test.addCleanup(qt.close)
    fw = FwCfg(qt)
    test.assertIn('bootorder', fw.files())
    return fw.read_file('bootorder'), qt



# Root ports, a multifunction slot, function 3 of slot 4, SCSI at target 5
# LUN 2, a NIC, and -boot strict=on (HALT): used on both boards.
MIXED_DEVICES = [
    '-device', 'virtio-scsi-pci,id=s0', '-device', 'scsi-hd,drive=a,bootindex=5',
    '-device', 'pcie-root-port,id=rp1,chassis=1,addr=3.0,multifunction=on',
    '-device', 'pcie-root-port,id=rp2,chassis=2,addr=3.1',
    '-device', 'virtio-scsi-pci,id=s1,bus=rp2',
    '-device', 'scsi-cd,drive=d,bus=s1.0,bootindex=3,scsi-id=5,lun=2',
    '-device', 'virtio-blk-pci,drive=b,bootindex=1,bus=rp1',
    '-netdev', 'user,id=n2', '-device', 'virtio-net-pci,netdev=n2,bootindex=0',
    '-device', 'virtio-blk-pci,drive=c,bootindex=7,addr=4.3',
    '-boot', 'strict=on']


class BootOrder(unittest.TestCase):

    def test_paths_in_index_order_with_halt(self):
        d = Disks(self)
        args = d.board + d.args + MIXED_DEVICES
        data, _ = bootorder(self, args)
        self.assertEqual(data, b'/pci@ffffffffffffffff/ethernet@2/ethernet-phy@0\n'
                               b'/pci@ffffffffffffffff/pci-bridge@3/scsi@0/disk@0,0\n'
                               b'/pci@ffffffffffffffff/pci-bridge@3,1/scsi@0/channel@0/disk@5,2\n'
                               b'/pci@ffffffffffffffff/scsi@1/channel@0/disk@0,0\n'
                               b'/pci@ffffffffffffffff/scsi@4,3/disk@0,0\n'
                               b'HALT\0')

    def test_virtio_mmio_and_no_halt_without_strict(self):
        # virtio-X-device sits on the board's first free virtio-mmio
        # transport, which on aarch64 virt is the highest (slot 31,
        # 0x0a003e00, in 16 hex digits), as QEMU 7.2's info qtree shows; a
        # network device's path ends in its PHY.
        d = Disks(self, 'ab')
        args = d.board + d.args + [
            '-netdev', 'user,id=n0', '-device', 'virtio-net-device,netdev=n0,bootindex=9',
            '-device', 'virtio-blk-pci,drive=a,bootindex=4',
            '-device', 'virtio-blk-pci,drive=b']  # no bootindex: not listed
        data, _ = bootorder(self, args)
        self.assertEqual(data, b'/pci@ffffffffffffffff/scsi@1/disk@0,0\n'
                               b'/virtio-mmio@000000000a003e00/ethernet-phy@0\0')

    def test_empty_without_bootindex(self):
        d = Disks(self, 'a')
        for extra in ([], ['-boot', 'strict=on']):
            data, qt = bootorder(self, d.board + d.args + ['-device', 'virtio-blk-pci,drive=a']
                                 + extra)
            self.assertEqual(data, b'', extra)
            qt.close()

    def test_hotplugged_device_counts_after_reset(self):
        # As in QEMU, the file is rebuilt at every reset: a disk added while
        # running appears after the next system_reset, not before.
        d = Disks(self, 'ab')
        qmp_path = os.path.join(d.dir, 'qmp.sock')
        args = d.board + d.args + [
            '-device', 'pcie-root-port,id=rp1,chassis=1',
            '-device', 'virtio-blk-pci,drive=a,bootindex=2',
            '-qmp', 'unix:%s,server=on,wait=off' % qmp_path]
        data, qt = bootorder(self, args)
        self.assertEqual(data, b'/pci@ffffffffffffffff/scsi@2/disk@0,0\0')
        q = QmpClient(qmp_path)
        self.addCleanup(q.close)
        q.cmd('qmp_capabilities')
        q.cmd('device_add', driver='virtio-blk-pci', drive='b', bootindex=1, id='hp', bus='rp1')
        fw = FwCfg(qt)
        self.assertEqual(fw.read_file('bootorder'), data)
        q.cmd('system_reset')
        self.assertEqual(fw.read_file('bootorder'),
                         b'/pci@ffffffffffffffff/pci-bridge@1/scsi@0/disk@0,0\n'
                         b'/pci@ffffffffffffffff/scsi@2/disk@0,0\0')

    def test_duplicate_bootindex_refused(self):
        d = Disks(self, 'ab')
        base = d.board + d.args + ['-device', 'virtio-scsi-pci']
        for devs in ([['scsi-hd,drive=a,bootindex=1'], ['scsi-cd,drive=b,bootindex=1']],
                     [['virtio-blk-pci,drive=a,bootindex=1'], ['scsi-hd,drive=b,bootindex=1']],
                     [['scsi-hd,drive=a,bootindex=1'], ['virtio-blk-pci,drive=b,bootindex=1']]):
            args = list(base)
            for dev in devs:
                args += ['-device'] + dev
            r = tt.run(args, link=LINK, timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertTrue(lines[0].endswith(': The bootindex 1 has already been used'),
                            r.stderr)
            self.assertIn('-device %s' % devs[1][0].split(',')[0], lines[0])


class QemuQTest:
    """QEMU (the oracle) under qtest on stdio: the calls FwCfg makes."""

    def __init__(self, test, args):
        qemu = shutil.which('qemu-system-riscv64')
        if not qemu:
            test.fail('qemu-system-riscv64 (Debian qemu-system-misc) is needed as the oracle')
        self.proc = subprocess.Popen([qemu] + args + ['-display', 'none', '-qtest', 'stdio'],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        test.addCleanup(self.close)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            f.close()

    def cmd(self, line):
        self.proc.stdin.write(line.encode() + b'\n')
        self.proc.stdin.flush()
        while True:
            reply = self.proc.stdout.readline().decode()
            if not reply:
                raise AssertionError('QEMU ended: ' + self.proc.stderr.read().decode())
            if reply.startswith('OK'):
                return reply[2:].strip()
            if reply.startswith('FAIL'):
                raise AssertionError('QEMU: %s -> %s' % (line, reply.strip()))

    def memwrite(self, addr, data):
        self.cmd('write 0x%x %d 0x%s' % (addr, len(data), data.hex()))

    def writel(self, addr, v):
        self.cmd('writel 0x%x 0x%x' % (addr, v))

    def memread(self, addr, size):
        return bytes.fromhex(self.cmd('read 0x%x %d' % (addr, size))[2:])

    def b64read(self, addr, size):
        return base64.b64decode(self.cmd('b64read 0x%x %d' % (addr, size)))


class RiscvBootOrder(unittest.TestCase):
    """The riscv virt board has QEMU's fw_cfg (0x10100000) and its bootorder
    is QEMU 7.2's for the same command line, compared live."""

    def test_same_as_qemu(self):
        d = Disks(self)
        base = ['-M', 'virt', '-bios', 'none', '-nodefaults'] + d.args + MIXED_DEVICES
        qemu = QemuQTest(self, base + ['-smp', '2', '-global', 'virtio-net-pci.romfile='])
        oracle = FwCfg(qemu, base=0x10100000, scratch=0x80000000)
        want = oracle.read_file('bootorder')
        self.assertIn(b'/pci-bridge@3,1/scsi@0/channel@0/disk@5,2\n', want)
        qt = QTest(base + ['-smp', '2', '-accel', 'qtest', '-fw_cfg', 'name=opt/x,string=rv'])
        self.addCleanup(qt.close)
        fw = FwCfg(qt, base=0x10100000, scratch=0x80000000)
        self.assertEqual(fw.read_file('bootorder'), want)
        self.assertEqual(fw.read_file('opt/x'), b'rv')   # -fw_cfg files reach it too
        # The number of harts (FW_CFG_NB_CPUS), as QEMU's virt gives it.
        self.assertEqual(fw.read_key(0x05, 2), b'\x02\x00')
        self.assertEqual(fw.read_key(0x05, 2), oracle.read_key(0x05, 2))


def device_path(dp):
    """A UEFI device path's nodes as EDK2 prints them (the kinds used here)."""
    out, i = [], 0
    while i + 4 <= len(dp):
        kind, sub, size = struct.unpack_from('<BBH', dp, i)
        body = dp[i + 4:i + size]
        if kind == 0x7f or size < 4:
            break
        if (kind, sub) == (2, 1):
            out.append('PciRoot(0x%x)' % struct.unpack_from('<I', body, 4))
        elif (kind, sub) == (1, 1):
            out.append('Pci(0x%x,0x%x)' % (body[1], body[0]))
        elif (kind, sub) == (3, 2):
            out.append('Scsi(0x%x,0x%x)' % struct.unpack_from('<HH', body))
        else:
            out.append('Node(%d,%d)' % (kind, sub))
        i += size
    return '/'.join(out)


def boot_options(vars_fd):
    """EDK2's BootOrder from its variable store: (Boot####, description,
    device path) of each option in order."""
    order = live(vars_fd, 'BootOrder')
    assert len(order) == 1, 'no single live BootOrder variable in %s' % vars_fd
    out = []
    for n in struct.unpack('<%dH' % (len(order[0]) // 2), order[0]):
        name = 'Boot%04X' % n
        data = live(vars_fd, name)
        assert len(data) == 1, 'no single live %s' % name
        attrs, fp_len = struct.unpack_from('<IH', data[0])
        end = 6
        while data[0][end:end + 2] != b'\0\0':
            end += 2
        desc = data[0][6:end].decode('utf-16-le')
        out.append((name, desc, device_path(data[0][end + 2:end + 2 + fp_len])))
    return out


class Edk2BootOrder(unittest.TestCase):
    """EDK2 reads bootorder (QemuBootOrderLib) and orders its boot options
    by it: a blank disk given bootindex=1 (virtio-blk-pci behind a root port
    at slot 4) comes before the GPT disk given bootindex=2 (scsi-hd, target
    2, on virtio-scsi-pci at slot 1).  Without bootorder EDK2 puts the disk
    at the lower slot first and boots it straight away; here it tries the
    blank disk first, fails, and boots the GPT disk second."""

    def test_edk2_follows_bootorder(self):
        tmp = tempfile.mkdtemp(prefix='tessera-edk2-bootorder-')
        self.addCleanup(shutil.rmtree, tmp, True)
        vars_fd = os.path.join(tmp, 'vars.fd')
        shutil.copyfile(firmware('AAVMF_VARS.fd'), vars_fd)
        blank = os.path.join(tmp, 'blank.img')
        with open(blank, 'wb') as f:
            f.truncate(16 << 20)
        args = ['-M', 'virt,acpi=off,pflash0=rom,pflash1=efivars', '-m', '1024', '-cpu', 'max',
                '-smp', '2', '-serial', 'stdio', '-display', 'none',
                '-device', 'virtio-scsi-pci,addr=1',
                '-device', 'scsi-hd,drive=hd,scsi-id=2,bootindex=2',
                '-blockdev', 'driver=raw,node-name=hd,file.driver=file,file.filename=%s,'
                'read-only=on' % guest_disk(),
                '-device', 'pcie-root-port,id=rp,chassis=1,addr=4',
                '-device', 'virtio-blk-pci,bus=rp,drive=blank,bootindex=1',
                '-blockdev', 'driver=raw,node-name=blank,file.driver=file,file.filename=' + blank,
                '-blockdev', 'node-name=rom,driver=file,filename=%s,read-only=true'
                % firmware('AAVMF_CODE.fd'),
                '-blockdev', 'node-name=efivars,driver=file,filename=' + vars_fd,
                '-fw_cfg', 'name=opt/guest.run,string=echo+ORDER-$((6*7))',
                '-boot', 'splash-time=0']
        r = tt.run(args, link=LINK, timeout=600)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-3000:])
        blank_dp = 'PciRoot(0x0)/Pci(0x4,0x0)/Pci(0x0,0x0)'
        gpt_dp = 'PciRoot(0x0)/Pci(0x1,0x0)/Scsi(0x2,0x0)'
        attempts = re.findall(r'BdsDxe: (failed to load|starting) (Boot[0-9A-F]{4}) "[^"]*" '
                              r'from ([^\s:]+)', out)
        self.assertEqual([(a, p) for a, _, p in attempts],
                         [('failed to load', blank_dp), ('starting', gpt_dp)], out[-3000:])
        self.assertIn('DISK-OK /dev/sda2 GUEST-DISK-MARKER', out, out[-3000:])
        self.assertIn('ORDER-42', out, out[-3000:])
        # The BootOrder EDK2 stored: the two disks first, in bootindex order.
        opts = boot_options(vars_fd)
        self.assertEqual([(n, p) for n, _, p in opts[:2]],
                         [(attempts[0][1], blank_dp), (attempts[1][1], gpt_dp)], opts)
        self.assertEqual(opts[1][1], 'UEFI TESSERA TESSERA HARDDISK', opts)


if __name__ == '__main__':
    sys.exit(tt.main('bootorder'))
