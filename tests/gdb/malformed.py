#!/usr/bin/env python3
"""Robustness of the gdb server against a misbehaving client.

Talks to gdbstub_fake over a raw socket: bad checksums, a packet without
'#', 100 KiB packets, binary garbage, refused writes, unknown packets,
no-ack mode and an interrupt (^C) of a running program. After each abuse a
valid '?' must still get a stop reply. The last packet is cut short and the
connection closed: the server must then end cleanly (exit status 0).

usage: malformed.py GDBSTUB_FAKE KNOWN_REGS_PROGRAM
Exits 77 (skipped) when ptrace is not allowed here.
"""
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time


def checksum(payload):
    return sum(payload) & 0xFF


def frame(payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return b"$" + payload + b"#%02x" % checksum(payload)


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""
        self.ack = True

    def send(self, data):
        self.sock.sendall(data)

    def read_more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("server closed the connection")
        self.buf += data

    def read_byte(self):
        while not self.buf:
            self.read_more()
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def read_packet(self):
        """Next packet from the server, skipping acks; checks its checksum."""
        while True:
            start = self.buf.find(b"$")
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    payload = self.buf[start + 1:end]
                    cs = int(self.buf[end + 1:end + 3], 16)
                    self.buf = self.buf[end + 3:]
                    if cs != checksum(payload):
                        raise AssertionError("bad checksum from the server: %r" % payload)
                    if self.ack:
                        self.send(b"+")
                    return payload
            self.read_more()

    def request(self, payload):
        """Sends a packet; returns the reply's payload (after the '+' in ack mode)."""
        self.send(frame(payload))
        if self.ack:
            b = self.read_byte()
            if b != b"+":
                raise AssertionError("expected '+' for %r, got %r" % (payload[:40], b))
        return self.read_packet()


failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def expect_stop(c, what):
    reply = c.request("?")
    check(re.match(rb"^T[0-9a-f]{2}thread:p[0-9a-f]+\.[0-9a-f]+;", reply),
          "%s: '?' answered %r" % (what, reply[:60]))


def start_fake(fake, prog, args, tmp):
    port_file = os.path.join(tmp, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    log = open(os.path.join(tmp, "fake.log"), "w")
    proc = subprocess.Popen([fake, port_file, prog] + args, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(100):
        if os.path.exists(port_file):
            return proc, int(open(port_file).read())
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    text = open(os.path.join(tmp, "fake.log")).read()
    print(text)
    if "did not stop at exec" in text:
        print("SKIP: ptrace is not allowed")
        sys.exit(77)
    print("FAIL: gdbstub_fake did not start")
    sys.exit(1)


def abuse(c):
    reply = c.request("qSupported:multiprocess+;swbreak+;hwbreak+")
    check(b"PacketSize=" in reply and b"multiprocess+" in reply, "qSupported: %r" % reply)
    expect_stop(c, "first request")

    # Bad checksum: '-' and nothing else; the server goes on.
    c.send(b"$?#00")
    check(c.read_byte() == b"-", "bad checksum gets '-'")
    c.send(b"$?#zz")
    check(c.read_byte() == b"-", "non-hex checksum gets '-'")
    expect_stop(c, "after bad checksums")

    # No '#': the next '$' starts a new packet.
    c.send(b"$qSupported:multiprocess+")
    expect_stop(c, "after a packet without '#'")

    # 100 KiB packets: refused with E01 (good checksum) or '-' (bad one).
    big = b"m" + b"0" * (100 * 1024)
    c.send(frame(big))
    check(c.read_byte() == b"+", "over-long packet is acknowledged")
    check(c.read_packet() == b"E01", "over-long packet gets E01")
    c.send(b"$" + big + b"#00")
    check(c.read_byte() == b"-", "over-long packet with a bad checksum gets '-'")
    expect_stop(c, "after 100 KiB packets")

    # Binary garbage without any '$', then garbage that opens packets and never ends them.
    rng = random.Random(1234)
    noise = bytes(b for b in (rng.randrange(256) for _ in range(20000)) if b not in b"$+-\x03")
    c.send(noise)
    expect_stop(c, "after binary noise")
    garbage = bytes(rng.randrange(256) for _ in range(20000)).replace(b"#", b"")
    c.send(b"$" + garbage)
    c.send(b"\x00" * 10)
    expect_stop(c, "after binary garbage inside a packet")
    # The '-' and '+' in the garbage above may have made the server resend; drop all that.
    c.buf = b""

    # Writes are refused, unknown packets get an empty reply.
    check(c.request("M0,1:00") == b"E01", "M refused")
    check(c.request("X0,1:" + "\x7d\x5d") == b"E01", "X refused")
    check(c.request("G" + "00" * 8) == b"E01", "G refused")
    check(c.request("P0=0000000000000000") == b"E01", "P refused")
    check(c.request("frobnicate") == b"", "unknown packet gets an empty reply")
    check(c.request("qXfer:features:read:../../etc/passwd:0,fff") == b"E01", "qXfer of an unknown annex")
    check(c.request("m0,10") == b"E01", "reading unmapped memory")
    check(c.request("mzz,10") == b"E01", "malformed m")
    check(c.request("p" + "f" * 40) == b"E01", "register number overflow")
    check(c.request("vCont;q") == b"E01", "unknown vCont action")
    check(c.request("Hgp1.-2") == b"E01", "malformed thread id")
    check(c.request("vFile:open:zz,0,0").startswith(b"F-1,"), "malformed vFile:open")
    check(c.request("vFile:pread:ffffffff,10,0").startswith(b"F-1,"), "vFile:pread of a bad handle")
    check(c.request("qRcmd,7") == b"E01", "odd-length qRcmd")
    expect_stop(c, "after refused and unknown packets")

    # Real requests still work.
    reply = c.request("qXfer:features:read:target.xml:0,fff")
    check(reply.startswith(b"l<?xml") and b"i386:x86-64" in reply, "target.xml")
    reply = c.request("vFile:open:%s,0,0" % b"/no/such/file".hex())
    check(reply == b"F-1,2", "vFile:open of a missing file: %r" % reply)
    check(c.request("QStartNoAckMode") == b"OK", "QStartNoAckMode")
    c.ack = False
    c.send(b"$?#00")  # checksums are not checked in no-ack mode
    check(c.read_packet().startswith(b"T05"), "no-ack mode: '?' with a wrong checksum")

    # Interrupt a running (spinning) program with ^C.
    c.send(frame("vCont;c"))
    time.sleep(0.3)
    c.send(b"\x03")
    reply = c.read_packet()
    check(reply.startswith(b"T02thread:"), "^C stops the program with SIGINT: %r" % reply[:40])
    expect_stop(c, "after the interrupt")


def main():
    fake, prog = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="rewind-gdb-") as tmp:
        proc, port = start_fake(fake, prog, ["spin"], tmp)
        try:
            c = Client(port)
            abuse(c)
            # A packet cut short by the end of the connection ends the session cleanly.
            c.send(b"$m1000,")
            c.sock.shutdown(socket.SHUT_WR)
            status = proc.wait(timeout=20)
            check(status == 0, "server exit status %d after a truncated packet" % status)
        except (AssertionError, EOFError, OSError, subprocess.TimeoutExpired) as e:
            check(False, "%s: %s" % (type(e).__name__, e))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if failures:
                print(open(os.path.join(tmp, "fake.log")).read())
    if failures:
        print("%d failures" % failures)
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
