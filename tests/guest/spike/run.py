#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build and run the bare-metal programs for the spike board.

usage: run.py BINARY [--only NAME ...] [--timeout S] [--out DIR]

Every program in PROGRAMS is built twice with Debian's riscv64-unknown-elf-gcc:
NAME-m runs main() in M-mode, NAME-vm turns on Sv39, passes through S-mode
and runs main() in U-mode.  Each is booted as
`BINARY -M spike -bios none -kernel NAME-V.elf -nographic` (tessera gets
-target riscv64 unless the binary is tessera-system-riscv64) and passes when
the exit status and the console output are the expected ones.  Prints one
line per run and "N passed, M failed"; exits non-zero when anything failed.
Passing qemu-system-riscv64 as BINARY runs the same programs on QEMU as a
reference (built with -DQEMU_REFERENCE=1, which skips checks of behaviour
QEMU 7.2 lacks).
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CC = 'riscv64-unknown-elf-gcc'
CFLAGS = ['-march=rv64imac_zicsr', '-mabi=lp64', '-mcmodel=medany', '-O2', '-g',
          '-ffreestanding', '-fno-builtin', '-fno-tree-loop-distribute-patterns', '-nostdlib',
          '-nostartfiles', '-Wall', '-Werror', '-I' + HERE, '-T', os.path.join(HERE, 'link.ld'),
          '-Wl,--no-warn-rwx-segments']
COMMON = ['crt.S', 'start.c', 'lib.c']
DEPS = COMMON + ['spike.h', 'link.ld']

# name -> expected exit status, output regex, extra defines, console input.
PROGRAMS = {
    'pass': {'status': 0, 'output': r'hello from spike'},
    'fail': {'status': 3, 'output': r'failing with status 3'},
    # QEMU 7.2 has no syscall proxy: nothing to expect from it there.
    'syscall': {'status': 5, 'output': r'written by SYS_write to stdout[\s\S]*stderr',
                'qemu_output': r''},
    'halves': {'status': 4, 'output': r'two halves'},
    'fromhost': {'status': 0, 'output': r'x[^\n]*\n[\s\S]*syscall reply'},
    'echo': {'status': 0, 'output': r'got: hello spike', 'stdin': b'hello spike\n'},
    'timer': {'status': 0, 'output': r'timer interrupt taken'},
    'nosym': {'status': 0, 'output': r'htif found through the device tree',
              'defines': ['-DHTIF_FROM_DT=1']},
}
VARIANTS = {'m': ['-DMODE_VM=0'], 'vm': ['-DMODE_VM=1']}
VM_OUTPUT = r'\[S\] sv39 on\s+\[U\] user mode'


def default_out(qemu=False):
    return os.path.join(ROOT, 'build', 'guest-spike' + ('-qemu' if qemu else ''))


def build(out, qemu=False, cc=CC):
    """Build every program in every variant; returns {run name: elf} or None."""
    os.makedirs(out, exist_ok=True)
    extra = ['-DQEMU_REFERENCE=1'] if qemu else []
    built = {}
    for name, spec in sorted(PROGRAMS.items()):
        src = os.path.join(HERE, name + '.c')
        newest = max(os.path.getmtime(os.path.join(HERE, p)) for p in DEPS + [name + '.c'])
        for variant, defines in sorted(VARIANTS.items()):
            run_name = '%s-%s' % (name, variant)
            elf = os.path.join(out, run_name + '.elf')
            if not os.path.exists(elf) or os.path.getmtime(elf) < newest:
                cmd = ([cc] + CFLAGS + defines + spec.get('defines', []) + extra +
                       ['-o', elf] + [os.path.join(HERE, c) for c in COMMON] + [src])
                if subprocess.run(cmd).returncode != 0:
                    print('run.py: failed to build %s' % run_name, file=sys.stderr)
                    return None
            built[run_name] = elf
    return built


SBI_PAYLOAD_ADDR = '0x80200000'


def build_sbi_payload(out, cc=CC):
    """The S-mode payload for OpenSBI (sbi_payload.S); returns its ELF or None."""
    os.makedirs(out, exist_ok=True)
    src = os.path.join(HERE, 'sbi_payload.S')
    elf = os.path.join(out, 'sbi_payload.elf')
    if not os.path.exists(elf) or os.path.getmtime(elf) < os.path.getmtime(src):
        cmd = [cc, '-march=rv64imac_zicsr', '-mabi=lp64', '-nostdlib', '-nostartfiles',
               '-Wl,-Ttext=' + SBI_PAYLOAD_ADDR, '-Wl,--no-warn-rwx-segments', '-o', elf, src]
        if subprocess.run(cmd).returncode != 0:
            return None
    return elf


def expectation(run_name, qemu=False):
    """(exit status, [output regexes]) expected from @run_name."""
    name, variant = run_name.rsplit('-', 1)
    spec = PROGRAMS[name]
    output = spec.get('qemu_output', spec['output']) if qemu else spec['output']
    regexes = [output] + ([VM_OUTPUT] if variant == 'vm' else [])
    return spec['status'], regexes


def command(binary, elf, extra=()):
    base = os.path.basename(binary)
    target = [] if ('qemu' in base or base.endswith('-riscv64')) else ['-target', 'riscv64']
    return [binary] + target + ['-M', 'spike', '-bios', 'none', '-kernel', elf,
                                '-nographic'] + list(extra)


def run_one(binary, run_name, elf, timeout=30):
    """Run one program; returns (ok, why, output)."""
    status, regexes = expectation(run_name, 'qemu' in os.path.basename(binary))
    try:
        r = subprocess.run(command(binary, elf), input=PROGRAMS[run_name.rsplit('-', 1)[0]]
                           .get('stdin', b''), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return False, 'timeout', (e.stdout or b'').decode(errors='replace')
    out = r.stdout.decode(errors='replace')
    if r.returncode != status:
        return False, 'exit %d, expected %d' % (r.returncode, status), out
    for rx in regexes:
        if not re.search(rx, out):
            return False, 'output lacks %r' % rx, out
    return True, 'exit %d' % r.returncode, out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('binary')
    ap.add_argument('--only', nargs='*', help='run names (pass-m) or program names (pass)')
    ap.add_argument('--timeout', type=float, default=30)
    ap.add_argument('--out')
    a = ap.parse_args()
    qemu = 'qemu' in os.path.basename(a.binary)
    elfs = build(os.path.abspath(a.out or default_out(qemu)), qemu)
    if elfs is None:
        print('0 passed, 1 failed (build)')
        return 1
    passed = failed = 0
    for run_name, elf in sorted(elfs.items()):
        if a.only and run_name not in a.only and run_name.rsplit('-', 1)[0] not in a.only:
            continue
        ok, why, out = run_one(a.binary, run_name, elf, a.timeout)
        if ok:
            passed += 1
            print('PASS %s (%s)' % (run_name, why))
        else:
            failed += 1
            print('FAIL %s (%s)' % (run_name, why))
            for line in out.splitlines()[-20:]:
                print('    ' + line)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
