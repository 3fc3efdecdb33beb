/* Points on edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2), extended twisted Edwards coordinates
 * (Hisil-Wong-Carter-Dawson); the unified addition used here is complete on the curve. */
#ifndef CL_GE25519_CUH
#define CL_GE25519_CUH
#include "cl_types.cuh"
#include "fe25519.cuh"
#include "ge25519_table.cuh"

struct cl_ge_p2 {
    cl_fe X, Y, Z;
};
struct cl_ge_p3 {
    cl_fe X, Y, Z, T;
};
struct cl_ge_p1p1 {
    cl_fe X, Y, Z, T;
};
struct cl_ge_cached {
    cl_fe YpX, YmX, Z, T2d;
};
struct cl_ge_precomp {
    cl_fe ypx, ymx, xy2d;
};

CL_DEV void ge_p3_0(cl_ge_p3 &h) {
    fe_0(h.X);
    fe_1(h.Y);
    fe_1(h.Z);
    fe_0(h.T);
}

CL_DEV void ge_p1p1_to_p2(cl_ge_p2 &r, const cl_ge_p1p1 &p) {
    fe_mul(r.X, p.X, p.T);
    fe_mul(r.Y, p.Y, p.Z);
    fe_mul(r.Z, p.Z, p.T);
}
CL_DEV void ge_p1p1_to_p3(cl_ge_p3 &r, const cl_ge_p1p1 &p) {
    fe_mul(r.X, p.X, p.T);
    fe_mul(r.Y, p.Y, p.Z);
    fe_mul(r.Z, p.Z, p.T);
    fe_mul(r.T, p.X, p.Y);
}
CL_DEV void ge_p3_to_cached(cl_ge_cached &r, const cl_ge_p3 &p) {
    const cl_fe d2 = {CL_FE_D2};
    fe_add(r.YpX, p.Y, p.X);
    fe_sub(r.YmX, p.Y, p.X);
    r.Z = p.Z;
    fe_mul(r.T2d, p.T, d2);
}

/* r = 2p (dedicated doubling, input only needs X, Y, Z) */
CL_DEV void ge_p2_dbl(cl_ge_p1p1 &r, const cl_fe &X, const cl_fe &Y, const cl_fe &Z) {
    cl_fe t0;
    fe_sq(r.X, X);
    fe_sq(r.Z, Y);
    fe_sq2(r.T, Z);
    fe_add(r.Y, X, Y);
    fe_sq(t0, r.Y);
    fe_add(r.Y, r.Z, r.X);
    fe_sub(r.Z, r.Z, r.X);
    fe_sub(r.X, t0, r.Y);
    fe_sub(r.T, r.T, r.Z);
}

/* r = p + q (neg = 0) or p - q (neg = 1) */
CL_DEV void ge_add_cached(cl_ge_p1p1 &r, const cl_ge_p3 &p, const cl_ge_cached &q, bool neg) {
    cl_fe t0, qa, qb, qt;
    fe_select(qa, q.YpX, q.YmX, neg);
    fe_select(qb, q.YmX, q.YpX, neg);
    fe_add(r.X, p.Y, p.X);
    fe_sub(r.Y, p.Y, p.X);
    fe_mul(r.Z, r.X, qa);
    fe_mul(r.Y, r.Y, qb);
    fe_mul(qt, q.T2d, p.T);
    fe_mul(r.X, p.Z, q.Z);
    fe_add(t0, r.X, r.X);
    fe_sub(r.X, r.Z, r.Y);
    fe_add(r.Y, r.Z, r.Y);
    if (neg) {
        fe_sub(r.Z, t0, qt);
        fe_add(r.T, t0, qt);
    } else {
        fe_add(r.Z, t0, qt);
        fe_sub(r.T, t0, qt);
    }
}

