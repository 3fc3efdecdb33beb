/* CPU-only: the signature rule of ed25519.cuh for keys that are verified often (a client's few
 * member banks). Not a kernel and never built for the GPU.
 *
 * The byte-level checks, SHA-512, the reduction mod L and the scalar recoding are the kernel's own
 * functions (ed25519.cuh and the headers it includes), called in the same order. What differs is
 * the group arithmetic: field elements in radix 2^51 (five 64-bit limbs, 128-bit products), and a
 * table per key of the multiples d * 16^i * (-A) (d = 1..8, i = 0..63), normalised to affine, plus
 * the same table for B. A verification is then 128 mixed additions and no doublings. The group
 * law is exact, so the point compared with R (and the verdict) is the one the kernel and libsodium
 * compute. Built with cpu_host-style flags by ledger/verify/keyed.py, loaded with ctypes. */
#include <stdlib.h>
#include <string.h>

#include "ed25519.cuh"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "encodings are loaded as little-endian words");
typedef unsigned __int128 cl_u128;

struct f51 {
    uint64_t v[5];
};
/* Every f51 passed to a function here has limbs below 2^52 ("carried"); each function returns
 * carried limbs. That bound keeps all 128-bit sums and the final 19*c fold inside their types. */
#define F51_M ((((uint64_t)1) << 51) - 1)

static const f51 F51_D = {{0x34dca135978a3ull, 0x1a8283b156ebdull, 0x5e7a26001c029ull, 0x739c663a03cbbull,
                           0x52036cee2b6ffull}};
static const f51 F51_D2 = {{0x69b9426b2f159ull, 0x35050762add7aull, 0x3cf44c0038052ull, 0x6738cc7407977ull,
                            0x2406d9dc56dffull}};
static const f51 F51_SQRTM1 = {{0x61b274a0ea0b0ull, 0xd5a5fc8f189dull, 0x7ef5e9cbd0c60ull, 0x78595a6804c9eull,
                                0x2b8324804fc1dull}};

static inline void f51_carry(f51 &h) {
    uint64_t c;
    c = h.v[0] >> 51, h.v[0] &= F51_M, h.v[1] += c;
    c = h.v[1] >> 51, h.v[1] &= F51_M, h.v[2] += c;
    c = h.v[2] >> 51, h.v[2] &= F51_M, h.v[3] += c;
    c = h.v[3] >> 51, h.v[3] &= F51_M, h.v[4] += c;
    c = h.v[4] >> 51, h.v[4] &= F51_M, h.v[0] += 19 * c;
}
static inline void f51_0(f51 &h) { h.v[0] = h.v[1] = h.v[2] = h.v[3] = h.v[4] = 0; }
static inline void f51_1(f51 &h) { f51_0(h), h.v[0] = 1; }
static inline void f51_add(f51 &h, const f51 &f, const f51 &g) {
    for (int i = 0; i < 5; i++) h.v[i] = f.v[i] + g.v[i];
    f51_carry(h);
}
/* h = f - g + 4p: no limb goes negative for carried g */
static inline void f51_sub(f51 &h, const f51 &f, const f51 &g) {
    h.v[0] = f.v[0] + 0x1fffffffffffb4ull - g.v[0];
    for (int i = 1; i < 5; i++) h.v[i] = f.v[i] + 0x1ffffffffffffcull - g.v[i];
    f51_carry(h);
}
static inline void f51_neg(f51 &h, const f51 &f) {
    f51 z;
    f51_0(z);
    f51_sub(h, z, f);
}

static inline void f51_reduce128(f51 &h, cl_u128 t0, cl_u128 t1, cl_u128 t2, cl_u128 t3, cl_u128 t4) {
    t1 += (uint64_t)(t0 >> 51);
    t2 += (uint64_t)(t1 >> 51);
    t3 += (uint64_t)(t2 >> 51);
    t4 += (uint64_t)(t3 >> 51);
    uint64_t r0 = (uint64_t)t0 & F51_M, r1 = (uint64_t)t1 & F51_M;
    r0 += 19 * (uint64_t)(t4 >> 51);
    r1 += r0 >> 51;
    h.v[0] = r0 & F51_M;
    h.v[1] = r1;
    h.v[2] = (uint64_t)t2 & F51_M;
    h.v[3] = (uint64_t)t3 & F51_M;
    h.v[4] = (uint64_t)t4 & F51_M;
}

