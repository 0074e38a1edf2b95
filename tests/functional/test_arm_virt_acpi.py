#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ACPI and SMBIOS of the aarch64 virt board (issue 19), as firmware sees
them: the board runs under qtest (its CPUs never run), the fw_cfg files are
read through the DMA interface, the linker/loader script is applied as EDK2
does (acpi_loader.py), every table is checked (signature, length,
checksum, key fields) and disassembled with iasl."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import tessera_test as tt
from acpi_loader import FwCfg, Loaded
from qmp_client import QmpClient, wait_for
from qtest_client import QTest

LINK = 'tessera-system-aarch64'
TABLES = 'etc/acpi/tables'
RSDP = 'etc/acpi/rsdp'


def checksum_ok(data):
    return sum(data) & 0xff == 0


class Board:
    """-M virt with a blank 64 MiB flash 0 as firmware (never run)."""

    def __init__(self, test, props='', cpus=4, extra=()):
        self.dir = tempfile.mkdtemp(prefix='tessera-acpi-')
        test.addCleanup(shutil.rmtree, self.dir, True)
        fd = os.path.join(self.dir, 'code.fd')
        with open(fd, 'wb') as f:
            f.truncate(64 << 20)
        self.qmp_path = os.path.join(self.dir, 'qmp.sock')
        self.qt = QTest(['-M', 'virt,pflash0=rom' + props, '-smp', str(cpus), '-m', '1024',
                         '-accel', 'qtest', '-blockdev',
                         'node-name=rom,driver=file,filename=%s,read-only=on' % fd,
                         '-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path] + list(extra),
                        link=LINK)
        test.addCleanup(self.qt.close)
        self.fw = FwCfg(self.qt)


class AcpiTables(unittest.TestCase):
    def load(self, board):
        files = board.fw.files()
        for name in (TABLES, RSDP, 'etc/table-loader', 'etc/smbios/smbios-tables',
                     'etc/smbios/smbios-anchor'):
            self.assertIn(name, files)
        ld = Loaded(board.fw.read_file, board.fw.read_file('etc/table-loader'))
        self.assertEqual(list(ld.blobs), [TABLES, RSDP])
        return ld

    def walk(self, ld):
        """{signature: (address, bytes)} from the RSDP through the XSDT."""
        rsdp = bytes(ld.blobs[RSDP])
        self.assertEqual(rsdp[:8], b'RSD PTR ')
        self.assertTrue(checksum_ok(rsdp[:20]))
        self.assertEqual(rsdp[15], 2)                         # revision
        length, xsdt_addr = struct.unpack('<IQ', rsdp[20:32])
        self.assertEqual(length, 36)
        self.assertTrue(checksum_ok(rsdp[:36]))
        self.assertEqual(ld.addr[RSDP] % 16, 0)
        self.assertLess(ld.addr[RSDP], 1 << 20)
        tables = {}

        def add(addr):
            t = ld.table(addr)
            sig = t[:4].decode()
            self.assertNotIn(sig, tables)
            self.assertGreaterEqual(len(t), 36, sig)
            self.assertTrue(checksum_ok(t), '%s checksum' % sig)
            # The loader redoes the checksum after patching the pointers.
            self.assertTrue(ld.checksummed(TABLES, addr - ld.addr[TABLES], len(t)), sig)
            self.assertEqual(t[10:16], b'TESSRA', sig)
            tables[sig] = (addr, t)
            return t
        xsdt = add(xsdt_addr)
        self.assertEqual(xsdt[:4], b'XSDT')
        for i in range(36, len(xsdt), 8):
            add(struct.unpack('<Q', xsdt[i:i + 8])[0])
        fadt = tables['FACP'][1]
        add(struct.unpack('<Q', fadt[140:148])[0])            # X_DSDT
        return tables

    def iasl(self, tables):
        iasl = shutil.which('iasl')
        self.assertTrue(iasl, 'iasl not found: install acpica-tools (scripts/setup.sh)')
        d = tempfile.mkdtemp(prefix='tessera-iasl-')
        self.addCleanup(shutil.rmtree, d, True)
        out = {}
        for sig, (_a, t) in tables.items():
            path = os.path.join(d, sig.lower() + '.dat')
            with open(path, 'wb') as f:
                f.write(t)
            r = subprocess.run([iasl, '-d', path], cwd=d, capture_output=True, text=True,
                               timeout=60)
            text = r.stdout + r.stderr
            self.assertEqual(r.returncode, 0, '%s: %s' % (sig, text))
            self.assertNotRegex(text, r'(?i)\berror|warning|unknown', '%s: %s' % (sig, text))
            with open(os.path.join(d, sig.lower() + '.dsl')) as f:
                out[sig] = f.read()
            self.assertNotRegex(out[sig], r'(?i)\*\*\*\* (unknown|invalid)|error', sig)
        return out

    def test_gicv2_tables(self):
        b = Board(self)
        tables = self.walk(self.load(b))
        self.assertEqual(sorted(tables), ['APIC', 'DBG2', 'DSDT', 'FACP', 'GTDT', 'IORT',
                                          'MCFG', 'PPTT', 'SPCR', 'XSDT'])
        fadt = tables['FACP'][1]
        self.assertEqual((len(fadt), fadt[8], fadt[131]), (276, 6, 0))
        self.assertEqual(struct.unpack('<I', fadt[112:116])[0] & (1 << 20), 1 << 20)
        self.assertEqual(struct.unpack('<H', fadt[129:131])[0], 3)   # PSCI via HVC
        self.assertEqual(struct.unpack('<I', fadt[40:44])[0], 0)      # X_DSDT only

        madt = tables['APIC'][1]
        entries = []
        off = 44
        while off < len(madt):
            entries.append(madt[off:off + madt[off + 1]])
            off += madt[off + 1]
        self.assertEqual(off, len(madt))
        gicc = [e for e in entries if e[0] == 0xb]
        self.assertEqual(len(gicc), 4)
        for i, e in enumerate(gicc):
            self.assertEqual(len(e), 80)
            uid, flags = struct.unpack('<II', e[8:16])
            self.assertEqual((uid, flags & 1), (i, 1))
            self.assertEqual(struct.unpack('<Q', e[32:40])[0], 0x08010000)
            self.assertEqual(struct.unpack('<Q', e[68:76])[0], i)    # MPIDR
            # No virtualization: no GICV/GICH and no maintenance interrupt.
            self.assertEqual(struct.unpack('<QQI', e[40:60]), (0, 0, 0))
        gicd = [e for e in entries if e[0] == 0xc]
        self.assertEqual(len(gicd), 1)
        self.assertEqual((struct.unpack('<Q', gicd[0][8:16])[0], gicd[0][20]), (0x08000000, 2))
        v2m = [e for e in entries if e[0] == 0xd]
        self.assertEqual(len(v2m), 1)
        self.assertEqual(struct.unpack('<QIHH', v2m[0][8:24]), (0x08020000, 1, 64, 80))

        gtdt = tables['GTDT'][1]
        self.assertEqual(struct.unpack('<IIIIIIII', gtdt[48:80])[0::2], (29, 30, 27, 26))
        mcfg = tables['MCFG'][1]
        self.assertEqual(struct.unpack('<QHBB', mcfg[44:56]), (0x4010000000, 0, 0, 255))
        spcr = tables['SPCR'][1]
        self.assertEqual((len(spcr), spcr[36]), (80, 3))             # PL011
        self.assertEqual(struct.unpack('<Q', spcr[44:52])[0], 0x09000000)
        self.assertEqual((spcr[52], struct.unpack('<I', spcr[54:58])[0]), (8, 33))
        dbg2 = tables['DBG2'][1]
        info = struct.unpack('<I', dbg2[36:40])[0]
        self.assertEqual(struct.unpack('<HH', dbg2[info + 12:info + 16]), (0x8000, 3))
        gas = info + struct.unpack('<H', dbg2[info + 18:info + 20])[0]
        self.assertEqual(struct.unpack('<Q', dbg2[gas + 4:gas + 12])[0], 0x09000000)
        ns = info + struct.unpack('<H', dbg2[info + 6:info + 8])[0]
        self.assertEqual(dbg2[ns:ns + 10], b'\\_SB.COM0\0')
        iort = tables['IORT'][1]
        nodes, first = struct.unpack('<II', iort[36:44])
        self.assertEqual(nodes, 2)
        its_len = struct.unpack('<H', iort[first + 1:first + 3])[0]
        rc = first + its_len
        self.assertEqual(iort[rc], 2)                                 # root complex
        ids = rc + struct.unpack('<I', iort[rc + 12:rc + 16])[0]
        self.assertEqual(struct.unpack('<IIII', iort[ids:ids + 16]), (0, 0xffff, 0, first))
        self.assertEqual(len(tables['PPTT'][1]), 36 + 20 * 5)

        asl = self.iasl(tables)
        dsdt = asl['DSDT']
        for want in [r'Device \(C003\)', r'Name \(_HID, "ARMH0011"\)',
                     r'Memory32Fixed \(ReadWrite,\s+0x09000000,\s+// Address Base\s+0x00001000,',
                     r'\{\s+0x00000021,\s+\}',
                     r'Name \(_HID, "QEMU0002"\)', r'0x09020000,\s+// Address Base\s+0x00000018,',
                     r'Device \(VR31\)', r'0x0A003E00,', r'0x0000004F,',
                     r'Name \(_HID, EisaId \("PNP0A08"\)', r'Method \(_OSC, 4',
                     r'0x0000004010000000, // Range Minimum',
                     r'0x0000008000000000, // Range Minimum',
                     r'0x3EFF0000,\s+// Translation Offset', r'TypeTranslation',
                     r'0x001FFFFF,\s+0x03,\s+GSI2,', r'Interrupt \(ResourceConsumer, Level'
                     r'[^{]*\{\s+0x00000026,',
                     r'Name \(_HID, "ACPI0013"', r'Interrupt \(ResourceConsumer, Edge'
                     r'[^{]*\{\s+0x00000029,',
                     r'OperationRegion \(EREG, SystemMemory, 0x09080000, 0x04\)',
                     r'If \(\(\(Local0 & 0x02\) == 0x02\)\)\s+\{\s+Notify \(PWRB, 0x80\)',
                     r'Name \(_HID, EisaId \("PNP0C0C"\)']:
            self.assertTrue(re.search(want, dsdt), 'DSDT lacks %s' % want)
        self.assertRegex(asl['SPCR'], r'Interface Type : 03')

    def test_gicv3_smc(self):
        b = Board(self, ',gic-version=3,virtualization=on', cpus=2)
        tables = self.walk(self.load(b))
        fadt = tables['FACP'][1]
        self.assertEqual(struct.unpack('<H', fadt[129:131])[0], 1)   # PSCI via SMC
        madt = tables['APIC'][1]
        types = []
        off = 44
        while off < len(madt):
            types.append(madt[off])
            if madt[off] == 0xe:
                self.assertEqual(struct.unpack('<QI', madt[off + 4:off + 16]),
                                 (0x080a0000, 2 * 0x20000))
            if madt[off] == 0xb:
                self.assertEqual(struct.unpack('<Q', madt[off + 32:off + 40])[0], 0)
                # virtualization=on: the vGIC maintenance interrupt, PPI 9
                # (Linux rejects GSI 0 as a "Firmware Bug" at GIC init).
                self.assertEqual(struct.unpack('<QQI', madt[off + 40:off + 60]), (0, 0, 25))
            off += madt[off + 1]
        self.assertEqual(types.count(0xb), 2)
        self.assertIn(0xe, types)
        self.assertNotIn(0xd, types)
        # The ITS (its=on by default with GICv3): its MADT entry, id 0.
        self.assertEqual(types.count(0xf), 1)
        off = 44
        while madt[off] != 0xf:
            off += madt[off + 1]
        self.assertEqual(struct.unpack('<IQ', madt[off + 4:off + 16]), (0, 0x08080000))
        self.iasl(tables)
        # its=off: no ITS entry.
        b = Board(self, ',gic-version=3,its=off', cpus=1)
        madt, types, off = self.walk(self.load(b))['APIC'][1], [], 44
        while off < len(madt):
            types.append(madt[off])
            off += madt[off + 1]
        self.assertNotIn(0xf, types)

    def test_gicv2_virtualization_frames(self):
        b = Board(self, ',virtualization=on', cpus=2)
        madt = self.walk(self.load(b))['APIC'][1]
        gicc, off = [], 44
        while off < len(madt):
            if madt[off] == 0xb:
                gicc.append(madt[off:off + madt[off + 1]])
            off += madt[off + 1]
        self.assertEqual(len(gicc), 2)
        for e in gicc:
            # GICC base, GICV, GICH and the maintenance interrupt (PPI 9).
            self.assertEqual(struct.unpack('<QQQI', e[32:60]),
                             (0x08010000, 0x08040000, 0x08030000, 25))

    def test_smbios(self):
        b = Board(self, cpus=2)
        anchor = b.fw.read_file('etc/smbios/smbios-anchor')
        data = b.fw.read_file('etc/smbios/smbios-tables')
        self.assertEqual((anchor[:5], len(anchor), anchor[6], anchor[7]), (b'_SM3_', 24, 24, 3))
        self.assertTrue(checksum_ok(anchor))
        self.assertEqual(struct.unpack('<I', anchor[12:16])[0], len(data))
        off, types, strings = 0, [], {}
        while off < len(data):
            t, length, handle = struct.unpack('<BBH', data[off:off + 4])
            end = data.index(b'\0\0', off + length)
            strs = data[off + length:end].split(b'\0') if end > off + length else []
            types.append(t)
            strings.setdefault(t, [s.decode() for s in strs])
            off = end + 2
        self.assertEqual(off, len(data))
        self.assertEqual(types, [1, 3, 4, 4, 16, 17, 19, 32, 127])
        self.assertEqual(strings[1][0], 'Tessera')
        m = data.index(bytes([19, 0x1f]))
        start, last = struct.unpack('<II', data[m + 4:m + 12])
        self.assertEqual((start, last), (0x40000000 // 1024, (0x40000000 + (1 << 30)) // 1024 - 1))

    def test_acpi_off_and_bad_value(self):
        b = Board(self, ',acpi=off')
        files = b.fw.files()
        for name in (TABLES, RSDP, 'etc/table-loader', 'etc/smbios/smbios-anchor'):
            self.assertNotIn(name, files)
        b.qt.close()
        r = tt.run(['-M', 'virt,acpi=maybe', '-accel', 'qtest'], link=LINK)
        self.assertEqual(r.returncode, 1)
        self.assertIn('acpi=maybe: expected on, off or auto', r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_system_powerdown_signals_the_ged(self):
        b = Board(self)
        gicd, ged = 0x08000000, 0x09080000
        b.qt.writel(gicd + 0xc08, 2 << 18)             # INTID 41: edge-triggered
        self.assertEqual(b.qt.readl(ged), 0)
        q = QmpClient(b.qmp_path)
        self.addCleanup(q.close)
        q.cmd('qmp_capabilities')
        q.cmd('system_powerdown')
        wait_for(lambda: b.qt.readl(gicd + 0x204) & (1 << 9), what='GED interrupt pending')
        self.assertEqual(b.qt.readl(ged), 2)           # the power-button event, once
        self.assertEqual(b.qt.readl(ged), 0)


if __name__ == '__main__':
    sys.exit(tt.main('arm_virt_acpi'))
