#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debian's EDK2 (AAVMF, package qemu-efi-aarch64) on the aarch64 virt board:
firmware from pflash0 (code executed in place, its first page tables read
from flash), its variable store in pflash1 written back to the file and
found again by the next run, Linux booted through \\EFI\\BOOT\\BOOTAA64.EFI
from the GPT disk on virtio-scsi-pci, the guest's command from fw_cfg
(-fw_cfg name=opt/guest.run), and -bios with -kernel/-append handed to the
firmware through fw_cfg.  Device tree boot (the board offers no ACPI)."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt
from test_arm_virt import guest_disk, linux_image

LINK = 'tessera-system-aarch64'
AAVMF = '/usr/share/AAVMF'
# Guest boots through firmware on a loaded machine: generous, never asserted.
TIMEOUT = 600


def firmware(name):
    path = os.path.join(AAVMF, name)
    if not os.path.exists(path):
        raise AssertionError('%s not found: install qemu-efi-aarch64 (scripts/setup.sh)' % path)
    return path


def variables(path):
    """The variables of an EDK2 authenticated variable store (flash image):
    (name, state, data) for each header found (StartId 0x55aa)."""
    blob = open(path, 'rb').read()
    out = []
    i = blob.find(b'\xaa\x55')
    while i >= 0:
        if i + 60 <= len(blob):
            state = blob[i + 2]
            name_size, data_size = struct.unpack_from('<II', blob, i + 36)
            end = i + 60 + name_size + data_size
            if 0 < name_size < 512 and data_size < 65536 and end <= len(blob):
                name = blob[i + 60:i + 60 + name_size].decode('utf-16-le', 'replace')
                out.append((name.rstrip('\0'), state, blob[i + 60 + name_size:end]))
        i = blob.find(b'\xaa\x55', i + 2)
    return out


def live(path, name):
    """Data of the live copies (state VAR_ADDED) of variable @name."""
    return [data for n, state, data in variables(path) if n == name and state == 0x3f]