static inline void f51_mul(f51 &h, const f51 &f, const f51 &g) {
    const uint64_t f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
    const uint64_t g0 = g.v[0], g1 = g.v[1], g2 = g.v[2], g3 = g.v[3], g4 = g.v[4];
    const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
    cl_u128 t0 = (cl_u128)f0 * g0 + (cl_u128)f1 * g4_19 + (cl_u128)f2 * g3_19 + (cl_u128)f3 * g2_19 +
                 (cl_u128)f4 * g1_19;
    cl_u128 t1 = (cl_u128)f0 * g1 + (cl_u128)f1 * g0 + (cl_u128)f2 * g4_19 + (cl_u128)f3 * g3_19 +
                 (cl_u128)f4 * g2_19;
    cl_u128 t2 = (cl_u128)f0 * g2 + (cl_u128)f1 * g1 + (cl_u128)f2 * g0 + (cl_u128)f3 * g4_19 +
                 (cl_u128)f4 * g3_19;
    cl_u128 t3 = (cl_u128)f0 * g3 + (cl_u128)f1 * g2 + (cl_u128)f2 * g1 + (cl_u128)f3 * g0 +
                 (cl_u128)f4 * g4_19;
    cl_u128 t4 = (cl_u128)f0 * g4 + (cl_u128)f1 * g3 + (cl_u128)f2 * g2 + (cl_u128)f3 * g1 + (cl_u128)f4 * g0;
    f51_reduce128(h, t0, t1, t2, t3, t4);
}

static inline void f51_sq(f51 &h, const f51 &f) {
    const uint64_t f0 = f.v[0], f1 = f.v[1], f2 = f.v[2], f3 = f.v[3], f4 = f.v[4];
    const uint64_t f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3;
    const uint64_t f3_19 = 19 * f3, f4_19 = 19 * f4;
    cl_u128 t0 = (cl_u128)f0 * f0 + (cl_u128)f1_2 * f4_19 + (cl_u128)f2_2 * f3_19;
    cl_u128 t1 = (cl_u128)f0_2 * f1 + (cl_u128)f2_2 * f4_19 + (cl_u128)f3 * f3_19;
    cl_u128 t2 = (cl_u128)f0_2 * f2 + (cl_u128)f1 * f1 + (cl_u128)f3_2 * f4_19;
    cl_u128 t3 = (cl_u128)f0_2 * f3 + (cl_u128)f1_2 * f2 + (cl_u128)f4 * f4_19;
    cl_u128 t4 = (cl_u128)f0_2 * f4 + (cl_u128)f1_2 * f3 + (cl_u128)f2 * f2;
    f51_reduce128(h, t0, t1, t2, t3, t4);
}
static inline void f51_sqn(f51 &h, const f51 &f, int n) {
    f51_sq(h, f);
    for (int i = 1; i < n; i++) f51_sq(h, h);
}

/* 32 little-endian bytes, bit 255 ignored (as fe25519_frombytes) */
static inline void f51_frombytes(f51 &h, const uint8_t s[32]) {
    uint64_t w[4];
    memcpy(w, s, 32);
    h.v[0] = w[0] & F51_M;
    h.v[1] = ((w[0] >> 51) | (w[1] << 13)) & F51_M;
    h.v[2] = ((w[1] >> 38) | (w[2] << 26)) & F51_M;
    h.v[3] = ((w[2] >> 25) | (w[3] << 39)) & F51_M;
    h.v[4] = (w[3] >> 12) & F51_M;
}
/* The canonical encoding (value mod p) */
static inline void f51_tobytes(uint8_t s[32], const f51 &f) {
    f51 t = f;
    f51_carry(t);
    uint64_t q = (t.v[0] + 19) >> 51;
    q = (t.v[1] + q) >> 51;
    q = (t.v[2] + q) >> 51;
    q = (t.v[3] + q) >> 51;
    q = (t.v[4] + q) >> 51; /* 1 iff t >= p */
    t.v[0] += 19 * q;
    t.v[1] += t.v[0] >> 51, t.v[0] &= F51_M;
    t.v[2] += t.v[1] >> 51, t.v[1] &= F51_M;
    t.v[3] += t.v[2] >> 51, t.v[2] &= F51_M;
    t.v[4] += t.v[3] >> 51, t.v[3] &= F51_M;
    t.v[4] &= F51_M;
    uint64_t w[4] = {t.v[0] | (t.v[1] << 51), (t.v[1] >> 13) | (t.v[2] << 38), (t.v[2] >> 26) | (t.v[3] << 25),
                     (t.v[3] >> 39) | (t.v[4] << 12)};
    memcpy(s, w, 32);
}
static inline int f51_isnegative(const f51 &f) {
    uint8_t s[32];
    f51_tobytes(s, f);
    return s[0] & 1;
}
static inline int f51_iszero(const f51 &f) {
    uint8_t s[32];
    f51_tobytes(s, f);
    uint8_t c = 0;
    for (int i = 0; i < 32; i++) c |= s[i];
    return c == 0;
}

