#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Backups across a restart and mirrors over NBD under a riscv64 Linux guest
that writes numbered, fsynced records the whole time (issue 12 acceptance
3 with NBD targets, 4, and 5's NBD fault), in two boots of one disk:

boot 1
- a persistent dirty bitmap and a full backup (blockdev-backup sync=full)
  at a point in time; the guest goes on writing while the backup runs;
- an incremental backup (sync=incremental) into an overlay of the full one;
- quit.
boot 2 (same qcow2)
- the bitmap is still there, persistent, and recorded what boot 1 wrote
  after the first incremental and what boot 2 writes: a second incremental;
- mirror to an export of `qemu-nbd`: cancel before READY (the guest stays on
  its disk), cancel after READY with the guest held (qemu-img compare: the
  copy equals the disk), then (copy-mode=write-blocking, buf-size 4 MiB)
  READY and complete: the guest goes on on the NBD disk;
- mirror from there to an export of a second Tessera process (its NBD
  server) with a named mirror_top filter above the disk while the job runs
  (filter-node-name), READY, complete: the guest goes on on that;
- mirror to a third export whose qemu-nbd is killed (-9) mid-copy: the job
  ends with BLOCK_JOB_COMPLETED carrying an I/O error and the guest stays
  on its disk.
after power-off: full, full+inc1 and full+inc1+inc2 (qemu-img convert of
the chains) hash as the disk did at each backup's point in time; every
image passes qemu-img check; each mirror target holds every record fsynced
before its pivot, the last one all of them and exactly what the guest read
from its disk at the end (sha256).

Points in time: the guest's writer holds between records on request (no
write in flight), the host hashes the disk with qemu-img -U and starts the
job, and the writer goes on at once.

