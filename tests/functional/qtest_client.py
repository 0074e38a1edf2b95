# SPDX-License-Identifier: MIT
"""A small qtest client (docs/qtest.md): starts tessera with `-qtest
unix:PATH` on a socket it listens on, as QEMU's libqtest does, and speaks
the line protocol.  Replies are returned; "IRQ raise N" / "IRQ lower N"
notifications, which may arrive before any reply, are collected in
`irq_events` and folded into `irq_level`.

    with QTest(['-M', 'virt', '-bios', 'none']) as qt:
        qt.writeb(0x10000000, 0x41)
        assert qt.readb(0x10000005) & 0x20
"""
import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time

import tessera_test as tt

TIMEOUT = 20


class QTestFail(Exception):
    """The emulator answered FAIL; .reason holds the text after FAIL."""

    def __init__(self, line, reason):
        super().__init__('%s -> FAIL %s' % (line, reason))
        self.reason = reason


class QTest:
    def __init__(self, args, link='tessera-system-riscv64', transport='unix', env=None):
        self.dir = tempfile.mkdtemp(prefix='tessera-qtest-')
        self.stderr_path = os.path.join(self.dir, 'stderr')
        self.irq_events = []
        self.irq_level = {}
        self._buf = b''
        self.sock = None
        e = dict(os.environ)
        e.pop('TESSERA_MODULE_DIR', None)
        if env:
            e.update(env)
        cmd = [tt.tessera_path(link)] + list(args)
        self._stderr = open(self.stderr_path, 'wb')
        if transport == 'unix':
            path = os.path.join(self.dir, 'qtest.sock')
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            listener.listen(1)
            listener.settimeout(0.2)
            self.proc = subprocess.Popen(cmd + ['-qtest', 'unix:' + path], env=e,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._stderr)
            try:
                self.sock = self._accept(listener)
            finally:
                listener.close()
            self._send = self.sock.sendall
            self._recv = lambda: self.sock.recv(65536)
            self.sock.settimeout(TIMEOUT)
        elif transport == 'stdio':
            self.proc = subprocess.Popen(cmd + ['-qtest', 'stdio'], env=e,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self._stderr)
            self._send = self._send_stdio
            self._recv = self._recv_stdio
        else:
            raise ValueError('transport must be unix or stdio')

    # ---- process ----------------------------------------------------------------

    def _accept(self, listener):
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            try:
                conn, _ = listener.accept()
                return conn
            except socket.timeout:
                if self.proc.poll() is not None:
                    raise AssertionError('tessera exited (%d) before connecting: %s'
                                         % (self.proc.returncode, self.stderr()))
        self.proc.kill()
        raise AssertionError('tessera did not connect to the qtest socket')

    def _send_stdio(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def _recv_stdio(self):
        import select
        r, _w, _x = select.select([self.proc.stdout], [], [], TIMEOUT)
        if not r:
            raise socket.timeout()
        return os.read(self.proc.stdout.fileno(), 65536)

    def stderr(self):
        with open(self.stderr_path, 'rb') as f:
            return f.read().decode(errors='replace')

    def alive(self):
        return self.proc.poll() is None

    def wait_exit(self, timeout=TIMEOUT):
        """Exit status once the process ends by itself (e.g. a guest power-off)."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError('tessera did not exit within %d s' % timeout)

    def close(self):
        """Disconnect (tessera exits when its client goes) and return the exit status."""
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            status = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- wire ---------------------------------------------------------------------

    def send_raw(self, data):
        self._send(data)

    def _line(self):
        while b'\n' not in self._buf:
            try:
                chunk = self._recv()
            except socket.timeout:
                raise AssertionError('no reply from tessera within %d s; stderr: %s'
                                     % (TIMEOUT, self.stderr()))
            if not chunk:
                raise AssertionError('tessera closed the qtest connection (exit %s): %s'
                                     % (self.proc.poll(), self.stderr()))
            self._buf += chunk
        line, self._buf = self._buf.split(b'\n', 1)
        return line.decode()

    def _note_irq(self, line):
        _irq, what, n = line.split()
        self.irq_events.append((what, int(n)))
        self.irq_level[int(n)] = 1 if what == 'raise' else 0

    def reply(self):
        """The next reply line, noting IRQ notifications met on the way."""
        while True:
            line = self._line()
            if line.startswith('IRQ '):
                self._note_irq(line)
            else:
                return line

    def raw(self, line):
        """Send one line; return the reply line as it came (OK ... or FAIL ...)."""
        self._send(line.encode() + b'\n')
        return self.reply()

    def cmd(self, line):
        """Send one line; return the text after OK, raise QTestFail on FAIL."""
        r = self.raw(line)
        if r == 'OK' or r.startswith('OK '):
            return r[3:]
        if r.startswith('FAIL'):
            raise QTestFail(line, r[5:])
        raise AssertionError('%s -> unexpected reply %r' % (line, r))

    def take_irq_events(self):
        ev, self.irq_events = self.irq_events, []
        return ev

    # ---- commands -----------------------------------------------------------------

    def _read(self, cmd, addr):
        return int(self.cmd('%s 0x%x' % (cmd, addr)), 16)

    def readb(self, addr):
        return self._read('readb', addr)

    def readw(self, addr):
        return self._read('readw', addr)

    def readl(self, addr):
        return self._read('readl', addr)

    def readq(self, addr):
        return self._read('readq', addr)

    def writeb(self, addr, v):
        self.cmd('writeb 0x%x 0x%x' % (addr, v))

    def writew(self, addr, v):
        self.cmd('writew 0x%x 0x%x' % (addr, v))

    def writel(self, addr, v):
        self.cmd('writel 0x%x 0x%x' % (addr, v))

    def writeq(self, addr, v):
        self.cmd('writeq 0x%x 0x%x' % (addr, v))

    def memread(self, addr, size):
        hexdata = self.cmd('read 0x%x %d' % (addr, size))
        assert hexdata.startswith('0x'), hexdata
        return bytes.fromhex(hexdata[2:])

    def memwrite(self, addr, data):
        self.cmd('write 0x%x %d 0x%s' % (addr, len(data), data.hex()))

    def b64read(self, addr, size):
        return base64.b64decode(self.cmd('b64read 0x%x %d' % (addr, size)))

    def b64write(self, addr, data):
        self.cmd('b64write 0x%x %d %s' % (addr, len(data), base64.b64encode(data).decode()))

    def memset(self, addr, size, value):
        self.cmd('memset 0x%x %d 0x%x' % (addr, size, value))

    def clock_step(self, ns=None):
        return int(self.cmd('clock_step' if ns is None else 'clock_step %d' % ns))

    def clock_set(self, ns):
        return int(self.cmd('clock_set %d' % ns))

    def irq_intercept_in(self, path):
        self.cmd('irq_intercept_in ' + path)

    def irq_intercept_out(self, path):
        self.cmd('irq_intercept_out ' + path)

    def set_irq_in(self, path, n, level, name='unnamed'):
        self.cmd('set_irq_in %s %s %d %d' % (path, name, n, level))

    def get_irq(self, n):
        return self.irq_level.get(n, 0)
