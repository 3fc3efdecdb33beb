"""Submission over a real gRPC server: receipts, idempotence, and every bad-input case.

Each bad input must be refused with the right status and a message naming the field, store nothing
(same checkpoint), and leave the node serving.
"""

from __future__ import annotations

import grpc
import pytest

from ledger.client import RecordSigner
from ledger.v1 import ledger_pb2, records_pb2

from conftest import Home, Served


def _head(s: Served) -> tuple[int, bytes]:
    cp = s.node.latest_checkpoint()
    return (cp.tree_size, cp.root_hash) if cp else (0, b"")


def test_batch_gets_receipts_in_order(home: Home, served: Served) -> None:
    signed = home.sign(home.records(4, 2))
    base = _head(served)[0]  # genesis membership entries come first
    results = served.client.submit(signed)
    assert len(results) == len(signed)
    assert all(r.HasField("receipt") for r in results)
    assert [r.receipt.leaf_index for r in results] == list(range(base, base + len(signed)))
    cp = results[-1].receipt.checkpoint
    assert cp.tree_size == base + len(signed)
    got = served.client.get_record(results[3].receipt.record_id)
    assert got.payload == signed[3].payload and got.leaf_index == base + 3


def test_resubmission_returns_original_receipt_and_stores_once(home: Home, served: Served) -> None:
    signed = home.sign(home.records(2, 1))
    first = served.client.submit(signed)
    size = _head(served)
    again = served.client.submit(signed[:2] + signed[:1])
    assert _head(served) == size
    for orig, dup in zip(first[:2] + first[:1], again, strict=True):
        assert dup.receipt.duplicate and dup.receipt.leaf_index == orig.receipt.leaf_index
        assert dup.receipt.checkpoint.tree_size == orig.receipt.checkpoint.tree_size


def test_resubmission_across_blocks_names_each_original_checkpoint(home: Home, served: Served) -> None:
    signed = home.sign(home.records(3, 2))
    firsts = [served.client.submit(signed[i : i + 4]) for i in range(0, 12, 4)]  # three blocks
    again = served.client.submit(list(reversed(signed[:12])))  # one batch, out of order
    for orig, dup in zip([r for f in firsts for r in f][::-1], again, strict=True):
        assert dup.receipt.duplicate and dup.receipt.leaf_index == orig.receipt.leaf_index
        assert dup.receipt.checkpoint == orig.receipt.checkpoint
    assert len({d.receipt.checkpoint.sequence for d in again}) == 3


def test_duplicate_within_one_batch_is_stored_once(home: Home, served: Served) -> None:
    (one,) = home.sign(home.records(1, 0))[:1]
    base = _head(served)[0]
    res = served.client.submit([one, one])
    assert not res[0].receipt.duplicate and res[1].receipt.duplicate
    assert res[0].receipt.leaf_index == res[1].receipt.leaf_index
    assert _head(served)[0] == base + 1


def test_stream_answers_each_batch(home: Home, served: Served) -> None:
    signed = home.sign(home.records(6, 3))
    batches = [signed[i : i + 7] for i in range(0, len(signed), 7)]
    base = _head(served)[0]
    responses = list(served.client.stream(batches))
    assert [r.batch_id for r in responses] == list(range(len(batches)))
    assert sum(len(r.results) for r in responses) == len(signed)
    assert _head(served)[0] == base + len(signed)


def _refusal(served: Served, rec: records_pb2.SignedRecord) -> ledger_pb2.Refusal:
    (res,) = served.client.submit([rec])
    assert res.HasField("refusal"), res
    return res.refusal


def _mutated(home: Home, **changes: object) -> records_pb2.SignedRecord:
    rec = home.records(1, 0)[0]
    for k, v in changes.items():
        setattr(rec, k, v)
    return home.signer(rec.furnisher_id).sign_record(rec)


