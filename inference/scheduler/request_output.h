// One request's output as its tokens arrive: incremental text (never half a UTF-8 character),
// and the finish decision — EOS, stop strings, max_tokens, the context window. Backend-agnostic:
// the CPU and CUDA engines feed it the sampled ids.
//
//   RequestOutput out(tokenizer, request.sampling, /*prompt_tokens=*/n, limits);
//   if (std::optional<FinishReason> r = out.push(token)) on_done(out.completion(request.id));
//
// Rules (as OpenAI-compatible servers such as vLLM apply them):
// - An EOS id ends the request with kStop; the EOS token counts in completion_tokens but adds
//   no text.
// - A stop string ends it with kStop as soon as the decoded text contains it; the text is cut
//   where the earliest stop string begins (the stop string and anything after are dropped).
// - max_tokens generated tokens, or prompt + generated reaching the context window, end it with
//   kLength.
// - Special tokens are left out of the text (vLLM's skip_special_tokens default); R1's
//   "<think>"/"</think>" are not special and stay.
// - Ids the tokenizer does not know (the padding rows of an embedding larger than the
//   vocabulary: R1-Distill-Qwen's config has 151,936 rows for 151,665 tokens) add no text, as
//   Hugging Face tokenizers' decode skips them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "inference/engine.h"
#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::scheduler {

struct OutputLimits {
  std::span<const int32_t> eos_ids;
  int64_t context_tokens = 0;  // max_position_embeddings
};

class RequestOutput {
 public:
  // Keeps references to `tok` and to the ids limits.eos_ids points to; copies `sampling`.
  RequestOutput(const tokenizer::Tokenizer& tok, const SamplingParams& sampling,
                int64_t prompt_tokens, OutputLimits limits);

  // Adds a generated token; returns the finish reason when the request is now finished.
  std::optional<FinishReason> push(int32_t token);

  const std::string& text() const { return text_; }
  int64_t completion_tokens() const { return n_generated_; }
  Completion completion(const std::string& id) const;

 private:
  std::optional<FinishReason> finish(FinishReason reason);

  tokenizer::StreamDecoder decoder_;
  int32_t tokenizer_vocab_;
  SamplingParams sampling_;  // a copy: callers pass temporaries (a reference dangled; ASan found it)
  int64_t prompt_tokens_;
  OutputLimits limits_;
  size_t longest_stop_ = 0;
  std::string text_;
  int64_t n_generated_ = 0;
  std::optional<FinishReason> finished_;
};

}  // namespace boxed::inference::scheduler
