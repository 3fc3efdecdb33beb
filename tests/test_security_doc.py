"""docs/SECURITY.md embeds the authorization table the server enforces, generated from POLICY."""

from __future__ import annotations

from pathlib import Path

from ledger.service.authz import policy_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "SECURITY.md"


def test_security_doc_table_matches_policy() -> None:
    text = DOC.read_text()
    begin, end = "<!-- BEGIN GENERATED POLICY TABLE -->\n", "<!-- END GENERATED POLICY TABLE -->"
    embedded = text[text.index(begin) + len(begin) : text.index(end)]
    assert embedded.strip() == policy_markdown().strip(), "regenerate the table: ledger.service.authz.policy_markdown()"
