#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the test programs of a --coverage build and report line coverage.

Usage: coverage.py --build BUILDDIR [--filter DIR/] [--min PERCENT] PROGRAM...

`scons coverage` builds into build/coverage (-O0 --coverage) and calls this
with every test program.  Stale .gcda files under BUILDDIR are removed, each
program is run from the repository root (Check forks every test; the
children write their counters on exit, aborting tests included), then gcovr
reports the lines of the sources under --filter (default objmodel/).  The
exit status is 1 if a test program failed or if coverage is below --min
(default 90).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

TIMEOUT_S = 300
SUMMARY = re.compile(r'^lines: ([\d.]+)% \((\d+) out of (\d+)\)', re.M)


def remove_counters(build):
    for dirpath, _dirs, files in os.walk(build):
        for f in files:
            if f.endswith('.gcda'):
                os.unlink(os.path.join(dirpath, f))


def run_programs(programs, root):
    failed = []
    for prog in programs:
        name = os.path.basename(prog)
        try:
            proc = subprocess.run([prog], cwd=root, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, errors='replace',
                                  timeout=TIMEOUT_S)
            out, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired:
            out, code = 'timed out after %d s\n' % TIMEOUT_S, -1
        last = [l for l in out.splitlines() if '%: Checks:' in l]
        print('%-32s %s' % (name, last[-1] if last else 'exit status %d' % code))
        if code != 0:
            failed.append(name)
            sys.stdout.write(out)
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--build', required=True, help='coverage build directory')
    ap.add_argument('--filter', default='objmodel/', help='source directory to report on')
    ap.add_argument('--min', type=float, default=90.0, help='required line percentage')
    ap.add_argument('programs', nargs='*')
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.path.abspath(args.build)
    if not shutil.which('gcovr'):
        print('coverage: gcovr is not installed (apt-get install gcovr)')
        return 1

    remove_counters(build)
    failed = run_programs([os.path.abspath(p) for p in args.programs], root)

    objdir = os.path.join(build, 'obj')
    search = os.path.join(objdir, args.filter)
    cmd = ['gcovr', '--root', root, '--filter', re.escape(args.filter),
           '--object-directory', objdir, '--print-summary',
           search if os.path.isdir(search) else objdir]
    proc = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors='replace')
    sys.stdout.write(proc.stdout)
    m = SUMMARY.search(proc.stdout)
    if proc.returncode != 0 or not m:
        print('coverage: gcovr failed (%s)' % ' '.join(cmd))
        return 1
    percent = float(m.group(1))
    print('%s line coverage: %.1f%% (%s of %s lines); required %.0f%%' %
          (args.filter, percent, m.group(2), m.group(3), args.min))
    if failed:
        print('coverage: failing test programs: %s' % ', '.join(failed))
    if percent < args.min:
        print('coverage: %s is below %.0f%%' % (args.filter, args.min))
    return 1 if failed or percent < args.min else 0


if __name__ == '__main__':
    sys.exit(main())
