// Launchers of the execution-model test kernels (emu_kernels.cu).
#pragma once

#include <cstdint>

#include "inference/cuda/runtime.h"

#if defined(BOXED_CUDA_EMULATE)
#include "inference/cuda/emu/cuda_emu.h"
#else
#include <vector_types.h>
#endif

namespace boxed::inference::cuda::BOXED_CUDA_NS::testing {

void indices(Stream& s, dim3 grid, dim3 block, int* out);
void reverse_blocks(Stream& s, const int* in, int n_blocks, int* out);
void shuffles(Stream& s, const float* in, int n_warps, float* sums, int* down, int* xor_partner,
              unsigned* ballots, int* any_all);
void atomics(Stream& s, int n_blocks, int* counter, int* maximum);
void early_exit(Stream& s, int n, int* out);
void divergent(Stream& s, int* out);
void bf16_round_trip(Stream& s, const float* in, uint16_t* bits, float* back, int n);

}  // namespace boxed::inference::cuda::BOXED_CUDA_NS::testing
