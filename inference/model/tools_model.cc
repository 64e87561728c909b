// The model and forward tools of inference/tools.h.
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "inference/cpu/sequence_logits.h"
#include "inference/model/model.h"
#include "inference/model/tiny_model.h"
#include "inference/tokenizer/tiny_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"

namespace boxed::inference {

void make_tiny_model(const std::string& dir, const std::string& arch, uint64_t seed,
                     const std::string& shape) {
  model::ModelShape s;
  if (shape == "tiny") {
    s = model::ModelShape::kTiny;
  } else if (shape == "r1-distill-qwen-1.5b") {
    s = model::ModelShape::kR1DistillQwen1_5B;
  } else {
    throw std::invalid_argument(
        fmt::format("--shape: expected tiny or r1-distill-qwen-1.5b, found '{}'", shape));
  }
  model::Architecture a;
  if (arch == "qwen2") {
    a = model::Architecture::kQwen2;
  } else if (arch == "llama") {
    a = model::Architecture::kLlama;
  } else {
    throw std::invalid_argument(fmt::format("--arch: expected qwen2 or llama, found '{}'", arch));
  }
  model::write_tiny_model(dir, a, seed, tokenizer::make_tiny_tokenizer_json(), s);
}

std::vector<float> last_token_logits(const std::string& model_dir, std::span<const int32_t> tokens) {
  if (tokens.empty()) throw std::invalid_argument("last_token_logits: no tokens");
  const std::unique_ptr<model::Model> m = model::Model::load(model_dir);
  const std::vector<int32_t> wanted = {static_cast<int32_t>(tokens.size()) - 1};
  std::vector<float> out;
  cpu::sequence_logits(*m, tokens, wanted,
                       [&](int32_t, std::span<const float> l) { out.assign(l.begin(), l.end()); });
  return out;
}

void token_logits(const std::string& model_dir, std::span<const int32_t> tokens, bool all_positions,
                  const std::function<void(int, std::span<const float>)>& on_logits) {
  if (tokens.empty()) throw std::invalid_argument("token_logits: no tokens");
  const std::unique_ptr<model::Model> m = model::Model::load(model_dir);
  const int32_t n = static_cast<int32_t>(tokens.size());
  std::vector<int32_t> wanted;
  for (int32_t p = all_positions ? 0 : n - 1; p < n; ++p) wanted.push_back(p);
  cpu::sequence_logits(*m, tokens, wanted, on_logits);
}

std::vector<int32_t> encode_text_for_model(const std::string& model_dir, const std::string& text) {
  return tokenizer::Tokenizer::load(model_dir).encode(text, /*parse_special=*/true);
}

}  // namespace boxed::inference
