#include "inference/scheduler/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace boxed::inference::scheduler {

Scheduler::Scheduler(const SchedulerOptions& options)
    : options_(options), pool_(options.n_blocks) {
  if (options.block_size_tokens < 1 || options.max_batch_sequences < 1 ||
      options.max_batch_tokens < 1) {
    throw std::invalid_argument(fmt::format(
        "scheduler options: expected block_size_tokens, max_batch_sequences and "
        "max_batch_tokens >= 1, found {}, {}, {}",
        options.block_size_tokens, options.max_batch_sequences, options.max_batch_tokens));
  }
}

int32_t Scheduler::blocks_for(int64_t n_tokens) const {
  return static_cast<int32_t>((n_tokens + options_.block_size_tokens - 1) /
                              options_.block_size_tokens);
}

int32_t Scheduler::uncached(const Seq& s) const {
  return static_cast<int32_t>(s.tokens.size()) - s.table.n_tokens();
}

SeqId Scheduler::add(std::vector<int32_t> prompt) {
  if (prompt.empty()) throw std::invalid_argument("scheduler: a prompt needs at least 1 token");
  const auto id = static_cast<SeqId>(seqs_.size());
  Seq seq{.tokens = prompt, .n_prompt = static_cast<int32_t>(prompt.size()),
          .arrival = next_arrival_++};
  ++n_unfinished_;
  // The prompt and at least one generated token must fit the whole pool.
  if (blocks_for(static_cast<int64_t>(prompt.size()) + 1) > pool_.n_blocks()) {
    seq.state = State::kFinished;
    seqs_.push_back(std::move(seq));
    doomed_.push_back(id);
    return id;
  }
  auto it = open_groups_.find(prompt);
  if (it != open_groups_.end()) {
    seq.group = it->second;
    seqs_.push_back(std::move(seq));
    groups_[static_cast<size_t>(it->second)].waiting.push_back(id);
    return id;
  }
  const auto g = static_cast<int32_t>(groups_.size());
  seq.group = g;
  seqs_.push_back(std::move(seq));
  const auto prefix = static_cast<SeqId>(seqs_.size());
  seqs_.push_back(Seq{.tokens = std::vector<int32_t>(prompt.begin(), prompt.end() - 1),
                      .n_prompt = static_cast<int32_t>(prompt.size()) - 1,
                      .group = g,
                      .is_prefix = true});
  const int64_t arrival = seqs_[static_cast<size_t>(id)].arrival;
  open_groups_.emplace(prompt, g);
  groups_.push_back(
      Group{.prompt = std::move(prompt), .prefix = prefix, .arrival = arrival, .waiting = {id}});
  queue_.emplace(QueueKey{arrival, 0}, g);
  return id;
}

std::span<const int32_t> Scheduler::tokens(SeqId seq) const {
  return seqs_.at(static_cast<size_t>(seq)).tokens;
}

int32_t Scheduler::n_prompt(SeqId seq) const {
  return seqs_.at(static_cast<size_t>(seq)).n_prompt;
}

void Scheduler::make_running(SeqId id) {
  Seq& s = seqs_[static_cast<size_t>(id)];
  s.state = State::kRunning;
  s.admitted = next_admission_++;
  running_.push_back(id);
}

void Scheduler::schedule_chunk(SeqId id, int32_t n, StepPlan& plan) {
  Seq& s = seqs_[static_cast<size_t>(id)];
  const int32_t first = s.table.n_tokens();  // reserve() already grew the table by n
  const int32_t start = first - n;
  const auto row = static_cast<int32_t>(plan.row_seqs.size());
  plan.row_seqs.push_back(id);
  for (int32_t p = start; p < first; ++p) {
    plan.tokens.push_back(s.tokens[static_cast<size_t>(p)]);
    plan.positions.push_back(p);
    plan.rows.push_back(row);
    (p < s.n_prompt || s.is_prefix ? stats_.prompt_tokens_computed
                                   : stats_.generated_tokens_computed)++;
    if (p < s.high_water) ++stats_.recomputed_tokens;
  }
  s.high_water = std::max(s.high_water, first);
  if (!s.is_prefix && first == static_cast<int32_t>(s.tokens.size())) {
    plan.logit_indices.push_back(static_cast<int32_t>(plan.tokens.size()) - 1);
    plan.logit_seqs.push_back(id);
  }
}

void Scheduler::preempt(SeqId id) {
  Seq& s = seqs_[static_cast<size_t>(id)];
  s.table.release(pool_);
  s.state = State::kWaiting;
  std::erase(running_, id);
  ++stats_.preemptions;
  if (s.is_prefix) return;  // its group entry is still queued and restarts it
  queue_.emplace(QueueKey{s.arrival, 1}, id);
}

