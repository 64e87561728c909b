// KvCache: layout, copy_block semantics (all layers, K and V, of exactly one block) and errors.
#include <gtest/gtest.h>

#include "inference/cpu/kv_cache.h"

namespace boxed::inference::cpu {
namespace {

constexpr KvCacheShape kShape{.n_layers = 3, .n_kv_heads = 2, .head_dim = 4,
                              .block_size_tokens = 5, .n_blocks = 4};

// A value that names its block, layer, K/V, head, slot and dimension.
float tag(int block, int layer, int kv, int head, int slot, int d) {
  return static_cast<float>(block * 100000 + layer * 10000 + kv * 1000 + head * 100 + slot * 10 + d);
}

void fill(KvCache& cache) {
  for (int b = 0; b < kShape.n_blocks; ++b)
    for (int l = 0; l < kShape.n_layers; ++l)
      for (int h = 0; h < kShape.n_kv_heads; ++h)
        for (int s = 0; s < kShape.block_size_tokens; ++s)
          for (int d = 0; d < kShape.head_dim; ++d) {
            cache.key(b, l, h)[s * kShape.head_dim + d] = tag(b, l, 0, h, s, d);
            cache.value(b, l, h)[s * kShape.head_dim + d] = tag(b, l, 1, h, s, d);
          }
}

TEST(KvCache, BytesPerBlockCountsKAndVOfEveryLayer) {
  EXPECT_EQ(KvCache::bytes_per_block(kShape), 4u * 2 * 3 * 2 * 5 * 4);
}

TEST(KvCache, RegionsDoNotOverlap) {
  KvCache cache(kShape);
  fill(cache);
  for (int b = 0; b < kShape.n_blocks; ++b)
    for (int l = 0; l < kShape.n_layers; ++l)
      for (int h = 0; h < kShape.n_kv_heads; ++h)
        for (int s = 0; s < kShape.block_size_tokens; ++s)
          for (int d = 0; d < kShape.head_dim; ++d) {
            ASSERT_EQ(cache.key(b, l, h)[s * kShape.head_dim + d], tag(b, l, 0, h, s, d));
            ASSERT_EQ(cache.value(b, l, h)[s * kShape.head_dim + d], tag(b, l, 1, h, s, d));
          }
}

TEST(KvCache, CopyBlockCopiesAllLayersKAndVOfOneBlockOnly) {
  KvCache cache(kShape);
  fill(cache);
  cache.copy_block(1, 3);
  for (int b = 0; b < kShape.n_blocks; ++b) {
    const int source = b == 3 ? 1 : b;  // block 3 now holds block 1's contents; others unchanged
    for (int l = 0; l < kShape.n_layers; ++l)
      for (int h = 0; h < kShape.n_kv_heads; ++h)
        for (int s = 0; s < kShape.block_size_tokens; ++s)
          for (int d = 0; d < kShape.head_dim; ++d) {
            ASSERT_EQ(cache.key(b, l, h)[s * kShape.head_dim + d], tag(source, l, 0, h, s, d));
            ASSERT_EQ(cache.value(b, l, h)[s * kShape.head_dim + d], tag(source, l, 1, h, s, d));
          }
  }
  cache.copy_block(2, 2);  // a no-op
  EXPECT_EQ(cache.key(2, 0, 0)[0], tag(2, 0, 0, 0, 0, 0));
}

TEST(KvCache, Errors) {
  KvCache cache(kShape);
  try {
    cache.copy_block(0, 4);
    FAIL() << "expected std::out_of_range";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "KvCache::copy_block(0, 4): blocks are 0..3");
  }
  EXPECT_THROW(cache.copy_block(-1, 0), std::out_of_range);
  KvCacheShape bad = kShape;
  bad.n_blocks = 0;
  EXPECT_THROW(KvCache{bad}, std::invalid_argument);
}

}  // namespace
}  // namespace boxed::inference::cpu
