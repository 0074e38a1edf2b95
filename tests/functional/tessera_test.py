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


class Console:
    """A running tessera with its serial console on stdio, driven like a terminal."""

    def __init__(self, args, link='tessera-system-riscv64', env=None):
        import select  # noqa: F401  (used in expect)
        e = dict(os.environ)
        if env:
            e.update(env)
        self.proc = subprocess.Popen([tessera_path(link)] + list(args), env=e,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.output = b''

    def expect(self, pattern, timeout=60):
        """Wait until the output (so far) matches the regex @pattern; returns the match."""
        import re
        import select
        import time
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.time() + timeout
        while True:
            m = rx.search(self.output)
            if m:
                return m
            left = deadline - time.time()
            if left <= 0 or self.proc.poll() is not None and not self._readable(0):
                tail = self.output[-3000:].decode(errors='replace')
                raise AssertionError('timed out waiting for %r; output ends with:\n%s'
                                     % (pattern, tail))
            if self._readable(min(left, 0.5)):
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk and self.proc.poll() is not None:
                    continue
                self.output += chunk

    def _readable(self, timeout):
        import select
        r, _w, _x = select.select([self.proc.stdout], [], [], timeout)
        return bool(r)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def wait(self, timeout=60):
        try:
            rest, _ = self.proc.communicate(timeout=timeout)
            self.output += rest or b''
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError('tessera did not exit within %d s' % timeout)
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def text(self):
        return self.output.decode(errors='replace')


def guest_dir():
    """Guest images: $TESSERA_GUEST_DIR, else ../shared/guests beside the repo, else
    build/guests, built from Debian sources by scripts/build-guest-images.sh."""
    candidates = [os.environ.get('TESSERA_GUEST_DIR'),
                  os.path.join(os.path.dirname(ROOT), 'shared', 'guests'),
                  os.path.join(ROOT, 'build', 'guests')]
    for d in candidates:
        if d and os.path.exists(os.path.join(d, 'riscv64', 'initramfs.cpio.gz')):
            return os.path.join(d, 'riscv64')
    if os.environ.get('TESSERA_GUEST_DIR'):
        raise RuntimeError('no guest images in TESSERA_GUEST_DIR=%s'
                           % os.environ['TESSERA_GUEST_DIR'])
    built = candidates[-1]
    print('no guest images found; building them into %s (this takes a while)' % built)
    subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'build-guest-images.sh'), built],
                   check=True)
    return os.path.join(built, 'riscv64')


def linux_image():
    """The decompressed kernel Image, cached under the build directory."""
    import lzma
    src = os.path.join(guest_dir(), 'Image.xz')
    dst = os.path.join(build_dir(), 'guests', 'Image')
    if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with lzma.open(src) as f, open(dst + '.tmp', 'wb') as out:
            out.write(f.read())
        os.replace(dst + '.tmp', dst)
    return dst
