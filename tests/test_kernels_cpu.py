"""Parity of the CUDA kernel sources, compiled for the CPU (ledger.gpu.cpu_build), with
libsodium (PyNaCl) and hashlib. Every comparison asserts ZERO disagreements.

Coverage:
* Ed25519: every Wycheproof vector (tests/vectors/ed25519_test.json), verdict == libsodium and ==
  the vector's valid/invalid result; RFC 8032 TEST 1, 2, 3, 1024, SHA(abc); crafted edge cases
  (S = L, L+1, L-1, 2^256-1, S+L, every small-order encoding of R and of A with and without the
  sign bit, non-canonical y = p..p+18 for A and R, the identity, off-curve A and R, forgeries that
  satisfy the cofactorless equation but use a small-order R or A, a mixed-order A that libsodium
  accepts, wrong lengths); 100,000 random valid signatures over 47-byte messages (256 keys) in one
  batch; single-bit mutations of every bit position of the signature (512), key (256) and message
  (376), each applied to a different item of the set (1,144 mutants); the keyed CPU verifier
  (ledger.verify.keyed) is held to the same verdicts on those 100k signatures and mutants.
* the libsodium small-order blacklist, checked empirically against PyNaCl entry by entry;
* scalar reduction mod L against Python integers (random and extreme inputs);
* SHA-256 for every length 0..300 and several large payloads; Merkle leaf and node levels against
  a pure-Python RFC 6962 computation.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import nacl.signing
import pytest

from ledger.gpu import cpu_build
from ledger.verify.cpu import CpuBackend, verify_one
from ledger.verify.keyed import KeyedBackend

sys.path.insert(0, str(Path(__file__).parent))
import kernels_vectors as kv

ROOT = Path(__file__).resolve().parents[1]


def _nacl(msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> list[bool]:
    return [verify_one(m, s, p) for m, s, p in zip(msgs, sigs, pks, strict=True)]


def test_tables_are_generated_output() -> None:
    res = subprocess.run([sys.executable, str(ROOT / "kernels" / "gen_tables.py"), "--check"], check=False)
    assert res.returncode == 0, "kernels/ge25519_table.cuh is stale: run python3 kernels/gen_tables.py"


def test_wycheproof_all_vectors() -> None:
    cases = kv.wycheproof()
    msgs = [c[1] for c in cases]
    sigs = [c[2] for c in cases]
    pks = [c[3] for c in cases]
    got = cpu_build.ed25519_verify_batch(msgs, sigs, pks)
    want = _nacl(msgs, sigs, pks)
    bad = [cases[i][0] for i in range(len(cases)) if bool(got[i]) != want[i]]
    assert bad == [], f"kernel/libsodium disagree on tcIds {bad}"
    for i, c in enumerate(cases):
        if c[4] in ("valid", "invalid"):
            assert bool(got[i]) == (c[4] == "valid"), f"tcId {c[0]}"
    assert len(cases) >= 145


def test_rfc8032_vectors() -> None:
    msgs, sigs, pks = [], [], []
    for _name, seed, pk, msg, sig in kv.RFC8032:
        key = nacl.signing.SigningKey(bytes.fromhex(seed))
        assert bytes(key.verify_key).hex() == pk
        assert key.sign(bytes.fromhex(msg)).signature.hex() == sig
        msgs.append(bytes.fromhex(msg))
        sigs.append(bytes.fromhex(sig))
        pks.append(bytes.fromhex(pk))
    assert len(msgs[3]) == 1023
    got = cpu_build.ed25519_verify_batch(msgs, sigs, pks)
    assert got.tolist() == [True] * 5
    # and one flipped bit anywhere makes each of them fail, like libsodium
    bad_sigs = [s[:10] + bytes([s[10] ^ 1]) + s[11:] for s in sigs]
    assert cpu_build.ed25519_verify_batch(msgs, bad_sigs, pks).tolist() == _nacl(msgs, bad_sigs, pks)


def test_edge_cases() -> None:
    cases = kv.edge_cases()
    msgs = [c[1] for c in cases]
    sigs = [c[2] for c in cases]
    pks = [c[3] for c in cases]
    got = cpu_build.ed25519_verify_batch(msgs, sigs, pks)
    want = _nacl(msgs, sigs, pks)
    bad = [cases[i][0] for i in range(len(cases)) if bool(got[i]) != want[i]]
    assert bad == []
    accepted = {cases[i][0] for i in range(len(cases)) if want[i]}
    assert accepted == {"valid", "A mixed order, equation holds"}
    assert any(c[0].startswith("A torsion") for c in cases)


def test_small_order_blacklist_matches_libsodium() -> None:
    """Each of the 7 encodings, with and without the sign bit, is rejected by libsodium as R and
    as A; and for R = identity and for each small-order A, a signature that satisfies the
    cofactorless equation exists (kv.edge_cases) and is still rejected."""
    key = nacl.signing.SigningKey(bytes(range(32)))
    pk = bytes(key.verify_key)
    m = b"x" * 47
    sig = key.sign(m).signature
    assert verify_one(m, sig, pk)
    for e in kv.SMALL_ORDER_BLACKLIST:
        for v in (e, kv.with_sign(e)):
            assert not verify_one(m, v + sig[32:], pk)
            assert not verify_one(m, sig, v)
            assert not cpu_build.ed25519_verify_batch([m], [v + sig[32:]], [pk])[0]
            assert not cpu_build.ed25519_verify_batch([m], [sig], [v])[0]
    # the list is the set of small-order y values plus their non-canonical y+p forms
    ys = sorted({t[1] for t in kv.torsion_points()})
    expect = [y.to_bytes(32, "little") for y in ys] + [(y + kv.P).to_bytes(32, "little") for y in ys if y < 19]
    assert sorted(expect) == sorted(kv.SMALL_ORDER_BLACKLIST)


@pytest.mark.slow
def test_random_valid_100k_and_mutations() -> None:
    rnd = random.Random(47)
    keys = [nacl.signing.SigningKey(rnd.randbytes(32)) for _ in range(256)]
    n = 100_000
    msgs = [rnd.randbytes(47) for _ in range(n)]
    sigs, pks = [], []
    for i, m in enumerate(msgs):
        k = keys[i % 256]
        sigs.append(k.sign(m).signature)
        pks.append(bytes(k.verify_key))
    got = cpu_build.ed25519_verify_batch(msgs, sigs, pks)
    backend = CpuBackend()
    try:
        want = backend.verify_batch(msgs, sigs, pks)
    finally:
        backend.close()
    assert int((got != want).sum()) == 0
    assert bool(got.all())
    muts = kv.mutations(msgs, sigs, pks)
    assert len(muts) == 512 + 256 + 376
    mm = [x[0] for x in muts]
    ms = [x[1] for x in muts]
    mp = [x[2] for x in muts]
    got_m = cpu_build.ed25519_verify_batch(mm, ms, mp)
    want_m = _nacl(mm, ms, mp)
    assert [bool(x) for x in got_m] == want_m
    # the keyed CPU verifier on the same 100k signatures (256 keys) and mutants
    if KeyedBackend.available():
        keyed = KeyedBackend()
        try:
            assert int((keyed.verify_batch(msgs, sigs, pks) != want).sum()) == 0
            assert [bool(x) for x in keyed.verify_batch(mm, ms, mp)] == want_m
        finally:
            keyed.close()


def test_variable_length_messages() -> None:
    rnd = random.Random(5)
    key = nacl.signing.SigningKey(rnd.randbytes(32))
    pk = bytes(key.verify_key)
    msgs = [rnd.randbytes(n) for n in (0, 1, 46, 47, 48, 63, 64, 111, 112, 127, 128, 239, 240, 1000, 5000)]
    sigs = [key.sign(m).signature for m in msgs]
    assert cpu_build.ed25519_verify_batch(msgs, sigs, [pk] * len(msgs)).all()
    flipped = [m + b"\0" for m in msgs]
    assert not cpu_build.ed25519_verify_batch(flipped, sigs, [pk] * len(msgs)).any()


def test_scalar_reduce() -> None:
    rnd = random.Random(1)
    vals = [0, 1, kv.L - 1, kv.L, kv.L + 1, 2 * kv.L, 2**252, 2**253 - 1, 2**256 - 1, 2**512 - 1, 2**511]
    vals += [rnd.getrandbits(512) for _ in range(2000)]
    vals += [rnd.getrandbits(rnd.randrange(1, 513)) for _ in range(2000)]
    vals += [kv.L * rnd.getrandbits(259) + d for d in (-1, 0, 1) for _ in range(50)]
    for v in vals:
        v %= 2**512
        got = int.from_bytes(cpu_build.sc_reduce512(v.to_bytes(64, "little")), "little")
        assert got == v % kv.L, hex(v)


def test_sha256_lengths() -> None:
    rnd = random.Random(2)
    payloads = [rnd.randbytes(n) for n in range(301)]
    payloads += [rnd.randbytes(n) for n in (1000, 4095, 4096, 65537, 1 << 20)]
    assert cpu_build.sha256_batch(payloads) == [hashlib.sha256(p).digest() for p in payloads]
    # unaligned starts: payloads packed back to back with odd lengths
    odd = [rnd.randbytes(rnd.randrange(0, 200) | 1) for _ in range(500)]
    assert cpu_build.sha256_batch(odd) == [hashlib.sha256(p).digest() for p in odd]
    assert cpu_build.sha256_batch([]) == []
    fixed = rnd.randbytes(256 * 100)
    assert cpu_build.sha256_fixed(fixed, 256) == [
        hashlib.sha256(fixed[256 * i : 256 * i + 256]).digest() for i in range(100)
    ]


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash, straight from the definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def test_merkle_levels_and_leaves() -> None:
    rnd = random.Random(3)
    for length in (0, 1, 31, 32, 55, 56, 63, 64, 100, 256):
        leaves = [rnd.randbytes(length) for _ in range(37)]
        if length:
            got = cpu_build.leaf_hashes(b"".join(leaves), length)
            assert got == [hashlib.sha256(b"\x00" + x).digest() for x in leaves]
    for k in range(0, 11):
        leaves = [rnd.randbytes(40) for _ in range(2**k)]
        level = b"".join(cpu_build.leaf_hashes(b"".join(leaves), 40))
        while len(level) > 32:
            level = cpu_build.merkle_level(level)
        assert level == _mth(leaves), k
    for n in (2, 3, 5, 7, 1001):
        nodes = os.urandom(32 * n)
        want = b"".join(hashlib.sha256(b"\x01" + nodes[64 * i : 64 * i + 64]).digest() for i in range(n // 2))
        if n % 2:
            want += nodes[-32:]
        assert cpu_build.merkle_level(nodes) == want
    assert cpu_build.merkle_level(b"a" * 32) == b"a" * 32


def test_kernel_backend_protocol() -> None:
    from ledger.gpu.kernel_backend import KernelCpuBackend

    b = KernelCpuBackend()
    key = nacl.signing.SigningKey(bytes(32))
    m = b"m" * 47
    s = key.sign(m).signature
    assert b.verify_batch([m, m], [s, s[:63]], [bytes(key.verify_key)] * 2).tolist() == [True, False]
    assert b.hash_batch([b"abc"]) == [hashlib.sha256(b"abc").digest()]
    with pytest.raises(ValueError):
        b.verify_batch([m], [], [])
    b.close()
