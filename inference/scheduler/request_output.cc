#include "inference/scheduler/request_output.h"

#include <algorithm>
#include <stdexcept>

namespace boxed::inference::scheduler {

RequestOutput::RequestOutput(const tokenizer::Tokenizer& tok, const SamplingParams& sampling,
                             int64_t prompt_tokens, OutputLimits limits)
    : decoder_(tok, /*skip_special=*/true),
      tokenizer_vocab_(tok.vocab_size()),
      sampling_(sampling),
      prompt_tokens_(prompt_tokens),
      limits_(limits) {
  for (const std::string& s : sampling.stop) longest_stop_ = std::max(longest_stop_, s.size());
}

std::optional<FinishReason> RequestOutput::finish(FinishReason reason) {
  finished_ = reason;
  return reason;
}

std::optional<FinishReason> RequestOutput::push(int32_t token) {
  if (finished_) throw std::logic_error("RequestOutput: push after the request finished");
  ++n_generated_;
  if (std::ranges::find(limits_.eos_ids, token) != limits_.eos_ids.end()) {
    text_ += decoder_.finish();
    return finish(FinishReason::kStop);
  }
  const size_t old_size = text_.size();
  if (token >= 0 && token < tokenizer_vocab_) text_ += decoder_.push(token);
  if (longest_stop_ > 0 && text_.size() > old_size) {
    // Only a match ending in the new bytes is new: start longest_stop - 1 bytes back.
    const size_t from = old_size >= longest_stop_ ? old_size - longest_stop_ + 1 : 0;
    size_t cut = std::string::npos;
    for (const std::string& stop : sampling_.stop) {
      cut = std::min(cut, text_.find(stop, from));
    }
    if (cut != std::string::npos) {
      text_.resize(cut);
      return finish(FinishReason::kStop);
    }
  }
  if (n_generated_ >= sampling_.max_tokens ||
      prompt_tokens_ + n_generated_ >= limits_.context_tokens) {
    text_ += decoder_.finish();
    return finish(FinishReason::kLength);
  }
  return std::nullopt;
}

Completion RequestOutput::completion(const std::string& id) const {
  return Completion{.id = id,
                    .text = text_,
                    .finish_reason = finished_.value_or(FinishReason::kLength),
                    .prompt_tokens = prompt_tokens_,
                    .completion_tokens = n_generated_};
}

}  // namespace boxed::inference::scheduler
