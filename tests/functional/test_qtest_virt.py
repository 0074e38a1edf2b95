#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The virt board's devices driven through the qtest protocol (-accel qtest),
with no guest CPU: the functional twins of tests/devices (UART, PLIC,
ACLINT, goldfish RTC, sifive_test, a -device user device)."""
import os
import shutil
import socket
import tempfile
import time
import unittest

import tessera_test as tt
from qtest_client import QTest

UART = 0x10000000
UART_PATH = '/machine/uart0'
PLIC = 0xc000000
PLIC_PATH = '/machine/plic'
CLINT = 0x2000000
CLINT_PATH = '/machine/clint'
RTC = 0x101000
RTC_PATH = '/machine/rtc'
TEST = 0x100000
RAM = 0x80000000
UART_PLIC_SOURCE = 10
USER_WINDOW = 0x10010000
USER_IRQ_FIRST = 64

# 16550 registers and bits
THR, IER, IIR, FCR, LCR, LSR = 0, 1, 2, 2, 3, 5
LSR_DR, LSR_THRE, LSR_TEMT = 0x01, 0x20, 0x40
IER_RDI, IER_THRI = 0x01, 0x02
IIR_NO_INT, IIR_THRI, IIR_TIMEOUT = 0x01, 0x02, 0x0c

# goldfish RTC registers
TIME_LOW, TIME_HIGH, ALARM_LOW, ALARM_HIGH = 0x00, 0x04, 0x08, 0x0c
IRQ_ENABLED, CLEAR_ALARM, ALARM_STATUS, CLEAR_INTERRUPT = 0x10, 0x14, 0x18, 0x1c

MTIMECMP0 = CLINT + 0x4000
MTIME = CLINT + 0xbff8
TIMEBASE_HZ = 10000000
NS_PER_TICK = 1000000000 // TIMEBASE_HZ

POLL_LIMIT = 20.0  # seconds a host->device byte may take to arrive (never asserted)


def virt(*extra):
    return ['-M', 'virt', '-bios', 'none', '-nodefaults'] + list(extra)


def wait_for(pred, what):
    deadline = time.time() + POLL_LIMIT
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.01)
    raise AssertionError('gave up waiting for ' + what)


class Uart(unittest.TestCase):
    def test_transmit_reaches_the_chardev(self):
        d = tempfile.mkdtemp(prefix='tessera-qtest-serial-')
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        out = os.path.join(d, 'serial.out')
        with QTest(virt('-serial', 'file:' + out)) as qt:
            self.assertEqual(qt.readb(UART + LSR) & (LSR_THRE | LSR_TEMT), LSR_THRE | LSR_TEMT)
            for ch in b'qtest!':
                qt.writeb(UART + THR, ch)
            wait_for(lambda: os.path.exists(out) and open(out, 'rb').read() == b'qtest!',
                     'the UART output in ' + out)

    def test_thre_interrupt_raises_and_clears(self):
        with QTest(virt()) as qt:
            qt.irq_intercept_out(UART_PATH)
            self.assertEqual(qt.readb(UART + IIR) & 0x0f, IIR_NO_INT)
            qt.writeb(UART + IER, IER_THRI)
            self.assertEqual(qt.take_irq_events(), [('raise', 0)])
            # Reading IIR reporting THRE clears it (16550 data sheet).
            self.assertEqual(qt.readb(UART + IIR) & 0x0f, IIR_THRI)
            self.assertEqual(qt.take_irq_events(), [('lower', 0)])
            qt.writeb(UART + THR, ord('x'))
            self.assertEqual(qt.take_irq_events(), [('raise', 0)])
            qt.writeb(UART + IER, 0)
            self.assertEqual(qt.take_irq_events(), [('lower', 0)])

    def test_receive_and_character_timeout(self):
        d = tempfile.mkdtemp(prefix='tessera-qtest-serial-')
        self.addCleanup(shutil.rmtree, d, ignore_errors=True)
        sock = os.path.join(d, 'serial.sock')
        args = virt('-chardev', 'socket,id=s0,path=%s,server=on,wait=off' % sock,
                    '-serial', 'chardev:s0')
        with QTest(args) as qt:
            host = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            host.connect(sock)
            try:
                qt.irq_intercept_out(UART_PATH)
                # FIFO on, trigger level 4: one byte alone raises no RDI...
                qt.writeb(UART + FCR, 0x41)
                qt.writeb(UART + IER, IER_RDI)
                host.sendall(b'Z')
                wait_for(lambda: qt.readb(UART + LSR) & LSR_DR, 'the byte to reach the UART')
                self.assertEqual(qt.get_irq(0), 0)
                # ...until 4 character times pass without a read: the next timer.
                qt.clock_step()
                self.assertEqual(qt.get_irq(0), 1)
                self.assertEqual(qt.readb(UART + IIR) & 0x0f, IIR_TIMEOUT)
                self.assertEqual(qt.readb(UART + THR), ord('Z'))
                self.assertEqual(qt.get_irq(0), 0)
                self.assertEqual(qt.readb(UART + LSR) & LSR_DR, 0)
            finally:
                host.close()


class Plic(unittest.TestCase):
    CTX0_ENABLE = PLIC + 0x2000
    CTX0_THRESHOLD = PLIC + 0x200000
    CTX0_CLAIM = PLIC + 0x200004

    def enable(self, qt, source, priority=1):
        qt.writel(PLIC + 4 * source, priority)
        word = self.CTX0_ENABLE + 4 * (source // 32)
        qt.writel(word, qt.readl(word) | 1 << (source % 32))
        qt.writel(self.CTX0_THRESHOLD, 0)

    def test_claim_and_complete(self):
        with QTest(virt()) as qt:
            qt.irq_intercept_out(PLIC_PATH)
            self.enable(qt, 5)
            qt.set_irq_in(PLIC_PATH, 5, 1)
            self.assertEqual(qt.take_irq_events(), [('raise', 0)])
            self.assertEqual(qt.readl(PLIC + 0x1000) & (1 << 5), 1 << 5)
            self.assertEqual(qt.readl(self.CTX0_CLAIM), 5)
            self.assertEqual(qt.take_irq_events(), [('lower', 0)])
            # Still high at completion: pends again.
            qt.writel(self.CTX0_CLAIM, 5)
            self.assertEqual(qt.take_irq_events(), [('raise', 0)])
            qt.set_irq_in(PLIC_PATH, 5, 0)
            self.assertEqual(qt.take_irq_events(), [('lower', 0)])
            self.assertEqual(qt.readl(self.CTX0_CLAIM), 0)

    def test_threshold_masks_and_priority_orders(self):
        with QTest(virt()) as qt:
            qt.irq_intercept_out(PLIC_PATH)
            self.enable(qt, 3, priority=2)
            self.enable(qt, 7, priority=5)
            qt.writel(self.CTX0_THRESHOLD, 5)
            qt.set_irq_in(PLIC_PATH, 3, 1)
            qt.set_irq_in(PLIC_PATH, 7, 1)
            self.assertEqual(qt.get_irq(0), 0)
            qt.writel(self.CTX0_THRESHOLD, 1)
            self.assertEqual(qt.get_irq(0), 1)
            self.assertEqual(qt.readl(self.CTX0_CLAIM), 7)
            self.assertEqual(qt.readl(self.CTX0_CLAIM), 3)
            self.assertEqual(qt.get_irq(0), 0)

    def test_uart_interrupt_reaches_the_hart_context(self):
        with QTest(virt()) as qt:
            qt.irq_intercept_out(PLIC_PATH)
            self.enable(qt, UART_PLIC_SOURCE)
            qt.writeb(UART + IER, IER_THRI)
            self.assertEqual(qt.take_irq_events(), [('raise', 0)])
            self.assertEqual(qt.readl(self.CTX0_CLAIM), UART_PLIC_SOURCE)

    def test_intercept_in_reports_what_devices_drive(self):
        with QTest(virt()) as qt:
            qt.irq_intercept_in(PLIC_PATH)
            qt.writeb(UART + IER, IER_THRI)
            self.assertEqual(qt.take_irq_events(), [('raise', UART_PLIC_SOURCE)])
            # Intercepted inputs no longer reach the PLIC's gateway.
            self.assertEqual(qt.readl(PLIC + 0x1000), 0)
            qt.writeb(UART + IER, 0)
            self.assertEqual(qt.take_irq_events(), [('lower', UART_PLIC_SOURCE)])


class Clint(unittest.TestCase):
    def test_mtime_follows_the_virtual_clock(self):
        with QTest(virt()) as qt:
            t0 = qt.clock_step(0)
            m0 = qt.readq(MTIME)
            self.assertEqual(m0, t0 // NS_PER_TICK)
            now = qt.clock_step(123456700)
            self.assertEqual(now, t0 + 123456700)
            self.assertEqual(qt.readq(MTIME), now // NS_PER_TICK)
            self.assertEqual(qt.clock_set(now + 1000), now + 1000)
            self.assertEqual(qt.clock_set(5), now + 1000)  # never backwards

    def test_mtimecmp_raises_mtip_when_reached(self):
        with QTest(virt()) as qt:
            qt.irq_intercept_out(CLINT_PATH)
            start = qt.clock_step(0)
            due = qt.readq(MTIME) + 1000
            qt.writeq(MTIMECMP0, due)
            self.assertEqual(qt.get_irq(1), 0)
            qt.clock_step(500 * NS_PER_TICK)
            self.assertEqual(qt.get_irq(1), 0)
            now = qt.clock_step()  # to the timer's deadline
            self.assertEqual(qt.get_irq(1), 1)
            self.assertEqual(now, due * NS_PER_TICK)
            self.assertGreater(now, start)
            qt.writeq(MTIMECMP0, 0xffffffffffffffff)
            self.assertEqual(qt.get_irq(1), 0)

    def test_msip_drives_pin_0(self):
        with QTest(virt()) as qt:
            qt.irq_intercept_out(CLINT_PATH)
            qt.writel(CLINT, 1)
            self.assertEqual(qt.take_irq_events(), [('raise', 0)])
            self.assertEqual(qt.readl(CLINT), 1)
            qt.writel(CLINT, 0)
            self.assertEqual(qt.take_irq_events(), [('lower', 0)])

    def test_cpus_never_run(self):
        # sw of 1 to RAM+0x1000 then a tight loop, at the reset target.
        code = bytes.fromhex('97120000' '13031000' '23a06200' '6f000000')
        with QTest(virt()) as qt:
            qt.memwrite(RAM, code)
            qt.clock_step(2000000000)
            self.assertEqual(qt.readl(RAM + 0x1000), 0)
            self.assertEqual(qt.memread(RAM, len(code)), code)


class GoldfishRtc(unittest.TestCase):
    def read_time(self, qt, base=RTC):
        lo = qt.readl(base + TIME_LOW)
        return qt.readl(base + TIME_HIGH) << 32 | lo

    def test_time_is_wall_clock_advanced_by_virtual_time(self):
        with QTest(virt()) as qt:
            t0 = self.read_time(qt)
            self.assertGreater(t0, 1600000000 * 10**9)  # after 2020: wall clock
            qt.clock_step(3 * 10**9)
            self.assertEqual(self.read_time(qt) - t0, 3 * 10**9)

    def test_alarm_fires_after_clock_step(self, base=RTC, path=RTC_PATH, extra=()):
        with QTest(virt(*extra)) as qt:
            qt.irq_intercept_out(path)
            qt.writel(base + IRQ_ENABLED, 1)
            t = self.read_time(qt, base) + 5000
            qt.writel(base + ALARM_HIGH, t >> 32)
            qt.writel(base + ALARM_LOW, t & 0xffffffff)
            self.assertEqual(qt.readl(base + ALARM_STATUS), 1)
            qt.clock_step(4999)
            self.assertEqual(qt.get_irq(0), 0)
            qt.clock_step(1)
            self.assertEqual(qt.take_irq_events(), [('raise', 0)])
            self.assertEqual(qt.readl(base + ALARM_STATUS), 0)
            qt.writel(base + CLEAR_INTERRUPT, 1)
            self.assertEqual(qt.take_irq_events(), [('lower', 0)])

    def test_user_device_is_mapped_and_wired(self):
        # A -device goldfish-rtc lands in the user window at the first PLIC user input.
        args = virt('-device', 'goldfish-rtc,id=rtc2')
        self.test_alarm_fires_after_clock_step(USER_WINDOW, '/machine/peripheral/rtc2',
                                               args[len(virt()):])
        with QTest(args) as qt:
            qt.irq_intercept_in(PLIC_PATH)
            qt.writel(USER_WINDOW + IRQ_ENABLED, 1)
            qt.writel(USER_WINDOW + ALARM_HIGH, 0)
            qt.writel(USER_WINDOW + ALARM_LOW, 1)  # in the past: fires at once
            qt.clock_step(0)
            self.assertIn(('raise', USER_IRQ_FIRST), qt.take_irq_events())


class SifiveTest(unittest.TestCase):
    def test_pass_powers_off_with_status_0(self):
        with QTest(virt()) as qt:
            qt.writel(TEST, 0x1234)  # not a command: ignored
            self.assertEqual(qt.raw('endianness'), 'OK little')
            qt.writew(TEST, 0x5555)
            self.assertEqual(qt.wait_exit(), 0)

    def test_fail_carries_the_exit_code(self):
        with QTest(virt()) as qt:
            qt.writel(TEST, 7 << 16 | 0x3333)
            self.assertEqual(qt.wait_exit(), 7)


if __name__ == '__main__':
    tt.main('test_qtest_virt')
