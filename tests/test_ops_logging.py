"""Structured JSON logs of a live node: one JSON object per line, a request id on every RPC line (the
caller's x-request-id when given), and no personal data (no full borrower ref, record id or payload)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import grpc
import pytest

from ledger.v1 import ledger_pb2, records_pb2

from _ops_support import Node, make_home, workload

HEX64 = re.compile(r"[0-9a-f]{64}")


def test_json_logs_have_request_ids_and_no_personal_data(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home)
    records = workload(home, 600)
    node = Node(home, "--log-format", "json", log_level="INFO")
    secrets: set[str] = set()
    for r in records:
        rec = records_pb2.CreditRecord.FromString(r.payload)
        secrets.add(rec.borrower_ref.hex())
        secrets.add(r.payload.hex()[:64])
    client = node.client()
    rpcs = 0
    try:
        for i in range(0, 400, 100):
            assert all(x.HasField("receipt") for x in client.submit(records[i : i + 100]))
            rpcs += 1
        list(client.stream([records[400:500], records[500:600]]))
        rpcs += 1
        bad = records_pb2.SignedRecord(payload=records[0].payload, signature=bytes(64), key_id=records[0].key_id)
        client.submit([bad])  # answered from the log (duplicate id) or refused; either way logged as an RPC
        rpcs += 1
        refs = sorted({records_pb2.CreditRecord.FromString(r.payload).borrower_ref for r in records[:20]})
        for ref in refs:
            client.borrower_history(ref)
            rpcs += 1
        req = ledger_pb2.BorrowerHistoryRequest(borrower_ref=refs[0])
        _resp, call = client.query.BorrowerHistory.with_call(req, metadata=(("x-request-id", "audit-0042"),))
        assert ("x-request-id", "audit-0042") in tuple(call.initial_metadata())
        rpcs += 1
        with pytest.raises(grpc.RpcError) as info:
            client.get_record(bytes(32))
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
        rpcs += 1
    finally:
        assert node.stop() == 0
    lines = [x for x in node.log_path.read_text().splitlines() if x.strip()]
    docs = []
    for line in lines:
        assert line.startswith("{"), f"not a JSON log line: {line[:200]}"
        docs.append(json.loads(line))
    rpc_lines = [d for d in docs if d.get("logger") == "creditledger.rpc"]
    assert len(rpc_lines) >= rpcs, (len(rpc_lines), rpcs)
    assert all(d.get("request_id") for d in rpc_lines)
    assert len({d["request_id"] for d in rpc_lines}) == len(rpc_lines), "request ids must be unique per RPC"
    tagged = [d for d in rpc_lines if d["request_id"] == "audit-0042"]
    assert len(tagged) == 1 and tagged[0]["rpc_method"].endswith("/BorrowerHistory") and tagged[0]["code"] == "OK"
    assert any(d["code"] == "NOT_FOUND" for d in rpc_lines)
    assert {"ts", "level", "logger", "msg"} <= set(docs[0])
    text = "\n".join(lines)
    assert not any(s in text for s in secrets), "a borrower ref or payload leaked into the log"
    assert not HEX64.search(text), "no 64-hex value (ref, record id) may appear in full"
