#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Tessera's NBD server from the outside, with the real clients nbdinfo,
qemu-img, qemu-io and qemu-nbd --list; Tessera to Tessera (the nbd client
driver of one process against the server of another); the QMP commands
(nbd-server-start/-stop, block-export-add/-del, query-block-exports, the
legacy nbd-server-add/-remove) and their errors; and hostile clients
(bad magic, oversized options and requests, out-of-range requests, abrupt
disconnects) that must neither crash nor stall the server."""
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import tessera_test as tt
from qmp_client import QmpError, Vm

NBD_MAGIC = 0x4e42444d41474943
OPTS_MAGIC = 0x49484156454f5054
REP_MAGIC = 0x3e889045565a9
REQ_MAGIC = 0x25609513
SIMPLE_MAGIC = 0x67446698
STRUCT_MAGIC = 0x668e33ef
MIB = 1 << 20


def need(tool):
    if not shutil.which(tool):
        raise AssertionError('this test needs %s (run scripts/setup.sh: qemu-utils, nbdkit, '
                             'libnbd-bin)' % tool)


def run(*argv):
    need(argv[0])
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60)


def qmp(q, command, args):
    """Run @command with @args as given (cmd() takes 'name' itself)."""
    r = q.execute(command, args)
    if 'error' in r:
        raise QmpError(r['error']['class'], r['error']['desc'])
    return r['return']


class RawClient:
    """Speaks the NBD protocol byte by byte (for the hostile cases)."""

    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(path)
        magic, opts, flags = struct.unpack('>QQH', self.recv(18))
        assert magic == NBD_MAGIC and opts == OPTS_MAGIC, (magic, opts)
        self.flags = flags

    def recv(self, n):
        buf = b''
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError('server closed after %d of %d bytes' % (len(buf), n))
            buf += chunk
        return buf

    def closed_by_server(self):
        try:
            return self.s.recv(1) == b''
        except ConnectionResetError:
            return True

    def option(self, opt, data=b''):
        self.s.sendall(struct.pack('>QII', OPTS_MAGIC, opt, len(data)) + data)

    def opt_reply(self):
        magic, opt, typ, length = struct.unpack('>QIII', self.recv(20))
        assert magic == REP_MAGIC, hex(magic)
        return opt, typ, self.recv(length)

    def go(self, name, structured=False):
        self.s.sendall(struct.pack('>I', 3))  # fixed newstyle, no zeroes
        if structured:
            self.option(8)
            assert self.opt_reply()[1] == 1
        data = struct.pack('>I', len(name)) + name.encode() + struct.pack('>H', 0)
        self.option(7, data)
        info = None
        while True:
            _, typ, payload = self.opt_reply()
            if typ == 3:
                info = payload
            elif typ == 1:
                break
            else:
                raise AssertionError('GO failed: %x %r' % (typ, payload))
        _, size, tflags = struct.unpack('>HQH', info[:12])
        return size, tflags

    def request(self, typ, off, length, handle=1, flags=0, payload=b''):
        self.s.sendall(struct.pack('>IHHQQI', REQ_MAGIC, flags, typ, handle, off, length) +
                       payload)

    def simple_reply(self, datalen=0):
        magic, err, handle = struct.unpack('>IIQ', self.recv(16))
        assert magic == SIMPLE_MAGIC, hex(magic)
        return err, handle, self.recv(datalen) if not err and datalen else b''


class NbdTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-nbd-')
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def image(self, name, size=8 * MIB, data=None):
        p = self.path(name)
        with open(p, 'wb') as f:
            if data:
                f.write(data)
            f.truncate(size)
        return p

    def vm(self, *args):
        v = Vm(['-M', 'none'] + list(args))
        self.addCleanup(v.close)
        return v

    def serve(self, img, writable=True, name=None, fmt='raw'):
        """A Tessera exporting @img on a unix socket; returns (vm, qmp, uri)."""
        sock = self.path('nbd%d.sock' % len(os.listdir(self.dir)))
        v = self.vm('-blockdev', 'driver=%s,node-name=d0,file.driver=file,file.filename=%s'
                    % (fmt, img))
        q = v.qmp()
        q.cmd('nbd-server-start', addr={'type': 'unix', 'data': {'path': sock}})
        args = {'type': 'nbd', 'id': 'e0', 'node-name': 'd0', 'writable': writable}
        if name:
            args['name'] = name
        qmp(q, 'block-export-add', args)
        return v, q, sock, 'nbd+unix:///%s?socket=%s' % (name or 'd0', sock)


class RealClients(NbdTest):
    def test_nbdinfo_qemu_img_qemu_io(self):
        data = os.urandom(MIB)
        img = self.image('a.raw', data=data)
        _, q, sock, uri = self.serve(img, name='disk')
        r = run('nbdinfo', uri)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('export-size: 8388608', r.stdout)
        self.assertIn('is_read_only: false', r.stdout)
        self.assertIn('can_flush: true', r.stdout)
        self.assertIn('using structured packets', r.stdout)
        r = run('qemu-nbd', '--list', '-k', sock)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("export: 'disk'", r.stdout)
        self.assertIn('size:  8388608', r.stdout)
        r = run('qemu-img', 'compare', '-f', 'raw', '-F', 'raw', img, uri)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Writes through the export reach the image; zero writes and trims too.
        r = run('qemu-io', '-f', 'raw', '-c', 'write -P 0xa5 1M 64k', '-c',
                'write -z 0 4k', '-c', 'discard 2M 64k', '-c', 'flush', uri)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn('error', r.stdout.lower())
        with open(img, 'rb') as f:
            got = f.read()
        self.assertEqual(got[MIB:MIB + 65536], b'\xa5' * 65536)
        self.assertEqual(got[:4096], b'\0' * 4096)
        self.assertEqual(got[4096:MIB], data[4096:MIB])
        # qemu-img convert copies the whole export out.
        out = self.path('copy.raw')
        r = run('qemu-img', 'convert', '-f', 'raw', '-O', 'raw', uri, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, 'rb') as f:
            self.assertEqual(f.read(), got)

    def test_read_only_export(self):
        img = self.image('ro.raw', data=b'\x11' * 4096)
        _, q, sock, uri = self.serve(img, writable=False)
        r = run('nbdinfo', uri)
        self.assertIn('is_read_only: true', r.stdout)
        # qemu-io refuses to open a read-only export read-write...
        r = run('qemu-io', '-f', 'raw', '-c', 'write -P 0x22 0 4k', uri)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn('Permission denied', r.stderr)
        r = run('qemu-io', '-r', '-f', 'raw', '-c', 'read -P 0x11 0 4k', uri)
        self.assertNotIn('Pattern verification failed', r.stdout)
        self.assertIn('read 4096/4096', r.stdout)
        # ...and a client writing anyway gets EPERM for writes, trims, zeroes.
        c = RawClient(sock)
        size, tflags = c.go('d0')
        self.assertTrue(tflags & 2)
        c.request(1, 0, 512, handle=1, payload=b'\x22' * 512)
        self.assertEqual(c.simple_reply()[:2], (1, 1))
        c.request(4, 0, 512, handle=2)
        self.assertEqual(c.simple_reply()[:2], (1, 2))
        c.request(6, 0, 512, handle=3)
        self.assertEqual(c.simple_reply()[:2], (1, 3))
        with open(img, 'rb') as f:
            self.assertEqual(f.read(4096), b'\x11' * 4096)

    def test_qcow2_node_exported(self):
        need('qemu-img')
        img = self.path('q.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', img, '16M'], check=True)
        subprocess.run(['qemu-io', '-c', 'write -P 0x3c 5M 128k', img], check=True,
                       stdout=subprocess.DEVNULL)
        v, q, sock, uri = self.serve(img, fmt='qcow2')
        r = run('qemu-io', '-f', 'raw', '-c', 'read -P 0x3c 5M 128k', '-c',
                'write -P 0x4d 9M 4k', uri)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn('Pattern verification failed', r.stdout)
        # qemu-io has closed its connection, but the server may not have
        # seen the close yet when the command arrives: retry while in use.
        deadline = time.monotonic() + 10
        while True:
            try:
                q.cmd('block-export-del', id='e0')
                break
            except QmpError as e:
                if 'still in use' not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        q.cmd('blockdev-del', **{'node-name': 'd0'})
        r = run('qemu-io', '-c', 'read -P 0x4d 9M 4k', img)
        self.assertNotIn('Pattern verification failed', r.stdout)
        self.assertEqual(run('qemu-img', 'check', img).returncode, 0)


class BlockStatus(NbdTest):
    def test_base_allocation(self):
        need('qemu-img')
        base = self.path('base.raw')
        with open(base, 'wb') as f:
            f.truncate(16 * MIB)
            f.seek(8 * MIB)
            f.write(b'\x5a' * 65536)
        top = self.path('top.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', top],
                       check=True)
        subprocess.run(['qemu-io', '-c', 'write 1M 64k', '-c', 'write -z 4M 128k', top],
                       check=True, stdout=subprocess.DEVNULL)
        _, q, sock, uri = self.serve(top, fmt='qcow2')
        r = run('nbdinfo', '--map', uri)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = [tuple(int(x) for x in l.split()[:3]) for l in r.stdout.splitlines()]
        self.assertEqual(got, [(0, MIB, 3), (MIB, 65536, 0), (MIB + 65536, 7 * MIB - 65536, 3),
                               (8 * MIB, 65536, 0), (8 * MIB + 65536, 8 * MIB - 65536, 3)])
        # qemu-img sees the same through the export as in the chain itself.
        r = run('qemu-img', 'map', '-f', 'raw', '--output=json', uri)
        data = [(e['start'], e['length']) for e in __import__('json').loads(r.stdout)
                if e['data']]
        self.assertEqual(data, [(MIB, 65536), (8 * MIB, 65536)])
        # Without the context negotiated, block status is refused; REQ_ONE
        # answers one extent.
        c = RawClient(sock)
        c.go('d0', structured=True)
        c.request(7, 0, MIB, handle=1)
        magic, flags, typ, handle, length = struct.unpack('>IHHQI', c.recv(20))
        self.assertEqual((typ, handle), (32769, 1))
        self.assertEqual(struct.unpack('>I', c.recv(length)[:4])[0], 22)
        c = RawClient(sock)
        c.s.sendall(struct.pack('>I', 3))
        c.option(8)
        c.opt_reply()
        q_ = b'base:allocation'
        c.option(10, struct.pack('>I', 2) + b'd0' + struct.pack('>I', 1) +
                 struct.pack('>I', len(q_)) + q_)
        _, typ, payload = c.opt_reply()
        self.assertEqual((typ, payload[4:]), (4, q_))
        ctx = struct.unpack('>I', payload[:4])[0]
        self.assertEqual(c.opt_reply()[1], 1)
        c.option(7, struct.pack('>I', 2) + b'd0' + struct.pack('>H', 0))
        while c.opt_reply()[1] != 1:
            pass
        c.request(7, 0, 9 * MIB, handle=2, flags=8)
        magic, flags, typ, handle, length = struct.unpack('>IHHQI', c.recv(20))
        self.assertEqual((flags, typ, handle, length), (1, 5, 2, 12))
        self.assertEqual(struct.unpack('>III', c.recv(12)), (ctx, MIB, 3))


class TesseraToTessera(NbdTest):
    def test_client_driver_against_server(self):
        data = os.urandom(2 * MIB)
        img = self.image('t.raw', size=32 * MIB, data=data)
        _, q, sock, uri = self.serve(img)
        # A second Tessera opens the export with the nbd driver, creates a
        # qcow2 image inside it and writes through qcow2 -> nbd -> server.
        v2 = self.vm('-blockdev', 'driver=nbd,node-name=n0,server.type=unix,server.path=%s,'
                     'export=d0' % sock)
        q2 = v2.qmp()
        nodes = q2.cmd('query-named-block-nodes')
        n0 = [n for n in nodes if n['node-name'] == 'n0'][0]
        self.assertEqual(n0['image']['virtual-size'], 32 * MIB)
        self.assertEqual(n0['drv'], 'nbd')
        q2.cmd('blockdev-create', **{'job-id': 'c', 'options': {
            'driver': 'qcow2', 'file': 'n0', 'size': 16 * MIB}})
        jobs = q2.cmd('query-jobs')
        self.assertNotIn('error', jobs[0], jobs)
        q2.cmd('blockdev-add', driver='qcow2', **{'node-name': 'q0', 'file': 'n0'})
        q2.cmd('blockdev-del', **{'node-name': 'q0'})
        q2.cmd('blockdev-del', **{'node-name': 'n0'})
        r = run('qemu-img', 'info', '-U', '--output=json', img)
        self.assertIn('"format": "qcow2"', r.stdout)
        self.assertIn('"virtual-size": 16777216', r.stdout)
        self.assertEqual(run('qemu-img', 'check', '-U', img).returncode, 0)

    def test_client_sees_server_going_away(self):
        img = self.image('g.raw')
        v, q, sock, uri = self.serve(img)
        v2 = self.vm('-blockdev', 'driver=nbd,node-name=n0,server.type=unix,server.path=%s,'
                     'export=d0' % sock)
        q2 = v2.qmp()
        q.cmd('nbd-server-stop')
        # The node's next I/O fails cleanly; the client process stays up.
        q2.cmd('blockdev-create', **{'job-id': 'c', 'options': {
            'driver': 'qcow2', 'file': 'n0', 'size': MIB}})
        jobs = q2.cmd('query-jobs')
        self.assertIn('Input/output error', jobs[0].get('error', ''), jobs)
        self.assertIsNone(v2.proc.poll())


class Commands(NbdTest):
    def test_lifecycle_and_errors(self):
        img = self.image('l.raw')
        v = self.vm('-blockdev', 'driver=file,node-name=f0,filename=%s' % img,
                    '-blockdev', 'driver=file,node-name=r0,read-only=on,filename=%s' % img)
        q = v.qmp()
        self.assertEqual(q.cmd('query-block-exports'), [])

        def err(cmd, want, **args):
            with self.assertRaises(QmpError) as cm:
                qmp(q, cmd, {k.replace('_', '-'): v for k, v in args.items()})
            self.assertIn(want, cm.exception.desc)

        err('block-export-add', 'NBD server not running', type='nbd', id='x',
            **{'node-name': 'f0'})
        sock = self.path('s.sock')
        err('nbd-server-start', "'addr.bogus' is unexpected",
            addr={'type': 'unix', 'path': sock, 'bogus': 1})
        err('nbd-server-start', 'not supported', addr={'type': 'vsock', 'cid': '3'})
        err('nbd-server-start', 'TLS is not supported',
            addr={'type': 'unix', 'path': sock}, **{'tls-creds': 't0'})
        q.cmd('nbd-server-start', addr={'type': 'unix', 'path': sock})
        err('nbd-server-start', 'already running', addr={'type': 'unix', 'path': sock})
        err('block-export-add', "Export type 'fuse'", type='fuse', id='x',
            **{'node-name': 'f0'})
        err('block-export-add', 'Cannot find device=nope', type='nbd', id='x',
            **{'node-name': 'nope'})
        err('block-export-add', 'read-only', type='nbd', id='x', writable=True,
            **{'node-name': 'r0'})
        qmp(q, 'block-export-add', {'type': 'nbd', 'id': 'e1', 'name': 'one',
                                    'node-name': 'f0'})
        err('block-export-add', "already in use", type='nbd', id='e1', **{'node-name': 'r0'})
        with self.assertRaises(QmpError) as cm:
            qmp(q, 'block-export-add', {'type': 'nbd', 'id': 'e2', 'name': 'one',
                                        'node-name': 'r0'})
        self.assertIn("already has export named 'one'", cm.exception.desc)
        qmp(q, 'nbd-server-add', {'device': 'r0', 'name': 'two'})
        self.assertEqual(sorted(e['id'] for e in q.cmd('query-block-exports')), ['e1', 'two'])
        # The node is in use while exported.
        err('blockdev-del', 'busy', **{'node-name': 'f0'})
        # safe removal refuses while a client is connected; hard drops it.
        c = RawClient(sock)
        c.go('one')
        err('block-export-del', 'still in use', id='e1')
        q.cmd('block-export-del', id='e1', mode='hard')
        self.assertEqual(q.wait_event('BLOCK_EXPORT_DELETED')['data']['id'], 'e1')
        self.assertTrue(c.closed_by_server())
        qmp(q, 'nbd-server-remove', {'name': 'two'})
        q.wait_event('BLOCK_EXPORT_DELETED')
        err('block-export-del', "Export 'two' is not found", id='two')
        q.cmd('blockdev-del', **{'node-name': 'f0'})
        q.cmd('nbd-server-stop')
        self.assertFalse(os.path.exists(sock))
        err('nbd-server-stop', 'not running')

    def test_inet(self):
        need('nbdinfo')
        img = self.image('i.raw')
        v = self.vm('-blockdev', 'driver=file,node-name=f0,filename=%s' % img)
        q = v.qmp()
        s = socket.socket()
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
        s.close()
        q.cmd('nbd-server-start', addr={'type': 'inet', 'data': {'host': '127.0.0.1',
                                                                  'port': str(port)}})
        q.cmd('block-export-add', type='nbd', id='e0', **{'node-name': 'f0'})
        r = run('nbdinfo', '--list', 'nbd://127.0.0.1:%d' % port)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('export="f0"', r.stdout)


class HostileClients(NbdTest):
    def test_bad_clients_do_not_hurt(self):
        img = self.image('h.raw', data=b'\x77' * 8192)
        v, q, sock, uri = self.serve(img)

        def still_serving():
            r = run('nbdinfo', '--size', uri)
            self.assertEqual(r.stdout.strip(), str(8 * MIB), r.stderr)
            self.assertIsNone(v.proc.poll())

        # Wrong client flags, wrong option magic, an option too long.
        c = RawClient(sock)
        c.s.sendall(struct.pack('>I', 0xffff0000))
        self.assertTrue(c.closed_by_server())
        c = RawClient(sock)
        c.s.sendall(struct.pack('>I', 1) + b'NOTMAGIC' + b'\0' * 8)
        self.assertTrue(c.closed_by_server())
        c = RawClient(sock)
        c.s.sendall(struct.pack('>I', 1))
        c.option(7, b'')  # GO with no data: an error reply, not a crash
        self.assertEqual(c.opt_reply()[1], 0x80000003)
        c.s.sendall(struct.pack('>QII', OPTS_MAGIC, 7, 0xfffffff0))
        self.assertTrue(c.closed_by_server())
        # GO with a name length past the data, and an unknown export.
        c = RawClient(sock)
        c.s.sendall(struct.pack('>I', 1))
        c.option(7, struct.pack('>I', 1000) + b'ab' + b'\0\0')
        self.assertEqual(c.opt_reply()[1], 0x80000003)
        c.option(7, struct.pack('>I', 4) + b'nope' + b'\0\0')
        self.assertEqual(c.opt_reply()[1], 0x80000006)
        c.option(99)
        self.assertEqual(c.opt_reply()[1], 0x80000001)
        c.option(2)  # ABORT: acknowledged, then closed
        self.assertEqual(c.opt_reply()[1], 1)
        self.assertTrue(c.closed_by_server())
        # Transmission: out of range, oversized, unknown command and flags.
        c = RawClient(sock)
        size, flags = c.go('d0')
        self.assertEqual(size, 8 * MIB)
        c.request(0, 8 * MIB - 512, 4096, handle=7)
        self.assertEqual(c.simple_reply()[:2], (22, 7))
        c.request(0, 0, 64 * MIB, handle=8)
        self.assertEqual(c.simple_reply()[:2], (75, 8))
        c.request(42, 0, 0, handle=9)
        self.assertEqual(c.simple_reply()[:2], (22, 9))
        c.request(0, 0, 512, handle=10, flags=0x80)
        self.assertEqual(c.simple_reply()[:2], (22, 10))
        c.request(1, 2 ** 64 - 512, 1024, handle=11, payload=b'\1' * 1024)
        self.assertEqual(c.simple_reply()[:2], (22, 11))
        c.request(0, 0, 4096, handle=12)
        err, handle, data = c.simple_reply(4096)
        self.assertEqual((err, handle, data), (0, 12, b'\x77' * 4096))
        # A write announcing more than the limit: the server hangs up.
        c.request(1, 0, 0x7fffffff, handle=13)
        self.assertTrue(c.closed_by_server())
        # Bad request magic.
        c = RawClient(sock)
        c.go('d0')
        c.s.sendall(b'\xde\xad\xbe\xef' + b'\0' * 24)
        self.assertTrue(c.closed_by_server())
        # Abrupt disconnects: mid-handshake, mid-request, with reads in flight.
        for cut in (3, 20):
            c = RawClient(sock)
            c.s.sendall((struct.pack('>I', 1) + struct.pack('>QII', OPTS_MAGIC, 7, 10))[:cut])
            c.s.close()
        c = RawClient(sock)
        c.go('d0')
        c.s.sendall(struct.pack('>IHHQQI', REQ_MAGIC, 0, 1, 1, 0, 65536) + b'x' * 100)
        c.s.close()
        c = RawClient(sock)
        c.go('d0', structured=True)
        for i in range(64):
            c.request(0, i * 65536, 65536, handle=i)
        c.s.close()
        # A client that never reads its replies does not block others.
        slow = RawClient(sock)
        slow.go('d0')
        slow.s.setblocking(False)
        sent = 0
        try:
            for i in range(4096):
                slow.request(0, 0, MIB, handle=i)
                sent += 1
        except BlockingIOError:
            pass  # the server stopped reading: bounded work per client
        self.assertLess(sent, 4096)
        still_serving()
        slow.s.close()
        # Structured replies: data chunk and error chunk.
        c = RawClient(sock)
        c.go('d0', structured=True)
        c.request(0, 0, 512, handle=5)
        magic, flags, typ, handle, length = struct.unpack('>IHHQI', c.recv(20))
        self.assertEqual((magic, flags, typ, handle, length), (STRUCT_MAGIC, 1, 1, 5, 520))
        self.assertEqual(c.recv(length)[8:], b'\x77' * 512)
        c.request(0, 16 * MIB, 512, handle=6)
        magic, flags, typ, handle, length = struct.unpack('>IHHQI', c.recv(20))
        self.assertEqual((flags, typ, handle), (1, 32769, 6))
        self.assertEqual(struct.unpack('>I', c.recv(length)[:4])[0], 22)
        still_serving()
        q.cmd('nbd-server-stop')
        self.assertIsNone(v.proc.poll())


if __name__ == '__main__':
    tt.main('nbd')
