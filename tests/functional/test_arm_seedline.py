# SPDX-License-Identifier: MIT
"""Issue 19: the seed's command line (QEMU's system-emulation example) with
only file names adapted: EDK2 from pflash, ACPI tables through the fw_cfg
linker/loader, all four CPUs at EL2 (virtualization=on, PSCI over SMC),
scsi-hd on virtio-scsi-pci, virtio-net-pci on -netdev user with a hostfwd,
the serial console multiplexed with the monitor.  The guest's command comes
from fw_cfg (EDK2 boots BOOTAA64.EFI with a fixed command line)."""
import os
import re
import shutil
import socket
import struct
import tempfile
import time
import unittest
import urllib.request

import tessera_test as tt
from test_arm_edk2 import firmware, live, variables
from test_arm_virt import guest_disk

LINK = 'tessera-system-aarch64'
TIMEOUT = 900


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def mtc(store):
    """EDK2's monotonic counter high word (variable MTC) in @store's
    variables (a list from variables()), which the firmware increments from
    the stored value at every boot; None before the first."""
    data = [d for n, st, d in store if n == 'MTC' and st == 0x3f]
    return struct.unpack('<I', data[0])[0] if len(data) == 1 else None


class SeedLine(unittest.TestCase):
    """Both tests share one disk copy and one variable store: the first
    seed-line run (made once, by whichever test comes first) starts from a
    fresh AAVMF_VARS copy, the interactive run is the second run on it."""
    first = None

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='tessera-seed-')
        cls.disk = os.path.join(cls.dir, 'disk.img')
        shutil.copyfile(guest_disk(), cls.disk)
        cls.efivars = os.path.join(cls.dir, 'efivars.fd')
        shutil.copyfile(firmware('AAVMF_VARS.fd'), cls.efivars)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def seed_args(self, port, machine='', efivars=None):
        return ['-machine', 'type=virt,virtualization=on,pflash0=rom,pflash1=efivars' + machine,
                '-m', '4096', '-cpu', 'max,pauth-impdef=on', '-smp', '4', '-accel', 'tcg',
                '-device', 'virtio-net-pci,netdev=unet', '-device', 'virtio-scsi-pci',
                '-device', 'scsi-hd,drive=hd',
                '-netdev', 'user,id=unet,hostfwd=tcp:127.0.0.1:%d-:22' % port,
                '-blockdev', 'driver=raw,node-name=hd,file.driver=file,file.filename='
                + self.disk,
                '-serial', 'mon:stdio', '-display', 'none',
                '-blockdev', 'node-name=rom,driver=file,filename=%s,read-only=true'
                % firmware('AAVMF_CODE.fd'),
                '-blockdev', 'node-name=efivars,driver=file,filename=' + (efivars or self.efivars)]

    def first_run(self):
        """The first run of the seed line on the fresh variable store (once
        per class): its output and the store's variables afterwards."""
        cls = type(self)
        if cls.first is None:
            self.assertIsNone(mtc(variables(self.efivars)), 'AAVMF_VARS.fd is not fresh')
            cmd = ('dmesg+|+grep+-E+"ACPI:+FACP|All+CPU|Total+of";'
                   'udhcpc+-i+eth0+-n+-q+-s+/etc/udhcpc/default.script;ip+-4+addr+show+eth0')
            r = tt.run(self.seed_args(free_port()) +
                       ['-fw_cfg', 'name=opt/guest.run,string=' + cmd],
                       link=LINK, timeout=TIMEOUT)
            cls.first = (r.returncode, r.stdout + r.stderr, variables(self.efivars))
        return cls.first

    def test_seed_line_with_edk2_acpi_el2(self):
        rc, out, _ = self.first_run()
        self.assertEqual(rc, 0, out[-3000:])
        for want in ('UEFI firmware', 'BdsDxe: starting Boot0001', 'EFI stub: Booting Linux Kernel',
                     'ACPI: FACP', 'CPU: All CPU(s) started at EL2',
                     'SMP: Total of 4 processors activated',
                     'DISK-OK /dev/sda2', 'lease of 10.0.2.15 obtained', 'inet 10.0.2.15/24',
                     'reboot: Power down'):
            self.assertIn(want, out, out[-3000:])

    def test_seed_line_with_gicv3(self):
        # Line 2: the same with gic-version=3 (its own fresh variable store).
        efivars = os.path.join(self.dir, 'efivars-gicv3.fd')
        shutil.copyfile(firmware('AAVMF_VARS.fd'), efivars)
        cmd = 'dmesg+|+grep+-E+"GIC|Total+of";cat+/proc/interrupts'
        r = tt.run(self.seed_args(free_port(), ',gic-version=3', efivars) +
                   ['-fw_cfg', 'name=opt/guest.run,string=' + cmd], link=LINK, timeout=TIMEOUT)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-3000:])
        for want in ('BdsDxe: starting Boot0001', 'ACPI: Using GIC for interrupt routing',
                     'CPU: All CPU(s) started at EL2', 'SMP: Total of 4 processors activated',
                     'GICv3: CPU3: found redistributor 3 region 0:0x0000000008100000',
                     'DISK-OK /dev/sda2', 'reboot: Power down'):
            self.assertIn(want, out, out[-3000:])
        # The MADT names the maintenance interrupt (a GSI of 0 was a
        # "Firmware Bug" for Linux's GICv3 driver).
        self.assertNotIn('Firmware Bug', out, out[-3000:])
        self.assertRegex(out, r'GICv3 +26 Level +arch_timer', out[-3000:])
        # MSI-X through the ITS the MADT and IORT describe (its=on by default).
        self.assertIn('PCI/MSI: ITS@0x8080000 domain created', out, out[-3000:])
        m = re.search(r'^ *\d+: +(\d+) +(\d+) +(\d+) +(\d+) +ITS-MSI \d+ Edge +virtio\d-request',
                      out, re.M)
        self.assertTrue(m and sum(int(g) for g in m.groups()) > 0, out[-3000:])

    def test_interactive_seed_line_hostfwd_and_monitor(self):
        # Line 1 as a user runs it: the shell on the console, DHCP, a server
        # on guest port 22 reached from the host through the hostfwd, Ctrl-A c
        # for the monitor (info pci/block/network) and back, poweroff -> 0.
        # It is also line 1's second run: EDK2 finds the first run's
        # variables (its boot options and monotonic counter) in pflash1.
        rc, out, vars1 = self.first_run()
        self.assertEqual(rc, 0, 'the first seed-line run failed: ' + out[-3000:])
        boot1 = [d for n, st, d in vars1 if n == 'Boot0001' and st == 0x3f]
        self.assertEqual(len(boot1), 1, vars1)
        mtc1 = mtc(vars1)
        self.assertIsNotNone(mtc1, 'the first run left no MTC variable')
        port = free_port()
        c = tt.Console(self.seed_args(port), link=LINK)
        self.addCleanup(c.close)
        c.expect(r'/ # ', timeout=TIMEOUT)
        c.send('udhcpc -i eth0 -n -q -s /etc/udhcpc/default.script; echo DHCP-$((1+1))\n')
        c.expect(r'DHCP-2', timeout=300)
        self.assertIn('lease of 10.0.2.15 obtained', c.text())
        c.send('mkdir -p /tmp/www && echo seed-$((6*7)) > /tmp/www/index.html && '
               'httpd -p 22 -h /tmp/www && echo HTTPD-$((2+2))\n')
        c.expect(r'HTTPD-4', timeout=120)
        body, deadline = None, time.time() + 120
        while body is None and time.time() < deadline:
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/' % port, timeout=30) as f:
                    body = f.read().decode()
            except OSError:
                time.sleep(1)
        self.assertEqual(body, 'seed-42\n')
        c.send('\x01c')
        c.expect(r'\(tessera\)', timeout=60)
        for cmd, want in (('info pci', r'1af4.*1000|Ethernet controller'),
                          ('info block', r'hd.*disk\.img'),
                          ('info network', r'unet.*user')):
            c.send(cmd + '\n')
            c.expect(want, timeout=60)
        c.send('\x01c')
        c.send('echo back-$((8*8))\n')
        c.expect(r'back-64', timeout=120)
        c.send('poweroff -f\n')
        self.assertEqual(c.wait(timeout=300), 0, c.text()[-3000:])
        self.assertIn('reboot: Power down', c.text())
        self.assertIn('BdsDxe: starting Boot0001', c.text())
        # The second boot counted on from the first's stored counter (a
        # store it had not found would start again at 1) and kept its boot
        # option as it was.
        self.assertEqual(mtc(variables(self.efivars)), mtc1 + 1)
        self.assertEqual(live(self.efivars, 'Boot0001'), boot1)


if __name__ == '__main__':
    tt.main('arm_seedline')