Needs qemu-utils (qemu-img, qemu-nbd) and the guest images."""
import hashlib
import os
import re
import signal
import subprocess
import time

import tessera_test as tt

from qmp_client import Vm, wait_for
from test_block_guest import MiB, need
from test_block_jobs_guest import JobHelpers, records_ok, run


def raw_sha(img, fmt='qcow2', force_share=False):
    """sha256 of the guest view of @img (qemu-img convert to raw)."""
    out = img + '.sha.raw'
    args = ['qemu-img', 'convert'] + (['-U'] if force_share else []) + \
        ['-f', fmt, '-O', 'raw', img, out]
    subprocess.run(args, check=True)
    with open(out, 'rb') as f:
        h = hashlib.sha256(f.read()).hexdigest()
    os.unlink(out)
    return h


class BackupAndNbdMirror(JobHelpers):
    def start_writer(self, g, first):
        run(g, 'touch /tmp/go; rm -f /tmp/hold /tmp/held; echo %d > /tmp/last' % (first - 1))
        run(g, "(i=%d; while [ -e /tmp/go ]; do "
               "if [ -e /tmp/hold ]; then touch /tmp/held; sleep 0.1; continue; fi; "
               "printf 'REC%%08d\\n' $i | "
               "dd of=/dev/vda bs=512 seek=$i conv=sync,fsync 2>/dev/null || break; "
               "echo $i > /tmp/last; i=$((i+1)); done) &" % first)

    def hold(self, g):
        """The writer waits between records: nothing in flight."""
        run(g, 'touch /tmp/hold; while [ ! -e /tmp/held ]; do sleep 0.1; done')

    def release(self, g):
        run(g, 'rm -f /tmp/hold /tmp/held')

    def drive_node(self, q):
        return [b for b in q.cmd('query-block') if b['device'] == 'd0'][0]['inserted']

    def qemu_nbd(self, img, name):
        need('qemu-nbd', 'qemu-utils')
        sock = self.path(name + '.sock')
        p = subprocess.Popen(['qemu-nbd', '-t', '-e', '4', '-f', 'qcow2', '-x', name,
                              '-k', sock, img], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        wait_for(lambda: os.path.exists(sock), what='qemu-nbd socket')
        return p, sock

    def nbd_node(self, q, name, sock, export):
        q.cmd('blockdev-add', driver='nbd', node_name=name, export=export,
              server={'type': 'unix', 'path': sock})

    def backup(self, q, job, target, **args):
        q.cmd('blockdev-backup', device='d0', job_id=job, target=target, **args)

    def wait_done(self, q, job):
        ev = self.wait_job_event(q, 'BLOCK_JOB_COMPLETED', job)
        self.assertNotIn('error', ev['data'])
        return ev

    def test_backups_across_restart_and_nbd_mirrors(self):
        need('qemu-io', 'qemu-utils')
        disk = self.path('disk.qcow2')
        full, inc1, inc2 = (self.path(n) for n in ('full.qcow2', 'inc1.qcow2', 'inc2.qcow2'))
        t1, t2, t3 = (self.path(n) for n in ('t1.qcow2', 't2.qcow2', 't3.qcow2'))
        for img in (disk, full, t1, t2, t3):
            subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', img, '16M'], check=True)
        # Old data the backups must carry along.
        subprocess.run(['qemu-io', '-c', 'write -P 0x5c 4M 2M', disk], check=True,
                       stdout=subprocess.DEVNULL)
        drive = ['-drive', 'file=%s,format=qcow2,if=none,id=d0' % disk,
                 '-device', 'virtio-blk-pci,drive=d0']

        # ---- boot 1: full backup, first incremental, quit ----
        g = self.guest(drive, qmp=True)
        q = g.qmp
        self.start_writer(g, 0)
        self.wait_records(g, 10)
        self.hold(g)
        sums = [raw_sha(disk, force_share=True)]
        r = q.execute('block-dirty-bitmap-add', {'node': 'd0', 'name': 'b0', 'persistent': True})
        self.assertIn('return', r, r)
        q.cmd('blockdev-add', driver='qcow2', node_name='full',
              file={'driver': 'file', 'filename': full})
        self.backup(q, 'bk0', 'full', sync='full', speed=4 * MiB)
        self.release(g)
        self.wait_done(q, 'bk0')
        q.cmd('blockdev-del', node_name='full')
        self.wait_records(g, 10)

        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', full, '-F', 'qcow2',
                        inc1], check=True)
        self.hold(g)
        sums.append(raw_sha(disk, force_share=True))
        q.cmd('blockdev-add', driver='qcow2', node_name='inc1',
              file={'driver': 'file', 'filename': inc1})
        self.backup(q, 'bk1', 'inc1', sync='incremental', bitmap='b0')
        self.release(g)
        self.wait_done(q, 'bk1')
        q.cmd('blockdev-del', node_name='inc1')
        self.wait_records(g, 10)
        q.cmd('quit')
        self.assertEqual(g.c.wait(60), 0)
        g.close()
        # The writer resumes after the last record boot 1 fsynced.
        view = self.path('after1.raw')
        subprocess.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw', disk, view],
                       check=True)
        with open(view, 'rb') as f:
            data = f.read()
        os.unlink(view)
        first = 0
        while data[first * 512:first * 512 + 12] == b'REC%08d\n' % first:
            first += 1
        self.assertGreaterEqual(first, 30)

        # ---- boot 2: the bitmap is back; second incremental; NBD mirrors ----
        if os.path.exists(self.path('qmp.sock')):
            os.unlink(self.path('qmp.sock'))
        g = self.guest(drive, qmp=True)
        q = g.qmp
        bms = self.drive_node(q).get('dirty-bitmaps', [])
        b0 = [b for b in bms if b['name'] == 'b0']
        self.assertEqual(len(b0), 1, bms)
        self.assertTrue(b0[0]['persistent'] and b0[0]['recording'], b0)
        self.assertGreater(b0[0]['count'], 0, 'boot 1 wrote after the first incremental')
        self.start_writer(g, first)
        self.wait_records(g, 10)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', inc1, '-F', 'qcow2',
                        inc2], check=True)
        self.hold(g)
        sums.append(raw_sha(disk, force_share=True))
        q.cmd('blockdev-add', driver='qcow2', node_name='inc2',
              file={'driver': 'file', 'filename': inc2})
        self.backup(q, 'bk2', 'inc2', sync='incremental', bitmap='b0')
        self.release(g)
        self.wait_done(q, 'bk2')
        q.cmd('blockdev-del', node_name='inc2')
        src_node = self.drive_node(q)['node-name']

        # Mirror to qemu-nbd: cancel before READY, cancel after READY, complete.
        nbd1, sock1 = self.qemu_nbd(t1, 'e1')
        self.nbd_node(q, 'n1', sock1, 'e1')
        q.cmd('blockdev-mirror', device='d0', job_id='mc0', target='n1', sync='full',
              speed=65536)
        q.cmd('block-job-cancel', device='mc0')
        self.wait_job_event(q, 'BLOCK_JOB_CANCELLED', 'mc0')
        self.assertEqual(self.drive_node(q)['node-name'], src_node)
        self.wait_records(g, 3)
        q.cmd('blockdev-mirror', device='d0', job_id='mc1', target='n1', sync='full')
        self.wait_job_event(q, 'BLOCK_JOB_READY', 'mc1')
        self.hold(g)
        q.cmd('block-job-cancel', device='mc1')
        self.wait_job_event(q, 'BLOCK_JOB_CANCELLED', 'mc1')
        self.assertEqual(self.drive_node(q)['node-name'], src_node)
        r = subprocess.run(['qemu-img', 'compare', '-U', '-f', 'qcow2', '-F', 'raw', disk,
                            'nbd+unix:///e1?socket=%s' % sock1], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.release(g)
        q.cmd('blockdev-mirror', device='d0', job_id='m1', target='n1', sync='full',
              copy_mode='write-blocking', buf_size=4 * MiB)
        self.wait_job_event(q, 'BLOCK_JOB_READY', 'm1')
        self.wait_records(g, 3)
        pivot1 = self.last_record(g)
        q.cmd('block-job-complete', device='m1')
        self.wait_done(q, 'm1')
        self.assertEqual(self.drive_node(q)['node-name'], 'n1')
        self.wait_records(g, 5)

        # Mirror to a second Tessera's NBD server; complete.
        sock2 = self.path('e2.sock')
        v2 = Vm(['-M', 'none', '-blockdev', 'driver=qcow2,node-name=t2,file.driver=file,'
                 'file.filename=%s' % t2])
        self.addCleanup(v2.close)
        q2 = v2.qmp()
        q2.cmd('nbd-server-start', addr={'type': 'unix', 'data': {'path': sock2}})
        q2.execute('block-export-add', {'type': 'nbd', 'id': 'x2', 'node-name': 't2',
                                        'writable': True})
        self.nbd_node(q, 'n2', sock2, 't2')
        q.cmd('blockdev-mirror', device='d0', job_id='m2', target='n2', sync='full',
              filter_node_name='mt2')
        self.assertEqual(self.drive_node(q)['node-name'], 'mt2')
        self.assertEqual(self.drive_node(q)['drv'], 'mirror_top')
        self.wait_job_event(q, 'BLOCK_JOB_READY', 'm2')
        self.wait_records(g, 3)
        pivot2 = self.last_record(g)
        q.cmd('block-job-complete', device='m2')
        self.wait_done(q, 'm2')
        self.assertEqual(self.drive_node(q)['node-name'], 'n2')
        self.wait_records(g, 5)

        # The NBD server dies during a mirror: the job fails, the guest is unharmed.
        nbd3, sock3 = self.qemu_nbd(t3, 'e3')
        self.nbd_node(q, 'n3', sock3, 'e3')
        q.cmd('blockdev-mirror', device='d0', job_id='mk', target='n3', sync='full',
              speed=2 * MiB)
        wait_for(lambda: q.cmd('query-block-jobs')[0]['offset'] > 0, timeout=120,
                 what='the mirror to copy something')
        nbd3.send_signal(signal.SIGKILL)
        nbd3.wait()
        ev = self.wait_job_event(q, 'BLOCK_JOB_COMPLETED', 'mk')
        self.assertIn('error', ev['data'], ev)
        self.assertIn('Input/output error', ev['data']['error'], ev)
        self.assertEqual(q.cmd('query-block-jobs'), [])
        self.assertEqual(self.drive_node(q)['node-name'], 'n2')
        self.wait_records(g, 5)
        q.cmd('blockdev-del', node_name='n3')

        run(g, 'rm /tmp/go; wait')
        last = self.last_record(g)
        out = run(g, 'sync; echo 3 > /proc/sys/vm/drop_caches; sha256sum /dev/vda')
        found = re.findall(r'\b([0-9a-f]{64})\s+/dev/vda', out)
        self.assertTrue(found, 'no sha256sum in the guest output: %r' % out)
        guest_sum = found[-1]
        self.assertEqual(g.poweroff(), 0)
        q2.cmd('quit')
        self.assertEqual(v2.proc.wait(60), 0)
        nbd1.terminate()
        nbd1.wait(30)

        for img in (disk, full, inc1, inc2, t1, t2):
            self.check_clean(img)
        self.assertEqual([raw_sha(full), raw_sha(inc1), raw_sha(inc2)], sums)
        self.assertEqual(records_ok(disk, pivot1 + 1), [])
        self.assertEqual(records_ok(t1, pivot2 + 1), [])
        self.assertEqual(records_ok(t2, last + 1), [])
        self.assertEqual(raw_sha(t2), guest_sum)


if __name__ == '__main__':
    tt.main('test_block_jobs_nbd_guest')
