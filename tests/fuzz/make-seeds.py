#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

The seeds are committed; run this again only to change them
(python3 tests/fuzz/make-seeds.py).  QMP seeds come from qmp-seeds.txt;
HMP seeds are the same command lines typed at a terminal; option seeds are
command-line options as argv carries them; ELF seeds are built here
(a minimal executable, and one linked by riscv64-unknown-elf-gcc when it
is installed); DTB seeds are compiled by dtc.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def qmp_lines():
    with open(os.path.join(HERE, 'qmp-seeds.txt')) as f:
        return [l.rstrip('\n') for l in f if l.strip() and not l.startswith('#')]


def hmp_seeds():
    import json
    lines = []
    for l in qmp_lines():
        msg = json.loads(l)
        if msg.get('execute') == 'human-monitor-command':
            lines.append(msg['arguments']['command-line'])
    lines += ['qom-set /machine kernel "quoted \\" word"', 'xp /3i 0x10+4-2', 'info',
              'x', 'help x', 'device_add driver=nosuch,id=x,prop=1', 'system_reset', 'name']
    for i, l in enumerate(lines):
        write('hmp', 'seed-%02d' % i, l + '\r')
    # Line editing: arrows, history, delete, Ctrl keys, a half escape.
    write('hmp', 'seed-edit', b'info sta\x1b[D\x1b[Ct\x7fus\r\x1b[A\r\x01\x05\x0b\x15qom-list /\t\r\x1b[')


# Option index (options_fuzz.c's rules[]) and text.
OPTIONS = [
    (0, 'virt,aclint=on,dumpdtb=/tmp/x.dtb'), (0, 'type=spike,,x'), (1, 'rv64,pmp=off,x-h=on'),
    (2, '1.5G'), (2, 'size=64M,maxmem=1T'), (3, '4,sockets=1,cores=2,threads=2,maxcpus=8'),
    (4, 'socket,id=c0,path=/tmp/s,server=on,wait=off'), (4, 'help'), (5, 'tcg,thread=single'),
    (6, 'uart16550,id=u1,chardev=c0,reg-shift=0x2'),
    (6, '{"driver": "uart16550", "id": "u", "reg-shift": 2, "x": [1, {"a": null}], "f": 1.5e3,'
        ' "b": true}'),
    (7, '{"qom-type": "memory-backend-ram", "id": "m", "size": 18446744073709551615}'),
    (7, 'memory-backend-ram,id=m,size=0x10000,share=yes'), (8, 'uart16550.baudbase=-1'),
    (9, 'test,id=a,?'), (6, 'x,,y,=,a==b,,'),
]


def options_seeds():
    for i, (idx, text) in enumerate(OPTIONS):
        write('options', 'seed-%02d' % i, bytes([0x30 + idx]) + text.encode())


def elf64(entry, segments, symbols=()):
    """A minimal ELF64 LE RISC-V executable: segments are (paddr, data,
    memsz); symbols (name, value) go into .symtab/.strtab."""
    ehsize, phsize, shsize = 64, 56, 64
    phoff = ehsize
    off = phoff + phsize * len(segments)
    body = b''
    phdrs = b''
    for paddr, data, memsz in segments:
        phdrs += struct.pack('<IIQQQQQQ', 1, 5, off + len(body), paddr, paddr, len(data),
                             memsz, 8)
        body += data
    strtab = b'\0' + b''.join(n.encode() + b'\0' for n, _v in symbols)
    symtab = b'\0' * 24
    pos = 1
    for n, v in symbols:
        symtab += struct.pack('<IBBHQQ', pos, 0x10, 0, 1, v, 8)
        pos += len(n) + 1
    shstr = b'\0.symtab\0.strtab\0.shstrtab\0'
    tables = off + len(body)
    sym_off, str_off, shs_off = tables, tables + len(symtab), tables + len(symtab) + len(strtab)
    shoff = shs_off + len(shstr)
    shdrs = b'\0' * shsize
    shdrs += struct.pack('<IIQQQQIIQQ', 1, 2, 0, 0, sym_off, len(symtab), 2, 1, 8, 24)
    shdrs += struct.pack('<IIQQQQIIQQ', 9, 3, 0, 0, str_off, len(strtab), 0, 0, 1, 0)
    shdrs += struct.pack('<IIQQQQIIQQ', 17, 3, 0, 0, shs_off, len(shstr), 0, 0, 1, 0)
    ident = b'\x7fELF' + bytes([2, 1, 1, 0]) + b'\0' * 8
    eh = ident + struct.pack('<HHIQQQIHHHHHH', 2, 243, 1, entry, phoff, shoff, 0, ehsize,
                             phsize, len(segments), shsize, 4, 3)
    return eh + phdrs + body + symtab + strtab + shstr + shdrs


