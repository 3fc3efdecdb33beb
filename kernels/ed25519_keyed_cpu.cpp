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
#include "fe25519_51.h"

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
