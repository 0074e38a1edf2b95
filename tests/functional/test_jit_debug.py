#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debugging generated code: -perfmap (perf's /tmp/perf-PID.map naming the
host code of each translated block) and -d out_asm (the x86-64 backend's
code of each block, disassembled by capstone), on a bare-metal riscv guest
(tests/guest/atomic.c), and their refusals.  Needs an x86-64 host (the
native backend) and riscv64-unknown-elf-gcc.
"""
import os
import platform
import re
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt

sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest'))
import build as guest_build  # noqa: E402  (tests/guest/build.py)

X86 = ['-accel', 'tcg,backend=x86_64']
ENTRY = 0x80000000            # tests/guest/common/link.ld
MAP_LINE = re.compile(r'^([0-9a-f]+) ([0-9a-f]+) tb cpu(\d+) 0x([0-9a-f]+)$')
OUT_HEAD = re.compile(r'^OUT: cpu (\d+) pc 0x([0-9a-f]{16})$')
OUT_INSN = re.compile(r'^  0x([0-9a-f]+):  (\S+)')


def setUpModule():
    if platform.machine() != 'x86_64':
        raise AssertionError('the x86_64 TCG backend needs an x86-64 host, not %s'
                             % platform.machine())


def guest_elf():
    elfs = guest_build.build(os.path.join(tt.ROOT, 'build', 'guest'), 'riscv64-unknown-elf-gcc')
    if not elfs:
        raise AssertionError('tests/guest/build.py built no programs (riscv64-unknown-elf-gcc)')
    elf = [e for e in elfs if os.path.basename(e) == 'atomic.elf']
    if not elf:
        raise AssertionError('tests/guest/atomic.c was not built')
    return elf[0]


def run_guest(extra, timeout=120):
    """Run the guest to its exit with @extra options; returns (pid, stdout, stderr, rc)."""
    p = subprocess.Popen([tt.tessera_path('tessera-system-riscv64'), '-M', 'virt', '-bios', 'none',
                          '-kernel', guest_elf(), '-nographic'] + extra,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError('the guest did not finish in %d s' % timeout)
    return p.pid, out, err, p.returncode


def read_out_asm(path):
    """{pc: [(host address, mnemonic), ...]} of the OUT: sections of a -d log."""
    blocks, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip('\n')
            m = OUT_HEAD.match(line)
            if m:
                cur = blocks.setdefault(int(m.group(2), 16), [])
                continue
            m = OUT_INSN.match(line)
            if m and cur is not None:
                cur.append((int(m.group(1), 16), m.group(2)))
                continue
            cur = None
    return blocks


class PerfMap(unittest.TestCase):
    def test_map_names_every_block_and_matches_out_asm(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'out.log')
            pid, out, err, rc = run_guest(['-perfmap', '-d', 'out_asm', '-D', log] + X86)
            path = '/tmp/perf-%d.map' % pid
            try:
                self.assertEqual(rc, 0, out[-2000:] + err[-2000:])
                self.assertTrue(os.path.exists(path), '%s was not written' % path)
                with open(path) as f:
                    lines = f.read().splitlines()
            finally:
                if os.path.exists(path):
                    os.unlink(path)
            self.assertGreater(len(lines), 5)
            ranges, pcs = [], {}
            for line in lines:
                m = MAP_LINE.match(line)
                self.assertTrue(m, 'malformed perf map line %r' % line)
                start, size = int(m.group(1), 16), int(m.group(2), 16)
                self.assertEqual(m.group(3), '0')
                self.assertGreater(size, 0)
                ranges.append((start, size))
                pcs.setdefault(int(m.group(4), 16), []).append(start)
            self.assertIn(ENTRY, pcs, 'the entry pc has no perf map line')
            # Blocks of a short run are never freed: their code does not overlap.
            ranges.sort()
            for (a, n), (b, _) in zip(ranges, ranges[1:]):
                self.assertLessEqual(a + n, b, 'overlapping perf map ranges')
            # -d out_asm lists the same blocks, disassembled from the mapped start.
            blocks = read_out_asm(log)
            self.assertIn(ENTRY, blocks, 'no OUT: section for the entry block')
            self.assertEqual(set(blocks), set(pcs))
            insns = blocks[ENTRY]
            self.assertEqual(insns[0][0], pcs[ENTRY][0])
            size = dict(ranges)[pcs[ENTRY][0]]
            self.assertTrue(all(pcs[ENTRY][0] <= a < pcs[ENTRY][0] + size for a, _ in insns))
            mnemonics = {m for _, m in insns}
            # Block entry: r15 = the block (movabs), exit-request compare, branch.
            self.assertIn('movabs', mnemonics)
            self.assertTrue({'cmp', 'jne'} <= mnemonics, sorted(mnemonics))
            self.assertNotIn('.byte', mnemonics)

    def test_accel_property_spelling(self):
        pid, out, err, rc = run_guest(['-accel', 'tcg,backend=x86_64,perfmap=on'])
        path = '/tmp/perf-%d.map' % pid
        try:
            self.assertEqual(rc, 0, err[-2000:])
            with open(path) as f:
                self.assertRegex(f.readline(), MAP_LINE)
        finally:
            if os.path.exists(path):
                os.unlink(path)

    def test_no_map_without_the_option(self):
        pid, out, err, rc = run_guest(X86)
        self.assertEqual(rc, 0, err[-2000:])
        self.assertFalse(os.path.exists('/tmp/perf-%d.map' % pid))


class OutAsm(unittest.TestCase):
    def test_out_asm_follows_in_asm(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'out.log')
            _, out, err, rc = run_guest(['-d', 'in_asm,out_asm', '-D', log] + X86)
            self.assertEqual(rc, 0, err[-2000:])
            with open(log) as f:
                text = f.read()
        # The entry block: its guest instructions, then its host code.
        i = text.index('IN: cpu 0\n0x%016x:' % ENTRY)
        j = text.index('OUT: cpu 0 pc 0x%016x\n' % ENTRY)
        self.assertLess(i, j)
        # The AMOs of atomic.c run as host lock-prefixed instructions.
        self.assertTrue(re.search(r'(?m)^  0x[0-9a-f]+:  lock cmpxchg ', text), 'no lock cmpxchg')
        self.assertTrue(re.search(r'(?m)^  0x[0-9a-f]+:  lock xadd ', text), 'no lock xadd')
        self.assertTrue(re.search(r'(?m)^  0x[0-9a-f]+:  xchg ', text), 'no xchg')

    def test_interpreter_says_it_has_no_host_code(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'out.log')
            _, out, err, rc = run_guest(['-d', 'out_asm', '-D', log, '-accel', 'tcg,backend=interp'])
            self.assertEqual(rc, 0, err[-2000:])
            with open(log) as f:
                text = f.read()
        self.assertIn('OUT: cpu 0 pc 0x%016x\n' % ENTRY, text)
        self.assertRegex(text, r'backend interp-tcg-backend: \d+ bytes of interpreter code, '
                               r'no host code')


class Refusals(unittest.TestCase):
    def refused(self, args, pattern):
        r = tt.run(['-M', 'virt', '-display', 'none'] + args, link='tessera-system-riscv64',
                   timeout=30)
        self.assertNotEqual(r.returncode, 0)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertRegex(lines[0], pattern)

    def test_bad_perfmap_value(self):
        self.refused(['-accel', 'tcg,perfmap=maybe'], r'perfmap.*maybe')

    def test_perfmap_takes_no_argument_and_needs_tcg(self):
        self.refused(['-perfmap', '-accel', 'qtest'], r'-perfmap needs -accel tcg')
        self.refused(['-perfmap', '-machine', 'accel=tcg'], r'-perfmap needs -accel tcg')

    def test_interpreter_has_no_perf_map(self):
        self.refused(['-perfmap', '-accel', 'tcg,backend=interp'],
                     r'interp backend generates no host code')

    def test_unknown_log_item(self):
        self.refused(['-d', 'out_asmx'], r'out_asmx')


if __name__ == '__main__':
    sys.exit(tt.main('jit_debug'))
