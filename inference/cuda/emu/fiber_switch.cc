// fiber_switch.h. The x86-64 switch is a leaf routine in assembly (GNU as, AT&T syntax): push the
// callee-saved registers and the floating-point control state on the current stack, store the
// stack pointer in `from`, load `to`'s, and pop the same frame from there. A new context's stack
// is laid out as if it had been switched away from just before calling `entry`.
#include "inference/cuda/emu/fiber_switch.h"

#include <cstdint>
#include <cstring>

namespace boxed_emu {

#if defined(__x86_64__)

extern "C" void boxed_emu_switch_stack(void** save_stack_pointer, void* load_stack_pointer);

// Frame, from the saved stack pointer up: MXCSR (4 bytes) and the x87 control word (2, padded
// to 8), r15, r14, r13, r12, rbx, rbp, then the return address.
asm(R"(
  .text
  .p2align 4
  .globl boxed_emu_switch_stack
  .hidden boxed_emu_switch_stack
  .type boxed_emu_switch_stack, @function
boxed_emu_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size boxed_emu_switch_stack, .-boxed_emu_switch_stack
)");

void fiber_prepare(FiberContext& ctx, void* stack, size_t bytes, void (*entry)()) {
  // The ABI wants rsp + 8 to be a multiple of 16 when a function starts (its caller's `call`
  // pushed 8 bytes): entry starts with rsp = top - 8, where a zero return address sits (entry
  // never returns). Below it: entry's address for the switch's `ret`, then the saved frame.
  const auto top = (reinterpret_cast<uintptr_t>(stack) + bytes) & ~uintptr_t{15};
  auto* slot = reinterpret_cast<uint64_t*>(top);
  slot[-1] = 0;
  slot[-2] = reinterpret_cast<uint64_t>(entry);
  for (int r = 3; r <= 8; ++r) slot[-r] = 0;  // rbp, rbx, r12..r15
  uint32_t mxcsr = 0;
  uint16_t x87_control = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(x87_control));
  uint64_t control = mxcsr;
  control |= static_cast<uint64_t>(x87_control) << 32;
  slot[-9] = control;
  ctx.stack_pointer = &slot[-9];
}

void fiber_switch(FiberContext& from, FiberContext& to) {
  boxed_emu_switch_stack(&from.stack_pointer, to.stack_pointer);
}

#else

// getcontext returns twice (setjmp-like), so it lives outside any caller's loop.
[[gnu::noinline]] void fiber_prepare(FiberContext& ctx, void* stack, size_t bytes, void (*entry)()) {
  getcontext(&ctx.context);
  ctx.context.uc_stack.ss_sp = stack;
  ctx.context.uc_stack.ss_size = bytes;
  ctx.context.uc_link = nullptr;
  makecontext(&ctx.context, entry, 0);
}

void fiber_switch(FiberContext& from, FiberContext& to) { swapcontext(&from.context, &to.context); }

#endif

}  // namespace boxed_emu
