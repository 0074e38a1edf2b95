#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Time to mirror a 1 GiB qcow2 disk, half allocated, Tessera beside Debian's
qemu-system-riscv64 (7.2), with no guest and while a riscv64 Linux guest
writes to the disk.

The source has 1 MiB of data in every other MiB (512 MiB allocated).  Each
emulator runs `-M none` with the source as a -blockdev node and nothing else
(no guest: the "guest idles" case); the script sends drive-mirror (sync=full,
a new qcow2 target), waits for BLOCK_JOB_READY, sends block-job-complete and
waits for BLOCK_JOB_COMPLETED.  The time from drive-mirror to
BLOCK_JOB_COMPLETED is the figure; the target is checked with qemu-img compare.
The guest case boots the test guest (tests/functional's images) on -M virt,
starts a writer in it and does the same, once per run, pivoting each time.
Median of --runs runs; written to the "Block jobs" section of
docs/performance.md.

  python3 bench/mirror.py [--build build/debug] [--runs 3] [--dir /var/tmp] [--idle-only]
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = 'qemu-system-riscv64'
MARK = '<!-- block jobs section: bench/mirror.py -->'
END = '<!-- end of block jobs section -->'
NET_MARK = '<!-- network section: bench/net.py -->'
MiB = 1 << 20


class Qmp:
    def __init__(self, path, proc, timeout=30):
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError('emulator exited: %s' % proc.stderr.read().decode())
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.f = self.s.makefile('rb')
        self.events = []
        self.recv()
        self.cmd('qmp_capabilities')

    def recv(self):
        line = self.f.readline()
        if not line:
            raise RuntimeError('QMP connection closed')
        return json.loads(line)

    def cmd(self, name, **args):
        args = {k.replace('_', '-'): v for k, v in args.items()}
        self.s.sendall(json.dumps({'execute': name, 'arguments': args}).encode() + b'\n')
        while True:
            m = self.recv()
            if 'event' in m:
                self.events.append(m)
            elif 'error' in m:
                raise RuntimeError('%s: %s' % (name, m['error']))
            else:
                return m['return']

    def event(self, name):
        while True:
            for i, e in enumerate(self.events):
                if e['event'] == name:
                    return self.events.pop(i)
            self.events.append(self.recv())


def make_source(path):
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path, '1G'], check=True)
    cmds = []
    for i in range(512):
        cmds += ['-c', 'write -q -P %d %dM 1M' % (i % 250 + 1, 2 * i)]
    subprocess.run(['qemu-io', '-f', 'qcow2'] + cmds + [path], check=True,
                   stdout=subprocess.DEVNULL)


