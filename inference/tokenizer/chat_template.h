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
//                "<｜end▁of▁sentence｜>", generation prompt "<｜Assistant｜><think>\n" (the
//                "<think>\n" is boxed's, from the R1 model card, whether or not the model's
//                template writes it).
//   chatml       Qwen2-Instruct ChatML: "<|im_start|>role\n…<|im_end|>\n", generation prompt
//                "<|im_start|>assistant\n"; without a system message it writes the default
//                "You are a helpful assistant.".
//   qwen2.5      Qwen2.5-Instruct (and -Coder): ChatML with the default system message "You are
//                Qwen, created by Alibaba Cloud. You are a helpful assistant." (its tools branch is
//                never taken: boxed passes no tools).
//   smollm       SmolLM2-Instruct: ChatML with the default system message "You are a helpful AI
//                assistant named SmolLM, trained by Hugging Face".
//   llama3       Llama-3 Instruct: "<|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\n…
//                <|eot_id|>", generation prompt
//                "<|start_header_id|>assistant<|end_header_id|>\n\n".
//   raw          the contents only, concatenated (no BOS, no markers).
// A model's template is found in a GGUF file's tokenizer.chat_template, or in a Hugging Face
// directory's chat_template.jinja (which wins, as in transformers) or tokenizer_config.json.
// Each built-in is checked against transformers' apply_chat_template on the real template texts
// (tests/data/tokenizer/chat_templates.json, tools/tokenizer/make_chat_template_golden.py).
// The sources of each are cited in chat_template.cc.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "inference/engine.h"

namespace boxed::inference::tokenizer {

enum class ChatTemplateKind { kDeepSeekR1, kChatMl, kQwen25, kSmolLm, kLlama3, kRaw };

class ChatTemplate {
 public:
  // A built-in template by name; throws std::invalid_argument naming the built-in ones.
  static ChatTemplate by_name(std::string_view name);
  // Recognises a Jinja chat template text; throws std::runtime_error (naming `source` and the
  // built-in templates) when it matches none.
  static ChatTemplate recognise(std::string_view jinja_text, const std::string& source);
  // The template of a model: `path` is a model directory, its tokenizer_config.json, or a .gguf
  // file (tokenizer.chat_template, read from the header alone). A
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
