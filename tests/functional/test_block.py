#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The block layer from the outside: -blockdev/-drive/-snapshot on the
command line (malformed options and hostile images refused with one line,
exit 1, nothing written), and the block QMP/HMP commands with QEMU's reply
shapes: blockdev-add/-del/-create (a job with JOB_STATUS_CHANGE),
query-block, query-named-block-nodes, query-blockstats, block_resize,
eject and blockdev-change-medium on a removable drive, info block."""
import hashlib
import os
import shutil
import subprocess
import tempfile
import unittest

import tessera_test as tt
from qmp_client import QmpError, Vm


def need(tool):
    if not shutil.which(tool):
        raise AssertionError('this test needs %s (run scripts/setup.sh)' % tool)


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class BlockTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-blk-')
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def qemu_img(self, *args):
        need('qemu-img')
        subprocess.run(['qemu-img'] + list(args), check=True, stdout=subprocess.DEVNULL)

    def vm(self, args):
        v = Vm(['-M', 'none'] + list(args))
        self.addCleanup(v.close)
        return v

    def refused(self, args, *want):
        r = tt.run(['-M', 'none'] + list(args))
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = [l for l in r.stderr.splitlines() if l]
        self.assertEqual(len(lines), 1, r.stderr)
        for w in want:
            self.assertIn(w, lines[0])
        return lines[0]


class CommandLine(BlockTest):
    def test_malformed_options(self):
        img = self.path('d.raw')
        with open(img, 'wb') as f:
            f.truncate(1 << 20)
        before = sha(img)
        cases = [
            (['-drive', 'file=%s,format=raw,bogus=1' % img], "does not support the option 'bogus'"),
            (['-drive', 'file=%s,format=nosuch' % img], "Unknown driver 'nosuch'"),
            (['-drive', 'file=%s,format=raw,if=ide' % img], "'if' does not accept value 'ide'"),
            (['-drive', 'file=%s,format=raw,aio=native' % img], 'aio=native is not supported'),
            (['-drive', 'file=%s,format=raw,cache=fast' % img], "'cache' does not accept"),
            (['-drive', 'file=%s,format=raw,werror=later' % img], "'werror' does not accept"),
            (['-drive', 'file=%s,format=raw,readonly=perhaps' % img], "'readonly' expects"),
            (['-drive', 'file=%s/nope.img,format=raw' % self.dir], 'No such file or directory'),
            (['-drive', 'file=%s,format=raw,id=a' % img, '-drive',
              'file=%s,format=raw,id=a' % img], "Duplicate ID 'a'"),
            (['-blockdev', 'driver=file,filename=%s' % img], 'node-name is required'),
            (['-blockdev', '{"driver": "file", "node-name": '], 'invalid JSON'),
            (['-blockdev', 'driver=raw,node-name=r,file.driver=file,file.filename=%s,'
              'offset=4096,size=2097152' % img], 'past the end of the file'),
            (['-blockdev', 'driver=file,node-name=f,filename=%s' % img, '-blockdev',
              'driver=raw,node-name=a,file=f', '-blockdev', 'driver=raw,node-name=b,file=f'],
             "Conflicts with use by node 'a' as 'file'"),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                self.refused(args, want)
        self.assertEqual(sha(img), before)

    def test_hostile_image_refused(self):
        img = self.path('h.qcow2')
        self.qemu_img('create', '-q', '-f', 'qcow2', img, '1M')
        with open(img, 'r+b') as f:
            f.seek(24)
            f.write((1 << 62).to_bytes(8, 'big'))
        before = sha(img)
        self.refused(['-drive', 'file=%s,format=qcow2,if=none' % img], img, 'absurd virtual size')
        self.refused(['-drive', 'file=%s,if=none' % img], img, 'absurd virtual size')
        self.assertEqual(sha(img), before)

    def test_probing_warns_for_raw_only(self):
        raw = self.path('p.raw')
        with open(raw, 'wb') as f:
            f.truncate(1 << 20)
        q = self.path('p.qcow2')
        self.qemu_img('create', '-q', '-f', 'qcow2', q, '1M')
        v = self.vm(['-drive', 'file=%s,if=none,id=r' % raw, '-drive',
                     'file=%s,if=none,id=q' % q])
        c = v.qmp()
        drv = {b['device']: b['inserted']['drv'] for b in c.cmd('query-block')}
        self.assertEqual(drv, {'r': 'raw', 'q': 'qcow2'})
        c.cmd('quit')
        v.wait_exit()
        self.assertIn("Image format was not specified for '%s' and probing guessed raw" % raw,
                      v.stderr)
        self.assertNotIn(q, v.stderr)

    def test_snapshot_option(self):
        img = self.path('s.qcow2')
        self.qemu_img('create', '-q', '-f', 'qcow2', img, '1M')
        before = sha(img)
        for args in (['-drive', 'file=%s,format=qcow2,if=none,id=d0,snapshot=on' % img],
                     ['-snapshot', '-drive', 'file=%s,format=qcow2,if=none,id=d0' % img]):
            v = self.vm(args)
            c = v.qmp()
            ins = c.cmd('query-block')[0]['inserted']
            self.assertEqual(ins['drv'], 'qcow2')
            self.assertFalse(ins['ro'])
            self.assertEqual(ins['backing_file_depth'], 1)
            self.assertEqual(ins['image']['backing-image']['filename'], img)
            self.assertNotEqual(ins['image']['filename'], img)  # the temporary overlay
            c.cmd('quit')
            v.wait_exit()
        self.assertEqual(sha(img), before)


class Monitor(BlockTest):
    def test_blockdev_add_query_del(self):
        img = self.path('a.qcow2')
        base = self.path('a-base.raw')
        self.qemu_img('create', '-q', '-f', 'raw', base, '2M')
        self.qemu_img('create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', img, '2M')
        v = self.vm([])
        c = v.qmp()
        c.cmd('blockdev-add', driver='qcow2', node_name='top',
              file={'driver': 'file', 'filename': img})
        nodes = {n['node-name']: n for n in c.cmd('query-named-block-nodes')}
        top = nodes['top']
        self.assertEqual(top['drv'], 'qcow2')
        self.assertEqual(top['backing_file_depth'], 1)
        self.assertEqual(top['image']['virtual-size'], 2 << 20)
        self.assertEqual(top['image']['cluster-size'], 65536)
        self.assertEqual(top['image']['backing-filename-format'], 'raw')
        self.assertEqual(top['image']['format-specific']['type'], 'qcow2')
        self.assertEqual(len(nodes), 4)  # qcow2, its file, raw backing, its file
        with self.assertRaises(QmpError) as e:
            c.cmd('blockdev-add', driver='qcow2', node_name='top',
                  file={'driver': 'file', 'filename': img})
        self.assertIn("Duplicate nodes with node-name='top'", e.exception.desc)
        r = c.execute('block_resize', {'node-name': 'top', 'size': 4 << 20})
        self.assertEqual(r, {'return': {}})
        size = {n['node-name']: n['image']['virtual-size']
                for n in c.cmd('query-named-block-nodes')}['top']
        self.assertEqual(size, 4 << 20)
        stats = c.cmd('query-blockstats', query_nodes=True)
        self.assertIn('top', [s['node-name'] for s in stats])
        self.assertIn('rd_bytes', stats[0]['stats'])
        c.cmd('blockdev-del', node_name='top')
        self.assertEqual(c.cmd('query-named-block-nodes'), [])
        with self.assertRaises(QmpError) as e:
            c.cmd('blockdev-del', node_name='top')
        self.assertIn("Failed to find node with node-name='top'", e.exception.desc)
        c.cmd('quit')
        v.wait_exit()
        need('qemu-img')
        chk = subprocess.run(['qemu-img', 'check', img], capture_output=True, text=True)
        self.assertEqual(chk.returncode, 0, chk.stdout)
        info = subprocess.run(['qemu-img', 'info', img], capture_output=True, text=True)
        self.assertIn('virtual size: 4 MiB', info.stdout)

    def test_blockdev_create_job(self):
        img = self.path('new.qcow2')
        v = self.vm([])
        c = v.qmp()
        c.cmd('blockdev-create', job_id='j1',
              options={'driver': 'file', 'filename': img, 'size': 0})
        c.cmd('job-dismiss', id='j1')
        c.cmd('blockdev-add', driver='file', node_name='f', filename=img)
        c.cmd('blockdev-create', job_id='j2',
              options={'driver': 'qcow2', 'file': 'f', 'size': 8 << 20, 'lazy-refcounts': True})
        states = []
        while len(states) < 5:
            ev = c.wait_event('JOB_STATUS_CHANGE')
            if ev['data']['id'] == 'j2':
                states.append(ev['data']['status'])
        self.assertEqual(states, ['created', 'running', 'waiting', 'pending', 'concluded'])
        jobs = c.cmd('query-jobs')
        self.assertEqual([(j['id'], j['status'], 'error' in j) for j in jobs],
                         [('j2', 'concluded', False)])
        c.cmd('job-dismiss', id='j2')
        self.assertEqual(c.cmd('query-jobs'), [])
        c.cmd('blockdev-create', job_id='j3', options={'driver': 'qcow2', 'file': 'nosuch',
                                                      'size': 1 << 20})
        err = [j for j in c.cmd('query-jobs') if j['id'] == 'j3'][0]['error']
        self.assertIn("Cannot find node-name='nosuch'", err)
        c.cmd('quit')
        v.wait_exit()
        need('qemu-img')
        chk = subprocess.run(['qemu-img', 'check', img], capture_output=True, text=True)
        self.assertEqual(chk.returncode, 0, chk.stdout)
        info = subprocess.run(['qemu-img', 'info', img], capture_output=True, text=True)
        self.assertIn('virtual size: 8 MiB', info.stdout)
        self.assertIn('lazy refcounts: true', info.stdout)

    def test_query_block_and_info_block(self):
        img = self.path('q.qcow2')
        self.qemu_img('create', '-q', '-f', 'qcow2', img, '1M')
        v = Vm(['-M', 'none', '-drive',
                'file=%s,format=qcow2,if=none,id=disk0,cache=none,werror=stop' % img], hmp=True)
        self.addCleanup(v.close)
        c = v.qmp()
        blk = c.cmd('query-block')
        self.assertEqual(len(blk), 1)
        b = blk[0]
        self.assertEqual((b['device'], b['type'], b['removable'], b['locked'], b['io-status']),
                         ('disk0', 'unknown', False, False, 'ok'))
        self.assertEqual(b['inserted']['file'], img)
        self.assertEqual(b['inserted']['cache'], {'writeback': True, 'direct': True,
                                                  'no-flush': False})
        stats = c.cmd('query-blockstats')
        self.assertEqual(stats[0]['device'], 'disk0')
        self.assertEqual(stats[0]['parent']['node-name'],
                         [n['node-name'] for n in c.cmd('query-named-block-nodes')
                          if n['drv'] == 'file'][0])
        h = v.hmp()
        out = h.run('info block')
        self.assertIn('disk0 (', out)
        self.assertIn('%s (qcow2)' % img, out)
        self.assertIn('Cache mode:       writeback, direct', out)
        self.assertIn('disk0: rd_bytes=0 wr_bytes=0', h.run('info blockstats'))
        r = c.execute('eject', {'device': 'disk0'})
        self.assertIn("Device 'disk0' is not removable", r['error']['desc'])

    def test_eject_and_change_medium(self):
        need('genisoimage')
        isos = []
        for n in (1, 2):
            d = self.path('iso%d' % n)
            os.mkdir(d)
            with open(os.path.join(d, 'name.txt'), 'w') as f:
                f.write('disc %d\n' % n)
            iso = self.path('disc%d.iso' % n)
            subprocess.run(['genisoimage', '-quiet', '-o', iso, '-V', 'DISC%d' % n, d],
                           check=True)
            isos.append(iso)
        v = self.vm(['-drive', 'file=%s,format=raw,if=none,id=cd0,media=cdrom' % isos[0]])
        c = v.qmp()
        b = c.cmd('query-block')[0]
        self.assertTrue(b['removable'])
        self.assertFalse(b['tray_open'])
        self.assertTrue(b['inserted']['ro'])
        c.cmd('eject', device='cd0')
        ev = c.wait_event('DEVICE_TRAY_MOVED')
        self.assertEqual(ev['data'], {'device': 'cd0', 'id': '', 'tray-open': True})
        b = c.cmd('query-block')[0]
        self.assertTrue(b['tray_open'])
        self.assertNotIn('inserted', b)
        r = c.execute('blockdev-change-medium', {'device': 'cd0',
                                                 'filename': self.path('none.iso')})
        self.assertIn('No such file or directory', r['error']['desc'])
        c.cmd('blockdev-change-medium', device='cd0', filename=isos[1], format='raw')
        ev = c.wait_event('DEVICE_TRAY_MOVED')
        self.assertFalse(ev['data']['tray-open'])
        b = c.cmd('query-block')[0]
        self.assertEqual(b['inserted']['file'], isos[1])
        self.assertTrue(b['inserted']['ro'])


if __name__ == '__main__':
    tt.main('test_block')
