#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""EDK2 (AAVMF) + Linux boot to power-off on aarch64 virt, Tessera beside
QEMU (qemu-system-aarch64) with the same command line: pflash firmware and
variable store, virtio-scsi-pci + scsi-hd with the shared GPT disk, -smp 2,
guest command from fw_cfg.  Runs alternate between the two emulators;
prints the median seconds from start to EDK2's banner, to the boot manager
starting Linux, to the guest's BOOT-OK and to process exit, plus CPU time.

  bench/edk2.py [--runs N] [--wait]   (--wait keeps EDK2's 5 s boot-menu
                                       wait: the varstore's Timeout is 5)
"""
import argparse
import lzma
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUESTS = os.path.join(os.path.dirname(ROOT), 'shared', 'guests', 'aarch64')
AAVMF = '/usr/share/AAVMF'
MARKS = [('banner', b'UEFI firmware'), ('bds', b'BdsDxe: starting'),
         ('boot-ok', b'BOOT-OK'), ('exit', None)]


def command(emu, disk, vars_fd, wait):
    args = [emu, '-M', 'virt,pflash0=rom,pflash1=efivars', '-m', '1024', '-cpu', 'max',
            '-smp', '2', '-device', 'virtio-scsi-pci', '-device', 'scsi-hd,drive=hd',
            '-blockdev', 'driver=raw,node-name=hd,file.driver=file,file.filename=%s' % disk,
            '-blockdev', 'node-name=rom,driver=file,filename=%s/AAVMF_CODE.fd,read-only=true'
            % AAVMF,
            '-blockdev', 'node-name=efivars,driver=file,filename=%s' % vars_fd,
            '-fw_cfg', 'name=opt/guest.run,string=true', '-serial', 'stdio', '-display', 'none']
    if 'qemu' in os.path.basename(emu):
        args[2] = 'virt,acpi=off,pflash0=rom,pflash1=efivars'
        args += ['-nic', 'none']
    if not wait:
        args += ['-boot', 'menu=on,splash-time=0']
    return args


def one_run(args):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    seen, buf = {}, b''
    while True:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
        now = time.monotonic() - start
        for name, pat in MARKS:
            if pat and name not in seen and pat in buf:
                seen[name] = now
    p.wait()
    seen['exit'] = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seen['cpu'] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0 or 'boot-ok' not in seen:
        sys.exit('%s failed (status %d):\n%s' % (args[0], p.returncode,
                                                 buf[-2000:].decode(errors='replace')))
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--wait', action='store_true')
    ap.add_argument('--tessera', default=os.path.join(ROOT, 'build', 'debug', 'bin',
                                                      'tessera-system-aarch64'))
    ap.add_argument('--qemu', default=shutil.which('qemu-system-aarch64'))
    opts = ap.parse_args()
    d = tempfile.mkdtemp(prefix='bench-edk2-')
    try:
        disk = os.path.join(d, 'disk.img')
        with lzma.open(os.path.join(GUESTS, 'disk.img.xz')) as f, open(disk, 'wb') as out:
            shutil.copyfileobj(f, out)
        emus = [('tessera', opts.tessera), ('qemu', opts.qemu)]
        results = {name: [] for name, _ in emus}
        for name, emu in emus:
            # One warm-up run gives each a varstore that booted once.
            vars_fd = os.path.join(d, name + '-vars.fd')
            shutil.copyfile(os.path.join(AAVMF, 'AAVMF_VARS.fd'), vars_fd)
            one_run(command(emu, disk, vars_fd, opts.wait))
        for _ in range(opts.runs):
            for name, emu in emus:
                vars_fd = os.path.join(d, name + '-vars.fd')
                results[name].append(one_run(command(emu, disk, vars_fd, opts.wait)))
        print('load average before/after: %s' % ' '.join('%.1f' % x for x in os.getloadavg()))
        print('%-8s %8s %8s %8s %8s %8s' % ('', 'banner', 'bds', 'boot-ok', 'exit', 'cpu'))
        for name, _ in emus:
            row = [statistics.median(r[k] for r in results[name])
                   for k in ('banner', 'bds', 'boot-ok', 'exit', 'cpu')]
            print('%-8s %8.2f %8.2f %8.2f %8.2f %8.2f' % tuple([name] + row))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == '__main__':
    main()
