#include "inference/scheduler/block_table.h"

namespace boxed::inference::scheduler {
namespace {

int32_t blocks_for(int32_t n_tokens, int32_t block_size) {
  return (n_tokens + block_size - 1) / block_size;
}

}  // namespace

int32_t BlockTable::blocks_needed(const BlockAllocator& pool, int32_t block_size,
                                  int32_t n_new) const {
  if (n_new <= 0) return 0;
  const bool cow = n_tokens_ % block_size != 0 && pool.refcount(blocks_.back()) > 1;
  return blocks_for(n_tokens_ + n_new, block_size) - static_cast<int32_t>(blocks_.size()) +
         (cow ? 1 : 0);
}

bool BlockTable::reserve(BlockAllocator& pool, int32_t block_size, int32_t n_new,
                         std::vector<BlockCopy>& copies) {
  if (n_new <= 0) return true;
  if (blocks_needed(pool, block_size, n_new) > pool.n_free()) return false;
  if (n_tokens_ % block_size != 0 && pool.refcount(blocks_.back()) > 1) {
    const int32_t shared = blocks_.back();
    const int32_t mine = *pool.allocate();
    copies.push_back({.src = shared, .dst = mine});
    pool.release(shared);  // still held by the other owner(s)
    blocks_.back() = mine;
  }
  const int32_t target = blocks_for(n_tokens_ + n_new, block_size);
  while (static_cast<int32_t>(blocks_.size()) < target) blocks_.push_back(*pool.allocate());
  n_tokens_ += n_new;
  return true;
}

BlockTable BlockTable::fork(BlockAllocator& pool) const {
  for (int32_t b : blocks_) pool.retain(b);
  return *this;
}

void BlockTable::release(BlockAllocator& pool) {
  for (int32_t b : blocks_) pool.release(b);
  blocks_.clear();
  n_tokens_ = 0;
}

}  // namespace boxed::inference::scheduler