class Edk2Boot(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='tessera-edk2-')
        self.addCleanup(shutil.rmtree, self.dir, True)

    def run_fw(self, args):
        r = tt.run(['-m', '1024', '-cpu', 'max', '-smp', '2', '-serial', 'stdio',
                    '-display', 'none'] + args, link=LINK, timeout=TIMEOUT)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-3000:])
        self.assertIn('UEFI firmware', out, out[-3000:])
        self.assertIn('EFI stub: Booting Linux Kernel', out, out[-3000:])
        # acpi=off: no ACPI tables, EDK2 passes its device tree on to Linux.
        self.assertIn('Machine model: linux,dummy-virt', out, out[-3000:])
        self.assertRegex(out, r'BOOT-OK [0-9.]+ aarch64', out[-3000:])
        self.assertIn('reboot: Power down', out, out[-3000:])
        return out

    def pflash_args(self, vars_fd, disk, guest_cmd):
        return ['-M', 'virt,acpi=off,pflash0=rom,pflash1=efivars',
                '-device', 'virtio-scsi-pci', '-device', 'scsi-hd,drive=hd',
                '-blockdev', 'driver=raw,node-name=hd,file.driver=file,file.filename=%s,'
                'read-only=on' % disk,
                '-blockdev', 'node-name=rom,driver=file,filename=%s,read-only=true'
                % firmware('AAVMF_CODE.fd'),
                '-blockdev', 'node-name=efivars,driver=file,filename=%s' % vars_fd,
                '-fw_cfg', 'name=opt/guest.run,string=%s' % guest_cmd]

    def test_pflash_boot_from_scsi_disk_and_variables_persist(self):
        vars_fd = os.path.join(self.dir, 'vars.fd')
        shutil.copyfile(firmware('AAVMF_VARS.fd'), vars_fd)
        self.assertEqual(live(vars_fd, 'Timeout'), [])
        disk = guest_disk()
        # First run: a fresh variable store; -boot splash-time=0 reaches
        # EDK2 through fw_cfg, which keeps it as its Timeout variable.
        out = self.run_fw(self.pflash_args(vars_fd, disk, 'echo+GUEST-RAN-$((6*7))') +
                          ['-boot', 'menu=on,splash-time=0'])
        self.assertIn('BdsDxe: starting Boot0001 "UEFI TESSERA TESSERA HARDDISK"', out,
                      out[-3000:])
        self.assertIn('DISK-OK /dev/sda2 GUEST-DISK-MARKER', out, out[-3000:])
        self.assertIn('GUEST-RAN-42', out, out[-3000:])
        # EDK2's flash programs reached the file.
        self.assertEqual(live(vars_fd, 'Timeout'), [b'\0\0'])
        boot1 = live(vars_fd, 'Boot0001')
        self.assertEqual(len(boot1), 1, variables(vars_fd))
        self.assertIn('TESSERA HARDDISK'.encode('utf-16-le'), boot1[0])
        # Second run without -boot: EDK2 finds the first run's Timeout (a
        # store it had not found would get the default, 5 s) and boot entry.
        out = self.run_fw(self.pflash_args(vars_fd, disk, 'echo+SECOND-$((7*6))'))
        self.assertIn('BdsDxe: starting Boot0001 "UEFI TESSERA TESSERA HARDDISK"', out,
                      out[-3000:])
        self.assertIn('SECOND-42', out, out[-3000:])
        self.assertEqual(live(vars_fd, 'Timeout'), [b'\0\0'])
        self.assertEqual(live(vars_fd, 'Boot0001'), boot1)

    def test_bios_with_kernel_through_fw_cfg(self):
        # -bios loads the firmware into flash 0; -kernel/-append reach it as
        # fw_cfg's kernel and command-line items (no disk at all).
        out = self.run_fw(['-M', 'virt,acpi=off', '-bios', firmware('AAVMF_CODE.fd'),
                           '-boot', 'menu=on,splash-time=0', '-kernel', linux_image(),
                           '-append', 'console=ttyAMA0 guest.run=echo+KERNEL-$((6*7))'])
        self.assertIn('Kernel command line: console=ttyAMA0 guest.run=echo+KERNEL-$((6*7))',
                      out, out[-3000:])
        self.assertIn('KERNEL-42', out, out[-3000:])


# Code run from flash: runs "mov w0,#'A'; ret" from flash 1, erases and
# reprograms it with 'B' and runs it again (a stale translation prints A
# twice), checking on the way that a status read right after a command, in
# the same translated block, sees the chip (0x80 in both lanes), not the
# array.
FLASH_CODE = '''
    .macro cmd addr, c
    movz w4, #\\c
    movk w4, #\\c, lsl #16
    str w4, [\\addr]
    .endm
    .macro prog addr, lo, hi
    cmd \\addr, 0x40
    movz w8, #\\lo
    movk w8, #\\hi, lsl #16
    str w8, [\\addr]
    .endm
    .text
    .global _start
_start:
    movz x1, #0x0900, lsl #16      // PL011 data register
    movz x3, #0x0400, lsl #16      // flash 1
    add x9, x3, #4
    mov x20, #2
    movz w21, #0x0820
    movk w21, #0x5280, lsl #16     // mov w0, #'A'
again:
    cmd x3, 0x20                   // block erase, both chips
    cmd x3, 0xd0
    cmd x3, 0x70                   // read status
    ldr w6, [x3]
    movz w5, #0x80
    movk w5, #0x80, lsl #16
    cmp w6, w5
    b.ne fail
    cmd x3, 0x40                   // word program
    str w21, [x3]
    prog x9, 0x03c0, 0xd65f        // ret
    cmd x3, 0xff                   // read array
    blr x3
    strb w0, [x1]
    add w21, w21, #0x20            // mov w0, #'B'
    subs x20, x20, #1
    b.ne again
    mov w2, #'\\n'
    strb w2, [x1]
fail:
    movz x0, #0x8400, lsl #16
    movk x0, #0x0008               // PSCI SYSTEM_OFF
    hvc #0
    b .
'''


