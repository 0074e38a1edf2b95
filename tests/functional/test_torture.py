# SPDX-License-Identifier: MIT
"""Guest torture (tests/guest/torture/): on virt and on spike, with -smp 4,
all harts race through random MMIO of every width to every device, unmapped
space, misaligned accesses, jumps into devices and unmapped space, self-
modifying code and timer compare 0 / all-ones.  The emulator must survive,
the program's own checks must pass, and QMP must keep answering while the
guest runs and after it is done.
"""
import os
import sys
import threading
import time
import unittest

import tessera_test as tt
from qmp_client import Vm

sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest'))
import build as guest_build  # noqa: E402

# Generous: the sanitized build runs the guest several times slower.
GUEST_TIMEOUT = 240

_elfs = None


def elfs():
    global _elfs
    if _elfs is None:
        _elfs = guest_build.build_torture(os.path.join(tt.build_dir(), 'guest-torture'))
        if _elfs is None:
            raise AssertionError('building tests/guest/torture failed (riscv64-unknown-elf-gcc)')
    return _elfs


class Console(threading.Thread):
    """Collects the guest's console (the process's stdout) as it comes."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.data = b''
        self.lock = threading.Lock()

    def run(self):
        while True:
            chunk = os.read(self.stream.fileno(), 65536)
            if not chunk:
                return
            with self.lock:
                self.data += chunk

    def text(self):
        with self.lock:
            return self.data.decode(errors='replace')


class Torture(unittest.TestCase):
    def torture(self, board):
        elf = elfs()[board]
        vm = Vm(['-M', board, '-smp', '4', '-m', '128', '-bios', 'none', '-kernel', elf,
                 '-nographic'])
        self.addCleanup(vm.close)
        console = Console(vm.proc.stdout)
        console.start()
        q = vm.qmp()
        answers = 0
        deadline = time.time() + GUEST_TIMEOUT
        # The monitor answers while all four harts hammer the machine.
        while 'TORTURE ' not in console.text():
            self.assertIsNone(vm.proc.poll(), 'tessera died (exit %s); console:\n%s'
                              % (vm.proc.returncode, console.text()[-3000:]))
            self.assertLess(time.time(), deadline,
                            'no result within %d s; console:\n%s'
                            % (GUEST_TIMEOUT, console.text()[-3000:]))
            self.assertEqual(q.cmd('query-status')['status'], 'running')
            if answers % 8 == 0:
                self.assertEqual(len(q.cmd('query-cpus-fast')), 4)
                q.cmd('human-monitor-command', command_line='info registers')
            answers += 1
            time.sleep(0.05)
        time.sleep(0.2)      # the rest of the report line
        out = console.text()
        for phase in ('mmio', 'misaligned', 'jump', 'smc', 'timer'):
            self.assertIn('phase %s done' % phase, out)
        self.assertIn('TORTURE PASSED', out, out[-3000:])
        print('%s: %s (%d monitor answers during the run)' %
              (board, [l for l in out.splitlines() if 'traps by cause' in l][-1].strip(),
               answers))
        # ... and after.
        self.assertIsNone(vm.proc.poll())
        self.assertEqual(q.cmd('query-status')['status'], 'running')
        self.assertIn('pc', q.cmd('human-monitor-command', command_line='info registers'))
        self.assertEqual(q.cmd('quit'), {})
        self.assertEqual(vm.wait_exit(), 0)

    def test_virt(self):
        self.torture('virt')

    def test_spike(self):
        self.torture('spike')


if __name__ == '__main__':
    tt.main('torture')
