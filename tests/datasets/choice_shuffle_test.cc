#include "datasets/choice_shuffle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <stdexcept>

#include "datasets/jsonl_reader.h"
#include "tests/datasets/test_paths.h"

namespace boxed::datasets {
namespace {

// Golden orders from an independent Python implementation of the documented scheme
// (tests/data/datasets/make_choice_shuffle_golden.py): the same on every platform and release.
TEST(ChoiceShuffle, MatchesGoldenOrders) {
  const JsonlContents golden = read_jsonl(boxed::testing::dataset_fixture("choice_shuffle_golden.jsonl"));
  ASSERT_GE(golden.records.size(), 10u);
  for (const JsonlRecord& r : golden.records) {
    const auto& v = r.value;
    EXPECT_EQ(shuffle_order(v.at("id").get<std::string>(), v.at("run_seed").get<uint64_t>(), v.at("n").get<int>()),
              v.at("order").get<std::vector<int>>())
        << "line " << r.line;
  }
}

TEST(ChoiceShuffle, DependsOnIdAndSeedOnly) {
  EXPECT_EQ(shuffle_order("q1", 5, 4), shuffle_order("q1", 5, 4));
  int differ_by_seed = 0, differ_by_id = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    differ_by_seed += shuffle_order("q1", seed, 4) != shuffle_order("q1", seed + 1, 4) ? 1 : 0;
    differ_by_id += shuffle_order("q" + std::to_string(seed), 0, 4) != shuffle_order("q1", 0, 4) ? 1 : 0;
  }
  // A different seed or id gives another of the 24 orders with probability 23/24.
  EXPECT_GE(differ_by_seed, 40);
  EXPECT_GE(differ_by_id, 40);
}

// Over 24,000 ids every one of the 24 orders appears about 1,000 times: chi-square with 23
// degrees of freedom stays below 49.7 (p = 0.001) for a uniform shuffle.
TEST(ChoiceShuffle, AllOrdersEquallyLikely) {
  std::map<std::vector<int>, int> counts;
  constexpr int kIds = 24000;
  for (int i = 0; i < kIds; ++i) {
    std::vector<int> order = shuffle_order("rec" + std::to_string(i), 1234, 4);
    std::vector<int> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    ASSERT_EQ(sorted, (std::vector<int>{0, 1, 2, 3}));
    ++counts[order];
  }
  ASSERT_EQ(counts.size(), 24u);
  double chi2 = 0;
  for (const auto& [order, count] : counts) chi2 += (count - 1000.0) * (count - 1000.0) / 1000.0;
  EXPECT_LT(chi2, 49.7);
}

TEST(ChoiceShuffle, RejectsNonPositiveN) { EXPECT_THROW(shuffle_order("x", 0, 0), std::invalid_argument); }

}  // namespace
}  // namespace boxed::datasets