/* t = z^(2^250 - 1), z11 = z^11 */
static void f51_pow_2_250_1(f51 &t, f51 &z11, const f51 &z) {
    f51 a, b, c;
    f51_sq(a, z);          /* z^2 */
    f51_sqn(b, a, 2);      /* z^8 */
    f51_mul(b, b, z);      /* z^9 */
    f51_mul(z11, a, b);    /* z^11 */
    f51_sq(a, z11);        /* z^22 */
    f51_mul(b, b, a);      /* z^31 = z^(2^5-1) */
    f51_sqn(a, b, 5);
    f51_mul(b, a, b);      /* 2^10-1 */
    f51_sqn(a, b, 10);
    f51_mul(a, a, b);      /* 2^20-1 */
    f51_sqn(c, a, 20);
    f51_mul(a, c, a);      /* 2^40-1 */
    f51_sqn(a, a, 10);
    f51_mul(b, a, b);      /* 2^50-1 */
    f51_sqn(a, b, 50);
    f51_mul(a, a, b);      /* 2^100-1 */
    f51_sqn(c, a, 100);
    f51_mul(a, c, a);      /* 2^200-1 */
    f51_sqn(a, a, 50);
    f51_mul(t, a, b);      /* 2^250-1 */
}
static void f51_invert(f51 &out, const f51 &z) { /* z^(p-2) = z^(2^255-21) */
    f51 t, z11;
    f51_pow_2_250_1(t, z11, z);
    f51_sqn(t, t, 5);
    f51_mul(out, t, z11);
}
static void f51_pow22523(f51 &out, const f51 &z) { /* z^((p-5)/8) = z^(2^252-3) */
    f51 t, z11;
    f51_pow_2_250_1(t, z11, z);
    f51_sqn(t, t, 2);
    f51_mul(out, t, z);
}

struct p3 {
    f51 X, Y, Z, T;
};
struct p1p1 {
    f51 X, Y, Z, T;
};
struct niels { /* affine (y + x, y - x, 2 d x y) */
    f51 ypx, ymx, xy2d;
};
struct cached {
    f51 YpX, YmX, Z, T2d;
};

static inline void to_p3(p3 &r, const p1p1 &p) {
    f51_mul(r.X, p.X, p.T);
    f51_mul(r.Y, p.Y, p.Z);
    f51_mul(r.Z, p.Z, p.T);
    f51_mul(r.T, p.X, p.Y);
}
static inline void to_cached(cached &r, const p3 &p) {
    f51_add(r.YpX, p.Y, p.X);
    f51_sub(r.YmX, p.Y, p.X);
    r.Z = p.Z;
    f51_mul(r.T2d, p.T, F51_D2);
}
static inline void dbl(p1p1 &r, const p3 &p) {
    f51 t0;
    f51_sq(r.X, p.X);
    f51_sq(r.Z, p.Y);
    f51_sq(r.T, p.Z);
    f51_add(r.T, r.T, r.T);
    f51_add(r.Y, p.X, p.Y);
    f51_sq(t0, r.Y);
    f51_add(r.Y, r.Z, r.X);
    f51_sub(r.Z, r.Z, r.X);
    f51_sub(r.X, t0, r.Y);
    f51_sub(r.T, r.T, r.Z);
}
static inline void add_cached(p1p1 &r, const p3 &p, const cached &q) {
    f51 t0, qt;
    f51_add(r.X, p.Y, p.X);
    f51_sub(r.Y, p.Y, p.X);
    f51_mul(r.Z, r.X, q.YpX);
    f51_mul(r.Y, r.Y, q.YmX);
    f51_mul(qt, q.T2d, p.T);
    f51_mul(r.X, p.Z, q.Z);
    f51_add(t0, r.X, r.X);
    f51_sub(r.X, r.Z, r.Y);
    f51_add(r.Y, r.Z, r.Y);
    f51_add(r.Z, t0, qt);
    f51_sub(r.T, t0, qt);
}
/* p = p + q (neg = 0) or p - q (neg = 1) */
static inline void add_niels(p3 &p, const niels &q, int neg) {
    p1p1 r;
    f51 t0, qt;
    f51_add(r.X, p.Y, p.X);
    f51_sub(r.Y, p.Y, p.X);
    f51_mul(r.Z, r.X, neg ? q.ymx : q.ypx);
    f51_mul(r.Y, r.Y, neg ? q.ypx : q.ymx);
    f51_mul(qt, q.xy2d, p.T);
    f51_add(t0, p.Z, p.Z);
    f51_sub(r.X, r.Z, r.Y);
    f51_add(r.Y, r.Z, r.Y);
    if (neg) {
        f51_sub(r.Z, t0, qt);
        f51_add(r.T, t0, qt);
    } else {
        f51_add(r.Z, t0, qt);
        f51_sub(r.T, t0, qt);
    }
    to_p3(p, r);
}

