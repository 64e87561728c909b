// Loading a Tokenizer: tokenizer.json (Hugging Face tokenizers' serialisation), or vocab.json +
// merges.txt with a named pre-tokenizer family, plus tokenizer_config.json beside either.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "inference/tokenizer/byte_level.h"
#include "inference/tokenizer/gguf_source.h"
#include "inference/tokenizer/tokenizer_state.h"

namespace boxed::inference::tokenizer {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& field,
                       const std::string& message) {
  throw std::runtime_error(source + ": " + field + ": " + message);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json parse_json(std::string_view text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw std::runtime_error(source + ": invalid JSON: " + e.what());
  }
}

// The "type" of a component object, "" when there is none (or it is not a string: the caller's
// "unsupported ..." message shows what was found).
std::string type_of(const json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>()
                                                                      : "";
}

// A boolean field; `fallback` when absent or null. json::value(key, false) would throw a bare
// json type_error, naming neither file nor field, for "true" as a string (tests/fuzz/tokenizer).
bool flag(const json& j, const char* key, bool fallback, const std::string& where) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean()) {
    throw std::runtime_error(where + "." + key + ": expected true or false, found " + j[key].dump());
  }
  return j[key].get<bool>();
}

std::unordered_map<std::string, int32_t> parse_vocab(const json& j, const std::string& source,
                                                     const std::string& field) {
  if (!j.is_object())
    fail(source, field, "expected an object of token → id, found " + std::string(j.type_name()));
  std::unordered_map<std::string, int32_t> vocab;
  vocab.reserve(j.size());
  for (const auto& [token, id] : j.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      fail(source, field + "[\"" + token + "\"]",
           "expected a non-negative integer id, found " + id.dump());
    }
    vocab.emplace(token, id.get<int32_t>());
  }
  return vocab;
}

std::vector<MergeRule> parse_merges_json(const json& j, const std::string& source) {
  if (!j.is_array()) fail(source, "model.merges", "expected an array");
  std::vector<MergeRule> merges;
  merges.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    const json& m = j[i];
    const std::string where = source + ": model.merges[" + std::to_string(i) + "]";
    if (m.is_string()) {  // "a b", the form of tokenizers < 0.20
      merges.push_back(split_merge_line(m.get_ref<const std::string&>(), where));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      merges.push_back({m[0].get<std::string>(), m[1].get<std::string>()});  // ["a", "b"]
    } else {
      throw std::runtime_error(where + ": expected \"a b\" or [\"a\", \"b\"], found " + m.dump());
    }
  }
  return merges;
}

// merges.txt: one "a b" per line. Only a first line starting with "#version" is a header:
// Llama-3's merge list has real merges that begin with '#' (e.g. "# #").
std::vector<MergeRule> parse_merges_txt(const std::string& text, const std::string& source) {
  std::vector<MergeRule> merges;
  std::istringstream in(text);
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 && line.rfind("#version", 0) == 0) continue;
    if (line.empty()) continue;
    merges.push_back(split_merge_line(line, source + ":" + std::to_string(line_no)));
  }
  return merges;
}

AddedToken parse_added_token(const json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("content") || !j["content"].is_string()) {
    throw std::runtime_error(where + ": expected an object with a string \"content\"");
  }
  AddedToken t;
  t.content = j["content"].get<std::string>();
  if (j.contains("id")) {
    const json& id = j["id"];
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      throw std::runtime_error(where + ".id: expected a non-negative integer id, found " + id.dump());
    }
    t.id = id.get<int32_t>();
  }
  t.special = flag(j, "special", false, where);
  t.lstrip = flag(j, "lstrip", false, where);
  t.rstrip = flag(j, "rstrip", false, where);
  // tokenizers' AddedToken default: normalized = !special.
  t.normalized = flag(j, "normalized", !t.special, where);
  t.single_word = flag(j, "single_word", false, where);
  return t;
}

