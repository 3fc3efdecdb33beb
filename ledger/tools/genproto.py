"""Generate the committed protobuf/gRPC Python code under ledger/v1 from proto/.

``python -m ledger.tools.genproto`` rewrites ledger/v1; ``generate(out_dir)`` writes into another
directory so a test can compare it with what is committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO / "proto"


def proto_files() -> list[Path]:
    """All .proto files under proto/, sorted."""
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: Path) -> None:
    """Write *_pb2.py, *_pb2.pyi and *_pb2_grpc.py for every proto file into ``out_dir``.

    Raises RuntimeError if protoc fails.
    """
    from grpc_tools import protoc  # dev-only dependency

    out_dir.mkdir(parents=True, exist_ok=True)
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *[str(p.relative_to(PROTO_ROOT)) for p in proto_files()],
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))


def main() -> int:
    generate(REPO)
    init = REPO / "ledger" / "v1" / "__init__.py"
    if not init.exists():
        init.write_text('"""Generated protobuf code (package ledger.v1). Do not edit."""\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
