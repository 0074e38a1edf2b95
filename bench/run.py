#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Side-by-side measurements of Tessera and Debian's qemu-system-riscv64.

Each figure is the median of --runs runs (at least 5) on this machine; the
ratio is Tessera / QEMU (lower is better for all of them).  Results are
printed and written to docs/performance.md.  This is a benchmark, not a
test: nothing here asserts a time.

  python3 bench/run.py [--build build/release] [--runs 7] [--only cpu|linux|misc]

The CPU rows run the bare-metal kernels of bench/cpu/kernels.c (built with
riscv64-unknown-elf-gcc); each prints a checksum, which must agree between
the two emulators, and the guest instruction count is taken once from QEMU
with -icount shift=0 (where instret counts retired instructions exactly).
"""
import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cpu'))
import build as cpu_build  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = 'qemu-system-riscv64'


def timed(cmd, stdin_data=None):
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin_data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True, text=True)
    return time.perf_counter() - start


def idle_peak_rss_kib(cmd, settle=1.0):
    """Start an empty machine, let it settle, read its peak RSS, stop it."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        time.sleep(settle)
        with open('/proc/%d/status' % p.pid) as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
        raise RuntimeError('no VmHWM for %s' % cmd)
    finally:
        p.kill()
        p.wait()


KEEP_MARKER = '<!-- kept by bench/run.py: hand-written notes below -->'

QUIT_QMP = '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n'


def linux_args():
    """Arguments booting the shared Linux guest, or None when it is absent."""
    import lzma
    gdir = os.environ.get('TESSERA_GUEST_DIR') or os.path.join(os.path.dirname(ROOT), 'shared',
                                                                'guests')
    gdir = os.path.join(gdir, 'riscv64')
    if not os.path.exists(os.path.join(gdir, 'Image.xz')):
        return None
    image = os.path.join(ROOT, 'build', 'bench-Image')
    if not os.path.exists(image):
        with lzma.open(os.path.join(gdir, 'Image.xz')) as f, open(image, 'wb') as out:
            out.write(f.read())
    return ['-M', 'virt', '-m', '256', '-nographic', '-kernel', image,
            '-initrd', os.path.join(gdir, 'initramfs.cpio.gz')]


def boot(exe, run, extra=()):
    args = linux_args()
    return timed([exe] + args + ['-append', 'console=ttyS0 quiet guest.run=' + run] + list(extra))


INTERP = ['-accel', 'tcg,backend=interp']


SUM_RE = __import__('re').compile(r'sum=(0x[0-9a-f]+) instret=(0x[0-9a-f]+)')


def run_kernel(exe, elf, extra=()):
    """Run one benchmark kernel: (seconds, checksum, instret)."""
    cmd = [exe] + ([] if exe == QEMU else ['-target', 'riscv64']) + [
        '-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic'] + list(extra)
    start = time.perf_counter()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=600)
    secs = time.perf_counter() - start
    m = SUM_RE.search(r.stdout)
    if r.returncode != 0 or not m:
        raise RuntimeError('bench: %s failed on %s: %s' % (exe, elf, r.stdout[-300:]))
    return secs, m.group(1), int(m.group(2), 16)


def measure_cpu(runs, tessera):
    elfs = cpu_build.build(os.path.join(ROOT, 'build', 'bench-cpu'))
    rows = []
    for name, elf in elfs.items():
        _s, qsum, insns = run_kernel(QEMU, elf, ['-icount', 'shift=0'])
        t_vals, q_vals = [], []
        for _ in range(runs):
            secs, tsum, _n = run_kernel(tessera, elf)
            if tsum != qsum:
                raise RuntimeError('bench: kernel %s: Tessera checksum %s, QEMU %s'
                                   % (name, tsum, qsum))
            t_vals.append(secs)
            q_vals.append(run_kernel(QEMU, elf)[0])
        t, q = statistics.median(t_vals), statistics.median(q_vals)
        title = 'CPU kernel `%s`, %.0f M guest insns (s; Tessera %.0f MIPS)' % (
            name, insns / 1e6, insns / t / 1e6)
        rows.append((title, t, q, t / q))
        print('%-40s tessera %.4f  qemu %.4f  ratio %.3f' % (title, t, q, t / q))
    return rows