bool Scheduler::release_idle_prefix(int32_t except_group) {
  // The most recently opened group first: the oldest is the likeliest to be admitted next.
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
    if (it->first.second != 0 || it->second == except_group) continue;
    Seq& prefix = seqs_[static_cast<size_t>(groups_[static_cast<size_t>(it->second)].prefix)];
    if (prefix.state != State::kIdle) continue;
    prefix.table.release(pool_);
    prefix.state = State::kWaiting;
    return true;
  }
  return false;
}

bool Scheduler::free_blocks_for(SeqId id) {
  Seq& s = seqs_[static_cast<size_t>(id)];
  if (release_idle_prefix(-1)) return true;
  const SeqId victim = *std::max_element(running_.begin(), running_.end(), [&](SeqId a, SeqId b) {
    return seqs_[static_cast<size_t>(a)].admitted < seqs_[static_cast<size_t>(b)].admitted;
  });
  preempt(victim);
  return victim != id && s.state == State::kRunning;
}

void Scheduler::fail(SeqId id, StepPlan& plan) {
  Seq& s = seqs_[static_cast<size_t>(id)];
  s.table.release(pool_);
  s.state = State::kFinished;
  std::erase(running_, id);
  --n_unfinished_;
  plan.failed.push_back(id);
}

bool Scheduler::admit_lone(SeqId id, StepPlan& plan, int32_t& budget) {
  Seq& s = seqs_[static_cast<size_t>(id)];
  if (blocks_for(static_cast<int64_t>(s.tokens.size())) > pool_.n_free()) return false;
  make_running(id);
  const int32_t n = std::min(uncached(s), budget);
  s.table.reserve(pool_, options_.block_size_tokens, n, plan.copies);
  budget -= n;
  schedule_chunk(id, n, plan);
  return true;
}

void Scheduler::dissolve_group(int32_t g) {
  // Too little room to keep a shared prefix beside a member: the members left prefill alone.
  Group& group = groups_[static_cast<size_t>(g)];
  Seq& prefix = seqs_[static_cast<size_t>(group.prefix)];
  prefix.table.release(pool_);
  prefix.state = State::kFinished;
  open_groups_.erase(group.prompt);
  queue_.erase(QueueKey{group.arrival, 0});
  for (size_t i = group.next_waiting; i < group.waiting.size(); ++i) {
    const SeqId m = group.waiting[i];
    queue_.emplace(QueueKey{seqs_[static_cast<size_t>(m)].arrival, 1}, m);
  }
  group.next_waiting = group.waiting.size();
}

// Admits what it can of group g. Returns whether the group's entry is finished (remove it);
// sets stop when a member did not fit (no overtaking).
bool Scheduler::admit_group(int32_t g, StepPlan& plan, int32_t& budget, bool& stop) {
  Group& group = groups_[static_cast<size_t>(g)];
  Seq& prefix = seqs_[static_cast<size_t>(group.prefix)];
  if (prefix.state == State::kWaiting) {
    if (prefix.tokens.empty()) {
      prefix.state = State::kIdle;
    } else {
      if (blocks_for(static_cast<int64_t>(prefix.tokens.size())) > pool_.n_free()) {
        stop = true;
        return false;
      }
      make_running(group.prefix);
      const int32_t n = std::min(uncached(prefix), budget);
      prefix.table.reserve(pool_, options_.block_size_tokens, n, plan.copies);
      budget -= n;
      schedule_chunk(group.prefix, n, plan);
      return false;  // members fork once the prefix's KV is written
    }
  }
  if (prefix.state != State::kIdle) return false;  // still prefilling
  while (group.next_waiting < group.waiting.size()) {
    if (static_cast<int32_t>(running_.size()) >= options_.max_batch_sequences || budget == 0) {
      stop = true;
      return false;
    }
    const SeqId m = group.waiting[group.next_waiting];
    Seq& member = seqs_[static_cast<size_t>(m)];
    BlockTable forked = prefix.table.fork(pool_);
    if (forked.blocks_needed(pool_, options_.block_size_tokens, 1) > pool_.n_free()) {
      forked.release(pool_);
      stop = true;
      return false;
    }
    member.table = std::move(forked);
    member.high_water = std::max(member.high_water, member.table.n_tokens());
    ++stats_.forks;
    stats_.shared_prompt_tokens += member.table.n_tokens();
    ++group.next_waiting;
    make_running(m);
    member.table.reserve(pool_, options_.block_size_tokens, 1, plan.copies);
    --budget;
    schedule_chunk(m, 1, plan);
  }
  prefix.table.release(pool_);  // every member holds its own references now
  prefix.state = State::kFinished;
  open_groups_.erase(group.prompt);
  return true;
}

