"""Borrower pseudonyms and envelope encryption (ledger.privacy)."""

from __future__ import annotations

import base64
import copy
import os
import pickle
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from Crypto.Cipher import AES
from Crypto.Hash import HMAC, SHA256

from ledger.chain import NodeSigner
from ledger.merkle import EMPTY_ROOT
from ledger.privacy import _gcm
from ledger.privacy.crypto import (
    DecryptError,
    ErasedError,
    KeyUnwrapError,
    MasterKey,
    MasterKeyError,
    PrivacyError,
    clear_key_cache,
    data_key_cached,
    forget_data_key,
    generate_key_file,
    new_data_key,
    open_many,
    open_sealed,
    seal,
    seal_many,
    unwrap_key,
    unwrap_keys,
    wrap_key,
    wrap_keys,
)
from ledger.privacy.pseudonym import borrower_ref, normalize_national_id, short_ref
from ledger.privacy.vault import Vault
from ledger.store import BlockWrite, RocksStore

KEY_HEX = "00112233445566778899aabbccddeeff" * 2
CKEY = b"consortium-key-0123456789abcdef!"
RID = bytes(range(32))
REF = b"\x42" * 32


@pytest.fixture
def master() -> MasterKey:
    return MasterKey.from_env("K", environ={"K": KEY_HEX})


def flip(b: bytes, i: int) -> bytes:
    return b[:i] + bytes([b[i] ^ 1]) + b[i + 1 :]


# ----------------------------------------------------------------------------------- payloads


def test_seal_roundtrip_sizes() -> None:
    dk = new_data_key()
    for n in (0, 1, 15, 16, 17, 300, 1024, 5000, 70_000):
        pt = os.urandom(n)
        blob = seal(dk, RID, pt)
        assert len(blob) == 12 + n + 16
        assert open_sealed(dk, RID, blob) == pt


def test_seal_uses_fresh_nonce() -> None:
    dk = new_data_key()
    assert seal(dk, RID, b"x" * 40) != seal(dk, RID, b"x" * 40)


def test_seal_is_standard_gcm() -> None:
    dk, pt = new_data_key(), b"payload" * 40
    blob = seal(dk, RID, pt)
    c = AES.new(dk, AES.MODE_GCM, nonce=blob[:12])
    c.update(RID)
    assert c.decrypt_and_verify(blob[12:-16], blob[-16:]) == pt


def test_fast_path_active_and_matches_library() -> None:
    assert _gcm.FAST_PATH
    key, nonce = os.urandom(32), os.urandom(12)
    fast, slow = _gcm.GcmKey(key, fast=True), _gcm.GcmKey(key, fast=False)
    for n in (0, 5, 16, 33, 1040, 1041, 66_000):
        aad, pt = os.urandom(n % 50), os.urandom(n)
        assert fast.seal(nonce, aad, pt) == slow.seal(nonce, aad, pt)


def test_nist_gcm_vector() -> None:
    # NIST SP 800-38D test case 16 (AES-256, 96-bit IV, AAD).
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308" * 2)
    iv = bytes.fromhex("cafebabefacedbaddecaf888")
    pt = bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    ct = bytes.fromhex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
    )
    tag = bytes.fromhex("76fc6ece0f4e1768cddf8853bb2d551b")
    assert _gcm.GcmKey(key).seal(iv, aad, pt) == ct + tag


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_tamper_detected(where: str) -> None:
    dk = new_data_key()
    blob = seal(dk, RID, b"secret payload" * 20)
    i = {"nonce": 3, "ciphertext": 12 + 7, "tag": len(blob) - 2}[where]
    with pytest.raises(DecryptError):
        open_sealed(dk, RID, flip(blob, i))


def test_wrong_record_id_or_key_or_truncation() -> None:
    dk = new_data_key()
    blob = seal(dk, RID, b"abc")
    with pytest.raises(DecryptError):
        open_sealed(dk, flip(RID, 0), blob)
    with pytest.raises(DecryptError):
        open_sealed(new_data_key(), RID, blob)
    for cut in (blob[:-1], blob[:27], b""):
        with pytest.raises(DecryptError):
            open_sealed(dk, RID, cut)
    assert issubclass(DecryptError, PrivacyError) and issubclass(ErasedError, PrivacyError)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        seal(b"short", RID, b"x")
    with pytest.raises(ValueError):
        seal(new_data_key(), b"", b"x")


def test_forget_and_clear_cache() -> None:
    dk = new_data_key()
    blob = seal(dk, RID, b"x")
    forget_data_key(dk)
    clear_key_cache()
    assert open_sealed(dk, RID, blob) == b"x"


