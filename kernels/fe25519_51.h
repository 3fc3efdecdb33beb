/* CPU-only: arithmetic in GF(2^255-19) in radix 2^51 (five 64-bit limbs, 128-bit products), for
 * the keyed verifier (ed25519_keyed_cpu.cpp). Not used by the kernels, whose field code is
 * fe25519.cuh (radix 2^25.5, for the GPU). */
#ifndef CL_FE25519_51_H
#define CL_FE25519_51_H
#include <stdint.h>
#include <string.h>

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

#endif
