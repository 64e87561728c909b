// One sequence's paged KV: the physical blocks holding its positions 0..n_tokens-1, in order,
// and the operations that keep reference counts right — growth, fork and copy-on-write.
//
//   BlockTable parent;
//   parent.reserve(pool, 16, /*n_new=*/20, copies);    // 2 blocks of 16; positions 0..19
//   BlockTable child = parent.fork(pool);              // shares both blocks (refcount 2)
//   child.reserve(pool, 16, 1, copies);                // block 1 is shared and half full:
//                                                      // copies gets {src 1, dst new}
//   child.release(pool); parent.release(pool);         // every block back in the pool
//
// Copy-on-write (vLLM's PagedAttention, Kwon et al. SOSP'23, section 4.4): a sequence about to
// write into a partially filled last block that another sequence also references first takes a
// private copy. The caller must perform the recorded BlockCopy (on its device) before the
// forward writes any KV of the step; the source stays alive because its other owner still holds
// it. Full shared blocks are never written again, so they are never copied.
#pragma once

#include <cstdint>
#include <vector>

#include "inference/scheduler/block_allocator.h"

namespace boxed::inference::scheduler {

struct BlockCopy {
  int32_t src;
  int32_t dst;
  bool operator==(const BlockCopy&) const = default;
};

class BlockTable {
 public:
  // Blocks needed (CoW copy included) for n_new more positions.
  int32_t blocks_needed(const BlockAllocator& pool, int32_t block_size, int32_t n_new) const;
  // Makes room for n_new more positions (n_tokens += n_new), appending a copy to `copies` when
  // the shared last block must be made private. False, changing nothing, when the pool has
  // too few free blocks.
  bool reserve(BlockAllocator& pool, int32_t block_size, int32_t n_new,
               std::vector<BlockCopy>& copies);
  // A table sharing every block of this one (each retained once more).
  BlockTable fork(BlockAllocator& pool) const;
  // Releases every block; the table becomes empty.
  void release(BlockAllocator& pool);

  const std::vector<int32_t>& blocks() const { return blocks_; }
  int32_t n_tokens() const { return n_tokens_; }

 private:
  std::vector<int32_t> blocks_;
  int32_t n_tokens_ = 0;
};

}  // namespace boxed::inference::scheduler