class FlashCode(unittest.TestCase):
    """The flash's ROM-device mode under the translator."""

    def test_code_in_flash_is_retranslated_after_program(self):
        asm = shutil.which('aarch64-linux-gnu-as')
        objcopy = shutil.which('aarch64-linux-gnu-objcopy')
        self.assertTrue(asm and objcopy, 'aarch64-linux-gnu-as/objcopy not found: install '
                        'gcc-aarch64-linux-gnu (scripts/setup.sh)')
        d = tempfile.mkdtemp(prefix='tessera-flashcode-')
        self.addCleanup(shutil.rmtree, d, True)
        with open(os.path.join(d, 'fw.S'), 'w') as f:
            f.write(FLASH_CODE)
        subprocess.run([asm, 'fw.S', '-o', 'fw.o'], cwd=d, check=True)
        subprocess.run([objcopy, '-O', 'binary', 'fw.o', 'fw.bin'], cwd=d, check=True)
        size = 64 << 20
        with open(os.path.join(d, 'vars.fd'), 'wb') as f:
            f.truncate(size)
        r = tt.run(['-M', 'virt,pflash1=vars', '-nographic',
                    '-bios', os.path.join(d, 'fw.bin'),
                    '-blockdev', 'node-name=vars,driver=file,filename=%s'
                    % os.path.join(d, 'vars.fd')], link=LINK, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, 'AB\n')
        # The second program reached the file: mov w0, #'B'; ret.
        with open(os.path.join(d, 'vars.fd'), 'rb') as f:
            self.assertEqual(f.read(8), bytes.fromhex('40088052c0035fd6'))


class FwCfgOption(unittest.TestCase):
    """-fw_cfg is checked as QEMU checks it; errors are one line."""

    def refused(self, args, msg):
        r = tt.run(args + ['-M', 'virt', '-nographic', '-kernel', '/dev/null'], link=LINK)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(msg, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_refusals(self):
        need = 'name, plus exactly one of file, string and gen_id, are needed'
        cases = [
            (['-fw_cfg', 'opt/x'], need),
            (['-fw_cfg', 'name=opt/x,string=a,file=/etc/hostname'], need),
            (['-fw_cfg', 'string=a'], need),
            (['-fw_cfg', 'name=opt/' + 'x' * 52 + ',string=a'], 'name too long (max. 55 char)'),
            (['-fw_cfg', 'name=opt/x,file=/no/such/file'], "can't load /no/such/file"),
            (['-fw_cfg', 'name=opt/x,string=a', '-fw_cfg', 'name=opt/x,string=b'],
             'duplicate fw_cfg file name: opt/x'),
            (['-fw_cfg', 'name=opt/x,nosuch=1'], "invalid parameter 'nosuch'"),
            (['-boot', 'splash-time=70000'], 'splash-time is invalid'),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                self.refused(args, msg)

    def test_bios_and_pflash0_refused(self):
        code = firmware('AAVMF_CODE.fd')
        r = tt.run(['-M', 'virt,pflash0=rom', '-bios', code, '-nographic', '-blockdev',
                    'node-name=rom,driver=file,filename=%s,read-only=on' % code], link=LINK)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('the contents of the first flash device may be specified with -bios or '
                      'with pflash0=, but not both', r.stderr)

    def test_machine_without_fw_cfg(self):
        r = tt.run(['-M', 'none', '-fw_cfg', 'name=opt/x,string=a', '-nographic'], link=LINK)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("-fw_cfg: machine 'none' has no fw_cfg device", r.stderr)

    def test_name_outside_opt_warns(self):
        # Accepted with QEMU's warning (the machine then fails for its own
        # reason: nothing to run).
        r = tt.run(['-M', 'virt', '-nographic', '-fw_cfg', 'name=etc/x,string=a'], link=LINK)
        self.assertIn('externally provided fw_cfg item names should be prefixed with "opt/"',
                      r.stderr)


if __name__ == '__main__':
    sys.exit(tt.main('arm_edk2'))
