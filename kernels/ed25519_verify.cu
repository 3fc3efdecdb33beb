/* Batch Ed25519 verification: one thread decides one signature.
 * Verdict 1 = accept, 0 = reject, exactly as libsodium's crypto_sign_verify_detached. */
#include "cl_types.cuh"
#include "ed25519.cuh"

/* Block size and occupancy hint; the host must launch with blockDim.x <= CL_VERIFY_BLOCK.
 * CL_VERIFY_MINB (min resident blocks per SM) caps registers at 65536/(BLOCK*MINB). */
#ifndef CL_VERIFY_BLOCK
#define CL_VERIFY_BLOCK 128
#endif
#ifndef CL_VERIFY_MINB
#define CL_VERIFY_MINB 3
#endif
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define CL_VERIFY_BOUNDS __launch_bounds__(CL_VERIFY_BLOCK, CL_VERIFY_MINB)
#else
#define CL_VERIFY_BOUNDS
#endif

/* Variable-length messages: message i is msgs[offsets[i] .. offsets[i+1]). */
extern "C" __global__ void CL_VERIFY_BOUNDS ed25519_verify(const uint8_t *__restrict__ msgs, const uint64_t *__restrict__ offsets,
                                          const uint8_t *__restrict__ sigs, const uint8_t *__restrict__ pks,
                                          uint32_t n, uint8_t *__restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const uint64_t o = offsets[i];
    out[i] = (uint8_t)cl_ed25519_verify(msgs + o, offsets[i + 1] - o, sigs + 64ull * i, pks + 32ull * i);
}

/* Fixed-length messages (records: 47 bytes): message i is msgs[i*mlen .. (i+1)*mlen). */
extern "C" __global__ void CL_VERIFY_BOUNDS ed25519_verify_fixed(const uint8_t *__restrict__ msgs, uint32_t mlen,
                                                const uint8_t *__restrict__ sigs,
                                                const uint8_t *__restrict__ pks, uint32_t n,
                                                uint8_t *__restrict__ out) {
    const uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    out[i] = (uint8_t)cl_ed25519_verify(msgs + (uint64_t)mlen * i, mlen, sigs + 64ull * i, pks + 32ull * i);
}
