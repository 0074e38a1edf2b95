#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The human monitor from the outside: -monitor unix:PATH,server=on,wait=off
driven over a socket, -monitor stdio, and -serial mon:stdio with QEMU's
Ctrl-A escapes (on -M none, and on the riscv virt board when it is built)."""
import os
import re
import select
import subprocess
import time
import unittest

import tessera_test as tt
from qmp_client import PROMPT, Vm

CTRL_A = b'\x01'


def board_available(name):
    r = tt.run(['-M', 'help'])
    return any(line.split()[:1] == [name] for line in r.stdout.splitlines())


HAVE_VIRT = board_available('virt')


class HmpTest(unittest.TestCase):
    def vm(self, args=('-M', 'none'), **kw):
        kw.setdefault('qmp', 0)
        kw.setdefault('hmp', True)
        v = Vm(list(args), **kw)
        self.addCleanup(v.close)
        return v


class Session(HmpTest):
    def test_banner_and_prompt(self):
        h = self.vm().hmp()
        self.assertEqual(h.banner, "Tessera 0.1.0 monitor - type 'help' for more information\r\n")

    def test_help(self):
        h = self.vm().hmp()
        out = h.run('help')
        for cmd in ('help', 'info', 'stop', 'cont|c', 'system_reset', 'system_powerdown',
                    'quit|q', 'device_add', 'device_del', 'qom-list', 'qom-get', 'qom-set',
                    'x ', 'xp', 'log'):
            self.assertRegex(out, r'(?m)^%s' % re.escape(cmd))
        info = h.run('help info')
        for item in ('status', 'version', 'name', 'qtree', 'qom-tree', 'mtree', 'registers',
                     'cpus', 'modules', 'chardev', 'irq'):
            self.assertRegex(info, r'(?m)^info %s ' % item)
        self.assertEqual(h.run('info'), info)
        self.assertRegex(h.run('help cont'), r'^cont\|c  -- resume emulation\n$')

    def test_unknown_and_malformed_commands(self):
        h = self.vm().hmp()
        self.assertEqual(h.run('frobnicate'), "unknown command: 'frobnicate'\n")
        self.assertIn("missing argument 'property'", h.run('qom-get /machine'))
        self.assertIn('too many arguments', h.run('stop now please'))
        self.assertIn("unknown subcommand 'nosuch'", h.run('info nosuch'))
        self.assertEqual(h.run(''), '')
        self.assertEqual(h.run('   '), '')

    def test_bad_bytes_keep_the_session(self):
        h = self.vm().hmp()
        h.send_raw(b'\x00\xff\xfe\x1b[99~\x1b\x1bO\x03\x7f\x7f\r')
        h.read_until_prompt()
        h.send_raw(b'x' * 5000 + b'\r')      # longer than a line may be
        h.read_until_prompt()
        self.assertEqual(h.run('info status'), 'VM status: running\n')

    def test_line_editing(self):
        h = self.vm().hmp()
        self.assertEqual(h.run('infx\x7fo status'), 'VM status: running\n')   # backspace
        self.assertEqual(h.run('nfo version\x1b[Hi'), '0.1.0 (tessera)\n')     # home, insert
        self.assertEqual(h.run('info stats\x1b[Du\x1b[F'), 'VM status: running\n')  # left, end
        self.assertEqual(h.run('\x1b[A\x1b[A'), '0.1.0 (tessera)\n')           # history
        self.assertEqual(h.run('\x1b[A\x1b[B\x1b[B'), '')                     # back to empty
        self.assertEqual(h.run('junk\x15info version'), '0.1.0 (tessera)\n')   # ^U

    def test_new_client_gets_a_fresh_monitor(self):
        vm = self.vm()
        h = vm.hmp()
        h.send_raw('info sta')
        h.close()
        h2 = vm.hmp()
        self.assertIn('monitor', h2.banner)
        self.assertEqual(h2.run('info version'), '0.1.0 (tessera)\n')

    def test_quit(self):
        vm = self.vm()
        h = vm.hmp()
        h.send_raw('quit\r')
        self.assertEqual(vm.wait_exit(), 0)


class Info(HmpTest):
    def test_status_version_name(self):
        h = self.vm(['-M', 'none', '-S', '-name', 'guest1']).hmp()
        self.assertEqual(h.run('info status'), 'VM status: paused (prelaunch)\n')
        self.assertEqual(h.run('info version'), '0.1.0 (tessera)\n')
        self.assertEqual(h.run('info name'), 'guest1\n')

    def test_qom_tree_and_qtree(self):
        h = self.vm(['-M', 'none', '-device', 'test-dep-leaf,id=leaf0,level=9'],
                    test_modules=True).hmp()
        tree = h.run('info qom-tree')
        self.assertIn('/machine (none-machine)\n', tree)
        self.assertIn('  /peripheral (container)\n    /leaf0 (test-dep-leaf)\n', tree)
        self.assertEqual(h.run('info qom-tree /machine/peripheral'),
                         '/machine/peripheral (container)\n  /leaf0 (test-dep-leaf)\n')
        qtree = h.run('info qtree')
        self.assertIn('bus: main-system-bus\n', qtree)
        self.assertIn('  dev: test-dep-leaf, id "leaf0"\n', qtree)
        self.assertIn('    level = 9 (0x9)\n', qtree)
        self.assertIn('    label = "leaf"\n', qtree)

    def test_qtree_of_virt_with_a_user_device(self):
        h = self.vm(['-target', 'riscv64', '-M', 'virt', '-S',
                     '-device', 'ns16550a,id=u1']).hmp()
        qtree = h.run('info qtree')
        self.assertTrue(qtree.startswith('bus: main-system-bus\n  type system-bus\n'), qtree)
        # Board devices and the user device sit on the system bus with their
        # MMIO placement; CPUs sit on no bus.
        self.assertIn('  dev: riscv-plic, id ""\n', qtree)
        self.assertRegex(qtree, r'  dev: ns16550a, id "u1"\n(    .*\n)*'
                                r'    mmio 0000000010010000/0000000000000100\n')
        self.assertNotIn('rv64', qtree)

    def test_mtree_registers_cpus_on_none(self):
        h = self.vm(['-M', 'none', '-m', '1M']).hmp()
        mtree = h.run('info mtree')
        self.assertIn('address-space: memory\n', mtree)
        self.assertRegex(mtree, r'0000000000000000-00000000000fffff \(prio 0, ram\): ram')
        self.assertIn('FlatView', mtree)
        self.assertEqual(h.run('info registers'), 'there are no CPUs\n')
        self.assertEqual(h.run('info cpus'), '')

    def test_modules_chardev_irq(self):
        vm = self.vm(qmp=1)
        h = vm.hmp()
        self.assertRegex(h.run('info modules'), r'(?m)^machine-none\s+board\s+yes$')
        chardevs = h.run('info chardev')
        self.assertRegex(chardevs, r'(?m)^\S*monitor0: filename=unix:.*hmp\.sock')
        self.assertRegex(chardevs, r'(?m)^\S*qmp0: filename=(disconnected:)?unix:.*qmp0\.sock')
        self.assertEqual(h.run('info irq'), '')


class Commands(HmpTest):
    def test_stop_cont_go_through_the_qmp_handlers(self):
        vm = self.vm(qmp=1)
        q = vm.qmp()
        h = vm.hmp()
        self.assertEqual(h.run('stop'), '')
        q.wait_event('STOP')
        self.assertEqual(h.run('info status'), 'VM status: paused\n')
        self.assertEqual(h.run('c'), '')
        q.wait_event('RESUME')
        self.assertEqual(q.cmd('query-status')['status'], 'running')
        h.run('system_reset')
        self.assertEqual(q.wait_event('RESET')['data']['reason'], 'host-qmp-system-reset')
        h.run('system_powerdown')
        q.wait_event('POWERDOWN')
        h.send_raw('q\r')
        self.assertEqual(q.wait_event('SHUTDOWN')['data']['reason'], 'host-qmp-quit')
        self.assertEqual(vm.wait_exit(), 0)

    def test_device_add_and_del(self):
        vm = self.vm(qmp=1, test_modules=True)
        q = vm.qmp()
        h = vm.hmp()
        self.assertEqual(h.run('device_add test-dep-leaf,id=leaf0,level=4'), '')
        self.assertEqual(h.run('qom-get /machine/peripheral/leaf0 level'), '4\n')
        self.assertIn('Error: ', h.run('device_add test-cold-device'))
        self.assertIn('Error: ', h.run('device_add test-dep-leaf,level=x'))
        self.assertEqual(h.run('device_del leaf0'), '')
        self.assertEqual(q.wait_event('DEVICE_DELETED')['data']['device'], 'leaf0')
        self.assertEqual(h.run('device_del leaf0'), "Error: Device 'leaf0' not found\n")

    def test_qom_list_get_set(self):
        h = self.vm(['-M', 'none', '-device', 'test-dep-leaf,id=leaf0',
                     '-object', 'test-object,id=obj0'], test_modules=True).hmp()
        listing = h.run('qom-list /machine/peripheral/leaf0')
        self.assertIn('type (string)\n', listing)
        self.assertIn('level (uint32)\n', listing)
        self.assertIn('machine (child<none-machine>)\n', h.run('qom-list'))
        self.assertEqual(h.run('qom-set /objects/obj0 size 0x20'), '')
        self.assertEqual(h.run('qom-get /objects/obj0 size'), '32\n')
        self.assertEqual(h.run('qom-set obj0 label two words'), '')
        self.assertEqual(h.run('qom-get obj0 label'), '"two words"\n')
        self.assertIn('Error: ', h.run('qom-set obj0 size many'))
        self.assertIn('after it was realized', h.run('qom-set leaf0 level 0x20'))
        self.assertEqual(h.run('qom-get leaf0 level'), '3\n')
        self.assertEqual(h.run('qom-get /nowhere type'), "Error: Device '/nowhere' not found\n")

    def test_xp_and_x_formats(self):
        h = self.vm(['-M', 'none', '-m', '1M']).hmp()
        self.assertEqual(h.run('xp /4xb 0'), '0000000000000000: 0x00 0x00 0x00 0x00\n')
        self.assertEqual(h.run('xp/2xg 0x10'),
                         '0000000000000010: 0x0000000000000000 0x0000000000000000\n')
        self.assertEqual(h.run('xp /3dh 0'), '0000000000000000:     0     0     0\n')
        self.assertEqual(h.run('xp /2c 0'), "0000000000000000: '\\x00' '\\x00'\n")
        self.assertEqual(h.run('xp /2o 0'), '0000000000000000:           0           0\n')
        self.assertEqual(len(h.run('xp /20xw 0').splitlines()), 5)    # 16 bytes a line
        self.assertEqual(h.run('xp 0x8+8'), '0000000000000010: 0x00000000\n')
        self.assertEqual(h.run('xp /1x 0x200000'), '0000000000200000: Cannot access memory\n')
        self.assertIn("invalid char in format: 'q'", h.run('xp /4q 0'))
        self.assertIn('disassembler', h.run('x /4i 0'))
        self.assertIn('at most', h.run('xp /100000xg 0'))
        x = h.run('x /1x 0').splitlines()
        self.assertIn('physical', x[0])
        self.assertEqual(x[1], '0000000000000000: 0x00000000')

    def test_log(self):
        h = self.vm().hmp()
        self.assertIn('guest_errors', h.run('log help'))
        self.assertEqual(h.run('log guest_errors,unimp'), '')
        self.assertEqual(h.run('log none'), '')
        self.assertIn("'bogus'", h.run('log bogus'))


@unittest.skipUnless(HAVE_VIRT, 'the riscv virt board is not built')
class VirtBoard(HmpTest):
    def test_registers_mtree_and_rom_dump(self):
        h = self.vm(['-M', 'virt', '-bios', 'none', '-S']).hmp()
        regs = h.run('info registers')
        self.assertRegex(regs, r'pc\s+0000000000001000')
        self.assertIn('ns16550a', h.run('info mtree'))
        self.assertIn('* CPU #0: thread_id=', h.run('info cpus'))
        rom = h.run('xp /4xw 0x1000')
        self.assertTrue(rom.startswith('0000000000001000: 0x'), rom)
        self.assertNotEqual(rom.split()[1:], ['0x00000000'] * 4)
        self.assertRegex(h.run('info irq'), r'out \d+ -> /machine/')

    def test_x_reads_through_the_cpu_mmu(self):
        """At reset the hart is in M-mode (satp bare): virtual = physical, and
        x says nothing about falling back."""
        h = self.vm(['-M', 'virt', '-bios', 'none', '-S']).hmp()
        x = h.run('x /4xw 0x1000')
        self.assertEqual(x, h.run('xp /4xw 0x1000'))
        self.assertNotIn('physical', x)
        self.assertTrue(x.startswith('0000000000001000: 0x'), x)
        # A line that crosses a page boundary is read in two pieces.
        self.assertEqual(h.run('x /4xw 0x1ff8'), h.run('xp /4xw 0x1ff8'))

    def test_info_cpus_names_each_vcpu_thread(self):
        vm = self.vm(['-M', 'virt', '-bios', 'none', '-S', '-smp', '2'])
        out = vm.hmp().run('info cpus')
        tids = [int(t) for t in re.findall(r'(?m)^[* ] CPU #\d: thread_id=(\d+)', out)]
        self.assertEqual(len(tids), 2, out)
        self.assertNotEqual(tids[0], tids[1])
        self.assertNotIn(vm.proc.pid, tids)
        for tid in tids:
            self.assertTrue(os.path.isdir('/proc/%d/task/%d' % (vm.proc.pid, tid)))


class StdioReader:
    """Reads a process's stdout without blocking the test forever."""

    def __init__(self, proc):
        self.proc = proc
        self.buf = b''

    def read_until(self, needle, timeout=10):
        deadline = time.time() + timeout
        while needle not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError('no %r in %r' % (needle, self.buf[-400:]))
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise EOFError('stdout closed; have %r' % self.buf[-400:])
                self.buf += chunk
        text, _, self.buf = self.buf.partition(needle)
        return text

    def drain(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            r, _, _ = select.select([self.proc.stdout], [], [], max(0, end - time.time()))
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                self.buf += chunk
        text, self.buf = self.buf, b''
        return text


class Stdio(unittest.TestCase):
    def start(self, args, env=None):
        e = dict(os.environ)
        e.pop('TESSERA_MODULE_DIR', None)
        e.update(env or {})
        proc = subprocess.Popen([tt.tessera_path()] + args, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)

        def stop():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for f in (proc.stdin, proc.stdout, proc.stderr):
                f.close()
        self.addCleanup(stop)
        return proc, StdioReader(proc)

    def type(self, proc, data):
        proc.stdin.write(data)
        proc.stdin.flush()

    def test_monitor_stdio(self):
        proc, out = self.start(['-M', 'none', '-monitor', 'stdio'])
        self.assertIn(b'monitor - type', out.read_until(PROMPT))
        self.type(proc, b'info status\n')
        self.assertEqual(out.read_until(PROMPT), b'info status\r\nVM status: running\r\n')
        self.type(proc, b'quit\n')
        self.assertEqual(proc.wait(10), 0)

    def test_serial_mon_stdio_without_a_uart(self):
        """-M none has no serial port: the monitor keeps the focus."""
        proc, out = self.start(['-M', 'none', '-serial', 'mon:stdio'])
        out.read_until(PROMPT)
        self.type(proc, CTRL_A + b'h')
        self.assertIn(b'C-a c    switch between console and monitor', out.read_until(b'C-a C-a'))
        self.type(proc, b'info chardev\r')
        listing = out.read_until(PROMPT)
        self.assertIn(b'serial0: filename=mux', listing)
        self.assertIn(b'serial0-base: filename=stdio', listing)
        self.type(proc, CTRL_A + b'x')
        self.assertEqual(proc.wait(10), 0)
        self.assertIn(b'terminated', out.drain(0.1) + out.buf)

    def test_chardev_mux_on_without_a_uart(self):
        """-chardev ...,mux=on: the backend is ID-base, the mux takes ID."""
        proc, out = self.start(['-M', 'none', '-chardev', 'stdio,id=c0,mux=on',
                                '-monitor', 'chardev:c0'])
        out.read_until(PROMPT)
        self.type(proc, b'info chardev\r')
        listing = out.read_until(PROMPT)
        self.assertIn(b'c0: filename=mux', listing)
        self.assertIn(b'c0-base: filename=stdio', listing)
        self.type(proc, CTRL_A + b'x')
        self.assertEqual(proc.wait(10), 0)

    @unittest.skipUnless(HAVE_VIRT, 'the riscv virt board is not built')
    def test_chardev_mux_on_shared_by_serial_and_monitor(self):
        """-chardev stdio,id=c0,mux=on -serial chardev:c0 -monitor chardev:c0
        behaves as -serial mon:stdio."""
        proc, out = self.start(['-M', 'virt', '-bios', 'none', '-S',
                                '-chardev', 'stdio,id=c0,mux=on', '-serial', 'chardev:c0',
                                '-monitor', 'chardev:c0'])
        self.assertNotIn(b'monitor', out.drain(0.5))       # the guest console has the focus
        self.type(proc, CTRL_A + b'c')
        self.assertIn(b'monitor - type', out.read_until(PROMPT))
        self.type(proc, b'info status\r')
        self.assertIn(b'VM status: paused (prelaunch)', out.read_until(PROMPT))
        self.type(proc, CTRL_A + b'c' + b'info status\r')   # back to the guest
        self.assertNotIn(b'VM status', out.drain(0.5))
        self.type(proc, CTRL_A + b'x')
        self.assertEqual(proc.wait(10), 0)

    def test_chardev_mux_on_bad_backend_option(self):
        r = tt.run(['-M', 'none', '-chardev', 'null,id=c0,mux=on,bogus=1'])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("backend 'null' has no option 'bogus'", r.stderr)

    @unittest.skipUnless(HAVE_VIRT, 'the riscv virt board is not built')
    def test_serial_mon_stdio_on_virt(self):
        """The issue's acceptance 2: guest console first, Ctrl-A c to the
        monitor and back."""
        proc, out = self.start(['-M', 'virt', '-bios', 'none', '-S', '-serial', 'mon:stdio'])
        self.assertNotIn(b'monitor', out.drain(0.5))       # the guest console has the focus
        self.type(proc, CTRL_A + b'c')
        self.assertIn(b'monitor - type', out.read_until(PROMPT))
        self.type(proc, b'info registers\r')
        self.assertRegex(out.read_until(PROMPT).decode(), r'pc\s+0000000000001000')
        self.type(proc, b'info mtree\r')
        self.assertIn(b'ns16550a', out.read_until(PROMPT))
        self.type(proc, CTRL_A + b'c' + b'info status\r')   # back to the guest: not a command
        self.assertNotIn(b'VM status', out.drain(0.5))
        self.type(proc, CTRL_A + b'c')
        out.read_until(PROMPT)                               # the prompt again, no banner
        self.type(proc, b'info status\r')
        self.assertIn(b'VM status: paused (prelaunch)', out.read_until(PROMPT))
        self.type(proc, CTRL_A + b'x')
        self.assertEqual(proc.wait(10), 0)


def have_linux_guest():
    try:
        tt.guest_dir()
        return HAVE_VIRT
    except RuntimeError:
        return False


@unittest.skipUnless(have_linux_guest(), 'the virt board or the Linux guest images are missing')
class LinuxConsole(unittest.TestCase):
    def test_nographic_console_and_monitor(self):
        """Acceptance 2 with a real guest: -nographic is -serial mon:stdio."""
        c = tt.Console(['-M', 'virt', '-m', '256', '-nographic', '-kernel', tt.linux_image(),
                        '-initrd', os.path.join(tt.guest_dir(), 'initramfs.cpio.gz'),
                        '-append', 'console=ttyS0'])
        self.addCleanup(c.close)
        c.expect(r'BOOT-OK', timeout=120)
        c.expect(r'[#$] ', timeout=60)
        c.send('echo console-$((40+2))\n')
        c.expect(r'console-42', timeout=30)
        c.send('\x01c')
        c.expect(r'monitor - type .help. for more information\r\n\(tessera\) ', timeout=10)
        c.send('info registers\r')
        c.expect(r'pc\s+[0-9a-f]{16}.*priv [MSU]', timeout=10)
        c.send('info mtree\r')
        c.expect(r'\(prio 0, ram\): ram[\s\S]*\(tessera\) ', timeout=10)
        c.send('\x01c')
        c.send('echo back-$((50+5))\n')
        c.expect(r'back-55', timeout=30)
        c.send('exit\n')
        self.assertEqual(c.wait(60), 0)


if __name__ == '__main__':
    tt.main('hmp')
