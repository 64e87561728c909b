// Continuous batching over a paged KV cache: which tokens of which sequences go through the next
// forward step, under a token budget and a block budget. Device-agnostic CPU-side logic shared by
// the CPU and CUDA backends; they differ only in how they execute a StepPlan.
//
//   Scheduler s({.n_blocks = 1024, .max_batch_sequences = 64, .max_batch_tokens = 2048});
//   for (const auto& r : requests) ids.push_back(s.add(prompt_ids(r)));   // same prompt: grouped
//   while (!s.done()) {
//     StepPlan plan = s.schedule();
//     for (BlockCopy c : plan.copies) cache.copy_block(c.src, c.dst);    // in order, first
//     forward.run({plan.tokens, plan.positions, plan.rows, plan.block_tables, ...}, cache, logits);
//     for (j : logit rows) { s.append(plan.logit_seqs[j], sample(j)); maybe s.finish(seq); }
//   }
//
// Policy (after vLLM's scheduler, Kwon et al. SOSP'23, sections 4.2-4.5):
// - Every step, running sequences (oldest admission first) feed their uncached tokens: 1 when
//   decoding, a chunk of the prompt when prefilling (chunked by max_batch_tokens). A row's
//   logits are asked for only when its chunk reaches its last token.
// - Prefix sharing: sequences added with identical prompt token ids form a group. A hidden
//   prefix sequence prefills prompt[0, L-1) once; each member then forks its blocks and feeds
//   only prompt[L-1], whose logits give that member's first token. So n samples of a prompt of
//   L tokens compute (L - 1) + n prompt positions, not n * L. The last shared block is
//   copied on write (block_table.h).
// - Admission: waiting entries in arrival order (a pre-empted sequence keeps its original
//   place), while the running count stays within max_batch_sequences, the step within
//   max_batch_tokens, and free blocks cover the entry's tokens. The first entry that does not
//   fit stops admission (no overtaking), so the order is a deterministic function of the calls.
// - Pre-emption by recompute: when a running sequence cannot get a block, idle group prefixes
//   are dropped first, then the most recently admitted running sequence is evicted (its blocks
//   freed, requeued with prompt + generated tokens, which are re-prefilled when it returns).
//   Outputs do not change, because a token's logits do not depend on how its KV was computed
//   (cpu/forward.h, "Determinism").
// - A sequence that cannot fit the whole cache even alone is finished and reported in
//   StepPlan::failed.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "inference/scheduler/block_allocator.h"
#include "inference/scheduler/block_table.h"

namespace boxed::inference::scheduler {

using SeqId = int32_t;

struct SchedulerOptions {
  int32_t block_size_tokens = 16;
  int32_t n_blocks = 0;               // the KV pool
  int32_t max_batch_sequences = 64;   // sequences running at once (group prefixes included)
  int32_t max_batch_tokens = 2048;    // tokens fed through one forward step
};

// One forward step. tokens/positions/rows/block_tables/logit_indices map one to one onto
// cpu::ForwardBatch (rows index the [n_rows, max_blocks_per_row] block table).
struct StepPlan {
  std::vector<int32_t> tokens;
  std::vector<int32_t> positions;
  std::vector<int32_t> rows;
  std::vector<int32_t> block_tables;  // unused entries are 0
  int32_t max_blocks_per_row = 0;
  std::vector<SeqId> row_seqs;        // [n_rows] the sequence (or hidden prefix) of each row
  std::vector<int32_t> logit_indices; // into tokens
  std::vector<SeqId> logit_seqs;      // [logit_indices] who samples from each logits row
  std::vector<BlockCopy> copies;      // perform in this order, before the forward
  std::vector<SeqId> failed;          // cannot fit the cache; already finished

  bool empty() const { return tokens.empty(); }
};

struct SchedulerStats {
  int64_t steps = 0;
  int64_t prompt_tokens_computed = 0;     // prompt positions fed through a forward
  int64_t generated_tokens_computed = 0;  // generated positions fed through a forward
  int64_t recomputed_tokens = 0;          // positions fed again after a pre-emption
  int64_t shared_prompt_tokens = 0;       // prompt positions members got by forking
  int64_t forks = 0;
  int64_t preemptions = 0;
  int64_t block_copies = 0;
  int32_t peak_running = 0;
  int32_t peak_step_tokens = 0;
  int32_t peak_blocks_used = 0;
};

class Scheduler {
 public:
  explicit Scheduler(const SchedulerOptions& options);  // throws std::invalid_argument

  // A new sequence with this prompt (non-empty), grouped with a waiting sequence of the same
  // prompt. Returns the id plans use for it (distinct, increasing; hidden prefixes take ids too).
  SeqId add(std::vector<int32_t> prompt);

  StepPlan schedule();
  // A token sampled from `seq`'s logits row of the last plan.
  void append(SeqId seq, int32_t token);
  // Frees a running sequence's blocks; it is never scheduled again.
  void finish(SeqId seq);

  bool done() const { return n_unfinished_ == 0; }
  std::span<const int32_t> tokens(SeqId seq) const;
  int32_t n_prompt(SeqId seq) const;
  const SchedulerStats& stats() const { return stats_; }
  const BlockAllocator& pool() const { return pool_; }

 private:
  enum class State { kWaiting, kRunning, kIdle, kFinished };
  struct Seq {
    std::vector<int32_t> tokens;
    int32_t n_prompt = 0;
    int32_t high_water = 0;  // most positions ever cached, to count recomputation
    BlockTable table;        // table.n_tokens() = positions cached (or being cached)
    State state = State::kWaiting;
    int64_t admitted = 0;
    int32_t group = -1;      // for a member or a prefix
    bool is_prefix = false;
    int64_t arrival = 0;
  };
  struct Group {
    std::vector<int32_t> prompt;
    SeqId prefix;                  // hidden sequence holding prompt[0, L-1)
    int64_t arrival = 0;           // its queue key
    std::vector<SeqId> waiting;    // members not yet admitted, in add order
    size_t next_waiting = 0;
  };
  // Queue key: (arrival, 0 for a group / 1 for a lone sequence), value: group or sequence id.
  using QueueKey = std::pair<int64_t, int>;

  void make_running(SeqId id);
  void schedule_chunk(SeqId id, int32_t n, StepPlan& plan);
  bool free_blocks_for(SeqId id);  // pre-empts until id can grow or is itself evicted
  void preempt(SeqId id);
  bool release_idle_prefix(int32_t except_group);
  bool admit_group(int32_t g, StepPlan& plan, int32_t& budget, bool& stop);
  bool admit_lone(SeqId id, StepPlan& plan, int32_t& budget);
  void dissolve_group(int32_t g);
  void fail(SeqId id, StepPlan& plan);
  int32_t blocks_for(int64_t n_tokens) const;
  int32_t uncached(const Seq& s) const;

  SchedulerOptions options_;
  BlockAllocator pool_;
  std::vector<Seq> seqs_;          // user sequences and hidden prefixes
  std::vector<Group> groups_;
  std::vector<SeqId> running_;     // in admission order
  std::map<QueueKey, int32_t> queue_;
  std::map<std::vector<int32_t>, int32_t> open_groups_;  // prompt -> group still in the queue
  std::vector<SeqId> doomed_;      // cannot ever fit; reported by the next plan
  int64_t next_arrival_ = 0;
  int64_t next_admission_ = 0;
  int64_t n_unfinished_ = 0;
  SchedulerStats stats_;
};

}  // namespace boxed::inference::scheduler