def cpu_seconds(pid):
    """User + system CPU time of process @pid, all threads."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def mirror_seconds(exe, src, dst, work):
    """(elapsed, CPU) seconds from drive-mirror to BLOCK_JOB_COMPLETED."""
    if os.path.exists(dst):
        os.unlink(dst)
    sock = os.path.join(work, 'qmp.sock')
    if os.path.exists(sock):
        os.unlink(sock)
    args = [exe, '-M', 'none', '-nodefaults', '-display', 'none',
            '-qmp', 'unix:%s,server=on,wait=off' % sock,
            '-blockdev', 'driver=qcow2,node-name=src,file.driver=file,file.filename=%s' % src]
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        q = Qmp(sock, p)
        t0 = time.monotonic()
        c0 = cpu_seconds(p.pid)
        q.cmd('drive-mirror', device='src', job_id='m', target=dst, format='qcow2',
              sync='full', mode='absolute-paths')
        q.event('BLOCK_JOB_READY')
        q.cmd('block-job-complete', device='m')
        ev = q.event('BLOCK_JOB_COMPLETED')
        took = time.monotonic() - t0
        cpu = cpu_seconds(p.pid) - c0
        if 'error' in ev['data']:
            raise RuntimeError('mirror failed: %s' % ev['data']['error'])
        q.cmd('quit')
        p.wait(30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    r = subprocess.run(['qemu-img', 'compare', '-q', src, dst])
    if r.returncode != 0:
        raise RuntimeError('the copy differs from the source')
    return took, cpu


class Console:
    """The guest's serial console on the emulator's stdio."""

    def __init__(self, proc):
        self.proc = proc
        self.out = b''
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            b = self.proc.stdout.read1(4096)
            if not b:
                return
            with self.lock:
                self.out += b

    def expect(self, text, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if text.encode() in self.out:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError('the emulator exited while waiting for %r' % text)
            time.sleep(0.1)
        raise RuntimeError('timed out waiting for %r' % text)

    def send(self, line):
        # In short pieces: a long line at once overruns the UART's FIFO.
        for i in range(0, len(line), 16):
            self.proc.stdin.write(line[i:i + 16].encode())
            self.proc.stdin.flush()
            time.sleep(0.05)


def guest_mirror_seconds(exe, src, work, runs, guest):
    """One boot of the riscv64 Linux guest on a copy of @src; the guest
    writes 1 MiB (fsynced) at random places of the disk in a loop; each run
    mirrors the disk it is on to a new qcow2 and pivots onto it."""
    disk = os.path.join(work, 'g0.qcow2')
    shutil.copyfile(src, disk)
    sock = os.path.join(work, 'gqmp.sock')
    if os.path.exists(sock):
        os.unlink(sock)
    kernel, initrd = guest
    args = [exe, '-M', 'virt', '-m', '256', '-nographic', '-kernel', kernel, '-initrd', initrd,
            '-append', 'console=ttyS0 quiet',
            '-drive', 'file=%s,format=qcow2,if=none,id=d0' % disk,
            '-device', 'virtio-blk-pci,drive=d0',
            '-qmp', 'unix:%s,server=on,wait=off' % sock]
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    times = []
    try:
        c = Console(p)
        c.expect('BOOT-OK', 300)
        c.expect('# ', 60)
        q = Qmp(sock, p)
        c.send("(while true; do dd if=/dev/zero of=/dev/vda bs=64k count=16 "
               "seek=$((RANDOM % 16368)) conv=fsync 2>/dev/null; done) &\n")
        time.sleep(3)
        cur = disk
        for i in range(runs):
            dst = os.path.join(work, 'g%d.qcow2' % (i + 1))
            t0 = time.monotonic()
            q.cmd('drive-mirror', device='d0', job_id='m', target=dst, format='qcow2',
                  sync='full', mode='absolute-paths')
            q.event('BLOCK_JOB_READY')
            q.cmd('block-job-complete', device='m')
            ev = q.event('BLOCK_JOB_COMPLETED')
            times.append(time.monotonic() - t0)
            if 'error' in ev['data']:
                raise RuntimeError('mirror failed: %s' % ev['data']['error'])
            os.unlink(cur)
            cur = dst
        q.cmd('quit')
        p.wait(60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return times


def write_section(rows, runs, load, build, where):
    perf = os.path.join(ROOT, 'docs', 'performance.md')
    text = open(perf).read() if os.path.exists(perf) else '# Performance\n'
    if MARK in text:
        head, rest = text.split(MARK, 1)
        tail = rest.split(END, 1)[1] if END in rest else ''
        text = head.rstrip('\n') + '\n\n' + '{}' + tail
    elif NET_MARK in text:
        head, tail = text.split(NET_MARK, 1)
        text = head.rstrip('\n') + '\n\n' + '{}' + '\n\n' + NET_MARK + tail
    else:
        text = text.rstrip('\n') + '\n\n' + '{}' + '\n'
    lines = [MARK, '## Block jobs', '',
             'Measured by `python3 bench/mirror.py` (median of %d runs). Lower is better; '
             'ratio = Tessera / QEMU.' % runs, '',
             '| measure | Tessera | QEMU | ratio |', '|---|---|---|---|']
    for name, t, q in rows:
        lines.append('| %s | %.2f | %.2f | %.2f |' % (name, t, q, t / q))
    lines += ['',
              '- Source: a 1 GiB qcow2 with 1 MiB of data in every other MiB (512 MiB '
              'allocated); drive-mirror sync=full to a new qcow2, READY, complete; time from '
              'the command to BLOCK_JOB_COMPLETED; the copy checked with qemu-img compare.',
              '- Idle: `-M none`, no guest. While the guest writes: `-M virt` booting the '
              'riscv64 Linux test guest on a copy of the source, which writes 1 MiB with '
              'fsync at a random place of the disk in a loop; each run mirrors the disk the '
              'guest is on to a new qcow2 and pivots (one boot per emulator). Tessera from '
              '`%s`; images in %s.' % (build, where),
              '- The machine is shared (see the load below): elapsed times of single runs vary '
              'by 2-3x either way, so the medians move from one invocation to the next; the '
              'CPU row (all threads, /proc/PID/stat, idle case) does not depend on the load.',
              '- How: the job keeps buf-size (16 MiB by default, as QEMU) in flight as up '
              'to 16 requests of 1 MiB run by a pool of threads, and the qcow2 driver fills '
              'a write over unmapped whole clusters as one run: the refcounts, the data and '
              'the L2 entries each in one write, still in the crash-safe order (refcount, '
              'data, then the L2 entry), metadata written through, no write-back cache to '
              'lose.',
              '- Copy offload (session 5): a copy between host files goes through '
              'block_node_copy_range, so the kernel moves the data with copy_file_range '
              '(source qcow2 data clusters -> fresh target clusters) instead of a read into '
              'a buffer and a write out of it. The copy is bound by the host CPU (the '
              'kernel copying pages), and while the guest writes the vCPU holds one of the '
              '2 cores, so the mirror gets about one core: CPU per byte is what decides '
              'that case. Before: CPU 0.29-0.37 s per mirror (idle case), guest-writing '
              'median 0.37 s vs QEMU 0.36 s (idle machine).',
              '- Load average when the runs started: %.1f on %d cores.' % (load, os.cpu_count()),
              END]
    text = text.replace('{}', '\n'.join(lines), 1)
    with open(perf, 'w') as f:
        f.write(text)


def guest_images():
    """(kernel Image, initramfs) of the test guest (tests/functional)."""
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'functional'))
    import tessera_test as tt
    return tt.linux_image(), os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.path.join(ROOT, 'build', 'debug'))
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--dir', default=None, help='where the images go (default: a temp dir)')
    ap.add_argument('--no-write', action='store_true', help='do not update performance.md')
    ap.add_argument('--idle-only', action='store_true', help='skip the guest-writes case')
    args = ap.parse_args()
    exe = os.path.join(args.build, 'bin', 'tessera-system-riscv64')
    if not os.path.exists(exe):
        sys.exit('%s not found: build it (scons)' % exe)
    for tool in (QEMU, 'qemu-img', 'qemu-io'):
        if not shutil.which(tool):
            sys.exit('%s not found (apt install qemu-system-misc qemu-utils)' % tool)
    work = tempfile.mkdtemp(prefix='tessera-mirror-', dir=args.dir)
    try:
        src = os.path.join(work, 'src.qcow2')
        dst = os.path.join(work, 'dst.qcow2')
        make_source(src)
        load = os.getloadavg()[0]
        ts, qs, tc, qc = [], [], [], []
        for i in range(args.runs):
            t, c = mirror_seconds(exe, src, dst, work)
            ts.append(t)
            tc.append(c)
            t, c = mirror_seconds(shutil.which(QEMU), src, dst, work)
            qs.append(t)
            qc.append(c)
            print('run %d: tessera %.2f s (CPU %.2f), qemu %.2f s (CPU %.2f)'
                  % (i + 1, ts[-1], tc[-1], qs[-1], qc[-1]), flush=True)
        rows = [('mirror 1 GiB, half allocated, idle (s)', statistics.median(ts),
                 statistics.median(qs)),
                ('same, CPU time of the emulator process (s)', statistics.median(tc),
                 statistics.median(qc))]
        if not args.idle_only:
            guest = guest_images()
            tg = guest_mirror_seconds(exe, src, work, args.runs, guest)
            print('while the guest writes: tessera %s' % ' '.join('%.2f' % t for t in tg),
                  flush=True)
            qg = guest_mirror_seconds(shutil.which(QEMU), src, work, args.runs, guest)
            print('while the guest writes: qemu %s' % ' '.join('%.2f' % t for t in qg),
                  flush=True)
            rows.append(('mirror 1 GiB, half allocated, guest writing (s)',
                         statistics.median(tg), statistics.median(qg)))
        for name, t, q in rows:
            print('%s: tessera %.2f, qemu %.2f, ratio %.2f' % (name, t, q, t / q))
        if not args.no_write:
            write_section(rows, args.runs, load, os.path.relpath(args.build, ROOT),
                          args.dir or tempfile.gettempdir())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
