#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Disk throughput and IOPS in a riscv64 Linux guest, Tessera beside Debian's
qemu-system-riscv64 (7.2), both booting the same kernel and initramfs.

In the guest, on a virtio-blk-pci disk (raw, then a fresh qcow2 image):
  dd if=/dev/zero of=DISK bs=1M count=256 oflag=direct   (sequential write)
  dd if=DISK of=/dev/null bs=1M count=256 iflag=direct   (sequential read)
  iops DISK 3000 256    (4 KiB random reads one at a time with O_DIRECT;
                         bench/block/iops.c, built static with
                         riscv64-linux-gnu-gcc and added to the initramfs)
Times are the guest's own (busybox dd's report, CLOCK_MONOTONIC in iops),
so boot time is not counted.  Each figure is the median of --runs boots
(at least 3), the two emulators taking turns.  Both emulators use -drive if=none with their default cache
mode (writeback) and aio=threads.  Results go to the "Block" section of
docs/performance.md (bench/run.py and bench/net.py keep it).

  python3 bench/block.py [--build build/release] [--runs 3]
"""
import argparse
import gzip
import io
import lzma
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = 'qemu-system-riscv64'
MARK = '<!-- block section: bench/block.py -->'
MIB = 256
IOPS_READS = 3000


def guest_dir():
    d = os.environ.get('TESSERA_GUEST_DIR') or os.path.join(os.path.dirname(ROOT), 'shared',
                                                             'guests')
    d = os.path.join(d, 'riscv64')
    if not os.path.exists(os.path.join(d, 'Image.xz')):
        sys.exit('no guest images in %s (scripts/build-guest-images.sh)' % d)
    return d


def cpio_newc(files):
    """A newc cpio archive of {path: (mode, data)} plus its trailer."""
    out = io.BytesIO()
    ino = 1
    for path, (mode, data) in list(files.items()) + [('TRAILER!!!', (0, b''))]:
        name = path.encode() + b'\0'
        hdr = '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x' % (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0)
        out.write(hdr.encode() + name)
        out.write(b'\0' * (-(110 + len(name)) % 4))
        out.write(data)
        out.write(b'\0' * (-len(data) % 4))
        ino += 1
    return out.getvalue()


def prepare(work):
    """The kernel Image and an initramfs with /bin/iops appended (the kernel
    unpacks concatenated archives in order)."""
    gdir = guest_dir()
    image = os.path.join(work, 'Image')
    with lzma.open(os.path.join(gdir, 'Image.xz')) as f, open(image, 'wb') as out:
        out.write(f.read())
    if not shutil.which('riscv64-linux-gnu-gcc'):
        sys.exit('riscv64-linux-gnu-gcc not found: install gcc-riscv64-linux-gnu and '
                 'libc6-dev-riscv64-cross (scripts/setup.sh)')
    prog = os.path.join(work, 'iops')
    subprocess.run(['riscv64-linux-gnu-gcc', '-static', '-O2', '-Wall', '-Wextra', '-Werror',
                    os.path.join(ROOT, 'bench', 'block', 'iops.c'), '-o', prog], check=True)
    with open(prog, 'rb') as f:
        extra = cpio_newc({'bin/iops': (0o100755, f.read())})
    initrd = os.path.join(work, 'initramfs.cpio.gz')
    with open(os.path.join(gdir, 'initramfs.cpio.gz'), 'rb') as f:
        base = f.read()
    with open(initrd, 'wb') as out:
        out.write(base + gzip.compress(extra))
    return image, initrd


def make_disk(work, fmt):
    path = os.path.join(work, 'disk.' + fmt)
    if os.path.exists(path):
        os.unlink(path)
    subprocess.run(['qemu-img', 'create', '-q', '-f', fmt, path, '%dM' % (2 * MIB)], check=True)
    return path


GUEST_CMD = ('dd if=/dev/zero of=/dev/vda bs=1M count={mib} oflag=direct 2>&1;'
             'echo DD-SPLIT;'
             'dd if=/dev/vda of=/dev/null bs=1M count={mib} iflag=direct 2>&1;'
             'iops /dev/vda {reads} {mib}').format(mib=MIB, reads=IOPS_READS)


def one_run(exe, image, initrd, disk, fmt):
    """(write MB/s, read MB/s, IOPS) from one boot."""
    cmd = [exe, '-M', 'virt', '-m', '256', '-smp', '1', '-nographic', '-kernel', image,
           '-initrd', initrd, '-append',
           'console=ttyS0 quiet guest.run=' + GUEST_CMD.replace(' ', '+'),
           '-drive', 'file=%s,format=%s,if=none,id=d0' % (disk, fmt),
           '-device', 'virtio-blk-pci,drive=d0']
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=900)
    out = r.stdout.decode(errors='replace')
    dd = re.findall(r'(\d+) bytes \([^)]*\) copied, ([\d.]+) seconds', out)
    iops = re.search(r'IOPS (\d+) ([\d.]+) ([\d.]+)', out)
    if r.returncode != 0 or len(dd) != 2 or not iops:
        raise RuntimeError('%s (%s): unexpected output (exit %d):\n%s'
                           % (os.path.basename(exe), fmt, r.returncode, out[-3000:]))
    (wb, ws), (rb, rs) = dd
    if int(wb) != MIB << 20 or int(rb) != MIB << 20:
        raise RuntimeError('dd moved %s/%s bytes, not %d' % (wb, rb, MIB << 20))
    return int(wb) / float(ws) / 1e6, int(rb) / float(rs) / 1e6, float(iops.group(3))


def measure(exes, image, initrd, work, fmt, runs):
    """Per emulator: the medians and every run's figures.  The emulators take
    turns, run by run, so that a change in the machine's load hits both."""
    results = {exe: [] for exe in exes}
    for _ in range(runs):
        for exe in exes:
            disk = make_disk(work, fmt)   # fresh each run: qcow2 writes allocate every time
            results[exe].append(one_run(exe, image, initrd, disk, fmt))
    return {exe: ([statistics.median(r[i] for r in res) for i in range(3)], res)
            for exe, res in results.items()}