bool parse_normalizer(const json& j, const std::string& source) {
  if (j.is_null()) return false;
  const std::string type = type_of(j);
  if (type == "NFC") return true;
  if (type == "Sequence" && j.contains("normalizers") && j["normalizers"].is_array()) {
    bool nfc = false;
    for (const json& n : j["normalizers"]) nfc = parse_normalizer(n, source) || nfc;
    return nfc;
  }
  fail(source, "normalizer",
       "unsupported normalizer " + j.dump() + "; supported: null, NFC (a Sequence of those)");
}

void check_byte_level(const json& j, const std::string& source, const std::string& field,
                      bool expect_regex) {
  if (flag(j, "add_prefix_space", false, source + ": " + field)) {
    fail(source, field + ".add_prefix_space", "expected false, found true (not supported)");
  }
  if (flag(j, "use_regex", true, source + ": " + field) != expect_regex) {
    fail(source, field + ".use_regex",
         std::string("expected ") + (expect_regex ? "true" : "false") + " in this position");
  }
}

PreFamily parse_pre_tokenizer(const json& j, const std::string& source) {
  const std::string type = type_of(j);
  if (type == "ByteLevel") {  // GPT-2: the ByteLevel pre-tokenizer applies its own regex
    check_byte_level(j, source, "pre_tokenizer", true);
    return PreFamily::kGpt2;
  }
  if (type == "Sequence" && j.contains("pretokenizers") && j["pretokenizers"].is_array() &&
      j["pretokenizers"].size() == 2) {
    const json& split = j["pretokenizers"][0];
    const json& byte_level = j["pretokenizers"][1];
    // SmolLM2: Sequence[Digits(individual_digits=true), ByteLevel(use_regex=true)].
    if (type_of(split) == "Digits" && type_of(byte_level) == "ByteLevel") {
      if (!flag(split, "individual_digits", false, source + ": pre_tokenizer.pretokenizers[0]")) {
        fail(source, "pre_tokenizer.pretokenizers[0].individual_digits",
             "expected true, found false (not supported)");
      }
      check_byte_level(byte_level, source, "pre_tokenizer.pretokenizers[1]", true);
      return PreFamily::kSmolLm;
    }
    if (type_of(split) == "Split" && type_of(byte_level) == "ByteLevel") {
      const json pattern = split.value("pattern", json::object());
      if (!pattern.contains("Regex") || !pattern["Regex"].is_string()) {
        fail(source, "pre_tokenizer.pretokenizers[0].pattern",
             "expected {\"Regex\": ...}, found " + pattern.dump());
      }
      if (split.value("behavior", json()) != "Isolated" ||
          flag(split, "invert", false, source + ": pre_tokenizer.pretokenizers[0]")) {
        fail(source, "pre_tokenizer.pretokenizers[0]",
             "expected behavior \"Isolated\" and invert false, found " + split.dump());
      }
      check_byte_level(byte_level, source, "pre_tokenizer.pretokenizers[1]", false);
      const std::string regex = pattern["Regex"].get<std::string>();
      if (auto family = pre_family_from_pattern(regex)) return *family;
      fail(source, "pre_tokenizer.pretokenizers[0].pattern.Regex",
           "unknown pre-tokenizer pattern " + json(regex).dump() +
               "; known: the Qwen2, Llama-3 and GPT-2 patterns (see pre_tokenizer.h)");
    }
  }
  fail(source, "pre_tokenizer",
       "unsupported pre-tokenizer " + j.dump().substr(0, 300) +
           "; supported: Sequence[Split(Regex, Isolated), ByteLevel(use_regex=false)], "
           "Sequence[Digits(individual_digits), ByteLevel(use_regex=true)] or "
           "ByteLevel(use_regex=true)");
}

fs::path beside(const std::string& file, const char* name) {
  return fs::path(file).parent_path() / name;
}

// bos_token / eos_token of tokenizer_config.json: a string or {"content": ...}.
std::optional<std::string> config_token(const json& config, const char* key) {
  if (!config.contains(key)) return std::nullopt;
  const json& v = config[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) {
    return v["content"].get<std::string>();
  }
  return std::nullopt;
}

