# SPDX-License-Identifier: MIT
# Manual check for issue 10's aarch64 clause: native PCIe hotplug and unplug on
# aarch64 `virt` WITHOUT pciehp poll mode (the root port signals through MSI via
# GICv2m).  The shared aarch64 guest kernel has no CONFIG_PCIEPORTBUS /
# CONFIG_HOTPLUG_PCI, so this needs a kernel built from its configuration plus
#   scripts/config -e PCIEPORTBUS -e HOTPLUG_PCI -e HOTPLUG_PCI_PCIE
# (Debian linux-source-6.1; see scripts/build-guest-images.sh for the build).
#
#   python3 tests/manual/aarch64_pcie_hotplug.py build/debug/bin/tessera-system-aarch64 Image
#
# Boots to the shell, device_add virtio-rng-pci on a pcie-root-port, checks the
# guest binds it, device_del, waits for DEVICE_DELETED, checks it is gone.
import json, os, socket, subprocess, sys, time, select
exe, image = sys.argv[1], sys.argv[2]
import tempfile
qmp_path = os.path.join(tempfile.mkdtemp(prefix='tessera-hp-'), 'qmp.sock')
if os.path.exists(qmp_path): os.unlink(qmp_path)
p = subprocess.Popen([exe, '-M', 'virt', '-m', '512', '-cpu', 'max', '-smp', '2', '-kernel', image,
    '-append', 'console=ttyAMA0', '-device', 'pcie-root-port,id=rp1,chassis=1',
    '-qmp', 'unix:%s,server=on,wait=off' % qmp_path, '-serial', 'stdio', '-display', 'none', '-nodefaults'],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
buf = b''
def wait_for(s, t=240):
    global buf
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if r:
            d = os.read(p.stdout.fileno(), 65536)
            if not d: break
            buf += d
            if s.encode() in buf:
                i = buf.index(s.encode()) + len(s); out = buf[:i]; buf = buf[i:]; return out.decode(errors='replace')
    raise SystemExit('timeout waiting for %r; tail: %r' % (s, buf[-2000:]))
def sh(cmd, marker):
    # The marker is computed by the shell, so the echoed command line never matches it.
    n = int(marker[1:])
    p.stdin.write(('%s; echo @@$((%d+0))@@\n' % (cmd, n)).encode()); p.stdin.flush()
    return wait_for('@@%d@@' % n, 120)
wait_for('BOOT-OK')
wait_for('/ # ')
time.sleep(1)
p.stdin.write(b'\x1b[24;80R'); p.stdin.flush(); time.sleep(1)
q = socket.socket(socket.AF_UNIX); q.connect(qmp_path); f = q.makefile('rw')
f.readline(); f.write('{"execute":"qmp_capabilities"}\n'); f.flush(); f.readline()
def cmd(c, **a):
    f.write(json.dumps({'execute': c, 'arguments': a}) + '\n'); f.flush()
    while True:
        m = json.loads(f.readline())
        if 'event' in m: print('event', m['event'], m.get('data')); continue
        return m
print(sh('grep -c . /proc/interrupts; ls /sys/bus/pci/devices; dmesg | grep -i -E "pciehp|pcieport" | tail -5', 'M1'))
t0 = time.time()
print('device_add', cmd('device_add', driver='virtio-rng-pci', bus='rp1', id='hot'))
time.sleep(6)
m2 = sh('ls /sys/bus/pci/devices; cat /sys/bus/pci/devices/*/vendor | tr "\\n" " "; ls /sys/class/misc/hw_random && cat /sys/class/misc/hw_random/rng_available', 'M2')
print(m2)
if '0x1af4' not in m2 or 'virtio_rng' not in m2: raise SystemExit('FAIL: the guest did not bind the hot-added device')
print('device_del', cmd('device_del', id='hot'))
q.settimeout(60); deleted = None; end = time.time() + 60
while time.time() < end:
    try: line = f.readline()
    except socket.timeout: break
    m = json.loads(line); print('msg', m)
    if m.get('event') == 'DEVICE_DELETED' and m['data'].get('device') == 'hot': deleted = time.time(); break
print('DEVICE_DELETED after %.1f s' % (deleted - t0) if deleted else 'NO DEVICE_DELETED')
m3 = sh('ls /sys/bus/pci/devices; cat /proc/cmdline; dmesg | grep -i -E "pciehp|slot" | tail -8', 'M3')
print(m3)
if not deleted or '0000:01:00.0' in m3.split('console=')[0] or 'poll_mode' in m3: raise SystemExit('FAIL: the device was not released')
p.stdin.write(b'poweroff -f\n'); p.stdin.flush()
try: p.wait(60)
except Exception: p.kill()
print('exit', p.returncode)
print('PASS' if p.returncode == 0 else 'FAIL: exit status %s' % p.returncode)
sys.exit(0 if p.returncode == 0 else 1)
