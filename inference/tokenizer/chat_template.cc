// Built-in chat templates, written out from the Jinja templates they reproduce (sources below).
#include "inference/tokenizer/chat_template.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "inference/tokenizer/gguf_source.h"

namespace boxed::inference::tokenizer {
namespace {

namespace fs = std::filesystem;

// DeepSeek-R1 markers (fullwidth bars U+FF5C, "▁" U+2581), as in the chat_template of
// DeepSeek-R1-Distill-Qwen-32B's tokenizer_config.json (../shared/tokenizers/
// deepseek-r1-distill-qwen/tokenizer_config.json).
constexpr std::string_view kR1Bos = "<｜begin▁of▁sentence｜>";
constexpr std::string_view kR1Eos = "<｜end▁of▁sentence｜>";
constexpr std::string_view kR1User = "<｜User｜>";
constexpr std::string_view kR1Assistant = "<｜Assistant｜>";
// DeepSeek-R1 model card, "Usage Recommendations": force the response to start with "<think>\n".
constexpr std::string_view kR1ThinkOpen = "<think>\n";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string builtin_list() { return "deepseek-r1, chatml, qwen2.5, smollm, llama3, raw"; }

// The default system messages of the ChatML family, as their chat templates write them when the
// conversation has none: Qwen2-Instruct, Qwen2.5-Instruct (Qwen2.5-Coder-0.5B-Instruct GGUF
// tokenizer.chat_template) and SmolLM2-Instruct (SmolLM2-135M-Instruct GGUF).
constexpr std::string_view kQwen2System = "You are a helpful assistant.";
constexpr std::string_view kQwen25System =
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
constexpr std::string_view kSmolLmSystem =
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face";

void check_role(const Message& m, std::string_view template_name) {
  if (m.role != "system" && m.role != "user" && m.role != "assistant") {
    throw std::invalid_argument("chat template " + std::string(template_name) +
                                ": message role \"" + m.role +
                                "\" is not one of system, user, assistant");
  }
}

// tokenizer_config.json: "chat_template" as a string, or a list of {"name", "template"} from
// which "default" is taken (transformers' multi-template form).
std::optional<std::string> template_of_config(const nlohmann::json& config) {
  if (!config.is_object() || !config.contains("chat_template")) return std::nullopt;
  const nlohmann::json& t = config["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {
    for (const nlohmann::json& entry : t) {
      // value("name", "") would throw a json type_error for a name that is not a string, and
      // get<std::string> for a template that is not one (as in model_config.cc, found by
      // tests/fuzz/model_config).
      if (entry.is_object() && entry.value("name", nlohmann::json()) == "default" &&
          entry.contains("template") && entry["template"].is_string()) {
        return entry["template"].get<std::string>();
      }
    }
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

ChatTemplate ChatTemplate::by_name(std::string_view name) {
  if (name == "deepseek-r1") return ChatTemplate(ChatTemplateKind::kDeepSeekR1);
  if (name == "chatml") return ChatTemplate(ChatTemplateKind::kChatMl);
  if (name == "qwen2.5") return ChatTemplate(ChatTemplateKind::kQwen25);
  if (name == "smollm") return ChatTemplate(ChatTemplateKind::kSmolLm);
  if (name == "llama3") return ChatTemplate(ChatTemplateKind::kLlama3);
  if (name == "raw") return ChatTemplate(ChatTemplateKind::kRaw);
  throw std::invalid_argument("unknown chat template \"" + std::string(name) +
                              "\"; built-in templates: " + builtin_list());
}

std::vector<std::string> ChatTemplate::builtin_names() {
  return {"deepseek-r1", "chatml", "qwen2.5", "smollm", "llama3", "raw"};
}

std::string_view ChatTemplate::name() const {
  switch (kind_) {
    case ChatTemplateKind::kDeepSeekR1:
      return "deepseek-r1";
    case ChatTemplateKind::kChatMl:
      return "chatml";
    case ChatTemplateKind::kQwen25:
      return "qwen2.5";
    case ChatTemplateKind::kSmolLm:
      return "smollm";
    case ChatTemplateKind::kLlama3:
      return "llama3";
    case ChatTemplateKind::kRaw:
      return "raw";
  }
  return "?";
}

ChatTemplate ChatTemplate::recognise(std::string_view jinja, const std::string& source) {
  const auto has = [&](std::string_view s) { return jinja.find(s) != std::string_view::npos; };
  if (has(kR1User) && has(kR1Assistant)) return ChatTemplate(ChatTemplateKind::kDeepSeekR1);
  if (has("<|im_start|>") && has("<|im_end|>")) {
    // Told apart by the default system message each writes; a ChatML template with another
    // default, none, or reasoning handling (QwQ, Qwen3: "<think>") is none of these.
    if (!has("<think>")) {
      if (has(kQwen25System)) return ChatTemplate(ChatTemplateKind::kQwen25);
      if (has(kSmolLmSystem)) return ChatTemplate(ChatTemplateKind::kSmolLm);
      if (has(kQwen2System) && !has("tools")) return ChatTemplate(ChatTemplateKind::kChatMl);
    }
    throw std::runtime_error(
        source + ": a ChatML template, but not one of the built-in ones (chatml: default system "
                 "message \"" + std::string(kQwen2System) + "\"; qwen2.5: \"" +
        std::string(kQwen25System) + "\"; smollm: \"" + std::string(kSmolLmSystem) +
        "\"); choose one with --chat-template NAME (" + builtin_list() + ")");
  }
  // Llama-3.1+ templates add a "Cutting Knowledge Date" system block and tools; not built in.
  if (has("<|start_header_id|>") && has("<|eot_id|>") && !has("Cutting Knowledge")) {
    return ChatTemplate(ChatTemplateKind::kLlama3);
  }
  throw std::runtime_error(source + ": chat template not recognised as any built-in template (" +
                           builtin_list() + "); choose one with --chat-template NAME");
}

ChatTemplate ChatTemplate::load(const std::string& path, const std::string& override_name) {
  if (!override_name.empty()) {
    for (const std::string& n : builtin_names()) {
      if (override_name == n) return by_name(n);
    }
    if (!fs::is_regular_file(override_name)) {
      throw std::invalid_argument("--chat-template \"" + override_name +
                                  "\": neither a built-in template (" + builtin_list() +
                                  ") nor a file");
    }
    const std::string text = read_file(override_name);
    const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (auto t = template_of_config(j)) return recognise(*t, override_name);
    return recognise(text, override_name);
  }
  if (is_gguf_path(path)) {
    const auto text = read_gguf_chat_template(path);
    if (!text) {
      throw std::runtime_error(path + ": no tokenizer.chat_template in this GGUF file; choose one "
                               "with --chat-template (" + builtin_list() + ")");
    }
    return recognise(*text, path + ": tokenizer.chat_template");
  }
  fs::path dir = fs::is_directory(path) ? fs::path(path) : fs::path(path).parent_path();
  fs::path config = fs::is_directory(path) ? dir / "tokenizer_config.json" : fs::path(path);
  // transformers (tokenization_utils_base.py, from_pretrained): a chat_template.jinja file takes
  // priority over the tokenizer_config.json entry.
  if (fs::is_directory(path) && fs::is_regular_file(dir / "chat_template.jinja")) {
    return recognise(read_file(dir / "chat_template.jinja"),
                     (dir / "chat_template.jinja").string());
  }
  if (fs::is_regular_file(config)) {
    const auto j = nlohmann::json::parse(read_file(config), nullptr, false);
    if (j.is_discarded()) throw std::runtime_error(config.string() + ": invalid JSON");
    if (auto t = template_of_config(j)) return recognise(*t, config.string() + ": chat_template");
  }
  // transformers >= 4.43 may save the template beside the config instead.
  if (fs::is_regular_file(dir / "chat_template.jinja")) {
    return recognise(read_file(dir / "chat_template.jinja"),
                     (dir / "chat_template.jinja").string());
  }
  // No template written down (e.g. the tiny test model): a tokenizer with the R1 markers as
  // added tokens is an R1 model.
  if (fs::is_regular_file(dir / "tokenizer.json")) {
    const std::string tok = read_file(dir / "tokenizer.json");
    if (tok.find(kR1User) != std::string::npos && tok.find(kR1Assistant) != std::string::npos) {
      return ChatTemplate(ChatTemplateKind::kDeepSeekR1);
    }
  }
  throw std::runtime_error(path +
                           ": no chat template found (tokenizer_config.json "
                           "\"chat_template\", chat_template.jinja, or R1 markers in "
                           "tokenizer.json); choose one with --chat-template (" +
                           builtin_list() + ")");
}

std::string ChatTemplate::apply(std::span<const Message> messages,
                                bool add_generation_prompt) const {
  std::string out;
  switch (kind_) {
    case ChatTemplateKind::kDeepSeekR1: {
      // {{bos_token}}{{ns.system_prompt}}: the last system message, right after BOS.
      std::string system;
      for (const Message& m : messages) {
        check_role(m, name());
        if (m.role == "system") system = m.content;
      }
      out.append(kR1Bos).append(system);
      for (const Message& m : messages) {
        if (m.role == "user") {
          out.append(kR1User).append(m.content);
        } else if (m.role == "assistant") {
          // {% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}
          std::string_view content = m.content;
          if (const size_t end = content.rfind("</think>"); end != std::string_view::npos) {
            content.remove_prefix(end + std::string_view("</think>").size());
          }
          out.append(kR1Assistant).append(content).append(kR1Eos);
        }
      }
      if (add_generation_prompt) out.append(kR1Assistant).append(kR1ThinkOpen);
      return out;
    }
    case ChatTemplateKind::kChatMl:
    case ChatTemplateKind::kQwen25:
    case ChatTemplateKind::kSmolLm: {
      // Qwen2-Instruct, Qwen2.5-Instruct and SmolLM2-Instruct chat templates: a default system
      // message when the conversation does not open with one (Qwen2.5 writes it for an empty
      // conversation too: it tests messages[0]['role'] outside the loop).
      const std::string_view system = kind_ == ChatTemplateKind::kChatMl   ? kQwen2System
                                      : kind_ == ChatTemplateKind::kQwen25 ? kQwen25System
                                                                           : kSmolLmSystem;
      const bool empty_gets_default = kind_ == ChatTemplateKind::kQwen25;
      if (messages.empty() ? empty_gets_default : messages.front().role != "system") {
        out.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
      }
      for (const Message& m : messages) {
        check_role(m, name());
        out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
      }
      if (add_generation_prompt) out += "<|im_start|>assistant\n";
      return out;
    }
    case ChatTemplateKind::kLlama3: {
      // Meta-Llama-3-8B-Instruct tokenizer_config.json chat_template: bos_token before the first
      // message, contents trimmed.
      out += "<|begin_of_text|>";
      for (const Message& m : messages) {
        check_role(m, name());
        out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n";
        out.append(trim(m.content));
        out += "<|eot_id|>";
      }
      if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      return out;
    }
    case ChatTemplateKind::kRaw:
      for (const Message& m : messages) out += m.content;
      return out;
  }
  return out;
}

}  // namespace boxed::inference::tokenizer