// Reads tokenizer_config.json beside `file` (when present) for bos/eos and, for the
// vocab.json + merges.txt form, its added_tokens_decoder.
json read_tokenizer_config(const std::string& file) {
  const fs::path path = beside(file, "tokenizer_config.json");
  if (!fs::exists(path)) return json();
  return parse_json(read_file(path), path.string());
}

// Sets bos/eos from tokenizer_config.json, else bos from the post-processor's template.
void set_bos_eos(TokenizerState& state, const json& config, const json& post_processor) {
  auto lookup = [&](const std::string& text) -> std::optional<int32_t> {
    if (auto it = state.added_ids.find(text); it != state.added_ids.end()) return it->second;
    if (auto it = state.bpe->vocab().find(text); it != state.bpe->vocab().end()) return it->second;
    return std::nullopt;
  };
  if (config.is_object()) {
    if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) {
      state.add_bos = config["add_bos_token"].get<bool>();
    }
    if (auto bos = config_token(config, "bos_token")) state.bos = lookup(*bos);
    if (auto eos = config_token(config, "eos_token")) state.eos = lookup(*eos);
  }
  // TemplateProcessing {"single": [{"SpecialToken": {"id": "<bos>"}}, {"Sequence": ...}]}
  if (!state.bos && type_of(post_processor) == "TemplateProcessing" &&
      post_processor.contains("single") && post_processor["single"].is_array() &&
      !post_processor["single"].empty() && post_processor["single"][0].contains("SpecialToken")) {
    const json& first = post_processor["single"][0]["SpecialToken"];
    if (first.contains("id") && first["id"].is_string()) {
      state.bos = lookup(first["id"].get<std::string>());
    }
  }
}

std::shared_ptr<const TokenizerState> state_from_tokenizer_json(const json& j,
                                                                const std::string& source,
                                                                std::string_view pre,
                                                                const json& config) {
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object()) {
    fail(source, "model", "missing: not a tokenizer.json (expected an object with \"model\")");
  }
  const json& model = j["model"];
  if (model.contains("type") && model["type"] != "BPE") {
    fail(source, "model.type", "expected \"BPE\", found " + model["type"].dump());
  }
  if (flag(model, "byte_fallback", false, source + ": model")) {
    fail(source, "model.byte_fallback", "expected false (byte-level BPE), found true");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(key) && !model[key].is_null() && model[key] != "") {
      fail(source, std::string("model.") + key,
           "expected null or \"\", found " + model[key].dump());
    }
  }
  if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"] != 0.0) {
    fail(source, "model.dropout",
         "expected null (deterministic BPE), found " + model["dropout"].dump());
  }
  TokenizerConfig cfg;
  cfg.nfc = parse_normalizer(j.value("normalizer", json()), source);
  cfg.family = parse_pre_tokenizer(j.value("pre_tokenizer", json()), source);
  cfg.ignore_merges = flag(model, "ignore_merges", false, source + ": model");
  if (!pre.empty() && pre != pre_family_name(cfg.family)) {
    throw std::runtime_error(source + ": --pre " + std::string(pre) + " disagrees with the file, " +
                             "whose pre-tokenizer is " + std::string(pre_family_name(cfg.family)));
  }
  const json decoder = j.value("decoder", json());
  if (!decoder.is_null() && type_of(decoder) != "ByteLevel") {
    fail(source, "decoder", "expected ByteLevel, found " + decoder.dump().substr(0, 200));
  }
  std::vector<AddedToken> added;
  if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
    for (size_t i = 0; i < j["added_tokens"].size(); ++i) {
      const std::string where = source + ": added_tokens[" + std::to_string(i) + "]";
      added.push_back(parse_added_token(j["added_tokens"][i], where));
      if (!j["added_tokens"][i].contains("id")) throw std::runtime_error(where + ": missing id");
    }
  }
  auto state = build_state(source, parse_vocab(model.value("vocab", json()), source, "model.vocab"),
                           parse_merges_json(model.value("merges", json::array()), source),
                           std::move(added), cfg);
  set_bos_eos(*state, config, j.value("post_processor", json()));
  return state;
}