BAD_CASES = {
    "malformed payload": (lambda h: records_pb2.SignedRecord(payload=b"\xff\xff\xff", signature=bytes(64),
                                                             key_id=h.signer("bank-a").key_id),
                          "INVALID_ARGUMENT", "records[0].payload"),
    "empty payload": (lambda h: records_pb2.SignedRecord(payload=b"", signature=bytes(64), key_id=bytes(16)),
                      "INVALID_ARGUMENT", "records[0].payload"),
    "short borrower ref": (lambda h: _mutated(h, borrower_ref=b"\x01" * 8), "INVALID_ARGUMENT", "borrower_ref"),
    "short nonce": (lambda h: _mutated(h, nonce=b"\x01"), "INVALID_ARGUMENT", "nonce"),
    "bad date": (lambda h: _mutated(h, date_of_account_information="2024-13-01"), "INVALID_ARGUMENT",
                 "date_of_account_information"),
    "rule violation": (lambda h: _mutated(h, account_status="78"), "INVALID_ARGUMENT",
                       "DFD_REQUIRED_WHEN_DELINQUENT"),
    "unknown key id": (lambda h: records_pb2.SignedRecord(payload=_mutated(h).payload, signature=bytes(64),
                                                          key_id=b"\x09" * 16),
                       "UNAUTHENTICATED", "records[0].key_id"),
    "short key id": (lambda h: records_pb2.SignedRecord(payload=_mutated(h).payload, signature=bytes(64),
                                                        key_id=b"\x09"), "INVALID_ARGUMENT", "key_id"),
    "short signature": (lambda h: records_pb2.SignedRecord(payload=_mutated(h).payload, signature=bytes(10),
                                                           key_id=h.signer("bank-a").key_id),
                        "INVALID_ARGUMENT", "signature"),
    "bad signature": (lambda h: _resigned(h, RecordSigner.generate()), "INVALID_ARGUMENT", "signature"),
    "other bank's key": (lambda h: _resigned(h, h.signer("bank-b"), furnisher="bank-a"), "PERMISSION_DENIED",
                         "furnisher_id"),
}


def _resigned(h: Home, signer: RecordSigner, furnisher: str = "bank-a") -> records_pb2.SignedRecord:
    rec = h.records(1, 0)[0]
    rec.furnisher_id = furnisher
    env = signer.sign_record(rec)
    if signer.key_id != h.signer("bank-b").key_id:
        env.key_id = h.signer(furnisher).key_id  # right key id, signature by another key
    return env


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_record_refused_nothing_stored(case: str, home: Home, served: Served) -> None:
    make, code, field = BAD_CASES[case]
    served.client.submit(home.sign(home.records(1, 0, seed=99)))
    before = _head(served)
    ref = _refusal(served, make(home))
    assert ref.code == code, ref.reason
    assert field in ref.reason, ref.reason
    assert _head(served) == before
    ok = served.client.submit(home.sign(home.records(1, 0, seed=5)))
    assert ok[0].HasField("receipt"), "node stopped serving after bad input"


def test_mixed_batch_refuses_only_the_bad(home: Home, served: Served) -> None:
    signed = home.sign(home.records(3, 0))
    bad = records_pb2.SignedRecord()
    bad.CopyFrom(signed[1])
    bad.signature = bytes(64)
    base = _head(served)[0]
    res = served.client.submit([signed[0], bad, signed[2]])
    assert [r.WhichOneof("outcome") for r in res] == ["receipt", "refusal", "receipt"]
    assert res[1].refusal.position == 1
    assert _head(served)[0] == base + 2


def test_empty_batch_is_invalid_argument(served: Served) -> None:
    with pytest.raises(grpc.RpcError) as err:
        served.client.submit([])
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "records" in err.value.details()


def test_oversized_message_is_refused_and_node_serves(home: Home, served: Served) -> None:
    big = records_pb2.SignedRecord(payload=b"\x00" * (17 * 1024 * 1024), signature=bytes(64), key_id=bytes(16))
    with pytest.raises(grpc.RpcError) as err:
        served.client.submit([big])
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert served.client.submit(home.sign(home.records(1, 0)))[0].HasField("receipt")


def test_empty_stream_batch_refused_stream_continues(home: Home, served: Served) -> None:
    signed = home.sign(home.records(2, 0))
    resps = list(served.client.stream([[], signed]))
    assert resps[0].results[0].refusal.code == "INVALID_ARGUMENT"
    assert all(r.HasField("receipt") for r in resps[1].results)
