"""The CPU verification backend: libsodium (through PyNaCl's bindings), on helper processes or threads.

libsodium's ``crypto_sign_verify_detached`` is the reference implementation of the signature rule;
every other backend is tested against it.

Large batches (a node's blocks) are verified by helper processes, one per core, each running the
same libsodium call in a loop over the chunks this process sends it through a pipe. Threads alone
would verify in parallel too (cffi releases the GIL during each call), but every signature then
takes the GIL back, so in a busy node the verifying threads queue for it behind the committer and
RPC threads while cores sit idle; a helper process never waits on this process's GIL, and the
thread that feeds it holds the GIL only to pack and unpack a chunk. A helper is a plain
child (``python -m ledger.verify_helper``) reading its stdin, so it exits when this process closes the pipe or dies.
Small batches, and any run where helpers cannot be started, verify on the thread pool.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import subprocess
import sys
import threading
from array import array
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from nacl._sodium import ffi, lib

from ledger.verify.base import BoolMask, sha256_each, waiter
from ledger.verify_helper import HEAD

_MIN_CHUNK = 16  # below this a thread hand-off costs more than it saves (~40 us per signature)
_MAX_CHUNK = 512
_CHUNKS_PER_WORKER = 8
_HELPER_MIN = 256  # smaller batches stay in this process (a pipe round trip costs ~0.1 ms)
log = logging.getLogger(__name__)



def verify_one(message: bytes, signature: bytes, public_key: bytes) -> bool:
    """libsodium's verdict for one signature; wrong lengths are False."""
    out = np.zeros(1, dtype=np.bool_)
    _verify_range(out, 0, 1, [message], [signature], [public_key])
    return bool(out[0])


def _verify_range(
    out: BoolMask, lo: int, hi: int, msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes]
) -> None:
    # PyNaCl exports crypto_sign_open (signature || message) but not the detached verify; both run
    # the same libsodium check. One scratch buffer per call keeps allocation off the loop.
    fn = lib.crypto_sign_open
    cap = max((len(msgs[i]) for i in range(lo, hi)), default=0) + 64
    scratch = ffi.new("unsigned char[]", cap)
    mlen = ffi.new("unsigned long long *")
    for i in range(lo, hi):
        s, p, m = sigs[i], pks[i], msgs[i]
        out[i] = len(s) == 64 and len(p) == 32 and fn(scratch, mlen, s + m, len(m) + 64, p) == 0


