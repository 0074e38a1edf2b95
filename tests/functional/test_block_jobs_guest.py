#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Live block operations under a riscv64 Linux guest that writes the whole time
(issue 12 acceptance 1, 2, 3 with a qcow2 target, 5 and 6), in one boot:

- the guest appends numbered records to /dev/vda, each followed by fsync;
- blockdev-snapshot-sync to top.qcow2, more records, block-commit of the
  active layer (refused uses first: unknown base, complete before READY,
  a second job on the node), READY, complete: the guest is on base again
  and top is closed;
- drive-mirror to a new qcow2, READY (HMP info block-jobs shows it),
  complete: the guest goes on on the copy;
- block-stream of a three-image chain on /dev/vdb while the guest writes to it;
- drive-mirror of vdb to a full tmpfs with on-target-error=stop: the job
  pauses (BLOCK_JOB_ERROR, io-status nospace), space is freed, resume, READY,
  cancel leaves a consistent copy;
- after power-off: qemu-img check is clean, base holds every record fsynced
  before the mirror's pivot and the mirror copy every record, the streamed
  image has no backing file and equals a flattened copy of the guest's view,
  and the ENOSPC target equals its source.

Needs qemu-utils, the guest images (tests/functional/test_riscv_boot.py) and
root (tmpfs)."""
import os
import re
import subprocess
import time
import unittest  # noqa: F401

import tessera_test as tt

from test_block_guest import BlockGuestTest, MiB, need
from qmp_client import QmpError

REC = 512


def records_ok(path, count, fmt='qcow2'):
    """The first @count records of the image's guest view, as the writer made them."""
    raw = path + '.view'
    subprocess.run(['qemu-img', 'convert', '-U', '-f', fmt, '-O', 'raw', path, raw], check=True)
    with open(raw, 'rb') as f:
        data = f.read()
    os.unlink(raw)
    bad = [i for i in range(count)
           if data[i * REC:i * REC + 12] != b'REC%08d\n' % i]
    return bad


def run(g, cmd, timeout=300):
    """Guest.run, typing the line in short pieces (a long line sent at once
    overruns the UART's receive FIFO and the tail is lost)."""
    g.n += 1
    mark = 'MARK%d' % g.n
    start = len(g.c.output)
    sep = ' ' if cmd.endswith('&') else '; '
    line = '%s%secho %s-$((40+2))\n' % (cmd, sep, mark)
    for i in range(0, len(line), 16):
        g.c.send(line[i:i + 16])
        time.sleep(0.05)
    g.c.expect('%s-42' % mark, timeout=timeout)
    out = g.c.output[start:].decode(errors='replace')
    out = out.split('\n', 1)[1] if '\n' in out else ''
    return out[:out.rfind('%s-42' % mark)]


class JobHelpers(BlockGuestTest):
    """QMP and guest-writer helpers shared by the block job guest tests."""

    def qmp_error(self, qmp, name, **args):
        with self.assertRaises(QmpError) as cm:
            qmp.cmd(name, **args)
        return cm.exception

    def wait_job_event(self, qmp, event, job, timeout=300):
        ev = qmp.wait_event(event, timeout=timeout)
        self.assertEqual(ev['data'].get('device', ev['data'].get('id')), job, ev)
        return ev

    def last_record(self, g):
        # Parsed from a marked line: the echo of the typed command may wrap
        # or be redrawn on the console.
        out = run(g, 'echo LAST=$(cat /tmp/last)')
        found = re.findall(r'LAST=(-?\d+)', out)
        if not found:
            raise AssertionError('no record count in the guest output: %r' % out)
        return int(found[-1])

    def wait_records(self, g, n):
        start = self.last_record(g)
        run(g, 'while [ $(cat /tmp/last) -lt %d ]; do sleep 1; done' % (start + n), timeout=600)


