"""The consortium's certificate authority helper: a CA, the node's server certificate, member client certificates.

Promises:

* Every member certificate binds exactly one member id twice: the subject common name, and a SAN URI
  ``creditledger:member:<id>``. ``member_of_cert`` prefers the SAN URI and falls back to the CN.
* Keys are ECDSA P-256; certificates are X.509 v3 with the right key usages (server: serverAuth with
  DNS/IP SANs; member: clientAuth). Private keys are PEM (PKCS#8, unencrypted: protect the files).
* This is a demo/small-consortium CA. Production consortia would use their own PKI; the node only
  needs a CA bundle to trust and certificates that carry the member id as above.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

MEMBER_URI_PREFIX: Final = "creditledger:member:"


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes

    def write(self, folder: Path, name: str) -> tuple[Path, Path]:
        """Write ``name.pem`` and ``name.key`` (owner-only) into ``folder``; return both paths."""
        folder.mkdir(parents=True, exist_ok=True)
        cert, key = folder / f"{name}.pem", folder / f"{name}.key"
        cert.write_bytes(self.cert_pem)
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(self.key_pem)
        return cert, key


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    fmt = serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def _builder(subject: str, issuer: x509.Name, public: ec.EllipticCurvePublicKey, not_before: dt.datetime,
             not_after: dt.datetime) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def new_ca(name: str = "creditledger consortium CA", *, days: int = 3650) -> Issued:
    """A self-signed CA certificate (path length 0) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        _builder(name, subject, key.public_key(), now - dt.timedelta(minutes=5), now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def _issue(ca: Issued, subject: str, sans: list[x509.GeneralName], usage: x509.ObjectIdentifier,
           not_before: dt.datetime, not_after: dt.datetime) -> Issued:
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = serialization.load_pem_private_key(ca.key_pem, None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(subject, ca_cert.subject, key.public_key(), not_before, not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return Issued(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def issue_server(ca: Issued, hosts: Sequence[str] = ("localhost", "127.0.0.1", "::1"), *, days: int = 825) -> Issued:
    """The node's TLS server certificate for ``hosts`` (DNS names or IP addresses)."""
    sans: list[x509.GeneralName] = []
    for h in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            sans.append(x509.DNSName(h))
    now = _now()
    return _issue(ca, hosts[0], sans, ExtendedKeyUsageOID.SERVER_AUTH, now - dt.timedelta(minutes=5),
                  now + dt.timedelta(days=days))


def issue_member(ca: Issued, member_id: str, *, days: int = 825, not_before: dt.datetime | None = None,
                 not_after: dt.datetime | None = None) -> Issued:
    """A client certificate for ``member_id``: CN and SAN URI ``creditledger:member:<id>``."""
    nb = not_before or _now() - dt.timedelta(minutes=5)
    na = not_after or nb + dt.timedelta(days=days)
    sans: list[x509.GeneralName] = [x509.UniformResourceIdentifier(MEMBER_URI_PREFIX + member_id)]
    return _issue(ca, member_id, sans, ExtendedKeyUsageOID.CLIENT_AUTH, nb, na)


def member_from_names(uris: Sequence[str], common_names: Sequence[str]) -> str | None:
    """The one rule binding a certificate to a member, from its SAN URIs and subject common names.

    The single ``creditledger:member:<id>`` URI names the member; without one, the single CN does.
    None when the certificate names no member (or an empty id), or more than one. Used for a
    parsed certificate (``member_of_cert``) and for gRPC's view of the peer (service.auth).
    """
    ids = [u[len(MEMBER_URI_PREFIX) :] for u in uris if u.startswith(MEMBER_URI_PREFIX)]
    if len(ids) > 1:
        return None
    if ids:
        return ids[0] or None
    if len(common_names) != 1:
        return None
    return common_names[0] or None


@functools.lru_cache(maxsize=1024)
def member_of_cert(cert_pem: bytes) -> str | None:
    """``member_from_names`` of a PEM certificate; None also when it cannot be parsed."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        return None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        uris = list(san.get_values_for_type(x509.UniformResourceIdentifier))
    except x509.ExtensionNotFound:
        uris = []
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    cns = [a.value if isinstance(a.value, str) else "" for a in attrs]
    return member_from_names(uris, cns)
