#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The network layer from the outside, without a guest NIC: backends joined
through hubs to a stream/dgram/socket netdev that this test drives with
hand-made frames (tests/functional/netframes.py).  Slirp answers DHCP, ARP
and ping, host forwarding reaches the "guest" side, two Tessera processes
link over -netdev stream, a tap in a network namespace answers ping, and
filter-dump writes a pcap."""
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import netframes as nf
import qmp_client as qc
import tessera_test as tt


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def connect_unix(path, timeout=10):
    deadline = time.time() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def qmp_call(q, name, args):
    """A command whose arguments include 'name' (cmd() takes that itself)."""
    r = q.execute(name, args)
    if 'error' in r:
        raise qc.QmpError(r['error']['class'], r['error']['desc'])
    return r['return']


class BadOptions(unittest.TestCase):
    """Acceptance line 8: each mistake is one clear line and exit status 1."""

    def refused(self, args, expect):
        r = tt.run(['-M', 'none'] + args, timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(expect, lines[0])
        return lines[0]

    def test_unknown_type(self):
        self.refused(['-netdev', 'bogus,id=n0'], "unknown netdev type 'bogus'")

    def test_unknown_option(self):
        self.refused(['-netdev', 'user,id=n0,colour=blue'], "unknown option 'colour'")

    def test_hostfwd_syntax(self):
        for rule in ['tcp::abc-:22', 'tcp::2222', 'sctp::1-:2', 'tcp::2222-:99999',
                     'tcp:1.2.3:2222-:22']:
            self.refused(['-netdev', 'user,id=n0,hostfwd=' + rule],
                         "invalid host forwarding rule '%s'" % rule)

    def test_port_in_use(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            s.listen(1)
            port = s.getsockname()[1]
            self.refused(['-netdev', 'user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22' % port],
                         "could not set up host forwarding rule 'tcp:127.0.0.1:%d-:22'" % port)

    def test_duplicate_id(self):
        self.refused(['-netdev', 'user,id=n0', '-netdev', 'user,id=n0'], "duplicate id 'n0'")

    def test_missing_id_and_bad_values(self):
        self.refused(['-netdev', 'user'], "parameter 'id' is missing")
        self.refused(['-netdev', 'user,id=n0,net=10.0.2.0/33'], "invalid network")
        self.refused(['-netdev', 'user,id=n0,dhcpstart=192.168.1.5'], "parameter 'dhcpstart'")
        self.refused(['-netdev', 'user,id=n0,restrict=maybe'], "restrict")
        self.refused(['-netdev', 'stream,id=s0,addr.type=inet,addr.host=127.0.0.1'],
                     'needs addr.host and addr.port')
        self.refused(['-netdev', 'socket,id=s0'], 'exactly one of listen=, connect= and mcast=')
        self.refused(['-netdev', 'tap,id=t0,queues=99'], "parameter 'queues'")

    def test_hub_port_naming_missing_netdev(self):
        self.refused(['-netdev', 'hubport,id=h0,hubid=0,netdev=nothere'],
                     "netdev 'nothere' not found")

    def test_guestfwd_syntax(self):
        self.refused(['-netdev', 'user,id=n0,guestfwd=tcp:10.0.2.100-x'],
                     "invalid guest forwarding rule")

    def test_help_lists_backends(self):
        r = tt.run(['-netdev', 'help'])
        self.assertEqual(r.returncode, 0, r.stderr)
        for t in ['user', 'tap', 'stream', 'dgram', 'socket', 'hubport']:
            self.assertIn(t + '\n', r.stdout)


class UserOverStream(unittest.TestCase):
    """Slirp on hub 0 with a stream netdev this test speaks through."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-net-')
        self.sock_path = os.path.join(self.dir, 'link.sock')
        self.pcap = os.path.join(self.dir, 'u.pcap')
        self.fwd_port = free_port()
        self.vm = qc.Vm(['-M', 'none',
                         '-object', 'filter-dump,id=f0,netdev=u,file=%s' % self.pcap,
                         '-netdev', 'user,id=u,hostfwd=tcp:127.0.0.1:%d-:22' % self.fwd_port,
                         '-netdev', 'hubport,id=p1,hubid=0,netdev=u',
                         '-netdev', 'stream,id=s,server=on,addr.type=unix,addr.path=%s'
                         % self.sock_path,
                         '-netdev', 'hubport,id=p2,hubid=0,netdev=s'], hmp=True)
        self.hmp = self.vm.hmp()
        self.link = nf.StreamLink(connect_unix(self.sock_path))

    def tearDown(self):
        self.link.sock.close()
        self.vm.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_dhcp_arp_ping_and_info(self):
        offer = nf.dhcp_offer(self.link)
        self.assertIsNotNone(offer, 'no DHCP offer from slirp')
        self.assertEqual(offer['yiaddr'], '10.0.2.15')
        self.assertEqual(offer['ipsrc'], '10.0.2.2')
        reply = nf.ping(self.link, '10.0.2.2')
        self.assertIsNotNone(reply, 'no echo reply from 10.0.2.2')
        self.assertEqual(reply['payload'], b'tessera-ping')
        out = self.hmp.run('info network')
        self.assertIn('hub 0\n', out)
        self.assertIn(' \\ p1: u: index=0,type=user,net=10.0.2.0,restrict=off', out)
        self.assertIn(' \\ p2: s: index=0,type=stream,connection from unix:', out)
        usernet = self.hmp.run('info usernet')
        self.assertIn('Hub -1 (u):', usernet)
        self.assertRegex(usernet, r'TCP\[HOST_FORWARD\]\s+\d+\s+127\.0\.0\.1\s+%d\s+10\.0\.2\.15\s+22'
                         % self.fwd_port)
        # The pcap: header, then the DHCP offer and the echo reply among the records.
        with open(self.pcap, 'rb') as fh:
            data = fh.read()
        magic, vmaj, vmin, _, _, snap, link = struct.unpack('<IHHiIII', data[:24])
        self.assertEqual((magic, vmaj, vmin, link), (0xa1b2c3d4, 2, 4, 1))
        kinds, off = [], 24
        while off + 16 <= len(data):
            _, _, cap, length = struct.unpack('<IIII', data[off:off + 16])
            kinds.append(nf.parse(data[off + 16:off + 16 + cap])['kind'])
            off += 16 + cap
        self.assertEqual(off, len(data))
        for k in ['dhcp', 'arp-request', 'arp-reply', 'icmp-request', 'icmp-reply']:
            self.assertIn(k, kinds)

    def test_hostfwd_reaches_guest_side(self):
        self.assertIsNotNone(nf.dhcp_offer(self.link))
        c = socket.create_connection(('127.0.0.1', self.fwd_port), timeout=5)
        try:
            syn = nf.wait_frame(self.link, lambda d: d['kind'] == 'tcp' and d['dport'] == 22,
                                timeout=10, answer_arp_for='10.0.2.15')
            self.assertIsNotNone(syn, 'no SYN towards 10.0.2.15:22')
            self.assertEqual(syn['ipdst'], '10.0.2.15')
            self.assertTrue(syn['flags'] & 0x02)
        finally:
            c.close()

    def test_hostfwd_add_remove_and_set_link(self):
        port = free_port()
        self.assertEqual(self.hmp.run('hostfwd_add u tcp:127.0.0.1:%d-:80' % port), '')
        self.assertRegex(self.hmp.run('info usernet'),
                         r'127\.0\.0\.1\s+%d\s+10\.0\.2\.15\s+80' % port)
        self.assertIn('Error: invalid host forwarding rule',
                      self.hmp.run('hostfwd_add u tcp:x:1-:2'))
        self.assertEqual(self.hmp.run('hostfwd_remove u tcp:127.0.0.1:%d' % port), '')
        self.assertNotRegex(self.hmp.run('info usernet'), r'\s%d\s' % port)
        self.assertIn('Error: no host forwarding rule',
                      self.hmp.run('hostfwd_remove u tcp:127.0.0.1:%d' % port))
        # Link down: slirp hears nothing; up again: it answers.
        self.assertEqual(self.hmp.run('set_link u off'), '')
        self.assertIn('link=down', self.hmp.run('info network'))
        self.assertIsNone(nf.dhcp_offer(self.link, timeout=1.5))
        self.assertEqual(self.hmp.run('set_link u on'), '')
        self.assertIsNotNone(nf.dhcp_offer(self.link))
        self.assertIn("Error: Device 'nope' not found", self.hmp.run('set_link nope on'))


