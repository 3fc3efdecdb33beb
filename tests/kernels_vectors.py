"""Shared inputs for the kernel parity tests (CPU build and GPU): vectors, edge cases, mutations.

Pure-Python edwards25519 arithmetic here is only used to *construct* inputs; every verdict is
compared with libsodium (PyNaCl).
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Final

P: Final = 2**255 - 19
L: Final = 2**252 + 27742317777372353535851937790883648493
D: Final = (-121665 * pow(121666, P - 2, P)) % P
SQRTM1: Final = pow(2, (P - 1) // 4, P)
VECTORS: Final = Path(__file__).parent / "vectors" / "ed25519_test.json"

Point = tuple[int, int]
Case = tuple[str, bytes, bytes, bytes]  # (name, message, signature, public key)


def recover_x(y: int, sign: int) -> int | None:
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRTM1 % P
    if (x * x - x2) % P:
        return None
    if x & 1 != sign:
        x = (P - x) % P
    return x


B: Final[Point] = (recover_x(4 * pow(5, P - 2, P) % P, 0) or 0, 4 * pow(5, P - 2, P) % P)


def add(p1: Point, p2: Point) -> Point:
    (x1, y1), (x2, y2) = p1, p2
    t = D * x1 * x2 * y1 * y2 % P
    return (
        (x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P,
        (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P,
    )


def neg(p: Point) -> Point:
    return ((P - p[0]) % P, p[1])


def mul(k: int, p: Point) -> Point:
    acc: Point = (0, 1)
    while k:
        if k & 1:
            acc = add(acc, p)
        p = add(p, p)
        k >>= 1
    return acc


def enc(p: Point) -> bytes:
    return (p[1] | ((p[0] & 1) << 255)).to_bytes(32, "little")


def dec(b: bytes) -> Point | None:
    v = int.from_bytes(b, "little")
    y = v & ((1 << 255) - 1)
    if y >= P:
        return None
    x = recover_x(y, v >> 255)
    return None if x is None else (x, y)


def hram(r: bytes, a: bytes, m: bytes) -> int:
    return int.from_bytes(hashlib.sha512(r + a + m).digest(), "little") % L


def torsion_points() -> list[Point]:
    """All 8 points of order dividing 8."""
    y = 2
    while True:
        x = recover_x(y, 0)
        if x is not None:
            t = mul(L, (x, y))
            pts = [mul(i, t) for i in range(8)]
            if len(set(pts)) == 8:
                return pts
        y += 1


SMALL_ORDER_BLACKLIST: Final = [
    bytes(32),
    (1).to_bytes(32, "little"),
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    (P - 1).to_bytes(32, "little"),
    P.to_bytes(32, "little"),
    (P + 1).to_bytes(32, "little"),
]


def with_sign(b: bytes) -> bytes:
    return b[:31] + bytes([b[31] | 0x80])


# RFC 8032 section 7.1 (Ed25519): (name, secret seed, public key, message, signature)
RFC8032: Final = [
    (
        "TEST 1",
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "TEST 2",
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "TEST 3",
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "TEST 1024",
        "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
        "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
        "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
        "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
        "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
        "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
        "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
        "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
        "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
        "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
        "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
        "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
        "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
        "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
        "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
        "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
        "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
        "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
        "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
        "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
        "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
        "c60c905c15fc910840b94c00a0b9d0",
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
        "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
    ),
    (
        "TEST SHA(abc)",
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        hashlib.sha512(b"abc").hexdigest(),
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
        "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
]


def wycheproof() -> list[tuple[int, bytes, bytes, bytes, str]]:
    """(tcId, msg, sig, pk, result) for every Wycheproof case (signatures of any length)."""
    data = json.loads(VECTORS.read_text())
    out = []
    for g in data["testGroups"]:
        pk = bytes.fromhex(g["publicKey"]["pk"])
        for t in g["tests"]:
            out.append((t["tcId"], bytes.fromhex(t["msg"]), bytes.fromhex(t["sig"]), pk, t["result"]))
    return out


def _sign(a: int, prefix: bytes, pk: bytes, m: bytes) -> bytes:
    r = int.from_bytes(hashlib.sha512(prefix + m).digest(), "little") % L
    rb = enc(mul(r, B))
    s = (r + hram(rb, pk, m) * a) % L
    return rb + s.to_bytes(32, "little")


def edge_cases() -> list[Case]:
    """Crafted inputs around every check of the rule (verdicts come from libsodium)."""
    rnd = random.Random(8032)
    a = rnd.randrange(1, L)
    prefix = bytes(rnd.randrange(256) for _ in range(32))
    A = mul(a, B)
    pk = enc(A)
    m = b"CREDITLEDGER-R1" + bytes(range(32))
    sig = _sign(a, prefix, pk, m)
    r_b, s_int = sig[:32], int.from_bytes(sig[32:], "little")
    cases: list[Case] = [("valid", m, sig, pk)]
    for name, s in [
        ("S=L", L),
        ("S=L+1", L + 1),
        ("S=2^256-1", 2**256 - 1),
        ("S=L-1", L - 1),
        ("S+L", s_int + L),
        ("S+2L", s_int + 2 * L),
        ("S=0", 0),
        ("S=2^252", 2**252),
        ("S top nibble set, small", s_int | (1 << 255)),
    ]:
        if s < 2**256:
            cases.append((name, m, r_b + s.to_bytes(32, "little"), pk))
    encodings = SMALL_ORDER_BLACKLIST + [with_sign(e) for e in SMALL_ORDER_BLACKLIST]
    for i, e in enumerate(encodings):
        cases.append((f"R small-order #{i}", m, e + sig[32:], pk))
        cases.append((f"A small-order #{i}", m, sig, e))
    # non-canonical y >= p for A and for R, with and without the sign bit
    for k in range(19):
        e = (P + k).to_bytes(32, "little")
        for v in (e, with_sign(e)):
            cases.append((f"A y=p+{k}", m, sig, v))
            cases.append((f"R y=p+{k}", m, v + sig[32:], pk))
    cases.append(("A y=2^255-1", m, sig, b"\xff" * 31 + b"\x7f"))
    cases.append(("A all ones", m, sig, b"\xff" * 32))
    # A not on the curve
    y = 2
    found = 0
    while found < 4:
        if recover_x(y, 0) is None:
            e = y.to_bytes(32, "little")
            cases.append((f"A off-curve y={y}", m, sig, e))
            cases.append((f"R off-curve y={y}", m, e + sig[32:], pk))
            found += 1
        y += 1
    # R with the sign bit flipped, R = -R, A = -A
    r_flip = r_b[:31] + bytes([r_b[31] ^ 0x80])
    cases.append(("R sign flipped", m, r_flip + sig[32:], pk))
    cases.append(("A negated", m, sig, enc(neg(A))))
    # equation holds but R is the identity (only the blacklist rejects it): S = k*a
    k_id = hram(SMALL_ORDER_BLACKLIST[1], pk, m)
    s_id = (k_id * a % L).to_bytes(32, "little")
    cases.append(("R identity, equation holds", m, SMALL_ORDER_BLACKLIST[1] + s_id, pk))
    # equation holds with a small-order A: R = [r]B - [k]T, search messages until it closes
    torsion = torsion_points()
    for t in torsion:
        te = enc(t)
        for tag in range(4096):
            mm = m + tag.to_bytes(2, "little")
            r = rnd.randrange(1, L)
            r_pt = mul(r, B)
            # choose the torsion part of R to cancel [k]T; k depends on R, so try all 8 and check
            done = False
            for tr in torsion:
                rb = enc(add(r_pt, tr))
                k = hram(rb, te, mm)
                if add(tr, mul(k % 8, t)) == (0, 1):
                    cases.append((f"A torsion {te.hex()[:8]}, equation holds", mm, rb + r.to_bytes(32, "little"), te))
                    done = True
                    break
            if done:
                break
    # mixed-order A = [a]B + T8 with a signature satisfying the cofactorless equation: accepted
    t8 = next(t for t in torsion if mul(4, t) != (0, 1))
    A_mixed = add(A, t8)
    pkm = enc(A_mixed)
    for tag in range(4096):
        mm = m + tag.to_bytes(2, "little")
        r = rnd.randrange(1, L)
        r_pt = mul(r, B)
        for tr in torsion:
            rb = enc(add(r_pt, tr))
            k = hram(rb, pkm, mm)
            if add(tr, mul(k % 8, t8)) == (0, 1):
                cases.append(("A mixed order, equation holds", mm, rb + ((r + k * a) % L).to_bytes(32, "little"), pkm))
                break
        else:
            continue
        break
    # wrong lengths are False, never an exception
    cases.append(("sig 63 bytes", m, sig[:63], pk))
    cases.append(("sig 65 bytes", m, sig + b"\0", pk))
    cases.append(("pk 31 bytes", m, sig, pk[:31]))
    cases.append(("empty sig and pk", m, b"", b""))
    return cases


def mutations(msgs: list[bytes], sigs: list[bytes], pks: list[bytes]) -> list[tuple[bytes, bytes, bytes]]:
    """Single-bit mutations: every bit position of signature (512), key (256) and message
    (8*len) is flipped at least once, each on a different item (cycling through the set)."""
    out = []
    n = len(msgs)
    j = 0
    for field, width in (("sig", 512), ("pk", 256), ("msg", 8 * len(msgs[0]))):
        for bit in range(width):
            i = j % n
            j += 1
            m, s, p = bytearray(msgs[i]), bytearray(sigs[i]), bytearray(pks[i])
            target = {"sig": s, "pk": p, "msg": m}[field]
            target[bit // 8] ^= 1 << (bit % 8)
            out.append((bytes(m), bytes(s), bytes(p)))
    return out