def measure(runs, tessera, only=None):
    empty = ['-M', 'none', '-display', 'none', '-nodefaults']
    cases = [
        ('Linux boot to power-off, guest.run=true (s)', 'time',
         lambda exe: boot(exe, 'true')),
        ('Linux: dd 64 MiB piped to sha256sum, boot included (s)', 'time',
         lambda exe: boot(exe, 'dd+if=/dev/zero+bs=1M+count=64+|+sha256sum')),
        ('same, Tessera interpreter backend (s)', 'time',
         lambda exe: boot(exe, 'dd+if=/dev/zero+bs=1M+count=64+|+sha256sum',
                          INTERP if exe != QEMU else ())),
        ('Linux -smp 4: four dd 16 MiB piped to sha256sum in parallel (s)', 'time',
         lambda exe: boot(exe, 'for+i+in+1+2+3+4;do+(dd+if=/dev/zero+bs=1M+count=16|sha256sum)&'
                               'done;wait', ['-smp', '4'])),
        ('`-device help` time (s)', 'time',
         lambda exe: timed([exe, '-device', 'help'])),
        ('start-to-quit, empty machine (s)', 'time',
         lambda exe: timed([exe] + empty + ['-qmp', 'stdio'], QUIT_QMP)),
        ('peak RSS, idle empty machine (MiB)', 'rss',
         lambda exe: idle_peak_rss_kib([exe] + empty) / 1024.0),
    ]
    if linux_args() is None:
        print('bench: guest images not found; skipping the Linux measures')
        cases = [c for c in cases if not c[0].startswith(('Linux', 'same'))]
    if only == 'linux':
        cases = [c for c in cases if c[0].startswith(('Linux', 'same'))]
    elif only == 'misc':
        cases = [c for c in cases if not c[0].startswith(('Linux', 'same'))]
    rows = []
    if only in (None, 'cpu'):
        rows += measure_cpu(runs, tessera)
    if only == 'cpu':
        return rows
    for title, _kind, fn in cases:
        t_vals, q_vals = [], []
        for _ in range(runs):
            t_vals.append(fn(tessera))
            q_vals.append(fn(QEMU))
        t, q = statistics.median(t_vals), statistics.median(q_vals)
        rows.append((title, t, q, t / q if q else float('nan')))
        print('%-40s tessera %.4f  qemu %.4f  ratio %.3f' % (title, t, q, t / q))
    return rows


def qemu_version():
    out = subprocess.run([QEMU, '-version'], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else 'unknown'


def write_report(rows, runs, build, load=None):
    path = os.path.join(ROOT, 'docs', 'performance.md')
    lines = [
        '<!-- SPDX-License-Identifier: MIT -->',
        '# Performance',
        '',
        'Measured by `python3 bench/run.py` (median of %d runs each, side by side on the same '
        'machine). Ratio = Tessera / QEMU; lower is better.' % runs,
        '',
        '- date: %s' % datetime.date.today().isoformat(),
        '- machine: %s, %d cores' % (platform.machine(), os.cpu_count()),
        '- Tessera build: %s' % os.path.relpath(build, ROOT),
        '- load average (1 min) when the runs started: %s on %d cores'
        % ('%.1f' % load if load is not None else 'unknown', os.cpu_count()),
        '- QEMU: %s' % qemu_version(),
        '',
        '| measure | Tessera | QEMU | ratio | goal |',
        '|---|---|---|---|---|',
    ]
    goals = {'`-device help` time (s)': '<= 0.33', 'peak RSS, idle empty machine (MiB)': '<= 0.5',
             'same, Tessera interpreter backend (s)': ''}
    for title, t, q, r in rows:
        goal = goals.get(title, '<= 0.67' if title.startswith(('CPU', 'Linux')) else '')
        lines.append('| %s | %.4f | %.4f | %.3f | %s |' % (title, t, q, r, goal))
    lines += [
        '',
        'Notes:',
        '',
        '- Tessera\'s default TCG backend is the native x86-64 code generator (register cache,',
        '  patched chaining, inline jump-cache lookups); the "interpreter" row runs the portable',
        '  IR interpreter (`-accel tcg,backend=interp`). QEMU uses its JIT in every row.',
        '- CPU rows: bench/cpu/kernels.c, one bare-metal ELF per kernel; the checksums printed by',
        '  both emulators must agree (the run stops otherwise); guest instructions are counted',
        '  once by QEMU with `-icount shift=0`; MIPS = those instructions / Tessera\'s median time.',
        '- Wall times depend on the machine\'s load (it is shared with other builds); compare the',
        '  ratios of one run, not times across runs.',
        '- "start-to-quit" starts `-M none -display none -nodefaults -qmp stdio`, negotiates',
        '  capabilities and sends `quit`. Peak RSS is VmHWM of an idle empty machine after 1 s.',
        '- Guest images: ../shared/guests/riscv64 (Linux 6.1, busybox initramfs).',
        '',
    ]
    # Hand-written analysis below the marker survives regeneration.
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if KEEP_MARKER in old:
            lines += [KEEP_MARKER + old.split(KEEP_MARKER, 1)[1].rstrip('\n'), '']
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    print('wrote', path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.path.join(ROOT, 'build', 'release'))
    ap.add_argument('--runs', type=int, default=7)
    ap.add_argument('--only', choices=['cpu', 'linux', 'misc'])
    args = ap.parse_args()
    if args.runs < 5:
        sys.exit('bench: --runs must be at least 5')
    tessera = os.path.join(args.build, 'bin', 'tessera-system-riscv64')
    if not os.path.exists(tessera):
        tessera = os.path.join(args.build, 'bin', 'tessera')
    if not os.path.exists(tessera):
        sys.exit('bench: %s not found; build with scons mode=release' % tessera)
    if not shutil.which(QEMU):
        sys.exit('bench: %s not found; run scripts/setup.sh (package qemu-system-misc)' % QEMU)
    load = os.getloadavg()[0]
    rows = measure(args.runs, tessera, args.only)
    if args.only:
        print('bench: --only: docs/performance.md left as it is')
        return
    write_report(rows, args.runs, args.build, load)


if __name__ == '__main__':
    main()
