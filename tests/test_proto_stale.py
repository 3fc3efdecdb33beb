"""The committed generated code in ledger/v1 matches proto/ exactly."""

from __future__ import annotations

from pathlib import Path

from ledger.tools.genproto import REPO, generate


def test_generated_code_is_fresh(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*_pb2*.py*")}
    committed = {p.relative_to(REPO): p.read_bytes() for p in (REPO / "ledger" / "v1").glob("*_pb2*.py*")}
    assert fresh, "protoc generated nothing"
    stale = sorted(str(k) for k in fresh if committed.get(k) != fresh[k])
    extra = sorted(str(k) for k in committed if k not in fresh)
    assert not stale, f"stale generated files (run make proto): {stale}"
    assert not extra, f"generated files without a .proto: {extra}"
