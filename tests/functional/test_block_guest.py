#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Disks seen by a riscv64 Linux guest: issue 11's acceptance lines 1-6.

1. ext4 images made with `mkfs.ext4 -d` and converted to qcow2 by qemu-img
   on virtio-blk-pci, virtio-blk-device and scsi-hd under virtio-scsi-pci
   (all three in one boot): mounted, a known file checksummed, 64 MiB
   written, synced, powered off; `qemu-img check` clean; the data is there
   on the second boot.
2. A backing chain base.raw <- mid.qcow2 <- top.qcow2 (qemu-img) as a
   fourth disk of that boot: the guest sees the merged view and its write
   lands in top only.  The second boot runs with -snapshot: the guest
   writes to every disk and afterwards no file has changed.
3. kill -9 while the guest writes fsynced records in a loop: `qemu-img
   check` finds no corruption and every record the guest saw fsynced is
   there.  TESSERA_KILL_ROUNDS rounds (3 here; the soak run,
   scripts/block-kill-soak.sh, does 20).
4. ENOSPC: the image on a small tmpfs the test mounts, werror=stop: the VM
   pauses with BLOCK_IO_ERROR, the test frees space, `cont`, and the guest
   finishes with the right data.
5. scsi-cd with ISOs made by genisoimage (the same boot as 4): mounted
   read-only; `eject` and `blockdev-change-medium` swap the media and the
   guest sees the new one.
6. Malformed device options and hostile images (wrong magic, L1 past the
   end, cyclic backing chain, refcount width overflow, absurd size,
   refcount table outside the file) on the virt board: one line on
   stderr, exit 1, no file changed.  (tests/functional/test_block.py
   covers the -drive/-blockdev option grammar on -M none.)

