/* CPU build glue: the kernel sources compiled as C++ (with shim_cpu.h force-included) plus
 * extern "C" launchers that run the grid on host threads. Not used on the GPU. */
#include "ed25519_verify.cu"
#include "merkle_level.cu"
#include "sha256_batch.cu"

#define CL_BLOCK 64u
static unsigned int cl_grid(uint32_t n) { return (n + CL_BLOCK - 1) / CL_BLOCK; }

extern "C" void cpu_ed25519_verify(const uint8_t *msgs, const uint64_t *offsets, const uint8_t *sigs,
                                   const uint8_t *pks, uint32_t n, uint8_t *out, unsigned int workers) {
    cl_cpu_launch(cl_grid(n), CL_BLOCK, workers, [=] { ed25519_verify(msgs, offsets, sigs, pks, n, out); });
}
extern "C" void cpu_ed25519_verify_fixed(const uint8_t *msgs, uint32_t mlen, const uint8_t *sigs,
                                         const uint8_t *pks, uint32_t n, uint8_t *out, unsigned int workers) {
    cl_cpu_launch(cl_grid(n), CL_BLOCK, workers, [=] { ed25519_verify_fixed(msgs, mlen, sigs, pks, n, out); });
}
extern "C" void cpu_sha256_batch(const uint8_t *data, const uint64_t *offsets, uint32_t n, uint8_t *out,
                                 unsigned int workers) {
    cl_cpu_launch(cl_grid(n), CL_BLOCK, workers, [=] { sha256_batch(data, offsets, n, out); });
}
extern "C" void cpu_sha256_fixed(const uint8_t *data, uint32_t len, uint32_t n, uint8_t *out,
                                 unsigned int workers) {
    cl_cpu_launch(cl_grid(n), CL_BLOCK, workers, [=] { sha256_fixed(data, len, n, out); });
}
extern "C" void cpu_merkle_leaf_hashes(const uint8_t *leaves, uint32_t len, uint32_t n, uint8_t *out,
                                       unsigned int workers) {
    cl_cpu_launch(cl_grid(n), CL_BLOCK, workers, [=] { merkle_leaf_hashes(leaves, len, n, out); });
}
extern "C" void cpu_merkle_level(const uint8_t *nodes, uint32_t n, uint8_t *out, unsigned int workers) {
    cl_cpu_launch(cl_grid(n / 2 + 1), CL_BLOCK, workers, [=] { merkle_level(nodes, n, out); });
}
/* test hook: k = x mod L for a 512-bit little-endian x */
extern "C" void cpu_sc_reduce512(const uint64_t *in, uint64_t *out) { sc_reduce512(out, in); }
