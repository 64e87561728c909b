#include "inference/tokenizer/hf_gguf_vocab.h"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace boxed::inference::tokenizer {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// llama_token_type (llama.h): the values tokenizer.ggml.token_type stores.
constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;

json read_json_or_null(const fs::path& path) {
  if (!fs::exists(path)) return json();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("{}: cannot open for reading", path.string()));
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(fmt::format("{}: not valid JSON", path.string()));
  return j;
}

std::string read_text_or_empty(const fs::path& path) {
  if (!fs::exists(path)) return "";
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool starts_ends(const std::string& s, std::string_view front, std::string_view back) {
  return s.size() >= front.size() + back.size() && s.starts_with(front) && s.ends_with(back);
}

// conversion/base.py does_token_look_special.
bool looks_special(const std::string& t) {
  return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" ||
         starts_ends(t, "<|", "|>") || starts_ends(t, "<｜", "｜>") || starts_ends(t, "<unused", ">");
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// A token given as a string or an AddedToken object {"content": ...} in tokenizer_config.json.
std::optional<std::string> config_token(const json& config, const std::string& key) {
  if (!config.is_object() || !config.contains(key)) return std::nullopt;
  const json& v = config[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return std::nullopt;
}

std::string chat_template_of(const fs::path& dir, const json& config) {
  if (config.is_object() && config.contains("chat_template")) {
    const json& t = config["chat_template"];
    if (t.is_string()) return t.get<std::string>();
    if (t.is_array()) {
      for (const json& e : t) {
        if (e.is_object() && e.value("name", "") == "default" && e.contains("template") && e["template"].is_string()) {
          return e["template"].get<std::string>();
        }
      }
    }
  }
  if (std::string jinja = read_text_or_empty(dir / "chat_template.jinja"); !jinja.empty()) return jinja;
  const json alt = read_json_or_null(dir / "chat_template.json");
  if (alt.is_object() && alt.contains("chat_template") && alt["chat_template"].is_string()) {
    return alt["chat_template"].get<std::string>();
  }
  return "";
}

}  // namespace

std::string gguf_pre_of_family(const std::string& family) {
  if (family == "llama3") return "llama-bpe";
  return family;  // "qwen2", "gpt2", "smollm" are their own GGUF names (llama-vocab.cpp)
}

std::optional<HfGgufTokenizer> hf_gguf_tokenizer(const fs::path& dir, int32_t vocab_size) {
  const fs::path file = dir / "tokenizer.json";
  if (!fs::exists(file)) return std::nullopt;
  const std::string source = file.string();
  // Loading it first checks everything boxed's tokenizer checks and names the pre-tokenizer.
  const Tokenizer tok = Tokenizer::load(source);
  const json j = read_json_or_null(file);
  const json& model = j.contains("model") ? j["model"] : json();
  if (!model.is_object() || model.value("type", "BPE") != "BPE" || !model.contains("vocab") ||
      !model["vocab"].is_object()) {
    throw std::runtime_error(fmt::format("{}: model: expected a BPE vocabulary", source));
  }

  HfGgufTokenizer out;
  GgufVocab& v = out.vocab;
  v.model = "gpt2";  // GGUF's name for byte-level BPE (gguf.md, tokenizer.ggml.model)
  v.pre = gguf_pre_of_family(tok.pre_name());
  std::map<int32_t, std::pair<std::string, int32_t>> by_id;  // id -> (text, type)
  for (const auto& [text, id] : model["vocab"].items()) by_id[id.get<int32_t>()] = {text, kNormal};
  std::map<std::string, int32_t> added_ids;
  if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
    for (const json& a : j["added_tokens"]) {
      const int32_t id = a.at("id").get<int32_t>();
      std::string content = a.at("content").get<std::string>();
      added_ids.emplace(content, id);
      if (a.value("special", false) || looks_special(content)) {
        by_id[id] = {content, kControl};
      } else {
        by_id[id] = {replace_all(content, "\u2581", " "), kUserDefined};
      }
    }
  }
  if (!by_id.empty() && by_id.rbegin()->first >= vocab_size) {
    throw std::runtime_error(fmt::format(
        "{}: token id {} is not below config.json vocab_size {}", source, by_id.rbegin()->first, vocab_size));
  }
  v.tokens.resize(static_cast<size_t>(vocab_size));
  v.token_types.assign(static_cast<size_t>(vocab_size), kUnused);
  for (int32_t id = 0; id < vocab_size; ++id) {
    if (auto it = by_id.find(id); it != by_id.end()) {
      v.tokens[id] = it->second.first;
      v.token_types[id] = it->second.second;
    } else {
      v.tokens[id] = fmt::format("[PAD{}]", id);
    }
  }
  if (model.contains("merges") && model["merges"].is_array()) {
    for (const json& m : model["merges"]) {
      if (m.is_string()) {
        v.merges.push_back(m.get<std::string>());
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        v.merges.push_back(replace_all(m[0].get<std::string>(), " ", "\u0120") + " " +
                           replace_all(m[1].get<std::string>(), " ", "\u0120"));
      } else {
        throw std::runtime_error(fmt::format("{}: model.merges: expected strings or pairs, found {}",
                                             source, m.dump()));
      }
    }
  }

  const json config = read_json_or_null(dir / "tokenizer_config.json");
  const json model_config = read_json_or_null(dir / "config.json");
  auto special_id = [&](const std::string& kind) -> std::optional<int32_t> {
    if (auto text = config_token(config, kind + "_token")) {
      if (auto it = added_ids.find(*text); it != added_ids.end()) return it->second;
    }
    const std::string key = kind + "_token_id";
    if (model_config.is_object() && model_config.contains(key) && model_config[key].is_number_integer()) {
      const int64_t id = model_config[key].get<int64_t>();
      if (id >= 0 && id < vocab_size) return static_cast<int32_t>(id);
    }
    return std::nullopt;
  };
  v.bos = special_id("bos");
  v.eos = special_id("eos");
  v.padding = special_id("pad");

  // tokenizer_config.json's "add_bos_token" first: it is what boxed reads from a directory and
  // what transformers' Llama tokenizers obey (vocab.py prefers the post-processor instead).
  std::optional<bool> add_bos;
  if (config.is_object() && config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) {
    add_bos = config["add_bos_token"].get<bool>();
  }
  const json post = j.contains("post_processor") ? j["post_processor"] : json();
  const json processors = post.is_object() && post.contains("processors") ? post["processors"] : json::array({post});
  for (const json& p : processors) {
    if (add_bos || !p.is_object()) continue;
    const std::string type = p.value("type", "");
    if (type == "ByteLevel") add_bos = false;
    if (type == "TemplateProcessing" && p.contains("single") && p["single"].is_array() && p["single"].size() > 1 &&
        p["single"][0].contains("SpecialToken")) {
      const std::string first = p["single"][0]["SpecialToken"].value("id", "");
      // vocab.py: the leading special token becomes BOS when tokenizer_config.json names none.
      const std::optional<std::string> bos = config_token(config, "bos_token");
      add_bos = !bos || *bos == first;
    }
  }
  v.add_bos = add_bos.value_or(false);
  out.chat_template = chat_template_of(dir, config);
  return out;
}

}  // namespace boxed::inference::tokenizer
