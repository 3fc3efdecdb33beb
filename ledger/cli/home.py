"""Create a consortium home: node key, consortium key, member keys, members file, node config.

Layout of ``HOME``::

    config.json          node config (data_dir = HOME/data)
    members.json         members, roles and public keys
    keys/node.key        node checkpoint signing seed (hex)
    keys/consortium.key  HMAC key for borrower references (hex)
    keys/<member>.key    each member's signing seed (hex), for the demo and tests only
    secrets/master.key   master key wrapping borrower data keys; never inside data/
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ledger.client import RecordSigner


def write_secret(path: Path, data: bytes) -> None:
    """Write a hex secret readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(data.hex() + "\n")


def read_secret(path: Path) -> bytes:
    """Read a hex secret written by write_secret. Raises ValueError naming the file."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise ValueError(f"{path}: not a hex key") from None


def init_home(home: Path, members: dict[str, list[str]], listen: str = "127.0.0.1:50051") -> Path:
    """Create a consortium home with one key per member; returns the config path.

    ``members`` maps member id to roles. Refuses (FileExistsError) to overwrite an existing home.
    """
    cfg = home / "config.json"
    if cfg.exists():
        raise FileExistsError(f"{cfg} exists; refusing to overwrite a consortium")
    keys = home / "keys"
    write_secret(keys / "node.key", os.urandom(32))
    write_secret(keys / "consortium.key", os.urandom(32))
    write_secret(home / "secrets" / "master.key", os.urandom(32))
    doc = []
    for mid, roles in members.items():
        seed = os.urandom(32)
        write_secret(keys / f"{mid}.key", seed)
        doc.append({"id": mid, "roles": roles, "keys": [RecordSigner(seed).public_key.hex()]})
    (home / "members.json").write_text(json.dumps({"members": doc}, indent=2) + "\n")
    cfg.write_text(
        json.dumps(
            {
                "data_dir": "data",
                "node_key_file": "keys/node.key",
                "members_file": "members.json",
                "consortium_key_file": "keys/consortium.key",
                "master_key_file": "secrets/master.key",
                "listen": listen,
            },
            indent=2,
        )
        + "\n"
    )
    return cfg
