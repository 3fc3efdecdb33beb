"""The signature rule on the CPU path (libsodium), against Wycheproof and crafted edge cases.

The GPU kernel's parity tests (test_kernels_*) check the same vectors against this path.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nacl.signing
import pytest

from ledger.errors import InvalidArgument
from ledger.members import check_registrable_key
from ledger.records.signing import MESSAGE_LEN, EntryKind, signing_message
from ledger.verify import CpuBackend

VECTORS = Path(__file__).parent / "vectors" / "ed25519_test.json"
L = 2**252 + 27742317777372353535851937790883648493
P = 2**255 - 19


def _cases() -> list[tuple[int, bytes, bytes, bytes, bool]]:
    doc = json.loads(VECTORS.read_text())
    out = []
    for g in doc["testGroups"]:
        pk = bytes.fromhex(g["publicKey"]["pk"])
        for t in g["tests"]:
            out.append((t["tcId"], pk, bytes.fromhex(t["msg"]), bytes.fromhex(t["sig"]), t["result"] == "valid"))
    return out


def test_wycheproof_all_vectors_match_expected() -> None:
    cases = _cases()
    assert len(cases) == 150 or len(cases) == 151
    be = CpuBackend(2)
    got = be.verify_batch([c[2] for c in cases], [c[3] for c in cases], [c[1] for c in cases])
    wrong = [c[0] for c, g in zip(cases, got, strict=True) if bool(g) != c[4]]
    assert wrong == [], f"Wycheproof cases decided wrongly: {wrong}"


def _valid() -> tuple[bytes, bytes, bytes]:
    k = nacl.signing.SigningKey(b"\x11" * 32)
    m = signing_message(EntryKind.RECORD, b"\x22" * 32)
    return m, k.sign(m).signature, bytes(k.verify_key)


@pytest.mark.parametrize(
    "name,s",
    [("S = L", L), ("S = L + 1", L + 1), ("S = 2^256 - 1", 2**256 - 1)],
)
def test_non_canonical_s_refused(name: str, s: int) -> None:
    m, sig, pk = _valid()
    bad = sig[:32] + s.to_bytes(32, "little")
    assert not CpuBackend(1).verify_batch([m], [bad], [pk])[0], name


def test_s_plus_l_malleability_refused() -> None:
    m, sig, pk = _valid()
    s = int.from_bytes(sig[32:], "little") + L
    if s < 2**256:
        assert not CpuBackend(1).verify_batch([m], [sig[:32] + s.to_bytes(32, "little")], [pk])[0]


SMALL_ORDER = [
    bytes.fromhex("0100000000000000000000000000000000000000000000000000000000000000"),  # identity
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),  # order 2 (y = -1)
    bytes.fromhex("0000000000000000000000000000000000000000000000000000000000000000"),  # order 4 (y = 0)
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),  # order 8
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  # order 8
]


@pytest.mark.parametrize("point", SMALL_ORDER, ids=["identity", "order2", "order4", "order8a", "order8b"])
def test_small_order_keys_refused_for_registration_and_signing(point: bytes) -> None:
    with pytest.raises(InvalidArgument):
        check_registrable_key(point)
    m, sig, _ = _valid()
    assert not CpuBackend(1).verify_batch([m], [sig], [point])[0]


@pytest.mark.parametrize("point", SMALL_ORDER, ids=["identity", "order2", "order4", "order8a", "order8b"])
def test_small_order_r_refused(point: bytes) -> None:
    m, sig, pk = _valid()
    assert not CpuBackend(1).verify_batch([m], [point + sig[32:]], [pk])[0]


def test_non_canonical_key_refused() -> None:
    y = (P + 1).to_bytes(32, "little")  # y >= p
    with pytest.raises(InvalidArgument):
        check_registrable_key(y)


def test_key_not_of_prime_order_refused_for_registration() -> None:
    # A valid key plus a small-order point is on the curve but not in the prime-order subgroup.
    import nacl.bindings as sodium

    pk = bytes(nacl.signing.SigningKey(b"\x33" * 32).verify_key)
    mixed = sodium.crypto_core_ed25519_add(pk, SMALL_ORDER[3])
    with pytest.raises(InvalidArgument, match="prime order"):
        check_registrable_key(mixed)
    check_registrable_key(pk)


def test_wrong_lengths_are_false_not_errors() -> None:
    m, sig, pk = _valid()
    got = CpuBackend(1).verify_batch([m, m, m], [sig[:63], sig, sig + b"\x00"], [pk, pk[:31], pk])
    assert list(got) == [False, False, False]


def test_single_bit_mutations_all_refused() -> None:
    m, sig, pk = _valid()
    assert len(m) == MESSAGE_LEN
    msgs, sigs, pks = [], [], []
    for bit in range(len(m) * 8):
        mm = bytearray(m)
        mm[bit // 8] ^= 1 << (bit % 8)
        msgs.append(bytes(mm)), sigs.append(sig), pks.append(pk)
    for bit in range(512):
        ss = bytearray(sig)
        ss[bit // 8] ^= 1 << (bit % 8)
        msgs.append(m), sigs.append(bytes(ss)), pks.append(pk)
    for bit in range(256):
        kk = bytearray(pk)
        kk[bit // 8] ^= 1 << (bit % 8)
        msgs.append(m), sigs.append(sig), pks.append(bytes(kk))
    got = CpuBackend(2).verify_batch(msgs, sigs, pks)
    assert not got.any(), f"{int(got.sum())} mutated signatures verified"


def test_batch_order_and_mixed_verdicts() -> None:
    k = nacl.signing.SigningKey(b"\x44" * 32)
    pk = bytes(k.verify_key)
    msgs = [signing_message(EntryKind.RECORD, os.urandom(32)) for _ in range(500)]
    sigs = [k.sign(m).signature for m in msgs]
    bad = set(range(0, 500, 7))
    sigs = [bytes(64) if i in bad else s for i, s in enumerate(sigs)]
    got = CpuBackend(2).verify_batch(msgs, sigs, [pk] * 500)
    assert [i for i in range(500) if not got[i]] == sorted(bad)