/* -A from its encoding, as libsodium's ge25519_frombytes_negate_vartime; 0 if y is not on the curve */
static int frombytes_negate(p3 &h, const uint8_t s[32]) {
    f51 u, v, v3, vxx, check;
    f51_frombytes(h.Y, s);
    f51_1(h.Z);
    f51_sq(u, h.Y);
    f51_mul(v, u, F51_D);
    f51_sub(u, u, h.Z); /* y^2 - 1 */
    f51_add(v, v, h.Z); /* d y^2 + 1 */
    f51_sq(v3, v);
    f51_mul(v3, v3, v);
    f51_sq(h.X, v3);
    f51_mul(h.X, h.X, v);
    f51_mul(h.X, h.X, u); /* u v^7 */
    f51_pow22523(h.X, h.X);
    f51_mul(h.X, h.X, v3);
    f51_mul(h.X, h.X, u);
    f51_sq(vxx, h.X);
    f51_mul(vxx, vxx, v);
    f51_sub(check, vxx, u);
    if (!f51_iszero(check)) {
        f51_add(check, vxx, u);
        if (!f51_iszero(check)) return 0;
        f51_mul(h.X, h.X, F51_SQRTM1);
    }
    if (f51_isnegative(h.X) == (s[31] >> 7)) f51_neg(h.X, h.X);
    f51_mul(h.T, h.X, h.Y);
    return 1;
}

#define CL51_ROWS 64
#define CL51_COLS 8
typedef niels cl51_table[CL51_ROWS][CL51_COLS];

/* tab[i][j] = (j + 1) * 16^i * P, affine. */
static void build_table(cl51_table &tab, const p3 &P) {
    const int n = CL51_ROWS * CL51_COLS;
    p3 *e = (p3 *)malloc(sizeof(p3) * n);
    f51 *acc = (f51 *)malloc(sizeof(f51) * n);
    if (!e || !acc) abort(); /* never a verdict from a table not built */
    p3 Q = P;
    for (int i = 0; i < CL51_ROWS; i++) {
        p3 *row = e + i * CL51_COLS;
        p1p1 t;
        cached qc;
        row[0] = Q;
        to_cached(qc, Q);
        dbl(t, Q);
        to_p3(row[1], t);
        for (int j = 2; j < CL51_COLS; j++) {
            add_cached(t, row[j - 1], qc);
            to_p3(row[j], t);
        }
        dbl(t, row[CL51_COLS - 1]); /* 16 Q = 2 (8 Q) */
        to_p3(Q, t);
    }
    /* one inversion for all Z (Montgomery's trick) */
    acc[0] = e[0].Z;
    for (int k = 1; k < n; k++) f51_mul(acc[k], acc[k - 1], e[k].Z);
    f51 inv;
    f51_invert(inv, acc[n - 1]);
    for (int k = n - 1; k >= 0; k--) {
        f51 zi, x, y;
        if (k > 0) {
            f51_mul(zi, inv, acc[k - 1]);
            f51_mul(inv, inv, e[k].Z);
        } else {
            zi = inv;
        }
        f51_mul(x, e[k].X, zi);
        f51_mul(y, e[k].Y, zi);
        niels &o = tab[k / CL51_COLS][k % CL51_COLS];
        f51_add(o.ypx, y, x);
        f51_sub(o.ymx, y, x);
        f51_mul(o.xy2d, x, y);
        f51_mul(o.xy2d, o.xy2d, F51_D2);
    }
    free(acc);
    free(e);
}

static cl51_table cl51_base;