def test_speed_50_payloads() -> None:
    dk, pt = new_data_key(), os.urandom(300)
    ids = [os.urandom(32) for _ in range(50)]
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        blobs = [seal(dk, i, pt) for i in ids]
        outs = [open_sealed(dk, i, b) for i, b in zip(ids, blobs, strict=True)]
        best = min(best, time.perf_counter() - t)
    assert outs == [pt] * 50
    assert best < 0.005  # ~0.45 ms measured; generous for slow CI machines


# --------------------------------------------------------------------------------- batched open

SIZES = (0, 1, 15, 16, 17, 300, 1000, 5000)


def _batch(nkeys: int = 3) -> tuple[list[bytes], list[bytes], list[bytes], list[bytes], list[bytes]]:
    """Raw keys, nonces, aads, plaintexts and library-sealed ``ct || tag`` for SIZES twice, keys mixed."""
    raw = [os.urandom(32) for _ in range(nkeys)]
    n = 2 * len(SIZES)
    dks = [raw[i % nkeys] for i in range(n)]
    nonces = [os.urandom(12) for _ in range(n)]
    aads = [os.urandom(i * 7 % 45) for i in range(n)]
    pts = [os.urandom(s) for s in SIZES + SIZES[::-1]]
    blobs = []
    for dk, nonce, aad, pt in zip(dks, nonces, aads, pts, strict=True):
        c = AES.new(dk, AES.MODE_GCM, nonce=nonce)
        c.update(aad)
        ct, tag = c.encrypt_and_digest(pt)
        blobs.append(ct + tag)
    return dks, nonces, aads, pts, blobs


@pytest.mark.parametrize("fast", [True, False])
def test_gcm_open_many_matches_library_and_open(fast: bool) -> None:
    dks, nonces, aads, pts, blobs = _batch()
    keys = [_gcm.GcmKey(dk, fast=fast) for dk in dks]
    assert _gcm.open_many(keys, nonces, aads, blobs) == pts
    assert [k.open(*a) for k, *a in zip(keys, nonces, aads, blobs, strict=True)] == pts
    assert _gcm.seal_many(keys, b"".join(nonces), aads, pts) == blobs
    assert _gcm.open_many([], [], [], []) == []
    with pytest.raises(ValueError):
        _gcm.open_many(keys, nonces[:-1], aads, blobs)


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("where", ["ciphertext", "tag", "nonce", "aad", "short nonce", "short blob"])
def test_gcm_open_many_flags_only_the_bad_item(fast: bool, where: str) -> None:
    dks, nonces, aads, pts, blobs = _batch()
    keys = [_gcm.GcmKey(dk, fast=fast) for dk in dks]
    m = 9  # mid-batch: 1000 bytes, next to a 5000-byte item
    if where == "ciphertext":
        blobs[m] = flip(blobs[m], 500)
    elif where == "tag":
        blobs[m] = flip(blobs[m], len(blobs[m]) - 1)
    elif where == "nonce":
        nonces[m] = flip(nonces[m], 0)
    elif where == "aad":
        aads[m] = aads[m] + b"x"
    elif where == "short nonce":
        nonces[m] = nonces[m][:11]
    else:
        blobs[m] = blobs[m][-15:]
    assert _gcm.open_many(keys, nonces, aads, blobs) == [*pts[:m], None, *pts[m + 1 :]]


@pytest.mark.parametrize("n", [1, 2, _gcm._FEW, _gcm._FEW + 1])
def test_gcm_small_batches_match_the_library_on_either_side_of_the_cutover(n: int) -> None:
    """Batches of up to _FEW items take one call per item, bigger ones the batch path: same bytes."""
    dks, nonces, aads, pts, blobs = (x[:n] for x in _batch())
    keys = [_gcm.GcmKey(dk) for dk in dks]
    assert _gcm.seal_many(keys, b"".join(nonces), aads, pts) == blobs
    assert _gcm.open_many(keys, nonces, aads, blobs) == pts
    bad = [*blobs[:-1], flip(blobs[-1], len(blobs[-1]) - 1)]
    assert _gcm.open_many(keys, nonces, aads, bad) == [*pts[:-1], None]


