/* SHA-256 (FIPS 180-4) for one thread. Words are kept big-endian as SHA specifies. */
#ifndef CL_SHA256_CUH
#define CL_SHA256_CUH
#include "cl_types.cuh"

#if defined(__CUDA_ARCH__)
#define CL_BSWAP32(x) __byte_perm((x), 0, 0x0123)
#define CL_ROTR32(x, n) __funnelshift_r((x), (x), (n))
#else
#define CL_BSWAP32(x) __builtin_bswap32(x)
#define CL_ROTR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#endif

__constant__ uint32_t CL_SHA256_K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

CL_DEV void cl_sha256_init(uint32_t st[8]) {
    st[0] = 0x6a09e667u; st[1] = 0xbb67ae85u; st[2] = 0x3c6ef372u; st[3] = 0xa54ff53au;
    st[4] = 0x510e527fu; st[5] = 0x9b05688cu; st[6] = 0x1f83d9abu; st[7] = 0x5be0cd19u;
}

/* One compression of the 16 big-endian message words w (w is clobbered). */
CL_DEV void cl_sha256_compress(uint32_t st[8], uint32_t w[16]) {
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
#pragma unroll
CL_GCC_UNROLL
    for (int i = 0; i < 64; i++) {
        uint32_t wi;
        if (i < 16) {
            wi = w[i];
        } else {
            uint32_t w15 = w[(i + 1) & 15], w2 = w[(i + 14) & 15];
            uint32_t s0 = CL_ROTR32(w15, 7) ^ CL_ROTR32(w15, 18) ^ (w15 >> 3);
            uint32_t s1 = CL_ROTR32(w2, 17) ^ CL_ROTR32(w2, 19) ^ (w2 >> 10);
            wi = w[i & 15] + s0 + w[(i + 9) & 15] + s1;
            w[i & 15] = wi;
        }
        uint32_t S1 = CL_ROTR32(e, 6) ^ CL_ROTR32(e, 11) ^ CL_ROTR32(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = h + S1 + ch + CL_SHA256_K[i] + wi;
        uint32_t S0 = CL_ROTR32(a, 2) ^ CL_ROTR32(a, 13) ^ CL_ROTR32(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + maj;
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    st[0] += a; st[1] += b; st[2] += c; st[3] += d;
    st[4] += e; st[5] += f; st[6] += g; st[7] += h;
}

/* SHA-256 of (optional one prefix byte) || data[0..len). prefix < 0 means no prefix byte.
 * Full blocks of 4-byte-aligned data without a prefix are read as 32-bit words; everything
 * else byte by byte. */
CL_DEV void cl_sha256_prefixed(int prefix, const uint8_t *__restrict__ data, uint64_t len,
                               uint32_t st[8]) {
    cl_sha256_init(st);
    const uint64_t plen = prefix >= 0 ? 1 : 0;
    const uint64_t total = len + plen;
    const uint64_t nblocks = (total + 9 + 63) / 64;
    const bool aligned = plen == 0 && (((uintptr_t)data) & 3) == 0;
    uint32_t w[16];
    for (uint64_t blk = 0; blk < nblocks; blk++) {
        const uint64_t base = blk * 64;
        if (aligned && base + 64 <= len) {
            const uint32_t *p = (const uint32_t *)(data + base);
#pragma unroll
CL_GCC_UNROLL
            for (int j = 0; j < 16; j++) w[j] = CL_BSWAP32(p[j]);
        } else {
#pragma unroll
CL_GCC_UNROLL
            for (int j = 0; j < 16; j++) {
                uint32_t v = 0;
#pragma unroll
CL_GCC_UNROLL
                for (int t = 0; t < 4; t++) {
                    uint64_t pos = base + (uint64_t)(4 * j + t);
                    uint32_t byte;
                    if (pos < plen) byte = (uint32_t)prefix;
                    else if (pos < total) byte = data[pos - plen];
                    else if (pos == total) byte = 0x80u;
                    else byte = 0;
                    v = (v << 8) | byte;
                }
                w[j] = v;
            }
            if (blk == nblocks - 1) {
                uint64_t bits = total * 8;
                w[14] = (uint32_t)(bits >> 32);
                w[15] = (uint32_t)bits;
            }
        }
        cl_sha256_compress(st, w);
    }
}

/* Store a SHA-256 state as the 32-byte digest (out must be 4-byte aligned). */
CL_DEV void cl_sha256_store(const uint32_t st[8], uint8_t *out) {
    uint32_t *o = (uint32_t *)out;
#pragma unroll
CL_GCC_UNROLL
    for (int j = 0; j < 8; j++) o[j] = CL_BSWAP32(st[j]);
}

#endif
