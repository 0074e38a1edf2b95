# SPDX-License-Identifier: MIT
"""Guest TCP throughput for bench/net.py: the shared riscv64 Linux guest
(busybox nc) with virtio-net-pci, booted the same way under Tessera and
under qemu-system-riscv64.

  host -> guest:  -netdev user hostfwd; the guest runs `nc -l -p 5000 >
                  /dev/null`, this script connects to the forwarded port,
                  sends N MiB and waits for the guest to close.
  guest -> host:  the guest runs `dd if=/dev/zero bs=64k count=... | nc -l
                  -p 5000`; this script reads to EOF.
  guest -> guest: two guests on one -netdev stream link (unix socket),
                  10.1.0.1 sends N MiB to 10.1.0.2 with nc; timed from the
                  command to the sender's exit (its shell prints a marker).
The time runs from the first byte offered to the last one taken, as the
host sees it; MB/s = 10^6 bytes per second."""
import lzma
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import time

DHCP_SCRIPT = ("printf '#!/bin/sh\\n[ \"$1\" = bound ] && ifconfig $interface $ip netmask "
               "$subnet && route add default gw $router\\nexit 0\\n' > /s; chmod +x /s\n")


def guest_files(root):
    gdir = os.environ.get('TESSERA_GUEST_DIR') or os.path.join(os.path.dirname(root), 'shared',
                                                                'guests')
    gdir = os.path.join(gdir, 'riscv64')
    if not os.path.exists(os.path.join(gdir, 'Image.xz')):
        raise SystemExit('bench: no guest image in %s' % gdir)
    image = os.path.join(root, 'build', 'bench-Image')
    if not os.path.exists(image):
        with lzma.open(os.path.join(gdir, 'Image.xz')) as f, open(image, 'wb') as out:
            out.write(f.read())
    return image, os.path.join(gdir, 'initramfs.cpio.gz')


