#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The aarch64 target from the outside: tessera-system-aarch64, -cpu help,
the bare-metal guest programs of tests/guest/aarch64 on both TCG backends
(interpreter and x86-64) and, as the oracle, on QEMU (qemu-system-aarch64,
comparison only), info registers, -d in_asm and the board's refusals.

Needs Debian's gcc-aarch64-linux-gnu (builds the programs) and
qemu-system-arm (the oracle); scripts/setup.sh installs both.
"""
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt

LINK = 'tessera-system-aarch64'
sys.path.insert(0, os.path.join(tt.ROOT, 'tests', 'guest', 'aarch64'))
import build as guest_build  # noqa: E402  (tests/guest/aarch64/build.py)

# Per program: extra Tessera and QEMU arguments.
PROGRAMS = {
    'int': ([], []),
    'mem': ([], []),
    'exc': ([], []),
    'mmu': ([], []),
    'smp': (['-smp', '4'], ['-smp', '4']),
    'el2': (['-M', 'virt,virtualization=on'], ['-M', 'virt,virtualization=on']),
    'hyp': (['-M', 'virt,virtualization=on'], ['-M', 'virt,virtualization=on']),
    'fp': ([], []),
    'simd': ([], []),
    'pauth': ([], []),
    'bti': ([], []),
    'debug': ([], []),
    'fp16': ([], []),
    'vhe': (['-M', 'virt,virtualization=on'], ['-M', 'virt,virtualization=on']),
    'vgic': (['-M', 'virt,virtualization=on'], ['-M', 'virt,virtualization=on']),
    'vgic3': (['-M', 'virt,virtualization=on,gic-version=3'],
              ['-M', 'virt,virtualization=on,gic-version=3']),
    'asid': ([], []),
    'tlbsync': (['-smp', '2'], ['-smp', '2']),
    'wfe': (['-smp', '2'], ['-smp', '2']),
    'vmid': (['-M', 'virt,virtualization=on'], ['-M', 'virt,virtualization=on']),
    'ctxbp': ([], []),
    'ctxbp_oracle': ([], []),
    'ctxbp_el2': (['-M', 'virt,virtualization=on'], ['-M', 'virt,virtualization=on']),
}
# Programs whose cases QEMU 7.2 does not implement, so it cannot be their
# oracle (each names what it lacks; ctxbp_oracle is ctxbp's part QEMU has).
QEMU_LACKS = {
    'ctxbp': 'unlinked context breakpoints (DBGBCR.BT 0010): "not implemented"',
    'ctxbp_el2': 'VMID breakpoints (BT 10xx) and unlinked CONTEXTIDR_EL2 ones',
    'wfe': 'the WFE trap (SCTLR_EL1.nTWE, HCR_EL2.TWE): its WFE never waits, so never traps',
}
# Further runs of a program with other CPU options (Tessera, QEMU).
VARIANTS = [
    ('pauth', ['-cpu', 'max,pauth-impdef=on'], ['-cpu', 'max,pauth-impdef=on']),
    ('pauth', ['-cpu', 'max,pauth=off'], ['-cpu', 'max,pauth=off']),
    ('int', ['-cpu', 'cortex-a57'], ['-cpu', 'cortex-a57']),
    ('int', ['-cpu', 'cortex-a53'], ['-cpu', 'cortex-a53']),
    ('el2', ['-cpu', 'cortex-a72'], ['-cpu', 'cortex-a72']),
    ('ctxbp_el2', ['-cpu', 'cortex-a72'], ['-cpu', 'cortex-a72']),   # EL2 without VHE
    ('ctxbp', ['-cpu', 'cortex-a53'], ['-cpu', 'cortex-a53']),
    ('ctxbp_oracle', ['-cpu', 'cortex-a57'], ['-cpu', 'cortex-a57']),
]
BACKENDS = ['interp'] + (['x86_64'] if platform.machine() == 'x86_64' else [])


def programs():
    if not shutil.which(guest_build.DEFAULT_CC):
        raise AssertionError('%s not found: install gcc-aarch64-linux-gnu (scripts/setup.sh)'
                             % guest_build.DEFAULT_CC)
    elfs = guest_build.build(os.path.join(tt.build_dir(), 'guest-aarch64'))
    if not elfs:
        raise AssertionError('tests/guest/aarch64/build.py failed')
    return {os.path.basename(e)[:-4]: e for e in elfs}


class GuestPrograms(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.elfs = programs()

    def test_every_program_is_listed(self):
        self.assertEqual(sorted(self.elfs), sorted(PROGRAMS))

    def run_tessera(self, name, backend, extra=()):
        args = PROGRAMS[name][0]
        r = tt.run(args + ['-accel', 'tcg,backend=' + backend, '-kernel', self.elfs[name],
                           '-nographic'] + list(extra), link=LINK, timeout=60)
        return r

    def test_programs_pass_on_each_backend(self):
        for backend in BACKENDS:
            for name in PROGRAMS:
                with self.subTest(backend=backend, program=name):
                    r = self.run_tessera(name, backend)
                    self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
                    self.assertIn('PASSED', r.stdout, r.stdout[-2000:])

    def test_variants_pass_on_each_backend(self):
        for backend in BACKENDS:
            for name, extra, _ in VARIANTS:
                with self.subTest(backend=backend, program=name, extra=extra):
                    r = self.run_tessera(name, backend, extra)
                    self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
                    self.assertIn('PASSED', r.stdout, r.stdout[-2000:])

    def test_asid_vmid_tagged_tlb_keeps_entries(self):
        # asid.c and vmid.c print what the architecture leaves open (a
        # stale entry kept or refetched); Tessera's TLB is tagged with the
        # ASID and VMID, so switching them, or a TLBI of another ASID/VMID
        # or of non-global entries only, must keep the entries (QEMU
        # refetches, which is allowed too).
        for backend in BACKENDS:
            for name, count in (('asid', 4), ('vmid', 2)):
                with self.subTest(backend=backend, program=name):
                    r = self.run_tessera(name, backend)
                    self.assertIn('PASSED', r.stdout, r.stdout[-2000:])
                    seen = re.findall(name + r': (.*) (kept|refetched)', r.stdout)
                    self.assertEqual(len(seen), count, r.stdout[-2000:])
                    for what, how in seen:
                        self.assertEqual(how, 'kept', what)

    def test_variants_pass_on_qemu(self):
        qemu = shutil.which('qemu-system-aarch64')
        self.assertTrue(qemu, 'qemu-system-aarch64 not found: install qemu-system-arm')
        for name, _, extra in VARIANTS:
            if name in QEMU_LACKS:
                continue
            with self.subTest(program=name, extra=extra):
                args = PROGRAMS[name][1]
                if '-M' not in args:
                    args = ['-M', 'virt'] + args
                r = subprocess.run([qemu] + args + extra + ['-nic', 'none', '-kernel',
                                                            self.elfs[name], '-nographic'],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, timeout=60)
                self.assertIn('PASSED', r.stdout, r.stdout[-2000:])

    def test_programs_pass_on_qemu(self):
        qemu = shutil.which('qemu-system-aarch64')
        self.assertTrue(qemu, 'qemu-system-aarch64 not found: install qemu-system-arm '
                              '(scripts/setup.sh); it is the oracle for these programs')
        for name in PROGRAMS:
            if name in QEMU_LACKS:
                continue
            with self.subTest(program=name):
                args = PROGRAMS[name][1]
                if '-M' not in args:
                    args = ['-M', 'virt'] + args
                r = subprocess.run([qemu] + args + ['-cpu', 'max', '-nic', 'none', '-kernel',
                                                    self.elfs[name], '-nographic'],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, timeout=60)
                self.assertIn('PASSED', r.stdout, r.stdout[-2000:])

    def test_qemu_lacks_what_it_is_spared(self):
        # QEMU_LACKS is no blanket exemption: QEMU 7.2 really refuses an
        # unlinked context breakpoint (ctxbp fails there, -d unimp says why).
        qemu = shutil.which('qemu-system-aarch64')
        self.assertTrue(qemu, 'qemu-system-aarch64 not found: install qemu-system-arm')
        r = subprocess.run([qemu, '-M', 'virt', '-cpu', 'max', '-nic', 'none', '-d', 'unimp',
                            '-kernel', self.elfs['ctxbp'], '-nographic'],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=60)
        self.assertIn('unlinked context breakpoint types not implemented', r.stdout)
        self.assertNotIn('PASSED', r.stdout)

    def test_failure_is_reported(self):
        # A failing check must not pass: exc expects the 62.5 MHz counter.
        r = tt.run(['-cpu', 'max,cntfrq=1000000', '-kernel', self.elfs['exc'],
                    '-nographic'], link=LINK, timeout=60)
        self.assertIn('CHECK FAILED', r.stdout)
        self.assertIn('FAILED', r.stdout)
        self.assertNotIn('PASSED', r.stdout)

    def test_in_asm_disassembles_from_the_table(self):
        r = self.run_tessera('int', BACKENDS[-1], ['-d', 'in_asm'])
        self.assertEqual(r.returncode, 0)
        log = r.stdout + r.stderr
        self.assertIn('crc32', log)
        self.assertIn('msr VBAR_EL1, x0', log)
        self.assertIn('mrs x1, CURRENTEL', log)

    def test_info_registers(self):
        p = subprocess.Popen([tt.tessera_path(LINK), '-kernel', self.elfs['int'], '-S',
                              '-display', 'none', '-monitor', 'stdio'],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        out, _ = p.communicate('info registers\nquit\n', timeout=30)
        self.assertIn('PC=0000000040080000', out)
        self.assertIn('EL1h', out)
        self.assertIn('SCTLR_EL1', out)
        self.assertIn('V31=0000000000000000:0000000000000000', out)
        self.assertIn('FPCR', out)
        # -cpu max advertises what is implemented: FP and AdvSIMD with
        # FP16 (1 in bits 19:16 and 23:20), AArch64 EL0/EL1 only, GIC = 0 in bits 27:24
        # (the default GICv2 has no system-register interface), CSV2 and CSV3
        # (bits 59:56 and 63:60: no speculation, so Linux needs no KPTI);
        # AES+PMULL, SHA1, SHA2+512, CRC32, LSE, RDM, SHA3, DP, FlagM2.
        self.assertIn('ID_AA64PFR0_EL1  1100000000110011', out)
        self.assertIn('ID_AA64ISAR0_EL1 1020100110212120', out)
        # PAuth2 + FPAC with QARMA5 (APA = 4, GPA = 1) besides JSCVT, FCMA, LRCPC, FRINTTS.
        self.assertIn('ID_AA64ISAR1_EL1 0000000101111040', out)

    def test_cortex_id_registers(self):
        # The real parts' values clamped to what is implemented: A57 r1p3
        # (MIDR 0x411fd070), 44-bit PA and no 16K granule (MMFR0 0x24), no
        # LSE or PAuth; AES+PMULL, SHA1, SHA2, CRC32 (ISAR0 0x11120, the
        # real value), FP and AdvSIMD; AArch64-only EL0/EL1.
        for model, midr, mmfr0 in (('cortex-a57', '411fd070', '24'),
                                   ('cortex-a72', '410fd083', '24'),
                                   ('cortex-a53', '410fd034', '22')):
            with self.subTest(model=model):
                p = subprocess.Popen([tt.tessera_path(LINK), '-cpu', model, '-kernel',
                                      self.elfs['int'], '-S', '-display', 'none', '-monitor',
                                      'stdio'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
                out, _ = p.communicate('info registers\nquit\n', timeout=30)
                self.assertIn('MIDR_EL1         00000000' + midr, out)
                self.assertIn('ID_AA64MMFR0_EL1 00000000000000' + mmfr0, out)
                self.assertIn('ID_AA64ISAR0_EL1 0000000000011120', out)
                self.assertIn('ID_AA64ISAR1_EL1 0000000000000000', out)
                self.assertIn('ID_AA64PFR0_EL1  0000000000000011', out)


class Differential(unittest.TestCase):
    """Random integer, FP and SIMD sequences (difftest.py), fixed seeds, against QEMU."""

    def check(self, fp, seed, count, length, simd=False, fp16=False):
        import difftest
        self.assertTrue(shutil.which('qemu-system-aarch64'),
                        'qemu-system-aarch64 not found: install qemu-system-arm')
        elf, asm = difftest.build_program(os.path.join(tt.build_dir(), 'difftest'), seed, count,
                                          length, fp, simd, fp16)
        oracle, _ = difftest.run(['qemu-system-aarch64', '-M', 'virt', '-cpu', 'max', '-nic',
                                  'none'], elf, 120)
        self.assertEqual(len(oracle), count)
        for backend in BACKENDS:
            with self.subTest(backend=backend):
                mine, out = difftest.run([tt.tessera_path(LINK), '-accel', 'tcg,backend=' + backend],
                                         elf, 120)
                self.assertEqual(difftest.compare(mine, oracle, count, asm, fp or simd or fp16),
                                 '',
                                 out[-1000:])

    def test_random_integer_sequences_match_qemu(self):
        self.check(False, 11, 300, 40)

    def test_random_fp_sequences_match_qemu(self):
        self.check(True, 12, 300, 30)

    def test_random_fp16_sequences_match_qemu(self):
        self.check(False, 14, 300, 30, fp16=True)

    def test_random_simd_sequences_match_qemu(self):
        self.check(False, 13, 300, 30, simd=True)


class GdbWithGuestDebug(unittest.TestCase):
    """The gdbstub's breakpoints and stepping beside the guest's own debug
    registers (the debug program arms a hardware breakpoint on target())."""

    def test_gdb_breakpoint_and_step_beside_guest_breakpoint(self):
        gdb = shutil.which('gdb-multiarch')
        self.assertTrue(gdb, 'gdb-multiarch not found: install gdb-multiarch (scripts/setup.sh)')
        elf = programs()['debug']
        nm = subprocess.run(['aarch64-linux-gnu-nm', elf], stdout=subprocess.PIPE, text=True,
                            check=True).stdout
        syms = {m.group(2): int(m.group(1), 16)
                for m in re.finditer(r'(?m)^([0-9a-f]+) [tT] (\w+)$', nm)}
        target, vectors = syms['target'], syms['vectors']
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        log = tempfile.TemporaryFile()
        vm = subprocess.Popen([tt.tessera_path(LINK), '-M', 'virt', '-kernel', elf,
                               '-nographic', '-gdb', 'tcp:127.0.0.1:%d' % port, '-S'],
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            script = ['set pagination off', 'set confirm off',
                      'target remote :%d' % port,
                      'break *0x%x' % target, 'continue',
                      'printf "at-bp=%lx\\n", $pc',
                      'stepi',
                      'printf "after-step=%lx\\n", $pc',
                      'printf "esr=%lx\\n", $esr_el1',
                      'delete', 'continue']
            with tempfile.NamedTemporaryFile('w', suffix='.gdb') as f:
                f.write('\n'.join(script) + '\n')
                f.flush()
                r = subprocess.run([gdb, '-nx', '-batch', '-x', f.name, elf],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   timeout=120)
            self.assertEqual(vm.wait(60), 0, r.stdout[-2000:])
            log.seek(0)
            console = log.read().decode(errors='replace')
        finally:
            if vm.poll() is None:
                vm.kill()
                vm.wait()
            log.close()
        out = r.stdout
        # gdb stops first, before the guest's check runs.
        self.assertIn('at-bp=%x' % target, out)
        # Stepping the instruction with the guest breakpoint armed ends at
        # the guest's breakpoint exception (EC 0x31, current EL with SPx).
        self.assertIn('after-step=%x' % (vectors + 0x200), out)
        self.assertIn('esr=%x' % ((0x31 << 26) | (1 << 25) | 0x22), out)
        # The guest then sees its own breakpoint as if gdb had not been there.
        self.assertIn('PASSED', console)


class CommandLine(unittest.TestCase):
    def test_link_and_cpu_help(self):
        r = tt.run(['-cpu', 'help'], link=LINK)
        self.assertEqual(r.returncode, 0, r.stderr)
        for model in ('max', 'cortex-a57', 'cortex-a72', 'cortex-a53'):
            self.assertIn(model, r.stdout)
        self.assertNotIn('rv64', r.stdout)
        r = tt.run(['-cpu', 'max,help'], link=LINK)
        self.assertEqual(r.returncode, 0, r.stderr)
        for prop in ('mp-affinity', 'reset-pc', 'cntfrq', 'has-el2', 'psci-conduit', 'pauth',
                     'pauth-impdef'):
            self.assertIn(prop, r.stdout)
        # The Cortex models have no pointer authentication to configure.
        r = tt.run(['-cpu', 'cortex-a57,help'], link=LINK)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('pauth', r.stdout)
        r = tt.run(['-cpu', 'max,pauth=off,pauth-impdef=on', '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('pauth-impdef=on needs pauth=on', r.stderr)

    def test_cpu_property_errors(self):
        r = tt.run(['-cpu', 'max,cntfrq=0', '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('cntfrq=0', r.stderr)
        # Properties the board chooses are refused, not silently replaced.
        for opt in ('psci-conduit=smc', 'has-el2=on', 'mp-affinity=3', 'reset-pc=0x1000'):
            with self.subTest(opt=opt):
                r = tt.run(['-cpu', 'max,' + opt, '-nographic'], link=LINK)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(opt.split('=')[0], r.stderr)
                self.assertIn('set by the board', r.stderr)

    def test_board_refusals(self):
        r = tt.run(['-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('-kernel', r.stderr)
        r = tt.run(['-kernel', '/no/such/file.elf', '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('/no/such/file.elf', r.stderr)
        r = tt.run(['-kernel', os.path.join(tt.ROOT, 'README.md'), '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('neither an ELF program nor an arm64 Image', r.stderr)
        r = tt.run(['-bios', '/dev/null', '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('-bios', r.stderr)
        r = tt.run(['-smp', '9', '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)


if __name__ == '__main__':
    sys.exit(tt.main('aarch64'))
