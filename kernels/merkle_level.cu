/* Merkle tree hashing (RFC 6962 / RFC 9162 hash domain separation).
 *
 * merkle_leaf_hashes: out[i] = SHA-256(0x00 || leaf_i) for n leaves of equal length len.
 * merkle_level: one level up. For a level of n nodes (32 bytes each), writes (n+1)/2 nodes:
 *   out[i] = SHA-256(0x01 || node[2i] || node[2i+1]) for i < n/2, and, if n is odd, the last
 *   node copied up unchanged. Applied repeatedly this yields the RFC 6962 root of a perfect
 *   subtree of 2^k leaves; for other sizes callers split at the largest power of two below n
 *   (RFC 6962 MTH) and use this kernel only on perfect subtrees. The odd-node carry exists for
 *   convenience and is NOT the RFC 6962 rule for a whole non-power-of-two tree. */
#include "cl_types.cuh"
#include "sha256.cuh"

extern "C" __global__ void merkle_leaf_hashes(const uint8_t *__restrict__ leaves, uint32_t len, uint32_t n,
                                              uint8_t *__restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    uint32_t st[8];
    cl_sha256_prefixed(0x00, leaves + (uint64_t)len * i, len, st);
    cl_sha256_store(st, out + 32ull * i);
}

extern "C" __global__ void merkle_level(const uint8_t *__restrict__ nodes, uint32_t n, uint8_t *__restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    const uint32_t pairs = n / 2;
    if (i > pairs || (i == pairs && (n & 1) == 0)) return;
    const uint32_t *src = (const uint32_t *)(nodes + 64ull * i);
    uint32_t *dst = (uint32_t *)(out + 32ull * i);
    if (i == pairs) { /* odd tail: carry up */
#pragma unroll
CL_GCC_UNROLL
        for (int j = 0; j < 8; j++) dst[j] = src[j];
        return;
    }
    uint32_t nw[16], w[16], st[8];
#pragma unroll
CL_GCC_UNROLL
    for (int j = 0; j < 16; j++) nw[j] = CL_BSWAP32(src[j]);
    /* stream 0x01 || nw (65 bytes): two blocks */
    w[0] = 0x01000000u | (nw[0] >> 8);
#pragma unroll
CL_GCC_UNROLL
    for (int j = 1; j < 16; j++) w[j] = (nw[j - 1] << 24) | (nw[j] >> 8);
    cl_sha256_init(st);
    cl_sha256_compress(st, w);
    w[0] = (nw[15] << 24) | 0x00800000u;
#pragma unroll
CL_GCC_UNROLL
    for (int j = 1; j < 15; j++) w[j] = 0;
    w[15] = 65 * 8;
    cl_sha256_compress(st, w);
    cl_sha256_store(st, (uint8_t *)dst);
}
