# SPDX-License-Identifier: MIT
"""The options libvirt passes on every domain start (issue 16), each checked
for its effect: -overcommit mem-lock, -rtc base=, -boot, -msg timestamp,
-name debug-threads/process, -mon, -chardev socket,fd=, -audiodev none,
-object secret (raw/base64/AES-256-CBC with keyid/iv), -machine usb=off/
dump-guest-core=off, -sandbox (seccomp)."""
import base64
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import tessera_test as tt
from qmp_client import QmpClient, QmpError, Vm, wait_for
from qtest_client import QTest

LINK = 'tessera-system-riscv64'
BASE = ['-M', 'virt', '-bios', 'none', '-nodefaults', '-S']
RTC = 0x101000   # goldfish-rtc on riscv virt


def status_field(pid, name):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(name + ':'):
                return line.split(':', 1)[1].strip()
    return None


class Refusals(unittest.TestCase):
    """What Tessera cannot honour is refused by name, never accepted."""

    def test_refused(self):
        cases = [
            (['-overcommit', 'cpu-pm=on'], 'cpu-pm=on'),
            (['-overcommit', 'mem-lock=maybe'], "expects on or off"),
            (['-overcommit', 'nosuch=on'], "invalid parameter 'nosuch'"),
            (['-rtc', 'clock=host'], 'clock=host'),
            (['-rtc', 'driftfix=slew'], 'driftfix=slew'),
            (['-rtc', 'base=yesterday'], 'base=yesterday'),
            (['-boot', 'order=dc'], 'order='),
            (['-boot', 'splash-time=65536'], 'splash-time is invalid'),
            (['-boot', 'strict=perhaps'], 'expects on or off'),
            (['-msg', 'guest-name=on'], 'needs -name'),
            (['-audiodev', 'pa,id=a'], "driver 'pa' is not available"),
            (['-audiodev', 'none,id=a', '-audiodev', 'none,id=a'], "duplicate id 'a'"),
            (['-audiodev', '{"driver":"none"}'], "'id' is missing"),
            (['-machine', 'usb=on'], 'usb=on'),
            (['-mon', 'chardev=nosuch,mode=control'], 'chardev "nosuch" not found'),
            (['-chardev', 'null,id=c', '-mon', 'c,mode=control,pretty=on'], 'pretty=on'),
            (['-sandbox', 'on,spawn=maybe'], 'spawn=maybe'),
            (['-sandbox', 'off,spawn=deny'], 'needs -sandbox on'),
            (['-chardev', 'socket,id=c,fd=999,server=on,wait=off'], 'no such open file'),
            (['-object', 'secret,id=s'], "either 'data' or 'file'"),
            (['-object', 'secret,id=s,data=x,format=hex'], 'format=hex'),
            (['-object', 'secret,id=s,file=/nonexistent/x'], 'Unable to read /nonexistent/x'),
        ]
        for args, msg in cases:
            r = tt.run(BASE + args, link=LINK)
            self.assertEqual(r.returncode, 1, (args, r.stderr))
            self.assertIn(msg, r.stderr, args)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, (args, r.stderr))


