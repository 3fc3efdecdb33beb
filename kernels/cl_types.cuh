/* Fixed-width types and portability macros shared by every kernel source.
 * Three targets: NVRTC (no standard headers), nvcc, and the CPU build (g++ with shim_cpu.h). */
#ifndef CL_TYPES_CUH
#define CL_TYPES_CUH

#if defined(__CUDACC_RTC__)
typedef unsigned char uint8_t;
typedef signed char int8_t;
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned long long uint64_t;
typedef long long int64_t;
typedef unsigned long long uintptr_t;
#else
#include <stdint.h>
#endif

#if defined(__CUDA_ARCH__)
#define CL_LDG(p) __ldg(p)
#else
#define CL_LDG(p) (*(p))
#endif

#define CL_DEV static __device__ __forceinline__

/* Full unrolling hint for g++ in the CPU build (nvcc/NVRTC use the #pragma unroll lines). */
#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define CL_GCC_UNROLL
#else
#define CL_GCC_UNROLL _Pragma("GCC unroll 16")
#endif

#endif