class Monitor(unittest.TestCase):
    def test_qmp_netdev_add_del_and_errors(self):
        with qc.Vm(['-M', 'none'], hmp=True) as vm:
            q = vm.qmp()
            hmp = vm.hmp()
            port = free_port()
            q.cmd('netdev_add', type='user', id='h0',
                  hostfwd=[{'str': 'tcp:127.0.0.1:%d-:22' % port}])
            self.assertIn('h0: index=0,type=user', hmp.run('info network'))
            with socket.socket() as s:   # the forward listens
                s.settimeout(5)
                s.connect(('127.0.0.1', port))
            with self.assertRaises(qc.QmpError) as e:
                q.cmd('netdev_add', type='user', id='h0')
            self.assertIn("duplicate id 'h0'", e.exception.desc)
            with self.assertRaises(qc.QmpError) as e:
                qmp_call(q, 'query-rx-filter', {'name': 'h0'})
            self.assertIn("isn't a NIC", e.exception.desc)
            self.assertEqual(q.cmd('query-rx-filter'), [])
            with self.assertRaises(qc.QmpError) as e:
                qmp_call(q, 'set_link', {'name': 'zz', 'up': False})
            self.assertEqual(e.exception.klass, 'DeviceNotFound')
            q.cmd('netdev_del', id='h0')
            self.assertNotIn('h0', hmp.run('info network'))
            with self.assertRaises(qc.QmpError) as e:
                q.cmd('netdev_del', id='h0')
            self.assertEqual(e.exception.klass, 'DeviceNotFound')
            # HMP netdev_add with repeated hostfwd, then netdev_del.
            p1, p2 = free_port(), free_port()
            self.assertEqual(hmp.run('netdev_add user,id=h1,hostfwd=tcp:127.0.0.1:%d-:1,'
                                     'hostfwd=udp:127.0.0.1:%d-:2' % (p1, p2)), '')
            usernet = hmp.run('info usernet')
            self.assertRegex(usernet, r'TCP\[HOST_FORWARD\].*\s%d\s' % p1)
            self.assertRegex(usernet, r'UDP\[HOST_FORWARD\].*\s%d\s' % p2)
            self.assertEqual(hmp.run('netdev_del h1'), '')
            self.assertIn("Error: -netdev bogus,id=x: unknown netdev type",
                          hmp.run('netdev_add bogus,id=x'))


