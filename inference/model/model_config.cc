#include "inference/model/model_config.h"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "inference/model/awq.h"
#include "inference/model/gguf_model.h"

namespace boxed::inference::model {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& field,
                       const std::string& message) {
  throw std::runtime_error(fmt::format("{}: field '{}': {}", source, field, message));
}

// A positive integer field; `fallback` when absent (or null), an error when required.
// `prefix` names the enclosing object in messages ("rope_scaling.").
int get_int(const json& j, const std::string& source, const std::string& field,
            std::optional<int> fallback = std::nullopt, const std::string& prefix = "") {
  if (!j.contains(field) || j[field].is_null()) {
    if (fallback) return *fallback;
    fail(source, prefix + field, "expected a positive integer, found nothing");
  }
  const json& v = j[field];
  if (!v.is_number_integer() || v.get<int64_t>() <= 0 || v.get<int64_t>() > (int64_t{1} << 30)) {
    fail(source, prefix + field, fmt::format("expected a positive integer, found {}", v.dump()));
  }
  return v.get<int>();
}

float get_float(const json& j, const std::string& source, const std::string& field,
                float fallback, const std::string& prefix = "") {
  if (!j.contains(field) || j[field].is_null()) return fallback;
  if (!j[field].is_number()) {
    fail(source, prefix + field, fmt::format("expected a number, found {}", j[field].dump()));
  }
  const float value = j[field].get<float>();
  if (!std::isfinite(value)) {  // 1e39 is a JSON number but no float
    fail(source, prefix + field, fmt::format("expected a finite number, found {}", j[field].dump()));
  }
  return value;
}

// A string field; `fallback` when absent (or null). (json::value(field, fallback) would throw a
// json type_error naming neither file nor field for a number; found by tests/fuzz/model_config.)
std::string get_string(const json& j, const std::string& source, const std::string& field,
                       const std::string& fallback, const std::string& prefix = "") {
  if (!j.contains(field) || j[field].is_null()) return fallback;
  if (!j[field].is_string()) {
    fail(source, prefix + field, fmt::format("expected a string, found {}", j[field].dump()));
  }
  return j[field].get<std::string>();
}

bool get_bool(const json& j, const std::string& source, const std::string& field, bool fallback) {
  if (!j.contains(field) || j[field].is_null()) return fallback;
  if (!j[field].is_boolean()) fail(source, field, fmt::format("expected true or false, found {}", j[field].dump()));
  return j[field].get<bool>();
}

std::vector<int32_t> get_ids(const json& j, const std::string& source, const std::string& field) {
  std::vector<int32_t> ids;
  if (!j.contains(field) || j[field].is_null()) return ids;
  const json& v = j[field];
  const auto add = [&](const json& id) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0) {
      fail(source, field, fmt::format("expected a token id or a list of them, found {}", v.dump()));
    }
    ids.push_back(id.get<int32_t>());
  };
  if (v.is_array()) {
    for (const json& id : v) add(id);
  } else {
    add(v);
  }
  return ids;
}

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open", path.string()));
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw std::runtime_error(fmt::format("{}: not a JSON object", path.string()));
  }
  return j;
}

// transformers <= 4.x writes "rope_scaling"; 5.x writes "rope_parameters" (which also carries
// rope_theta and {"rope_type": "default"} when there is no scaling).
RopeScaling parse_rope_scaling(const json& config, const std::string& source) {
  RopeScaling scaling;
  for (const char* field : {"rope_scaling", "rope_parameters"}) {
    if (!config.contains(field) || config[field].is_null()) continue;
    const json& r = config[field];
    if (!r.is_object()) fail(source, field, fmt::format("expected an object, found {}", r.dump()));
    const std::string prefix = std::string(field) + ".";
    const std::string type = get_string(r, source, "rope_type",
                                        get_string(r, source, "type", "default", prefix), prefix);
    if (type == "default" || type == "none") continue;
    if (type != "llama3") {
      fail(source, std::string(field) + ".rope_type",
           fmt::format("expected \"default\" or \"llama3\", found \"{}\"", type));
    }
    scaling.type = "llama3";
    scaling.factor = get_float(r, source, "factor", 0, prefix);
    scaling.low_freq_factor = get_float(r, source, "low_freq_factor", 1, prefix);
    scaling.high_freq_factor = get_float(r, source, "high_freq_factor", 4, prefix);
    scaling.original_max_position_embeddings =
        get_int(r, source, "original_max_position_embeddings", std::nullopt, prefix);
    if (scaling.factor <= 0) fail(source, prefix + "factor", "expected a positive number");
    if (scaling.high_freq_factor <= scaling.low_freq_factor) {
      fail(source, prefix + "high_freq_factor",
           fmt::format("expected more than low_freq_factor {}, found {}", scaling.low_freq_factor,
                       scaling.high_freq_factor));
    }
  }
  return scaling;
}

}  // namespace

std::string_view architecture_name(Architecture arch) {
  return arch == Architecture::kQwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM";
}

