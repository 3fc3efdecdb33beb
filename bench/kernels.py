#!/usr/bin/env python3
"""Kernel throughput: Ed25519 verifications/s and SHA-256 hashes/s versus batch size.

Backends measured when present:
  * libsodium (PyNaCl crypto_sign_open) on a ThreadPoolExecutor with os.cpu_count() workers;
  * the CPU build of the CUDA kernels (ledger.gpu.cpu_build, all cores);
  * the GPU (CuPy): kernel time with inputs device-resident (CUDA events) and end-to-end
    GpuBackend.verify_batch time (packing Python lists + transfers + kernel), SHA-256 of 256-byte
    payloads device-resident and with transfers.

Usage: bench/kernels.py [SIZES]   SIZES like "1k,8k,32k" (default; env KBENCH_SIZES), GPU sizes
via KBENCH_GPU_SIZES (default 1k,32k,256k,1M,4M when a GPU is present). libsodium and the CPU
build are capped at KBENCH_CPU_MAX (default 32k) items per size. Inputs are a pool of 8192
distinct valid signatures over 47-byte messages (256 keys), repeated to the batch size
(verification cost does not depend on repetition). With a GPU, parity with libsodium is checked
on a random sample (valid signatures plus single-bit mutants) and disagreements reported.
The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.gpu import gpu_available

POOL = 8192


def parse_sizes(text: str) -> list[int]:
    out = []
    for tok in text.split(","):
        tok = tok.strip().lower()
        if not tok:
            continue
        mult = 1
        if tok[-1] in "km":
            mult = 1024 if tok[-1] == "k" else 1 << 20
            tok = tok[:-1]
        out.append(int(float(tok) * mult))
    return out


def make_pool(n: int = POOL) -> tuple[list[bytes], list[bytes], list[bytes]]:
    import nacl.signing

    rnd = random.Random(2024)
    keys = [nacl.signing.SigningKey(rnd.randbytes(32)) for _ in range(256)]
    msgs = [rnd.randbytes(47) for _ in range(n)]
    sigs = [keys[i % 256].sign(m).signature for i, m in enumerate(msgs)]
    pks = [bytes(keys[i % 256].verify_key) for i in range(n)]
    return msgs, sigs, pks


def rep(items: list[bytes], n: int) -> list[bytes]:
    k = -(-n // len(items))
    return (items * k)[:n]


def libsodium_verify(pool: ThreadPoolExecutor, workers: int) -> Callable[[list[bytes], list[bytes], list[bytes]], int]:
    from nacl._sodium import ffi, lib

    def chunk(msgs: list[bytes], sigs: list[bytes], pks: list[bytes], lo: int, hi: int) -> int:
        fn = lib.crypto_sign_open
        scratch = ffi.new("unsigned char[]", 64 + max(len(m) for m in msgs[lo:hi]))
        mlen = ffi.new("unsigned long long *")
        ok = 0
        for i in range(lo, hi):
            sm = sigs[i] + msgs[i]
            ok += fn(scratch, mlen, sm, len(sm), pks[i]) == 0
        return ok

    def run(msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> int:
        n = len(msgs)
        step = max(1, -(-n // workers))
        futs = [pool.submit(chunk, msgs, sigs, pks, lo, min(n, lo + step)) for lo in range(0, n, step)]
        return sum(f.result() for f in futs)

    return run


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, res = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t)
    return best, res


def bench_gpu(
    pool_data: tuple[list[bytes], list[bytes], list[bytes]], sizes: list[int], report: dict[str, Any]
) -> None:
    import cupy as cp

    from ledger.gpu.cupy_backend import VERIFY_BLOCK, GpuBackend

    msgs, sigs, pks = pool_data
    backend = GpuBackend()
    t0 = time.perf_counter()
    _, k_fixed = backend.verify_kernels()
    backend.verify_batch(msgs[:8], sigs[:8], pks[:8])
    report["gpu_compile_s"] = round(time.perf_counter() - t0, 3)
    dev = cp.cuda.Device()
    report["gpu_device"] = cp.cuda.runtime.getDeviceProperties(dev.id)["name"].decode()
    kernel_rates, e2e_rates, packed_rates = {}, {}, {}
    for n in sizes:
        m = np.frombuffer(b"".join(rep(msgs, n)), dtype=np.uint8)
        s = np.frombuffer(b"".join(rep(sigs, n)), dtype=np.uint8)
        p = np.frombuffer(b"".join(rep(pks, n)), dtype=np.uint8)
        dm, ds, dp = cp.asarray(m), cp.asarray(s), cp.asarray(p)
        out = cp.zeros(n, dtype=cp.uint8)
        grid = ((n + VERIFY_BLOCK - 1) // VERIFY_BLOCK,)
        args = (dm, np.uint32(47), ds, dp, np.uint32(n), out)
        k_fixed(grid, (VERIFY_BLOCK,), args)
        dev.synchronize()
        best = float("inf")
        for _ in range(3):
            a, b = cp.cuda.Event(), cp.cuda.Event()
            a.record()
            k_fixed(grid, (VERIFY_BLOCK,), args)
            b.record()
            b.synchronize()
            best = min(best, cp.cuda.get_elapsed_time(a, b) / 1000)
        assert int(out.sum()) == n, "GPU rejected valid signatures"
        kernel_rates[str(n)] = round(n / best)
        del dm, ds, dp, out
        lm, ls, lp = rep(msgs, n), rep(sigs, n), rep(pks, n)
        el, res = timed(lambda lm=lm, ls=ls, lp=lp: backend.verify_batch(lm, ls, lp))
        assert bool(res.all())
        e2e_rates[str(n)] = round(n / el)
        pm, ps, pp = m.reshape(n, 47), s.reshape(n, 64), p.reshape(n, 32)
        el_p, res = timed(lambda pm=pm, ps=ps, pp=pp: backend.verify_packed(pm, ps, pp))
        assert bool(res.all())
        packed_rates[str(n)] = round(n / el_p)
        print(
            f"gpu verify n={n}: kernel {n / best / 1e6:.2f} M/s, end-to-end lists {n / el / 1e6:.2f} M/s,"
            f" end-to-end packed {n / el_p / 1e6:.2f} M/s",
            flush=True,
        )
    report["gpu_verify_kernel_per_s"] = kernel_rates
    report["gpu_verify_e2e_per_s"] = e2e_rates
    report["gpu_verify_e2e_packed_per_s"] = packed_rates
    # SHA-256 of 256-byte payloads
    _, k_sha = backend.hash_kernels()
    hsizes = [n for n in sizes if n >= 1024] or sizes
    dev_rates, xfer_rates = {}, {}
    for n in hsizes:
        host = np.random.default_rng(1).integers(0, 256, size=256 * n, dtype=np.uint8)
        dd = cp.asarray(host)
        dout = cp.empty(32 * n, dtype=cp.uint8)
        grid = ((n + 255) // 256,)
        k_sha(grid, (256,), (dd, np.uint32(256), np.uint32(n), dout))
        dev.synchronize()
        a, b = cp.cuda.Event(), cp.cuda.Event()
        a.record()
        for _ in range(5):
            k_sha(grid, (256,), (dd, np.uint32(256), np.uint32(n), dout))
        b.record()
        b.synchronize()
        dev_rates[str(n)] = round(n / (cp.cuda.get_elapsed_time(a, b) / 5000))

        def with_xfer(host: np.ndarray[Any, Any] = host, n: int = n) -> bytes:
            d = cp.asarray(host)
            o = cp.empty(32 * n, dtype=cp.uint8)
            k_sha(((n + 255) // 256,), (256,), (d, np.uint32(256), np.uint32(n), o))
            return bytes(cp.asnumpy(o[:32]).tobytes())

        el, first = timed(with_xfer, 3)
        import hashlib

        assert first == hashlib.sha256(host[:256].tobytes()).digest()
        xfer_rates[str(n)] = round(n / el)
        del dd, dout
        print(f"gpu sha256 256B n={n}: device {dev_rates[str(n)] / 1e6:.1f} M/s, with transfer {n / el / 1e6:.1f} M/s")
    report["gpu_sha256_256B_device_per_s"] = dev_rates
    report["gpu_sha256_256B_with_transfer_per_s"] = xfer_rates
    report["gpu_memory_bytes"] = backend.device_memory_bytes()
    # parity with libsodium on a random sample
    try:
        from ledger.verify.cpu import CpuBackend

        rnd = random.Random(9)
        idx = [rnd.randrange(len(msgs)) for _ in range(4000)]
        sm = [msgs[i] for i in idx]
        ss = [sigs[i] for i in idx]
        sp = [pks[i] for i in idx]
        for j in range(0, 4000, 2):  # half are single-bit mutants
            which = rnd.randrange(3)
            tgt = bytearray([sm, ss, sp][which][j])
            bit = rnd.randrange(8 * len(tgt))
            tgt[bit // 8] ^= 1 << (bit % 8)
            [sm, ss, sp][which][j] = bytes(tgt)
        cpu = CpuBackend()
        want = cpu.verify_batch(sm, ss, sp)
        cpu.close()
        got = backend.verify_batch(sm, ss, sp)
        report["gpu_parity_sample"] = len(sm)
        report["gpu_parity_disagreements"] = int((got != want).sum())
    except ImportError as exc:
        report["gpu_parity_disagreements"] = f"skipped: {exc}"
    backend.close()


def main() -> None:
    sizes = parse_sizes(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KBENCH_SIZES", "1k,8k,32k"))
    cpu_max = parse_sizes(os.environ.get("KBENCH_CPU_MAX", "32k"))[0]
    workers = os.cpu_count() or 1
    report: dict[str, Any] = {"bench": "kernels", "cpu_count": workers, "sizes": sizes}
    t = time.perf_counter()
    pool_data = make_pool()
    report["pool_sign_s"] = round(time.perf_counter() - t, 2)
    msgs, sigs, pks = pool_data
    ex = ThreadPoolExecutor(workers)
    sodium = libsodium_verify(ex, workers)
    from ledger.gpu import cpu_build

    cpu_build.ed25519_verify_batch(msgs[:4], sigs[:4], pks[:4])  # build/load outside the timing
    lib_rates, kc_rates, kc_hash = {}, {}, {}
    for n in sizes:
        if n > cpu_max:
            continue
        lm, ls, lp = rep(msgs, n), rep(sigs, n), rep(pks, n)
        el, ok = timed(lambda lm=lm, ls=ls, lp=lp: sodium(lm, ls, lp))
        assert ok == n
        lib_rates[str(n)] = round(n / el)
        el2, res = timed(lambda lm=lm, ls=ls, lp=lp: cpu_build.ed25519_verify_batch(lm, ls, lp))
        assert bool(res.all())
        kc_rates[str(n)] = round(n / el2)
        payload = os.urandom(256 * n)
        el3, _ = timed(lambda payload=payload: cpu_build.sha256_fixed(payload, 256))
        kc_hash[str(n)] = round(n / el3)
        print(f"n={n}: libsodium {n / el:.0f}/s, cpu-kernel {n / el2:.0f}/s, cpu-kernel sha256 {n / el3:.0f}/s")
    ex.shutdown()
    report["libsodium_verify_per_s"] = lib_rates
    report["cpu_kernel_verify_per_s"] = kc_rates
    report["cpu_kernel_sha256_256B_per_s"] = kc_hash
    if lib_rates:
        top = max(lib_rates, key=int)
        report["ratio_cpu_kernel_to_libsodium"] = round(kc_rates[top] / lib_rates[top], 3)
    report["gpu"] = gpu_available()
    if report["gpu"]:
        gsizes = parse_sizes(os.environ.get("KBENCH_GPU_SIZES", "1k,32k,256k,1M,4M"))
        bench_gpu(pool_data, gsizes, report)
        top = max(report["gpu_verify_kernel_per_s"], key=int)
        if lib_rates:
            ltop = max(lib_rates, key=int)
            report["ratio_gpu_kernel_to_libsodium"] = round(report["gpu_verify_kernel_per_s"][top] / lib_rates[ltop], 2)
    out = json.dumps(report, sort_keys=True)
    if os.environ.get("OUT"):
        Path(os.environ["OUT"], "kernels_bench.json").write_text(out + "\n")
    print(out)


if __name__ == "__main__":
    main()