class Links(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-net-')
        self.vms = []

    def tearDown(self):
        for vm in self.vms:
            vm.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def vm(self, args):
        v = qc.Vm(['-M', 'none'] + args)
        self.vms.append(v)
        v.qmp()   # up and running
        return v

    def test_two_processes_over_stream(self):
        """A: slirp + stream server; B: stream client + a server this test
        uses.  DHCP and ping cross both processes."""
        port = free_port()
        self.vm(['-netdev', 'user,id=u', '-netdev', 'hubport,id=a1,hubid=0,netdev=u',
                 '-netdev', 'stream,id=s,server=on,addr.type=inet,addr.host=127.0.0.1,'
                 'addr.port=%d' % port, '-netdev', 'hubport,id=a2,hubid=0,netdev=s'])
        b_path = os.path.join(self.dir, 'b.sock')
        self.vm(['-netdev', 'stream,id=c,server=off,addr.type=inet,addr.host=127.0.0.1,'
                 'addr.port=%d' % port, '-netdev', 'hubport,id=b1,hubid=0,netdev=c',
                 '-netdev', 'stream,id=t,server=on,addr.type=unix,addr.path=%s' % b_path,
                 '-netdev', 'hubport,id=b2,hubid=0,netdev=t'])
        link = nf.StreamLink(connect_unix(b_path))
        try:
            offer = nf.dhcp_offer(link)
            self.assertIsNotNone(offer)
            self.assertEqual(offer['yiaddr'], '10.0.2.15')
            self.assertIsNotNone(nf.ping(link, '10.0.2.2'))
        finally:
            link.sock.close()

    def test_dgram_unix(self):
        mine = os.path.join(self.dir, 'mine.sock')
        theirs = os.path.join(self.dir, 'theirs.sock')
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(mine)
        try:
            self.vm(['-netdev', 'user,id=u', '-netdev', 'hubport,id=a1,hubid=0,netdev=u',
                     '-netdev', 'dgram,id=d,local.type=unix,local.path=%s,remote.type=unix,'
                     'remote.path=%s' % (theirs, mine),
                     '-netdev', 'hubport,id=a2,hubid=0,netdev=d'])
            link = nf.DgramLink(s, theirs)
            offer = nf.dhcp_offer(link)
            self.assertIsNotNone(offer)
            self.assertIsNotNone(nf.ping(link, '10.0.2.2'))
        finally:
            s.close()

    def test_socket_listen(self):
        port = free_port()
        self.vm(['-net', 'user', '-net', 'socket,listen=127.0.0.1:%d' % port])
        link = nf.StreamLink(socket.create_connection(('127.0.0.1', port), timeout=5))
        try:
            self.assertIsNotNone(nf.dhcp_offer(link))
            self.assertIsNotNone(nf.ping(link, '10.0.2.2'))
        finally:
            link.sock.close()


def nic_module_dir():
    """The test-nic module's directory, indexed (tests/net/SConscript builds it)."""
    d = os.path.join(tt.build_dir(), 'tests', 'net-modules')
    if not os.path.exists(os.path.join(d, 'test-nic.so')):
        raise AssertionError('%s/test-nic.so is missing: run scons' % d)
    r = tt.run(['--update-module-index', d])
    if r.returncode:
        raise AssertionError('indexing %s failed: %s' % (d, r.stderr))
    return d


def nic_command(link, text, timeout=10):
    """A command frame for test-nic (ethertype 0x88b5), returning once the NIC
    has acknowledged it; frames received meanwhile stay queued on the link."""
    link.send(nf.eth(nf.BROADCAST, nf.MAC, 0x88b5, text.encode()))
    ack = b'ack ' + text.encode()
    held = []
    deadline = time.time() + timeout
    while True:
        frame = link.recv(max(0.0, deadline - time.time()))
        if frame is None:
            raise AssertionError('test-nic did not acknowledge %r' % text)
        if frame[12:14] == b'\x88\xb5' and frame[14:] == ack:
            break
        held.append(frame)
    link.buf = b''.join(struct.pack('!I', len(f)) + f for f in held) + link.buf


class NicSide(unittest.TestCase):
    """The NIC side of the layer through test-nic (a NIC module of the
    tests that bridges its netdev to a chardev)."""

    @classmethod
    def setUpClass(cls):
        cls.moddir = nic_module_dir()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-nic-')
        self.vm = None
        self.links = []

    def tearDown(self):
        for link in self.links:
            link.sock.close()
        if self.vm:
            self.vm.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, args, chardevs=('c0',)):
        argv = ['-M', 'none']
        for c in chardevs:
            argv += ['-chardev', 'socket,id=%s,path=%s,server=on,wait=off'
                     % (c, os.path.join(self.dir, c + '.sock'))]
        self.vm = qc.Vm(argv + args, hmp=True, env={'TESSERA_MODULE_DIR': self.moddir})
        self.hmp = self.vm.hmp()
        self.q = self.vm.qmp()

    def link(self, chardev='c0'):
        link = nf.StreamLink(connect_unix(os.path.join(self.dir, chardev + '.sock')))
        self.links.append(link)
        time.sleep(0.1)   # let the NIC see the client before frames flow
        return link

    def test_dhcp_through_nic_and_info_network(self):
        self.start(['-netdev', 'user,id=n0', '-device',
                    'test-nic,id=nic0,netdev=n0,chardev=c0,mac=52:54:00:12:34:56'])
        link = self.link()
        offer = nf.dhcp_offer(link, mac=bytes.fromhex('525400123456'))
        self.assertIsNotNone(offer)
        self.assertEqual(offer['yiaddr'], '10.0.2.15')
        self.assertIsNotNone(nf.ping(link, '10.0.2.2', mac=bytes.fromhex('525400123456')))
        self.assertEqual(self.hmp.run('info network'),
                         'nic0: index=0,type=nic,model=test-nic,macaddr=52:54:00:12:34:56\n'
                         ' \\ n0: index=0,type=user,net=10.0.2.0,restrict=off\n')

    def test_nic_naming_missing_netdev(self):
        r = tt.run(['-M', 'none', '-chardev', 'null,id=c0', '-device',
                    'test-nic,netdev=nope,chardev=c0'], env={'TESSERA_MODULE_DIR': self.moddir})
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("Property 'test-nic.netdev' can't find value 'nope'", lines[0])

    def test_nic_shorthand_and_legacy_hub(self):
        self.start(['-global', 'test-nic.chardev=c0',
                    '-nic', 'user,model=test-nic,mac=52:54:00:00:00:07,net=10.5.0.0/24'])
        mac = bytes.fromhex('525400000007')
        offer = nf.dhcp_offer(self.link(), mac=mac)
        self.assertEqual(offer['yiaddr'], '10.5.0.15')
        self.assertIn('macaddr=52:54:00:00:00:07', self.hmp.run('info network'))
        self.vm.close()
        self.vm = None
        self.links[0].sock.close()
        self.links = []
        self.start(['-global', 'test-nic.chardev=c0', '-net', 'nic,model=test-nic',
                    '-net', 'user'])
        out = self.hmp.run('info network')
        self.assertIn('hub 0\n', out)
        self.assertRegex(out, r' \\ hub0port0: test-nic\.\d+: index=0,type=nic,model=test-nic')
        self.assertRegex(out, r' \\ hub0port1: user\.\d+: index=0,type=user')
        self.assertIsNotNone(nf.dhcp_offer(self.link(), mac=bytes.fromhex('525400123456')))

    def test_set_link_on_the_nic(self):
        self.start(['-netdev', 'user,id=n0', '-device', 'test-nic,id=nic0,netdev=n0,chardev=c0'])
        link = self.link()
        qmp_call(self.q, 'set_link', {'name': 'nic0', 'up': False})
        out = self.hmp.run('info network')
        self.assertEqual(out.count('link=down'), 2, out)   # the NIC and its peer
        self.assertIsNone(nf.dhcp_offer(link, timeout=1.5))
        qmp_call(self.q, 'set_link', {'name': 'nic0', 'up': True})
        self.assertNotIn('link=down', self.hmp.run('info network'))
        self.assertIsNotNone(nf.dhcp_offer(link))

    def test_rx_filter_query_and_event(self):
        self.start(['-netdev', 'user,id=n0', '-device', 'test-nic,id=nic0,netdev=n0,chardev=c0'])
        link = self.link()
        [f] = self.q.cmd('query-rx-filter')
        self.assertEqual(f['name'], 'nic0')
        self.assertFalse(f['promiscuous'])
        self.assertEqual(f['main-mac'], '52:54:00:12:34:56')
        nic_command(link, 'promisc-on')
        ev = self.q.wait_event('NIC_RX_FILTER_CHANGED')
        self.assertEqual(ev['data'], {'name': 'nic0', 'path': '/machine/peripheral/nic0'})
        nic_command(link, 'promisc-off')     # not announced again before a query
        nic_command(link, 'promisc-on')
        self.assertTrue(qmp_call(self.q, 'query-rx-filter', {'name': 'nic0'})[0]['promiscuous'])
        self.assertEqual([e for e in self.q.events if e['event'] == 'NIC_RX_FILTER_CHANGED'], [])
        nic_command(link, 'promisc-off')
        self.q.wait_event('NIC_RX_FILTER_CHANGED')

    def test_hotplug_and_unplug(self):
        """Acceptance line 6's sequence on a NIC without PCI: netdev_add +
        device_add, traffic, device_del + netdev_del."""
        self.start([], chardevs=('c0', 'c1'))
        self.q.cmd('netdev_add', type='user', id='h0')
        self.q.cmd('device_add', driver='test-nic', netdev='h0', chardev='c1', id='nic1')
        self.assertIn('nic1: index=0,type=nic', self.hmp.run('info network'))
        self.assertIsNotNone(nf.dhcp_offer(self.link('c1')))
        self.q.cmd('device_del', id='nic1')
        self.q.wait_event('DEVICE_DELETED')
        self.q.cmd('netdev_del', id='h0')
        self.assertEqual(self.hmp.run('info network'), '')

    def test_nic_backpressure_holds_queue(self):
        """A NIC that stops taking frames: what slirp sends meanwhile waits
        (bounded) and arrives once the NIC takes frames again."""
        self.start(['-netdev', 'user,id=n0', '-device', 'test-nic,id=nic0,netdev=n0,chardev=c0'])
        link = self.link()
        nic_command(link, 'rx-stop')
        link.send(nf.dhcp_discover(nf.MAC))
        self.assertIsNone(link.recv(1.0))
        nic_command(link, 'rx-go')
        offer = nf.wait_frame(link, lambda d: d['kind'] == 'dhcp', timeout=10)
        self.assertIsNotNone(offer)


