// The scheduler driven by a fake forward whose "KV cache" stores (token, position) per slot:
// every logits row first reads its whole sequence back through its block table and checks it,
// so a wrong block table, a missing copy-on-write or a premature free shows up as a mismatch.
// The next token is a hash of the sequence's own tokens and seed, like a deterministic model
// plus a counter-based sampler, so outputs must not depend on scheduling.
#include "inference/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

namespace boxed::inference::scheduler {
namespace {

constexpr int64_t kEmpty = -1;

int64_t slot_value(int32_t token, int32_t position) { return int64_t{token} << 32 | position; }

uint64_t mix(uint64_t h, uint64_t v) {  // SplitMix64 finaliser over h ^ v
  uint64_t z = (h ^ v) + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

struct Outcome {
  std::vector<std::vector<int32_t>> generated;  // per added sequence
  std::vector<bool> failed;
  SchedulerStats stats;
  int32_t free_at_end = 0;
  std::vector<std::vector<int32_t>> step_tokens;  // the plans, for determinism checks
};

// Runs prompts[i] with seed i until max_new tokens or (when eos) a token divisible by 29.
Outcome simulate(const SchedulerOptions& options, const std::vector<std::vector<int32_t>>& prompts,
                 int max_new, bool eos = true) {
  Scheduler s(options);
  std::map<SeqId, size_t> index;
  for (size_t i = 0; i < prompts.size(); ++i) index[s.add(prompts[i])] = i;
  Outcome out;
  out.generated.resize(prompts.size());
  out.failed.resize(prompts.size());
  std::vector<int64_t> cache(
      static_cast<size_t>(options.n_blocks) * static_cast<size_t>(options.block_size_tokens),
      kEmpty);
  const int32_t bs = options.block_size_tokens;
  auto slot = [&](const StepPlan& plan, int32_t row, int32_t pos) {
    const int32_t block = plan.block_tables[static_cast<size_t>(row * plan.max_blocks_per_row +
                                                                pos / bs)];
    return static_cast<size_t>(block) * static_cast<size_t>(bs) + static_cast<size_t>(pos % bs);
  };
  for (int step = 0; !s.done(); ++step) {
    if (step > 100000) ADD_FAILURE() << "no progress";
    if (step > 100000) break;
    StepPlan plan = s.schedule();
    for (SeqId f : plan.failed) out.failed[index.at(f)] = true;
    if (plan.empty()) continue;
    EXPECT_LE(static_cast<int32_t>(plan.tokens.size()), options.max_batch_tokens);
    EXPECT_LE(static_cast<int32_t>(plan.row_seqs.size()), options.max_batch_sequences);
    out.step_tokens.push_back(plan.tokens);
    for (const BlockCopy& c : plan.copies) {
      std::copy_n(cache.begin() + c.src * bs, bs, cache.begin() + c.dst * bs);
    }
    for (size_t i = 0; i < plan.tokens.size(); ++i) {
      cache[slot(plan, plan.rows[i], plan.positions[i])] =
          slot_value(plan.tokens[i], plan.positions[i]);
    }
    for (size_t j = 0; j < plan.logit_indices.size(); ++j) {
      const auto t = static_cast<size_t>(plan.logit_indices[j]);
      const SeqId seq = plan.logit_seqs[j];
      const std::span<const int32_t> tokens = s.tokens(seq);
      EXPECT_EQ(plan.positions[t] + 1, static_cast<int32_t>(tokens.size()));
      uint64_t h = index.at(seq);
      for (int32_t p = 0; p <= plan.positions[t]; ++p) {
        const int64_t got = cache[slot(plan, plan.rows[t], p)];
        EXPECT_EQ(got, slot_value(tokens[static_cast<size_t>(p)], p))
            << "sequence " << seq << " reads position " << p << " wrongly at step " << step;
        h = mix(h, static_cast<uint64_t>(got));
      }
      const auto next = static_cast<int32_t>(h % 1000);
      std::vector<int32_t>& gen = out.generated[index.at(seq)];
      gen.push_back(next);
      s.append(seq, next);
      if ((eos && next % 29 == 0) || static_cast<int>(gen.size()) == max_new) s.finish(seq);
    }
  }
  out.stats = s.stats();
  out.free_at_end = s.pool().n_free();
  return out;
}

std::vector<int32_t> prompt_of(int32_t first, int32_t length) {
  std::vector<int32_t> p;
  for (int32_t i = 0; i < length; ++i) p.push_back((first * 7919 + i * 31) % 5000);
  return p;
}

// 8 samples of each of two prompts (37 and 18 tokens), added interleaved.
std::vector<std::vector<int32_t>> two_problems() {
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 8; ++i) {
    prompts.push_back(prompt_of(1, 37));
    prompts.push_back(prompt_of(2, 18));
  }
  return prompts;
}

SchedulerOptions roomy() {
  return {.block_size_tokens = 4, .n_blocks = 512, .max_batch_sequences = 64,
          .max_batch_tokens = 512};
}

TEST(Scheduler, PrefillsEachPromptOnceAndForksItsSamples) {
  const Outcome out = simulate(roomy(), two_problems(), 40);
  // (L - 1) shared positions once per prompt, plus each sample's own last prompt token.
  EXPECT_EQ(out.stats.prompt_tokens_computed, (36 + 8) + (17 + 8));
  EXPECT_EQ(out.stats.forks, 16);
  EXPECT_EQ(out.stats.shared_prompt_tokens, 8 * 36 + 8 * 17);
  // 36 = 9 full blocks: no copy; 17 = 4 blocks + 1 token: each sample copies that last block.
  EXPECT_EQ(out.stats.block_copies, 8);
  EXPECT_EQ(out.stats.preemptions, 0);
  EXPECT_EQ(out.stats.recomputed_tokens, 0);
  EXPECT_EQ(out.free_at_end, 512);
  // Samples of one prompt differ (their seeds do), so the fork really gave each its own blocks.
  EXPECT_NE(out.generated[0], out.generated[2]);
}

TEST(Scheduler, OutputsDoNotDependOnBatchLimits) {
  const Outcome reference = simulate(roomy(), two_problems(), 40);
  int64_t generated = 0;
  for (const auto& g : reference.generated) generated += static_cast<int64_t>(g.size());
  EXPECT_GT(generated, 100);
  for (int32_t max_seqs : {1, 3, 64}) {
    for (int32_t max_tokens : {1, 5, 64}) {
      SCOPED_TRACE(testing::Message() << "max_batch_sequences " << max_seqs
                                      << ", max_batch_tokens " << max_tokens);
      SchedulerOptions o = roomy();
      o.max_batch_sequences = max_seqs;
      o.max_batch_tokens = max_tokens;
      const Outcome out = simulate(o, two_problems(), 40);
      EXPECT_EQ(out.generated, reference.generated);
      EXPECT_EQ(out.stats.generated_tokens_computed, reference.stats.generated_tokens_computed);
      EXPECT_LE(out.stats.peak_running, max_seqs);
      EXPECT_LE(out.stats.peak_step_tokens, max_tokens);
      EXPECT_EQ(out.free_at_end, o.n_blocks);
    }
  }
}

TEST(Scheduler, PreemptionUnderATinyBlockBudgetGivesTheSameTokens) {
  const Outcome reference = simulate(roomy(), two_problems(), 40);
  // The longest sequence needs ceil((37 + 40) / 4) = 20 blocks: the smallest pool that can
  // serve everything, one sequence at a time if need be.
  for (int32_t n_blocks : {20, 26, 40}) {
    SCOPED_TRACE(testing::Message() << n_blocks << " blocks");
    SchedulerOptions o = roomy();
    o.n_blocks = n_blocks;
    const Outcome out = simulate(o, two_problems(), 40);
    EXPECT_EQ(out.generated, reference.generated);
    EXPECT_GT(out.stats.preemptions, 0);
    EXPECT_GT(out.stats.recomputed_tokens, 0);
    EXPECT_LE(out.stats.peak_blocks_used, n_blocks);
    EXPECT_EQ(out.free_at_end, n_blocks);
    EXPECT_EQ(std::count(out.failed.begin(), out.failed.end(), true), 0);
  }
}

TEST(Scheduler, FailsOnlyWhatCannotFitTheWholeCache) {
  SchedulerOptions o = roomy();
  o.n_blocks = 6;  // 24 positions
  // 24 tokens leave no room for a generated one; 30 exceed the cache outright.
  // 24 tokens leave no room for a generated one; 30 exceed the cache outright; 10 + 14 fit.
  const std::vector<std::vector<int32_t>> prompts = {prompt_of(1, 10), prompt_of(2, 24),
                                                     prompt_of(3, 30), prompt_of(4, 3)};
  const Outcome out = simulate(o, prompts, 14, /*eos=*/false);
  EXPECT_EQ(out.failed, (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(out.generated[0].size(), 14u);
  EXPECT_EQ(out.generated[3].size(), 14u);
  EXPECT_EQ(out.free_at_end, 6);
  // A sequence that outgrows the cache while decoding fails once it runs alone, after
  // generating what fitted: 20 prompt + 4 generated = 24 positions; the 5th has no slot.
  const Outcome grown = simulate(o, {prompt_of(1, 20), prompt_of(2, 3)}, 100, /*eos=*/false);
  EXPECT_EQ(grown.failed, (std::vector<bool>{true, true}));
  EXPECT_EQ(grown.generated[0].size(), 5u);
  EXPECT_EQ(grown.free_at_end, 6);
}

TEST(Scheduler, GivesUpSharingWhenPrefixAndSampleCannotBothFit) {
  // Prompt of 7 tokens, blocks of 4: the prefix (6 positions) fills both blocks of the pool and a
  // forked sample would need a third for its copy-on-write. The samples then prefill alone
  // (7 positions each, 2 blocks) and still produce what an unconstrained run produces.
  SchedulerOptions tiny = roomy();
  tiny.n_blocks = 2;
  const std::vector<std::vector<int32_t>> prompts(3, prompt_of(5, 7));
  const Outcome out = simulate(tiny, prompts, 1, /*eos=*/false);
  const Outcome reference = simulate(roomy(), prompts, 1, /*eos=*/false);
  EXPECT_EQ(out.failed, (std::vector<bool>{false, false, false}));
  EXPECT_EQ(out.generated, reference.generated);
  EXPECT_EQ(out.stats.forks, 0);
  EXPECT_EQ(out.stats.prompt_tokens_computed, 6 + 3 * 7);  // the dropped prefix, then 3 alone
  EXPECT_EQ(reference.stats.forks, 3);
  EXPECT_EQ(out.free_at_end, 2);
}

TEST(Scheduler, AdmitsInArrivalOrder) {
  SchedulerOptions o = roomy();
  o.max_batch_sequences = 1;
  Scheduler s(o);
  std::vector<SeqId> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(s.add(prompt_of(10 + i, 1)));  // 1 token: no prefix
  std::vector<SeqId> served;
  while (!s.done()) {
    StepPlan plan = s.schedule();
    for (SeqId seq : plan.logit_seqs) {
      served.push_back(seq);
      s.append(seq, 1);
      s.finish(seq);
    }
  }
  EXPECT_EQ(served, ids);
}

TEST(Scheduler, PlansAreADeterministicFunctionOfTheCalls) {
  SchedulerOptions o = roomy();
  o.n_blocks = 24;
  o.max_batch_tokens = 7;
  const Outcome a = simulate(o, two_problems(), 30);
  const Outcome b = simulate(o, two_problems(), 30);
  EXPECT_EQ(a.step_tokens, b.step_tokens);
  EXPECT_EQ(a.stats.preemptions, b.stats.preemptions);
}

}  // namespace
}  // namespace boxed::inference::scheduler
