# SPDX-License-Identifier: MIT
"""libvirt's way of running Tessera (issue 16): the probe command line
(-no-user-config, -pidfile, -daemonize, -machine none,accel=kvm:tcg) and the
QMP probe sequence libvirt 9.0 sends, answer by answer, in QEMU 7.2's shapes."""
import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import tessera_test as tt
from qmp_client import QmpClient, QmpError, wait_for

LINK = 'tessera-system-riscv64'

# A sample of the device types libvirt 9.0 asks device-list-properties about.
LIBVIRT_DEVICES = [
    'virtio-blk-pci', 'virtio-net-pci', 'virtio-scsi-pci', 'virtio-balloon-pci',
    'virtio-rng-pci', 'virtio-serial-pci', 'virtio-gpu-pci', 'virtio-keyboard-pci',
    'virtio-blk-device', 'virtio-net-device', 'pcie-root-port', 'usb-storage', 'scsi-disk',
    'ide-hd', 'vfio-pci', 'nec-usb-xhci', 'usb-host', 'usb-redir', 'VGA', 'qxl-vga',
    'nvdimm', 'intel-iommu', 'virtio-iommu-pci', 'vhost-user-fs-device',
]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(')')[-1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


class LibvirtTest(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(tt.tessera_path(LINK)):
            self.fail('%s is missing from the build: run scons' % LINK)
        self.dir = tempfile.mkdtemp(prefix='tessera-libvirt-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.sock = os.path.join(self.dir, 'qmp.sock')
        self.pidfile = os.path.join(self.dir, 'tessera.pid')

    def daemon(self, extra=(), pidfile=None, sock=None):
        """Start tessera exactly as libvirt's probe does; returns the parent's result."""
        argv = ['-S', '-no-user-config', '-nodefaults', '-nographic',
                '-machine', 'none,accel=kvm:tcg',
                '-qmp', 'unix:%s,server=on,wait=off' % (sock or self.sock),
                '-pidfile', pidfile or self.pidfile, '-daemonize'] + list(extra)
        r = tt.run(argv, link=LINK, timeout=30)
        if r.returncode == 0:
            pid = int(open(pidfile or self.pidfile).read())
            self.addCleanup(self.kill, pid)
        return r

    def kill(self, pid):
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)

    def qmp(self, sock=None):
        q = QmpClient(sock or self.sock)
        self.addCleanup(q.close)
        q.cmd('qmp_capabilities')
        return q


class DaemonAndPidfile(LibvirtTest):
    def test_daemonize_returns_when_ready_with_pidfile(self):
        r = self.daemon()
        self.assertEqual(r.returncode, 0, r.stderr)
        # kvm is no Tessera accelerator: QEMU's two lines, then tcg.
        self.assertEqual(r.stderr.splitlines(),
                         ['tessera: invalid accelerator kvm', 'tessera: falling back to tcg'])
        text = open(self.pidfile).read()
        self.assertRegex(text, r'^\d+\n$')
        pid = int(text)
        self.assertTrue(pid_alive(pid))
        # Detached: its own session, and the monitor already listens.
        self.assertEqual(os.getsid(pid), pid)
        self.assertTrue(os.path.exists(self.sock))
        q = self.qmp()
        self.assertEqual(q.cmd('query-status')['status'], 'prelaunch')
        # The accelerator the fallback chose is the one that exists.
        self.assertEqual(q.cmd('qom-list', path='/machine/accel')[0]['type'] is not None, True)
        self.assertIn('tcg', q.cmd('qom-get', path='/machine/accel', property='type'))
        q.execute('quit')
        wait_for(lambda: not pid_alive(pid), what='the daemon to exit')
        self.assertFalse(os.path.exists(self.pidfile), 'the pidfile outlived the process')

    def test_early_error_reaches_the_parent(self):
        r = self.daemon(extra=['-machine', 'nosuch-board'])
        self.assertEqual(r.returncode, 1)
        self.assertIn('nosuch-board', r.stderr)
        self.assertFalse(os.path.exists(self.pidfile))
        self.assertFalse(os.path.exists(self.sock) and self._connectable(self.sock))

    def _connectable(self, path):
        import socket
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def test_second_instance_with_the_same_pidfile_is_refused(self):
        r = self.daemon()
        self.assertEqual(r.returncode, 0, r.stderr)
        first = open(self.pidfile).read()
        r2 = self.daemon(sock=os.path.join(self.dir, 'other.sock'))
        self.assertEqual(r2.returncode, 1)
        self.assertIn('cannot create PID file: Cannot lock pid file', r2.stderr)
        # The first keeps its file and its pid.
        self.assertEqual(open(self.pidfile).read(), first)
        self.assertTrue(pid_alive(int(first)))

    def test_pidfile_without_daemonize(self):
        proc = subprocess.Popen([tt.tessera_path(LINK), '-M', 'none', '-nodefaults',
                                 '-pidfile', self.pidfile, '-qmp',
                                 'unix:%s,server=on,wait=off' % self.sock],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.wait)
        self.addCleanup(self.kill, proc.pid)
        wait_for(lambda: os.path.exists(self.sock), what='the QMP socket')
        self.assertEqual(open(self.pidfile).read(), '%d\n' % proc.pid)
        # The main loop serves (and handles SIGTERM) once QMP answers.
        self.assertEqual(self.qmp().cmd('query-status')['status'], 'running')
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
        self.assertFalse(os.path.exists(self.pidfile))

    def test_unwritable_pidfile(self):
        r = tt.run(['-M', 'none', '-pidfile', os.path.join(self.dir, 'no', 'such', 'x.pid')],
                   link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot create PID file: Cannot open pid file', r.stderr)

    def test_daemonize_refuses_stdio(self):
        r = tt.run(['-M', 'none', '-nographic', '-daemonize'], link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('-nographic cannot be used with -daemonize', r.stderr)
        r = tt.run(['-M', 'none', '-nodefaults', '-serial', 'stdio', '-daemonize'], link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('cannot use stdio', r.stderr)


class AccelList(LibvirtTest):
    def test_only_unknown_accelerators(self):
        r = tt.run(['-M', 'none,accel=kvm:hvf', '-nodefaults'], link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('tessera: invalid accelerator kvm\n', r.stderr)
        self.assertIn('tessera: invalid accelerator hvf\n', r.stderr)
        self.assertNotIn('falling back', r.stderr)

    def test_first_one_works_says_nothing(self):
        proc = subprocess.Popen([tt.tessera_path(LINK), '-M', 'none,accel=tcg:kvm', '-S',
                                 '-nodefaults', '-qmp', 'unix:%s,server=on,wait=off' % self.sock],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self.kill, proc.pid)
        wait_for(lambda: os.path.exists(self.sock), what='the QMP socket')
        q = self.qmp()
        self.assertEqual(q.cmd('qom-get', path='/machine/accel', property='type'), 'tcg-accel')
        q.execute('quit')
        proc.wait(10)
        self.assertEqual(proc.stderr.read(), b'')
        proc.stdout.close()
        proc.stderr.close()

    def test_accel_and_machine_accel_conflict(self):
        r = tt.run(['-M', 'none,accel=tcg', '-accel', 'tcg'], link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('The -accel and "-machine accel=" options are incompatible', r.stderr)

    def test_fallback_runs_a_board(self):
        # The accelerator chosen from the list really runs the vCPUs.
        proc = subprocess.Popen([tt.tessera_path(LINK), '-M', 'virt,accel=kvm:tcg', '-bios',
                                 'none', '-S', '-nodefaults', '-qmp',
                                 'unix:%s,server=on,wait=off' % self.sock],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self.kill, proc.pid)
        wait_for(lambda: os.path.exists(self.sock), what='the QMP socket')
        q = self.qmp()
        self.assertEqual(len(q.cmd('query-cpus-fast')), 1)
        q.cmd('cont')
        self.assertTrue(q.cmd('query-status')['running'])
        q.execute('quit')
        proc.wait(10)
        self.assertIn(b'falling back to tcg', proc.stderr.read())
        proc.stdout.close()
        proc.stderr.close()


class Probe(LibvirtTest):
    """libvirt 9.0's QMP probe, in its order, each answer's shape checked."""

    def test_probe_sequence(self):
        r = self.daemon()
        self.assertEqual(r.returncode, 0, r.stderr)
        q = QmpClient(self.sock)
        self.addCleanup(q.close)
        self.assertEqual(q.greeting['QMP']['version']['qemu'],
                         {'major': 7, 'minor': 2, 'micro': 0})
        q.cmd('qmp_capabilities')
        ver = q.cmd('query-version')
        self.assertEqual(ver['qemu'], {'major': 7, 'minor': 2, 'micro': 0})
        self.assertRegex(ver['package'], r'^tessera \d+\.\d+\.\d+$')
        self.assertEqual(q.cmd('query-target'), {'arch': 'riscv64'})
        schema = q.cmd('query-qmp-schema')
        commands = {c['name'] for c in q.cmd('query-commands')}
        in_schema = {e['name'] for e in schema if e['meta-type'] == 'command'}
        self.assertEqual(commands, in_schema)
        for c in ('query-target', 'query-kvm', 'query-tpm-models', 'query-tpm-types',
                  'query-command-line-options', 'query-migrate-capabilities',
                  'query-cpu-definitions', 'query-hotpluggable-cpus', 'query-iothreads',
                  'query-uuid', 'query-memory-size-summary', 'query-name'):
            self.assertIn(c, commands)
        self.assertEqual(q.cmd('query-kvm'), {'enabled': False, 'present': False})
        types = {t['name'] for t in q.cmd('qom-list-types')}
        for dev in LIBVIRT_DEVICES:
            r = q.execute('device-list-properties', {'typename': dev})
            if dev in types:
                self.assertIn('return', r, dev)
                for p in r['return']:
                    self.assertEqual(set(p) - {'name', 'type', 'description', 'default-value'},
                                     set(), dev)
            else:
                self.assertEqual(r['error']['class'], 'DeviceNotFound', (dev, r))
                self.assertEqual(r['error']['desc'], "Device '%s' not found" % dev)
        self.assertIn('virtio-rng-pci', types)  # at least one really answers
        for backend in ('memory-backend-file', 'memory-backend-memfd'):
            r = q.execute('qom-list-properties', {'typename': backend})
            if backend in types:
                self.assertIn('return', r)
            else:
                self.assertEqual(r['error'], {'class': 'DeviceNotFound',
                                              'desc': "Class '%s' not found" % backend})
        machines = {m['name']: m for m in q.cmd('query-machines')}
        virt = machines['virt']
        self.assertEqual(virt['default-ram-id'], 'ram')
        self.assertEqual(virt['default-cpu-type'], 'rv64-riscv-cpu')
        self.assertGreater(virt['cpu-max'], 1)
        for name, m in machines.items():
            props = q.cmd('qom-list-properties', typename=name + '-machine')
            self.assertIn('memory-size', {p['name'] for p in props}, name)
        self.assertEqual(q.cmd('query-tpm-models'), [])
        self.assertEqual(q.cmd('query-tpm-types'), [])
        opts = q.cmd('query-command-line-options')
        names = {o['option'] for o in opts}
        self.assertTrue(all(o['parameters'] == [] for o in opts))
        self.assertEqual(names, help_options_with_argument())
        self.assertEqual(q.cmd('query-command-line-options', option='machine'),
                         [{'option': 'machine', 'parameters': []}])
        with self.assertRaises(QmpError) as cm:
            q.cmd('query-command-line-options', option='nosuch')
        self.assertEqual(cm.exception.desc, 'invalid option name: nosuch')
        self.assertEqual(q.cmd('query-migrate-capabilities'),
                         [{'capability': 'events', 'state': False}])
        q.cmd('migrate-set-capabilities', capabilities=[{'capability': 'events',
                                                         'state': True}])
        self.assertEqual(q.cmd('query-migrate-capabilities'),
                         [{'capability': 'events', 'state': True}])
        with self.assertRaises(QmpError) as cm:
            q.cmd('migrate-set-capabilities', capabilities=[{'capability': 'xbzrle',
                                                             'state': True}])
        self.assertEqual(cm.exception.desc,
                         "Parameter 'capabilities[0].capability' does not accept value 'xbzrle'")
        pid = int(open(self.pidfile).read())
        q.execute('quit')
        wait_for(lambda: not pid_alive(pid), what='the daemon to exit')

    def test_running_domain_queries(self):
        uuid = 'C5B6E2A0-1D9A-4E7B-9F00-0123456789AB'
        proc = subprocess.Popen([tt.tessera_path(LINK), '-M', 'virt', '-m', '256M', '-smp', '2',
                                 '-bios', 'none', '-S', '-nodefaults', '-uuid', uuid,
                                 '-name', 'guest1', '-qmp',
                                 'unix:%s,server=on,wait=off' % self.sock],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(self.kill, proc.pid)
        wait_for(lambda: os.path.exists(self.sock), what='the QMP socket')
        q = self.qmp()
        self.assertEqual(q.cmd('query-uuid'), {'UUID': uuid.lower()})
        self.assertEqual(q.cmd('query-name'), {'name': 'guest1'})
        self.assertEqual(q.cmd('query-memory-size-summary'), {'base-memory': 256 << 20})
        self.assertEqual(q.cmd('query-iothreads'), [])
        with self.assertRaises(QmpError) as cm:
            q.cmd('query-hotpluggable-cpus')
        self.assertEqual(cm.exception.desc, 'machine does not support hot-plugging CPUs')
        defs = {d['name']: d for d in q.cmd('query-cpu-definitions')}
        self.assertEqual(defs['rv64']['typename'], 'rv64-riscv-cpu')
        # Every listed model is one -cpu accepts.
        for name in defs:
            r = tt.run(['-M', 'virt', '-cpu', name, '-bios', 'none', '-S', '-nodefaults',
                        '-machine', 'dumpdtb=%s' % os.path.join(self.dir, 'x.dtb')], link=LINK)
            self.assertEqual(r.returncode, 0, (name, r.stderr))
        q.execute('quit')
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()

    def test_uuid_nil_and_bad(self):
        r = tt.run(['-M', 'none', '-uuid', 'not-a-uuid'], link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('-uuid not-a-uuid: not a UUID', r.stderr)


class BootIndex(LibvirtTest):
    """bootindex (libvirt sets it on a domain's first disk): an index names
    one device; the boards boot -kernel/-bios, so that is all it does."""

    def test_bootindex_checked(self):
        img = os.path.join(self.dir, 'd.raw')
        with open(img, 'wb') as f:
            f.truncate(1 << 20)
        base = ['-M', 'virt', '-bios', 'none', '-S', '-nodefaults',
                '-machine', 'dumpdtb=%s' % os.path.join(self.dir, 'x.dtb')]
        for n in ('a', 'b'):
            base += ['-blockdev', 'driver=file,filename=%s,node-name=%s,read-only=on' % (img, n)]
        r = tt.run(base + ['-device', 'virtio-blk-pci,drive=a,bootindex=1,id=d0',
                           '-device', 'virtio-blk-pci,drive=b,bootindex=2',
                           '-netdev', 'user,id=n0', '-device',
                           'virtio-net-pci,netdev=n0,bootindex=0'], link=LINK)
        self.assertEqual(r.returncode, 0, r.stderr)
        cases = [(['-device', 'virtio-blk-pci,drive=a,bootindex=1',
                   '-device', 'virtio-blk-pci,drive=b,bootindex=1'],
                  'The bootindex 1 has already been used'),
                 (['-device', 'virtio-blk-pci,drive=a,bootindex=-2'],
                  'bootindex -2: must be -1 (none) or at least 0')]
        for args, msg in cases:
            r = tt.run(base + args, link=LINK)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(msg, r.stderr)

    def test_bootindex_hotplug(self):
        img = os.path.join(self.dir, 'd.raw')
        with open(img, 'wb') as f:
            f.truncate(1 << 20)
        proc = subprocess.Popen([tt.tessera_path(LINK), '-M', 'virt', '-bios', 'none', '-S',
                                 '-nodefaults', '-device', 'pcie-root-port,id=rp1,chassis=1',
                                 '-device', 'pcie-root-port,id=rp2,chassis=2',
                                 '-blockdev', 'driver=file,filename=%s,node-name=a' % img,
                                 '-qmp', 'unix:%s,server=on,wait=off' % self.sock],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.wait)
        self.addCleanup(self.kill, proc.pid)
        wait_for(lambda: os.path.exists(self.sock), what='the QMP socket')
        q = self.qmp()
        q.cmd('device_add', driver='virtio-blk-pci', drive='a', bootindex=3, id='d0', bus='rp1')
        self.assertEqual(q.cmd('qom-get', path='/machine/peripheral/d0', property='bootindex'), 3)
        q.cmd('blockdev-add', driver='file', filename=img, node_name='b', read_only=True)
        with self.assertRaises(QmpError) as cm:
            q.cmd('device_add', driver='virtio-blk-pci', drive='b', bootindex=3, id='d1',
                  bus='rp2')
        self.assertIn('The bootindex 3 has already been used', cm.exception.desc)
        # A device that fails to realize gives its index back.
        with self.assertRaises(QmpError) as cm:
            q.cmd('device_add', driver='virtio-blk-pci', drive='nosuch', bootindex=4, id='d1',
                  bus='rp2')
        self.assertNotIn('bootindex', cm.exception.desc)
        q.cmd('device_add', driver='virtio-blk-pci', drive='b', bootindex=4, id='d1',
              bus='rp2')
        q.execute('quit')
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()


class MemoryBackends(LibvirtTest):
    """-object memory-backend-*: the guest RAM really is the backend's memory."""

    def start(self, args):
        proc = subprocess.Popen([tt.tessera_path(LINK), '-bios', 'none', '-S', '-nodefaults',
                                 '-qmp', 'unix:%s,server=on,wait=off' % self.sock] + args,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.wait)
        self.addCleanup(self.kill, proc.pid)
        wait_for(lambda: os.path.exists(self.sock) or proc.poll() is not None,
                 what='the QMP socket')
        if proc.poll() is not None:
            self.fail('tessera exited: %s' % proc.stderr.read().decode())
        return proc, self.qmp()

    def guest_bytes(self, q, addr, n):
        out = q.cmd('human-monitor-command', command_line='xp /%dxb 0x%x' % (n, addr))
        return bytes(int(v, 16) for v in re.findall(r'0x([0-9a-f]{2})\b', out.split(':', 1)[1]))

    def test_file_backend_shared_with_another_process(self):
        path = os.path.join(self.dir, 'guest.ram')
        proc, q = self.start(['-object', 'memory-backend-file,id=mem,size=64M,mem-path=%s,'
                              'share=on' % path, '-machine', 'virt,memory-backend=mem'])
        self.assertEqual(os.path.getsize(path), 64 << 20)
        self.assertEqual(q.cmd('query-memory-size-summary'), {'base-memory': 64 << 20})
        # Another process writes the file: the guest's RAM (at 0x80000000 on virt) has it.
        with open(path, 'r+b') as f:
            f.seek(0x1234)
            f.write(b'\xde\xad\xbe\xef')
        self.assertEqual(self.guest_bytes(q, 0x80001234, 4), b'\xde\xad\xbe\xef')
        props = {p['name'] for p in q.cmd('qom-list-properties', typename='memory-backend-file')}
        self.assertTrue({'size', 'share', 'mem-path'} <= props)

    def test_memfd_backend_is_mappable_by_another_process(self):
        import mmap
        proc, q = self.start(['-object', 'memory-backend-memfd,id=mem,size=32M',
                              '-machine', 'virt,memory-backend=mem'])
        fds = [os.path.join('/proc/%d/fd' % proc.pid, n)
               for n in os.listdir('/proc/%d/fd' % proc.pid)]
        memfds = [p for p in fds if os.readlink(p).startswith('/memfd:memory-backend-memfd')]
        self.assertEqual(len(memfds), 1, [os.readlink(p) for p in fds])
        with open(memfds[0], 'r+b') as f:
            m = mmap.mmap(f.fileno(), 32 << 20)
            m[0x40:0x44] = b'\x01\x02\x03\x04'
            self.assertEqual(self.guest_bytes(q, 0x80000040, 4), b'\x01\x02\x03\x04')
            m.close()

    def test_ram_backend_and_refusals(self):
        proc, q = self.start(['-object', 'memory-backend-ram,id=mem,size=16M',
                              '-machine', 'virt,memory-backend=mem'])
        self.assertEqual(q.cmd('query-memory-size-summary'), {'base-memory': 16 << 20})
        cases = [
            (['-object', 'memory-backend-ram,id=mem,size=16M', '-m', '32M',
              '-machine', 'virt,memory-backend=mem'], 'differs from -m'),
            (['-machine', 'virt,memory-backend=nosuch'], 'no -object with this id'),
            (['-object', 'memory-backend-file,id=mem,size=16M',
              '-machine', 'virt,memory-backend=mem'], 'mem-path property not set'),
            (['-object', 'memory-backend-ram,id=mem', '-machine', 'virt,memory-backend=mem'],
             'size 0'),
        ]
        for args, msg in cases:
            r = tt.run(['-bios', 'none', '-S', '-nodefaults'] + args, link=LINK)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(msg, r.stderr, args)


class FdPassing(LibvirtTest):
    """-add-fd, QMP getfd/closefd/add-fd/remove-fd/query-fdsets with fds sent
    over the QMP socket (SCM_RIGHTS), and /dev/fdset/N file names."""

    def send_fd(self, q, name, args, fd):
        import json
        import socket
        socket.send_fds(q.sock, [json.dumps({'execute': name, 'arguments': args}).encode()],
                        [fd])
        r = q.reply()
        if 'error' in r:
            raise QmpError(r['error']['class'], r['error']['desc'])
        return r['return']

    def test_fd_sets_and_named_fds(self):
        log = os.path.join(self.dir, 'console.log')
        logfd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.write(logfd, b'before\n')
        # A 3 MiB + 512 image reached only through an fd: its name is gone.
        img = os.path.join(self.dir, 'disk.raw')
        with open(img, 'wb') as f:
            f.truncate((3 << 20) + 512)
        rw = os.open(img, os.O_RDWR)
        ro = os.open(img, os.O_RDONLY)
        os.unlink(img)
        proc = subprocess.Popen([tt.tessera_path(LINK), '-M', 'virt', '-bios', 'none', '-S',
                                 '-nodefaults', '-add-fd', 'fd=%d,set=7,opaque=console-log' % logfd,
                                 '-chardev', 'file,id=log0,path=/dev/fdset/7,append=on',
                                 '-mon', 'chardev=log0,mode=readline',
                                 '-qmp', 'unix:%s,server=on,wait=off' % self.sock],
                                pass_fds=[logfd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(logfd)
        self.addCleanup(proc.wait)
        self.addCleanup(self.kill, proc.pid)
        wait_for(lambda: os.path.exists(self.sock) or proc.poll() is not None,
                 what='the QMP socket')
        if proc.poll() is not None:
            self.fail('tessera exited: %s' % proc.stderr.read().decode())
        q = self.qmp()
        sets = q.cmd('query-fdsets')
        self.assertEqual(len(sets), 1)
        self.assertEqual(sets[0]['fdset-id'], 7)
        self.assertEqual([f.get('opaque') for f in sets[0]['fds']], ['console-log'])
        # The HMP monitor's banner went through the set's fd, after what was there.
        wait_for(lambda: b'monitor' in open(log, 'rb').read(), what='the monitor banner')
        self.assertTrue(open(log, 'rb').read().startswith(b'before\n'))
        # add-fd without an fd, then with them: sets numbered from the lowest free id.
        with self.assertRaises(QmpError) as cm:
            q.cmd('add-fd')
        self.assertEqual(cm.exception.desc, 'No file descriptor supplied via SCM_RIGHTS')
        got_ro = self.send_fd(q, 'add-fd', {'opaque': 'ro'}, ro)
        self.assertEqual(got_ro['fdset-id'], 0)
        got_rw = self.send_fd(q, 'add-fd', {'fdset-id': 0, 'opaque': 'rw'}, rw)
        self.assertEqual(got_rw['fdset-id'], 0)
        os.close(ro)
        os.close(rw)
        sets = {s['fdset-id']: s['fds'] for s in q.cmd('query-fdsets')}
        self.assertEqual(sorted(sets), [0, 7])
        self.assertEqual([(f['fd'], f['opaque']) for f in sets[0]],
                         [(got_ro['fd'], 'ro'), (got_rw['fd'], 'rw')])
        # A read-write node takes the set's read-write fd: the unlinked image's size.
        q.cmd('blockdev-add', driver='file', filename='/dev/fdset/0', node_name='disk0')
        nodes = {n['node-name']: n for n in q.cmd('query-named-block-nodes', flat=True)}
        self.assertEqual(nodes['disk0']['image']['virtual-size'], (3 << 20) + 512)
        self.assertFalse(nodes['disk0']['ro'])
        # Without a read-write fd in the set, a read-write open is refused.
        q.cmd('remove-fd', fdset_id=0, fd=got_rw['fd'])
        with self.assertRaises(QmpError) as cm:
            q.cmd('blockdev-add', driver='file', filename='/dev/fdset/0', node_name='disk1')
        self.assertIn('Permission denied', cm.exception.desc)
        with self.assertRaises(QmpError) as cm:
            q.cmd('blockdev-add', driver='file', filename='/dev/fdset/5', node_name='disk1')
        self.assertIn('No such file or directory', cm.exception.desc)
        # The node keeps its own duplicate after the set goes.
        q.cmd('remove-fd', fdset_id=0)
        self.assertEqual([s['fdset-id'] for s in q.cmd('query-fdsets')], [7])
        with self.assertRaises(QmpError) as cm:
            q.cmd('remove-fd', fdset_id=0)
        self.assertEqual(cm.exception.desc, "File descriptor named 'fdset-id:0' not found")
        # getfd/closefd: a packet socket passed by name becomes a tap netdev's fd
        # (libvirt's way to hot-plug a tap NIC); netdev_del closes it.
        import socket
        a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.send_fd(q, 'getfd', {'fdname': 'hostnet1'}, a.fileno())
        a.close()
        q.cmd('netdev_add', type='tap', id='hostnet1', fd='hostnet1')
        self.assertIn('hostnet1', q.cmd('human-monitor-command', command_line='info network'))
        with self.assertRaises(QmpError) as cm:
            q.cmd('closefd', fdname='hostnet1')   # the netdev took it
        self.assertEqual(cm.exception.desc, "File descriptor named 'hostnet1' not found")
        b.settimeout(10)
        q.cmd('netdev_del', id='hostnet1')
        self.assertEqual(b.recv(100), b'')   # Tessera's end is closed
        c, d = socket.socketpair()
        self.send_fd(q, 'getfd', {'fdname': 'spare'}, c.fileno())
        c.close()
        q.cmd('closefd', fdname='spare')
        d.settimeout(10)
        self.assertEqual(d.recv(1), b'')   # Tessera's end is closed
        d.close()
        b.close()
        with self.assertRaises(QmpError) as cm:
            q.cmd('netdev_add', type='tap', id='n2', fd='hostnet1')
        self.assertIn("File descriptor named 'hostnet1' has not been found", cm.exception.desc)
        with self.assertRaises(QmpError) as cm:
            q.cmd('getfd', fdname='x')
        self.assertEqual(cm.exception.desc, 'No file descriptor supplied via SCM_RIGHTS')
        with self.assertRaises(QmpError) as cm:
            self.send_fd(q, 'getfd', {'fdname': '3x'}, 0)
        self.assertIn('not starting with a digit', cm.exception.desc)
        q.execute('quit')
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()

    def test_add_fd_errors(self):
        for arg, msg in (('set=1', 'fd option is required'), ('fd=5', 'set option is required'),
                         ('fd=1,set=1', 'cannot be a standard I/O stream'),
                         ('fd=200,set=1', 'fd=200: Bad file descriptor'),
                         ('fd=5,set=1,bogus=1', 'bogus')):
            r = tt.run(['-M', 'none', '-add-fd', arg], link=LINK)
            self.assertEqual(r.returncode, 1, arg)
            self.assertIn(msg, r.stderr, arg)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


# How the tests run libvirtd and virsh when we are root (see start_libvirtd).
AS_NOBODY = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']


def for_libvirtd(home, path, emulator=False):
    """@path as the private libvirtd opens it: @path itself when the daemon's
    user can read it, else a copy under @home (we are root and the checkout
    lies below a directory nobody may enter, such as `mktemp -d`'s 0700).
    With @emulator, the copy is the build's bin/ and lib/, since the binary
    finds its modules relative to itself."""
    if os.getuid() != 0 or subprocess.run(AS_NOBODY + ['test', '-r', path]).returncode == 0:
        return path
    if emulator:
        build = os.path.dirname(os.path.dirname(path))
        top = os.path.join(home, 'build')
        for sub in ('bin', 'lib'):
            shutil.copytree(os.path.join(build, sub), os.path.join(top, sub), symlinks=True)
        copy = os.path.join(top, 'bin', os.path.basename(path))
    else:
        top = copy = os.path.join(home, os.path.basename(path))
        shutil.copy2(path, copy)
    subprocess.run(['chown', '-R', 'nobody:nogroup', top], check=True)
    return copy


def start_libvirtd(test):
    """A private session libvirtd (as nobody when we are root, with its own
    XDG directories), stopped at the test's end.  Returns (run, home) where
    run(args) runs virsh against it."""
    for tool in ('libvirtd', 'virsh'):
        if not shutil.which(tool):
            test.fail('%s is missing: run scripts/setup.sh (libvirt-daemon-system, '
                      'libvirt-clients)' % tool)
    home = tempfile.mkdtemp(prefix='tessera-libvirtd-')
    test.addCleanup(shutil.rmtree, home, ignore_errors=True)
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home + '/config',
               XDG_CACHE_HOME=home + '/cache', XDG_RUNTIME_DIR=home + '/run',
               LIBVIRT_LOG_OUTPUTS='1:file:%s/libvirtd.log' % home,
               LIBVIRT_LOG_FILTERS='1:qemu.qemu_monitor 3:util 3:rpc 3:object')
    env.pop('TESSERA_MODULE_DIR', None)
    os.makedirs(home + '/run', mode=0o700)
    prefix = []
    if os.getuid() == 0:  # root's qemu:///session would be the system daemon
        os.chmod(home, 0o755)
        subprocess.run(['chown', '-R', 'nobody:nogroup', home], check=True)
        prefix = AS_NOBODY
    daemon = subprocess.Popen(prefix + ['libvirtd'], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    test.addCleanup(daemon.wait)
    test.addCleanup(daemon.terminate)
    wait_for(lambda: os.path.exists(home + '/run/libvirt/libvirt-sock') or
             daemon.poll() is not None, what='the libvirtd socket')
    if daemon.poll() is not None:
        test.fail('libvirtd exited at start (status %s)' % daemon.returncode)

    def run(args, timeout=180):
        return subprocess.run(prefix + ['virsh', '-c', 'qemu:///session'] + list(args),
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)
    return run, home


class LibvirtDaemon(LibvirtTest):
    """Acceptance line 1 with Debian's libvirt 9.0: a private session libvirtd
    (run as nobody when we are root, with its own XDG directories)."""

    def test_virsh_domcapabilities(self):
        virsh, home = start_libvirtd(self)
        emulator = for_libvirtd(home, tt.tessera_path(LINK), emulator=True)
        argv = ['domcapabilities', '--emulatorbin', emulator, '--arch', 'riscv64',
                '--virttype', 'qemu', '--machine', 'virt']
        runs = [virsh(argv) for _ in range(2)]
        for r in runs:
            self.assertEqual(r.returncode, 0, r.stderr)
        xml = runs[0].stdout
        self.assertEqual(runs[1].stdout, xml)
        self.assertIn('<path>%s</path>' % emulator, xml)
        self.assertIn('<machine>virt</machine>', xml)
        # The board's real limit, as query-machines reports it and -smp enforces it.
        r = tt.run(['-M', 'virt', '-bios', 'none', '-S', '-nodefaults', '-smp', '9'], link=LINK)
        self.assertIn('supports 1 to 8 CPUs', r.stderr)
        self.assertIn("<vcpu max='8'/>", xml)
        # The memory backends and the rng backends Tessera has.
        backing = re.search(r"<memoryBacking supported='yes'>(.*?)</memoryBacking>", xml, re.S)
        self.assertIsNotNone(backing, xml)
        for v in ('file', 'anonymous', 'memfd'):
            self.assertIn('<value>%s</value>' % v, backing.group(1))
        rng = re.search(r"<rng supported='yes'>(.*?)</rng>", xml, re.S).group(1)
        self.assertIn('<value>virtio</value>', rng)
        self.assertIn("<tpm supported='no'/>", xml)
        # Only what Tessera has: the disk buses of its controllers (virtio-blk,
        # virtio-scsi; no IDE, SATA or USB storage), no video or graphics
        # devices, the rng backends it has (no egd), the 'max' CPU model.
        disk_bus = re.search(r"<enum name='bus'>(.*?)</enum>", xml, re.S).group(1)
        for v in ('virtio', 'scsi'):
            self.assertIn('<value>%s</value>' % v, disk_bus)
        for v in ('ide', 'sata', 'usb'):
            self.assertNotIn('<value>%s</value>' % v, disk_bus)
        self.assertRegex(xml, r"<video supported='yes'>\s*<enum name='modelType'>\s*"
                              r"<value>none</value>\s*</enum>")
        self.assertRegex(xml, r"<graphics supported='yes'>\s*<enum name='type'/>")
        backends = re.search(r"<enum name='backendModel'>(.*?)</enum>", rng, re.S).group(1)
        self.assertEqual(re.findall(r'<value>(\w+)</value>', backends), ['random', 'builtin'])
        self.assertIn("<mode name='maximum' supported='yes'>", xml)
        self.assertIn("<iothreads supported='no'/>", xml)

        def probes():
            log = open(home + '/libvirtd.log', errors='replace').read()
            return log, len(re.findall(r'QEMU_MONITOR_SEND_MSG.*"execute":"qmp_capabilities"',
                                       log))
        # One probe: the second answer came from libvirt's capability cache.
        log, n = probes()
        self.assertEqual(n, 1)
        # A new build (the binary's times change) invalidates the cache: the
        # next request probes again, with the same answer.
        binary = os.path.realpath(emulator)
        st = os.stat(binary)
        os.utime(binary, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        r = virsh(argv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, xml)
        log, n = probes()
        self.assertEqual(n, 2)
        self.assertNotIn('GenericError', log)
        self.assertEqual([l for l in log.splitlines() if re.search(r'\d+: error : qemu', l)], [])


DOMAIN_XML = """<domain type='qemu'>
  <name>tessera-test</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='riscv64' machine='virt'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 pciehp.pciehp_poll_mode=1 pciehp.pciehp_poll_time=1</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>{emulator}</emulator>
    <controller type='usb' model='none'/>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='pci' index='3' model='pcie-root-port'/>
    <controller type='pci' index='4' model='pcie-root-port'/>
    <controller type='pci' index='5' model='pcie-root-port'/>
    <controller type='pci' index='6' model='pcie-root-port'/>
    <input type='keyboard' bus='virtio'/>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:6e:a7:01'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><log file='{log}' append='on'/></serial>
    <console type='pty'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
    <memballoon model='none'/>
  </devices>
</domain>
"""

RNG_XML = """<rng model='virtio'><backend model='builtin'/></rng>
"""

DISK_XML = """<disk type='file' device='disk'>
  <driver name='qemu' type='qcow2'/>
  <source file='{path}'/>
  <target dev='vdb' bus='virtio'/>
</disk>
"""


class GuestConsole:
    """The domain's serial pty (the path virsh ttyconsole names)."""

    def __init__(self, path):
        import tty
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.buf = b''

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def expect(self, pattern, timeout):
        import select
        deadline = time.time() + timeout
        rx = re.compile(pattern.encode())
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError('no %r on the guest console; last output: %r'
                                     % (pattern, self.buf[-500:]))
            r, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if r:
                self.buf += os.read(self.fd, 65536)

    def run(self, command, answer, timeout=120):
        """Type a shell command; the match of @answer in its output."""
        self.buf = b''
        os.write(self.fd, command.encode() + b'\n')
        return self.expect(answer, timeout)


class LibvirtDomain(LibvirtTest):
    """Acceptance line 2: a riscv64 domain with Tessera as <emulator>,
    driven by Debian's libvirt 9.0 from define to undefine."""

    def test_domain_lifecycle(self):
        virsh, home = start_libvirtd(self)
        initrd = os.path.join(tt.guest_dir(), 'initramfs.cpio.gz')
        if not shutil.which('qemu-img'):
            self.fail('qemu-img is missing (Debian qemu-utils, scripts/setup.sh)')
        first, second = os.path.join(home, 'first.qcow2'), os.path.join(home, 'second.qcow2')
        log = os.path.join(home, 'console.log')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', first, '16M'], check=True)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', second, '24M'], check=True)
        if os.getuid() == 0:
            for path in (first, second):
                os.chown(path, pwd.getpwnam('nobody').pw_uid, grp.getgrnam('nogroup').gr_gid)
        xml = DOMAIN_XML.format(kernel=for_libvirtd(home, tt.linux_image()),
                                initrd=for_libvirtd(home, initrd), disk=first, log=log,
                                emulator=for_libvirtd(home, tt.tessera_path(LINK), emulator=True))
        for name, text in (('dom.xml', xml), ('rng.xml', RNG_XML),
                           ('disk.xml', DISK_XML.format(path=second))):
            with open(os.path.join(home, name), 'w') as f:
                f.write(text)
            os.chmod(os.path.join(home, name), 0o644)

        def ok(*args, timeout=180):
            r = virsh(args, timeout=timeout)
            self.assertEqual(r.returncode, 0, (args, r.stderr, self.domain_log(home)))
            return r.stdout.strip()

        ok('define', os.path.join(home, 'dom.xml'))
        ok('start', 'tessera-test')
        self.addCleanup(virsh, ['destroy', 'tessera-test'])
        self.assertEqual(ok('domstate', 'tessera-test'), 'running')
        # What libvirt ran: Tessera with libvirt's own start line; the
        # console log is a file libvirt opened and passed in fd set 0.
        cmdline = open(self.domain_log_path(home)).read()
        for opt in ('-sandbox on', '-mon chardev=charmonitor', 'fd=', '-msg timestamp=on',
                    'memory-backend=', '-device virtio-rng-pci', '-netdev user,id=hostnet0',
                    '-add-fd set=0,fd=', 'logfile=/dev/fdset/0', 'bootindex=1'):
            self.assertIn(opt, cmdline)
        pty = ok('ttyconsole', 'tessera-test')
        con = GuestConsole(pty)
        self.addCleanup(con.close)
        con.expect(r'BOOT-OK [\d.]+ riscv64', timeout=300)
        con.run('', r'# ', timeout=60)
        self.assertEqual(con.run('echo answer-$((6*7))', r'answer-(\d+)\r?\n').group(1), b'42')
        self.assertIn(b'BOOT-OK', open(log, 'rb').read())
        # The disk and the NIC, as libvirt and the guest see them.
        self.assertRegex(ok('domblklist', 'tessera-test'), r'vda\s+%s' % re.escape(first))
        self.assertRegex(ok('domiflist', 'tessera-test'),
                         r'-\s+user\s+-\s+virtio\s+52:54:00:6e:a7:01')
        self.assertEqual(con.run('cat /sys/block/vda/size', r'\n(\d+)\r?\n').group(1), b'32768')
        self.assertEqual(con.run('cat /sys/class/net/eth0/address', r'\n(\S+)\r?\n').group(1),
                         b'52:54:00:6e:a7:01')
        con.run('ip link set eth0 up; udhcpc -i eth0 -n -q -t 10 2>&1 | tail -3',
                r'lease of 10\.0\.2\.15 obtained from 10\.0\.2\.2', timeout=120)
        # suspend/resume: the vCPUs stop (the monitor says so), then go on.
        ok('suspend', 'tessera-test')
        self.assertEqual(ok('domstate', 'tessera-test', '--reason'), 'paused (user)')
        self.assertIn('VM status: paused',
                      ok('qemu-monitor-command', 'tessera-test', '--hmp', 'info status'))
        os.write(con.fd, b'echo while-$((1+1))\n')
        ok('resume', 'tessera-test')
        self.assertEqual(ok('domstate', 'tessera-test', '--reason'), 'running (unpaused)')
        con.expect(r'while-2', timeout=120)   # typed while paused, answered after
        self.assertIn('VM status: running',
                      ok('qemu-monitor-command', 'tessera-test', '--hmp', 'info status'))
        # Hotplug a second entropy device on the spare root port.
        ok('attach-device', 'tessera-test', os.path.join(home, 'rng.xml'), '--live')
        # (wt: wait up to 2 minutes for a file to exist, wg: for a line in one)
        con.run('wt() { for i in $(seq 120); do [ -e $1 ] && break; sleep 1; done; }', r'# ')
        con.run('wg() { for i in $(seq 120); do grep -q $1 $2 && break; sleep 1; done; }', r'# ')
        con.run('R=/sys/class/misc/hw_random/rng_available', r'# ')
        con.run('wg rng.1 $R; cat $R', r'virtio_rng\.0 virtio_rng\.1', timeout=180)
        self.assertEqual(ok('dumpxml', 'tessera-test').count('<rng model='), 2)
        # Hotplug a qcow2 disk (blockdev-add + device_add virtio-blk-pci): the
        # guest sees 24 MiB, and a write through it reaches the image.
        ok('attach-device', 'tessera-test', os.path.join(home, 'disk.xml'), '--live')
        self.assertRegex(ok('domblklist', 'tessera-test'), r'vdb\s+%s' % re.escape(second))
        con.run('wt /sys/block/vdb; echo waited-$((1+8))', r'waited-9', timeout=180)
        self.assertEqual(con.run('cat /sys/block/vdb/size', r'\n(\d+)\r?\n').group(1), b'49152')
        con.run('echo written-by-guest > /dev/vdb; sync; echo synced-$((3+3))', r'synced-6')
        with open(second, 'rb') as f:
            self.assertIn(b'written-by-guest', f.read())
        # Unplug it: the guest (polling its hotplug slots: pciehp_poll_mode on
        # the kernel command line) lets go, DEVICE_DELETED reaches libvirt,
        # which deletes the nodes.
        # (libvirt waits 5 s for the event; a slower guest's comes later.)
        self.assertIn('detach', ok('detach-device', 'tessera-test',
                                   os.path.join(home, 'disk.xml'), '--live'))
        wait_for(lambda: 'vdb' not in ok('domblklist', 'tessera-test'), timeout=120,
                 what='libvirt to drop vdb')
        self.assertEqual(con.run('ls /sys/block | grep -c "^vd"; echo gone-$((2+5))',
                                 r'\n(\d+)\r?\ngone-7').group(1), b'1')
        libvirt_log = open(home + '/libvirtd.log', errors='replace').read()
        self.assertRegex(libvirt_log, r'QEMU_MONITOR_RECV_EVENT.*"DEVICE_DELETED".*virtio-disk1')
        self.assertIn('"blockdev-del","arguments":{"node-name":"libvirt-2-format"}', libvirt_log)
        # A disk-only external snapshot (blockdev-create + blockdev-snapshot in a
        # transaction), a write into the overlay, then an active commit that
        # pivots back: the write is in the base image, the overlay is gone
        # from the chain.
        ok('snapshot-create-as', 'tessera-test', 'snap1', '--disk-only', '--atomic',
           '--no-metadata')
        overlay = os.path.join(home, 'first.snap1')
        self.assertRegex(ok('domblklist', 'tessera-test'), r'vda\s+%s' % re.escape(overlay))
        con.run('echo committed-by-guest > /dev/vda; sync; echo synced-$((4+4))', r'synced-8')
        with open(overlay, 'rb') as f:
            self.assertIn(b'committed-by-guest', f.read())
        self.assertIn('Successfully pivoted',
                      ok('blockcommit', 'tessera-test', 'vda', '--active', '--pivot',
                         timeout=300))
        self.assertRegex(ok('domblklist', 'tessera-test'), r'vda\s+%s' % re.escape(first))
        with open(first, 'rb') as f:
            self.assertIn(b'committed-by-guest', f.read())
        self.assertEqual(con.run('head -c 18 /dev/vda; echo', r'\n(\S+)\r?\n').group(1),
                         b'committed-by-guest')
        # virsh shutdown: system_powerdown presses the virtio keyboard's Power
        # key; the guest's input watcher (acpid's job, here shell functions:
        # lines stay short for busybox's line editing) powers it off.  It
        # says so only once the event device is open (evdev drops events
        # nobody has open).
        con.run('a() { head -c 24 <&3 >/dev/null; poweroff -f; }', r'# ')
        con.run('w() { exec 3</dev/input/event0; echo armed-$((2+2)); a; }', r'# ')
        con.run('w &', r'armed-4')
        ok('shutdown', 'tessera-test')
        try:
            wait_for(lambda: virsh(['domstate', 'tessera-test']).stdout.strip() == 'shut off',
                     timeout=180, what='the guest to power off')
        except TimeoutError:
            self.fail('the guest did not power off; console: %r; domain log: %s; monitor: %s'
                      % (con.buf[-500:], self.domain_log(home),
                         '\n'.join(l for l in open(home + '/libvirtd.log', errors='replace')
                                   .read().splitlines()[-2000:] if 'QEMU_MONITOR' in l)[-3000:]))
        self.assertEqual(ok('domstate', 'tessera-test', '--reason'), 'shut off (shutdown)')
        con.close()
        # Start again and pull the plug.
        ok('start', 'tessera-test')
        con = GuestConsole(ok('ttyconsole', 'tessera-test'))
        self.addCleanup(con.close)
        con.expect(r'BOOT-OK [\d.]+ riscv64', timeout=300)
        ok('destroy', 'tessera-test')
        self.assertEqual(ok('domstate', 'tessera-test', '--reason'), 'shut off (destroyed)')
        ok('undefine', 'tessera-test')
        r = virsh(['domstate', 'tessera-test'])
        self.assertNotEqual(r.returncode, 0)
        log = open(home + '/libvirtd.log', errors='replace').read()
        # The QEMU driver's errors (the host's own -- no dnsmasq, no D-Bus --
        # are not the domain's).
        errors = [l for l in log.splitlines() if re.search(r'\d+: error : qemu', l)]
        self.maxDiff = None
        self.assertEqual(errors, [])
        # Every reply on the domain's monitor (the probe's is another) succeeded.
        mon = re.search(r'QEMU_MONITOR_SEND_MSG: mon=(0x[0-9a-f]+) msg=.*"query-chardev"', log)
        self.assertIsNotNone(mon)
        replies = [l for l in log.splitlines()
                   if 'QEMU_MONITOR_RECV_REPLY: mon=%s ' % mon.group(1) in l]
        self.assertGreater(len(replies), 10)
        self.assertEqual([l for l in replies if '"error"' in l], [])
        # Nor did Tessera report an error (or a sanitizer finding) in the domain log.
        dlog = open(self.domain_log_path(home), errors='replace').read().splitlines()
        self.assertEqual([l for l in dlog if re.search(r'(?i)error|sanitizer', l)
                          and not l.startswith('-')], [])

    def domain_log_path(self, home):
        return os.path.join(home, 'cache', 'libvirt', 'qemu', 'log', 'tessera-test.log')

    def domain_log(self, home):
        try:
            return open(self.domain_log_path(home)).read()[-3000:]
        except OSError:
            return '(no domain log)'


def help_options_with_argument():
    """The options -h lists with an argument, built subsystems only."""
    out = tt.run(['-h']).stdout
    names = set()
    for line in out.splitlines():
        # "-name ARG  help": one space before the argument; a flag's help
        # follows padding.
        m = re.match(r'^  -(\S+) \S', line)
        if m and '[not built yet]' not in line:
            names.add(m.group(1))
    return names


if __name__ == '__main__':
    tt.main('test_libvirt')