class BlockJobsGuest(JobHelpers):
    def test_snapshot_commit_mirror_stream_enospc(self):
        need('qemu-io', 'qemu-utils')
        if os.geteuid() != 0:
            raise AssertionError('this test needs root (it mounts a small tmpfs)')
        base, top, copy = self.path('base.qcow2'), self.path('top.qcow2'), self.path('copy.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', base, '16M'], check=True)
        # A three-image chain for the stream, and its view before the guest writes.
        sb, sm, st = self.path('sb.qcow2'), self.path('sm.qcow2'), self.path('st.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', sb, '8M'], check=True)
        subprocess.run(['qemu-io', '-c', 'write -P 0x11 0 3M', sb], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', sb, '-F', 'qcow2', sm],
                       check=True)
        subprocess.run(['qemu-io', '-c', 'write -P 0x22 2M 3M', sm], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', sm, '-F', 'qcow2', st],
                       check=True)
        subprocess.run(['qemu-io', '-c', 'write -P 0x33 4M 1M', st], check=True,
                       stdout=subprocess.DEVNULL)
        flat = self.path('flat.raw')
        subprocess.run(['qemu-img', 'convert', '-O', 'raw', st, flat], check=True)

        g = self.guest(['-drive', 'file=%s,format=qcow2,if=none,id=d0' % base,
                        '-device', 'virtio-blk-pci,drive=d0',
                        '-drive', 'file=%s,format=qcow2,if=none,id=d1' % st,
                        '-device', 'virtio-blk-pci,drive=d1'], qmp=True)
        q = g.qmp
        run(g, 'touch /tmp/go; echo -1 > /tmp/last')
        run(g, "(i=0; while [ -e /tmp/go ]; do printf 'REC%08d\\n' $i | "
              "dd of=/dev/vda bs=512 seek=$i conv=sync,fsync 2>/dev/null || break; "
              "echo $i > /tmp/last; i=$((i+1)); done) &")
        self.wait_records(g, 10)

        # Acceptance 1: external snapshot, then commit of the active layer.
        q.cmd('blockdev-snapshot-sync', device='d0', snapshot_file=top,
              snapshot_node_name='top', format='qcow2')
        inserted = [b for b in q.cmd('query-block') if b['device'] == 'd0'][0]['inserted']
        self.assertEqual(inserted['node-name'], 'top')
        self.assertEqual(inserted['image']['backing-filename'], base)
        self.wait_records(g, 10)
        # Some more data in top, so that the commit takes a few steps.
        run(g, 'dd if=/dev/zero bs=64k count=16 2>/dev/null | tr "\\000" x | '
              'dd of=/dev/vda bs=64k seek=64 conv=fsync 2>/dev/null')
        e = self.qmp_error(q, 'block-commit', device='d0', base_node='nosuch')
        self.assertEqual((e.klass, e.desc),
                         ('GenericError', "Cannot find device='' nor node-name='nosuch'"))
        e = self.qmp_error(q, 'block-job-complete', device='nosuch')
        self.assertEqual((e.klass, e.desc), ('DeviceNotActive',
                                                  "Block job 'nosuch' not found"))
        q.cmd('block-commit', device='d0', job_id='c0', speed=65536)
        e = self.qmp_error(q, 'block-job-complete', device='c0')
        self.assertEqual(e.klass, 'GenericError')
        self.assertIn("cannot accept command verb 'complete'", e.desc)
        e = self.qmp_error(q, 'block-stream', device='d0')
        self.assertEqual(e.klass, 'GenericError')
        self.assertIn('is busy: block device is in use by block job: commit', e.desc)
        q.cmd('block-job-set-speed', device='c0', speed=0)
        self.wait_job_event(q, 'BLOCK_JOB_READY', 'c0')
        q.cmd('block-job-complete', device='c0')
        ev = self.wait_job_event(q, 'BLOCK_JOB_COMPLETED', 'c0')
        self.assertNotIn('error', ev['data'])
        inserted = [b for b in q.cmd('query-block') if b['device'] == 'd0'][0]['inserted']
        self.assertEqual(inserted['file'], base)
        self.assertNotIn('top', [n['node-name'] for n in q.cmd('query-named-block-nodes')])
        self.wait_records(g, 10)

        # Acceptance 3 (qcow2 target): mirror, READY, complete; the guest goes on.
        q.cmd('drive-mirror', device='d0', job_id='m0', target=copy, format='qcow2',
              sync='full')
        self.wait_job_event(q, 'BLOCK_JOB_READY', 'm0')
        info = q.cmd('human-monitor-command', command_line='info block-jobs')
        self.assertIn('Type mirror, device m0', info)
        jobs = q.cmd('query-block-jobs')
        self.assertEqual([(j['device'], j['ready'], j['status']) for j in jobs],
                         [('m0', True, 'ready')])
        self.wait_records(g, 5)
        before_pivot = self.last_record(g)
        q.cmd('block-job-complete', device='m0')
        ev = self.wait_job_event(q, 'BLOCK_JOB_COMPLETED', 'm0')
        self.assertNotIn('error', ev['data'])
        inserted = [b for b in q.cmd('query-block') if b['device'] == 'd0'][0]['inserted']
        self.assertEqual(inserted['file'], copy)
        self.wait_records(g, 10)

        # Acceptance 2: stream the chain into its top while the guest writes to it.
        q.cmd('block-stream', device='d1', job_id='s0', speed=2 * MiB)
        run(g, "for i in $(seq 0 63); do printf 'STR%08d\\n' $i | "
              "dd of=/dev/vdb bs=4096 seek=$((i*31)) conv=sync,fsync 2>/dev/null; done")
        ev = self.wait_job_event(q, 'BLOCK_JOB_COMPLETED', 's0')
        self.assertNotIn('error', ev['data'])
        inserted = [b for b in q.cmd('query-block') if b['device'] == 'd1'][0]['inserted']
        self.assertNotIn('backing-filename', inserted['image'])
        with open(flat, 'r+b') as f:
            for i in range(64):
                f.seek(i * 31 * 4096)
                f.write((b'STR%08d\n' % i).ljust(4096, b'\0'))

        # Acceptance 5: the mirror's target runs out of space; stop, free, resume.
        mnt = self.path('mnt')
        os.mkdir(mnt)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], check=True)
        self.addCleanup(subprocess.run, ['umount', '-l', mnt])
        target = os.path.join(mnt, 'target.raw')
        q.cmd('drive-mirror', device='d1', job_id='ns', target=target, format='raw',
              sync='full', on_target_error='stop')
        ev = self.wait_job_event(q, 'BLOCK_JOB_ERROR', 'ns')
        self.assertEqual((ev['data']['operation'], ev['data']['action']), ('write', 'stop'))
        job = q.cmd('query-block-jobs')[0]
        self.assertEqual((job['status'], job['io-status'], job['paused']),
                         ('paused', 'nospace', True))
        subprocess.run(['mount', '-o', 'remount,size=32m', mnt], check=True)
        q.cmd('block-job-resume', device='ns')
        self.wait_job_event(q, 'BLOCK_JOB_READY', 'ns')
        q.cmd('block-job-cancel', device='ns')
        self.wait_job_event(q, 'BLOCK_JOB_CANCELLED', 'ns')
        self.assertEqual(q.cmd('query-block-jobs'), [])

        run(g, 'rm /tmp/go; wait')
        last = self.last_record(g)
        run(g, 'sync')
        self.assertEqual(g.poweroff(), 0)

        for img in (base, copy, st):
            self.check_clean(img)
        self.assertEqual(records_ok(copy, last + 1), [])
        self.assertEqual(records_ok(base, before_pivot + 1), [])
        info = subprocess.run(['qemu-img', 'info', st], capture_output=True, text=True).stdout
        self.assertNotIn('backing file', info)
        r = subprocess.run(['qemu-img', 'compare', '-f', 'qcow2', '-F', 'raw', st, flat],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = subprocess.run(['qemu-img', 'compare', '-f', 'qcow2', '-F', 'raw', st, target],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == '__main__':
    tt.main('test_block_jobs_guest')