def test_crypto_open_many() -> None:
    dks, _, _, pts, _ = _batch()
    rids = [os.urandom(32) for _ in pts]
    blobs = seal_many(dks, rids, pts)
    items = list(zip(dks, rids, blobs, strict=True))
    assert open_many(items) == pts == [open_sealed(*it) for it in items]
    assert open_many([]) == []
    for bad in (flip(blobs[5], 3), flip(blobs[5], 20), flip(blobs[5], len(blobs[5]) - 1), blobs[5][:27]):
        with pytest.raises(DecryptError, match="payload 5 "):
            open_many([*items[:5], (dks[5], rids[5], bad), *items[6:]])
    with pytest.raises(DecryptError, match="payload 1 "):
        open_many([items[0], (dks[1], rids[0], blobs[1])])
    with pytest.raises(ValueError):
        open_many([(b"short", RID, blobs[0])])


class _CountingStore(RocksStore):
    """A real store that counts the key-row reads Vault makes."""

    reads = 0

    batch_reads = 0

    def wrapped_keys(self, borrower_refs: Sequence[bytes]) -> list[bytes | None]:
        self.reads += len(borrower_refs)
        self.batch_reads += 1
        return super().wrapped_keys(borrower_refs)


def _commit_key_rows(store: RocksStore, rows: dict[bytes, bytes]) -> None:
    cp = NodeSigner(bytes(32), "test").sign_next(store.latest_checkpoint(), 0, EMPTY_ROOT, 0)
    store.commit_block(BlockWrite([], [], cp, dict(rows)))


def test_vault_open_many(master: MasterKey, tmp_path: Path) -> None:
    store = _CountingStore(tmp_path / "db")
    vault = Vault(master, store)
    a, b, gone = b"\x01" * 32, b"\x02" * 32, b"\x03" * 32
    items = [(r, os.urandom(32), os.urandom(n)) for r, n in ((a, 300), (b"", 5), (b, 0), (gone, 40), (a, 17))]
    blobs, rows = vault.seal_many(items)
    _commit_key_rows(store, rows)
    vault.committed(rows)
    shred = dict([vault.shred_row(gone)])
    _commit_key_rows(store, shred)
    vault.committed(shred)
    stale = blobs[0][:1] + (7).to_bytes(4, "big") + blobs[0][5:]
    reqs = [(r, eid, blob) for (r, eid, _), blob in zip(items, blobs, strict=True)]
    reqs += [(a, items[0][1], b""), (a, items[0][1], stale), (b"", b"x", b"\x00")]
    want = [items[0][2], items[1][2], items[2][2], None, items[4][2], None, None, b""]
    assert vault.open_many(reqs) == want == [vault.open(*r) for r in reqs]
    assert vault.open_many([]) == []
    fresh = Vault(master, store)  # empty key cache
    store.reads = 0
    assert fresh.open_many(reqs * 3) == want * 3
    assert store.reads == 3  # a, b, gone: once each
    bad = (a, items[4][1], flip(blobs[4], 20))
    with pytest.raises(DecryptError, match="payload 2 "):
        fresh.open_many([reqs[0], reqs[3], bad, reqs[1]])
    each = fresh.open_each([reqs[0], reqs[3], bad, reqs[1], (a, items[0][1], b"\x01\x00")])
    assert each[:2] == [want[0], None] and each[3] == want[1]
    assert isinstance(each[2], DecryptError) and isinstance(each[4], DecryptError)  # tampered; too short
    with pytest.raises(DecryptError):
        fresh.open(*bad)
    store.close()


def test_vault_seal_many_reads_missed_keys_in_one_batch(master: MasterKey, tmp_path: Path) -> None:
    """A block whose borrowers are all cache misses (a monthly cycle over more borrowers than the
    cache holds) reads their key rows in one batch; known keys are reused, new and shredded
    borrowers get new keys (the shredded one a new generation), and every blob opens."""
    store = _CountingStore(tmp_path / "db")
    old, new, gone = [bytes([1, i]) * 16 for i in range(5)], [bytes([2, i]) * 16 for i in range(3)], b"\x03" * 32
    first = Vault(master, store)
    blobs, rows = first.seal_many([(r, os.urandom(32), b"x") for r in [*old, gone]])
    _commit_key_rows(store, rows)
    first.committed(rows)
    shred = dict([first.shred_row(gone)])
    _commit_key_rows(store, shred)
    vault = Vault(master, store)  # empty cache: every borrower below is a miss
    store.reads = store.batch_reads = 0
    items = [(r, os.urandom(32), os.urandom(40 + k)) for k, r in enumerate([*old, *new, gone, old[0], b""])]
    blobs, rows = vault.seal_many(items)
    assert (store.batch_reads, store.reads) == (1, len(old) + len(new) + 1)
    assert set(rows) == {*new, gone}  # the old borrowers keep their keys
    assert int.from_bytes(rows[gone][:4], "big") == 2 and all(int.from_bytes(rows[r][:4], "big") == 1 for r in new)
    _commit_key_rows(store, rows)
    vault.committed(rows)
    reader = Vault(master, store)
    assert reader.open_many([(r, eid, b) for (r, eid, _), b in zip(items, blobs, strict=True)]) == [
        pl for _, _, pl in items
    ]
    # A tampered key row among the misses: the error names that borrower by its short ref only,
    # and nothing is sealed.
    bad = old[2]
    _commit_key_rows(store, {bad: flip(store.wrapped_keys([bad])[0] or b"", 20)})
    with pytest.raises(KeyUnwrapError) as ei:
        Vault(master, store).seal_many([(r, os.urandom(32), b"y") for r in [old[0], bad, new[0]]])
    assert short_ref(bad) in str(ei.value) and bad.hex() not in str(ei.value)
    store.close()