class Flood(unittest.TestCase):
    """Acceptance line 7 at the layer: a host side flooding a hub whose other
    side never reads is held back (the writer's socket stops draining)
    instead of Tessera's memory growing, and the monitor keeps answering."""

    def rss_kib(self, pid):
        with open('/proc/%d/status' % pid) as fh:
            for line in fh:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
        raise AssertionError('no VmRSS for %d' % pid)

    def test_flood_is_held_back(self):
        d = tempfile.mkdtemp(prefix='tessera-flood-')
        a_path, b_path = os.path.join(d, 'a.sock'), os.path.join(d, 'b.sock')
        with qc.Vm(['-M', 'none',
                    '-netdev', 'stream,id=a,server=on,addr.type=unix,addr.path=%s' % a_path,
                    '-netdev', 'hubport,id=p1,hubid=0,netdev=a',
                    '-netdev', 'stream,id=b,server=on,addr.type=unix,addr.path=%s' % b_path,
                    '-netdev', 'hubport,id=p2,hubid=0,netdev=b'], hmp=True) as vm:
            hmp = vm.hmp()
            writer = connect_unix(a_path)
            sink = connect_unix(b_path)      # connected, never read
            writer.setblocking(False)
            frame = struct.pack('!I', 1500) + nf.BROADCAST + nf.MAC + b'\x08\x00' + \
                b'x' * (1500 - 14)
            rss_before = self.rss_kib(vm.proc.pid)
            sent = 0
            stalled_rounds = 0
            # Bounded: at most 64 MiB offered; stop once the writer is held back.
            while sent < 64 * 1024 * 1024 and stalled_rounds < 20:
                try:
                    sent += writer.send(frame * 16)
                    stalled_rounds = 0
                except BlockingIOError:
                    stalled_rounds += 1
                    time.sleep(0.05)
            self.assertLess(sent, 64 * 1024 * 1024, 'the writer was never held back')
            out = hmp.run('info network')     # the monitor still answers
            self.assertIn(' \\ p2: b: index=0,type=stream', out)
            grown = self.rss_kib(vm.proc.pid) - rss_before
            self.assertLess(grown, 32 * 1024, 'Tessera grew by %d KiB' % grown)
            # Draining the sink lets the writer go on: nothing was lost in between.
            sink.setblocking(False)
            got = 0
            for _ in range(200):
                try:
                    chunk = sink.recv(1 << 20)
                    got += len(chunk)
                except BlockingIOError:
                    if got:
                        break
                    time.sleep(0.02)
            self.assertGreater(got, 0)
            writer.close()
            sink.close()
        shutil.rmtree(d, ignore_errors=True)


