#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the guest tests under an emulator binary.

usage: run.py TESSERA_BINARY [--only NAME ...] [--timeout S] [--extra-args "..."]

Each test is booted as `BINARY -M virt -bios none -kernel T.elf -nographic`
(for tessera the target comes from -target riscv64 unless the binary is
tessera-system-riscv64); a test passes when the emulator exits with status
0 (sifive_test 0x5555).  Prints one line per test and "N passed, M failed";
exits non-zero when anything failed.  Passing qemu-system-riscv64 as the
binary runs the same tests on QEMU as a reference.
"""
import argparse
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import build  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('binary')
    ap.add_argument('--only', nargs='*')
    ap.add_argument('--timeout', type=float, default=60)
    ap.add_argument('--extra-args', default='')
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', 'build', 'guest'))
    a = ap.parse_args()
    base = os.path.basename(a.binary)
    # QEMU 7.2 deviates from the spec in a few places the tests tolerate
    # only when built for it.
    qemu = 'qemu' in base
    out = os.path.abspath(a.out) + ('-qemu' if qemu else '')
    elfs = build.build(out, 'riscv64-unknown-elf-gcc',
                       ['-DQEMU_REFERENCE=1'] if qemu else [])
    if elfs is None:
        print('0 passed, 1 failed (build)')
        return 1
    target = [] if (qemu or base.endswith('-riscv64')) else ['-target', 'riscv64']
    passed = failed = 0
    for elf in elfs:
        name = os.path.basename(elf)[:-4]
        if a.only and name not in a.only:
            continue
        cmd = [a.binary] + target + ['-M', 'virt', '-bios', 'none', '-kernel', elf,
                                     '-nographic'] + shlex.split(a.extra_args)
        if qemu and '-cpu' not in a.extra_args:
            cmd += ['-cpu', 'rv64,svpbmt=on,sstc=on']
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=a.timeout)
            out = r.stdout.decode(errors='replace')
            ok = r.returncode == 0 and 'PASSED' in out
            status = 'exit %d' % r.returncode
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b'').decode(errors='replace')
            ok = False
            status = 'timeout'
        if ok:
            passed += 1
            print('PASS %s' % name)
        else:
            failed += 1
            print('FAIL %s (%s)' % (name, status))
            for line in out.splitlines()[-30:]:
                print('    ' + line)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