def cpu_seconds(pid):
    """User + system CPU time of process @pid, all threads."""
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Guest:
    """One emulator running the guest, its shell on the serial console."""

    def __init__(self, exe, root, netargs):
        image, initrd = guest_files(root)
        if 'qemu' in os.path.basename(exe):
            # Debian's QEMU looks for a boot ROM the guest does not use.
            netargs = [a + ',romfile=' if a.startswith('virtio-net-pci,') else a
                       for a in netargs]
        self.proc = subprocess.Popen(
            [exe, '-M', 'virt', '-m', '256', '-nographic', '-kernel', image, '-initrd', initrd,
             '-append', 'console=ttyS0 quiet'] + netargs,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.buf = b''
        self.n = 0

    def expect(self, pattern, timeout):
        rx = re.compile(pattern.encode())
        deadline = time.time() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.time()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError('guest: no %r; output ends %r' % (pattern, self.buf[-1500:]))
            r, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if r:
                self.buf += os.read(self.proc.stdout.fileno(), 65536)

    def boot(self):
        self.expect(r'BOOT-OK', 300)
        self.expect(r'[#$] ', 60)

    def send(self, text):
        for i in range(0, len(text), 8):
            self.proc.stdin.write(text[i:i + 8].encode())
            self.proc.stdin.flush()
            time.sleep(0.02)

    def start(self, cmd):
        """Type @cmd; returns the tag whose marker ends() waits for."""
        self.n += 1
        tag = 'R%d' % self.n
        self.send('%s; echo %s-$?-END\n' % (cmd, tag))
        return tag

    def ends(self, tag, timeout=600):
        rc = int(self.expect(r'%s-(\d+)-END' % tag, timeout).group(1))
        if rc:
            raise RuntimeError('guest command %s exited %d' % (tag, rc))

    def run(self, cmd, timeout=120):
        self.ends(self.start(cmd), timeout)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def _connect(port, timeout=30):
    deadline = time.time() + timeout
    while True:
        try:
            return socket.create_connection(('127.0.0.1', port), timeout=600)
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def hostfwd_runs(exe, root, mib, runs):
    """[(host->guest MB/s, guest->host MB/s, guest->host CPU ms per MB)] for
    @runs runs on one boot (CPU: the emulator process, all threads)."""
    port = free_port()
    g = Guest(exe, root, ['-netdev', 'user,id=n0,hostfwd=tcp:127.0.0.1:%d-:5000' % port,
                          '-device', 'virtio-net-pci,netdev=n0'])
    total = mib * 1024 * 1024
    out = []
    try:
        g.boot()
        g.send(DHCP_SCRIPT)
        g.run('ifconfig eth0 up && udhcpc -i eth0 -s /s -q -n -t 10')
        chunk = b'\0' * (1 << 16)
        for _ in range(runs):
            # host -> guest
            tag = g.start('nc -l -p 5000 < /dev/null > /dev/null')
            time.sleep(1.5)
            s = _connect(port)
            start = time.perf_counter()
            left = total
            while left:
                left -= s.send(chunk[:min(left, len(chunk))])
            s.shutdown(socket.SHUT_WR)
            while s.recv(1 << 16):
                pass
            h2g = total / (time.perf_counter() - start) / 1e6
            s.close()
            g.ends(tag)
            # guest -> host
            tag = g.start('dd if=/dev/zero bs=64k count=%d 2>/dev/null | nc -l -p 5000'
                          % (total >> 16))
            time.sleep(1.5)
            s = _connect(port)
            got = 0
            start = None
            while True:
                b = s.recv(1 << 20)
                if start is None:
                    start = time.perf_counter()
                    cpu0 = cpu_seconds(g.proc.pid)
                if not b:
                    break
                got += len(b)
            g2h = got / (time.perf_counter() - start) / 1e6
            g2h_cpu = (cpu_seconds(g.proc.pid) - cpu0) * 1000 / (got / 1e6)
            s.close()
            g.ends(tag)
            if got != total:
                raise RuntimeError('guest -> host: %d of %d bytes' % (got, total))
            out.append((h2g, g2h, g2h_cpu))
    finally:
        g.close()
    return out


def stream_runs(exe, root, mib, runs):
    """[(guest -> guest MB/s, CPU ms per MB of both VMs)] over -netdev stream,
    @runs runs on one pair of boots."""
    d = tempfile.mkdtemp(prefix='bench-g2g-')
    path = os.path.join(d, 'link.sock')
    a = b = None
    total = mib * 1024 * 1024
    out = []
    try:
        a = Guest(exe, root, ['-netdev', 'stream,id=s0,server=on,addr.type=unix,addr.path=' + path,
                              '-device', 'virtio-net-pci,netdev=s0,mac=52:54:00:00:00:0a'])
        deadline = time.time() + 30
        while not os.path.exists(path):
            if time.time() > deadline or a.proc.poll() is not None:
                raise RuntimeError('no stream server socket %s' % path)
            time.sleep(0.1)
        b = Guest(exe, root, ['-netdev', 'stream,id=s0,server=off,addr.type=unix,addr.path='
                              + path, '-device', 'virtio-net-pci,netdev=s0,mac=52:54:00:00:00:0b'])
        a.boot()
        b.boot()
        a.run('ip addr add 10.1.0.1/24 dev eth0 && ip link set eth0 up')
        b.run('ip addr add 10.1.0.2/24 dev eth0 && ip link set eth0 up')
        a.run('ping -c2 -W5 10.1.0.2')
        for _ in range(runs):
            tag_b = b.start('nc -l -p 5000 < /dev/null | wc -c')
            time.sleep(1.5)
            start = time.perf_counter()
            cpu0 = cpu_seconds(a.proc.pid) + cpu_seconds(b.proc.pid)
            a.run('dd if=/dev/zero bs=64k count=%d 2>/dev/null | nc 10.1.0.2 5000'
                  % (total >> 16), 1200)
            b.expect(r'\n(\d+)\s*\r?\n', 120)
            secs = time.perf_counter() - start
            cpu = cpu_seconds(a.proc.pid) + cpu_seconds(b.proc.pid) - cpu0
            b.ends(tag_b)
            out.append((total / secs / 1e6, cpu * 1000 / (total / 1e6)))
    finally:
        for g in (a, b):
            if g:
                g.close()
        shutil.rmtree(d, ignore_errors=True)
    return out
