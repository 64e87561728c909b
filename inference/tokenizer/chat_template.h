// Chat templates: turn a conversation into the prompt text a model was trained on. The Jinja
// templates of tokenizer_config.json are not interpreted; they are recognised by their markers as
// one of the built-in templates below, written out in C++, and anything else is refused.
//
//   ChatTemplate t = ChatTemplate::load("models/r1-distill-qwen-1.5b", /*override=*/"");
//   std::string prompt = t.apply(messages, /*add_generation_prompt=*/true);
//   // "<｜begin▁of▁sentence｜><｜User｜>What is 1+1?<｜Assistant｜><think>\n"
//   std::vector<int32_t> ids = tok.encode(prompt, /*parse_special=*/true);  // one BOS, from here
//
// Built-in templates (names for --chat-template):
//   deepseek-r1  DeepSeek-R1 / R1-Distill: BOS, system prompt, "<｜User｜>"…, "<｜Assistant｜>"…
//                "<｜end▁of▁sentence｜>", generation prompt "<｜Assistant｜><think>\n".
//   chatml       Qwen2 ChatML: "<|im_start|>role\n…<|im_end|>\n", generation prompt
//                "<|im_start|>assistant\n".
//   llama3       Llama-3 Instruct: "<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\n…
//                <|eot_id|>", generation prompt
//                "<|start_header_id|>assistant<|end_header_id|>\n\n".
//   raw          the contents only, concatenated (no BOS, no markers).
// The sources of each are cited in chat_template.cc.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inference/engine.h"

namespace boxed::inference::tokenizer {

enum class ChatTemplateKind { kDeepSeekR1, kChatMl, kLlama3, kRaw };

class ChatTemplate {
 public:
  // A built-in template by name; throws std::invalid_argument naming the built-in ones.
  static ChatTemplate by_name(std::string_view name);
  // Recognises a Jinja chat template text; throws std::runtime_error (naming `source` and the
  // built-in templates) when it matches none.
  static ChatTemplate recognise(std::string_view jinja_text, const std::string& source);
  // The template of a model: `path` is a model directory or its tokenizer_config.json. A
  // non-empty `override_name_or_file` wins: a built-in name, or a file holding a Jinja template
  // or a tokenizer_config.json, recognised as above.
  static ChatTemplate load(const std::string& path, const std::string& override_name_or_file);

  std::string apply(std::span<const Message> messages, bool add_generation_prompt) const;

  ChatTemplateKind kind() const { return kind_; }
  std::string_view name() const;
  static std::vector<std::string> builtin_names();

 private:
  explicit ChatTemplate(ChatTemplateKind kind) : kind_(kind) {}
  ChatTemplateKind kind_;
};

}  // namespace boxed::inference::tokenizer
