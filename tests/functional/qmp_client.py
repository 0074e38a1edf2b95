# SPDX-License-Identifier: MIT
"""Monitor clients for the functional tests: a tessera process with QMP and
HMP monitors on unix sockets, a small QMP client and an HMP client that
types lines and reads up to the next prompt.  Plain sockets only, so the
tests show exactly what goes over the wire."""
import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import time

import tessera_test as tt

PROMPT = b'(tessera) '
TIMEOUT = 10


class QmpError(Exception):
    def __init__(self, klass, desc):
        super().__init__('%s: %s' % (klass, desc))
        self.klass = klass
        self.desc = desc


def test_module_dir():
    return os.path.join(tt.build_dir(), 'tests', 'modules')


def wait_for(predicate, timeout=TIMEOUT, what='condition'):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise TimeoutError('timed out waiting for %s' % what)


def connect_unix(path, timeout=TIMEOUT):
    """Connect, retrying while the server has bound its socket but is not
    listening yet."""
    deadline = time.time() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except (ConnectionRefusedError, FileNotFoundError):
            sock.close()
            if time.time() > deadline:
                raise
            time.sleep(0.02)


class Vm:
    """tessera ARGS -qmp unix:... (x qmp) [-monitor unix:...]."""

    def __init__(self, args, qmp=1, hmp=False, test_modules=False, env=None,
                 stdin=subprocess.DEVNULL):
        self.dir = tempfile.mkdtemp(prefix='tessera-mon-')
        self.qmp_paths = [os.path.join(self.dir, 'qmp%d.sock' % i) for i in range(qmp)]
        self.hmp_path = os.path.join(self.dir, 'hmp.sock') if hmp else None
        argv = [tt.tessera_path()] + list(args)
        for p in self.qmp_paths:
            argv += ['-qmp', 'unix:%s,server=on,wait=off' % p]
        if self.hmp_path:
            argv += ['-monitor', 'unix:%s,server=on,wait=off' % self.hmp_path]
        e = dict(os.environ)
        e.pop('TESSERA_MODULE_DIR', None)
        if test_modules:
            e['TESSERA_MODULE_DIR'] = test_module_dir()
        if env:
            e.update(env)
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=e)
        self.clients = []
        self.stderr = ''

    def _wait_socket(self, path):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError('tessera exited with %s: %s' %
                                   (self.proc.returncode, self.proc.stderr.read().decode()))
            return os.path.exists(path)
        wait_for(ready, what=path)

    def qmp(self, index=0, negotiate=True):
        self._wait_socket(self.qmp_paths[index])
        c = QmpClient(self.qmp_paths[index])
        self.clients.append(c)
        if negotiate:
            c.cmd('qmp_capabilities')
        return c

    def hmp(self):
        self._wait_socket(self.hmp_path)
        c = HmpClient(self.hmp_path)
        self.clients.append(c)
        return c

    def wait_exit(self, timeout=TIMEOUT):
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError('tessera did not exit')
        self.stderr = self.proc.stderr.read().decode(errors='replace')
        return code

    def close(self):
        for c in self.clients:
            c.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class QmpClient:
    def __init__(self, path):
        self.sock = connect_unix(path)
        self.buf = b''
        self.events = []
        self.greeting = self.recv()

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def recv(self, timeout=TIMEOUT):
        """The next message (a dict); every message is one line."""
        deadline = time.time() + timeout
        while b'\n' not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError('no QMP message (have %r)' % self.buf[:200])
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError('QMP connection closed (have %r)' % self.buf[:200])
                self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line.decode())

    def reply(self, timeout=TIMEOUT):
        """The next reply; events before it are kept in self.events."""
        while True:
            msg = self.recv(timeout)
            if 'event' in msg:
                self.events.append(msg)
            else:
                return msg

    def execute(self, name, args=None, id=None):
        req = {'execute': name}
        if args is not None:
            req['arguments'] = args
        if id is not None:
            req['id'] = id
        self.send_raw(json.dumps(req))
        return self.reply()

    def cmd(self, name, **args):
        """Run a command (keyword arguments with '_' for '-'); its return value."""
        r = self.execute(name, {k.replace('_', '-'): v for k, v in args.items()} or None)
        if 'error' in r:
            raise QmpError(r['error']['class'], r['error']['desc'])
        return r['return']

    def wait_event(self, name, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev['event'] == name:
                    return self.events.pop(i)
            msg = self.recv(max(0.0, deadline - time.time()))
            if 'event' not in msg:
                raise AssertionError('unexpected reply while waiting for %s: %s' % (name, msg))
            self.events.append(msg)


class HmpClient:
    def __init__(self, path):
        self.sock = connect_unix(path)
        self.buf = b''
        self.banner = self.read_until_prompt()

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def read_until_prompt(self, timeout=TIMEOUT):
        # The prompt after output follows a line end; redraws while editing
        # show it after a bare CR.
        marker = b'\n' + PROMPT
        deadline = time.time() + timeout
        while marker not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError('no prompt (have %r)' % self.buf[-300:])
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError('HMP connection closed (have %r)' % self.buf[-300:])
                self.buf += chunk
        text, self.buf = self.buf.split(marker, 1)
        return (text + b'\n').decode(errors='replace')

    def run(self, line):
        """Type @line and Enter; the output without the echoed line, '\\n' ends."""
        self.send_raw(line + '\r')
        text = self.read_until_prompt()
        echo, _, out = text.partition('\r\n')
        return out.replace('\r\n', '\n')