std::shared_ptr<const TokenizerState> state_from_vocab_merges(const std::string& vocab_path,
                                                              std::string_view pre) {
  const std::string merges_path = beside(vocab_path, "merges.txt").string();
  if (pre.empty()) {
    throw std::runtime_error(vocab_path + ": vocab.json + merges.txt do not say their " +
                             "pre-tokenizer; give --pre qwen2|llama3");
  }
  const auto family = pre_family_from_name(pre);
  if (!family) {
    throw std::invalid_argument("--pre: expected qwen2, llama3, gpt2 or smollm, found \"" +
                                std::string(pre) + "\"");
  }
  if (!fs::exists(merges_path)) {
    throw std::runtime_error(vocab_path + ": expected merges.txt beside it, found none at " +
                             merges_path);
  }
  const json config = read_tokenizer_config(vocab_path);
  std::vector<AddedToken> added;
  // tokenizer_config.json "added_tokens_decoder": {"151643": {"content": ..., flags}}.
  if (config.is_object() && config.contains("added_tokens_decoder")) {
    for (const auto& [id, token] : config["added_tokens_decoder"].items()) {
      AddedToken t = parse_added_token(token, "tokenizer_config.json: added_tokens_decoder");
      t.id = std::stoi(id);
      added.push_back(std::move(t));
    }
  }
  auto state = build_state(
      vocab_path,
      parse_vocab(parse_json(read_file(vocab_path), vocab_path), vocab_path, "vocabulary"),
      parse_merges_txt(read_file(merges_path), merges_path), std::move(added),
      config_for_family(*family));
  set_bos_eos(*state, config, json());
  return state;
}

}  // namespace

MergeRule split_merge_line(std::string_view line, const std::string& where) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 >= line.size() ||
      line.find(' ', space + 1) != std::string_view::npos) {
    throw std::runtime_error(where +
                             ": expected a merge \"LEFT RIGHT\" (two symbols, one space), "
                             "found \"" +
                             std::string(line) + "\"");
  }
  return {std::string(line.substr(0, space)), std::string(line.substr(space + 1))};
}

TokenizerConfig config_for_family(PreFamily family) {
  switch (family) {
    case PreFamily::kQwen2:  // Qwen2 tokenizer.json: NFC normalizer, ignore_merges false
      return {.family = family, .nfc = true, .ignore_merges = false};
    case PreFamily::kLlama3:  // Meta-Llama-3 tokenizer.json: normalizer null, ignore_merges true
      return {.family = family, .nfc = false, .ignore_merges = true};
    case PreFamily::kGpt2:    // GPT-2 tokenizer.json: normalizer null
    case PreFamily::kSmolLm:  // SmolLM2 tokenizer.json: normalizer null, ignore_merges false
      return {.family = family, .nfc = false, .ignore_merges = false};
  }
  return {};
}

