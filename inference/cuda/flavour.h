// Which build of the CUDA module a translation unit belongs to. The module's sources are
// compiled twice from one set of files: for the device (nvcc; namespace cuda::dev) and, with
// BOXED_CUDA_EMULATE defined, as host C++ against the execution-model emulation (emu/cuda_emu.h;
// namespace cuda::emu). Distinct namespaces let both live in one binary, so CI (nvcc, no GPU)
// runs the emulated kernels while the same build also carries the device ones.
//
//   namespace boxed::inference::cuda::BOXED_CUDA_NS { void rmsnorm(...); }
#pragma once

#if defined(BOXED_CUDA_EMULATE)
#define BOXED_CUDA_NS emu
#else
#define BOXED_CUDA_NS dev
#endif
