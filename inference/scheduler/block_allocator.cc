#include "inference/scheduler/block_allocator.h"

#include <fmt/format.h>

#include <stdexcept>

namespace boxed::inference::scheduler {

BlockAllocator::BlockAllocator(int32_t n_blocks) {
  if (n_blocks < 1) {
    throw std::invalid_argument(
        fmt::format("KV block pool: expected at least 1 block, found {}", n_blocks));
  }
  refcounts_.assign(static_cast<size_t>(n_blocks), 0);
  free_.reserve(static_cast<size_t>(n_blocks));
  for (int32_t b = n_blocks - 1; b >= 0; --b) free_.push_back(b);  // block 0 on top
}

std::optional<int32_t> BlockAllocator::allocate() {
  if (free_.empty()) return std::nullopt;
  const int32_t block = free_.back();
  free_.pop_back();
  refcounts_[static_cast<size_t>(block)] = 1;
  return block;
}

void BlockAllocator::check_allocated(int32_t block, const char* what) const {
  if (block < 0 || block >= n_blocks() || refcounts_[static_cast<size_t>(block)] == 0) {
    throw std::logic_error(fmt::format("KV block pool: {} of block {}, which is not allocated "
                                       "(pool of {} blocks)",
                                       what, block, n_blocks()));
  }
}

void BlockAllocator::retain(int32_t block) {
  check_allocated(block, "retain");
  ++refcounts_[static_cast<size_t>(block)];
}

void BlockAllocator::release(int32_t block) {
  check_allocated(block, "release");
  if (--refcounts_[static_cast<size_t>(block)] == 0) free_.push_back(block);
}

int32_t BlockAllocator::refcount(int32_t block) const {
  if (block < 0 || block >= n_blocks()) {
    throw std::out_of_range(
        fmt::format("KV block pool: block {} outside 0..{}", block, n_blocks() - 1));
  }
  return refcounts_[static_cast<size_t>(block)];
}

}  // namespace boxed::inference::scheduler
