#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The gdbstub from the outside: Debian's gdb-multiarch in batch mode against
bare-metal programs with symbols (tests/guest/gdb/), and a raw socket client
for what gdb never sends (bad packets, disconnects, a second client).

Needs gdb-multiarch, riscv64-unknown-elf-gcc and binutils (scripts/setup.sh).
"""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import tessera_test as tt

HERE = os.path.dirname(os.path.abspath(__file__))
GUEST = os.path.join(tt.ROOT, 'tests', 'guest')
CFLAGS = ['-march=rv64gc_zicsr_zifencei', '-mabi=lp64d', '-mcmodel=medany', '-O0', '-g',
          '-ffreestanding', '-fno-builtin', '-nostdlib', '-nostartfiles', '-Wall', '-Werror',
          '-I' + GUEST, '-T', os.path.join(GUEST, 'common', 'link.ld'),
          '-Wl,--no-warn-rwx-segments']
GDB = 'gdb-multiarch'
CC = 'riscv64-unknown-elf-gcc'
OBJDUMP = 'riscv64-unknown-elf-objdump'


def need(tool, package):
    if not shutil.which(tool):
        raise AssertionError('%s is missing: install Debian package %s (scripts/setup.sh)'
                             % (tool, package))


def build_guest(name, sources):
    need(CC, 'gcc-riscv64-unknown-elf')
    out = os.path.join(tt.build_dir(), 'guest-gdb')
    os.makedirs(out, exist_ok=True)
    elf = os.path.join(out, name + '.elf')
    srcs = [os.path.join(GUEST, s) for s in sources]
    deps = srcs + [os.path.join(GUEST, 'common', f) for f in ('link.ld', 'test.h')]
    if not os.path.exists(elf) or os.path.getmtime(elf) < max(map(os.path.getmtime, deps)):
        subprocess.run([CC] + CFLAGS + ['-o', elf] + srcs, check=True)
    return elf


def debugee():
    return build_guest('debugee', ['common/crt.S', 'common/lib.c', 'gdb/debugee.c'])


def spin():
    return build_guest('spin', ['gdb/spin.S'])


def irqspin():
    return build_guest('irqspin', ['gdb/irqspin.S'])


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_busy(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(('127.0.0.1', port))
        return False
    except OSError:
        return True
    finally:
        s.close()


class Vm:
    """tessera with a gdbstub; stdout+stderr collected in a file."""

    def __init__(self, args):
        self.log = tempfile.NamedTemporaryFile(prefix='tessera-gdb-', suffix='.log')
        self.proc = subprocess.Popen([tt.tessera_path('tessera-system-riscv64')] + args,
                                     stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def output(self):
        with open(self.log.name, 'rb') as f:
            return f.read().decode(errors='replace')

    def wait(self, timeout=30):
        return self.proc.wait(timeout)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def connect(addr, timeout=10):
    deadline = time.time() + timeout
    while True:
        try:
            if isinstance(addr, str):
                s = socket.socket(socket.AF_UNIX)
            else:
                s = socket.socket()
            s.connect(addr)
            s.settimeout(10)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                raise AssertionError('cannot connect to the gdbstub at %r' % (addr,))
            time.sleep(0.05)


def gdb_batch(elf, target, commands, timeout=60):
    need(GDB, 'gdb-multiarch')
    script = ['set pagination off', 'set confirm off', 'set width 0',
              'target remote ' + target] + commands
    with tempfile.NamedTemporaryFile('w', suffix='.gdb') as f:
        f.write('\n'.join(script) + '\n')
        f.flush()
        r = subprocess.run([GDB, '-nx', '-batch', '-x', f.name] + ([elf] if elf else []),
                           stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return r.stdout


def hmp(path, command):
    """One HMP command over a fresh connection to the monitor socket."""
    s = connect(path)
    try:
        got = b''
        while not got.endswith(b'(tessera) '):
            got += s.recv(4096)
        s.sendall(command.encode() + b'\n')
        got = b''
        while not got.endswith(b'(tessera) '):
            data = s.recv(4096)
            if not data:
                break
            got += data
        return got.decode(errors='replace')
    finally:
        s.close()


def checksum(payload):
    return '%02x' % (sum(payload.encode('latin-1')) & 0xff)


def packet(payload):
    return ('$%s#%s' % (payload, checksum(payload))).encode('latin-1')


packet_bytes = packet


class RawClient:
    """Speaks the remote protocol byte by byte (acks on)."""

    def __init__(self, addr):
        self.sock = connect(addr)
        self.buf = b''

    def recv_until(self, pred, timeout=10):
        deadline = time.time() + timeout
        while True:
            r = pred(self.buf)
            if r is not None:
                return r
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise AssertionError('no reply; got %r' % self.buf[-300:])
            if not data:
                raise AssertionError('connection closed; got %r' % self.buf[-300:])
            self.buf += data

    def reply(self):
        """The next packet's payload (skipping acks), checksum verified."""
        def take(buf):
            m = re.search(rb'\$([^#]*)#([0-9a-f]{2})', buf)
            if not m:
                return None
            self.buf = buf[m.end():]
            payload = m.group(1).decode('latin-1')
            assert checksum(payload) == m.group(2).decode(), 'bad checksum from the stub'
            return payload
        return self.recv_until(take)

    def ack(self):
        """The next '+' or '-'."""
        def take(buf):
            m = re.search(rb'[+-]', buf)
            if not m:
                return None
            self.buf = buf[m.end():]
            return m.group(0).decode()
        return self.recv_until(take)

    def cmd(self, payload):
        self.sock.sendall(packet(payload))
        self.sock.sendall(b'+')
        assert self.ack() == '+'
        return self.reply()

    def close(self):
        self.sock.close()


