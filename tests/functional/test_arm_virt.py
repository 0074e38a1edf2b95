#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The aarch64 virt board (-M virt of tessera-system-aarch64): its name
beside riscv64's board of the same name, and the board itself."""
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt
from qmp_client import QmpClient, Vm, wait_for
from qtest_client import QTest

LINK = 'tessera-system-aarch64'


class MachineLookup(unittest.TestCase):
    """The module index keys types by name and target: -M virt is each
    target's own board."""

    def machines(self, link, extra=()):
        r = tt.run(['-M', 'help'] + list(extra), link=link)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.splitlines()[1:]

    def test_each_target_lists_its_own_virt(self):
        arm = self.machines(LINK)
        self.assertIn('virt                 ARM Virtual Machine (default)', arm)
        self.assertFalse([m for m in arm if m.startswith('spike')], arm)
        rv = self.machines('tessera-system-riscv64')
        self.assertIn('virt                 RISC-V VirtIO board (default)', rv)
        self.assertEqual(self.machines(None, ['-target', 'aarch64']), arm)

    def test_plain_tessera_lists_both_with_targets(self):
        lines = self.machines(None)
        self.assertIn('virt                 ARM Virtual Machine (aarch64)', lines)
        self.assertIn('virt                 RISC-V VirtIO board (riscv64)', lines)
        r = tt.run(['-M', 'help,format=json'])
        virts = sorted(m['target'] for m in json.loads(r.stdout) if m['name'] == 'virt')
        self.assertEqual(virts, ['aarch64', 'riscv64'])

    def test_properties_are_the_targets_board(self):
        r = tt.run(['-M', 'virt,help'], link=LINK)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('virtualization', r.stdout)
        r = tt.run(['-M', 'virt,help'], link='tessera-system-riscv64')
        self.assertNotIn('virtualization', r.stdout)

    def test_query_machines_is_the_targets(self):
        with Vm(['-target', 'aarch64', '-M', 'none', '-S']) as vm:
            machines = {m['name']: m for m in vm.qmp().cmd('query-machines')}
        self.assertEqual(machines['virt']['default-cpu-type'], 'max-arm-cpu')
        self.assertTrue(machines['virt'].get('is-default'))
        self.assertNotIn('spike', machines)

    def test_no_arm_virt_name(self):
        r = tt.run(['-M', 'arm-virt', '-nographic'], link=LINK)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unsupported machine type 'arm-virt'", r.stderr)


def aarch64_guest_dir():
    """../shared/guests/aarch64 (or $TESSERA_GUEST_DIR/aarch64)."""
    for d in (os.environ.get('TESSERA_GUEST_DIR'),
              os.path.join(os.path.dirname(tt.ROOT), 'shared', 'guests')):
        if d and os.path.exists(os.path.join(d, 'aarch64', 'Image.xz')):
            return os.path.join(d, 'aarch64')
    raise AssertionError('aarch64 guest images not found: expected ../shared/guests/aarch64 '
                         '(Image.xz, initramfs.cpio.gz) or TESSERA_GUEST_DIR')