static inline int digit(const uint64_t rec[4], int i) { return (int)((rec[i >> 4] >> ((i & 15) * 4)) & 15) - 8; }

static inline void add_digit(p3 &h, const cl51_table &tab, int i, int d) {
    if (d > 0) add_niels(h, tab[i][d - 1], 0);
    else if (d < 0) add_niels(h, tab[i][-d - 1], 1);
}

/* The kernel's cl_ed25519_verify, with -A's table given (built from pk by cl51_key_table). */
static int verify_keyed(const uint8_t *m, uint64_t mlen, const uint8_t *sig, const uint8_t *pk,
                        const cl51_table &ta) {
    uint32_t r[8], a[8];
    uint64_t s[4];
    memcpy(r, sig, 32);
    memcpy(s, sig + 32, 32);
    memcpy(a, pk, 32);
    if (!sc_is_canonical(s)) return 0;
    if (ge_has_small_order(r)) return 0;
    uint64_t hsh[8], k[4], kd[4], sd[4];
    cl_sha512_ram(r, a, m, mlen, hsh);
    sc_reduce512(k, hsh);
    sc_recode16(kd, k);
    sc_recode16(sd, s);
    p3 h;
    f51_0(h.X), f51_1(h.Y), f51_1(h.Z), f51_0(h.T);
    for (int i = 0; i < CL51_ROWS; i++) {
        add_digit(h, ta, i, digit(kd, i));
        add_digit(h, cl51_base, i, digit(sd, i));
    }
    f51 zi, x, y;
    f51_invert(zi, h.Z);
    f51_mul(x, h.X, zi);
    f51_mul(y, h.Y, zi);
    uint8_t enc[32];
    f51_tobytes(enc, y);
    enc[31] |= (uint8_t)(f51_isnegative(x) << 7);
    return memcmp(enc, sig, 32) == 0;
}

extern "C" {

unsigned long cl51_table_bytes(void) { return sizeof(cl51_table); }

/* Build B's table; call once before anything else. */
void cl51_init(void) {
    static const uint8_t base_enc[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                         0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                         0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    p3 B;
    frombytes_negate(B, base_enc); /* -B */
    f51_neg(B.X, B.X);
    f51_neg(B.T, B.T);
    build_table(cl51_base, B);
}

/* The table of -A for a 32-byte key: 1 if the key passes the rule's key checks (canonical, not of
 * small order, on the curve), 0 otherwise (every signature under it is then refused). */
int cl51_key_table(const uint8_t *pk, void *out) {
    uint32_t a[8];
    memcpy(a, pk, 32);
    if (!ge_is_canonical(a) || ge_has_small_order(a)) return 0;
    p3 A;
    if (!frombytes_negate(A, pk)) return 0;
    build_table(*(cl51_table *)out, A);
    return 1;
}

/* Test hook: one field operation on limb arrays (5 limbs each, every limb below 2^52), result
 * encoded canonically. op: 0 a*b, 1 a^2, 2 a+b, 3 a-b, 4 -a, 5 1/a, 6 a^((p-5)/8), 7 a. */
void cl51_fe_op(int op, const uint64_t *a, const uint64_t *b, uint8_t *out) {
    f51 x, y, r;
    memcpy(x.v, a, sizeof x.v);
    memcpy(y.v, b, sizeof y.v);
    switch (op) {
    case 0: f51_mul(r, x, y); break;
    case 1: f51_sq(r, x); break;
    case 2: f51_add(r, x, y); break;
    case 3: f51_sub(r, x, y); break;
    case 4: f51_neg(r, x); break;
    case 5: f51_invert(r, x); break;
    case 6: f51_pow22523(r, x); break;
    default: r = x;
    }
    f51_tobytes(out, r);
}

/* out[i] = 1 iff signature i (64 bytes at sigs + 64 i) verifies for message
 * msgs[offsets[i]:offsets[i + 1]] under key pks + 32 i, whose table is tables[i] (NULL: refused). */
void cl51_verify(uint32_t n, const uint8_t *msgs, const uint64_t *offsets, const uint8_t *sigs, const uint8_t *pks,
                 const void *const *tables, uint8_t *out) {
    for (uint32_t i = 0; i < n; i++) {
        const cl51_table *t = (const cl51_table *)tables[i];
        out[i] = t ? (uint8_t)verify_keyed(msgs + offsets[i], offsets[i + 1] - offsets[i], sigs + 64 * (uint64_t)i,
                                           pks + 32 * (uint64_t)i, *t)
                   : 0;
    }
}
}