def qemu_version():
    r = subprocess.run([QEMU, '--version'], capture_output=True, text=True)
    return r.stdout.splitlines()[0] if r.stdout else '?'


def write_section(rows, runs, load, build):
    path = os.path.join(ROOT, 'docs', 'performance.md')
    with open(path) as f:
        text = f.read()
    lines = [MARK, '## Block', '',
             'Measured by `python3 bench/block.py --build %s --runs %d` (median of %d boots each, '
             'the two emulators taking turns, side by side with %s). Higher is better; ratio = Tessera / QEMU; goal: ratio >= 1.'
             % (build, runs, runs, qemu_version()), '',
             '| measure | Tessera | QEMU | ratio |', '|---|---|---|---|']
    for title, t, q in rows:
        lines.append('| %s | %.1f | %.1f | %.2f |' % (title, t, q, t / q))
    lines += ['',
              '- In the guest (riscv64 Linux 6.1, busybox 1.35, -m 256, one vCPU) on '
              'virtio-blk-pci: `dd bs=1M count=%d` from /dev/zero with `oflag=direct`, then '
              'back to /dev/null with `iflag=direct`; the IOPS row is %d random 4 KiB '
              'O_DIRECT reads one at a time (bench/block/iops.c) over the written %d MiB. Times '
              'are the guest\'s own, boot excluded.' % (MIB, IOPS_READS, MIB),
              '- Disks: a fresh sparse raw file or a fresh qcow2 image (64 KiB clusters, so '
              'the write row includes cluster allocation) of %d MiB on the host\'s file system, '
              '`-drive if=none` with the default cache mode (writeback) and aio=threads.'
              % (2 * MIB),
              '- Load average when the runs started: %.1f on %d cores (a shared machine: '
              'single runs vary a lot, hence medians).' % (load, os.cpu_count()), '']
    section = '\n'.join(lines) + '\n'
    if MARK in text:
        head, rest = text.split(MARK, 1)
        nxt = rest.find('\n<!-- ')
        text = head + section + (rest[nxt + 1:] if nxt >= 0 else '')
    elif '<!-- network section' in text:
        head, rest = text.split('<!-- network section', 1)
        text = head + section + '\n<!-- network section' + rest
    else:
        text = text.rstrip('\n') + '\n\n' + section
    with open(path, 'w') as f:
        f.write(text)
    print('wrote', path)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build', default=os.path.join(ROOT, 'build', 'release'))
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--no-write', action='store_true', help='print only, leave the docs alone')
    args = ap.parse_args()
    if args.runs < 3:
        sys.exit('--runs must be at least 3 (medians)')
    exe = os.path.join(args.build, 'bin', 'tessera-system-riscv64')
    if not os.path.exists(exe):
        sys.exit('%s not found: build it (scons mode=release)' % exe)
    for tool, pkg in ((QEMU, 'qemu-system-misc'), ('qemu-img', 'qemu-utils')):
        if not shutil.which(tool):
            sys.exit('%s not found: install %s (scripts/setup.sh)' % (tool, pkg))
    load = os.getloadavg()[0]
    work = tempfile.mkdtemp(prefix='bench-block-')
    try:
        image, initrd = prepare(work)
        rows = []
        for fmt in ('raw', 'qcow2'):
            m = measure([exe, QEMU], image, initrd, work, fmt, args.runs)
            (t, t_all), (q, q_all) = m[exe], m[QEMU]
            print('%s: Tessera runs %s' % (fmt, [tuple(round(v, 1) for v in r) for r in t_all]))
            print('%s: QEMU    runs %s' % (fmt, [tuple(round(v, 1) for v in r) for r in q_all]))
            for i, what in enumerate(('dd 256 MiB write, oflag=direct (MB/s)',
                                      'dd 256 MiB read, iflag=direct (MB/s)',
                                      '4 KiB random reads, one at a time (IOPS)')):
                rows.append(('virtio-blk %s: %s' % (fmt, what), t[i], q[i]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for title, tv, qv in rows:
        print('%-68s Tessera %8.1f  QEMU %8.1f  ratio %.2f' % (title, tv, qv, tv / qv))
    if not args.no_write:
        build = os.path.relpath(args.build, ROOT) if args.build.startswith(ROOT) else args.build
        write_section(rows, args.runs, load, build)


if __name__ == '__main__':
    main()
