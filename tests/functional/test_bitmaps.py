#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Dirty bitmaps from the outside: block-dirty-bitmap-add/-remove/-clear/
-enable/-disable/-merge with QEMU's errors, dirty-bitmaps in query-block and
query-named-block-nodes, writes recorded (made through Tessera's NBD export
with qemu-io, so no guest is needed), and persistent bitmaps in qcow2 images:
stored at exit, loaded again on the next start, read by QEMU (qemu-img info,
qemu-nbd -B with nbdinfo --map) and loaded from images QEMU wrote; a killed
Tessera leaves them inconsistent; qemu-img check stays clean."""
import os
import shutil
import subprocess
import tempfile
import unittest

import tessera_test as tt
from qmp_client import QmpError, Vm

MIB = 1 << 20
KIB = 1 << 10


def need(tool):
    if not shutil.which(tool):
        raise AssertionError('this test needs %s (run scripts/setup.sh: qemu-utils, '
                             'libnbd-bin)' % tool)


def run(*argv, check=True):
    need(argv[0])
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=60)
    if check and r.returncode:
        raise AssertionError('%s failed: %s%s' % (' '.join(argv), r.stdout, r.stderr))
    return r


def qmp(q, command, **args):
    r = q.execute(command, {k.replace('_', '-'): v for k, v in args.items()})
    if 'error' in r:
        raise QmpError(r['error']['class'], r['error']['desc'])
    return r['return']


class BitmapTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-bitmap-')
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.img = os.path.join(self.dir, 'd.qcow2')
        run('qemu-img', 'create', '-q', '-f', 'qcow2', self.img, '64M')
        self.sock = os.path.join(self.dir, 'nbd.sock')

    def start(self, *extra):
        v = Vm(['-M', 'none', '-blockdev', 'driver=qcow2,node-name=d0,file.driver=file,'
                'file.filename=%s' % self.img] + list(extra))
        self.addCleanup(v.close)
        q = v.qmp()
        return v, q

    def export(self, q):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        q.cmd('nbd-server-start', addr={'type': 'unix', 'path': self.sock})
        qmp(q, 'block-export-add', type='nbd', id='e0', node_name='d0', writable=True)

    def write(self, *cmds):
        """qemu-io commands against the export (the node sees the writes)."""
        argv = ['qemu-io', '-f', 'raw']
        for c in cmds:
            argv += ['-c', c]
        r = run(*argv + ['nbd+unix:///d0?socket=%s' % self.sock])
        self.assertNotIn('error', r.stdout.lower() + r.stderr.lower())

    def bitmaps(self, q, node='d0'):
        for n in q.cmd('query-named-block-nodes'):
            if n['node-name'] == node:
                return {b['name']: b for b in n.get('dirty-bitmaps', [])}
        raise AssertionError('no node %s' % node)

    def sha(self, q, name):
        return qmp(q, 'x-debug-block-dirty-bitmap-sha256', node='d0', name=name)['sha256']

    def quit(self, v, q):
        q.cmd('quit')
        self.assertEqual(v.wait_exit(), 0, v.stderr)

    def qemu_map(self, name):
        """The dirty extents QEMU reads from the image: [(offset, length)]."""
        need('qemu-nbd')
        qsock = os.path.join(self.dir, 'q.sock')
        p = subprocess.Popen(['qemu-nbd', '-f', 'qcow2', '-r', '-B', name, '-k', qsock, '-t',
                              self.img], stderr=subprocess.PIPE)
        try:
            for _ in range(400):
                if os.path.exists(qsock):
                    break
                if p.poll() is not None:
                    raise AssertionError('qemu-nbd: %s' % p.stderr.read().decode())
                subprocess.run(['sleep', '0.05'])
            r = run('nbdinfo', '--map=qemu:dirty-bitmap:%s' % name,
                    'nbd+unix:///?socket=%s' % qsock)
        finally:
            p.terminate()
            p.wait()
        out = []
        for line in r.stdout.splitlines():
            off, length, flag = line.split()[:3]
            if flag == '1':
                out.append((int(off), int(length)))
        return out


class Commands(BitmapTest):
    def test_errors(self):
        v, q = self.start('-blockdev', 'driver=null-co,node-name=n0,size=1M',
                          '-blockdev', 'driver=null-co,node-name=n1,size=2M',
                          '-blockdev', 'driver=null-co,node-name=ro,read-only=on')

        def err(want, command, **args):
            with self.assertRaises(QmpError) as cm:
                qmp(q, command, **args)
            self.assertIn(want, cm.exception.desc)

        err("Cannot find device='nope' nor node-name='nope'", 'block-dirty-bitmap-add',
            node='nope', name='b')
        for g in (0, 256, 3000, 1 << 32):
            err('Granularity must be power of 2', 'block-dirty-bitmap-add', node='n0',
                name='b', granularity=g)
        err('cannot be empty', 'block-dirty-bitmap-add', node='n0', name='')
        err('too long', 'block-dirty-bitmap-add', node='n0', name='x' * 1024)
        err("read-only", 'block-dirty-bitmap-add', node='ro', name='b')
        err("format 'null-co' cannot store dirty bitmaps", 'block-dirty-bitmap-add',
            node='n0', name='b', persistent=True)
        qmp(q, 'block-dirty-bitmap-add', node='n0', name='b')
        err('Bitmap already exists: b', 'block-dirty-bitmap-add', node='n0', name='b')
        for c in ('remove', 'clear', 'enable', 'disable'):
            err("Dirty bitmap 'zz' not found", 'block-dirty-bitmap-' + c, node='n0', name='zz')
        qmp(q, 'block-dirty-bitmap-add', node='n1', name='big')
        err('different sizes', 'block-dirty-bitmap-merge', node='n0', target='b',
            bitmaps=[{'node': 'n1', 'name': 'big'}])
        err("Dirty bitmap 'zz' not found", 'block-dirty-bitmap-merge', node='n0', target='b',
            bitmaps=['zz'])
        err('expected a bitmap name', 'block-dirty-bitmap-merge', node='n0', target='b',
            bitmaps=[3])
        # Persistent on a qcow2 v2 image is refused with the reason.
        v2img = os.path.join(self.dir, 'v2.qcow2')
        run('qemu-img', 'create', '-q', '-f', 'qcow2', '-o', 'compat=0.10', v2img, '1M')
        qmp(q, 'blockdev-add', driver='qcow2', node_name='v2',
            file={'driver': 'file', 'filename': v2img})
        err('version 2 images cannot store dirty bitmaps', 'block-dirty-bitmap-add',
            node='v2', name='b', persistent=True)

    def test_recording_enable_disable_clear_merge(self):
        v, q = self.start()
        self.export(q)
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='a')              # 64 KiB
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='fine', granularity=512)
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='off', disabled=True)
        self.write('write 100k 1k', 'write 10M 200k')
        b = self.bitmaps(q)
        self.assertEqual(b['a']['count'], 5 * 64 * KIB)     # granules 1 and 160..163
        self.assertEqual(b['fine']['count'], 1024 + 200 * KIB)
        self.assertEqual(b['off']['count'], 0)
        self.assertEqual((b['a']['recording'], b['off']['recording']), (True, False))
        self.assertEqual(b['a']['granularity'], 65536)
        self.assertFalse(b['a']['persistent'])
        # query-block shows them too, for a drive.
        qmp(q, 'block-dirty-bitmap-disable', node='d0', name='a')
        qmp(q, 'block-dirty-bitmap-enable', node='d0', name='off')
        self.write('write 30M 4k')
        b = self.bitmaps(q)
        self.assertEqual(b['a']['count'], 5 * 64 * KIB)
        self.assertEqual(b['off']['count'], 64 * KIB)
        # Merge a (64 KiB granules) into fine (512 B): fine covers a's granules.
        qmp(q, 'block-dirty-bitmap-merge', node='d0', target='fine', bitmaps=['a'])
        self.assertEqual(self.bitmaps(q)['fine']['count'], 5 * 64 * KIB + 4 * KIB)
        qmp(q, 'block-dirty-bitmap-merge', node='d0', target='off',
            bitmaps=[{'node': 'd0', 'name': 'a'}])
        self.assertEqual(self.bitmaps(q)['off']['count'], 6 * 64 * KIB)
        qmp(q, 'block-dirty-bitmap-clear', node='d0', name='fine')
        self.assertEqual(self.bitmaps(q)['fine']['count'], 0)
        qmp(q, 'block-dirty-bitmap-remove', node='d0', name='fine')
        self.assertNotIn('fine', self.bitmaps(q))

    def test_query_block_of_a_drive(self):
        img = os.path.join(self.dir, 'r.raw')
        with open(img, 'wb') as f:
            f.truncate(MIB)
        v = Vm(['-M', 'none', '-drive', 'if=none,id=drv0,format=raw,file=%s' % img])
        self.addCleanup(v.close)
        q = v.qmp()
        qmp(q, 'block-dirty-bitmap-add', node='drv0', name='b', granularity=4096)
        blk = [b for b in q.cmd('query-block') if b['device'] == 'drv0'][0]
        self.assertEqual(blk['dirty-bitmaps'][0]['name'], 'b')
        self.assertEqual(blk['inserted']['dirty-bitmaps'][0]['granularity'], 4096)


class Persistent(BitmapTest):
    def test_survives_restart_and_qemu_reads_it(self):
        v, q = self.start()
        self.export(q)
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='b0', persistent=True)
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='b1', persistent=True,
            granularity=4096, disabled=True)
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='tmp')
        self.write('write 100k 1k', 'write 10M 200k', 'write -z 20M 64k')
        before = self.sha(q, 'b0')
        count = self.bitmaps(q)['b0']['count']
        self.assertEqual(count, 6 * 64 * KIB)
        self.quit(v, q)
        info = run('qemu-img', 'info', self.img).stdout
        self.assertIn('name: b0', info)
        self.assertIn('name: b1', info)
        self.assertIn('granularity: 4096', info)
        self.assertNotIn('name: tmp', info)
        self.assertNotIn('in-use', info)
        self.assertEqual(run('qemu-img', 'check', self.img).returncode, 0)
        # QEMU sees exactly the dirty areas Tessera recorded.
        self.assertEqual(self.qemu_map('b0'),
                         [(64 * KIB, 64 * KIB), (10 * MIB, 256 * KIB), (20 * MIB, 64 * KIB)])
        self.assertEqual(self.qemu_map('b1'), [])
        # Next start: the same bits, still recording, persistent.
        v, q = self.start()
        b = self.bitmaps(q)
        self.assertEqual(set(b), {'b0', 'b1'})
        self.assertEqual(b['b0']['count'], count)
        self.assertTrue(b['b0']['persistent'] and b['b0']['recording'])
        self.assertFalse(b['b1']['recording'])
        self.assertEqual(self.sha(q, 'b0'), before)
        # While Tessera has the image, QEMU sees the bitmaps in use.
        self.assertIn('in-use', run('qemu-img', 'info', '-U', self.img).stdout)
        # Removing a persistent bitmap takes it out of the image at once.
        qmp(q, 'block-dirty-bitmap-remove', node='d0', name='b1')
        self.assertNotIn('name: b1', run('qemu-img', 'info', '-U', self.img).stdout)
        self.export(q)
        self.write('write 40M 64k')
        self.quit(v, q)
        self.assertEqual(self.qemu_map('b0'),
                         [(64 * KIB, 64 * KIB), (10 * MIB, 256 * KIB), (20 * MIB, 64 * KIB),
                          (40 * MIB, 64 * KIB)])
        self.assertEqual(run('qemu-img', 'check', self.img).returncode, 0)

    def test_follows_block_resize(self):
        v, q = self.start()
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='b0', persistent=True)
        qmp(q, 'block_resize', node_name='d0', size=128 * MIB)
        self.export(q)
        self.write('write 100M 64k')   # past the old end: recorded
        self.assertEqual(self.bitmaps(q)['b0']['count'], 64 * KIB)
        self.quit(v, q)
        self.assertEqual(self.qemu_map('b0'), [(100 * MIB, 64 * KIB)])
        self.assertEqual(run('qemu-img', 'check', self.img).returncode, 0)

    def test_loads_bitmaps_qemu_wrote(self):
        run('qemu-img', 'bitmap', '--add', '-g', '65536', self.img, 'q0')
        run('qemu-io', '-c', 'write 1M 64k', '-c', 'write 5M 1k', self.img)
        v, q = self.start()
        b = self.bitmaps(q)
        self.assertEqual(b['q0']['count'], 2 * 64 * KIB)
        self.assertTrue(b['q0']['persistent'])
        self.export(q)
        self.write('write 7M 4k')
        self.quit(v, q)
        self.assertEqual(self.qemu_map('q0'),
                         [(MIB, 64 * KIB), (5 * MIB, 64 * KIB), (7 * MIB, 64 * KIB)])
        self.assertEqual(run('qemu-img', 'check', self.img).returncode, 0)

    def test_killed_leaves_inconsistent(self):
        v, q = self.start()
        qmp(q, 'block-dirty-bitmap-add', node='d0', name='b0', persistent=True)
        self.quit(v, q)
        v, q = self.start()
        self.assertNotIn('inconsistent', self.bitmaps(q)['b0'])
        v.proc.kill()
        v.proc.wait()
        v, q = self.start()
        b = self.bitmaps(q)['b0']
        self.assertTrue(b['inconsistent'])
        with self.assertRaises(QmpError) as cm:
            qmp(q, 'block-dirty-bitmap-enable', node='d0', name='b0')
        self.assertIn('inconsistent', cm.exception.desc)
        qmp(q, 'block-dirty-bitmap-remove', node='d0', name='b0')
        self.quit(v, q)
        self.assertNotIn('bitmaps:', run('qemu-img', 'info', self.img).stdout)
        self.assertEqual(run('qemu-img', 'check', self.img).returncode, 0)


if __name__ == '__main__':
    tt.main('bitmaps')