/* r = p +/- q for an affine precomputed q */
CL_DEV void ge_add_precomp(cl_ge_p1p1 &r, const cl_ge_p3 &p, const cl_ge_precomp &q, bool neg) {
    cl_fe t0, qa, qb, qt;
    fe_select(qa, q.ypx, q.ymx, neg);
    fe_select(qb, q.ymx, q.ypx, neg);
    fe_add(r.X, p.Y, p.X);
    fe_sub(r.Y, p.Y, p.X);
    fe_mul(r.Z, r.X, qa);
    fe_mul(r.Y, r.Y, qb);
    fe_mul(qt, q.xy2d, p.T);
    fe_add(t0, p.Z, p.Z);
    fe_sub(r.X, r.Z, r.Y);
    fe_add(r.Y, r.Z, r.Y);
    if (neg) {
        fe_sub(r.Z, t0, qt);
        fe_add(r.T, t0, qt);
    } else {
        fe_add(r.Z, t0, qt);
        fe_sub(r.T, t0, qt);
    }
}

/* Decode 32 bytes (8 LE words) to -A, exactly like libsodium's ge25519_frombytes_negate_vartime.
 * Returns 0 if y is not the y of a curve point. Does not check canonicity or order. */
CL_DEV int ge_frombytes_negate(cl_ge_p3 &h, const uint32_t s[8]) {
    const cl_fe d = {CL_FE_D};
    const cl_fe sqrtm1 = {CL_FE_SQRTM1};
    cl_fe u, v, v3, vxx, check;
    fe_from_words(h.Y, s);
    fe_1(h.Z);
    fe_sq(u, h.Y);
    fe_mul(v, u, d);
    fe_sub(u, u, h.Z); /* u = y^2 - 1 */
    fe_add(v, v, h.Z); /* v = d y^2 + 1 */
    fe_sq(v3, v);
    fe_mul(v3, v3, v); /* v^3 */
    fe_sq(h.X, v3);
    fe_mul(h.X, h.X, v);
    fe_mul(h.X, h.X, u); /* u v^7 */
    fe_pow22523(h.X, h.X);
    fe_mul(h.X, h.X, v3);
    fe_mul(h.X, h.X, u); /* x = u v^3 (u v^7)^((p-5)/8) */
    fe_sq(vxx, h.X);
    fe_mul(vxx, vxx, v);
    fe_sub(check, vxx, u);
    if (!fe_iszero(check)) {
        fe_add(check, vxx, u);
        if (!fe_iszero(check)) return 0;
        fe_mul(h.X, h.X, sqrtm1);
    }
    if (fe_isnegative(h.X) == (int)(s[7] >> 31)) fe_neg(h.X, h.X);
    fe_mul(h.T, h.X, h.Y);
    return 1;
}

/* 1 iff the encoding (8 LE words) is one of libsodium's small-order encodings, sign bit ignored */
CL_DEV int ge_has_small_order(const uint32_t s[8]) {
    int found = 0;
#pragma unroll
CL_GCC_UNROLL
    for (int e = 0; e < 7; e++) {
        uint32_t c = 0;
#pragma unroll
CL_GCC_UNROLL
        for (int j = 0; j < 7; j++) c |= s[j] ^ CL_SMALL_ORDER_W[e][j];
        c |= (s[7] & 0x7fffffffu) ^ CL_SMALL_ORDER_W[e][7];
        found |= (c == 0);
    }
    return found;
}

/* 1 iff y (sign bit ignored) < p: libsodium's ge25519_is_canonical */
CL_DEV int ge_is_canonical(const uint32_t s[8]) {
    uint32_t c = (s[7] & 0x7fffffffu) ^ 0x7fffffffu;
#pragma unroll
CL_GCC_UNROLL
    for (int j = 1; j < 7; j++) c |= s[j] ^ 0xffffffffu;
    return !(c == 0 && s[0] >= 0xffffffedu);
}

/* Entry k of row 0 of the base table: (k+1)*B, negated if neg; k = -1 gives the identity. */
CL_DEV void ge_base_select(cl_ge_precomp &t, int k, bool neg) {
    if (k < 0) {
        fe_1(t.ypx);
        fe_1(t.ymx);
        fe_0(t.xy2d);
        return;
    }
    const int32_t *p = &CL_BASE_TABLE[0][k][0];
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) {
        t.ypx.v[i] = CL_LDG(p + i);
        t.ymx.v[i] = CL_LDG(p + 10 + i);
        t.xy2d.v[i] = CL_LDG(p + 20 + i);
    }
    (void)neg;
}

#endif
