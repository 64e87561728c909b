// Cooperative switching between execution contexts on one OS thread, for the emulation's fibers
// (cuda_emu.cc): one context per emulated CUDA thread plus the scheduler's.
//
//   FiberContext scheduler, fiber;
//   fiber_prepare(fiber, stack, stack_bytes, entry);   // entry: [[noreturn]] void()
//   fiber_switch(scheduler, fiber);                    // runs entry until it switches back
//
// On x86-64 a switch saves and restores only what the System V ABI says a call preserves
// (rbx, rbp, r12-r15, the stack pointer, MXCSR and the x87 control word): about 20 instructions
// and no system call. glibc's swapcontext also saves the signal mask with a system call, about
// 250 ns a switch on this project's machines, which made warp shuffles the emulation's main
// cost. Other architectures use ucontext. Sanitizers are not told here; the caller announces
// every switch (cuda_emu.cc).
#pragma once

#include <cstddef>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace boxed_emu {

struct FiberContext {
#if defined(__x86_64__)
  void* stack_pointer = nullptr;  // where the context's saved registers are
#else
  ucontext_t context;
#endif
};

// Makes `ctx` start `entry` on [stack, stack + bytes) at its first resumption. `entry` must never
// return: it ends by switching away for good.
void fiber_prepare(FiberContext& ctx, void* stack, size_t bytes, void (*entry)());

// Saves the running context in `from` and resumes `to`; returns when a later switch resumes
// `from`.
void fiber_switch(FiberContext& from, FiberContext& to);

}  // namespace boxed_emu
