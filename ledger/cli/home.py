"""Create a consortium home: node key, consortium key, member keys, genesis membership, demo CA, config.

Layout of ``HOME``::

    config.json          node config (data_dir = HOME/data)
    members.json         members, roles, public keys, and the signed genesis membership entries
                         (the first entries of the log; afterwards the log alone defines members)
    keys/node.key        node checkpoint signing seed (hex)
    keys/consortium.key  HMAC key for borrower references (hex)
    keys/<member>.key    each member's signing seed (hex), for the demo and tests only
    secrets/master.key   master key wrapping borrower data keys; never inside data/
    tls/ca.pem, ca.key   the demo consortium CA (ledger.members.ca)
    tls/node.pem, .key   the node's server certificate (localhost, 127.0.0.1, ::1, listen host)
    tls/members/<m>.pem  each member's client certificate (CN and SAN URI creditledger:member:<m>)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ledger.client import RecordSigner
from ledger.members import ca
from ledger.members.genesis import genesis, write_members_file

DEFAULT_ADMIN = "admin"


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
    """Create a consortium home with one key and one client certificate per member; returns the config path.

    ``members`` maps member id to roles; when none has the admin role an ``admin`` member is added.
    The first admin signs the genesis membership. Refuses (FileExistsError) to overwrite a home.
    """
    cfg = home / "config.json"
    if cfg.exists():
        raise FileExistsError(f"{cfg} exists; refusing to overwrite a consortium")
    keys = home / "keys"
    write_secret(keys / "node.key", os.urandom(32))
    write_secret(keys / "consortium.key", os.urandom(32))
    write_secret(home / "secrets" / "master.key", os.urandom(32))
    members = dict(members)
    if not any("admin" in r for r in members.values()):
        members[DEFAULT_ADMIN] = ["admin"]
    admin = next(m for m, r in members.items() if "admin" in r)
    seeds = {mid: os.urandom(32) for mid in members}
    table = {mid: (list(roles), RecordSigner(seeds[mid]).public_key) for mid, roles in members.items()}
    for mid, seed in seeds.items():
        write_secret(keys / f"{mid}.key", seed)
    write_members_file(home / "members.json", table, genesis(admin, seeds[admin], table))
    tls = _write_tls(home / "tls", list(members), listen)
    cfg.write_text(
        json.dumps(
            {
                "data_dir": "data",
                "node_key_file": "keys/node.key",
                "members_file": "members.json",
                "consortium_key_file": "keys/consortium.key",
                "master_key_file": "secrets/master.key",
                "listen": listen,
                "tls_cert": str(tls["node.pem"]),
                "tls_key": str(tls["node.key"]),
                "tls_client_ca": str(tls["ca.pem"]),
            },
            indent=2,
        )
        + "\n"
    )
    return cfg


def _write_tls(folder: Path, members: list[str], listen: str) -> dict[str, Path]:
    """The demo CA, the node certificate and one client certificate per member; paths relative to HOME."""
    authority = ca.new_ca()
    authority.write(folder, "ca")
    hosts = ["localhost", "127.0.0.1", "::1"]
    host = listen.rsplit(":", 1)[0].strip("[]")
    if host and host not in hosts and host not in ("0.0.0.0", "::"):
        hosts.append(host)
    ca.issue_server(authority, hosts).write(folder, "node")
    for m in members:
        ca.issue_member(authority, m).write(folder / "members", m)
    rel = Path(folder.name)
    return {"ca.pem": rel / "ca.pem", "node.pem": rel / "node.pem", "node.key": rel / "node.key"}
