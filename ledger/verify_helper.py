"""The verify helper process: libsodium verification of chunks sent over stdin, verdicts on stdout.

Run by ledger.verify.cpu as ``python -m ledger.verify_helper``. Protocol per request: a head
``<II`` (item count n, body size), then the body: message lengths (u32 little-endian x n), signatures
(64 x n), public keys (32 x n), messages. The answer is one byte per item, 1 where libsodium's
``crypto_sign_open`` accepts. The helper exits at end of input, so it dies with its parent's pipe.
Imports nothing of the ledger but this module, to start fast.
"""

from __future__ import annotations

import signal
import struct
import sys
from array import array

from nacl._sodium import ffi, lib

HEAD = struct.Struct("<II")


def serve(rd: object, wr: object) -> None:
    """Answer requests from ``rd`` on ``wr`` until end of input."""
    read = rd.read  # type: ignore[attr-defined]
    write, flush = wr.write, wr.flush  # type: ignore[attr-defined]
    fn, mlen = lib.crypto_sign_open, ffi.new("unsigned long long *")
    scratch, cap = None, -1
    while True:
        h = read(HEAD.size)
        if len(h) < HEAD.size:
            return
        n, size = HEAD.unpack(h)
        body = read(size)
        if len(body) < size:
            return
        lens = array("I")
        lens.frombytes(body[: 4 * n])
        if sys.byteorder != "little":
            lens.byteswap()
        s, p, m = 4 * n, 68 * n, 100 * n
        need = max(lens, default=0) + 64
        if need > cap:
            scratch, cap = ffi.new("unsigned char[]", need), need
        out = bytearray(n)
        for i, k in enumerate(lens):
            sm = body[s + 64 * i : s + 64 * i + 64] + body[m : m + k]
            m += k
            out[i] = fn(scratch, mlen, sm, k + 64, body[p + 32 * i : p + 32 * i + 32]) == 0
        write(out)
        flush()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    serve(sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