Needs qemu-utils, e2fsprogs and genisoimage (scripts/setup.sh), the guest
images (tessera_test.guest_dir) and root for the tmpfs of line 4.
"""
import hashlib
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
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


def qemu_img(*args):
    need('qemu-img', 'qemu-utils')
    return subprocess.run(['qemu-img'] + list(args), check=True, capture_output=True, text=True)


class Guest:
    """riscv64 Linux on virt with the given storage options, driven at its
    serial console shell."""

    def __init__(self, storage, qmp_path=None):
        args = ['-M', 'virt', '-m', '256', '-nographic', '-kernel', tt.linux_image(),
                '-initrd', os.path.join(tt.guest_dir(), 'initramfs.cpio.gz'),
                '-append', 'console=ttyS0 quiet'] + list(storage)
        if qmp_path:
            args += ['-qmp', 'unix:%s,server=on,wait=off' % qmp_path]
        self.c = tt.Console(args)
        self.n = 0
        self.qmp = None
        try:
            self.c.expect(r'BOOT-OK', timeout=180)
            self.c.expect(r'[#$] ', timeout=60)
            if qmp_path:
                wait_for(lambda: os.path.exists(qmp_path), what='QMP socket')
                self.qmp = QmpClient(qmp_path)
                self.qmp.cmd('qmp_capabilities')
        except BaseException:
            self.close()
            raise

    def run(self, cmd, timeout=300):
        """Run @cmd at the shell; its output (between the command line and a
        marker the shell computes, so the echoed command does not match)."""
        self.n += 1
        mark = 'MARK%d' % self.n
        start = len(self.c.output)
        self.c.send('%s; echo %s-$((40+2))\n' % (cmd, mark))
        self.c.expect('%s-42' % mark, timeout=timeout)
        out = self.c.output[start:].decode(errors='replace')
        out = out.split('\n', 1)[1] if '\n' in out else ''
        return out[:out.rfind('%s-42' % mark)]

    def disk(self, serial):
        """The /dev node of the virtio disk with @serial."""
        out = self.run('for d in /sys/block/vd*; do echo "SER $(cat $d/serial) ${d##*/}"; done')
        m = re.search(r'SER %s (vd\w+)' % re.escape(serial), out)
        if not m:
            raise AssertionError('no virtio disk with serial %s:\n%s' % (serial, out))
        return '/dev/' + m.group(1)

    def poweroff(self):
        self.c.send('exit\n')
        return self.c.wait(120)

    def close(self):
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        self.c.close()
        for pipe in (self.c.proc.stdin, self.c.proc.stdout):
            if pipe and not pipe.closed:
                try:
                    pipe.close()
                except OSError:
                    pass


class BlockGuestTest(unittest.TestCase):
    def setUp(self):
        need('qemu-img', 'qemu-utils')
        self.dir = tempfile.mkdtemp(prefix='tessera-disk-')
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def guest(self, storage, qmp=False):
        g = Guest(storage, self.path('qmp.sock') if qmp else None)
        self.addCleanup(g.close)
        return g

    def check_clean(self, img):
        r = subprocess.run(['qemu-img', 'check', img], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, img + ': ' + r.stdout + r.stderr)
        self.assertIn('No errors were found', r.stdout)


# The disks of the two boots in Disks: (serial or SCSI, device options).
EXT4_DEVICES = [
    ('pci', ['-device', 'virtio-blk-pci,drive=pci,serial=pci']),
    ('mmio', ['-device', 'virtio-blk-device,drive=mmio,serial=mmio']),
    ('scsi', ['-device', 'virtio-scsi-pci,id=scsi0', '-device', 'scsi-hd,drive=scsi,bus=scsi0.0']),
]


class Disks(BlockGuestTest):
    """Lines 1 and 2: two boots, the second with -snapshot."""

    def make_ext4(self, name, known):
        need('mkfs.ext4', 'e2fsprogs')
        src = self.path('tree-' + name)
        os.mkdir(src)
        with open(os.path.join(src, 'known.bin'), 'wb') as f:
            f.write(known)
        raw = self.path(name + '.ext4')
        subprocess.run(['mkfs.ext4', '-q', '-d', src, raw, '128M'], check=True,
                       stdout=subprocess.DEVNULL)
        img = self.path(name + '.qcow2')
        qemu_img('convert', '-O', 'qcow2', raw, img)
        os.unlink(raw)
        return img

    def make_chain(self):
        need('qemu-io', 'qemu-utils')
        base, mid, top = self.path('base.raw'), self.path('mid.qcow2'), self.path('top.qcow2')
        data = bytearray(os.urandom(4 * MiB))
        with open(base, 'wb') as f:
            f.write(data)
        qemu_img('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', mid)
        subprocess.run(['qemu-io', '-c', 'write -P 0x22 1M 64k', mid], check=True,
                       stdout=subprocess.DEVNULL)
        qemu_img('create', '-q', '-f', 'qcow2', '-b', mid, '-F', 'qcow2', top)
        data[MiB:MiB + 65536] = b'\x22' * 65536
        return (base, mid, top), data

    def storage(self, imgs, top):
        args = []
        for name, dev in EXT4_DEVICES:
            args += ['-drive', 'file=%s,format=qcow2,if=none,id=%s' % (imgs[name], name)] + dev
        return args + ['-drive', 'file=%s,format=qcow2,if=none,id=chain' % top,
                       '-device', 'virtio-blk-pci,drive=chain,serial=chain']

    def test_ext4_on_three_devices_backing_chain_and_snapshot(self):
        known = os.urandom(MiB)
        known_sum, big_sum = sha(known), sha(known * 64)
        imgs = {name: self.make_ext4(name, known) for name, _dev in EXT4_DEVICES}
        (base, mid, top), data = self.make_chain()
        base_sum, mid_sum = file_sha(base), file_sha(mid)

        # First boot: every ext4 disk mounted, checked, 64 MiB written.
        g = self.guest(self.storage(imgs, top))
        nodes = {'pci': g.disk('pci'), 'mmio': g.disk('mmio'), 'scsi': '/dev/sda',
                 'chain': g.disk('chain')}
        for name, _dev in EXT4_DEVICES:
            with self.subTest(device=name):
                g.run('mkdir -p /m/%s && mount -t ext4 %s /m/%s' % (name, nodes[name], name))
                self.assertIn(known_sum, g.run('sha256sum /m/%s/known.bin' % name))
                # 64 MiB: the known file 64 times (urandom is slow in the guest).
                g.run('for i in $(seq 64); do cat /m/%s/known.bin; done > /m/%s/big'
                      % (name, name))
                g.run('sync')
                self.assertIn(big_sum, g.run('sha256sum /m/%s/big' % name))
                g.run('umount /m/%s' % name)
        # The chain: the merged view, then a copy that must land in top.
        self.assertIn(sha(bytes(data)), g.run('dd if=%s bs=1M count=4 2>/dev/null | sha256sum'
                                              % nodes['chain']))
        g.run('dd if={0} of={0} bs=64k count=2 skip=16 seek=40 conv=fsync 2>/dev/null'
              .format(nodes['chain']))
        self.assertEqual(g.poweroff(), 0)
        data[40 * 65536:42 * 65536] = data[16 * 65536:18 * 65536]
        for img in imgs.values():
            self.check_clean(img)
        self.assertEqual(file_sha(base), base_sum)
        self.assertEqual(file_sha(mid), mid_sum)
        self.check_clean(top)
        view = self.path('view.raw')
        qemu_img('convert', '-O', 'raw', top, view)
        self.assertEqual(file_sha(view), sha(bytes(data)))

        # Second boot, with -snapshot: the data is there; writes to every
        # disk are seen by the guest and leave every file unchanged.
        sums = {p: file_sha(p) for p in list(imgs.values()) + [base, mid, top]}
        g = self.guest(['-snapshot'] + self.storage(imgs, top))
        nodes = {'pci': g.disk('pci'), 'mmio': g.disk('mmio'), 'scsi': '/dev/sda',
                 'chain': g.disk('chain')}
        for name, _dev in EXT4_DEVICES:
            with self.subTest(device=name, boot=2):
                g.run('mkdir -p /m/%s && mount -t ext4 -o ro %s /m/%s'
                      % (name, nodes[name], name))
                self.assertIn(big_sum, g.run('sha256sum /m/%s/big' % name))
                g.run('umount /m/%s' % name)
        self.assertIn(sha(bytes(data)), g.run('dd if=%s bs=1M count=4 2>/dev/null | sha256sum'
                                              % nodes['chain']))
        zero_sum = sha(b'\0' * 65536)
        for node in nodes.values():
            g.run('dd if=/dev/zero of=%s bs=64k count=4 conv=fsync 2>/dev/null' % node)
            self.assertIn(zero_sum, g.run('dd if=%s bs=64k count=1 skip=3 2>/dev/null | '
                                          'sha256sum' % node))
        self.assertEqual(g.poweroff(), 0)
        self.assertEqual({p: file_sha(p) for p in sums}, sums)


def kill_rounds(test, rounds):
    """Line 3, @rounds times: a fresh image, records written with fsync in a
    loop, kill -9 at a different record each round, then the image checked
    against what the guest saw acknowledged."""
    for r in range(rounds):
        img = test.path('kill%d.qcow2' % r)
        qemu_img('create', '-q', '-f', 'qcow2', img, '64M')
        g = Guest(['-drive', 'file=%s,format=qcow2,if=none,id=d0' % img,
                   '-device', 'virtio-blk-pci,drive=d0'])
        try:
            # Record i: 4 KiB of "REC-i\n" at a scattered offset, fsynced.
            g.c.send('i=0; while true; do yes REC-$i | head -c 4096 | dd of=/dev/vda '
                     'bs=4k seek=$(( (i * 977) % 16000 )) conv=fsync 2>/dev/null && '
                     'echo FSYNCED-$i; i=$((i+1)); done\n')
            g.c.expect(r'FSYNCED-%d\b' % (10 + 7 * (r % 10)), timeout=300)
            os.kill(g.c.proc.pid, signal.SIGKILL)
            g.c.proc.wait()
            done = [int(n) for n in re.findall(rb'FSYNCED-(\d+)', g.c.output)]
        finally:
            g.close()
        chk = subprocess.run(['qemu-img', 'check', img], capture_output=True, text=True)
        # 0: clean; 3: leaked clusters only (allowed after a kill).
        test.assertIn(chk.returncode, (0, 3), 'round %d: %s' % (r, chk.stdout + chk.stderr))
        test.assertNotIn('ERROR', chk.stdout)
        view = test.path('kview.raw')
        qemu_img('convert', '-O', 'raw', img, view)
        with open(view, 'rb') as f:
            disk = f.read()
        # Records 0..max(done) sit at distinct offsets (977 and 16000 are coprime).
        for i in range(max(done) + 1):
            off = (i * 977) % 16000 * 4096
            want = (('REC-%d\n' % i).encode() * 4096)[:4096]
            test.assertEqual(disk[off:off + 4096], want, 'round %d record %d' % (r, i))
        os.unlink(img)
        os.unlink(view)


class KillDuringFsync(BlockGuestTest):
    """Line 3."""

    def test_kill_9_while_writing_with_fsync(self):
        kill_rounds(self, int(os.environ.get('TESSERA_KILL_ROUNDS', '3')))


class ErrorPolicyAndCdrom(BlockGuestTest):
    """Lines 4 and 5 in one boot."""

    def make_iso(self, n):
        need('genisoimage', 'genisoimage')
        d = self.path('iso%d' % n)
        os.mkdir(d)
        with open(os.path.join(d, 'name.txt'), 'w') as f:
            f.write('disc-%d-here\n' % n)
        iso = self.path('disc%d.iso' % n)
        subprocess.run(['genisoimage', '-quiet', '-o', iso, d], check=True)
        return iso

    def test_enospc_werror_stop_cont_and_scsi_cd_media_swap(self):
        isos = [self.make_iso(1), self.make_iso(2)]
        mnt = self.path('mnt')
        os.mkdir(mnt)
        r = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, 'this test needs to mount a tmpfs (root): ' + r.stderr)
        self.addCleanup(subprocess.run, ['umount', '-l', mnt])
        img, filler = os.path.join(mnt, 'disk.raw'), os.path.join(mnt, 'filler')
        with open(img, 'wb') as f:
            f.truncate(32 * MiB)            # sparse: the guest's writes need tmpfs pages
        with open(filler, 'wb') as f:
            f.write(b'\xff' * (4 * MiB))    # leaves about 2 MiB for 3 MiB of writes
        g = self.guest(['-drive', 'file=%s,format=raw,if=none,id=d0,werror=stop' % img,
                        '-device', 'virtio-blk-pci,drive=d0,serial=full',
                        '-drive', 'file=%s,format=raw,if=none,id=cd,media=cdrom' % isos[0],
                        '-device', 'virtio-scsi-pci,id=scsi0',
                        '-device', 'scsi-cd,drive=cd,bus=scsi0.0,id=cd0'], qmp=True)
        q = g.qmp

        # Line 5: the first disc, read-only; eject; the second disc.
        g.run('mkdir -p /cd && mount -t iso9660 /dev/sr0 /cd')
        self.assertIn('disc-1-here', g.run('cat /cd/name.txt'))
        self.assertIn('Read-only', g.run('touch /cd/x 2>&1'))
        g.run('umount /cd')
        q.cmd('eject', id='cd0')
        self.assertTrue(q.wait_event('DEVICE_TRAY_MOVED')['data']['tray-open'])
        self.assertNotIn('disc-', g.run('mount -t iso9660 /dev/sr0 /cd 2>&1; '
                                         'cat /cd/name.txt 2>&1'))
        q.cmd('blockdev-change-medium', id='cd0', filename=isos[1], format='raw')
        self.assertIn('disc-2-here', g.run('mount -t iso9660 /dev/sr0 /cd && '
                                           'cat /cd/name.txt'))
        g.run('umount /cd')

        # Line 4: the write runs out of space, the VM pauses, space is
        # freed, cont, and the guest's write completes with its data.
        dev = g.disk('full')
        g.c.send('yes ABCDEFG | head -c 3145728 | dd of=%s bs=64k oflag=direct '
                 'conv=fsync 2>/dev/null; echo WRITE-$((40+2))\n' % dev)
        ev = q.wait_event('BLOCK_IO_ERROR', timeout=300)
        self.assertEqual((ev['data']['device'], ev['data']['operation'], ev['data']['action'],
                          ev['data']['nospace']), ('d0', 'write', 'stop', True))
        q.wait_event('STOP', timeout=60)
        self.assertEqual(q.cmd('query-status')['status'], 'paused')
        self.assertEqual({b['device']: b.get('io-status') for b in q.cmd('query-block')}['d0'],
                         'nospace')
        os.unlink(filler)
        q.cmd('cont')
        g.c.expect('WRITE-42', timeout=300)
        want = (b'ABCDEFG\n' * 400000)[:3145728]
        self.assertIn(sha(want), g.run('dd if=%s bs=64k count=48 2>/dev/null | sha256sum'
                                       % dev))
        self.assertEqual(g.poweroff(), 0)
        with open(img, 'rb') as f:
            self.assertEqual(f.read(len(want)), want)


class Hotplug(BlockGuestTest):
    """blockdev-add + device_add virtio-blk-pci on a root port while the guest
    runs: it mounts the disk, reads a known file and writes one; device_del
    + blockdev-del remove both, and the image holds the guest's write.
    (riscv virt shares the root port's INTx: pciehp polls, as in QEMU 7.2.)"""

    def test_blockdev_add_device_add_mount_then_remove(self):
        need('mkfs.ext4', 'e2fsprogs')
        need('debugfs', 'e2fsprogs')
        src = self.path('tree')
        os.mkdir(src)
        with open(os.path.join(src, 'hello.txt'), 'w') as f:
            f.write('HOTPLUG-DISK-CONTENT\n')
        raw, img = self.path('hp.ext4'), self.path('hp.qcow2')
        subprocess.run(['mkfs.ext4', '-q', '-d', src, raw, '16M'], check=True,
                       stdout=subprocess.DEVNULL)
        qemu_img('convert', '-O', 'qcow2', raw, img)
        dev = '/sys/bus/pci/devices/0000:01:00.0'
        cmd = ('until+[+-e+%s+];do+sleep+0.1;done;sleep+1;mkdir+/mnt/h;mount+/dev/vda+/mnt/h&&'
               'echo+GOT+$(cat+/mnt/h/hello.txt);echo+hotwrite>/mnt/h/w.txt;umount+/mnt/h;'
               'echo+UNMOUNTED;while+[+-e+%s+];do+sleep+0.1;done;echo+GONE' % (dev, dev))
        qmp = self.path('qmp.sock')
        c = tt.Console(['-M', 'virt', '-m', '256', '-nographic', '-kernel', tt.linux_image(),
                        '-initrd', os.path.join(tt.guest_dir(), 'initramfs.cpio.gz'),
                        '-append', 'console=ttyS0 quiet pciehp.pciehp_poll_mode=1 '
                        'pciehp.pciehp_poll_time=1 guest.run=' + cmd,
                        '-device', 'pcie-root-port,id=rp1,chassis=1',
                        '-qmp', 'unix:%s,server=on,wait=off' % qmp])
        self.addCleanup(c.close)
        c.expect(r'BOOT-OK', 180)
        wait_for(lambda: os.path.exists(qmp), what='QMP socket')
        q = QmpClient(qmp)
        self.addCleanup(q.close)
        q.cmd('qmp_capabilities')
        q.cmd('blockdev-add', driver='qcow2', **{'node-name': 'hd1',
                                                  'file': {'driver': 'file', 'filename': img}})
        q.cmd('device_add', driver='virtio-blk-pci', bus='rp1', id='vd1', drive='hd1')
        c.expect(r'GOT HOTPLUG-DISK-CONTENT', 120)
        c.expect(r'UNMOUNTED', 60)
        q.cmd('device_del', id='vd1')
        self.assertEqual(q.wait_event('DEVICE_DELETED', 60)['data']['device'], 'vd1')
        c.expect(r'GONE', 60)
        q.cmd('blockdev-del', **{'node-name': 'hd1'})
        self.assertEqual(q.cmd('query-named-block-nodes'), [])
        self.assertEqual(c.wait(120), 0)
        self.check_clean(img)
        qemu_img('convert', '-O', 'raw', img, raw)
        r = subprocess.run(['debugfs', '-R', 'cat /w.txt', raw], capture_output=True, text=True)
        self.assertEqual(r.stdout.strip(), 'hotwrite', r.stderr)


class BadInput(BlockGuestTest):
    """Line 6 on the virt board with the disk devices."""

    def refused(self, args, *want):
        r = tt.run(['-M', 'virt', '-nographic'] + list(args), link='tessera-system-riscv64')
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = [l for l in r.stderr.splitlines() if l]
        self.assertEqual(len(lines), 1, r.stderr)
        for w in want:
            self.assertIn(w, lines[0])

    def poke(self, src, name, off, fmt, value):
        img = self.path(name)
        shutil.copy(src, img)
        with open(img, 'r+b') as f:
            f.seek(off)
            f.write(struct.pack(fmt, value))
        return img

    def test_hostile_images_and_bad_device_options(self):
        good = self.path('good.qcow2')
        qemu_img('create', '-q', '-f', 'qcow2', good, '16M')
        loop_a, loop_b = self.path('loop-a.qcow2'), self.path('loop-b.qcow2')
        qemu_img('create', '-q', '-f', 'qcow2', '-u', '-b', loop_b, '-F', 'qcow2', loop_a, '16M')
        qemu_img('create', '-q', '-f', 'qcow2', '-u', '-b', loop_a, '-F', 'qcow2', loop_b, '16M')
        images = [
            (self.poke(good, 'magic.qcow2', 0, '>I', 0x514649fa), 'wrong magic'),
            (self.poke(good, 'l1.qcow2', 40, '>Q', 1 << 40), 'L1 table lies past the end'),
            (loop_a, 'backing chain is cyclic'),
            (self.poke(good, 'rcbits.qcow2', 96, '>I', 7), 'refcount width 2^7 bits is too wide'),
            (self.poke(good, 'size.qcow2', 24, '>Q', 1 << 62), 'absurd virtual size'),
            (self.poke(good, 'rctable.qcow2', 48, '>Q', 1 << 40), 'refcount table lies outside'),
        ]
        files = [good, loop_b] + [img for img, _ in images]
        sums = {p: file_sha(p) for p in files}
        for img, want in images:
            for dev in ('virtio-blk-pci,drive=d0', 'virtio-blk-device,drive=d0'):
                with self.subTest(image=os.path.basename(img), device=dev):
                    self.refused(['-drive', 'file=%s,format=qcow2,if=none,id=d0' % img,
                                  '-device', dev], img, want)
        drive = ['-drive', 'file=%s,format=qcow2,if=none,id=d0' % good]
        bad_devices = [
            (['-device', 'virtio-blk-pci,drive=nosuch'], "Cannot find device='nosuch'"),
            (['-device', 'virtio-blk-pci,drive=d0,logical_block_size=1000'],
             'logical_block_size must be a power of two'),
            (['-device', 'virtio-blk-pci,drive=d0,num-queues=0'], 'num-queues must be 1 to 64'),
            (['-device', 'virtio-blk-pci,drive=d0,serial=123456789012345678901'],
             'serial is longer than 20 characters'),
            (['-device', 'virtio-blk-pci,drive=d0', '-device', 'virtio-blk-device,drive=d0'],
             "Drive 'd0' is already in use"),
            (['-device', 'scsi-hd,drive=d0'], "no 'SCSI' bus"),
            (['-device', 'virtio-scsi-pci,id=s0', '-device', 'scsi-hd,drive=d0,bus=s0.0,'
              'scsi-id=300'], 'bad scsi-id 300'),
        ]
        for args, want in bad_devices:
            with self.subTest(args=args):
                self.refused(drive + args, want)
        self.assertEqual({p: file_sha(p) for p in files}, sums)


if __name__ == '__main__':
    tt.main('block-guest')
