"""Node configuration: a JSON file plus CREDITLEDGER_* environment overrides, validated at start.

Relative paths in the file are relative to the file's folder. Errors name the key and why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ledger.verify import BACKENDS


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key."""


@dataclass(frozen=True)
class NodeConfig:
    data_dir: Path
    node_key_file: Path
    members_file: Path
    consortium_key_file: Path
    master_key_file: Path | None = None  # else CREDITLEDGER_MASTER_KEY
    listen: str = "127.0.0.1:50051"
    log_id: str = "creditledger"
    verify_backend: str = "auto"
    verify_workers: int = 0
    block_max_records: int = 4096
    block_max_ms: float = 10.0
    max_pending_records: int = 200_000
    metrics_port: int = 0  # 0: no metrics endpoint; metrics_addr picks the interface
    metrics_addr: str = "127.0.0.1"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    rate_records_per_s: float = 0.0  # per-member submission rate limit; 0: off
    rate_burst: int = 0  # token bucket size; 0: one second's worth

    def validate(self) -> None:
        if self.verify_backend not in BACKENDS:
            raise ConfigError(f"verify_backend: {self.verify_backend!r} is not one of {', '.join(BACKENDS)}")
        if not 1 <= self.block_max_records <= 1_000_000:
            raise ConfigError("block_max_records: must be between 1 and 1000000")
        if not 0 < self.block_max_ms <= 10_000:
            raise ConfigError("block_max_ms: must be in (0, 10000]")
        if self.max_pending_records < self.block_max_records:
            raise ConfigError("max_pending_records: must be at least block_max_records")
        if not 0 <= self.metrics_port < 65536:
            raise ConfigError("metrics_port: must be a TCP port or 0")
        for name in ("node_key_file", "members_file", "consortium_key_file"):
            p = getattr(self, name)
            if not p.is_file():
                raise ConfigError(f"{name}: {p} does not exist")
        if self.rate_records_per_s < 0 or self.rate_burst < 0:
            raise ConfigError("rate_records_per_s, rate_burst: must not be negative")
        tls = [self.tls_cert, self.tls_key, self.tls_client_ca]
        if any(tls) and not all(tls):
            raise ConfigError("tls_cert, tls_key, tls_client_ca: give all three or none")


_PATHS = {f.name for f in fields(NodeConfig) if "Path" in str(f.type)}


def _coerce(name: str, raw: Any, base: Path) -> Any:
    typ = str(next(f.type for f in fields(NodeConfig) if f.name == name))
    try:
        if name in _PATHS:
            p = Path(str(raw)).expanduser()
            return p if p.is_absolute() else (base / p)
        if typ.startswith("int"):
            return int(raw)
        if typ.startswith("float"):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: {raw!r} is not a valid {typ}") from None


def load_config(path: str | Path, environ: Mapping[str, str] | None = None) -> NodeConfig:
    """Read the file, apply CREDITLEDGER_<KEY> overrides, validate. Raises ConfigError."""
    env = os.environ if environ is None else environ
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"config file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"config file {path}: not JSON ({exc})") from None
    known = {f.name for f in fields(NodeConfig)}
    unknown = set(doc) - known
    if unknown:
        raise ConfigError(f"{sorted(unknown)[0]}: unknown key in {path}")
    for name in known:
        v = env.get(f"CREDITLEDGER_{name.upper()}")
        if v is not None:
            doc[name] = v
    missing = [n for n in ("data_dir", "node_key_file", "members_file", "consortium_key_file") if n not in doc]
    if missing:
        raise ConfigError(f"{missing[0]}: required")
    base = path.resolve().parent
    cfg = NodeConfig(**{k: _coerce(k, v, base) for k, v in doc.items() if v is not None})
    cfg.validate()
    return cfg
