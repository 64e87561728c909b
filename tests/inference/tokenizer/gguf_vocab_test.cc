// Tokenizer::from_gguf_vocab on a small hand-built vocabulary in the layout of GGUF's
// tokenizer.ggml.* arrays: token types as llama.cpp treats them (control tokens special, parsed
// only with parse_special; user-defined tokens always parsed; unused tokens plain entries), the
// pre-tokenizer named by tokenizer.ggml.pre, and the refusals with the key named.
#include <gtest/gtest.h>

#include "inference/tokenizer/byte_level.h"
#include "inference/tokenizer/tokenizer.h"

namespace boxed::inference::tokenizer {
namespace {

// ids 0..255: the byte alphabet; 256 "Ġt", 257 "Ġth", 258 "Ġthe" by merges; 259 a control token,
// 260 a user-defined one, 261 an unused filler, 262 "12" by a merge.
GgufVocab small_vocab(std::string pre = "qwen2") {
  GgufVocab v;
  v.model = "gpt2";
  v.pre = std::move(pre);
  for (const std::string& c : byte_level_alphabet()) v.tokens.push_back(c);
  v.token_types.assign(256, 1);
  for (const char* t : {"Ġt", "Ġth", "Ġthe"}) {
    v.tokens.push_back(t);
    v.token_types.push_back(1);
  }
  v.merges = {"Ġ t", "Ġt h", "Ġth e"};
  v.tokens.push_back("<|im_start|>");
  v.token_types.push_back(3);
  v.tokens.push_back("<think>");
  v.token_types.push_back(4);
  v.tokens.push_back("[PAD261]");
  v.token_types.push_back(5);
  v.tokens.push_back("12");
  v.token_types.push_back(1);
  v.merges.push_back("1 2");
  v.bos = 259;
  v.eos = 259;
  v.add_bos = true;
  return v;
}

std::vector<int32_t> byte_ids(std::string_view s) {
  std::vector<int32_t> ids;
  const auto& alphabet = byte_level_alphabet();
  for (unsigned char c : s) {
    for (int32_t i = 0; i < 256; ++i) {
      if (alphabet[static_cast<size_t>(i)] == alphabet[c]) ids.push_back(i);
    }
  }
  return ids;
}

TEST(GgufVocabTest, TokenTypesAsLlamaCppTreatsThem) {
  const Tokenizer tok = Tokenizer::from_gguf_vocab(small_vocab(), "small.gguf");
  EXPECT_EQ(tok.vocab_size(), 263);
  EXPECT_EQ(tok.encode(" the", true), std::vector<int32_t>{258});
  EXPECT_EQ(tok.encode("<|im_start|> the<think>", true), (std::vector<int32_t>{259, 258, 260}));
  // parse_special=false: the control token is text, the user-defined one still a token.
  std::vector<int32_t> plain = byte_ids("<|im_start|>");
  plain.push_back(258);
  plain.push_back(260);
  EXPECT_EQ(tok.encode("<|im_start|> the<think>", false), plain);
  EXPECT_TRUE(tok.is_special(259));
  EXPECT_FALSE(tok.is_special(260));
  EXPECT_FALSE(tok.is_special(261));
  EXPECT_EQ(tok.token_id("[PAD261]"), 261);
  EXPECT_EQ(tok.decode(std::vector<int32_t>{259, 258, 260}), "<|im_start|> the<think>");
  EXPECT_EQ(tok.bos_id(), 259);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.pre_name(), "qwen2");
}

TEST(GgufVocabTest, PreNamesPickTheRegex) {
  // Digits: qwen2 and smollm split them one by one, so the "1 2" merge never applies; llama-bpe
  // (threes) and gpt2 (whole runs) let it.
  const auto n_tokens = [](const char* pre) {
    return Tokenizer::from_gguf_vocab(small_vocab(pre), pre).encode("1234").size();
  };
  EXPECT_EQ(n_tokens("qwen2"), 4u);
  EXPECT_EQ(n_tokens("deepseek-r1-qwen"), 4u);
  EXPECT_EQ(n_tokens("smollm"), 4u);
  EXPECT_EQ(n_tokens("llama-bpe"), 3u);
  EXPECT_EQ(n_tokens("gpt2"), 3u);
  EXPECT_EQ(Tokenizer::from_gguf_vocab(small_vocab("smollm"), "s").pre_name(), "smollm");
  EXPECT_EQ(Tokenizer::from_gguf_vocab(small_vocab("llama-bpe"), "s").pre_name(), "llama3");
  EXPECT_EQ(Tokenizer::from_gguf_vocab(small_vocab("gpt2"), "s").pre_name(), "gpt2");
}

void expect_error(const GgufVocab& v, const std::vector<std::string>& parts) {
  try {
    Tokenizer::from_gguf_vocab(v, "bad.gguf");
    ADD_FAILURE() << "expected an error mentioning " << parts.front();
  } catch (const std::runtime_error& e) {
    for (const std::string& p : parts) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }
}

TEST(GgufVocabTest, RefusalsNameTheKey) {
  expect_error(small_vocab("deepseek-llm"),
               {"bad.gguf", "tokenizer.ggml.pre", "\"deepseek-llm\"", "smollm"});
  GgufVocab v = small_vocab();
  v.model = "llama";
  expect_error(v, {"tokenizer.ggml.model", "\"llama\""});
  v = small_vocab();
  v.token_types.pop_back();
  expect_error(v, {"tokenizer.ggml.token_type", "263"});
  v = small_vocab();
  v.token_types[261] = 6;
  expect_error(v, {"tokenizer.ggml.token_type[261]", "byte token"});
  v = small_vocab();
  v.token_types[261] = 9;
  expect_error(v, {"tokenizer.ggml.token_type[261]", "found 9"});
  v = small_vocab();
  v.bos = 263;
  expect_error(v, {"tokenizer.ggml.bos_token_id", "[0, 263)", "263"});
  v = small_vocab();
  v.merges.push_back("Ġthe");
  expect_error(v, {"tokenizer.ggml.merges[4]", "two symbols"});
  v = small_vocab();
  v.tokens[257] = "Ġt";
  expect_error(v, {"tokenizer.ggml.tokens[257]", "repeats token 256"});
}

}  // namespace
}  // namespace boxed::inference::tokenizer