def objdump_insns(elf, start, count):
    need(OBJDUMP, 'binutils-riscv64-unknown-elf')
    out = subprocess.run([OBJDUMP, '-d', '--start-address=0x%x' % start,
                          '--stop-address=0x%x' % (start + 4 * count), elf],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    insns = []
    for line in out.splitlines():
        m = re.match(r'\s*([0-9a-f]+):\s+([0-9a-f]+)\s+(\S+)', line)
        if m:
            insns.append((int(m.group(1), 16), len(m.group(2)) // 2, m.group(3),
                          int(m.group(2), 16)))
    return insns[:count]


class BareMetal(unittest.TestCase):
    """Acceptance line 1: a bare-metal ELF with symbols under -s -S."""

    def session(self, extra):
        elf = debugee()
        if port_busy(1234):
            # Another program holds gdb's usual port: -s cannot work here.
            raise AssertionError('port 1234 is in use on this host; -s needs it')
        vm = Vm(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic', '-s', '-S'] + extra)
        try:
            out = gdb_batch(elf, ':1234', [
                'break main',
                'continue',
                'echo <regs>\\n', 'info registers', 'echo </regs>\\n',
                'echo <all>\\n', 'info all-registers', 'echo </all>\\n',
                'printf "pc-before=%lx\\n", $pc',
                'stepi',
                'printf "pc-after=%lx\\n", $pc',
                'echo <x4i>\\n', 'x/4i $pc', 'echo </x4i>\\n',
                'watch global_counter',
                'continue',
                'delete',
                'hbreak report',
                'continue',
                'set var answer = 42',
                'rwatch answer',
                'continue',
                'delete',
                'finish',
                'monitor info registers',
                'detach',
            ])
            self.assertEqual(vm.wait(30), 0, out + vm.output())
            console = vm.output()
        finally:
            vm.close()
        return elf, out, console

    def check_session(self, elf, out, console):
        self.longMessage = False
        try:
            self.check_output(elf, out, console)
        except AssertionError as e:
            raise AssertionError('%s\n--- gdb output (end) ---\n%s' % (str(e)[:500], out[-1500:]))

    def check_output(self, elf, out, console):
        self.assertRegex(out, r'Breakpoint 1, main \(\) at .*debugee\.c')
        regs = out.split('<regs>')[1].split('</regs>')[0]
        for r in ('ra', 'sp', 'pc', 'a0'):
            self.assertRegex(regs, r'(?m)^%s\s+0x' % r)
        allregs = out.split('<all>')[1].split('</all>')[0]
        for r in ('pc', 'sp', 'ft0', 'fa0', 'fcsr', 'mstatus', 'mcause', 'mtvec', 'misa', 'priv'):
            self.assertRegex(allregs, r'(?m)^%s\s+' % r, 'missing %s in info all-registers' % r)
        self.assertRegex(allregs, r'(?m)^priv\s+0x3\b')
        # stepi: exactly one instruction, as long as objdump says it is.
        before = int(re.search(r'pc-before=([0-9a-f]+)', out).group(1), 16)
        after = int(re.search(r'pc-after=([0-9a-f]+)', out).group(1), 16)
        first = objdump_insns(elf, before, 1)[0]
        self.assertEqual(first[0], before)
        self.assertEqual(after, before + first[1], 'stepi did not advance by one instruction')
        # x/4i $pc: the same addresses and mnemonics as objdump.
        x4 = out.split('<x4i>')[1].split('</x4i>')[0]
        got = [(int(a, 16), m) for a, m in
               re.findall(r'(?m)^(?:=>)?\s+0x([0-9a-f]+)(?: <[^>]*>)?:\s+(\S+)', x4)]
        want = [(a, m) for a, _, m, _ in objdump_insns(elf, after, 4)]
        self.assertEqual(got, want)
        # The watchpoint stops on the write with both values.
        self.assertRegex(out, r'Hardware watchpoint 2: global_counter\s+Old value = 0\s+'
                              r'New value = 13')
        self.assertRegex(out, r'Breakpoint 3, report \(\)')
        # A read watchpoint reports the value the program reads.
        self.assertRegex(out, r'Hardware read watchpoint 4: answer\s+Value = 42')
        # finish: back in main after the call to report().
        self.assertRegex(out, r'Value = 42\n.*report \(\) at .*debugee\.c:26\n.*\n+'
                              r'main \(\) at .*debugee\.c:35')
        self.assertRegex(out, r'x10/a0')          # monitor info registers through HMP
        self.assertIn('Inferior 1 (Remote target) detached', out)
        # The program saw the new value and ran to its end after detach.
        self.assertIn('answer is 42', console)
        self.assertIn('0x0000000000000010', console)

    def test_session_default_backend(self):
        self.check_session(*self.session([]))

    def test_session_interp_backend(self):
        self.check_session(*self.session(['-accel', 'tcg,backend=interp']))


class Smp(unittest.TestCase):
    """-smp 4: one thread per hart, Ctrl-C stops all of them, continue resumes."""

    def test_threads_interrupt_continue(self):
        elf = spin()
        port = free_port()
        vm = Vm(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic', '-smp', '4',
                 '-gdb', 'tcp::%d' % port, '-S'])
        ctrl_c = ('python import threading, os, signal; threading.Timer(0.5, '
                  'lambda: os.kill(os.getpid(), signal.SIGINT)).start()')
        try:
            out = gdb_batch(elf, ':%d' % port, [
                ctrl_c, 'continue',
                'echo <threads>\\n', 'info threads', 'echo </threads>\\n',
                'thread 3', 'info registers a0', 'printf "hart=%d\\n", $mhartid',
                'printf "s0=%lx\\n", $pc', 'stepi', 'printf "s1=%lx\\n", $pc',
                'info threads',
                'printf "c1=%d\\n", ((long *)&counters)[2]',
                ctrl_c, 'continue',
                'printf "c2=%d\\n", ((long *)&counters)[2]',
                'kill',
            ])
            vm.wait(30)
        finally:
            vm.close()
        threads = out.split('<threads>')[1].split('</threads>')[0]
        self.assertEqual(len(re.findall(r'Thread \d+ \(CPU#\d', threads)), 4, out)
        self.assertIn('received signal SIGINT', out)
        self.assertRegex(out, r'Switching to thread 3')
        self.assertRegex(out, r'(?m)^a0\s+0x2\b')
        self.assertIn('hart=2', out)
        # stepi in thread 3 moves that hart by exactly one instruction of the loop.
        s0 = int(re.search(r's0=([0-9a-f]+)', out).group(1), 16)
        s1 = int(re.search(r's1=([0-9a-f]+)', out).group(1), 16)
        loop = {a: a + n for a, n, _, _ in objdump_insns(elf, 0x80000014, 3)}
        loop[0x8000001a] = 0x80000014            # the j back to spin_loop
        self.assertEqual(s1, loop[s0], out[-1500:])
        c1 = int(re.search(r'c1=(\d+)', out).group(1))
        c2 = int(re.search(r'c2=(\d+)', out).group(1))
        self.assertGreater(c1, 0)
        self.assertGreater(c2, c1, 'continue did not resume hart 2')


class StepInterrupts(unittest.TestCase):
    """The stub's own single-step ('s', vCont;s) masks interrupts by default;
    "monitor gdbstub step-irq on" lets them in.  (gdb-multiarch steps RISC-V
    with breakpoints of its own, so a raw client sends the packets.)"""

    def test_step_masks_interrupts(self):
        elf = irqspin()
        port = free_port()
        vm = Vm(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic',
                 '-gdb', 'tcp:127.0.0.1:%d' % port, '-S'])
        self.addCleanup(vm.close)
        need('riscv64-unknown-elf-nm', 'binutils-riscv64-unknown-elf')
        sym = {}
        for line in subprocess.run(['riscv64-unknown-elf-nm', elf], stdout=subprocess.PIPE,
                                   text=True, check=True).stdout.splitlines():
            addr, _, name = line.split()
            sym[name] = int(addr, 16)
        loop, body, handler = sym['loop'], sym['body'], sym['handler']
        c = RawClient(('127.0.0.1', port))

        def reg(n):
            return int.from_bytes(bytes.fromhex(c.cmd('p%x' % n)), 'little')

        def step(packet='s'):
            c.sock.sendall(packet_bytes(packet))
            self.assertEqual(c.ack(), '+')
            stop = c.reply()
            self.assertRegex(stop, r'^T05thread:1;')
            return reg(32)

        self.assertEqual(c.cmd('Z0,%x,2' % body), 'OK')
        c.sock.sendall(packet_bytes('c'))
        self.assertEqual(c.ack(), '+')
        self.assertRegex(c.reply(), r'^T05thread:1;swbreak:;')
        self.assertEqual(c.cmd('z0,%x,2' % body), 'OK')
        irqs = reg(13)                                    # a3 counts interrupts
        self.assertGreater(irqs, 0, 'the timer interrupt is not being taken at all')
        (a0, n0, _, _), (a1, n1, _, _) = objdump_insns(elf, body, 2)
        # Masked: the steps walk the loop; after csrsi at "loop" the interrupt is
        # pending and enabled, yet the following steps stay in the loop.
        pcs = [step(), step('vCont;s:1'), step(), step(), step('vCont;s:1;c')]
        self.assertEqual(pcs, [a0 + n0, a1 + n1, loop, body, a0 + n0])
        self.assertEqual(reg(13), irqs, 'an interrupt was taken while stepping')
        text = bytes.fromhex(c.cmd('qRcmd,' + b'gdbstub step-irq on'.hex())[1:]).decode()
        self.assertIn('interrupts taken while stepping', text)
        self.assertEqual(c.reply(), 'OK')
        # Let in: the pending interrupt is taken; the step ends at its handler.
        self.assertEqual(step(), handler)
        self.assertEqual(reg(65 + 0x342), 0x8000000000000007)     # mcause: M timer
        c.close()