ModelConfig parse_model_config(const json& config, const std::string& source) {
  ModelConfig c;
  std::string name;
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty() && config["architectures"][0].is_string()) {
    name = config["architectures"][0].get<std::string>();
  } else if (config.contains("model_type") && config["model_type"].is_string()) {
    name = config["model_type"].get<std::string>();
  }
  if (name == "Qwen2ForCausalLM" || name == "qwen2") {
    c.arch = Architecture::kQwen2;
  } else if (name == "LlamaForCausalLM" || name == "llama") {
    c.arch = Architecture::kLlama;
  } else {
    fail(source, "architectures",
         fmt::format("expected \"Qwen2ForCausalLM\" or \"LlamaForCausalLM\", found \"{}\"", name));
  }
  const bool qwen2 = c.arch == Architecture::kQwen2;
  c.vocab_size = get_int(config, source, "vocab_size");
  c.hidden_size = get_int(config, source, "hidden_size");
  c.n_layers = get_int(config, source, "num_hidden_layers");
  c.n_heads = get_int(config, source, "num_attention_heads");
  c.n_kv_heads = get_int(config, source, "num_key_value_heads", c.n_heads);
  c.intermediate_size = get_int(config, source, "intermediate_size");
  // Defaults are those of transformers' Qwen2Config and LlamaConfig.
  c.max_position_embeddings =
      get_int(config, source, "max_position_embeddings", qwen2 ? 32768 : 2048);
  c.rms_norm_eps = get_float(config, source, "rms_norm_eps", 1e-6f);
  float theta = get_float(config, source, "rope_theta", 10000.0f);
  if (config.contains("rope_parameters") && config["rope_parameters"].is_object()) {
    theta = get_float(config["rope_parameters"], source, "rope_theta", theta);
  }
  c.rope_theta = theta;
  c.rope_scaling = parse_rope_scaling(config, source);
  c.tie_word_embeddings = get_bool(config, source, "tie_word_embeddings", false);
  c.attention_bias = qwen2 ? true : get_bool(config, source, "attention_bias", false);

  if (c.hidden_size % c.n_heads != 0 && !config.contains("head_dim")) {
    fail(source, "num_attention_heads",
         fmt::format("hidden_size {} is not a multiple of {} heads and no head_dim is given",
                     c.hidden_size, c.n_heads));
  }
  c.head_dim = get_int(config, source, "head_dim", c.hidden_size / c.n_heads);
  if (c.head_dim % 2 != 0) {
    fail(source, "head_dim", fmt::format("expected an even number (RoPE rotates pairs), found {}", c.head_dim));
  }
  if (c.n_heads % c.n_kv_heads != 0) {
    fail(source, "num_key_value_heads",
         fmt::format("expected a divisor of num_attention_heads {}, found {}", c.n_heads, c.n_kv_heads));
  }
  if (config.contains("hidden_act") && config["hidden_act"] != "silu") {
    fail(source, "hidden_act", fmt::format("expected \"silu\", found {}", config["hidden_act"].dump()));
  }
  if (get_bool(config, source, "mlp_bias", false)) fail(source, "mlp_bias", "expected false, found true");
  if (qwen2 && get_bool(config, source, "use_sliding_window", false)) {
    fail(source, "use_sliding_window", "expected false (sliding-window attention is not implemented), found true");
  }
  const std::vector<int32_t> bos = get_ids(config, source, "bos_token_id");
  if (!bos.empty()) c.bos_token_id = bos.front();
  c.eos_token_ids = get_ids(config, source, "eos_token_id");
  if (config.contains("quantization_config") && !config["quantization_config"].is_null()) {
    c.awq = parse_awq_config(config["quantization_config"], source);  // refuses all but AWQ GEMM
  }
  return c;
}

ModelConfig load_model_config(const std::filesystem::path& model_dir) {
  if (is_gguf_path(model_dir)) {
    return model_config_from_gguf(GgufFile::open(model_dir, GgufFile::Mode::kHeaderOnly));
  }
  const std::filesystem::path config_path = model_dir / "config.json";
  if (!std::filesystem::exists(config_path)) {
    throw std::runtime_error(fmt::format("{}: no config.json in the model directory", model_dir.string()));
  }
  ModelConfig c = parse_model_config(read_json(config_path), config_path.string());

  const std::filesystem::path generation_path = model_dir / "generation_config.json";
  if (std::filesystem::exists(generation_path)) {
    const json g = read_json(generation_path);
    const std::string source = generation_path.string();
    const std::vector<int32_t> bos = get_ids(g, source, "bos_token_id");
    if (!bos.empty()) c.bos_token_id = bos.front();
    const std::vector<int32_t> eos = get_ids(g, source, "eos_token_id");
    if (!eos.empty()) c.eos_token_ids = eos;
    if (g.contains("temperature") && g["temperature"].is_number()) {
      c.generation.temperature = g["temperature"].get<float>();
    }
    if (g.contains("top_p") && g["top_p"].is_number()) c.generation.top_p = g["top_p"].get<float>();
    if (g.contains("top_k") && g["top_k"].is_number_integer()) c.generation.top_k = g["top_k"].get<int>();
  }

  const std::filesystem::path tokenizer_path = model_dir / "tokenizer_config.json";
  if (std::filesystem::exists(tokenizer_path)) {
    const json t = read_json(tokenizer_path);
    // A token is a string or an AddedToken object {"content": ...} (transformers
    // tokenization_utils_base, special tokens in tokenizer_config.json).
    const auto token = [&](const char* field) -> std::string {
      if (!t.contains(field)) return "";
      if (t[field].is_string()) return t[field].get<std::string>();
      if (t[field].is_object() && t[field].contains("content") && t[field]["content"].is_string()) {
        return t[field]["content"].get<std::string>();
      }
      return "";
    };
    c.bos_token = token("bos_token");
    c.eos_token = token("eos_token");
    if (t.contains("chat_template")) {
      const json& tpl = t["chat_template"];
      if (tpl.is_string()) {
        c.chat_template = tpl.get<std::string>();
      } else if (tpl.is_array()) {  // [{"name": "default", "template": "..."}, ...]
        for (const json& entry : tpl) {
          if (entry.is_object() && entry.value("name", json()) == "default" &&
              entry.contains("template") && entry["template"].is_string()) {
            c.chat_template = entry["template"].get<std::string>();
          }
        }
      }
    }
  }
  return c;
}

}  // namespace boxed::inference::model
