# SPDX-License-Identifier: MIT
"""Firmware's side of QEMU's fw_cfg interface, as EDK2 does it: files read
through the fw_cfg DMA interface (over qtest), the linker/loader script
(etc/table-loader) applied to the blobs (allocate, add pointers, redo
checksums), and ACPI tables found from the RSDP."""
import struct

FW_CFG = 0x09020000
DMA_DESC = 0x40000000          # scratch guest RAM for the DMA descriptor


def bswap32(v):
    return struct.unpack('<I', struct.pack('>I', v))[0]


class FwCfg:
    def __init__(self, qt, base=FW_CFG, scratch=DMA_DESC):
        # scratch: guest RAM for the descriptor, the data goes 4 KiB above.
        self.qt, self.base = qt, base
        self.desc, self.buf = scratch, scratch + 0x1000

    def dma(self, control, length, addr):
        self.qt.memwrite(self.desc, struct.pack('>IIQ', control, length, addr))
        self.qt.writel(self.base + 0x10, bswap32(self.desc >> 32))
        self.qt.writel(self.base + 0x14, bswap32(self.desc & 0xffffffff))
        status = struct.unpack('>I', self.qt.memread(self.desc, 4))[0]
        assert status == 0, 'fw_cfg DMA control 0x%x ended with 0x%x' % (control, status)

    def read_key(self, key, length):
        out = b''
        self.dma(key << 16 | 0x08, 0, 0)            # select, rewinds
        while len(out) < length:
            n = min(length - len(out), 0x10000)
            self.dma(0x02, n, self.buf)
            out += self.qt.b64read(self.buf, n)
        return out

    def files(self):
        count = struct.unpack('>I', self.read_key(0x19, 4))[0]
        raw = self.read_key(0x19, 4 + 64 * count)[4:]
        files = {}
        for i in range(count):
            size, key = struct.unpack('>IH', raw[64 * i:64 * i + 6])
            name = raw[64 * i + 8:64 * i + 64].split(b'\0')[0].decode()
            files[name] = (key, size)
        return files

    def read_file(self, name):
        key, size = self.files()[name]
        return self.read_key(key, size)


def parse_loader(script):
    """The commands as dicts (128 bytes each)."""
    assert len(script) % 128 == 0, 'table-loader length %d' % len(script)
    cmds = []
    for i in range(0, len(script), 128):
        e = script[i:i + 128]
        op = struct.unpack('<I', e[:4])[0]

        def name(off):
            return e[off:off + 56].split(b'\0')[0].decode()
        if op == 1:
            align, zone = struct.unpack('<IB', e[60:65])
            cmds.append({'op': 'allocate', 'file': name(4), 'align': align, 'zone': zone})
        elif op == 2:
            offset, size = struct.unpack('<IB', e[116:121])
            cmds.append({'op': 'pointer', 'dest': name(4), 'src': name(60), 'offset': offset,
                         'size': size})
        elif op == 3:
            result, start, length = struct.unpack('<III', e[60:72])
            cmds.append({'op': 'checksum', 'file': name(4), 'result': result, 'start': start,
                         'length': length})
        else:
            raise AssertionError('unknown loader command %d' % op)
    return cmds


class Loaded:
    """Blobs placed at addresses chosen like a firmware would (FSEG below
    1 MiB, HIGH elsewhere), patched and checksummed."""

    def __init__(self, fw, script):
        self.cmds = parse_loader(script)
        self.blobs, self.addr = {}, {}
        high, fseg = 0x7f000000, 0xe0000
        for c in self.cmds:
            if c['op'] == 'allocate':
                assert c['file'] not in self.blobs, 'allocated twice: ' + c['file']
                assert c['align'] and c['align'] & (c['align'] - 1) == 0, c
                assert c['zone'] in (1, 2), c
                data = bytearray(fw(c['file']))
                if c['zone'] == 2:
                    a = (fseg + c['align'] - 1) & ~(c['align'] - 1)
                    fseg = a + len(data)
                    assert fseg <= 0x100000, 'FSEG overflow'
                else:
                    a = (high + c['align'] - 1) & ~(c['align'] - 1)
                    high = a + len(data)
                self.blobs[c['file']], self.addr[c['file']] = data, a
            elif c['op'] == 'pointer':
                d, s = self.blobs[c['dest']], self.blobs[c['src']]
                assert c['size'] in (1, 2, 4, 8) and c['offset'] + c['size'] <= len(d), c
                v = int.from_bytes(d[c['offset']:c['offset'] + c['size']], 'little')
                assert v < len(s), 'pointer %r points past %s' % (c, c['src'])
                v += self.addr[c['src']]
                d[c['offset']:c['offset'] + c['size']] = v.to_bytes(c['size'], 'little')
            else:
                b = self.blobs[c['file']]
                assert c['start'] + c['length'] <= len(b), c
                assert c['start'] <= c['result'] < c['start'] + c['length'], c
                # EDK2 (ProcessCmdAddChecksum) stores the checksum of the
                # range with the result byte in it: that byte must come as 0.
                b[c['result']] = -sum(b[c['start']:c['start'] + c['length']]) & 0xff

    def read(self, addr, length):
        for name, a in self.addr.items():
            if a <= addr and addr + length <= a + len(self.blobs[name]):
                return bytes(self.blobs[name][addr - a:addr - a + length])
        raise AssertionError('address 0x%x+%d is in no allocated blob' % (addr, length))

    def table(self, addr):
        length = struct.unpack('<I', self.read(addr + 4, 4))[0]
        return self.read(addr, length)

    def checksummed(self, name, start, length):
        """True when a checksum command covers exactly this range."""
        return any(c['op'] == 'checksum' and c['file'] == name and c['start'] == start and
                   c['length'] == length for c in self.cmds)