def linux_image():
    """The Linux 6.1 Image, decompressed once into the build directory."""
    src = os.path.join(aarch64_guest_dir(), 'Image.xz')
    dst = os.path.join(tt.build_dir(), 'guest-aarch64', 'Image')
    if not os.path.exists(dst) or os.path.getmtime(dst) < os.path.getmtime(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with lzma.open(src) as f, open(dst + '.tmp', 'wb') as out:
            shutil.copyfileobj(f, out)
        os.replace(dst + '.tmp', dst)
    return dst


def guest_disk():
    """The 64 MiB GPT disk (FAT + ext4 with the marker), decompressed once."""
    disk = os.path.join(tt.build_dir(), 'guest-aarch64', 'disk.img')
    if not os.path.exists(disk):
        os.makedirs(os.path.dirname(disk), exist_ok=True)
        with lzma.open(os.path.join(aarch64_guest_dir(), 'disk.img.xz')) as f, \
                open(disk + '.tmp', 'wb') as out:
            shutil.copyfileobj(f, out)
        os.replace(disk + '.tmp', disk)
    return disk


class LinuxBoot(unittest.TestCase):
    """Direct kernel boot of the Linux 6.1 arm64 Image: device tree, GICv3,
    arch timer, PL011 console, PSCI CPU_ON for secondary CPUs."""

    def boot(self, extra, append='console=ttyAMA0 guest.run=true panic=-1', timeout=600):
        r = tt.run(['-M', 'virt', '-m', '512', '-nographic', '-no-reboot',
                    '-kernel', linux_image(), '-append', append] + list(extra),
                   link=LINK, timeout=timeout)
        out = r.stdout + r.stderr
        # panic=-1 and -no-reboot: a failing boot resets the board, which ends
        # the process too (check_init tells them apart).
        self.assertEqual(r.returncode, 0, out[-3000:])
        return out

    def check_init(self, out):
        # The initramfs's init prints BOOT-OK, runs guest.run and powers off
        # (PSCI SYSTEM_OFF ends the process with status 0).
        self.assertIn('Run /init as init process', out, out[-3000:])
        self.assertRegex(out, r'BOOT-OK [0-9.]+ aarch64', out[-3000:])
        self.assertIn('reboot: Power down', out, out[-3000:])

    def test_boot_one_cpu_gicv2(self):
        out = self.boot([])
        for want in ('Machine model: linux,dummy-virt', 'psci: PSCIv1.1 detected in firmware',
                     'GICv2m: range[mem 0x08020000-0x08020fff], SPI[80:143]',
                     'arch_timer: cp15 timer(s) running at 62.50MHz',
                     'ttyAMA0 at MMIO 0x9000000', 'CPU: All CPU(s) started at EL1',
                     'rtc-pl031 9010000.pl031: registered as rtc0',
                     'Kernel command line: console=ttyAMA0 guest.run=true panic=-1'):
            self.assertIn(want, out, out[-3000:])
        self.check_init(out)

    def test_boot_gicv3_one_cpu(self):
        out = self.boot(['-M', 'virt,gic-version=3'])
        for want in ('GICv3: 256 SPIs implemented',
                     'GICv3: CPU0: found redistributor 0 region 0:0x00000000080a0000',
                     'CPU features: detected: GIC system register CPU interface'):
            self.assertIn(want, out, out[-3000:])
        self.check_init(out)

    def test_boot_four_cpus_with_psci_gicv3(self):
        out = self.boot(['-smp', '4', '-M', 'virt,gic-version=max'])
        for cpu in (1, 2, 3):
            self.assertIn('GICv3: CPU%d: found redistributor %d region 0:0x%016x'
                          % (cpu, cpu, 0x80a0000 + 0x20000 * cpu), out, out[-3000:])
        self.check_init(out)

    def test_boot_four_cpus_with_psci(self):
        out = self.boot(['-smp', '4'])
        for cpu in (1, 2, 3):
            self.assertIn('CPU%d: Booted secondary processor 0x000000000%d' % (cpu, cpu), out,
                          out[-3000:])
        self.assertIn('smp: Brought up 1 node, 4 CPUs', out)
        self.check_init(out)

    def test_virtio_mmio_disk(self):
        disk = guest_disk()
        out = self.boot(['-drive', 'file=%s,if=none,format=raw,id=d0,readonly=on' % disk,
                         '-device', 'virtio-blk-device,drive=d0'])
        self.assertIn('[vda] 131072 512-byte logical blocks (67.1 MB/64.0 MiB)', out,
                      out[-3000:])
        self.assertIn(' vda: vda1 vda2', out)
        self.check_init(out)

    def test_pcie_virtio_scsi_with_msix_through_gicv2m(self):
        out = self.boot(['-blockdev', 'driver=raw,node-name=hd,file.driver=file,'
                         'file.filename=%s,read-only=on' % guest_disk(),
                         '-device', 'virtio-scsi-pci', '-device', 'scsi-hd,drive=hd'],
                        append='console=ttyAMA0 panic=-1 guest.run=cat+/proc/interrupts')
        for want in ('ECAM at [mem 0x4010000000-0x401fffffff] for [bus 00-ff]',
                     'pci 0000:00:00.0: [1b36:0008] type 00 class 0x060000',
                     'sd 0:0:0:0: [sda] 131072 512-byte logical blocks',
                     'DISK-OK /dev/sda2 GUEST-DISK-MARKER'):
            self.assertIn(want, out, out[-3000:])
        # The request queue's MSI-X vector took the disk's interrupts.
        m = re.search(r'^ *\d+: +(\d+) .*MSI \d+ Edge +virtio0-request', out, re.M)
        self.assertTrue(m and int(m.group(1)) > 0, out[-3000:])
        self.check_init(out)

    def test_pcie_msix_through_gicv3_its(self):
        # gic-version=3 has an ITS by default (as QEMU 7.2): virtio-pci's
        # MSI-X writes carry the requester ID to GITS_TRANSLATER and become
        # LPIs (the ITS-MSI domain, hwirq = DeviceID << 11 | vector).
        out = self.boot(['-M', 'virt,gic-version=3', '-smp', '2', '-blockdev',
                         'driver=raw,node-name=hd,file.driver=file,'
                         'file.filename=%s,read-only=on' % guest_disk(),
                         '-device', 'virtio-scsi-pci', '-device', 'scsi-hd,drive=hd',
                         '-device', 'virtio-net-pci,netdev=n', '-netdev', 'user,id=n',
                         '-d', 'guest_errors'],
                        append='console=ttyAMA0 panic=-1 guest.run=udhcpc+-i+eth0+-n+-q+-s+'
                        '/etc/udhcpc/default.script;cat+/proc/interrupts')
        for want in ('ITS [mem 0x08080000-0x0809ffff]',
                     'PCI/MSI: /intc@8000000/its@8080000 domain created',
                     'GICv3: CPU1: using allocated LPI pending table',
                     'DISK-OK /dev/sda2 GUEST-DISK-MARKER', 'lease of 10.0.2.15 obtained'):
            self.assertIn(want, out, out[-3000:])
        # The disk's request queue (00:01.0: DeviceID 8) and the network's
        # receive queue (00:02.0: DeviceID 16) took their interrupts as LPIs.
        for dev, name in ((8, 'virtio0-request'), (16, 'virtio1-input.0')):
            m = re.search(r'^ *\d+: +(\d+) +(\d+) +ITS-MSI (\d+) Edge +%s' % name, out, re.M)
            self.assertTrue(m and int(m.group(1)) + int(m.group(2)) > 0, out[-3000:])
            self.assertEqual(int(m.group(3)) >> 11, dev, out[-3000:])
        self.assertNotIn('arm-gicv3', out, out[-3000:])      # no guest errors logged
        self.check_init(out)

    def test_pcie_intx_through_gicv3_without_its(self):
        # its=off: the host offers no MSI and INTB of slot 1 reaches SPI 4
        # (interrupt 36) through the interrupt-map.
        out = self.boot(['-M', 'virt,gic-version=3,its=off', '-blockdev',
                         'driver=raw,node-name=hd,file.driver=file,'
                         'file.filename=%s,read-only=on' % guest_disk(),
                         '-device', 'virtio-scsi-pci', '-device', 'scsi-hd,drive=hd'],
                        append='console=ttyAMA0 panic=-1 guest.run=cat+/proc/interrupts')
        self.assertIn('DISK-OK /dev/sda2', out, out[-3000:])
        m = re.search(r'^ *\d+: +(\d+) .*GICv3 +36 Level +virtio0', out, re.M)
        self.assertTrue(m and int(m.group(1)) > 0, out[-3000:])
        self.check_init(out)

    def test_separate_initrd(self):
        initrd = os.path.join(aarch64_guest_dir(), 'initramfs.cpio.gz')
        out = self.boot(['-initrd', initrd])
        # The kernel frees the -initrd range after unpacking it: its size is the file's.
        m = re.search(r'Freeing initrd memory: (\d+)K', out)
        self.assertTrue(m, out[-3000:])
        self.assertLessEqual(abs(int(m.group(1)) - os.path.getsize(initrd) // 1024), 4)
        self.assertNotIn('Initramfs unpacking failed', out)
        self.check_init(out)


FIRMWARE = '''
    .text
    .global _start
_start:
    movz x1, #0x0900, lsl #16      // PL011 data register
    mov w2, #'F'
    strb w2, [x1]
    mov w2, #'W'
    strb w2, [x1]
    mov w2, #'\\n'
    strb w2, [x1]
    movz x3, #0x0400, lsl #16      // flash 1
    movz w4, #0x40
    movk w4, #0x40, lsl #16        // word program, both chips
    str w4, [x3]
    movz w5, #0x5678
    movk w5, #0x1234, lsl #16
    str w5, [x3]
    movz w4, #0xff
    movk w4, #0xff, lsl #16        // read array
    str w4, [x3]
    ldr w6, [x3]
    cmp w6, w5
    b.ne 1f
    mov w2, #'O'
    strb w2, [x1]
    mov w2, #'K'
    strb w2, [x1]
    mov w2, #'\\n'
    strb w2, [x1]
1:  movz x0, #0x8400, lsl #16
    movk x0, #0x0008               // PSCI SYSTEM_OFF
    hvc #0
    b .
'''


class BoardOptions(unittest.TestCase):
    def test_dumpdtb_is_a_valid_tree(self):
        dtc = shutil.which('dtc')
        self.assertTrue(dtc, 'dtc not found: install device-tree-compiler (scripts/setup.sh)')
        with tempfile.TemporaryDirectory() as d:
            dtb = os.path.join(d, 'virt.dtb')
            r = tt.run(['-M', 'virt,dumpdtb=' + dtb, '-smp', '2', '-append', 'x=1'], link=LINK)
            self.assertEqual(r.returncode, 0, r.stderr)
            dts = subprocess.run([dtc, '-I', 'dtb', '-O', 'dts', dtb], capture_output=True,
                                 text=True, check=True).stdout
        for want in ('compatible = "arm,cortex-a15-gic";', 'v2m@8020000 {',
                     'virtio_mmio@a000000 {', 'virtio_mmio@a003e00 {',
                     'compatible = "arm,pl031\\0arm,primecell";',
                     'compatible = "arm,pl061\\0arm,primecell";', 'gpio-keys {',
                     'linux,code = <0x74>;', 'flash@0 {', 'bank-width = <0x04>;',
                     'compatible = "cfi-flash";',
                     'compatible = "arm,gic-v2m-frame";', 'msi-controller;',
                     'method = "hvc";', 'cpu@1 {',
                     'compatible = "arm,armv8-timer\\0arm,armv7-timer";',
                     'bootargs = "x=1";', 'stdout-path = "/pl011@9000000";'):
            self.assertIn(want, dts)

    def test_info_registers_shows_the_gic_interface(self):
        # GICv3 adds the system-register CPU interface (ID_AA64PFR0_EL1.GIC =
        # 1); the default GICv2 is memory-mapped only.
        for gic, field in (('2', 0), ('3', 1)):
            with self.subTest(gic=gic):
                p = subprocess.run([tt.tessera_path(LINK), '-M', 'virt,gic-version=' + gic,
                                    '-kernel', linux_image(), '-S', '-display', 'none',
                                    '-monitor', 'stdio'], input='info registers\nquit\n',
                                   capture_output=True, text=True, timeout=60)
                m = re.search(r'ID_AA64PFR0_EL1 +([0-9a-f]{16})', p.stdout)
                self.assertTrue(m, p.stdout + p.stderr)
                self.assertEqual(int(m.group(1), 16) >> 24 & 0xf, field, m.group(0))

    def test_interactive_shell_and_monitor_on_the_pl011(self):
        # Typed input reaches the shell through the PL011 (the chardev holds it
        # while the UART cannot take it and is told when the guest enables the
        # receiver), and with -serial mon:stdio Ctrl-A c switches to the
        # monitor and back.  (Linux drains the receive FIFO when it opens the
        # console, as on hardware, so typing starts at the prompt.)
        c = self.shell('mon:stdio')
        c.send('\x01c')
        c.expect(r'\(tessera\)', timeout=60)
        c.send('info status\n')
        c.expect(r'VM status: running', timeout=60)
        c.send('\x01c')
        c.send('echo back-$((8*8))\n')
        c.expect(r'back-64', timeout=120)
        c.send('poweroff -f\n')
        self.assertEqual(c.wait(timeout=120), 0, c.text()[-3000:])

    def test_interactive_shell_on_plain_stdio(self):
        c = self.shell('stdio')
        c.send('poweroff -f\n')
        self.assertEqual(c.wait(timeout=120), 0, c.text()[-3000:])

    def shell(self, serial):
        c = tt.Console(['-M', 'virt', '-m', '512', '-display', 'none', '-nodefaults',
                        '-serial', serial, '-kernel', linux_image(),
                        '-append', 'console=ttyAMA0 panic=-1', '-no-reboot'], link=LINK)
        self.addCleanup(c.close)
        c.expect(r'/ # ', timeout=600)
        c.send('echo typed-$((7*7))\n')
        c.expect(r'typed-49', timeout=120)
        return c

    def test_system_powerdown_presses_the_gpio_power_button(self):
        # The board's power button is PL061 line 3 (gpio-keys in the DT):
        # system_powerdown raises it, an edge interrupt on it reaches the GIC.
        d = tempfile.mkdtemp(prefix='tessera-armvirt-')
        qmp_path = os.path.join(d, 'qmp.sock')
        with QTest(['-M', 'virt', '-kernel', linux_image(), '-accel', 'qtest',
                    '-qmp', 'unix:%s,server=on,wait=off' % qmp_path], link=LINK) as qt:
            gpio, gicd = 0x09030000, 0x08000000
            qt.writel(gpio + 0x40c, 0x08)            # GPIOIEV: rising
            qt.writel(gpio + 0x410, 0x08)            # GPIOIE: line 3
            self.assertEqual(qt.readl(gpio + (0x08 << 2)), 0)
            q = QmpClient(qmp_path)
            self.addCleanup(q.close)
            q.cmd('qmp_capabilities')
            q.cmd('system_powerdown')
            wait_for(lambda: qt.readl(gpio + (0x08 << 2)) == 0x08, what='power button')
            self.assertEqual(qt.readl(gpio + 0x414), 0x08)  # GPIORIS
            # SPI 7 (interrupt 39) pending at the GIC: GICD_ISPENDR1 bit 7.
            self.assertEqual(qt.readl(gicd + 0x204) & (1 << 7), 1 << 7)
        shutil.rmtree(d, ignore_errors=True)

    def test_firmware_from_pflash0_programs_pflash1(self):
        # A tiny firmware in flash 0 (run in place from address 0): prints FW,
        # programs a word into flash 1 (CFI word program, both chips' lanes),
        # reads it back, prints OK, and powers off through PSCI.
        asm = shutil.which('aarch64-linux-gnu-as')
        objcopy = shutil.which('aarch64-linux-gnu-objcopy')
        self.assertTrue(asm and objcopy, 'aarch64-linux-gnu-as/objcopy not found: install '
                        'gcc-aarch64-linux-gnu (scripts/setup.sh)')
        d = tempfile.mkdtemp(prefix='tessera-pflash-')
        self.addCleanup(shutil.rmtree, d, True)
        with open(os.path.join(d, 'fw.S'), 'w') as f:
            f.write(FIRMWARE)
        subprocess.run([asm, 'fw.S', '-o', 'fw.o'], cwd=d, check=True)
        subprocess.run([objcopy, '-O', 'binary', 'fw.o', 'fw.bin'], cwd=d, check=True)
        code = open(os.path.join(d, 'fw.bin'), 'rb').read()
        size = 64 << 20
        with open(os.path.join(d, 'code.fd'), 'wb') as f:
            f.write(code + b'\0' * (size - len(code)))
        with open(os.path.join(d, 'vars.fd'), 'wb') as f:
            f.write(b'\xff' * size)
        r = tt.run(['-M', 'virt,pflash0=rom,pflash1=vars', '-nographic',
                    '-blockdev', 'node-name=rom,driver=file,filename=%s,read-only=on'
                    % os.path.join(d, 'code.fd'),
                    '-blockdev', 'node-name=vars,driver=file,filename=%s'
                    % os.path.join(d, 'vars.fd')], link=LINK, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, 'FW\nOK\n')
        with open(os.path.join(d, 'vars.fd'), 'rb') as f:
            self.assertEqual(f.read(8), bytes.fromhex('78563412ffffffff'))
        # A flash image of the wrong size is refused by name.
        r = tt.run(['-M', 'virt,pflash0=rom', '-nographic', '-blockdev',
                    'node-name=rom,driver=file,filename=%s' % os.path.join(d, 'fw.bin')],
                   link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('pflash0', r.stderr)
        self.assertIn('needs exactly 67108864', r.stderr)

    def test_refusals(self):
        cases = [
            (['-M', 'virt,gic-version=1'], 'gic-version=1: expected 2, 3 or max'),
            (['-kernel', os.path.join(tt.ROOT, 'README.md')],
             'neither an ELF program nor an arm64 Image'),
            (['-kernel', '/no/such/Image'], '/no/such/Image'),
            (['-bios', '/no/such.fd'], "could not load -bios '/no/such.fd'"),
            (['-M', 'virt'], 'nothing to run'),
            (['-M', 'virt,pflash0=nonode'], 'nonode'),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                r = tt.run(args + ['-nographic'], link=LINK)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(msg, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)


if __name__ == '__main__':
    sys.exit(tt.main('arm_virt'))
