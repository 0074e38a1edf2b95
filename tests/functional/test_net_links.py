#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""virtio-net with riscv64 Linux guests, issue 13's acceptance lines 3, 4, 6
and 7: two Tessera VMs joined by -netdev stream; a guest on a tap (with
vnet headers) in a network namespace this test makes; hotplug of a second
NIC through a pcie-root-port; floods both ways with memory and the monitor
watched; and malformed descriptor chains from a bare-metal guest
(tests/guest/virtio/net-torture.c).  (Lines 1, 2 and 5 are in
test_net_guest.py.)"""
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import qmp_client as qc
import tessera_test as tt
from test_net_guest import Guest, free_port
from test_virtio import host_rss_kib

MIB16 = 16 * 1024 * 1024
HOTPLUG_ARGS = 'pciehp.pciehp_poll_mode=1 pciehp.pciehp_poll_time=1'


def md5_of(g, path):
    return g.out('md5sum %s' % path).split()[0]


def wait_size(g, path, size, timeout=240):
    """Wait (bounded) in the guest until @path holds @size bytes."""
    g.assert_ok('i=0; while [ "$(wc -c < %s)" -lt %d ] && [ $i -lt %d ]; do sleep 1; '
                'i=$((i+1)); done; [ "$(wc -c < %s)" -eq %d ]'
                % (path, size, timeout, path, size), timeout + 30)


class StreamPair(unittest.TestCase):
    """Line 3: two Tessera VMs, one -netdev stream server and one client,
    ping each other and copy 16 MiB each way, checksummed."""

    def test_two_vms_over_stream(self):
        d = tempfile.mkdtemp(prefix='tessera-pair-')
        path = os.path.join(d, 'link.sock')
        a = b = None
        try:
            a = Guest(['-netdev', 'stream,id=s0,server=on,addr.type=unix,addr.path=' + path,
                       '-device', 'virtio-net-pci,netdev=s0,mac=52:54:00:00:00:0a'], wait=False)
            qc.wait_for(lambda: os.path.exists(path), what=path)
            b = Guest(['-netdev', 'stream,id=s0,server=off,addr.type=unix,addr.path=' + path,
                       '-device', 'virtio-net-pci,netdev=s0,mac=52:54:00:00:00:0b'], wait=False)
            a.boot()
            b.boot()
            for g, ip in ((a, '10.1.0.1'), (b, '10.1.0.2')):
                g.assert_ok('ip addr add %s/24 dev eth0 && ip link set eth0 up' % ip)
            a.assert_ok('ping -c2 -W5 10.1.0.2', 60)
            b.assert_ok('ping -c2 -W5 10.1.0.1', 60)
            for src, dst, dst_ip in ((a, b, '10.1.0.2'), (b, a, '10.1.0.1')):
                src.assert_ok('dd if=/dev/urandom of=/big bs=1M count=16 2>/dev/null')
                want = md5_of(src, '/big')
                dst.assert_ok('rm -f /in; (nc -l -p 5000 > /in &)')
                time.sleep(1)
                src.assert_ok('nc %s 5000 < /big' % dst_ip, 600)
                wait_size(dst, '/in', MIB16)
                self.assertEqual(md5_of(dst, '/in'), want)
                dst.sh('killall nc')
        finally:
            for g in (a, b):
                if g:
                    g.close()
            shutil.rmtree(d, ignore_errors=True)


class TapNamespace(unittest.TestCase):
    """Line 4 with a guest: Tessera runs in a network namespace of its own
    (unshare -n) with a tap, vnet_hdr=on; the test gives the tap an address
    there; the guest pings it and moves 8 MiB each way over TCP.  The
    checksum/TSO features are negotiated (the guest's virtio feature bits)
    and the tap carries segments larger than the MTU both ways (its
    counters: bytes per packet above 1514)."""

    LISTENER = ('import socket,hashlib,sys\n'
                's=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n'
                's.bind(("10.9.0.1",int(sys.argv[1])));s.listen(1);c,_=s.accept()\n'
                'h=hashlib.md5();n=0\n'
                'while True:\n'
                '    b=c.recv(1<<16)\n'
                '    if not b: break\n'
                '    h.update(b);n+=len(b)\n'
                'print(n,h.hexdigest(),flush=True)\n')
    SENDER = ('import socket,sys\n'
              's=socket.socket();s.bind(("10.9.0.1",int(sys.argv[1])));s.listen(1)\n'
              'c,_=s.accept();c.sendall(open(sys.argv[2],"rb").read());c.close()\n')

    def stats(self, ns):
        r = subprocess.run(ns + ['ip', '-s', '-j', 'link', 'show', 'tsr0'], capture_output=True,
                           text=True, check=True)
        s = json.loads(r.stdout)[0]['stats64']
        return s['rx']['bytes'], s['rx']['packets'], s['tx']['bytes'], s['tx']['packets']

    def test_guest_on_tap_with_offloads(self):
        if not os.path.exists('/dev/net/tun'):
            self.fail('/dev/net/tun is missing: the tap test needs the tun driver')
        for tool in ['unshare', 'nsenter', 'ip']:
            if not shutil.which(tool):
                self.fail('%s is missing: install util-linux and iproute2' % tool)
        d = tempfile.mkdtemp(prefix='tessera-tapg-')
        g = Guest(['-netdev', 'tap,id=t0,ifname=tsr0,script=no,downscript=no,vnet_hdr=on',
                   '-device', 'virtio-net-pci,netdev=t0'], prefix=['unshare', '-n'], wait=False)
        ns = ['nsenter', '-t', str(g.c.proc.pid), '-n']
        procs = []
        try:
            qc.wait_for(lambda: subprocess.run(ns + ['ip', 'link', 'show', 'tsr0'],
                                               capture_output=True).returncode == 0,
                        what='tsr0 in the namespace')
            for cmd in [['ip', 'link', 'set', 'lo', 'up'], ['ip', 'link', 'set', 'tsr0', 'up'],
                        ['ip', 'addr', 'add', '10.9.0.1/24', 'dev', 'tsr0']]:
                r = subprocess.run(ns + cmd, capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
            g.boot()
            # Negotiated features: bit 0 CSUM, 1 GUEST_CSUM, 7 GUEST_TSO4, 11 HOST_TSO4.
            feats = g.out('cat /sys/class/net/eth0/device/features').strip()
            self.assertRegex(feats, r'^[01]{64}$', feats)
            for bit in (0, 1, 7, 11):
                self.assertEqual(feats[bit], '1', 'feature bit %d not negotiated: %s'
                                 % (bit, feats))
            g.assert_ok('ip addr add 10.9.0.2/24 dev eth0 && ip link set eth0 up')
            g.assert_ok('ping -c2 -W5 10.9.0.1', 60)
            # Guest -> namespace: 8 MiB.
            size = 8 * 1024 * 1024
            port = 5001
            lst = subprocess.Popen(ns + ['python3', '-c', self.LISTENER, str(port)],
                                   stdout=subprocess.PIPE, text=True)
            procs.append(lst)
            time.sleep(1)
            g.assert_ok('dd if=/dev/urandom of=/big bs=1M count=8 2>/dev/null')
            want = md5_of(g, '/big')
            rx0 = self.stats(ns)
            g.assert_ok('nc 10.9.0.1 %d < /big' % port, 300)
            line = lst.communicate(timeout=120)[0].split()
            self.assertEqual(line, [str(size), want])
            rx1 = self.stats(ns)
            rx_avg = (rx1[0] - rx0[0]) / max(1, rx1[1] - rx0[1])
            # Namespace -> guest: 8 MiB.
            payload = os.urandom(size)
            src = os.path.join(d, 'payload')
            with open(src, 'wb') as f:
                f.write(payload)
            snd = subprocess.Popen(ns + ['python3', '-c', self.SENDER, str(port + 1), src])
            procs.append(snd)
            time.sleep(1)
            tx0 = self.stats(ns)
            g.assert_ok('nc 10.9.0.1 %d < /dev/null > /in' % (port + 1), 300)
            self.assertEqual(md5_of(g, '/in'), hashlib.md5(payload).hexdigest())
            tx1 = self.stats(ns)
            tx_avg = (tx1[2] - tx0[2]) / max(1, tx1[3] - tx0[3])
            print('tap: %.0f bytes per packet guest->namespace, %.0f namespace->guest'
                  % (rx_avg, tx_avg))
            self.assertGreater(rx_avg, 1514, 'the guest sent no segment larger than the MTU')
            self.assertGreater(tx_avg, 1514, 'the tap gave the guest no large segment')
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
            g.close()
            shutil.rmtree(d, ignore_errors=True)


class HotplugAndFlood(unittest.TestCase):
    """Lines 6 and 7 on one boot.  Flood: the guest sends UDP as fast as it
    can to an unreachable host (restrict=on drops it) while this test floods
    a UDP hostfwd into the guest; Tessera's own memory stays flat, the
    monitor answers throughout, and the network works afterwards.
    Hotplug: netdev_add + device_add virtio-net-pci on a pcie-root-port, the
    guest gets eth1 and DHCP on it; device_del + netdev_del remove both."""

    def rss(self, g):
        return host_rss_kib(g.c.proc.pid, 256 * 1024)

    def test_flood_then_hotplug(self):
        d = tempfile.mkdtemp(prefix='tessera-hpf-')
        qmp_path, hmp_path = os.path.join(d, 'qmp.sock'), os.path.join(d, 'hmp.sock')
        uport = free_port()
        g = Guest(['-netdev', 'user,id=n0,restrict=on,hostfwd=udp:127.0.0.1:%d-:9' % uport,
                   '-device', 'virtio-net-pci,netdev=n0,id=nic0',
                   '-device', 'pcie-root-port,id=rp1,chassis=1',
                   '-qmp', 'unix:%s,server=on,wait=off' % qmp_path,
                   '-monitor', 'unix:%s,server=on,wait=off' % hmp_path],
                  append=HOTPLUG_ARGS)
        stop = threading.Event()
        sent = [0]

        def host_flood():
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                data = b'f' * 1400
                while not stop.is_set():
                    try:
                        s.sendto(data, ('127.0.0.1', uport))
                        sent[0] += 1
                    except OSError:
                        time.sleep(0.001)

        flooder = threading.Thread(target=host_flood, daemon=True)
        try:
            q = qc.QmpClient(qmp_path)
            q.cmd('qmp_capabilities')
            hmp = qc.HmpClient(hmp_path)
            g.dhcp()
            g.assert_ok('ping -c1 -W5 10.0.2.2')

            def stat(name):
                return q.cmd('qom-get', path='/machine/peripheral/nic0', property=name)

            tx0, rx0 = stat('tx-packets'), stat('rx-packets')
            # Line 7: floods both ways.
            # With restrict=on slirp's DHCP offers no router (libslirp leaves the
            # gateway and DNS options out), so the DHCP script's `route add default
            # gw $router` had no address (busybox printed its usage); the flood to
            # 192.0.2.1 needs the route.
            g.assert_ok("! ip route | grep -q '^default'")
            g.assert_ok('ip route add default via 10.0.2.2')
            g.assert_ok('(nc -l -u -p 9 > /dev/null &); (nc -u 192.0.2.1 9 < /dev/zero &)')
            flooder.start()
            samples = []
            for _ in range(12):
                time.sleep(1)
                self.assertIn('nic0: index=0,type=nic', hmp.run('info network'))
                samples.append(self.rss(g))
            stop.set()
            flooder.join()
            tx1, rx1 = stat('tx-packets'), stat('rx-packets')
            print('flood: guest sent %d packets, received %d (host offered %d datagrams); '
                  'host RSS (guest RAM excluded) KiB %s'
                  % (tx1 - tx0, rx1 - rx0, sent[0], samples))
            self.assertGreater(tx1 - tx0, 200, 'the guest flood did not run')
            self.assertGreater(rx1 - rx0, 100, 'the host flood did not reach the guest')
            growth = samples[-1] - samples[2]
            self.assertLess(growth, 16 * 1024, 'Tessera grew by %d KiB while flooded' % growth)
            g.assert_ok('killall nc; sleep 1; ping -c1 -W5 10.0.2.2', 60)

            # Line 6: hotplug a second NIC.
            q.cmd('netdev_add', type='user', id='h0', net='10.0.3.0/24')
            q.cmd('device_add', driver='virtio-net-pci', netdev='h0', bus='rp1', id='nic1')
            g.assert_ok('i=0; while [ ! -e /sys/class/net/eth1 ] && [ $i -lt 60 ]; do sleep 1; '
                        'i=$((i+1)); done; [ -e /sys/class/net/eth1 ]', 90)
            g.assert_ok('ifconfig eth1 up && udhcpc -i eth1 -s /s -q -n -t 10', 90)
            g.assert_ok("ifconfig eth1 | grep -q 'inet addr:10.0.3.15'")
            g.assert_ok('ping -c1 -W5 10.0.3.2')
            self.assertIn('nic1: index=0,type=nic', hmp.run('info network'))
            q.cmd('device_del', id='nic1')
            ev = q.wait_event('DEVICE_DELETED', 90)
            self.assertEqual(ev['data'].get('device'), 'nic1')
            g.assert_ok('i=0; while [ -e /sys/class/net/eth1 ] && [ $i -lt 60 ]; do sleep 1; '
                        'i=$((i+1)); done; [ ! -e /sys/class/net/eth1 ]', 90)
            q.cmd('netdev_del', id='h0')
            net = hmp.run('info network')
            self.assertNotIn('h0', net)
            self.assertNotIn('nic1', net)
            self.assertIn('nic0', net)
            g.assert_ok('ping -c1 -W5 10.0.2.2')
            q.close()
            hmp.close()
        finally:
            stop.set()
            g.close()
            shutil.rmtree(d, ignore_errors=True)


class Torture(unittest.TestCase):
    """Line 7's malformed descriptors: tests/guest/virtio/net-torture.c
    hands random chains to virtio-net's transmit and receive queues (slirp
    answering ARP), a header-only frame, then a clean ARP exchange."""

    def test_random_chains(self):
        import sys
        cc = 'riscv64-unknown-elf-gcc'
        if not shutil.which(cc):
            self.fail('%s is missing: install gcc-riscv64-unknown-elf (scripts/setup.sh)' % cc)
        sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest'))
        import build
        out = os.path.join(tt.build_dir(), 'guest')
        os.makedirs(out, exist_ok=True)
        elf = os.path.join(out, 'virtio-net-torture.elf')
        src = os.path.join(tt.ROOT, 'tests', 'guest', 'virtio', 'net-torture.c')
        r = subprocess.run([cc] + build.CFLAGS + ['-o', elf] + build.COMMON + [src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)
        d = tempfile.mkdtemp(prefix='tessera-nt-')
        log = os.path.join(d, 'log')
        try:
            r = tt.run(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic',
                        '-netdev', 'user,id=n0', '-device', 'virtio-net-device,netdev=n0',
                        '-d', 'guest_errors', '-D', log],
                       link='tessera-system-riscv64', timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr)
            self.assertIn('PASSED', r.stdout, r.stdout[-3000:])
            m = re.search(r'tx (0x[0-9a-f]+) rx (0x[0-9a-f]+) quiet (0x[0-9a-f]+) '
                          r'needs-reset (0x[0-9a-f]+)', r.stdout)
            self.assertIsNotNone(m, r.stdout)
            print('virtio-net torture: %d tx served, %d rx served, %d rx quiet, %d needs-reset'
                  % tuple(int(x, 16) for x in m.groups()))
            with open(log, errors='replace') as f:
                text = f.read()
            self.assertIn('device needs reset', text)
            self.assertIn('has no Ethernet header: dropped', text)
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == '__main__':
    tt.main('net_links')
