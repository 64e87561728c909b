#include "inference/model/gguf_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace boxed::inference::model {
namespace {

[[noreturn]] void fail_key(const GgufFile& f, const std::string& key, const std::string& message) {
  throw std::runtime_error(fmt::format("{}: metadata key '{}': {}", f.source(), key, message));
}

int positive(const GgufFile& f, const std::string& key, std::optional<int> fallback = std::nullopt) {
  if (f.find(key) == nullptr && fallback) return *fallback;
  const int64_t v = f.get_i64(key);
  if (v <= 0 || v > (int64_t{1} << 30)) {
    fail_key(f, key, fmt::format("expected a positive integer, found {}", v));
  }
  return static_cast<int>(v);
}

// Texts of tokens that end a turn in the chat formats boxed renders; llama.cpp
// (src/llama-vocab.cpp, the special_eog_ids heuristics) stops on the same ones, and the models'
// generation_config.json files list them as eos ids (Qwen2.5: [151645 <|im_end|>, 151643
// <|endoftext|>]) while GGUF keeps only one eos id.
constexpr std::string_view kEndOfTurnTexts[] = {
    "<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>",
    "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>"};  // <｜end▁of▁sentence｜>

void add_unique(std::vector<int32_t>& ids, int64_t id) {
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(static_cast<int32_t>(id));
}

}  // namespace

