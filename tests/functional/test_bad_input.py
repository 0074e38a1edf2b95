#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Bad input never crashes Tessera (issue 17): one regression test per class of fault
found, each driving the real binary the way an attacker or a careless script would.
Every refusal must be a clear one-line error naming what the user wrote."""
import json
import os
import signal
import socket
import stat
import subprocess
import tempfile
import time
import unittest

import qmp_client as qc
import tessera_test as tt

RV = 'tessera-system-riscv64'
BAD = b'\xff\xfe'                       # never valid UTF-8
BADS = os.fsdecode(BAD)                 # the same bytes as a Python argv string


class Result:
    def __init__(self, p):
        self.returncode = p.returncode
        self.stdout = p.stdout.decode(errors='replace')
        self.stderr = p.stderr.decode(errors='replace')


def run(args, timeout=20, link=RV):
    """Like tt.run, but argv and output may hold bytes that are not UTF-8."""
    env = dict(os.environ)
    env.pop('TESSERA_MODULE_DIR', None)
    return Result(subprocess.run([tt.tessera_path(link)] + [os.fsencode(a) for a in args],
                                 env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, timeout=timeout))


class Refusal(unittest.TestCase):
    """Helpers: a start-up that must fail with one clear line, not a signal."""

    def assertRefused(self, args, *fragments, link=RV):
        r = run(args, link=link)
        self.assertGreater(r.returncode, 0, 'accepted (or killed by a signal %s): %r\n%s'
                           % (r.returncode, args, r.stderr))
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, 'expected one error line, got:\n%s' % r.stderr)
        for f in fragments:
            self.assertIn(f, lines[0])
        return lines[0]


class NonUtf8Strings(Refusal):
    """Class 2: string properties holding bytes that are not UTF-8."""

    def test_append_keeps_the_bytes(self):
        with tempfile.TemporaryDirectory() as d:
            dtb = os.path.join(d, 'virt.dtb')
            r = run(['-M', 'virt,dumpdtb=' + dtb, '-display', 'none',
                     '-append', 'console=ttyS0 ' + BADS])
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(dtb, 'rb') as f:
                blob = f.read()
            self.assertIn(b'console=ttyS0 ' + BAD + b'\0', blob)

    def test_dumpdtb_to_a_non_utf8_name(self):
        with tempfile.TemporaryDirectory() as d:
            name = os.path.join(os.fsencode(d), b'tree' + BAD + b'.dtb')
            r = run(['-M', 'virt,dumpdtb=' + os.fsdecode(name), '-display', 'none'])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(name))

    def test_kernel_global_and_chardev_names(self):
        self.assertRefused(['-M', 'virt', '-display', 'none', '-kernel', '/nonexistent/' + BADS],
                           '-kernel')
        self.assertRefused(['-M', 'virt', '-display', 'none', '-device',
                            'ns16550a,chardev=' + BADS], 'not found')
        self.assertRefused(['-M', 'virt', '-display', 'none', '-global',
                            'ns16550a.chardev=' + BADS], 'not found')


class HmpNonUtf8(unittest.TestCase):
    """Class 3: HMP qom-set with bytes that are not UTF-8."""

    def test_qom_set_string_and_enum(self):
        with qc.Vm(['-M', 'none', '-object', 'test-object,id=o'], hmp=True,
                   test_modules=True) as vm:
            h = vm.hmp()
            h.send_raw(b'qom-set /objects/o label ab' + BAD + b'\r')
            out = h.read_until_prompt()
            self.assertNotIn('Error', out)
            self.assertIn('"ab\\ufffd\\ufffd"', h.run('qom-get /objects/o label'))
            h.send_raw(b'qom-set /objects/o nosuch ' + BAD + b'\r')
            self.assertIn("Property 'nosuch' not found", h.read_until_prompt())
            h.send_raw(b'qom-set /objects/o size ' + BAD + b'\r')
            self.assertIn("Property 'size' expects size", h.read_until_prompt())
            # the monitor still answers
            self.assertIn('"ab', h.run('qom-get /objects/o label'))
            self.assertIsNone(vm.proc.poll())


class UserIds(Refusal):
    """Class 4 and 12: ids follow one rule (a letter, then letters, digits, '-', '.', '_')."""

    def test_device_ids(self):
        for bad in ['', 'a/b', '1abc', '.', '-x', 'a b', BADS]:
            line = self.assertRefused(['-M', 'virt', '-display', 'none',
                                       '-device', 'goldfish-rtc,id=' + bad], '-device')
            self.assertRegex(line, 'invalid id|empty id')
        with tempfile.TemporaryDirectory() as d:
            r = run(['-M', 'virt,dumpdtb=' + os.path.join(d, 'x.dtb'), '-display', 'none',
                     '-device', 'goldfish-rtc,id=Ok.1-a_b'])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_object_and_chardev_ids(self):
        self.assertRefused(['-M', 'none', '-object', 'container,id=a/b'], 'invalid id')
        self.assertRefused(['-M', 'none', '-chardev', 'null,id=1abc'], "invalid id '1abc'")

    def test_object_add_bad_id_and_internal_types(self):
        with qc.Vm(['-M', 'none'], test_modules=True) as vm:
            q = vm.qmp()
            for bad in ['', 'a/b', '1abc', '.']:
                r = q.execute('object-add', {'qom-type': 'test-object', 'id': bad})
                self.assertIn('error', r, bad)
            for internal in ['container', 'chardev-mux']:
                r = q.execute('object-add', {'qom-type': internal, 'id': 'x'})
                self.assertIn('not a user-creatable', r['error']['desc'])
            # nothing was left behind (nor freed while still in use)
            self.assertRaises(qc.QmpError, q.cmd, 'qom-list', path='/objects')
            q.cmd('object-add', qom_type='test-object', id='good')
            names = [p['name'] for p in q.cmd('qom-list', path='/objects')]
            self.assertIn('good', names)


class SerialPorts(Refusal):
    """Class 5: more -serial options than ports."""

    def test_fifth_serial(self):
        self.assertRefused(['-M', 'virt', '-display', 'none'] + ['-serial', 'null'] * 5,
                           '-serial null', 'too many serial ports')


class Fifo(Refusal):
    """Classes 6 and 9: endless files and FIFOs given as files."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.fifo = os.path.join(self.dir, 'fifo')
        os.mkfifo(self.fifo)

    def tearDown(self):
        os.unlink(self.fifo)
        os.rmdir(self.dir)

    def test_read_options_refuse_fifos_and_devices(self):
        for opt in ['-kernel', '-bios', '-dtb', '-initrd']:
            args = ['-M', 'virt', '-display', 'none', opt, self.fifo]
            if opt in ('-dtb', '-initrd'):
                args += ['-kernel', '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin']
            self.assertRefused(args, 'not a regular file')
        self.assertRefused(['-M', 'virt', '-display', 'none', '-dtb', '/dev/zero', '-kernel',
                            '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin'],
                           '/dev/zero', 'not a regular file')

    def test_write_options_refuse_a_fifo_nobody_reads(self):
        for args in (['-D', self.fifo], ['-serial', 'file:' + self.fifo],
                     ['-chardev', 'file,id=f,path=' + self.fifo]):
            self.assertRefused(['-M', 'none'] + args, 'nobody is reading')


