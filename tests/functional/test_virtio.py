#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""PCI Express and virtio on the riscv virt board, as a user runs them.

Linux 6.1 from the guest images reads the entropy devices (PCI and MMIO),
moves 1 MiB each way through a virtserialport and a socket chardev, uses a
virtconsole shell, and sees a virtio-rng-pci come and go 20 times behind a
pcie-root-port (QMP device_add/device_del, DEVICE_DELETED, RSS flat).  The
monitor views (info pci, query-pci, info qtree) and -device help are
checked without a guest.

Riscv Linux 6.1 has no MSI controller driver, so hot-unplug uses pciehp's
poll mode (pciehp.pciehp_poll_mode=1 pciehp.pciehp_poll_time=1), as
../shared/guests/README.md explains.
"""
import hashlib
import os
import re
import socket
import tempfile
import threading
import time
import unittest

import tessera_test as tt
from qmp_client import QmpClient, QmpError, Vm, connect_unix, wait_for

MiB = 1 << 20


def linux_args(append, extra=()):
    return (['-M', 'virt', '-m', '256', '-nographic', '-kernel', tt.linux_image(),
             '-initrd', os.path.join(tt.guest_dir(), 'initramfs.cpio.gz'),
             '-append', 'console=ttyS0 quiet ' + append] + list(extra))


def guest_run(command, extra=(), timeout=120):
    """Boot, run @command (spaces as '+'), power off; the console text."""
    c = tt.Console(linux_args('guest.run=' + command, extra))
    try:
        c.expect(r'BOOT-OK', 90)
        code = c.wait(timeout)
    finally:
        c.close()
    out = c.text()
    if code != 0:
        raise AssertionError('exit %d:\n%s' % (code, out[-3000:]))
    return out


def host_rss_kib(pid, ram_kib):
    """Resident KiB of the process's own memory: every mapping but guest RAM
    (the anonymous mapping of exactly @ram_kib) and the translator's
    executable code buffer, which grow as the guest touches pages and runs
    new code and are not host allocations."""
    total, size, anon_exec, found_ram = 0, 0, False, False
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            head = re.match(r'[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \d+\s*(\S*)', line)
            if head:
                perms, path = head.group(1), head.group(2)
                anon_exec = not path and 'x' in perms
                anon = not path
                continue
            m = re.match(r'(Size|Rss):\s+(\d+) kB', line)
            if not m:
                continue
            if m.group(1) == 'Size':
                size = int(m.group(2))
            elif anon and size == ram_kib and not found_ram:
                found_ram = True
            elif not anon_exec:
                total += int(m.group(2))
    if not found_ram:
        raise AssertionError('no %d KiB guest RAM mapping in /proc/%d/smaps' % (ram_kib, pid))
    return total


class Entropy(unittest.TestCase):
    READ = ('cat+/sys/class/misc/hw_random/rng_current;'
            'echo+SUM+$(dd+if=/dev/hwrng+bs=4096+count=256+2>/dev/null|wc+-c)')

    def test_pci(self):
        out = guest_run('lspci;cat+/sys/bus/pci/devices/0000:00:01.0/vendor+'
                        '/sys/bus/pci/devices/0000:00:01.0/device;' + self.READ,
                        ['-device', 'virtio-rng-pci'])
        self.assertRegex(out, r'00:01\.0 Class 00ff: 1af4:1044')
        self.assertRegex(out, r'0x1af4\s+0x1044')
        self.assertRegex(out, r'(?m)^virtio_rng\.0\s*$')
        self.assertIn('SUM %d' % MiB, out)

    def test_mmio_with_rng_random(self):
        out = guest_run('cat+/sys/bus/virtio/devices/virtio0/device;' + self.READ,
                        ['-object', 'rng-random,id=r0,filename=/dev/urandom',
                         '-device', 'virtio-rng-device,rng=r0'])
        self.assertRegex(out, r'(?m)^0x0004\s*$')
        self.assertRegex(out, r'(?m)^virtio_rng\.0\s*$')
        self.assertIn('SUM %d' % MiB, out)

    def test_alias_and_builtin_backend(self):
        out = guest_run('lspci;' + self.READ,
                        ['-object', 'rng-builtin,id=r1', '-device', 'virtio-rng,rng=r1'])
        self.assertRegex(out, r'1af4:1044')
        self.assertIn('SUM %d' % MiB, out)


class Serial(unittest.TestCase):
    def test_port_both_ways_and_console(self):
        d = tempfile.mkdtemp(prefix='tessera-vser-')
        port_path, con_path = os.path.join(d, 'port'), os.path.join(d, 'con')
        cmd = ('cat+/sys/class/virtio-ports/vport0p1/name;'
               'dd+if=/dev/urandom+of=/tmp/g+bs=4096+count=256+2>/dev/null;'
               'echo+G2H+$(md5sum+</tmp/g);cat+/tmp/g+>/dev/vport0p1;echo+WROTE;'
               'echo+H2G+$(head+-c+1048576+/dev/vport0p1|md5sum);'
               'sh+</dev/hvc0+>/dev/hvc0+2>&1')
        c = tt.Console(linux_args('guest.run=' + cmd, [
            '-device', 'virtio-serial-pci,id=vser0',
            '-chardev', 'socket,id=c1,path=%s,server=on,wait=off' % port_path,
            '-device', 'virtserialport,chardev=c1,name=org.test.0',
            '-chardev', 'socket,id=c2,path=%s,server=on,wait=off' % con_path,
            '-device', 'virtconsole,chardev=c2']))
        got = {}
        # Linux drops input that reaches a port while a writer has it open
        # (release discards it), so the host sends once cat has closed it.
        may_send = threading.Event()

        def host_side():
            s = connect_unix(port_path, timeout=60)
            data = b''
            while len(data) < MiB:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            got['g2h'] = hashlib.md5(data).hexdigest()
            may_send.wait(120)
            payload = os.urandom(MiB)
            got['h2g'] = hashlib.md5(payload).hexdigest()
            s.sendall(payload)
            got['sock'] = s

        t = threading.Thread(target=host_side, daemon=True)
        t.start()
        try:
            con = connect_unix(con_path, timeout=60)
            self.assertRegex(c.expect(r'(?m)^org\.test\.0\s*$', 90).group(0).decode(),
                             'org.test.0')
            g2h = c.expect(r'G2H ([0-9a-f]{32})', 120).group(1).decode()
            c.expect(r'WROTE', 120)
            may_send.set()
            h2g = c.expect(r'H2G ([0-9a-f]{32})', 120).group(1).decode()
            t.join(30)
            self.assertEqual(g2h, got['g2h'], 'guest to host data differs')
            self.assertEqual(h2g, got['h2g'], 'host to guest data differs')
            # The console is a terminal a shell can run on.
            con.sendall(b'tty; echo hvc-$((6*7)); exit\n')
            con.settimeout(30)
            text = b''
            while b'hvc-42' not in text:
                chunk = con.recv(4096)
                self.assertTrue(chunk, 'console closed: %r' % text)
                text += chunk
            self.assertIn(b'/dev/hvc0', text)
            self.assertEqual(c.wait(60), 0)
        finally:
            c.close()


class Hotplug(unittest.TestCase):
    ROUNDS = 20

    def test_root_port_hotplug_20_times(self):
        dev = '/sys/bus/pci/devices/0000:01:00.0'
        cmd = ('for+n+in+$(seq+%d);do+'
               'until+grep+-qs+virtio+/sys/class/misc/hw_random/rng_current;do+sleep+0.1;done;'
               'echo+UP$n+$(cat+%s/vendor+%s/device)+$(head+-c+4096+/dev/hwrng|wc+-c);'
               'while+[+-e+%s+];do+sleep+0.1;done;echo+DOWN$n;done' % (self.ROUNDS, dev, dev, dev))
        d = tempfile.mkdtemp(prefix='tessera-hp-')
        qmp = os.path.join(d, 'qmp.sock')
        # A sanitized build keeps freed blocks in a quarantine, which would
        # read as growth: measure with it off, as test_hygiene.py does.
        san_env = {'ASAN_OPTIONS': ':'.join(filter(None, [
            os.environ.get('ASAN_OPTIONS', ''),
            'quarantine_size_mb=0:thread_local_quarantine_size_kb=0']))}
        c = tt.Console(linux_args('pciehp.pciehp_poll_mode=1 pciehp.pciehp_poll_time=1 '
                                  'guest.run=' + cmd,
                                  ['-device', 'pcie-root-port,id=rp1,chassis=1',
                                   '-qmp', 'unix:%s,server=on,wait=off' % qmp]),
                       env=san_env)
        try:
            c.expect(r'BOOT-OK', 90)
            wait_for(lambda: os.path.exists(qmp), what=qmp)
            q = QmpClient(qmp)
            q.cmd('qmp_capabilities')
            rss = {}
            for n in range(1, self.ROUNDS + 1):
                q.cmd('device_add', driver='virtio-rng-pci', bus='rp1', id='hot')
                c.expect(r'UP%d 0x1af4 0x1044 4096' % n, 60)
                q.cmd('device_del', id='hot')
                ev = q.wait_event('DEVICE_DELETED', 60)
                self.assertEqual(ev['data']['device'], 'hot')
                c.expect(r'DOWN%d\b' % n, 30)
                self.assertEqual(q.cmd('qom-list', path='/machine/peripheral')
                                 and [p['name'] for p in
                                      q.cmd('qom-list', path='/machine/peripheral')
                                      if p['name'] == 'hot'], [])
                rss[n] = host_rss_kib(c.proc.pid, 256 * 1024)
            growth = rss[self.ROUNDS] - rss[5]
            print('Host RSS (guest RAM and code buffer excluded) after round 5: %d KiB, after round %d: %d KiB (growth %d KiB)'
                  % (rss[5], self.ROUNDS, rss[self.ROUNDS], growth))
            self.assertLess(growth, 512, rss)
            self.assertEqual(c.wait(60), 0)
        finally:
            c.close()


class GuestTorture(unittest.TestCase):
    """tests/guest/virtio/torture.c: random descriptor chains from a bare-metal guest."""

    def test_random_chains(self):
        import shutil
        import subprocess
        import sys
        cc = 'riscv64-unknown-elf-gcc'
        if not shutil.which(cc):
            self.fail('%s is missing: install gcc-riscv64-unknown-elf (scripts/setup.sh)' % cc)
        sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest'))
        import build
        out = os.path.join(tt.build_dir(), 'guest')
        os.makedirs(out, exist_ok=True)
        elf = os.path.join(out, 'virtio-torture.elf')
        src = os.path.join(tt.ROOT, 'tests', 'guest', 'virtio', 'torture.c')
        r = subprocess.run([cc] + build.CFLAGS + ['-o', elf] + build.COMMON + [src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)
        log = os.path.join(tempfile.mkdtemp(prefix='tessera-vt-'), 'log')
        r = tt.run(['-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic',
                    '-device', 'virtio-rng-device', '-d', 'guest_errors', '-D', log],
                   link='tessera-system-riscv64', timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr)
        self.assertIn('PASSED', r.stdout)
        m = re.search(r'rounds (0x[0-9a-f]+) served (0x[0-9a-f]+) needs-reset (0x[0-9a-f]+)',
                      r.stdout)
        self.assertIsNotNone(m, r.stdout)
        rounds, served, broken = (int(x, 16) for x in m.groups())
        print('virtio torture: %d rounds, %d served, %d needs-reset' % (rounds, served, broken))
        self.assertEqual(rounds, 20000)
        self.assertEqual(served + broken <= rounds, True)
        with open(log, errors='replace') as f:
            text = f.read()
        self.assertIn('device needs reset', text)


class Monitor(unittest.TestCase):
    ARGS = ['-M', 'virt', '-bios', 'none', '-S', '-display', 'none',
            '-device', 'pcie-root-port,id=rp1,chassis=1,slot=3',
            '-device', 'virtio-rng-pci,id=rng0,bus=rp1',
            '-device', 'virtio-serial-pci,id=vser0,addr=4',
            '-device', 'virtserialport,id=port1,name=org.test.1',
            '-device', 'virtio-rng-device,id=rngm']

    def vm(self, extra=()):
        return Vm(['-target', 'riscv64'] + self.ARGS + list(extra))

    def test_query_pci(self):
        with self.vm() as vm:
            q = vm.qmp()
            buses = q.cmd('query-pci')
            self.assertEqual(len(buses), 1)
            self.assertEqual(buses[0]['bus'], 0)
            devs = {(d['bus'], d['slot'], d['function']): d for d in buses[0]['devices']}
            host = devs[(0, 0, 0)]
            self.assertEqual(host['id']['vendor'], 0x1b36)
            self.assertEqual(host['class_info'], {'desc': 'Host bridge', 'class': 0x0600})
            rp = devs[(0, 1, 0)]
            self.assertEqual(rp['qdev_id'], 'rp1')
            self.assertEqual((rp['id']['vendor'], rp['id']['device']), (0x1b36, 0x000c))
            self.assertEqual(rp['irq_pin'], 1)
            inner = rp['pci_bridge']['devices']
            self.assertEqual(len(inner), 1)
            self.assertEqual(inner[0]['qdev_id'], 'rng0')
            self.assertEqual((inner[0]['id']['vendor'], inner[0]['id']['device']),
                             (0x1af4, 0x1044))
            self.assertEqual(inner[0]['id']['subsystem'], 0x1100)
            bar4 = [r for r in inner[0]['regions'] if r['bar'] == 4]
            self.assertEqual(len(bar4), 1, inner[0]['regions'])
            self.assertEqual(bar4[0]['size'], 0x4000)
            self.assertTrue(bar4[0]['mem_type_64'] and bar4[0]['prefetch'])
            ser = devs[(0, 4, 0)]
            self.assertEqual(ser['id']['device'], 0x1043)
            self.assertEqual(ser['class_info']['class'], 0x0780)

    def test_info_pci_and_qtree(self):
        with Vm(['-target', 'riscv64'] + self.ARGS, qmp=0, hmp=True) as vm:
            h = vm.hmp()
            pci = h.run('info pci')
            self.assertIn('Bus  0, device   0, function 0:\n    Host bridge: PCI device '
                          '1b36:0008', pci)
            self.assertIn('Bus  0, device   1, function 0:\n    PCI bridge: PCI device 1b36:000c',
                          pci)
            self.assertRegex(pci, r'Class 00ff: PCI device 1af4:1044\n'
                                  r'      PCI subsystem 1af4:1100\n      IRQ \d+, pin A\n'
                                  r'      BAR4: 64 bit prefetchable memory at 0x[0-9a-f]+ '
                                  r'\[0x[0-9a-f]+\]\.\n      id "rng0"')
            self.assertIn('Communication controller: PCI device 1af4:1043', pci)
            qtree = h.run('info qtree')
            self.assertIn('bus: pcie.0\n', qtree)
            self.assertIn('dev: pcie-root-port, id "rp1"', qtree)
            self.assertIn('bus: rp1\n', qtree)
            self.assertRegex(qtree, r'dev: virtio-rng-pci, id "rng0"\n(.*\n)*?'
                                    r'\s+class Class 00ff, addr 00:00\.0, pci id 1af4:1044')
            self.assertIn('dev: virtio-rng-device, id ""', qtree)
            self.assertIn('bus: vser0.0\n', qtree)
            self.assertIn('dev: virtserialport, id "port1"', qtree)
            self.assertIn('dev: virtio-rng-device, id "rngm"', qtree)

    def test_device_help_groups_and_properties(self):
        r = tt.run(['-device', 'help'], link='tessera-system-riscv64')
        self.assertEqual(r.returncode, 0, r.stderr)
        sections = {}
        for block in r.stdout.split('\n\n'):
            lines = block.strip().split('\n')
            sections[lines[0]] = '\n'.join(lines[1:])
        self.assertIn('name "pcie-root-port"', sections['Controller/Bridge/Hub devices:'])
        for name in ('virtio-rng-pci', 'virtio-rng-device'):
            self.assertIn('name "%s"' % name, sections['Misc devices:'])
        for name in ('virtio-serial-pci', 'virtio-serial-device', 'virtconsole',
                     'virtserialport'):
            self.assertIn('name "%s"' % name, sections['Input devices:'])
        r = tt.run(['-device', 'virtio-rng-pci,help'], link='tessera-system-riscv64')
        self.assertEqual(r.returncode, 0, r.stderr)
        for prop in (r'addr=<str>', r'multifunction=<bool>', r'rng=<link<rng-backend>>',
                     r'max-bytes=<uint64>', r'period=<uint32>'):
            self.assertRegex(r.stdout, re.escape(prop))

    def test_unplug_refusals_and_timeout(self):
        with self.vm(['-global', 'pcie-root-port.unplug-timeout=1']) as vm:
            q = vm.qmp()
            with self.assertRaises(QmpError) as e:
                q.cmd('device_del', id='rp1')
            self.assertIn("Device 'rp1' still holds device 'rng0' on its bus 'rp1'",
                          e.exception.desc)
            # Nobody in the guest answers the attention button: the request
            # lapses and the device stays.
            q.cmd('device_del', id='rng0')
            with self.assertRaises(QmpError) as e:
                q.cmd('device_del', id='rng0')
            self.assertIn('already being removed', e.exception.desc)
            time.sleep(1.5)
            names = [p['name'] for p in q.cmd('qom-list', path='/machine/peripheral')]
            self.assertIn('rng0', names)
            q.cmd('device_del', id='rng0')  # may be asked again
            with self.assertRaises(QmpError) as e:
                q.cmd('device_add', driver='virtio-rng-pci', bus='pcie.0')
            self.assertIn('does not support hotplugging', e.exception.desc)
            q.cmd('quit')
            self.assertEqual(vm.wait_exit(), 0)
            self.assertIn("rp1: the guest did not release device 'rng0' within 1 s", vm.stderr)

    def test_bad_options(self):
        cases = [
            (['-device', 'virtio-rng-pci,addr=1f.9'], "Property 'addr' doesn't take value "
                                                      "'1f.9'"),
            (['-device', 'virtio-rng-pci,addr=2', '-device', 'virtio-rng-pci,addr=2'],
             'slot 2 function 0'),
            (['-device', 'virtio-rng-pci,addr=3', '-device', 'virtio-rng-pci,addr=3.1'],
             'is not multifunction'),
            (['-device', 'virtio-rng-pci,addr=5.1', '-device', 'virtio-rng-pci,addr=5'],
             'needs multifunction=on'),
            (['-object', 'rng-random,id=r0,filename=/nonexistent/rng'],
             "rng-random: cannot open '/nonexistent/rng'"),
            (['-device', 'virtio-rng-pci,rng=nosuch'], "no object at path 'nosuch'"),
            (['-device', 'virtserialport'], "no 'virtio-serial-bus' bus with room"),
            (['-device', 'pcie-root-port,id=p', '-device', 'virtio-rng-pci,bus=p,addr=1'],
             'a PCIe port has slot 0 only'),
        ]
        for args, msg in cases:
            r = tt.run(['-M', 'virt', '-bios', 'none', '-S', '-display', 'none'] + args,
                       link='tessera-system-riscv64', timeout=20)
            self.assertEqual(r.returncode, 1, (args, r.stderr))
            self.assertIn(msg, r.stderr, args)
            self.assertEqual(len(r.stderr.strip().split('\n')), 1, r.stderr)


if __name__ == '__main__':
    tt.main('virtio')
