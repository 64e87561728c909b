// The tokenizer section of inference/tools.h: thin façades over Tokenizer and ChatTemplate.
#include "inference/tokenizer/chat_template.h"
#include "inference/tokenizer/tokenizer.h"
#include "inference/tools.h"

namespace boxed::inference {
namespace {

class TextTokenizerImpl final : public TextTokenizer {
 public:
  explicit TextTokenizerImpl(tokenizer::Tokenizer tok) : tok_(std::move(tok)) {}
  std::vector<int32_t> encode(std::string_view text, bool parse_special) const override {
    return tok_.encode(text, parse_special);
  }
  std::string decode(std::span<const int32_t> ids) const override { return tok_.decode(ids); }
  int32_t vocab_size() const override { return tok_.vocab_size(); }

 private:
  tokenizer::Tokenizer tok_;
};

}  // namespace

TextTokenizer::~TextTokenizer() = default;

std::unique_ptr<TextTokenizer> load_text_tokenizer(const std::string& path,
                                                   const std::string& pre) {
  return std::make_unique<TextTokenizerImpl>(tokenizer::Tokenizer::load(path, pre));
}

std::string render_chat_prompt(const std::string& model_dir_or_tokenizer_config,
                               std::span<const Message> messages,
                               const std::string& chat_template_override) {
  return tokenizer::ChatTemplate::load(model_dir_or_tokenizer_config, chat_template_override)
      .apply(messages, /*add_generation_prompt=*/true);
}

}  // namespace boxed::inference