class QmpIntegers(unittest.TestCase):
    """Class 7: integers outside int64, and uint64 values above INT64_MAX."""

    def test_ranges(self):
        with qc.Vm(['-M', 'none'], test_modules=True) as vm:
            q = vm.qmp()
            q.cmd('object-add', qom_type='test-object', id='o')
            path = '/objects/o'
            top = 18446744073709551615
            q.send_raw('{"execute": "qom-set", "arguments": {"path": "%s", "property": "size",'
                       ' "value": %d}}' % (path, top))
            self.assertEqual(q.reply(), {'return': {}})
            self.assertEqual(q.cmd('qom-get', path=path, property='size'), top)
            for text in ['18446744073709551616', '-9223372036854775809',
                         '99999999999999999999999']:
                q.send_raw('{"execute": "qom-set", "arguments": {"path": "%s", "property":'
                           ' "size", "value": %s}}' % (path, text))
                r = q.reply()
                self.assertIn('integer %s is out of range' % text, r['error']['desc'])
            self.assertEqual(q.cmd('qom-get', path=path, property='size'), top)
            q.send_raw('{"execute": "qom-set", "arguments": {"path": "%s", "property": "size",'
                       ' "value": -1}}' % path)
            self.assertIn('out of range', q.reply()['error']['desc'])
            # an int64 parameter refuses a uint64-only value
            q.send_raw('{"execute": "query-cpus-fast", "arguments": {}, "id": 9223372036854775808}')
            self.assertEqual(q.reply()['id'], 9223372036854775808)


class SocketPort(Refusal):
    """Class 8: TCP ports outside 0..65535."""

    def test_ports(self):
        for port in ['65537', '-1', '99999999999999999999', '1e3']:
            self.assertRefused(['-M', 'none', '-chardev',
                                'socket,id=s,host=127.0.0.1,port=%s,server=on,wait=off' % port],
                               "for 'port' (expected 0 to 65535)")
        self.assertRefused(['-M', 'none', '-serial', 'tcp:127.0.0.1:65537,server=on,wait=off'],
                           "invalid port '65537'")


