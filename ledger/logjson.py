"""Structured logs: one JSON object per line, carrying the request id of the RPC being served.

Promises:

* ``REQUEST_ID`` is set for the duration of each RPC (ledger.service.requestlog) and every log line
  written meanwhile by that thread carries it as ``request_id``.
* No personal data: any run of 64 or more hex digits (a borrower ref, record id or payload dump) is
  cut to its first 8 characters plus ``…`` before the line is written, and raw bytes are never
  logged by ledger code. Borrower refs appear at most as ledger.privacy.pseudonym.short_ref.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
from typing import Any

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("creditledger_request_id", default=None)
_LONG_HEX = re.compile(r"[0-9a-fA-F]{64,}")
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def scrub(text: str) -> str:
    """``text`` with every run of >= 64 hex digits truncated to 8 characters and ``…``."""
    return _LONG_HEX.sub(lambda m: m.group(0)[:8] + "…", text)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: ts, level, logger, msg, request_id, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        rid = getattr(record, "request_id", None) or REQUEST_ID.get()
        if rid:
            doc["request_id"] = rid
        for k, v in record.__dict__.items():
            if k not in _RESERVED and k not in doc and not k.startswith("_"):
                doc[k] = v if isinstance(v, int | float | bool) or v is None else scrub(str(v))
        if record.exc_info:
            doc["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(doc, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The plain format, with ``[request_id]`` when one is set and the same scrubbing."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        rid = REQUEST_ID.get()
        line = scrub(super().format(record))
        return f"{line} [{rid}]" if rid else line


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Install one stderr handler on the root logger with the chosen format ("text" or "json")."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