class BadClients(unittest.TestCase):
    """Acceptance line 4: nothing a client sends crashes or wedges the stub."""

    def start(self, extra=(), gdb=None):
        elf = spin()
        self.port = free_port()
        dev = gdb or 'tcp:127.0.0.1:%d' % self.port
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        self.mon = os.path.join(d, 'hmp.sock')
        self.vm = Vm(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic',
                      '-gdb', dev, '-S', '-monitor', 'unix:%s,server=on,wait=off' % self.mon]
                     + list(extra))
        self.addCleanup(self.vm.close)

    def test_bad_packets_get_error_replies(self):
        self.start()
        c = RawClient(('127.0.0.1', self.port))
        self.assertEqual(c.cmd('?')[:3], 'T05')
        # Wrong checksum: '-', then the stub still works.
        c.sock.sendall(b'$g#00')
        self.assertEqual(c.ack(), '-')
        # Malformed arguments: error replies.
        for bad in ('m', 'mzz,4', 'm80000000', 'm1,', 'M80000000,4:zz', 'p', 'pfffff',
                    'Z0,', 'Z9,80000000,4', 'X80000000,10:ab', 'Hx1', 'qXfer:features:read:',
                    'qXfer:features:read:nosuch.xml:0,100', 'vCont;q', 'Pzz=00',
                    'm' + 'f' * 40 + ',4', 'qRcmd,zz'):
            self.assertRegex(c.cmd(bad), r'^E[0-9a-f]{2}$', bad)
        # Unmapped memory: EFAULT.
        self.assertEqual(c.cmd('m4000000000,8'), 'E14')
        self.assertEqual(c.cmd('mffffffffffffffff,10'), 'E14')
        # Unknown packets: the empty reply.
        self.assertEqual(c.cmd('qNoSuchThing'), '')
        self.assertEqual(c.cmd('vMustReplyEmpty'), '')
        # A huge packet is refused whole, then the stub still answers.
        c.sock.sendall(packet('M80000000,100000:' + '00' * 100000))
        self.assertEqual(c.ack(), '-')
        # Good memory still reads: the first instruction of spin (csrr a0, mhartid).
        self.assertEqual(c.cmd('m80000000,4'), '732540f1')
        supported = c.cmd('qSupported:multiprocess+;swbreak+;hwbreak+')
        self.assertIn('PacketSize=4000', supported)
        self.assertEqual(c.cmd('qAttached'), '1')
        self.assertEqual(c.cmd('qfThreadInfo'), 'm1')
        # Physical addressing for m/M/X: a monitor command or QEMU's packet.
        text = bytes.fromhex(c.cmd('qRcmd,' + b'gdbstub phys on'.hex())[1:]).decode()
        self.assertIn('physical addresses', text)
        self.assertEqual(c.reply(), 'OK')
        self.assertEqual(c.cmd('qqemu.PhyMemMode'), '1')
        self.assertEqual(c.cmd('m80000000,4'), '732540f1')
        self.assertEqual(c.cmd('Qqemu.PhyMemMode:0'), 'OK')
        self.assertEqual(c.cmd('qqemu.PhyMemMode'), '0')
        # qRcmd reaches HMP.
        text = bytes.fromhex(c.cmd('qRcmd,' + b'info status'.hex())[1:]).decode()
        self.assertIn('VM status:', text)
        self.assertEqual(c.reply(), 'OK')
        self.assertEqual(c.cmd('qsThreadInfo'), 'l')
        c.close()

    def test_disconnect_mid_packet_keeps_vm_running_and_port_open(self):
        self.start()
        c = RawClient(('127.0.0.1', self.port))
        self.assertEqual(c.cmd('Z0,80000014,4'), 'OK')
        c.sock.sendall(packet('c'))
        self.assertEqual(c.ack(), '+')
        stop = c.reply()
        self.assertRegex(stop, r'^T05thread:1;swbreak:;')
        self.assertEqual(c.cmd('z0,80000014,4'), 'OK')
        # A watchpoint nothing touches stays set while the VM runs.
        self.assertEqual(c.cmd('Z2,80000100,8'), 'OK')
        c.sock.sendall(packet('vCont;c'))
        self.assertEqual(c.ack(), '+')
        # Breakpoints cannot change under a running VM: an error, no crash.
        self.assertEqual(c.cmd('Z0,80000014,4'), 'E10')
        # Vanish in the middle of a packet while the VM runs.
        c.sock.sendall(b'$m8000')
        c.close()
        # The port takes the next client; the VM kept running: the client's
        # breakpoint left with it, so the spin counter moves.
        # The VM kept running after the client vanished.
        deadline = time.time() + 10
        while 'running' not in hmp(self.mon, 'info status') and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn('VM status: running', hmp(self.mon, 'info status'))
        # (The stub notices the hangup in its main loop; until then a new
        # client is told it is busy.)
        while True:
            c2 = RawClient(('127.0.0.1', self.port))
            stop = c2.cmd('?')
            if 'busy' not in stop or time.time() > deadline:
                break
            c2.close()
            time.sleep(0.05)
        # Attaching stops the VM, as gdb expects.
        self.assertRegex(stop, r'^T05thread:1;')
        self.assertIn('VM status: paused', hmp(self.mon, 'info status'))
        first = c2.cmd('m80000020,8')     # counters[0]
        c2.sock.sendall(packet('c'))
        self.assertEqual(c2.ack(), '+')
        time.sleep(0.2)
        c2.sock.sendall(b'\x03')
        self.assertRegex(c2.reply(), r'^T02')
        second = c2.cmd('m80000020,8')
        self.assertNotEqual(first, second)
        self.assertEqual(c2.cmd('D'), 'OK')
        c2.close()
        self.assertIsNone(self.vm.proc.poll())

    def test_no_ack_mode_and_xml(self):
        self.start(gdb=None)
        c = RawClient(('127.0.0.1', self.port))
        self.assertEqual(c.cmd('QStartNoAckMode'), 'OK')
        c.sock.sendall(packet('qXfer:features:read:target.xml:0,ffff'))
        xml = c.reply()
        self.assertTrue(xml.startswith('l<?xml'), xml[:40])
        self.assertIn('riscv:rv64', xml)
        c.sock.sendall(packet('qThreadExtraInfo,1'))
        self.assertIn('CPU#0', bytes.fromhex(c.reply()).decode())
        c.sock.sendall(packet('k'))
        self.assertEqual(self.vm.wait(20), 0)

    def test_unix_socket_and_second_client(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, 'gdb.sock')
        self.start(gdb='unix:%s,server=on' % path)
        c = RawClient(path)
        self.assertEqual(c.cmd('?')[:3], 'T05')
        # A second client is not served while the first is attached.
        other = RawClient(path)
        self.assertIn('another debugger is attached', other.reply())
        other.close()
        self.assertEqual(c.cmd('m80000000,4'), '732540f1')
        c.close()

    def test_chardev_and_hmp_gdbserver(self):
        port2 = free_port()
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        self.start(extra=['-chardev', 'socket,id=g0,host=127.0.0.1,port=%d,server=on,wait=off'
                          % port2], gdb='chardev:g0')
        mon = self.mon
        c = RawClient(('127.0.0.1', port2))
        self.assertEqual(c.cmd('?')[:3], 'T05')
        c.close()
        m = connect(mon)
        newport = free_port()
        m.sendall(('gdbserver tcp::%d\n' % newport).encode())
        deadline = time.time() + 10
        got = b''
        while b'Waiting for gdb connection' not in got and time.time() < deadline:
            got += m.recv(4096)
        self.assertIn(b"device 'tcp::%d'" % newport, got)
        c = RawClient(('127.0.0.1', newport))
        self.assertEqual(c.cmd('qAttached'), '1')
        c.close()
        m.sendall(b'gdbserver none\n')
        got = b''
        while b'Disabled gdbserver' not in got and time.time() < deadline:
            got += m.recv(4096)
        m.close()