def loader_seeds():
    base = 0x80000000
    # Control byte: bit 0 EM_RISCV, bit 1 look up "tohost", bits 2.. raw placement.
    write('loader', 'seed-elf', b'\x03' + elf64(base, [(base, b'\x13\0\0\0' * 4, 32)],
                                                [('tohost', base + 0x1000)]))
    write('loader', 'seed-elf-2seg', b'\x07' + elf64(base + 0x100, [
        (base, b'\x11' * 16, 16), (base + 0x800, b'\x22' * 8, 0x100)], [('_start', base)]))
    write('loader', 'seed-elf-rom', b'\x01' + elf64(0x1000, [(0x1000, b'\x73\0\x10\0', 4)]))
    write('loader', 'seed-raw', b'\x00' + b'\x97\x02\0\0' * 8)
    write('loader', 'seed-raw-rom', b'\x0c' + b'\xaa' * 64)
    write('loader', 'seed-raw-end', b'\x08' + b'\x55' * 16)
    gcc = shutil.which('riscv64-unknown-elf-gcc')
    if gcc:
        with tempfile.TemporaryDirectory() as t:
            src = os.path.join(t, 'a.S')
            with open(src, 'w') as f:
                f.write('.globl _start\n_start: la t0, tohost\n li t1, 1\n sd t1, 0(t0)\n'
                        '1: j 1b\n.data\n.globl tohost\n.align 3\ntohost: .dword 0\n'
                        '.bss\n.space 64\n')
            exe = os.path.join(t, 'a.elf')
            subprocess.run([gcc, '-nostdlib', '-march=rv64gc', '-mabi=lp64d', '-Wl,-Ttext=0x80000000',
                            '-o', exe, src], check=True)
            with open(exe, 'rb') as f:
                write('loader', 'seed-gcc-elf', b'\x03' + f.read())
    else:
        print('make-seeds: riscv64-unknown-elf-gcc missing, gcc ELF seed not written',
              file=sys.stderr)


DTS = [
    '/dts-v1/; / { };',
    '/dts-v1/; / { #address-cells = <2>; #size-cells = <2>; compatible = "riscv-virtio";'
    ' chosen { bootargs = "x"; stdout-path = "/soc/serial@10000000"; };'
    ' memory@80000000 { device_type = "memory"; reg = <0 0x80000000 0 0x8000000>; };'
    ' cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { reg = <0>;'
    ' intc: interrupt-controller { #interrupt-cells = <1>; interrupt-controller; }; }; };'
    ' soc { #address-cells = <2>; #size-cells = <2>; ranges;'
    ' serial@10000000 { reg = <0 0x10000000 0 0x100>; interrupts-extended = <&intc 9>; }; }; };',
    '/dts-v1/; /memreserve/ 0x80000000 0x1000; / { a { b { c { phandle = <7>; }; }; }; };',
]


def dtb_seeds():
    dtc = shutil.which('dtc')
    if not dtc:
        sys.exit('make-seeds: dtc (device-tree-compiler) is missing')
    for i, src in enumerate(DTS):
        blob = subprocess.run([dtc, '-I', 'dts', '-O', 'dtb', '-q'], input=src.encode(),
                              stdout=subprocess.PIPE, check=True).stdout
        write('dtb', 'seed-%d' % i, blob)


def device_seeds():
    """Op streams for device_fuzz.c: every op kind on every region index
    (regions are numbered in the board's memory order; the index is taken
    modulo their count, so the same seeds serve every board)."""
    import random
    rng = random.Random(17)
    for name in ('device-virt', 'device-spike'):
        for region in range(10):
            ops = b''
            for width in range(4):
                for off in (0, 1, 4, 8, 0x10, 0x1c, 0x4000, 0xbff8):
                    ops += bytes([0, width, region]) + struct.pack('<IQ', off, rng.getrandbits(64))
                    ops += bytes([3, width, region]) + struct.pack('<I', off)
            ops += bytes([5, 15]) + struct.pack('<I', 0x100) + bytes(range(16))
            ops += bytes([6]) + struct.pack('<I', 1000000) + bytes([7])
            write(name, 'seed-region-%d' % region, ops)