class IdleMainLoop(unittest.TestCase):
    """With -netdev user and nothing to do, the main loop sleeps: slirp's
    poll records used to be removed and added again before every poll, and
    each change woke glib's loop, so it spun (one core busy, the device lock
    taken and dropped without end, the vCPU waiting for it).  Counted in
    read() calls (every turn of a woken loop reads glib's wakeup eventfd),
    not in time."""

    def syscr(self, pid):
        with open('/proc/%d/io' % pid) as f:
            for line in f:
                if line.startswith('syscr:'):
                    return int(line.split()[1])
        self.fail('/proc/%d/io has no syscr line' % pid)

    def test_user_netdev_loop_sleeps(self):
        port = free_port()
        proc = subprocess.Popen([tt.tessera_path(), '-M', 'none', '-display', 'none',
                                 '-netdev', 'user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22' % port],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        conn = None
        try:
            deadline = time.time() + 30
            while conn is None:
                if proc.poll() is not None:
                    self.fail('tessera exited: %s' % proc.stderr.read().decode())
                try:
                    # An open forwarded connection gives slirp a second socket.
                    conn = socket.create_connection(('127.0.0.1', port), timeout=5)
                except OSError:
                    self.assertLess(time.time(), deadline, 'hostfwd port never opened')
                    time.sleep(0.1)
            time.sleep(0.5)
            before = self.syscr(proc.pid)
            time.sleep(2)
            reads = self.syscr(proc.pid) - before
            # Slirp's own timers wake it a few times a second; a spinning
            # loop makes thousands of turns even with a small CPU share.
            self.assertLess(reads, 100, 'the main loop made %d reads in 2 s while idle' % reads)
        finally:
            if conn:
                conn.close()
            proc.kill()
            proc.wait()
            proc.stderr.close()


class Tap(unittest.TestCase):
    """Acceptance line 4 without a guest NIC: Tessera runs in a network
    namespace of its own (unshare -n), its tap gets an address there, and
    frames this test sends through the hub reach the namespace's kernel,
    which answers ping."""

    def run_tap(self, vnet_hdr):
        if not os.path.exists('/dev/net/tun'):
            self.fail('/dev/net/tun is missing: the tap test needs the tun driver')
        for tool in ['unshare', 'nsenter', 'ip']:
            if not shutil.which(tool):
                self.fail('%s is missing: install util-linux and iproute2' % tool)
        d = tempfile.mkdtemp(prefix='tessera-tap-')
        path = os.path.join(d, 'link.sock')
        argv = ['unshare', '-n', tt.tessera_path(), '-M', 'none',
                '-netdev', 'tap,id=t,ifname=tsr0,script=no,downscript=no,vnet_hdr=%s' % vnet_hdr,
                '-netdev', 'hubport,id=h1,hubid=0,netdev=t',
                '-netdev', 'stream,id=s,server=on,addr.type=unix,addr.path=%s' % path,
                '-netdev', 'hubport,id=h2,hubid=0,netdev=s']
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            link = nf.StreamLink(connect_unix(path))
            ns = ['nsenter', '-t', str(proc.pid), '-n']
            for cmd in [['ip', 'link', 'set', 'tsr0', 'up'],
                        ['ip', 'addr', 'add', '10.9.0.1/24', 'dev', 'tsr0']]:
                r = subprocess.run(ns + cmd, capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
            reply = nf.ping(link, '10.9.0.1', src='10.9.0.2')
            self.assertIsNotNone(reply, 'the namespace did not answer through the tap')
            self.assertEqual(reply['ipsrc'], '10.9.0.1')
            link.sock.close()
        finally:
            proc.kill()
            proc.wait()
            proc.stdout.close()
            proc.stderr.close()
            shutil.rmtree(d, ignore_errors=True)

    def test_tap_in_namespace(self):
        self.run_tap('off')

    def test_tap_vnet_hdr_without_offloading_peer(self):
        """vnet_hdr=on with a peer that does not use headers: removed on
        input, a zero header added on output."""
        self.run_tap('on')


if __name__ == '__main__':
    tt.main('net')