bool is_gguf_path(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  if (path.extension() == ".gguf") return true;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

// Key names: llama.cpp gguf-py/gguf/constants.py (Keys.LLM, Keys.Attention, Keys.Rope,
// Keys.Tokenizer), as written by convert_hf_to_gguf.py.
ModelConfig model_config_from_gguf(const GgufFile& f) {
  ModelConfig c;
  const std::string arch = f.get_string("general.architecture");
  if (arch == "llama") {
    c.arch = Architecture::kLlama;
  } else if (arch == "qwen2") {
    c.arch = Architecture::kQwen2;
  } else {
    fail_key(f, "general.architecture", fmt::format("expected \"llama\" or \"qwen2\", found \"{}\"", arch));
  }
  const std::string p = arch + ".";
  c.hidden_size = positive(f, p + "embedding_length");
  c.n_layers = positive(f, p + "block_count");
  c.intermediate_size = positive(f, p + "feed_forward_length");
  c.n_heads = positive(f, p + "attention.head_count");
  c.n_kv_heads = positive(f, p + "attention.head_count_kv", c.n_heads);
  c.max_position_embeddings = positive(f, p + "context_length");
  c.rms_norm_eps = f.get_f32(p + "attention.layer_norm_rms_epsilon");
  c.rope_theta = f.get_f32_or(p + "rope.freq_base", 10000.0f);  // llama.cpp's default
  if (c.hidden_size % c.n_heads != 0 && f.find(p + "attention.key_length") == nullptr) {
    fail_key(f, p + "attention.head_count",
             fmt::format("embedding_length {} is not a multiple of {} heads and no key_length is given",
                         c.hidden_size, c.n_heads));
  }
  c.head_dim = positive(f, p + "attention.key_length", c.hidden_size / c.n_heads);
  if (const auto v = f.optional_i64(p + "attention.value_length"); v && *v != c.head_dim) {
    fail_key(f, p + "attention.value_length",
             fmt::format("expected the key_length {}, found {}", c.head_dim, *v));
  }
  if (const auto d = f.optional_i64(p + "rope.dimension_count"); d && *d != c.head_dim) {
    fail_key(f, p + "rope.dimension_count",
             fmt::format("expected the head size {} (partial rotary embedding is not implemented), "
                         "found {}", c.head_dim, *d));
  }
  if (c.head_dim % 2 != 0) {
    fail_key(f, p + "attention.key_length", fmt::format("expected an even head size, found {}", c.head_dim));
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    fail_key(f, p + "attention.head_count_kv",
             fmt::format("expected a divisor of head_count {}, found {}", c.n_heads, c.n_kv_heads));
  }
  if (const auto type = f.optional_string(p + "rope.scaling.type"); type && *type != "none") {
    fail_key(f, p + "rope.scaling.type",
             fmt::format("expected \"none\" (rope scaling from GGUF is not implemented), found \"{}\"", *type));
  }
  if (const auto scale = f.optional_f32(p + "rope.scale_linear"); scale && *scale != 1.0f) {
    fail_key(f, p + "rope.scale_linear",
             fmt::format("expected 1 (linear rope scaling is not implemented), found {}", *scale));
  }
  // convert_hf_to_gguf.py LlamaModel.generate_extra_tensors stores Llama-3.1's rope scaling as
  // per-frequency factors in this tensor instead of metadata. A header-only file (a truncated
  // download) has no bytes to read them from; it cannot load as a model anyway.
  if (const GgufTensorInfo* freqs = f.find_tensor("rope_freqs.weight");
      freqs != nullptr && f.has_tensor_data()) {
    const TensorView v = f.tensor_view("rope_freqs.weight");
    if (v.dtype != DType::kF32 || v.numel() != c.head_dim / 2) {
      throw std::runtime_error(fmt::format(
          "{}: tensor 'rope_freqs.weight': expected F32 [{}] (one factor per rotary frequency), "
          "found {} with {} elements", f.source(), c.head_dim / 2, dtype_name(v.dtype), v.numel()));
    }
    c.rope_scaling.type = "freq_factors";
    c.rope_scaling.freq_factors.resize(c.head_dim / 2);
    std::memcpy(c.rope_scaling.freq_factors.data(), v.data, v.size_bytes());
    for (size_t i = 0; i < c.rope_scaling.freq_factors.size(); ++i) {
      const float x = c.rope_scaling.freq_factors[i];
      if (!(x > 0.0f) || !std::isfinite(x)) {
        throw std::runtime_error(fmt::format(
            "{}: tensor 'rope_freqs.weight': element {}: expected a positive finite factor, found {}",
            f.source(), i, x));
      }
    }
  }
  c.tie_word_embeddings = f.find_tensor("output.weight") == nullptr;
  c.attention_bias = c.arch == Architecture::kQwen2 || f.find_tensor("blk.0.attn_q.bias") != nullptr;

  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (tokens != nullptr && tokens->type == GgufType::kArray &&
      tokens->array_type == GgufType::kString && tokens->array_size > 0) {
    c.vocab_size = static_cast<int>(std::min<uint64_t>(tokens->array_size, 1u << 30));
  } else if (f.find(p + "vocab_size") != nullptr) {
    c.vocab_size = positive(f, p + "vocab_size");
  } else if (const GgufTensorInfo* embd = f.find_tensor("token_embd.weight"); embd && embd->shape.size() == 2) {
    c.vocab_size = static_cast<int>(embd->shape[0]);
  } else {
    throw std::runtime_error(fmt::format(
        "{}: cannot tell the vocabulary size: no tokenizer.ggml.tokens, {}vocab_size or "
        "token_embd.weight", f.source(), p));
  }
  const auto token_text = [&](int64_t id) -> std::string {
    if (tokens == nullptr || id < 0 || static_cast<uint64_t>(id) >= tokens->array_strings.size()) return "";
    return tokens->array_strings[id];
  };
  if (const auto bos = f.optional_i64("tokenizer.ggml.bos_token_id")) {
    c.bos_token_id = static_cast<int32_t>(*bos);
    c.bos_token = token_text(*bos);
  }
  if (const auto eos = f.optional_i64("tokenizer.ggml.eos_token_id")) {
    add_unique(c.eos_token_ids, *eos);
    c.eos_token = token_text(*eos);
  }
  for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
    if (const auto id = f.optional_i64(key)) add_unique(c.eos_token_ids, *id);
  }
  if (tokens != nullptr && !c.eos_token_ids.empty()) {
    for (size_t id = 0; id < tokens->array_strings.size(); ++id) {
      const std::string& text = tokens->array_strings[id];
      if (text.size() < 5 || text.size() > 40 || text.front() != '<') continue;
      for (std::string_view end : kEndOfTurnTexts) {
        if (text == end) add_unique(c.eos_token_ids, static_cast<int64_t>(id));
      }
    }
  }
  c.chat_template = f.get_string_or("tokenizer.chat_template", "");
  // gguf-py constants.py Keys.General.SAMPLING_* (written from generation_config.json).
  if (const auto t = f.optional_f32("general.sampling.temp")) c.generation.temperature = *t;
  if (const auto t = f.optional_f32("general.sampling.top_p")) c.generation.top_p = *t;
  if (const auto k = f.optional_i64("general.sampling.top_k")) c.generation.top_k = static_cast<int>(*k);
  return c;
}

}  // namespace boxed::inference::model