def qcow2_seeds():
    """Small images made by qemu-img (512-byte clusters keep them under the
    fuzzers' 4096-byte inputs): v2 and v3, lazy refcounts, 1-bit and 64-bit
    refcounts, a backing file, a snapshot, zlib and zstd compressed data."""
    qemu_img = shutil.which('qemu-img')
    if not qemu_img:
        sys.exit('make-seeds: qemu-img (qemu-utils) is missing')
    import tempfile
    variants = [
        ('v3', ['-o', 'cluster_size=512']),
        ('v2', ['-o', 'cluster_size=512,compat=0.10']),
        ('lazy', ['-o', 'cluster_size=512,lazy_refcounts=on']),
        ('refbits1', ['-o', 'cluster_size=512,refcount_bits=1']),
        ('refbits64', ['-o', 'cluster_size=512,refcount_bits=64']),
        ('backing', ['-o', 'cluster_size=512', '-u', '-b', 'base.raw', '-F', 'raw']),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, 'x.qcow2')
        for name, opts in variants:
            subprocess.run([qemu_img, 'create', '-q', '-f', 'qcow2'] + opts + [img, '64k'],
                           check=True)
            write('qcow2', 'seed-' + name, open(img, 'rb').read())
        subprocess.run([qemu_img, 'create', '-q', '-f', 'qcow2', '-o', 'cluster_size=512', img,
                        '64k'], check=True)
        subprocess.run([qemu_img, 'snapshot', '-c', 's1', img], check=True)
        write('qcow2', 'seed-snapshot', open(img, 'rb').read())
        raw = os.path.join(tmp, 'd.raw')
        with open(raw, 'wb') as f:
            f.write(bytes(range(256)) * 8 + b'\0' * 2048)
        for comp in ('zlib', 'zstd'):
            subprocess.run([qemu_img, 'convert', '-c', '-O', 'qcow2', '-o',
                            'cluster_size=512,compression_type=' + comp, raw, img], check=True)
            write('qcow2', 'seed-' + comp, open(img, 'rb').read())


def gdb_packet(payload):
    body = payload.encode('latin-1') if isinstance(payload, str) else payload
    return b'$' + body + b'#%02x' % (sum(body) & 0xff)


def gdb_seeds():
    """Packets as gdb sends them when attaching and debugging, and bad ones."""
    session = ['qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;vContSupported+',
               'vMustReplyEmpty', 'Hg0', 'qXfer:features:read:target.xml:0,ffb', 'qTStatus',
               '?', 'qfThreadInfo', 'qsThreadInfo', 'qAttached', 'Hc-1', 'qC', 'g',
               'm80000000,40', 'p20', 'P20=0000008000000000', 'Z0,80000010,2', 'z0,80000010,2',
               'Z1,80000010,4', 'Z2,80001000,8', 'z2,80001000,8', 'vCont?', 'vCont;s:1;c',
               'qThreadExtraInfo,1', 'T1', 'Hgp1.2', 'qRcmd,696e666f20737461747573',
               'qqemu.sstepbits', 'Qqemu.sstep=0x1', 'Qqemu.PhyMemMode:1', 'D']
    write('gdb', 'seed-session', b'+' + b'+'.join(gdb_packet(p) for p in session))
    write('gdb', 'seed-noack', gdb_packet('QStartNoAckMode') + gdb_packet('m0,4') +
          b'\x03' + gdb_packet('c'))
    write('gdb', 'seed-binary', gdb_packet(b'X80000000,4:}\x03}\x04*#') + gdb_packet('M0,2:abcd'))
    write('gdb', 'seed-bad', b'$g#00$m$$m1,1#zz---++' + gdb_packet('G' + '0' * 31) +
          gdb_packet('vCont;x') + gdb_packet('Zf,0,0') + b'$' + b'a' * 20000 + b'#00')


def main():
    for t in ['qmp', 'hmp', 'options', 'loader', 'dtb', 'device-virt', 'device-spike', 'qcow2',
              'gdb']:
        shutil.rmtree(os.path.join(CORPUS, t), ignore_errors=True)
    for i, l in enumerate(qmp_lines()):
        write('qmp', 'seed-%02d' % i, l + '\n')
    hmp_seeds()
    gdb_seeds()
    options_seeds()
    loader_seeds()
    dtb_seeds()
    device_seeds()
    qcow2_seeds()


if __name__ == '__main__':
    main()
