#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The spike board's HTIF driven through the qtest protocol: console output
and acknowledgement, the exit command, the syscall proxy's write, and the
CLINT timer, all without a guest CPU."""
import os
import shutil
import tempfile
import time
import unittest

import tessera_test as tt
from qtest_client import QTest

HTIF = 0x1000000
FROMHOST = HTIF + 0x0
TOHOST = HTIF + 0x8
RAM = 0x80000000
CLINT = 0x2000000


def cmd(dev, command, payload):
    return dev << 56 | command << 48 | payload


def spike(*extra):
    return ['-M', 'spike', '-bios', 'none', '-nodefaults'] + list(extra)


def wait_file(path, want):
    deadline = time.time() + 20
    while time.time() < deadline:
        if os.path.exists(path) and open(path, 'rb').read() == want:
            return
        time.sleep(0.01)
    got = open(path, 'rb').read() if os.path.exists(path) else None
    raise AssertionError('%s holds %r, expected %r' % (path, got, want))


class Htif(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-qtest-spike-')
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.out = os.path.join(self.dir, 'console')

    def test_putchar_reaches_the_console_and_is_acknowledged(self):
        with QTest(spike('-serial', 'file:' + self.out)) as qt:
            for ch in b'hi':
                qt.writeq(TOHOST, cmd(1, 1, ch))
                self.assertEqual(qt.readq(TOHOST), 0)  # consumed at once
                self.assertEqual(qt.readq(FROMHOST), cmd(1, 1, 0x100 | ch))
                qt.writeq(FROMHOST, 0)
            wait_file(self.out, b'hi')

    def test_halves_build_one_command(self):
        with QTest(spike('-serial', 'file:' + self.out)) as qt:
            word = cmd(1, 1, ord('Q'))
            qt.writel(TOHOST, word & 0xffffffff)
            self.assertEqual(qt.readq(FROMHOST), 0)  # waits for the high half
            qt.writel(TOHOST + 4, word >> 32)
            self.assertEqual(qt.readq(FROMHOST), cmd(1, 1, 0x100 | ord('Q')))
            wait_file(self.out, b'Q')

    def test_syscall_write_goes_to_the_console(self):
        with QTest(spike('-serial', 'file:' + self.out)) as qt:
            text = b'proxied\n'
            buf, magic = RAM + 0x2000, RAM + 0x1000
            qt.memwrite(buf, text)
            words = [64, 1, buf, len(text), 0, 0, 0, 0]  # write(1, buf, len)
            qt.memwrite(magic, b''.join(w.to_bytes(8, 'little') for w in words))
            qt.writeq(TOHOST, cmd(0, 0, magic))
            self.assertEqual(qt.readq(magic), len(text))  # the result, in word 0
            self.assertEqual(qt.readq(FROMHOST), cmd(0, 0, 1))
            wait_file(self.out, text)

    def test_exit_command_sets_the_exit_status(self):
        with QTest(spike()) as qt:
            qt.writeq(TOHOST, 5 << 1 | 1)
            self.assertEqual(qt.wait_exit(), 5)

    def test_clint_timer(self):
        with QTest(spike()) as qt:
            qt.irq_intercept_out('/machine/clint')
            mtime = qt.readq(CLINT + 0xbff8)
            qt.writeq(CLINT + 0x4000, mtime + 10)
            qt.clock_step()
            self.assertEqual(qt.get_irq(1), 1)
            self.assertGreaterEqual(qt.readq(CLINT + 0xbff8), mtime + 10)


if __name__ == '__main__':
    tt.main('test_qtest_spike')