class ProcessOptions(unittest.TestCase):
    def vm(self, args):
        v = Vm(BASE + args)
        self.addCleanup(v.close)
        q = v.qmp()
        return v, q

    def test_msg_timestamp_and_guest_name(self):
        r = tt.run(BASE + ['-name', 'g1', '-msg', 'timestamp=on,guest-name=on', '-M',
                           'nosuch'], link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z g1 tessera: ')
        r = tt.run(BASE + ['-msg', 'timestamp=off', '-M', 'nosuch'], link=LINK)
        self.assertRegex(r.stderr, r'^tessera: ')

    def test_mem_lock_locks_guest_ram(self):
        v, q = self.vm(['-m', '64M', '-overcommit', 'mem-lock=on'])
        locked = int(status_field(v.proc.pid, 'VmLck').split()[0])
        libs = subprocess.run(['ldd', tt.tessera_path(LINK)], stdout=subprocess.PIPE,
                              text=True).stdout
        if 'libasan' in libs:
            # AddressSanitizer's runtime turns mlockall into a no-op (its
            # terabytes of shadow cannot be locked).
            self.assertEqual(locked, 0)
        else:
            self.assertGreaterEqual(locked, 64 * 1024)   # kB: all of guest RAM
        v2, q2 = self.vm(['-m', '64M', '-overcommit', 'mem-lock=off'])
        self.assertEqual(status_field(v2.proc.pid, 'VmLck'), '0 kB')

    def test_debug_threads_and_process_name(self):
        v, q = self.vm(['-name', 'guest=g1,process=tess-g1,debug-threads=on', '-smp', '2'])
        self.assertEqual(q.cmd('query-name'), {'name': 'g1'})
        task = '/proc/%d/task' % v.proc.pid
        names = {open('%s/%s/comm' % (task, t)).read().strip() for t in os.listdir(task)}
        self.assertTrue({'CPU 0/TCG', 'CPU 1/TCG', 'tess-g1'} <= names, names)
        v2, q2 = self.vm(['-name', 'g2'])
        task = '/proc/%d/task' % v2.proc.pid
        names = {open('%s/%s/comm' % (task, t)).read().strip() for t in os.listdir(task)}
        self.assertFalse(any(n.startswith('CPU ') for n in names), names)

    def ram_vmflags(self, dump):
        """The VmFlags of the guest RAM mapping (a file backend, so that
        its smaps entry is found by path)."""
        d = tempfile.mkdtemp(prefix='tessera-dump-')
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        path = os.path.join(d, 'ram')
        v, q = self.vm(['-object', 'memory-backend-file,id=m,size=64M,mem-path=' + path,
                        '-machine', 'memory-backend=m' + dump])
        smaps = open('/proc/%d/smaps' % v.proc.pid).read()
        m = re.search(r'^[0-9a-f-]+ \S+ \S+ \S+ \S+\s+%s\n.*?^VmFlags:([^\n]*)'
                      % re.escape(path), smaps, re.M | re.S)
        self.assertIsNotNone(m, 'no mapping of %s' % path)
        return m.group(1).split()

    def test_dump_guest_core_off(self):
        self.assertIn('dd', self.ram_vmflags(',dump-guest-core=off'))
        self.assertNotIn('dd', self.ram_vmflags(''))
        self.assertNotIn('dd', self.ram_vmflags(',dump-guest-core=on'))

    def test_mon_and_socket_fd(self):
        """libvirt's monitor: a listening socket it made, passed as fd=N."""
        d = tempfile.mkdtemp(prefix='tessera-fd-')
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        path = os.path.join(d, 'mon.sock')
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(path)
        lsock.listen(1)
        fd = lsock.fileno()
        proc = subprocess.Popen([tt.tessera_path(LINK)] + BASE + [
            '-chardev', 'socket,id=charmonitor,fd=%d,server=on,wait=off' % fd,
            '-mon', 'chardev=charmonitor,id=monitor,mode=control',
            '-audiodev', '{"id":"audio1","driver":"none"}', '-boot', 'strict=on',
            '-rtc', 'base=utc', '-overcommit', 'mem-lock=off',
            '-machine', 'usb=off,dump-guest-core=off'],
            pass_fds=[fd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        lsock.close()
        self.addCleanup(proc.wait)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        q = QmpClient(path)
        self.addCleanup(q.close)
        q.cmd('qmp_capabilities')
        chardevs = {c['label']: c['filename'] for c in q.cmd('query-chardev')}
        self.assertIn(path, chardevs['charmonitor'])
        self.assertEqual(q.cmd('query-status')['status'], 'prelaunch')
        q.execute('quit')
        self.assertEqual(proc.wait(10), 0)
        proc.stdout.close()
        proc.stderr.close()
        # A connected socket is no listening one.
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        r = subprocess.run([tt.tessera_path(LINK)] + BASE + [
            '-chardev', 'socket,id=c,fd=%d,server=on,wait=off' % a.fileno()],
            pass_fds=[a.fileno()], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            timeout=30)
        self.assertIn('server=on needs a listening socket', r.stderr)

    def test_rtc_base(self):
        for base, want in (('2006-06-17T16:01:21', 1150560081), ('2006-06-17', 1150502400)):
            with QTest(['-M', 'virt', '-bios', 'none', '-rtc', 'base=' + base]) as qt:
                lo = qt.readl(RTC)
                hi = qt.readl(RTC + 4)
                secs = ((hi << 32) | lo) // 10**9
                # Started from that date, advancing with the VM clock only.
                self.assertGreaterEqual(secs, want)
                self.assertLess(secs, want + 3600)
        with QTest(['-M', 'virt', '-bios', 'none', '-rtc', 'base=utc']) as qt:
            lo = qt.readl(RTC)
            secs = ((qt.readl(RTC + 4) << 32) | lo) // 10**9
            self.assertLess(abs(secs - time.time()), 3600)


class Secrets(unittest.TestCase):
    def vm(self, args):
        v = Vm(BASE + args)
        self.addCleanup(v.close)
        return v.qmp()

    def test_encrypted_secret(self):
        """AES-256-CBC under a master key, as libvirt sends passwords."""
        try:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
            from cryptography.hazmat.primitives import padding
        except ImportError:
            self.fail('python3-cryptography is missing (Debian python3-cryptography)')
        d = tempfile.mkdtemp(prefix='tessera-secret-')
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        key, iv = os.urandom(32), os.urandom(16)
        keyfile = os.path.join(d, 'master.key')
        open(keyfile, 'wb').write(key)
        padder = padding.PKCS7(128).padder()
        plain = padder.update(b'hunter2') + padder.finalize()
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        ct = base64.b64encode(enc.update(plain) + enc.finalize()).decode()
        ivb = base64.b64encode(iv).decode()
        q = self.vm(['-object', 'secret,id=master,format=raw,file=' + keyfile,
                     '-object', 'secret,id=pw,data=%s,keyid=master,iv=%s,format=raw' % (ct, ivb)])
        self.assertEqual(q.cmd('qom-get', path='/objects/pw', property='keyid'), 'master')
        # Wrong key: the padding does not check out.
        wrong = base64.b64encode(os.urandom(32)).decode()
        q.cmd('object-add', **{'qom-type': 'secret', 'id': 'other', 'data': wrong,
                               'format': 'base64'})
        with self.assertRaises(QmpError) as cm:
            q.cmd('object-add', **{'qom-type': 'secret', 'id': 'pw2', 'data': ct,
                                   'keyid': 'other', 'iv': ivb})
        self.assertIn('decryption with keyid other failed', cm.exception.desc)
        with self.assertRaises(QmpError) as cm:
            q.cmd('object-add', **{'qom-type': 'secret', 'id': 'pw3', 'data': ct,
                                   'keyid': 'nosuch', 'iv': ivb})
        self.assertIn("No secret with id 'nosuch'", cm.exception.desc)
        with self.assertRaises(QmpError) as cm:
            q.cmd('object-add', **{'qom-type': 'secret', 'id': 'pw4', 'data': ct,
                                   'keyid': 'master', 'iv': 'AAAA'})
        self.assertIn('16 bytes, not 3', cm.exception.desc)


class Sandbox(unittest.TestCase):
    def test_filter_installed_in_every_thread(self):
        v = Vm(BASE + ['-smp', '2', '-sandbox',
                       'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny'])
        self.addCleanup(v.close)
        q = v.qmp()
        task = '/proc/%d/task' % v.proc.pid
        for t in os.listdir(task):
            with open('%s/%s/status' % (task, t)) as f:
                self.assertIn('Seccomp:\t2', f.read(), t)
        v2 = Vm(BASE + ['-sandbox', 'off'])
        self.addCleanup(v2.close)
        v2.qmp()
        self.assertEqual(status_field(v2.proc.pid, 'Seccomp'), '0')

    def spawn_tap(self, sandbox):
        """-netdev tap with a script: the one path of Tessera that starts a
        process (in a network namespace of its own, as test_net does).
        Returns the exit status after QMP quit, or the signal that killed it."""
        for tool in ('unshare', 'true'):
            if not shutil.which(tool):
                self.fail('%s is missing (util-linux / coreutils)' % tool)
        d = tempfile.mkdtemp(prefix='tessera-sandbox-')
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        sock = os.path.join(d, 'qmp.sock')
        proc = subprocess.Popen(
            ['unshare', '-n', tt.tessera_path(LINK), '-M', 'none', '-nodefaults',
             '-sandbox', sandbox, '-qmp', 'unix:%s,server=on,wait=off' % sock, '-netdev',
             'tap,id=t,ifname=tsb0,script=%s,downscript=no' % shutil.which('true')],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        wait_for(lambda: os.path.exists(sock) or proc.poll() is not None, what='QMP or exit')
        try:
            q = QmpClient(sock)
            q.cmd('qmp_capabilities')
            q.execute('quit')
            q.close()
        except (OSError, EOFError):
            pass  # it died while setting up the netdev (the monitor listens first)
        code = proc.wait(30)
        err = proc.stderr.read()
        proc.stderr.close()
        return code, err

    def test_spawn_deny_is_enforced(self):
        code, err = self.spawn_tap('on')
        self.assertEqual(code, 0, err)                  # the script ran
        code, err = self.spawn_tap('on,spawn=deny')
        self.assertEqual(code, -31, err)                # SIGSYS: killed by the filter

if __name__ == '__main__':
    tt.main('test_runopts')
