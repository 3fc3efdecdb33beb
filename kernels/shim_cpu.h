/* CPU shim: lets the CUDA kernel sources compile as plain C++ (g++ -x c++ -include shim_cpu.h).
 * Kernels only use threadIdx/blockIdx/blockDim/gridDim (.x) and no shared memory or barriers,
 * so a grid is run as a loop over (block, thread) with thread-local index variables. */
#ifndef CL_SHIM_CPU_H
#define CL_SHIM_CPU_H
#if !defined(__CUDACC__) && !defined(__CUDACC_RTC__)
#include <stdint.h>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline
#define __restrict__ __restrict

struct cl_dim3 {
    unsigned int x, y, z;
};
static thread_local cl_dim3 threadIdx = {0, 0, 0};
static thread_local cl_dim3 blockIdx = {0, 0, 0};
static thread_local cl_dim3 blockDim = {1, 1, 1};
static thread_local cl_dim3 gridDim = {1, 1, 1};

/* Run f() for every (block, thread) of a 1-D grid, blocks split across `workers` OS threads. */
template <typename F>
static void cl_cpu_launch(unsigned int grid, unsigned int block, unsigned int workers, F f) {
    if (workers < 1) workers = 1;
    if (workers > grid) workers = grid ? grid : 1;
    auto run = [=](unsigned int w) {
        blockDim = {block, 1, 1};
        gridDim = {grid, 1, 1};
        for (unsigned int b = w; b < grid; b += workers) {
            blockIdx = {b, 0, 0};
            for (unsigned int t = 0; t < block; t++) {
                threadIdx = {t, 0, 0};
                f();
            }
        }
    };
    if (workers == 1) {
        run(0);
        return;
    }
    std::vector<std::thread> ts;
    for (unsigned int w = 0; w < workers; w++) ts.emplace_back(run, w);
    for (auto &t : ts) t.join();
}
#endif
#endif
