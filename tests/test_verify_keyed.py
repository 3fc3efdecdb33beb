"""The keyed CPU verifier (ledger.verify.keyed, kernels/ed25519_keyed_cpu.cpp) gives libsodium's
verdict on every input of the shared vector suite (tests/kernels_vectors.py), as the kernel's CPU
build does: all Wycheproof Ed25519 vectors, RFC 8032, the crafted edge cases (S = L, L+1, 2^256-1,
S+L, every small-order R and A with and without the sign bit, non-canonical y for A and R, off-curve
points, cofactorless forgeries with small-order R or A, a mixed-order A that libsodium accepts),
random valid signatures under many keys with single-bit mutations of every position, and messages
of many lengths; its radix-2^51 field code against integers at the edges of its limb bounds. Also:
keys the rule refuses, table eviction inside a batch, concurrent callers, two nodes (libsodium and
keyed) answering one mixed batch alike, backend selection and its gauge, and the client's choice.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import nacl.signing
import pytest
from prometheus_client import generate_latest

from ledger.cli.home import init_home
from ledger.client import LedgerClient, RecordSigner, open_channel
from ledger.client import client as client_mod
from ledger.gpu import gpu_available
from ledger.records.signing import EntryKind
from ledger.service.server import build_server
from ledger.verify import CpuBackend, make_backend, verify_one
from ledger.verify.keyed import KeyedBackend

from conftest import BANKS, Home, open_node

sys.path.insert(0, str(Path(__file__).parent))
import kernels_vectors as kv

pytestmark = pytest.mark.skipif(not KeyedBackend.available(), reason="no C++ compiler for the keyed verifier")


@pytest.fixture(scope="module")
def keyed() -> KeyedBackend:
    b = KeyedBackend(workers=2)
    yield b
    b.close()


def _sodium(msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> list[bool]:
    return [verify_one(m, s, p) for m, s, p in zip(msgs, sigs, pks, strict=True)]


def _check(b: KeyedBackend, msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> list[bool]:
    got = [bool(x) for x in b.verify_batch(msgs, sigs, pks)]
    want = _sodium(msgs, sigs, pks)
    bad = [i for i in range(len(msgs)) if got[i] != want[i]]
    assert bad == [], f"keyed verifier and libsodium disagree on items {bad[:20]}"
    return got


def test_wycheproof_all_vectors(keyed: KeyedBackend) -> None:
    cases = kv.wycheproof()
    got = _check(keyed, [c[1] for c in cases], [c[2] for c in cases], [c[3] for c in cases])
    for i, c in enumerate(cases):
        if c[4] in ("valid", "invalid"):
            assert got[i] == (c[4] == "valid"), f"tcId {c[0]}"
    assert len(cases) >= 145 and 0 < sum(got) < len(cases)


def test_rfc8032_vectors(keyed: KeyedBackend) -> None:
    msgs = [bytes.fromhex(v[3]) for v in kv.RFC8032]
    sigs = [bytes.fromhex(v[4]) for v in kv.RFC8032]
    pks = [bytes.fromhex(v[2]) for v in kv.RFC8032]
    assert _check(keyed, msgs, sigs, pks) == [True] * 5
    flipped = [s[:10] + bytes([s[10] ^ 1]) + s[11:] for s in sigs]
    assert _check(keyed, msgs, flipped, pks) == [False] * 5


def test_edge_cases(keyed: KeyedBackend) -> None:
    cases = kv.edge_cases()
    got = _check(keyed, [c[1] for c in cases], [c[2] for c in cases], [c[3] for c in cases])
    accepted = {cases[i][0] for i in range(len(cases)) if got[i]}
    assert accepted == {"valid", "A mixed order, equation holds"}
    assert any(c[0].startswith("A torsion") for c in cases)


def test_small_order_r_and_a_refused(keyed: KeyedBackend) -> None:
    key = nacl.signing.SigningKey(bytes(range(32)))
    pk, m = bytes(key.verify_key), b"x" * 47
    sig = key.sign(m).signature
    msgs, sigs, pks = [m], [sig], [pk]
    for e in kv.SMALL_ORDER_BLACKLIST:
        for v in (e, kv.with_sign(e)):
            msgs += [m, m]
            sigs += [v + sig[32:], sig]
            pks += [pk, v]
    assert _check(keyed, msgs, sigs, pks) == [True] + [False] * (len(msgs) - 1)


def test_random_signatures_many_keys_and_every_bit_mutation(keyed: KeyedBackend) -> None:
    rnd = random.Random(20261129)
    keys = [nacl.signing.SigningKey(rnd.randbytes(32)) for _ in range(40)]
    msgs = [rnd.randbytes(47) for _ in range(4000)]
    sigs = [keys[i % 40].sign(m).signature for i, m in enumerate(msgs)]
    pks = [bytes(keys[i % 40].verify_key) for i in range(len(msgs))]
    assert all(_check(keyed, msgs, sigs, pks))
    muts = kv.mutations(msgs, sigs, pks)
    assert len(muts) == 512 + 256 + 376
    got = _check(keyed, [x[0] for x in muts], [x[1] for x in muts], [x[2] for x in muts])
    assert not any(got[:512])  # every signature bit matters


def test_variable_length_messages(keyed: KeyedBackend) -> None:
    rnd = random.Random(5)
    key = nacl.signing.SigningKey(rnd.randbytes(32))
    pk = bytes(key.verify_key)
    msgs = [rnd.randbytes(n) for n in (0, 1, 46, 47, 48, 63, 64, 111, 112, 127, 128, 239, 240, 1000, 5000)]
    sigs = [key.sign(m).signature for m in msgs]
    assert all(_check(keyed, msgs, sigs, [pk] * len(msgs)))
    assert not any(_check(keyed, [m + b"\0" for m in msgs], sigs, [pk] * len(msgs)))


def test_wrong_lengths_are_false_and_mismatched_batches_raise(keyed: KeyedBackend) -> None:
    key = nacl.signing.SigningKey(bytes(32))
    pk, m = bytes(key.verify_key), b"m" * 47
    sig = key.sign(m).signature
    got = keyed.verify_batch([m] * 5, [sig, sig[:63], sig + b"\0", sig, b""], [pk, pk, pk, pk[:31], pk])
    assert got.tolist() == [True, False, False, False, False]
    assert keyed.verify_batch([], [], []).tolist() == []
    with pytest.raises(ValueError, match="differ in length"):
        keyed.verify_batch([m, m], [sig], [pk])


def test_refused_key_refuses_every_signature_and_is_remembered() -> None:
    b = KeyedBackend(workers=1)
    try:
        off_curve = next(
            y.to_bytes(32, "little") for y in range(2, 100) if kv.recover_x(y, 0) is None
        )
        non_canonical = (kv.P + 2).to_bytes(32, "little")
        m, sig = b"m" * 47, nacl.signing.SigningKey(bytes(32)).sign(b"m" * 47).signature
        bad_keys = [off_curve, non_canonical, kv.SMALL_ORDER_BLACKLIST[2]]
        assert _check(b, [m] * 3, [sig] * 3, bad_keys) == [False] * 3
        assert all(b._tables[k] is None for k in bad_keys)
    finally:
        b.close()


def test_more_keys_than_tables_and_eviction_during_a_batch_keep_verdicts() -> None:
    """A batch with more distinct keys than the table cache holds checks the rarest with libsodium;
    a table evicted by another batch while an earlier one still uses it stays alive; a batch whose
    waiter is dropped unread finishes without touching freed tables."""
    b = KeyedBackend(workers=2, max_keys=2)
    try:
        rnd = random.Random(9)
        keys = [nacl.signing.SigningKey(rnd.randbytes(32)) for _ in range(7)]
        msgs = [rnd.randbytes(47) for _ in range(70)]
        sigs = [keys[i % 7].sign(m).signature for i, m in enumerate(msgs)]
        pks = [bytes(keys[i % 7].verify_key) for i in range(70)]
        sigs[3] = sigs[4]
        for _ in range(3):
            got = _check(b, msgs, sigs, pks)
            assert got.count(False) == 1 and not got[3]
        assert len(b._tables) == 2
        big = [rnd.randbytes(47) for _ in range(3000)]
        big_sigs = [keys[0].sign(m).signature for m in big]
        dropped = b.start_batch(big, big_sigs, [pks[0]] * len(big))
        del dropped  # never read: its threads must still hold the table they use
        first = b.start_batch(big, big_sigs, [pks[0]] * len(big))
        for k in (1, 2, 3):  # evict key 0's table while both batches still run
            assert _check(b, msgs[k::7], sigs[k::7], pks[k::7]) == _sodium(msgs[k::7], sigs[k::7], pks[k::7])
        assert pks[0] not in b._tables
        assert bool(first().all())
    finally:
        b.close()


def test_concurrent_callers_share_tables(keyed: KeyedBackend) -> None:
    rnd = random.Random(3)
    keys = [nacl.signing.SigningKey(rnd.randbytes(32)) for _ in range(3)]
    batches = []
    for t in range(6):
        msgs = [rnd.randbytes(47) for _ in range(60)]
        sigs = [keys[i % 3].sign(m).signature for i, m in enumerate(msgs)]
        sigs[t] = sigs[t][:40] + bytes([sigs[t][40] ^ 4]) + sigs[t][41:]
        batches.append((msgs, sigs, [bytes(keys[i % 3].verify_key) for i in range(60)]))
    results: dict[int, list[bool]] = {}

    def run(t: int) -> None:
        results[t] = [bool(x) for x in keyed.start_batch(*batches[t])()]

    threads = [threading.Thread(target=run, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    for t in range(6):
        assert results[t] == [i != t for i in range(60)]


def test_client_verifier_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client verifies with the keyed backend where it builds; the environment can ask for libsodium."""
    monkeypatch.setattr(client_mod, "_shared", None)
    assert isinstance(client_mod.shared_verifier(), KeyedBackend)
    client_mod.shared_verifier().close()
    monkeypatch.setattr(client_mod, "_shared", None)
    monkeypatch.setenv(client_mod.VERIFIER_ENV, "libsodium")
    chosen = client_mod.shared_verifier()
    assert isinstance(chosen, CpuBackend)
    chosen.close()
    monkeypatch.setattr(client_mod, "_shared", None)
    monkeypatch.setenv(client_mod.VERIFIER_ENV, "gpu")
    with pytest.raises(ValueError, match=client_mod.VERIFIER_ENV):
        client_mod.shared_verifier()


