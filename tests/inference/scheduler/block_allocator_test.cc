// Reference counts, fork, copy-on-write and leak freedom of the KV block bookkeeping.
#include "inference/scheduler/block_allocator.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "inference/scheduler/block_table.h"

namespace boxed::inference::scheduler {
namespace {

TEST(BlockAllocator, HandsOutEveryBlockOnceInIdOrderThenRunsOut) {
  BlockAllocator pool(3);
  EXPECT_EQ(pool.allocate(), 0);
  EXPECT_EQ(pool.allocate(), 1);
  EXPECT_EQ(pool.allocate(), 2);
  EXPECT_EQ(pool.allocate(), std::nullopt);
  EXPECT_EQ(pool.n_free(), 0);
  pool.release(1);
  EXPECT_EQ(pool.n_free(), 1);
  EXPECT_EQ(pool.allocate(), 1);  // the block freed last comes back first
}

TEST(BlockAllocator, CountsReferencesAndFreesAtZero) {
  BlockAllocator pool(2);
  const int32_t b = *pool.allocate();
  pool.retain(b);
  pool.retain(b);
  EXPECT_EQ(pool.refcount(b), 3);
  pool.release(b);
  pool.release(b);
  EXPECT_EQ(pool.refcount(b), 1);
  EXPECT_EQ(pool.n_free(), 1);
  pool.release(b);
  EXPECT_EQ(pool.refcount(b), 0);
  EXPECT_EQ(pool.n_free(), 2);
}

TEST(BlockAllocator, RefusesBookkeepingBugs) {
  BlockAllocator pool(2);
  EXPECT_THROW(pool.release(0), std::logic_error);  // never allocated
  EXPECT_THROW(pool.retain(5), std::logic_error);
  const int32_t b = *pool.allocate();
  pool.release(b);
  EXPECT_THROW(pool.release(b), std::logic_error);  // double free
  EXPECT_THROW(BlockAllocator(0), std::invalid_argument);
}

TEST(BlockTable, GrowsOneBlockPerBlockSizeTokens) {
  BlockAllocator pool(8);
  std::vector<BlockCopy> copies;
  BlockTable t;
  EXPECT_EQ(t.blocks_needed(pool, 4, 9), 3);
  ASSERT_TRUE(t.reserve(pool, 4, 9, copies));
  EXPECT_EQ(t.blocks(), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(t.n_tokens(), 9);
  ASSERT_TRUE(t.reserve(pool, 4, 3, copies));  // positions 9..11 fit in block 2
  EXPECT_EQ(t.blocks().size(), 3u);
  ASSERT_TRUE(t.reserve(pool, 4, 1, copies));
  EXPECT_EQ(t.blocks().size(), 4u);
  EXPECT_TRUE(copies.empty());
  t.release(pool);
  EXPECT_EQ(pool.n_free(), 8);
  EXPECT_EQ(t.n_tokens(), 0);
}

TEST(BlockTable, RefusesWithoutChangingWhenThePoolIsShort) {
  BlockAllocator pool(2);
  std::vector<BlockCopy> copies;
  BlockTable t;
  ASSERT_TRUE(t.reserve(pool, 4, 5, copies));
  EXPECT_FALSE(t.reserve(pool, 4, 4, copies));  // needs a third block
  EXPECT_EQ(t.n_tokens(), 5);
  EXPECT_EQ(t.blocks().size(), 2u);
  EXPECT_EQ(pool.n_free(), 0);
}

TEST(BlockTable, ForkSharesAndCopiesOnWriteTheHalfFullLastBlock) {
  BlockAllocator pool(8);
  std::vector<BlockCopy> copies;
  BlockTable parent;
  ASSERT_TRUE(parent.reserve(pool, 4, 6, copies));  // blocks 0 (full) and 1 (2 of 4)
  BlockTable child = parent.fork(pool);
  EXPECT_EQ(pool.refcount(0), 2);
  EXPECT_EQ(pool.refcount(1), 2);
  EXPECT_EQ(child.blocks_needed(pool, 4, 1), 1);  // the copy
  ASSERT_TRUE(child.reserve(pool, 4, 1, copies));
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0], (BlockCopy{.src = 1, .dst = 2}));
  EXPECT_EQ(child.blocks(), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(pool.refcount(0), 2);  // the full block stays shared
  EXPECT_EQ(pool.refcount(1), 1);
  // The parent is now the only owner of block 1: it writes in place, no second copy.
  ASSERT_TRUE(parent.reserve(pool, 4, 1, copies));
  EXPECT_EQ(copies.size(), 1u);
  EXPECT_EQ(parent.blocks(), (std::vector<int32_t>{0, 1}));
  child.release(pool);
  parent.release(pool);
  EXPECT_EQ(pool.n_free(), 8);
}

TEST(BlockTable, NoCopyWhenTheSharedLastBlockIsFull) {
  BlockAllocator pool(8);
  std::vector<BlockCopy> copies;
  BlockTable parent;
  ASSERT_TRUE(parent.reserve(pool, 4, 8, copies));
  BlockTable a = parent.fork(pool), b = parent.fork(pool);
  parent.release(pool);
  ASSERT_TRUE(a.reserve(pool, 4, 1, copies));
  ASSERT_TRUE(b.reserve(pool, 4, 1, copies));
  EXPECT_TRUE(copies.empty());
  EXPECT_EQ(a.blocks(), (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(b.blocks(), (std::vector<int32_t>{0, 1, 3}));
  EXPECT_EQ(pool.refcount(0), 2);
  a.release(pool);
  b.release(pool);
  EXPECT_EQ(pool.n_free(), 8);
}

}  // namespace
}  // namespace boxed::inference::scheduler
