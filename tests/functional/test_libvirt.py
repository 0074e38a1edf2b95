# SPDX-License-Identifier: MIT
"""libvirt's way of running Tessera (issue 16): the probe command line
(-no-user-config, -pidfile, -daemonize, -machine none,accel=kvm:tcg) and the
QMP probe sequence libvirt 9.0 sends, answer by answer, in QEMU 7.2's shapes."""
import os
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
        self.assertEqual(q.cmd('query-migrate-capabilities'), [])
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
