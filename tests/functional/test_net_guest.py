#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""virtio-net with a riscv64 Linux guest (busybox): issue 13's acceptance
lines 1, 2, 3 and 5.  The guest shell is driven over the serial console."""
import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import qmp_client as qc
import tessera_test as tt

DHCP_SCRIPT = ("printf '#!/bin/sh\\n[ \"$1\" = bound ] && ifconfig $interface $ip netmask "
               "$subnet && route add default gw $router\\nexit 0\\n' > /s; chmod +x /s\n")
MIB16 = 16 * 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Guest:
    """A riscv64 Linux guest driven over its serial console.  @prefix runs
    Tessera under another command (e.g. unshare -n); @append adds kernel
    arguments; boot() waits for the shell (separate so that several guests
    can boot at once)."""

    def __init__(self, args, prefix=(), append='', wait=True):
        image = tt.linux_image()
        initrd = os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        argv = ['-M', 'virt', '-m', '256', '-nographic', '-kernel', image, '-initrd', initrd,
                '-append', ('console=ttyS0 quiet ' + append).strip()] + list(args)
        if prefix:
            self.c = tt.Console.__new__(tt.Console)
            self.c.output = b''
            self.c.proc = subprocess.Popen(
                list(prefix) + [tt.tessera_path('tessera-system-riscv64')] + argv,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        else:
            self.c = tt.Console(argv)
        self.n = 0
        if wait:
            self.boot()

    def boot(self):
        self.c.expect(r'BOOT-OK', timeout=180)
        self.c.expect(r'[#$] ', timeout=60)

    def send(self, text):
        """Type @text in short pieces: the console must not outrun the UART."""
        for i in range(0, len(text), 8):
            self.c.send(text[i:i + 8])
            time.sleep(0.02)

    def sh(self, cmd, timeout=60):
        """Run @cmd; its output (between markers) and exit status."""
        self.n += 1
        tag = 'R%d' % self.n
        self.send('%s; echo %s-$?-END\n' % (cmd, tag))
        m = self.c.expect(r'%s-(\d+)-END' % tag, timeout=timeout)
        return int(m.group(1))

    def out(self, cmd, timeout=60):
        """Run @cmd; its output as text (between markers the echo lacks)."""
        self.n += 1
        tag = 'O%d' % self.n
        self.send('echo B""EGIN-%s; %s; echo E""ND-%s\n' % (tag, cmd, tag))
        m = self.c.expect(r"(?s)BEGIN-%s\r?\n(.*?)END-%s" % (tag, tag), timeout=timeout)
        return m.group(1).decode(errors='replace').replace('\r\n', '\n')

    def dhcp(self, iface='eth0'):
        self.send(DHCP_SCRIPT)
        self.assert_ok('ifconfig %s up' % iface)
        self.assert_ok('udhcpc -i %s -s /s -q -n -t 10' % iface, 60)

    def assert_ok(self, cmd, timeout=60):
        rc = self.sh(cmd, timeout)
        if rc != 0:
            raise AssertionError('guest: %r exited %d\n%s' % (cmd, rc, self.c.text()[-2000:]))

    def close(self):
        try:
            self.send('poweroff -f\n')
            self.c.wait(30)
        finally:
            self.c.close()


class HttpFile:
    def __init__(self, data):
        self.dir = tempfile.mkdtemp(prefix='tessera-http-')
        with open(os.path.join(self.dir, 'f.bin'), 'wb') as fh:
            fh.write(data)
        d = self.dir

        class H(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=d, **k)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)


class UserNet(unittest.TestCase):
    def acceptance_1(self, netargs, fwd_port, full=True):
        """Line 1 (and 2 with other NIC forms); @full adds the 16 MiB transfers
        both ways and line 5 (set_link), on one boot to keep the suite short."""
        data = os.urandom(1024 * 1024)
        http_srv = HttpFile(data)
        mondir = tempfile.mkdtemp(prefix='tessera-mon-')
        mon = os.path.join(mondir, 'hmp.sock')
        g = Guest(netargs + ['-monitor', 'unix:%s,server=on,wait=off' % mon])
        try:
            g.dhcp()
            g.assert_ok("ifconfig eth0 | grep -q 'inet addr:10.0.2.15'")
            g.assert_ok('ping -c1 -W5 10.0.2.2')
            g.assert_ok('wget -q -O /f http://10.0.2.2:%d/f.bin' % http_srv.port, 120)
            g.assert_ok('[ "$(md5sum /f | cut -d" " -f1)" = %s ]' % hashlib.md5(data).hexdigest())
            if not full:
                return
            # 16 MiB guest -> host through hostfwd.
            # The guest's urandom and md5sum run under TCG, slowly on a loaded
            # host: generous bounds (they only stop a hung guest).
            g.assert_ok('dd if=/dev/urandom of=/big bs=1M count=16 2>/dev/null', 600)
            g.assert_ok('[ $(wc -c < /big) = %d ]' % MIB16)
            g.send('md5sum /big\n')
            want = g.c.expect(r'([0-9a-f]{32})  /big', timeout=300).group(1)
            want = want.decode() if isinstance(want, bytes) else want
            g.send('nc -l -p 22 < /big &\n')
            time.sleep(1)
            got = hashlib.md5()
            total = 0
            with socket.create_connection(('127.0.0.1', fwd_port), timeout=120) as s:
                while True:
                    chunk = s.recv(1 << 16)
                    if not chunk:
                        break
                    got.update(chunk)
                    total += len(chunk)
            self.assertEqual(total, MIB16)
            self.assertEqual(got.hexdigest(), want)
            # 16 MiB host -> guest.
            payload = os.urandom(MIB16)
            g.send('sleep 600 | nc -l -p 22 > /in &\n')
            time.sleep(1)
            with socket.create_connection(('127.0.0.1', fwd_port), timeout=120) as s:
                s.sendall(payload)
            # The guest's nc may still be writing: wait (bounded) for all of it.
            g.assert_ok('i=0; while [ $(wc -c < /in) -lt %d ] && [ $i -lt 120 ]; do sleep 1; '
                        'i=$((i+1)); done' % MIB16, 180)
            g.assert_ok('[ "$(md5sum /in | cut -d" " -f1)" = %s ]'
                        % hashlib.md5(payload).hexdigest(), 120)
            # Line 5: the carrier follows set_link, and traffic resumes.
            hmp = qc.HmpClient(mon)
            self.assertEqual(hmp.run('set_link n0 off'), '')
            g.assert_ok('sleep 1; [ "$(cat /sys/class/net/eth0/carrier)" = 0 ]')
            self.assertNotEqual(g.sh('ping -c1 -W2 10.0.2.2'), 0)
            self.assertEqual(hmp.run('set_link n0 on'), '')
            g.assert_ok('sleep 1; [ "$(cat /sys/class/net/eth0/carrier)" = 1 ]')
            g.assert_ok('ping -c1 -W5 10.0.2.2')
            hmp.close()
        finally:
            g.close()
            http_srv.close()
            shutil.rmtree(mondir, ignore_errors=True)

    def test_virtio_net_pci(self):
        port = free_port()
        self.acceptance_1(['-netdev', 'user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22' % port,
                           '-device', 'virtio-net-pci,netdev=n0'], port)

    def test_virtio_net_device_mmio(self):
        port = free_port()
        self.acceptance_1(['-netdev', 'user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22' % port,
                           '-device', 'virtio-net-device,netdev=n0'], port, full=False)

    def test_nic_shorthand(self):
        port = free_port()
        self.acceptance_1(['-nic', 'user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:%d-:22'
                           % port], port, full=False)


if __name__ == '__main__':
    tt.main('net_guest')
