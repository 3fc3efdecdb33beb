"""A start-up probe that a verifier follows the written signature rule (docs/SIGNATURE_RULE.md).

Ed25519 verifiers differ on inputs that honest signers never produce, and libsodium's own choice
could change with the version a PyNaCl wheel bundles. A node or client whose verifier judged such
an input differently from the others could accept a record they refuse. So every verifier is
probed once, when built, with inputs on which the rule's choices matter; one that answers any of
them differently is refused before it judges a record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from ledger.verify.base import BoolMask

# (what it checks, message, signature, public key, the rule's verdict)
PROBES: Final = (
    (
        "RFC 8032 TEST 1 (valid)",
        b"",
        bytes.fromhex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
        bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
        True,
    ),
    (
        # A = aB + T (T of order 8), S = r + k a, R = rB with k = 3 mod 8: [S]B - [k]A - R = -[k]T
        # is of small order, not the identity. Cofactored verifiers accept; the rule refuses.
        "mixed-order key, cofactored equation only",
        b"CREDITLEDGER rule probe 1",
        bytes.fromhex(
            "2c4d4d8f99b205044640c5d27091b937ac2c079c1b6f4a23896eda4b1ef37947"
            "2f535b78788d972f8df0d3c683951bd910505f49ed338ea29640d063221d1308"
        ),
        bytes.fromhex("2ed0f3cd64a14982be4ca9d1f19b18e1bd8d1e738da669156c42f98d403acb92"),
        False,
    ),
    (
        # TEST 1 with S + L: the same point, a non-canonical S. The rule refuses (malleability).
        "S + L",
        b"",
        bytes.fromhex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "4c8c7872aa064e049dbb3013fbf29380d25bf5f0595bbe24655141438e7a101b"
        ),
        bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
        False,
    ),
)


class RuleMismatch(RuntimeError):
    """A verifier's verdict on a probe differs from the signature rule's."""


def probe(name: str, verify_batch: Callable[[Sequence[bytes], Sequence[bytes], Sequence[bytes]], BoolMask]) -> None:
    """Raise RuleMismatch naming the first probe that ``verify_batch`` judges against the rule."""
    got = verify_batch([p[1] for p in PROBES], [p[2] for p in PROBES], [p[3] for p in PROBES])
    for (what, _m, _s, _pk, want), verdict in zip(PROBES, got, strict=True):
        if bool(verdict) != want:
            raise RuleMismatch(
                f"verifier {name} {'accepts' if verdict else 'refuses'} the probe {what!r}, which the "
                "signature rule (docs/SIGNATURE_RULE.md) "
                f"{'accepts' if want else 'refuses'}; refusing to use it"
            )