class SlowQmpClient(unittest.TestCase):
    """Class 10: a client that reads slowly gets every reply, intact and in order."""

    def test_every_reply_arrives(self):
        n = 1500
        with qc.Vm(['-M', 'none']) as vm:
            c = vm.qmp()
            sock = c.sock
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            reqs = b''.join(b'{"execute": "query-commands", "id": %d}\n' % i for i in range(n))
            sock.setblocking(False)
            sent, buf = 0, c.buf
            deadline = time.time() + 120
            while buf.count(b'\n') < n:
                self.assertLess(time.time(), deadline, 'replies stopped after %d'
                                % buf.count(b'\n'))
                if sent < len(reqs):
                    try:
                        sent += sock.send(reqs[sent:sent + 65536])
                    except BlockingIOError:
                        pass
                time.sleep(0.002)           # a slow reader: small reads, with pauses
                try:
                    chunk = sock.recv(2048)
                    self.assertTrue(chunk, 'connection closed')
                    buf += chunk
                except BlockingIOError:
                    pass
            ids = [json.loads(l)['id'] for l in buf.split(b'\r\n') if l.strip()]
            self.assertEqual(ids, list(range(n)))
            self.assertIsNone(vm.proc.poll())


class DumpdtbThroughThePath(unittest.TestCase):
    """Class 11: dumpdtb= writes through the name as given, never replacing it."""

    def test_symlink_and_device_kept(self):
        with tempfile.TemporaryDirectory() as d:
            target = os.path.join(d, 'target.dtb')
            link = os.path.join(d, 'link.dtb')
            os.symlink(target, link)
            r = run(['-M', 'virt,dumpdtb=' + link, '-display', 'none'])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.islink(link))
            self.assertGreater(os.path.getsize(target), 0)
            # A private null device: a build with the bug must not replace /dev/null.
            dev = os.path.join(d, 'null')
            if os.geteuid() == 0:
                os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            else:
                dev = '/dev/null'           # a user cannot replace it anyway
            r = run(['-M', 'virt,dumpdtb=' + dev, '-display', 'none'])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(stat.S_ISCHR(os.stat(dev).st_mode))

    def test_fifo_with_a_reader_gets_the_blob(self):
        with tempfile.TemporaryDirectory() as d:
            fifo = os.path.join(d, 'fifo')
            os.mkfifo(fifo)
            reader = subprocess.Popen(['cat', fifo], stdout=subprocess.PIPE)
            time.sleep(0.2)                 # cat opens the FIFO; no timing is asserted
            r = run(['-M', 'virt,dumpdtb=' + fifo, '-display', 'none'])
            out = reader.communicate(timeout=20)[0]
            if r.returncode:
                self.assertIn('nobody is reading', r.stderr)  # cat was not there yet
            else:
                self.assertEqual(out[:4], b'\xd0\x0d\xfe\xed')
            self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))


class IgnoredOptions(Refusal):
    """Class 12: options accepted and silently ignored or contradicted."""

    def test_smp(self):
        self.assertRefused(['-M', 'virt', '-smp', '2,maxcpus=1'], '-smp 2,maxcpus=1',
                           'maxcpus must be equal to or greater than smp')
        self.assertRefused(['-M', 'virt', '-smp', 'cpus=2,sockets=3'],
                           'product of the hierarchy must match maxcpus')
        self.assertRefused(['-M', 'virt', '-smp', '2,bogus=1'], "Invalid parameter 'bogus'")
        self.assertRefused(['-M', 'virt', '-smp', '2,maxcpus=4'], 'CPU hotplug is not supported')
        with qc.Vm(['-M', 'virt', '-display', 'none', '-S', '-smp',
                    'sockets=1,cores=2,threads=2']) as vm:
            self.assertEqual(len(vm.qmp().cmd('query-cpus-fast')), 4)

    def test_memory(self):
        self.assertRefused(['-M', 'virt', '-m', '64,foo=bar'], '-m 64,foo=bar',
                           "Invalid parameter 'foo'")
        self.assertRefused(['-M', 'virt', '-m', '64,maxmem=1G'], 'memory hotplug')
        with qc.Vm(['-M', 'virt', '-display', 'none', '-S', '-m', '1.0000001G']) as vm:
            size = vm.qmp().cmd('qom-get', path='/machine', property='memory-size')
            self.assertEqual(size % 8192, 0)
            self.assertGreaterEqual(size, 1073741931)
            self.assertLess(size, 1073741931 + 8192)

    def test_machine_type_twice(self):
        self.assertRefused(['-M', 'virt,type=spike'], "'virt'", "'spike'")

    def test_global_on_board_device(self):
        # applies where the board leaves the property alone ...
        with qc.Vm(['-M', 'virt', '-display', 'none', '-S', '-global',
                    'rv64-riscv-cpu.zbc=off']) as vm:
            q = vm.qmp()
            cpu = q.cmd('query-cpus-fast')[0]['qom-path']
            self.assertFalse(q.cmd('qom-get', path=cpu, property='zbc'))
        # ... and is refused, naming it, where the board sets the property itself
        self.assertRefused(['-M', 'virt', '-display', 'none', '-global',
                            'riscv-plic.num-sources=50'],
                           '-global riscv-plic.num-sources=50', 'num-sources')

    def test_qom_set_on_a_running_machine(self):
        with qc.Vm(['-M', 'virt', '-display', 'none', '-S']) as vm:
            q = vm.qmp()
            for path, prop, value in [('/machine', 'memory-size', 4096),
                                      ('/machine', 'kernel', '/x'),
                                      ('/machine', 'firmware', '/x'),
                                      ('/machine/accel', 'tb-size', 4)]:
                before = q.cmd('qom-get', path=path, property=prop)
                r = q.execute('qom-set', {'path': path, 'property': prop, 'value': value})
                self.assertIn('cannot change once the machine is built', r['error']['desc'])
                self.assertEqual(q.cmd('qom-get', path=path, property=prop), before)


