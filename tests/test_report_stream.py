"""CreditReportStream: early entries (no proofs) once the inquiry is durable, then the answer.

The client checks the early entries' signatures while the node proves them, so the answer must
account for every early entry exactly once; a node that breaks that, or tampers with either chunk,
is caught. Entries are shown early only where the inquiry's right to see them is already settled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from ledger.client import LedgerClient, VerificationError, open_channel
from ledger.client.risk import RiskClient
from ledger.client.signer import new_nonce
from ledger.records.signing import EntryKind
from ledger.v1 import ledger_pb2, risk_pb2, risk_pb2_grpc

from conftest import FIXED_NOW, Home, Served

NOW_MS = int(FIXED_NOW * 1000)
Chunks = tuple[risk_pb2.CreditReportChunk, risk_pb2.CreditReportChunk]


def _loaded(home: Home, served: Served) -> tuple[bytes, set[str]]:
    recs = home.records(4, 6)
    assert all(r.HasField("receipt") for r in served.client.submit(home.sign(recs)))
    ref = recs[0].borrower_ref
    return ref, {r.furnisher_id for r in recs if r.borrower_ref == ref}


def _request(rc: RiskClient, ref: bytes, purpose: int, consent: str = "c", as_of: int = 0
             ) -> risk_pb2.CreditReportRequest:
    q = risk_pb2.Inquiry(member_id=rc.member_id, borrower_ref=ref, purpose=purpose,  # type: ignore[arg-type]
                         consent_ref=consent, requested_at_ms=NOW_MS, nonce=new_nonce())
    trusted = rc.client.trusted
    return risk_pb2.CreditReportRequest(inquiry=rc._sign(q, EntryKind.INQUIRY), as_of_tree_size=as_of,
                                        known_tree_size=trusted.tree_size if trusted else 0)


def _chunks(rc: RiskClient, ref: bytes) -> Chunks:
    first, last = rc.stub.CreditReportStream(_request(rc, ref, risk_pb2.NEW_CREDIT_APPLICATION))
    return first, last


def test_stream_sends_entries_early_and_the_answer_refers_to_them(home: Home, served: Served) -> None:
    ref, _ = _loaded(home, served)
    rc = RiskClient(served.client, home.signer("bank-a"), "bank-a")
    first, last = _chunks(rc, ref)
    assert not first.HasField("answer") and not last.early_entries
    early = list(first.early_entries)
    assert early and all(h.entry.leaf and h.public_key and not h.entry.inclusion_proof for h in early)
    answer = last.answer
    short = [h for h in answer.entries if not h.entry.leaf]
    assert sorted(h.entry.leaf_index for h in short) == sorted(h.entry.leaf_index for h in early)
    assert all(h.entry.inclusion_proof and not h.public_key and not h.entry.payload for h in short)
    # The inquiry itself is in the answer once: in full with its proof when it was committed after the
    # early read (as here), sent early when it was committed before.
    full = [h for h in answer.entries if h.entry.leaf]
    assert all(h.entry.inclusion_proof and h.public_key for h in full)
    assert [h.entry.leaf_index for h in answer.entries].count(answer.inquiry_receipt.leaf_index) == 1
    got = rc.verify_answer(ref, answer, served.client.begin_entries([(h.entry, h.public_key) for h in early]))
    assert len(got.entries) == len(answer.entries) and got.report.inquiries
    # An entry committed after the early read (one that is not sent early) comes in full and verifies.
    late = early[-1]
    moved = risk_pb2.CreditReportResponse()
    moved.CopyFrom(answer)
    for h in moved.entries:
        if h.entry.leaf_index == late.entry.leaf_index:
            proof = list(h.entry.inclusion_proof)
            h.CopyFrom(late)
            h.entry.inclusion_proof.extend(proof)
    again = rc.verify_answer(ref, moved, served.client.begin_entries([(h.entry, h.public_key) for h in early[:-1]]))
    assert [e.leaf_index for e in again.entries] == [e.leaf_index for e in got.entries]


def test_stream_and_unary_answers_agree(home: Home, served: Served) -> None:
    ref, _ = _loaded(home, served)
    rc = RiskClient(served.client, home.signer("bank-a"), "bank-a")
    streamed = rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, "c", now_ms=NOW_MS)
    unary = rc.verify_answer(ref, rc.stub.CreditReport(_request(rc, ref, risk_pb2.NEW_CREDIT_APPLICATION)))
    assert unary.report.tradelines == streamed.report.tradelines
    assert len(unary.report.inquiries) == len(streamed.report.inquiries) + 1
    assert [e.leaf_index for e in unary.entries][:-1] == [e.leaf_index for e in streamed.entries]


def test_no_early_entries_where_the_right_to_see_them_is_not_settled(home: Home, served: Served) -> None:
    ref, lenders = _loaded(home, served)
    outsider = next(b for b in ("bank-a", "bank-b", "bank-c") if b not in lenders)
    rc = RiskClient(served.client, home.signer(outsider), outsider)
    call = rc.stub.CreditReportStream(_request(rc, ref, risk_pb2.ACCOUNT_REVIEW, ""))
    first = next(call)
    assert not first.early_entries and not first.HasField("answer")
    with pytest.raises(grpc.RpcError) as err:
        next(call)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    size = served.node.latest_checkpoint().tree_size  # type: ignore[union-attr]
    first, last = rc.stub.CreditReportStream(_request(rc, ref, risk_pb2.NEW_CREDIT_APPLICATION, as_of=size))
    assert not first.early_entries and last.answer.report.as_of_tree_size == size


def test_refused_inquiry_gets_no_chunk(home: Home, served: Served) -> None:
    ref, _ = _loaded(home, served)
    rc = RiskClient(served.client, home.signer("bank-b"), "bank-b")
    with pytest.raises(grpc.RpcError) as err:
        next(rc.stub.CreditReportStream(_request(rc, ref, risk_pb2.NEW_CREDIT_APPLICATION, consent="")))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "consent_ref" in err.value.details()


@pytest.mark.parametrize("kind", ["open_channel", "grpc default"])
def test_reports_and_refusals_read_alike_on_either_channel_kind(kind: str, home: Home, served: Served) -> None:
    """open_channel reads server streams on the caller's thread; a default channel polls them on
    its own thread. The client library must behave the same on both."""
    ref, _ = _loaded(home, served)
    ch = open_channel(served.target) if kind == "open_channel" else grpc.insecure_channel(served.target)
    with ch:
        rc = RiskClient(LedgerClient(ch, home.node_public_key), home.signer("bank-a"), "bank-a")
        got = rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, "c", now_ms=NOW_MS)
        assert got.report.tradelines and got.report.inquiries
        with pytest.raises(grpc.RpcError) as err:
            rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, "", now_ms=NOW_MS)
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "consent_ref" in err.value.details()


def test_concurrent_reports_on_one_channel_each_verify(home: Home, served: Served) -> None:
    """Each stream on an open_channel channel has its own completion queue: threads sharing the
    channel (and the client) read only their own answers."""
    ref, _ = _loaded(home, served)
    rc = RiskClient(served.client, home.signer("bank-a"), "bank-a")

    def two(i: int) -> list[int]:
        reports = [rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, f"c{i}.{j}", now_ms=NOW_MS + 8 * i + j)
                   for j in range(2)]
        return [len(r.report.inquiries) for r in reports]

    with ThreadPoolExecutor(4) as pool:
        counts = [n for pair in pool.map(two, range(4)) for n in pair]
    assert len(counts) == 8 and all(1 <= n <= 8 for n in counts)
    assert len(rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, "after", now_ms=NOW_MS).report.inquiries) == 9


def _short(answer: risk_pb2.CreditReportResponse) -> list[ledger_pb2.HistoryEntry]:
    return [h for h in answer.entries if not h.entry.leaf]


def _drop_short(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    a.entries.remove(_short(a)[0])


def _drop_early(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    early.pop(0)


def _twice(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    a.entries.append(a.entries[0])


def _payload(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    early[0].entry.payload += b"\x00"


def _early_leaf(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    e = early[0].entry
    e.leaf = e.leaf[:-1] + bytes([e.leaf[-1] ^ 1])


def _short_proof(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    _short(a)[0].entry.inclusion_proof[0] = bytes(32)


def _moved(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    # An early entry claims another entry's index (and its proof): the leaf is not at that index.
    early[0].entry.leaf_index, early[1].entry.leaf_index = early[1].entry.leaf_index, early[0].entry.leaf_index


def _report(early: list[ledger_pb2.HistoryEntry], a: risk_pb2.CreditReportResponse) -> None:
    a.report.total_balance += 1


ATTACKS: dict[str, Callable[[list[ledger_pb2.HistoryEntry], risk_pb2.CreditReportResponse], None]] = {
    "early entry left out of the answer": _drop_short,
    "answer refers to an entry never sent early": _drop_early,
    "entry listed twice": _twice,
    "early payload changed": _payload,
    "early leaf signature changed": _early_leaf,
    "proof of an early entry flipped": _short_proof,
    "early entries swap indices": _moved,
    "report not derived from the entries": _report,
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_tampered_stream_is_refused(attack: str, home: Home, served: Served) -> None:
    ref, _ = _loaded(home, served)
    rc = RiskClient(served.client, home.signer("bank-a"), "bank-a")
    first, last = _chunks(rc, ref)
    early = [ledger_pb2.HistoryEntry.FromString(h.SerializeToString()) for h in first.early_entries]
    answer = risk_pb2.CreditReportResponse.FromString(last.answer.SerializeToString())
    ATTACKS[attack](early, answer)
    with pytest.raises(VerificationError):
        rc.verify_answer(ref, answer, served.client.begin_entries([(h.entry, h.public_key) for h in early]))


def test_untampered_copy_verifies(home: Home, served: Served) -> None:
    # The control for the attacks above: the same copying, nothing changed.
    ref, _ = _loaded(home, served)
    rc = RiskClient(served.client, home.signer("bank-a"), "bank-a")
    first, last = _chunks(rc, ref)
    early = [ledger_pb2.HistoryEntry.FromString(h.SerializeToString()) for h in first.early_entries]
    answer = risk_pb2.CreditReportResponse.FromString(last.answer.SerializeToString())
    got = rc.verify_answer(ref, answer, served.client.begin_entries([(h.entry, h.public_key) for h in early]))
    assert got.report == answer.report and len(got.entries) == len(answer.entries)


# -- a relay between client and node that reframes the stream (a network attacker) ----------------

class _Relay(risk_pb2_grpc.RiskServicer):
    """Forwards CreditReportStream to the real node and reframes its chunks."""

    def __init__(self, upstream: grpc.Channel, reframe: Callable[[list[risk_pb2.CreditReportChunk]],
                                                                  list[risk_pb2.CreditReportChunk]]) -> None:
        self.stub = risk_pb2_grpc.RiskStub(upstream)
        self.reframe = reframe

    def CreditReportStream(self, request: risk_pb2.CreditReportRequest,
                           context: grpc.ServicerContext) -> Iterator[risk_pb2.CreditReportChunk]:
        yield from self.reframe(list(self.stub.CreditReportStream(request)))


REFRAMES: dict[str, Callable[[list[risk_pb2.CreditReportChunk]], list[risk_pb2.CreditReportChunk]]] = {
    "answer before the early entries": lambda c: [c[1], c[0]],
    "answer withheld": lambda c: [c[0]],
    "a third chunk": lambda c: [c[0], c[1], c[1]],
    "early entries and answer in one chunk": lambda c: [
        risk_pb2.CreditReportChunk(early_entries=c[0].early_entries, answer=c[1].answer)],
}


@pytest.fixture
def relay(served: Served) -> Iterator[Callable[[str], grpc.Channel]]:
    servers: list[grpc.Server] = []
    channels: list[grpc.Channel] = []
    upstream = grpc.insecure_channel(served.target)

    def start(name: str) -> grpc.Channel:
        server = grpc.server(ThreadPoolExecutor(2))
        risk_pb2_grpc.add_RiskServicer_to_server(_Relay(upstream, REFRAMES.get(name, lambda c: c)), server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        channels.append(grpc.insecure_channel(f"127.0.0.1:{port}"))
        return channels[-1]

    yield start
    for ch in [*channels, upstream]:
        ch.close()
    for s in servers:
        s.stop(grace=None).wait()


@pytest.mark.parametrize("reframe", sorted(REFRAMES))
def test_reframed_stream_is_refused(reframe: str, home: Home, served: Served,
                                    relay: Callable[[str], grpc.Channel]) -> None:
    ref, _ = _loaded(home, served)
    rc = RiskClient(LedgerClient(relay(reframe), home.node_public_key), home.signer("bank-a"), "bank-a")
    with pytest.raises(VerificationError, match="report stream"):
        rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, "c", now_ms=NOW_MS)


def test_relayed_stream_unchanged_verifies(home: Home, served: Served, relay: Callable[[str], grpc.Channel]) -> None:
    ref, _ = _loaded(home, served)
    rc = RiskClient(LedgerClient(relay("unchanged"), home.node_public_key), home.signer("bank-a"), "bank-a")
    got = rc.credit_report(ref, risk_pb2.NEW_CREDIT_APPLICATION, "c", now_ms=NOW_MS)
    assert got.report.tradelines and got.report.inquiries
