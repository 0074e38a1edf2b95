#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run every test program and functional test; end with Check's summary line.

Usage: run-tests.py --build BUILDDIR PROGRAM...

Each Check program prints "NN%: Checks: N, Failures: F, Errors: E"; the
functional tests (tests/functional/test_*.py, run with the build's bin/ on
PATH) print the same line.  The totals are added up and printed last in
Check's format; the exit status is non-zero if anything failed.
"""
import argparse
import os
import re
import subprocess
import sys
import time

SUMMARY = re.compile(r'^(\d+)%: Checks: (\d+), Failures: (\d+), Errors: (\d+)', re.M)


def run_one(cmd, env, timeout):
    start = time.time()
    try:
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout, text=True, errors='replace')
        out, code = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace') if isinstance(e.stdout, bytes) else (e.stdout or '')
        out += '\n%s: timed out after %d s\n' % (cmd[-1], timeout)
        code = -1
    return out, code, time.time() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', required=True)
    ap.add_argument('--only', default=None, help='substring filter on test names')
    ap.add_argument('programs', nargs='*')
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env['PATH'] = os.path.join(args.build, 'bin') + os.pathsep + env.get('PATH', '')
    env['TESSERA_BUILD_DIR'] = args.build
    cmds = [[p] for p in args.programs]
    fdir = os.path.join(root, 'tests', 'functional')
    if os.path.isdir(fdir):
        for f in sorted(os.listdir(fdir)):
            if f.startswith('test_') and f.endswith('.py'):
                cmds.append([sys.executable, os.path.join(fdir, f)])
    gdir = os.path.join(root, 'tests', 'guest', 'run.py')
    if os.path.exists(gdir):
        cmds.append([sys.executable, gdir, os.path.join(args.build, 'bin', 'tessera-system-riscv64')])
    if args.only:
        cmds = [c for c in cmds if args.only in c[-1]]
    checks = failures = errors = 0
    bad = []
    for cmd in cmds:
        name = os.path.basename(cmd[-1] if len(cmd) < 3 else cmd[1])
        out, code, secs = run_one(cmd, env, 1200)
        sys.stdout.write(out)
        m = SUMMARY.findall(out)
        plain = re.findall(r'^(?:[\w-]+: )?(\d+) passed, (\d+) failed', out, re.M)
        if m:
            for _pct, c, f, e in m:
                checks += int(c)
                failures += int(f)
                errors += int(e)
        elif plain:
            for p, f in plain:
                checks += int(p) + int(f)
                failures += int(f)
        else:
            checks += 1
            errors += 1
            print('%s: printed no summary line' % name)
        if code != 0 and not (m or plain and any(int(f) for _p, f in plain)):
            errors += 1
        status = 'ok' if code == 0 else 'FAILED (exit %s)' % code
        if code != 0:
            bad.append(name)
        print('--- %s: %s in %.1f s' % (name, status, secs))
    passed = checks - failures - errors
    pct = int(100 * passed / checks) if checks else 0
    if bad:
        print('failed: ' + ', '.join(bad))
    print('%d%%: Checks: %d, Failures: %d, Errors: %d' % (pct, checks, failures, errors))
    return 1 if (failures or errors or bad or not checks) else 0


if __name__ == '__main__':
    sys.exit(main())
