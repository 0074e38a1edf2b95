# SPDX-License-Identifier: MIT
"""Just enough Ethernet/IPv4 for the network tests: build ARP, DHCP and ICMP
frames, parse replies, and speak the netdev stream framing (a 4-byte
big-endian length before each frame) or one frame per datagram."""
import select
import socket
import struct
import time

MAC = bytes.fromhex('525400aabbcc')
BROADCAST = b'\xff' * 6


def ip(text):
    return socket.inet_aton(text)


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, src, ethertype, payload):
    return dst + src + struct.pack('!H', ethertype) + payload


def ipv4(src, dst, proto, payload, ident=1):
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0,
                      ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack('!H', checksum(hdr)) + hdr[12:]
    return hdr + payload


def udp(sport, dport, payload):
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, sha, ip(spa), tha, ip(tpa))


def arp_request(mac, src, target):
    return eth(BROADCAST, mac, 0x0806, arp(1, mac, src, b'\0' * 6, target))


def dhcp_discover(mac, xid=0x1234):
    bootp = struct.pack('!BBBBIHH4s4s4s4s16s64s128s', 1, 1, 6, 0, xid, 0, 0x8000, b'\0' * 4,
                        b'\0' * 4, b'\0' * 4, b'\0' * 4, mac + b'\0' * 10, b'', b'')
    bootp += b'\x63\x82\x53\x63' + b'\x35\x01\x01' + b'\xff'
    return eth(BROADCAST, mac, 0x0800, ipv4('0.0.0.0', '255.255.255.255', 17,
                                            udp(68, 67, bootp)))


def icmp_echo(mac, dst_mac, src, dst, seq=1, payload=b'tessera-ping'):
    body = struct.pack('!BBHHH', 8, 0, 0, 0x77, seq) + payload
    body = body[:2] + struct.pack('!H', checksum(body)) + body[4:]
    return eth(dst_mac, mac, 0x0800, ipv4(src, dst, 1, body))


def parse(frame):
    """A dict describing @frame: kind in arp-request/arp-reply/dhcp/icmp-reply/
    icmp-request/tcp/other, with the fields the tests look at."""
    d = {'dst': frame[0:6], 'src': frame[6:12], 'kind': 'other'}
    etype = struct.unpack('!H', frame[12:14])[0]
    p = frame[14:]
    if etype == 0x0806 and len(p) >= 28:
        op = struct.unpack('!H', p[6:8])[0]
        d.update(kind='arp-request' if op == 1 else 'arp-reply', sha=p[8:14],
                 spa=socket.inet_ntoa(p[14:18]), tpa=socket.inet_ntoa(p[24:28]))
    elif etype == 0x0800 and len(p) >= 20:
        ihl = (p[0] & 15) * 4
        proto = p[9]
        d.update(ipsrc=socket.inet_ntoa(p[12:16]), ipdst=socket.inet_ntoa(p[16:20]))
        l4 = p[ihl:]
        if proto == 17 and len(l4) >= 8 + 240 and struct.unpack('!H', l4[0:2])[0] == 67:
            bootp = l4[8:]
            d.update(kind='dhcp', op=bootp[0], yiaddr=socket.inet_ntoa(bootp[16:20]))
        elif proto == 1 and len(l4) >= 8:
            d.update(kind={0: 'icmp-reply', 8: 'icmp-request'}.get(l4[0], 'icmp'),
                     seq=struct.unpack('!H', l4[6:8])[0], payload=l4[8:])
        elif proto == 6 and len(l4) >= 20:
            sport, dport = struct.unpack('!HH', l4[0:4])
            d.update(kind='tcp', sport=sport, dport=dport, flags=l4[13])
    return d


class StreamLink:
    """A client of -netdev stream/socket: frames with a length prefix."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b''

    def send(self, frame):
        self.sock.sendall(struct.pack('!I', len(frame)) + frame)

    def recv(self, timeout):
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack('!I', self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    frame, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return frame
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if r:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return None
                self.buf += chunk


class DgramLink:
    """A peer of -netdev dgram: one frame per datagram."""

    def __init__(self, sock, dest):
        self.sock = sock
        self.dest = dest

    def send(self, frame):
        self.sock.sendto(frame, self.dest)

    def recv(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        return self.sock.recv(65536) if r else None


def wait_frame(link, want, timeout=10, answer_arp_for=None, mac=MAC):
    """Frames until one for which want(parsed) is true (None on timeout).
    ARP requests for @answer_arp_for are answered on the way."""
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0:
            return None
        f = link.recv(left)
        if f is None:
            return None
        d = parse(f)
        if (answer_arp_for and d['kind'] == 'arp-request' and d['tpa'] == answer_arp_for):
            link.send(eth(d['sha'], mac, 0x0806, arp(2, mac, answer_arp_for, d['sha'], d['spa'])))
        if want(d):
            return d


def dhcp_offer(link, mac=MAC, timeout=10):
    link.send(dhcp_discover(mac))
    return wait_frame(link, lambda d: d['kind'] == 'dhcp' and d['op'] == 2, timeout)


def ping(link, dst, src='10.0.2.15', dst_mac=None, seq=1, timeout=5, mac=MAC):
    """Echo request from @src to @dst; the reply's parse or None."""
    if dst_mac is None:
        link.send(arp_request(mac, src, dst))
        r = wait_frame(link, lambda d: d['kind'] == 'arp-reply' and d['spa'] == dst, timeout,
                       answer_arp_for=src, mac=mac)
        if not r:
            return None
        dst_mac = r['sha']
    link.send(icmp_echo(mac, dst_mac, src, dst, seq))
    return wait_frame(link, lambda d: d['kind'] == 'icmp-reply' and d['seq'] == seq, timeout,
                      answer_arp_for=src, mac=mac)
