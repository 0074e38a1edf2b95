# SPDX-License-Identifier: MIT
"""Resource hygiene: thousands of monitor operations that create and destroy
things leave the process's memory (VmRSS) and open files (/proc/PID/fd) flat.

Each test warms up first (allocator pools, hash tables and GLib caches reach
their working size), measures, runs ROUNDS rounds, measures again.

  - device_add/device_del of a hotpluggable device, object-add/object-del
    of a user-creatable object: the modules Tessera ships have neither (no
    device is hotpluggable, no object type is user-creatable), so these use
    the test modules' test-dep-leaf and test-object, which go through the
    same core paths (device_create_from_opts, realize, unplug, unparent;
    object_create_from_opts, object-del) any real one will.
  - QMP connect/disconnect: a second client connects to a -qmp socket,
    negotiates, runs a command and goes away.
chardev-add/chardev-remove do not exist yet, so they are not measured.
"""
import os
import socket
import time
import unittest

import tessera_test as tt
from qmp_client import QmpClient, Vm, wait_for

ROUNDS = 2000
WARMUP = 200
# Tolerance on VmRSS growth over ROUNDS rounds.  What a round allocates is
# a device or an object (state, properties, QOM child entry, id strings):
# keeping 2,000 test-objects grows RSS by ~1.2 MiB, 2,000 test-dep-leaf
# devices by ~2.7 MiB (measured on the debug build), so leaking one per
# round crosses 512 KiB; a leaked client session (buffers, parser, GSource)
# is larger still.  Without leaks RSS moves by a few pages at most (0 KiB
# in runs here; allocator trimming and socket buffers account for any).
# So: fail above 512 KiB.
RSS_TOLERANCE_KB = 512
# The sanitized build's allocator keeps freed blocks in a quarantine, which
# grows RSS without any leak; turn it off for the measured process (on top
# of the options the build sets).
SAN_ENV = {'ASAN_OPTIONS': ':'.join(filter(None, [
    os.environ.get('ASAN_OPTIONS', ''),
    'quarantine_size_mb=0:thread_local_quarantine_size_kb=0']))}


def rss_kb(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS for pid %d' % pid)


def fds(pid):
    return sorted(os.listdir('/proc/%d/fd' % pid), key=int)


def settled_fds(pid):
    """The open files once a client that just left has been noticed: the
    list, after it has stayed the same for 0.2 s (at most 5 s)."""
    last, since = fds(pid), time.time()
    deadline = since + 5
    while time.time() < deadline:
        time.sleep(0.02)
        now = fds(pid)
        if now != last:
            last, since = now, time.time()
        elif time.time() - since >= 0.2:
            break
    return last


class Hygiene(unittest.TestCase):
    def vm(self, args, **kw):
        v = Vm(args, env=SAN_ENV, **kw)
        self.addCleanup(v.close)
        return v

    def assertFlat(self, pid, before_rss, before_fds, what):
        after_fds = None

        def fds_back():
            nonlocal after_fds
            after_fds = fds(pid)
            return len(after_fds) <= len(before_fds)
        try:
            wait_for(fds_back, timeout=5, what='open files back to %d' % len(before_fds))
        except TimeoutError:
            pass
        self.assertEqual(len(after_fds), len(before_fds),
                         '%s: open files %d -> %d (%s -> %s)' %
                         (what, len(before_fds), len(after_fds), before_fds, after_fds))
        grown = rss_kb(pid) - before_rss
        print('%s: %d rounds, VmRSS %+d KiB, open files %d -> %d' %
              (what, ROUNDS, grown, len(before_fds), len(after_fds)))
        self.assertLessEqual(grown, RSS_TOLERANCE_KB,
                             '%s: VmRSS grew by %d KiB over %d rounds' % (what, grown, ROUNDS))

    def test_device_and_object_add_del(self):
        vm = self.vm(['-M', 'none'], test_modules=True)
        q = vm.qmp()
        pid = vm.proc.pid

        def round_(i):
            q.cmd('device_add', driver='test-dep-leaf', id='leaf%d' % i, label='x' * 64)
            q.cmd('device_del', id='leaf%d' % i)
            q.wait_event('DEVICE_DELETED')
            q.cmd('object-add', qom_type='test-object', id='obj%d' % i, size=4096,
                  label='y' * 64)
            q.cmd('object-del', id='obj%d' % i)
        for i in range(WARMUP):
            round_(i)
        rss, before = rss_kb(pid), fds(pid)
        for i in range(WARMUP, WARMUP + ROUNDS):
            round_(i)
        # Everything really went away.
        self.assertEqual([p['name'] for p in q.cmd('qom-list', path='/objects')
                          if p['type'].startswith('child<')], [])
        self.assertNotIn('leaf', str(q.cmd('qom-list', path='/machine/peripheral')))
        self.assertFlat(pid, rss, before, 'device_add/del + object-add/del')

    def test_qmp_connect_disconnect(self):
        vm = self.vm(['-M', 'none'], qmp=2)
        main = vm.qmp(0)
        vm.qmp(1).close()        # the second socket is up
        vm.clients.pop()
        pid = vm.proc.pid
        path = vm.qmp_paths[1]

        def round_(i):
            c = QmpClient(path)
            try:
                if i % 2:
                    c.cmd('qmp_capabilities')
                    c.cmd('query-status')
                else:
                    # Half the clients go away mid-message.
                    c.send_raw('{"execute": "qmp_capa')
            finally:
                c.sock.shutdown(socket.SHUT_RDWR)
                c.close()
        for i in range(WARMUP):
            round_(i)
        before = settled_fds(pid)
        rss = rss_kb(pid)
        for i in range(ROUNDS):
            round_(i)
        # The first client was never disturbed.
        self.assertEqual(main.cmd('query-status')['status'], 'running')
        time.sleep(0.1)
        self.assertFlat(pid, rss, before, 'QMP connect/disconnect')


if __name__ == '__main__':
    tt.main('hygiene')