std::shared_ptr<TokenizerState> build_state(std::string source,
                                            std::unordered_map<std::string, int32_t> vocab,
                                            const std::vector<MergeRule>& merges,
                                            std::vector<AddedToken> added,
                                            const TokenizerConfig& config) {
  auto state = std::make_shared<TokenizerState>();
  state->source = source;
  state->pre = PreTokenizer::for_family(config.family);
  state->pre_name = std::string(pre_family_name(config.family));
  state->nfc = config.nfc;
  int32_t max_id = -1;
  for (const auto& [text, id] : vocab) max_id = std::max(max_id, id);
  for (const AddedToken& t : added) max_id = std::max(max_id, t.id);
  const auto n = static_cast<size_t>(max_id + 1);
  state->id_text.assign(n, "");
  state->id_bytes.assign(n, "");
  state->special.assign(n, 0);
  std::vector<uint8_t> seen(n, 0);
  for (const auto& [text, id] : vocab) {
    if (seen[static_cast<size_t>(id)]) {
      throw std::runtime_error(source + ": vocabulary: id " + std::to_string(id) +
                               " is given to both \"" + state->id_text[static_cast<size_t>(id)] +
                               "\" and \"" + text + "\"");
    }
    seen[static_cast<size_t>(id)] = 1;
    state->id_text[static_cast<size_t>(id)] = text;
    // A vocabulary entry outside the byte-level alphabet is kept as its own UTF-8 text.
    state->id_bytes[static_cast<size_t>(id)] = from_byte_level(text).value_or(text);
  }
  std::vector<AddedToken> raw, normalized;
  for (const AddedToken& t : added) {
    if (t.content.empty()) {
      throw std::runtime_error(source + ": added token " + std::to_string(t.id) + " is empty");
    }
    const auto id = static_cast<size_t>(t.id);
    if (seen[id] && state->id_text[id] != t.content) {
      throw std::runtime_error(source + ": added token \"" + t.content + "\" has id " +
                               std::to_string(t.id) + ", which the vocabulary gives to \"" +
                               state->id_text[id] + "\"");
    }
    state->id_text[id] = t.content;
    state->id_bytes[id] = t.content;
    state->special[id] = t.special ? 1 : 0;
    state->added_ids[t.content] = t.id;
    if (t.normalized && config.nfc) {
      // Matched in normalised text, so its content is normalised too (tokenizers'
      // AddedVocabulary::refresh_added_tokens does the same).
      AddedToken n = t;
      n.content = nfc(t.content);
      normalized.push_back(std::move(n));
    } else {
      raw.push_back(t);
    }
  }
  state->added = std::move(added);
  state->raw_matcher = AddedTokenMatcher(std::move(raw));
  state->normalized_matcher = AddedTokenMatcher(std::move(normalized));
  state->bpe = std::make_unique<BpeModel>(std::move(vocab), merges, config.ignore_merges, source);
  return state;
}

Tokenizer Tokenizer::from_json_text(std::string_view json_text, const std::string& source) {
  return Tokenizer(state_from_tokenizer_json(parse_json(json_text, source), source, "", json()));
}

Tokenizer Tokenizer::load(const std::string& path, std::string_view pre) {
  if (!pre.empty() && !pre_family_from_name(pre)) {
    throw std::invalid_argument("--pre: expected qwen2, llama3, gpt2 or smollm, found \"" +
                                std::string(pre) + "\"");
  }
  if (is_gguf_path(path)) {
    Tokenizer tok = from_gguf_vocab(read_gguf_vocab(path), path);
    if (!pre.empty() && pre != tok.pre_name()) {
      throw std::runtime_error(path + ": --pre " + std::string(pre) + " disagrees with the " +
                               "file, whose tokenizer.ggml.pre means " + tok.pre_name());
    }
    return tok;
  }
  fs::path file = path;
  if (fs::is_directory(file)) {
    if (fs::exists(file / "tokenizer.json")) {
      file /= "tokenizer.json";
    } else if (fs::exists(file / "vocab.json")) {
      return Tokenizer(state_from_vocab_merges((file / "vocab.json").string(), pre));
    } else {
      throw std::runtime_error(path +
                               ": expected tokenizer.json or vocab.json + merges.txt in "
                               "this directory, found neither");
    }
  }
  if (!fs::exists(file)) throw std::runtime_error(path + ": no such file or directory");
  const std::string text = read_file(file);
  const json j = parse_json(text, file.string());
  // A vocab.json maps tokens to ids (its "model" entry, if any, is a number); a tokenizer.json
  // has a "model" object.
  const bool is_vocab = j.is_object() && !(j.contains("model") && j["model"].is_object());
  if (is_vocab && fs::exists(beside(file.string(), "merges.txt"))) {
    return Tokenizer(state_from_vocab_merges(file.string(), pre));
  }
  return Tokenizer(
      state_from_tokenizer_json(j, file.string(), pre, read_tokenizer_config(file.string())));
}

}  // namespace boxed::inference::tokenizer