StepPlan Scheduler::schedule() {
  StepPlan plan;
  for (SeqId id : doomed_) plan.failed.push_back(id);
  n_unfinished_ -= static_cast<int64_t>(doomed_.size());
  doomed_.clear();
  // Prefixes whose prompt KV is complete stop running and wait for their members.
  std::erase_if(running_, [&](SeqId id) {
    Seq& s = seqs_[static_cast<size_t>(id)];
    if (!s.is_prefix || uncached(s) > 0) return false;
    s.state = State::kIdle;
    return true;
  });

  int32_t budget = options_.max_batch_tokens;
  const std::vector<SeqId> order = running_;  // admission order
  for (SeqId id : order) {
    Seq& s = seqs_[static_cast<size_t>(id)];
    if (s.state != State::kRunning || budget == 0) continue;
    const int32_t n = std::min(uncached(s), budget);
    if (n == 0) continue;
    bool ok = true;
    while (!s.table.reserve(pool_, options_.block_size_tokens, n, plan.copies)) {
      if (running_.size() == 1 && !release_idle_prefix(-1)) {
        fail(id, plan);  // alone, and still the cache cannot hold it
        ok = false;
        break;
      }
      if (!free_blocks_for(id)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    budget -= n;
    schedule_chunk(id, n, plan);
  }

  // Admission, in arrival order.
  while (budget > 0 && static_cast<int32_t>(running_.size()) < options_.max_batch_sequences) {
    bool stop = false, progressed = false;
    for (auto it = queue_.begin(); it != queue_.end() && !stop;) {
      if (budget == 0 || static_cast<int32_t>(running_.size()) >= options_.max_batch_sequences) {
        stop = true;
        break;
      }
      const auto [key, value] = *it;
      const size_t running_before = running_.size();
      if (key.second == 1) {
        if (!admit_lone(value, plan, budget)) {
          stop = true;
          break;
        }
        it = queue_.erase(it);
      } else if (admit_group(value, plan, budget, stop)) {
        it = queue_.erase(it);
      } else {
        ++it;
      }
      progressed |= running_.size() != running_before;
    }
    if (progressed || queue_.empty() || !running_.empty()) break;
    // Nothing runs and the head does not fit: drop idle prefixes, then give up on sharing,
    // then fail a sequence that cannot fit even in an empty cache.
    const auto [key, value] = *queue_.begin();
    if (release_idle_prefix(key.second == 0 ? value : -1)) continue;
    if (key.second == 0) {
      dissolve_group(value);
    } else {
      queue_.erase(queue_.begin());
      fail(value, plan);
    }
  }

  ++stats_.steps;
  stats_.block_copies += static_cast<int64_t>(plan.copies.size());
  stats_.peak_running = std::max(stats_.peak_running, static_cast<int32_t>(running_.size()));
  stats_.peak_step_tokens =
      std::max(stats_.peak_step_tokens, static_cast<int32_t>(plan.tokens.size()));
  stats_.peak_blocks_used = std::max(stats_.peak_blocks_used, pool_.n_used());

  // Block tables of the scheduled rows (sequences evicted after being scheduled cannot occur:
  // victims are always admitted later than the sequence that needs room).
  for (SeqId id : plan.row_seqs) {
    plan.max_blocks_per_row = std::max(
        plan.max_blocks_per_row,
        static_cast<int32_t>(seqs_[static_cast<size_t>(id)].table.blocks().size()));
  }
  plan.block_tables.assign(plan.row_seqs.size() * static_cast<size_t>(plan.max_blocks_per_row),
                           0);
  for (size_t r = 0; r < plan.row_seqs.size(); ++r) {
    const std::vector<int32_t>& blocks = seqs_[static_cast<size_t>(plan.row_seqs[r])].table.blocks();
    std::copy(blocks.begin(), blocks.end(),
              plan.block_tables.begin() + static_cast<ptrdiff_t>(r * plan.max_blocks_per_row));
  }
  return plan;
}

void Scheduler::append(SeqId seq, int32_t token) {
  Seq& s = seqs_.at(static_cast<size_t>(seq));
  if (s.state != State::kRunning || s.is_prefix || uncached(s) != 0) {
    throw std::logic_error(fmt::format("scheduler: append to sequence {} that has no logits", seq));
  }
  s.tokens.push_back(token);
}

void Scheduler::finish(SeqId seq) {
  Seq& s = seqs_.at(static_cast<size_t>(seq));
  if (s.state != State::kRunning || s.is_prefix) {
    throw std::logic_error(fmt::format("scheduler: finish of sequence {}, which is not running", seq));
  }
  s.table.release(pool_);
  s.state = State::kFinished;
  std::erase(running_, seq);
  --n_unfinished_;
}

}  // namespace boxed::inference::scheduler
