/* Arithmetic in GF(2^255-19), radix 2^25.5: ten signed 32-bit limbs, limb i at bit
 * ceil(25.5*i) (26 bits for even i, 25 for odd i). Products are 32x32->64 multiplies
 * (IMAD.WIDE on the GPU), accumulated in signed 64-bit. Limb bounds follow the classic
 * ref10 analysis: mul/sq outputs satisfy |h_i| <= 1.01*2^25 (odd) / 2^26 (even); one add or
 * sub of two such values may feed mul/sq directly. */
#ifndef CL_FE25519_CUH
#define CL_FE25519_CUH
#include "cl_types.cuh"

/* Heavy field ops can be kept out of line on the GPU (CL_FE_OUTLINE=1) to bound register use. */
#ifndef CL_FE_OUTLINE
#define CL_FE_OUTLINE 1
#endif
#if defined(__CUDA_ARCH__) && CL_FE_OUTLINE
#define CL_FE_HEAVY static __device__ __noinline__
#else
#define CL_FE_HEAVY CL_DEV
#endif

struct cl_fe {
    int32_t v[10];
};

#define CL_FE_BIT(i) (((i) * 51 + 1) / 2) /* ceil(25.5*i) */
#define CL_FE_W(i) (((i) & 1) ? 25 : 26)

CL_DEV void fe_0(cl_fe &h) {
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) h.v[i] = 0;
}
CL_DEV void fe_1(cl_fe &h) {
    fe_0(h);
    h.v[0] = 1;
}
CL_DEV void fe_add(cl_fe &h, const cl_fe &f, const cl_fe &g) {
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) h.v[i] = f.v[i] + g.v[i];
}
CL_DEV void fe_sub(cl_fe &h, const cl_fe &f, const cl_fe &g) {
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) h.v[i] = f.v[i] - g.v[i];
}
CL_DEV void fe_neg(cl_fe &h, const cl_fe &f) {
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) h.v[i] = -f.v[i];
}
/* h = c ? g : f (no branches) */
CL_DEV void fe_select(cl_fe &h, const cl_fe &f, const cl_fe &g, bool c) {
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) h.v[i] = c ? g.v[i] : f.v[i];
}

/* Carry the 64-bit accumulators back to 10 limbs (ref10 carry order). */
CL_DEV void fe_carry(cl_fe &h, int64_t t[10]) {
    int64_t c;
#define CL_CARRY26(i, j) c = (t[i] + ((int64_t)1 << 25)) >> 26; t[j] += c; t[i] -= c * ((int64_t)1 << 26);
#define CL_CARRY25(i, j) c = (t[i] + ((int64_t)1 << 24)) >> 25; t[j] += c; t[i] -= c * ((int64_t)1 << 25);
    CL_CARRY26(0, 1)
    CL_CARRY26(4, 5)
    CL_CARRY25(1, 2)
    CL_CARRY25(5, 6)
    CL_CARRY26(2, 3)
    CL_CARRY26(6, 7)
    CL_CARRY25(3, 4)
    CL_CARRY25(7, 8)
    CL_CARRY26(4, 5)
    CL_CARRY26(8, 9)
    c = (t[9] + ((int64_t)1 << 24)) >> 25;
    t[0] += c * 19;
    t[9] -= c * ((int64_t)1 << 25);
    CL_CARRY26(0, 1)
#undef CL_CARRY26
#undef CL_CARRY25
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) h.v[i] = (int32_t)t[i];
}

CL_DEV void fe_mul_ref(cl_fe &h, const cl_fe &f, const cl_fe &g) {
    int32_t g19[10], f2[10];
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) {
        g19[i] = 19 * g.v[i];
        f2[i] = (i & 1) ? 2 * f.v[i] : f.v[i];
    }
    int64_t t[10];
#pragma unroll
CL_GCC_UNROLL
    for (int k = 0; k < 10; k++) {
        int64_t acc = 0;
#pragma unroll
CL_GCC_UNROLL
        for (int i = 0; i < 10; i++) {
            const int j = (k - i + 10) % 10;
            const int32_t a = ((i & 1) && (j & 1)) ? f2[i] : f.v[i];
            const int32_t b = (i + j >= 10) ? g19[j] : g.v[j];
            acc += (int64_t)a * b;
        }
        t[k] = acc;
    }
    fe_carry(h, t);
}

/* h = f^2 (dbl = 0) or 2*f^2 (dbl = 1) */
CL_DEV void fe_sq_ref(cl_fe &h, const cl_fe &f, int dbl) {
    int32_t f2[10], f19[10];
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) {
        f2[i] = 2 * f.v[i];
        f19[i] = 19 * f.v[i];
    }
    int64_t t[10];
