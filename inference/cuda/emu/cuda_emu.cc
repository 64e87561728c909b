// The fiber scheduler behind cuda_emu.h: one fiber per CUDA thread of a block, run round-robin
// on the OS thread that owns the block; barriers are generation counters.
//
// Switching: fiber_switch.h (a few instructions on x86-64; ucontext elsewhere), announced to
// AddressSanitizer around every switch (sanitizer/common_interface_defs.h, "fiber switching
// API"), so the emulated kernels run under ASan like any other code.
#include "inference/cuda/emu/cuda_emu.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <tbb/parallel_for.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "inference/cuda/emu/fiber_switch.h"
#include "inference/model/dtype.h"

#if defined(__SANITIZE_ADDRESS__)
#define BOXED_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOXED_EMU_ASAN 1
#endif
#endif
#if defined(BOXED_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

thread_local constinit uint3 threadIdx;
thread_local constinit uint3 blockIdx;
thread_local constinit dim3 blockDim;
thread_local constinit dim3 gridDim;

float boxed_emu_half_to_float(uint16_t bits) { return boxed::inference::model::f16_to_f32(bits); }
uint16_t boxed_emu_float_to_half(float value) {
  return boxed::inference::model::f32_to_f16(value);
}

namespace boxed_emu {
namespace {

// Kernels keep a few hundred bytes of locals; 128 KiB leaves room for unoptimised builds and
// sanitizers. Pages are touched only as used.
constexpr size_t kStackBytes = size_t{128} << 10;
constexpr int kMaxThreadsPerBlock = 1024;  // CUDA's limit

struct Stack {
  void* base = nullptr;
  Stack() {
    base = mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) throw std::runtime_error("cuda emulation: cannot map a fiber stack");
  }
  ~Stack() { munmap(base, kStackBytes); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
};

// A barrier over a group of threads (a block or a warp): the last live arrival opens it.
struct Barrier {
  int live = 0;
  int waiting = 0;
  uint64_t generation = 0;
  bool arrive() {  // true when this arrival released the barrier (no wait needed)
    if (waiting + 1 >= live) {
      waiting = 0;
      ++generation;
      return true;
    }
    ++waiting;
    return false;
  }
  void leave() {  // a thread returned: it no longer holds the others back
    --live;
    if (waiting > 0 && waiting >= live) {
      waiting = 0;
      ++generation;
    }
  }
};

enum class Wait { kNone, kBlock, kWarp };

struct Fiber {
  FiberContext context;
  void* stack = nullptr;
  void* asan_fake_stack = nullptr;  // ASan's use-after-return frames of this fiber while away
  uint3 index;
  int lane = 0;
  int warp = 0;
  bool done = false;
  Wait wait = Wait::kNone;
  uint64_t wait_generation = 0;
};

struct Warp {
  Barrier barrier;
  uint64_t slots[32] = {};
  unsigned live_mask = 0;
};

struct BlockRun {
  FiberContext scheduler;
  void* scheduler_fake_stack = nullptr;
  const void* scheduler_stack = nullptr;  // the OS thread's stack, as ASan reports it
  size_t scheduler_stack_bytes = 0;
  std::vector<Fiber> fibers;
  std::vector<Warp> warps;
  Barrier block;
  Fiber* current = nullptr;
  const std::function<void()>* body = nullptr;
};

// Per OS thread: the block it is running and a pool of fiber stacks reused across launches.
thread_local BlockRun* t_run = nullptr;
thread_local std::vector<std::unique_ptr<Stack>> t_stacks;

// Every switch is announced to AddressSanitizer (when built with it) before it happens and
// confirmed after, so that ASan knows which stack is live: a fiber leaving for good passes no
// fake-stack slot, which frees its use-after-return frames.
void switch_to_scheduler(BlockRun& run, Fiber& self, bool for_good) {
#if defined(BOXED_EMU_ASAN)
  __sanitizer_start_switch_fiber(for_good ? nullptr : &self.asan_fake_stack, run.scheduler_stack,
                                 run.scheduler_stack_bytes);
#endif
  fiber_switch(self.context, run.scheduler);
#if defined(BOXED_EMU_ASAN)
  __sanitizer_finish_switch_fiber(self.asan_fake_stack, nullptr, nullptr);
#else
  (void)for_good;
#endif
}

void switch_to_fiber(BlockRun& run, Fiber& f) {
#if defined(BOXED_EMU_ASAN)
  __sanitizer_start_switch_fiber(&run.scheduler_fake_stack, f.stack, kStackBytes);
#endif
  fiber_switch(run.scheduler, f.context);
#if defined(BOXED_EMU_ASAN)
  __sanitizer_finish_switch_fiber(run.scheduler_fake_stack, nullptr, nullptr);
#endif
}

[[noreturn]] void fiber_main() {
  BlockRun& run = *t_run;
#if defined(BOXED_EMU_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, &run.scheduler_stack, &run.scheduler_stack_bytes);
#endif
  (*run.body)();
  Fiber& self = *run.current;
  self.done = true;
  run.block.leave();
  Warp& warp = run.warps[self.warp];
  warp.live_mask &= ~(1u << self.lane);
  warp.barrier.leave();
  switch_to_scheduler(run, self, /*for_good=*/true);
  __builtin_trap();  // a finished fiber is never resumed
}

void yield_to_scheduler() {
  BlockRun& run = *t_run;
  switch_to_scheduler(run, *run.current, /*for_good=*/false);
}

bool runnable(const BlockRun& run, const Fiber& f) {
  switch (f.wait) {
    case Wait::kNone: return true;
    case Wait::kBlock: return run.block.generation != f.wait_generation;
    case Wait::kWarp: return run.warps[f.warp].barrier.generation != f.wait_generation;
  }
  return true;
}

void run_block(const char* name, uint3 block_index, dim3 grid, dim3 block,
               const std::function<void()>& body) {
  const int n = static_cast<int>(block.x * block.y * block.z);
  while (static_cast<int>(t_stacks.size()) < n) t_stacks.push_back(std::make_unique<Stack>());
  BlockRun run;
  run.body = &body;
  run.fibers.resize(n);
  run.warps.resize((n + 31) / 32);
  run.block.live = n;
  for (int i = 0; i < n; ++i) {
    Fiber& f = run.fibers[i];
    f.index = {static_cast<unsigned>(i % block.x), static_cast<unsigned>(i / block.x % block.y),
               static_cast<unsigned>(i / (block.x * block.y))};
    f.lane = i % 32;
    f.warp = i / 32;
    run.warps[f.warp].barrier.live++;
    run.warps[f.warp].live_mask |= 1u << f.lane;
    f.stack = t_stacks[i]->base;
    fiber_prepare(f.context, f.stack, kStackBytes, fiber_main);
  }
  BlockRun* const outer = t_run;
  t_run = &run;
  blockIdx = block_index;
  blockDim = block;
  gridDim = grid;
  int live = n;
  while (live > 0) {
    bool progressed = false;
    for (Fiber& f : run.fibers) {
      if (f.done || !runnable(run, f)) continue;
      progressed = true;
      f.wait = Wait::kNone;
      run.current = &f;
      threadIdx = f.index;
      switch_to_fiber(run, f);
      if (f.done) --live;
    }
    if (!progressed) {
      t_run = outer;
#if defined(BOXED_EMU_ASAN)
      // The abandoned fibers' frames stay poisoned; their stacks are reused by the next block.
      for (int i = 0; i < n; ++i) ASAN_UNPOISON_MEMORY_REGION(t_stacks[i]->base, kStackBytes);
#endif
      throw std::logic_error(fmt::format(
          "cuda emulation: kernel '{}' deadlocked in block ({}, {}, {}): {} threads wait at a "
          "__syncthreads or warp operation that the other live threads never reach",
          name, block_index.x, block_index.y, block_index.z, live));
    }
  }
  t_run = outer;
}

}  // namespace

void sync_block() {
  BlockRun& run = *t_run;
  Fiber& self = *run.current;
  if (run.block.arrive()) return;
  self.wait = Wait::kBlock;
  self.wait_generation = run.block.generation;
  yield_to_scheduler();
}

void sync_warp() {
  BlockRun& run = *t_run;
  Fiber& self = *run.current;
  Barrier& barrier = run.warps[self.warp].barrier;
  if (barrier.arrive()) return;
  self.wait = Wait::kWarp;
  self.wait_generation = barrier.generation;
  yield_to_scheduler();
}

int lane_id() { return t_run->current->lane; }
uint64_t* warp_exchange() { return t_run->warps[t_run->current->warp].slots; }
unsigned warp_live_mask() { return t_run->warps[t_run->current->warp].live_mask; }

void launch(const char* kernel_name, dim3 grid, dim3 block, const std::function<void()>& body) {
  const uint64_t threads = uint64_t{block.x} * block.y * block.z;
  if (threads == 0 || threads > kMaxThreadsPerBlock || grid.x == 0 || grid.y == 0 ||
      grid.z == 0 || grid.y > 65535 || grid.z > 65535) {
    throw std::invalid_argument(fmt::format(
        "cuda emulation: kernel '{}' launched with grid ({}, {}, {}) and block ({}, {}, {}); "
        "expected 1..1024 threads per block and grid.y, grid.z in 1..65535",
        kernel_name, grid.x, grid.y, grid.z, block.x, block.y, block.z));
  }
  const size_t n_blocks = size_t{grid.x} * grid.y * grid.z;
  const auto index_of = [&](size_t b) {
    return uint3{static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                 static_cast<unsigned>(b / (size_t{grid.x} * grid.y))};
  };
  if (n_blocks == 1) {
    run_block(kernel_name, index_of(0), grid, block, body);
    return;
  }
  tbb::parallel_for(size_t{0}, n_blocks, [&](size_t b) {
    run_block(kernel_name, index_of(b), grid, block, body);
  });
}

}  // namespace boxed_emu
