#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""aarch64 virt boot to power-off, Tessera beside QEMU (qemu-system-aarch64)
with the same command line: direct kernel boot of the Linux 6.1 Image of
../shared/guests/aarch64 (device tree, `guest.run=true`: the init prints
BOOT-OK and powers off), with `-cpu max` (PAuth with QARMA5, QEMU's
default too) and `-cpu max,pauth-impdef=on` (the seed line's CPU), and
with --edk2 also EDK2 + Linux through bench/edk2.py (no boot-menu wait),
and with --seed the seed line of issue 19 itself (EDK2 from pflash,
BOOTAA64.EFI from the scsi-hd GPT disk, Linux at EL2 on 4 CPUs, the guest
command from fw_cfg) once with EDK2's 5 s boot-menu wait and once without
it (the same line; only its varstore differs, see seed_rows).
Runs alternate between the two emulators; the medians of the wall time to
process exit and of the process CPU time (user + sys) are printed and
written to docs/performance.md (its aarch64 boot section).  A benchmark run
by hand, not a test: nothing here asserts a time.

  bench/arm_boot.py [--runs N] [--build build/release] [--edk2] [--seed]
                    [--only-seed] [--no-write]
"""
import argparse
import lzma
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUESTS = os.path.join(os.path.dirname(ROOT), 'shared', 'guests', 'aarch64')
MARK = '<!-- aarch64 boot section: bench/arm_boot.py -->'
END = '<!-- end of aarch64 boot section -->'
BEFORE = '<!-- block jobs section: bench/mirror.py -->'
AAVMF = '/usr/share/AAVMF'
# (-cpu, -M, -m, -smp, row title): -smp 1 with both PAuth algorithms, and the
# seed line's machine and CPUs (EL2, 4 GiB, 4 CPUs, impdef PAuth) without EDK2.
CPUS = [('max', 'virt', '512', '1', 'direct kernel boot, -cpu max (QARMA5)'),
        ('max,pauth-impdef=on', 'virt', '512', '1',
         'direct kernel boot, -cpu max,pauth-impdef=on'),
        ('max,pauth-impdef=on', 'virt,virtualization=on', '4096', '4',
         "direct kernel boot, the seed line's -M/-m/-cpu/-smp (EL2, 4 GiB, impdef, -smp 4)")]


def direct_command(emu, image, cpu, machine='virt', mem='512', smp='1'):
    return [emu, '-M', machine, '-m', mem, '-cpu', cpu, '-smp', smp, '-nographic',
            '-no-reboot', '-nic', 'none', '-kernel', image,
            '-append', 'console=ttyAMA0 guest.run=true panic=-1']


def one_run(args):
    """Wall seconds to exit and CPU seconds (user + sys) of one boot."""
    start = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    if p.returncode != 0 or b'BOOT-OK' not in out:
        sys.exit('%s failed (status %d):\n%s' % (args[0], p.returncode,
                                                 out[-2000:].decode(errors='replace')))
    return wall, ru.ru_utime + ru.ru_stime


def edk2_rows(opts, emus):
    """EDK2 + Linux (bench/edk2.py's command line, no boot-menu wait)."""
    sys.path.insert(0, os.path.join(ROOT, 'bench'))
    import edk2  # noqa: E402
    d = tempfile.mkdtemp(prefix='bench-arm-edk2-')
    try:
        disk = os.path.join(d, 'disk.img')
        with lzma.open(os.path.join(GUESTS, 'disk.img.xz')) as f, open(disk, 'wb') as out:
            shutil.copyfileobj(f, out)
        res = {name: [] for name, _ in emus}
        for name, emu in emus:
            vars_fd = os.path.join(d, name + '-vars.fd')
            shutil.copyfile(os.path.join(edk2.AAVMF, 'AAVMF_VARS.fd'), vars_fd)
            edk2.one_run(edk2.command(emu, disk, vars_fd, False))
        for _ in range(opts.runs):
            for name, emu in emus:
                vars_fd = os.path.join(d, name + '-vars.fd')
                r = edk2.one_run(edk2.command(emu, disk, vars_fd, False))
                res[name].append((r['exit'], r['cpu']))
        return [('EDK2 + Linux, -smp 2 (bench/edk2.py, no menu wait)', res)]
    finally:
        shutil.rmtree(d, ignore_errors=True)


def free_port():
    """A TCP port on 127.0.0.1 free now (hostfwd's host side)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def seed_command(emu, disk, vars_fd, extra=()):
    """Issue 19's seed line, the same for both emulators, with only the
    file names adapted (the disk a raw file instead of a loop device, the
    firmware Debian's AAVMF) and hostfwd on a free 127.0.0.1 port; the
    guest command (guest.run: BOOT-OK, then power off) comes from fw_cfg,
    since EDK2 boots BOOTAA64.EFI without a kernel command line."""
    return [emu, '-machine', 'type=virt,virtualization=on,pflash0=rom,pflash1=efivars',
            '-m', '4096', '-cpu', 'max,pauth-impdef=on', '-smp', '4', '-accel', 'tcg',
            '-device', 'virtio-net-pci,netdev=unet', '-device', 'virtio-scsi-pci',
            '-device', 'scsi-hd,drive=hd',
            '-netdev', 'user,id=unet,hostfwd=tcp:127.0.0.1:%d-:22' % free_port(),
            '-blockdev', 'driver=raw,node-name=hd,file.driver=file,file.filename=%s' % disk,
            '-serial', 'mon:stdio', '-display', 'none',
            '-blockdev', 'node-name=rom,driver=file,filename=%s/AAVMF_CODE.fd,read-only=true'
            % AAVMF,
            '-blockdev', 'node-name=efivars,driver=file,filename=%s' % vars_fd,
            '-fw_cfg', 'name=opt/guest.run,string=true'] + list(extra)


# The seed line's two cases: EDK2's boot-manager Timeout variable (5 s by
# default) decides the wait.  Each emulator gets its own copy of
# AAVMF_VARS.fd and one untimed boot of the seed line first: as it is
# (the varstore then has booted once and keeps Timeout = 5), or with
# bench/edk2.py's `-boot menu=on,splash-time=0`, which makes EDK2 store
# Timeout = 0 in the varstore.  The timed runs are the unchanged seed line;
# EDK2 writes its variables back at every boot, so each run finds the
# previous one's varstore, as a user's second run would.
SEED_CASES = [('seed line, EDK2 5 s boot-menu wait', ()),
              ('seed line, no menu wait (varstore Timeout=0)',
               ('-boot', 'menu=on,splash-time=0'))]


def seed_rows(opts, emus):
    sys.path.insert(0, os.path.join(ROOT, 'bench'))
    import edk2  # noqa: E402
    rom = '/usr/lib/ipxe/qemu/efi-virtio.rom'
    if not os.path.exists(rom):
        sys.exit('arm_boot.py: %s not found: QEMU\'s virtio-net-pci needs it; install '
                 'ipxe-qemu (scripts/setup.sh)' % rom)
    d = tempfile.mkdtemp(prefix='bench-arm-seed-')
    rows = []
    try:
        disk = os.path.join(d, 'disk.img')
        with lzma.open(os.path.join(GUESTS, 'disk.img.xz')) as f, open(disk, 'wb') as out:
            shutil.copyfileobj(f, out)
        for title, prime in SEED_CASES:
            res = {name: [] for name, _ in emus}
            menu = {name: [] for name, _ in emus}
            for name, emu in emus:
                vars_fd = os.path.join(d, name + '-vars.fd')
                shutil.copyfile(os.path.join(edk2.AAVMF, 'AAVMF_VARS.fd'), vars_fd)
                edk2.one_run(seed_command(emu, disk, vars_fd, prime))
            for _ in range(opts.runs):
                for name, emu in emus:
                    r = edk2.one_run(seed_command(emu, disk, os.path.join(d, name + '-vars.fd')))
                    res[name].append((r['exit'], r['cpu']))
                    menu[name].append(r['bds'] - r['banner'])
            # Evidence of the wait (or its absence): EDK2's banner to the
            # boot manager starting BOOTAA64.EFI.
            print('%s: banner to "BdsDxe: starting", median s: %s' % (
                title, ', '.join('%s %.2f' % (n, statistics.median(menu[n])) for n, _ in emus)))
            rows.append((title + ', -smp 4 -m 4096', res))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return rows


def write_section(rows, opts, load):
    path = os.path.join(ROOT, 'docs', 'performance.md')
    text = open(path).read()
    if MARK in text:
        head, rest = text.split(MARK, 1)
        tail = rest.split(END, 1)[1] if END in rest else ''
        text = head.rstrip('\n') + '\n\n{}' + tail
    elif BEFORE in text:
        head, tail = text.split(BEFORE, 1)
        text = head.rstrip('\n') + '\n\n{}\n\n' + BEFORE + tail
    else:
        text = text.rstrip('\n') + '\n\n{}\n'
    lines = [MARK, '## aarch64 boot', '',
             'Measured by `python3 bench/arm_boot.py --runs %d%s%s` (medians, the two emulators '
             'taking turns; Tessera from `%s`). Lower is better; ratio = Tessera / QEMU; '
             'goal (issue 19): <= 0.67.' % (opts.runs, ' --edk2' if opts.edk2 else '',
                                            ' --seed' if opts.seed else '',
                                            os.path.relpath(opts.build, ROOT)), '',
             '| measure | Tessera | QEMU | ratio |', '|---|---|---|---|']
    for title, res in rows:
        for k, what in ((0, 'wall s to exit'), (1, 'CPU s')):
            t = statistics.median(r[k] for r in res['tessera'])
            q = statistics.median(r[k] for r in res['qemu'])
            lines.append('| %s: %s | %.2f | %.2f | %.2f |' % (title, what, t, q, t / q))
    lines += ['',
              '- Guest: ../shared/guests/aarch64 Image (Linux 6.1, built-in initramfs), `-M virt '
              '-m 512 -smp 1 -nographic -no-reboot -nic none -kernel Image -append '
              '"console=ttyAMA0 guest.run=true panic=-1"`, the same line for both (the '
              'seed-options row: `-M virt,virtualization=on -m 4096 -smp 4`).',
              '- Seed line rows (`--seed`): issue 19\'s line with a copy of the shared GPT disk '
              'as a raw file, Debian\'s AAVMF, hostfwd on a free 127.0.0.1 port and '
              '`-fw_cfg name=opt/guest.run,string=true`; the no-wait row runs the same line on '
              'a varstore that once booted with `-boot menu=on,splash-time=0` (Timeout=0).',
              '- The machine is shared: wall times move with its load (load average %.1f on %d '
              'cores when the runs started); CPU time (user + sys of the process) much less.'
              % (load, os.cpu_count()),
              END]
    with open(path, 'w') as f:
        f.write(text.replace('{}', '\n'.join(lines), 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--build', default=os.path.join(ROOT, 'build', 'release'))
    ap.add_argument('--qemu', default=shutil.which('qemu-system-aarch64'))
    ap.add_argument('--edk2', action='store_true', help='also EDK2 + Linux (bench/edk2.py)')
    ap.add_argument('--seed', action='store_true',
                    help="also the seed line (EDK2 + Linux, -smp 4), with and without EDK2's "
                         'boot-menu wait')
    ap.add_argument('--only-seed', action='store_true',
                    help='only the seed line rows (implies --seed and --no-write: the '
                         'section in docs/performance.md keeps all rows)')
    ap.add_argument('--no-write', action='store_true', help='do not update docs/performance.md')
    opts = ap.parse_args()
    opts.build = os.path.abspath(opts.build)
    tessera = os.path.join(opts.build, 'bin', 'tessera-system-aarch64')
    for what, path in (('Tessera', tessera), ('QEMU (--qemu)', opts.qemu)):
        if not path or not os.path.exists(path):
            sys.exit('arm_boot.py: %s not found: %s' % (what, path))
    if not os.path.exists(os.path.join(GUESTS, 'Image.xz')):
        sys.exit('arm_boot.py: no guest image %s' % os.path.join(GUESTS, 'Image.xz'))
    load = os.getloadavg()[0]
    emus = [('tessera', tessera), ('qemu', opts.qemu)]
    rows = []
    d = tempfile.mkdtemp(prefix='bench-arm-')
    try:
        image = os.path.join(d, 'Image')
        with lzma.open(os.path.join(GUESTS, 'Image.xz')) as f, open(image, 'wb') as out:
            shutil.copyfileobj(f, out)
        for cpu, machine, mem, smp, title in ([] if opts.only_seed else CPUS):
            res = {name: [] for name, _ in emus}
            for _ in range(opts.runs):
                for name, emu in emus:
                    res[name].append(one_run(direct_command(emu, image, cpu, machine, mem, smp)))
            rows.append((title, res))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if opts.edk2 and not opts.only_seed:
        rows += edk2_rows(opts, emus)
    if opts.seed or opts.only_seed:
        rows += seed_rows(opts, emus)
    print('load average at start %.1f, now %s' % (load, ' '.join('%.1f' % x
                                                               for x in os.getloadavg())))
    print('%-66s %9s %9s %9s %9s' % ('', 'T wall', 'Q wall', 'T cpu', 'Q cpu'))
    for title, res in rows:
        med = [statistics.median(r[k] for r in res[n]) for k in (0, 1) for n in ('tessera', 'qemu')]
        print('%-66s %9.2f %9.2f %9.2f %9.2f' % (title, med[0], med[1], med[2], med[3]))
    if not opts.no_write and not opts.only_seed:
        write_section(rows, opts, load)
    return 0


if __name__ == '__main__':
    sys.exit(main())
