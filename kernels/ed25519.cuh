/* One Ed25519 verification with libsodium's crypto_sign_verify_detached rule (non-compat build). */
#ifndef CL_ED25519_CUH
#define CL_ED25519_CUH
#include "cl_types.cuh"
#include "fe25519.cuh"
#include "ge25519.cuh"
#include "sc25519.cuh"
#include "sha512.cuh"

/* h = 16 h */
CL_DEV void cl_dbl4(cl_ge_p3 &h) {
    cl_ge_p1p1 r;
    cl_ge_p2 s;
    ge_p2_dbl(r, h.X, h.Y, h.Z);
#pragma unroll 1
    for (int i = 0; i < 3; i++) {
        ge_p1p1_to_p2(s, r);
        ge_p2_dbl(r, s.X, s.Y, s.Z);
    }
    ge_p1p1_to_p3(h, r);
}

CL_DEV uint64_t cl_pick4(const uint64_t w[4], int q) {
    /* w[q] without dynamic indexing (keeps w in registers) */
    uint64_t x = w[0];
    x = q == 1 ? w[1] : x;
    x = q == 2 ? w[2] : x;
    x = q == 3 ? w[3] : x;
    return x;
}

/* sig: 64 bytes, pk: 32 bytes, both 4-byte aligned. Returns 1 to accept. */
CL_DEV int cl_ed25519_verify(const uint8_t *__restrict__ m, uint64_t mlen, const uint8_t *__restrict__ sig,
                             const uint8_t *__restrict__ pk) {
    uint32_t r[8], a[8];
    uint64_t s[4];
    {
        const uint32_t *sw = (const uint32_t *)sig;
        const uint32_t *pw = (const uint32_t *)pk;
#pragma unroll
CL_GCC_UNROLL
        for (int j = 0; j < 8; j++) {
            r[j] = sw[j];
            a[j] = pw[j];
        }
#pragma unroll
CL_GCC_UNROLL
        for (int j = 0; j < 4; j++) s[j] = ((uint64_t)sw[8 + 2 * j + 1] << 32) | sw[8 + 2 * j];
    }
    /* 1. S < L (libsodium tests only when the top nibble is set; same outcome) */
    if (!sc_is_canonical(s)) return 0;
    /* 2. R not a small-order encoding */
    if (ge_has_small_order(r)) return 0;
    /* 3, 4. A canonical and not small-order */
    if (!ge_is_canonical(a) || ge_has_small_order(a)) return 0;
    /* 5. decode -A */
    cl_ge_p3 A;
    if (!ge_frombytes_negate(A, a)) return 0;
    /* 6. k = SHA-512(R || A || M) mod L */
    uint64_t kd[4], sd[4];
    {
        uint64_t hsh[8], k[4];
        cl_sha512_ram(r, a, m, mlen, hsh);
        sc_reduce512(k, hsh);
        sc_recode16(kd, k);
        sc_recode16(sd, s);
    }
    /* table of -A, -2A, ..., -8A */
    cl_ge_cached Ai[8];
    {
        cl_ge_p1p1 t;
        cl_ge_p3 P;
        ge_p3_to_cached(Ai[0], A);
        ge_p2_dbl(t, A.X, A.Y, A.Z);
        ge_p1p1_to_p3(P, t);
        ge_p3_to_cached(Ai[1], P);
#pragma unroll 1
        for (int i = 2; i < 8; i++) {
            ge_add_cached(t, P, Ai[0], false);
            ge_p1p1_to_p3(P, t);
            ge_p3_to_cached(Ai[i], P);
        }
    }
    /* Straus: h = sum_i 16^i (kd_i (-A) + sd_i B), signed radix-16 digits, top digit first */
    cl_ge_p3 h;
    ge_p3_0(h);
#pragma unroll 1
    for (int q = 3; q >= 0; q--) {
        uint64_t kw = cl_pick4(kd, q), sw = cl_pick4(sd, q);
#pragma unroll 1
        for (int t = 0; t < 16; t++) {
            const int dk = (int)(kw >> 60) - 8, ds = (int)(sw >> 60) - 8;
            kw <<= 4;
            sw <<= 4;
            if (q != 3 || t != 0) cl_dbl4(h);
            cl_ge_p1p1 r1;
            if (dk != 0) {
                const int ak = dk < 0 ? -dk : dk;
                ge_add_cached(r1, h, Ai[ak - 1], dk < 0);
                ge_p1p1_to_p3(h, r1);
            }
            if (ds != 0) {
                cl_ge_precomp bp;
                ge_base_select(bp, (ds < 0 ? -ds : ds) - 1, false);
                ge_add_precomp(r1, h, bp, ds < 0);
                ge_p1p1_to_p3(h, r1);
            }
        }
    }
    /* encode h and compare with R byte for byte */
    cl_fe zi, x, y;
    fe_invert(zi, h.Z);
    fe_mul(x, h.X, zi);
    fe_mul(y, h.Y, zi);
    uint32_t enc[8];
    fe_to_words(enc, y);
    enc[7] |= (uint32_t)fe_isnegative(x) << 31;
    uint32_t diff = 0;
#pragma unroll
CL_GCC_UNROLL
    for (int j = 0; j < 8; j++) diff |= enc[j] ^ r[j];
    return diff == 0;
}

#endif
