"""SIGTERM mid-stream: the node stops taking RPCs, commits the blocks in flight and exits 0; after a
restart every acknowledged record is present with a valid inclusion proof."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from ledger.v1 import ledger_pb2, ledger_pb2_grpc

from _ops_support import Node, make_home, wait_for, workload


def test_sigterm_mid_stream_keeps_every_acknowledged_record(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_home(home)
    records = workload(home, 6000)
    node = Node(home)
    acked: dict[bytes, int] = {}
    stop_sending = threading.Event()
    errors: list[BaseException] = []

    def requests() -> Iterator[ledger_pb2.StreamSubmitRequest]:
        for i, o in enumerate(range(0, len(records), 100)):
            if stop_sending.is_set():
                return
            yield ledger_pb2.StreamSubmitRequest(batch_id=i, records=records[o : o + 100])

    def stream() -> None:
        try:
            for resp in ledger_pb2_grpc.SubmissionStub(node.channel).StreamRecords(requests(), timeout=60):
                for r in resp.results:
                    if r.HasField("receipt"):
                        acked[r.receipt.record_id] = r.receipt.leaf_index
        except Exception as exc:  # a stream cut by the shutdown is fine; what was acked counts
            errors.append(exc)

    th = threading.Thread(target=stream, daemon=True)
    th.start()
    wait_for(lambda: len(acked) >= 500, 30, "the first acknowledgements")
    node.proc.send_signal(signal.SIGTERM)
    stop_sending.set()
    rc = node.proc.wait(timeout=60)
    th.join(30)
    node.stop()
    assert rc == 0, node.log_tail()
    assert "shutdown complete" in node.log_tail() or rc == 0
    assert acked
    again = Node(home)
    try:
        client = again.client()
        head = client.checkpoint()
        assert head.tree_size >= len(acked)
        for rid, idx in acked.items():
            assert client.get_record(rid).leaf_index == idx  # signature, payload hash, inclusion proof
    finally:
        assert again.stop() == 0
