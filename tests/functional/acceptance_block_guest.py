#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Disks seen by a riscv64 Linux guest (issue 11 acceptance, run by hand:
`python3 tests/functional/acceptance_block_guest.py`, or one class with
`cd tests/functional; python3 -m unittest -v acceptance_block_guest.Ext4Qcow2`;
not in the suite yet: a guest sometimes stays halted in WFI with its disk
request answered, see docs/architecture.md "Block layer"):
an ext4 image converted to qcow2 on virtio-blk-pci, virtio-blk-device and
scsi-hd under virtio-scsi-pci (mount, checksum, 64 MiB written, qemu-img
check clean, data there on the next boot); a backing chain and -snapshot;
kill -9 while the guest writes with fsync; ENOSPC with werror=stop and
`cont`; scsi-cd with ISOs swapped by eject and blockdev-change-medium.

Needs qemu-utils, e2fsprogs and genisoimage (scripts/setup.sh), the guest
images of tests/functional/test_riscv_boot.py, and root for the tmpfs of
the ENOSPC test.  TESSERA_KILL_ROUNDS sets the kill -9 rounds (default 2;
the soak run in docs/testing: 20)."""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import tessera_test as tt
from qmp_client import QmpClient, wait_for

MiB = 1 << 20


def need(tool, package):
    if not shutil.which(tool):
        raise AssertionError('this test needs %s (Debian package %s; run scripts/setup.sh)'
                             % (tool, package))


def sha(data):
    return hashlib.sha256(data).hexdigest()


def file_sha(path):
    with open(path, 'rb') as f:
        return sha(f.read())


class Guest:
    """riscv64 Linux on virt with the given storage options, driven at its shell."""

    def __init__(self, storage, qmp_path=None):
        image = tt.linux_image()
        initrd = os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        args = ['-M', 'virt', '-m', '256', '-nographic', '-kernel', image, '-initrd', initrd,
                '-append', 'console=ttyS0 quiet'] + list(storage)
        if qmp_path:
            args += ['-qmp', 'unix:%s,server=on,wait=off' % qmp_path]
        self.c = tt.Console(args)
        self.n = 0
        self.c.expect(r'BOOT-OK', timeout=120)
        self.c.expect(r'[#$] ', timeout=60)

    def run(self, cmd, timeout=300):
        """Run @cmd at the shell; its output (between the command and a marker)."""
        self.n += 1
        mark = 'MARK%d' % self.n
        start = len(self.c.output)
        self.c.send('%s; echo %s-$((40+2))\n' % (cmd, mark))
        self.c.expect('%s-42' % mark, timeout=timeout)
        out = self.c.output[start:].decode(errors='replace')
        out = out.split('\n', 1)[1] if '\n' in out else ''
        return out[:out.rfind('%s-42' % mark)]

    def poweroff(self):
        self.c.send('exit\n')
        return self.c.wait(60)

    def close(self):
        self.c.close()


class BlockGuestTest(unittest.TestCase):
    def setUp(self):
        need('qemu-img', 'qemu-utils')
        self.dir = tempfile.mkdtemp(prefix='tessera-disk-')
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def guest(self, storage, qmp=False):
        qmp_path = self.path('qmp.sock') if qmp else None
        g = Guest(storage, qmp_path)
        self.addCleanup(g.close)
        if qmp:
            wait_for(lambda: os.path.exists(qmp_path), what='QMP socket')
            g.qmp = QmpClient(qmp_path)
            self.addCleanup(g.qmp.close)
            g.qmp.cmd('qmp_capabilities')
        return g

    def check_clean(self, img):
        r = subprocess.run(['qemu-img', 'check', img], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class Ext4Qcow2(BlockGuestTest):
    """Acceptance 1."""

    def make_image(self):
        need('mkfs.ext4', 'e2fsprogs')
        src = self.path('tree')
        os.mkdir(src)
        known = os.urandom(MiB)
        with open(os.path.join(src, 'known.bin'), 'wb') as f:
            f.write(known)
        raw = self.path('disk.ext4')
        subprocess.run(['mkfs.ext4', '-q', '-d', src, raw, '128M'], check=True)
        img = self.path('disk.qcow2')
        subprocess.run(['qemu-img', 'convert', '-O', 'qcow2', raw, img], check=True)
        os.unlink(raw)
        return img, sha(known), sha(known * 64)

    def boot_write_check(self, device_args, dev_node, second_boot):
        img, known_sum, big_sum = self.make_image()
        g = self.guest(['-drive', 'file=%s,format=qcow2,if=none,id=d0' % img] + device_args)
        g.run('mount %s /mnt' % dev_node)
        self.assertIn(known_sum, g.run('sha256sum /mnt/known.bin'))
        # 64 MiB: the known file 64 times (urandom is too slow in the guest).
        g.run('for i in $(seq 64); do cat /mnt/known.bin; done > /mnt/big')
        g.run('sync')
        self.assertIn(big_sum, g.run('sha256sum /mnt/big'))
        g.run('umount /mnt')
        self.assertEqual(g.poweroff(), 0)
        self.check_clean(img)
        if second_boot:
            g = self.guest(['-drive', 'file=%s,format=qcow2,if=none,id=d0' % img] + device_args)
            g.run('mount -o ro %s /mnt' % dev_node)
            self.assertIn(big_sum, g.run('sha256sum /mnt/big'))
            self.assertEqual(g.poweroff(), 0)
            self.check_clean(img)

    def test_virtio_blk_pci(self):
        self.boot_write_check(['-device', 'virtio-blk-pci,drive=d0'], '/dev/vda', True)

    def test_virtio_blk_device(self):
        self.boot_write_check(['-device', 'virtio-blk-device,drive=d0'], '/dev/vda', False)

    def test_scsi_hd(self):
        self.boot_write_check(['-device', 'virtio-scsi-pci,id=scsi0',
                               '-device', 'scsi-hd,drive=d0,bus=scsi0.0'], '/dev/sda', True)


class BackingChain(BlockGuestTest):
    """Acceptance 2: base.raw <- mid.qcow2 <- top.qcow2."""

    def test_merged_view_writes_in_top_and_snapshot(self):
        need('qemu-io', 'qemu-utils')
        base, mid, top = self.path('base.raw'), self.path('mid.qcow2'), self.path('top.qcow2')
        data = bytearray(os.urandom(4 * MiB))
        with open(base, 'wb') as f:
            f.write(data)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', mid],
                       check=True)
        subprocess.run(['qemu-io', '-c', 'write -P 0x22 1M 64k', mid], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', mid, '-F', 'qcow2', top],
                       check=True)
        data[MiB:MiB + 65536] = b'\x22' * 65536
        sums = {p: file_sha(p) for p in (base, mid, top)}
        # -snapshot: the guest writes, every file stays as it was.
        g = self.guest(['-snapshot', '-drive', 'file=%s,format=qcow2,if=none,id=d0' % top,
                        '-device', 'virtio-blk-pci,drive=d0'])
        g.run('dd if=/dev/zero of=/dev/vda bs=64k count=4 conv=fsync 2>/dev/null')
        self.assertIn(sha(b'\0' * 65536), g.run('dd if=/dev/vda bs=64k count=1 2>/dev/null '
                                                '| sha256sum'))
        self.assertEqual(g.poweroff(), 0)
        self.assertEqual({p: file_sha(p) for p in (base, mid, top)}, sums)
        # The merged view, then a write that lands in top only.
        g = self.guest(['-drive', 'file=%s,format=qcow2,if=none,id=d0' % top,
                        '-device', 'virtio-blk-pci,drive=d0'])
        self.assertIn(sha(bytes(data)), g.run('dd if=/dev/vda bs=1M count=4 2>/dev/null | '
                                              'sha256sum'))
        g.run('dd if=/dev/vda of=/dev/vda bs=64k count=2 skip=16 seek=40 conv=fsync '
              '2>/dev/null')
        self.assertEqual(g.poweroff(), 0)
        data[40 * 65536:42 * 65536] = data[16 * 65536:18 * 65536]
        self.assertEqual(file_sha(base), sums[base])
        self.assertEqual(file_sha(mid), sums[mid])
        self.check_clean(top)
        view = self.path('view.raw')
        subprocess.run(['qemu-img', 'convert', '-O', 'raw', top, view], check=True)
        with open(view, 'rb') as f:
            self.assertEqual(sha(f.read()), sha(bytes(data)))


class KillDuringFsync(BlockGuestTest):
    """Acceptance 3: kill -9 while the guest writes records with fsync."""

    def test_kill_9(self):
        rounds = int(os.environ.get('TESSERA_KILL_ROUNDS', '2'))
        for r in range(rounds):
            img = self.path('kill%d.qcow2' % r)
            subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', img, '64M'], check=True)
            g = Guest(['-drive', 'file=%s,format=qcow2,if=none,id=d0' % img,
                       '-device', 'virtio-blk-pci,drive=d0'])
            try:
                # Record i: 4 KiB of "REC-i" at a scattered offset, fsynced.
                g.c.send('i=0; while true; do yes REC-$i | head -c 4096 | dd of=/dev/vda '
                         'bs=4k seek=$(( (i * 977) % 16000 )) conv=fsync 2>/dev/null && '
                         'echo FSYNCED-$i; i=$((i+1)); done\n')
                g.c.expect(r'FSYNCED-%d\b' % (10 + 7 * r), timeout=120)
                os.kill(g.c.proc.pid, signal.SIGKILL)
                g.c.proc.wait()
                done = [int(n) for n in re.findall(rb'FSYNCED-(\d+)', g.c.output)]
            finally:
                g.close()
            chk = subprocess.run(['qemu-img', 'check', img], capture_output=True, text=True)
            self.assertIn(chk.returncode, (0, 3), chk.stdout)   # leaks are acceptable
            self.assertNotIn('ERROR', chk.stdout)
            view = self.path('kview.raw')
            subprocess.run(['qemu-img', 'convert', '-O', 'raw', img, view], check=True)
            with open(view, 'rb') as f:
                disk = f.read()
            last = max(done)
            for i in range(last + 1):
                off = (i * 977) % 16000 * 4096
                later = [j for j in range(i + 1, last + 1) if (j * 977) % 16000 * 4096 == off]
                if not later:
                    want = (('REC-%d\n' % i).encode() * 4096)[:4096]
                    self.assertEqual(disk[off:off + 4096], want, 'round %d record %d' % (r, i))


class Enospc(BlockGuestTest):
    """Acceptance 4: werror=stop on a full tmpfs, then cont."""

    def test_werror_stop_and_cont(self):
        mnt = self.path('mnt')
        os.mkdir(mnt)
        r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, 'this test needs to mount a tmpfs (root): ' + r.stderr)
        self.addCleanup(subprocess.run, ['umount', '-l', mnt])
        img, filler = os.path.join(mnt, 'disk.raw'), os.path.join(mnt, 'filler')
        with open(img, 'wb') as f:
            f.truncate(32 * MiB)
        with open(filler, 'wb') as f:
            f.write(b'\xff' * (4 * MiB))
        g = self.guest(['-drive', 'file=%s,format=raw,if=none,id=d0,werror=stop' % img,
                        '-device', 'virtio-blk-pci,drive=d0'], qmp=True)
        g.c.send('yes ABCDEFG | head -c 3145728 | dd of=/dev/vda bs=64k oflag=direct '
                 'conv=fsync 2>/dev/null; echo WRITE-$((40+2))\n')
        ev = g.qmp.wait_event('BLOCK_IO_ERROR', timeout=120)
        self.assertEqual((ev['data']['device'], ev['data']['operation'], ev['data']['action'],
                          ev['data']['nospace']), ('d0', 'write', 'stop', True))
        g.qmp.wait_event('STOP', timeout=30)
        self.assertEqual(g.qmp.cmd('query-status')['status'], 'paused')
        self.assertEqual(g.qmp.cmd('query-block')[0]['io-status'], 'nospace')
        os.unlink(filler)
        g.qmp.cmd('cont')
        g.c.expect('WRITE-42', timeout=120)
        self.assertIn(sha((b'ABCDEFG\n' * 400000)[:3145728]),
                      g.run('dd if=/dev/vda bs=64k count=48 2>/dev/null | sha256sum'))
        self.assertEqual(g.poweroff(), 0)
        with open(img, 'rb') as f:
            self.assertEqual(f.read(3145728), (b'ABCDEFG\n' * 400000)[:3145728])


class ScsiCd(BlockGuestTest):
    """Acceptance 5: scsi-cd, eject, blockdev-change-medium."""

    def test_iso_swap(self):
        need('genisoimage', 'genisoimage')
        isos = []
        for n in (1, 2):
            d = self.path('iso%d' % n)
            os.mkdir(d)
            with open(os.path.join(d, 'name.txt'), 'w') as f:
                f.write('disc-%d-here\n' % n)
            iso = self.path('disc%d.iso' % n)
            subprocess.run(['genisoimage', '-quiet', '-o', iso, d], check=True)
            isos.append(iso)
        g = self.guest(['-drive', 'file=%s,format=raw,if=none,id=cd,media=cdrom' % isos[0],
                        '-device', 'virtio-scsi-pci,id=scsi0',
                        '-device', 'scsi-cd,drive=cd,bus=scsi0.0,id=cd0'], qmp=True)
        g.run('mount -t iso9660 /dev/sr0 /mnt')
        self.assertIn('disc-1-here', g.run('cat /mnt/name.txt'))
        self.assertIn('Read-only', g.run('touch /mnt/x 2>&1'))
        g.run('umount /mnt')
        g.qmp.cmd('eject', id='cd0')
        self.assertTrue(g.qmp.wait_event('DEVICE_TRAY_MOVED')['data']['tray-open'])
        self.assertNotIn('disc-', g.run('mount -t iso9660 /dev/sr0 /mnt 2>&1; '
                                         'cat /mnt/name.txt 2>&1'))
        g.qmp.cmd('blockdev-change-medium', id='cd0', filename=isos[1], format='raw')
        self.assertIn('disc-2-here', g.run('mount -t iso9660 /dev/sr0 /mnt && '
                                           'cat /mnt/name.txt'))
        g.run('umount /mnt')
        self.assertEqual(g.poweroff(), 0)


if __name__ == '__main__':
    tt.main('block-guest')