def test_mixed_order_keys_and_r_accepted_exactly_when_libsodium_does(keyed: KeyedBackend) -> None:
    """A' = [a]B + T and R' = [r]B + T2 for torsion points T, T2: the cofactorless equation holds
    only for some messages (k = 0 mod the order of T); the verdicts must match libsodium's one by one."""
    rnd = random.Random(11)
    msgs, sigs, pks = [], [], []
    tors = kv.torsion_points()
    for t in (tors[1], tors[2], tors[4]):  # orders 8, 4 and 2
        a = rnd.randrange(1, kv.L)
        pk = kv.enc(kv.add(kv.mul(a, kv.B), t))
        for j in range(10):
            m, r = rnd.randbytes(47), rnd.randrange(1, kv.L)
            rb = kv.enc(kv.add(kv.mul(r, kv.B), tors[j % 8]) if j % 2 else kv.mul(r, kv.B))
            msgs.append(m)
            sigs.append(rb + ((r + kv.hram(rb, pk, m) * a) % kv.L).to_bytes(32, "little"))
            pks.append(pk)
    got = _check(keyed, msgs, sigs, pks)
    assert 0 < sum(got) < len(got)


def _fe_cases() -> list[list[int]]:
    """Limb vectors (5 x 51-bit positions, each limb < 2^52, the bound the field code promises to
    accept): extremes around 0, p and 2^255, all-maximal limbs, and random ones."""
    m51, top = (1 << 51) - 1, (1 << 52) - 1
    p_limbs = [(kv.P >> (51 * i)) & m51 for i in range(5)]
    fixed = [
        [0] * 5, [1, 0, 0, 0, 0], [top] * 5, [m51] * 5, p_limbs, [p_limbs[0] + 1, *p_limbs[1:]],
        [p_limbs[0] - 1, *p_limbs[1:]], [p_limbs[0] + 18, *p_limbs[1:]], [p_limbs[0] + 19, *p_limbs[1:]],
        [top, 0, top, 0, top], [0, top, 0, top, 0], [19, 0, 0, 0, 1 << 51], [m51, m51, m51, m51, top],
    ]
    rnd = random.Random(51)
    rand = [[rnd.randrange(top + 1) for _ in range(5)] for _ in range(300)]
    rand += [[rnd.choice([0, 1, m51, top, rnd.randrange(top + 1)]) for _ in range(5)] for _ in range(300)]
    return fixed + rand


