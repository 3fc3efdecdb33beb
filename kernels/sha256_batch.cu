/* SHA-256 of many variable-length payloads: payload i is data[offsets[i] .. offsets[i+1]). */
#include "cl_types.cuh"
#include "sha256.cuh"

extern "C" __global__ void sha256_batch(const uint8_t *__restrict__ data, const uint64_t *__restrict__ offsets,
                                        uint32_t n, uint8_t *__restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const uint64_t o = offsets[i];
    uint32_t st[8];
    cl_sha256_prefixed(-1, data + o, offsets[i + 1] - o, st);
    cl_sha256_store(st, out + 32ull * i);
}

/* SHA-256 of n payloads of equal length len at data + i*len. */
extern "C" __global__ void sha256_fixed(const uint8_t *__restrict__ data, uint32_t len, uint32_t n,
                                        uint8_t *__restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    uint32_t st[8];
    cl_sha256_prefixed(-1, data + (uint64_t)len * i, len, st);
    cl_sha256_store(st, out + 32ull * i);
}
