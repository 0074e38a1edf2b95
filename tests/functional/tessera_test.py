# SPDX-License-Identifier: MIT
"""Shared helpers for functional tests: find the build, run tessera, report.

Every functional test file ends with `tessera_test.main('name')`, which runs
its unittest cases and prints "name: N passed, M failed" for the runner.
"""
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_dir():
    d = os.environ.get('TESSERA_BUILD_DIR') or os.path.join(ROOT, 'build', 'debug')
    exe = os.path.join(d, 'bin', 'tessera')
    if not os.path.exists(exe):
        raise RuntimeError('tessera binary not found at %s: run scons first' % exe)
    return d


def tessera_path(link=None):
    return os.path.join(build_dir(), 'bin', link or 'tessera')


def run(args, link=None, env=None, timeout=60, stdin=subprocess.DEVNULL):
    e = dict(os.environ)
    e.pop('TESSERA_MODULE_DIR', None)
    if env:
        e.update(env)
    return subprocess.run([tessera_path(link)] + list(args), env=e, stdin=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def main(name):
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules['__main__'])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    bad = len(result.failures) + len(result.errors)
    print('%s: %d passed, %d failed' % (name, result.testsRun - bad, bad))
    sys.exit(1 if bad else 0)