class StuckLog(unittest.TestCase):
    """Class 13: -d logging into a pipe nobody drains never wedges vCPUs or the monitor."""

    def test_monitor_answers(self):
        # Vm's stderr is a pipe this test does not read until the end.
        with qc.Vm(['-M', 'virt', '-display', 'none', '-d', 'in_asm,exec,int']) as vm:
            q = vm.qmp()
            err = vm.proc.stderr.fileno()
            deadline = time.time() + 60
            while not _pipe_full(err):
                self.assertLess(time.time(), deadline, 'the log never filled the pipe')
                time.sleep(0.05)
            for _ in range(3):
                q.cmd('stop')
                self.assertEqual(q.cmd('query-status')['status'], 'paused')
                q.cmd('cont')
                self.assertEqual(q.cmd('query-status')['status'], 'running')
            q.cmd('quit')
            self.assertEqual(vm.wait_exit(), 0)


def _pipe_full(fd):
    """More than 60000 bytes wait in the pipe (Linux pipes hold 64 KiB)."""
    import fcntl
    import termios
    n = fcntl.ioctl(fd, termios.FIONREAD, b'\0\0\0\0')
    return int.from_bytes(n, 'little') >= 60000


def _rv(*words):
    return b''.join(w.to_bytes(4, 'little') for w in words)


def _csr(csr, rs1, funct3, rd):
    return (csr << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x73


# M-mode at 0x80000000: a trap handler that skips the faulting instruction, then a write
# to read-only mhartid (guest error) and a read of CSR 0x8ff (not implemented).
CSR_PROGRAM = _rv(
    (5 << 7) | 0x17,                          # 00 auipc t0, 0
    (0x20 << 20) | (5 << 15) | (5 << 7) | 0x13,  # 04 addi t0, t0, 0x20
    _csr(0x305, 5, 1, 0),                     # 08 csrw mtvec, t0
    _csr(0xf14, 0, 1, 0),                     # 0c csrw mhartid, zero
    _csr(0x8ff, 0, 2, 10),                    # 10 csrr a0, 0x8ff
    0x0000006f,                               # 14 j .
    0x00000013, 0x00000013,                   # 18 nop; nop
    _csr(0x341, 0, 2, 6),                     # 20 csrr t1, mepc
    (4 << 20) | (6 << 15) | (6 << 7) | 0x13,  # 24 addi t1, t1, 4
    _csr(0x341, 6, 1, 0),                     # 28 csrw mepc, t1
    0x30200073,                               # 2c mret
)


class IllegalCsrLogged(unittest.TestCase):
    """Also: an illegal CSR access is logged under -d guest_errors / -d unimp."""

    def test_logged(self):
        with tempfile.TemporaryDirectory() as d:
            bios = os.path.join(d, 'csr.bin')
            log = os.path.join(d, 'log.txt')
            with open(bios, 'wb') as f:
                f.write(CSR_PROGRAM)
            with qc.Vm(['-M', 'virt', '-display', 'none', '-bios', bios,
                        '-d', 'guest_errors,unimp', '-D', log]) as vm:
                def both():
                    if not os.path.exists(log):
                        return False
                    with open(log) as f:
                        text = f.read()
                    return 'mhartid' in text and '0x8ff' in text
                qc.wait_for(both, timeout=30, what='both CSR log lines')
            with open(log) as f:
                text = f.read()
            self.assertRegex(text, r'illegal write of CSR mhartid \(0xf14\) at pc '
                                   r'0x0*8000000c in M-mode: it is read-only')
            self.assertRegex(text, r'read of CSR 0x8ff at pc 0x0*80000010: not implemented')


if __name__ == '__main__':
    tt.main('bad_input')