#pragma unroll
CL_GCC_UNROLL
    for (int k = 0; k < 10; k++) {
        int64_t acc = 0;
#pragma unroll
CL_GCC_UNROLL
        for (int i = 0; i < 10; i++) {
            const int j = (k - i + 10) % 10;
            if (j < i) continue;
            /* term f_i * f_j, doubled when i != j, doubled when both odd, *19 when wrapped */
            const int mul2 = (i != j ? 1 : 0) + (((i & 1) && (j & 1)) ? 1 : 0); /* power of 2 */
            const bool wrap = i + j >= 10;
            int32_t a, b;
            if (mul2 == 0) a = f.v[i];
            else if (mul2 == 1) a = f2[i];
            else a = 2 * f2[i];
            if (!wrap) b = f.v[j];
            else b = f19[j];
            acc += (int64_t)a * b;
        }
        t[k] = dbl ? 2 * acc : acc;
    }
    fe_carry(h, t);
}
/* Out-of-line wrappers pass and return by value so the values stay in registers. */
CL_FE_HEAVY cl_fe fe_mul_v(cl_fe f, cl_fe g) {
    cl_fe h;
    fe_mul_ref(h, f, g);
    return h;
}
CL_FE_HEAVY cl_fe fe_sq_v(cl_fe f, int dbl) {
    cl_fe h;
    fe_sq_ref(h, f, dbl);
    return h;
}
CL_DEV void fe_mul(cl_fe &h, const cl_fe &f, const cl_fe &g) { h = fe_mul_v(f, g); }
CL_DEV void fe_sq(cl_fe &h, const cl_fe &f) { h = fe_sq_v(f, 0); }
CL_DEV void fe_sq2(cl_fe &h, const cl_fe &f) { h = fe_sq_v(f, 1); }

/* h = f^(2^n) for n >= 1 */
CL_DEV void fe_sqn(cl_fe &h, const cl_fe &f, int n) {
    fe_sq(h, f);
#pragma unroll 1
    for (int i = 1; i < n; i++) fe_sq(h, h);
}

/* Load 32 bytes given as 8 little-endian words; bit 255 is ignored (no reduction mod p). */
CL_DEV void fe_from_words(cl_fe &h, const uint32_t w[8]) {
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) {
        const int b = CL_FE_BIT(i);
        const int q = b >> 5, r = b & 31;
        uint64_t x = w[q];
        if (q + 1 < 8) x |= (uint64_t)w[q + 1] << 32;
        h.v[i] = (int32_t)((x >> r) & ((1u << CL_FE_W(i)) - 1));
    }
}

/* Fully reduce mod p and store as 8 little-endian words (canonical encoding, bit 255 = 0). */
CL_DEV void fe_to_words(uint32_t w[8], const cl_fe &f) {
    /* one carry pass first so any add/sub result is within fe_mul output bounds */
    int64_t t[10];
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) t[i] = f.v[i];
    cl_fe g;
    fe_carry(g, t);
    int32_t h[10];
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) h[i] = g.v[i];
    int32_t q = (19 * h[9] + (1 << 24)) >> 25;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) q = (h[i] + q) >> CL_FE_W(i);
    h[0] += 19 * q;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 9; i++) {
        int32_t c = h[i] >> CL_FE_W(i);
        h[i + 1] += c;
        h[i] -= c * (1 << CL_FE_W(i));
    }
    h[9] &= (1 << 25) - 1;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 8; i++) w[i] = 0;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 10; i++) {
        const int b = CL_FE_BIT(i);
        const int q2 = b >> 5, r = b & 31;
        const uint64_t x = (uint64_t)(uint32_t)h[i] << r;
        w[q2] |= (uint32_t)x;
        if (q2 + 1 < 8) w[q2 + 1] |= (uint32_t)(x >> 32);
    }
}

CL_DEV int fe_isnegative(const cl_fe &f) {
    uint32_t w[8];
    fe_to_words(w, f);
    return (int)(w[0] & 1);
}
CL_DEV int fe_iszero(const cl_fe &f) {
    uint32_t w[8];
    fe_to_words(w, f);
    uint32_t c = 0;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 8; i++) c |= w[i];
    return c == 0;
}

/* t1 = z^(2^250-1), z11 = z^11 (shared prefix of the inversion and sqrt chains) */
CL_DEV void fe_pow_2_250_1(cl_fe &t1, cl_fe &z11, const cl_fe &z) {
    cl_fe t0, t2, t3;
    fe_sq(t0, z);          /* 2 */
    fe_sqn(t1, t0, 2);     /* 8 */
    fe_mul(t1, z, t1);     /* 9 */
    fe_mul(z11, t0, t1);   /* 11 */
    fe_sq(t0, z11);        /* 22 */
    fe_mul(t1, t1, t0);    /* 2^5-1 */
    fe_sqn(t2, t1, 5);
    fe_mul(t1, t2, t1);    /* 2^10-1 */
    fe_sqn(t2, t1, 10);
    fe_mul(t2, t2, t1);    /* 2^20-1 */
    fe_sqn(t3, t2, 20);
    fe_mul(t2, t3, t2);    /* 2^40-1 */
    fe_sqn(t2, t2, 10);
    fe_mul(t1, t2, t1);    /* 2^50-1 */
    fe_sqn(t2, t1, 50);
    fe_mul(t2, t2, t1);    /* 2^100-1 */
    fe_sqn(t3, t2, 100);
    fe_mul(t2, t3, t2);    /* 2^200-1 */
    fe_sqn(t2, t2, 50);
    fe_mul(t1, t2, t1);    /* 2^250-1 */
}

CL_DEV void fe_invert(cl_fe &out, const cl_fe &z) {
    cl_fe t1, z11;
    fe_pow_2_250_1(t1, z11, z);
    fe_sqn(t1, t1, 5); /* 2^255-32 */
    fe_mul(out, t1, z11);
}

/* z^((p-5)/8) = z^(2^252-3) */
CL_DEV void fe_pow22523(cl_fe &out, const cl_fe &z) {
    cl_fe t1, z11;
    fe_pow_2_250_1(t1, z11, z);
    fe_sqn(t1, t1, 2); /* 2^252-4 */
    fe_mul(out, t1, z);
}

#endif