def test_wrap_and_unwrap_keys_in_batches(master: MasterKey) -> None:
    refs, dks = [bytes([i]) * 32 for i in range(1, 6)], [new_data_key() for _ in range(5)]
    wrapped = wrap_keys(master, refs, dks)
    assert [unwrap_key(master, r, w) for r, w in zip(refs, wrapped, strict=True)] == dks
    assert unwrap_keys(master, refs, [wrap_key(master, r, d) for r, d in zip(refs, dks, strict=True)]) == dks
    assert len({w[:12] for w in wrapped}) == 5  # a fresh nonce each
    assert wrap_keys(master, [], []) == [] == unwrap_keys(master, [], [])
    for bad in (flip(wrapped[3], 20), wrapped[3][:-1]):
        with pytest.raises(KeyUnwrapError, match="key 3 ") as ei:
            unwrap_keys(master, refs, [*wrapped[:3], bad, wrapped[4]])
        assert ei.value.position == 3
    with pytest.raises(KeyUnwrapError, match="key 1 "):
        unwrap_keys(master, refs[:2], [wrapped[0], wrapped[0]])  # wrapped for another borrower
    with pytest.raises(ValueError):
        wrap_keys(master, [b""], [dks[0]])
    with pytest.raises(ValueError):
        unwrap_keys(master, refs, wrapped[:2])


# --------------------------------------------------------------------------------- data keys


def test_wrap_unwrap(master: MasterKey) -> None:
    dk = new_data_key()
    wrapped = wrap_key(master, REF, dk)
    assert len(wrapped) == 60
    assert unwrap_key(master, REF, wrapped) == dk


def test_unwrap_wrong_borrower_or_tamper_or_master(master: MasterKey, tmp_path: Path) -> None:
    wrapped = wrap_key(master, REF, new_data_key())
    with pytest.raises(KeyUnwrapError):
        unwrap_key(master, b"\x43" * 32, wrapped)
    for i in (0, 20, 59):
        with pytest.raises(KeyUnwrapError):
            unwrap_key(master, REF, flip(wrapped, i))
    with pytest.raises(KeyUnwrapError):
        unwrap_key(master, REF, wrapped[:-1])
    other = generate_key_file(tmp_path / "other.key")
    with pytest.raises(KeyUnwrapError):
        unwrap_key(other, REF, wrapped)


# -------------------------------------------------------------------------------- master key


def test_master_from_env_hex_and_base64() -> None:
    raw = bytes.fromhex(KEY_HEX)
    a = MasterKey.from_env("K", environ={"K": KEY_HEX})
    b = MasterKey.from_env("K", environ={"K": base64.b64encode(raw).decode()})
    c = MasterKey.from_env("K", environ={"K": base64.urlsafe_b64encode(raw).decode() + "\n"})
    assert a.fingerprint == b.fingerprint == c.fingerprint and len(a.fingerprint) == 8


def test_master_from_real_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLEDGER_MASTER_KEY", KEY_HEX)
    assert MasterKey.from_env().fingerprint == MasterKey.load("env:CREDITLEDGER_MASTER_KEY").fingerprint


@pytest.mark.parametrize("value", ["", "   ", "zz" * 32, KEY_HEX[:-2], base64.b64encode(b"x" * 31).decode()])
def test_master_from_env_rejects(value: str) -> None:
    with pytest.raises(MasterKeyError) as ei:
        MasterKey.from_env("K", environ={"K": value} if value else {})
    assert KEY_HEX not in str(ei.value)