def test_field_arithmetic_against_integers() -> None:
    """The radix-2^51 field code, at the edges of its limb bounds, against Python integers mod p."""
    import ctypes

    from ledger.verify import keyed as keyed_mod

    lib = keyed_mod._load()
    lib.cl51_fe_op.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.cl51_fe_op.restype = None
    p = kv.P

    def run(op: int, a: list[int], b: list[int]) -> int:
        la, lb, out = (ctypes.c_uint64 * 5)(*a), (ctypes.c_uint64 * 5)(*b), ctypes.create_string_buffer(32)
        lib.cl51_fe_op(op, la, lb, out)
        return int.from_bytes(out.raw, "little")

    def val(limbs: list[int]) -> int:
        return sum(x << (51 * i) for i, x in enumerate(limbs))

    cases = _fe_cases()
    rnd = random.Random(52)
    for a in cases:
        b = rnd.choice(cases)
        x, y = val(a) % p, val(b) % p
        assert run(7, a, b) == x
        assert run(0, a, b) == x * y % p
        assert run(1, a, b) == x * x % p
        assert run(2, a, b) == (x + y) % p
        assert run(3, a, b) == (x - y) % p
        assert run(4, a, b) == -x % p
        assert run(5, a, b) == pow(x, p - 2, p)
        assert run(6, a, b) == pow(x, (p - 5) // 8, p)


def test_nodes_on_libsodium_and_on_the_keyed_verifier_give_the_same_results(tmp_path: Path) -> None:
    """Rule 5 at the node: one mixed batch (good records, a flipped signature bit, a signature by
    another key, a zero signature), sent over gRPC to a node on ``cpu`` and to one on ``keyed``,
    gets the same outcome, refusal code and reason per record, and the same tree."""
    init_home(tmp_path / "base", {b: ["furnisher", "inquirer"] for b in BANKS}, listen="127.0.0.1:0")
    outcomes = {}
    for backend in ("cpu", "keyed"):
        shutil.copytree(tmp_path / "base", tmp_path / backend)  # one consortium, two nodes
        home = Home(tmp_path / backend, tmp_path / backend / "config.json")
        signed = home.sign(home.records(4, 2, seed=21))
        flipped = type(signed[0])()
        flipped.CopyFrom(signed[1])
        flipped.signature = flipped.signature[:5] + bytes([flipped.signature[5] ^ 16]) + flipped.signature[6:]
        other = type(signed[0])()
        other.CopyFrom(signed[2])
        other.signature = RecordSigner.generate().sign_payload(other.payload, EntryKind.RECORD).signature
        zero = type(signed[0])()
        zero.CopyFrom(signed[3])
        zero.signature = bytes(64)
        batch = [signed[0], flipped, other, zero, *signed[4:]]
        node = open_node(home, verify_backend=backend)
        assert node.backend.name == backend
        server, port = build_server(node, "127.0.0.1:0", insecure_dev=True)
        server.start()
        channel = open_channel(f"127.0.0.1:{port}")
        try:
            res = LedgerClient(channel, home.node_public_key).submit(batch)
            head = node.store.latest_checkpoint()
            outcomes[backend] = (
                [(r.WhichOneof("outcome"), r.refusal.code, r.refusal.reason) for r in res],
                head.tree_size if head else 0,
                head.root_hash if head else b"",
            )
        finally:
            channel.close()
            server.stop(grace=None).wait()
            node.close()
    kinds = [o[0] for o in outcomes["cpu"][0]]
    assert kinds[:4] == ["receipt", "refusal", "refusal", "refusal"] and set(kinds[4:]) == {"receipt"}
    assert outcomes["cpu"] == outcomes["keyed"]


def test_backend_selection_and_its_gauge(home: Home) -> None:
    """``keyed`` leaves one core to the node's Python stages unless told otherwise; ``auto`` stays
    on libsodium where there is no GPU (keyed is opt-in for nodes); the node's backend gauge names it."""
    b = make_backend("keyed")
    assert isinstance(b, KeyedBackend) and b.workers == max(1, (os.cpu_count() or 1) - 1)
    b.close()
    b = make_backend("keyed", workers=3)
    assert isinstance(b, KeyedBackend) and b.workers == 3
    b.close()
    if not gpu_available():
        b = make_backend("auto")
        assert isinstance(b, CpuBackend)
        b.close()
    node = open_node(home, verify_backend="keyed")
    try:
        text = generate_latest(node.metrics.registry).decode()
        assert 'creditledger_verify_backend{backend="keyed"} 1.0' in text
        assert 'creditledger_verify_backend{backend="cpu"} 0.0' in text
    finally:
        node.close()


def test_without_a_compiler_nodes_and_clients_fall_back_to_libsodium(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the library cannot be built (no compiler, no sources), the client uses libsodium and a
    node asking for ``keyed`` gets a clear error."""
    from ledger.gpu import cpu_build, sources
    from ledger.verify import keyed as keyed_mod

    for err in (cpu_build.KernelBuildError("no C++ compiler (g++) found on PATH; set CXX"),
                sources.KernelSourceError("kernel sources not found")):
        def fail(entry: str = "", err: Exception = err) -> Path:
            raise err

        monkeypatch.setattr(keyed_mod, "_lib", None)
        monkeypatch.setattr(cpu_build, "build", fail)
        assert not KeyedBackend.available()
        with pytest.raises(RuntimeError, match="keyed"):
            make_backend("keyed")
        monkeypatch.setattr(client_mod, "_shared", None)
        chosen = client_mod.shared_verifier()
        assert isinstance(chosen, CpuBackend)
        chosen.close()


def test_every_cpu_verifier_passes_the_rule_probe_and_a_stray_one_is_refused(home: Home) -> None:
    """The start-up probe (ledger.verify.probe) passes for libsodium, keyed and the kernel's CPU
    build, and refuses verifiers that accept everything, refuse everything, or accept the cofactored
    equation (simulated by flipping the probe's mixed-order verdict)."""
    import numpy as np

    from ledger.gpu.kernel_backend import KernelCpuBackend
    from ledger.verify.probe import PROBES, RuleMismatch, probe

    for backend in (CpuBackend(), KeyedBackend(), KernelCpuBackend()):
        probe(backend.name, backend.verify_batch)
        backend.close()

    def cofactored(msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes]) -> np.ndarray:
        out = np.array([verify_one(m, s, p) for m, s, p in zip(msgs, sigs, pks, strict=True)])
        out[[i for i, p in enumerate(PROBES) if "cofactored" in p[0]]] = True
        return out

    with pytest.raises(RuleMismatch, match="mixed-order key, cofactored equation only"):
        probe("cofactored", cofactored)

    def malleable(msgs: Sequence[bytes], sigs: Sequence[bytes], pks: Sequence[bytes]) -> np.ndarray:
        out = np.array([verify_one(m, s, p) for m, s, p in zip(msgs, sigs, pks, strict=True)])
        out[[i for i, p in enumerate(PROBES) if p[0] == "S + L"]] = True
        return out

    with pytest.raises(RuleMismatch, match="malleable accepts the probe 'S \\+ L'"):
        probe("malleable", malleable)
    with pytest.raises(RuleMismatch, match="lenient accepts the probe 'mixed-order key"):
        probe("lenient", lambda m, s, p: np.ones(len(m), dtype=bool))
    with pytest.raises(RuleMismatch, match="refuses the probe 'RFC 8032 TEST 1"):
        probe("strict", lambda m, s, p: np.zeros(len(m), dtype=bool))
    node = open_node(home, verify_backend="keyed")  # nodes probe their backend when they open
    node.close()
