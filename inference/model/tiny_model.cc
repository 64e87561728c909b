#include "inference/model/tiny_model.h"

#include <optional>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "inference/model/r1_chat_template.h"
#include "inference/model/random_model.h"

namespace boxed::inference::model {
namespace {

// DeepSeek-R1 special tokens (tokenizer_config.json of DeepSeek-R1-Distill-Qwen; U+FF5C bars,
// U+2581 "▁").
constexpr const char* kBos = "<｜begin▁of▁sentence｜>";
constexpr const char* kEos = "<｜end▁of▁sentence｜>";

int32_t added_token_id(const nlohmann::json& tokenizer_json, const std::string& content) {
  for (const auto& token : tokenizer_json.value("added_tokens", nlohmann::json::array())) {
    if (token.value("content", "") == content) return token.at("id").get<int32_t>();
  }
  throw std::runtime_error(fmt::format("tiny tokenizer: no added token \"{}\"", content));
}

int vocab_size_of(const nlohmann::json& tokenizer_json) {
  int32_t max_id = -1;
  for (const auto& [text, id] : tokenizer_json.at("model").at("vocab").items()) {
    max_id = std::max(max_id, id.get<int32_t>());
  }
  for (const auto& token : tokenizer_json.value("added_tokens", nlohmann::json::array())) {
    max_id = std::max(max_id, token.at("id").get<int32_t>());
  }
  return max_id + 1;
}

}  // namespace

ModelConfig tiny_model_config(Architecture arch, const nlohmann::json& tokenizer_json,
                              ModelShape shape) {
  ModelConfig c;
  c.arch = arch;
  c.vocab_size = vocab_size_of(tokenizer_json);
  c.hidden_size = 64;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.intermediate_size = 128;
  c.rms_norm_eps = 1e-6f;
  c.bos_token_id = added_token_id(tokenizer_json, kBos);
  c.eos_token_ids = {added_token_id(tokenizer_json, kEos)};
  if (arch == Architecture::kQwen2) {
    c.head_dim = 16;
    c.max_position_embeddings = 4096;
    c.rope_theta = 10000.0f;
    c.tie_word_embeddings = false;
    c.attention_bias = true;
  } else {
    c.head_dim = 32;
    c.max_position_embeddings = 4096;
    c.rope_theta = 500000.0f;
    c.rope_scaling = {.type = "llama3", .factor = 8, .low_freq_factor = 1, .high_freq_factor = 4,
                      .original_max_position_embeddings = 64};
    c.tie_word_embeddings = true;
    c.attention_bias = false;
  }
  if (shape == ModelShape::kR1DistillQwen1_5B) {
    if (arch != Architecture::kQwen2) {
      throw std::invalid_argument("the r1-distill-qwen-1.5b shape is a qwen2 model; found arch llama");
    }
    const std::optional<int32_t> bos = c.bos_token_id;
    const std::vector<int32_t> eos = c.eos_token_ids;
    c = r1_distill_qwen_1_5b_config();
    c.bos_token_id = bos;
    c.eos_token_ids = eos;
  }
  return c;
}

void write_tiny_model(const std::filesystem::path& dir, Architecture arch, uint64_t seed,
                      const nlohmann::json& tokenizer_json, ModelShape shape) {
  const ModelConfig c = tiny_model_config(arch, tokenizer_json, shape);
  write_random_model(dir, c, seed, DType::kBF16);
  // Sampling defaults of DeepSeek-R1-Distill's generation_config.json (temperature 0.6, top_p 0.95).
  const nlohmann::json generation = {{"bos_token_id", *c.bos_token_id},
                                     {"eos_token_id", c.eos_token_ids.front()},
                                     {"do_sample", true},
                                     {"temperature", 0.6},
                                     {"top_p", 0.95}};
  write_text_file(dir / "generation_config.json", generation.dump(2) + "\n");
  // Fields as in DeepSeek-R1-Distill's tokenizer_config.json.
  const nlohmann::json tokenizer_config = {{"add_bos_token", true},
                                           {"add_eos_token", false},
                                           {"bos_token", kBos},
                                           {"eos_token", kEos},
                                           {"pad_token", kEos},
                                           {"clean_up_tokenization_spaces", false},
                                           {"model_max_length", c.max_position_embeddings},
                                           {"tokenizer_class", "LlamaTokenizerFast"},
                                           {"chat_template", kR1DistillChatTemplate}};
  write_text_file(dir / "tokenizer_config.json", tokenizer_config.dump(2) + "\n");
  write_text_file(dir / "tokenizer.json", tokenizer_json.dump(2) + "\n");
}

}  // namespace boxed::inference::model