def test_master_from_file(tmp_path: Path) -> None:
    p = tmp_path / "master.key"
    p.write_text(KEY_HEX + "\n")
    p.chmod(0o600)
    env = MasterKey.from_env("K", environ={"K": KEY_HEX})
    assert MasterKey.from_file(p).fingerprint == env.fingerprint
    assert MasterKey.load(f"file:{p}").fingerprint == env.fingerprint
    raw = tmp_path / "raw.key"
    raw.write_bytes(bytes.fromhex(KEY_HEX))
    raw.chmod(0o600)
    assert MasterKey.load(raw).fingerprint == env.fingerprint


def test_master_file_errors(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError):
        MasterKey.from_file(tmp_path / "missing.key")
    with pytest.raises(MasterKeyError):
        MasterKey.from_file(tmp_path)
    p = tmp_path / "open.key"
    p.write_text(KEY_HEX)
    p.chmod(0o644)
    with pytest.raises(MasterKeyError, match="other users"):
        MasterKey.from_file(p)


def test_master_key_file_inside_data_dir_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    inside = data / "sub" / "master.key"
    inside.write_text(KEY_HEX)
    inside.chmod(0o600)
    with pytest.raises(MasterKeyError, match="inside the data directory"):
        MasterKey.load(inside, data_dir=data)
    with pytest.raises(MasterKeyError, match="inside the data directory"):
        MasterKey.load(f"file:{data}/../data/sub/master.key", data_dir=str(data))
    link = tmp_path / "link.key"  # a path outside that resolves inside
    link.symlink_to(inside)
    with pytest.raises(MasterKeyError, match="inside the data directory"):
        MasterKey.load(link, data_dir=data)
    with pytest.raises(MasterKeyError):
        generate_key_file(data / "new.key", data_dir=data)
    assert not (data / "new.key").exists()
    outside = generate_key_file(tmp_path / "ok.key", data_dir=data)
    assert MasterKey.load(tmp_path / "ok.key", data_dir=data).fingerprint == outside.fingerprint
    assert (tmp_path / "ok.key").stat().st_mode & 0o777 == 0o600


def test_master_key_never_shown(master: MasterKey) -> None:
    raw = bytes.fromhex(KEY_HEX)
    for text in (repr(master), str(master), f"{master}"):
        assert KEY_HEX not in text and raw.hex() not in text and master.fingerprint in text
    with pytest.raises(TypeError):
        pickle.dumps(master)
    with pytest.raises(TypeError):
        copy.copy(master)
    with pytest.raises(TypeError):
        MasterKey(raw)


# --------------------------------------------------------------------------------- pseudonyms


def test_normalize_national_id() -> None:
    assert normalize_national_id(" 123-45.678 9x ") == "123456789X"
    assert normalize_national_id("ab\t12") == "AB12"
    for bad in ("", " - . ", "12#4", "éé12", "1" * 65):
        with pytest.raises(ValueError, match=r"^national_id:") as ei:
            normalize_national_id(bad)
        assert bad.strip(" -.") == "" or bad not in str(ei.value)


def test_borrower_ref_deterministic_and_keyed() -> None:
    a = borrower_ref(CKEY, "123-45-6789")
    assert len(a) == 32
    assert a == borrower_ref(CKEY, "123 45 6789") == borrower_ref(CKEY, "123456789")
    assert a != borrower_ref(CKEY, "123456780")
    assert a != borrower_ref(b"another-consortium-key-000000000", "123456789")
    expect = HMAC.new(CKEY, b"creditledger/borrower/v1\x00123456789", digestmod=SHA256).digest()
    assert a == expect
    with pytest.raises(ValueError, match="consortium_key"):
        borrower_ref(b"short", "123456789")


def test_short_ref() -> None:
    ref = borrower_ref(CKEY, "X1")
    s = short_ref(ref)
    assert len(s) == 8 and s == ref.hex()[:8]
    with pytest.raises(ValueError):
        short_ref(b"abc")


def test_shred_drops_key_state_from_memory(master: MasterKey, tmp_path: Path) -> None:
    """After a committed shred, neither the vault nor the cipher cache holds the borrower's data key."""
    store = _CountingStore(tmp_path / "db")
    vault = Vault(master, store)
    ref = b"\x05" * 32
    blobs, rows = vault.seal_many([(ref, os.urandom(32), b"payload")])
    _commit_key_rows(store, rows)
    vault.committed(rows)
    (raw,) = store.wrapped_keys([ref])
    assert raw is not None
    dk = unwrap_key(master, ref, raw[4:])
    assert data_key_cached(dk)  # sealing built its cipher state
    shred = dict([vault.shred_row(ref)])
    _commit_key_rows(store, shred)
    vault.committed(shred)
    assert not data_key_cached(dk)
    assert vault.open(ref, b"x" * 32, blobs[0]) is None  # erased, not readable
    store.close()