class _Helper:
    """One helper process; used by one thread at a time."""

    def __init__(self) -> None:
        # The child finds this package even when it is run from a checkout without being installed.
        root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ledger.verify_helper"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )

    def verify(self, msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> bytes:
        """Verdict bytes for items whose signatures are 64 and keys 32 bytes. Raises OSError if the
        helper is gone."""
        self.send(msgs, sigs, pks)
        return self.receive(len(msgs))

    def send(self, msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> None:
        """Send one request; ``receive`` must follow before the next ``send``. Raises OSError."""
        lens = array("I", map(len, msgs))
        if sys.byteorder != "little":
            lens.byteswap()
        body = b"".join((lens.tobytes(), *sigs, *pks, *msgs))
        stdin = self.proc.stdin
        assert stdin is not None
        try:  # blocking pipe I/O releases the GIL
            stdin.write(HEAD.pack(len(msgs), len(body)) + body)
            stdin.flush()
        except ValueError as exc:  # the pipe was closed under us (close() from another thread)
            raise OSError("verify helper closed") from exc

    def receive(self, n: int) -> bytes:
        """The ``n`` verdict bytes of the request sent last. Raises OSError if the helper is gone."""
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            got = stdout.read(n)
        except ValueError as exc:
            raise OSError("verify helper closed") from exc
        if len(got) != n:
            raise OSError("verify helper exited")
        return got

    def close(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        for f in (self.proc.stdin, self.proc.stdout):
            if f is not None:
                with contextlib.suppress(OSError):  # a killed helper leaves unflushed bytes behind
                    f.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class CpuBackend:
    """Batch verification on ``workers`` cores (default: all): helper processes for batches of
    ``helper_min`` or more (unless ``processes=False``), else threads.

    A latency-bound caller that verifies while it does other Python work (a client checking a
    report's proofs) gains from a low ``helper_min``: threads would wait for that caller's GIL
    between signatures, helpers never do.
    """

    name = "cpu"

    def __init__(self, workers: int | None = None, *, processes: bool = True, helper_min: int = _HELPER_MIN) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.helper_min = max(helper_min, _MIN_CHUNK + 1)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="verify")
        ffi.new("char[]", 1)  # load the library before threads race to it
        self._use_helpers = processes and self.workers > 1
        self._helpers: queue.SimpleQueue[_Helper | None] | None = None  # started on the first large batch
        self._all_helpers: list[_Helper] = []
        self._lock = threading.Lock()
        self._closed = False

    def warm_up(self) -> None:
        """Start the helper processes now and wait until each has answered once."""
        if self._helper_queue() is None:
            return
        for h in list(self._all_helpers):
            try:
                h.verify([b""], [bytes(64)], [bytes(32)])  # answers once it is up
            except OSError:
                self._give_up_helpers("a verify helper did not start")
                return

    def _helper_queue(self) -> queue.SimpleQueue[_Helper | None] | None:
        with self._lock:
            if self._helpers is None and self._use_helpers and not self._closed:
                try:
                    started = [_Helper() for _ in range(self.workers)]
                except OSError as exc:
                    log.warning("verify: no helper processes (%s); verifying on threads", exc)
                    self._use_helpers = False
                    return None
                self._all_helpers = started
                self._helpers = queue.SimpleQueue()
                for h in started:
                    self._helpers.put(h)
            return self._helpers

    def _give_up_helpers(self, why: str) -> None:
        with self._lock:
            if not self._use_helpers:
                return
            log.warning("verify: %s; verifying on threads from now on", why)
            self._use_helpers = False
            waiting, self._helpers = self._helpers, None
            helpers, self._all_helpers = self._all_helpers, []
        if waiting is not None:
            for _ in range(self.workers):
                waiting.put(None)  # wakes chunks waiting for a helper: they verify here instead
        for h in helpers:
            h.close(kill=True)

    def _verify_chunk(
        self, helpers: queue.SimpleQueue[_Helper | None], out: BoolMask, idx: list[int],
        msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes],
    ) -> None:
        """Verdicts for items ``idx`` (well-sized signature and key) on a helper, else here."""
        h = helpers.get() if self._use_helpers else None
        if h is None:
            helpers.put(None)  # helpers were given up: pass the wake-up on to other waiting chunks
        elif self._send(h, idx, msgs, sigs, pks):
            self._collect(helpers, h, out, idx, msgs, sigs, pks)
            return
        if idx:  # between idx[0] and idx[-1] only wrong-sized items are outside idx: False either way
            _verify_range(out, idx[0], idx[-1] + 1, msgs, sigs, pks)

    def _submit_chunk(
        self, helpers: queue.SimpleQueue[_Helper | None], out: BoolMask, idx: list[int],
        msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes],
    ) -> Future[None]:
        """Items ``idx`` verified by a pool thread (``_verify_chunk``)."""
        return self._pool.submit(self._verify_chunk, helpers, out, idx, msgs, sigs, pks)

    def _send_chunk(
        self, helpers: queue.SimpleQueue[_Helper | None], out: BoolMask, idx: list[int],
        msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes],
    ) -> Future[None]:
        """Send items ``idx`` to an idle helper from the calling thread; a pool thread collects the verdicts.

        Why here: a pool thread needs this process's GIL to send, and a caller that goes on with
        Python work (a client checking a report's proofs) holds it, so the helpers would start only
        once the caller waits. With no idle helper the chunk takes the ``_verify_chunk`` way.
        """
        try:
            h = helpers.get_nowait()
        except queue.Empty:
            h = None
        if h is not None and self._send(h, idx, msgs, sigs, pks):
            return self._pool.submit(self._collect, helpers, h, out, idx, msgs, sigs, pks)
        if h is None and not self._use_helpers:
            helpers.put(None)  # we may have taken the given-up wake-up: pass it on
        return self._submit_chunk(helpers, out, idx, msgs, sigs, pks)

    def _send(
        self, h: _Helper, idx: list[int], msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes]
    ) -> bool:
        """Send items ``idx`` to ``h``; False if it died (then every helper is given up)."""
        try:
            h.send([msgs[i] for i in idx], [sigs[i] for i in idx], [pks[i] for i in idx])
        except OSError:
            self._give_up_helpers("a verify helper died")
            return False
        return True

    def _collect(
        self, helpers: queue.SimpleQueue[_Helper | None], h: _Helper, out: BoolMask, idx: list[int],
        msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes],
    ) -> None:
        """The verdicts of the chunk just sent to ``h``, then ``h`` back to the pool; verified here if ``h`` died."""
        try:
            got = h.receive(len(idx))
        except OSError:
            self._give_up_helpers("a verify helper died")
            if idx:
                _verify_range(out, idx[0], idx[-1] + 1, msgs, sigs, pks)
        else:
            helpers.put(h)
            out[idx] = np.frombuffer(got, dtype=np.bool_)

    def verify_batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
    ) -> BoolMask:
        return self.start_batch(messages, signatures, public_keys)()

    def start_batch(
        self, messages: Sequence[bytes], signatures: Sequence[bytes], public_keys: Sequence[bytes]
    ) -> Callable[[], BoolMask]:
        """Start ``verify_batch`` on the workers; the returned callable waits for and returns the mask.

        Lets a caller do other work while the signatures are checked. Raises ValueError at once on
        mismatched lengths. The sequences must not change until the mask is returned.
        """
        n = len(messages)
        if not (n == len(signatures) == len(public_keys)):
            raise ValueError("messages, signatures and public_keys differ in length")
        out = np.zeros(n, dtype=np.bool_)
        if n <= _MIN_CHUNK or self.workers == 1:
            _verify_range(out, 0, n, messages, signatures, public_keys)
            return lambda: out
        # Several chunks per worker, taken in turn from the pool's queue: a worker slowed by other
        # threads (the node's committer, RPC threads) takes fewer, and none idles while another has
        # a long tail left, as with one fixed share each.
        helpers = self._helper_queue() if n >= self.helper_min and self._use_helpers else None
        if helpers is not None:
            idx = [i for i in range(n) if len(signatures[i]) == 64 and len(public_keys[i]) == 32]
            per = -(-len(idx) // (self.workers * _CHUNKS_PER_WORKER))
            if per >= _MIN_CHUNK:
                step, start = min(2 * _MAX_CHUNK, per), self._submit_chunk
            else:  # a small batch: one chunk per helper (each round trip costs ~0.1 ms)
                step, start = max(1, -(-len(idx) // self.workers)), self._send_chunk
            futs = [
                start(helpers, out, idx[lo : lo + step], messages, signatures, public_keys)
                for lo in range(0, len(idx), step)
            ]
        else:
            step = min(_MAX_CHUNK, max(_MIN_CHUNK, -(-n // (self.workers * _CHUNKS_PER_WORKER))))
            futs = [
                self._pool.submit(_verify_range, out, lo, min(n, lo + step), messages, signatures, public_keys)
                for lo in range(0, n, step)
            ]
        return waiter(futs, out)

    def hash_batch(self, payloads: Sequence[bytes]) -> list[bytes]:
        return sha256_each(payloads)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._use_helpers = False
            self._helpers, helpers, self._all_helpers = None, self._all_helpers, []
        self._pool.shutdown(wait=True)
        for h in helpers:
            h.close()
