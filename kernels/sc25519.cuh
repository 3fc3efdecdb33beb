/* Scalars mod L = 2^252 + 27742317777372353535851937790883648493. */
#ifndef CL_SC25519_CUH
#define CL_SC25519_CUH
#include "cl_types.cuh"

/* L as little-endian 64-bit words */
#define CL_L0 0x5812631a5cf5d3edull
#define CL_L1 0x14def9dea2f79cd6ull
#define CL_L2 0x0000000000000000ull
#define CL_L3 0x1000000000000000ull

/* 1 iff the little-endian 256-bit s < L */
CL_DEV int sc_is_canonical(const uint64_t s[4]) {
    const uint64_t l[4] = {CL_L0, CL_L1, CL_L2, CL_L3};
    /* compute s - L; canonical iff it borrows */
    uint64_t borrow = 0;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 4; i++) {
        uint64_t d = s[i] - l[i];
        uint64_t b1 = s[i] < l[i];
        uint64_t b2 = d < borrow;
        borrow = b1 | b2;
    }
    return (int)borrow;
}

/* bits [off, off+width) of a little-endian multiword number (width <= 32) */
CL_DEV int64_t cl_bits64(const uint64_t *w, int nwords, int off, int width) {
    const int q = off >> 6, r = off & 63;
    uint64_t x = w[q] >> r;
    if (r + width > 64 && q + 1 < nwords) x |= w[q + 1] << (64 - r);
    return (int64_t)(x & ((1ull << width) - 1));
}

/* Reduce a 512-bit little-endian number mod L; result as 4 little-endian words.
 * Signed 21-bit limbs: 2^252 = sum c_m 2^(21m) (mod L) with the six constants below. */
CL_DEV void sc_reduce512(uint64_t out[4], const uint64_t in[8]) {
    int64_t s[24];
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 23; i++) s[i] = cl_bits64(in, 8, 21 * i, 21);
    s[23] = (int64_t)(in[7] >> 35); /* bits 483..511 (29 bits) */
    const int64_t c0 = 666643, c1 = 470296, c2 = 654183, c3 = -997805, c4 = 136657, c5 = -683901;
#define CL_FOLD(i)                 \
    s[(i) - 12] += s[i] * c0;      \
    s[(i) - 11] += s[i] * c1;      \
    s[(i) - 10] += s[i] * c2;      \
    s[(i) - 9] += s[i] * c3;       \
    s[(i) - 8] += s[i] * c4;       \
    s[(i) - 7] += s[i] * c5;       \
    s[i] = 0;
#define CL_SCARRY(i)                                    \
    {                                                   \
        int64_t cc = (s[i] + ((int64_t)1 << 20)) >> 21; \
        s[(i) + 1] += cc;                               \
        s[i] -= cc * ((int64_t)1 << 21);                \
    }
    CL_FOLD(23) CL_FOLD(22) CL_FOLD(21) CL_FOLD(20) CL_FOLD(19) CL_FOLD(18)
#pragma unroll
CL_GCC_UNROLL
    for (int i = 6; i <= 16; i++) CL_SCARRY(i)
    CL_FOLD(17) CL_FOLD(16) CL_FOLD(15) CL_FOLD(14) CL_FOLD(13) CL_FOLD(12)
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i <= 11; i++) CL_SCARRY(i)
    CL_FOLD(12)
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i <= 11; i++) {
        int64_t cc = s[i] >> 21;
        s[i + 1] += cc;
        s[i] -= cc * ((int64_t)1 << 21);
    }
    CL_FOLD(12)
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i <= 10; i++) {
        int64_t cc = s[i] >> 21;
        s[i + 1] += cc;
        s[i] -= cc * ((int64_t)1 << 21);
    }
#undef CL_FOLD
#undef CL_SCARRY
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 4; i++) out[i] = 0;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 12; i++) {
        const int b = 21 * i, q = b >> 6, r = b & 63;
        const uint64_t v = (uint64_t)s[i];
        out[q] |= v << r;
        if (r + 21 > 64 && q + 1 < 4) out[q + 1] |= v >> (64 - r);
    }
}

/* Recode a scalar < 2^253 into 64 signed radix-16 digits d_i in [-8, 7] (d_63 in [0, 8]):
 * returns x + 0x888...8, whose nibble i is d_i + 8. */
CL_DEV void sc_recode16(uint64_t out[4], const uint64_t x[4]) {
    const uint64_t k8 = 0x8888888888888888ull;
    uint64_t carry = 0;
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 4; i++) {
        uint64_t t = x[i] + k8;
        uint64_t c1 = t < k8;
        uint64_t u = t + carry;
        uint64_t c2 = u < carry;
        out[i] = u;
        carry = c1 | c2;
    }
}

#endif
