// The pool of fixed-size KV blocks shared by all sequences: allocation, reference counts, free.
// Pure CPU-side bookkeeping — it never touches KV memory, so the CPU and CUDA backends share it
// and only their caches (cpu/kv_cache.h, the CUDA one) hold the bytes.
//
//   BlockAllocator pool(/*n_blocks=*/1024);
//   std::optional<int32_t> b = pool.allocate();   // refcount 1, or nullopt when exhausted
//   pool.retain(*b);                               // a forked sequence shares it: refcount 2
//   pool.release(*b); pool.release(*b);            // back in the free list
//
// Allocation is deterministic: the free list is a stack and starts as 0, 1, 2, ... so the same
// sequence of calls always hands out the same block ids.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace boxed::inference::scheduler {

class BlockAllocator {
 public:
  explicit BlockAllocator(int32_t n_blocks);  // throws std::invalid_argument when n_blocks < 1

  std::optional<int32_t> allocate();
  // Both throw std::logic_error on a block that is not allocated (a bookkeeping bug).
  void retain(int32_t block);
  void release(int32_t block);

  int32_t refcount(int32_t block) const;
  int32_t n_blocks() const { return static_cast<int32_t>(refcounts_.size()); }
  int32_t n_free() const { return static_cast<int32_t>(free_.size()); }
  int32_t n_used() const { return n_blocks() - n_free(); }

 private:
  void check_allocated(int32_t block, const char* what) const;

  std::vector<int32_t> refcounts_;  // [n_blocks]
  std::vector<int32_t> free_;       // stack; back() is handed out next
};

}  // namespace boxed::inference::scheduler