def kernel_symbols():
    """A symbols-only ELF for the guest Image (symbol_elf.py): its text
    symbols are read from /proc/kallsyms in the booted guest (what the
    kernel's System.map holds; riscv64 6.1 has no KASLR), cached in the
    build tree by the Image's checksum."""
    import hashlib
    import symbol_elf
    image = tt.linux_image()
    with open(image, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    cache = os.path.join(tt.build_dir(), 'guest-symbols')
    os.makedirs(cache, exist_ok=True)
    elf = os.path.join(cache, 'Image-%s.syms.elf' % digest)
    if os.path.exists(elf):
        return elf
    c = tt.Console(['-M', 'virt', '-m', '256', '-nographic', '-kernel', image,
                    '-initrd', os.path.join(tt.guest_dir(), 'initramfs.cpio.gz'),
                    '-append', 'console=ttyS0 quiet guest.run=echo+SYMS-BEGIN;'
                    'grep+-i+"+[tw]+"+/proc/kallsyms;echo+SYMS-END'])
    try:
        c.expect(r'BOOT-OK', 120)
        if c.wait(300) != 0:
            raise AssertionError('guest reading /proc/kallsyms failed:\n' + c.text()[-2000:])
    finally:
        c.close()
    text = c.text().split('SYMS-BEGIN')[-1].split('SYMS-END')[0]
    syms = symbol_elf.parse_kallsyms(text)
    if len(syms) < 1000:
        raise AssertionError('only %d text symbols from the guest\'s /proc/kallsyms' % len(syms))
    symbol_elf.write_symbol_elf(elf + '.tmp', syms)
    os.rename(elf + '.tmp', elf)
    return elf


class Linux(unittest.TestCase):
    """Acceptance line 2 with the guest Linux Image and its symbols (taken
    from the running kernel, as System.map would give them)."""

    def test_start_kernel_bt_threads_interrupt(self):
        import struct
        syms = kernel_symbols()
        image = tt.linux_image()
        initrd = os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        with open(image, 'rb') as f:
            head = f.read(64)
        text_offset = struct.unpack_from('<Q', head, 8)[0]
        entry = 0x80000000 + text_offset       # RAM base of virt + the header's offset
        port = free_port()
        vm = Vm(['-M', 'virt', '-m', '256', '-smp', '4', '-kernel', image, '-initrd', initrd,
                 '-append', 'console=ttyS0', '-nographic', '-gdb', 'tcp::%d' % port, '-S'])
        self.addCleanup(vm.close)
        ctrl_c = ('python import threading, os, signal; threading.Timer(%s, '
                  'lambda: os.kill(os.getpid(), signal.SIGINT)).start()')
        out = gdb_batch(syms, ':%d' % port, [
            'hbreak *0x%x' % entry, 'continue',
            'info registers pc priv a0 mhartid',
            'echo <bytes>\\n', 'x/8xb $pc', 'echo </bytes>\\n',
            'delete',
            'hbreak start_kernel', 'continue',
            'echo <bt1>\\n', 'bt', 'echo </bt1>\\n',
            'hbreak setup_arch', 'continue',
            'echo <bt2>\\n', 'bt', 'echo </bt2>\\n',
            'delete',
            ctrl_c % 2.0, 'continue',
            'echo <threads>\\n', 'info threads', 'echo </threads>\\n',
            'thread 3', 'printf "t3hart=%d\\n", $mhartid',
            ctrl_c % 1.0, 'continue',
            'kill'], timeout=180)
        tail = out[-3000:]
        self.assertRegex(out, r'hit Breakpoint 1, 0x0*%x in' % entry, tail)
        self.assertRegex(out, r'(?m)^priv\s+0x1\b', tail)        # the kernel runs in S-mode
        # The boot hart (OpenSBI picks any) enters with its hart id in a0.
        hart = re.search(r'(?m)^mhartid\s+(0x[0-9a-f]+)', out).group(1)
        self.assertRegex(out, r'(?m)^a0\s+%s\b' % hart, tail)
        got = bytes(int(b, 16) for b in re.findall(
            r'0x([0-9a-f]{2})\b', out.split('<bytes>')[1].split('</bytes>')[0].split(':', 1)[1]))
        self.assertEqual(got, head[:8])
        self.assertRegex(out, r'Breakpoint 2, 0x[0-9a-f]+ in start_kernel \(\)', tail)
        bt1 = out.split('<bt1>')[1].split('</bt1>')[0]
        self.assertRegex(bt1, r'#0\s+0x[0-9a-f]+ in start_kernel \(\)', bt1)
        self.assertRegex(out, r'Breakpoint 3, 0x[0-9a-f]+ in setup_arch \(\)', tail)
        # setup_arch is called by start_kernel: two frames, found by unwinding.
        bt2 = out.split('<bt2>')[1].split('</bt2>')[0]
        self.assertRegex(bt2, r'#0\s+0x[0-9a-f]+ in setup_arch \(\)', bt2)
        self.assertRegex(bt2, r'#1\s+0x[0-9a-f]+ in start_kernel \(\)', bt2)
        print(bt2.strip())
        self.assertIn('received signal SIGINT', out)
        threads = out.split('<threads>')[1].split('</threads>')[0]
        self.assertEqual(len(re.findall(r'Thread \d+ \(CPU#\d \[', threads)), 4, threads)
        self.assertIn('t3hart=2', out)
        self.assertEqual(len(re.findall(r'received signal SIGINT', out)), 2, tail)
        self.assertIn('[Inferior 1 (Remote target) killed]', out)


class MonitorDisas(unittest.TestCase):
    """HMP x/i and xp/i through the target's disassembler, against objdump."""

    def test_x_i_matches_objdump(self):
        elf = spin()
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d, True)
        mon = os.path.join(d, 'hmp.sock')
        vm = Vm(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic', '-S',
                 '-monitor', 'unix:%s,server=on,wait=off' % mon])
        self.addCleanup(vm.close)
        for cmd in ('x/8i 0x80000000', 'xp/8i 0x80000000'):
            out = hmp(mon, cmd)
            got = [(int(a, 16), len(w) // 2, int(w, 16)) for a, w in
                   re.findall(r'(?m)^0x([0-9a-f]{16}):\s+([0-9a-f]+)\s+\S', out)]
            want = [(a, n, w) for a, n, _, w in objdump_insns(elf, 0x80000000, 8)]
            self.assertEqual(got, want, out)
            # The mnemonics are the decoder table's, e.g. the compressed add.
            self.assertRegex(out, r'0x0000000080000010:\s+929a\s+c\.add t0, t1')
        self.assertIn('Cannot access memory', hmp(mon, 'x/2i 0x4000000000'))


class Options(unittest.TestCase):
    def test_bad_gdb_device(self):
        r = tt.run(['-M', 'virt', '-bios', 'none', '-gdb', 'chardev:nosuch', '-S'],
                   link='tessera-system-riscv64')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("-gdb: gdbserver chardev:nosuch: no chardev 'nosuch'", r.stderr)
        r = tt.run(['-M', 'virt', '-bios', 'none', '-gdb', 'bogus:x', '-S'],
                   link='tessera-system-riscv64')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('-gdb: gdbserver bogus:x:', r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_help_lists_options(self):
        r = tt.run(['-h'])
        self.assertRegex(r.stdout, r'-gdb dev\s')
        self.assertRegex(r.stdout, r'(?m)^\s+-s\s+shorthand for -gdb tcp::1234')


if __name__ == '__main__':
    tt.main('gdbstub')
